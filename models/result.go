package models

import (
	"errors"
	"fmt"
	"time"
)

// Result is what the pipeline made of one recording: the reply of a
// synchronous POST /audio/process and the result of a completed task.
// Fields of stages that did not run are null.
type Result struct {
	TaskID      string     `json:"task_id"`
	Status      TaskStatus `json:"status"`
	Language    string     `json:"language"`
	Duration    Seconds    `json:"duration_s"`
	Transcript  string     `json:"transcript"`
	Translation *string    `json:"translation"`
	Segments    []Segment  `json:"segments"`
	// Speech is how many seconds of the recording held speech and were
	// transcribed (all of it when silence skipping is off).
	Speech Seconds `json:"speech_s"`
	// Dropped is what the hallucination guards removed from the
	// transcript, for review; absent when nothing was.
	Dropped        []DroppedSegment `json:"dropped,omitempty"`
	Classification *Classification  `json:"classification"`
	Case           *CaseRef         `json:"case"`
	Timings        Timings          `json:"timings"`
	// Models names the model behind each stage as "name@sha256-prefix",
	// keyed by stage role ("transcriber", "translator", ...).
	Models map[string]string `json:"models"`
}

// Validate reports whether r is internally consistent.
func (r *Result) Validate() error {
	var errs []error
	if r.TaskID == "" {
		errs = append(errs, errors.New("task_id is empty"))
	}
	if r.Duration < 0 {
		errs = append(errs, fmt.Errorf("negative duration %v", r.Duration))
	}
	if r.Classification != nil {
		if err := r.Classification.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("classification: %w", err))
		}
	}
	if r.Case != nil && r.Case.Status == DeliveryCreated && r.Case.ID == "" {
		errs = append(errs, errors.New("created case has no id"))
	}
	return errors.Join(errs...)
}

// Timings is how long each step of a task took, in milliseconds.
type Timings struct {
	QueuedMS     int64 `json:"queued_ms"`
	DecodeMS     int64 `json:"decode_ms"`
	TranscribeMS int64 `json:"transcribe_ms"`
	TranslateMS  int64 `json:"translate_ms"`
	ClassifyMS   int64 `json:"classify_ms"`
	CaseMS       int64 `json:"case_ms"`
	TotalMS      int64 `json:"total_ms"`
}

// Set records d as the time stage s took. Stages without a field are
// ignored.
func (t *Timings) Set(s Stage, d time.Duration) {
	ms := d.Milliseconds()
	switch s {
	case StageQueued:
		t.QueuedMS = ms
	case StageDecode:
		t.DecodeMS = ms
	case StageTranscribe:
		t.TranscribeMS = ms
	case StageTranslate:
		t.TranslateMS = ms
	case StageClassify:
		t.ClassifyMS = ms
	case StageCase:
		t.CaseMS = ms
	case StageDone:
		t.TotalMS = ms
	}
}
