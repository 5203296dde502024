package queue_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
)

// leaseHolderEnv tells a copy of this test binary to be a worker that
// takes tasks and holds them until it is killed; its value is the Redis
// address and database, "host:port/db".
const leaseHolderEnv = "OPENCHS_AI_TEST_LEASE_HOLDER"

// TestLeaseHolder is the worker TestLeaseRecovery kills: it runs only in a
// process of its own started by that test.
func TestLeaseHolder(t *testing.T) {
	v := os.Getenv(leaseHolderEnv)
	if v == "" {
		t.Skip("a helper process of TestLeaseRecovery")
	}
	addr, db, _ := strings.Cut(v, "/")
	n, _ := strconv.Atoi(db)
	srv := asynq.NewServer(asynq.RedisClientOpt{Addr: addr, DB: n}, asynq.Config{
		Concurrency:       10,
		Queues:            map[string]int{queue.QueueDefault: 1},
		LogLevel:          asynq.FatalLevel,
		TaskCheckInterval: 10 * time.Millisecond,
	})
	srv.Run(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		<-ctx.Done()
		return ctx.Err()
	}))
}

// The tasks of a killed worker are handed back to asynq once their lease
// has been expired for the grace: retried, or archived when no retry is
// left, exactly once however many workers look at the same time; and
// asynq's own worker then runs the retried ones again. This pins the
// recoverer's idea of asynq's keys and message to asynq itself: should a
// new asynq keep them otherwise, the recoverer finds nothing, or asynq
// reads back something else.
func TestLeaseRecovery(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb := b.open(t)
			ctx := context.Background()
			opts := rdb.(*redis.Client).Options()
			c := asynq.NewClientFromRedisClient(rdb)
			maxRetry := map[string]int{"retried": 3, "archived": 0, "also-retried": 1}
			for id, n := range maxRetry {
				if _, err := c.Enqueue(asynq.NewTask("lease-test", []byte(id)), asynq.TaskID(id),
					asynq.Queue(queue.QueueDefault), asynq.MaxRetry(n)); err != nil {
					t.Fatal(err)
				}
			}

			holder := exec.Command(os.Args[0], "-test.run=^TestLeaseHolder$")
			holder.Env = append(os.Environ(), fmt.Sprintf("%s=%s/%d", leaseHolderEnv, opts.Addr, opts.DB))
			if err := holder.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
			ins := asynq.NewInspectorFromRedisClient(rdb)
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				active, err := ins.ListActiveTasks(queue.QueueDefault)
				if err == nil && len(active) == len(maxRetry) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the worker holds %d tasks (%v), want %d", len(active), err, len(maxRetry))
				}
			}
			holder.Process.Kill()
			holder.Wait()
			killed := time.Now()

			if n, err := queue.RecoverLeases(ctx, rdb, killed); n != 0 || err != nil {
				t.Fatalf("right after the kill, %d tasks handed back (%v); their leases run another 25 s at least", n, err)
			}
			// A recoverer that found the lease expired a while ago must
			// still leave the task alone if it holds a live lease now.
			if ok, err := queue.HandBackLease(ctx, rdb, queue.QueueDefault, "retried", killed); ok || err != nil {
				t.Fatalf("a task with a live lease handed back on a stale look: %v (%v)", ok, err)
			}
			if n, err := queue.RecoverLeases(ctx, rdb, killed.Add(30*time.Second)); n != 0 || err != nil {
				t.Fatalf("as the leases expire, %d tasks handed back (%v), want none before the grace", n, err)
			}
			later := killed.Add(30*time.Second + queue.LeaseGrace + time.Second)
			var handed atomic.Int64
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					n, err := queue.RecoverLeases(ctx, rdb, later)
					if err != nil {
						t.Error(err)
					}
					handed.Add(int64(n))
				})
			}
			wg.Wait()
			if got := handed.Load(); got != int64(len(maxRetry)) {
				t.Fatalf("4 recoverers at once handed back %d tasks, want each of %d once", got, len(maxRetry))
			}

			for id, n := range maxRetry {
				info, err := ins.GetTaskInfo(queue.QueueDefault, id)
				if err != nil {
					t.Fatalf("task %s: %v", id, err)
				}
				wantState, wantRetried := asynq.TaskStateRetry, 1
				if n == 0 {
					wantState, wantRetried = asynq.TaskStateArchived, 0
				}
				if info.State != wantState || info.Retried != wantRetried || info.LastErr != asynq.ErrLeaseExpired.Error() ||
					info.LastFailedAt.Unix() != later.Unix() || string(info.Payload) != id || info.MaxRetry != n {
					t.Errorf("task %s as asynq sees it: %v, retried %d, last error %q at %v, payload %q, max retry %d; want %v, retried %d, %q at %v, %q, %d",
						id, info.State, info.Retried, info.LastErr, info.LastFailedAt, info.Payload, info.MaxRetry,
						wantState, wantRetried, asynq.ErrLeaseExpired, later.Truncate(time.Second), id, n)
				}
				if n > 0 && info.NextProcessAt.Unix() != later.Unix() {
					t.Errorf("task %s is due at %v, want at once (%v)", id, info.NextProcessAt, later.Truncate(time.Second))
				}
			}
			qi, err := ins.GetQueueInfo(queue.QueueDefault)
			if err != nil {
				t.Fatal(err)
			}
			if qi.Active != 0 || qi.ProcessedTotal != len(maxRetry) || qi.FailedTotal != len(maxRetry) {
				t.Errorf("queue: %d active, %d processed, %d failed; want 0, %d, %d", qi.Active, qi.ProcessedTotal, qi.FailedTotal, len(maxRetry), len(maxRetry))
			}

			// The retries are due in the recoverer's future; run them now.
			for id, n := range maxRetry {
				if n > 0 {
					if err := ins.RunTask(queue.QueueDefault, id); err != nil {
						t.Fatal(err)
					}
				}
			}
			ran := make(chan string, len(maxRetry))
			srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
				Queues: map[string]int{queue.QueueDefault: 1}, LogLevel: asynq.FatalLevel, TaskCheckInterval: 10 * time.Millisecond})
			if err := srv.Start(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
				n, _ := asynq.GetRetryCount(ctx)
				ran <- fmt.Sprintf("%s at retry %d", task.Payload(), n)
				return nil
			})); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			want := map[string]bool{"retried at retry 1": true, "also-retried at retry 1": true}
			for range want {
				select {
				case r := <-ran:
					if !want[r] {
						t.Errorf("ran %s; want %v", r, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("the handed back tasks did not run again")
				}
			}
		})
	}
}

// A worker that outlived its lease (frozen past lease and grace) while its
// task was handed to another worker, and whose attempt then ends, leaves
// the record to the attempt that took over: the task does not show as
// queued while the other worker transcribes it.
func TestOutlivedAttemptLeavesTheRecordAlone(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{})
	ctx := context.Background()
	// One task at a time each: the second worker, busy, leaves alone
	// what the first hands back to asynq when it stops.
	wcfg := queue.WorkerConfig{Concurrency: 1, ShutdownTimeout: time.Second}
	first := &scriptedProcessor{block: true, started: make(chan string, 1)}
	frozen := f.startWorkerWith(t, first, wcfg)
	task, _, err := f.client.Submit(ctx, submission("x"))
	if err != nil {
		t.Fatal(err)
	}
	<-first.started
	// The first worker's lease, as if its heartbeats had stopped, is
	// long expired: its task is handed back and, due at once, taken by
	// a second worker.
	if n, err := queue.RecoverLeases(ctx, f.rdb, time.Now().Add(30*time.Second+queue.LeaseGrace+time.Second)); n != 1 || err != nil {
		t.Fatalf("handed back %d tasks (%v), want 1", n, err)
	}
	if err := asynq.NewInspectorFromRedisClient(f.rdb).RunTask(task.Queue, task.TaskID); err != nil {
		t.Fatal(err)
	}
	second := &scriptedProcessor{block: true, started: make(chan string, 1)}
	f.startWorkerWith(t, second, wcfg)
	select {
	case <-second.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the handed back task did not start on the second worker")
	}
	frozen.Shutdown() // the first attempt's context ends, as when asynq finds its lease lapsed
	got, err := f.client.Task(ctx, task.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.StatusProcessing || got.Attempt != 2 {
		t.Errorf("after the first attempt ended: %s at attempt %d, want processing at attempt 2", got.Status, got.Attempt)
	}
}
