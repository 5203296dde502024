package helpline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
	"github.com/openchs/openchs-ai/server/reply"
)

const testKey = "test-key-0123456789abcdef"

// requireKey stands in for the server's API-key middleware.
func requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != testKey {
			reply.Error(w, http.StatusUnauthorized, "missing_api_key", "An API key is required.", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type env struct {
	h   *helpline.Helpline
	srv *httptest.Server
}

// each runs fn against a fresh helpline on each dialect.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range sqltest.Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, newEnv(t, d))
		})
	}
}

func newEnv(t testing.TB, dialect string) *env {
	t.Helper()
	h, err := helpline.Open(context.Background(), helpline.Config{DSN: sqltest.DSN(t, dialect)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler(requireKey))
	t.Cleanup(func() { srv.Close(); h.Close() })
	return &env{h: h, srv: srv}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errCode returns the reply's error code and details.
func (r resp) errCode(t testing.TB) (string, map[string]any) {
	t.Helper()
	var b struct {
		Error struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	r.decode(t, &b)
	if b.Error.Message == "" {
		t.Errorf("error %q has no message", b.Error.Code)
	}
	return b.Error.Code, b.Error.Details
}

func (e *env) do(t testing.TB, method, path string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", testKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}
