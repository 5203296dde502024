package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// receiver is a webhook receiver that checks every signature the way the
// README tells receivers to.
type receiver struct {
	secret string
	mu     sync.Mutex
	events []map[string]any
	bad    []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// OpenCHS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
	var ts, sig string
	for _, part := range strings.Split(r.Header.Get("OpenCHS-Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	m := hmac.New(sha256.New, []byte(rc.secret))
	m.Write([]byte(ts + "." + string(body)))
	if want := hex.EncodeToString(m.Sum(nil)); ts == "" || !hmac.Equal([]byte(sig), []byte(want)) {
		rc.bad = append(rc.bad, r.Header.Get("OpenCHS-Signature"))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	json.Unmarshal(body, &ev)
	rc.events = append(rc.events, ev)
}

func (rc *receiver) find(typ string) map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ev := range rc.events {
		if ev["type"] == typ {
			return ev
		}
	}
	return nil
}

// serve on its embedded defaults turns an upload into a case on its
// built-in helpline, and tells a subscribed receiver with a signed
// case.created webhook.
func TestUploadBecomesCaseWithSignedWebhook(t *testing.T) {
	rc := &receiver{secret: "whsec_test_0123456789"}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	cfg := filepath.Join(t.TempDir(), "webhooks.json")
	subs, _ := json.Marshal([]map[string]any{{"url": hook.URL, "events": []string{"case.created", "task.completed"}, "secret": rc.secret}})
	os.WriteFile(cfg, subs, 0o600)

	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+serviceKey, "--model="+modelArg(t), "--webhooks="+cfg)
	id := post(t, s.url, jfkWAV(t))
	var c *models.CaseRef
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if c = taskCase(t, s.url, id); c != nil && c.Status.Final() {
			break
		}
	}
	if c == nil || c.Status != models.DeliveryCreated || !strings.HasPrefix(c.URL, s.url+"/helpline/api/cases/") {
		t.Fatalf("case of the upload: %+v", c)
	}

	req, _ := http.NewRequest("GET", s.url+"/helpline/api/cases?external_ref="+id, nil)
	req.Header.Set("X-API-Key", serviceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var cases []models.Case
	json.NewDecoder(resp.Body).Decode(&cases)
	resp.Body.Close()
	if len(cases) != 1 || cases[0].ID != c.ID || cases[0].CaseNumber != c.CaseNumber || cases[0].Source != "ai" {
		t.Fatalf("GET /helpline/api/cases: %+v", cases)
	}

	var ev map[string]any
	for deadline := time.Now().Add(30 * time.Second); ev == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ev = rc.find("case.created")
	}
	if ev == nil {
		t.Fatalf("no case.created webhook; bad signatures %v", rc.bad)
	}
	data, _ := json.Marshal(ev["data"])
	if !strings.Contains(string(data), c.CaseNumber) || ev["id"] == "" {
		t.Errorf("case.created webhook: %s", data)
	}
	if len(rc.bad) > 0 {
		t.Errorf("deliveries with bad signatures: %v", rc.bad)
	}
}

// The embedded Redis holds recordings: another local process that finds
// its port cannot read it without the password serve made.
func TestEmbeddedRedisNeedsAPassword(t *testing.T) {
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+serviceKey, "--model="+modelArg(t))
	m := regexp.MustCompile(`redis=(127\.0\.0\.1:\d+)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no embedded Redis address in the log:\n%s", s.stderr.String())
	}
	rdb := redis.NewClient(&redis.Options{Addr: m[1]})
	defer rdb.Close()
	err := rdb.Ping(context.Background()).Err()
	if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING without the password: %v, want NOAUTH", err)
	}
	if keys, err := rdb.Keys(context.Background(), "*").Result(); err == nil {
		t.Fatalf("read keys without the password: %v", keys)
	}
}
