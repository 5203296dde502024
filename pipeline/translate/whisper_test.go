package translate

import (
	"context"
	"errors"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// recordingTranscriber answers like the whisper engine and records the
// options it was called with.
type recordingTranscriber struct{ opts pipeline.TranscribeOptions }

func (r *recordingTranscriber) Transcribe(ctx context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	r.opts = opts
	return &models.Transcript{Text: "Help me", Language: "sw", Segments: []models.Segment{{Start: 0, End: 1, Text: "Help me"}}}, nil
}

func TestWhisperUsesTranslateTask(t *testing.T) {
	rt := &recordingTranscriber{}
	tr, err := New(Config{}, rt)
	if err != nil {
		t.Fatal(err)
	}
	got := Run(context.Background(), tr, Request{PCM: make([]float32, 16000), Transcript: &models.Transcript{Language: "sw"}}, "en")
	if got.Status != models.TranslationDone || got.Text != "Help me" || got.Backend != "whisper" {
		t.Errorf("Run = %+v", got)
	}
	if !rt.opts.Translate || rt.opts.Language != "sw" {
		t.Errorf("transcriber options %+v: want Translate and language sw", rt.opts)
	}
	if tt := got.Transcript(); tt == nil || !tt.Translated || tt.Language != "en" {
		t.Errorf("Transcript() = %+v", tt)
	}
}

func TestWhisperNeedsAudio(t *testing.T) {
	_, err := NewWhisper(&recordingTranscriber{}).Translate(context.Background(), Request{Transcript: &models.Transcript{Language: "sw"}})
	if !errors.Is(err, ErrNoAudio) {
		t.Errorf("error = %v, want ErrNoAudio", err)
	}
}
