package vad_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/openchs/openchs-ai/pipeline/vad"
)

// TestJoinSpan: times in the joined audio map back to the recording; a
// segment that starts in a region's padding or in the silence between
// regions starts where that region's speech does.
func TestJoinSpan(t *testing.T) {
	const r = 100 // samples per second, to keep the numbers readable
	rec := make([]float32, 100*r)
	for i := range rec {
		rec[i] = float32(i)
	}
	regions := []vad.Region{
		{Start: 10 * r, End: 20 * r, SpeechStart: 11 * r, SpeechEnd: 19 * r},
		{Start: 50 * r, End: 55 * r, SpeechStart: 50*r + 50, SpeechEnd: 54*r + 50},
	}
	joined, plan := vad.Join(rec, regions, r/2, r) // 10 s, 0.5 s of silence, 5 s
	if len(joined) != 15*r+r/2 {
		t.Fatalf("joined %d samples, want %d", len(joined), 15*r+r/2)
	}
	if joined[0] != 10*r || joined[10*r] != 0 || joined[10*r+r/2] != 50*r {
		t.Fatalf("joined audio is not the regions with silence between: %v %v %v", joined[0], joined[10*r], joined[10*r+r/2])
	}
	for _, tc := range []struct {
		name               string
		start, end         float64
		wantStart, wantEnd float64
	}{
		{"inside the first region", 2, 5, 12, 15},
		{"starts in the padding", 0, 3, 11, 13},
		{"ends in the padding", 4, 9.8, 14, 19},
		{"inside the second region", 11, 13, 50.5, 52.5},
		{"starts in the silence between", 10.2, 12, 50.5, 51.5},
		{"spans both", 8, 12, 18, 51.5},
		{"ends barely into the second", 4, 10.9, 14, 19},
		{"starts late in the first, mostly in the second", 9, 14, 50.5, 53.5},
		{"ends after everything", 14, 20, 53.5, 54.5},
	} {
		s, e := plan.Span(tc.start, tc.end)
		if math.Abs(s-tc.wantStart) > 1e-9 || math.Abs(e-tc.wantEnd) > 1e-9 {
			t.Errorf("%s: Span(%v, %v) = %v, %v; want %v, %v", tc.name, tc.start, tc.end, s, e, tc.wantStart, tc.wantEnd)
		}
	}
}

// TestMissed: a region counts as read when a segment starts in it or
// covers it and ends with it, not when one that started before runs on
// through it.
func TestMissed(t *testing.T) {
	const r = 100
	regions := []vad.Region{
		{Start: 10 * r, End: 20 * r, SpeechStart: 11 * r, SpeechEnd: 19 * r},
		{Start: 50 * r, End: 60 * r, SpeechStart: 51 * r, SpeechEnd: 59 * r},
	}
	_, plan := vad.Join(make([]float32, 100*r), regions, r/2, r) // joined: 0–10, 10.5–20.5
	for _, tc := range []struct {
		name  string
		spans [][2]float64
		want  int
	}{
		{"nothing read", nil, 2},
		{"one segment in each", [][2]float64{{1, 9}, {11, 19}}, 0},
		{"the first, its end spilling into the second", [][2]float64{{1, 13}}, 1},
		{"one segment over both, ending with the second", [][2]float64{{1, 20}}, 0},
		{"one segment over both and far beyond", [][2]float64{{1, 30}}, 1},
	} {
		if got := plan.Missed(tc.spans); len(got) != tc.want {
			t.Errorf("%s: %d regions missed, want %d", tc.name, len(got), tc.want)
		}
	}
}

// FuzzDetect: whatever the samples, regions are in order, apart, inside
// the recording, and their speech lies inside their padding; mapping any
// span of the joined audio lands inside a region.
func FuzzDetect(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 4*2000))
	loud := make([]byte, 4*16000)
	for i := 0; i < len(loud); i += 4 {
		v := float32(0)
		if (i/4)%16000 > 4000 {
			v = float32(math.Sin(float64(i) / 7))
		}
		binary.LittleEndian.PutUint32(loud[i:], math.Float32bits(v))
	}
	f.Add(loud)
	d, err := vad.New(vad.Config{MinGap: 1, Pad: 1, MinSpeech: 1, FloorWindow: 1})
	if err != nil {
		f.Fatal(err)
	}
	std, err := vad.New(vad.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pcm := make([]float32, len(data)/4)
		for i := range pcm {
			pcm[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		for _, det := range []*vad.Detector{d, std} {
			rs := det.Detect(pcm)
			prev := 0
			for i, r := range rs {
				if r.Start < prev || r.Start > r.SpeechStart || r.SpeechStart >= r.SpeechEnd || r.SpeechEnd > r.End || r.End > len(pcm) || (i > 0 && r.Start <= prev) {
					t.Fatalf("region %d %+v is out of order or bounds (previous end %d, %d samples)", i, r, prev, len(pcm))
				}
				prev = r.End
			}
			joined, plan := vad.Join(pcm, rs, 8, 16000)
			if len(joined) < vad.SpeechSamples(rs) {
				t.Fatalf("joined %d samples, regions hold %d", len(joined), vad.SpeechSamples(rs))
			}
			if len(rs) == 0 {
				continue
			}
			total := float64(len(joined)) / 16000
			for _, x := range []float64{0, total / 3, total / 2, total} {
				s, e := plan.Span(x, total)
				if e < s || s < float64(rs[0].Start)/16000 || e > float64(rs[len(rs)-1].End)/16000 {
					t.Fatalf("Span(%v, %v) = %v, %v: outside the regions", x, total, s, e)
				}
			}
		}
	})
}
