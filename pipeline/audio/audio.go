package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/openchs/openchs-ai/pipeline"
)

// SampleRate is the rate of every decoded signal, in samples per second:
// the pipeline's.
const SampleRate = pipeline.SampleRate

// Channels says how to treat multi-channel input.
type Channels int

const (
	// Downmix averages all source channels into one.
	Downmix Channels = iota
	// Split keeps one signal per source channel, in file order (for call
	// recorders that put the agent and the caller on separate channels).
	Split
)

func (c Channels) String() string {
	switch c {
	case Downmix:
		return "downmix"
	case Split:
		return "split"
	}
	return fmt.Sprintf("Channels(%d)", int(c))
}

// Defaults applied by Config.WithDefaults.
const (
	DefaultMaxDuration = 4 * time.Hour
	DefaultMaxBytes    = 2 << 30 // 2 GiB
)

// Config tunes one decode.
type Config struct {
	// Channels chooses between one downmixed signal (the default) and
	// one signal per source channel.
	Channels Channels
	// MaxDuration bounds the length of the recording; longer input fails
	// with ErrTooLong as soon as the limit is passed. Zero means
	// DefaultMaxDuration.
	MaxDuration time.Duration
	// MaxBytes bounds the size of the encoded input; larger input fails
	// with ErrTooLarge as soon as the limit is passed. Zero means
	// DefaultMaxBytes.
	MaxBytes int64

	// countOnly (Probe) checks and counts every frame but keeps none.
	countOnly bool
	// stream (Stream) receives the downmixed output block by block; none
	// of it is kept.
	stream func([]float32) error
}

// WithDefaults returns c with zero fields replaced by their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxDuration == 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}

// Validate reports whether c can be used as it is.
func (c Config) Validate() error {
	if c.Channels != Downmix && c.Channels != Split {
		return fmt.Errorf("audio: unknown channel mode %d", int(c.Channels))
	}
	if c.MaxDuration <= 0 {
		return fmt.Errorf("audio: max duration %v must be positive", c.MaxDuration)
	}
	if c.MaxBytes <= 0 {
		return fmt.Errorf("audio: max bytes %d must be positive", c.MaxBytes)
	}
	return nil
}

// Signal is decoded audio at SampleRate.
type Signal struct {
	// Channels holds float32 samples in [-1, 1] at SampleRate: one slice
	// when downmixed, one per source channel when split. All have the
	// same length.
	Channels [][]float32
	// Format names the source encoding: "wav/pcm16", "wav/mulaw", "mp3", ...
	Format string
	// SourceRate is the sample rate of the input, in Hz.
	SourceRate int
	// SourceChannels is the number of channels in the input.
	SourceChannels int

	// probed is the length Probe counted, when it kept no samples.
	probed time.Duration
	// streamed is the number of samples Stream handed over.
	streamed int
}

// Mono returns the signal as one channel: Channels[0] when the signal has
// a single channel, otherwise a new slice averaging all channels.
func (s *Signal) Mono() []float32 {
	switch len(s.Channels) {
	case 0:
		return nil
	case 1:
		return s.Channels[0]
	}
	out := make([]float32, len(s.Channels[0]))
	scale := 1 / float32(len(s.Channels))
	for _, ch := range s.Channels {
		for i, v := range ch[:len(out)] {
			out[i] += v * scale
		}
	}
	return out
}

// Duration is the length of the signal.
func (s *Signal) Duration() time.Duration {
	if len(s.Channels) == 0 {
		return 0
	}
	return time.Duration(len(s.Channels[0])) * time.Second / SampleRate
}

// Sentinel errors. Every error from Decode wraps exactly one of them.
var (
	ErrUnsupportedFormat = errors.New("unsupported audio format")
	ErrCorrupt           = errors.New("corrupt audio")
	ErrEmpty             = errors.New("no audio samples")
	ErrTooLong           = errors.New("audio too long")
	ErrTooLarge          = errors.New("audio input too large")
)

// Decode reads a whole recording from r and returns it at SampleRate. The
// format is recognised from the content.
//
// Memory: the result is built in one allocation when the length of the
// input is known (an *os.File of a regular file, or a reader with a
// Size() int64 method such as *bytes.Reader), otherwise in chunks joined
// at the end, which peaks at about twice the size of the result.
func Decode(r io.Reader, cfg Config) (*Signal, error) {
	size := int64(-1)
	switch r := r.(type) {
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	case interface{ Size() int64 }:
		size = r.Size()
	}
	sig, err := decode(r, cfg, size)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	return sig, nil
}

// Probe reads a whole recording from r as Decode does, checking every
// frame, and returns its length without keeping any samples: its memory
// does not grow with the recording (a 2-hour call decoded is 460 MB of
// PCM; probed, a few buffers). It fails as Decode would.
func Probe(r io.Reader, cfg Config) (time.Duration, error) {
	cfg.countOnly = true
	sig, err := Decode(r, cfg)
	if err != nil {
		return 0, err
	}
	return sig.probed, nil
}

// Stream reads a whole recording from r as Decode does, downmixed to one
// channel, and hands the result to fn block by block, in order, instead of
// keeping it: its memory does not grow with the recording. A block is
// valid only during the call; an error from fn ends the decode and is
// returned wrapped. It returns the number of samples handed over.
func Stream(r io.Reader, cfg Config, fn func(block []float32) error) (int, error) {
	cfg.Channels, cfg.countOnly, cfg.stream = Downmix, false, fn
	sig, err := decode(r, cfg, -1)
	if err != nil {
		return 0, fmt.Errorf("audio: %w", err)
	}
	return sig.streamed, nil
}

// DecodeFile decodes the recording stored at path.
func DecodeFile(path string, cfg Config) (*Signal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	sig, err := decode(f, cfg, size)
	if err != nil {
		return nil, fmt.Errorf("audio: %s: %w", path, err)
	}
	return sig, nil
}

// decode detects the format and runs its decoder. size is the real size of
// the input when known (a regular file), else -1.
func decode(r io.Reader, cfg Config, size int64) (*Signal, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if size > cfg.MaxBytes {
		return nil, fmt.Errorf("input is %d bytes, over the %d byte limit: %w", size, cfg.MaxBytes, ErrTooLarge)
	}
	lr := &limitReader{r: r, max: cfg.MaxBytes}
	br := bufio.NewReaderSize(lr, 64<<10)
	head, err := br.Peek(12)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("input is empty: %w", ErrEmpty)
	}
	return decodeAs(sniff(head), &input{r: br, cfg: cfg, size: size})
}

// decodeAs runs the decoder of format f.
func decodeAs(f format, in *input) (*Signal, error) {
	switch f {
	case formatWAV:
		return decodeWAV(in)
	case formatMP3:
		return decodeMP3(in)
	}
	return nil, fmt.Errorf("%s: %w", f, ErrUnsupportedFormat)
}

// input is what a format decoder reads from.
type input struct {
	r    *bufio.Reader
	cfg  Config
	size int64 // real input size in bytes, -1 when unknown
}

// limitReader fails with ErrTooLarge once more than max bytes are read.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, fmt.Errorf("input is over the %d byte limit: %w", l.max, ErrTooLarge)
	}
	if rem := l.max + 1 - l.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("input is over the %d byte limit: %w", l.max, ErrTooLarge)
	}
	return n, err
}
