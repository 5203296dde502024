//go:build cgo

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/risk"
	skip "github.com/openchs/openchs-ai/pipeline/speech"
	"github.com/openchs/openchs-ai/pipeline/translate"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
	"github.com/openchs/openchs-ai/pipeline/whisper"
	"github.com/openchs/openchs-ai/server"
)

// The tests in this file run the whole product: the audio decoder and the
// whisper engine with the real model behind the HTTP API, the queue and a
// worker.

const jfkText = "and so my fellow americans ask not what your country can do for you ask what you can do for your country"

var (
	engineOnce sync.Once
	engine     *whisper.Engine
	engineErr  error
	jfkOnce    sync.Once
	jfkAudio   []byte
	jfkErr     error
)

// realEngine loads the model named by OPENCHS_AI_MODEL_PATH once for the
// package.
func realEngine(t testing.TB) *whisper.Engine {
	t.Helper()
	path := os.Getenv("OPENCHS_AI_MODEL_PATH")
	if path == "" {
		need(t, "OPENCHS_AI_MODEL_PATH (make test sets it)")
	}
	engineOnce.Do(func() {
		var m whisper.Model
		m, engineErr = whisper.Resolve(path, "", "")
		if engineErr != nil {
			return
		}
		threads := 2
		if n, err := strconv.Atoi(os.Getenv("OPENCHS_AI_THREADS")); err == nil && n > 0 {
			threads = n
		}
		engine, engineErr = whisper.Open(whisper.Config{Model: m, Threads: threads, Slots: 1, BackendDir: os.Getenv("OPENCHS_AI_GGML_BACKENDS")})
	})
	if engineErr != nil {
		t.Fatalf("load model %s: %v", path, engineErr)
	}
	return engine
}

// jfk returns samples/jfk.wav of the whisper.cpp bindings module.
func jfk(t testing.TB) []byte {
	t.Helper()
	jfkOnce.Do(func() {
		out, err := exec.Command("go", "mod", "download", "-json", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
		if err != nil {
			jfkErr = err
			return
		}
		var m struct{ Dir string }
		if jfkErr = json.Unmarshal(out, &m); jfkErr == nil {
			jfkAudio, jfkErr = os.ReadFile(filepath.Join(m.Dir, "samples", "jfk.wav"))
		}
	})
	if jfkErr != nil {
		need(t, "jfk.wav from the whisper.cpp bindings module: %v", jfkErr)
	}
	return jfkAudio
}

var nonLetters = regexp.MustCompile(`[^a-z ]+`)

func normalize(s string) string {
	return strings.Join(strings.Fields(nonLetters.ReplaceAllString(strings.ToLower(s), " ")), " ")
}

// productStack runs the real pipeline behind the API on the given Redis.
func productStack(t testing.TB, backend string, sc stackConfig) *stack {
	t.Helper()
	eng := realEngine(t)
	rdb := realRedis(t)
	if backend == "embedded" {
		rdb = embeddedRedis(t)
	}
	sc.proc = productRunner(eng)
	sc.opts = append(sc.opts, server.WithDecoder(audio.Decoder{}))
	return newStack(t, rdb, sc)
}

// productRunner is the real pipeline on eng, with silence skipping and
// the hallucination guards as the service runs it.
func productRunner(eng *whisper.Engine) *pipeline.Runner {
	wrapped, err := skip.New(eng, skip.Config{})
	if err != nil {
		panic(err)
	}
	return &pipeline.Runner{Decoder: audio.Decoder{}, Transcriber: wrapped, Model: eng.Model(), Stages: []pipeline.Stage{
		&translate.Stage{Translator: translate.NewWhisper(wrapped)},
		&risk.Stage{Classifier: risk.Default()},
	}}
}

// TestVADFormField: by default only the speech of a call is read, and its
// segments keep the call's times; the form field vad=off reads it all.
func TestVADFormField(t *testing.T) {
	s := productStack(t, "redis", stackConfig{})
	sig, err := audio.Decode(bytes.NewReader(jfk(t)), audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := append(append(make([]float32, 10*16000), sig.Mono()...), make([]float32, 10*16000)...)
	wav := vadtest.WAV(pcm)
	for _, tc := range []struct {
		vad          string
		minS, maxS   float64
		firstAtLeast float64
	}{{"", 10, 13, 9.5}, {"off", 30, 32, 0}} {
		code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en", "vad": tc.vad}, nil)
		var res models.Result
		if code != 200 || json.Unmarshal(body, &res) != nil {
			t.Fatalf("vad=%q: %d %s", tc.vad, code, body)
		}
		if normalize(res.Transcript) != jfkText || len(res.Segments) == 0 {
			t.Fatalf("vad=%q: transcript %q", tc.vad, res.Transcript)
		}
		if float64(res.Speech) < tc.minS || float64(res.Speech) > tc.maxS || float64(res.Segments[0].Start) < tc.firstAtLeast {
			t.Errorf("vad=%q: read %.1f s (want %.0f–%.0f), first segment at %.2f s", tc.vad, res.Speech, tc.minS, tc.maxS, res.Segments[0].Start)
		}
	}
}

// readEvents reads an NDJSON stream to its end.
func readEvents(t testing.TB, resp *http.Response) []models.Event {
	t.Helper()
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("stream Content-Type = %q", ct)
	}
	var evs []models.Event
	dec := json.NewDecoder(resp.Body)
	for {
		var ev models.Event
		if err := dec.Decode(&ev); err != nil {
			return evs
		}
		if ev.Type != models.EventHeartbeat {
			evs = append(evs, ev)
		}
	}
}

// checkStream asserts the event sequence a user relies on: queued, started,
// progress rising to 100, the transcript, completed; numbered 1, 2, ...
func checkStream(t testing.TB, evs []models.Event) {
	t.Helper()
	var order []string
	last := -1
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Errorf("event %d (%s) has seq %d", i, ev.Type, ev.Seq)
		}
		switch ev.Type {
		case models.EventTranscriptionProgress:
			if ev.Progress == nil || *ev.Progress < last {
				t.Errorf("progress went from %d to %v", last, ev.Progress)
			} else {
				last = *ev.Progress
			}
			if len(order) == 0 || order[len(order)-1] != "transcription_progress" {
				order = append(order, "transcription_progress")
			}
		case models.EventTranscriptionComplete:
			var d models.TranscriptionData
			if err := json.Unmarshal(ev.Data, &d); err != nil || normalize(d.Text) != jfkText {
				t.Errorf("transcription_complete text = %q (%v)", d.Text, err)
			}
			order = append(order, string(ev.Type))
		case models.EventClassificationComplete:
			var d models.Classification
			if err := json.Unmarshal(ev.Data, &d); err != nil || d.RiskLevel.Validate() != nil {
				t.Errorf("classification_complete data = %s (%v)", ev.Data, err)
			}
			order = append(order, string(ev.Type))
		case models.EventQueued, models.EventStarted, models.EventTranslationComplete, models.EventCompleted:
			order = append(order, string(ev.Type))
		}
	}
	want := []string{"queued", "started", "transcription_progress", "transcription_complete",
		"translation_complete", "classification_complete", "completed"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("event order (-want +got):\n%s", diff)
	}
	if last != 100 {
		t.Errorf("progress ended at %d, want 100", last)
	}
}

func TestEndToEnd(t *testing.T) {
	for _, backend := range []string{"redis", "embedded"} {
		t.Run(backend, func(t *testing.T) {
			s := productStack(t, backend, stackConfig{})
			wav := jfk(t)

			t.Run("sync upload returns the transcript", func(t *testing.T) {
				code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en"}, nil)
				var res models.Result
				if code != 200 || json.Unmarshal(body, &res) != nil {
					t.Fatalf("POST /audio/process: %d %s", code, body)
				}
				if normalize(res.Transcript) != jfkText || res.Status != models.StatusCompleted || res.Duration < 10.9 {
					t.Errorf("result = %+v", res)
				}
				// An English call needs no translation: it is the transcript itself.
				if res.Translation == nil || normalize(*res.Translation) != jfkText {
					t.Errorf("translation of an English call = %v", res.Translation)
				}
				if res.Classification == nil || res.Classification.Priority != models.PriorityLow {
					t.Errorf("classification of a speech with no risk = %+v, want priority low", res.Classification)
				}
				// This stack has no helpline: the case is skipped, and says why.
				if c := res.Case; c == nil || c.Status != models.DeliverySkipped || !strings.Contains(c.LastError, "No helpline is configured") {
					t.Errorf("case of a call with no helpline = %+v, want skipped with the reason", c)
				}
				if err := res.Validate(); err != nil {
					t.Error(err)
				}
			})

			var streamed []models.Event
			t.Run("NDJSON stream", func(t *testing.T) {
				ct, body := form(t, "jfk.wav", wav, map[string]string{"language": "en"})
				req, _ := http.NewRequest("POST", s.url+"/audio/process-stream", bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("X-API-Key", testKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				streamed = readEvents(t, resp)
				checkStream(t, streamed)
			})

			t.Run("late subscriber replays the whole stream", func(t *testing.T) {
				if len(streamed) == 0 {
					t.Skip("no stream")
				}
				id := streamed[0].TaskID
				req, _ := http.NewRequest("GET", s.url+"/audio/task/"+id+"/events", nil)
				req.Header.Set("X-API-Key", testKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(streamed, readEvents(t, resp)); diff != "" {
					t.Errorf("replay (-live +replayed):\n%s", diff)
				}
				req, _ = http.NewRequest("GET", s.url+"/audio/task/"+id+"/events?after=2", nil)
				req.Header.Set("X-API-Key", testKey)
				resp, err = http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(streamed[2:], readEvents(t, resp)); diff != "" {
					t.Errorf("replay after 2 (-live +replayed):\n%s", diff)
				}
			})

			t.Run("async upload, polling and a WebSocket subscriber", func(t *testing.T) {
				code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en", "background": "true"}, nil)
				var h struct {
					TaskID    string `json:"task_id"`
					Status    string `json:"status"`
					StatusURL string `json:"status_url"`
					EventsURL string `json:"events_url"`
				}
				if code != 202 || json.Unmarshal(body, &h) != nil || h.Status != "queued" || h.StatusURL != "/audio/task/"+h.TaskID {
					t.Fatalf("background upload: %d %s", code, body)
				}
				wsURL := "ws" + strings.TrimPrefix(s.url, "http") + "/ws"
				conn, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"X-API-Key": {testKey}})
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if err := conn.WriteJSON(map[string]string{"subscribe": h.TaskID}); err != nil {
					t.Fatal(err)
				}
				var evs []models.Event
				conn.SetReadDeadline(time.Now().Add(60 * time.Second))
				for {
					var ev models.Event
					if err := conn.ReadJSON(&ev); err != nil {
						t.Fatalf("after %d events: %v", len(evs), err)
					}
					evs = append(evs, ev)
					if ev.Type.Terminal() {
						break
					}
				}
				checkStream(t, evs)

				task := s.waitStatus(t, h.TaskID)
				if task.Status != models.StatusCompleted || task.Result == nil || normalize(task.Result.Transcript) != jfkText || task.Progress != 100 {
					t.Errorf("polled task = %+v", task)
				}
				if n, _ := s.rdb.Exists(context.Background(), "openchs:audio:"+h.TaskID).Result(); n != 0 {
					t.Error("the upload is still stored after processing")
				}
			})

			t.Run("idempotent re-upload is the same task, transcribed once", func(t *testing.T) {
				key := map[string]string{"Idempotency-Key": "jfk-" + backend}
				var ids []string
				for range 2 {
					code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en"}, key)
					var res models.Result
					if code != 200 || json.Unmarshal(body, &res) != nil {
						t.Fatalf("upload: %d %s", code, body)
					}
					ids = append(ids, res.TaskID)
				}
				if ids[0] != ids[1] {
					t.Errorf("task ids %v differ", ids)
				}
				task := s.waitStatus(t, ids[0])
				if task.Attempt != 1 {
					t.Errorf("attempts = %d, want 1", task.Attempt)
				}
				code, _, body := s.upload(t, "/audio/process", toneWAV(2*time.Second), map[string]string{"language": "en"}, key)
				if code != 409 || errorCode(t, body) != "idempotency_conflict" {
					t.Errorf("same key, other audio: %d %s", code, body)
				}
			})

			t.Run("errors", func(t *testing.T) {
				if code, _, body := s.upload(t, "/audio/process", wav, nil, map[string]string{"X-API-Key": ""}); code != 401 || errorCode(t, body) != "missing_api_key" {
					t.Errorf("no key: %d %s", code, body)
				}
				if code, _, body := s.upload(t, "/audio/process", pngBytes, nil, nil); code != 415 || errorCode(t, body) != "unsupported_audio" {
					t.Errorf("PNG: %d %s", code, body)
				}
				if code, _, body := s.request(t, "GET", "/audio/task/ffffffffffffffffffffffffffffffff", "", nil, nil); code != 404 || errorCode(t, body) != "task_not_found" {
					t.Errorf("unknown id: %d %s", code, body)
				}
				// 200 MiB, over the 100 MiB default: refused from its declared
				// length, before the body is read.
				ct, head := form(t, "huge.wav", nil, nil)
				req, _ := http.NewRequest("POST", s.url+"/audio/process", io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, 200<<20)))
				req.ContentLength = int64(len(head)) + 200<<20
				req.Header.Set("Content-Type", ct)
				req.Header.Set("X-API-Key", testKey)
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("oversize upload: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 413 || errorCode(t, body) != "upload_too_large" {
					t.Errorf("oversize: %d %s", resp.StatusCode, body)
				}
				t.Logf("oversize upload refused in %v", time.Since(start))
			})

			t.Run("cancel mid-run", func(t *testing.T) {
				long := repeatWAV(t, wav, 30) // 5.5 minutes: tens of seconds of work
				code, _, body := s.upload(t, "/audio/process", long, map[string]string{"language": "en", "background": "true"}, nil)
				var h struct {
					TaskID string `json:"task_id"`
				}
				if code != 202 || json.Unmarshal(body, &h) != nil {
					t.Fatalf("upload: %d %s", code, body)
				}
				// Wait for the first transcribed segment: transcription is under way.
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/audio/task/"+h.TaskID+"/events", nil)
				req.Header.Set("X-API-Key", testKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				dec := json.NewDecoder(resp.Body)
				for {
					var ev models.Event
					if err := dec.Decode(&ev); err != nil {
						t.Fatalf("stream ended before transcription began: %v", err)
					}
					if ev.Type == models.EventTranscriptionSegment {
						break
					}
				}
				start := time.Now()
				code, _, body = s.request(t, "DELETE", "/audio/task/"+h.TaskID, "", nil, nil)
				if code != 200 {
					t.Fatalf("DELETE: %d %s", code, body)
				}
				var rest []models.Event
				for {
					var ev models.Event
					if err := dec.Decode(&ev); err != nil {
						break
					}
					rest = append(rest, ev)
				}
				resp.Body.Close()
				if len(rest) == 0 || rest[len(rest)-1].Type != models.EventFailed || !bytes.Contains(rest[len(rest)-1].Data, []byte(`"cancelled"`)) {
					t.Errorf("stream after cancel: %v", rest)
				}
				task := s.waitStatus(t, h.TaskID)
				if task.Status != models.StatusCancelled {
					t.Errorf("status = %s, want cancelled", task.Status)
				}
				// The engine stops: the next recording is transcribed at once.
				code, _, body = s.upload(t, "/audio/process", wav, map[string]string{"language": "en"}, nil)
				if code != 200 {
					t.Fatalf("upload after cancel: %d %s", code, body)
				}
				if took := time.Since(start); took > 15*time.Second {
					t.Errorf("the next task finished %v after the cancel: the cancelled transcription kept running", took)
				}
			})
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// repeatWAV decodes wav and returns it n times over as a 16 kHz PCM16 WAV.
func repeatWAV(t testing.TB, wav []byte, n int) []byte {
	t.Helper()
	sig, err := audio.Decode(bytes.NewReader(wav), audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := sig.Mono()
	var all []float32
	for range n {
		all = append(all, pcm...)
	}
	return pcmWAV(all)
}
