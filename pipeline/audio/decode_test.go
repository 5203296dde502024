package audio

import (
	"path/filepath"
	"testing"
	"time"
)

func TestDecodeJFK(t *testing.T) {
	sig, err := DecodeFile(jfkWAV(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sig.Duration(), 11*time.Second; absDur(got-want) > 10*time.Millisecond {
		t.Errorf("duration = %v, want %v", got, want)
	}
	if sig.Format != "wav/pcm16" || sig.SourceRate != 16000 || sig.SourceChannels != 1 || len(sig.Channels) != 1 {
		t.Errorf("got format %q rate %d channels %d/%d, want wav/pcm16 16000 1/1",
			sig.Format, sig.SourceRate, sig.SourceChannels, len(sig.Channels))
	}
	// At 16 kHz the samples pass through untouched.
	ref := ffmpegDecode(t, jfkWAV(t))
	if c := correlation(ref, sig.Mono()); c < 0.9999 {
		t.Errorf("correlation with ffmpeg = %.5f, want ≥ 0.9999", c)
	}
}

// TestDecodeMatchesFFmpeg decodes recordings made with ffmpeg and lame and
// compares them with ffmpeg's own 16 kHz mono decode.
func TestDecodeMatchesFFmpeg(t *testing.T) {
	dir := t.TempDir()
	jfk := jfkWAV(t)
	stereo := filepath.Join(dir, "stereo44k.wav")
	runTool(t, "ffmpeg", "-v", "error", "-nostdin", "-i", jfk, "-ar", "44100", "-ac", "2", stereo)
	mp3 := filepath.Join(dir, "stereo44k.mp3")
	runTool(t, "lame", "--quiet", "-b", "128", stereo, mp3)

	for _, tc := range []struct {
		name, path, format string
		rate, channels     int
	}{
		{"wav 44.1 kHz stereo", stereo, "wav/pcm16", 44100, 2},
		{"mp3 44.1 kHz stereo", mp3, "mp3", 44100, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := DecodeFile(tc.path, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if sig.Format != tc.format || sig.SourceRate != tc.rate || sig.SourceChannels != tc.channels {
				t.Errorf("got %s %d Hz %d ch, want %s %d Hz %d ch", sig.Format, sig.SourceRate, sig.SourceChannels,
					tc.format, tc.rate, tc.channels)
			}
			ref := ffmpegDecode(t, tc.path)
			refDur := time.Duration(len(ref)) * time.Second / SampleRate
			if d := absDur(sig.Duration() - refDur); d > 10*time.Millisecond {
				t.Errorf("duration = %v, ffmpeg says %v", sig.Duration(), refDur)
			}
			c := correlation(ref, sig.Mono())
			if c < 0.99 {
				t.Errorf("correlation with ffmpeg = %.4f, want ≥ 0.99", c)
			}
			t.Logf("duration %v (ffmpeg %v), correlation %.5f", sig.Duration(), refDur, c)
		})
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
