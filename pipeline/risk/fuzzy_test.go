package risk

import (
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// TestNearMiss checks which misheard words are read as the lexicon word
// they are one edit from, and which are left alone: words the lexicon
// knows, real words an edit at the first letter or in a Swahili prefix
// would turn into a harm (changing/hanging, akarudi/akirudi), the
// lexicon's known_words (nitakuwa is not nitakuua), and letters
// a recogniser does not confuse (kufungua is not kuungua).
func TestNearMiss(t *testing.T) {
	fx := rulesAndFactors().m.fx
	for w, want := range map[string]string{
		"bleding": "bleeding", "tabelts": "tablets", "kujinyoga": "kujinyonga", "strangeled": "strangle",
		"touchng": "touching", "circumsised": "circumcised",
		"changing": "", "kufungua": "", "akarudi": "", "contract": "", "defiled": "", "kunyonga": "",
		"nitakuwa": "", "atakuwa": "", "settings": "", // known_words: ordinary words beside nitakuua, atakuua, sitting
	} {
		if got := fx.correct(w, lemmas(w, nil)); got != want {
			t.Errorf("%s read as %q, want %q", w, got, want)
		}
	}
	checkPriorities(t, []priorityCase{
		{name: "en misheard means and timeline", text: "i have hidden my mothers sleeping tabelts in my bag and i will swallow all of them tonight", want: models.PriorityCritical},
		{name: "sw misheard method", text: "sitaki tena maisha haya nataka kujinyoga", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en misheard injury", text: "i cut my arm and it is bleding a lot i am alone", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	})
}

// TestNearMissOnWrittenText counts the words of the labelled narratives,
// as written, that are read as another: there a correction is a false
// one, so it must stay rare.
func TestNearMissOnWrittenText(t *testing.T) {
	c := rulesAndFactors()
	seen := map[string]bool{}
	var fixed []string
	for _, l := range loadEval(t) {
		tz := tokenizer{}
		tz.add(l.Text, 0, -1)
		for _, tk := range tz.toks {
			if seen[tk.norm] {
				continue
			}
			seen[tk.norm] = true
			if len(c.m.stems.analyse(tk.norm, nil)) == 0 {
				if f := c.m.fx.correct(tk.norm, lemmas(tk.norm, nil)); f != "" {
					fixed = append(fixed, tk.norm+"→"+f)
				}
			}
		}
	}
	t.Logf("%d distinct words, %d read as another: %v", len(seen), len(fixed), fixed)
	if len(fixed) > 5 {
		t.Errorf("%d words of the narratives as written were read as another, want at most 5: %v", len(fixed), fixed)
	}
}
