package webhook

import (
	"testing"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

// BenchmarkDeliveries measures signed webhook deliveries per second, end to
// end: task events added to the feed, fanned out by the consumer group,
// delivered by the asynq workers to a local receiver that verifies each
// signature, and logged in the database.
func BenchmarkDeliveries(b *testing.B) {
	for _, d := range sqltest.Dialects {
		for _, conc := range []int{4, 16} {
			b.Run(d+"/concurrency="+itoa(int64(conc)), func(b *testing.B) {
				benchDeliveries(b, sqltest.Open(b, d), conc)
			})
		}
	}
}

func benchDeliveries(b *testing.B, db *sqldb.DB, concurrency int) {
	rdb := testRedis(b)
	migrateHelpline(b, db)
	cfg := testConfig()
	cfg.Concurrency = concurrency
	cfg.CheckInterval = 10 * time.Millisecond
	s := startService(b, cfg, db, rdb, nil)
	rc := newReceiver(b, "whsec_bench")
	subscribe(b, s, rc.URL, rc.secret, TaskFailed)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		publish(b, rdb, failed("bench-"+itoa(int64(i)), 2))
	}
	rc.wait(time.Duration(b.N)*50*time.Millisecond+10*time.Second, "every delivery",
		func(rc *receiver) bool { return len(rc.count) == b.N })
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	b.StopTimer()
	rc.check()
}
