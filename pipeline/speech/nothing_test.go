package speech_test

import (
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

// TestNothingSaid: a minute of silence, of room noise and of hold music
// each give an empty transcript and low priority, not invented sentences,
// whether the silence is skipped (the default) or not (the guards alone).
func TestNothingSaid(t *testing.T) {
	for _, tc := range []struct {
		name string
		pcm  []float32
	}{
		{"silence", make([]float32, 60*rate)},
		{"room noise", vadtest.RoomNoise(60*rate, 7, -45)},
		{"music", vadtest.Music(60*rate, -20)},
	} {
		for _, off := range []bool{false, true} {
			res := run(t, tc.pcm, "en", off)
			t.Logf("%s (vad off: %v): %q, speech %.1f s, dropped %+v", tc.name, off, res.Transcript, res.Speech, res.Dropped)
			if res.Transcript != "" || len(res.Segments) != 0 {
				t.Errorf("%s (vad off: %v): transcript %q, want none", tc.name, off, res.Transcript)
			}
			if p := res.Classification.Priority; p != models.PriorityLow {
				t.Errorf("%s (vad off: %v): priority %s, want low", tc.name, off, p)
			}
		}
	}
}
