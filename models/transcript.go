package models

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Segment is one timed piece of a transcript.
type Segment struct {
	Start Seconds `json:"start"`
	End   Seconds `json:"end"`
	Text  string  `json:"text"`
	// Channel is the source channel (0 left, 1 right) of a recording
	// transcribed channel by channel; nil when the channels were mixed.
	Channel *int `json:"channel,omitempty"`
	// Speaker is who speaks on that channel: SpeakerAgent or
	// SpeakerCaller; empty when the channels were mixed.
	Speaker      string  `json:"speaker,omitempty"`
	NoSpeechProb float32 `json:"no_speech_prob,omitempty"`
	// Words are the segment's words with their times, when they were
	// asked for.
	Words []Word `json:"words,omitempty"`
}

// Word is one timed word of a segment, without the punctuation around it.
type Word struct {
	Word  string  `json:"word"`
	Start Seconds `json:"start"`
	End   Seconds `json:"end"`
}

// Speakers of a recording whose channels were transcribed separately.
const (
	SpeakerAgent  = "agent"
	SpeakerCaller = "caller"
)

// Transcript is the output of a transcription: the text, its timed
// segments, the language it was read in and the model that read it.
type Transcript struct {
	Text     string `json:"text"`
	Language string `json:"language"`
	// LanguageProb is the model's probability for Language when it was
	// detected (language "auto"); zero when the language was given.
	LanguageProb float32   `json:"language_prob,omitempty"`
	Translated   bool      `json:"translated,omitempty"`
	Duration     Seconds   `json:"duration_s"`
	Segments     []Segment `json:"segments"`
	// Model names the model as "name@sha256-prefix".
	Model string `json:"model"`
	// Speech is how much of the recording the transcriber read: the
	// speech regions when silence was skipped, else the whole duration.
	Speech Seconds `json:"speech_s,omitempty"`
	// Dropped are the segments the hallucination guards removed, kept for
	// review: they are not in Text or Segments.
	Dropped []DroppedSegment `json:"dropped,omitempty"`
}

// DropReason says why a segment was left out of a transcript.
type DropReason string

// Reasons a segment is dropped.
const (
	// DropNonSpeechTag: the segment is only bracketed captions such as
	// "[music]", "(applause)" or "♪", never words that were said.
	DropNonSpeechTag DropReason = "non_speech_tag"
	// DropSilencePhrase: a phrase Whisper is known to invent on silence
	// ("Thank you for watching", "Subtitles by ..."), said where the model
	// itself judged there was probably no speech.
	DropSilencePhrase DropReason = "silence_phrase"
	// DropRepetition: a phrase repeated over and over, the model caught in
	// a loop; one copy is kept.
	DropRepetition DropReason = "repetition"
)

// DroppedSegment is text the hallucination guards removed, with where it
// was and why.
type DroppedSegment struct {
	Start        Seconds    `json:"start"`
	End          Seconds    `json:"end"`
	Text         string     `json:"text"`
	Reason       DropReason `json:"reason"`
	NoSpeechProb float32    `json:"no_speech_prob,omitempty"`
}

// Validate reports whether the transcript is internally consistent.
func (t *Transcript) Validate() error {
	var errs []error
	if t.Duration < 0 {
		errs = append(errs, fmt.Errorf("negative duration %v", t.Duration))
	}
	var prev Seconds
	for i, s := range t.Segments {
		if s.End < s.Start {
			errs = append(errs, fmt.Errorf("segment %d ends (%v) before it starts (%v)", i, s.End, s.Start))
		}
		if s.Start < prev {
			errs = append(errs, fmt.Errorf("segment %d starts (%v) before the previous one (%v)", i, s.Start, prev))
		}
		prev = s.Start
	}
	return errors.Join(errs...)
}

// JoinSegments returns the segments' text joined by single spaces.
func JoinSegments(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		t := strings.TrimSpace(s.Text)
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// Seconds is a duration in seconds, marshalled as a JSON number with
// millisecond precision.
type Seconds float64

// Duration converts s to a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(float64(s) * float64(time.Second)) }

// SecondsOf converts d to Seconds.
func SecondsOf(d time.Duration) Seconds { return Seconds(d.Seconds()) }

// MarshalJSON writes s rounded to the millisecond.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", float64(s))), nil
}
