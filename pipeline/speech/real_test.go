package speech_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/risk"
	"github.com/openchs/openchs-ai/pipeline/speech"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
	"github.com/openchs/openchs-ai/pipeline/whisper"
)

const rate = vadtest.Rate

// jfkText is what is said in whisper.cpp's samples/jfk.wav.
const jfkText = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."

// need fails the test in CI and skips it elsewhere: a missing dependency
// must never pass silently in CI.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}

var (
	engineOnce sync.Once
	engine     *whisper.Engine
	engineErr  error
)

// realEngine loads the tiny model once for the package's tests.
func realEngine(t testing.TB) *whisper.Engine {
	t.Helper()
	engineOnce.Do(func() {
		cache := os.Getenv("OPENCHS_AI_CACHE")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache", "openchs-ai")
		}
		var m whisper.Model
		m, engineErr = whisper.Resolve("tiny-q8_0", cache, "")
		if engineErr == nil {
			engine, engineErr = whisper.Open(whisper.Config{Model: m})
		}
	})
	if errors.Is(engineErr, whisper.ErrModelMissing) {
		need(t, "%v", engineErr)
	}
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// jfk returns samples/jfk.wav of the whisper.cpp bindings module.
func jfk(t testing.TB) []float32 {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
	if err != nil {
		need(t, "jfk.wav from the whisper.cpp bindings module: %v", err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	sig, err := audio.DecodeFile(filepath.Join(m.Dir, "samples", "jfk.wav"), audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return sig.Mono()
}

func clip(t testing.TB, name string) []float32 {
	t.Helper()
	pcm, err := vadtest.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

func transcriber(t testing.TB, cfg speech.Config) *speech.Transcriber {
	t.Helper()
	tr, err := speech.New(realEngine(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// discard is an Emitter that keeps nothing.
type discard struct{}

func (discard) Emit(context.Context, models.Event) error { return nil }

// run sends pcm through the pipeline as the service does (WAV upload,
// decode, silence skipping, whisper, guards, triage).
func run(t testing.TB, pcm []float32, lang string, vadOff bool) *models.Result {
	t.Helper()
	cl, err := risk.New(risk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := &pipeline.Runner{Decoder: audio.Decoder{}, Transcriber: transcriber(t, speech.Config{}), Stages: []pipeline.Stage{&risk.Stage{Classifier: cl}}}
	opts := models.DefaultTaskOptions()
	opts.Language, opts.IncludeTranslation, opts.VADOff = lang, false, vadOff
	res, err := r.Run(context.Background(), pipeline.Job{TaskID: "t", Audio: vadtest.WAV(pcm), Options: opts}, discard{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
