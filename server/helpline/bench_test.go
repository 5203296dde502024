package helpline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

func benchHelpline(b *testing.B, dialect string) (*Helpline, *httptest.Server) {
	h, err := Open(context.Background(), Config{DSN: sqltest.DSN(b, dialect)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler(func(next http.Handler) http.Handler { return next }))
	b.Cleanup(func() { srv.Close(); h.Close() })
	return h, srv
}

// BenchmarkCreateCase: POST /helpline/api/cases through the handler, from
// parallel clients (GOMAXPROCS of them).
func BenchmarkCreateCase(b *testing.B) {
	for _, d := range sqltest.Dialects {
		b.Run(d, func(b *testing.B) {
			_, srv := benchHelpline(b, d)
			var n atomic.Int64
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					body := fmt.Sprintf(`{"title":"case %d","description":"bench","category":"abuse","priority":"high","reporter_phone":"+2547%08d","external_ref":"bench-%d"}`, i, i%1000, i)
					res, err := http.Post(srv.URL+"/helpline/api/cases", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 201 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cases/s")
		})
	}
}

// BenchmarkListUpdatedSince: GET /helpline/api/cases?updated_since=...
// over 100k cases: a poller's page of the latest 100, and a page from the
// middle of the history.
func BenchmarkListUpdatedSince(b *testing.B) {
	const total = 100_000
	for _, d := range sqltest.Dialects {
		b.Run(d, func(b *testing.B) {
			h, srv := benchHelpline(b, d)
			stamps := bulkCases(b, h, total)
			for _, q := range []struct {
				name  string
				since time.Time
			}{{"latest_100", stamps[total-100]}, {"middle", stamps[total/2]}} {
				b.Run(q.name, func(b *testing.B) {
					u := srv.URL + "/helpline/api/cases?" + url.Values{
						"updated_since": {q.since.Format("2006-01-02T15:04:05.000000")}, "limit": {"100"}}.Encode()
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						res, err := http.Get(u)
						if err != nil {
							b.Fatal(err)
						}
						n, _ := io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != 200 || n < 1000 {
							b.Fatalf("status %d, %d bytes", res.StatusCode, n)
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
				})
			}
		})
	}
}

// bulkCases inserts n cases straight into the tables, as the store would
// leave them, and returns their updated_at stamps in order.
func bulkCases(b *testing.B, h *Helpline, n int) []time.Time {
	b.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Duration(n) * time.Millisecond).Truncate(time.Microsecond).UTC()
	stamps := make([]time.Time, n)
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var sqlb bytes.Buffer
		sqlb.WriteString(`INSERT INTO kase (case_number, title, description, category, priority, status, external_ref,
	request_fingerprint, created_at, updated_at) VALUES `)
		args := make([]any, 0, (hi-lo)*10)
		for i := lo; i < hi; i++ {
			if i > lo {
				sqlb.WriteString(",")
			}
			sqlb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			stamps[i] = base.Add(time.Duration(i) * time.Millisecond)
			ts := sqldb.FormatTime(stamps[i])
			args = append(args, fmt.Sprintf("BULK-%07d", i), fmt.Sprintf("Case %d about a child at risk", i),
				"A caller reported a concern about a child's welfare that needs follow-up by a counsellor.",
				[]string{"abuse", "neglect", "info"}[i%3], []string{"low", "medium", "high", "critical"}[i%4],
				[]string{"open", "in_progress", "resolved", "closed"}[i%4], fmt.Sprintf("bulk-%d", i), "x", ts, ts)
		}
		if _, err := h.db.ExecContext(ctx, sqlb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := h.db.ExecContext(ctx, "UPDATE kase_clock SET last_us = ? WHERE id = 1", stamps[n-1].UnixMicro()); err != nil {
		b.Fatal(err)
	}
	if h.db.Dialect == sqldb.MySQL {
		h.db.ExecContext(ctx, "ANALYZE TABLE kase")
	} else {
		h.db.ExecContext(ctx, "ANALYZE")
	}
	return stamps
}
