package mp3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// tool runs a command line tool the test needs; in CI a missing tool is a
// failure.
func tool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s: %v: %s", name, err, ee.Stderr)
		}
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// decodeAll decodes a whole stream into one slice per channel.
func decodeAll(t *testing.T, data []byte, opts Options) (ch [2][]float32, channels, rate int) {
	t.Helper()
	d := NewDecoder(bytes.NewReader(data), opts)
	var out [2][1152]float32
	for {
		n, c, r, err := d.Next(&out)
		if errors.Is(err, io.EOF) {
			return ch, channels, rate
		}
		if err != nil {
			t.Fatalf("frame: %v", err)
		}
		channels, rate = c, r
		for i := range c {
			ch[i] = append(ch[i], out[i][:n]...)
		}
	}
}

// ffmpegChannels splits ffmpeg's interleaved f32le output into channels.
func ffmpegChannels(raw []byte, channels int) (out [2][]float32) {
	for i := 0; i+4*channels <= len(raw); i += 4 * channels {
		for c := range channels {
			out[c] = append(out[c], math.Float32frombits(binary.LittleEndian.Uint32(raw[i+4*c:])))
		}
	}
	return out
}

// snr compares got with want shifted by the best of the offsets 0..maxShift
// (ffmpeg drops the encoder and decoder delay, this decoder does not) and
// returns the signal-to-error ratio in dB and the shift.
func snr(got, want []float32, maxShift int) (db float64, shift int) {
	best := math.Inf(-1)
	for s := 0; s <= maxShift && s < len(got); s++ {
		n := min(len(got)-s, len(want))
		var sig, e float64
		for i := 0; i < n; i++ {
			d := float64(got[i+s]) - float64(want[i])
			sig += float64(want[i]) * float64(want[i])
			e += d * d
		}
		if r := 10 * math.Log10(sig/max(e, 1e-30)); r > best {
			best, shift = r, s
		}
	}
	return best, shift
}

// The decoder's output matches ffmpeg's floating-point mp3 decoder sample
// for sample, at full rate and, for content below a quarter of the rate,
// at half rate.
func TestDecoderMatchesFFmpeg(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "in.wav")
	for _, c := range []struct {
		name  string
		rate  string
		lame  []string
		chans int
	}{
		{"44.1 kHz joint stereo VBR", "44100", []string{"-V", "4"}, 2},
		{"48 kHz stereo CBR 192k", "48000", []string{"-m", "s", "-b", "192"}, 2},
		{"32 kHz mono", "32000", []string{"-m", "m", "-b", "64"}, 1},
		{"22.05 kHz joint stereo (MPEG-2)", "22050", []string{"-b", "64"}, 2},
		{"8 kHz mono (MPEG-2.5)", "8000", []string{"-m", "m", "-b", "16"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Tones on both channels, different on each, plus noise: below
			// 9 kHz so that the half-rate output keeps all of it.
			tool(t, "sox", "-R", "-n", "-r", c.rate, "-c", "2", "-b", "16", wav, "synth", "3",
				"sine", "440", "sine", "1250", "remix", "1,2", "2", "synth", "3", "pinknoise", "mix",
				"sinc", "-4k", "gain", "-6")
			mp3 := filepath.Join(dir, "out.mp3")
			tool(t, "lame", append(append([]string{"--quiet"}, c.lame...), wav, mp3)...)
			data, err := os.ReadFile(mp3)
			if err != nil {
				t.Fatal(err)
			}
			got, channels, _ := decodeAll(t, data, Options{})
			if channels != c.chans {
				t.Fatalf("%d channels, want %d", channels, c.chans)
			}
			ref := ffmpegChannels(tool(t, "ffmpeg", "-v", "error", "-nostdin", "-c:a", "mp3float", "-i", mp3, "-f", "f32le", "-"), channels)
			for ch := range channels {
				db, shift := snr(got[ch], ref[ch], 3000)
				t.Logf("channel %d: %.1f dB against ffmpeg (delay %d)", ch, db, shift)
				if db < 60 {
					t.Errorf("channel %d: %.1f dB against ffmpeg, want ≥ 60", ch, db)
				}
			}

			// Mixing in the decoder is the average of the channels.
			if channels == 2 {
				mixed, n, _ := decodeAll(t, data, Options{Mix: true})
				avg := make([]float32, len(got[0]))
				for i := range avg {
					avg[i] = (got[0][i] + got[1][i]) / 2
				}
				if db, _ := snr(mixed[0], avg, 0); n != 1 || db < 100 {
					t.Errorf("mixed: %d channels, %.1f dB against the average of the channels", n, db)
				}
			}
			// Content below 4 kHz comes out the same when the synthesis
			// stops at 6 kHz. (What differs is the encoder's
			// noise above that, 50 dB or more below the signal; a band
			// missing inside the signal costs far more.)
			limited, _, _ := decodeAll(t, data, Options{Bandwidth: 6000})
			for ch := range channels {
				db, _ := snr(limited[ch], got[ch], 0)
				t.Logf("bandwidth 6 kHz, channel %d: %.1f dB against all bands", ch, db)
				if db < 50 {
					t.Errorf("bandwidth 6 kHz, channel %d: %.1f dB against all bands", ch, db)
				}
			}
			// At half rate, output k is full-rate sample 2k+phase.
			if c.rate == "44100" || c.rate == "48000" {
				for phase := range 2 {
					half, _, rate := decodeAll(t, data, Options{HalfRate: true, HalfRatePhase: phase})
					for ch := range channels {
						var want []float32
						for i := phase; i < len(got[ch]); i += 2 {
							want = append(want, got[ch][i])
						}
						db, _ := snr(half[ch], want, 0)
						t.Logf("half rate (%d Hz), phase %d, channel %d: %.1f dB against full rate", rate, phase, ch, db)
						if db < 50 || len(half[ch]) != len(want) {
							t.Errorf("half rate, phase %d, channel %d: %.1f dB, %d samples against full rate's %d", phase, ch, db, len(half[ch]), len(want))
						}
					}
				}
			}
		})
	}
}
