package learned

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/openchs/openchs-ai/models"
)

//go:generate go run gen.go

// Classes is the number of priorities the model tells apart; class k is
// the priority of rank k (0 low, 1 medium, 2 high, 3 critical).
const Classes = 4

// Model is a multinomial logistic regression over the hashed word,
// bigram and character n-gram features of a normalised text. It is safe
// for concurrent use.
type Model struct {
	// Dim is the size of the hashed feature space.
	Dim int
	// Threshold is the probability of high or critical above which the
	// model's opinion is at least high.
	Threshold float64
	// CriticalThreshold is the probability of critical above which the
	// model's opinion is critical when the rules saw imminence.
	CriticalThreshold float64
	bias              [Classes]float32
	w                 []float32 // Dim rows of Classes weights
}

// Probs are a model's probabilities of the four priorities, by rank.
type Probs [Classes]float64

// Severe is the probability of high or critical.
func (p Probs) Severe() float64 { return p[2] + p[3] }

// Opinion is the priority m gives a call whose probabilities are p: high
// or above exactly when the probability of high or critical exceeds
// m.Threshold (then the more likely of the two), otherwise the more likely
// of low and medium. A most likely high that is not likely enough
// (high 0.40, medium 0.35, low 0.25) is no reason to raise a call: such
// readings made most of the second opinion's false alarms. Critical needs
// imminent (the rules saw immediacy, a means, injury or danger): without
// it a most likely critical is high, and with it a probability of
// critical above m.CriticalThreshold is enough.
func (m *Model) Opinion(p Probs, imminent bool) models.Priority {
	return m.OpinionAt(p, m.Threshold, imminent)
}

// OpinionAt is Opinion with threshold in place of m.Threshold.
func (m *Model) OpinionAt(p Probs, threshold float64, imminent bool) models.Priority {
	best := 0
	if p[1] > p[0] {
		best = 1
	}
	if p.Severe() > threshold {
		best = 2
		if p[3] > p[2] {
			best = 3
		}
	}
	if best == 3 && !imminent {
		best = 2
	}
	if best < 3 && imminent && p[3] > m.CriticalThreshold {
		best = 3
	}
	return models.Priorities[best]
}

// Predict returns the probabilities of the four priorities of text.
func (m *Model) Predict(text string) Probs {
	return m.predictFeats(featurize(words(text), m.Dim))
}

func (m *Model) predictFeats(fs []feat) Probs {
	var z [Classes]float64
	for k := range z {
		z[k] = float64(m.bias[k])
	}
	for _, f := range fs {
		row := m.w[f.idx*Classes : f.idx*Classes+Classes]
		for k := range z {
			z[k] += float64(f.val * float64(row[k]))
		}
	}
	return softmax(z)
}

func softmax(z [Classes]float64) Probs {
	top := z[0]
	for _, v := range z[1:] {
		top = max(top, v)
	}
	var p Probs
	var sum float64
	for k, v := range z {
		p[k] = math.Exp(v - top)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// Explain returns the byte span in text of the word or pair of words
// whose features most favour high or critical over low or medium, and
// false when no word does.
func (m *Model) Explain(text string) (start, end int, ok bool) {
	ws := words(text)
	best := 0.0
	for i := range ws {
		for n := 1; n <= 2 && i+n <= len(ws); n++ {
			var idx int
			if n == 1 {
				idx = hashFeature(kindWord, ws[i].norm, m.Dim)
			} else {
				idx = hashFeature(kindBigram, ws[i].norm+" "+ws[i+1].norm, m.Dim)
			}
			row := m.w[idx*Classes : idx*Classes+Classes]
			s := float64(max(row[2], row[3]) - max(row[0], row[1]))
			if s > best {
				best, start, end, ok = s, ws[i].start, ws[i+n-1].end, true
			}
		}
	}
	return start, end, ok
}

// magic starts a model file; the digit is the format's version.
const magic = "OCHSLR2\n"

// ErrModelFormat marks bytes that are not a model.
var ErrModelFormat = errors.New("not a learned risk model")

// header is the fixed part of a model file, little-endian, after magic;
// Dim rows of Classes float32 weights follow.
type header struct {
	Dim               uint32
	Threshold         float64
	CriticalThreshold float64
	Bias              [Classes]float32
}

// WriteTo writes m in its binary form.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	b.WriteString(magic)
	h := header{Dim: uint32(m.Dim), Threshold: m.Threshold, CriticalThreshold: m.CriticalThreshold, Bias: m.bias}
	if err := binary.Write(&b, binary.LittleEndian, h); err != nil {
		return 0, err
	}
	if err := binary.Write(&b, binary.LittleEndian, m.w); err != nil {
		return 0, err
	}
	return b.WriteTo(w)
}

// maxDim bounds the feature space a model file may declare.
const maxDim = 1 << 22

// Read reads a model written by WriteTo.
func Read(r io.Reader) (*Model, error) {
	got := make([]byte, len(magic))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != magic {
		return nil, fmt.Errorf("%w: bad magic", ErrModelFormat)
	}
	var h header
	if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrModelFormat, err)
	}
	if h.Dim == 0 || h.Dim > maxDim {
		return nil, fmt.Errorf("%w: dimension %d", ErrModelFormat, h.Dim)
	}
	m := &Model{Dim: int(h.Dim), Threshold: h.Threshold, CriticalThreshold: h.CriticalThreshold, bias: h.Bias}
	m.w = make([]float32, m.Dim*Classes)
	if err := binary.Read(r, binary.LittleEndian, m.w); err != nil {
		return nil, fmt.Errorf("%w: weights: %v", ErrModelFormat, err)
	}
	return m, nil
}

//go:embed model.bin
var embedded []byte

var defaultModel = sync.OnceValue(func() *Model {
	m, err := Read(bytes.NewReader(embedded))
	if err != nil {
		panic(fmt.Sprintf("learned: embedded model: %v", err)) // covered by tests
	}
	return m
})

// Default returns the model trained on the repository's labelled
// narratives, embedded in the binary.
func Default() *Model { return defaultModel() }
