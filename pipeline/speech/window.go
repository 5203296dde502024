package speech

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/vad"
)

// DefaultWindow is Config.Window's default: 29.5 s, one of whisper.cpp's
// 30 s stretches. The model reads each window whole, in one pass of its
// encoder, so it cannot end a stretch after a sentence and jump ahead
// over the speech between, as it does reading longer audio: on the
// half-silent calls of this package's tests and scripts/bench-vad.sh,
// 3-minute windows lost whole sentences (WER on the speech 28 % on the
// 150-s call, 18 % on the 12-minute one) where windows of a stretch lose
// none (9 %). A window costs about 160 KB a second of audio while the
// model reads it (the joined speech, whisper.cpp's padded copy and its mel
// spectrogram); an hour read at once held over a gigabyte.
const DefaultWindow = 29500 * time.Millisecond

// window is what the model reads in one call: regions of the recording,
// joined with gaps between them; size samples in all.
type window struct {
	regions []vad.Region
	size    int
}

// plan cuts the recording into windows of at most Config.Window: the
// speech regions in order, or, when whole, the recording itself. Every
// window is filled: a region that does not fit in what is left of one is
// cut where it is quietest in the window's last fifth (a pause between
// phrases), its head ends the window and its tail begins the next. The
// model pays for a whole stretch whatever it is given (whisper.cpp pads
// every call to 30 s), so a window left a third empty costs as much as a
// full one: on the half-silent call of scripts/bench-vad.sh, regions
// packed whole took 18 windows for 371 s of speech.
func (t *Transcriber) plan(st *vad.Stream, regions []vad.Region, n int, whole bool) []window {
	limit := max(int(t.cfg.Window.Seconds()*pipeline.SampleRate), pipeline.SampleRate)
	gap := int(t.cfg.Gap.Seconds() * pipeline.SampleRate)
	if whole {
		regions = []vad.Region{{Start: 0, End: n, SpeechStart: 0, SpeechEnd: n}}
	}
	var ws []window
	var cur window
	flush := func() {
		ws = append(ws, cur)
		cur = window{}
	}
	add := func(r vad.Region) {
		if len(cur.regions) > 0 {
			cur.size += gap
		}
		cur.regions = append(cur.regions, r)
		cur.size += r.End - r.Start
	}
	for _, r := range regions {
		for {
			room := limit - cur.size
			if len(cur.regions) > 0 {
				room -= gap
			}
			if r.End-r.Start <= room {
				add(r)
				break
			}
			// The head fills the window to its last fifth at least, and
			// the tail is at least a quarter window: a sliver of a phrase
			// read alone is read badly.
			hi := min(r.Start+room, r.End-limit/4)
			lo := max(hi-limit/5, r.Start)
			if hi-r.Start < limit/5 {
				flush() // too little room: the region begins the next window
				continue
			}
			c := st.Quietest(lo, hi)
			if c <= r.Start {
				flush()
				continue
			}
			add(vad.Region{Start: r.Start, End: c, SpeechStart: r.SpeechStart, SpeechEnd: min(r.SpeechEnd, c)})
			flush()
			r.Start, r.SpeechStart = c, max(r.SpeechStart, c)
		}
	}
	if len(cur.regions) > 0 {
		ws = append(ws, cur)
	}
	return ws
}

// windows reads pcm again and transcribes it window by window as the
// windows' audio arrives, holding one window's audio at a time. Segment
// times are the recording's; progress runs over all windows.
//
// Each window is read on its own, as whisper.cpp reads each 30 s stretch
// of a call by default (no_context): the task's own prompt leads every
// window, the text of the windows before does not. Carried over as a
// prompt (64 words), it made every window cost more to decode (28.4 s
// against 20.8 s for the 12-minute call of scripts/bench-throughput.sh)
// and no window read better: WER on the half-silent call 8.7 % with it,
// 8.3 % without.
func (t *Transcriber) windows(ctx context.Context, pcm pipeline.PCM, st *vad.Stream, regions []vad.Region, whole bool, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	ws := t.plan(st, regions, pcm.Len(), whole)
	total := 0
	for _, w := range ws {
		total += w.size
	}
	gap := int(t.cfg.Gap.Seconds() * pipeline.SampleRate)
	var (
		out   *models.Transcript
		segs  []models.Segment
		done  int // samples of the windows read
		inner = opts
		k     int       // the window being filled
		plan  *vad.Plan // its layout
		buf   []float32 // its audio, joined; one buffer serves every window
	)
	begin := func() {
		if k < len(ws) {
			plan = vad.NewPlan(ws[k].regions, gap, pipeline.SampleRate)
			buf = slices.Grow(buf[:0], plan.Len())[:plan.Len()]
			clear(buf)
		}
	}
	run := func() error {
		o := inner
		if opts.OnProgress != nil {
			base, size := done, len(buf)
			o.OnProgress = func(p int) {
				opts.OnProgress(int((float64(base) + float64(min(max(p, 0), 100))/100*float64(size)) * 100 / float64(total)))
			}
		}
		first, got, err := t.speech(ctx, buf, plan, !whole, o)
		if err != nil {
			return err
		}
		if out == nil {
			cp := *first
			out = &cp
			inner.Language = first.Language // detected once
		}
		segs = append(segs, got...)
		done += len(buf)
		k++
		begin()
		return nil
	}
	begin()
	pos := 0
	err := pcm.Read(ctx, func(b []float32) error {
		end := pos + len(b)
		for k < len(ws) {
			rs := ws[k].regions
			for i, r := range rs {
				if lo, hi := max(r.Start, pos), min(r.End, end); lo < hi {
					copy(buf[plan.At(i)+lo-r.Start:], b[lo-pos:hi-pos])
				}
			}
			if rs[len(rs)-1].End > end {
				break
			}
			if err := run(); err != nil {
				return err
			}
		}
		pos = end
		return nil
	})
	if err != nil {
		return nil, err
	}
	if k < len(ws) {
		return nil, errors.New("speech: the recording ended before its last window")
	}
	if whole {
		out.Segments = segs
		out.Speech = models.Seconds(float64(pcm.Len()) / pipeline.SampleRate)
		return out, nil
	}
	slices.SortStableFunc(segs, func(a, b models.Segment) int { return cmp.Compare(a.Start, b.Start) })
	out.Segments = snapOnsets(segs, regions)
	out.Speech = models.Seconds(float64(vad.SpeechSamples(regions)) / pipeline.SampleRate)
	return out, nil
}
