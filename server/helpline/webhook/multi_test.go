package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// Two processes on one Redis and one database deliver each event once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		h := openHelpline(t, db)
		cfgA, cfgB := testConfig(), testConfig()
		cfgA.Consumer, cfgB.Consumer = "a", "b"
		a := startService(t, cfgA, db, rdb, nil)
		b := startService(t, cfgB, db, rdb, nil)
		b.UseCases(h)
		rc := newReceiver(t, "whsec_two")
		subscribe(t, a, rc.URL, rc.secret, EventTypes...)

		const tasks, cases = 30, 15
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range cases {
				newCase(t, h, "case "+itoa(int64(i)))
			}
		}()
		for i := range tasks {
			publish(t, rdb, failed("task-"+itoa(int64(i)), 2))
		}
		<-done
		rc.wait(15*time.Second, "every event", func(rc *receiver) bool { return len(rc.count) == tasks+cases })
		time.Sleep(300 * time.Millisecond) // room for a duplicate to show up
		rc.check()
		if n := len(rc.ofType(TaskFailed)); n != tasks {
			t.Errorf("%d task.failed events, want %d", n, tasks)
		}
		if n := len(rc.ofType(CaseCreated)); n != cases {
			t.Errorf("%d case.created events, want %d", n, cases)
		}
	})
}

// An entry a consumer took and never acknowledged (it died) is claimed by
// another after ClaimIdle.
func TestDeadConsumersEntriesClaimed(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	cfg := testConfig()
	s := startService(t, cfg, db, rdb, nil)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", TaskFailed)
	s.Shutdown() // stop the live consumer; a dead one takes the entry
	publish(t, rdb, failed("t-orphan", 2))
	ctx := context.Background()
	if _, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: cfg.WithDefaults().Group, Consumer: "dead",
		Streams: []string{"openchs:feed", ">"}, Count: 10}).Result(); err != nil {
		t.Fatal(err)
	}
	startService(t, cfg, db, rdb, nil)
	rc.wait(5*time.Second, "the orphaned event", func(rc *receiver) bool { return len(rc.count) == 1 })
	rc.check()

}
