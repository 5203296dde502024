package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EventType names a progress event. The names are the OpenCHS integration
// guide's.
type EventType string

// Event types, in the order a task emits them.
const (
	EventQueued                 EventType = "queued"
	EventStarted                EventType = "started"
	EventDecodingComplete       EventType = "decoding_complete"
	EventTranscriptionProgress  EventType = "transcription_progress"
	EventTranscriptionSegment   EventType = "transcription_segment"
	EventTranscriptionComplete  EventType = "transcription_complete"
	EventTranslationComplete    EventType = "translation_complete"
	EventClassificationComplete EventType = "classification_complete"
	EventCaseCreated            EventType = "case_created"
	// EventCaseFailed follows completed when the case could not be
	// written back (refused, or the retry window ran out).
	EventCaseFailed EventType = "case_failed"
	EventCompleted  EventType = "completed"
	EventFailed     EventType = "failed"
	EventHeartbeat  EventType = "heartbeat"
)

// Terminal reports whether an event of type t ends its task's stream.
func (t EventType) Terminal() bool { return t == EventCompleted || t == EventFailed }

// Event is one line of a task's progress stream (NDJSON, WebSocket and
// GET /audio/task/{id}/events).
type Event struct {
	Type   EventType `json:"type"`
	TaskID string    `json:"task_id"`
	// Seq numbers a task's events from 1, without gaps; a heartbeat repeats
	// the last number sent.
	Seq int64     `json:"seq"`
	TS  time.Time `json:"ts"`
	// Attempt is the worker's attempt at the task (from 1) that emitted
	// the event; a retried task emits its stages and segments again under
	// the next number, so a consumer keeps those of the last attempt.
	// Events from outside an attempt (the upload's queued, a cancel, the
	// case write-back) have none.
	Attempt  int   `json:"attempt,omitempty"`
	Stage    Stage `json:"stage,omitempty"`
	Progress *int  `json:"progress,omitempty"`
	// Data is the type's payload: TranscriptionData, a Segment, a Result,
	// FailureData, ...
	Data json.RawMessage `json:"data,omitempty"`
}

// Validate reports whether e is well formed.
func (e *Event) Validate() error {
	var errs []error
	if e.Type == "" {
		errs = append(errs, errors.New("event has no type"))
	}
	if e.TaskID == "" && e.Type != EventHeartbeat {
		errs = append(errs, errors.New("event has no task_id"))
	}
	if e.Progress != nil && (*e.Progress < 0 || *e.Progress > 100) {
		errs = append(errs, fmt.Errorf("progress %d is outside [0, 100]", *e.Progress))
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		errs = append(errs, errors.New("data is not valid JSON"))
	}
	return errors.Join(errs...)
}

// TranscriptionData is the payload of transcription_complete.
type TranscriptionData struct {
	Text     string  `json:"text"`
	Language string  `json:"language"`
	Duration Seconds `json:"duration_s"`
}

// DecodingData is the payload of decoding_complete.
type DecodingData struct {
	Duration Seconds `json:"duration_s"`
}

// StartedData is the payload of started.
type StartedData struct {
	Attempt int    `json:"attempt"`
	Worker  string `json:"worker,omitempty"`
}

// FailureData is the payload of failed. Status tells a failure from a
// cancellation.
type FailureData struct {
	Status TaskStatus `json:"status"`
	Error  ErrorInfo  `json:"error"`
}

// TextData is the payload of translation_complete.
type TextData struct {
	Text string `json:"text"`
}
