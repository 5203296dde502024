package audio

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/pipeline/internal/memtest"
)

// callReader streams a μ-law 8 kHz mono WAV of the given length without
// holding it in memory, like a PBX recording read from disk or a socket.
type callReader struct {
	header []byte
	left   int64
	phase  byte
}

func newCallReader(d time.Duration) *callReader {
	n := int64(d.Seconds() * 8000)
	h := riff("RIFF", fmtChunk(waveMuLaw, 1, 8000, 8), chunk{id: "data"})
	binary.LittleEndian.PutUint32(h[len(h)-4:], uint32(n))
	return &callReader{header: h, left: n}
}

func (c *callReader) Read(p []byte) (int, error) {
	if len(c.header) > 0 {
		n := copy(p, c.header)
		c.header = c.header[n:]
		return n, nil
	}
	if c.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.left)]
	for i := range p {
		c.phase += 37
		p[i] = c.phase
	}
	c.left -= int64(len(p))
	return len(p), nil
}

// TestMemoryOneHourCall decodes a 60-minute 8 kHz call: memory stays near
// the size of the decoded float32 signal (230 MB), within twice that when
// read from a stream of unknown length and close to once that from a file.
func TestMemoryOneHourCall(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes an hour of audio")
	}
	const hour = time.Hour
	pcm := uint64(hour.Seconds()*SampleRate) * 4

	path := filepath.Join(t.TempDir(), "call.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, newCallReader(hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		decode func() (*Signal, error)
		limit  float64 // peak heap as a multiple of the signal's size
	}{
		{"stream", func() (*Signal, error) { return Decode(newCallReader(hour), Config{}) }, 2.1},
		{"file", func() (*Signal, error) { return DecodeFile(path, Config{}) }, 1.25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sig *Signal
			var err error
			peak := memtest.PeakHeap(t, func() { sig, err = tc.decode() })
			if err != nil {
				t.Fatal(err)
			}
			if got := sig.Duration(); got != hour {
				t.Errorf("duration %v, want %v", got, hour)
			}
			ratio := float64(peak) / float64(pcm)
			t.Logf("peak heap %d MB for %d MB of float32 PCM (%.2f×)", peak>>20, pcm>>20, ratio)
			if ratio > tc.limit {
				t.Errorf("peak heap %.2f× the decoded signal, want ≤ %.2f×", ratio, tc.limit)
			}
		})
	}
}

// Probing a 2-hour call (how the API checks an upload) keeps no samples:
// its memory stays a few buffers where a decode holds 460 MB of PCM, and it
// still reports the length and the faults a decode would.
func TestProbeKeepsNoSamples(t *testing.T) {
	var d time.Duration
	var err error
	peak := memtest.PeakHeap(t, func() {
		d, err = Probe(newCallReader(2*time.Hour), Config{MaxDuration: 3 * time.Hour})
	})
	if err != nil || d != 2*time.Hour {
		t.Fatalf("Probe = %v, %v; want 2h", d, err)
	}
	t.Logf("peak heap while probing a 2-hour call: %d KB", peak>>10)
	if peak > 16<<20 {
		t.Errorf("probing a 2-hour call peaked at %d MB of heap, want under 16", peak>>20)
	}
	if _, err := Probe(newCallReader(2*time.Hour), Config{MaxDuration: time.Hour}); !errors.Is(err, ErrTooLong) {
		t.Errorf("probe over the limit: %v, want ErrTooLong", err)
	}
}
