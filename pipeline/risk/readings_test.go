package risk

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// readings are the ways a narrative is read in TestReadings: as written,
// as a transcript writes it (lower case, no punctuation) and with 10 % of
// its words dropped, replaced or misspelt as a recogniser mishears them.
var readings = []struct {
	name string
	rate float64 // < 0: as written
}{{"written", -1}, {"normalised", 0}, {"noise 0.1", 0.1}}

// readText returns the narrative l as reading lv reads it; the noise is
// drawn from a seed of the narrative's id, so every run reads it alike.
func readText(l Labelled, rate float64) string {
	if rate < 0 {
		return l.Text
	}
	h := fnv.New64a()
	h.Write([]byte(l.ID))
	return learned.Noise(l.Text, rate, rand.New(rand.NewPCG(h.Sum64(), uint64(rate*1000))))
}

// TestReadings prints, per split, the rules' scores (without the second
// opinion, which saw these narratives) on the narratives as written, as
// a transcript writes them and with simulated recognition errors: recall
// of high+critical, priority accuracy, false alarms and critical calls
// below high. It holds the transcript reading to a floor: a transcript
// loses case and punctuation, and that alone must not cost the rules
// much.
func TestReadings(t *testing.T) {
	cases := loadEval(t)
	c := rulesAndFactors()
	var splits []string
	for _, l := range cases {
		if !sealedSplits[l.Split] && !slices.Contains(splits, l.Split) {
			splits = append(splits, l.Split)
		}
	}
	scores := make([]map[string]*Scores, len(readings))
	for r, rd := range readings {
		scores[r] = map[string]*Scores{"all": {}}
		for _, l := range cases {
			if sealedSplits[l.Split] {
				continue
			}
			got := c.ClassifyText(readText(l, rd.rate))
			if scores[r][l.Split] == nil {
				scores[r][l.Split] = &Scores{}
			}
			scores[r][l.Split].Add(l, got)
			if !ungatedSplits[l.Split] { // "all" is what the floor holds
				scores[r]["all"].Add(l, got)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %4s", "split", "n")
	for _, rd := range readings {
		fmt.Fprintf(&b, " | %-24s", rd.name+" rec acc FA crit<")
	}
	b.WriteByte('\n')
	for _, s := range append(splits, "all") {
		fmt.Fprintf(&b, "%-12s %4d", s, scores[0][s].N)
		for r := range readings {
			x := scores[r][s]
			fmt.Fprintf(&b, " | %5.3f %5.3f %4d %5d   ", x.Recall(), x.Accuracy(), x.FalseAlarms, x.CriticalBelowHigh)
		}
		b.WriteByte('\n')
	}
	t.Logf("rules and factors, per reading\n%s", b.String())
	if n := scores[1]["all"]; n.Recall() < 0.97 || n.CriticalBelowHigh > 2 {
		t.Errorf("as a transcript writes them: recall %.3f, %d critical below high; want >= 0.97 and at most 2", n.Recall(), n.CriticalBelowHigh)
	}
}
