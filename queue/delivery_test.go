package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/pipeline/caseapi/caseapitest"
	"github.com/openchs/openchs-ai/queue"
)

const helplineKey = "helpline-key-0123456789"

// caseFixture is a queue with a worker that writes cases and a test
// helpline to write them to.
type caseFixture struct {
	*fixture
	hl   *caseapitest.Server
	proc *scriptedProcessor
	dcfg queue.DeliveryConfig
}

func newCaseFixture(t *testing.T, rdb redis.UniversalClient, opts queue.CaseOptions, dcfg queue.DeliveryConfig) *caseFixture {
	t.Helper()
	f := &caseFixture{fixture: newFixture(t, rdb, queue.Config{}), hl: caseapitest.New(t, helplineKey), proc: &scriptedProcessor{}, dcfg: dcfg}
	cats, err := caseapi.LoadCategories("")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Builder == nil {
		opts.Builder = &caseapi.Builder{Categories: cats}
	}
	w, err := queue.NewWorker(rdb, f.cfg, queue.WorkerConfig{Concurrency: 2, ShutdownTimeout: time.Second, Cases: opts}, f.proc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return f
}

// startDeliverer starts a deliverer against the test helpline.
func (f *caseFixture) startDeliverer(t *testing.T) {
	t.Helper()
	sink, err := caseapi.New(caseapi.Config{BaseURL: f.hl.URL, APIKey: helplineKey, Timeout: f.dcfg.RequestTimeout})
	if err != nil {
		t.Fatal(err)
	}
	d, err := queue.NewDeliverer(f.rdb, f.cfg, f.dcfg, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Shutdown)
}

// submit uploads one recording and waits for it to complete.
func (f *caseFixture) submit(t *testing.T, opts models.TaskOptions) string {
	t.Helper()
	ctx := context.Background()
	task, _, err := f.client.Submit(ctx, queue.Submission{Audio: []byte("call " + time.Now().String()), Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, f.hub.Subscribe(ctx, task.TaskID, 0))
	return task.TaskID
}

// waitCase polls task id until its case write-back is final.
func (f *caseFixture) waitCase(t *testing.T, id string, within time.Duration) models.CaseRef {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		task, err := f.client.Task(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c := task.Result.Case; c != nil && c.Status.Final() {
			return *c
		}
		if time.Now().After(deadline) {
			t.Fatalf("case of task %s not final: %+v", id, task.Result.Case)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventsAfterCompletion returns the types of task id's events after its
// completed event.
func (f *caseFixture) eventsAfterCompletion(t *testing.T, id string) []models.Event {
	t.Helper()
	evs, err := f.client.Events(context.Background(), id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.Type == models.EventCompleted {
			return evs[i+1:]
		}
	}
	t.Fatalf("task %s has no completed event: %v", id, types(evs))
	return nil
}

func TestCaseWriteBack(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			f := newCaseFixture(t, b.open(t), queue.CaseOptions{}, queue.DeliveryConfig{})
			f.startDeliverer(t)
			opts := models.DefaultTaskOptions()
			opts.ReporterPhone = "+254700123456"
			id := f.submit(t, opts)
			ref := f.waitCase(t, id, 10*time.Second)
			cases := f.hl.Cases()
			if len(cases) != 1 {
				t.Fatalf("helpline holds %d cases, want 1", len(cases))
			}
			c := cases[0]
			if ref.Status != models.DeliveryCreated || ref.ID != c.ID || ref.CaseNumber != c.CaseNumber || ref.Attempts != 1 ||
				ref.URL != f.hl.URL+"/helpline/api/cases/"+c.ID {
				t.Errorf("case ref %+v, helpline case %s %s", ref, c.ID, c.CaseNumber)
			}
			if c.ExternalRef != id || c.Source != "ai" || c.ReporterPhone != "+254700123456" || c.Priority != "medium" {
				t.Errorf("case sent: %+v", c)
			}
			after := f.eventsAfterCompletion(t, id)
			if len(after) != 1 || after[0].Type != models.EventCaseCreated {
				t.Fatalf("events after completed: %v, want case_created", types(after))
			}
			// A subscription from the completed event on follows the
			// write-back and ends with it.
			follow := collect(t, f.hub.Subscribe(context.Background(), id, after[0].Seq-1))
			if len(follow) != 1 || follow[0].Type != models.EventCaseCreated {
				t.Errorf("subscription after completed: %v, want case_created", types(follow))
			}
			var data models.CaseEventData
			json.Unmarshal(after[0].Data, &data)
			if data.ID != c.ID || data.CaseNumber != c.CaseNumber {
				t.Errorf("case_created data %+v", data)
			}
			st, err := f.client.Stats(context.Background())
			if err != nil || st.Cases.Created != 1 || st.Cases.LatencyCount != 1 || st.Cases.Pending != 0 {
				t.Errorf("case stats %+v, %v", st.Cases, err)
			}
		})
	}
}

func TestCaseSkipped(t *testing.T) {
	f := newCaseFixture(t, realRedis(t), queue.CaseOptions{MinPriority: models.PriorityHigh}, queue.DeliveryConfig{})
	f.startDeliverer(t)
	noCase := models.DefaultTaskOptions()
	noCase.CreateCase = false
	for _, tc := range []struct {
		name string
		opts models.TaskOptions
		want string
	}{
		{"create_case false", noCase, "create_case=false"},
		{"under the minimum priority", models.DefaultTaskOptions(), "Priority medium is under the minimum for a case (high)"},
	} {
		id := f.submit(t, tc.opts)
		task, _ := f.client.Task(context.Background(), id)
		if c := task.Result.Case; c == nil || c.Status != models.DeliverySkipped || !strings.Contains(c.LastError, tc.want) {
			t.Errorf("%s: case %+v, want skipped saying %q", tc.name, c, tc.want)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(f.hl.Cases()); n != 0 {
		t.Errorf("helpline got %d cases for skipped ones", n)
	}
}

// TestCaseOutlivesACrashBeforeQueueing: a worker that stopped between
// recording the result and queueing the delivery leaves the case in the
// outbox; the relay queues it.
func TestCaseOutlivesACrashBeforeQueueing(t *testing.T) {
	rdb := realRedis(t)
	f := newCaseFixture(t, rdb, queue.CaseOptions{}, queue.DeliveryConfig{RelayInterval: 50 * time.Millisecond})
	id := f.submit(t, models.DefaultTaskOptions())
	// The delivery the worker queued is lost, as if it had died first.
	insp := asynq.NewInspectorFromRedisClient(rdb)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		err := insp.DeleteTask(queue.QueueCases, "case:"+id)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delete queued delivery: %v", err)
		}
	}
	// Time passes beyond the relay's grace period.
	rdb.ZAdd(context.Background(), "openchs:case-outbox", redis.Z{Score: 0, Member: id})
	f.startDeliverer(t)
	if ref := f.waitCase(t, id, 10*time.Second); ref.Status != models.DeliveryCreated {
		t.Fatalf("case %+v", ref)
	}
	if n, _ := rdb.ZCard(context.Background(), "openchs:case-outbox").Result(); n != 0 {
		t.Errorf("outbox holds %d entries after delivery", n)
	}
	if got := f.hl.CasesByRef()[id]; got != 1 {
		t.Errorf("%d cases for the task, want 1", got)
	}
}

func TestCaseRefusedThenRedriven(t *testing.T) {
	f := newCaseFixture(t, realRedis(t), queue.CaseOptions{}, queue.DeliveryConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	refuse := true
	f.hl.Faults = func(ref string, n int) caseapitest.Fault {
		if refuse {
			return caseapitest.Fault{Status: 422, Message: "category other is not one of ours"}
		}
		return caseapitest.Fault{}
	}
	f.startDeliverer(t)
	id := f.submit(t, models.DefaultTaskOptions())
	ref := f.waitCase(t, id, 10*time.Second)
	if ref.Status != models.DeliveryFailed || ref.Attempts != 1 || !strings.Contains(ref.LastError, "category other is not one of ours") {
		t.Fatalf("refused case: %+v", ref)
	}
	after := f.eventsAfterCompletion(t, id)
	if len(after) != 1 || after[0].Type != models.EventCaseFailed {
		t.Fatalf("events after completed: %v, want case_failed", types(after))
	}
	ctx := context.Background()
	failed, err := f.client.FailedCases(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0] != id {
		t.Fatalf("failed cases %v, %v", failed, err)
	}
	if _, err := f.client.RedriveCase(ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("redrive of an unknown task: %v", err)
	}
	refuse = false
	if _, err := f.client.RedriveCase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ref := f.waitCase(t, id, 10*time.Second); ref.Status != models.DeliveryCreated || ref.Attempts != 2 {
		t.Fatalf("re-driven case: %+v", ref)
	}
	if _, err := f.client.RedriveCase(ctx, id); !errors.Is(err, queue.ErrCaseState) {
		t.Errorf("redrive of a created case: %v, want ErrCaseState", err)
	}
}

func TestCaseRetriesUntilTheWindowEnds(t *testing.T) {
	f := newCaseFixture(t, realRedis(t), queue.CaseOptions{}, queue.DeliveryConfig{RetryWindow: 1500 * time.Millisecond,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, RequestTimeout: time.Second})
	f.hl.Stop()
	f.startDeliverer(t)
	id := f.submit(t, models.DefaultTaskOptions())
	ref := f.waitCase(t, id, 15*time.Second)
	if ref.Status != models.DeliveryFailed || ref.Attempts < 3 || !strings.Contains(ref.LastError, "retry window") ||
		!strings.Contains(ref.LastError, "connection refused") {
		t.Fatalf("case after the window: %+v", ref)
	}
}

// TestUnansweredAttemptMakesNoSecondCase: the helpline creates the case but
// answers after the client stopped waiting; the next attempt finds it by
// its external reference, and a helpline that cannot look up still keeps
// one case through the Idempotency-Key.
func TestUnansweredAttemptMakesNoSecondCase(t *testing.T) {
	for _, lookup := range []bool{true, false} {
		t.Run(map[bool]string{true: "lookup", false: "idempotency key only"}[lookup], func(t *testing.T) {
			f := newCaseFixture(t, realRedis(t), queue.CaseOptions{}, queue.DeliveryConfig{RequestTimeout: 200 * time.Millisecond,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
			f.hl.NoLookup = !lookup
			f.hl.Faults = func(ref string, n int) caseapitest.Fault {
				if n == 1 {
					return caseapitest.Fault{Delay: time.Second}
				}
				return caseapitest.Fault{}
			}
			f.startDeliverer(t)
			id := f.submit(t, models.DefaultTaskOptions())
			ref := f.waitCase(t, id, 10*time.Second)
			cases := f.hl.Cases()
			if ref.Status != models.DeliveryCreated || len(cases) != 1 || ref.ID != cases[0].ID || ref.Attempts != 2 {
				t.Fatalf("case %+v, helpline holds %d", ref, len(cases))
			}
		})
	}
}
