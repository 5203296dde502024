package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/openchs/openchs-ai/pipeline"
)

// Decoder is the pipeline's decode step: an upload to 16 kHz mono PCM,
// with this package's errors also wrapping the pipeline's, so that the
// queue can tell a bad recording from a failing machine.
type Decoder struct{ Config Config }

var _ pipeline.Decoder = Decoder{}

// Decode implements pipeline.Decoder.
func (d Decoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	sig, err := Decode(bytes.NewReader(data), d.Config)
	if err != nil {
		for _, m := range []struct{ from, to error }{
			{ErrUnsupportedFormat, pipeline.ErrUnsupportedAudio},
			{ErrCorrupt, pipeline.ErrUndecodableAudio},
			{ErrEmpty, pipeline.ErrEmptyAudio},
			{ErrTooLong, pipeline.ErrAudioTooLong},
			{ErrTooLarge, pipeline.ErrAudioTooLong},
		} {
			if errors.Is(err, m.from) {
				return nil, fmt.Errorf("%w: %w", m.to, err)
			}
		}
		return nil, err
	}
	return sig.Mono(), nil
}
