package server

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/openchs/openchs-ai/queue"
)

// requestMetrics counts this process's HTTP requests by route and status
// and sums their durations by route.
type requestMetrics struct {
	mu     sync.Mutex
	routes map[string]*routeMetrics
}

type routeMetrics struct {
	byStatus map[int]int64
	seconds  float64
	count    int64
}

func newRequestMetrics() *requestMetrics {
	return &requestMetrics{routes: map[string]*routeMetrics{}}
}

// observe records one request. route is the matched pattern ("GET
// /audio/task/{id}"), so that task ids do not multiply the series.
func (m *requestMetrics) observe(route string, status int, took time.Duration) {
	if route == "" || route == "/" {
		route = "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rm := m.routes[route]
	if rm == nil {
		rm = &routeMetrics{byStatus: map[int]int64{}}
		m.routes[route] = rm
	}
	rm.byStatus[status]++
	rm.seconds += took.Seconds()
	rm.count++
}

// handleMetrics is GET /metrics: the queues and workers shared by every
// process on this Redis, and this process's requests, in the Prometheus
// text format.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	st, err := s.tasks.Stats(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	writeQueueMetrics(w, st)
	s.metrics.write(w)
}

func writeQueueMetrics(w io.Writer, st *queue.Stats) {
	queues := slices.Sorted(maps.Keys(st.Queues))
	metric(w, "openchs_ai_queue_tasks", "gauge", "Tasks in each queue by state.")
	for _, q := range queues {
		qs := st.Queues[q]
		for _, v := range []struct {
			state string
			n     int
		}{{"pending", qs.Pending}, {"active", qs.Active}, {"scheduled", qs.Scheduled}, {"retry", qs.Retry}, {"archived", qs.Archived}, {"completed", qs.Completed}} {
			fmt.Fprintf(w, "openchs_ai_queue_tasks{queue=%q,state=%q} %d\n", q, v.state, v.n)
		}
	}
	metric(w, "openchs_ai_queue_oldest_pending_seconds", "gauge", "How long the oldest pending task of each queue has waited.")
	for _, q := range queues {
		fmt.Fprintf(w, "openchs_ai_queue_oldest_pending_seconds{queue=%q} %s\n", q, num(st.Queues[q].OldestPendingSeconds))
	}
	metric(w, "openchs_ai_tasks_processed_total", "counter", "Task attempts the workers finished (succeeded, retried or failed for good), per queue.")
	for _, q := range queues {
		fmt.Fprintf(w, "openchs_ai_tasks_processed_total{queue=%q} %d\n", q, st.Queues[q].ProcessedTotal)
	}
	metric(w, "openchs_ai_tasks_failed_total", "counter", "Task attempts that failed, per queue.")
	for _, q := range queues {
		fmt.Fprintf(w, "openchs_ai_tasks_failed_total{queue=%q} %d\n", q, st.Queues[q].FailedTotal)
	}
	metric(w, "openchs_ai_tasks_expired_total", "counter", "Tasks dropped because their record expired before a worker took them (their uploaders find 404): raise --result-ttl or add workers.")
	fmt.Fprintf(w, "openchs_ai_tasks_expired_total %d\n", st.ExpiredTotal)
	metric(w, "openchs_ai_queue_pending_limit", "gauge", "Pending tasks above which uploads are refused with 429 (-1: no limit).")
	fmt.Fprintf(w, "openchs_ai_queue_pending_limit %d\n", st.Limit)
	metric(w, "openchs_ai_worker_processes", "gauge", "Worker processes serving the queues.")
	fmt.Fprintf(w, "openchs_ai_worker_processes %d\n", st.Workers.Processes)
	metric(w, "openchs_ai_worker_slots", "gauge", "Recordings the workers can process at once.")
	fmt.Fprintf(w, "openchs_ai_worker_slots %d\n", st.Workers.Concurrency)
	metric(w, "openchs_ai_worker_slots_busy", "gauge", "Recordings being processed, as of the workers' last heartbeat (at most 5 s old).")
	fmt.Fprintf(w, "openchs_ai_worker_slots_busy %d\n", st.Workers.Active)
	writeCaseMetrics(w, st.Cases)
}

func writeCaseMetrics(w io.Writer, c queue.CaseStats) {
	metric(w, "openchs_ai_case_deliveries_total", "counter", "Case write-backs by outcome: created, failed (for good), skipped (no case wanted); attempts are requests made, retries the attempts that will be repeated.")
	for _, v := range []struct {
		outcome string
		n       int64
	}{{"attempt", c.Attempts}, {"created", c.Created}, {"failed", c.Failed}, {"retry", c.Retries}, {"skipped", c.Skipped}} {
		fmt.Fprintf(w, "openchs_ai_case_deliveries_total{outcome=%q} %d\n", v.outcome, v.n)
	}
	metric(w, "openchs_ai_case_deliveries_pending", "gauge", "Case write-backs not yet created or failed for good.")
	fmt.Fprintf(w, "openchs_ai_case_deliveries_pending %d\n", c.Pending)
	metric(w, "openchs_ai_case_delivery_seconds", "histogram", "Time from a task's completion to its case on the helpline.")
	for i, le := range queue.CaseLatencyBuckets {
		fmt.Fprintf(w, "openchs_ai_case_delivery_seconds_bucket{le=%q} %d\n", num(le), c.LatencyBuckets[i])
	}
	fmt.Fprintf(w, "openchs_ai_case_delivery_seconds_bucket{le=\"+Inf\"} %d\n", c.LatencyCount)
	fmt.Fprintf(w, "openchs_ai_case_delivery_seconds_sum %s\n", num(c.LatencySum))
	fmt.Fprintf(w, "openchs_ai_case_delivery_seconds_count %d\n", c.LatencyCount)
}

func (m *requestMetrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	routes := slices.Sorted(maps.Keys(m.routes))
	metric(w, "openchs_ai_http_requests_total", "counter", "HTTP requests this process answered, by route and status.")
	for _, r := range routes {
		for _, code := range slices.Sorted(maps.Keys(m.routes[r].byStatus)) {
			fmt.Fprintf(w, "openchs_ai_http_requests_total{route=%q,code=\"%d\"} %d\n", r, code, m.routes[r].byStatus[code])
		}
	}
	metric(w, "openchs_ai_http_request_duration_seconds", "summary", "Time this process took to answer HTTP requests, by route (streams count until they end).")
	for _, r := range routes {
		fmt.Fprintf(w, "openchs_ai_http_request_duration_seconds_sum{route=%q} %s\n", r, num(m.routes[r].seconds))
		fmt.Fprintf(w, "openchs_ai_http_request_duration_seconds_count{route=%q} %d\n", r, m.routes[r].count)
	}
}

func metric(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
