package models_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// An Event is one NDJSON line of a task's progress stream.
func ExampleEvent() {
	p := 40
	ev := models.Event{
		Type:     models.EventTranscriptionProgress,
		TaskID:   "3f9c0d1e2b4a59687766554433221100",
		Seq:      4,
		TS:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Stage:    models.StageTranscribe,
		Progress: &p,
	}
	json.NewEncoder(os.Stdout).Encode(ev)
	data, _ := json.Marshal(models.TranscriptionData{Text: "Habari", Language: "sw", Duration: 2.5})
	ev = models.Event{Type: models.EventTranscriptionComplete, TaskID: ev.TaskID, Seq: 5, TS: ev.TS, Stage: models.StageTranscribe, Data: data}
	json.NewEncoder(os.Stdout).Encode(ev)
	// Output:
	// {"type":"transcription_progress","task_id":"3f9c0d1e2b4a59687766554433221100","seq":4,"ts":"2026-01-02T03:04:05Z","stage":"transcribe","progress":40}
	// {"type":"transcription_complete","task_id":"3f9c0d1e2b4a59687766554433221100","seq":5,"ts":"2026-01-02T03:04:05Z","stage":"transcribe","data":{"text":"Habari","language":"sw","duration_s":2.500}}
}

// A Result names every stage's output; stages that did not run are null.
func ExampleResult() {
	r := models.Result{
		TaskID:     "3f9c0d1e2b4a59687766554433221100",
		Status:     models.StatusCompleted,
		Language:   "en",
		Duration:   11,
		Transcript: "And so my fellow Americans ...",
		Segments:   []models.Segment{{Start: 0, End: 10.5, Text: "And so my fellow Americans ..."}},
		Speech:     10.6,
		Dropped:    []models.DroppedSegment{{Start: 10.5, End: 11, Text: "Thank you for watching.", Reason: models.DropSilencePhrase, NoSpeechProb: 0.72}},
		Timings:    models.Timings{DecodeMS: 2, TranscribeMS: 640, TotalMS: 700},
		Models:     map[string]string{"transcriber": "tiny-q8_0@c2085835d3f5"},
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	fmt.Println(string(b))
	// Output:
	// {
	//   "task_id": "3f9c0d1e2b4a59687766554433221100",
	//   "status": "completed",
	//   "language": "en",
	//   "duration_s": 11.000,
	//   "transcript": "And so my fellow Americans ...",
	//   "translation": null,
	//   "segments": [
	//     {
	//       "start": 0.000,
	//       "end": 10.500,
	//       "text": "And so my fellow Americans ..."
	//     }
	//   ],
	//   "speech_s": 10.600,
	//   "dropped": [
	//     {
	//       "start": 10.500,
	//       "end": 11.000,
	//       "text": "Thank you for watching.",
	//       "reason": "silence_phrase",
	//       "no_speech_prob": 0.72
	//     }
	//   ],
	//   "classification": null,
	//   "case": null,
	//   "timings": {
	//     "queued_ms": 0,
	//     "decode_ms": 2,
	//     "transcribe_ms": 640,
	//     "translate_ms": 0,
	//     "classify_ms": 0,
	//     "case_ms": 0,
	//     "total_ms": 700
	//   },
	//   "models": {
	//     "transcriber": "tiny-q8_0@c2085835d3f5"
	//   }
	// }
}
