package risk

import (
	"context"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// Stage is the pipeline's triage step: it classifies the transcript and
// its translation and keeps the higher priority with evidence from both.
type Stage struct {
	Classifier *Classifier
}

var _ pipeline.Stage = (*Stage)(nil)

// Name implements pipeline.Stage.
func (s *Stage) Name() models.Stage { return models.StageClassify }

// Run implements pipeline.Stage.
func (s *Stage) Run(ctx context.Context, in *pipeline.StageInput, res *models.Result, emit pipeline.Emitter) error {
	if !in.Options.IncludeClassification {
		return nil
	}
	c := s.Classifier.Classify(in.Transcript, in.Translation)
	res.Classification = c
	res.Models["classifier"] = "risk-lexicon"
	return pipeline.EmitData(ctx, emit, models.EventClassificationComplete, models.StageClassify, nil, c)
}
