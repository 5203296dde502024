// Package vad finds the stretches of a recording that hold speech (voice
// activity detection), so that a transcriber reads only those, and maps
// times in the shortened audio back to the recording.
//
// The detector is an energy detector on the speech band: each 30 ms frame
// (10 ms apart) is band-passed to 200–4000 Hz, which removes mains hum, air
// conditioning rumble and line hiss outside the voice, and its level is
// compared with the noise floor around it (the quietest stretch within a
// few seconds). Frames well above the floor start speech, frames somewhat
// above it keep it going; bursts too short to be a word are dropped, and
// pauses shorter than a breath stay inside the region. It is pure Go and
// reads a 12-minute call in about half a second on one core.
package vad

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config tunes a Detector. The zero value of a field means its default.
type Config struct {
	// SampleRate of the PCM, in Hz: 16000.
	SampleRate int
	// ThresholdDB is how far above the noise floor a frame must be to
	// start speech: 12 dB. Speech continues while frames stay half as far
	// above it.
	ThresholdDB float64
	// MinLevelDB is the level (dB full scale, speech band) below which a
	// frame is never speech however quiet the floor: -55 dBFS.
	MinLevelDB float64
	// FloorWindow is how far around a frame the noise floor is looked
	// for: 4 s each side.
	FloorWindow time.Duration
	// MinSpeech is the shortest burst kept as speech: 200 ms.
	MinSpeech time.Duration
	// MinGap is the shortest silence that separates two regions: 1 s.
	// Shorter pauses stay inside one region.
	MinGap time.Duration
	// Pad is added before and after each region: 250 ms, so that soft
	// word onsets and endings are not clipped.
	Pad time.Duration
}

// Defaults, chosen on the recordings in this package's tests and the
// benchmark in scripts/bench-vad.sh.
const (
	DefaultSampleRate  = 16000
	DefaultThresholdDB = 12
	DefaultMinLevelDB  = -55
	DefaultFloorWindow = 4 * time.Second
	DefaultMinSpeech   = 200 * time.Millisecond
	DefaultMinGap      = time.Second
	DefaultPad         = 250 * time.Millisecond
)

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.SampleRate == 0 {
		c.SampleRate = DefaultSampleRate
	}
	if c.ThresholdDB == 0 {
		c.ThresholdDB = DefaultThresholdDB
	}
	if c.MinLevelDB == 0 {
		c.MinLevelDB = DefaultMinLevelDB
	}
	if c.FloorWindow == 0 {
		c.FloorWindow = DefaultFloorWindow
	}
	if c.MinSpeech == 0 {
		c.MinSpeech = DefaultMinSpeech
	}
	if c.MinGap == 0 {
		c.MinGap = DefaultMinGap
	}
	if c.Pad == 0 {
		c.Pad = DefaultPad
	}
	return c
}

// Validate reports a configuration the detector cannot run with.
func (c Config) Validate() error {
	var errs []error
	if c.SampleRate < 8000 || c.SampleRate > 192000 {
		errs = append(errs, fmt.Errorf("vad: sample rate %d Hz is outside 8000–192000", c.SampleRate))
	}
	if c.ThresholdDB <= 0 || math.IsNaN(c.ThresholdDB) || math.IsInf(c.ThresholdDB, 0) {
		errs = append(errs, fmt.Errorf("vad: threshold %v dB must be a positive number", c.ThresholdDB))
	}
	if math.IsNaN(c.MinLevelDB) || c.MinLevelDB >= 0 {
		errs = append(errs, fmt.Errorf("vad: minimum level %v dBFS must be below 0", c.MinLevelDB))
	}
	if c.FloorWindow < 0 || c.MinSpeech < 0 || c.MinGap < 0 || c.Pad < 0 {
		errs = append(errs, errors.New("vad: durations must not be negative"))
	}
	return errors.Join(errs...)
}

// Region is a stretch of a recording that holds speech, in samples.
// [Start, End) includes the padding; [SpeechStart, SpeechEnd) is where the
// detector heard speech begin and end.
type Region struct {
	Start, End             int
	SpeechStart, SpeechEnd int
}

// Detector finds speech regions. It is safe for concurrent use.
type Detector struct {
	cfg Config
	// frame and hop lengths, in samples.
	frame, hop int
}

// New returns a detector for cfg.
func New(cfg Config) (*Detector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, frame: cfg.SampleRate * 30 / 1000, hop: cfg.SampleRate / 100}, nil
}

// Config returns the detector's configuration, defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// Detect returns the speech regions of pcm (mono, in [-1, 1]) in order,
// padded and merged, none overlapping; none when it holds no speech.
// Non-finite samples count as silence.
func (d *Detector) Detect(pcm []float32) []Region {
	st := d.Stream()
	st.Write(pcm)
	return st.Regions()
}

// Stream is one detection over a recording read block by block: its
// memory is a few bytes per 10 ms, not the recording's.
type Stream struct {
	d *Detector
	m meter
	// quiet is the levels smoothed over 100 ms, set by Regions.
	quiet []float64
}

// Stream starts a detection; Write the recording to it in order, then
// call Regions.
func (d *Detector) Stream() *Stream {
	rate := d.cfg.SampleRate
	high := min(float64(bandHigh), 0.45*float64(rate))
	return &Stream{d: d, m: meter{frame: d.frame, hop: d.hop,
		hp1: newBiquad(true, bandLow, rate), hp2: newBiquad(true, bandLow, rate), lp: newBiquad(false, high, rate)}}
}

// Write adds the next block of the recording.
func (s *Stream) Write(pcm []float32) { s.m.write(pcm) }

// Regions returns the speech regions of what was written, as Detect does.
func (s *Stream) Regions() []Region {
	levels := s.m.levels
	if len(levels) == 0 {
		return nil
	}
	s.quiet = smooth(levels, 10)
	floor := slidingMin(s.quiet, int(s.d.cfg.FloorWindow/(10*time.Millisecond)))
	runs := s.d.speechFrames(levels, floor)
	return s.d.regions(runs, s.m.n)
}

// Quietest returns the sample in [from, to) where the 100 ms around it
// are the quietest of the stretch (a pause between words, where a
// recording can be cut): from when the stretch is shorter than a frame or
// Regions was not called.
func (s *Stream) Quietest(from, to int) int {
	hop := s.d.hop
	lo, hi := (from+hop-1)/hop, min(to/hop, len(s.quiet))
	best := -1
	for f := lo; f < hi; f++ {
		if best < 0 || s.quiet[f] < s.quiet[best] {
			best = f
		}
	}
	if best < 0 {
		return from
	}
	return best*hop + s.d.frame/2
}

// meter computes the speech-band level of each frame, in dBFS, as the
// samples arrive: each is band-passed to the speech band (two high-pass
// sections, 24 dB per octave below 200 Hz where hum and rumble live, and
// one low-pass) and a running sum of squares is kept over the frame.
// Non-finite samples become silence.
type meter struct {
	frame, hop   int
	hp1, hp2, lp *biquad
	n            int       // samples written
	band         []float64 // band-passed samples from sample base on
	base         int
	sum          float64
	levels       []float64
}

func (m *meter) write(pcm []float32) {
	m.n += len(pcm)
	for _, v := range pcm {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			x = 0
		}
		x = max(min(x, 1), -1)
		m.band = append(m.band, m.lp.step(m.hp2.step(m.hp1.step(x))))
	}
	b := func(i int) float64 { v := m.band[i-m.base]; return v * v }
	for f := len(m.levels); f*m.hop+m.frame <= m.n; f++ {
		if f == 0 {
			for i := 0; i < m.frame; i++ {
				m.sum += b(i)
			}
		} else {
			lo, hi := (f-1)*m.hop, f*m.hop
			for i := lo; i < hi; i++ {
				m.sum -= b(i)
			}
			for i := lo + m.frame; i < hi+m.frame; i++ {
				m.sum += b(i)
			}
			if f%64 == 0 { // keep rounding errors from piling up
				m.sum = 0
				for i := hi; i < hi+m.frame; i++ {
					m.sum += b(i)
				}
			}
		}
		m.levels = append(m.levels, 10*math.Log10(max(m.sum, 0)/float64(m.frame)+1e-12))
	}
	// The next frame reads from the start of the last one on.
	if keep := max(len(m.levels)-1, 0) * m.hop; keep-m.base > 1<<16 {
		m.band = m.band[:copy(m.band, m.band[keep-m.base:])]
		m.base = keep
	}
}

// run is a stretch of speech frames, [start, end).
type run struct{ start, end int }

// speechFrames applies the two thresholds with hysteresis and returns the
// runs of speech frames.
func (d *Detector) speechFrames(levels, floor []float64) []run {
	var runs []run
	in, start := false, 0
	for f, l := range levels {
		high := max(floor[f]+d.cfg.ThresholdDB, d.cfg.MinLevelDB)
		low := max(floor[f]+d.cfg.ThresholdDB/2, d.cfg.MinLevelDB)
		switch {
		case !in && l > high:
			in, start = true, f
		case in && l <= low:
			in = false
			runs = append(runs, run{start, f})
		}
	}
	if in {
		runs = append(runs, run{start, len(levels)})
	}
	return runs
}

// regions turns runs of frames into padded, merged sample regions.
func (d *Detector) regions(runs []run, n int) []Region {
	rate := d.cfg.SampleRate
	samples := func(t time.Duration) int { return int(t.Seconds() * float64(rate)) }
	minSpeech, minGap, pad := samples(d.cfg.MinSpeech), samples(d.cfg.MinGap), samples(d.cfg.Pad)
	var out []Region
	for _, r := range runs {
		s := r.start * d.hop
		e := min(r.end*d.hop+d.frame, n)
		if len(out) > 0 && s-out[len(out)-1].SpeechEnd < minGap {
			out[len(out)-1].SpeechEnd = e
			continue
		}
		out = append(out, Region{SpeechStart: s, SpeechEnd: e})
	}
	kept := out[:0]
	for _, r := range out {
		if r.SpeechEnd-r.SpeechStart < minSpeech {
			continue
		}
		r.Start, r.End = max(r.SpeechStart-pad, 0), min(r.SpeechEnd+pad, n)
		if len(kept) > 0 && r.Start <= kept[len(kept)-1].End {
			last := &kept[len(kept)-1]
			last.End, last.SpeechEnd = r.End, r.SpeechEnd
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

// SpeechSamples is the number of samples the regions cover.
func SpeechSamples(rs []Region) int {
	n := 0
	for _, r := range rs {
		n += r.End - r.Start
	}
	return n
}
