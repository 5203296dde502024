package risk

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// Config selects the lexicon a Classifier applies.
type Config struct {
	// LexiconPath names a lexicon file to use instead of the embedded
	// default.
	LexiconPath string
	// NoSecondOpinion turns off the embedded statistical second opinion
	// (see WithSecondOpinion).
	NoSecondOpinion bool
}

// WithDefaults returns c with unset fields filled in.
func (c Config) WithDefaults() Config { return c }

// Validate reports whether c can be used.
func (c Config) Validate() error {
	if c.LexiconPath != "" {
		if _, err := os.Stat(c.LexiconPath); err != nil {
			return fmt.Errorf("lexicon path: %w", err)
		}
	}
	return nil
}

// Classifier triages call text. It is safe for concurrent use.
type Classifier struct {
	lex     *Lexicon
	m       *matcher
	owners  []owner
	rules   []*compiledRule
	cueByNm map[string]int
	cueInfo []cueMeta
	builtin builtinCues
	// distressCat is the index of the distress category, -1 without one.
	distressCat int
	// selfHarm is the self-harm rule (selfHarmRule), nil without one.
	selfHarm *compiledRule
	second   *learned.Model // the second opinion, nil for none
}

type ownerKind uint8

const (
	ownerRule ownerKind = iota
	ownerCue
	ownerExcept
	ownerFactor
)

type owner struct {
	kind ownerKind
	idx  int
}

type compiledRule struct {
	Rule
	id        string // category.rule
	cat       int    // index into lex.Categories
	order     int
	weight    float64
	needs     [][]need
	escalate  []int
	ignore    map[int]bool
	exceptOwn int
}

type need struct {
	cue    int
	absent bool
}

type cueMeta struct {
	name  string
	scope string
}

type builtinCues struct {
	negation, bridge, hypothetical, media, information, victim, resolved, ongoing, past, immediacy, severity int
	// The distress lists, -1 when the lexicon has none.
	plea, fear, danger int
	// followUp, -1 when the lexicon has none: a call that follows up or
	// closes an earlier case ("I just wanted to update you"), which
	// resolves the call's matches as resolved cues do theirs.
	followUp int
	// joke, -1 when the lexicon has none: the words around a match are a
	// joke or a tease ("nakutania tu", "it was a joke"), which sets aside
	// any match but the caller's own suicide or self-harm.
	joke int
	// isolated and grave, -1 when the lexicon has none: a blow told as a
	// single, out-of-character incident ("I've never done that before",
	// "ni mara ya kwanza") is a concern to follow up, not an urgent case,
	// unless the injury is grave (bleeding, a fracture, hospital).
	isolated, grave int
	// peer, -1 when the lexicon has none: the one who struck is another
	// child ("other boys pushed him", "beaten by older boys"; see
	// peerActor): a fight or bullying, not an urgent case, unless the
	// injury is grave or it is happening now.
	peer int
}

// New builds a Classifier from the lexicon cfg names, or the embedded one.
func New(cfg Config) (*Classifier, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lex := DefaultLexicon()
	if cfg.LexiconPath != "" {
		var err error
		if lex, err = LoadLexicon(cfg.LexiconPath); err != nil {
			return nil, err
		}
	}
	c, err := NewWithLexicon(lex)
	if err != nil || cfg.NoSecondOpinion {
		return c, err
	}
	return c.WithSecondOpinion(learned.Default()), nil
}

var defaultClassifier = sync.OnceValue(func() *Classifier {
	c, err := NewWithLexicon(DefaultLexicon())
	if err != nil {
		panic(fmt.Sprintf("risk: embedded lexicon: %v", err)) // covered by tests
	}
	return c.WithSecondOpinion(learned.Default())
})

// Default returns the shared Classifier of the embedded lexicon, with
// the embedded second opinion.
func Default() *Classifier { return defaultClassifier() }

// NewWithLexicon compiles lex into a Classifier of rules alone.
func NewWithLexicon(lex *Lexicon) (*Classifier, error) {
	if err := lex.Validate(); err != nil {
		return nil, err
	}
	c := &Classifier{lex: lex, m: newMatcher(), cueByNm: map[string]int{}}
	var errs []error
	addAll := func(p Patterns, o owner, what string) {
		for _, src := range p.English {
			if err := c.addPattern(src, "en", o); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", what, err))
			}
		}
		for _, src := range p.Swahili {
			if err := c.addPattern(src, "sw", o); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", what, err))
			}
		}
	}
	for i, cl := range lex.Cues {
		c.cueByNm[cl.Name] = i
		c.cueInfo = append(c.cueInfo, cueMeta{name: cl.Name, scope: cl.Scope})
		addAll(cl.Patterns, owner{ownerCue, i}, "cue list "+cl.Name)
	}
	c.builtin = builtinCues{
		negation: c.cueIdx("negation"), bridge: c.cueIdx("negation_bridge"),
		hypothetical: c.cueIdx("hypothetical"), media: c.cueIdx("media"),
		information: c.cueIdx("information"), victim: c.cueIdx("victim"), resolved: c.cueIdx("resolved"),
		ongoing: c.cueIdx("ongoing"), past: c.cueIdx("past"),
		immediacy: c.cueIdx("immediacy"), severity: c.cueIdx("severity"),
		plea: c.cueIdx("distress_plea"), fear: c.cueIdx("distress_fear"), danger: c.cueIdx("distress_danger"),
		followUp: c.cueIdx("follow_up"), joke: c.cueIdx("joke"),
		isolated: c.cueIdx("isolated"), grave: c.cueIdx("grave"), peer: c.cueIdx("peer"),
	}
	c.distressCat = -1
	for i, cat := range lex.Categories {
		if cat.ID == distressCategory {
			c.distressCat = i
		}
	}
	for i, f := range lex.Factors {
		addAll(f.Patterns, owner{ownerFactor, i}, "factor "+f.Domain+"."+f.Factor)
	}
	for _, w := range lex.KnownWords.English {
		c.m.fx.addForms(strings.ToLower(w), true)
	}
	for _, w := range lex.KnownWords.Swahili {
		c.m.fx.addForms(strings.ToLower(w), false)
	}
	for ci, cat := range lex.Categories {
		for _, r := range cat.Rules {
			cr := &compiledRule{Rule: r, id: cat.ID + "." + r.ID, cat: ci, order: len(c.rules), weight: r.Weight, exceptOwn: -1}
			if cr.weight == 0 {
				cr.weight = 0.7
			}
			for _, n := range r.Needs {
				var any []need
				for _, a := range strings.Split(n, "|") {
					any = append(any, need{cue: c.cueIdx(strings.TrimPrefix(a, "!")), absent: strings.HasPrefix(a, "!")})
				}
				cr.needs = append(cr.needs, any)
			}
			for _, n := range r.Ignore {
				if cr.ignore == nil {
					cr.ignore = map[int]bool{}
				}
				cr.ignore[c.cueIdx(n)] = true
			}
			// Immediacy raises every rule, then its own lists, less
			// those it ignores.
			for _, k := range append([]int{c.builtin.immediacy}, cueIdxs(c, r.EscalateWith)...) {
				if !cr.ignore[k] {
					cr.escalate = append(cr.escalate, k)
				}
			}
			ri := len(c.rules)
			c.rules = append(c.rules, cr)
			if cr.id == selfHarmRule {
				c.selfHarm = cr
			}
			addAll(r.Patterns, owner{ownerRule, ri}, "rule "+cr.id)
			if r.Except != nil {
				cr.exceptOwn = ri
				addAll(*r.Except, owner{ownerExcept, ri}, "rule "+cr.id+" except")
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// cueIdx returns the index of the named cue list, or -1. The lists the
// classifier requires and those rules name are checked to exist when the
// lexicon is validated.
func (c *Classifier) cueIdx(name string) int {
	if i, ok := c.cueByNm[name]; ok {
		return i
	}
	return -1
}

func cueIdxs(c *Classifier, names []string) []int {
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = c.cueIdx(n)
	}
	return out
}

func (c *Classifier) addPattern(src, lang string, o owner) error {
	c.owners = append(c.owners, o)
	return c.m.add(src, lang, len(c.owners)-1, o.kind == ownerRule || o.kind == ownerFactor)
}

// Lexicon returns the lexicon c applies. It must not be modified.
func (c *Classifier) Lexicon() *Lexicon { return c.lex }

// ClassifyText triages plain text. Evidence spans carry no times.
func (c *Classifier) ClassifyText(text string) *models.Classification {
	tz := tokenizer{toks: make([]token, 0, len(text)/5+1)}
	tz.add(text, 0, -1)
	splitRuns(tz.toks, tz.stops > 0)
	return c.classify(&doc{text: text, toks: tz.toks}, "")
}

// ClassifySegments triages timed segments; source ("transcript" or
// "translation") labels the evidence. Evidence text is a span of
// models.JoinSegments(segs), and its Start and End are those of the
// segments it lies in.
func (c *Classifier) ClassifySegments(segs []models.Segment, source string) *models.Classification {
	n := 0
	for _, s := range segs {
		n += len(s.Text) + 1
	}
	tz := tokenizer{toks: make([]token, 0, n/5+1)}
	var b strings.Builder
	b.Grow(n)
	for i, s := range segs {
		t := strings.TrimSpace(s.Text)
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		tz.add(t, b.Len(), i)
		b.WriteString(t)
	}
	splitRuns(tz.toks, tz.stops > 0)
	return c.classify(&doc{text: b.String(), toks: tz.toks, segs: segs}, source)
}

// Classify triages a call from its transcript and its English translation
// (either may be nil) and merges the two results: the higher priority
// wins and the evidence of both is kept, labelled by source. Segments
// that name their speakers are read as a dialogue (ClassifyDialogue).
func (c *Classifier) Classify(transcript, translation *models.Transcript) *models.Classification {
	var out *models.Classification
	for _, x := range []struct {
		t      *models.Transcript
		source string
	}{{transcript, "transcript"}, {translation, "translation"}} {
		if x.t == nil {
			continue
		}
		var r *models.Classification
		if len(x.t.Segments) > 0 {
			r = c.classifyTimed(x.t.Segments, x.source)
		} else {
			r = c.ClassifySegments([]models.Segment{{Text: x.t.Text}}, x.source)
		}
		if out == nil {
			out = r
		} else {
			out = Merge(out, r)
		}
	}
	if out == nil {
		out = c.ClassifyText("")
	}
	return out
}

// doc is one tokenised input.
type doc struct {
	text string
	toks []token
	segs []models.Segment // nil for plain text
}

// finding is one rule match and what the cues made of it.
type finding struct {
	rule       *compiledRule
	m          match
	level      int    // priority rank after cues; -1 when suppressed
	suppressed string // why: negated, hypothetical, media, information, resolved
	cues       []cueUse
}

type cueUse struct {
	m    match
	name string
}

// cueIndex records where each cue list matched.
type cueIndex struct {
	matches [][]match // by cue list
}

func (c *Classifier) classify(d *doc, source string) *models.Classification {
	all := c.m.find(d.toks)
	ci := cueIndex{matches: make([][]match, len(c.cueInfo))}
	bridge := make([]bool, len(d.toks))
	var hits []match
	fm := make([][]match, len(c.lex.Factors))
	excepts := map[int][]match{}
	for _, m := range all {
		o := c.owners[m.pat.owner]
		switch o.kind {
		case ownerRule:
			hits = append(hits, m)
		case ownerExcept:
			excepts[o.idx] = append(excepts[o.idx], m)
		case ownerFactor:
			fm[o.idx] = append(fm[o.idx], m)
		case ownerCue:
			ci.matches[o.idx] = append(ci.matches[o.idx], m)
			if o.idx == c.builtin.bridge {
				for t := m.start; t < m.end; t++ {
					bridge[t] = true
				}
			}
		}
	}

	// An information cue with a third-person subject asks nothing.
	ci.matches[c.builtin.information] = slices.DeleteFunc(ci.matches[c.builtin.information], func(m match) bool {
		return thirdPersonAsks(m, d) || whereabouts(m, d) || asksToStop(m, d)
	})

	// A book or a radio of one's own ("my books") is no story.
	ci.matches[c.builtin.media] = slices.DeleteFunc(ci.matches[c.builtin.media], func(m match) bool {
		return owned(m, d)
	})

	// A resolved, follow-up, joke or isolated cue that is itself negated
	// (hajakamatwa, "he has not been arrested", "this is no joke", "si mara
	// ya kwanza": not the first time) resolves or excuses nothing.
	for _, k := range []int{c.builtin.resolved, c.builtin.followUp, c.builtin.joke, c.builtin.isolated} {
		if k >= 0 {
			ci.matches[k] = slices.DeleteFunc(ci.matches[k], func(m match) bool {
				_, neg := c.negatedBy(m, d, &ci, bridge)
				return neg
			})
		}
	}

	// "Not the first time" is an ongoing cue around an isolated one: a
	// recurrence, not a single incident. "The first time I call" is about
	// the call.
	if k := c.builtin.isolated; k >= 0 {
		ci.matches[k] = slices.DeleteFunc(ci.matches[k], func(m match) bool {
			return slices.ContainsFunc(ci.matches[c.builtin.ongoing], func(o match) bool { return o.start < m.end && m.start < o.end }) ||
				aboutTheCall(m, d)
		})
	}

	// An injury stated negatively (hajaumia, sikuumia: not hurt; "it
	// does not leave marks") is no injury.
	if k := c.builtin.severity; k >= 0 {
		ci.matches[k] = slices.DeleteFunc(ci.matches[k], func(m match) bool {
			_, neg := c.negatedBy(m, d, &ci, bridge)
			return neg
		})
	}

	// A span read as resolved ("anaendelea vizuri", doing well) is not
	// also ongoing.
	if k := c.builtin.ongoing; k >= 0 {
		ci.matches[k] = slices.DeleteFunc(ci.matches[k], func(m match) bool {
			return overlapsAny(m, ci.matches[c.builtin.resolved])
		})
	}

	// Keep the hits whose needs hold and that no exception cancels, then
	// the most specific of overlapping hits.
	// A denial of self-harm that its sentence goes on to undo excepts
	// nothing.
	if r := c.selfHarm; r != nil {
		excepts[r.order] = slices.DeleteFunc(excepts[r.order], func(m match) bool { return c.undone(m, d, fm) })
	}

	var cands []finding
	for _, h := range hits {
		r := c.rules[c.owners[h.pat.owner].idx]
		if !c.needsHold(r, h, d, &ci) || overlapsAny(h, excepts[r.order]) {
			continue
		}
		cands = append(cands, finding{rule: r, m: h})
	}
	slices.SortStableFunc(cands, func(a, b finding) int {
		return cmp.Or(
			cmp.Compare(b.m.end-b.m.start, a.m.end-a.m.start),
			cmp.Compare(len(b.rule.needs), len(a.rule.needs)),
			cmp.Compare(b.m.pat.chars, a.m.pat.chars),
			cmp.Compare(b.rule.Priority.Rank(), a.rule.Priority.Rank()),
			cmp.Compare(a.rule.order, b.rule.order),
		)
	})
	var findings []finding
	taken := make([]bool, len(d.toks))
	for _, f := range cands {
		free := true
		for t := f.m.start; t < f.m.end; t++ {
			if taken[t] {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		for t := f.m.start; t < f.m.end; t++ {
			taken[t] = true
		}
		findings = append(findings, f)
	}
	slices.SortFunc(findings, func(a, b finding) int { return cmp.Compare(a.m.start, b.m.start) })

	for i := range findings {
		c.applyCues(&findings[i], d, &ci, bridge)
	}
	fh := c.scanFactors(fm, d, &ci, bridge)
	reasons := c.raiseFindings(findings, fh, d, &ci)
	out := c.decide(findings, d, &ci, source)
	c.overlay(out, findings, fh, d, &ci, source, reasons)
	return c.secondOpinion(out, d, &ci, source)
}

// selfHarmRule is the rule whose exception, the caller's denial ("I
// don't want to hurt myself", sitaki kujiumiza), its sentence may go on
// to undo.
const selfHarmRule = "suicide_self_harm.self_harm"

// undoneWords in the sentence of a denial of self-harm undo it: "sitaki
// kujiumiza tena" (any more: it has happened), "I can't stop", "every
// night", "on purpose".
var undoneWords = map[string]bool{"tena": true, "zaidi": true, "anymore": true, "again": true, "still": true, "bado": true, "stop": true, "kuacha": true,
	"kujizuia": true, "nafanya": true, "ninafanya": true, "purpose": true, "makusudi": true, "every": true, "kila": true, "huwa": true,
	"since": true, "tangu": true}

// contrastWords after a denial of self-harm undo it ("sitaki kujiumiza
// lakini ..."); before it ("I feel sad but I do not want to hurt
// myself") they do not.
var contrastWords = map[string]bool{"but": true, "lakini": true, "ila": true, "however": true, "though": true}

// undoneFactors are the suicide factors whose words near a denial of
// self-harm undo it: "sitaki kujiumiza, nimeficha wembe".
var undoneFactors = map[string]bool{"means": true, "method": true, "plan": true, "intent": true, "timeline": true, "place": true, "injury_now": true}

// undone reports whether the denial of self-harm m is undone: by a word
// of its sentence, a contrast after it, or a means, plan or other suicide
// factor told in its sentence or the next.
func (c *Classifier) undone(m match, d *doc, fm [][]match) bool {
	s := d.toks[m.start].sent
	for t := m.start - 1; t >= 0 && d.toks[t].sent == s; t-- {
		if undoneWords[d.toks[t].norm] {
			return true
		}
	}
	for t := m.end; t < len(d.toks) && d.toks[t].sent == s; t++ {
		if undoneWords[d.toks[t].norm] || contrastWords[d.toks[t].norm] {
			return true
		}
	}
	for i, ms := range fm {
		if f := c.lex.Factors[i]; f.Domain != "suicide" || !undoneFactors[f.Factor] {
			continue
		}
		for _, u := range ms {
			if us := d.toks[u.start].sent; us == s || us == s+1 {
				return true
			}
		}
	}
	return false
}

// needsHold reports whether every need of r holds around h.
func (c *Classifier) needsHold(r *compiledRule, h match, d *doc, ci *cueIndex) bool {
	for _, any := range r.needs {
		ok := false
		for _, n := range any {
			if c.cueInScope(n.cue, h, d, ci) != n.absent {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// cueInScope reports whether cue list k matched within its scope of h.
func (c *Classifier) cueInScope(k int, h match, d *doc, ci *cueIndex) bool {
	if len(ci.matches[k]) == 0 {
		return false
	}
	_, ok := c.cueNear(k, h, d, ci)
	return ok
}

// cueNear returns the first match of cue list k within its scope of h.
// A cue made of the match's own words counts, except for the cues that
// set a match aside (a pattern may contain "hakuna", "if" or "how").
func (c *Classifier) cueNear(k int, h match, d *doc, ci *cueIndex) (match, bool) {
	t := d.toks[h.start]
	b := c.builtin
	setsAside := k == b.hypothetical || k == b.media || k == b.information || k == b.resolved || k == b.joke && k >= 0
	for _, m := range ci.matches[k] {
		if setsAside && m.start < h.end && h.start < m.end {
			continue
		}
		u := d.toks[m.start]
		var in bool
		switch c.cueInfo[k].scope {
		case "clause":
			in = u.clause == t.clause
		case "part":
			// A part ends with its sentence, also where a long
			// unpunctuated run was cut (runs.go).
			in = u.part == t.part && u.sent == t.sent
		case "sentence":
			in = u.sent == t.sent
		case "near":
			in = u.sent >= t.sent-1 && u.sent <= t.sent+1
		case "call":
			in = true
		}
		if in {
			return m, true
		}
	}
	return match{}, false
}

// maxNegationReach is how many words may stand between a negation and
// the match it governs; all of them must be negation_bridge words.
const maxNegationReach = 4

func (c *Classifier) applyCues(f *finding, d *doc, ci *cueIndex, bridge []bool) {
	b := c.builtin
	h := f.m
	suppress := func(why string, m match) {
		f.level = -1
		f.suppressed = why
		f.cues = append(f.cues, cueUse{m, why})
	}
	// Negation: a negative verb form in the match, or a negation cue that
	// governs it (same clause, only bridge words in between).
	if n, ok := c.negatedBy(h, d, ci, bridge); ok {
		suppress("negation", n)
		return
	}
	for _, s := range []struct {
		cue int
		why string
	}{{b.hypothetical, "hypothetical"}, {b.media, "media"}} {
		if m, ok := c.cueNear(s.cue, h, d, ci); ok {
			suppress(s.why, m)
			return
		}
	}
	// A joke sets a match aside, but never the caller's own suicide or
	// self-harm: "haha I want to die" is still heard.
	if b.joke >= 0 && c.lex.Categories[f.rule.cat].ID != suicideCategory {
		if m, ok := c.cueNear(b.joke, h, d, ci); ok {
			suppress("joke", m)
			return
		}
	}
	// An information request makes a match a topic, unless the part names
	// a victim ("how can I stop my uncle from touching me").
	if m, ok := c.cueNear(b.information, h, d, ci); ok && !h.firstPers && !c.victimNamed(h, m, d, ci) {
		suppress("information", m)
		return
	}
	ignores := f.rule.ignore
	_, ongoing := c.cueNear(b.ongoing, h, d, ci)
	if !ongoing && !ignores[b.resolved] {
		if m, ok := c.resolvedBy(h, d, ci); ok {
			suppress("resolved", m)
			return
		}
		if m, ok := c.followedUp(h, ci); ok {
			suppress("resolved", m)
			return
		}
	}
	f.level = f.rule.Priority.Rank()
	if m, ok := c.cueNear(b.past, h, d, ci); ok && !ongoing && !ignores[b.past] && f.level >= models.PriorityHigh.Rank() {
		// Someone else's long-past story, told by the caller, is no
		// report: the harm is over and the child is not the caller's.
		if !callerSubject(h, d) && !c.nearHas(b.immediacy, h, d, ci) {
			suppress("past", m)
			return
		}
		f.level--
		f.cues = append(f.cues, cueUse{m, "past"})
	}
	if m, why, ok := c.isolatedBlow(f, ongoing, d, ci); ok {
		// A single incident's or a fight's mild injury (a bruise, a
		// swelling) raises nothing either.
		f.level = min(f.level, models.PriorityMedium.Rank())
		f.cues = append(f.cues, cueUse{m, why})
	} else if m, ok := c.cueNear(b.severity, h, d, ci); ok && !ignores[b.severity] && f.level == models.PriorityMedium.Rank() {
		f.level++
		f.cues = append(f.cues, cueUse{m, "severity"})
	}
	escalated := false
	for _, k := range f.rule.escalate {
		if m, ok := c.cueNear(k, h, d, ci); ok && !escalated {
			escalated = true
			f.level = min(f.level+1, models.PriorityCritical.Rank())
			f.cues = append(f.cues, cueUse{m, c.cueInfo[k].name})
		}
	}
}

// resolvedBy returns the resolved cue that closes h: one in its sentence,
// or in the sentence next to it when it comes after h. A resolution told
// before a new sentence ("that is all sorted now. But I have the pills")
// closes the earlier event, not the one told after it.
func (c *Classifier) resolvedBy(h match, d *doc, ci *cueIndex) (match, bool) {
	s := d.toks[h.start].sent
	for _, m := range ci.matches[c.builtin.resolved] {
		if m.start < h.end && h.start < m.end {
			continue
		}
		ms := d.toks[m.start].sent
		if ms == s || ms == s+1 {
			return m, true
		}
	}
	return match{}, false
}

// followedUp returns the follow-up cue that closes h: one that comes
// after it ("... I just wanted to thank you"), in a call that also tells
// of a past or resolved event. Thanks before a report ("thank you, but he
// beats me") or in a call that tells of nothing past close nothing.
func (c *Classifier) followedUp(h match, ci *cueIndex) (match, bool) {
	b := c.builtin
	if b.followUp < 0 || len(ci.matches[b.resolved])+len(ci.matches[b.past]) == 0 {
		return match{}, false
	}
	for _, m := range ci.matches[b.followUp] {
		if m.start >= h.end {
			return m, true
		}
	}
	return match{}, false
}

// negatedBy reports whether h is negated: a negative verb form in it, or
// a negation cue that governs it (same clause, only bridge words in
// between); it returns the negating span.
func (c *Classifier) negatedBy(h match, d *doc, ci *cueIndex, bridge []bool) (match, bool) {
	if h.neg {
		return h, true
	}
	for _, n := range ci.matches[c.builtin.negation] {
		if n.end > h.start || h.start-n.end > maxNegationReach || d.toks[n.start].clause != d.toks[h.start].clause {
			continue
		}
		governs := true
		for t := n.end; t < h.start; t++ {
			if !bridge[t] {
				governs = false
				break
			}
		}
		if governs {
			return n, true
		}
	}
	return match{}, false
}
