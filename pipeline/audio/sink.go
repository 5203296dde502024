package audio

import (
	"fmt"
	"slices"
	"time"
)

// sink receives decoded source frames block by block, mixes or splits the
// channels, resamples them to SampleRate and accumulates the result. It
// enforces the duration limit before it accepts a block.
type sink struct {
	rate      int
	channels  int
	split     bool
	maxFrames int64 // source frames allowed by the duration limit
	limit     time.Duration
	frames    int64
	countOnly bool // keep nothing: count frames (Probe)
	// stream, when set, receives the output block by block instead of
	// the sink keeping it (Stream); out then stays empty.
	stream  func([]float32) error
	samples int // output samples handed to stream

	rs      []*converter // one per output channel, nil when rate is SampleRate
	out     []*pcmStore
	mix     []float32
	tmp     []float32
	clamped []float32 // the block handed to stream
}

// newSink prepares a sink for source frames at rate with the given number
// of channels. hint, when not -1, is the expected number of source frames
// derived from the real size of the input; it only sizes the first
// allocation.
func newSink(rate, channels int, cfg Config, hint int64) (*sink, error) {
	s := &sink{
		rate:      rate,
		channels:  channels,
		split:     cfg.Channels == Split && channels > 1,
		maxFrames: int64(cfg.MaxDuration.Seconds() * float64(rate)),
		limit:     cfg.MaxDuration,
		countOnly: cfg.countOnly,
		stream:    cfg.stream,
	}
	if s.countOnly {
		return s, nil
	}
	nout := 1
	if s.split {
		nout = channels
	}
	if s.stream != nil {
		s.split, nout, hint = false, 1, 0
	}
	var outHint int64 = -1
	if hint >= 0 {
		hint = min(hint, s.maxFrames)
		outHint = hint*SampleRate/int64(rate) + 1
	}
	f := newConverterFilter(rate)
	for range nout {
		if rate != SampleRate {
			s.rs = append(s.rs, newConverter(rate, f))
		}
		s.out = append(s.out, newPCMStore(outHint))
	}
	return s, nil
}

// write accepts one block of planar source frames (every slice the same
// length).
func (s *sink) write(planar [][]float32) error {
	n := len(planar[0])
	if s.frames+int64(n) > s.maxFrames {
		return fmt.Errorf("recording is longer than the %v limit: %w", s.limit, ErrTooLong)
	}
	s.frames += int64(n)
	if s.countOnly {
		return nil
	}
	if s.split {
		for c, x := range planar {
			if err := s.emit(c, x); err != nil {
				return err
			}
		}
		return nil
	}
	x := planar[0]
	if len(planar) > 1 {
		if cap(s.mix) < n {
			s.mix = make([]float32, n)
		}
		x = s.mix[:n]
		copy(x, planar[0])
		for _, p := range planar[1:] {
			for i, v := range p[:n] {
				x[i] += v
			}
		}
		scale := 1 / float32(len(planar))
		for i := range x {
			x[i] *= scale
		}
	}
	return s.emit(0, x)
}

func (s *sink) emit(c int, x []float32) error {
	if s.rs != nil {
		s.tmp = s.rs[c].process(x, s.tmp[:0])
		x = s.tmp
	}
	return s.put(c, x)
}

// put keeps x, or hands it to the stream, clamped.
func (s *sink) put(c int, x []float32) error {
	if s.stream == nil {
		s.out[c].append(x)
		return nil
	}
	if len(x) == 0 {
		return nil
	}
	s.clamped = appendClamped(slices.Grow(s.clamped[:0], len(x)), x)
	s.samples += len(x)
	return s.stream(s.clamped)
}

// finish flushes the resamplers and returns the signal.
func (s *sink) finish() (*Signal, error) {
	if s.frames == 0 {
		return nil, fmt.Errorf("recording has no samples: %w", ErrEmpty)
	}
	sig := &Signal{SourceRate: s.rate, SourceChannels: s.channels}
	if s.countOnly {
		sig.probed = time.Duration(s.frames) * time.Second / time.Duration(s.rate)
		return sig, nil
	}
	if s.stream != nil {
		if s.rs != nil {
			s.tmp = s.rs[0].flush(s.tmp[:0])
			if err := s.put(0, s.tmp); err != nil {
				return nil, err
			}
		}
		sig.streamed = s.samples
		return sig, nil
	}
	for c, st := range s.out {
		if s.rs != nil {
			s.tmp = s.rs[c].flush(s.tmp[:0])
			st.append(s.tmp)
		}
		sig.Channels = append(sig.Channels, st.join())
	}
	s.out = nil
	return sig, nil
}

// pcmStore accumulates samples, clamped to [-1, 1]. With a size hint it
// grows one slice; without, it fills fixed chunks and joins them at the
// end, so that its peak memory stays near twice the output instead of the
// three times that slice doubling can reach.
type pcmStore struct {
	whole  []float32
	chunks [][]float32
	n      int
}

const storeChunk = 1 << 18 // samples

func newPCMStore(hint int64) *pcmStore {
	p := &pcmStore{}
	if hint > 0 {
		p.whole = make([]float32, 0, hint+hint/64+64)
	}
	return p
}

func (p *pcmStore) append(x []float32) {
	p.n += len(x)
	if p.whole != nil && len(p.whole)+len(x) <= cap(p.whole) {
		p.whole = appendClamped(p.whole, x)
		return
	}
	if p.whole != nil {
		// The hint was short: carry on in chunks.
		p.chunks = append(p.chunks, p.whole)
		p.whole = nil
	}
	for len(x) > 0 {
		if len(p.chunks) == 0 || len(p.chunks[len(p.chunks)-1]) == cap(p.chunks[len(p.chunks)-1]) {
			p.chunks = append(p.chunks, make([]float32, 0, storeChunk))
		}
		last := &p.chunks[len(p.chunks)-1]
		k := min(len(x), cap(*last)-len(*last))
		*last = appendClamped(*last, x[:k])
		x = x[k:]
	}
}

// appendClamped appends x, clamped, to dst, which must have room for it.
func appendClamped(dst, x []float32) []float32 {
	n := len(dst)
	dst = dst[:n+len(x)]
	out := dst[n:]
	for i, v := range x {
		out[i] = clamp(v)
	}
	return dst
}

// join returns all samples as one slice.
func (p *pcmStore) join() []float32 {
	if p.chunks == nil {
		if p.whole == nil {
			return []float32{}
		}
		return p.whole
	}
	out := make([]float32, 0, p.n)
	for i, c := range p.chunks {
		out = append(out, c...)
		p.chunks[i] = nil
	}
	if p.whole != nil {
		out = append(out, p.whole...)
	}
	return out
}
