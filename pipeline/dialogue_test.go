package pipeline

import (
	"math"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// A turn after a silence on its channel starts where its sound starts,
// not where the transcriber dated it (the end of the previous segment).
func TestSpeechStart(t *testing.T) {
	pcm := make([]float32, 5*SampleRate)
	hiss := float32(0.001) // -60 dBFS floor
	for i := range pcm {
		pcm[i] = hiss * float32(math.Sin(float64(i)))
	}
	for i := 3 * SampleRate; i < 4*SampleRate; i++ {
		pcm[i] = float32(0.3 * math.Sin(2*math.Pi*220*float64(i)/SampleRate))
	}
	for _, tc := range []struct {
		name       string
		start, end models.Seconds
		want       models.Seconds
	}{
		{"silence then speech", 0, 4, 2.9},
		{"speech from the start", 3.2, 4, 3.2},
		{"only the floor", 0, 2.5, 0},
		{"past the end of the audio", 6, 7, 6},
		{"too short to tell", 3, 3.01, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := speechStart(pcm, tc.start, tc.end); math.Abs(float64(got-tc.want)) > 0.011 {
				t.Errorf("speechStart(%v, %v) = %v, want %v", tc.start, tc.end, got, tc.want)
			}
		})
	}
}
