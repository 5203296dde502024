package queue_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/helpline"
)

// builtinHelpline serves the built-in helpline on a SQLite file, without
// keys.
func builtinHelpline(b *testing.B) string {
	b.Helper()
	hl, err := helpline.Open(context.Background(), helpline.Config{DSN: "sqlite:" + filepath.Join(b.TempDir(), "cases.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { hl.Close() })
	ts := httptest.NewServer(hl.Handler(func(h http.Handler) http.Handler { return h }))
	b.Cleanup(ts.Close)
	return ts.URL
}

// BenchmarkCaseDelivery measures the write-back against the built-in
// helpline (SQLite) on the real Redis: the time from a task's completion to
// its case, one call at a time, and how many cases a backlog drains at.
func BenchmarkCaseDelivery(b *testing.B) {
	rdb := realRedis(b)
	cfg := queue.Config{MaxPending: -1}
	c, err := queue.NewClient(rdb, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cats, _ := caseapi.LoadCategories("")
	w, err := queue.NewWorker(rdb, cfg, queue.WorkerConfig{Concurrency: 4, Cases: queue.CaseOptions{Builder: &caseapi.Builder{Categories: cats}}}, &scriptedProcessor{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	defer w.Shutdown()
	sink, _ := caseapi.New(caseapi.Config{BaseURL: builtinHelpline(b), APIKey: "unused"})
	deliverer := func() *queue.Deliverer {
		d, err := queue.NewDeliverer(rdb, cfg, queue.DeliveryConfig{}, sink, nil)
		if err != nil {
			b.Fatal(err)
		}
		d.Start()
		return d
	}
	ctx := context.Background()
	submit := func() string {
		t, _, err := c.Submit(ctx, queue.Submission{Audio: []byte(time.Now().String()), Options: models.DefaultTaskOptions()})
		if err != nil {
			b.Fatal(err)
		}
		return t.TaskID
	}
	wait := func(id string) *models.Task {
		for {
			t, err := c.Task(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if t.Result != nil && t.Result.Case != nil && t.Result.Case.Status.Final() {
				if t.Result.Case.Status != models.DeliveryCreated {
					b.Fatalf("case %+v", t.Result.Case)
				}
				return t
			}
			time.Sleep(time.Millisecond)
		}
	}

	// Latency: one call at a time, a healthy helpline.
	d := deliverer()
	var lat []float64
	for range 200 {
		lat = append(lat, float64(wait(submit()).Result.Timings.CaseMS))
	}
	slices.Sort(lat)
	d.Shutdown()

	// Throughput: a backlog of completed calls, then the deliverer.
	n := max(b.N, 1000)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = submit()
	}
	for _, id := range ids { // every call completed, its case pending
		for {
			t, _ := c.Task(ctx, id)
			if t.Status == models.StatusCompleted {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ResetTimer()
	start := time.Now()
	d = deliverer()
	defer d.Shutdown()
	for _, id := range ids {
		wait(id)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "cases/s")
	b.ReportMetric(lat[len(lat)/2], "p50_ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99_ms")
}
