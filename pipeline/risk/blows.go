package risk

import (
	"regexp"
	"slices"
	"strings"

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
	if b.isolated >= 0 && !ongoing {
		if m, ok := c.cueNear(b.isolated, f.m, d, ci); ok {
			return m, "isolated", true
		}
	}
	if m, ok := c.peerActor(f.m, d, ci); ok {
		return m, "peer", true
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
		if m.end <= h.start && h.start-m.end <= 2 && !slices.ContainsFunc(d.toks[m.end:h.start], func(t token) bool { return grownUps[t.norm] }) {
			return m, true
		}
		// A Swahili verb agrees with its subject: "wanafunzi wa darasa
		// la saba wananinyang'anya pesa ... na wananipiga" is the pupils'
		// blow, told further on, when no grown-up is named between.
		if peerPlurals[d.toks[m.start].norm] && swPluralVerb.MatchString(d.toks[h.start].norm) && m.end <= h.start && h.start-m.end <= 15 &&
			!slices.ContainsFunc(d.toks[m.end:h.start], func(t token) bool { return grownUps[t.norm] || adultsSw[t.norm] }) {
			return m, true
		}
	}
	return match{}, false
}

// peerPlurals are the children a plural Swahili verb may agree with.
var peerPlurals = map[string]bool{"wanafunzi": true, "watoto": true, "wavulana": true, "wasichana": true}

// swPluralVerb is a Swahili verb with a third person plural subject.
var swPluralVerb = regexp.MustCompile(`^wa(na|li|me|ka|ki|nge|ta)[a-z]{4,}$`)

// adultsSw are grown-ups named in the plural, who may be the subject of
// a plural verb instead of the children named before them.
var adultsSw = map[string]bool{"walimu": true, "wazazi": true, "wazee": true, "wanaume": true, "askari": true, "polisi": true, "walinzi": true}

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

// bareBlowRule is the rule whose blows are weighed by what is told with
// them: the beatings, slaps and pushes of physical abuse.
const bareBlowRule = "physical_abuse.violent_assault"

// lowerBareBlows makes a blow told bare medium, for a counsellor to
// assess: a single event in the past ("my dad slapped me yesterday",
// alinichapa) with nothing told near it that makes a beating urgent. An
// injury, a weapon or an implement, confinement, the abuser's access or
// next contact, recurrence (again, every time, since January, kila siku),
// a habit or a present form of the verb (beats, hunichapa, ananipiga), a
// force told after the verb (badly, until, with, mpaka), a baby, fear, a
// plea or danger now all keep it high, as does any cue that already
// changed its level. It returns the review reasons.
func (c *Classifier) lowerBareBlows(findings []finding, hits []factorHit, d *doc, ci *cueIndex) []string {
	b := c.builtin
	var reasons []string
	var calm *bool
	for i := range findings {
		f := &findings[i]
		if f.rule.id != bareBlowRule || f.level != models.PriorityHigh.Rank() || f.rule.Priority != models.PriorityHigh || len(f.cues) > 0 {
			continue
		}
		if !pastBlow(f.m, d) || fierce(f.m, d) || habitual(f.m, d) {
			continue
		}
		if len(liveNear(hits, d, f.m.start, factorKinds["violence"]...)) > 0 {
			continue
		}
		if c.sentenceHas(b.ongoing, f.m, d, ci) || slices.ContainsFunc([]int{b.severity, b.grave}, func(k int) bool { return c.nearHas(k, f.m, d, ci) }) {
			continue
		}
		if calm == nil {
			v := c.calmCall(hits, ci)
			calm = &v
		}
		if !*calm {
			continue
		}
		if babyNear(f.m, d) {
			continue
		}
		f.level = models.PriorityMedium.Rank()
		f.cues = append(f.cues, cueUse{f.m, "bare"})
		reasons = append(reasons, "A blow told as a single past event, with no injury, implement, recurrence or danger now, is medium; ask how often it happens and what it left.")
	}
	if len(reasons) > 1 {
		reasons = reasons[:1]
	}
	return reasons
}

// calmCall reports whether nothing in the call speaks of danger now or
// soon: no immediacy cue, no plea, fear or sign of danger, no imminent
// factor of any harm (a wedding tomorrow, a timeline, the next contact).
// A bare blow in a call that has any of them may be the one word a
// rule knew of a graver story.
func (c *Classifier) calmCall(hits []factorHit, ci *cueIndex) bool {
	b := c.builtin
	for _, k := range []int{b.immediacy, b.plea, b.fear, b.danger} {
		if k >= 0 && len(ci.matches[k]) > 0 {
			return false
		}
	}
	return !slices.ContainsFunc(hits, func(h factorHit) bool {
		return h.aside == "" && (h.time == "imminent" || h.name == "soon" || h.name == "timeline" || h.name == "next_contact")
	})
}

// pastBlow reports whether the verb that opens m tells of a past event:
// an English past form (slapped, struck; beat or hit after he, she or a
// person, or in a sentence dated to the past), a past passive (was beaten)
// or a Swahili past, perfect or narrative tense (alinichapa, amempiga,
// akanisukuma, nilipigwa).
func pastBlow(m match, d *doc) bool {
	w := d.toks[m.start].norm
	if sw := swPast.FindStringSubmatch(w); sw != nil {
		return slices.ContainsFunc(swStrikes, func(s string) bool { return strings.Contains(sw[3], s) })
	}
	if !slices.ContainsFunc(enStrikes, func(s string) bool { return strings.HasPrefix(w, s) }) {
		return false
	}
	prev := ""
	if m.start > 0 && d.toks[m.start-1].clause == d.toks[m.start].clause {
		prev = d.toks[m.start-1].norm
	}
	switch {
	case enPastForms[w]:
		return true
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		return true
	case w == "beaten":
		return prev == "was" || prev == "were" || prev == "got"
	case enBareForms[w]:
		return thirdSingular[prev] || datedPast(m, d)
	}
	return false
}

// swPast is a Swahili verb in the past (-li-), perfect (-me-) or
// narrative (-ka-) tense, after its subject prefix.
var swPast = regexp.MustCompile(`^(a|wa|ni|tu|u|m|i)(li|me|ka)([a-z]{4,})$`)

// enStrikes and swStrikes are the blows that may be bare: a slap, a
// kick, a push, a beating. A burn, a stab, a choking or a whipping is
// never minor, whatever is told with it.
var (
	enStrikes = []string{"beat", "hit", "slap", "kick", "punch", "push", "shov", "pinch", "smack", "spank", "struck", "strike", "pull", "twist"}
	swStrikes = []string{"piga", "chapa", "sukuma", "zaba", "gonga", "tandika"}
)

// enPastForms are English past forms no -ed ending shows.
var enPastForms = map[string]bool{"struck": true}

// enBareForms are English verbs whose past is their base form.
var enBareForms = map[string]bool{"beat": true, "hit": true}

// thirdSingular are the subjects before which a base form (beat, hit)
// can only be past: "he hit me" (the present would be "he hits me").
var thirdSingular = map[string]bool{"he": true, "she": true, "it": true, "father": true, "dad": true, "daddy": true, "mother": true, "mum": true, "mom": true,
	"stepfather": true, "stepmother": true, "stepdad": true, "stepmum": true, "uncle": true, "aunt": true, "auntie": true, "brother": true, "sister": true,
	"teacher": true, "grandmother": true, "grandfather": true, "grandma": true, "grandpa": true, "husband": true, "boyfriend": true, "man": true, "woman": true,
	"coach": true, "matron": true, "headteacher": true, "principal": true, "neighbour": true, "neighbor": true, "madam": true, "boss": true, "employer": true}

// datedPast reports whether m's sentence dates it to one past time:
// yesterday, last week, on Monday, this morning, was.
func datedPast(m match, d *doc) bool {
	return sentenceSays(m, d, 15, func(w, next string) bool {
		return w == "yesterday" || w == "ago" || w == "was" || w == "were" ||
			w == "last" && (next == "week" || next == "night" || next == "month" || next == "weekend" || next == "term" || next == "year" || strings.HasSuffix(next, "day")) ||
			w == "this" && (next == "morning" || next == "afternoon")
	})
}

// fierceWords told just after a blow make it a beating, not a slap:
// "beat me badly", "hit him until he fell", "with a mwiko", mpaka
// akazimia.
var fierceWords = map[string]bool{"badly": true, "hard": true, "severely": true, "brutally": true, "mercilessly": true, "seriously": true, "senseless": true,
	"until": true, "till": true, "up": true, "with": true, "using": true, "black": true, "unconscious": true,
	"sana": true, "vibaya": true, "mpaka": true, "hadi": true, "kikatili": true, "kwa": true, "na": true}

// fierce reports whether a fierce word follows m within three words of
// its clause.
func fierce(m match, d *doc) bool {
	for t := m.start + 1; t < min(len(d.toks), m.end+3); t++ {
		if d.toks[t].clause != d.toks[m.start].clause {
			return false
		}
		if t >= m.end && fierceWords[d.toks[t].norm] {
			if d.toks[t].norm == "kwa" && t+1 < len(d.toks) && d.toks[t+1].norm == "sababu" {
				continue
			}
			return true
		}
	}
	return false
}

// babyWords name a child too young for any blow to be minor.
var babyWords = map[string]bool{"baby": true, "infant": true, "toddler": true, "newborn": true, "kichanga": true, "mchanga": true}

// babyNear reports whether a baby is named in m's sentence.
func babyNear(m match, d *doc) bool {
	return sentenceSays(m, d, 20, func(w, _ string) bool { return babyWords[w] })
}
