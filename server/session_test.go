package server_test

import (
	"encoding/base64"
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

// scopedStack serves keyA and keyB (submit+read-own), keyAll (read-all)
// and keyMetrics (metrics), with no worker: uploads stay queued.
func scopedStack(t *testing.T) *stack {
	t.Helper()
	keys, err := server.ParseKeys(keyA + ":submit+read-own," + keyB + ":submit+read-own," + keyMetrics + ":metrics," + keyAll + ":read-all")
	if err != nil {
		t.Fatal(err)
	}
	return newStack(t, realRedis(t), stackConfig{server: server.Config{Keys: keys}})
}

func as(key string) map[string]string { return map[string]string{"X-API-Key": key} }

func TestWhoami(t *testing.T) {
	s := scopedStack(t)
	for _, tc := range []struct {
		name, key  string
		wantScopes []server.Scope
		may        []server.Scope
	}{
		{"a recorder", keyA, []server.Scope{"submit", "read-own"}, []server.Scope{"submit", "read-own"}},
		{"a supervisor", keyAll, []server.Scope{"read-all"}, []server.Scope{"read-all"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := s.request(t, "GET", "/whoami", "", nil, as(tc.key))
			var got struct {
				KeyID  string                `json:"key_id"`
				Scopes []server.Scope        `json:"scopes"`
				May    map[server.Scope]bool `json:"may"`
			}
			if code != 200 || json.Unmarshal(body, &got) != nil {
				t.Fatalf("GET /whoami: %d %s", code, body)
			}
			if diff := cmp.Diff(tc.wantScopes, got.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			if got.KeyID != (server.Key{Secret: tc.key}).ID() || strings.Contains(string(body), tc.key) {
				t.Errorf("key id %q; the reply must name the key without holding it: %s", got.KeyID, body)
			}
			for _, sc := range []server.Scope{"submit", "read-own", "read-all", "metrics", "cases", "admin"} {
				want := false
				for _, m := range tc.may {
					want = want || m == sc
				}
				if got.May[sc] != want {
					t.Errorf("may %s = %v, want %v", sc, got.May[sc], want)
				}
			}
		})
	}
	if code, _, _ := s.request(t, "GET", "/whoami", "", nil, map[string]string{"X-API-Key": ""}); code != 401 {
		t.Errorf("GET /whoami without a key: %d, want 401", code)
	}
	if code, _, _ := s.request(t, "GET", "/whoami", "", nil, as("not-a-key-0123456789")); code != 401 {
		t.Errorf("GET /whoami with a wrong key: %d, want 401", code)
	}
}

// A browser cannot set headers on a WebSocket: it offers the key as a
// subprotocol, and the server answers with "openchs-ai", never the key.
func TestWebSocketKeyInSubprotocol(t *testing.T) {
	s := scopedStack(t)
	url := "ws" + strings.TrimPrefix(s.url, "http") + "/ws"
	dial := func(key string) (*websocket.Conn, *http.Response, error) {
		d := websocket.Dialer{Subprotocols: []string{server.WSProtocol, server.WSKeyProtocolPrefix + base64.RawURLEncoding.EncodeToString([]byte(key))},
			HandshakeTimeout: 5 * time.Second}
		return d.Dial(url, nil)
	}
	conn, resp, err := dial(keyAll)
	if err != nil {
		t.Fatalf("dial with the key offered as a subprotocol: %v", err)
	}
	defer conn.Close()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != server.WSProtocol {
		t.Errorf("the server chose subprotocol %q, want %q", got, server.WSProtocol)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	id := backgroundUploadAs(t, s, keyA)
	conn.WriteJSON(map[string]any{"subscribe": id, "after": 0})
	var ev models.Event
	if err := conn.ReadJSON(&ev); err != nil || ev.TaskID != id || ev.Type != models.EventQueued {
		t.Errorf("a read-all key following a task: %+v %v", ev, err)
	}
	if _, resp, err := dial("not-a-key-0123456789"); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("a wrong key offered as a subprotocol: %v %v", resp, err)
	}
}

func backgroundUploadAs(t *testing.T, s *stack, key string) string {
	t.Helper()
	code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, as(key))
	var h struct {
		TaskID string `json:"task_id"`
	}
	if code != 202 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("upload: %d %s", code, body)
	}
	return h.TaskID
}

// GET /audio/tasks lists the recent tasks a key may read, newest first.
func TestRecentTasks(t *testing.T) {
	s := scopedStack(t)
	a1 := backgroundUploadAs(t, s, keyA)
	b1 := backgroundUploadAs(t, s, keyB)
	a2 := backgroundUploadAs(t, s, keyA)
	list := func(key, query string) []string {
		t.Helper()
		code, _, body := s.request(t, "GET", "/audio/tasks"+query, "", nil, as(key))
		var got struct {
			Tasks []models.Task `json:"tasks"`
		}
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("GET /audio/tasks%s: %d %s", query, code, body)
		}
		ids := []string{}
		for _, tk := range got.Tasks {
			ids = append(ids, tk.TaskID)
		}
		return ids
	}
	for _, tc := range []struct {
		name, key, query string
		want             []string
	}{
		{"a supervisor sees every task", keyAll, "", []string{a2, b1, a1}},
		{"a recorder sees its own", keyA, "", []string{a2, a1}},
		{"and the other recorder its own", keyB, "", []string{b1}},
		{"limit", keyAll, "?limit=2", []string{a2, b1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(tc.key, tc.query)); diff != "" {
				t.Errorf("tasks (-want +got):\n%s", diff)
			}
		})
	}
	if code, _, body := s.request(t, "GET", "/audio/tasks", "", nil, as(keyMetrics)); code != 403 || errorCode(t, body) != "forbidden" {
		t.Errorf("a metrics key listing tasks: %d %s", code, body)
	}
	if code, _, body := s.request(t, "GET", "/audio/tasks?limit=x", "", nil, as(keyAll)); code != 400 || errorCode(t, body) != "bad_field" {
		t.Errorf("limit=x: %d %s", code, body)
	}
	// An erased task leaves the list.
	if code, _, body := s.request(t, "DELETE", "/audio/task/"+b1, "", nil, as(keyAll)); code != 200 {
		t.Fatalf("cancel: %d %s", code, body)
	}
	if code, _, body := s.request(t, "DELETE", "/audio/task/"+b1, "", nil, as(keyAll)); code != 200 {
		t.Fatalf("erase: %d %s", code, body)
	}
	if diff := cmp.Diff([]string{a2, a1}, list(keyAll, "")); diff != "" {
		t.Errorf("after erasing %s (-want +got):\n%s", b1, diff)
	}
}

// The dashboard is served at / without a key, and unknown paths stay JSON
// 404s.
func TestDashboardIsServed(t *testing.T) {
	s := scopedStack(t)
	for _, tc := range []struct {
		path, wantType, wantText string
	}{
		{"/", "text/html", `<script type="module" src="/dashboard/app.js">`},
		{"/dashboard/app.js", "text/javascript", "openSocket"},
		{"/dashboard/style.css", "text/css", ".call"},
	} {
		code, h, body := s.request(t, "GET", tc.path, "", nil, nil)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), tc.wantType) || !strings.Contains(string(body), tc.wantText) {
			t.Errorf("GET %s: %d %s, %d bytes", tc.path, code, h.Get("Content-Type"), len(body))
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: no content security policy", tc.path)
		}
		if code, _, _ := s.request(t, "GET", tc.path, "", nil, map[string]string{"If-None-Match": h.Get("ETag")}); code != 304 {
			t.Errorf("GET %s again with its ETag: %d, want 304", tc.path, code)
		}
	}
	for _, p := range []string{"/nope", "/dashboard/nope.js", "/dashboard/index.html"} {
		if code, _, body := s.request(t, "GET", p, "", nil, nil); code != 404 || errorCode(t, body) != "not_found" {
			t.Errorf("GET %s: %d %s, want a JSON 404", p, code, body)
		}
	}
}
