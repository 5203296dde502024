package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/queue"
)

// scriptedProcessor is a controllable test double of the pipeline: it emits
// a few progress events and returns a fixed result, fails with err, or
// blocks until its context ends. The real pipeline runs in the server's
// end-to-end tests; here the queue's own bookkeeping is under test.
type scriptedProcessor struct {
	err     error
	block   bool
	started chan string
	onRun   func(pipeline.Job)

	mu    sync.Mutex
	calls map[string]int
}

func (p *scriptedProcessor) Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error) {
	p.mu.Lock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[job.TaskID]++
	p.mu.Unlock()
	if p.onRun != nil {
		p.onRun(job)
	}
	if p.started != nil {
		p.started <- job.TaskID
	}
	for _, pr := range []int{0, 50, 100} {
		if err := emit.Emit(ctx, models.Event{Type: models.EventTranscriptionProgress, Stage: models.StageTranscribe, Progress: &pr}); err != nil {
			return nil, err
		}
	}
	if p.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, &pipeline.Error{Stage: models.StageDecode, Err: p.err}
	}
	audio, err := job.Source.Open(ctx)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(audio)
	if err != nil {
		return nil, err
	}
	return &models.Result{Transcript: string(b), Language: job.Options.Language, Segments: []models.Segment{}}, nil
}

func (p *scriptedProcessor) callsOf(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[id]
}

type fixture struct {
	rdb    redis.UniversalClient
	client *queue.Client
	hub    *queue.Hub
	cfg    queue.Config
}

func newFixture(t *testing.T, rdb redis.UniversalClient, cfg queue.Config) *fixture {
	t.Helper()
	c, err := queue.NewClient(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hub := queue.NewHub(rdb, cfg, nil)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{rdb: rdb, client: c, hub: hub, cfg: cfg}
}

func (f *fixture) startWorker(t *testing.T, p queue.Processor) {
	t.Helper()
	f.startWorkerWith(t, p, queue.WorkerConfig{Concurrency: 2, ShutdownTimeout: time.Second})
}

// startWorkerWith starts a worker configured by wcfg, which the test's
// end shuts down.
func (f *fixture) startWorkerWith(t *testing.T, p queue.Processor, wcfg queue.WorkerConfig) *queue.Worker {
	t.Helper()
	w, err := queue.NewWorker(f.rdb, f.cfg, wcfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return w
}

// collect reads a subscription to its end.
func collect(t *testing.T, ch <-chan models.Event) []models.Event {
	t.Helper()
	var out []models.Event
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-timeout:
			t.Fatalf("stream did not end; got %v", types(out))
		}
	}
}

func types(evs []models.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Type))
	}
	return out
}

func checkSeq(t *testing.T, evs []models.Event) {
	t.Helper()
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d (%s) has seq %d", i, ev.Type, ev.Seq)
		}
	}
}

func submission(audio string) queue.Submission {
	return queue.Submission{Audio: []byte(audio), Options: models.DefaultTaskOptions()}
}

func TestTaskLifecycle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			f := newFixture(t, b.open(t), queue.Config{})
			ctx := context.Background()
			task, existing, err := f.client.Submit(ctx, submission("audio bytes"))
			if err != nil || existing {
				t.Fatalf("Submit = %v, %v", existing, err)
			}
			if task.Status != models.StatusQueued || task.Queue != queue.QueueDefault {
				t.Errorf("submitted task = %+v", task)
			}
			// Subscribe before any worker runs, then start one.
			ch := f.hub.Subscribe(ctx, task.TaskID, 0)
			proc := &scriptedProcessor{}
			f.startWorker(t, proc)
			evs := collect(t, ch)
			want := []string{"queued", "started", "transcription_progress", "transcription_progress", "transcription_progress", "completed"}
			if diff := cmp.Diff(want, types(evs)); diff != "" {
				t.Fatalf("events (-want +got):\n%s", diff)
			}
			checkSeq(t, evs)

			got, err := f.client.Task(ctx, task.TaskID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != models.StatusCompleted || got.Result == nil || got.Result.Transcript != "audio bytes" || got.Progress != 100 {
				t.Fatalf("finished task = %+v", got)
			}
			// The audio goes right after the completed event is out.
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if n, _ := f.rdb.Exists(ctx, "openchs:audio:"+task.TaskID).Result(); n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Error("audio still stored after processing")
					break
				}
			}
			// A late subscriber replays the whole stream; one with after=3
			// gets the rest.
			if diff := cmp.Diff(evs, collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))); diff != "" {
				t.Errorf("replay (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(evs[3:], collect(t, f.hub.Subscribe(ctx, task.TaskID, 3))); diff != "" {
				t.Errorf("replay after 3 (-want +got):\n%s", diff)
			}
			if _, err := f.client.Task(ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("unknown task: err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{})
	ctx := context.Background()
	s := submission("first")
	s.IdempotencyKey = "call-42"
	first, existing, err := f.client.Submit(ctx, s)
	if err != nil || existing {
		t.Fatal(existing, err)
	}
	again, existing, err := f.client.Submit(ctx, s)
	if err != nil || !existing || again.TaskID != first.TaskID {
		t.Fatalf("repeat = %v %v %v, want task %s", again, existing, err, first.TaskID)
	}
	other := submission("second")
	other.IdempotencyKey = "call-42"
	if _, _, err := f.client.Submit(ctx, other); !errors.Is(err, queue.ErrIdempotencyConflict) {
		t.Fatalf("other audio, same key: err = %v, want ErrIdempotencyConflict", err)
	}
	st, err := f.client.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Queues[queue.QueueDefault].Pending != 1 {
		t.Errorf("pending = %d, want 1", st.Queues[queue.QueueDefault].Pending)
	}
}

func TestBackPressure(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{MaxPending: 2, RetryAfter: 7 * time.Second})
	ctx := context.Background()
	var first *models.Task
	for i := range 2 {
		task, _, err := f.client.Submit(ctx, submission(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = task
		}
	}
	_, _, err := f.client.Submit(ctx, submission("third"))
	var full *queue.QueueFullError
	if !errors.As(err, &full) || full.RetryAfter != 7*time.Second {
		t.Fatalf("third submission: err = %v, want QueueFullError", err)
	}
	// The limit counts the tasks holding audio in every queue.
	s := submission("urgent")
	s.Urgent = true
	if _, _, err := f.client.Submit(ctx, s); !errors.As(err, &full) {
		t.Fatalf("urgent submission: err = %v, want QueueFullError", err)
	}
	if err := f.client.CheckCapacity(ctx); !errors.As(err, &full) || full.Pending != 2 {
		t.Fatalf("CheckCapacity = %v, want QueueFullError counting 2", err)
	}
	// A task that ends makes room.
	if _, err := f.client.Cancel(ctx, first.TaskID); err != nil {
		t.Fatal(err)
	}
	if err := f.client.CheckCapacity(ctx); err != nil {
		t.Fatalf("CheckCapacity after a cancel: %v", err)
	}
	if _, _, err := f.client.Submit(ctx, submission("fourth")); err != nil {
		t.Fatalf("submission after a cancel: %v", err)
	}
}

func TestCancel(t *testing.T) {
	t.Run("queued", func(t *testing.T) {
		f := newFixture(t, realRedis(t), queue.Config{})
		ctx := context.Background()
		task, _, err := f.client.Submit(ctx, submission("x"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.client.Cancel(ctx, task.TaskID)
		if err != nil || got.Status != models.StatusCancelled || got.Error.Code != "cancelled" {
			t.Fatalf("Cancel = %+v, %v", got, err)
		}
		proc := &scriptedProcessor{}
		f.startWorker(t, proc)
		time.Sleep(1500 * time.Millisecond)
		if n := proc.callsOf(task.TaskID); n != 0 {
			t.Errorf("cancelled task ran %d times", n)
		}
		evs := collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
		if diff := cmp.Diff([]string{"queued", "failed"}, types(evs)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if !strings.Contains(string(evs[1].Data), `"status":"cancelled"`) {
			t.Errorf("failed event data = %s", evs[1].Data)
		}
		if _, err := f.client.Cancel(ctx, task.TaskID); !errors.Is(err, queue.ErrFinished) {
			t.Errorf("second Cancel: err = %v, want ErrFinished", err)
		}
	})
	t.Run("running", func(t *testing.T) {
		f := newFixture(t, realRedis(t), queue.Config{})
		ctx := context.Background()
		proc := &scriptedProcessor{block: true, started: make(chan string, 1)}
		f.startWorker(t, proc)
		task, _, err := f.client.Submit(ctx, submission("x"))
		if err != nil {
			t.Fatal(err)
		}
		<-proc.started
		ch := f.hub.Subscribe(ctx, task.TaskID, 0)
		if _, err := f.client.Cancel(ctx, task.TaskID); err != nil {
			t.Fatal(err)
		}
		evs := collect(t, ch)
		if last := evs[len(evs)-1]; last.Type != models.EventFailed {
			t.Fatalf("last event = %s", last.Type)
		}
		// The handler's context ends: the worker slot frees up for the next task.
		next, _, err := f.client.Submit(ctx, submission("y"))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-proc.started:
			if id != next.TaskID {
				t.Errorf("started %s, want %s", id, next.TaskID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the next task never started")
		}
		got, _ := f.client.Task(ctx, task.TaskID)
		if got.Status != models.StatusCancelled {
			t.Errorf("status = %s, want cancelled", got.Status)
		}
	})
}

func TestBadAudioIsNotRetried(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{})
	ctx := context.Background()
	proc := &scriptedProcessor{err: fmt.Errorf("png header: %w", pipeline.ErrUnsupportedAudio)}
	f.startWorker(t, proc)
	task, _, err := f.client.Submit(ctx, submission("\x89PNG"))
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
	if last := evs[len(evs)-1]; last.Type != models.EventFailed || !bytes.Contains(last.Data, []byte("unsupported_audio")) {
		t.Fatalf("last event = %s %s", last.Type, last.Data)
	}
	time.Sleep(3 * time.Second) // longer than the first retry delay could be
	if n := proc.callsOf(task.TaskID); n != 1 {
		t.Errorf("ran %d times, want 1", n)
	}
	got, _ := f.client.Task(ctx, task.TaskID)
	if got.Status != models.StatusFailed || got.Error.Code != "unsupported_audio" {
		t.Errorf("task = %+v", got)
	}
}

func TestTransientFailureRetries(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{MaxRetry: 1})
	ctx := context.Background()
	proc := &scriptedProcessor{err: errors.New("engine busy")}
	f.startWorker(t, proc)
	task, _, err := f.client.Submit(ctx, submission("x"))
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
	if n := proc.callsOf(task.TaskID); n != 2 {
		t.Errorf("ran %d times, want 2", n)
	}
	want := []string{"queued", "started", "transcription_progress", "transcription_progress", "transcription_progress",
		"queued", "started", "transcription_progress", "transcription_progress", "transcription_progress", "failed"}
	if diff := cmp.Diff(want, types(evs)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// Each attempt's events carry its number, so a consumer can tell the
	// second run's progress from the first's; the upload's queued has none.
	wantAttempts := []int{0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}
	var attempts []int
	for _, ev := range evs {
		attempts = append(attempts, ev.Attempt)
	}
	if diff := cmp.Diff(wantAttempts, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

// bigProcessor returns a result far larger than the feed keeps inline.
type bigProcessor struct{}

func (bigProcessor) Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error) {
	segs := make([]models.Segment, 500)
	for i := range segs {
		segs[i] = models.Segment{Start: models.Seconds(i), End: models.Seconds(i + 1), Text: strings.Repeat("x", 40)}
	}
	return &models.Result{Transcript: "long", Segments: segs}, nil
}

func TestLargeEventsReachLiveSubscribers(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			f := newFixture(t, b.open(t), queue.Config{})
			ctx := context.Background()
			task, _, err := f.client.Submit(ctx, submission("x"))
			if err != nil {
				t.Fatal(err)
			}
			all, cancel := context.WithCancel(ctx)
			defer cancel()
			feed := f.hub.SubscribeAll(all)
			ch := f.hub.Subscribe(ctx, task.TaskID, 0)
			f.startWorker(t, bigProcessor{})
			evs := collect(t, ch)
			last := evs[len(evs)-1]
			if last.Type != models.EventCompleted || len(last.Data) < 8192 {
				t.Fatalf("last event %s with %d bytes of data", last.Type, len(last.Data))
			}
			for ev := range feed {
				if ev.Type == models.EventCompleted {
					if diff := cmp.Diff(last, ev); diff != "" {
						t.Errorf("feed (-task stream +feed):\n%s", diff)
					}
					break
				}
			}
		})
	}
}

// Concurrent uploads with one idempotency key make one task, and every one
// of them gets it (none sees the key claimed but the task missing).
func TestIdempotencyUnderConcurrency(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{})
	ctx := context.Background()
	const n = 24
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := submission("the same call")
			s.IdempotencyKey = "call-99"
			task, _, err := f.client.Submit(ctx, s)
			errs[i] = err
			if task != nil {
				ids[i] = task.TaskID
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("upload %d: task %q, err %v; want task %q", i, ids[i], errs[i], ids[0])
		}
	}
	keys, _ := f.rdb.Keys(ctx, "openchs:task:*").Result()
	if len(keys) != 1 {
		t.Errorf("%d task records, want 1", len(keys))
	}
}

// The reporter's contact and the title stay in the task's record, which
// expires with the result, never in the queue's payload (kept with
// archived tasks for months).
func TestNoContactInTheQueuePayload(t *testing.T) {
	rdb := realRedis(t)
	f := newFixture(t, rdb, queue.Config{})
	s := submission("a call")
	s.Options.ReporterPhone, s.Options.ReporterEmail, s.Options.Title = "+254700999888", "mother@example.com", "Call from Kisumu"
	task, _, err := f.client.Submit(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(task.Queue, task.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	for _, pii := range []string{"+254700999888", "mother@example.com", "Kisumu"} {
		if bytes.Contains(info.Payload, []byte(pii)) {
			t.Errorf("queue payload holds %q: %s", pii, info.Payload)
		}
	}
	// The worker still gets them.
	proc := &scriptedProcessor{}
	var got models.TaskOptions
	proc.onRun = func(job pipeline.Job) { got = job.Options }
	f.startWorker(t, proc)
	collect(t, f.hub.Subscribe(context.Background(), task.TaskID, 0))
	if got.ReporterPhone != "+254700999888" || got.Title != "Call from Kisumu" {
		t.Errorf("worker got options %+v", got)
	}
}

// Settings that contradict each other are refused at start-up: a result
// that expires before its task's deadline would lose the task.
func TestConfigRefusesAResultTTLShorterThanATask(t *testing.T) {
	err := queue.Config{ResultTTL: time.Hour, MaxDuration: 2 * time.Hour}.WithDefaults().Validate()
	if err == nil || !strings.Contains(err.Error(), "result TTL") {
		t.Fatalf("Validate = %v, want an error naming the result TTL", err)
	}
}

// A failure's internal text (addresses, hosts, files) stays in the log; the
// client reads a sentence and the stage.
func TestFailureHidesInternalText(t *testing.T) {
	f := newFixture(t, realRedis(t), queue.Config{MaxRetry: -1})
	f.startWorker(t, &scriptedProcessor{err: errors.New("dial tcp 10.0.0.5:6379: connect: connection refused")})
	ctx := context.Background()
	task, _, err := f.client.Submit(ctx, submission("a call"))
	if err != nil {
		t.Fatal(err)
	}
	collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
	got, err := f.client.Task(ctx, task.TaskID)
	if err != nil || got.Error == nil {
		t.Fatalf("task %+v, %v", got, err)
	}
	if strings.Contains(got.Error.Message, "10.0.0.5") || got.Error.Code != "processing_failed" || got.Error.Details["stage"] != "decode" {
		t.Errorf("client-facing error %+v", got.Error)
	}
}

// A task whose record expired before a worker took it is dropped with its
// audio, never run, and counted for the operator.
func TestExpiredRecordIsCounted(t *testing.T) {
	rdb := realRedis(t)
	f := newFixture(t, rdb, queue.Config{})
	ctx := context.Background()
	task, _, err := f.client.Submit(ctx, submission("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, "openchs:task:"+task.TaskID).Err(); err != nil { // as its TTL would
		t.Fatal(err)
	}
	proc := &scriptedProcessor{}
	f.startWorker(t, proc)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := f.client.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.ExpiredTotal == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired tasks counted %d, want 1", st.ExpiredTotal)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := proc.callsOf(task.TaskID); n != 0 {
		t.Errorf("the expired task ran %d times", n)
	}
	if n := rdb.Exists(ctx, "openchs:audio:"+task.TaskID).Val(); n != 0 {
		t.Error("the expired task's audio is still in Redis")
	}
}
