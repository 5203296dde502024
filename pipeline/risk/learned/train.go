package learned

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Example is one training text and the rank of its priority (0 low to 3
// critical).
type Example struct {
	Text  string
	Class int
}

// TrainConfig sets how Train fits a model.
type TrainConfig struct {
	// Dim is the size of the hashed feature space; 1<<16 by default.
	Dim int
	// Epochs over the (augmented) examples; 12 by default.
	Epochs int
	// LearningRate of AdaGrad; 0.5 by default.
	LearningRate float64
	// L2 is the weight decay applied at each update of a weight; 1e-4
	// by default.
	L2 float64
	// NoisyCopies of each example are added, each with Noise at a rate
	// drawn from [NoiseMin, NoiseMax]; 2, 0.1 and 0.2 by default. A
	// negative NoisyCopies adds none.
	NoisyCopies        int
	NoiseMin, NoiseMax float64
	// Seed fixes the noise and the order of the examples.
	Seed uint64
	// Threshold and CriticalThreshold are stored in the model.
	Threshold, CriticalThreshold float64
}

// WithDefaults returns c with unset fields filled in.
func (c TrainConfig) WithDefaults() TrainConfig {
	if c.Dim == 0 {
		c.Dim = 1 << 16
	}
	if c.Epochs == 0 {
		c.Epochs = 12
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.5
	}
	if c.L2 == 0 {
		c.L2 = 1e-4
	}
	if c.NoisyCopies == 0 {
		c.NoisyCopies = 2
	}
	if c.NoiseMin == 0 && c.NoiseMax == 0 {
		c.NoiseMin, c.NoiseMax = 0.1, 0.2
	}
	if c.Threshold == 0 {
		c.Threshold = 0.5
	}
	if c.CriticalThreshold == 0 {
		c.CriticalThreshold = 0.8
	}
	return c
}

// Validate reports whether c can be used.
func (c TrainConfig) Validate() error {
	switch {
	case c.Dim <= 0 || c.Dim > maxDim:
		return fmt.Errorf("dimension %d outside (0, %d]", c.Dim, maxDim)
	case c.Epochs < 0, c.LearningRate < 0, c.L2 < 0:
		return fmt.Errorf("epochs, learning rate and L2 must not be negative")
	case c.NoiseMin < 0 || c.NoiseMax > 1 || c.NoiseMin > c.NoiseMax:
		return fmt.Errorf("noise range [%v, %v] not within [0, 1]", c.NoiseMin, c.NoiseMax)
	}
	return nil
}

// Train fits a model to the examples by stochastic gradient descent with
// AdaGrad steps on the cross-entropy, in an order and with noise drawn
// from cfg.Seed: the same examples and configuration give the same
// model, bit for bit.
func Train(examples []Example, cfg TrainConfig) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6f70656e636873))
	type sample struct {
		fs    []feat
		class int
	}
	var data []sample
	for i, e := range examples {
		if e.Class < 0 || e.Class >= Classes {
			return nil, fmt.Errorf("example %d: class %d outside [0, %d)", i, e.Class, Classes)
		}
		data = append(data, sample{featurize(words(e.Text), cfg.Dim), e.Class})
		for range max(cfg.NoisyCopies, 0) {
			rate := cfg.NoiseMin + rng.Float64()*(cfg.NoiseMax-cfg.NoiseMin)
			data = append(data, sample{featurize(words(Noise(e.Text, rate, rng)), cfg.Dim), e.Class})
		}
	}
	w := make([]float64, cfg.Dim*Classes)
	g2 := make([]float64, cfg.Dim*Classes)
	var bias, biasG2 [Classes]float64
	const eps = 1e-8
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	for range cfg.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			s := data[i]
			var z [Classes]float64
			z = bias
			for _, f := range s.fs {
				for k := range z {
					z[k] += float64(f.val * w[f.idx*Classes+k])
				}
			}
			p := softmax(z)
			var g [Classes]float64
			for k := range g {
				g[k] = p[k]
				if k == s.class {
					g[k] -= 1
				}
				biasG2[k] += float64(g[k] * g[k])
				bias[k] -= cfg.LearningRate * g[k] / math.Sqrt(biasG2[k]+eps)
			}
			for _, f := range s.fs {
				for k := range g {
					j := f.idx*Classes + k
					grad := float64(g[k]*f.val) + float64(cfg.L2*w[j])
					g2[j] += float64(grad * grad)
					w[j] -= float64(cfg.LearningRate*grad) / math.Sqrt(g2[j]+eps)
				}
			}
		}
	}
	m := &Model{Dim: cfg.Dim, Threshold: cfg.Threshold, CriticalThreshold: cfg.CriticalThreshold}
	for k := range bias {
		m.bias[k] = float32(bias[k])
	}
	m.w = make([]float32, len(w))
	for j, v := range w {
		m.w[j] = float32(v)
	}
	return m, nil
}

// sealed names the splits of testdata/eval.jsonl no model is trained or
// tuned on: they are kept for scoring the classifier once.
var sealed = map[string]bool{"dev2-holdout": true}

// IsSealed reports whether the narratives of split are kept out of
// training and of the choice of thresholds.
func IsSealed(split string) bool { return sealed[split] }

// DefaultTrainConfig is the configuration of the embedded model. Its
// Threshold, 0.6, makes a call the model finds high or critical with
// probability above 0.6 at least high, and no other. On the
// leave-one-split-out evaluation (TestLeaveOneSplitOut, -learned.sweep)
// with fresh13 in it, raising on the most likely priority (or a
// probability above 0.5) gave recall 0.963 at 102 false alarms in 655
// (0.156, over risk.AcceptedFalseAlarmRate); 0.6 gives 0.956 at 87
// (0.133); 0.7, 0.937 at 71. CriticalThreshold, 0.8, was set, not tuned.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Seed: 1, Threshold: 0.6, CriticalThreshold: 0.8}.WithDefaults()
}
