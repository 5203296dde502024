package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAV format tags (mmreg.h).
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveExtensible = 0xfffe
)

// Bounds on what a WAV header may declare.
const (
	maxChannels = 32
	minRate     = 1000
	maxRate     = 384000
)

// wavFormat is the decoded fmt chunk.
type wavFormat struct {
	tag        uint16 // effective tag: the sub-format of an extensible header
	channels   int
	rate       int
	bits       int // container bits per sample
	sampleSize int // bytes per sample
}

func (f *wavFormat) name() string {
	switch f.tag {
	case wavePCM:
		return fmt.Sprintf("wav/pcm%d", f.bits)
	case waveFloat:
		return fmt.Sprintf("wav/float%d", f.bits)
	case waveALaw:
		return "wav/alaw"
	case waveMuLaw:
		return "wav/mulaw"
	}
	return fmt.Sprintf("wav/0x%04x", f.tag)
}

// decodeWAV walks the RIFF chunks up to the data chunk and streams its
// samples. It reads RIFF, RF64 and BW64 files, skips unknown chunks
// (LIST, fact, junk, ...) without loading them, and reads a data chunk
// whose size is 0 or 0xFFFFFFFF (left by streaming recorders) up to the end
// of the input.
func decodeWAV(in *input) (*Signal, error) {
	var hdr [12]byte
	if n, err := io.ReadFull(in.r, hdr[:]); err != nil {
		return nil, truncated(err, "wav header ends after %d of 12 bytes", n)
	}
	rf64 := string(hdr[:4]) != "RIFF"
	var (
		f        *wavFormat
		ds64Data int64 = -1
	)
	for {
		var ch [8]byte
		n, err := io.ReadFull(in.r, ch[:])
		if err != nil {
			if errors.Is(err, io.EOF) && n == 0 {
				if f == nil {
					return nil, fmt.Errorf("wav has no fmt chunk: %w", ErrCorrupt)
				}
				return nil, fmt.Errorf("wav has no data chunk: %w", ErrCorrupt)
			}
			return nil, truncated(err, "wav chunk header ends after %d of 8 bytes", n)
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if f != nil {
				return nil, fmt.Errorf("wav has two fmt chunks: %w", ErrCorrupt)
			}
			if f, err = readWAVFormat(in, size); err != nil {
				return nil, err
			}
		case "ds64":
			var b [24]byte
			if size < int64(len(b)) {
				return nil, fmt.Errorf("wav ds64 chunk is %d bytes, shorter than 24: %w", size, ErrCorrupt)
			}
			if n, err := io.ReadFull(in.r, b[:]); err != nil {
				return nil, truncated(err, "wav ds64 chunk ends after %d of %d bytes", n, size)
			}
			ds64Data = int64(binary.LittleEndian.Uint64(b[8:]))
			if err := skipChunk(in, "ds64", size, size-int64(len(b))); err != nil {
				return nil, err
			}
		case "data":
			if f == nil {
				return nil, fmt.Errorf("wav data chunk comes before the fmt chunk: %w", ErrCorrupt)
			}
			switch {
			case rf64 && size == 0xffffffff && ds64Data > 0:
				size = ds64Data
			case size == 0 || size == 0xffffffff:
				size = -1 // streaming recorder: read to the end
			}
			return readWAVData(in, f, size)
		default:
			if err := skipChunk(in, id, size, size); err != nil {
				return nil, err
			}
		}
	}
}

// readWAVFormat reads and checks a fmt chunk of the given size.
func readWAVFormat(in *input, size int64) (*wavFormat, error) {
	if size < 16 {
		return nil, fmt.Errorf("wav fmt chunk is %d bytes, shorter than 16: %w", size, ErrCorrupt)
	}
	var b [40]byte
	want := min(size, int64(len(b)))
	if n, err := io.ReadFull(in.r, b[:want]); err != nil {
		return nil, truncated(err, "wav fmt chunk ends after %d of %d bytes", n, size)
	}
	if err := skipChunk(in, "fmt ", size, size-want); err != nil {
		return nil, err
	}
	f := &wavFormat{
		tag:      binary.LittleEndian.Uint16(b[0:]),
		channels: int(binary.LittleEndian.Uint16(b[2:])),
		rate:     int(binary.LittleEndian.Uint32(b[4:])),
		bits:     int(binary.LittleEndian.Uint16(b[14:])),
	}
	if f.tag == waveExtensible {
		if want < 40 || binary.LittleEndian.Uint16(b[16:]) < 22 {
			return nil, fmt.Errorf("wav extensible fmt chunk is %d bytes, shorter than 40: %w", size, ErrCorrupt)
		}
		// The sub-format GUID starts with the format tag; the rest is the
		// fixed KSDATAFORMAT suffix.
		if string(b[26:40]) != "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71" {
			return nil, fmt.Errorf("wav extensible sub-format %x: %w", b[24:40], ErrUnsupportedFormat)
		}
		f.tag = binary.LittleEndian.Uint16(b[24:])
	}
	switch {
	case f.channels == 0:
		return nil, fmt.Errorf("wav fmt chunk declares 0 channels: %w", ErrCorrupt)
	case f.channels > maxChannels:
		return nil, fmt.Errorf("wav has %d channels, more than %d: %w", f.channels, maxChannels, ErrUnsupportedFormat)
	case f.rate == 0:
		return nil, fmt.Errorf("wav fmt chunk declares a sample rate of 0 Hz: %w", ErrCorrupt)
	case f.rate < minRate || f.rate > maxRate:
		return nil, fmt.Errorf("wav sample rate %d Hz is outside %d–%d Hz: %w", f.rate, minRate, maxRate, ErrUnsupportedFormat)
	}
	switch f.tag {
	case wavePCM:
		if f.bits < 1 || f.bits > 32 {
			return nil, fmt.Errorf("wav pcm with %d bits per sample: %w", f.bits, ErrUnsupportedFormat)
		}
		f.sampleSize = (f.bits + 7) / 8
		f.bits = f.sampleSize * 8 // narrower samples are left-justified in their container
	case waveFloat:
		if f.bits != 32 && f.bits != 64 {
			return nil, fmt.Errorf("wav float with %d bits per sample: %w", f.bits, ErrUnsupportedFormat)
		}
		f.sampleSize = f.bits / 8
	case waveALaw, waveMuLaw:
		if f.bits != 8 {
			return nil, fmt.Errorf("wav G.711 with %d bits per sample: %w", f.bits, ErrUnsupportedFormat)
		}
		f.sampleSize = 1
	default:
		return nil, fmt.Errorf("wav codec %s: %w", wavCodecName(f.tag), ErrUnsupportedFormat)
	}
	return f, nil
}

// wavCodecName names a WAV format tag for an error message.
func wavCodecName(tag uint16) string {
	names := map[uint16]string{
		0x0002: "MS ADPCM",
		0x0011: "IMA ADPCM",
		0x0022: "TrueSpeech",
		0x0031: "GSM 6.10",
		0x0040: "G.721 ADPCM",
		0x0045: "G.726 ADPCM",
		0x0050: "MPEG audio",
		0x0055: "MPEG layer 3",
		0x0064: "G.726 ADPCM",
		0x0161: "WMA",
		0x1610: "AAC",
	}
	if n, ok := names[tag]; ok {
		return fmt.Sprintf("%s (format tag 0x%04x)", n, tag)
	}
	return fmt.Sprintf("format tag 0x%04x", tag)
}

// skipChunk discards n more bytes of a chunk of the given size, and its pad
// byte when the size is odd. It reads through the bytes rather than
// allocating them, so a lying size costs time bounded by the input, never
// memory.
func skipChunk(in *input, id string, size, n int64) error {
	for n > 0 {
		step := int(min(n, 1<<30))
		got, err := in.r.Discard(step)
		n -= int64(got)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("wav %q chunk claims %d bytes but the input ends %d bytes short, before any data chunk: %w",
					id, size, n, ErrCorrupt)
			}
			return err
		}
	}
	if size%2 == 1 {
		// RIFF pads odd chunks to an even size, but some writers do not:
		// skip the pad byte unless the next chunk header starts right here.
		if p, _ := in.r.Peek(5); len(p) == 5 && isChunkID(p[:4]) && !isChunkID(p[1:5]) {
			return nil
		}
		if _, err := in.r.Discard(1); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	return nil
}

func isChunkID(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// readWAVData streams size bytes of samples (to the end of the input when
// size is -1) through a sink.
func readWAVData(in *input, f *wavFormat, size int64) (*Signal, error) {
	frameSize := f.channels * f.sampleSize
	blockFrames := max(1, (128<<10)/frameSize)
	buf := make([]byte, blockFrames*frameSize)
	s, err := newSink(f.rate, f.channels, in.cfg, sizeHint(in, size, frameSize))
	if err != nil {
		return nil, err
	}
	planar := make([][]float32, f.channels)
	for c := range planar {
		planar[c] = make([]float32, blockFrames)
	}
	var read int64
	for size < 0 || read < size {
		want := int64(len(buf))
		if size >= 0 {
			want = min(want, size-read)
		}
		n, err := io.ReadFull(in.r, buf[:want])
		read += int64(n)
		if frames := n / frameSize; frames > 0 {
			for c := range planar {
				planar[c] = planar[c][:frames]
			}
			f.decode(planar, buf[:frames*frameSize])
			if err := s.write(planar); err != nil {
				return nil, err
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, err
			}
			if size >= 0 {
				return nil, fmt.Errorf("wav data chunk ends after %d of %d bytes: %w", read, size, ErrCorrupt)
			}
			break
		}
	}
	sig, err := s.finish()
	if err != nil {
		return nil, err
	}
	sig.Format = f.name()
	return sig, nil
}

// sizeHint estimates the number of source frames from the real size of the
// input (never from a header), or returns -1.
func sizeHint(in *input, size int64, frameSize int) int64 {
	if in.size < 0 {
		return -1
	}
	n := in.size
	if size >= 0 {
		n = min(n, size)
	}
	return n / int64(frameSize)
}

// decode converts interleaved frames in src to planar float32 in dst, whose
// slices all have the length of src in frames.
func (f *wavFormat) decode(dst [][]float32, src []byte) {
	nch := f.channels
	step := nch * f.sampleSize
	for c, out := range dst {
		b := src[c*f.sampleSize:]
		switch {
		case f.tag == wavePCM && f.sampleSize == 1:
			for i := range out {
				out[i] = (float32(b[i*step]) - 128) / 128
			}
		case f.tag == wavePCM && f.sampleSize == 2:
			for i := range out {
				o := i * step
				out[i] = float32(int16(uint16(b[o])|uint16(b[o+1])<<8)) / (1 << 15)
			}
		case f.tag == wavePCM && f.sampleSize == 3:
			for i := range out {
				o := i * step
				v := int32(uint32(b[o])<<8|uint32(b[o+1])<<16|uint32(b[o+2])<<24) >> 8
				out[i] = float32(v) / (1 << 23)
			}
		case f.tag == wavePCM && f.sampleSize == 4:
			for i := range out {
				o := i * step
				out[i] = float32(float64(int32(binary.LittleEndian.Uint32(b[o:]))) / (1 << 31))
			}
		case f.tag == waveFloat && f.sampleSize == 4:
			for i := range out {
				out[i] = clamp(math.Float32frombits(binary.LittleEndian.Uint32(b[i*step:])))
			}
		case f.tag == waveFloat && f.sampleSize == 8:
			for i := range out {
				out[i] = clamp(float32(math.Float64frombits(binary.LittleEndian.Uint64(b[i*step:]))))
			}
		case f.tag == waveMuLaw:
			for i := range out {
				out[i] = mulawTable[b[i*step]]
			}
		case f.tag == waveALaw:
			for i := range out {
				out[i] = alawTable[b[i*step]]
			}
		}
	}
}

// clamp limits v to [-1, 1] and turns NaN into silence.
func clamp(v float32) float32 {
	switch {
	case v > 1:
		return 1
	case v < -1:
		return -1
	case v != v:
		return 0
	}
	return v
}

// truncated turns a short read into ErrCorrupt with a message built from
// format, whose first argument is the number of bytes read.
func truncated(err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf(format+": %w", append(args, ErrCorrupt)...)
	}
	return err
}
