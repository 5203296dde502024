package speech_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/internal/memtest"
	"github.com/openchs/openchs-ai/pipeline/speech"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

// burstCall is a 16 kHz 16-bit WAV upload: bursts of noise 2 to 6 s long
// (longer ones the detector takes in part for a noise floor), each after
// 2 to 9 s of digital silence, synthesised as it is read, so that the test
// itself holds none of it.
type burstCall struct {
	n      int      // samples
	bursts [][2]int // [start, end) in samples
}

func newBurstCall(d time.Duration) *burstCall {
	c := &burstCall{n: int(d.Seconds() * rate)}
	at := 0
	for k := 0; ; k++ {
		start := at + (2+k*5%8)*rate
		end := start + (2+k*3%5)*rate
		if end > c.n {
			return c
		}
		c.bursts = append(c.bursts, [2]int{start, end})
		at = end
	}
}

// Open implements pipeline.Source.
func (c *burstCall) Open(context.Context) (io.Reader, error) {
	h := vadtest.WAV(nil)
	binary.LittleEndian.PutUint32(h[4:], uint32(36+2*c.n))
	binary.LittleEndian.PutUint32(h[40:], uint32(2*c.n))
	return &burstReader{c: c, header: h, seed: 1}, nil
}

type burstReader struct {
	c      *burstCall
	header []byte
	i      int // next sample
	burst  int // the burst the sample is in or before
	seed   uint32
}

func (r *burstReader) Read(p []byte) (int, error) {
	if len(r.header) > 0 {
		n := copy(p, r.header)
		r.header = r.header[n:]
		return n, nil
	}
	if r.i >= r.c.n {
		return 0, io.EOF
	}
	k := 0
	for ; k+2 <= len(p) && r.i < r.c.n; k += 2 {
		for r.burst < len(r.c.bursts) && r.c.bursts[r.burst][1] <= r.i {
			r.burst++
		}
		var v int16
		if r.burst < len(r.c.bursts) && r.i >= r.c.bursts[r.burst][0] {
			r.seed = r.seed*1664525 + 1013904223
			v = int16(r.seed>>16) / 4
		}
		binary.LittleEndian.PutUint16(p[k:], uint16(v))
		r.i++
	}
	return k, nil
}

// burstModel stands in for whisper, which would take most of an hour on
// an hour of audio: it writes one segment per stretch of sound it is
// given (ending at 10 ms of digital silence), and notes the longest input.
type burstModel struct {
	longest, calls, said int
}

func (m *burstModel) Transcribe(_ context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	m.calls++
	m.longest = max(m.longest, len(pcm))
	var segs []models.Segment
	for i := 0; i < len(pcm); {
		if pcm[i] == 0 {
			i++
			continue
		}
		j, zeros := i, 0
		for ; j < len(pcm) && zeros < rate/100; j++ {
			if pcm[j] == 0 {
				zeros++
			} else {
				zeros = 0
			}
		}
		m.said++
		segs = append(segs, models.Segment{Start: models.Seconds(float64(i) / rate), End: models.Seconds(float64(j-zeros) / rate),
			Text: fmt.Sprintf("burst %d", m.said)})
		i = j
	}
	if opts.OnProgress != nil {
		opts.OnProgress(50)
		opts.OnProgress(100)
	}
	return &models.Transcript{Language: "en", Segments: segs}, nil
}

// progressTap notes the progress the transcriber reports, before the
// runner keeps it from going back.
type progressTap struct {
	*speech.Transcriber
	got []int
}

func (p *progressTap) TranscribeStream(ctx context.Context, pcm pipeline.PCM, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	next := opts.OnProgress
	opts.OnProgress = func(v int) { p.got = append(p.got, v); next(v) }
	return p.Transcriber.TranscribeStream(ctx, pcm, opts)
}

// TestMemoryOneHourCall runs an hour-long upload through the runner, with
// silence skipping and without: the heap never holds the call (230 MB of
// float32 PCM, 115 MB of WAV) but at most a window of it, the model never
// reads more than a window at once, every burst of sound comes out as one
// segment at its own time, in order, and the progress never goes back.
func TestMemoryOneHourCall(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes an hour of audio three times")
	}
	call := newBurstCall(time.Hour)
	window := int(speech.DefaultWindow.Seconds() * rate)
	for _, vadOff := range []bool{false, true} {
		t.Run(fmt.Sprintf("vad_off=%v", vadOff), func(t *testing.T) {
			model := &burstModel{}
			st, err := speech.New(model, speech.Config{})
			if err != nil {
				t.Fatal(err)
			}
			tap := &progressTap{Transcriber: st}
			r := &pipeline.Runner{Decoder: audio.Decoder{}, Transcriber: tap}
			opts := models.DefaultTaskOptions()
			opts.Language, opts.VADOff = "en", vadOff
			var res *models.Result
			peak := memtest.PeakHeap(t, func() {
				res, err = r.Run(context.Background(), pipeline.Job{TaskID: "hour", Source: call, Options: opts}, discard{})
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("peak heap %d MB; %d model calls, the longest %.0f s", peak>>20, model.calls, float64(model.longest)/rate)
			if peak > 64<<20 {
				t.Errorf("an hour-long call peaked at %d MB of heap, want at most 64 (the call's PCM alone is 220 MB)", peak>>20)
			}
			if model.longest > window {
				t.Errorf("the model read %.0f s at once, more than the %v window", float64(model.longest)/rate, speech.DefaultWindow)
			}
			if res.Duration != 3600 {
				t.Errorf("duration %v s, want 3600", res.Duration)
			}
			if len(res.Segments) != len(call.bursts) {
				t.Fatalf("%d segments for %d bursts of sound", len(res.Segments), len(call.bursts))
			}
			for i, b := range call.bursts {
				s := res.Segments[i]
				start, end := float64(b[0])/rate, float64(b[1])/rate
				if math.Abs(float64(s.Start)-start) > 0.05 || math.Abs(float64(s.End)-end) > 0.1 {
					t.Errorf("burst %d at %.2f–%.2f s came out at %.2f–%.2f s", i, start, end, s.Start, s.End)
				}
			}
			if !slices.IsSorted(tap.got) || len(tap.got) == 0 || tap.got[len(tap.got)-1] < 99 {
				t.Errorf("progress %v: want it non-decreasing up to 100", tap.got)
			}
		})
	}
}
