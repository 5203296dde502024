package queue

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// backlogTTL is how long a backlog reading is reused: it is read when a
// transcription starts, and a second's staleness changes nothing there.
const backlogTTL = time.Second

// Backlog returns a function reporting how many transcription tasks wait
// in the queues (pending, not yet taken by a worker), read from asynq's
// pending lists at most once a second. A Redis error reads as no backlog:
// the reading only shares CPUs, and a lone transcription taking them all
// is the safe side.
func Backlog(rdb redis.UniversalClient) func() int {
	var (
		mu   sync.Mutex
		n    int
		read time.Time
	)
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(read) < backlogTTL {
			return n
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		pipe := rdb.Pipeline()
		lens := []*redis.IntCmd{pipe.LLen(ctx, pendingKey(QueueUrgent)), pipe.LLen(ctx, pendingKey(QueueDefault))}
		n, read = 0, time.Now()
		if _, err := pipe.Exec(ctx); err != nil {
			return 0
		}
		for _, l := range lens {
			n += int(l.Val())
		}
		return n
	}
}

// pendingKey is asynq's list of the pending tasks of queue q.
func pendingKey(q string) string { return "asynq:{" + q + "}:pending" }
