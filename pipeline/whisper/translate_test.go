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
