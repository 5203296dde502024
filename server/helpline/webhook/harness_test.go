package webhook

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

// testDB is this package's Redis database number.
const testDB = 9

// need skips a test whose dependency is missing, or fails it in CI.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}

// testRedis returns a client on this package's flushed Redis database.
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testRedisAddr(), DB: testDB, PoolSize: 32})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		need(t, "Redis at %s: %v", testRedisAddr(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testConfig delivers fast: tiny backoffs and intervals.
func testConfig() Config {
	return Config{
		PollInterval:    20 * time.Millisecond,
		GapWait:         200 * time.Millisecond,
		ClaimIdle:       500 * time.Millisecond,
		BackoffBase:     5 * time.Millisecond,
		BackoffMax:      20 * time.Millisecond,
		CheckInterval:   20 * time.Millisecond,
		MaxRetry:        20,
		Concurrency:     8,
		ShutdownTimeout: 2 * time.Second,
		RequestTimeout:  2 * time.Second,
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startService starts a Service on db and rdb, shut down when the test ends.
func startService(t testing.TB, cfg Config, db *sqldb.DB, rdb redis.UniversalClient, tasks TaskReader) *Service {
	t.Helper()
	s, err := New(cfg, db, rdb, tasks, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// receiver is a webhook endpoint that verifies every signature and counts
// deliveries by event id.
type receiver struct {
	*httptest.Server
	t      testing.TB
	secret string

	mu       sync.Mutex
	fail     func(n int) int // status for the nth request (from 1); 0: 204
	requests int
	count    map[string]int
	events   map[string]Event
	bad      []string
}

func newReceiver(t testing.TB, secret string) *receiver {
	r := &receiver{t: t, secret: secret, count: map[string]int{}, events: map[string]Event{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if rc.fail != nil {
		if code := rc.fail(rc.requests); code != 0 {
			w.WriteHeader(code)
			return
		}
	}
	if err := Verify(rc.secret, r.Header.Get(HeaderSignature), body, 5*time.Minute, time.Now()); err != nil {
		rc.bad = append(rc.bad, err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.bad = append(rc.bad, "body: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch {
	case r.Header.Get("Content-Type") != "application/json":
		rc.bad = append(rc.bad, "content type "+r.Header.Get("Content-Type"))
	case r.Header.Get(HeaderEventID) != ev.ID:
		rc.bad = append(rc.bad, "event id header "+r.Header.Get(HeaderEventID)+" != "+ev.ID)
	case r.Header.Get(HeaderEventType) != string(ev.Type):
		rc.bad = append(rc.bad, "event type header "+r.Header.Get(HeaderEventType))
	}
	rc.count[ev.ID]++
	rc.events[ev.ID] = ev
	w.WriteHeader(http.StatusNoContent)
}

// wait polls until cond holds for the receiver, or fails after d.
func (rc *receiver) wait(d time.Duration, what string, cond func(rc *receiver) bool) {
	rc.t.Helper()
	deadline := time.Now().Add(d)
	for {
		rc.mu.Lock()
		ok := cond(rc)
		rc.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			rc.t.Fatalf("timed out waiting for %s: %d requests, %d distinct events, bad: %v", what, rc.requests, len(rc.count), rc.bad)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ofType returns the received events of type typ.
func (rc *receiver) ofType(typ EventType) []Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []Event
	for _, ev := range rc.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func (rc *receiver) check() {
	rc.t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		rc.t.Errorf("receiver refused deliveries: %v", rc.bad)
	}
	for id, n := range rc.count {
		if n != 1 {
			rc.t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

// subscribe adds a subscription straight to the store.
func subscribe(t testing.TB, s *Service, url, secret string, events ...EventType) *Subscription {
	t.Helper()
	sub, err := s.store.create(context.Background(), SubscriptionSpec{URL: url, Events: events, Secret: secret}, "api")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// publish appends ev to the feed in the shape queue's publish script writes:
// fields t (task id), id (the event's id in its task's stream, 0-N) and e
// (the event JSON, or "" when it is over 8 KB).
func publish(t testing.TB, rdb redis.UniversalClient, ev models.Event) {
	t.Helper()
	ctx := context.Background()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	sid := "0-" + strconv.FormatInt(ev.Seq, 10)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "openchs:events:" + ev.TaskID, ID: sid, Values: []any{"e", string(b)}}).Err(); err != nil {
		t.Fatal(err)
	}
	fe := string(b)
	if len(fe) > 8192 {
		fe = ""
	}
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "openchs:feed", MaxLen: 10000, Approx: true, ID: "*",
		Values: []any{"t", ev.TaskID, "id", sid, "e", fe}}).Err(); err != nil {
		t.Fatal(err)
	}
}

// fakeTasks is a TaskReader over a map.
type fakeTasks map[string]*models.Task

func (f fakeTasks) Task(_ context.Context, id string) (*models.Task, error) {
	if t, ok := f[id]; ok {
		return t, nil
	}
	return nil, queue.ErrNotFound
}

// Events reports none: the tasks' streams have expired.
func (f fakeTasks) Events(context.Context, string, int64, int64) ([]models.Event, error) {
	return nil, nil
}

// dialects runs fn once per database dialect.
func dialects(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	for _, d := range sqltest.Dialects {
		t.Run(d, func(t *testing.T) { fn(t, sqltest.Open(t, d)) })
	}
}

func sqldbSQLite(t testing.TB) *sqldb.DB { return sqltest.SQLite(t) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func getJSON(t testing.TB, url string, status int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, b, status)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
}

func postJSON(t testing.TB, url, body string, status int, v any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, b, status)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("POST %s: %v in %s", url, err, b)
		}
	}
}

// testRedisAddr is the test Redis server: OPENCHS_AI_TEST_REDIS, or the
// local one on the default port.
func testRedisAddr() string {
	if a := os.Getenv("OPENCHS_AI_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}
