package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// steppedTranscriber is a controllable test double: it reports the given
// progress steps and one segment, then returns a fixed transcript. It
// stands in for the engine where the runner's own bookkeeping is under
// test.
type steppedTranscriber struct {
	steps []int
	err   error
	block bool
}

func (s *steppedTranscriber) Transcribe(ctx context.Context, pcm []float32, opts pipeline.TranscribeOptions) (*models.Transcript, error) {
	for _, p := range s.steps {
		opts.OnProgress(p)
	}
	if s.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if s.err != nil {
		return nil, s.err
	}
	seg := models.Segment{Start: 0, End: 1, Text: "hello"}
	opts.OnSegment(seg)
	return &models.Transcript{Text: "hello", Language: opts.Language, Segments: []models.Segment{seg}}, nil
}

// silenceDecoder is a test double that decodes any input to n samples.
type silenceDecoder struct {
	n   int
	err error
}

func (d silenceDecoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	return make([]float32, d.n), d.err
}

type recorder struct{ events []models.Event }

func (r *recorder) Emit(ctx context.Context, ev models.Event) error {
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) lines() []string {
	var out []string
	for _, ev := range r.events {
		s := string(ev.Type)
		if ev.Progress != nil {
			s += fmt.Sprintf(" %d", *ev.Progress)
		}
		if ev.Type == models.EventTranscriptionComplete {
			var d models.TranscriptionData
			_ = json.Unmarshal(ev.Data, &d)
			s += " " + d.Text
		}
		out = append(out, s)
	}
	return out
}

func TestRunnerEvents(t *testing.T) {
	tests := []struct {
		name  string
		steps []int
		want  []string
	}{
		{
			name:  "progress climbs to 100 even when the transcriber stops short",
			steps: []int{10, 50, 90},
			want: []string{"decoding_complete", "transcription_progress 0", "transcription_progress 10",
				"transcription_progress 50", "transcription_progress 90", "transcription_segment",
				"transcription_progress 100", "transcription_complete hello"},
		},
		{
			name:  "repeated and backward progress is dropped",
			steps: []int{30, 30, 20, 100, 100},
			want: []string{"decoding_complete", "transcription_progress 0", "transcription_progress 30",
				"transcription_progress 100", "transcription_segment", "transcription_complete hello"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &pipeline.Runner{Decoder: silenceDecoder{n: 32000}, Transcriber: &steppedTranscriber{steps: tt.steps}, Model: "test@0"}
			rec := &recorder{}
			res, err := r.Run(context.Background(), pipeline.Job{TaskID: "t1", Options: models.DefaultTaskOptions()}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rec.lines()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if res.Transcript != "hello" || res.Duration != 2 || res.Models["transcriber"] != "test@0" {
				t.Errorf("result = %+v", res)
			}
			if res.Translation != nil || res.Classification != nil || res.Case != nil {
				t.Errorf("stages that did not run left values: %+v", res)
			}
		})
	}
}

func TestRunnerErrors(t *testing.T) {
	tests := []struct {
		name      string
		dec       silenceDecoder
		tr        *steppedTranscriber
		wantStage models.Stage
		wantBad   bool
	}{
		{"bad audio is permanent", silenceDecoder{err: fmt.Errorf("png: %w", pipeline.ErrUnsupportedAudio)}, &steppedTranscriber{}, models.StageDecode, true},
		{"empty audio is permanent", silenceDecoder{n: 0}, &steppedTranscriber{}, models.StageDecode, true},
		{"audio too short to transcribe is permanent", silenceDecoder{n: 800}, &steppedTranscriber{err: fmt.Errorf("50 ms: %w", pipeline.ErrAudioTooShort)}, models.StageTranscribe, true},
		{"engine failure is not", silenceDecoder{n: 16000}, &steppedTranscriber{err: errors.New("out of memory")}, models.StageTranscribe, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &pipeline.Runner{Decoder: tt.dec, Transcriber: tt.tr}
			_, err := r.Run(context.Background(), pipeline.Job{TaskID: "t"}, &recorder{})
			var pe *pipeline.Error
			if !errors.As(err, &pe) || pe.Stage != tt.wantStage {
				t.Fatalf("err = %v, want a %s stage error", err, tt.wantStage)
			}
			if got := pipeline.BadAudio(err); got != tt.wantBad {
				t.Errorf("BadAudio = %v, want %v", got, tt.wantBad)
			}
		})
	}
}

func TestRunnerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &pipeline.Runner{Decoder: silenceDecoder{n: 16000}, Transcriber: &steppedTranscriber{block: true}}
	done := make(chan error)
	go func() {
		_, err := r.Run(ctx, pipeline.Job{TaskID: "t"}, &recorder{})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
