package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server"
)

func TestParseKeys(t *testing.T) {
	const k1, k2 = "aaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbb2"
	for _, tc := range []struct {
		name, in string
		want     []server.Key
		err      string
	}{
		{"plain keys have every scope", k1 + "," + k2, []server.Key{server.FullAccess(k1), server.FullAccess(k2)}, ""},
		{"scoped", k1 + ":submit+read-own, " + k2 + ":metrics", []server.Key{
			{Secret: k1, Scopes: []server.Scope{server.ScopeSubmit, server.ScopeReadOwn}},
			{Secret: k2, Scopes: []server.Scope{server.ScopeMetrics}}}, ""},
		{"a lone comma is no key", ",", nil, "holds no key"},
		{"two unset variables joined", " , ", nil, "holds no key"},
		{"empty", "", nil, "holds no key"},
		{"short", "short", nil, "shorter than 16"},
		{"unknown scope", k1 + ":everything", nil, `scope "everything"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := server.ParseKeys(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

// A server with no keys is refused unless authentication is turned off
// explicitly: an empty key list never means "let everyone in".
func TestNoKeysIsNotNoAuth(t *testing.T) {
	if _, err := server.New(server.Config{}, nil, nil); err == nil || !strings.Contains(err.Error(), "no API keys") {
		t.Fatalf("server with no keys: %v", err)
	}
	if _, err := server.New(server.Config{NoAuth: true}, nil, nil); err != nil {
		t.Fatalf("server with authentication off: %v", err)
	}
}

const (
	keyA       = "recorder-a-0123456789"
	keyB       = "recorder-b-0123456789"
	keyMetrics = "prometheus-0123456789"
	keyAll     = "supervisor-0123456789"
)

// Each key sees what its scopes allow: a recorder its own calls, a scraper
// the metrics, a supervisor everything; another's task is a 404, as if it
// did not exist.
func TestKeyScopes(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 4), release: make(chan struct{})}
	keys, err := server.ParseKeys(keyA + ":submit+read-own," + keyB + ":submit+read-own," + keyMetrics + ":metrics," + keyAll + ":read-all")
	if err != nil {
		t.Fatal(err)
	}
	helpline := server.WithMount("/helpline/api/", func(auth func(http.Handler) http.Handler) http.Handler {
		return auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) }))
	})
	keys = append(keys, server.Key{Secret: "helpline-user-0123456789", Scopes: []server.Scope{server.ScopeCases}})
	s := newStack(t, realRedis(t), stackConfig{proc: proc, server: server.Config{Keys: keys}, opts: []server.Option{helpline}})
	as := func(key string) map[string]string { return map[string]string{"X-API-Key": key} }
	code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, as(keyA))
	var h struct {
		TaskID string `json:"task_id"`
	}
	if code != 202 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("upload with a submit key: %d %s", code, body)
	}
	id := h.TaskID
	<-proc.started

	for _, tc := range []struct {
		name, key, method, path string
		want                    int
	}{
		{"owner reads its task", keyA, "GET", "/audio/task/" + id, 200},
		{"another recorder does not see it", keyB, "GET", "/audio/task/" + id, 404},
		{"nor its events", keyB, "GET", "/audio/task/" + id + "/events", 404},
		{"nor cancels it", keyB, "DELETE", "/audio/task/" + id, 404},
		{"nor re-drives its case", keyB, "POST", "/audio/task/" + id + "/case", 404},
		{"a read-all key sees it", keyAll, "GET", "/audio/task/" + id, 200},
		{"a scraper reads metrics", keyMetrics, "GET", "/metrics", 200},
		{"a scraper reads the queue", keyMetrics, "GET", "/audio/queue", 200},
		{"a scraper reads no task", keyMetrics, "GET", "/audio/task/" + id, 404},
		{"a recorder reads no metrics", keyA, "GET", "/metrics", 403},
		{"a supervisor uploads nothing", keyAll, "POST", "/audio/process", 403},
		{"a recorder uses no helpline", keyA, "GET", "/helpline/api/health", 403},
		{"a cases key uses the helpline", "helpline-user-0123456789", "GET", "/helpline/api/health", 200},
		{"a cases key reads no task", "helpline-user-0123456789", "GET", "/audio/task/" + id, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := s.request(t, tc.method, tc.path, "", nil, as(tc.key))
			if code != tc.want {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.want)
			}
			if code == 403 && errorCode(t, body) != "forbidden" {
				t.Errorf("403 body %s", body)
			}
		})
	}

	t.Run("WebSocket", func(t *testing.T) {
		dial := func(key string) *websocket.Conn {
			conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+"/ws", http.Header{"X-API-Key": {key}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			return conn
		}
		var msg struct {
			Error  models.ErrorInfo `json:"error"`
			TaskID string           `json:"task_id"`
		}
		b := dial(keyB)
		b.WriteJSON(map[string]string{"subscribe": "*"})
		if err := b.ReadJSON(&msg); err != nil || msg.Error.Code != "forbidden" {
			t.Errorf("recorder subscribing to every task: %+v %v", msg, err)
		}
		b.WriteJSON(map[string]string{"subscribe": id})
		if err := b.ReadJSON(&msg); err != nil || msg.Error.Code != "task_not_found" {
			t.Errorf("recorder subscribing to another's task: %+v %v", msg, err)
		}
		a := dial(keyA)
		a.WriteJSON(map[string]any{"subscribe": id, "after": 0})
		var ev models.Event
		if err := a.ReadJSON(&ev); err != nil || ev.TaskID != id {
			t.Errorf("owner subscribing to its task: %+v %v", ev, err)
		}
	})
	close(proc.release)
}

// An idempotency key belongs to the key that used it: another recorder's
// upload with the same Idempotency-Key is a task of its own, not a way in
// to the first one.
func TestIdempotencyKeyIsPerAPIKey(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 4), release: make(chan struct{})}
	defer close(proc.release)
	keys, _ := server.ParseKeys(keyA + ":submit+read-own," + keyB + ":submit+read-own")
	s := newStack(t, realRedis(t), stackConfig{proc: proc, server: server.Config{Keys: keys}})
	wav := toneWAV(time.Second)
	ids := map[string]string{}
	for _, k := range []string{keyA, keyA, keyB} {
		code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"background": "true"}, map[string]string{"X-API-Key": k, "Idempotency-Key": "call-7"})
		var h struct {
			TaskID string `json:"task_id"`
		}
		if code != 202 || json.Unmarshal(body, &h) != nil {
			t.Fatalf("upload: %d %s", code, body)
		}
		if prev, ok := ids[k]; ok && prev != h.TaskID {
			t.Errorf("the same key's repeat made a new task")
		}
		ids[k] = h.TaskID
	}
	if ids[keyA] == ids[keyB] {
		t.Fatalf("two API keys with one Idempotency-Key share task %s", ids[keyA])
	}
}

// Without keys the service answers only requests addressed to this
// machine: a DNS-rebinding page sends its own host name.
func TestNoAuthAnswersOnlyLocalhost(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc, server: server.Config{NoAuth: true}})
	for host, want := range map[string]int{"evil.example": 403, "evil.example:8123": 403, "localhost:8123": 200, "127.0.0.1": 200, "[::1]:8123": 200} {
		req, _ := http.NewRequest("GET", s.url+"/audio/queue", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
