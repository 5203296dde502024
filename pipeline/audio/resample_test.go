package audio

import (
	"fmt"
	"math"
	"testing"
)

// toneResponse resamples one second of a full-scale sine at freq Hz from
// inRate to SampleRate and returns the gain of the output relative to the
// input and the level of everything in the output that is not the tone
// itself (aliases, images, distortion), both in dB. For a tone at or above
// 8 kHz, which cannot be represented at 16 kHz, gain is the level of what
// leaks through.
func toneResponse(inRate int, freq float64) (gainDB, residualDB float64) {
	in := make([]float32, inRate)
	for i := range in {
		in[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(inRate)+0.3))
	}
	r := newConverter(inRate, newConverterFilter(inRate))
	var out []float32
	for i := 0; i < len(in); i += 1000 { // feed it in blocks, as decoders do
		out = r.process(in[i:min(i+1000, len(in))], out)
	}
	out = r.flush(out)
	// Leave out the filter's start and end transients.
	out = out[len(out)/8 : len(out)*7/8]
	rms := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v * v
		}
		return math.Sqrt(s / float64(len(x)))
	}
	y := make([]float64, len(out))
	for i, v := range out {
		y[i] = float64(v)
	}
	inRMS := 0.5 / math.Sqrt2
	if freq >= SampleRate/2 {
		return 20 * math.Log10(rms(y)/inRMS+1e-300), 0
	}
	// Least-squares fit of a sine and cosine at freq; what is left over is
	// the residual.
	var ss, sc, cc, ys, yc float64
	start := float64(len(out) / 6) // any phase origin works
	for i, v := range y {
		w := 2 * math.Pi * freq * (float64(i) + start) / SampleRate
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		sc += s * c
		cc += c * c
		ys += v * s
		yc += v * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	res := make([]float64, len(y))
	for i, v := range y {
		w := 2 * math.Pi * freq * (float64(i) + start) / SampleRate
		res[i] = v - a*math.Sin(w) - b*math.Cos(w)
	}
	amp := math.Hypot(a, b)
	return 20 * math.Log10(amp/0.5), 20 * math.Log10(rms(res)/inRMS+1e-300)
}

// TestResamplerQuality measures the resampler with pure tones: flat pass
// band, clean output, and no audible alias of anything the 16 kHz output
// cannot carry.
func TestResamplerQuality(t *testing.T) {
	const (
		maxRipple   = 0.01  // dB, pass band
		maxResidual = -70.0 // dB, everything but the tone, pass band
		maxAlias    = -60.0 // dB, tones at or above 8 kHz
	)
	for _, rate := range []int{8000, 11025, 22050, 32000, 44100, 48000, 96000, 44056} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			minGain, maxGain, worstResidual, worstAlias := math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(-1)
			edge := passEdge * float64(min(rate, SampleRate))
			for f := 40.0; f <= edge; f += 293 {
				g, r := toneResponse(rate, f)
				minGain, maxGain = min(minGain, g), max(maxGain, g)
				worstResidual = max(worstResidual, r)
				if math.Abs(g) > maxRipple || r > maxResidual {
					t.Errorf("%.0f Hz: gain %+.4f dB, residual %.1f dB; want within ±%g dB and below %g dB",
						f, g, r, maxRipple, maxResidual)
				}
			}
			for f := 8000.0; f < float64(rate)/2; f += 371 {
				g, _ := toneResponse(rate, f)
				worstAlias = max(worstAlias, g)
				if g > maxAlias {
					t.Errorf("%.0f Hz leaks through at %.1f dB, want below %g dB", f, g, maxAlias)
				}
			}
			t.Logf("pass band 40–%.0f Hz: gain %+.4f…%+.4f dB, residual ≤ %.1f dB; tones ≥ 8 kHz: ≤ %.1f dB",
				edge, minGain, maxGain, worstResidual, worstAlias)
		})
	}
}

// TestResamplerStreaming checks that feeding the input in blocks of any
// size gives the same output as feeding it at once, and that the output
// has the length the rate ratio implies.
func TestResamplerStreaming(t *testing.T) {
	in := make([]float32, 44100)
	for i := range in {
		in[i] = float32(math.Sin(float64(i) * 0.01 * float64(i%97)))
	}
	r := newConverter(44100, newConverterFilter(44100))
	var out []float32
	for i, n := 0, 1; i < len(in); i, n = i+n, n%1000+7 {
		out = r.process(in[i:min(i+n, len(in))], out)
	}
	out = r.flush(out)
	if len(out) != SampleRate {
		t.Fatalf("1 s at 44.1 kHz gave %d samples, want %d", len(out), SampleRate)
	}
	ref := newConverter(44100, newConverterFilter(44100))
	want := ref.flush(ref.process(in, nil))
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("sample %d: %v fed in blocks, %v fed at once", i, out[i], want[i])
		}
	}
}
