package audio

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tone is a 440 Hz sine, seconds long at rate, with the given channels,
// as 16-bit PCM.
func tone(rate, channels int, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	x := make([]float32, 0, n*channels)
	for i := range n {
		v := float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		for range channels {
			x = append(x, v)
		}
	}
	return pcm16(x)
}

// goodWAV is a valid 16-bit WAV.
func goodWAV(rate, channels int, seconds float64) []byte {
	return riff("RIFF", fmtChunk(wavePCM, channels, rate, 16), chunk{id: "data", body: tone(rate, channels, seconds)})
}

// fmtWith is a 16-bit PCM fmt chunk with one field changed by edit.
func fmtWith(edit func(b []byte)) chunk {
	c := fmtChunk(wavePCM, 1, 8000, 16)
	edit(c.body)
	return c
}

func le16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
func le32(b []byte, v uint32) { le16(b, uint16(v)); le16(b[2:], uint16(v>>16)) }

func id3(size int) []byte {
	return []byte{'I', 'D', '3', 3, 0, 0, byte(size >> 21 & 0x7f), byte(size >> 14 & 0x7f), byte(size >> 7 & 0x7f), byte(size & 0x7f)}
}

type malformed struct {
	name string
	data []byte
	cfg  Config
	want error
	msg  string // part of the error message, when it matters
}

func malformedInputs() []malformed {
	data := chunk{id: "data", body: tone(8000, 1, 0.1)}
	mp3Frame := []byte{0xff, 0xfb, 0x90, 0x64} // MPEG-1 layer III 128 kb/s 44.1 kHz
	randomBytes := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range randomBytes {
		randomBytes[i] = byte(rng.Uint32())
	}
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), make([]byte, 200)...)
	return []malformed{
		{name: "empty input", data: nil, want: ErrEmpty},
		{name: "RIFF magic only", data: []byte("RIFF"), want: ErrCorrupt, msg: "wav header ends after 4 of 12 bytes"},
		{name: "RIFF header and nothing else", data: []byte("RIFF\x04\x00\x00\x00WAVE"), want: ErrCorrupt, msg: "no fmt chunk"},
		{name: "chunk header cut short", data: []byte("RIFF\x04\x00\x00\x00WAVEfmt \x10\x00"), want: ErrCorrupt, msg: "chunk header ends after 6 of 8 bytes"},
		{name: "fmt chunk too short", data: riff("RIFF", chunk{id: "fmt ", body: make([]byte, 10)}, data), want: ErrCorrupt},
		{name: "fmt chunk cut short", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16))[:30], want: ErrCorrupt, msg: "fmt chunk ends after"},
		{name: "fmt chunk claims 4 GB", data: riff("RIFF", chunk{id: "fmt ", body: fmtChunk(wavePCM, 1, 8000, 16).body, size: u32(0xfffffff0)}), want: ErrCorrupt},
		{name: "zero channels", data: riff("RIFF", fmtWith(func(b []byte) { le16(b[2:], 0) }), data), want: ErrCorrupt, msg: "0 channels"},
		{name: "40 channels", data: riff("RIFF", fmtWith(func(b []byte) { le16(b[2:], 40) }), data), want: ErrUnsupportedFormat},
		{name: "sample rate 0", data: riff("RIFF", fmtWith(func(b []byte) { le32(b[4:], 0) }), data), want: ErrCorrupt},
		{name: "sample rate 5 Hz", data: riff("RIFF", fmtWith(func(b []byte) { le32(b[4:], 5) }), data), want: ErrUnsupportedFormat},
		{name: "sample rate 4 GHz", data: riff("RIFF", fmtWith(func(b []byte) { le32(b[4:], 0xffffffff) }), data), want: ErrUnsupportedFormat},
		{name: "pcm with 0 bits", data: riff("RIFF", fmtWith(func(b []byte) { le16(b[14:], 0) }), data), want: ErrUnsupportedFormat},
		{name: "pcm with 48 bits", data: riff("RIFF", fmtWith(func(b []byte) { le16(b[14:], 48) }), data), want: ErrUnsupportedFormat},
		{name: "float with 16 bits", data: riff("RIFF", fmtChunk(waveFloat, 1, 8000, 16), data), want: ErrUnsupportedFormat},
		{name: "mu-law with 16 bits", data: riff("RIFF", fmtChunk(waveMuLaw, 1, 8000, 16), data), want: ErrUnsupportedFormat},
		{name: "IMA ADPCM", data: riff("RIFF", fmtChunk(0x11, 1, 8000, 4), data), want: ErrUnsupportedFormat, msg: "IMA ADPCM"},
		{name: "GSM 6.10", data: riff("RIFF", fmtChunk(0x31, 1, 8000, 0), data), want: ErrUnsupportedFormat, msg: "GSM"},
		{name: "extensible with an 18-byte fmt", data: riff("RIFF", chunk{id: "fmt ", body: append(fmtChunk(waveExtensible, 1, 8000, 16).body, 0, 0)}, data), want: ErrCorrupt},
		{name: "extensible with an unknown sub-format", data: riff("RIFF", func() chunk {
			c := fmtExtensible(wavePCM, 1, 8000, 16, 16, 4)
			c.body[30] ^= 0xff
			return c
		}(), data), want: ErrUnsupportedFormat},
		{name: "no data chunk", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16)), want: ErrCorrupt, msg: "no data chunk"},
		{name: "data before fmt", data: riff("RIFF", data, fmtChunk(wavePCM, 1, 8000, 16)), want: ErrCorrupt, msg: "before the fmt chunk"},
		{name: "two fmt chunks", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16), fmtChunk(wavePCM, 1, 8000, 16), data), want: ErrCorrupt},
		{name: "data chunk cut short", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16), chunk{id: "data", body: make([]byte, 12), size: u32(4000)}),
			want: ErrCorrupt, msg: "audio: wav data chunk ends after 12 of 4000 bytes: corrupt audio"},
		{name: "LIST chunk claims 1 GB", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16), chunk{id: "LIST", body: make([]byte, 20), size: u32(1 << 30)}, data), want: ErrCorrupt},
		{name: "data chunk of 0 bytes", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16), chunk{id: "data"}), want: ErrEmpty},
		{name: "data size 0xFFFFFFFF and no samples", data: riff("RIFF", fmtChunk(wavePCM, 1, 8000, 16), chunk{id: "data", size: u32(0xffffffff)}), want: ErrEmpty},
		{name: "data shorter than one frame", data: riff("RIFF", fmtChunk(wavePCM, 2, 8000, 16), chunk{id: "data", body: []byte{1, 2}}), want: ErrEmpty},
		{name: "RIFF AVI", data: []byte("RIFF\x00\x10\x00\x00AVI LIST"), want: ErrUnsupportedFormat, msg: "AVI"},
		{name: "big-endian RIFX", data: []byte("RIFX\x00\x10\x00\x00WAVEfmt "), want: ErrUnsupportedFormat, msg: "RIFX"},
		{name: "PNG image", data: png, want: ErrUnsupportedFormat, msg: "PNG"},
		{name: "random bytes", data: randomBytes, want: ErrUnsupportedFormat},
		{name: "text", data: []byte("hello, this is not audio\n"), want: ErrUnsupportedFormat},
		{name: "Ogg", data: []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"), want: ErrUnsupportedFormat, msg: "Ogg"},
		{name: "FLAC", data: []byte("fLaC\x00\x00\x00\x22"), want: ErrUnsupportedFormat, msg: "FLAC"},
		{name: "mp3 with only an id3 tag", data: append(id3(100), make([]byte, 100)...), want: ErrEmpty},
		{name: "id3 tag claiming 200 MB", data: append(id3(200<<20), make([]byte, 20)...), want: ErrCorrupt, msg: "id3 tag claims"},
		{name: "id3 tag cut short", data: []byte("ID3\x03\x00"), want: ErrCorrupt},
		{name: "id3 tag then random bytes", data: append(append(id3(10), make([]byte, 10)...), randomBytes...), want: ErrCorrupt},
		{name: "id3 tag then FLAC", data: append(append(id3(10), make([]byte, 10)...), "fLaC\x00\x00\x00\x22"...), want: ErrUnsupportedFormat, msg: "FLAC"},
		{name: "mp3 frame header then nothing", data: mp3Frame, want: ErrCorrupt},
		{name: "mp3 frame cut short", data: append(mp3Frame, make([]byte, 100)...), want: ErrCorrupt},
		{name: "mpeg layer II", data: append([]byte{0xff, 0xfd, 0x90, 0x64}, make([]byte, 600)...), want: ErrUnsupportedFormat, msg: "layer 2"},
		{name: "free-format mp3", data: append([]byte{0xff, 0xfb, 0x00, 0x64}, make([]byte, 600)...), want: ErrUnsupportedFormat, msg: "free-format"},
		{name: "input over MaxBytes", data: goodWAV(8000, 1, 1), cfg: Config{MaxBytes: 4000}, want: ErrTooLarge},
		{name: "wav over MaxDuration", data: goodWAV(8000, 2, 2), cfg: Config{MaxDuration: time.Second}, want: ErrTooLong},
	}
}

// TestMalformed feeds broken and foreign files to the decoder: each fails
// with the sentinel a caller branches on, and a message that says what is
// wrong.
func TestMalformed(t *testing.T) {
	all := []error{ErrUnsupportedFormat, ErrCorrupt, ErrEmpty, ErrTooLong, ErrTooLarge}
	for _, tc := range malformedInputs() {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := Decode(bytes.NewReader(tc.data), tc.cfg)
			if err == nil {
				t.Fatalf("decoded %v of audio, want %v", sig.Duration(), tc.want)
			}
			for _, e := range all {
				if errors.Is(err, e) != (e == tc.want) {
					t.Errorf("errors.Is(%q, %v) = %v", err, e, !(e == tc.want))
				}
			}
			if !strings.HasPrefix(err.Error(), "audio: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to start with \"audio: \" and contain %q", err, tc.msg)
			}
		})
	}
	if n := len(malformedInputs()); n < 30 {
		t.Errorf("only %d malformed inputs", n)
	}
}

// A PNG saved with a .wav name is still a PNG.
func TestDecodeFileIgnoresName(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "call.wav")
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeFile(png, Config{}); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("PNG named .wav: got %v, want ErrUnsupportedFormat", err)
	}
	wav := filepath.Join(dir, "call.mp3")
	if err := os.WriteFile(wav, goodWAV(8000, 1, 0.5), 0o644); err != nil {
		t.Fatal(err)
	}
	sig, err := DecodeFile(wav, Config{})
	if err != nil || sig.Format != "wav/pcm16" {
		t.Errorf("WAV named .mp3: got %v, %v; want wav/pcm16", sig, err)
	}
	big := filepath.Join(dir, "big.wav")
	if err := os.WriteFile(big, goodWAV(8000, 1, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeFile(big, Config{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file over MaxBytes: got %v, want ErrTooLarge", err)
	}
}

// An MP3 with a burst of garbage in the middle (a damaged sector, a bad
// network copy) still decodes: the bad frames are skipped, as players do,
// and the recording keeps about its length. An MP3 that is mostly garbage
// is corrupt.
func TestMP3WithDamage(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "tone-44k-stereo.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	clean, err := Decode(bytes.NewReader(good), Config{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	damaged := bytes.Clone(good)
	for i := len(good) / 2; i < len(good)/2+200; i++ {
		damaged[i] = byte(rng.Uint32())
	}
	sig, err := Decode(bytes.NewReader(damaged), Config{})
	if err != nil {
		t.Fatalf("200 damaged bytes in %d: %v", len(good), err)
	}
	if d := absDur(sig.Duration() - clean.Duration()); d > 100*time.Millisecond {
		t.Errorf("damaged copy decodes to %v, the clean one to %v", sig.Duration(), clean.Duration())
	}

	mostlyBad := bytes.Clone(good)
	for i := 400; i < len(mostlyBad); i++ {
		mostlyBad[i] = byte(rng.Uint32())
	}
	if _, err := Decode(bytes.NewReader(mostlyBad), Config{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("mp3 that is garbage after its first frames: got %v, want ErrCorrupt", err)
	}

	if _, err := Decode(bytes.NewReader(good), Config{MaxDuration: 100 * time.Millisecond}); !errors.Is(err, ErrTooLong) {
		t.Errorf("mp3 over MaxDuration: got %v, want ErrTooLong", err)
	}
}
