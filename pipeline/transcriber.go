package pipeline

import (
	"context"
	"errors"

	"github.com/openchs/openchs-ai/models"
)

// Transcriber turns 16 kHz mono float32 PCM into a timed transcript.
type Transcriber interface {
	Transcribe(ctx context.Context, pcm []float32, opts TranscribeOptions) (*models.Transcript, error)
}

// TranscribeOptions tunes one transcription.
type TranscribeOptions struct {
	// Language is an ISO 639-1 code ("sw", "en", ...) or "auto" to detect
	// it. Empty means "auto".
	Language string
	// Translate asks the model for English output whatever the spoken
	// language.
	Translate bool
	// Prompt, when set, leads the model in (Whisper's initial prompt).
	Prompt string
	// Temperature is the sampling temperature; 0 decodes greedily.
	Temperature float64
	// Words asks for each segment's words with their times.
	Words bool
	// OnProgress, when set, receives the progress in percent (0–100),
	// non-decreasing, from the goroutine that runs the transcription.
	OnProgress func(percent int)
	// OnSegment, when set, receives each segment as soon as it is decoded.
	OnSegment func(models.Segment)
	// VADOff asks a transcriber that skips silence to read the whole
	// recording.
	VADOff bool
}

// ErrAudioTooShort reports audio with too little signal to transcribe.
var ErrAudioTooShort = errors.New("audio too short to transcribe")
