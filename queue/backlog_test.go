package queue_test

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/openchs/openchs-ai/queue"
)

// The backlog counts the tasks asynq holds pending in both transcription
// queues, read from asynq's own keys.
func TestBacklogCountsPendingTranscriptions(t *testing.T) {
	rdb := realRedis(t)
	aq := asynq.NewClientFromRedisClient(rdb)
	backlog := queue.Backlog(rdb)
	if n := backlog(); n != 0 {
		t.Fatalf("empty queues: backlog %d", n)
	}
	for i, q := range []string{queue.QueueDefault, queue.QueueDefault, queue.QueueDefault, queue.QueueUrgent} {
		if _, err := aq.Enqueue(asynq.NewTask(queue.TypeProcessAudio, []byte("{}")), asynq.Queue(q), asynq.TaskID(string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	// A delivery task is not a transcription.
	if _, err := aq.Enqueue(asynq.NewTask(queue.TypeDeliverCase, nil), asynq.Queue("cases")); err != nil {
		t.Fatal(err)
	}
	if n := backlog(); n != 0 {
		t.Fatalf("backlog %d read again within its TTL, want the cached 0", n)
	}
	time.Sleep(1050 * time.Millisecond) // the reading is reused for a second
	if n := backlog(); n != 4 {
		t.Fatalf("backlog %d, want the 4 pending transcriptions", n)
	}
}
