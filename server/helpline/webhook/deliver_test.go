package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

func failed(task string, seq int64) models.Event {
	b, _ := json.Marshal(models.FailureData{Status: models.StatusFailed, Error: models.ErrorInfo{Code: "processing_failed"}})
	return models.Event{Type: models.EventFailed, TaskID: task, Seq: seq, TS: time.Now(), Data: b}
}

// A receiver that fails three times and then recovers gets the event on the
// fourth attempt; the delivery log shows all four.
func TestRetriesThenDelivered(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		migrateHelpline(t, db)
		s := startService(t, testConfig(), db, rdb, nil)
		rc := newReceiver(t, "whsec_retry")
		rc.fail = func(n int) int {
			if n <= 3 {
				return http.StatusServiceUnavailable
			}
			return 0
		}
		sub := subscribe(t, s, rc.URL, rc.secret, TaskFailed)
		publish(t, rdb, failed("t-retry", 3))
		rc.wait(10*time.Second, "the event after three failures", func(rc *receiver) bool { return len(rc.count) == 1 })
		rc.check()

		ds := waitDeliveries(t, s, sub.ID, 4)
		for i, d := range ds { // newest first
			wantOK := i == 0
			if d.Delivered != wantOK || d.Attempt != 4-i {
				t.Errorf("log row %d: attempt %d delivered %v, want attempt %d delivered %v", i, d.Attempt, d.Delivered, 4-i, wantOK)
			}
			if !wantOK && (d.StatusCode != 503 || d.Error != "503 Service Unavailable") {
				t.Errorf("log row %d: status %d error %q", i, d.StatusCode, d.Error)
			}
		}
		got, err := s.store.get(context.Background(), sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Active || got.ConsecutiveFailures != 0 {
			t.Errorf("after recovery: active %v, consecutive failures %d", got.Active, got.ConsecutiveFailures)
		}
	})
}

func waitDeliveries(t testing.TB, s *Service, sub int64, n int) []Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := s.store.deliveries(context.Background(), sub, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) >= n || time.Now().After(deadline) {
			if len(ds) != n {
				t.Fatalf("delivery log holds %d rows, want %d: %+v", len(ds), n, ds)
			}
			return ds
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A receiver that always fails is disabled after DisableAfter attempts, with
// the reason on GET /helpline/api/webhooks/{id}; enabling it clears it.
func TestAlwaysFailingDisabled(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		migrateHelpline(t, db)
		cfg := testConfig()
		cfg.DisableAfter = 5
		s := startService(t, cfg, db, rdb, nil)
		rc := newReceiver(t, "whsec_dead")
		rc.fail = func(int) int { return http.StatusServiceUnavailable }
		sub := subscribe(t, s, rc.URL, rc.secret, TaskFailed)
		publish(t, rdb, failed("t-dead", 2))

		api := httptest.NewServer(s.Handler(nil))
		defer api.Close()
		var got detailReply
		deadline := time.Now().Add(10 * time.Second)
		for {
			getJSON(t, api.URL+Base+"/"+itoa(sub.ID), http.StatusOK, &got)
			if !got.Active || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got.Active {
			t.Fatal("subscription still active")
		}
		if want := "5 consecutive deliveries failed; last: 503 Service Unavailable"; got.DisabledReason != want {
			t.Errorf("disabled reason %q, want %q", got.DisabledReason, want)
		}
		if got.Secret != "" {
			t.Error("GET shows the secret")
		}
		if len(got.Deliveries) != 5 {
			t.Errorf("GET shows %d deliveries, want 5", len(got.Deliveries))
		}
		time.Sleep(200 * time.Millisecond) // no more attempts once disabled
		rc.mu.Lock()
		if rc.requests != 5 {
			t.Errorf("receiver saw %d requests, want 5", rc.requests)
		}
		rc.mu.Unlock()

		// Re-enabled, it takes new events again.
		rc.mu.Lock()
		rc.fail = nil
		rc.mu.Unlock()
		var en Subscription
		postJSON(t, api.URL+Base+"/"+itoa(sub.ID)+"/enable", "", http.StatusOK, &en)
		if !en.Active || en.DisabledReason != "" || en.ConsecutiveFailures != 0 {
			t.Errorf("enabled subscription: %+v", en)
		}
		publish(t, rdb, failed("t-alive", 2))
		rc.wait(5*time.Second, "an event after re-enabling", func(rc *receiver) bool { return len(rc.count) == 1 })
	})
}

// 410 Gone disables at once.
func TestGoneDisablesAtOnce(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	s := startService(t, testConfig(), db, rdb, nil)
	rc := newReceiver(t, "g")
	rc.fail = func(int) int { return http.StatusGone }
	sub := subscribe(t, s, rc.URL, "g", TaskFailed)
	publish(t, rdb, failed("t-gone", 2))
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := s.store.get(context.Background(), sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Active {
			if !strings.Contains(got.DisabledReason, "410") {
				t.Errorf("disabled reason %q", got.DisabledReason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("subscription not disabled after 410")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.requests != 1 {
		t.Errorf("receiver saw %d requests, want 1", rc.requests)
	}
}

// A Retry-After is capped by the service.
func TestRetryDelay(t *testing.T) {
	s := &Service{cfg: Config{BackoffBase: time.Second, BackoffMax: time.Minute, MaxRetryAfter: 10 * time.Minute}}
	if got := s.retryDelay(0, &deliveryError{retryAfter: time.Hour}, nil); got != 10*time.Minute+time.Second {
		t.Errorf("Retry-After of an hour waits %v, want the 10m cap and a second", got)
	}
	for n := range 50 {
		ceil := min(time.Minute, time.Second<<min(n, 30))
		if got := s.retryDelay(n, &deliveryError{}, nil); got < 0 || got > ceil {
			t.Errorf("retry %d waits %v, outside [0, %v]", n, got, ceil)
		}
	}
}

// Once an event's retries are spent, the subscription is disabled even
// below DisableAfter.
func TestRetriesSpentDisables(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	cfg := testConfig()
	cfg.MaxRetry, cfg.DisableAfter = 2, 100
	s := startService(t, cfg, db, rdb, nil)
	rc := newReceiver(t, "k")
	rc.fail = func(int) int { return http.StatusInternalServerError }
	sub := subscribe(t, s, rc.URL, "k", TaskFailed)
	publish(t, rdb, failed("t-spent", 2))
	got := waitDisabled(t, s, sub.ID)
	ev := eventID("task:t-spent:2:task.failed")
	if want := "event " + ev + " failed on all 3 attempts; last: 500 Internal Server Error"; got.DisabledReason != want {
		t.Errorf("disabled reason %q, want %q", got.DisabledReason, want)
	}
}

func waitDisabled(t testing.TB, s *Service, id int64) *Subscription {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.store.get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Active {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatal("subscription not disabled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A 429 with Retry-After holds the next attempt back that long.
func TestRetryAfterHonoured(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	s := startService(t, testConfig(), db, rdb, nil)
	var first time.Time
	rc := newReceiver(t, "k")
	rc.fail = func(n int) int {
		if n == 1 {
			first = time.Now()
			return http.StatusTooManyRequests
		}
		return 0
	}
	rc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		rc.serve(w, r)
	})
	subscribe(t, s, rc.URL, "k", TaskFailed)
	publish(t, rdb, failed("t-429", 2))
	rc.wait(5*time.Second, "the retried event", func(rc *receiver) bool { return len(rc.count) == 1 })
	if d := time.Since(first); d < time.Second {
		t.Errorf("retried after %v, before the receiver's Retry-After of 1s", d)
	}
}

// A redirect is a failed attempt: the signed body never reaches another
// host.
func TestRedirectNotFollowed(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	cfg := testConfig()
	cfg.DisableAfter = 1
	s := startService(t, cfg, db, rdb, nil)
	elsewhere := newReceiver(t, "k")
	redirector := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusTemporaryRedirect))
	defer redirector.Close()
	sub := subscribe(t, s, redirector.URL, "k", TaskFailed)
	publish(t, rdb, failed("t-redirect", 2))
	got := waitDisabled(t, s, sub.ID)
	if !strings.Contains(got.DisabledReason, "307") {
		t.Errorf("disabled reason %q", got.DisabledReason)
	}
	elsewhere.mu.Lock()
	defer elsewhere.mu.Unlock()
	if elsewhere.requests != 0 {
		t.Errorf("the redirect target got %d requests", elsewhere.requests)
	}
}
