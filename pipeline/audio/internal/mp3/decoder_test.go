package mp3

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecoder feeds the frame decoder arbitrary bytes with panics left
// uncaught: any input that makes it index out of range is a crasher kept
// in testdata/fuzz. Every call must return or make progress through the
// input.
func FuzzDecoder(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*.mp3"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, byte(0))
	}
	if len(paths) == 0 {
		f.Fatal("no mp3 seeds")
	}
	for _, b := range writtenSeeds() {
		f.Add(b, byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		catchPanics = false
		d := NewDecoder(bytes.NewReader(data), Options{Mix: mode&1 != 0, HalfRate: mode&2 != 0, HalfRatePhase: int(mode>>2) & 1})
		var out [2][1152]float32
		for calls := 0; ; calls++ {
			if calls > len(data) {
				t.Fatalf("%d calls on %d bytes without reaching the end", calls, len(data))
			}
			n, _, _, err := d.Next(&out)
			var fe *FrameError
			if errors.As(err, &fe) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("error %v is neither a FrameError nor io.EOF", err)
			}
			for _, v := range out[0][:n] {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("sample %v", v)
				}
			}
		}
	})
}

// writtenSeeds are short streams from the test writer with the coding
// tools encoders rarely use: intensity and mid/side stereo over long,
// short and mixed blocks at MPEG-1 and MPEG-2 rates, and mixed blocks at
// 8 kHz.
func writtenSeeds() [][]byte {
	all := []blockLayout{longBlocks, shortBlocks, mixedBlocks}
	var out [][]byte
	for _, s := range []l3Stream{
		{version: idMPEG1, rate: 0, bitrate: 14, mode: 1, modeExt: 3},
		{version: idMPEG2, rate: 0, bitrate: 14, mode: 1, modeExt: 3},
		{version: idMPEG25, rate: 2, bitrate: 8, mode: 1, modeExt: 1},
	} {
		pos := lsfPositions
		if !s.lsf() {
			pos = mpeg1Positions
		}
		w, _ := intensityStream(5, s, all, 3, pos)
		if b, err := w.bytes(); err == nil {
			out = append(out, b)
		}
	}
	return out
}
