package translate

import (
	"context"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// Stage is the pipeline's translation step. It fails soft: a backend
// failure is recorded in the translation_complete event and the result's
// translation stays null, and the pipeline goes on.
type Stage struct {
	Translator Translator
	// Target is the language to translate into; empty means English.
	Target string
}

var _ pipeline.Stage = (*Stage)(nil)

// Name implements pipeline.Stage.
func (s *Stage) Name() models.Stage { return models.StageTranslate }

// Run implements pipeline.Stage.
func (s *Stage) Run(ctx context.Context, in *pipeline.StageInput, res *models.Result, emit pipeline.Emitter) error {
	if !in.Options.IncludeTranslation {
		return nil
	}
	t := Run(ctx, s.Translator, Request{Transcript: in.Transcript, PCM: in.PCM, Audio: in.Audio, Voices: in.Voices}, s.Target)
	if err := ctx.Err(); err != nil {
		return err // cancelled, not a translation failure
	}
	if t.Status != models.TranslationFailed {
		text := t.Text
		res.Translation = &text
		in.Translation = t.Transcript()
	}
	if t.Backend != "" {
		res.Models["translator"] = t.Backend
	}
	return pipeline.EmitData(ctx, emit, models.EventTranslationComplete, models.StageTranslate, nil, t)
}
