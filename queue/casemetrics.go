package queue

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// The write-back's counters live in one Redis hash that every deliverer
// adds to, so GET /metrics on any API process shows all of them.

// CaseLatencyBuckets are the upper bounds, in seconds, of the histogram of
// the time from a task's completion to its case.
var CaseLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600}

// CaseStats counts case write-backs since the Redis data was created.
type CaseStats struct {
	// Attempts are requests made to create a case; Created, Failed and
	// Retries count their outcomes; Skipped counts results that became no
	// case.
	Attempts, Created, Failed, Retries, Skipped int64
	// Pending is the number of write-backs not yet final.
	Pending int64
	// LatencyBuckets[i] counts cases created within CaseLatencyBuckets[i]
	// seconds of completion (cumulative, as Prometheus wants);
	// LatencyCount and LatencySum cover all.
	LatencyBuckets []int64
	LatencyCount   int64
	LatencySum     float64
}

func (s *store) count(ctx context.Context, what string, n int64) {
	s.rdb.HIncrBy(context.WithoutCancel(ctx), s.keys.caseMetrics(), what, n)
}

// observe adds one completion-to-case latency to the histogram.
func (s *store) observe(ctx context.Context, d time.Duration) {
	i, _ := slices.BinarySearch(CaseLatencyBuckets, d.Seconds())
	ctx = context.WithoutCancel(ctx)
	pipe := s.rdb.Pipeline()
	pipe.HIncrBy(ctx, s.keys.caseMetrics(), "le:"+strconv.Itoa(i), 1)
	pipe.HIncrBy(ctx, s.keys.caseMetrics(), "latency_count", 1)
	pipe.HIncrByFloat(ctx, s.keys.caseMetrics(), "latency_sum", d.Seconds())
	_, _ = pipe.Exec(ctx)
}

// caseStats reads the write-back counters.
func (s *store) caseStats(ctx context.Context) (CaseStats, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.caseMetrics()).Result()
	if err != nil {
		return CaseStats{}, err
	}
	n := func(k string) int64 { v, _ := strconv.ParseInt(m[k], 10, 64); return v }
	st := CaseStats{Attempts: n("attempts"), Created: n("created"), Failed: n("failed"), Retries: n("retries"),
		Skipped: n("skipped"), LatencyCount: n("latency_count"), LatencyBuckets: make([]int64, len(CaseLatencyBuckets))}
	st.LatencySum, _ = strconv.ParseFloat(m["latency_sum"], 64)
	var cum int64
	for i := range CaseLatencyBuckets {
		cum += n("le:" + strconv.Itoa(i))
		st.LatencyBuckets[i] = cum
	}
	st.Pending, err = s.rdb.ZCard(ctx, s.keys.outbox()).Result()
	return st, err
}
