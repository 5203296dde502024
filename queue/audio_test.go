package queue_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/queue"
)

// digestProcessor reads the upload twice, as the pipeline does, and
// answers with its length and digest.
type digestProcessor struct{}

func (digestProcessor) Run(ctx context.Context, job pipeline.Job, _ pipeline.Emitter) (*models.Result, error) {
	var sums []string
	for range 2 {
		r, err := job.Source.Open(ctx)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return nil, err
		}
		sums = append(sums, fmt.Sprintf("%d:%x", n, h.Sum(nil)))
	}
	if sums[0] != sums[1] {
		return nil, fmt.Errorf("two reads differ: %s, %s", sums[0], sums[1])
	}
	return &models.Result{Transcript: sums[0], Segments: []models.Segment{}}, nil
}

// A worker reads an upload of several Redis ranges (1 MiB each) byte for
// byte, as often as the pipeline asks.
func TestWorkerReadsUploadInRanges(t *testing.T) {
	audio := make([]byte, 5<<19+7) // two and a half ranges
	for i := range audio {
		audio[i] = byte(i*31 + i>>11)
	}
	want := fmt.Sprintf("%d:%x", len(audio), sha256.Sum256(audio))
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			f := newFixture(t, b.open(t), queue.Config{})
			ctx := context.Background()
			task, _, err := f.client.Submit(ctx, queue.Submission{Audio: audio, Options: models.DefaultTaskOptions()})
			if err != nil {
				t.Fatal(err)
			}
			ch := f.hub.Subscribe(ctx, task.TaskID, 0)
			f.startWorker(t, digestProcessor{})
			collect(t, ch)
			got, err := f.client.Task(ctx, task.TaskID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Result == nil || got.Result.Transcript != want {
				t.Fatalf("the worker read %+v, want %s", got.Result, want)
			}
		})
	}
}
