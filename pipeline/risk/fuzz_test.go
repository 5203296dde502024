package risk

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

func jsonMarshalIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// FuzzClassify checks that any input classifies without panicking into a
// valid result whose evidence is text of the input.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"", "a", "...", "Baba anampiga mdogo wangu sasa hivi.", "He doesn't hit me anymore.",
		"hajanipiga", "ng'ombe za mahari", "I'm 12 and he's coming tonight!!", "kujiua\nkujiua",
		"’’’", "don't'n't", "3.5.", "\xff\xfe", "what if ... if if if",
	} {
		f.Add(s)
	}
	c := Default()
	f.Fuzz(func(t *testing.T, s string) {
		got := c.ClassifyText(s)
		if err := got.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, e := range got.Evidence {
			if !strings.Contains(s, e.Text) {
				t.Fatalf("evidence %q is not in the input", e.Text)
			}
		}
		segs := []models.Segment{{Start: 0, End: 1, Text: s}, {Start: 1, End: 2, Text: s}}
		if err := c.ClassifySegments(segs, "transcript").Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
