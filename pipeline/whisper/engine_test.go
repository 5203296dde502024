//go:build cgo

package whisper

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
)

const jfkSentence = "ask not what your country can do for you"

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

// testEngine is shared by the tests: loading a model per test is slow.
func testEngine(t testing.TB) *Engine {
	t.Helper()
	m := testModel(t)
	engineOnce.Do(func() {
		engine, engineErr = Open(Config{Model: m, Threads: 2, Slots: 2, BackendDir: os.Getenv("OPENCHS_AI_GGML_BACKENDS")})
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// jfkPCM decodes the bindings module's jfk.wav (11 s of speech).
func jfkPCM(t testing.TB) []float32 {
	t.Helper()
	sig, err := audio.DecodeFile(JFKPath(t), audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return sig.Mono()
}

var nonWord = regexp.MustCompile(`[^a-z ]+`)

// normalize lower-cases s and drops punctuation and repeated spaces.
func normalize(s string) string {
	return strings.Join(strings.Fields(nonWord.ReplaceAllString(strings.ToLower(s), " ")), " ")
}

func TestTranscribeJFK(t *testing.T) {
	e := testEngine(t)
	var progress []int
	var segs []models.Segment
	tr, err := e.Transcribe(context.Background(), jfkPCM(t), pipeline.TranscribeOptions{
		Language:   "en",
		OnProgress: func(p int) { progress = append(progress, p) },
		OnSegment:  func(s models.Segment) { segs = append(segs, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(normalize(tr.Text), jfkSentence) {
		t.Errorf("transcript %q does not contain %q", tr.Text, jfkSentence)
	}
	if tr.Language != "en" || tr.Model != "tiny-q8_0@c2085835d3f5" {
		t.Errorf("language %q, model %q; want en, tiny-q8_0@c2085835d3f5", tr.Language, tr.Model)
	}
	if d := float64(tr.Duration); d < 10.9 || d > 11.1 {
		t.Errorf("duration %.2f s, want 11.0", d)
	}
	if err := tr.Validate(); err != nil {
		t.Error(err)
	}
	if len(tr.Segments) == 0 || tr.Segments[len(tr.Segments)-1].End < 10 {
		t.Errorf("segments %+v do not cover the recording", tr.Segments)
	}
	if len(segs) != len(tr.Segments) {
		t.Errorf("OnSegment saw %d segments, transcript has %d", len(segs), len(tr.Segments))
	}
	if len(progress) == 0 || progress[len(progress)-1] != 100 {
		t.Errorf("progress %v does not end at 100", progress)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i] < progress[i-1] {
			t.Errorf("progress goes backwards: %v", progress)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	tr, err := testEngine(t).Transcribe(context.Background(), jfkPCM(t), pipeline.TranscribeOptions{Language: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Language != "en" || tr.LanguageProb < 0.5 {
		t.Errorf("detected %q with p=%.2f, want en with p ≥ 0.5", tr.Language, tr.LanguageProb)
	}
	if !strings.Contains(normalize(tr.Text), jfkSentence) {
		t.Errorf("transcript %q does not contain %q", tr.Text, jfkSentence)
	}
}

func TestTranscribeRejects(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name string
		pcm  []float32
		lang string
		want error
	}{
		{"no samples", nil, "en", pipeline.ErrAudioTooShort},
		{"50 ms", make([]float32, 800), "en", pipeline.ErrAudioTooShort},
		{"unknown language", make([]float32, SampleRate), "xx", ErrUnknownLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Transcribe(context.Background(), tt.pcm, pipeline.TranscribeOptions{Language: tt.lang})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTranscribeSilence(t *testing.T) {
	tr, err := testEngine(t).Transcribe(context.Background(), make([]float32, 2*SampleRate), pipeline.TranscribeOptions{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(normalize(tr.Text)) > 40 {
		t.Errorf("2 s of silence gave a long transcript: %q", tr.Text)
	}
}

func TestCancel(t *testing.T) {
	e := testEngine(t)
	jfk := jfkPCM(t)
	var long []float32
	for range 12 { // 2 minutes
		long = append(long, jfk...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	start := time.Now()
	var cancelledAt time.Time
	_, err := e.Transcribe(ctx, long, pipeline.TranscribeOptions{
		Language: "en",
		OnProgress: func(p int) {
			once.Do(func() { cancelledAt = time.Now(); cancel() })
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	t.Logf("cancelled after %v, returned %v later", cancelledAt.Sub(start), time.Since(cancelledAt))
	// The slot is usable again.
	tr, err := e.Transcribe(context.Background(), jfk, pipeline.TranscribeOptions{Language: "en"})
	if err != nil || !strings.Contains(normalize(tr.Text), jfkSentence) {
		t.Fatalf("after a cancel: %v, %q", err, tr.Text)
	}
}

func TestConcurrentSlots(t *testing.T) {
	e := testEngine(t)
	jfk := jfkPCM(t)
	var wg sync.WaitGroup
	texts := make([]string, 4)
	errs := make([]error, 4)
	for i := range texts {
		wg.Go(func() {
			tr, err := e.Transcribe(context.Background(), jfk, pipeline.TranscribeOptions{Language: "en", OnProgress: func(int) {}})
			if err == nil {
				texts[i] = tr.Text
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range texts {
		if errs[i] != nil || !strings.Contains(normalize(texts[i]), jfkSentence) {
			t.Errorf("transcription %d: %v, %q", i, errs[i], texts[i])
		}
	}
}

// BenchmarkTranscribePCM transcribes raw 16 kHz float32 PCM from the file
// named by OPENCHS_AI_BENCH_PCM (default: jfk.wav), as scripts/bench-whisper.sh
// does with whisper.cpp's C API. It reports the real-time factor.
func BenchmarkTranscribePCM(b *testing.B) {
	var pcm []float32
	if p := os.Getenv("OPENCHS_AI_BENCH_PCM"); p != "" {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		pcm = make([]float32, len(raw)/4)
		for i := range pcm {
			pcm[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	} else {
		pcm = jfkPCM(b)
	}
	threads := 2
	if s := os.Getenv("OPENCHS_AI_BENCH_THREADS"); s != "" {
		threads, _ = strconv.Atoi(s)
	}
	e, err := Open(Config{Model: testModel(b), Threads: threads, Slots: 1, BackendDir: os.Getenv("OPENCHS_AI_GGML_BACKENDS")})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	opts := pipeline.TranscribeOptions{Language: "en", OnProgress: func(int) {}, OnSegment: func(models.Segment) {}}
	for b.Loop() {
		if _, err := e.Transcribe(context.Background(), pcm, opts); err != nil {
			b.Fatal(err)
		}
	}
	audio := float64(len(pcm)) / SampleRate
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/audio, "rtf")
}

// By default the engine's transcriptions share the CPUs Go counts, however
// many slots it has: one alone may use them all (up to the cap), together
// never more (the budget's tests show how they are shared).
func TestDefaultThreadsShareTheCPUs(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	for _, slots := range []int{1, 2, cpus, 3 * cpus} {
		c := Config{Slots: slots}.WithDefaults()
		if c.CPUs != cpus {
			t.Errorf("%d slots: a budget of %d CPUs, want %d", slots, c.CPUs, cpus)
		}
		if m := c.maxThreads(); m != min(cpus, maxThreadsPerTranscription) {
			t.Errorf("%d slots: a lone transcription may use %d threads, want %d", slots, m, min(cpus, maxThreadsPerTranscription))
		}
	}
}
