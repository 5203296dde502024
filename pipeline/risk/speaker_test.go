package risk

import (
	"testing"

	"github.com/openchs/openchs-ai/models"
)

func seg(start, end float64, speaker, text string) models.Segment {
	return models.Segment{Start: models.Seconds(start), End: models.Seconds(end), Speaker: speaker, Text: text}
}

// TestClassifyDialogue: the agent's screening question is no disclosure,
// the caller's words are; evidence says whose words it came from.
func TestClassifyDialogue(t *testing.T) {
	c := Default()
	agent, caller := models.SpeakerAgent, models.SpeakerCaller
	question := "Are you going to kill yourself tonight?"
	disclosure := "I am going to kill myself tonight."
	tests := []struct {
		name         string
		segs         []models.Segment
		wantAtLeast  models.Priority // the priority must be at least this
		wantAtMost   models.Priority // and at most this
		wantReview   bool
		wantSpeakers []string // speakers of the evidence, in order
	}{
		{"agent asks, caller answers no",
			[]models.Segment{seg(0, 3, agent, question), seg(3, 5, caller, "No. I just want to talk about school.")},
			models.PriorityLow, models.PriorityLow, true, []string{agent}},
		{"agent asks about a beating, caller answers no",
			[]models.Segment{seg(0, 3, agent, "Is your father beating you?"), seg(3, 5, caller, "No, he is kind to me.")},
			models.PriorityLow, models.PriorityLow, true, []string{agent}},
		{"caller discloses",
			[]models.Segment{seg(0, 3, agent, "How can I help you today?"), seg(3, 6, caller, disclosure)},
			models.PriorityHigh, models.PriorityCritical, false, []string{caller}},
		{"agent asks, caller discloses",
			[]models.Segment{seg(0, 3, agent, question), seg(3, 6, caller, disclosure)},
			models.PriorityHigh, models.PriorityCritical, false, []string{caller}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Classify(&models.Transcript{Segments: tt.segs}, nil)
			if r := got.Priority.Rank(); r < tt.wantAtLeast.Rank() || r > tt.wantAtMost.Rank() {
				t.Errorf("priority %s, want %s to %s", got.Priority, tt.wantAtLeast, tt.wantAtMost)
			}
			if got.Review != tt.wantReview {
				t.Errorf("review %v (%q), want %v", got.Review, got.ReviewReasons, tt.wantReview)
			}
			var speakers []string
			for _, e := range got.Evidence {
				speakers = append(speakers, e.Speaker)
				if e.Speaker == agent && e.Start < 0 || e.Speaker == caller && e.Start < 3 {
					t.Errorf("evidence %q at %v is not in the %s's segments", e.Text, e.Start, e.Speaker)
				}
			}
			if len(speakers) == 0 || speakers[0] != tt.wantSpeakers[0] {
				t.Errorf("evidence speakers %q, want %q first", speakers, tt.wantSpeakers)
			}
			for _, s := range speakers {
				if s != tt.wantSpeakers[0] {
					t.Errorf("evidence speakers %q, want only %q", speakers, tt.wantSpeakers[0])
					break
				}
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	// The same words with no speakers (a mixed recording) are all read as
	// the caller's: there the agent's question alone raises the call.
	mixed := c.Classify(&models.Transcript{Segments: []models.Segment{seg(0, 3, "", question)}}, nil)
	if mixed.Priority.Rank() < models.PriorityHigh.Rank() {
		t.Errorf("mixed recording: priority %s, want high or more (unchanged behaviour)", mixed.Priority)
	}
	for _, e := range mixed.Evidence {
		if e.Speaker != "" {
			t.Errorf("mixed recording: evidence carries speaker %q", e.Speaker)
		}
	}
}
