package audio

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fuzzConfig keeps fuzzed decodes small: no input may make the decoder
// allocate beyond what these limits allow.
var fuzzConfig = Config{MaxDuration: time.Minute, MaxBytes: 1 << 20}

// seedFiles adds the files in testdata with the given extension to the
// corpus.
func seedFiles(f *testing.F, ext string) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"+ext))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no %s seeds in testdata: %v", ext, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzDecode runs one decoder on data without format detection and checks
// what every caller relies on: no panic, an error that wraps a sentinel,
// or a signal of bounded size whose samples are in [-1, 1]; and memory
// that follows the input and the limits, never a header's claims.
func fuzzDecode(t *testing.T, f format, data []byte, split bool) {
	cfg := fuzzConfig
	if split {
		cfg.Channels = Split
	}
	cfg = cfg.WithDefaults()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	in := &input{r: bufio.NewReaderSize(&limitReader{r: bytes.NewReader(data), max: cfg.MaxBytes}, 64<<10), cfg: cfg, size: int64(len(data))}
	sig, err := decodeAs(f, in)
	runtime.ReadMemStats(&after)
	if budget := uint64(96<<20 + 1024*len(data)); after.TotalAlloc-before.TotalAlloc > budget {
		t.Errorf("decoding %d bytes allocated %d bytes, budget %d", len(data), after.TotalAlloc-before.TotalAlloc, budget)
	}
	if err != nil {
		if sig != nil {
			t.Errorf("got a signal and the error %v", err)
		}
		n := 0
		for _, e := range []error{ErrUnsupportedFormat, ErrCorrupt, ErrEmpty, ErrTooLong, ErrTooLarge} {
			if errors.Is(err, e) {
				n++
			}
		}
		if n != 1 || strings.Contains(err.Error(), "%!") {
			t.Errorf("error %q wraps %d sentinels, want 1", err, n)
		}
		return
	}
	if len(sig.Channels) == 0 || len(sig.Channels[0]) == 0 {
		t.Fatalf("no error and no samples: %+v", sig)
	}
	if sig.Duration() > cfg.MaxDuration+time.Second {
		t.Errorf("decoded %v, over the %v limit", sig.Duration(), cfg.MaxDuration)
	}
	for c, ch := range sig.Channels {
		if len(ch) != len(sig.Channels[0]) {
			t.Errorf("channel %d has %d samples, channel 0 has %d", c, len(ch), len(sig.Channels[0]))
		}
		for i, v := range ch {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("channel %d sample %d is %v", c, i, v)
			}
		}
	}
	// Reading the channels as distinct speakers keeps them all or folds
	// them into one, of the same length, still in [-1, 1].
	n, chans := len(sig.Channels), len(sig.Channels[0])
	d := sig.Distinct()
	if len(d) != n && len(d) != 1 || len(d[0]) != chans {
		t.Errorf("Distinct gave %d channels of %d samples from %d of %d", len(d), len(d[0]), n, chans)
	}
	for i, v := range d[0] {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("distinct channel 0 sample %d is %v", i, v)
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	seedFiles(f, ".wav")
	f.Add(goodWAV(8000, 1, 0.05))
	f.Add(riff("RF64", chunk{id: "ds64", body: make([]byte, 28)}, fmtExtensible(waveFloat, 3, 44100, 32, 32, 7),
		chunk{id: "data", body: make([]byte, 120), size: u32(0xffffffff)}))
	for _, m := range malformedInputs() {
		if bytes.HasPrefix(m.data, []byte("RIFF")) {
			f.Add(m.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, formatWAV, data, len(data)%2 == 1)
	})
}

func FuzzDecodeMP3(f *testing.F) {
	seedFiles(f, ".mp3")
	for _, m := range malformedInputs() {
		if len(m.data) > 0 && sniff(m.data) == formatMP3 {
			f.Add(m.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, formatMP3, data, len(data)%2 == 1)
	})
}
