package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
)

// audioDecoder is the product's decoder behind the pipeline's Decoder
// interface, as cmd wires it.
type audioDecoder struct{ cfg audio.Config }

func (d audioDecoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	sig, err := audio.Decode(bytes.NewReader(data), d.cfg)
	if err != nil {
		for _, m := range []struct{ from, to error }{
			{audio.ErrUnsupportedFormat, pipeline.ErrUnsupportedAudio},
			{audio.ErrCorrupt, pipeline.ErrUndecodableAudio},
			{audio.ErrEmpty, pipeline.ErrEmptyAudio},
			{audio.ErrTooLong, pipeline.ErrAudioTooLong},
			{audio.ErrTooLarge, pipeline.ErrAudioTooLong},
		} {
			if errors.Is(err, m.from) {
				return nil, fmt.Errorf("%w: %w", m.to, err)
			}
		}
		return nil, err
	}
	return sig.Mono(), nil
}
