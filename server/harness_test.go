package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

// testDB is this package's database on the test Redis server.
const testDB = 12

// testKey is the API key the test servers accept.
const testKey = "test-key-0123456789abcdef"

// need skips a test whose dependency is missing, or fails it in CI.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}

// realRedis returns a client on the local Redis server's test database,
// flushed.
func realRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testRedisAddr(), DB: testDB, PoolSize: 64})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		need(t, "Redis at %s: %v", testRedisAddr(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// embeddedRedis returns a client on an in-process miniredis whose clock
// advances with the real one, as serve runs it without REDIS_URL.
func embeddedRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	m := miniredis.RunT(t)
	done := make(chan struct{})
	go func() {
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				m.FastForward(time.Second)
			case <-done:
				return
			}
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), PoolSize: 64})
	t.Cleanup(func() { close(done); rdb.Close() })
	return rdb
}

type stack struct {
	url    string
	rdb    redis.UniversalClient
	client *queue.Client
}

type stackConfig struct {
	server server.Config
	queue  queue.Config
	// proc, when set, runs a worker in the same process.
	proc queue.Processor
	opts []server.Option
	// cases and helpline, when helpline is set, make the worker write
	// cases to the helpline at that address (with helplineKey).
	cases       queue.CaseOptions
	delivery    queue.DeliveryConfig
	helpline    string
	helplineKey string
}

// newStack runs the API (and a worker when sc.proc is set) on rdb behind an
// httptest server.
func newStack(t testing.TB, rdb redis.UniversalClient, sc stackConfig) *stack {
	t.Helper()
	if sc.server.Keys == nil && !sc.server.NoAuth {
		sc.server.Keys = []server.Key{server.FullAccess(testKey)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c, err := queue.NewClient(rdb, sc.queue)
	if err != nil {
		t.Fatal(err)
	}
	hub := queue.NewHub(rdb, sc.queue, nil)
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(sc.server, c, hub, sc.opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	var w *queue.Worker
	if sc.proc != nil {
		w, err = queue.NewWorker(rdb, sc.queue, queue.WorkerConfig{Concurrency: 1, ShutdownTimeout: 2 * time.Second, Cases: sc.cases}, sc.proc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
	}
	var d *queue.Deliverer
	if sc.helpline != "" {
		sink, err := caseapi.New(caseapi.Config{BaseURL: sc.helpline, APIKey: sc.helplineKey, Timeout: sc.delivery.RequestTimeout})
		if err == nil {
			d, err = queue.NewDeliverer(rdb, sc.queue, sc.delivery, sink, nil)
		}
		if err == nil {
			err = d.Start()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		if w != nil {
			w.Shutdown()
		}
		if d != nil {
			d.Shutdown()
		}
		cancel()
		c.Close()
	})
	return &stack{url: ts.URL, rdb: rdb, client: c}
}

// form builds a multipart upload with the file in "audio" and the given
// fields.
func form(t testing.TB, filename string, audio []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("audio", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(audio)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// request sends a request with the test key (unless headers say otherwise)
// and returns the status and body.
func (s *stack) request(t testing.TB, method, path, contentType string, body []byte, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-API-Key", testKey)
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// upload posts audio to path with fields.
func (s *stack) upload(t testing.TB, path string, audio []byte, fields map[string]string, headers map[string]string) (int, http.Header, []byte) {
	t.Helper()
	ct, body := form(t, "call.wav", audio, fields)
	return s.request(t, "POST", path, ct, body, headers)
}

// errorCode decodes an error reply, failing the test when it does not have
// the service's error shape.
func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error *models.ErrorInfo `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an error reply: %s", body)
	}
	return e.Error.Code
}

// waitStatus polls a task until it reaches a terminal status.
func (s *stack) waitStatus(t testing.TB, id string) models.Task {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, _, body := s.request(t, "GET", "/audio/task/"+id, "", nil, nil)
		if code != http.StatusOK {
			t.Fatalf("GET task: %d %s", code, body)
		}
		var task models.Task
		if err := json.Unmarshal(body, &task); err != nil {
			t.Fatal(err)
		}
		if task.Status.Terminal() {
			return task
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", id)
	return models.Task{}
}

func newHTTPTest(t testing.TB, srv *server.Server) string {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// testRedisAddr is the test Redis server: OPENCHS_AI_TEST_REDIS, or the
// local one on the default port.
func testRedisAddr() string {
	if a := os.Getenv("OPENCHS_AI_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}
