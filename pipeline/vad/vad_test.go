package vad_test

import (
	"testing"
	"time"

	"github.com/openchs/openchs-ai/pipeline/vad"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

const rate = vadtest.Rate

func detector(t testing.TB) *vad.Detector {
	t.Helper()
	d, err := vad.New(vad.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func load(t testing.TB, name string) []float32 {
	t.Helper()
	pcm, err := vadtest.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

func secs(n int) float64 { return float64(n) / rate }

// scene is a recording of noise with the two speech clips placed in it.
func scene(t testing.TB, noiseDB float64) ([]float32, []vadtest.Placement) {
	rec := vadtest.RoomNoise(180*rate, 1, noiseDB)
	en, ar := load(t, vadtest.ClipEnglish), load(t, vadtest.ClipArabic)
	return rec, []vadtest.Placement{vadtest.Mix(rec, en, 17*rate+3210), vadtest.Mix(rec, ar, 110*rate+777)}
}

// audible returns the frames of a placed clip that the noise does not
// drown (at least 3 dB above it).
func audible(t testing.TB, name string, p vadtest.Placement, noiseDB float64) []int {
	var out []int
	for _, f := range vadtest.SoundAbove(load(t, name), noiseDB+3) {
		out = append(out, p.At+f)
	}
	return out
}

// TestSpeechInNoise: a call of room noise with two real speech clips. Every
// word of both clips lies inside a region, each clip's onset is found
// within 50 ms, and the noise between them is left out.
func TestSpeechInNoise(t *testing.T) {
	for _, noise := range []float64{-60, -50, -42} {
		rec, placed := scene(t, noise)
		rs := detector(t).Detect(rec)
		for _, r := range rs {
			t.Logf("noise %v dBFS: region %.2f–%.2f speech %.2f–%.2f", noise, secs(r.Start), secs(r.End), secs(r.SpeechStart), secs(r.SpeechEnd))
		}
		for _, p := range placed {
			t.Logf("clip sound %.2f–%.2f", secs(p.Start), secs(p.End))
		}
		for i, p := range placed {
			for _, f := range audible(t, []string{vadtest.ClipEnglish, vadtest.ClipArabic}[i], p, noise) {
				if !covered(rs, f, f+rate/100) {
					t.Errorf("noise %v dBFS: the sound at %.2f s is outside the regions", noise, secs(f))
					break
				}
			}
			onset := -1
			for _, r := range rs {
				if r.End > p.Start && onset < 0 {
					onset = r.SpeechStart
				}
			}
			if d := secs(onset - p.Start); d < -0.05 || d > 0.05 {
				t.Errorf("noise %v dBFS: clip at %.3f s found at %.3f s (%+.3f s)", noise, secs(p.Start), secs(onset), d)
			}
		}
		speech := 0
		for _, p := range placed {
			speech += p.End - p.Start
		}
		extra := vad.SpeechSamples(rs) - speech
		if limit := 2 * len(rs) * int(vad.DefaultPad.Seconds()*rate) * 2; extra > limit {
			t.Errorf("noise %v dBFS: regions take %.1f s beyond the clips' %.1f s (limit %.1f s)", noise, secs(extra), secs(speech), secs(limit))
		}
	}
}

// covered reports whether every sample of [s, e) lies in a region.
func covered(rs []vad.Region, s, e int) bool {
	for _, r := range rs {
		if r.Start <= s && s < r.End {
			s = r.End
		}
	}
	return s >= e
}

// TestNothingToHear: silence and room noise hold no speech.
func TestNothingToHear(t *testing.T) {
	for _, tc := range []struct {
		name string
		pcm  []float32
	}{
		{"digital silence", make([]float32, 60*rate)},
		{"quiet room", vadtest.RoomNoise(60*rate, 2, -60)},
		{"office", vadtest.RoomNoise(60*rate, 3, -45)},
		{"loud air conditioning", vadtest.RoomNoise(60*rate, 4, -30)},
		{"shorter than a frame", make([]float32, 100)},
		{"empty", nil},
	} {
		if rs := detector(t).Detect(tc.pcm); len(rs) != 0 {
			t.Errorf("%s: %d regions, first %.2f–%.2f s; want none", tc.name, len(rs), secs(rs[0].Start), secs(rs[0].End))
		}
	}
}

// TestSpeechAlone: a clip of speech with no silence around is one region
// from its first to its last word.
func TestSpeechAlone(t *testing.T) {
	en := load(t, vadtest.ClipEnglish)
	rs := detector(t).Detect(en)
	for _, f := range vadtest.Sound(en) {
		if !covered(rs, f, f+rate/100) {
			t.Fatalf("the sound at %.2f s is outside the regions %v", secs(f), rs)
		}
	}
	t.Logf("%d regions covering %.1f of %.1f s", len(rs), secs(vad.SpeechSamples(rs)), secs(len(en)))
}

func BenchmarkDetect12Minutes(b *testing.B) {
	rec := vadtest.RoomNoise(12*60*rate, 5, -50)
	d := detector(b)
	b.SetBytes(int64(len(rec) * 4))
	for b.Loop() {
		d.Detect(rec)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(12*time.Minute), "s/s_audio")
}
