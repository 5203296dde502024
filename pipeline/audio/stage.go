package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openchs/openchs-ai/pipeline"
)

// Decoder is the pipeline's decode step: an upload to 16 kHz mono PCM,
// with this package's errors also wrapping the pipeline's, so that the
// queue can tell a bad recording from a failing machine.
type Decoder struct{ Config Config }

var _ pipeline.StreamDecoder = Decoder{}

// Decode implements pipeline.Decoder.
func (d Decoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	sig, err := Decode(bytes.NewReader(data), d.Config)
	if err != nil {
		return nil, pipelineError(err)
	}
	return sig.Mono(), nil
}

// DecodeStream implements pipeline.StreamDecoder: it decodes the upload
// read from r to 16 kHz mono PCM handed to fn block by block (see Stream).
func (d Decoder) DecodeStream(ctx context.Context, r io.Reader, fn func(block []float32) error) (int, error) {
	n, err := Stream(r, d.Config, func(block []float32) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(block)
	})
	if err != nil {
		return 0, pipelineError(err)
	}
	return n, nil
}

// Probe checks an upload as Decode would and returns its length, keeping
// no samples (see the package's Probe).
func (d Decoder) Probe(ctx context.Context, data []byte) (time.Duration, error) {
	dur, err := Probe(bytes.NewReader(data), d.Config)
	if err != nil {
		return 0, pipelineError(err)
	}
	return dur, nil
}

// pipelineError wraps this package's error in the pipeline's error of the
// same meaning.
func pipelineError(err error) error {
	for _, m := range []struct{ from, to error }{
		{ErrUnsupportedFormat, pipeline.ErrUnsupportedAudio},
		{ErrCorrupt, pipeline.ErrUndecodableAudio},
		{ErrEmpty, pipeline.ErrEmptyAudio},
		{ErrTooLong, pipeline.ErrAudioTooLong},
		{ErrTooLarge, pipeline.ErrAudioTooLong},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
}
