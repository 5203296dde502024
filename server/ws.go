package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
)

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, Subprotocols: []string{WSProtocol}}

// wsRequest is a message from a WebSocket client.
type wsRequest struct {
	// Subscribe names a task id, or "*" for the events of every task.
	Subscribe   string `json:"subscribe,omitempty"`
	After       int64  `json:"after,omitempty"`
	Unsubscribe string `json:"unsubscribe,omitempty"`
}

// wsError is sent to a WebSocket client whose request failed.
type wsError struct {
	Error  models.ErrorInfo `json:"error"`
	TaskID string           `json:"task_id,omitempty"`
}

// wsSendBuffer is how many messages may wait for a slow client before it is
// disconnected.
const wsSendBuffer = 256

// handleWS is GET /ws: a WebSocket on which a client subscribes to one
// task's events ({"subscribe": "<id>"}), with history first, or to every
// task's ({"subscribe": "*"}), live only. One goroutine writes to the
// connection; a client too slow to keep up is disconnected.
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	ctx, cancel := context.WithCancel(r.Context())
	c := &wsConn{conn: conn, send: make(chan any, wsSendBuffer), cancel: cancel, subs: map[string]*wsSub{}}
	defer cancel()
	go c.writeLoop(ctx, s.cfg.Heartbeat)
	conn.SetReadLimit(4096)
	// A client that answers neither pings nor with messages for two ping
	// intervals is gone (its network dropped without a close): the
	// connection and its subscriptions end.
	alive := func() error { return conn.SetReadDeadline(time.Now().Add(2*s.cfg.Heartbeat + time.Second)) }
	_ = alive()
	conn.SetPongHandler(func(string) error { return alive() })
	for {
		var req wsRequest
		if err := conn.ReadJSON(&req); err != nil {
			return
		}
		_ = alive()
		switch {
		case req.Subscribe == "*":
			if !principal(r).Has(ScopeReadAll) {
				c.push(wsError{Error: models.ErrorInfo{Code: "forbidden",
					Message: "Following every task needs a key with the read-all scope."}, TaskID: "*"})
				continue
			}
			if !c.subscribe(ctx, "*", s.events.SubscribeAll) {
				c.push(wsTooMany)
			}
		case req.Subscribe != "":
			id := req.Subscribe
			var t *models.Task
			err := queue.ErrNotFound
			if taskID(id) {
				t, err = s.tasks.Task(ctx, id)
			}
			if err == nil && !mayRead(r, t) {
				err = queue.ErrNotFound
			}
			if err != nil {
				info := models.ErrorInfo{Code: "unavailable", Message: "The task store is unavailable."}
				if errors.Is(err, queue.ErrNotFound) {
					info = models.ErrorInfo{Code: "task_not_found", Message: "No task with this id."}
				}
				c.push(wsError{Error: info, TaskID: id})
				continue
			}
			after := req.After
			if !c.subscribe(ctx, id, func(ctx context.Context) <-chan models.Event { return s.events.Subscribe(ctx, id, after) }) {
				c.push(wsTooMany)
			}
		case req.Unsubscribe != "":
			c.unsubscribe(req.Unsubscribe)
		default:
			c.push(wsError{Error: models.ErrorInfo{Code: "bad_request",
				Message: `Send {"subscribe": "<task_id>"} or {"subscribe": "*"}.`}})
		}
	}
}

type wsConn struct {
	conn   *websocket.Conn
	send   chan any
	cancel context.CancelFunc

	mu   sync.Mutex
	subs map[string]*wsSub
}

// wsSub is one subscription of a connection.
type wsSub struct{ cancel context.CancelFunc }

// wsMaxSubs bounds the subscriptions one connection may hold.
const wsMaxSubs = 100

var wsTooMany = wsError{Error: models.ErrorInfo{Code: "too_many_subscriptions",
	Message: fmt.Sprintf("A connection may follow at most %d subscriptions; unsubscribe first.", wsMaxSubs)}}

// push queues a message without blocking; a client that lets its queue fill
// up is disconnected.
func (c *wsConn) push(m any) {
	select {
	case c.send <- m:
	default:
		c.cancel()
	}
}

// subscribe follows open's events under key; it reports false when the
// connection holds as many subscriptions as it may.
func (c *wsConn) subscribe(ctx context.Context, key string, open func(context.Context) <-chan models.Event) bool {
	c.mu.Lock()
	if _, dup := c.subs[key]; dup {
		c.mu.Unlock()
		return true
	}
	if len(c.subs) >= wsMaxSubs {
		c.mu.Unlock()
		return false
	}
	sctx, cancel := context.WithCancel(ctx)
	sub := &wsSub{cancel: cancel}
	c.subs[key] = sub
	c.mu.Unlock()
	go func() {
		// Only this subscription ends here: a newer one under the same
		// key (unsubscribe, then subscribe again) stays.
		defer c.end(key, sub)
		for ev := range open(sctx) {
			c.push(ev)
		}
	}()
	return true
}

// unsubscribe ends the subscription under key, if any.
func (c *wsConn) unsubscribe(key string) {
	c.mu.Lock()
	sub := c.subs[key]
	c.mu.Unlock()
	if sub != nil {
		c.end(key, sub)
	}
}

// end ends sub and forgets it, unless key now names another subscription.
func (c *wsConn) end(key string, sub *wsSub) {
	c.mu.Lock()
	if c.subs[key] == sub {
		delete(c.subs, key)
	}
	c.mu.Unlock()
	sub.cancel()
}

// writeLoop sends the connection's messages, and a ping every interval.
func (c *wsConn) writeLoop(ctx context.Context, interval time.Duration) {
	ping := time.NewTicker(interval)
	defer ping.Stop()
	defer c.conn.Close()
	for {
		select {
		case <-ctx.Done():
			_ = c.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case m := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if err := c.conn.WriteJSON(m); err != nil {
				c.cancel()
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)); err != nil {
				c.cancel()
				return
			}
		}
	}
}
