package risk

import (
	"cmp"
	"slices"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

// maxEvidence bounds the evidence list of one result.
const maxEvidence = 16

func (c *Classifier) decide(findings []finding, d *doc, ci *cueIndex, source string) *models.Classification {
	top := -1
	for _, f := range findings {
		top = max(top, f.level)
	}
	out := &models.Classification{Evidence: []models.Evidence{}}
	if top <= 0 && c.distressed(out, d, ci, source) {
		return out
	}
	if top < 0 {
		c.decideLow(out, findings, d, ci, source)
		return out
	}
	// Category: the one whose matches at the top level weigh most, longer
	// matches a little more.
	score := map[int]float64{}
	best := map[int]*compiledRule{}
	seenRule := map[*compiledRule]bool{}
	for _, f := range findings {
		if f.level != top {
			continue
		}
		score[f.rule.cat] += f.rule.weight + 0.01*float64(f.m.end-f.m.start)
		if seenRule[f.rule] {
			continue
		}
		seenRule[f.rule] = true
		if b := best[f.rule.cat]; b == nil || f.rule.weight > b.weight {
			best[f.rule.cat] = f.rule
		}
	}
	cat := -1
	for k, s := range score {
		if cat < 0 || s > score[cat] || (s == score[cat] && k < cat) {
			cat = k
		}
	}
	p := models.Priorities[top]
	out.Priority, out.RiskLevel = p, p
	out.Category = c.lex.Categories[cat].ID
	out.SubCategory = best[cat].SubCategory
	out.Intervention = strings.TrimSpace(c.lex.Interventions[p] + " " + c.lex.Categories[cat].Intervention)

	// Confidence: independent support of the distinct rules at the top
	// level, less when a stronger match was set aside by a cue.
	miss := 1.0
	for r := range seenRule {
		if r.cat == cat {
			miss *= 1 - r.weight
		}
	}
	conf := 1 - miss
	for _, f := range findings {
		if f.level < 0 && f.rule.Priority.Rank() > top {
			conf *= 0.85
			break
		}
	}
	out.Confidence = round2(min(conf, 0.99))

	// Evidence: the top-level findings first, then the rest, each followed
	// by the cues that changed its level.
	ordered := slices.Clone(findings)
	slices.SortStableFunc(ordered, func(a, b finding) int { return cmp.Compare(b.level, a.level) })
	for _, f := range ordered {
		if f.level < 0 {
			continue
		}
		out.Evidence = append(out.Evidence, c.evidence(d, f.m, f.rule.id, source))
		for _, u := range f.cues {
			out.Evidence = append(out.Evidence, c.evidence(d, u.m, "cue."+u.name, source))
		}
	}
	out.Evidence = dedupeEvidence(out.Evidence)
	if len(out.Evidence) > maxEvidence {
		out.Evidence = out.Evidence[:maxEvidence]
	}
	return out
}

// distressCategory is the category of calls the distress backstop raises.
const distressCategory = "child_in_distress"

// suicideCategory is the category of suicide and self-harm.
const suicideCategory = "suicide_self_harm"

// distressed is the backstop for calls whose harm no rule recognised at
// medium or above: a caller in evident distress is never left low. When
// at least two of a plea for help, fear, a sign of danger or injury, and
// immediacy are present (three with an information request), it fills out
// as high, or critical when a plea and immediacy come with danger or
// fear, in the distress category, for a counsellor to assess; and reports
// true. Hypothetical, media and resolved talk keep a call out of it. Each
// kind is counted on a span of its own.
func (c *Classifier) distressed(out *models.Classification, d *doc, ci *cueIndex, source string) bool {
	b := c.builtin
	has := func(k int) bool { return k >= 0 && len(ci.matches[k]) > 0 }
	if c.distressCat < 0 || has(b.hypothetical) || has(b.media) || has(b.resolved) || has(b.followUp) {
		return false
	}
	kinds := []struct {
		name string
		cues []int
	}{
		{"plea", []int{b.plea}},
		{"immediacy", []int{b.immediacy}},
		{"danger", []int{b.danger, b.severity}},
		{"fear", []int{b.fear}},
	}
	var used []match
	present := map[string]bool{}
	var ev []models.Evidence
	for _, k := range kinds {
	find:
		for _, cue := range k.cues {
			if cue < 0 {
				continue
			}
			for _, m := range ci.matches[cue] {
				if !overlapsAny(m, used) {
					used = append(used, m)
					present[k.name] = true
					ev = append(ev, c.evidence(d, m, "distress."+k.name, source))
					break find
				}
			}
		}
	}
	// A plea such as "tell me what to do" is not an information request.
	need := 2
	for _, m := range ci.matches[b.information] {
		if b.plea < 0 || !overlapsAny(m, ci.matches[b.plea]) {
			need = 3
			break
		}
	}
	if len(present) < need {
		return false
	}
	p := models.PriorityHigh
	if present["plea"] && present["immediacy"] && (present["danger"] || present["fear"]) {
		p = models.PriorityCritical
	}
	cat := c.lex.Categories[c.distressCat]
	out.Priority, out.RiskLevel = p, p
	out.Category, out.SubCategory = cat.ID, cat.Name
	out.Intervention = strings.TrimSpace(c.lex.Interventions[p] + " " + cat.Intervention)
	out.Confidence = 0.4
	out.Evidence = ev
	return true
}

// decideLow fills out for a call where no rule fired or every match was
// set aside: an information request, or the category of what was
// mentioned at low priority.
func (c *Classifier) decideLow(out *models.Classification, findings []finding, d *doc, ci *cueIndex, source string) {
	out.Priority, out.RiskLevel = models.PriorityLow, models.PriorityLow
	out.Category, out.SubCategory = c.lex.FallbackCategory, c.lex.FallbackSubCategory
	out.Confidence = 0.5
	informational := len(ci.matches[c.builtin.information])+len(ci.matches[c.builtin.hypothetical])+len(ci.matches[c.builtin.media]) > 0
	if informational {
		out.Confidence = 0.8
	}
	var first *finding
	for i := range findings {
		f := &findings[i]
		if first == nil || f.rule.Priority.Rank() > first.rule.Priority.Rank() {
			first = f
		}
		out.Evidence = append(out.Evidence, c.evidence(d, f.m, f.rule.id+" ("+f.suppressed+")", source))
		for _, u := range f.cues {
			if u.m.pat != f.m.pat || u.m.start != f.m.start {
				out.Evidence = append(out.Evidence, c.evidence(d, u.m, "cue."+u.name, source))
			}
		}
	}
	if first != nil {
		cat := c.lex.Categories[first.rule.cat]
		switch {
		case informational:
			out.SubCategory = cat.Name
		default:
			out.Category, out.SubCategory = cat.ID, first.rule.SubCategory
		}
		out.Confidence = 0.7
	}
	out.Intervention = strings.TrimSpace(c.lex.Interventions[models.PriorityLow] + " " + c.categoryIntervention(out.Category))
	out.Evidence = dedupeEvidence(out.Evidence)
	if len(out.Evidence) > maxEvidence {
		out.Evidence = out.Evidence[:maxEvidence]
	}
}

func (c *Classifier) categoryIntervention(id string) string {
	for _, cat := range c.lex.Categories {
		if cat.ID == id {
			return cat.Intervention
		}
	}
	return ""
}

func (c *Classifier) evidence(d *doc, m match, rule, source string) models.Evidence {
	first, last := d.toks[m.start], d.toks[m.end-1]
	e := models.Evidence{Text: d.text[first.start:last.end], Rule: rule, Source: source}
	if d.segs != nil && first.seg >= 0 && last.seg >= 0 {
		e.Start, e.End = d.segs[first.seg].Start, d.segs[last.seg].End
	}
	return e
}

func overlapsAny(h match, ms []match) bool {
	for _, m := range ms {
		if m.start < h.end && h.start < m.end {
			return true
		}
	}
	return false
}

func dedupeEvidence(es []models.Evidence) []models.Evidence {
	type key struct {
		text, rule, source string
		start              models.Seconds
	}
	seen := map[key]bool{}
	out := es[:0]
	for _, e := range es {
		k := key{e.Text, e.Rule, e.Source, e.Start}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }
