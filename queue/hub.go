package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// Hub fans the events of all tasks out to this process's subscribers. One
// goroutine follows the feed of all events with a blocking XREAD; each
// subscriber first reads its task's history from the task's own stream and
// then takes live events, filling any gap from the stream again. A slow
// subscriber never holds up the others: events it cannot take are dropped
// from its live channel and re-read from Redis.
type Hub struct {
	store
	log *slog.Logger

	mu     sync.Mutex
	cursor string
	tasks  map[string]map[*subscriber]struct{}
	all    map[*subscriber]struct{}
}

type subscriber struct {
	ch   chan models.Event
	kick chan struct{} // an event was dropped: catch up from Redis
}

// NewHub returns a Hub on rdb. Call Run before Subscribe.
func NewHub(rdb redis.UniversalClient, cfg Config, log *slog.Logger) *Hub {
	cfg = cfg.WithDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		store: store{rdb: rdb, keys: keys{cfg.Prefix}, cfg: cfg},
		log:   log,
		tasks: map[string]map[*subscriber]struct{}{},
		all:   map[*subscriber]struct{}{},
	}
}

// Start positions the hub at the end of the feed and follows it until ctx
// ends. Events published after Start returns reach live subscribers.
func (h *Hub) Start(ctx context.Context) error {
	last, err := h.rdb.XRevRangeN(ctx, h.keys.feed(), "+", "-", 1).Result()
	if err != nil {
		return fmt.Errorf("read end of event feed: %w", err)
	}
	h.cursor = "0-0"
	if len(last) > 0 {
		h.cursor = last[0].ID
	}
	go h.follow(ctx)
	return nil
}

func (h *Hub) follow(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		res, err := h.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{h.keys.feed(), h.cursor},
			Count:   500,
			Block:   time.Second,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			h.log.Warn("event feed unreadable", "err", err)
			time.Sleep(backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		for _, s := range res {
			for _, m := range s.Messages {
				h.cursor = m.ID
				h.dispatch(ctx, m)
			}
		}
	}
}

func (h *Hub) dispatch(ctx context.Context, m redis.XMessage) {
	task, _ := m.Values["t"].(string)
	sid, _ := m.Values["id"].(string)
	if e, _ := m.Values["e"].(string); e == "" { // a large event: read it from its task's stream
		msgs, err := h.rdb.XRange(ctx, h.keys.events(task), sid, sid).Result()
		if err != nil || len(msgs) == 0 {
			h.log.Warn("event in feed not found in its task stream", "task_id", task, "id", sid, "err", err)
			return
		}
		m = msgs[0]
	}
	ev, err := decodeEntry(m, sid)
	if err != nil {
		h.log.Warn("undecodable event in feed", "id", m.ID, "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.tasks[task] {
		offer(s, ev)
	}
	for s := range h.all {
		offer(s, ev)
	}
}

// offer hands ev to s without blocking; when s is full it is told to catch
// up instead.
func offer(s *subscriber, ev models.Event) {
	select {
	case s.ch <- ev:
	default:
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

func newSubscriber() *subscriber {
	return &subscriber{ch: make(chan models.Event, 64), kick: make(chan struct{}, 1)}
}

func (h *Hub) add(task string, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if task == "*" {
		h.all[s] = struct{}{}
		return
	}
	m := h.tasks[task]
	if m == nil {
		m = map[*subscriber]struct{}{}
		h.tasks[task] = m
	}
	m[s] = struct{}{}
}

func (h *Hub) remove(task string, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if task == "*" {
		delete(h.all, s)
		return
	}
	delete(h.tasks[task], s)
	if len(h.tasks[task]) == 0 {
		delete(h.tasks, task)
	}
}

// Subscribe returns task id's events numbered above after, history first,
// then live ones as they happen, without gaps or repeats. The channel
// closes after the task's completed or failed event, or when ctx ends. A
// subscription that starts after the completed event follows the case
// write-back instead, and closes after case_created or case_failed.
func (h *Hub) Subscribe(ctx context.Context, id string, after int64) <-chan models.Event {
	out := make(chan models.Event)
	first := after
	ends := func(ev models.Event) bool {
		switch ev.Type {
		case models.EventFailed, models.EventCaseCreated, models.EventCaseFailed:
			return true
		case models.EventCompleted:
			return ev.Seq > first
		}
		return false
	}
	s := newSubscriber()
	h.add(id, s) // before reading history: nothing falls between the two
	go func() {
		defer close(out)
		defer h.remove(id, s)
		send := func(ev models.Event) bool {
			select {
			case out <- ev:
				after = ev.Seq
				return true
			case <-ctx.Done():
				return false
			}
		}
		// catchUp sends the history above after; it reports whether to go on.
		catchUp := func() bool {
			for ctx.Err() == nil {
				evs, err := h.store.events(ctx, id, after, 500)
				if err != nil {
					h.log.Warn("task events unreadable", "task_id", id, "err", err)
					select {
					case <-time.After(time.Second):
					case <-ctx.Done():
					}
					continue
				}
				for _, ev := range evs {
					if !send(ev) || ends(ev) {
						return false
					}
				}
				if len(evs) < 500 {
					return true
				}
			}
			return false
		}
		if !catchUp() {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.kick:
				if !catchUp() {
					return
				}
			case ev := <-s.ch:
				switch {
				case ev.Seq <= after:
					continue
				case ev.Seq > after+1:
					if !catchUp() {
						return
					}
				default:
					if !send(ev) || ends(ev) {
						return
					}
				}
			}
		}
	}()
	return out
}

// SubscribeAll returns the events of every task from now on, until ctx
// ends. Events a slow reader cannot take are dropped.
func (h *Hub) SubscribeAll(ctx context.Context) <-chan models.Event {
	out := make(chan models.Event)
	s := newSubscriber()
	h.add("*", s)
	go func() {
		defer close(out)
		defer h.remove("*", s)
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.kick:
				h.log.Warn("slow subscriber to all events dropped some")
			case ev := <-s.ch:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
