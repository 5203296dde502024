//go:build cgo

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/pipeline/caseapi/caseapitest"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

// The tests in this file write calls back as cases to a test helpline that
// plays an external OpenCHS, through the real pipeline and Redis.

const helplineKey = "helpline-key-0123456789"

// countingProcessor counts the pipeline runs of each task.
type countingProcessor struct {
	queue.Processor
	mu    sync.Mutex
	calls map[string]int
}

func (p *countingProcessor) Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error) {
	p.mu.Lock()
	p.calls[job.TaskID]++
	p.mu.Unlock()
	return p.Processor.Run(ctx, job, emit)
}

// speech returns English speech of text, spoken by espeak-ng, as a WAV.
func speech(t *testing.T, text string) []byte {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		need(t, "espeak-ng: %v", err)
	}
	path := filepath.Join(t.TempDir(), "call.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en", "-s", "150", "-w", path, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitCase polls task id until its case write-back is final.
func (s *stack) waitCase(t testing.TB, id string, within time.Duration) models.Task {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, _, body := s.request(t, "GET", "/audio/task/"+id, "", nil, nil)
		var task models.Task
		if err := json.Unmarshal(body, &task); err != nil || code != http.StatusOK {
			t.Fatalf("GET task: %d %s", code, body)
		}
		if task.Result != nil && task.Result.Case != nil && task.Result.Case.Status.Final() {
			return task
		}
		if task.Status.Terminal() && task.Status != models.StatusCompleted {
			t.Fatalf("task %s %s: %+v", id, task.Status, task.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("case of task %s not final after %v: %+v", id, within, task.Result)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cropWAV returns the first d of wav as a 16 kHz PCM16 WAV.
func cropWAV(t testing.TB, wav []byte, d time.Duration) []byte {
	t.Helper()
	sig, err := audio.Decode(bytes.NewReader(wav), audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := sig.Mono()
	return pcmWAV(pcm[:min(len(pcm), int(d.Seconds()*pipeline.SampleRate))])
}

// newCaseStack is the real pipeline writing cases to hl, counting its runs.
func newCaseStack(t *testing.T, hl *caseapitest.Server, dcfg queue.DeliveryConfig) (*stack, *countingProcessor) {
	t.Helper()
	cats, err := caseapi.LoadCategories("")
	if err != nil {
		t.Fatal(err)
	}
	eng := realEngine(t)
	rdb := realRedis(t)
	sc := stackConfig{cases: queue.CaseOptions{Builder: &caseapi.Builder{Categories: cats}}, delivery: dcfg,
		helpline: hl.URL, helplineKey: helplineKey, queue: queue.Config{MaxPending: -1}}
	proc := &countingProcessor{Processor: productRunner(eng), calls: map[string]int{}}
	sc.proc = proc
	sc.opts = append(sc.opts, server.WithDecoder(audio.Decoder{}))
	return newStack(t, rdb, sc), proc
}

// TestHighRiskCallBecomesOneCase: a call telling of a beating becomes one
// case on the helpline with the documented fields, and its events end
// classification_complete, completed, case_created.
func TestHighRiskCallBecomesOneCase(t *testing.T) {
	hl := caseapitest.New(t, helplineKey)
	s, _ := newCaseStack(t, hl, queue.DeliveryConfig{})
	wav := speech(t, "Please help me. My father beats me with a belt every day and I am bleeding. I am scared to go home tonight.")
	code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en", "reporter_phone": "+254700123456", "background": "true"}, nil)
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, body)
	}
	var h struct {
		TaskID string `json:"task_id"`
	}
	json.Unmarshal(body, &h)
	task := s.waitCase(t, h.TaskID, 2*time.Minute)
	ref, res := task.Result.Case, task.Result
	if res.Classification == nil || res.Classification.Priority.Rank() < models.PriorityHigh.Rank() {
		t.Fatalf("the call was not triaged high: %q → %+v", res.Transcript, res.Classification)
	}
	cases := hl.Cases()
	if len(cases) != 1 {
		t.Fatalf("helpline holds %d cases, want 1", len(cases))
	}
	c := cases[0]
	if ref.Status != models.DeliveryCreated || ref.ID != c.ID || ref.CaseNumber != c.CaseNumber {
		t.Errorf("Result.case = %+v, helpline case %s/%s", ref, c.ID, c.CaseNumber)
	}
	cats, _ := caseapi.LoadCategories("")
	if c.Priority != res.Classification.Priority || c.Category != cats.ByID[res.Classification.Category].Category || c.ExternalRef != h.TaskID || c.Source != "ai" ||
		c.Language != "en" || c.ReporterPhone != "+254700123456" || c.DurationS == nil || c.AIModels["transcriber"] == "" ||
		!strings.Contains(c.Title, "(AI triage)") || !strings.Contains(c.Description, "Evidence:") ||
		!strings.Contains(c.Description, res.Transcript) {
		t.Errorf("case on the helpline: %+v", c)
	}
	evs, err := s.client.Events(context.Background(), h.TaskID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, ev := range evs {
		switch ev.Type {
		case models.EventClassificationComplete, models.EventCompleted, models.EventCaseCreated:
			order = append(order, string(ev.Type))
		}
	}
	if strings.Join(order, " ") != "classification_complete completed case_created" {
		t.Errorf("events: %v", order)
	}
}

// TestCaseWriteBackThroughFaults sends a batch of calls while the helpline
// goes down for a while and then answers a scripted mix of faults: every
// case it accepted exists exactly once, every refused one is failed with
// its message, and whisper ran once per call.
func TestCaseWriteBackThroughFaults(t *testing.T) {
	const calls = 50
	hl := caseapitest.New(t, helplineKey)
	// Each external reference gets a kind, in the order they first arrive.
	kinds := []string{"ok", "500", "503", "429", "slow", "400"}
	var seen atomic.Int64
	var kindMu sync.Mutex
	kindOf := map[string]string{}
	hl.Faults = func(ref string, n int) caseapitest.Fault {
		kindMu.Lock()
		k, ok := kindOf[ref]
		if !ok {
			k = kinds[int(seen.Add(1)-1)%len(kinds)]
			kindOf[ref] = k
		}
		kindMu.Unlock()
		switch {
		case k == "400":
			return caseapitest.Fault{Status: 400, Message: "reporter_phone is not a phone number"}
		case k == "500" && n <= 2:
			return caseapitest.Fault{Status: 500}
		case k == "503" && n == 1:
			return caseapitest.Fault{Status: 503, RetryAfter: "1"}
		case k == "429" && n == 1:
			return caseapitest.Fault{Status: 429, RetryAfter: "2"}
		case k == "slow" && n == 1:
			return caseapitest.Fault{Delay: 1500 * time.Millisecond}
		}
		return caseapitest.Fault{}
	}
	s, proc := newCaseStack(t, hl, queue.DeliveryConfig{RequestTimeout: 500 * time.Millisecond,
		MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	// The helpline is down while the first calls complete.
	hl.Stop()
	wav := cropWAV(t, jfk(t), 2*time.Second)
	ids := make([]string, calls)
	for i := range ids {
		code, _, body := s.upload(t, "/audio/process", wav, map[string]string{"language": "en", "background": "true", "title": fmt.Sprintf("call %d", i)}, nil)
		if code != http.StatusAccepted {
			t.Fatalf("upload %d: %d %s", i, code, body)
		}
		var h struct {
			TaskID string `json:"task_id"`
		}
		json.Unmarshal(body, &h)
		ids[i] = h.TaskID
	}
	time.Sleep(3 * time.Second)
	hl.Start()

	refused := 0
	for _, id := range ids {
		task := s.waitCase(t, id, 3*time.Minute)
		ref := task.Result.Case
		kindMu.Lock()
		k := kindOf[id]
		kindMu.Unlock()
		switch k {
		case "400":
			refused++
			if ref.Status != models.DeliveryFailed || !strings.Contains(ref.LastError, "reporter_phone is not a phone number") {
				t.Errorf("refused task %s: case %+v", id, ref)
			}
		default:
			if ref.Status != models.DeliveryCreated {
				t.Errorf("%s task %s: case %+v", k, id, ref)
			}
		}
	}
	byRef := hl.CasesByRef()
	for _, id := range ids {
		want := 1
		if kindOf[id] == "400" {
			want = 0
		}
		if byRef[id] != want {
			t.Errorf("task %s (%s): %d cases on the helpline, want %d", id, kindOf[id], byRef[id], want)
		}
		if n := proc.calls[id]; n != 1 {
			t.Errorf("task %s was transcribed %d times", id, n)
		}
	}
	if len(byRef) != calls-refused {
		t.Errorf("helpline holds cases for %d references, want %d", len(byRef), calls-refused)
	}
	if want := (calls + len(kinds) - 1 - 5) / len(kinds); refused != want {
		t.Errorf("%d refused, want %d", refused, want)
	}
}
