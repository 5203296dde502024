package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type errorReply struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func do(t testing.TB, method, url, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestSubscriptionAPI(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	s := startService(t, testConfig(), db, rdb, nil)
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-API-Key") != "key" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	api := httptest.NewServer(s.Handler(auth))
	defer api.Close()
	key := http.Header{"X-Api-Key": {"key"}}
	base := api.URL + Base

	if code, _ := do(t, "GET", base, "", nil); code != http.StatusUnauthorized {
		t.Errorf("GET without a key: %d, want 401", code)
	}

	// Errors name what is wrong.
	for _, tt := range []struct {
		name, body string
		status     int
		code       string
		mention    string
	}{
		{"unknown event", `{"url":"https://example.org/h","events":["case.created","case.deleted"]}`, 400, "unknown_event_type", "case.deleted"},
		{"not http", `{"url":"ftp://example.org/h","events":["case.created"]}`, 400, "invalid_url", "ftp://example.org/h"},
		{"no host", `{"url":"https:///h","events":["case.created"]}`, 400, "invalid_url", "host"},
		{"no events", `{"url":"https://example.org/h","events":[]}`, 400, "invalid_events", "at least one of case.created"},
		{"not json", `url=x`, 400, "invalid_json", "JSON"},
	} {
		code, b := do(t, "POST", base, tt.body, key)
		var e errorReply
		_ = json.Unmarshal(b, &e)
		if code != tt.status || e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.mention) {
			t.Errorf("%s: %d %s, want %d %s mentioning %q", tt.name, code, b, tt.status, tt.code, tt.mention)
		}
	}

	// Created with a generated secret, shown once.
	code, b := do(t, "POST", base, `{"url":"https://example.org/hook","events":["risk.critical","case.created","risk.critical"]}`, key)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, b)
	}
	var created Subscription
	_ = json.Unmarshal(b, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) != 54 || !created.Active || created.Source != "api" {
		t.Errorf("created %s", b)
	}
	if want := []EventType{CaseCreated, RiskCritical}; strings.Join(strs(created.Events), ",") != strings.Join(strs(want), ",") {
		t.Errorf("events %v, want %v", created.Events, want)
	}
	// A chosen secret is kept.
	code, b = do(t, "POST", base, `{"url":"http://10.0.0.5:8080/in","events":["task.failed"],"secret":"chosen-secret"}`, key)
	var second Subscription
	_ = json.Unmarshal(b, &second)
	if code != http.StatusCreated || second.Secret != "chosen-secret" {
		t.Errorf("POST with a secret: %d %s", code, b)
	}
	if code, b := do(t, "POST", base, `{"url":"https://example.org/hook","events":["case.updated"]}`, key); code != http.StatusConflict {
		t.Errorf("POST of a known URL: %d %s, want 409", code, b)
	}

	// Listed and shown without secrets.
	code, b = do(t, "GET", base, "", key)
	if code != http.StatusOK || strings.Contains(string(b), "whsec_") || strings.Contains(string(b), "chosen-secret") {
		t.Errorf("GET list: %d %s", code, b)
	}
	var list listReply
	_ = json.Unmarshal(b, &list)
	if len(list.Webhooks) != 2 {
		t.Errorf("list holds %d, want 2", len(list.Webhooks))
	}
	code, b = do(t, "GET", base+"/"+itoa(created.ID), "", key)
	if code != http.StatusOK || strings.Contains(string(b), "whsec_") || !strings.Contains(string(b), `"deliveries":[]`) {
		t.Errorf("GET one: %d %s", code, b)
	}

	// Deleted, then gone.
	if code, b := do(t, "DELETE", base+"/"+itoa(created.ID), "", key); code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", code, b)
	}
	for _, path := range []string{"/" + itoa(created.ID), "/nope", "/99999"} {
		code, b := do(t, "GET", base+path, "", key)
		var e errorReply
		_ = json.Unmarshal(b, &e)
		if code != http.StatusNotFound || e.Error.Code != "webhook_not_found" {
			t.Errorf("GET %s: %d %s, want 404 webhook_not_found", path, code, b)
		}
	}
	if code, _ := do(t, "DELETE", base+"/"+itoa(created.ID), "", key); code != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", code)
	}
	if code, _ := do(t, "POST", base+"/99999/enable", "", key); code != http.StatusNotFound {
		t.Errorf("enable of an unknown id: %d, want 404", code)
	}
	if code, b := do(t, "PUT", base+"/"+itoa(second.ID), "{}", key); code != http.StatusMethodNotAllowed || !strings.Contains(string(b), "method_not_allowed") {
		t.Errorf("PUT: %d %s, want 405", code, b)
	}
}

func strs(es []EventType) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e)
	}
	return out
}

// The config file's subscriptions are upserted by URL at start: a restart
// with a changed file updates them and keeps their state.
func TestConfigFileSubscriptions(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	migrateHelpline(t, db)
	path := filepath.Join(t.TempDir(), "webhooks.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"url":"https://crm.example.org/openchs","events":["case.created"],"secret":"s1"}]`)
	specs, err := LoadSubscriptions(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Subscriptions = specs
	s := startService(t, cfg, db, rdb, nil)
	subs, _ := s.store.list(context.Background(), false)
	if len(subs) != 1 || subs[0].Secret != "s1" || subs[0].Source != "config" {
		t.Fatalf("after first start: %+v", subs)
	}
	s.Shutdown()

	write(`[{"url":"https://crm.example.org/openchs","events":["case.created","case.updated"],"secret":"s2"}]`)
	if cfg.Subscriptions, err = LoadSubscriptions(path); err != nil {
		t.Fatal(err)
	}
	s = startService(t, cfg, db, rdb, nil)
	subs, _ = s.store.list(context.Background(), false)
	if len(subs) != 1 || subs[0].Secret != "s2" || len(subs[0].Events) != 2 || subs[0].ID != 1 {
		t.Fatalf("after restart: %+v", subs)
	}

	for _, bad := range []string{
		`[{"url":"https://a.example.org","events":["case.created"]}]`,
		`[{"url":"https://a.example.org","events":["case.nope"],"secret":"x"}]`,
		`[{"url":"mailto:a@example.org","events":["case.created"],"secret":"x"}]`,
	} {
		write(bad)
		specs, err := LoadSubscriptions(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(Config{Subscriptions: specs}, db, rdb, nil, nil); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}

// Verify accepts what Sign makes and refuses a changed body, another
// secret and an old timestamp.
func TestSignVerify(t *testing.T) {
	now := time.Unix(1764340000, 0)
	body := []byte(`{"id":"evt_1","type":"case.created"}`)
	h := Sign("whsec_a", now, body)
	if !strings.HasPrefix(h, "t=1764340000,v1=") || len(h) != len("t=1764340000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	for _, tt := range []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		want                 error
	}{
		{"good", "whsec_a", h, body, now, nil},
		{"two signatures", "whsec_a", "t=1764340000,v1=00," + h[len("t=1764340000,"):], body, now, nil},
		{"other secret", "whsec_b", h, body, now, ErrSignatureMismatch},
		{"changed body", "whsec_a", h, append(body, ' '), now, ErrSignatureMismatch},
		{"old", "whsec_a", h, body, now.Add(10 * time.Minute), ErrTimestampTooOld},
		{"no header", "whsec_a", "", body, now, ErrNoSignature},
	} {
		if err := Verify(tt.secret, tt.header, tt.body, 5*time.Minute, tt.at); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
