package risk

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
)

func TestReadLabelled(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Labelled
	}{
		{name: "tsv without header", in: "high\tHe beats me\nlow\tWhat is the age of marriage?\n",
			want: []Labelled{{ID: "line1", Priority: "high", Text: "He beats me"}, {ID: "line2", Priority: "low", Text: "What is the age of marriage?"}}},
		{name: "tsv with header in any order", in: "id\ttext\tlang\tpriority\tcategory\n\nc1\tNataka kujiua\tsw\tCritical\tsuicide_self_harm\n",
			want: []Labelled{{ID: "c1", Lang: "sw", Priority: "critical", Category: "suicide_self_harm", Text: "Nataka kujiua"}}},
		{name: "tsv with quotes in the text", in: "medium\t\"Stop\" she said\r\nlow\tand \"left\n\nhigh\tend\n",
			want: []Labelled{{ID: "line1", Priority: "medium", Text: `"Stop" she said`}, {ID: "line2", Priority: "low", Text: `and "left`}, {ID: "line4", Priority: "high", Text: "end"}}},
		{name: "jsonl", in: "\n{\"id\": \"en-01\", \"split\": \"dev\", \"lang\": \"en\", \"priority\": \"critical\", \"category\": \"fgm\", \"text\": \"The cutter is here\"}\n",
			want: []Labelled{{ID: "en-01", Split: "dev", Lang: "en", Priority: "critical", Category: "fgm", Text: "The cutter is here"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLabelled(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadLabelledRejects(t *testing.T) {
	tests := []struct {
		name, in, wantInMsg string
	}{
		{"empty", "", "empty"},
		{"blank", " \n\n", "empty"},
		{"header without text", "priority\tnarrative\nhigh\tx\n", "header"},
		{"unknown priority", "high\tx\nurgent\ty\n", `line 2: line2: priority "urgent"`},
		{"no text column", "high\tx\nlow\n", "line 2"},
		{"line numbers count leading blank lines", "\n\nhigh\tx\nurgent\ty\n", "line 4"},
		{"empty text", "high\t  \n", "no text"},
		{"broken json", "{\"priority\": \"high\"\n", "line 1"},
		{"header only", "priority\ttext\n", "no labelled calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLabelled(strings.NewReader(tt.in))
			if !errors.Is(err, ErrLabelledFormat) || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %v, want ErrLabelledFormat mentioning %q", err, tt.wantInMsg)
			}
		})
	}
}

func TestScore(t *testing.T) {
	labelled := []Labelled{
		{ID: "a", Priority: "critical", Category: "fgm"},
		{ID: "b", Priority: "high", Category: "physical_abuse"},
		{ID: "c", Priority: "medium", Category: "neglect"},
		{ID: "d", Priority: "low"},
	}
	got := []*models.Classification{
		{Priority: "medium", Category: "trafficking"},
		{Priority: "high", Category: "physical_abuse"},
		{Priority: "high", Category: "neglect"},
		{Priority: "low", Category: "information_advice"},
	}
	s := Score(labelled, got)
	if s.N != 4 || s.Correct != 2 || s.Severe != 2 || s.SevereFound != 1 || s.CriticalBelowHigh != 1 || s.Benign != 2 || s.FalseAlarms != 1 {
		t.Errorf("scores %+v", s)
	}
	if s.Recall() != 0.5 || s.Accuracy() != 0.5 || s.FalseAlarmRate() != 0.5 || s.CategoryAccuracy() != 2.0/3 {
		t.Errorf("recall %v accuracy %v false alarms %v category %v", s.Recall(), s.Accuracy(), s.FalseAlarmRate(), s.CategoryAccuracy())
	}
	if diff := cmp.Diff([]string{"a(critical→medium)", "c(medium→high)"}, s.Misses); diff != "" {
		t.Errorf("misses (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a(fgm→trafficking)"}, s.CategoryMisses); diff != "" {
		t.Errorf("category misses (-want +got)\n%s", diff)
	}
	if s.Confusion[3][1] != 1 || s.Confusion[1][2] != 1 {
		t.Errorf("confusion %v", s.Confusion)
	}
	for _, w := range []string{"n=4", "recall(high+critical)=0.500", "false alarms(low/medium called high+)=1/2", "critical below high=1"} {
		if !strings.Contains(s.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, s)
		}
	}
}
