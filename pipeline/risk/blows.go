package risk

import (
	"slices"

	"github.com/openchs/openchs-ai/models"
)

// Blows: a slap, a beating, a push. Whether one is urgent depends on more
// than the word: who struck, whether it was a single incident, what it
// left behind.

// blowCategories are the harms a single out-of-character incident lowers:
// a blow, a slap, an insult. A first sexual assault, a first attempt at
// suicide or a first wedding date is no less urgent for being the first.
var blowCategories = map[string]bool{"physical_abuse": true, "emotional_abuse": true, "bullying": true}

// isolatedBlow returns the cue that makes f's medium or high match a
// concern rather than an urgent case, with nothing imminent or grave near
// it: an isolated cue (a blow the caller tells as a single incident, out
// of character, nothing ongoing), or a peer cue (the one who struck is
// another child: a fight, bullying, ongoing or not). A mild injury then
// does not raise it. A counsellor follows such a call up (medium); the
// learned second opinion may still raise it.
func (c *Classifier) isolatedBlow(f *finding, ongoing bool, d *doc, ci *cueIndex) (match, string, bool) {
	b := c.builtin
	if f.level < models.PriorityMedium.Rank() || f.level > models.PriorityHigh.Rank() || !blowCategories[c.lex.Categories[f.rule.cat].ID] {
		return match{}, "", false
	}
	if c.nearHas(b.immediacy, f.m, d, ci) || (b.grave >= 0 && c.nearHas(b.grave, f.m, d, ci)) {
		return match{}, "", false
	}
	if b.isolated >= 0 && !ongoing && !f.rule.ignore[b.isolated] {
		if m, ok := c.cueNear(b.isolated, f.m, d, ci); ok {
			return m, "isolated", true
		}
	}
	if b.peer >= 0 && !f.rule.ignore[b.peer] {
		if m, ok := c.peerActor(f.m, d, ci); ok {
			return m, "peer", true
		}
	}
	return match{}, "", false
}

// callWords are the words that make "the first time" or "mara ya
// kwanza" about the call itself or the telling: "the first time I call",
// "the first time I tell anyone", "ni mara ya kwanza kupiga simu".
var callWords = map[string]bool{"call": true, "calling": true, "called": true, "phone": true, "phoning": true, "ring": true, "ringing": true, "dial": true, "dialling": true, "dialing": true,
	"tell": true, "telling": true, "told": true, "talk": true, "talking": true, "speak": true, "speaking": true, "say": true, "saying": true, "share": true, "sharing": true, "report": true, "reporting": true, "open": true,
	"simu": true, "kupiga": true, "nikipiga": true, "ninapiga": true, "napiga": true, "kuwapigia": true, "nawapigia": true, "ninawapigia": true,
	"kusema": true, "kuongea": true, "kuzungumza": true, "kumwambia": true, "kuwaambia": true, "nasema": true, "naongea": true, "ninasema": true, "kuripoti": true}

// aboutTheCall reports whether one of the three words after m (or the
// word before it) is about calling or telling.
func aboutTheCall(m match, d *doc) bool {
	for i := max(m.start-1, 0); i < min(m.end+3, len(d.toks)); i++ {
		if (i < m.start || i >= m.end) && callWords[d.toks[i].norm] {
			return true
		}
	}
	return false
}

// peerActor returns the peer cue naming who struck in h: one that ends
// at most two words before it, none of them a grown-up ("other boys
// pushed him", "wanafunzi wa darasa la sita wanaonisukuma"), or one just
// after "by" ("beaten by older boys"). A child named after the blow is
// its object ("he beat me and the other children"); a blow told in the
// passive takes its actor from after "by" only ("we are beaten by the
// matron").
func (c *Classifier) peerActor(h match, d *doc, ci *cueIndex) (match, bool) {
	// A match that names its actor ("the teacher caned me") has one.
	if c.builtin.peer < 0 || slices.ContainsFunc(d.toks[h.start:h.end], func(t token) bool { return grownUps[t.norm] }) {
		return match{}, false
	}
	byAfter := -1
	for i := h.end; i < min(h.end+2, len(d.toks)); i++ {
		if d.toks[i].norm == "by" {
			byAfter = i
			break
		}
	}
	for _, m := range ci.matches[c.builtin.peer] {
		if d.toks[m.start].sent != d.toks[h.start].sent {
			continue
		}
		if byAfter >= 0 {
			if m.start == byAfter+1 || (m.start == byAfter+2 && articles[d.toks[byAfter+1].norm]) {
				return m, true
			}
			continue
		}
		if h.passive {
			// "watoto wa darasa la kwanza wanapigwa na mpishi": the
			// children named before a passive are the ones struck.
			continue
		}
		if m.end <= h.start && h.start-m.end <= 2 && !slices.ContainsFunc(d.toks[m.end:h.start], func(t token) bool { return grownUps[t.norm] }) {
			return m, true
		}
	}
	return match{}, false
}

// articles may stand between "by" and the ones it names.
var articles = map[string]bool{"the": true, "some": true, "a": true, "two": true, "three": true, "those": true}

// grownUps are words that name another actor, a grown-up or a pronoun,
// between a peer word and a blow ("in front of my classmates the teacher
// caned me") or inside the blow's match: the blow is not the peers'.
var grownUps = map[string]bool{"teacher": true, "mwalimu": true, "father": true, "dad": true, "baba": true, "mother": true, "mum": true, "mom": true, "mama": true,
	"uncle": true, "mjomba": true, "stepfather": true, "stepmother": true, "matron": true, "he": true, "she": true, "yeye": true, "they": true}

// minorBlow reports whether f was lowered as a single incident or a fight
// between children.
func minorBlow(f *finding) bool {
	return slices.ContainsFunc(f.cues, func(u cueUse) bool { return u.name == "isolated" || u.name == "peer" })
}
