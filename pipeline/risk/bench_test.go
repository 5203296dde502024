package risk

import (
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// tenMinuteCall builds the segments of a ten-minute call of about 1,500
// words from the labelled narratives.
func tenMinuteCall(tb testing.TB) []models.Segment {
	var segs []models.Segment
	words := 0
	for words < 1500 {
		for _, tc := range loadEval(tb) {
			if words >= 1500 {
				break
			}
			n := len(strings.Fields(tc.Text))
			start := models.Seconds(float64(words) * 0.4)
			segs = append(segs, models.Segment{Start: start, End: start + models.Seconds(float64(n)*0.4), Text: tc.Text})
			words += n
		}
	}
	return segs
}

func BenchmarkClassifyTenMinuteCall(b *testing.B) {
	segs := tenMinuteCall(b)
	c := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.ClassifySegments(segs, "transcript")
	}
}

// BenchmarkReferenceWordCount is the yardstick the classifier's speed is
// read against in the same run, on the same ten-minute call: one pass
// that lower-cases the text, splits it into words and counts them in a
// map. On a shared machine its ns/op moves with the load as the
// classifier's does; their ratio does not.
func BenchmarkReferenceWordCount(b *testing.B) {
	segs := tenMinuteCall(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		counts := map[string]int{}
		for _, s := range segs {
			for _, w := range strings.Fields(strings.ToLower(s.Text)) {
				counts[strings.Trim(w, ".,;:!?\"'()")]++
			}
		}
	}
}
