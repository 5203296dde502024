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
	levels := d.levels(pcm)
	if len(levels) == 0 {
		return nil
	}
	floor := slidingMin(smooth(levels, 10), int(d.cfg.FloorWindow/(10*time.Millisecond)))
	runs := d.speechFrames(levels, floor)
	return d.regions(runs, len(pcm))
}

// levels returns the speech-band level of each frame, in dBFS.
func (d *Detector) levels(pcm []float32) []float64 {
	if len(pcm) < d.frame {
		return nil
	}
	band := bandpass(pcm, d.cfg.SampleRate)
	n := (len(band)-d.frame)/d.hop + 1
	out := make([]float64, n)
	// A running sum of squares over the frame.
	var sum float64
	for i := 0; i < d.frame; i++ {
		sum += band[i] * band[i]
	}
	for f := 0; f < n; f++ {
		if f > 0 {
			lo, hi := (f-1)*d.hop, f*d.hop
			for i := lo; i < hi; i++ {
				sum -= band[i] * band[i]
			}
			for i := lo + d.frame; i < hi+d.frame; i++ {
				sum += band[i] * band[i]
			}
			if f%64 == 0 { // keep rounding errors from piling up
				sum = 0
				for i := hi; i < hi+d.frame; i++ {
					sum += band[i] * band[i]
				}
			}
		}
		out[f] = 10 * math.Log10(max(sum, 0)/float64(d.frame)+1e-12)
	}
	return out
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
