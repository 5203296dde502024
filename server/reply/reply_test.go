package reply_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openchs/openchs-ai/server/reply"
)

func TestError(t *testing.T) {
	w := httptest.NewRecorder()
	reply.Error(w, http.StatusNotFound, "case_not_found", "No case with this id.", map[string]any{"id": "7"})
	if w.Code != 404 || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	want := `{"error":{"code":"case_not_found","message":"No case with this id.","details":{"id":"7"}}}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body %s, want %s", got, want)
	}
}
