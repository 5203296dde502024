package main

// The chaos suite: the service as real processes (one api, two workers)
// on a redis-server of its own that keeps an append-only file, under
// hostile uploads, protocol abuse, workers killed mid-transcription and
// Redis killed under load. CI runs a short form; `make chaos` sets
// OPENCHS_AI_CHAOS_ROUNDS=20 for the full one.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// redisServer is a redis-server of the test's own, on a free port, that
// writes every change to its append-only file before answering.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		need(t, "redis-server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &redisServer{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(func() { r.kill() })
	return r
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) start() {
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatal("redis-server did not start")
}

func (r *redisServer) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// chaosRow is a line of the suite's table.
type chaosRow struct{ what, outcome string }

func TestChaos(t *testing.T) {
	rounds := 1
	if v := os.Getenv("OPENCHS_AI_CHAOS_ROUNDS"); v != "" {
		rounds, _ = strconv.Atoi(v)
	}
	rs := startRedisServer(t)
	model := modelArg(t)
	api := start(t, "api", "--addr=127.0.0.1:0", "--redis="+rs.url(), "--api-keys="+serviceKey,
		"--builtin-helpline=false", "--max-upload-mb=20", "--read-timeout=3s", "--max-duration=2h")
	workerArgs := []string{"worker", "--redis=" + rs.url(), "--model=" + model}
	workers := []*service{start(t, workerArgs...), start(t, workerArgs...)}
	// Processes restarted inside a subtest live until the whole test ends.
	restart := func(args ...string) *service { return start(t, args...) }
	var table []chaosRow
	defer func() {
		var b strings.Builder
		for _, r := range table {
			fmt.Fprintf(&b, "\n  %-52s %s", r.what, r.outcome)
		}
		t.Logf("chaos suite:%s", b.String())
	}()

	t.Run("hostile uploads and protocol abuse", func(t *testing.T) {
		before := rssMB(t, api)
		bad := hostileUploads(t)
		var refused, closed int
		for _, h := range bad {
			code, body, err := h.send(api.url)
			switch {
			case err != nil:
				closed++
			case code >= 400 && code < 500 && json.Valid(body) && bytes.Contains(body, []byte(`"code"`)):
				refused++
			default:
				t.Errorf("%s: %d %.200s", h.name, code, body)
			}
			if !healthy(api.url) {
				t.Fatalf("the service is down after %s", h.name)
			}
		}
		if !slowlorisCut(t, api.url) {
			t.Error("a body sent a byte every second kept its connection past the read timeout")
		}
		wsAbuse(t, api.url)
		after := rssMB(t, api)
		table = append(table, chaosRow{fmt.Sprintf("%d hostile uploads, slowloris, 1000 WS subscriptions", len(bad)+2),
			fmt.Sprintf("%d JSON 4xx, %d connections closed; service up; api RSS %d → %d MB", refused, closed, before, after)})
		if after > 400 {
			t.Errorf("api RSS %d MB after the hostile uploads, want under 400", after)
		}
	})

	t.Run("workers killed mid-transcription", func(t *testing.T) {
		// redelivered is from the kill to the task's start on another
		// worker, done from the kill to its completion.
		var redelivered, done []time.Duration
		for round := range rounds {
			id := post(t, api.url, longRecording(t, 6))
			ev := waitStarted(t, api.url, id)
			var sd models.StartedData
			json.Unmarshal(ev.Data, &sd)
			i := slices.IndexFunc(workers, func(w *service) bool { return strings.HasSuffix(sd.Worker, ":"+strconv.Itoa(w.cmd.Process.Pid)) })
			if i < 0 {
				t.Fatalf("round %d: started by %q, not one of the workers", round, sd.Worker)
			}
			workers[i].cmd.Process.Signal(syscall.SIGKILL)
			<-workers[i].done
			killed := time.Now()
			workers[i] = restart(workerArgs...)
			waitEventWithin(t, api.url, id, models.EventCompleted, 5*time.Minute)
			done = append(done, time.Since(killed))
			completed := 0
			var restarted time.Time
			for _, e := range events(t, api.url, id) {
				switch {
				case e.Type == models.EventCompleted:
					completed++
				case e.Type == models.EventStarted && e.Attempt > 1 && restarted.IsZero():
					restarted = e.TS
				}
			}
			if completed != 1 {
				t.Errorf("round %d: %d completed events, want 1", round, completed)
			}
			if restarted.IsZero() {
				t.Fatalf("round %d: the task completed without starting a second attempt", round)
			}
			redelivered = append(redelivered, restarted.Sub(killed))
			// Lease 30 s, grace 10 s, a look every 5 s: 35 to 47 s.
			if d := restarted.Sub(killed); d > 75*time.Second {
				t.Errorf("round %d: the task started again %v after its worker was killed, want within 75 s", round, d)
			}
			t.Logf("round %d: started again %v after the kill, completed %v after it", round,
				restarted.Sub(killed).Round(100*time.Millisecond), done[len(done)-1].Round(100*time.Millisecond))
		}
		slices.Sort(redelivered)
		slices.Sort(done)
		table = append(table, chaosRow{fmt.Sprintf("%d worker SIGKILLs mid-transcription", rounds),
			fmt.Sprintf("all completed once; started again %v median, %v worst after the kill; completed %v median, %v worst",
				redelivered[len(redelivered)/2].Round(time.Second), redelivered[len(redelivered)-1].Round(time.Second),
				done[len(done)/2].Round(time.Second), done[len(done)-1].Round(time.Second))})
	})

	t.Run("api killed mid-upload", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", rs.port)})
		defer rdb.Close()
		before := taskKeys(t, rdb)
		apiArgs := api.cmd.Args[1:]
		conn := halfUpload(t, api.url, jfkWAV(t))
		defer conn.Close()
		api.cmd.Process.Signal(syscall.SIGKILL)
		<-api.done
		api = restart(apiArgs...)
		after := taskKeys(t, rdb)
		if !slices.Equal(before, after) {
			t.Errorf("keys of tasks and audio before the kill %v, after %v: the cut upload left something", before, after)
		}
		id := post(t, api.url, jfkWAV(t))
		waitEventWithin(t, api.url, id, models.EventCompleted, 5*time.Minute)
		table = append(table, chaosRow{"api SIGKILL with an upload half sent, then restart",
			fmt.Sprintf("no task record, audio or hold left (%d task keys before and after); the next upload completed", len(after))})
	})

	t.Run("Redis killed under load", func(t *testing.T) {
		var accepted []string
		for range 3 {
			accepted = append(accepted, post(t, api.url, jfkWAV(t)))
		}
		rs.kill()
		start := time.Now()
		code, hdr, err := uploadOnce(api.url, jfkWAV(t))
		outage := time.Since(start)
		if err != nil || code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
			t.Errorf("upload while Redis is down: %d Retry-After=%q %v (after %v); want 503 with Retry-After", code, hdr.Get("Retry-After"), err, outage)
		}
		if outage > 15*time.Second {
			t.Errorf("the upload while Redis was down took %v to be answered", outage)
		}
		time.Sleep(2 * time.Second)
		rs.start()
		for _, id := range accepted {
			waitEventWithin(t, api.url, id, models.EventCompleted, 5*time.Minute)
		}
		table = append(table, chaosRow{"Redis SIGKILL with 3 accepted uploads, then restart",
			fmt.Sprintf("upload during the outage: %d in %v; all 3 accepted completed", code, outage.Round(time.Millisecond))})
	})
}

// waitStarted waits for task id's started event and returns it.
func waitStarted(t *testing.T, url, id string) models.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
			t.Fatalf("no started event: %v", err)
		}
		if ev.Type == models.EventStarted {
			return ev
		}
	}
}

func healthy(url string) bool {
	resp, err := http.Get(url + "/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// rssMB is the resident memory of a service's process.
func rssMB(t *testing.T, s *service) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb >> 10
		}
	}
	return 0
}

func uploadOnce(url, path string) (int, http.Header, error) {
	f, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	h := hostile{name: "upload", field: "audio", filename: "call.wav", data: f, fields: map[string]string{"background": "true"}}
	req := h.request(url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return 0, nil, err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// hostile is one malformed or hostile request.
type hostile struct {
	name        string
	method      string
	path        string
	contentType string
	raw         []byte // a body as it is, instead of a form
	field       string // the form's file field (default audio)
	filename    string
	data        []byte
	fields      map[string]string
	noKey       bool
}

func (h hostile) request(url string) *http.Request {
	body, ct := h.raw, h.contentType
	if body == nil {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range h.fields {
			mw.WriteField(k, v)
		}
		if h.data != nil {
			fw, _ := mw.CreateFormFile(h.field, h.filename)
			fw.Write(h.data)
		}
		mw.Close()
		body = b.Bytes()
		if ct == "" {
			ct = mw.FormDataContentType()
		}
	}
	method, path := h.method, h.path
	if method == "" {
		method = "POST"
	}
	if path == "" {
		path = "/audio/process"
	}
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if !h.noKey {
		req.Header.Set("X-API-Key", serviceKey)
	}
	return req
}

func (h hostile) send(url string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(h.request(url).WithContext(ctx))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// wavHeader is a 44-byte PCM WAV header with the given fields.
func wavHeader(channels, rate, bits int, dataSize uint32) []byte {
	b := make([]byte, 44)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+dataSize)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], dataSize)
	return b
}

// hostileUploads are the malformed and hostile requests of the suite.
func hostileUploads(t *testing.T) []hostile {
	t.Helper()
	jfk, err := os.ReadFile(jfkWAV(t))
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string, data []byte) hostile {
		return hostile{name: name, field: "audio", filename: "call.wav", data: data}
	}
	var hs []hostile
	for _, n := range []int{0, 1, 4, 12, 43, 44, 45, 100} {
		hs = append(hs, file(fmt.Sprintf("WAV truncated to %d bytes", n), jfk[:n]))
	}
	for _, h := range []struct {
		name                 string
		channels, rate, bits int
		size                 uint32
		body                 int
	}{
		{"WAV claiming 4 GB of data", 1, 16000, 16, 0xFFFFFFF0, 1000},
		{"WAV with no channels", 0, 16000, 16, 1000, 1000},
		{"WAV at 0 Hz", 1, 0, 16, 1000, 1000},
		{"WAV with 3-bit samples", 1, 16000, 3, 1000, 1000},
		{"WAV with 300 channels", 300, 16000, 16, 1000, 1000},
		{"WAV at 10 MHz", 1, 10_000_000, 16, 1000, 1000},
		{"WAV whose data is odd-sized", 1, 16000, 16, 1001, 1001},
	} {
		hs = append(hs, file(h.name, append(wavHeader(h.channels, h.rate, h.bits, h.size), make([]byte, h.body)...)))
	}
	// Two hours and a minute at 1 kHz, 8-bit: 7 MB that decode to far more.
	long := 121 * 60 * 1000
	hs = append(hs, file("2 h 1 min WAV at 1 kHz", append(wavHeader(1, 1000, 8, uint32(long)), bytes.Repeat([]byte{128, 140}, long/2)...)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 50<<20))
	zw.Close()
	hs = append(hs, file("gzip bomb named call.wav", gz.Bytes()))
	for i, junk := range [][]byte{[]byte("hello, this is not audio"), bytes.Repeat([]byte{0xFF, 0xFB}, 5000),
		append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), make([]byte, 2000)...), bytes.Repeat([]byte{0}, 100000),
		[]byte("PK\x03\x04 zip"), []byte("%PDF-1.4"), []byte("<html><script>alert(1)</script>")} {
		hs = append(hs, file(fmt.Sprintf("not audio #%d", i+1), junk))
	}
	hs = append(hs,
		hostile{name: "JSON instead of a form", contentType: "application/json", raw: []byte(`{"audio": "AAAA"}`)},
		hostile{name: "plain text", contentType: "text/plain", raw: []byte("audio")},
		hostile{name: "url-encoded form", contentType: "application/x-www-form-urlencoded", raw: []byte("audio=x")},
		hostile{name: "no content type", contentType: "", raw: []byte("x")},
		hostile{name: "multipart without a boundary", contentType: "multipart/form-data", raw: []byte("--x\r\n")},
		hostile{name: "multipart with a broken body", contentType: "multipart/form-data; boundary=x", raw: []byte("--x\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\nRIFF")},
		hostile{name: "no audio field", fields: map[string]string{"language": "sw"}},
		hostile{name: "audio in another field", field: "file", filename: "a.wav", data: jfk},
		hostile{name: "a 5 MB language field", fields: map[string]string{"language": strings.Repeat("s", 5<<20)}, field: "audio", filename: "a.wav", data: jfk},
		hostile{name: "a 2 MB title", fields: map[string]string{"title": strings.Repeat("t", 2<<20)}, field: "audio", filename: "a.wav", data: jfk},
		hostile{name: "an unknown language", fields: map[string]string{"language": "xx"}, field: "audio", filename: "a.wav", data: jfk},
		hostile{name: "a bad boolean", fields: map[string]string{"background": "perhaps"}, field: "audio", filename: "a.wav", data: jfk},
		hostile{name: "upload over the size limit", field: "audio", filename: "a.wav", data: make([]byte, 21<<20)},
		hostile{name: "no key", field: "audio", filename: "a.wav", data: jfk, noKey: true},
		hostile{name: "a task id that is a path", method: "GET", path: "/audio/task/..%2F..%2Fetc%2Fpasswd", raw: []byte{}},
		hostile{name: "a task id that is a key pattern", method: "GET", path: "/audio/task/*", raw: []byte{}},
		hostile{name: "events past the end of an unknown task", method: "GET", path: "/audio/task/0123456789abcdef0123456789abcdef/events?after=99", raw: []byte{}},
		hostile{name: "a negative after", method: "GET", path: "/audio/task/0123456789abcdef0123456789abcdef/events?after=-1", raw: []byte{}},
		hostile{name: "PUT on the upload route", method: "PUT", raw: []byte("x")},
	)
	return hs
}

// slowlorisCut sends an upload's headers and then a byte a second, and
// reports whether the server closed the connection within 15 s.
func slowlorisCut(t *testing.T, url string) bool {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /audio/process HTTP/1.1\r\nHost: localhost\r\nX-API-Key: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n", serviceKey)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.Write([]byte("x")); err != nil {
			return true
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 512)
		if n, err := c.Read(buf); n > 0 || (err != nil && !isTimeout(err)) {
			return true // answered (4xx) or closed
		}
	}
	return false
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// wsAbuse sends 1000 subscriptions on one WebSocket: each is refused (an
// unknown task) or the connection is closed; the service stays up.
func wsAbuse(t *testing.T, url string) {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(url, "http")+"/ws", http.Header{"X-API-Key": {serviceKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for i := range 1000 {
		if err := conn.WriteJSON(map[string]string{"subscribe": fmt.Sprintf("%032x", i)}); err != nil {
			break // closed by the server: allowed
		}
	}
	if !healthy(url) {
		t.Fatal("the service is down after 1000 WebSocket subscriptions")
	}
}

// taskKeys lists the Redis keys that an accepted upload creates: task
// records, audio and the set of tasks holding audio.
func taskKeys(t *testing.T, rdb *redis.Client) []string {
	t.Helper()
	var all []string
	for _, pattern := range []string{"openchs:task:*", "openchs:audio:*", "openchs:holding*"} {
		keys, err := rdb.Keys(context.Background(), pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, keys...)
	}
	slices.Sort(all)
	return all
}

// halfUpload sends an upload's headers and half its body, and returns the
// connection with the rest unsent.
func halfUpload(t *testing.T, url, path string) net.Conn {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req := hostile{name: "half", filename: "call.wav", data: data, fields: map[string]string{"background": "true"}}.request(url)
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nX-API-Key: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		req.URL.Path, req.URL.Host, serviceKey, req.Header.Get("Content-Type"), len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the api is reading the body
	return conn
}
