package translate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
)

// fakeLibreTranslate is a small server speaking the LibreTranslate API. It
// translates word by word from a Swahili glossary and records the
// requests it served.
type fakeLibreTranslate struct {
	mu       sync.Mutex
	requests []ltRequest
	// fail, when set, answers instead of translating.
	fail func(w http.ResponseWriter, n int) bool
	n    atomic.Int32
}

var glossary = map[string]string{
	"baba": "father", "ananipiga": "beats me", "kila": "every", "siku": "day",
	"mama": "mother", "hayupo": "is away", "nisaidie": "help me",
}

func (f *fakeLibreTranslate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.n.Add(1))
	if r.Method != http.MethodPost || r.URL.Path != "/translate" {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	if f.fail != nil && f.fail(w, n) {
		return
	}
	var req ltRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Q == "" || req.Target == "" {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "Invalid request: missing q parameter"})
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	var out []string
	for _, w := range strings.Fields(req.Q) {
		word := strings.Trim(strings.ToLower(w), ".,!?")
		if t, ok := glossary[word]; ok {
			out = append(out, t)
		} else {
			out = append(out, word)
		}
	}
	json.NewEncoder(w).Encode(map[string]string{"translatedText": strings.Join(out, " ")})
}

func newServer(t *testing.T, f *fakeLibreTranslate) string {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLibreTranslateSegments(t *testing.T) {
	f := &fakeLibreTranslate{}
	lt, err := NewLibreTranslate(Config{URL: newServer(t, f), APIKey: "k", MaxChunkChars: 60})
	if err != nil {
		t.Fatal(err)
	}
	src := &models.Transcript{Language: "sw", Segments: []models.Segment{
		{Start: 0, End: 2, Text: " Baba ananipiga"},
		{Start: 2, End: 4, Text: "kila siku."},
		{Start: 4, End: 6, Text: "Mama hayupo. Nisaidie. Mama hayupo. Nisaidie. Mama hayupo. Nisaidie."},
	}}
	got, err := lt.Translate(context.Background(), Request{Transcript: src})
	if err != nil {
		t.Fatal(err)
	}
	want := &models.Transcript{
		Language: "en", Translated: true,
		Text: "father beats me every day mother is away help me mother is away help me mother is away help me",
		Segments: []models.Segment{
			{Start: 0, End: 4, Text: "father beats me every day"},
			{Start: 4, End: 6, Text: "mother is away help me mother is away help me mother is away"},
			{Start: 4, End: 6, Text: "help me"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("translation (-want +got):\n%s", diff)
	}
	for _, r := range f.requests {
		if r.Source != "sw" || r.Target != "en" || r.APIKey != "k" || r.Format != "text" {
			t.Errorf("request %+v: want source sw, target en, api_key k, format text", r)
		}
		if len(r.Q) > 60 {
			t.Errorf("request of %d characters exceeds the 60 allowed", len(r.Q))
		}
	}
}

// A dialogue keeps its speakers: consecutive segments of one speaker are
// sent together, never two speakers' words in one request.
func TestLibreTranslateDialogue(t *testing.T) {
	f := &fakeLibreTranslate{}
	lt, err := NewLibreTranslate(Config{URL: newServer(t, f), MaxChunkChars: 200})
	if err != nil {
		t.Fatal(err)
	}
	left, right := 0, 1
	src := &models.Transcript{Language: "sw", Segments: []models.Segment{
		{Start: 0, End: 2, Text: "Mama hayupo?", Channel: &left, Speaker: models.SpeakerAgent},
		{Start: 2, End: 4, Text: "Baba ananipiga", Channel: &right, Speaker: models.SpeakerCaller},
		{Start: 4, End: 6, Text: "kila siku.", Channel: &right, Speaker: models.SpeakerCaller},
	}}
	got, err := lt.Translate(context.Background(), Request{Transcript: src})
	if err != nil {
		t.Fatal(err)
	}
	want := []models.Segment{
		{Start: 0, End: 2, Text: "mother is away", Channel: &left, Speaker: models.SpeakerAgent},
		{Start: 2, End: 6, Text: "father beats me every day", Channel: &right, Speaker: models.SpeakerCaller},
	}
	if diff := cmp.Diff(want, got.Segments); diff != "" {
		t.Errorf("segments (-want +got):\n%s", diff)
	}
}

func TestLibreTranslateText(t *testing.T) {
	f := &fakeLibreTranslate{}
	lt, err := NewLibreTranslate(Config{URL: newServer(t, f) + "/", MaxChunkChars: 50})
	if err != nil {
		t.Fatal(err)
	}
	got, err := lt.Text(context.Background(), strings.Repeat("Mama hayupo. ", 10), "auto")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(strings.Repeat("mother is away ", 10)); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if len(f.requests) < 3 {
		t.Errorf("%d requests, want the text chunked into at least 3", len(f.requests))
	}
}

func TestLibreTranslateErrors(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(w http.ResponseWriter, n int) bool
		timeout   time.Duration
		wantErr   error
		wantInMsg string
		wantCalls int32
	}{
		{
			name: "bad request is not retried",
			fail: func(w http.ResponseWriter, n int) bool {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"error":"sw is not supported"}`))
				return true
			},
			wantErr: ErrRejected, wantInMsg: "sw is not supported", wantCalls: 1,
		},
		{
			name: "forbidden without a key",
			fail: func(w http.ResponseWriter, n int) bool {
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"error":"Invalid API key"}`))
				return true
			},
			wantErr: ErrRejected, wantInMsg: "Invalid API key", wantCalls: 1,
		},
		{
			name: "server error retried then given up",
			fail: func(w http.ResponseWriter, n int) bool {
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"error":"model crashed"}`))
				return true
			},
			wantErr: ErrUnavailable, wantInMsg: "model crashed", wantCalls: 2,
		},
		{
			name: "server error once then success",
			fail: func(w http.ResponseWriter, n int) bool {
				if n > 1 {
					return false
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			},
			wantCalls: 2,
		},
		{
			name: "undecodable body",
			fail: func(w http.ResponseWriter, n int) bool {
				w.Write([]byte(`<html>proxy</html>`))
				return true
			},
			wantErr: ErrUnavailable, wantInMsg: "undecodable", wantCalls: 2,
		},
		{
			name: "timeout",
			fail: func(w http.ResponseWriter, n int) bool {
				time.Sleep(300 * time.Millisecond)
				return false
			},
			timeout: 50 * time.Millisecond,
			wantErr: context.DeadlineExceeded, wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLibreTranslate{fail: tt.fail}
			lt, err := NewLibreTranslate(Config{URL: newServer(t, f), Timeout: tt.timeout, RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			src := &models.Transcript{Language: "sw", Text: "Baba ananipiga."}
			_, err = lt.Translate(context.Background(), Request{Transcript: src})
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Translate: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Translate error = %v, want %v", err, tt.wantErr)
			case tt.wantInMsg != "" && !strings.Contains(err.Error(), tt.wantInMsg):
				t.Errorf("error %q does not say %q", err, tt.wantInMsg)
			}
			if got := f.n.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestLibreTranslateUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	lt, err := NewLibreTranslate(Config{URL: url, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lt.Translate(context.Background(), Request{Transcript: &models.Transcript{Language: "sw", Text: "Habari"}})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
}

// TestRunFailsSoft checks that the stage reports a failed translation in
// its result instead of failing the call.
func TestRunFailsSoft(t *testing.T) {
	f := &fakeLibreTranslate{fail: func(w http.ResponseWriter, n int) bool {
		w.WriteHeader(http.StatusBadGateway)
		return true
	}}
	lt, err := NewLibreTranslate(Config{URL: newServer(t, f), RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	got := Run(context.Background(), lt, Request{Transcript: &models.Transcript{Language: "sw", Text: "Baba ananipiga."}}, "")
	if got.Status != models.TranslationFailed || !strings.Contains(got.Error, "502") || got.Transcript() != nil {
		t.Errorf("Run = %+v, want status failed naming the 502", got)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestRun(t *testing.T) {
	f := &fakeLibreTranslate{}
	lt, err := NewLibreTranslate(Config{URL: newServer(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  *models.Transcript
		want *models.Translation
	}{
		{
			name: "swahili translated",
			src:  &models.Transcript{Language: "sw", Text: "Nisaidie", Segments: []models.Segment{{Start: 1, End: 2, Text: "Nisaidie"}}},
			want: &models.Translation{Status: models.TranslationDone, Backend: "libretranslate", SourceLanguage: "sw", TargetLanguage: "en",
				Text: "help me", Segments: []models.Segment{{Start: 1, End: 2, Text: "help me"}}},
		},
		{
			name: "english skipped",
			src:  &models.Transcript{Language: "en-KE", Text: "Help me"},
			want: &models.Translation{Status: models.TranslationSkipped, Backend: "libretranslate", SourceLanguage: "en-KE", TargetLanguage: "en", Text: "Help me"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Run(context.Background(), lt, Request{Transcript: tt.src}, "en")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Run (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg     Config
		wantErr bool
	}{
		{Config{}, false},
		{Config{Backend: "libretranslate", URL: "http://lt:5000"}, false},
		{Config{Backend: "libretranslate"}, true},
		{Config{Backend: "google"}, true},
		{Config{MaxChunkChars: 10}, true},
	}
	for _, tt := range tests {
		if err := tt.cfg.WithDefaults().Validate(); (err != nil) != tt.wantErr {
			t.Errorf("%+v: Validate() = %v, want error %v", tt.cfg, err, tt.wantErr)
		}
	}
}
