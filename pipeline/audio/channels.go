package audio

import (
	"bytes"
	"context"
	"math"

	"github.com/openchs/openchs-ai/pipeline"
)

var _ pipeline.ChannelDecoder = Decoder{}

// DecodeChannels implements pipeline.ChannelDecoder: an upload to one
// signal per channel at SampleRate. A mono recording gives one signal (no
// copy is made), and so does a multi-channel one whose channels carry the
// same signal (see SameSignal): its channels are averaged in place.
func (d Decoder) DecodeChannels(ctx context.Context, data []byte) ([][]float32, error) {
	cfg := d.Config
	cfg.Channels = Split
	sig, err := Decode(bytes.NewReader(data), cfg)
	if err != nil {
		return nil, pipelineError(err)
	}
	return sig.Distinct(), nil
}

// Distinct returns the signal's channels, or, when all of them carry the
// same signal (SameSignal), one channel: their average, written over the
// first, the others released.
func (s *Signal) Distinct() [][]float32 {
	if len(s.Channels) < 2 {
		return s.Channels
	}
	for _, c := range s.Channels[1:] {
		if !SameSignal(s.Channels[0], c) {
			return s.Channels
		}
	}
	first := s.Channels[0]
	scale := 1 / float32(len(s.Channels))
	for i := range first {
		var sum float32
		for _, c := range s.Channels {
			sum += c[i]
		}
		first[i] = sum * scale
	}
	s.Channels = [][]float32{first}
	return s.Channels
}

const (
	// SameCorrelation is the least normalised correlation of two channels
	// that carry one signal: a copy, or a copy at another gain, with noise
	// or rounding at least 17 dB under the signal. Two speakers, even
	// with crosstalk between their channels, correlate far less.
	SameCorrelation = 0.99
	// silentRMS is the level under which a channel counts as silent
	// (-80 dBFS): two silent channels are the same signal.
	silentRMS = 1e-4
)

// SameSignal reports whether channels a and b carry the same signal: a
// "stereo" recording of one mono source, copied to both sides, perhaps at
// different gains or with a little noise or rounding. Two channels with
// different speakers, even with some crosstalk between them, do not; nor
// does a silent channel next to a sounding one.
func SameSignal(a, b []float32) bool {
	n := min(len(a), len(b))
	var aa, bb, ab float64
	for i := range n {
		x, y := float64(a[i]), float64(b[i])
		aa += x * x
		bb += y * y
		ab += x * y
	}
	quiet := silentRMS * silentRMS * float64(n)
	switch {
	case aa <= quiet && bb <= quiet:
		return true
	case aa <= quiet || bb <= quiet:
		return false
	}
	return ab/math.Sqrt(aa*bb) >= SameCorrelation
}
