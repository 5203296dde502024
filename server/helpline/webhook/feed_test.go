package webhook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// migrateHelpline creates the case tables the activity tailer reads.
func migrateHelpline(t testing.TB, db *sqldb.DB) {
	t.Helper()
	if err := helpline.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
}

func raw(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func critical() *models.Classification {
	return &models.Classification{
		Priority: models.PriorityCritical, RiskLevel: models.PriorityCritical,
		Category: "abuse", SubCategory: "sexual_abuse", Confidence: 0.9,
		Evidence: []models.Evidence{{Text: "SECRET EVIDENCE TEXT", Rule: "r1"}},
	}
}

func TestTaskEventsDelivered(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		migrateHelpline(t, db)
		translation := "SECRET TRANSLATION"
		big := &models.Result{
			TaskID: "task-big", Status: models.StatusCompleted, Duration: 61.5,
			Transcript:     strings.Repeat("SECRET TRANSCRIPT ", 600), // over 8 KB: the feed holds a reference only
			Translation:    &translation,
			Classification: critical(),
			Case:           &models.CaseRef{ID: "7", CaseNumber: "CHS-2026-000007", Status: models.DeliveryCreated},
		}
		tasks := fakeTasks{"task-big": {TaskID: "task-big", Status: models.StatusCompleted, Result: big}}
		s := startService(t, testConfig(), db, rdb, tasks)
		rc := newReceiver(t, "whsec_test")
		subscribe(t, s, rc.URL, rc.secret, TaskCompleted, TaskFailed, RiskCritical)
		other := newReceiver(t, "whsec_other")
		subscribe(t, s, other.URL, other.secret, TaskFailed)

		ts := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		low := &models.Classification{Priority: models.PriorityLow, RiskLevel: models.PriorityLow, Category: "info"}
		small := &models.Result{TaskID: "task-ok", Status: models.StatusCompleted, Duration: 12, Transcript: "SECRET TRANSCRIPT",
			Classification: low}
		for _, ev := range []models.Event{
			{Type: models.EventStarted, TaskID: "task-ok", Seq: 1, TS: ts},
			{Type: models.EventClassificationComplete, TaskID: "task-ok", Seq: 2, TS: ts, Data: raw(t, low)},
			{Type: models.EventCompleted, TaskID: "task-ok", Seq: 3, TS: ts, Data: raw(t, small)},
			{Type: models.EventClassificationComplete, TaskID: "task-big", Seq: 5, TS: ts, Data: raw(t, critical())},
			{Type: models.EventCompleted, TaskID: "task-big", Seq: 6, TS: ts, Data: raw(t, big)},
			{Type: models.EventFailed, TaskID: "task-bad", Seq: 2, TS: ts, Data: raw(t, models.FailureData{
				Status: models.StatusFailed, Error: models.ErrorInfo{Code: "undecodable_audio", Message: "SECRET"}})},
		} {
			publish(t, rdb, ev)
		}
		rc.wait(10*time.Second, "four task events", func(rc *receiver) bool { return len(rc.count) == 4 })
		other.wait(10*time.Second, "the failure", func(rc *receiver) bool { return len(rc.count) == 1 })
		time.Sleep(100 * time.Millisecond)
		rc.check()
		other.check()

		got := map[string]TaskData{}
		for _, ev := range rc.events {
			if strings.Contains(string(ev.Data), "SECRET") {
				t.Errorf("%s event carries call text: %s", ev.Type, ev.Data)
			}
			var d TaskData
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				t.Fatal(err)
			}
			got[string(ev.Type)+" "+d.TaskID] = d
		}
		dur := 61.5
		twelve := 12.0
		want := map[string]TaskData{
			"task.completed task-ok": {TaskID: "task-ok", Status: "completed", Priority: "low", RiskLevel: "low",
				Category: "info", DurationS: &twelve, URL: "/audio/task/task-ok"},
			"risk.critical task-big": {TaskID: "task-big", Status: "processing", Priority: "critical", RiskLevel: "critical",
				Category: "abuse", SubCategory: "sexual_abuse", URL: "/audio/task/task-big"},
			"task.completed task-big": {TaskID: "task-big", Status: "completed", Priority: "critical", RiskLevel: "critical",
				Category: "abuse", SubCategory: "sexual_abuse", DurationS: &dur,
				Case: &CaseRef{ID: "7", CaseNumber: "CHS-2026-000007"}, URL: "/audio/task/task-big"},
			"task.failed task-bad": {TaskID: "task-bad", Status: "failed", ErrorCode: "undecodable_audio", URL: "/audio/task/task-bad"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("task events (-want +got):\n%s", diff)
		}
		for _, ev := range other.events {
			if ev.Type != TaskFailed {
				t.Errorf("subscriber to task.failed got %s", ev.Type)
			}
		}
	})
}

// A critical classification is sent at once, while the task still runs.
func TestRiskCriticalBeforeCompletion(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	s := startService(t, testConfig(), db, rdb, nil)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", RiskCritical)
	publish(t, rdb, models.Event{Type: models.EventClassificationComplete, TaskID: "t1", Seq: 4, TS: time.Now(), Data: raw(t, critical())})
	rc.wait(5*time.Second, "risk.critical", func(rc *receiver) bool { return len(rc.count) == 1 })
	ev := rc.ofType(RiskCritical)
	if len(ev) != 1 {
		t.Fatalf("got %d risk.critical events", len(ev))
	}
}

var _ TaskReader = (*queue.Client)(nil)

// queueService starts the service on SQLite and a Redis it shares with a
// real queue client, which is its task reader.
func queueService(t *testing.T) (redis.UniversalClient, *queue.Client, *Service) {
	t.Helper()
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	qc, err := queue.NewClient(rdb, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qc.Close() })
	return rdb, qc, startService(t, testConfig(), db, rdb, qc)
}

// A long call's events are too large for the feed, which holds a reference
// to the task's stream: a critical classification with much evidence still
// reaches its subscribers while the task runs, and the completed event
// carries its result, read through the real queue client.
func TestLargeEventsReadFromTaskStream(t *testing.T) {
	rdb, _, s := queueService(t)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", RiskCritical, TaskCompleted)

	c := critical()
	for i := range 120 {
		c.Evidence = append(c.Evidence, models.Evidence{Text: "SECRET EVIDENCE TEXT " + itoa(int64(i)), Rule: "r2"})
	}
	res := &models.Result{TaskID: "task-long", Status: models.StatusCompleted, Duration: 720,
		Transcript: strings.Repeat("SECRET TRANSCRIPT ", 600), Classification: c}
	ts := time.Now()
	for _, ev := range []models.Event{
		{Type: models.EventClassificationComplete, TaskID: "task-long", Seq: 7, TS: ts, Data: raw(t, c)},
		{Type: models.EventCompleted, TaskID: "task-long", Seq: 8, TS: ts, Data: raw(t, res)},
	} {
		if len(ev.Data) <= 8192 {
			t.Fatalf("%s event of %d bytes: the feed would carry it inline", ev.Type, len(ev.Data))
		}
		publish(t, rdb, ev)
	}
	rc.wait(10*time.Second, "risk.critical and task.completed", func(rc *receiver) bool { return len(rc.count) == 2 })
	rc.check()
	for _, typ := range []EventType{RiskCritical, TaskCompleted} {
		evs := rc.ofType(typ)
		if len(evs) != 1 {
			t.Fatalf("got %d %s events, want 1", len(evs), typ)
		}
		var d TaskData
		if err := json.Unmarshal(evs[0].Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.TaskID != "task-long" || d.Priority != models.PriorityCritical {
			t.Errorf("%s data: %+v, want task-long at critical", typ, d)
		}
		if typ == TaskCompleted && (d.DurationS == nil || *d.DurationS != 720) {
			t.Errorf("task.completed without the call's duration: %+v", d)
		}
	}
}

// A task cancelled through the real queue client (its publish script writes
// the feed) reaches a subscriber as task.failed with status cancelled.
func TestQueueCancellationDelivered(t *testing.T) {
	_, qc, s := queueService(t)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", TaskFailed, TaskCompleted)
	ctx := context.Background()
	task, _, err := qc.Submit(ctx, queue.Submission{Audio: []byte("RIFF"), Options: models.DefaultTaskOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qc.Cancel(ctx, task.TaskID); err != nil {
		t.Fatal(err)
	}
	rc.wait(5*time.Second, "task.failed", func(rc *receiver) bool { return len(rc.count) == 1 })
	rc.check()
	evs := rc.ofType(TaskFailed)
	if len(evs) != 1 {
		t.Fatalf("got %d task.failed", len(evs))
	}
	var d TaskData
	_ = json.Unmarshal(evs[0].Data, &d)
	want := TaskData{TaskID: task.TaskID, Status: models.StatusCancelled, ErrorCode: "cancelled", URL: "/audio/task/" + task.TaskID}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("task.failed data (-want +got):\n%s", diff)
	}
}
