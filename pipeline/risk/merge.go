package risk

import (
	"slices"

	"github.com/openchs/openchs-ai/models"
)

// Merge combines the classifications of two readings of one call (the
// transcript and its translation). The higher priority wins, then the
// higher confidence; the evidence of both is kept. When both agree on
// priority and category the confidence rises, as two independent readings
// found the same thing. A nil argument yields the other.
func Merge(a, b *models.Classification) *models.Classification {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil:
		return clone(b)
	case b == nil:
		return clone(a)
	}
	win, lose := a, b
	if b.Priority.Rank() > a.Priority.Rank() ||
		(b.Priority.Rank() == a.Priority.Rank() && b.Confidence > a.Confidence) {
		win, lose = b, a
	}
	out := clone(win)
	if win.Priority == lose.Priority && win.Category == lose.Category {
		out.Confidence = round2(min(0.99, 1-(1-win.Confidence)*(1-lose.Confidence)))
	}
	if lose.RiskLevel.Rank() > out.RiskLevel.Rank() {
		out.RiskLevel = lose.RiskLevel
	}
	out.Evidence = dedupeEvidence(append(out.Evidence, lose.Evidence...))
	if len(out.Evidence) > 2*maxEvidence {
		out.Evidence = out.Evidence[:2*maxEvidence]
	}
	return out
}

func clone(c *models.Classification) *models.Classification {
	out := *c
	out.Evidence = slices.Clone(c.Evidence)
	if out.Evidence == nil {
		out.Evidence = []models.Evidence{}
	}
	return &out
}
