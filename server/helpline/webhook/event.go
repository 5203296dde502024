package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// EventType names what a webhook reports.
type EventType string

// Event types a subscription can ask for.
const (
	// CaseCreated: a case was opened in the built-in helpline.
	CaseCreated EventType = "case.created"
	// CaseUpdated: a case changed (fields, status, assignment, a note).
	CaseUpdated EventType = "case.updated"
	// TaskCompleted: a call finished processing.
	TaskCompleted EventType = "task.completed"
	// TaskFailed: a call could not be processed, or was cancelled.
	TaskFailed EventType = "task.failed"
	// RiskCritical: a call was classified critical. It is sent the moment
	// the classification finishes, before the task completes and before
	// any case exists.
	RiskCritical EventType = "risk.critical"
)

// EventTypes lists every event type, in a fixed order.
var EventTypes = []EventType{CaseCreated, CaseUpdated, TaskCompleted, TaskFailed, RiskCritical}

// Validate reports whether t is one of EventTypes.
func (t EventType) Validate() error {
	if slices.Contains(EventTypes, t) {
		return nil
	}
	return fmt.Errorf("%w %q: use one of %s", ErrUnknownEvent, string(t), eventNames())
}

// Event is the body of one delivery. ID is the same on every attempt and
// every delivery of one event: receivers dedupe by it.
type Event struct {
	ID        string          `json:"id"`
	Type      EventType       `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// eventID derives a stable event id from what the event is about, so that
// the same source record always yields the same id.
func eventID(source string) string {
	s := sha256.Sum256([]byte(source))
	return "evt_" + hex.EncodeToString(s[:16])
}

// TaskData is the data of task.completed, task.failed and risk.critical.
// It carries no transcript, translation or evidence: receivers fetch those
// from URL with their API key.
type TaskData struct {
	TaskID      string            `json:"task_id"`
	Status      models.TaskStatus `json:"status"`
	Priority    models.Priority   `json:"priority,omitempty"`
	RiskLevel   models.Priority   `json:"risk_level,omitempty"`
	Category    string            `json:"category,omitempty"`
	SubCategory string            `json:"sub_category,omitempty"`
	DurationS   *float64          `json:"duration_s,omitempty"`
	// ErrorCode says why a task failed (processing_failed, cancelled, ...).
	ErrorCode string `json:"error_code,omitempty"`
	// Case is the helpline case of a completed call, when one was created.
	Case *CaseRef `json:"case,omitempty"`
	// URL is the path of the task on this service: GET it for the
	// transcript and the full result.
	URL string `json:"url"`
}

// CaseRef names the case a call became.
type CaseRef struct {
	ID         string `json:"id"`
	CaseNumber string `json:"case_number,omitempty"`
}

// TaskPath is the path of task id on this service.
func TaskPath(id string) string { return "/audio/task/" + id }

// taskEvent maps a task's progress event onto the webhook event it stands
// for. It reports false for events webhooks do not carry. A completed event
// without its data (rebuilt from the task's record when its stream had
// expired) is filled from task, which may be nil.
func taskEvent(ev models.Event, task *models.Task) (Event, bool, error) {
	d := TaskData{TaskID: ev.TaskID, URL: TaskPath(ev.TaskID)}
	var typ EventType
	switch ev.Type {
	case models.EventClassificationComplete:
		var c models.Classification
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return Event{}, false, fmt.Errorf("decode classification of task %s: %w", ev.TaskID, err)
		}
		if c.Priority != models.PriorityCritical && c.RiskLevel != models.PriorityCritical {
			return Event{}, false, nil
		}
		typ = RiskCritical
		d.Status = models.StatusProcessing
		d.classified(&c)
	case models.EventCompleted:
		typ = TaskCompleted
		d.Status = models.StatusCompleted
		var r *models.Result
		if len(ev.Data) > 0 {
			r = new(models.Result)
			if err := json.Unmarshal(ev.Data, r); err != nil {
				return Event{}, false, fmt.Errorf("decode result of task %s: %w", ev.TaskID, err)
			}
		} else if task != nil {
			r = task.Result
		}
		if r != nil {
			if r.Duration > 0 {
				s := float64(r.Duration)
				d.DurationS = &s
			}
			if r.Classification != nil {
				d.classified(r.Classification)
			}
			if r.Case != nil && r.Case.ID != "" {
				d.Case = &CaseRef{ID: r.Case.ID, CaseNumber: r.Case.CaseNumber}
			}
		}
	case models.EventFailed:
		typ = TaskFailed
		var f models.FailureData
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			return Event{}, false, fmt.Errorf("decode failure of task %s: %w", ev.TaskID, err)
		}
		d.Status = f.Status
		if d.Status == "" {
			d.Status = models.StatusFailed
		}
		d.ErrorCode = f.Error.Code
	default:
		return Event{}, false, nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return Event{}, false, err
	}
	ts := ev.TS
	if ts.IsZero() {
		ts = time.Now()
	}
	return Event{
		ID:        eventID(fmt.Sprintf("task:%s:%d:%s", ev.TaskID, ev.Seq, typ)),
		Type:      typ,
		CreatedAt: ts.UTC(),
		Data:      b,
	}, true, nil
}

func (d *TaskData) classified(c *models.Classification) {
	d.Priority, d.RiskLevel = c.Priority, c.RiskLevel
	d.Category, d.SubCategory = c.Category, c.SubCategory
}
