package translate

import (
	"context"
	"fmt"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// Whisper translates by running the transcription model's translate task
// on the audio: local, and the same model that transcribed the call.
type Whisper struct {
	t pipeline.Transcriber
}

var _ Translator = (*Whisper)(nil)

// NewWhisper returns a backend that translates with t.
func NewWhisper(t pipeline.Transcriber) *Whisper { return &Whisper{t: t} }

// Name implements Translator.
func (w *Whisper) Name() string { return BackendWhisper }

// Translate implements Translator. Whisper translates into English only.
func (w *Whisper) Translate(ctx context.Context, req Request) (*models.Transcript, error) {
	audio := req.Audio
	if audio == nil {
		audio = pipeline.Slice(req.PCM)
	}
	if audio.Len() == 0 && len(req.Voices) == 0 {
		return nil, ErrNoAudio
	}
	lang := "auto"
	if req.Transcript != nil && req.Transcript.Language != "" {
		lang = req.Transcript.Language
	}
	opts := pipeline.TranscribeOptions{Language: lang, Translate: true}
	var t *models.Transcript
	var err error
	if len(req.Voices) > 0 {
		t, err = pipeline.TranscribeVoices(ctx, w.t, req.Voices, opts)
	} else {
		t, err = pipeline.Transcribe(ctx, w.t, audio, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("whisper translate: %w", err)
	}
	if t == nil {
		return nil, fmt.Errorf("whisper translate: no transcript")
	}
	out := *t
	out.Language, out.Translated = "en", true
	return &out, nil
}
