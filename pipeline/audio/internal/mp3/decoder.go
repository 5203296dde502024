// Package mp3 decodes MPEG-1, MPEG-2 and MPEG-2.5 layer III audio frame by
// frame into float32 samples.
//
// It is derived from github.com/hajimehoshi/go-mp3 v0.3.4 (Apache License
// 2.0, see LICENSE), changed as follows: MPEG-2.5 streams (8, 11.025 and
// 12 kHz) decode; the size of padded MPEG-2/2.5 frames is right; samples
// come out as float32 instead of 16-bit PCM; the synthesis filter bank
// uses a fast DCT and a ring buffer split by parity, and can leave out
// the upper subbands (Bandwidth) or run at half the rate (HalfRate); the
// IMDCT and the synthesis windowing run as vector kernels (internal/vec);
// Huffman code words are looked up, not walked bit by bit; requantisation
// uses tables instead of math.Pow, band by band; the bit reservoir is
// bounded; malformed scale factors no longer index out of range; intensity
// stereo follows ISO 11172-3 and, for MPEG-2 and 2.5, ISO 13818-3 (the
// right channel's positions split the left channel's values, from the
// right channel's highest non-zero value up, with mid/side only below it);
// mixed blocks take their MPEG-2 scale factors in the right bands and at
// 8 kHz keep long bands up to line 72; and the decoder reads forward only,
// without tag handling or seeking.
package mp3

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/consts"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/frame"
)

// catchPanics turns a panic while decoding a frame (an index out of range
// on a malformed stream the frame code does not check for) into a
// FrameError. The fuzz test turns it off to see them.
var catchPanics = true

// Decoder reads layer III frames from a stream.
type Decoder struct {
	src  *source
	peek peeker
	prev *frame.Frame
	opts Options
	junk int64
}

type peeker interface {
	io.Reader
	Peek(n int) ([]byte, error)
}

// Options choose cheaper output when a caller does not need all of it.
type Options struct {
	// Mix averages the channels of stereo frames into one.
	Mix bool
	// HalfRate synthesises only the lower half of the spectrum, at half
	// the sample rate: a 44.1 kHz stream comes out at 22.05 kHz with
	// everything up to about 10.5 kHz, for half the synthesis work.
	HalfRate bool
	// HalfRatePhase (0 or 1) chooses which full-rate samples HalfRate
	// keeps: output sample k is full-rate sample 2k+HalfRatePhase.
	HalfRatePhase int
	// Bandwidth, when not 0, is the highest frequency in Hz the caller
	// needs: subbands above it are left out of the synthesis. Everything
	// up to Bandwidth is kept exactly; the band just above it is kept
	// too, so that the filter bank's aliasing around Bandwidth cancels.
	Bandwidth int
}

// NewDecoder returns a decoder reading frames from r, which must be
// positioned at (or before) the first frame header.
func NewDecoder(r io.Reader, opts Options) *Decoder {
	p, ok := r.(peeker)
	if !ok {
		p = bufio.NewReader(r)
	}
	return &Decoder{src: &source{r: p}, peek: p, opts: opts}
}

// Junk is the number of bytes skipped so far that were neither frames nor
// tags (ID3, APE, Lyrics3): damage, or not MPEG audio at all.
func (d *Decoder) Junk() int64 { return d.junk }

// atTag reports whether the stream continues with a metadata tag.
func (d *Decoder) atTag() bool {
	b, _ := d.peek.Peek(8)
	for _, magic := range []string{"TAG", "APETAGEX", "ID3", "LYRICSBE"} {
		if len(b) >= len(magic) && string(b[:len(magic)]) == magic {
			return true
		}
	}
	return false
}

// FrameError is a frame the decoder could not decode. Decoding can go on
// with the next frame.
type FrameError struct{ Err error }

func (e *FrameError) Error() string { return e.Err.Error() }
func (e *FrameError) Unwrap() error { return e.Err }

// Next decodes the next frame into out and returns the number of samples
// per channel, the number of channels in out (1 when mixing) and the
// sample rate. It returns
// io.EOF after the last frame (a truncated last frame counts as the end),
// a *FrameError for a frame it had to skip, and other errors from the
// underlying reader as they are.
func (d *Decoder) Next(out *[2][1152]float32) (n, channels, rate int, err error) {
	defer func() {
		if !catchPanics {
			return
		}
		if r := recover(); r != nil {
			d.prev = nil
			n, channels, rate = 0, 0, 0
			err = &FrameError{Err: fmt.Errorf("mp3: malformed frame: %v", r)}
		}
	}()
	start, tag := d.src.pos, d.atTag()
	f, _, err := frame.Read(d.src, d.src.pos, d.prev)
	if err != nil {
		if !tag {
			d.junk += d.src.pos - start
		}
		d.prev = nil
		var eof *consts.UnexpectedEOF
		if errors.Is(err, io.EOF) || errors.As(err, &eof) {
			return 0, 0, 0, io.EOF
		}
		if d.src.err != nil {
			return 0, 0, 0, d.src.err
		}
		return 0, 0, 0, &FrameError{Err: err}
	}
	rate, err = f.SamplingFrequency()
	if err != nil {
		return 0, 0, 0, &FrameError{Err: err}
	}
	if skipped := d.src.pos - start - int64(f.Size()); skipped > 0 && !tag {
		d.junk += skipped
	}
	d.prev = f
	bands := 32
	if d.opts.Bandwidth > 0 {
		bands = min(32, d.opts.Bandwidth*64/rate+2)
	}
	n = f.Decode(out, d.opts.Mix, d.opts.HalfRate, d.opts.HalfRatePhase, bands)
	if d.opts.HalfRate {
		rate /= 2
	}
	if d.opts.Mix {
		return n, 1, rate, nil
	}
	return n, f.Channels(), rate, nil
}

// source gives the frame reader the ReadFull it expects. An error from the
// underlying reader other than the end of the stream is kept in err.
type source struct {
	r   io.Reader
	pos int64
	err error
}

func (s *source) ReadFull(buf []byte) (int, error) {
	n, err := io.ReadFull(s.r, buf)
	s.pos += int64(n)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		err = io.EOF
	default:
		s.err = err
	}
	return n, err
}
