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

var _ pipeline.Transcriber = (*Transcriber)(nil)

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
	cfg.Guard = cfg.Guard.WithDefaults()
	return &Transcriber{next: next, det: det, cfg: cfg}, nil
}

// Transcribe implements pipeline.Transcriber: it finds the speech in pcm,
// has the wrapped transcriber read only that, maps the segments' times
// back to pcm and drops hallucinated segments (into Transcript.Dropped).
// A recording without speech gives an empty transcript without running
// the model.
func (t *Transcriber) Transcribe(ctx context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	var tr *models.Transcript
	var err error
	if t.cfg.VADOff || opts.VADOff {
		tr, err = t.next.Transcribe(ctx, pcm, t.live(opts, nil))
		if err != nil || tr == nil {
			return tr, err
		}
		out := *tr
		tr = &out
	} else {
		regions := t.det.Detect(pcm)
		if len(regions) == 0 {
			return t.silent(pcm, opts), nil
		}
		tr, err = t.speech(ctx, pcm, regions, opts)
		if err != nil || tr == nil {
			return tr, err
		}
	}
	tr.Duration = models.Seconds(float64(len(pcm)) / pipeline.SampleRate)
	tr.Segments, tr.Dropped = t.cfg.Guard.Filter(tr.Segments)
	tr.Text = models.JoinSegments(tr.Segments)
	return tr, nil
}

// maxPasses bounds how often speech the model skipped is given to it
// again.
const maxPasses = 3

// speech transcribes the regions of pcm. Whisper sometimes ends a 30 s
// window after a sentence and jumps to the next window, skipping the
// speech in between (with or without silence skipping); the regions it
// skipped are read again, up to maxPasses times in all.
func (t *Transcriber) speech(ctx context.Context, pcm []float32, regions []vad.Region, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	gap := int(t.cfg.Gap.Seconds() * pipeline.SampleRate)
	var out *models.Transcript
	var segs []models.Segment
	todo := regions
	inner := opts
	for pass := 0; pass < maxPasses && len(todo) > 0; pass++ {
		joined, plan := vad.Join(pcm, todo, gap, pipeline.SampleRate)
		if pass > 0 {
			inner.OnProgress = nil // the first pass reports the progress
		}
		tr, err := t.next.Transcribe(ctx, joined, t.live(inner, plan))
		if err != nil {
			return nil, err
		}
		if tr == nil {
			return nil, errors.New("speech: transcriber returned no transcript")
		}
		if out == nil {
			cp := *tr
			out = &cp
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
		missed := plan.Missed(spans)
		if len(missed) == len(todo) {
			break // nothing read this time: the model hears no words there
		}
		todo = missed
	}
	slices.SortStableFunc(segs, func(a, b models.Segment) int { return cmp.Compare(a.Start, b.Start) })
	out.Segments = snapOnsets(segs, regions)
	out.Speech = models.Seconds(float64(vad.SpeechSamples(regions)) / pipeline.SampleRate)
	return out, nil
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

// silent is the transcript of a recording without speech.
func (t *Transcriber) silent(pcm []float32, opts pipeline.TranscribeOptions) *models.Transcript {
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
		Duration:   models.Seconds(float64(len(pcm)) / pipeline.SampleRate),
		Segments:   []models.Segment{},
	}
	if m, ok := t.next.(interface{ Model() string }); ok {
		tr.Model = m.Model()
	}
	return tr
}
