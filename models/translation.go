package models

import (
	"errors"
	"fmt"
)

// TranslationStatus says what became of a call's translation.
type TranslationStatus string

// Translation statuses.
const (
	// TranslationDone: the text and segments hold the English translation.
	TranslationDone TranslationStatus = "translated"
	// TranslationSkipped: the call was already in the target language.
	TranslationSkipped TranslationStatus = "skipped"
	// TranslationFailed: the backend failed; Error says why and the
	// pipeline went on without a translation.
	TranslationFailed TranslationStatus = "failed"
)

// Translation is the outcome of the translation stage.
type Translation struct {
	Status         TranslationStatus `json:"status"`
	Backend        string            `json:"backend"`
	SourceLanguage string            `json:"source_language"`
	TargetLanguage string            `json:"target_language"`
	Text           string            `json:"text,omitempty"`
	Segments       []Segment         `json:"segments,omitempty"`
	Error          string            `json:"error,omitempty"`
}

// Transcript returns the translation as a transcript in the target
// language, or nil unless Status is TranslationDone.
func (t *Translation) Transcript() *Transcript {
	if t == nil || t.Status != TranslationDone {
		return nil
	}
	return &Transcript{Text: t.Text, Language: t.TargetLanguage, Translated: true, Segments: t.Segments}
}

// Validate reports whether t is well formed.
func (t *Translation) Validate() error {
	var errs []error
	switch t.Status {
	case TranslationDone, TranslationSkipped:
	case TranslationFailed:
		if t.Error == "" {
			errs = append(errs, errors.New("failed translation carries no error"))
		}
	default:
		errs = append(errs, fmt.Errorf("translation status %q is not translated, skipped or failed", string(t.Status)))
	}
	return errors.Join(errs...)
}
