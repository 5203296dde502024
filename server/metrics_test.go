package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// metricLine is one sample of the Prometheus text format.
var metricLine = regexp.MustCompile(`^([a-z_]+)(\{(?:[a-z_]+="[^"]*",?)+\})? (-?[0-9.e+-]+)$`)

// scrape reads GET /metrics into series → value, checking every line's
// syntax on the way.
func scrape(t *testing.T, s *stack) map[string]float64 {
	t.Helper()
	code, hdr, body := s.request(t, "GET", "/metrics", "", nil, nil)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", code, hdr.Get("Content-Type"))
	}
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := metricLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a metric line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}

// waitMetric scrapes until series has the value want, for up to 15 s.
func waitMetric(t *testing.T, s *stack, series string, want float64) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		got := scrape(t, s)[series]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s = %v, want %v", series, got, want)
			return
		}
	}
}

// A monitoring system sees the queues, the workers, finished tasks and the
// requests answered, and needs the key like any client.
func TestMetrics(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})
	if code, _, _ := s.request(t, "GET", "/metrics", "", nil, map[string]string{"X-API-Key": ""}); code != 401 {
		t.Errorf("GET /metrics without a key: %d, want 401", code)
	}
	before := scrape(t, s)
	for _, q := range []string{"default", "urgent"} {
		if _, ok := before[`openchs_ai_queue_tasks{queue="`+q+`",state="pending"}`]; !ok {
			t.Errorf("no pending gauge for queue %s", q)
		}
	}
	// Workers register, and report their busy slots, with their
	// heartbeat, every 5 s.
	waitMetric(t, s, "openchs_ai_worker_processes", 1)
	waitMetric(t, s, "openchs_ai_worker_slots", 1)

	id := backgroundUpload(t, s)
	<-proc.started
	waitMetric(t, s, "openchs_ai_worker_slots_busy", 1)
	close(proc.release)
	if task := s.waitStatus(t, id); task.Status != models.StatusCompleted {
		t.Fatalf("task %s", task.Status)
	}
	s.request(t, "GET", "/audio/task/0123456789abcdef0123456789abcdef", "", nil, nil)

	after := scrape(t, s)
	processed := `openchs_ai_tasks_processed_total{queue="default"}`
	if after[processed] != before[processed]+1 {
		t.Errorf("%s went from %v to %v, want one more", processed, before[processed], after[processed])
	}
	for series, atLeast := range map[string]float64{
		`openchs_ai_http_requests_total{route="POST /audio/process",code="202"}`:       1,
		`openchs_ai_http_requests_total{route="GET /audio/task/{id}",code="404"}`:      1,
		`openchs_ai_http_requests_total{route="GET /metrics",code="200"}`:              2,
		`openchs_ai_http_requests_total{route="GET /metrics",code="401"}`:              1,
		`openchs_ai_http_request_duration_seconds_count{route="GET /audio/task/{id}"}`: 1,
	} {
		if after[series] < atLeast {
			t.Errorf("%s = %v, want at least %v", series, after[series], atLeast)
		}
	}
}
