package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// SampleRate is the rate, in Hz, of the PCM a Decoder returns and a
// Transcriber reads.
const SampleRate = 16000

// Decoder turns an uploaded recording (WAV, MP3, ...) into 16 kHz mono
// float32 PCM in [-1, 1]. Errors wrap ErrUnsupportedAudio, ErrUndecodableAudio,
// ErrEmptyAudio or ErrAudioTooLong when the recording itself is at fault.
type Decoder interface {
	Decode(ctx context.Context, data []byte) ([]float32, error)
}

// Errors a Decoder wraps when the recording, not the machine, is at fault:
// retrying cannot help.
var (
	ErrUnsupportedAudio = errors.New("unsupported audio format")
	ErrUndecodableAudio = errors.New("undecodable audio")
	ErrEmptyAudio       = errors.New("audio holds no samples")
	ErrAudioTooLong     = errors.New("audio too long")
)

// BadAudio reports whether err says the recording cannot be processed.
func BadAudio(err error) bool {
	return errors.Is(err, ErrUnsupportedAudio) || errors.Is(err, ErrUndecodableAudio) ||
		errors.Is(err, ErrEmptyAudio) || errors.Is(err, ErrAudioTooLong) || errors.Is(err, ErrAudioTooShort)
}

// Emitter receives a task's progress events. The runner sets Type, Stage,
// Progress and Data; the Emitter stamps the task id, sequence number and
// time.
type Emitter interface {
	Emit(ctx context.Context, ev models.Event) error
}

// Stage is a step after transcription (translation, classification). It
// reads in, completes res and emits its own event (translation_complete,
// classification_complete). A stage
// that the task's options leave out returns nil without doing anything.
type Stage interface {
	Name() models.Stage
	Run(ctx context.Context, in *StageInput, res *models.Result, emit Emitter) error
}

// StageInput is what the stages after transcription read. A stage may add
// to it for the stages after it.
type StageInput struct {
	Options models.TaskOptions
	// PCM is the recording when it was decoded into memory; nil when it
	// is read in passes (Audio) or split (Voices).
	PCM []float32
	// Audio is the mono recording, however it is held; nil when it was
	// split into Voices.
	Audio      PCM
	Transcript *models.Transcript
	// Translation is the English translation, set by the translation
	// stage when it produced one.
	Translation *models.Transcript
	// Voices are the recording's channels when they were transcribed as
	// separate speakers; PCM is then nil.
	Voices []Voice
}

// Job is one recording to process.
type Job struct {
	TaskID string
	// Audio is the upload, unless Source is set.
	Audio []byte
	// Source, when set, is read instead of Audio, as often as the
	// pipeline needs, so that the upload is never held whole.
	Source  Source
	Options models.TaskOptions
}

// Error is a pipeline failure, naming the stage it happened in.
type Error struct {
	Stage models.Stage
	Err   error
}

func (e *Error) Error() string { return string(e.Stage) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Runner drives a recording through decode, transcribe and the later
// stages, emitting an event as each step progresses.
type Runner struct {
	Decoder     Decoder
	Transcriber Transcriber
	// Stages run after transcription, in order.
	Stages []Stage
	// Model names the transcriber's model when its transcripts do not.
	Model string
	// Channels is the channel mode of tasks that do not choose one:
	// models.ChannelsMix (the default when empty) or models.ChannelsSplit,
	// which needs a Decoder that is a ChannelDecoder.
	Channels string
	// AgentChannel is the agent's channel in split recordings of tasks
	// that do not choose one (0 left, 1 right).
	AgentChannel int
}

// Run processes job and returns its result. The caller emits the task's
// started and completed/failed events; Run emits the ones in between.
func (r *Runner) Run(ctx context.Context, job Job, emit Emitter) (*models.Result, error) {
	if r.Decoder == nil || r.Transcriber == nil {
		return nil, errors.New("runner needs a decoder and a transcriber")
	}
	res := &models.Result{TaskID: job.TaskID, Status: models.StatusCompleted, Models: map[string]string{}}
	begin := time.Now()

	start := time.Now()
	// A recording the transcriber can read in passes is decoded as it is
	// read, never held whole; the others are decoded once into memory.
	stream, streaming, err := r.openStream(ctx, job)
	var pcm []float32
	var voices []Voice
	if err == nil && !streaming {
		pcm, voices, err = r.decode(ctx, job)
	}
	if err != nil {
		return nil, &Error{Stage: models.StageDecode, Err: err}
	}
	n := samples(pcm, voices)
	if streaming {
		n = stream.Len()
	} else if len(voices) == 0 {
		stream = Slice(pcm)
	}
	if n == 0 {
		return nil, &Error{Stage: models.StageDecode, Err: ErrEmptyAudio}
	}
	res.Timings.Set(models.StageDecode, time.Since(start))
	res.Duration = models.Seconds(float64(n) / SampleRate)
	if err := EmitData(ctx, emit, models.EventDecodingComplete, models.StageDecode, nil, models.DecodingData{Duration: res.Duration}); err != nil {
		return nil, err
	}

	start = time.Now()
	tr, err := r.transcribe(ctx, stream, voices, job.Options, emit)
	if err != nil {
		return nil, &Error{Stage: models.StageTranscribe, Err: err}
	}
	res.Timings.Set(models.StageTranscribe, time.Since(start))
	res.Transcript = tr.Text
	res.Language = tr.Language
	res.Segments = tr.Segments
	if res.Segments == nil {
		res.Segments = []models.Segment{}
	}
	keepSpeechFields(res, tr)
	model := tr.Model
	if model == "" {
		model = r.Model
	}
	if model != "" {
		res.Models["transcriber"] = model
	}
	data := models.TranscriptionData{Text: tr.Text, Language: tr.Language, Duration: res.Duration}
	if err := EmitData(ctx, emit, models.EventTranscriptionComplete, models.StageTranscribe, nil, data); err != nil {
		return nil, err
	}

	in := &StageInput{Options: job.Options, PCM: pcm, Audio: stream, Voices: voices, Transcript: tr}
	for _, s := range r.Stages {
		start = time.Now()
		if err := s.Run(ctx, in, res, emit); err != nil {
			return nil, &Error{Stage: s.Name(), Err: err}
		}
		res.Timings.Set(s.Name(), time.Since(start))
	}
	res.Timings.Set(models.StageDone, time.Since(begin))
	return res, nil
}

// transcribe runs the transcriber, turning its progress callbacks into
// non-decreasing transcription_progress events that end at 100.
func (r *Runner) transcribe(ctx context.Context, pcm PCM, voices []Voice, opts models.TaskOptions, emit Emitter) (*models.Transcript, error) {
	last := -1
	var emitErr error
	progress := func(p int) {
		p = min(max(p, 0), 100)
		if p <= last || emitErr != nil {
			return
		}
		last = p
		emitErr = EmitData(ctx, emit, models.EventTranscriptionProgress, models.StageTranscribe, &p, nil)
	}
	progress(0)
	to := TranscribeOptions{
		Language:    opts.Language,
		Prompt:      opts.Prompt,
		Temperature: opts.Temperature,
		Words:       opts.Words,
		VADOff:      opts.VADOff,
		OnProgress:  progress,
		OnSegment: func(s models.Segment) {
			if emitErr == nil {
				emitErr = EmitData(ctx, emit, models.EventTranscriptionSegment, models.StageTranscribe, nil, s)
			}
		},
	}
	tr, err := r.transcribeVoices(ctx, pcm, voices, to)
	if err != nil {
		return nil, err
	}
	if emitErr != nil {
		return nil, emitErr
	}
	if tr == nil {
		return nil, errors.New("transcriber returned no transcript")
	}
	progress(100)
	return tr, emitErr
}

// keepSpeechFields copies into res what a transcriber that skips silence
// and guards against hallucinations reports: how much speech it read and
// what it dropped.
func keepSpeechFields(res *models.Result, tr *models.Transcript) {
	res.Speech = tr.Speech
	res.Dropped = tr.Dropped
}

// EmitData emits an event of type t whose data is data encoded as JSON.
func EmitData(ctx context.Context, emit Emitter, t models.EventType, s models.Stage, progress *int, data any) error {
	ev := models.Event{Type: t, Stage: s, Progress: progress}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", t, err)
		}
		ev.Data = b
	}
	if err := emit.Emit(ctx, ev); err != nil {
		return fmt.Errorf("emit %s: %w", t, err)
	}
	return nil
}
