package vad_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/pipeline/vad"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

// compareScene is a recording the detectors are compared on, with the
// frames of speech in it that its noise does not drown.
type compareScene struct {
	name  string
	pcm   []float32
	truth []int // 10 ms frames of audible speech, as samples
}

func compareScenes(t *testing.T) []compareScene {
	var out []compareScene
	for _, noise := range []float64{-55, -42} {
		rec, placed := scene(t, noise)
		var truth []int
		for i, p := range placed {
			truth = append(truth, audible(t, []string{vadtest.ClipEnglish, vadtest.ClipArabic}[i], p, noise)...)
		}
		out = append(out, compareScene{fmt.Sprintf("speech-in-noise%d", int(noise)), rec, truth})
	}
	out = append(out,
		compareScene{"room-noise", vadtest.RoomNoise(60*rate, 3, -45), nil},
		compareScene{"music", vadtest.Music(60*rate, -20), nil})
	return out
}

// span is a detected stretch of speech, in seconds.
type span struct{ Start, End float64 }

// TestCompareDetectors compares this package's detector with another on
// the same recordings, when OPENCHS_AI_VAD_COMPARE names a directory
// (scripts/compare-vad.sh): the first run writes the recordings there as
// WAV; a run after the other detector wrote NAME.json (a list of
// {start, end} in seconds) next to each prints both detectors' speech
// recall, the time they keep outside speech, and their run time.
func TestCompareDetectors(t *testing.T) {
	dir := os.Getenv("OPENCHS_AI_VAD_COMPARE")
	if dir == "" {
		t.Skip("set OPENCHS_AI_VAD_COMPARE to a directory to compare detectors (scripts/compare-vad.sh)")
	}
	d := detector(t)
	fmt.Printf("%-22s %-8s %8s %14s %10s %9s\n", "recording", "detector", "recall", "kept_no_speech", "kept_total", "time_ms")
	for _, sc := range compareScenes(t) {
		wav := filepath.Join(dir, sc.name+".wav")
		if _, err := os.Stat(wav); err != nil {
			if err := os.WriteFile(wav, vadtest.WAV(sc.pcm), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		rs := d.Detect(sc.pcm)
		took := time.Since(start)
		var ours []span
		for _, r := range rs {
			ours = append(ours, span{secs(r.Start), secs(r.End)})
		}
		report(sc, "energy", ours, took)
		b, err := os.ReadFile(filepath.Join(dir, sc.name+".json"))
		if err != nil {
			continue
		}
		var other struct {
			Spans  []span  `json:"spans"`
			TookMS float64 `json:"took_ms"`
		}
		if err := json.Unmarshal(b, &other); err != nil {
			t.Fatalf("%s.json: %v", sc.name, err)
		}
		report(sc, "silero", other.Spans, time.Duration(other.TookMS*float64(time.Millisecond)))
		// The same spans with this package's padding and merging.
		report(sc, "silero+", padMerge(other.Spans), time.Duration(other.TookMS*float64(time.Millisecond)))
	}
}

// padMerge applies the detector's default padding and minimum gap to spans.
func padMerge(spans []span) []span {
	var out []span
	for _, s := range spans {
		s.Start, s.End = max(s.Start-vad.DefaultPad.Seconds(), 0), s.End+vad.DefaultPad.Seconds()
		if n := len(out); n > 0 && s.Start-out[n-1].End < vad.DefaultMinGap.Seconds()-2*vad.DefaultPad.Seconds() {
			out[n-1].End = s.End
			continue
		}
		out = append(out, s)
	}
	return out
}

func report(sc compareScene, name string, spans []span, took time.Duration) {
	in := func(at float64) bool {
		for _, s := range spans {
			if s.Start <= at && at < s.End {
				return true
			}
		}
		return false
	}
	hit := 0
	truth := map[int]bool{}
	for _, f := range sc.truth {
		truth[f/(rate/100)] = true
		if in(secs(f) + 0.005) {
			hit++
		}
	}
	kept, keptNoSpeech := 0.0, 0.0
	for f := 0; f < len(sc.pcm)/(rate/100); f++ {
		if in(float64(f)/100 + 0.005) {
			kept += 0.01
			if !nearTruth(truth, f) {
				keptNoSpeech += 0.01
			}
		}
	}
	recall := "-"
	if len(sc.truth) > 0 {
		recall = fmt.Sprintf("%.2f%%", 100*float64(hit)/float64(len(sc.truth)))
	}
	fmt.Printf("%-22s %-8s %8s %13.1fs %9.1fs %9.0f\n", sc.name, name, recall, keptNoSpeech, kept, float64(took.Microseconds())/1000)
}

// nearTruth reports whether frame f is within 300 ms of a speech frame:
// the gaps inside words and between close words count as speech.
func nearTruth(truth map[int]bool, f int) bool {
	for d := -30; d <= 30; d++ {
		if truth[f+d] {
			return true
		}
	}
	return false
}
