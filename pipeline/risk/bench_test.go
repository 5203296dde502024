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
