package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

// openAIForm builds a /v1/audio form: the file in "file" (none when audio
// is nil) and the fields, repeated ones included.
func openAIForm(t testing.TB, audio []byte, fields [][2]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if audio != nil {
		fw, err := mw.CreateFormFile("file", "call.wav")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(audio)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// openAIErr is OpenAI's error object.
type openAIErr struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAIError decodes an error reply, failing the test unless it is
// exactly OpenAI's shape {"error": {"message", "type", "param", "code"}}.
func openAIError(t testing.TB, body []byte) openAIErr {
	t.Helper()
	var e struct {
		Error *openAIErr `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == nil || e.Error.Message == "" || e.Error.Type == "" || e.Error.Code == "" {
		t.Fatalf("not an OpenAI error object (%v): %s", err, body)
	}
	var raw map[string]map[string]json.RawMessage
	json.Unmarshal(body, &raw)
	if _, ok := raw["error"]["param"]; !ok {
		t.Errorf("the error has no param (null when none): %s", body)
	}
	return *e.Error
}

const (
	submitKey   = "submit-only-key-0123456789"
	readOwnKey  = "read-own-only-key-0123456789"
	servedModel = "tiny-q8_0"
)

func openAIStack(t *testing.T, qc queue.Config) *stack {
	return newStack(t, realRedis(t), stackConfig{
		queue: qc,
		server: server.Config{
			Keys: []server.Key{server.FullAccess(testKey), {Secret: submitKey, Scopes: []server.Scope{server.ScopeSubmit}},
				{Secret: readOwnKey, Scopes: []server.Scope{server.ScopeReadOwn}}},
			Model: servedModel, KnownModels: []string{"tiny-q8_0", "base", "small"},
		},
		opts: []server.Option{server.WithDecoder(audio.Decoder{})},
	})
}

func TestOpenAIErrors(t *testing.T) {
	s := openAIStack(t, queue.Config{})
	wav := toneWAV(time.Second)
	param := func(p string) *string { return &p }
	bearer := func(k string) map[string]string {
		return map[string]string{"X-API-Key": "", "Authorization": "Bearer " + k}
	}
	tests := []struct {
		name    string
		path    string
		audio   []byte
		fields  [][2]string
		headers map[string]string
		want    int
		wantErr openAIErr
	}{
		{"no key", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}}, map[string]string{"X-API-Key": ""},
			401, openAIErr{Type: "invalid_request_error", Code: "missing_api_key"}},
		{"wrong bearer key", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}}, bearer("not-a-key-0123456789"),
			401, openAIErr{Type: "invalid_request_error", Code: "invalid_api_key"}},
		{"a key without the submit scope", "/v1/audio/translations", wav, [][2]string{{"model", "whisper-1"}}, bearer(readOwnKey),
			403, openAIErr{Type: "invalid_request_error", Code: "forbidden"}},
		{"no model", "/v1/audio/transcriptions", wav, nil, bearer(submitKey),
			400, openAIErr{Type: "invalid_request_error", Param: param("model"), Code: "missing_field"}},
		{"unknown model", "/v1/audio/transcriptions", wav, [][2]string{{"model", "gpt-4o-transcribe"}}, bearer(submitKey),
			400, openAIErr{Type: "invalid_request_error", Param: param("model"), Code: "model_not_found"}},
		{"catalog model the workers do not run", "/v1/audio/transcriptions", wav, [][2]string{{"model", "base"}}, bearer(submitKey),
			400, openAIErr{Type: "invalid_request_error", Param: param("model"), Code: "model_not_available"}},
		{"no file", "/v1/audio/transcriptions", nil, [][2]string{{"model", "whisper-1"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("file"), Code: "missing_field"}},
		{"unknown response format", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}, {"response_format", "docx"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("response_format"), Code: "bad_field"}},
		{"granularities without verbose_json", "/v1/audio/transcriptions", wav,
			[][2]string{{"model", "whisper-1"}, {"timestamp_granularities[]", "segment"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("timestamp_granularities"), Code: "bad_field"}},
		{"unknown granularity", "/v1/audio/transcriptions", wav,
			[][2]string{{"model", "whisper-1"}, {"response_format", "verbose_json"}, {"timestamp_granularities[]", "segment"}, {"timestamp_granularities[]", "syllable"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("timestamp_granularities"), Code: "bad_field"}},
		{"streamed subtitles", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}, {"stream", "true"}, {"response_format", "srt"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("stream"), Code: "bad_field"}},
		{"streamed translation", "/v1/audio/translations", wav, [][2]string{{"model", "whisper-1"}, {"stream", "true"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("stream"), Code: "bad_field"}},
		{"temperature above 1", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}, {"temperature", "1.5"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("temperature"), Code: "bad_field"}},
		{"unknown language", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}, {"language", "klingon"}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("language"), Code: "bad_field"}},
		{"a prompt over 4096 bytes", "/v1/audio/transcriptions", wav, [][2]string{{"model", "whisper-1"}, {"prompt", strings.Repeat("a", 4097)}}, nil,
			400, openAIErr{Type: "invalid_request_error", Param: param("prompt"), Code: "bad_field"}},
		{"not audio", "/v1/audio/transcriptions", []byte(strings.Repeat("not a recording ", 100)), [][2]string{{"model", "whisper-1"}}, nil,
			415, openAIErr{Type: "invalid_request_error", Code: "unsupported_audio"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := openAIForm(t, tt.audio, tt.fields)
			code, _, got := s.request(t, "POST", tt.path, ct, body, tt.headers)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, got)
			}
			e := openAIError(t, got)
			e.Message = ""
			if diff := cmp.Diff(tt.wantErr, e); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}

	// Not multipart, an unknown /v1 path, a wrong method: OpenAI's shape too.
	for _, tt := range []struct {
		method, path, contentType string
		want                      int
		code                      string
	}{
		{"POST", "/v1/audio/transcriptions", "application/json", 415, "not_multipart"},
		{"GET", "/v1/audio/speech", "", 404, "not_found"},
		{"POST", "/v1/models", "", 405, "method_not_allowed"},
		{"GET", "/v1/models/base", "", 404, "model_not_found"},
	} {
		code, _, body := s.request(t, tt.method, tt.path, tt.contentType, []byte("{}"), nil)
		if e := openAIError(t, body); code != tt.want || e.Code != tt.code {
			t.Errorf("%s %s: %d %s, want %d %s", tt.method, tt.path, code, e.Code, tt.want, tt.code)
		}
	}
	// The service's own routes keep the service's error shape.
	if code, _, body := s.request(t, "GET", "/audio/queue", "", nil, map[string]string{"X-API-Key": ""}); code != 401 || errorCode(t, body) != "missing_api_key" {
		t.Errorf("GET /audio/queue without a key: %d %s", code, body)
	}
}

func TestOpenAIModels(t *testing.T) {
	s := openAIStack(t, queue.Config{})
	// Any valid key lists the models, as a Bearer token or X-API-Key.
	code, _, body := s.request(t, "GET", "/v1/models", "", nil, map[string]string{"X-API-Key": "", "Authorization": "Bearer " + readOwnKey})
	if code != 200 {
		t.Fatalf("GET /v1/models: %d %s", code, body)
	}
	var list struct {
		Object string
		Data   []struct{ ID, Object, OwnedBy string }
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" {
			t.Errorf("model %s has object %q", m.ID, m.Object)
		}
	}
	if diff := cmp.Diff([]string{"whisper-1", servedModel}, ids); list.Object != "list" || diff != "" {
		t.Errorf("object %q, ids (-want +got):\n%s", list.Object, diff)
	}
	for _, id := range ids {
		if code, _, body := s.request(t, "GET", "/v1/models/"+id, "", nil, nil); code != 200 || !strings.Contains(string(body), `"id":"`+id+`"`) {
			t.Errorf("GET /v1/models/%s: %d %s", id, code, body)
		}
	}
}

// A full queue refuses OpenAI requests as it refuses uploads: 429 with
// Retry-After, in OpenAI's shape, before the body is read.
func TestOpenAIQueueFull(t *testing.T) {
	s := openAIStack(t, queue.Config{MaxPending: 1, RetryAfter: 7 * time.Second})
	if code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, nil); code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, body)
	}
	ct, body := openAIForm(t, toneWAV(time.Second), [][2]string{{"model", "whisper-1"}})
	code, hdr, got := s.request(t, "POST", "/v1/audio/transcriptions", ct, body, nil)
	e := openAIError(t, got)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "7" || e.Code != "queue_full" || e.Type != "rate_limit_error" {
		t.Errorf("full queue: %d Retry-After %q %+v", code, hdr.Get("Retry-After"), e)
	}
}

// rerunProcessor decodes two segments and fails as a dying worker would on
// its first attempt, then decodes them again and completes.
type rerunProcessor struct{ attempts atomic.Int32 }

func (p *rerunProcessor) Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error) {
	segs := []models.Segment{{Start: 0, End: 1, Text: " one"}, {Start: 1, End: 2, Text: " two"}}
	for _, sg := range segs {
		if err := pipeline.EmitData(ctx, emit, models.EventTranscriptionSegment, models.StageTranscribe, nil, sg); err != nil {
			return nil, err
		}
	}
	if p.attempts.Add(1) == 1 {
		return nil, errors.New("worker lost")
	}
	return &models.Result{Status: models.StatusCompleted, Language: "en", Duration: 2, Transcript: "one two", Segments: segs}, nil
}

// A streamed transcription whose task is run again sends each segment's
// delta once.
func TestOpenAIStreamOfARerunTask(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{proc: &rerunProcessor{}})
	ct, body := openAIForm(t, toneWAV(time.Second), [][2]string{{"model", "whisper-1"}, {"stream", "true"}})
	code, _, got := s.request(t, "POST", "/v1/audio/transcriptions", ct, body, nil)
	if code != 200 {
		t.Fatalf("%d %s", code, got)
	}
	want := `data: {"type":"transcript.text.delta","delta":"one"}` + "\n\n" +
		`data: {"type":"transcript.text.delta","delta":" two"}` + "\n\n" +
		`data: {"type":"transcript.text.done","text":"one two","usage":{"type":"duration","seconds":2}}` + "\n\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}
