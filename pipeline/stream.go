package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/openchs/openchs-ai/models"
)

// Source is an uploaded recording that can be read more than once, each
// time from its start, without being held in memory whole (the queue reads
// it from Redis in ranges).
type Source interface {
	Open(ctx context.Context) (io.Reader, error)
}

// withSource opens src, calls fn with its reader and closes it.
func withSource(ctx context.Context, src Source, fn func(io.Reader) error) error {
	in, err := src.Open(ctx)
	if err != nil {
		return err
	}
	if c, ok := in.(io.Closer); ok {
		defer c.Close()
	}
	return fn(in)
}

// readSource reads the whole of src.
func readSource(ctx context.Context, src Source) (b []byte, err error) {
	err = withSource(ctx, src, func(in io.Reader) (err error) {
		b, err = io.ReadAll(in)
		return err
	})
	return b, err
}

// decodeSource decodes src with dec, calling fn with each block, and
// returns the number of samples.
func decodeSource(ctx context.Context, src Source, dec StreamDecoder, fn func(block []float32) error) (n int, err error) {
	err = withSource(ctx, src, func(in io.Reader) (err error) {
		n, err = dec.DecodeStream(ctx, in, fn)
		return err
	})
	return n, err
}

// StreamDecoder is a Decoder that can also hand over the PCM block by
// block, so that nothing holds the whole decoded recording.
type StreamDecoder interface {
	Decoder
	// DecodeStream decodes the recording read from r to 16 kHz mono PCM
	// and calls fn with each block in order (valid only during the
	// call). It returns the number of samples; its errors are Decode's.
	DecodeStream(ctx context.Context, r io.Reader, fn func(block []float32) error) (int, error)
}

// PCM is a decoded recording that is read block by block, as often as
// needed: each Read decodes it again from the start.
type PCM interface {
	// Len is the recording's length in samples.
	Len() int
	// Read calls fn with the recording's blocks in order; a block is
	// valid only during the call.
	Read(ctx context.Context, fn func(block []float32) error) error
}

// StreamTranscriber is a Transcriber that can read a recording as PCM
// without holding it whole.
type StreamTranscriber interface {
	Transcriber
	TranscribeStream(ctx context.Context, pcm PCM, opts TranscribeOptions) (*models.Transcript, error)
}

// Transcribe has t transcribe pcm: in passes when t is a
// StreamTranscriber, else read into memory whole.
func Transcribe(ctx context.Context, t Transcriber, pcm PCM, opts TranscribeOptions) (*models.Transcript, error) {
	if st, ok := t.(StreamTranscriber); ok {
		return st.TranscribeStream(ctx, pcm, opts)
	}
	whole, ok := pcm.(Slice)
	if !ok {
		whole = make(Slice, 0, pcm.Len())
		if err := pcm.Read(ctx, func(b []float32) error { whole = append(whole, b...); return nil }); err != nil {
			return nil, err
		}
	}
	return t.Transcribe(ctx, whole, opts)
}

// Slice is PCM held in memory.
type Slice []float32

// Len implements PCM.
func (s Slice) Len() int { return len(s) }

// Read implements PCM: one block, the whole slice.
func (s Slice) Read(ctx context.Context, fn func(block []float32) error) error {
	if len(s) == 0 {
		return nil
	}
	return fn(s)
}

// bytesSource is an upload held in memory.
type bytesSource []byte

func (b bytesSource) Open(context.Context) (io.Reader, error) { return bytes.NewReader(b), nil }

// streamedPCM is a recording decoded afresh from its source on each Read.
type streamedPCM struct {
	src Source
	dec StreamDecoder
	n   int
}

func (p *streamedPCM) Len() int { return p.n }

func (p *streamedPCM) Read(ctx context.Context, fn func(block []float32) error) error {
	n, err := decodeSource(ctx, p.src, p.dec, fn)
	if err != nil {
		return err
	}
	if n != p.n {
		return errors.New("the recording changed between two reads")
	}
	return nil
}

// openStream decodes job's recording once, to check it and count its
// samples, and returns it as PCM read again from its source each time.
// ok is false when the runner cannot stream the job: its decoder or
// transcriber cannot, or its channels are split.
func (r *Runner) openStream(ctx context.Context, job Job) (pcm PCM, ok bool, err error) {
	dec, dok := r.Decoder.(StreamDecoder)
	_, tok := r.Transcriber.(StreamTranscriber)
	if mode, _ := r.channelMode(job.Options); !dok || !tok || mode == models.ChannelsSplit {
		return nil, false, nil
	}
	src := job.Source
	if src == nil {
		src = bytesSource(job.Audio)
	}
	n, err := decodeSource(ctx, src, dec, func([]float32) error { return nil })
	if err != nil {
		return nil, true, err
	}
	return &streamedPCM{src: src, dec: dec, n: n}, true, nil
}
