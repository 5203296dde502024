package models

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// TaskStatus is where a task is in its life.
type TaskStatus string

// Task statuses. Completed, failed and cancelled are terminal.
const (
	StatusQueued     TaskStatus = "queued"
	StatusProcessing TaskStatus = "processing"
	StatusCompleted  TaskStatus = "completed"
	StatusFailed     TaskStatus = "failed"
	StatusCancelled  TaskStatus = "cancelled"
)

// Terminal reports whether s is a final status: nothing more happens to the
// task.
func (s TaskStatus) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// Validate reports whether s is one of the five statuses.
func (s TaskStatus) Validate() error {
	switch s {
	case StatusQueued, StatusProcessing, StatusCompleted, StatusFailed, StatusCancelled:
		return nil
	}
	return fmt.Errorf("status %q is not one of queued, processing, completed, failed, cancelled", string(s))
}

// Stage names the pipeline step a task is in.
type Stage string

// Pipeline stages, in order.
const (
	StageQueued     Stage = "queued"
	StageDecode     Stage = "decode"
	StageTranscribe Stage = "transcribe"
	StageTranslate  Stage = "translate"
	StageClassify   Stage = "classify"
	StageCase       Stage = "case"
	StageDone       Stage = "done"
)

// TaskOptions are the caller's choices for one recording: the multipart
// form fields of POST /audio/process.
type TaskOptions struct {
	// Language is an ISO 639-1 code or "auto".
	Language              string `json:"language"`
	IncludeTranslation    bool   `json:"include_translation"`
	IncludeClassification bool   `json:"include_classification"`
	CreateCase            bool   `json:"create_case"`
	ReporterPhone         string `json:"reporter_phone,omitempty"`
	ReporterEmail         string `json:"reporter_email,omitempty"`
	Title                 string `json:"title,omitempty"`
	// Channels is "mix" (all channels of a recording as one voice) or
	// "split" (each channel transcribed as its own speaker); empty means
	// the worker's default.
	Channels string `json:"channels,omitempty"`
	// AgentChannel is the channel the helpline's agent speaks on in a
	// split recording, "left" or "right"; empty means the worker's
	// default.
	AgentChannel string `json:"agent_channel,omitempty"`
	// Prompt is text that leads the transcription in (spellings, names,
	// style), as Whisper's initial prompt.
	Prompt string `json:"prompt,omitempty"`
	// Temperature is the sampling temperature of the transcription, from
	// 0 (greedy, the default) to 1.
	Temperature float64 `json:"temperature,omitempty"`
	// Words asks for word timings in the segments.
	Words bool `json:"words,omitempty"`
	// VADOff transcribes the whole recording instead of only the stretches
	// that hold speech (form field vad=off).
	VADOff bool `json:"vad_off,omitempty"`
}

// Channel modes of TaskOptions.Channels.
const (
	ChannelsMix   = "mix"
	ChannelsSplit = "split"
)

// Channel names of TaskOptions.AgentChannel: the first and second channel
// of a stereo recording.
const (
	ChannelLeft  = "left"
	ChannelRight = "right"
)

// ChannelIndex returns the index of a channel named "left" (0) or "right"
// (1), and false for any other name.
func ChannelIndex(name string) (int, bool) {
	switch name {
	case ChannelLeft:
		return 0, true
	case ChannelRight:
		return 1, true
	}
	return 0, false
}

// DefaultTaskOptions returns the options a request gets for the fields it
// leaves out.
func DefaultTaskOptions() TaskOptions {
	return TaskOptions{Language: "sw", IncludeTranslation: true, IncludeClassification: true, CreateCase: true}
}

// Validate reports whether o is usable.
func (o *TaskOptions) Validate() error {
	var errs []error
	if o.Language != "auto" && !isLanguageCode(o.Language) {
		errs = append(errs, fmt.Errorf("language %q is neither \"auto\" nor a language Whisper knows (ISO 639-1, e.g. sw, en)", o.Language))
	}
	if len(o.Title) > 500 {
		errs = append(errs, fmt.Errorf("title is %d bytes, more than 500", len(o.Title)))
	}
	if len(o.Prompt) > 4096 {
		errs = append(errs, fmt.Errorf("prompt is %d bytes, more than 4096", len(o.Prompt)))
	}
	if !(o.Temperature >= 0 && o.Temperature <= 1) {
		errs = append(errs, fmt.Errorf("temperature %v is not from 0 to 1", o.Temperature))
	}
	if len(o.ReporterPhone) > 64 || len(o.ReporterEmail) > 254 {
		errs = append(errs, errors.New("reporter contact is too long"))
	}
	if o.Channels != "" && o.Channels != ChannelsMix && o.Channels != ChannelsSplit {
		errs = append(errs, fmt.Errorf("channels %q is neither \"mix\" nor \"split\"", o.Channels))
	}
	if _, ok := ChannelIndex(o.AgentChannel); o.AgentChannel != "" && !ok {
		errs = append(errs, fmt.Errorf("agent_channel %q is neither \"left\" nor \"right\"", o.AgentChannel))
	}
	return errors.Join(errs...)
}

// whisperLanguages are the languages Whisper models know, by the codes
// whisper.cpp takes.
var whisperLanguages = map[string]bool{}

func init() {
	for _, l := range strings.Fields(`en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro
		da hu ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl
		mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha
		ba jw su yue`) {
		whisperLanguages[l] = true
	}
}

// isLanguageCode reports whether s names a language Whisper knows.
func isLanguageCode(s string) bool { return whisperLanguages[s] }

// ErrorInfo describes why something failed, in the shape every error of the
// service takes: a snake_case code, a human sentence and optional details.
type ErrorInfo struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *ErrorInfo) Error() string { return e.Code + ": " + e.Message }

// Task is the state of one submitted recording, as GET /audio/task/{id}
// reports it.
type Task struct {
	TaskID   string     `json:"task_id"`
	Status   TaskStatus `json:"status"`
	Stage    Stage      `json:"stage,omitempty"`
	Progress int        `json:"progress"`
	// Queue is the queue the task waits or waited in.
	Queue      string     `json:"queue,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Attempt counts the times a worker started the task.
	Attempt int `json:"attempt,omitempty"`
	// Owner is the id of the API key that submitted the task (a hash
	// prefix, never the key).
	Owner  string     `json:"owner,omitempty"`
	Result *Result    `json:"result,omitempty"`
	Error  *ErrorInfo `json:"error,omitempty"`
}

// Validate reports whether t is internally consistent.
func (t *Task) Validate() error {
	var errs []error
	if t.TaskID == "" {
		errs = append(errs, errors.New("task_id is empty"))
	}
	if err := t.Status.Validate(); err != nil {
		errs = append(errs, err)
	}
	if t.Progress < 0 || t.Progress > 100 {
		errs = append(errs, fmt.Errorf("progress %d is outside [0, 100]", t.Progress))
	}
	if t.Status == StatusCompleted && t.Result == nil {
		errs = append(errs, errors.New("completed task has no result"))
	}
	if (t.Status == StatusFailed || t.Status == StatusCancelled) && t.Error == nil {
		errs = append(errs, fmt.Errorf("%s task carries no error", t.Status))
	}
	return errors.Join(errs...)
}
