package audio

import (
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks decode 10-minute recordings: a 44.1 kHz stereo 16-bit WAV
// and an MP3 of it. scripts/bench-audio.sh builds them and passes their
// directory in AUDIO_BENCH_DIR, then times ffmpeg on the same files; run
// alone, the benchmarks build them in a temporary directory.
func benchFile(b *testing.B, name string) string {
	b.Helper()
	dir := os.Getenv("AUDIO_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	wav := filepath.Join(dir, "call-10min.wav")
	if _, err := os.Stat(wav); err != nil {
		runTool(b, "ffmpeg", "-v", "error", "-nostdin", "-stream_loop", "-1", "-i", jfkWAV(b),
			"-t", "600", "-ar", "44100", "-ac", "2", wav)
	}
	mp3 := filepath.Join(dir, "call-10min.mp3")
	if _, err := os.Stat(mp3); err != nil && name == "call-10min.mp3" {
		runTool(b, "lame", "--quiet", "-V", "4", wav, mp3)
	}
	return filepath.Join(dir, name)
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"call-10min.wav", "call-10min.mp3"} {
		b.Run(name, func(b *testing.B) {
			path := benchFile(b, name)
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			b.ResetTimer()
			for b.Loop() {
				sig, err := DecodeFile(path, Config{})
				if err != nil {
					b.Fatal(err)
				}
				if d := sig.Duration().Minutes(); d < 9.9 || d > 10.1 {
					b.Fatalf("decoded %.2f minutes, want 10", d)
				}
			}
		})
	}
}
