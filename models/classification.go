package models

import (
	"errors"
	"fmt"
)

// Priority orders how urgently a call needs a counsellor's attention. The
// same scale is used for the risk level.
type Priority string

// Priorities, lowest first.
const (
	PriorityLow      Priority = "low"
	PriorityMedium   Priority = "medium"
	PriorityHigh     Priority = "high"
	PriorityCritical Priority = "critical"
)

// Priorities are the four priorities by rank, lowest first:
// Priorities[p.Rank()] is p.
var Priorities = [4]Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityCritical}

// Rank returns 0 for low up to 3 for critical, and -1 for an unknown value.
func (p Priority) Rank() int {
	switch p {
	case PriorityLow:
		return 0
	case PriorityMedium:
		return 1
	case PriorityHigh:
		return 2
	case PriorityCritical:
		return 3
	}
	return -1
}

// Validate reports whether p is one of the four priorities.
func (p Priority) Validate() error {
	if p.Rank() < 0 {
		return fmt.Errorf("priority %q is not one of low, medium, high, critical", string(p))
	}
	return nil
}

// Evidence is one span of the input that made a classification rule fire.
type Evidence struct {
	Text string `json:"text"`
	// Start and End locate the span in the audio when it came from a timed
	// segment; both are zero for plain text input.
	Start Seconds `json:"start"`
	End   Seconds `json:"end"`
	Rule  string  `json:"rule"`
	// Source says which text the span was found in: "transcript" or
	// "translation".
	Source string `json:"source,omitempty"`
	// Speaker says whose words the span is, SpeakerCaller or SpeakerAgent,
	// when the call's channels were transcribed as two speakers.
	Speaker string `json:"speaker,omitempty"`
}

// Classification is the risk triage of one call.
type Classification struct {
	Priority     Priority   `json:"priority"`
	RiskLevel    Priority   `json:"risk_level"`
	Category     string     `json:"category"`
	SubCategory  string     `json:"sub_category"`
	Intervention string     `json:"intervention,omitempty"`
	Confidence   float64    `json:"confidence"`
	Evidence     []Evidence `json:"evidence"`
	// Review asks a counsellor to look: the classifier could not place
	// the call confidently, or a second opinion raised it. ReviewReasons
	// say why, in sentences.
	Review        bool     `json:"review,omitempty"`
	ReviewReasons []string `json:"review_reasons,omitempty"`
	// Factors are the risk factors assessed in the call, as a counsellor's
	// protocol names them (for suicide: ideation, method, means, intent,
	// plan, preparatory behaviour, timeline, place of danger, injury now,
	// protective factors), each with the span it was found in.
	Factors []RiskFactor `json:"factors,omitempty"`
}

// RiskFactor is one risk factor found in a call: its harm domain
// ("suicide", "violence", "exploitation"), the factor, and the span of
// the input that showed it.
type RiskFactor struct {
	Domain string `json:"domain"`
	Factor string `json:"factor"`
	Text   string `json:"text"`
	// Start and End locate the span in the audio, as for Evidence.
	Start Seconds `json:"start"`
	End   Seconds `json:"end"`
	// Subject is whom the factor concerns: "caller" or "other".
	Subject string `json:"subject,omitempty"`
	// Time is "past", "ongoing" or "imminent".
	Time string `json:"time,omitempty"`
}

// Validate reports whether c is well formed.
func (c *Classification) Validate() error {
	var errs []error
	if err := c.Priority.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.RiskLevel.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("risk_level: %w", err))
	}
	if c.Confidence < 0 || c.Confidence > 1 {
		errs = append(errs, fmt.Errorf("confidence %v is outside [0, 1]", c.Confidence))
	}
	if c.Priority != PriorityLow && len(c.Evidence) == 0 {
		errs = append(errs, fmt.Errorf("priority %s carries no evidence", c.Priority))
	}
	return errors.Join(errs...)
}
