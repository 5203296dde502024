package audio

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3"
)

// mpegHeader is a 4-byte MPEG audio frame header.
type mpegHeader uint32

func parseFrameHeader(b []byte) mpegHeader {
	if len(b) < 4 {
		return 0
	}
	return mpegHeader(binary.BigEndian.Uint32(b))
}

// version is 0 for MPEG-2.5, 2 for MPEG-2, 3 for MPEG-1 (1 is reserved).
func (h mpegHeader) version() int { return int(h>>19) & 3 }

// layer is 1, 2 or 3 (0 is reserved).
func (h mpegHeader) layer() int {
	if l := int(h>>17) & 3; l != 0 {
		return 4 - l
	}
	return 0
}
func (h mpegHeader) crc() bool         { return h>>16&1 == 0 }
func (h mpegHeader) bitrateIndex() int { return int(h>>12) & 15 }
func (h mpegHeader) rateIndex() int    { return int(h>>10) & 3 }
func (h mpegHeader) padding() int      { return int(h>>9) & 1 }
func (h mpegHeader) channels() int {
	if h>>6&3 == 3 {
		return 1
	}
	return 2
}

// sync reports whether h is a plausible frame header of any MPEG audio
// layer.
func (h mpegHeader) sync() bool {
	return h>>21 == 0x7ff && h.version() != 1 && h.layer() != 0 &&
		h.bitrateIndex() != 15 && h.rateIndex() != 3 && h>>0&3 != 2
}

func (h mpegHeader) sampleRate() int {
	base := [3]int{44100, 48000, 32000}[h.rateIndex()]
	switch h.version() {
	case 2:
		return base / 2
	case 0:
		return base / 4
	}
	return base
}

// samplesPerFrame for layer III.
func (h mpegHeader) samplesPerFrame() int {
	if h.version() == 3 {
		return 1152
	}
	return 576
}

// frameSize is the length of a layer III frame in bytes, header included.
func (h mpegHeader) frameSize() int {
	var kbps int
	if h.version() == 3 {
		kbps = [15]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}[h.bitrateIndex()]
	} else {
		kbps = [15]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}[h.bitrateIndex()]
	}
	return h.samplesPerFrame()/8*kbps*1000/h.sampleRate() + h.padding()
}

// sideInfoSize is the length of the layer III side information.
func (h mpegHeader) sideInfoSize() int {
	switch {
	case h.version() == 3 && h.channels() == 1:
		return 17
	case h.version() == 3:
		return 32
	case h.channels() == 1:
		return 9
	}
	return 17
}

// mp3DecoderDelay is the delay of the layer III synthesis filter bank, in
// samples; the LAME tag's encoder delay does not include it.
const mp3DecoderDelay = 529

// Bounds that keep a garbage stream from being scanned forever.
const (
	maxMP3Junk = 1 << 16 // bytes searched for the first frame
)

// decodeMP3 skips ID3v2 tags, reads the first frame header and the
// Xing/Info/LAME tag when present, and streams the frames through the
// layer III decoder. Frames that fail to decode are skipped, as players
// do, unless they outnumber the good ones.
// Encoder delay and padding from a LAME tag are trimmed, so the result
// lines up sample for sample with the source that was encoded.
func decodeMP3(in *input) (*Signal, error) {
	if err := skipID3v2(in); err != nil {
		return nil, err
	}
	if b, _ := in.r.Peek(12); len(b) == 0 {
		return nil, fmt.Errorf("mp3 has an id3 tag but no audio: %w", ErrEmpty)
	} else if f := sniff(b); f != formatMP3 && f != formatUnknown {
		return nil, fmt.Errorf("%s after an id3 tag: %w", f, ErrUnsupportedFormat)
	}
	h, err := findFirstFrame(in)
	if err != nil {
		return nil, err
	}
	switch {
	case h.layer() != 3:
		return nil, fmt.Errorf("mpeg layer %d audio (only layer III, mp3, is supported): %w", h.layer(), ErrUnsupportedFormat)
	case h.bitrateIndex() == 0:
		return nil, fmt.Errorf("free-format mp3: %w", ErrUnsupportedFormat)
	}
	rate, channels := h.sampleRate(), h.channels()

	// A Xing/Info/VBRI frame carries no audio: skip it and take the gapless
	// information from its LAME extension.
	var skip, total int64 = 0, -1
	declared := 0 // audio frames the info frame says the stream holds
	if frame, err := in.r.Peek(h.frameSize()); err == nil {
		if info, ok := parseInfoFrame(h, frame); ok {
			declared = info.frames
			if _, err := in.r.Discard(len(frame)); err != nil {
				return nil, err
			}
			if info.lame {
				skip = int64(info.delay) + mp3DecoderDelay
				if info.frames > 0 {
					total = int64(info.frames)*int64(h.samplesPerFrame()) - int64(info.delay) - int64(info.padding)
				}
			}
		}
	}

	// Downmixing happens inside the decoder, before its synthesis filter
	// bank; the sink then sees one channel.
	mix := in.cfg.Channels == Downmix && channels == 2
	// At 44.1 and 48 kHz the decoder can synthesise only the lower half
	// of the spectrum at half the rate: the resampler drops everything
	// above 8 kHz anyway, and what the cut at 11-12 kHz folds back lands
	// above 8 kHz too. (At 32 kHz the cut would sit at 8 kHz: no.)
	// The kept samples are those at the parity of the first sample after
	// the encoder and decoder delays. Subbands above 8 kHz are not
	// synthesised at all.
	half := rate >= 44100
	opts := mp3.Options{Mix: mix, HalfRate: half, HalfRatePhase: int(skip % 2), Bandwidth: SampleRate / 2}
	d := mp3.NewDecoder(in.r, opts)
	outChannels := channels
	if mix {
		outChannels = 1
	}
	decRate := rate
	if half {
		decRate /= 2
		skip /= 2
		if total >= 0 {
			total = (total + 1) / 2
		}
	}
	s, err := newSink(decRate, outChannels, in.cfg, -1)
	if err != nil {
		return nil, err
	}
	var (
		out      [2][1152]float32
		planar   [2][]float32
		pos      int64 // decoded samples per channel so far, before trimming
		frames   int
		bad      int
		firstBad error
	)
	for {
		n, ch, r, err := d.Next(&out)
		if err != nil {
			var fe *mp3.FrameError
			if errors.As(err, &fe) {
				bad++
				firstBad = cmp.Or(firstBad, err)
				continue
			}
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if r != decRate {
			// A frame of another stream (or a false sync): not ours.
			bad++
			firstBad = cmp.Or(firstBad, fmt.Errorf("frame at %d Hz in a %d Hz stream", r, decRate))
			continue
		}
		frames++
		lo, hi := int64(0), int64(n)
		if pos < skip {
			lo = min(hi, skip-pos)
		}
		if total >= 0 && pos+hi > skip+total {
			hi = max(lo, skip+total-pos)
		}
		pos += int64(n)
		if hi <= lo {
			continue
		}
		planar[0] = out[0][lo:hi]
		planar[1] = out[1][lo:hi]
		if ch == 1 {
			planar[1] = planar[0] // a mono frame in a stereo stream
		}
		if err := s.write(planar[:outChannels]); err != nil {
			return nil, err
		}
	}
	if frames == 0 {
		if firstBad != nil {
			return nil, fmt.Errorf("mp3 has no decodable frame (%d bad, first: %v): %w", bad, firstBad, ErrCorrupt)
		}
		return nil, fmt.Errorf("mp3 has no audio frames: %w", ErrEmpty)
	}
	// A stream that is more garbage than audio (beyond a little trailing
	// padding) is damaged, however many good frames it starts with.
	if junk := d.Junk(); junk > 1024 && junk > int64(frames)*int64(h.frameSize()) {
		return nil, fmt.Errorf("mp3 has %d bytes that are not audio frames after %d frames of audio: %w", junk, frames, ErrCorrupt)
	}
	// The info frame's count tells a cut-off upload from a short call; a
	// partial last frame is tolerated.
	if declared > 0 && frames+bad < declared-1 {
		return nil, fmt.Errorf("mp3 is truncated: it ends after %d of the %d frames its header declares: %w", frames+bad, declared, ErrCorrupt)
	}
	if bad > frames {
		return nil, fmt.Errorf("mp3 has %d bad frames and %d good ones (first: %v): %w", bad, frames, firstBad, ErrCorrupt)
	}
	sig, err := s.finish()
	if err != nil {
		return nil, err
	}
	sig.Format = "mp3"
	sig.SourceRate = rate
	sig.SourceChannels = channels
	return sig, nil
}

// skipID3v2 discards any ID3v2 tags at the start of the input, reading
// through them rather than allocating their claimed size.
func skipID3v2(in *input) error {
	for {
		b, _ := in.r.Peek(10)
		if len(b) < 3 || string(b[:3]) != "ID3" {
			return nil
		}
		if len(b) < 10 {
			return fmt.Errorf("id3 tag header ends after %d of 10 bytes: %w", len(b), ErrCorrupt)
		}
		size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		size += 10
		if b[5]&0x10 != 0 { // footer present
			size += 10
		}
		n, err := in.r.Discard(size)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("id3 tag claims %d bytes but the input ends after %d: %w", size, n, ErrCorrupt)
			}
			return err
		}
	}
}

// findFirstFrame skips padding or junk before the first frame and returns
// its header, leaving the reader at it. A candidate header must be
// followed by another one (or the end of the input) to count.
func findFirstFrame(in *input) (mpegHeader, error) {
	for skipped := 0; skipped < maxMP3Junk; skipped++ {
		b, err := in.r.Peek(4)
		if len(b) < 4 {
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			return 0, fmt.Errorf("mp3 has no audio frame in its last %d bytes: %w", skipped+len(b), ErrCorrupt)
		}
		h := parseFrameHeader(b)
		if h.sync() && (h.layer() != 3 || h.bitrateIndex() == 0 || nextFrameFollows(in, h)) {
			return h, nil
		}
		if _, err := in.r.Discard(1); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("mp3 has no audio frame in its first %d bytes: %w", maxMP3Junk, ErrCorrupt)
}

// nextFrameFollows reports whether another frame header of the same
// stream, or the end of the input, follows the frame with header h.
func nextFrameFollows(in *input, h mpegHeader) bool {
	n := h.frameSize()
	b, err := in.r.Peek(n + 4)
	if len(b) < n+4 {
		return errors.Is(err, io.EOF) && len(b) >= n
	}
	next := parseFrameHeader(b[n:])
	return next.sync() && next.version() == h.version() && next.layer() == h.layer() && next.rateIndex() == h.rateIndex()
}

// infoFrame is what a Xing/Info/VBRI frame says about the stream.
type infoFrame struct {
	frames         int // audio frames in the stream, 0 when unknown
	lame           bool
	delay, padding int // samples added by the encoder at the start and end
}

// parseInfoFrame recognises a Xing, Info or VBRI frame (whose audio is
// silence) and reads its frame count and LAME gapless fields.
func parseInfoFrame(h mpegHeader, frame []byte) (infoFrame, bool) {
	off := 4 + h.sideInfoSize()
	if h.crc() {
		off += 2
	}
	var info infoFrame
	if len(frame) >= 36+26 && string(frame[36:40]) == "VBRI" {
		info.frames = int(binary.BigEndian.Uint32(frame[36+14:]))
		return info, true
	}
	if len(frame) < off+8 {
		return info, false
	}
	if tag := string(frame[off : off+4]); tag != "Xing" && tag != "Info" {
		return info, false
	}
	flags := binary.BigEndian.Uint32(frame[off+4:])
	p := off + 8
	if flags&1 != 0 {
		if len(frame) < p+4 {
			return info, true
		}
		info.frames = int(binary.BigEndian.Uint32(frame[p:]))
		p += 4
	}
	if flags&2 != 0 {
		p += 4
	}
	if flags&4 != 0 {
		p += 100
	}
	if flags&8 != 0 {
		p += 4
	}
	// LAME extension: 9-byte encoder name, then at +21 the 12-bit encoder
	// delay and 12-bit padding.
	if len(frame) >= p+24 {
		switch string(frame[p : p+4]) {
		case "LAME", "Lavf", "Lavc":
			info.lame = true
			v := int(frame[p+21])<<16 | int(frame[p+22])<<8 | int(frame[p+23])
			info.delay, info.padding = v>>12, v&0xfff
		}
	}
	return info, true
}
