//go:build cgo

package whisper

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/translate"
)

// TestTranslateSwahiliSpeech runs Swahili speech (espeak-ng) through the
// default translation backend, Whisper's translate task. Tiny is weak at
// Swahili: the test asks for English words, not for a good translation.
func TestTranslateSwahiliSpeech(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		need(t, "espeak-ng is not installed")
	}
	wav := filepath.Join(t.TempDir(), "sw.wav")
	text := "Habari, naitwa Amina. Nina miaka kumi na mbili. Baba yangu ananipiga kila siku na ninaogopa kurudi nyumbani leo usiku."
	if out, err := exec.Command("espeak-ng", "-v", "sw", "-s", "140", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	sig, err := audio.DecodeFile(wav, audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := testEngine(t)
	src := &models.Transcript{Language: "sw"}
	tr := translate.Run(context.Background(), translate.NewWhisper(e), translate.Request{Transcript: src, PCM: sig.Mono()}, "en")
	if tr.Status != models.TranslationDone {
		t.Fatalf("translation status %s: %s", tr.Status, tr.Error)
	}
	words := strings.Fields(tr.Text)
	ascii := 0
	for _, w := range words {
		if strings.IndexFunc(w, func(r rune) bool { return r > unicode.MaxASCII }) < 0 {
			ascii++
		}
	}
	t.Logf("%d words, %d ASCII", len(words), ascii)
	if len(words) < 3 || float64(ascii) < 0.8*float64(len(words)) {
		t.Errorf("translation is not English-looking text: %d words, %d ASCII", len(words), ascii)
	}
}

// A call split into agent and caller is translated channel by channel:
// every segment of the translation names its speaker, and the caller's
// turn comes after the agent's as it was spoken.
func TestTranslateSplitCall(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		need(t, "espeak-ng is not installed")
	}
	say := func(text string) []float32 {
		wav := filepath.Join(t.TempDir(), "sw.wav")
		if out, err := exec.Command("espeak-ng", "-v", "sw", "-s", "140", "-w", wav, text).CombinedOutput(); err != nil {
			t.Fatalf("espeak-ng: %v\n%s", err, out)
		}
		sig, err := audio.DecodeFile(wav, audio.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return sig.Mono()
	}
	agent := say("Habari, hapa ni huduma ya watoto. Nikusaidie nini?")
	caller := say("Baba yangu ananipiga kila siku na ninaogopa kurudi nyumbani.")
	n := len(agent) + 16000 + len(caller)
	left, right := make([]float32, n), make([]float32, n)
	copy(left, agent)
	copy(right[len(agent)+16000:], caller)
	voices := pipeline.Voices([][]float32{left, right}, 0)
	tr := translate.Run(context.Background(), translate.NewWhisper(testEngine(t)),
		translate.Request{Transcript: &models.Transcript{Language: "sw"}, Voices: voices}, "en")
	if tr.Status != models.TranslationDone {
		t.Fatalf("translation status %s: %s", tr.Status, tr.Error)
	}
	var order []string
	for _, s := range tr.Segments {
		if s.Speaker == "" || s.Channel == nil {
			t.Fatalf("segment %q names no speaker", s.Text)
		}
		if len(order) == 0 || order[len(order)-1] != s.Speaker {
			order = append(order, s.Speaker)
		}
	}
	t.Logf("translation: %q", tr.Text)
	if strings.Join(order, ",") != "agent,caller" {
		t.Errorf("turns %q, want the agent then the caller", order)
	}
}
