package models

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Case is a helpline case as the OpenCHS case API takes and returns it
// (POST/GET/PUT /helpline/api/cases). The first six fields are the
// integration guide's body; title, category and priority are required. The
// rest are what the AI service adds (external reference, source, language,
// duration, model provenance) and what the helpline assigns (id, number,
// status, assignment, times).
type Case struct {
	ID            string     `json:"id,omitempty"`
	CaseNumber    string     `json:"case_number,omitempty"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Category      string     `json:"category"`
	Priority      Priority   `json:"priority"`
	ReporterPhone string     `json:"reporter_phone,omitempty"`
	ReporterEmail string     `json:"reporter_email,omitempty"`
	Status        CaseStatus `json:"status,omitempty"`
	// SubCategory refines Category (the triage's sub-category).
	SubCategory string `json:"sub_category,omitempty"`
	// ExternalRef identifies the case in the system that created it: for a
	// call, the task id. A helpline keeps one case per external reference.
	ExternalRef string `json:"external_ref,omitempty"`
	// Source is who created the case: "ai" for the call pipeline.
	Source string `json:"source,omitempty"`
	// Language of the call, ISO 639-1.
	Language string `json:"language,omitempty"`
	// DurationS is the call's length in seconds.
	DurationS *float64 `json:"duration_s,omitempty"`
	// AIModels names the model behind each AI stage ("transcriber":
	// "tiny-q8_0@c2085835", ...).
	AIModels   map[string]string `json:"ai_models,omitempty"`
	AssignedTo string            `json:"assigned_to,omitempty"`
	CreatedAt  *time.Time        `json:"created_at,omitempty"`
	UpdatedAt  *time.Time        `json:"updated_at,omitempty"`
}

// Validate reports whether c can be sent as a new case: the guide's
// required fields are present and the priority is one of the four.
func (c *Case) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Title) == "" {
		errs = append(errs, errors.New("title is required"))
	}
	if strings.TrimSpace(c.Category) == "" {
		errs = append(errs, errors.New("category is required"))
	}
	if c.Priority == "" {
		errs = append(errs, errors.New("priority is required"))
	} else if err := c.Priority.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Status != "" {
		if err := c.Status.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CaseStatus is where a case is in the helpline's workflow: open →
// in_progress → resolved → closed.
type CaseStatus string

// Case statuses, in workflow order.
const (
	CaseOpen       CaseStatus = "open"
	CaseInProgress CaseStatus = "in_progress"
	CaseResolved   CaseStatus = "resolved"
	CaseClosed     CaseStatus = "closed"
)

// Validate reports whether s is one of the four statuses.
func (s CaseStatus) Validate() error {
	switch s {
	case CaseOpen, CaseInProgress, CaseResolved, CaseClosed:
		return nil
	}
	return fmt.Errorf("status %q is not one of open, in_progress, resolved, closed", string(s))
}

// DeliveryStatus is where the write-back of a call's case stands.
type DeliveryStatus string

// Delivery statuses. Created, failed and skipped are final (a failed
// delivery can be re-driven).
const (
	// DeliveryPending: the case is being written, or waits for a retry.
	DeliveryPending DeliveryStatus = "pending"
	// DeliveryCreated: the helpline holds the case.
	DeliveryCreated DeliveryStatus = "created"
	// DeliveryFailed: the helpline refused the case, or stayed out of
	// reach for the whole retry window.
	DeliveryFailed DeliveryStatus = "failed"
	// DeliverySkipped: no case was wanted (create_case=false, a priority
	// under the minimum, no helpline configured).
	DeliverySkipped DeliveryStatus = "skipped"
)

// Final reports whether nothing more happens to the delivery by itself.
func (s DeliveryStatus) Final() bool { return s != DeliveryPending }

// CaseRef points at the OpenCHS case made from a call, and says how its
// write-back stands.
type CaseRef struct {
	ID         string         `json:"id,omitempty"`
	CaseNumber string         `json:"case_number,omitempty"`
	Status     DeliveryStatus `json:"status"`
	// Attempts counts the requests made to create the case.
	Attempts int `json:"attempts"`
	// LastError is the helpline's own message for the last failed attempt,
	// or why the case was skipped.
	LastError string `json:"last_error,omitempty"`
	// URL is the case on the helpline's API.
	URL string `json:"url,omitempty"`
}

// CaseEventData is the payload of case_created and case_failed events.
type CaseEventData struct {
	ID         string `json:"id,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
	URL        string `json:"url,omitempty"`
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
}
