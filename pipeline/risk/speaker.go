package risk

import (
	"fmt"
	"slices"

	"github.com/openchs/openchs-ai/models"
)

// ClassifyDialogue triages the timed segments of a call whose channels
// were transcribed as two speakers. Only the caller's words can disclose:
// the priority, category and factors come from the caller's segments
// (and from segments with no speaker). The agent's words are context: an
// agent who asks "are you thinking of killing yourself?" is screening,
// not disclosing, so they never raise the priority; when they match more
// than the caller's words do, the call is marked for review with the
// agent's evidence, since the caller's answer may be a bare "yes". Every
// evidence item names its speaker.
func (c *Classifier) ClassifyDialogue(segs []models.Segment, source string) *models.Classification {
	var caller, agent []models.Segment
	for _, s := range segs {
		if s.Speaker == models.SpeakerAgent {
			agent = append(agent, s)
		} else {
			caller = append(caller, s)
		}
	}
	out := c.ClassifySegments(caller, source)
	out.Evidence = withSpeaker(out.Evidence, caller, models.SpeakerCaller)
	if len(agent) == 0 {
		return out
	}
	ctx := c.ClassifySegments(agent, source)
	if ctx.Priority.Rank() <= out.Priority.Rank() {
		return out
	}
	out.Review = true
	out.ReviewReasons = append(out.ReviewReasons, fmt.Sprintf(
		"The agent's words match %s (%s) but the caller's do not: listen to the caller's answers.",
		ctx.Category, ctx.Priority))
	out.Evidence = append(out.Evidence, withSpeaker(ctx.Evidence, agent, models.SpeakerAgent)...)
	return out
}

// withSpeaker labels evidence found in segs with speaker, or, for segments
// without one (a mixed recording), leaves it unlabelled.
func withSpeaker(es []models.Evidence, segs []models.Segment, speaker string) []models.Evidence {
	labelled := slices.ContainsFunc(segs, func(s models.Segment) bool { return s.Speaker != "" })
	if !labelled {
		return es
	}
	for i := range es {
		es[i].Speaker = speaker
	}
	return es
}

// classifyTimed triages timed segments: as a dialogue when any segment
// names the agent as its speaker, else as one voice.
func (c *Classifier) classifyTimed(segs []models.Segment, source string) *models.Classification {
	if slices.ContainsFunc(segs, func(s models.Segment) bool { return s.Speaker == models.SpeakerAgent }) {
		return c.ClassifyDialogue(segs, source)
	}
	return c.ClassifySegments(segs, source)
}
