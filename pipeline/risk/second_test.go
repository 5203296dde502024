package risk

import (
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// toyModel rates anything about purple elephants critical, and the rest
// low.
func toyModel(t *testing.T) *learned.Model {
	t.Helper()
	var ex []learned.Example
	for range 5 {
		ex = append(ex,
			learned.Example{Text: "the purple elephant is dancing in the garden with drums and candles", Class: 3},
			learned.Example{Text: "a purple elephant came to the market and sat down with the drums", Class: 3},
			learned.Example{Text: "I would like to know the opening hours of the office in town today", Class: 0},
			learned.Example{Text: "my cousin asked about the school fees and the uniform for next term", Class: 0},
		)
	}
	m, err := learned.Train(ex, learned.TrainConfig{Dim: 1 << 12, Seed: 1, Threshold: 0.6, CriticalThreshold: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSecondOpinion(t *testing.T) {
	rules, err := New(Config{NoSecondOpinion: true})
	if err != nil {
		t.Fatal(err)
	}
	c := rules.WithSecondOpinion(toyModel(t))
	tests := []struct {
		name       string
		text       string
		want       models.Priority
		wantReview string // in the review reason; "" for no review
	}{
		{name: "raised to high", text: "We saw a purple elephant dancing in the garden with the drums and candles, and it sat down with us.",
			want: "high", wantReview: "rated the call high (p="},
		{name: "critical needs an imminence cue", text: "We see a purple elephant dancing in the garden right now with the drums and candles, it sat down with us.",
			want: "critical", wantReview: "the rules rated it low and saw immediacy"},
		{name: "model says low", text: "I would like to know the opening hours of the office in town, please tell me.",
			want: "low"},
		{name: "rules' high stands", text: "My stepfather beats my brother every day, and we saw a purple elephant dancing in the garden with drums.",
			want: ""},
		{name: "too short to ask", text: "purple elephant dancing drums", want: "low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.ClassifyText(tt.text)
			alone := rules.ClassifyText(tt.text)
			if tt.want == "" {
				tt.want = alone.Priority
			}
			if got.Priority != tt.want || got.RiskLevel.Rank() < got.Priority.Rank() {
				t.Errorf("priority %s (risk level %s), want %s; rules alone %s", got.Priority, got.RiskLevel, tt.want, alone.Priority)
			}
			if got.Priority.Rank() < alone.Priority.Rank() {
				t.Errorf("second opinion lowered %s to %s", alone.Priority, got.Priority)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
			if tt.wantReview == "" {
				if got.Review || len(got.ReviewReasons) > 0 {
					t.Errorf("review %v %q, want none", got.Review, got.ReviewReasons)
				}
				return
			}
			if !got.Review || len(got.ReviewReasons) != 1 || !strings.Contains(got.ReviewReasons[0], tt.wantReview) ||
				!strings.HasPrefix(got.ReviewReasons[0], "A statistical second opinion rated the call") {
				t.Errorf("review %v %q, want a reason mentioning %q", got.Review, got.ReviewReasons, tt.wantReview)
			}
			last := got.Evidence[len(got.Evidence)-1]
			if last.Rule != SecondOpinionRule || !strings.Contains(tt.text, last.Text) || last.Text == "" {
				t.Errorf("last evidence %+v, want a second_opinion span of the text", last)
			}
		})
	}
}

func TestSecondOpinionSegments(t *testing.T) {
	rules, err := New(Config{NoSecondOpinion: true})
	if err != nil {
		t.Fatal(err)
	}
	c := rules.WithSecondOpinion(toyModel(t))
	segs := []models.Segment{
		{Start: 0, End: 2, Text: "We saw a purple elephant"},
		{Start: 2, End: 5, Text: "dancing in the garden with the drums and candles,"},
		{Start: 5, End: 7, Text: "and it sat down with us."},
	}
	got := c.Classify(&models.Transcript{Segments: segs}, nil)
	if got.Priority != models.PriorityHigh || !got.Review {
		t.Fatalf("got %s review %v, want high for review", got.Priority, got.Review)
	}
	last := got.Evidence[len(got.Evidence)-1]
	if last.Rule != SecondOpinionRule || last.Source != "transcript" || last.End <= last.Start {
		t.Errorf("evidence %+v, want a timed second_opinion span of the transcript", last)
	}
}

func TestDefaultHasSecondOpinion(t *testing.T) {
	if Default().SecondOpinion() == nil {
		t.Error("the default classifier asks no second opinion")
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SecondOpinion() != learned.Default() {
		t.Error("New(Config{}) does not ask the embedded model")
	}
	off, err := New(Config{NoSecondOpinion: true})
	if err != nil {
		t.Fatal(err)
	}
	if off.SecondOpinion() != nil {
		t.Error("NoSecondOpinion left a second opinion on")
	}
}
