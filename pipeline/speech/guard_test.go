package speech_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/speech"
)

func seg(start float64, text string, nsp float32) models.Segment {
	return models.Segment{Start: models.Seconds(start), End: models.Seconds(start + 1), Text: text, NoSpeechProb: nsp}
}

func TestGuardFilter(t *testing.T) {
	for _, tc := range []struct {
		name        string
		in          []models.Segment
		wantText    string
		wantDropped []models.DropReason
	}{
		{"speech stays", []models.Segment{seg(0, "I need help, my father beats me.", 0.01)}, "I need help, my father beats me.", nil},
		{"bracketed tags go", []models.Segment{seg(0, "[music]", 0), seg(1, "(applause)", 0), seg(2, " [singing in foreign language] ", 0), seg(3, "♪ ♪", 0), seg(4, "*laughs*", 0), seg(5, "[BLANK_AUDIO]", 0)},
			"", []models.DropReason{"non_speech_tag", "non_speech_tag", "non_speech_tag", "non_speech_tag", "non_speech_tag", "non_speech_tag"}},
		{"a tag next to words stays", []models.Segment{seg(0, "[crying] please help me", 0)}, "[crying] please help me", nil},
		{"silence phrase with a high no-speech probability goes", []models.Segment{seg(0, "Thank you for watching!", 0.8), seg(1, "Subtitles by the Amara.org community", 0.5)},
			"", []models.DropReason{"silence_phrase", "silence_phrase"}},
		{"the same phrase said stays", []models.Segment{seg(0, "Thank you.", 0.02)}, "Thank you.", nil},
		{"a loop inside a segment keeps one copy", []models.Segment{seg(0, "I am going home. I am going home. I am going home. I am going home. I am going home.", 0)},
			"I am going home.", []models.DropReason{"repetition"}},
		{"a short repetition stays", []models.Segment{seg(0, "help me help me help me", 0)}, "help me help me help me", nil},
		{"repeated segments keep the first", []models.Segment{seg(0, "Okay.", 0), seg(1, "okay", 0), seg(2, "Okay.", 0), seg(3, "Where are you?", 0)},
			"Okay. Where are you?", []models.DropReason{"repetition", "repetition"}},
		{"twice is not a loop", []models.Segment{seg(0, "Yes.", 0), seg(1, "Yes.", 0)}, "Yes. Yes.", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kept, dropped := speech.GuardConfig{}.Filter(tc.in)
			if got := models.JoinSegments(kept); got != tc.wantText {
				t.Errorf("kept %q, want %q", got, tc.wantText)
			}
			var reasons []models.DropReason
			for _, d := range dropped {
				reasons = append(reasons, d.Reason)
				if d.Text == "" {
					t.Errorf("dropped %+v has no text", d)
				}
			}
			if diff := cmp.Diff(tc.wantDropped, reasons); diff != "" {
				t.Errorf("dropped reasons (-want +got):\n%s", diff)
			}
			off, none := speech.GuardConfig{Off: true}.Filter(tc.in)
			if len(off) != len(tc.in) || none != nil {
				t.Errorf("with the guards off %d of %d segments kept, %d dropped", len(off), len(tc.in), len(none))
			}
		})
	}
}

// FuzzGuardFilter: whatever the text, every word the model wrote ends up
// either kept or in the dropped list, and kept segments keep their order.
func FuzzGuardFilter(f *testing.F) {
	for _, s := range []string{"[music]", "Thank you for watching", "a a a a a a a a a a a a a", "(applause) hello", "[unclosed", "*", "♪ la la ♪", ""} {
		f.Add(s, s, float32(0.9))
	}
	f.Fuzz(func(t *testing.T, a, b string, nsp float32) {
		in := []models.Segment{seg(0, a, nsp), seg(1, b, nsp), seg(2, a, nsp), seg(3, a, 0)}
		kept, dropped := speech.GuardConfig{}.Filter(in)
		words := 0
		for _, s := range in {
			words += len(strings.Fields(s.Text))
		}
		got := 0
		for _, s := range kept {
			got += len(strings.Fields(s.Text))
		}
		for _, d := range dropped {
			got += len(strings.Fields(d.Text))
		}
		if got != words {
			t.Fatalf("%d words in, %d kept or dropped: kept %+v dropped %+v", words, got, kept, dropped)
		}
		for i := 1; i < len(kept); i++ {
			if kept[i].Start < kept[i-1].Start {
				t.Fatalf("kept segments out of order: %+v", kept)
			}
		}
	})
}
