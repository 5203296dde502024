package risk

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// The narratives come in splits, each written before it was used; the
// later ones were written blind to the lexicon, scored once untouched
// (recall of high+critical, priority accuracy, critical calls below
// high), then used to broaden it:
//   - dev, holdout: written first, before the classifier;
//   - fresh: first scored at recall 0.32;
//   - fresh2: first scored at recall 0.63;
//   - fresh3 (96): 0.771, 0.729, five critical calls classified low;
//   - fresh4 (80): 0.750, 0.700, five; 0.850 and two after the distress
//     backstop, which was designed with some of its misses in view;
//   - fresh5 (80): 0.900, 0.762, one;
//   - fresh6 (80): 0.825, 0.662, none;
//   - dev2 (30), dev2-holdout (15): written for the classes of miss the
//     risk factors address (suicide without the word, self-harm become a
//     medical emergency, a thank-you before a crisis, abduction in
//     progress, harm told in passing, immediacy given as a time), with
//     their look-alikes that are not emergencies, before the factors were
//     written. dev2-holdout is sealed: it is scored only when named with
//     -risk.split, never while rules are tuned.
var evalSplit = flag.String("risk.split", "all", "evaluation split to score (see testdata/eval.jsonl), or all")

// sealedSplits are scored only when -risk.split names them.
var sealedSplits = map[string]bool{"dev2-holdout": true}

// ungatedSplits are reported but not held to the targets.
var ungatedSplits = map[string]bool{"dev2": true}

// evalCase is one labelled call narrative of testdata/eval.jsonl.
type evalCase struct {
	ID       string          `json:"id"`
	Split    string          `json:"split"`
	Lang     string          `json:"lang"`
	Priority models.Priority `json:"priority"`
	Category string          `json:"category"`
	Text     string          `json:"text"`
}

func loadEval(t testing.TB) []evalCase {
	t.Helper()
	f, err := os.Open("testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []evalCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c evalCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("eval.jsonl: %v", err)
		}
		if err := c.Priority.Validate(); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scores are the triage metrics over a set of narratives.
type scores struct {
	n, correct, catCorrect, catN int
	severe, severeFound          int // labelled high or critical; of those classified high or critical
	criticalBelowHigh            int
	confusion                    [4][4]int // [want][got]
	misses                       []string  // ids, never text
}

func (s *scores) add(c evalCase, got *models.Classification) {
	w, g := c.Priority.Rank(), got.Priority.Rank()
	s.n++
	s.confusion[w][g]++
	if w == g {
		s.correct++
	} else {
		s.misses = append(s.misses, fmt.Sprintf("%s(%s→%s)", c.ID, c.Priority, got.Priority))
	}
	if w >= 2 {
		s.severe++
		if g >= 2 {
			s.severeFound++
		}
	}
	if w == 3 && g < 2 {
		s.criticalBelowHigh++
	}
	if w > 0 {
		s.catN++
		if got.Category == c.Category {
			s.catCorrect++
		} else {
			s.misses = append(s.misses, fmt.Sprintf("%s(category %s→%s)", c.ID, c.Category, got.Category))
		}
	}
}

func (s *scores) recall() float64   { return float64(s.severeFound) / float64(max(s.severe, 1)) }
func (s *scores) accuracy() float64 { return float64(s.correct) / float64(max(s.n, 1)) }
func (s *scores) catAcc() float64   { return float64(s.catCorrect) / float64(max(s.catN, 1)) }

func (s *scores) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n=%d  recall(high+critical)=%.3f  priority accuracy=%.3f  category accuracy(non-low)=%.3f  critical below high=%d\n",
		s.n, s.recall(), s.accuracy(), s.catAcc(), s.criticalBelowHigh)
	fmt.Fprintf(&b, "confusion (rows: labelled, columns: classified)\n%10s", "")
	for _, p := range ranked {
		fmt.Fprintf(&b, "%9s", p)
	}
	b.WriteByte('\n')
	for i, p := range ranked {
		fmt.Fprintf(&b, "%10s", p)
		for j := range ranked {
			fmt.Fprintf(&b, "%9d", s.confusion[i][j])
		}
		b.WriteByte('\n')
	}
	if len(s.misses) > 0 {
		fmt.Fprintf(&b, "misses: %s\n", strings.Join(s.misses, " "))
	}
	return b.String()
}

// TestEvaluation scores the classifier on the labelled narratives and
// holds it to the triage targets: recall of high and critical calls at
// least 0.95, priority accuracy at least 0.80, and no critical call
// classified below high.
func TestEvaluation(t *testing.T) {
	cases := loadEval(t)
	if len(cases) < 60 {
		t.Fatalf("evaluation set has %d narratives, want at least 60", len(cases))
	}
	c := Default()
	all, bySplit := &scores{}, map[string]*scores{}
	for _, tc := range cases {
		if *evalSplit != "all" && tc.Split != *evalSplit || *evalSplit == "all" && sealedSplits[tc.Split] {
			continue
		}
		got := c.ClassifyText(tc.Text)
		if *evalSplit != "all" || !ungatedSplits[tc.Split] {
			all.add(tc, got)
		}
		if bySplit[tc.Split] == nil {
			bySplit[tc.Split] = &scores{}
		}
		bySplit[tc.Split].add(tc, got)
	}
	t.Logf("split %s:\n%s", *evalSplit, all)
	if *evalSplit == "all" {
		for _, name := range slices.Sorted(maps.Keys(bySplit)) {
			t.Logf("split %s:\n%s", name, bySplit[name])
		}
	}
	if r := all.recall(); r < 0.95 {
		t.Errorf("recall of high+critical = %.3f, want >= 0.95", r)
	}
	if a := all.accuracy(); a < 0.80 {
		t.Errorf("priority accuracy = %.3f, want >= 0.80", a)
	}
	if all.criticalBelowHigh > 0 {
		t.Errorf("%d critical narratives classified below high", all.criticalBelowHigh)
	}
}
