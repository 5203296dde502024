package risk

import (
	"flag"
	"maps"
	"os"
	"slices"
	"testing"
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
//     -risk.split, never while rules are tuned;
//   - fresh8-dev (50): written blind for the same classes in general
//     form; first sight 0.857, 0.740, none (false alarms 1/22); 1.000,
//     0.940 after the generalisation it was used for (sentences of
//     unpunctuated speech, near-miss spellings, factors for blood loss, a
//     passive wish to die and an exploitation due within hours).
//   - fresh8 (100): written with fresh8-dev, in the same session and
//     the same general terms, and kept sealed while fresh8-dev was used:
//     0.818, 0.670, three critical below high (false alarms 4/45) before
//     that work, 0.818, 0.680, three (5/45) after it. The gains on
//     fresh8-dev did not carry over to unseen wording: the rules learned
//     the development set's sentences, not the classes. It is reported,
//     not gated, and is the next round's development set; a new blind
//     set must measure that round.
//   - fresh9 (130): written blind, a third in transcript style, scored
//     once before and once after the second opinion was given its own
//     reading (raising to the model's most likely priority rather than
//     only past p=0.85): 0.754, 0.623, six critical below high (false
//     alarms 11/65) before, 0.923, 0.738, one (16/65) after. Its labels'
//     categories were mapped to the lexicon's (information and other at
//     low to information_advice, other above low to child_in_distress,
//     custody to custody_maintenance, abduction to trafficking). It is
//     reported, not gated.
//   - fresh10 (120): written blind, half in transcript style, with many
//     harmless calls full of alarming words; scored three times: at the
//     start of the round (0.782, 0.558, four critical below high, false
//     alarms 18/65), with the second opinion's own reading (0.927,
//     0.658, none, 23/65), and with fresh9 learned from (0.909, 0.633,
//     none, 23/65). The rules' false alarms on harmless talk are the
//     weakness it shows. Categories mapped as for fresh9; reported, not
//     gated.
//   - fresh11 (120): written blind, 40 % in transcript style; at the
//     start of the round 0.914, 0.600, one critical below high (false
//     alarms 17/62); with the second opinion's own reading 0.914, 0.717,
//     one (20/62); with fresh9 and fresh10 learned from and their general
//     rule fixes 0.983, 0.758, none (20/62). Reported, not gated.
//   - fresh12 (120): written blind, half its harmless calls full of
//     alarming words and half its severe ones indirect; at the start of
//     the round 0.772, 0.567, five critical below high (false alarms
//     19/63); with the second opinion's own reading 0.912, 0.650, two
//     (27/63); with fresh9 to fresh11 learned from and their general rule
//     fixes 0.895, 0.725, two (18/63). Reported, not gated.
//   - fresh13 (100): written blind with the hard classes of the issue in
//     general form; at the start of the round 0.978, 0.710, none below
//     high (false alarms 14/55), the same after the round's first change
//     (a blow told as a single incident); learned from with the factor
//     vocabulary its misses showed (a wedding within days, a taking under
//     way, a poison drunk, a footbridge). Reported, not gated.
//   - fresh14 (100): written blind after fresh13; at the start of the
//     round 0.978, 0.760, none below high (12/55); after fresh13 was
//     learned from 1.000, 0.770, none (12/55). Reported, not gated.
//   - fresh16 to fresh19 (100 each): written blind, a quarter of each
//     medium calls with real harm words; each scored first by the build
//     it was written against (false alarms 0.18 to 0.31), then learned
//     from with general fixes (a blow by another child, a household
//     implement in a single incident, topics and word senses). Fixes that
//     a review showed could lower an urgent call (witness verbs as
//     negation bridges, a Swahili conditional, a thank-you closing what
//     follows it, jokes told by abusers) were taken back; TestScope holds
//     the calls that showed it. Reported, not gated.
//   - fresh21 (100): written blind; at first sight 0.978, 0.800, none
//     below high (false alarms 7/55, 0.127); before any change of the
//     factor work (c6e41f2) 0.822, 0.560, one (10/55). Learned from:
//     "scared" is no scar, and "asking for" marks a request for
//     information only as the caller's own ("he keeps asking for my
//     photos" is none). Its medium calls' other cues (a parent who has not
//     hit since early childhood, "hajarudia tena", a perpetrator sacked,
//     an account blocked and reported) were tried and taken back: a
//     review found urgent calls each of them lowered, now in TestScope.
//     Reported, not gated.
//   - fresh23 (100): written blind; at first sight 0.978, 0.830, none
//     below high (false alarms 12/55, 0.218). Learned from: a Swahili
//     denial of self-harm (sitaki kujiumiza) is one as the English is.
//     Its other false alarms' cures (a blow told bare as medium, an exam
//     threat as an idiom, a single incident told two sentences away, a
//     time of day told with a past date, hidden means on their own, a
//     cut finger, a Swahili plural verb's subject) were tried and taken
//     back: two reviews found urgent calls they lowered (145 of 357) and
//     harmless ones raised; the safety gaps the reviews showed (an
//     apology as a resolution, a denial undone, a threat lowered as a
//     single incident) are in TestIsolatedBlow and TestDenials. fresh24,
//     written with it, stayed sealed until the round's end. Reported,
//     not gated.
var evalSplit = flag.String("risk.split", "all", "evaluation split to score (see testdata/eval.jsonl), or all")

// sealedSplits are scored only when -risk.split names them.
var sealedSplits = map[string]bool{"dev2-holdout": true}

// ungatedSplits are reported but not held to the targets.
var ungatedSplits = map[string]bool{"fresh8": true, "fresh9": true, "fresh10": true, "fresh11": true, "fresh12": true, "fresh13": true, "fresh14": true, "fresh16": true, "fresh17": true, "fresh18": true, "fresh19": true, "fresh21": true, "fresh23": true}

// evalCase is one labelled call narrative of testdata/eval.jsonl.
type evalCase = Labelled

func loadEval(t testing.TB) []evalCase {
	t.Helper()
	f, err := os.Open("testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := ReadLabelled(f)
	if err != nil {
		t.Fatalf("eval.jsonl: %v", err)
	}
	return out
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
	all, bySplit := &Scores{}, map[string]*Scores{}
	for _, tc := range cases {
		if *evalSplit != "all" && tc.Split != *evalSplit || *evalSplit == "all" && sealedSplits[tc.Split] {
			continue
		}
		got := c.ClassifyText(tc.Text)
		if *evalSplit != "all" || !ungatedSplits[tc.Split] {
			all.Add(tc, got)
		}
		if bySplit[tc.Split] == nil {
			bySplit[tc.Split] = &Scores{}
		}
		bySplit[tc.Split].Add(tc, got)
	}
	t.Logf("split %s:\n%s", *evalSplit, all)
	if *evalSplit == "all" {
		for _, name := range slices.Sorted(maps.Keys(bySplit)) {
			t.Logf("split %s:\n%s", name, bySplit[name])
		}
	}
	if r := all.Recall(); r < 0.95 {
		t.Errorf("recall of high+critical = %.3f, want >= 0.95", r)
	}
	if a := all.Accuracy(); a < 0.80 {
		t.Errorf("priority accuracy = %.3f, want >= 0.80", a)
	}
	if all.CriticalBelowHigh > 0 {
		t.Errorf("%d critical narratives classified below high", all.CriticalBelowHigh)
	}
}
