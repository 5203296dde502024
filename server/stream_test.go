package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

func backgroundUpload(t *testing.T, s *stack) string {
	t.Helper()
	code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), map[string]string{"background": "true"}, nil)
	var h struct {
		TaskID string `json:"task_id"`
	}
	if code != 202 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("upload: %d %s", code, body)
	}
	return h.TaskID
}

func dialWS(t *testing.T, s *stack, query string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+"/ws"+query, nil)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial: %v (%d)", err, code)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	return conn
}

func TestWebSocket(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 4), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})

	t.Run("a browser passes the key in the query", func(t *testing.T) {
		_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+"/ws", nil)
		if err == nil || resp == nil || resp.StatusCode != 401 {
			t.Fatalf("no key: err %v, resp %v", err, resp)
		}
		conn := dialWS(t, s, "?api_key="+testKey)
		conn.WriteJSON(map[string]string{"subscribe": "ffffffffffffffffffffffffffffffff"})
		var msg struct {
			Error  models.ErrorInfo `json:"error"`
			TaskID string           `json:"task_id"`
		}
		if err := conn.ReadJSON(&msg); err != nil || msg.Error.Code != "task_not_found" {
			t.Errorf("unknown task: %+v, %v", msg, err)
		}
	})

	t.Run("all tasks", func(t *testing.T) {
		conn := dialWS(t, s, "?api_key="+testKey)
		conn.WriteJSON(map[string]string{"subscribe": "*"})
		time.Sleep(200 * time.Millisecond) // the subscription is live
		ids := map[string]bool{backgroundUpload(t, s): true}
		<-proc.started
		proc.release <- struct{}{}
		ids[backgroundUpload(t, s)] = true
		<-proc.started
		proc.release <- struct{}{}
		done := map[string]bool{}
		for len(done) < 2 {
			var ev models.Event
			if err := conn.ReadJSON(&ev); err != nil {
				t.Fatalf("after %v: %v", done, err)
			}
			if !ids[ev.TaskID] {
				t.Fatalf("event of an unknown task: %+v", ev)
			}
			if ev.Type == models.EventCompleted {
				done[ev.TaskID] = true
			}
		}
	})
}

func TestHeartbeat(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc, server: server.Config{Heartbeat: 200 * time.Millisecond}})
	id := backgroundUpload(t, s)
	<-proc.started
	req, _ := http.NewRequest("GET", s.url+"/audio/task/"+id+"/events", nil)
	req.Header.Set("X-API-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var types []string
	var beat models.Event
	for {
		var ev models.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, string(ev.Type))
		if ev.Type == models.EventHeartbeat {
			beat = ev
			break
		}
	}
	if beat.TaskID != id || beat.Seq != 3 {
		t.Errorf("heartbeat %+v after %v, want seq 3 (the last event's)", beat, types)
	}
	close(proc.release)
}

func TestSyncWaitTimesOut(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc, server: server.Config{SyncTimeout: 300 * time.Millisecond}})
	code, _, body := s.upload(t, "/audio/process", toneWAV(time.Second), nil, nil)
	var h struct {
		TaskID string            `json:"task_id"`
		Status models.TaskStatus `json:"status"`
	}
	if code != 202 || json.Unmarshal(body, &h) != nil || h.Status != models.StatusProcessing {
		t.Fatalf("slow sync upload: %d %s, want 202 processing", code, body)
	}
	close(proc.release)
	if task := s.waitStatus(t, h.TaskID); task.Status != models.StatusCompleted {
		t.Errorf("task = %+v", task)
	}
}

func TestReadyWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	c, err := queue.NewClient(rdb, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{NoAuth: true}, c, queue.NewHub(rdb, queue.Config{}, nil))
	if err != nil {
		t.Fatal(err)
	}
	ts := newHTTPTest(t, srv)
	for path, want := range map[string]int{"/health": 200, "/ready": 503} {
		resp, err := http.Get(ts + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// A finished task's stream ends: from the start, from its last event, and
// an "after" past the last event is a 400, not a stream that follows
// forever.
func TestFinishedTaskStreamsEnd(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})
	id := backgroundUpload(t, s)
	<-proc.started
	close(proc.release)
	s.waitStatus(t, id)
	read := func(after string) (int, []models.Event) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/audio/task/"+id+"/events?after="+after, nil)
		req.Header.Set("X-API-Key", testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var evs []models.Event
		dec := json.NewDecoder(resp.Body)
		for {
			var ev models.Event
			if err := dec.Decode(&ev); err != nil {
				if ctx.Err() != nil {
					t.Fatalf("the stream after %s did not end", after)
				}
				return resp.StatusCode, evs
			}
			evs = append(evs, ev)
		}
	}
	code, all := read("0")
	if code != 200 || len(all) == 0 || all[len(all)-1].Type != models.EventCompleted {
		t.Fatalf("whole stream: %d %v", code, all)
	}
	last := all[len(all)-1].Seq
	if code, evs := read(strconv.FormatInt(last, 10)); code != 200 || len(evs) != 0 {
		t.Errorf("after the last event: %d %v, want an empty stream that ends", code, evs)
	}
	if code, _ := read(strconv.FormatInt(last+5, 10)); code != 400 {
		t.Errorf("after past the last event: %d, want 400", code)
	}
}

// Unsubscribing and subscribing again to a task keeps the new
// subscription: the old one's end does not take it down.
func TestWebSocketResubscribe(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 1), release: make(chan struct{})}
	s := newStack(t, realRedis(t), stackConfig{proc: proc})
	id := backgroundUpload(t, s)
	<-proc.started
	conn := dialWS(t, s, "?api_key="+testKey)
	var ev models.Event
	conn.WriteJSON(map[string]any{"subscribe": id})
	if err := conn.ReadJSON(&ev); err != nil {
		t.Fatal(err)
	}
	for range 5 { // the new subscription comes before the old one has wound down
		conn.WriteJSON(map[string]any{"unsubscribe": id})
		conn.WriteJSON(map[string]any{"subscribe": id})
	}
	time.Sleep(200 * time.Millisecond) // the old subscriptions wind down
	close(proc.release)
	for {
		if err := conn.ReadJSON(&ev); err != nil {
			t.Fatalf("no completed event after subscribing again: %v", err)
		}
		if ev.Type == models.EventCompleted {
			return
		}
	}
}

// A connection holds a bounded number of subscriptions.
func TestWebSocketSubscriptionsAreCapped(t *testing.T) {
	proc := &gatedProcessor{started: make(chan string, 200), release: make(chan struct{})}
	defer close(proc.release)
	s := newStack(t, realRedis(t), stackConfig{proc: proc, queue: queue.Config{MaxPending: -1}})
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = backgroundUpload(t, s)
	}
	conn := dialWS(t, s, "?api_key="+testKey)
	refused := make(chan string, 1)
	go func() {
		for {
			var msg struct {
				Error  *models.ErrorInfo `json:"error"`
				TaskID string            `json:"task_id"`
			}
			if conn.ReadJSON(&msg) != nil {
				return
			}
			if msg.Error != nil && msg.Error.Code == "too_many_subscriptions" {
				refused <- msg.Error.Message
				return
			}
		}
	}()
	for _, id := range ids {
		conn.WriteJSON(map[string]any{"subscribe": id})
	}
	select {
	case <-refused:
	case <-time.After(10 * time.Second):
		t.Fatal("101 subscriptions on one connection were all taken")
	}
}

// A WebSocket client that stops answering pings (its network dropped
// without a close) is disconnected; one that answers stays.
func TestWebSocketDeadClientIsDropped(t *testing.T) {
	s := newStack(t, realRedis(t), stackConfig{server: server.Config{Heartbeat: 200 * time.Millisecond}})
	live := dialWS(t, s, "?api_key="+testKey)
	replies := make(chan []byte, 16)
	go func() { // reading answers the pings
		defer close(replies)
		for {
			_, m, err := live.ReadMessage()
			if err != nil {
				return
			}
			replies <- m
		}
	}()
	dead := dialWS(t, s, "?api_key="+testKey)
	time.Sleep(1500 * time.Millisecond) // neither reads nor answers a ping

	dead.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		_, _, err := dead.ReadMessage()
		if err == nil {
			continue // pings sent before the server gave up
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the silent client is still connected")
		}
		break
	}
	live.WriteJSON(map[string]any{"subscribe": "no-such-task"})
	select {
	case m, ok := <-replies:
		if !ok || !strings.Contains(string(m), "task_not_found") {
			t.Fatalf("the answering client got %q (connection open: %v)", m, ok)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the answering client got no reply")
	}
}
