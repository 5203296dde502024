package risk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

// Risk factors
//
// Rules recognise what a caller says happened; factors assess what a
// counsellor's protocol asks about it, so that danger told in words no rule
// lists still surfaces. The factor vocabularies live in the lexicon
// ("factors"); which factors exist and what they mean is fixed here.
//
// Suicide and self-harm, after the Columbia protocol (C-SSRS):
//
//	ideation     a wish to die or not to be (also the rule suicidal_ideation)
//	method       how: jump, hang, swallow, cut (also the rules means_plan, self_harm)
//	means        the means at hand: a rope in a bag, saved tablets, a gun and its key
//	intent       a decision: "I've decided", "I've made up my mind", nimeamua
//	plan         where, when and how worked out: "I know which tree"
//	preparatory  acts that close a life: giving things away, letters, goodbyes,
//	             a message for a parent
//	timeline     when: "after this call", "on Sunday", baada ya simu hii
//	place        at a place of danger now: a roof, a bridge, a railway, deep water
//	injury_now   an injury that is a medical emergency: bleeding that will not
//	             stop, tablets already taken (also the rule attempt_under_way)
//	calm         a calm, decided tone: "I'm not sad any more", "I'm at peace"
//	protective   reasons to live, people around, no plan
//	departure    an ordinary reason to leave (moving house, changing school)
//	             that explains goodbyes and gifts
//
// Violence and abuse: perpetrator_access (lives with or alone with the
// child), injury, weapon, implement (a stick, a belt: a weapon but in a
// single incident or a fight between children), confinement,
// next_contact (the next time the child is exposed: "when mum leaves for
// the night shift").
//
// Exploitation, sexual abuse, trafficking, marriage, FGM and abduction:
// taking (a child being taken or pulled into a vehicle), stranger,
// vehicle, event_date (the day of the wedding or cutting), recurrence,
// soon (a time within hours or days: the flight at 4am, before morning,
// kesho, the wedding this Saturday, zimebaki siku tatu; not a habit such
// as "every day at dawn"). A taking told in the English progressive
// ("dragging her towards a car") is under way, as a Swahili present is.
//
// Each factor found is scoped to its clause and sentence: it does not count
// when negated, hypothetical, from the media or school work, asked about
// in general, resolved in its own sentence, or long past. Its subject (the
// caller or another person) and time (past, ongoing, imminent) are kept.
//
// Priority from factors (the first row that holds):
//
//	suicide  injury_now with a method, means, ideation or place       critical
//	         place with any other factor but protective               critical
//	         method or means with intent, plan, timeline,
//	           preparatory behaviour or calm                          critical
//	         preparatory behaviour with intent, timeline, calm
//	           or ideation                                            critical
//	         ideation, or two other factors                           high
//	         protective factors without means, place, injury or a
//	           timeline keep the level at high, for review
//	         departure discounts preparatory behaviour, intent,
//	           timeline and calm
//	violence, exploitation
//	         a harm at high with next_contact in or next to its
//	           sentence                                               critical
//	exploitation
//	         a harm at high with soon in or next to its sentence      critical
//	         taking with a stranger or a vehicle, now                 critical
//	         taking with a stranger or a vehicle                      high
//
// The classification takes the higher of the rules' and the factors'
// level. The safety asymmetry: when a harm sits between two levels (a past
// cue lowered it) and an imminence, means or injury factor is present near
// it, the higher level stands. A call the classifier cannot place
// confidently is flagged for a counsellor's review with the reason.

// factorKinds lists the factors of each harm domain.
var factorKinds = map[string][]string{
	"suicide":      {"ideation", "method", "means", "intent", "plan", "preparatory", "timeline", "place", "injury_now", "calm", "protective", "departure"},
	"violence":     {"perpetrator_access", "injury", "weapon", "implement", "confinement", "next_contact"},
	"exploitation": {"taking", "stranger", "vehicle", "event_date", "recurrence", "soon"},
}

func knownFactor(domain, name string) bool { return slices.Contains(factorKinds[domain], name) }

// domainOf maps a category to the harm domain whose factors weigh on it.
var domainOf = map[string]string{
	suicideCategory:  "suicide",
	"physical_abuse": "violence", "emotional_abuse": "violence", "neglect": "violence", "bullying": "violence",
	"sexual_abuse": "exploitation", "online_exploitation": "exploitation", "trafficking": "exploitation",
	"child_marriage": "exploitation", "fgm": "exploitation", "child_labour": "exploitation",
}

// factorHit is one factor found in the text and how its scope reads.
type factorHit struct {
	domain, name string
	m            match
	subject      string // caller, other
	time         string // past, ongoing, imminent
	aside        string // why it does not count; empty when it does
}

// ruleFactors are the suicide factors a rule's own match shows.
var ruleFactors = map[string][]string{
	"suicide_self_harm.suicidal_ideation": {"ideation"},
	"suicide_self_harm.means_plan":        {"method", "intent"},
	"suicide_self_harm.self_harm":         {"method"},
	"suicide_self_harm.attempt_under_way": {"injury_now", "method"},
}

// firstPersonWords mark the caller as the subject of a clause.
var firstPersonWords = map[string]bool{
	"i": true, "me": true, "my": true, "myself": true, "mine": true,
	"mimi": true, "yangu": true, "wangu": true, "zangu": true, "langu": true, "kwangu": true, "changu": true, "vyangu": true,
}

// subordinators open a clause of reported or embedded speech: "my aunt
// told me THAT her father used to beat her" is about the aunt.
var subordinators = map[string]bool{"that": true, "when": true, "where": true, "who": true, "kwamba": true, "kuwa": true, "ambaye": true}

// callerSubject reports whether the caller is the subject or object of the
// clause around m, up to a subordinator on either side.
func callerSubject(m match, d *doc) bool {
	if m.firstPers {
		return true
	}
	cl := d.toks[m.start].clause
	from, to := m.start, min(len(d.toks), m.end+4)
	for from > 0 && from > m.start-8 && d.toks[from-1].clause == cl && !subordinators[d.toks[from-1].norm] {
		from--
	}
	for t := m.end; t < to; t++ {
		if subordinators[d.toks[t].norm] {
			to = t
		}
	}
	for t := from; t < to; t++ {
		if d.toks[t].clause != cl {
			continue
		}
		w := d.toks[t].norm
		if firstPersonWords[w] || len(w) >= 5 && (strings.HasPrefix(w, "nime") || strings.HasPrefix(w, "nita") ||
			strings.HasPrefix(w, "nili") || strings.HasPrefix(w, "niko") || strings.HasPrefix(w, "nina")) {
			return true
		}
	}
	return false
}

// scanFactors scopes every factor match.
func (c *Classifier) scanFactors(fm [][]match, d *doc, ci *cueIndex, bridge []bool) []factorHit {
	b := c.builtin
	var out []factorHit
	for i, ms := range fm {
		fl := c.lex.Factors[i]
		for _, m := range ms {
			h := factorHit{domain: fl.Domain, name: fl.Factor, m: m, time: "ongoing", subject: "other"}
			if callerSubject(m, d) {
				h.subject = "caller"
			}
			if c.sentenceHas(b.immediacy, m, d, ci) {
				h.time = "imminent"
			}
			if _, ok := c.negatedBy(m, d, ci, bridge); ok {
				h.aside = "negation"
			} else if _, ok := c.cueNear(b.hypothetical, m, d, ci); ok {
				h.aside = "hypothetical"
			} else if u, ok := c.cueNear(b.media, m, d, ci); ok && (h.subject != "caller" || d.toks[u.start].clause == d.toks[m.start].clause) {
				// The caller's own act is no story, unless the
				// story is told in the same clause.
				h.aside = "media"
			} else if info, ok := c.cueNear(b.information, m, d, ci); ok && h.subject != "caller" && !c.victimNamed(m, info, d, ci) {
				h.aside = "information"
			} else if h.time != "imminent" && c.resolvedInSentence(m, d, ci) {
				h.aside = "resolved"
			} else if c.clauseHas(b.past, m, d, ci) {
				h.time = "past"
				if h.domain == "suicide" && h.name != "preparatory" {
					h.aside = "past"
				}
			}
			out = append(out, h)
		}
	}
	// The next contact is imminent only when told as a coming event ("he
	// said it will be just the two of us", "tonight when mum leaves"),
	// not as a habit ("every time mum travels").
	for i := range out {
		if out[i].name == "soon" && habitual(out[i].m, d) {
			out[i].aside = "habitual"
		}
		if out[i].name == "next_contact" && out[i].time != "imminent" {
			if future(out[i].m, d) {
				out[i].time = "imminent"
			} else {
				out[i].aside = "habitual"
			}
		}
	}
	// A timeline or an imminent next contact makes the factors of its
	// sentence imminent.
	for i := range out {
		if out[i].aside != "" || (out[i].name != "timeline" && out[i].name != "next_contact") {
			continue
		}
		for j := range out {
			if d.toks[out[j].m.start].sent == d.toks[out[i].m.start].sent && out[j].time != "past" {
				out[j].time = "imminent"
			}
		}
	}
	return out
}

// futureWords and habitWords mark a clause as telling of a coming event
// or of a habit.
var (
	futureWords = map[string]bool{"will": true, "going": true, "gonna": true, "shall": true, "tomorrow": true, "kesho": true,
		"tonight": true, "today": true, "leo": true}
	habitWords = map[string]bool{"every": true, "whenever": true, "always": true, "usually": true, "kila": true, "huwa": true, "often": true}
)

// longAgo reports whether m's sentence dates it months or more back:
// "last year", "two years ago", "mwaka jana", "miezi mitatu iliyopita".
func longAgo(m match, d *doc) bool {
	s := d.toks[m.start].sent
	for t := max(0, m.start-25); t < min(len(d.toks), m.end+25); t++ {
		if d.toks[t].sent != s {
			continue
		}
		w := d.toks[t].norm
		next := ""
		if t+1 < len(d.toks) {
			next = d.toks[t+1].norm
		}
		switch {
		case w == "ago" || w == "zamani" || w == "iliyopita" || w == "uliopita":
			return true
		case w == "last" && (next == "year" || next == "month" || next == "term" || next == "christmas"):
			return true
		case w == "mwaka" && next == "jana":
			return true
		}
	}
	return false
}

// habitual reports whether m's clause tells of a habit ("every night at
// 4am").
func habitual(m match, d *doc) bool {
	cl := d.toks[m.start].clause
	for t := max(0, m.start-10); t < min(len(d.toks), m.end+10); t++ {
		if d.toks[t].clause == cl && habitWords[d.toks[t].norm] {
			return true
		}
	}
	return false
}

// future reports whether m's clause tells of a coming event and not of a
// habit. A Swahili verb of the -ta- future (atakuja, nitakuwa) counts.
func future(m match, d *doc) bool {
	cl := d.toks[m.start].clause
	fut := false
	for t := max(0, m.start-10); t < min(len(d.toks), m.end+10); t++ {
		if d.toks[t].clause != cl {
			continue
		}
		w := d.toks[t].norm
		if habitWords[w] {
			return false
		}
		if futureWords[w] || len(w) >= 5 && (strings.HasPrefix(w, "ata") || strings.HasPrefix(w, "nita") || strings.HasPrefix(w, "wata") || strings.HasPrefix(w, "tuta")) {
			fut = true
		}
	}
	return fut
}

// sentenceHas reports whether cue list k matched in m's sentence, outside m.
func (c *Classifier) sentenceHas(k int, m match, d *doc, ci *cueIndex) bool {
	if k < 0 {
		return false
	}
	s := d.toks[m.start].sent
	for _, u := range ci.matches[k] {
		if d.toks[u.start].sent == s && !(u.start < m.end && m.start < u.end) {
			return true
		}
	}
	return false
}

// clauseHas reports whether cue list k matched in m's clause, outside m.
func (c *Classifier) clauseHas(k int, m match, d *doc, ci *cueIndex) bool {
	if k < 0 {
		return false
	}
	cl := d.toks[m.start].clause
	for _, u := range ci.matches[k] {
		if d.toks[u.start].clause == cl && !(u.start < m.end && m.start < u.end) {
			return true
		}
	}
	return false
}

// resolvedInSentence reports whether a resolution or a later follow-up in
// m's own sentence closes it: a resolution closes only the events it is
// told with.
func (c *Classifier) resolvedInSentence(m match, d *doc, ci *cueIndex) bool {
	if c.sentenceHas(c.builtin.resolved, m, d, ci) {
		return true
	}
	if k := c.builtin.followUp; k >= 0 {
		s := d.toks[m.start].sent
		for _, u := range ci.matches[k] {
			if d.toks[u.start].sent == s && u.start >= m.end {
				return true
			}
		}
	}
	return false
}

// liveNear returns the live factor hits of the given names within a
// sentence of token t.
func liveNear(hits []factorHit, d *doc, t int, names ...string) []factorHit {
	var out []factorHit
	s := d.toks[t].sent
	for _, h := range hits {
		hs := d.toks[h.m.start].sent
		if h.aside == "" && hs >= s-1 && hs <= s+1 && slices.Contains(names, h.name) {
			out = append(out, h)
		}
	}
	return out
}

// raiseFindings applies the factors to the rules' findings before the
// decision: the next contact makes a high harm critical, and the safety
// asymmetry keeps a harm at the higher of two levels when imminence, means
// or injury is near it. It returns the review reasons.
func (c *Classifier) raiseFindings(findings []finding, hits []factorHit, d *doc, ci *cueIndex) []string {
	var reasons []string
	// An ordinary departure (a move, a new school) explains a goodbye that
	// a suicide rule read, when nothing else points to danger.
	if hasLive(hits, "departure") {
		if !hasLive(hits, "means", "place", "injury_now", "method", "intent", "timeline", "calm") {
			for i := range findings {
				f := &findings[i]
				if f.level >= 0 && domainOf[c.lex.Categories[f.rule.cat].ID] == "suicide" && overlapsAny(f.m, liveMatches(hits, "preparatory")) {
					f.level, f.suppressed = -1, "departure"
				}
			}
		}
	}
	for i := range findings {
		f := &findings[i]
		dom := domainOf[c.lex.Categories[f.rule.cat].ID]
		if f.level < 0 || dom == "" {
			continue
		}
		if f.level == models.PriorityHigh.Rank() && dom != "suicide" {
			if nc := liveNear(hits, d, f.m.start, "next_contact"); len(nc) > 0 {
				f.level++
				f.cues = append(f.cues, cueUse{nc[0].m, "factor." + dom + ".next_contact"})
				continue
			}
			// An exploitation due within hours (the flight at 4am,
			// the cutting tomorrow) is critical.
			// A harm dated months back takes only a time of its own
			// sentence: "he raped me last year. Tomorrow I start school"
			// is no harm due tomorrow.
			if dom == "exploitation" {
				for _, s := range liveNear(hits, d, f.m.start, "soon") {
					if s.time == "past" || longAgo(f.m, d) && d.toks[s.m.start].sent != d.toks[f.m.start].sent {
						continue
					}
					f.level++
					f.cues = append(f.cues, cueUse{s.m, "factor.exploitation.soon"})
					break
				}
				if f.level > models.PriorityHigh.Rank() {
					continue
				}
			}
		}
		if base := f.rule.Priority.Rank(); f.level < base {
			kinds := []string{"means", "injury_now", "injury", "weapon", "implement", "timeline", "next_contact", "place"}
			if minorBlow(f) {
				// A single incident's or a fight's injury was weighed
				// already: only a grave one keeps it urgent (isolatedBlow);
				// a slipper or a stick is how such a blow is given.
				kinds = slices.DeleteFunc(kinds, func(k string) bool { return k == "injury" || k == "implement" })
			}
			near := liveNear(hits, d, f.m.start, kinds...)
			_, now := c.cueNear(c.builtin.immediacy, f.m, d, ci)
			if len(near) > 0 || now {
				reasons = append(reasons, fmt.Sprintf("A %s harm reads as past (%s) but imminence, means or injury is told with it; the higher level, %s, was kept.",
					strings.ReplaceAll(c.lex.Categories[f.rule.cat].ID, "_", " "), models.Priorities[f.level], models.Priorities[base]))
				f.level = base
			}
		}
	}
	return reasons
}

// factorLevel is the level the factors of one domain set.
type factorLevel struct {
	level    int // -1: none
	category string
	rule     string // rule whose sub-category names the result
	factors  []string
	reasons  []string
}

// assessSuicide derives the suicide level from its factors and the rules'
// suicide findings.
func (c *Classifier) assessSuicide(findings []finding, hits []factorHit) factorLevel {
	live := map[string]bool{}
	for _, f := range findings {
		if f.level >= 0 {
			for _, n := range ruleFactors[f.rule.id] {
				live[n] = true
			}
		}
	}
	any := false
	for _, h := range hits {
		if h.domain == "suicide" && h.aside == "" {
			live[h.name] = true
			any = true
			if h.time == "imminent" && h.name != "protective" && h.name != "departure" {
				live["timeline"] = true
			}
		}
	}
	out := factorLevel{level: -1, category: suicideCategory}
	if !any {
		return out
	}
	if live["departure"] && !live["method"] && !live["means"] && !live["place"] && !live["injury_now"] && !live["ideation"] {
		for _, n := range []string{"preparatory", "intent", "timeline", "calm"} {
			delete(live, n)
		}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if live[n] {
				return true
			}
		}
		return false
	}
	risk := 0
	for n := range live {
		if n != "protective" && n != "departure" && n != "timeline" {
			risk++
		}
	}
	for _, n := range factorKinds["suicide"] {
		if live[n] {
			out.factors = append(out.factors, n)
		}
	}
	crit := models.PriorityCritical.Rank()
	switch {
	case has("injury_now") && has("method", "means", "ideation", "place"):
		out.level, out.rule = crit, "attempt_under_way"
	case has("place") && risk >= 2, has("place") && has("timeline"):
		out.level, out.rule = crit, "means_plan"
	case has("method", "means") && has("intent", "plan", "timeline", "preparatory", "calm"):
		out.level, out.rule = crit, "means_plan"
	case has("preparatory") && has("intent", "timeline", "calm", "ideation"):
		out.level, out.rule = crit, "suicidal_ideation"
	case has("ideation") || risk >= 2:
		out.level, out.rule = models.PriorityHigh.Rank(), "suicidal_ideation"
	}
	if out.level == crit && has("protective") && !has("means", "place", "injury_now", "timeline") {
		out.level = models.PriorityHigh.Rank()
		out.reasons = append(out.reasons, "The caller names protective factors beside a suicide risk; the level was held at high for a counsellor to assess.")
	}
	return out
}

// assessTaking derives the abduction level: a child being taken by a
// stranger or into a vehicle.
func (c *Classifier) assessTaking(hits []factorHit, d *doc, ci *cueIndex) factorLevel {
	out := factorLevel{level: -1, category: "trafficking", rule: "abduction"}
	for _, h := range hits {
		if h.name != "taking" || h.aside != "" || h.time == "past" {
			continue
		}
		with := liveNear(hits, d, h.m.start, "stranger", "vehicle")
		if len(with) == 0 {
			continue
		}
		lvl := models.PriorityHigh.Rank()
		if h.time == "imminent" || h.m.tense == "na" || h.m.tense == "me" || progressive(h.m, d) {
			lvl = models.PriorityCritical.Rank()
		} else if _, ok := c.cueNear(c.builtin.immediacy, h.m, d, ci); ok {
			lvl = models.PriorityCritical.Rank()
		}
		if lvl > out.level {
			out.level = lvl
			out.factors = []string{"taking", with[0].name}
		}
	}
	return out
}

// progressive reports whether an English match opens with a verb in -ing
// ("dragging her towards a car"): a taking told as under way.
func progressive(m match, d *doc) bool {
	w := d.toks[m.start].norm
	return len(w) > 5 && strings.HasSuffix(w, "ing")
}

// overlay raises out to the level the factors set when it is higher than
// the rules', records the factors and the review reasons.
func (c *Classifier) overlay(out *models.Classification, findings []finding, hits []factorHit, d *doc, ci *cueIndex, source string, reasons []string) {
	for _, h := range hits {
		if h.aside != "" || len(out.Factors) >= maxEvidence {
			continue
		}
		e := c.evidence(d, h.m, "", source)
		out.Factors = append(out.Factors, models.RiskFactor{Domain: h.domain, Factor: h.name, Text: e.Text, Start: e.Start, End: e.End, Subject: h.subject, Time: h.time})
	}
	top := out.Priority.Rank()
	for _, fl := range []factorLevel{c.assessSuicide(findings, hits), c.assessTaking(hits, d, ci)} {
		reasons = append(reasons, fl.reasons...)
		if fl.level <= top {
			continue
		}
		p := models.Priorities[fl.level]
		out.Priority, out.RiskLevel = p, p
		out.Category = fl.category
		out.SubCategory = c.subCategory(fl.category, fl.rule)
		out.Intervention = strings.TrimSpace(c.lex.Interventions[p] + " " + c.categoryIntervention(fl.category))
		out.Confidence = round2(0.5 + 0.1*float64(min(len(fl.factors), 4)))
		var ev []models.Evidence
		for _, h := range hits {
			if h.aside == "" && slices.Contains(fl.factors, h.name) {
				ev = append(ev, c.evidence(d, h.m, "factor."+h.domain+"."+h.name, source))
			}
		}
		out.Evidence = dedupeEvidence(append(ev, out.Evidence...))
		if len(out.Evidence) > maxEvidence {
			out.Evidence = out.Evidence[:maxEvidence]
		}
		reasons = append(reasons, fmt.Sprintf("The priority rests on risk factors (%s), not on an explicit statement of harm; confirm with the caller.", strings.Join(fl.factors, ", ")))
		top = fl.level
	}
	if out.Category == distressCategory {
		reasons = append(reasons, "No rule recognised the harm; the call was raised for signs of distress.")
	}
	if top <= models.PriorityMedium.Rank() {
		for _, f := range findings {
			if f.level < 0 && f.rule.Priority.Rank() >= models.PriorityHigh.Rank() && (f.suppressed == "resolved" || f.suppressed == "information") {
				reasons = append(reasons, fmt.Sprintf("A %s harm was set aside as %s; confirm it is over or only asked about.",
					strings.ReplaceAll(c.lex.Categories[f.rule.cat].ID, "_", " "), f.suppressed))
				break
			}
		}
	}
	if len(reasons) > 0 {
		out.Review = true
		out.ReviewReasons = append(out.ReviewReasons, reasons...)
	}
}

// subCategory returns the sub-category of rule in category cat, or the
// category's name.
func (c *Classifier) subCategory(cat, rule string) string {
	for _, k := range c.lex.Categories {
		if k.ID != cat {
			continue
		}
		for _, r := range k.Rules {
			if r.ID == rule {
				return r.SubCategory
			}
		}
		return k.Name
	}
	return cat
}

// nearHas reports whether cue list k matched within a sentence of m,
// outside it.
func (c *Classifier) nearHas(k int, m match, d *doc, ci *cueIndex) bool {
	if k < 0 {
		return false
	}
	s := d.toks[m.start].sent
	for _, u := range ci.matches[k] {
		us := d.toks[u.start].sent
		if us >= s-1 && us <= s+1 && !(u.start < m.end && m.start < u.end) {
			return true
		}
	}
	return false
}

// hasLive reports whether a live hit of one of the names was found.
func hasLive(hits []factorHit, names ...string) bool {
	for _, h := range hits {
		if h.aside == "" && slices.Contains(names, h.name) {
			return true
		}
	}
	return false
}

// liveMatches returns the matches of the live hits of a factor.
func liveMatches(hits []factorHit, name string) []match {
	var out []match
	for _, h := range hits {
		if h.aside == "" && h.name == name {
			out = append(out, h.m)
		}
	}
	return out
}
