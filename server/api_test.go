package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

// toneWAV returns a 16 kHz mono PCM16 WAV of a 440 Hz tone lasting d.
func toneWAV(d time.Duration) []byte {
	pcm := make([]float32, int(d.Seconds()*16000))
	for i := range pcm {
		pcm[i] = float32(0.25 * math.Sin(2*math.Pi*440*float64(i)/16000))
	}
	return pcmWAV(pcm)
}

// pcmWAV encodes 16 kHz samples as a PCM16 WAV: one slice per channel
// (mono, or left then right), all of the first one's length.
func pcmWAV(chans ...[]float32) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	c := len(chans)
	n := len(chans[0]) * c
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(c), uint32(16000), uint32(32000 * c), uint16(2 * c), uint16(16)} {
		binary.Write(&b, le, v)
	}
	b.WriteString("data")
	binary.Write(&b, le, uint32(2*n))
	samples := make([]int16, n)
	for ch, pcm := range chans {
		for i, v := range pcm[:n/c] {
			samples[i*c+ch] = int16(max(-1, min(1, v)) * 32767)
		}
	}
	binary.Write(&b, le, samples)
	return b.Bytes()
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func TestAuth(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{})
	tests := []struct {
		name     string
		path     string
		headers  map[string]string
		want     int
		wantCode string
	}{
		{"health needs no key", "/health", map[string]string{"X-API-Key": ""}, 200, ""},
		{"no key", "/audio/queue", map[string]string{"X-API-Key": ""}, 401, "missing_api_key"},
		{"wrong key", "/audio/queue", map[string]string{"X-API-Key": "not-the-key-000000000"}, 401, "invalid_api_key"},
		{"bearer token", "/audio/queue", map[string]string{"X-API-Key": "", "Authorization": "Bearer " + testKey}, 200, ""},
		{"X-API-Key", "/audio/queue", nil, 200, ""},
		{"ready needs a key", "/ready", map[string]string{"X-API-Key": ""}, 401, "missing_api_key"},
		{"task status needs a key", "/audio/task/abc", map[string]string{"X-API-Key": ""}, 401, "missing_api_key"},
		{"an id that is no task id", "/audio/task/..%2f..%2fetc", nil, 404, "task_not_found"},
		{"a key pattern is no task id", "/audio/task/*", nil, 404, "task_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := s.request(t, "GET", tt.path, "", nil, tt.headers)
			if code != tt.want {
				t.Fatalf("status = %d, want %d: %s", code, tt.want, body)
			}
			if tt.wantCode != "" {
				if got := errorCode(t, body); got != tt.wantCode {
					t.Errorf("code = %q, want %q", got, tt.wantCode)
				}
			}
		})
	}
	// An upload without a key is refused before its body is looked at.
	code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), nil, map[string]string{"X-API-Key": ""})
	if code != 401 || errorCode(t, body) != "missing_api_key" {
		t.Errorf("upload without key: %d %s", code, body)
	}
}

func TestUploadErrors(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{
		server: server.Config{MaxUploadBytes: 160 << 10, MaxDuration: 3 * time.Second},
		opts:   []server.Option{server.WithDecoder(audio.Decoder{})},
	})
	ct, big := form(t, "big.wav", make([]byte, 400<<10), nil)
	tests := []struct {
		name     string
		ct       string
		body     []byte
		chunked  bool
		want     int
		wantCode string
	}{
		{"declared too large", ct, big, false, 413, "upload_too_large"},
		{"chunked, too large", ct, big, true, 413, "upload_too_large"},
		{"not multipart", "application/json", []byte(`{"audio": "x"}`), false, 415, "not_multipart"},
		{"no audio field", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nsw\r\n--x--\r\n"), false, 400, "missing_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				r = io.MultiReader(r) // hides the length: sent chunked
			}
			req, _ := http.NewRequest("POST", s.url+"/audio/process", r)
			req.Header.Set("Content-Type", tt.ct)
			req.Header.Set("X-API-Key", testKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want || errorCode(t, body) != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tt.want, tt.wantCode)
			}
		})
	}
	uploads := []struct {
		name     string
		audio    []byte
		fields   map[string]string
		want     int
		wantCode string
	}{
		{"a PNG", pngBytes, nil, 415, "unsupported_audio"},
		{"a damaged WAV", toneWAV(time.Second)[:30], nil, 422, "undecodable_audio"},
		{"too long", toneWAV(4 * time.Second), nil, 413, "audio_too_long"},
		{"bad boolean", toneWAV(time.Second), map[string]string{"background": "maybe"}, 400, "bad_field"},
		{"vad neither on nor off", toneWAV(time.Second), map[string]string{"vad": "sometimes"}, 400, "bad_field"},
		{"bad language", toneWAV(time.Second), map[string]string{"language": "swahili!"}, 400, "bad_field"},
		{"a language Whisper does not know", toneWAV(time.Second), map[string]string{"language": "xx"}, 400, "bad_field"},
		{"bad channels", toneWAV(time.Second), map[string]string{"channels": "both"}, 400, "bad_field"},
		{"bad agent channel", toneWAV(time.Second), map[string]string{"channels": "split", "agent_channel": "centre"}, 400, "bad_field"},
	}
	for _, tt := range uploads {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := s.upload(t, "/audio/process", tt.audio, tt.fields, nil)
			if code != tt.want || errorCode(t, body) != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.want, tt.wantCode)
			}
		})
	}
}

func TestUnknownTask(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{})
	for _, m := range []struct{ method, path string }{
		{"GET", "/audio/task/0123456789abcdef0123456789abcdef"},
		{"DELETE", "/audio/task/0123456789abcdef0123456789abcdef"},
		{"GET", "/audio/task/0123456789abcdef0123456789abcdef/events"},
	} {
		code, _, body := s.request(t, m.method, m.path, "", nil, nil)
		if code != 404 || errorCode(t, body) != "task_not_found" {
			t.Errorf("%s %s = %d %s, want 404 task_not_found", m.method, m.path, code, body)
		}
	}
	code, _, body := s.request(t, "GET", "/no/such/thing", "", nil, nil)
	if code != 404 || errorCode(t, body) != "not_found" {
		t.Errorf("unknown path = %d %s", code, body)
	}
	code, hdr, body := s.request(t, "PUT", "/audio/process", "", nil, nil)
	if code != 405 || errorCode(t, body) != "method_not_allowed" || hdr.Get("Allow") != "POST" {
		t.Errorf("wrong method = %d %v %s", code, hdr.Get("Allow"), body)
	}
}

func TestBackPressure(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{queue: queue.Config{MaxPending: 2, RetryAfter: 20 * time.Second}})
	bg := map[string]string{"background": "true"}
	for i := range 2 {
		if code, _, body := s.upload(t, "/audio/process", toneWAV(time.Duration(i+1)*time.Second), bg, nil); code != 202 {
			t.Fatalf("upload %d: %d %s", i, code, body)
		}
	}
	code, hdr, body := s.upload(t, "/audio/process", toneWAV(time.Second), bg, nil)
	if code != 429 || hdr.Get("Retry-After") != "20" || errorCode(t, body) != "queue_full" {
		t.Fatalf("third upload: %d Retry-After=%q %s", code, hdr.Get("Retry-After"), body)
	}
	// When full, an upload is refused before its body is read: a client
	// whose body never arrives still hears 429 at once.
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", s.url+"/audio/process", pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("X-API-Key", testKey)
	got := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	select {
	case c := <-got:
		if c != 429 {
			t.Errorf("upload whose body never comes, when full: %d, want 429", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("an upload whose body never comes was not refused while full")
	}
	code, _, body = s.request(t, "GET", "/audio/queue", "", nil, nil)
	var st queue.Stats
	if err := json.Unmarshal(body, &st); err != nil || code != 200 {
		t.Fatal(code, string(body), err)
	}
	if st.Queues["default"].Pending != 2 || st.Limit != 2 {
		t.Errorf("queue stats = %+v", st)
	}
}

func TestIdempotencyKey(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{})
	bg := map[string]string{"background": "true"}
	key := map[string]string{"Idempotency-Key": "upload-7"}
	audio := toneWAV(time.Second)
	ids := map[string]bool{}
	for range 2 {
		code, _, body := s.upload(t, "/audio/process", audio, bg, key)
		var h struct {
			TaskID string `json:"task_id"`
		}
		if code != 202 || json.Unmarshal(body, &h) != nil {
			t.Fatalf("upload: %d %s", code, body)
		}
		ids[h.TaskID] = true
	}
	if len(ids) != 1 {
		t.Errorf("same key and audio made tasks %v", ids)
	}
	code, _, body := s.upload(t, "/audio/process", toneWAV(2*time.Second), bg, key)
	if code != 409 || errorCode(t, body) != "idempotency_conflict" {
		t.Errorf("same key, other audio: %d %s", code, body)
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{})
	code, _, body := s.request(t, "GET", "/openapi.json", "", nil, nil)
	if code != 200 {
		t.Fatalf("GET /openapi.json: %d", code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	srv, err := server.New(server.Config{NoAuth: true}, s.client, nil)
	if err != nil {
		t.Fatal(err)
	}
	routes := srv.Routes()
	slices.Sort(documented)
	slices.Sort(routes)
	if diff := cmp.Diff(routes, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
	// Every documented operation is served (none falls through to 404/405).
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		path = strings.ReplaceAll(path, "{id}", "0123456789abcdef0123456789abcdef")
		code, _, body := s.request(t, method, path, "", nil, nil)
		if code == 405 || (code == 404 && errorCode(t, body) == "not_found") {
			t.Errorf("%s is documented but not served: %d %s", r, code, body)
		}
	}
}

// gatedProcessor is a controllable test double of the pipeline: it emits
// progress, then holds each task until released or cancelled. It creates
// conditions the real model cannot be made to produce on demand (a task
// that is certainly still running when cancelled).
type gatedProcessor struct {
	started chan string
	release chan struct{}
}

func (p *gatedProcessor) Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error) {
	zero := 0
	if err := emit.Emit(ctx, models.Event{Type: models.EventTranscriptionProgress, Stage: models.StageTranscribe, Progress: &zero}); err != nil {
		return nil, err
	}
	p.started <- job.TaskID
	select {
	case <-p.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &models.Result{Segments: []models.Segment{}}, nil
}

func TestCancelRunningTask(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})
	id := backgroundUpload(t, s)
	if started := <-proc.started; started != id {
		t.Fatalf("started %s, uploaded %s", started, id)
	}
	code, _, body := s.request(t, "DELETE", "/audio/task/"+id, "", nil, nil)
	if code != 200 {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	task := s.waitStatus(t, id)
	if task.Status != models.StatusCancelled || task.Error == nil || task.Error.Code != "cancelled" {
		t.Errorf("task = %+v", task)
	}
	// A second DELETE erases the cancelled task.
	code, _, body = s.request(t, "DELETE", "/audio/task/"+id, "", nil, nil)
	if code != 200 || !strings.Contains(string(body), `"purged"`) {
		t.Errorf("second DELETE: %d %s", code, body)
	}
	if code, _, _ := s.request(t, "GET", "/audio/task/"+id, "", nil, nil); code != 404 {
		t.Errorf("GET after the purge: %d, want 404", code)
	}
}

// TestConcurrentSubscribersGetEverything checks the fan-out under load with
// many NDJSON readers on one task.
func TestConcurrentSubscribersGetEverything(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})
	id := backgroundUpload(t, s)
	<-proc.started
	const n = 50
	var wg sync.WaitGroup
	results := make([][]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.url+"/audio/task/"+id+"/events", nil)
			req.Header.Set("X-API-Key", testKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			dec := json.NewDecoder(resp.Body)
			for {
				var ev models.Event
				if dec.Decode(&ev) != nil {
					return
				}
				results[i] = append(results[i], string(ev.Type))
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(proc.release)
	wg.Wait()
	want := []string{"queued", "started", "transcription_progress", "completed"}
	for i, got := range results {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("subscriber %d (-want +got):\n%s", i, diff)
		}
	}
}

// blockingDecoder holds every upload it is asked to check until released:
// it makes the check slots run out on demand.
type blockingDecoder struct{ release chan struct{} }

func (d blockingDecoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	select {
	case <-d.release:
	case <-ctx.Done():
	}
	return make([]float32, 16000), nil
}

// An upload that cannot get a check slot in time is refused with 503 and
// Retry-After instead of waiting without end.
func TestProbeWaitIsBounded(t *testing.T) {
	dec := blockingDecoder{release: make(chan struct{})}
	defer close(dec.release)
	s := newStack(t, realRedis(t), stackConfig{server: server.Config{ProbeConcurrency: 1, ProbeWait: 300 * time.Millisecond},
		opts: []server.Option{server.WithDecoder(dec)}})
	ct, first := form(t, "call.wav", toneWAV(time.Second), map[string]string{"background": "true"})
	go func() { // holds the only check slot until the test ends
		req, _ := http.NewRequest("POST", s.url+"/audio/process", bytes.NewReader(first))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-API-Key", testKey)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	code, hdr, body := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, nil)
	if code != 503 || errorCode(t, body) != "busy" || hdr.Get("Retry-After") == "" {
		t.Fatalf("upload with no check slot: %d Retry-After=%q %s", code, hdr.Get("Retry-After"), body)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("refused after %v", took)
	}
}

// Uploads take memory from a budget before their bodies are read: past it
// an upload is refused at once with 503 and Retry-After, and once the
// upload holding the budget has been queued the next one is taken.
func TestUploadMemoryIsBounded(t *testing.T) {
	const maxUpload = 256 << 10
	dec := checkingDecoder{entered: make(chan struct{}, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{server: server.Config{MaxUploadBytes: maxUpload, UploadMemory: maxUpload + 64<<10},
		opts: []server.Option{server.WithDecoder(dec)}})
	ct, body := form(t, "call.wav", toneWAV(time.Second), map[string]string{"background": "true"})

	// The first upload declares no length, so it holds room for the
	// largest, the whole budget; its check is held until released.
	req, _ := http.NewRequest("POST", s.url+"/audio/process", io.MultiReader(bytes.NewReader(body)))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-API-Key", testKey)
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-dec.entered

	code, hdr, reply := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, nil)
	if code != 503 || errorCode(t, reply) != "uploads_busy" || hdr.Get("Retry-After") == "" {
		t.Fatalf("upload past the memory budget: %d Retry-After=%q %s", code, hdr.Get("Retry-After"), reply)
	}
	close(dec.release)
	if c := <-first; c != 202 {
		t.Fatalf("the upload that held the budget got %d, want 202", c)
	}
	if code, _, reply := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, nil); code != 202 {
		t.Fatalf("upload after the budget was given back: %d %s", code, reply)
	}
}

// checkingDecoder says when an upload's check begins and holds it until
// released; released, it passes every upload as one second of audio.
type checkingDecoder struct{ entered, release chan struct{} }

func (d checkingDecoder) Decode(ctx context.Context, data []byte) ([]float32, error) {
	select {
	case d.entered <- struct{}{}:
	default:
	}
	select {
	case <-d.release:
	case <-ctx.Done():
	}
	return make([]float32, 16000), nil
}
