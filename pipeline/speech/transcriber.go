// Package speech makes a transcriber fit real calls: it skips the silence,
// noise and hold music between the speech (voice activity detection, see
// pipeline/vad), so that the model reads only the speech and cannot invent
// words where nobody spoke, and it guards the transcript against the
// model's known hallucinations, keeping whatever it drops for review.
package speech

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/vad"
)

// Config configures a Transcriber.
type Config struct {
	// VADOff transcribes whole recordings (the flag --vad=off); a task can
	// also ask for it alone (TranscribeOptions.VADOff).
	VADOff bool
	// VAD tunes the speech detector.
	VAD vad.Config
	// Gap is the silence put between two speech regions in the audio the
	// model reads: 300 ms, enough for it to end a segment there.
	Gap time.Duration
	// Guard tunes the hallucination guards.
	Guard GuardConfig
	// Window bounds the audio the model reads in one call: 29.5 s, one
	// of whisper.cpp's stretches (see window.go).
	Window time.Duration
}

// DefaultGap is Config.Gap's default.
const DefaultGap = 300 * time.Millisecond

// Transcriber wraps another transcriber with silence skipping and
// hallucination guards. It is safe for concurrent use when the wrapped
// one is.
type Transcriber struct {
	next pipeline.Transcriber
	det  *vad.Detector
	cfg  Config
}

var _ pipeline.StreamTranscriber = (*Transcriber)(nil)

// New wraps next.
func New(next pipeline.Transcriber, cfg Config) (*Transcriber, error) {
	if next == nil {
		return nil, errors.New("speech: no transcriber to wrap")
	}
	cfg.VAD.SampleRate = pipeline.SampleRate
	det, err := vad.New(cfg.VAD)
	if err != nil {
		return nil, err
	}
	if cfg.Gap <= 0 {
		cfg.Gap = DefaultGap
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	cfg.Guard = cfg.Guard.WithDefaults()
	return &Transcriber{next: next, det: det, cfg: cfg}, nil
}

// Transcribe implements pipeline.Transcriber (see TranscribeStream).
func (t *Transcriber) Transcribe(ctx context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	return t.TranscribeStream(ctx, pipeline.Slice(pcm), opts)
}

// TranscribeStream implements pipeline.StreamTranscriber: it finds the
// speech in pcm, has the wrapped transcriber read only that, maps the
// segments' times back to pcm and drops hallucinated segments (into
// Transcript.Dropped). A recording without speech gives an empty
// transcript without running the model. The model reads the recording in
// windows of at most Config.Window (see window.go), so that neither this
// package nor the model ever holds a whole long call.
func (t *Transcriber) TranscribeStream(ctx context.Context, pcm pipeline.PCM, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	st := t.det.Stream()
	if err := pcm.Read(ctx, func(b []float32) error { st.Write(b); return nil }); err != nil {
		return nil, err
	}
	regions := st.Regions()
	whole := t.cfg.VADOff || opts.VADOff
	if !whole && len(regions) == 0 {
		return t.silent(pcm.Len(), opts), nil
	}
	tr, err := t.windows(ctx, pcm, st, regions, whole, opts)
	if err != nil || tr == nil {
		return tr, err
	}
	tr.Duration = models.Seconds(float64(pcm.Len()) / pipeline.SampleRate)
	tr.Segments, tr.Dropped = t.cfg.Guard.Filter(tr.Segments)
	tr.Text = models.JoinSegments(tr.Segments)
	return tr, nil
}

// maxPasses bounds how often speech the model skipped is given to it
// again.
const maxPasses = 3

// speech transcribes one window: joined is its regions' audio laid out
// by plan. It returns the segments with the recording's times. Whisper
// sometimes ends a 30 s window after a sentence and jumps to the next
// window, skipping the speech in between (with or without silence
// skipping); the regions it skipped are read again, up to maxPasses times
// in all (once when retry is false). first is the first pass's
// transcript.
func (t *Transcriber) speech(ctx context.Context, joined []float32, plan *vad.Plan, retry bool, opts pipeline.TranscribeOptions) (first *models.Transcript, segs []models.Segment, err error) {
	gap := int(t.cfg.Gap.Seconds() * pipeline.SampleRate)
	regions := plan.Regions()
	audio := func(r vad.Region) []float32 {
		i, _ := slices.BinarySearchFunc(regions, r.Start, func(x vad.Region, s int) int { return cmp.Compare(x.Start, s) })
		return joined[plan.At(i) : plan.At(i)+r.End-r.Start]
	}
	inner := opts
	for pass := 0; pass < maxPasses; pass++ {
		if pass > 0 {
			inner.OnProgress = nil // the first pass reports the progress
		}
		tr, err := t.next.Transcribe(ctx, joined, t.live(inner, plan))
		if err != nil {
			return nil, nil, err
		}
		if tr == nil {
			return nil, nil, errors.New("speech: transcriber returned no transcript")
		}
		if first == nil {
			first = tr
			inner.Language = tr.Language // detected once
		}
		spans := make([][2]float64, 0, len(tr.Segments))
		for _, s := range tr.Segments {
			if norm(s.Text) == "" {
				continue
			}
			spans = append(spans, [2]float64{float64(s.Start), float64(s.End)})
			a, b := plan.Span(float64(s.Start), float64(s.End))
			s.Start, s.End = models.Seconds(a), models.Seconds(b)
			segs = append(segs, s)
		}
		if !retry {
			break
		}
		missed := plan.Missed(spans)
		if len(missed) == 0 || len(missed) == len(plan.Regions()) {
			break // all read, or nothing read this time: the model hears no words there
		}
		joined, plan = vad.JoinParts(missed, gap, pipeline.SampleRate, func(i int) []float32 { return audio(missed[i]) })
	}
	return first, segs, nil
}

// snapOnsets starts the first segment of each region where the detector
// heard the speech begin, when the model put it within a second of there:
// its timestamps are coarse (tenths of a second, often late by a few),
// the detector's are not.
func snapOnsets(segs []models.Segment, regions []vad.Region) []models.Segment {
	const near = 1.0
	i := 0
	for _, r := range regions {
		on := models.Seconds(float64(r.SpeechStart) / pipeline.SampleRate)
		for i < len(segs) && segs[i].Start < on-near {
			i++
		}
		if i < len(segs) && segs[i].Start <= on+near && segs[i].Start >= on-near {
			if segs[i].End > on {
				segs[i].Start = on
			}
			i++
		}
	}
	return segs
}

// live wraps the options' segment callback: segments reach it with the
// recording's times (through plan, when there is one) and only when the
// guards that judge a segment alone keep them.
func (t *Transcriber) live(opts pipeline.TranscribeOptions, plan *vad.Plan) pipeline.TranscribeOptions {
	if opts.OnSegment == nil {
		return opts
	}
	next := opts.OnSegment
	opts.OnSegment = func(s models.Segment) {
		if !t.cfg.Guard.Keep(s) {
			return
		}
		if plan != nil {
			a, b := plan.Span(float64(s.Start), float64(s.End))
			s.Start, s.End = models.Seconds(a), models.Seconds(b)
		}
		next(s)
	}
	return opts
}

// silent is the transcript of a recording of n samples without speech.
func (t *Transcriber) silent(n int, opts pipeline.TranscribeOptions) *models.Transcript {
	lang := strings.ToLower(strings.TrimSpace(opts.Language))
	if lang == "auto" {
		lang = ""
	}
	if opts.OnProgress != nil {
		opts.OnProgress(100)
	}
	tr := &models.Transcript{
		Language:   lang,
		Translated: opts.Translate,
		Duration:   models.Seconds(float64(n) / pipeline.SampleRate),
		Segments:   []models.Segment{},
	}
	if m, ok := t.next.(interface{ Model() string }); ok {
		tr.Model = m.Model()
	}
	return tr
}
