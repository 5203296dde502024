package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/queue"
)

// feedTasks lists the task ids of the feed's entries.
func feedTasks(t *testing.T, rdb redis.UniversalClient) map[string]int {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), "openchs:feed", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range msgs {
		id, _ := m.Values["t"].(string)
		out[id]++
	}
	return out
}

// A DELETE of a finished task erases it: record, events, audio, and its
// entries in the feed of all events; other tasks keep theirs.
func TestPurgeErasesATask(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb := b.open(t)
			f := newFixture(t, rdb, queue.Config{RetainAudio: true})
			f.startWorker(t, &scriptedProcessor{})
			ctx := context.Background()
			var ids []string
			for _, a := range []string{"first call", "second call"} {
				task, _, err := f.client.Submit(ctx, submission(a))
				if err != nil {
					t.Fatal(err)
				}
				collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
				ids = append(ids, task.TaskID)
			}
			if n := feedTasks(t, rdb); n[ids[0]] == 0 || n[ids[1]] == 0 {
				t.Fatalf("feed before the purge: %v", n)
			}
			if err := f.client.Purge(ctx, ids[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := f.client.Task(ctx, ids[0]); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("purged task: %v, want ErrNotFound", err)
			}
			for _, k := range []string{"openchs:task:", "openchs:events:", "openchs:audio:"} {
				if n, _ := rdb.Exists(ctx, k+ids[0]).Result(); n != 0 {
					t.Errorf("%s%s still exists", k, ids[0])
				}
			}
			if n := feedTasks(t, rdb); n[ids[0]] != 0 || n[ids[1]] == 0 {
				t.Errorf("feed after purging the first task: %v", n)
			}
			if err := f.client.Purge(ctx, ids[0]); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("second purge: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestPurgeRefusesARunningTask(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{})
	task, _, err := f.client.Submit(context.Background(), submission("queued call"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.Purge(context.Background(), task.TaskID); !errors.Is(err, queue.ErrNotFinished) {
		t.Fatalf("purge of a queued task: %v, want ErrNotFinished", err)
	}
}

// The feed of all events keeps nothing older than a result: the text it
// carries goes when the tasks' own records go.
func TestFeedKeepsNothingOlderThanResults(t *testing.T) {
	rdb := realRedis(t)
	f := newFixture(t, rdb, queue.Config{ResultTTL: 2 * time.Second, MaxDuration: time.Second, TimeoutBase: 500 * time.Millisecond, TimeoutFactor: 1})
	f.startWorker(t, &scriptedProcessor{})
	ctx := context.Background()
	old, _, err := f.client.Submit(ctx, submission("old call"))
	if err != nil {
		t.Fatal(err)
	}
	collect(t, f.hub.Subscribe(ctx, old.TaskID, 0))
	time.Sleep(2500 * time.Millisecond)
	fresh, _, err := f.client.Submit(ctx, submission("new call"))
	if err != nil {
		t.Fatal(err)
	}
	collect(t, f.hub.Subscribe(ctx, fresh.TaskID, 0))
	if n := feedTasks(t, rdb); n[old.TaskID] != 0 || n[fresh.TaskID] == 0 {
		t.Errorf("feed: %v; want nothing of the task older than the result TTL", n)
	}
}
