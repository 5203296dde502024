package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// serviceDB is the Redis database the command's tests use.
const serviceDB = 13

const serviceKey = "cmd-test-key-0123456789"

// modelArg returns the --model value for the real model.
func modelArg(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OPENCHS_AI_MODEL_PATH"); p != "" {
		return p
	}
	modelPresent(t)
	return "tiny-q8_0"
}

// serviceRedis returns the URL of the test database on the local Redis,
// flushed.
func serviceRedis(t *testing.T) string {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testRedisAddr(), DB: serviceDB})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		need(t, "Redis at %s: %v", testRedisAddr(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("redis://%s/%d", testRedisAddr(), serviceDB)
}

// service is a running openchs-ai process.
type service struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs the command with args and, for serve and api, waits for its
// "listening on" line. The process gets SIGTERM at the end of the test.
func start(t testing.TB, args ...string) *service {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	// The built-in helpline's SQLite file goes to a directory of the test.
	cmd.Env = append(os.Environ(), "OPENCHS_AI_DATA="+t.TempDir())
	s := &service{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(40 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s did not stop on SIGTERM", args[0])
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", args[0], s.stderr.String())
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				urls <- u
			}
		}
	}()
	if args[0] == "worker" {
		return s
	}
	select {
	case s.url = <-urls:
	case <-s.done:
		t.Fatalf("%s exited: %s", args[0], s.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start: %s", args[0], s.stderr.String())
	}
	return s
}

func TestSeedPythonExamples(t *testing.T) {
	tool(t, "python3")
	if err := exec.Command("python3", "-c", "import requests").Run(); err != nil {
		need(t, "python3-requests: %v", err)
	}
	// The guide's client sends no API key: run on the embedded defaults
	// with authentication explicitly switched off.
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys=none", "--model="+modelArg(t), "--threads=2")
	out, err := exec.Command("python3", "testdata/seed_driver.py", s.url, jfkWAV(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("seed examples failed: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(s.stderr.String(), "AUTHENTICATION DISABLED") {
		t.Errorf("open mode is not logged loudly: %s", s.stderr.String())
	}
	if strings.Contains(strings.ToLower(s.stderr.String()), "fellow americans") {
		t.Errorf("the log holds transcript text:\n%s", s.stderr.String())
	}
	for _, want := range []string{"Transcript: ", "Translation: ", "Risk Level: low", "Status: completed", "Transcription: 100%", "Text: ", "Risk: low"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Translation: None") {
		t.Errorf("a Swahili-language upload got no translation:\n%s", text)
	}
	_, en, _ := strings.Cut(text, "English transcript: ")
	en, _, _ = strings.Cut(en, "\n")
	if !strings.Contains(words(en), jfkSentence) {
		t.Errorf("English transcript = %q", en)
	}
	// Progress lines rise.
	last := -1
	for _, line := range strings.Split(text, "\n") {
		var p int
		if _, err := fmt.Sscanf(line, "Transcription: %d%%", &p); err == nil {
			if p < last {
				t.Errorf("progress went from %d to %d", last, p)
			}
			last = p
		}
	}
	t.Logf("seed examples:\n%s", text)
}

// post uploads a recording in the background and returns its task id.
func post(t *testing.T, url, path string) string {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("language", "en")
	mw.WriteField("background", "true")
	fw, _ := mw.CreateFormFile("audio", filepath.Base(path))
	fw.Write(f)
	mw.Close()
	req, _ := http.NewRequest("POST", url+"/audio/process", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-API-Key", serviceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var h struct {
		TaskID string `json:"task_id"`
	}
	if resp.StatusCode != 202 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	return h.TaskID
}

// events reads a task's whole event stream.
func events(t *testing.T, url, id string) []models.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/audio/task/"+id+"/events", nil)
	req.Header.Set("X-API-Key", serviceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []models.Event
	dec := json.NewDecoder(resp.Body)
	for {
		var ev models.Event
		if dec.Decode(&ev) != nil {
			return evs
		}
		if ev.Type != models.EventHeartbeat {
			evs = append(evs, ev)
		}
	}
}

func TestScaleOut(t *testing.T) {
	redisURL := serviceRedis(t)
	model := modelArg(t)
	api := start(t, "api", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey)
	workers := []*service{
		start(t, "worker", "--redis="+redisURL, "--model="+model, "--threads=1"),
		start(t, "worker", "--redis="+redisURL, "--model="+model, "--threads=1"),
	}
	// Wait until both workers have registered with the queue.
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest("GET", api.url+"/audio/queue", nil)
		req.Header.Set("X-API-Key", serviceKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Workers struct{ Processes int } `json:"workers"`
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Workers.Processes == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers registered: %d, want 2; stderr: %s %s", st.Workers.Processes, workers[0].stderr, workers[1].stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}

	wav := jfkWAV(t)
	var ids []string
	for range 6 {
		ids = append(ids, post(t, api.url, wav))
	}
	byWorker := map[string]int{}
	for _, id := range ids {
		evs := events(t, api.url, id)
		var started []string
		for _, ev := range evs {
			if ev.Type == models.EventStarted {
				var d models.StartedData
				json.Unmarshal(ev.Data, &d)
				started = append(started, d.Worker)
			}
		}
		if len(started) != 1 {
			t.Errorf("task %s started %d times (%v), want once", id, len(started), started)
			continue
		}
		byWorker[started[0]]++
		if last := evs[len(evs)-1]; last.Type != models.EventCompleted {
			t.Errorf("task %s ended with %s", id, last.Type)
			continue
		}
		var res models.Result
		json.Unmarshal(evs[len(evs)-1].Data, &res)
		if !strings.Contains(words(res.Transcript), jfkSentence) {
			t.Errorf("task %s transcript %q", id, res.Transcript)
		}
	}
	if len(byWorker) != 2 {
		t.Errorf("tasks per worker = %v, want both workers used", byWorker)
	}
	t.Logf("tasks per worker: %v", byWorker)
}

// stop sends SIGTERM and waits for the process to exit.
func (s *service) stop(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(within):
		t.Fatalf("did not stop within %v", within)
	}
	return time.Since(start)
}

// waitEvent reads a task's events until one of type typ arrives; the wait
// is generous because it tests that the event comes, not how fast.
func waitEvent(t *testing.T, url, id string, typ models.EventType) {
	t.Helper()
	waitEventWithin(t, url, id, typ, 3*time.Minute)
}

func waitEventWithin(t *testing.T, url, id string, typ models.EventType, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/audio/task/"+id+"/events", nil)
	req.Header.Set("X-API-Key", serviceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev models.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("no %s event: %v", typ, err)
		}
		if ev.Type == typ {
			return
		}
	}
}

func taskStatus(t *testing.T, redisURL, id string) string {
	t.Helper()
	opts, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	st, err := rdb.HGet(context.Background(), "openchs:task:"+id, "status").Result()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGracefulShutdown(t *testing.T) {
	redisURL := serviceRedis(t)
	model := modelArg(t)
	long := longRecording(t, 6) // 66 s of speech: seconds of work

	t.Run("a running task finishes", func(t *testing.T) {
		s := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey, "--model="+model, "--shutdown-timeout=60s")
		id := post(t, s.url, long)
		waitEvent(t, s.url, id, models.EventStarted)
		took := s.stop(t, 70*time.Second)
		if st := taskStatus(t, redisURL, id); st != "completed" {
			t.Errorf("after shutdown the task is %s, want completed", st)
		}
		t.Logf("stopped in %v", took)
	})

	t.Run("a task that cannot finish in time is handed back", func(t *testing.T) {
		s := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey, "--model="+model, "--shutdown-timeout=1s")
		id := post(t, s.url, long)
		waitEvent(t, s.url, id, models.EventTranscriptionProgress)
		if took := s.stop(t, 20*time.Second); took > 10*time.Second {
			t.Errorf("shutdown took %v with a 1s timeout", took)
		}
		if st := taskStatus(t, redisURL, id); st != "queued" {
			t.Errorf("after shutdown the task is %s, want queued", st)
		}
		// The next process on the same Redis completes it.
		next := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey, "--model="+model)
		waitEvent(t, next.url, id, models.EventCompleted)
	})

	t.Run("a synchronous upload waiting at shutdown gets its task's handle", func(t *testing.T) {
		s := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey, "--model="+model, "--shutdown-timeout=1s")
		audio, err := os.ReadFile(longRecording(t, 30)) // 5.5 minutes: still running at the shutdown
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("language", "en")
		fw, _ := mw.CreateFormFile("audio", "long.wav")
		fw.Write(audio)
		mw.Close()
		req, _ := http.NewRequest("POST", s.url+"/audio/process", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-API-Key", serviceKey)
		type reply struct {
			code int
			body []byte
		}
		replies := make(chan reply, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				replies <- reply{}
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			replies <- reply{resp.StatusCode, body}
		}()
		time.Sleep(3 * time.Second) // the upload is being transcribed
		s.stop(t, 20*time.Second)
		r := <-replies
		var h struct {
			TaskID string            `json:"task_id"`
			Status models.TaskStatus `json:"status"`
		}
		// 202 with the handle; or, should the transcription have beaten
		// the shutdown on a fast machine, 200 with the whole result.
		ok := json.Unmarshal(r.body, &h) == nil && h.TaskID != "" &&
			(r.code == http.StatusAccepted || (r.code == http.StatusOK && h.Status == models.StatusCompleted))
		if !ok {
			t.Fatalf("sync upload at shutdown: %d %.300q; want 202 with the task handle", r.code, r.body)
		}
	})
}

// Processes behind one address must share their keys: api will not
// generate one of its own.
func TestAPIWithoutKeysRefusesToStart(t *testing.T) {
	r := runBin(t, []string{"OPENCHS_AI_API_KEYS="}, "api", "--redis=redis://"+testRedisAddr()+"/13")
	if r.code != 2 || !strings.Contains(r.stderr, "api needs --api-keys") {
		t.Errorf("exit %d, stderr %q; want 2 and a sentence about --api-keys", r.code, r.stderr)
	}
}

// No authentication is for this machine only: serve and api refuse
// --api-keys=none on an address others can reach.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	r := runBin(t, nil, "api", "--redis=redis://"+testRedisAddr()+"/13", "--api-keys=none", "--addr=0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("api --api-keys=none on 0.0.0.0: exit %d, stderr %q; want 2 and a sentence about loopback", r.code, r.stderr)
	}
}

// A key list that parses to no key (two unset variables joined by a comma)
// is a mistake, not "no authentication": serve and api refuse to start.
func TestEmptyKeyListRefusesToStart(t *testing.T) {
	for _, cmd := range []string{"api", "serve"} {
		for _, keys := range []string{",", " , ", "short-key", "0123456789abcdef:everything"} {
			r := runBin(t, nil, cmd, "--redis=redis://"+testRedisAddr()+"/13", "--api-keys="+keys)
			if r.code != 2 || !strings.Contains(r.stderr, "--api-keys") {
				t.Errorf("%s --api-keys=%q: exit %d, stderr %q; want 2 and a sentence about --api-keys", cmd, keys, r.code, r.stderr)
			}
		}
	}
}

// A worker killed outright (power cut, out-of-memory kill) loses nothing
// it had accepted: 10 s after its lease on the task has expired, 35 to 47 s
// after the kill, another worker runs the task from the start.
func TestKilledWorkersTaskIsRecovered(t *testing.T) {
	redisURL := serviceRedis(t)
	model := modelArg(t)
	api := start(t, "api", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey)
	first := start(t, "worker", "--redis="+redisURL, "--model="+model)
	id := post(t, api.url, longRecording(t, 6))
	waitEvent(t, api.url, id, models.EventTranscriptionProgress)
	first.cmd.Process.Kill()
	<-first.done
	killed := time.Now()

	start(t, "worker", "--redis="+redisURL, "--model="+model)
	waitEventWithin(t, api.url, id, models.EventCompleted, 3*time.Minute)
	t.Logf("completed %v after the kill", time.Since(killed).Round(time.Second))
	if st := taskStatus(t, redisURL, id); st != "completed" {
		t.Errorf("task is %s, want completed", st)
	}
	var attempts []int
	for _, ev := range events(t, api.url, id) {
		if ev.Type == models.EventStarted {
			var d models.StartedData
			json.Unmarshal(ev.Data, &d)
			attempts = append(attempts, d.Attempt)
		}
	}
	if len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
		t.Errorf("started with attempts %v, want [1 2]", attempts)
	}
}

// A stream and a synchronous wait outlive the server's read timeout.
func TestLongRequestsOutliveReadTimeout(t *testing.T) {
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+serviceKey, "--model="+modelArg(t), "--read-timeout=2s")
	long, err := os.ReadFile(longRecording(t, 6))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/audio/process-stream", "/audio/process"} {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("language", "en")
		fw, _ := mw.CreateFormFile("audio", "long.wav")
		fw.Write(long)
		mw.Close()
		req, _ := http.NewRequest("POST", s.url+path, &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-API-Key", serviceKey)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if resp.StatusCode != 200 || !strings.Contains(lines[len(lines)-1], `"completed"`) {
			t.Errorf("%s after %v: %d, last line %.200s", path, time.Since(start), resp.StatusCode, lines[len(lines)-1])
		}
		if took := time.Since(start); took < 2*time.Second {
			t.Logf("%s took %v: shorter than the read timeout, the test proves nothing", path, took)
		}
	}
}

// A worker leaves the cores whisper uses to whisper, unless told otherwise.
func TestLeaveCPUsToWhisper(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	quiet := slog.New(slog.DiscardHandler)
	noEnv := func(string) string { return "" }
	runtime.GOMAXPROCS(runtime.NumCPU())
	leaveCPUsToWhisper(runtime.NumCPU(), noEnv, quiet)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("whisper on every CPU: GOMAXPROCS %d, want 1", got)
	}
	runtime.GOMAXPROCS(runtime.NumCPU())
	leaveCPUsToWhisper(runtime.NumCPU(), func(k string) string {
		if k == "GOMAXPROCS" {
			return "8"
		}
		return ""
	}, quiet)
	if got := runtime.GOMAXPROCS(0); got != runtime.NumCPU() {
		t.Errorf("with GOMAXPROCS set: %d, want it left at %d", got, runtime.NumCPU())
	}
	leaveCPUsToWhisper(0, noEnv, quiet)
	if got := runtime.GOMAXPROCS(0); got != runtime.NumCPU() {
		t.Errorf("no whisper threads: GOMAXPROCS %d, want %d", got, runtime.NumCPU())
	}
}

// testRedisAddr is the test Redis server: OPENCHS_AI_TEST_REDIS, or the
// local one on the default port.
func testRedisAddr() string {
	if a := os.Getenv("OPENCHS_AI_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// A Python client sends the whole body before it reads the reply; an
// upload refused before its body is read (a wrong key, a body over the
// limit) must still reach it as the JSON error, not as a reset
// connection.
func TestPythonClientReadsEarlyRefusals(t *testing.T) {
	tool(t, "python3")
	if err := exec.Command("python3", "-c", "import requests").Run(); err != nil {
		need(t, "python3-requests: %v", err)
	}
	key := strings.Repeat("k", 40)
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+key, "--model="+modelArg(t), "--max-upload-mb=2")
	out, err := exec.Command("python3", "testdata/early_errors.py", s.url, key, strconv.Itoa(48<<20)).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := strings.TrimSpace(string(out))
	want := "wrong key 401 invalid_api_key\ntoo large 413 upload_too_large"
	if got != want {
		t.Errorf("the Python client saw:\n%s\nwant:\n%s", got, want)
	}
}
