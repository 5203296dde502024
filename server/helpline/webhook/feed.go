package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
)

// TaskReader reads a task's events and record: a large event (a completed
// one with its result, a long call's transcript) reaches the feed as a
// reference to its task's stream. *queue.Client implements it.
type TaskReader interface {
	Task(ctx context.Context, id string) (*models.Task, error)
	// Events returns the task's events numbered above after, up to count.
	Events(ctx context.Context, id string, after, count int64) ([]models.Event, error)
}

// feedConsumer reads the feed of all task events through a consumer group:
// each entry goes to one consumer of all the API processes, is turned into
// webhook events, and is acknowledged once their deliveries are enqueued.
// Entries a consumer took and never acknowledged (it died, or enqueueing
// failed) are claimed again after ClaimIdle.
type feedConsumer struct {
	s    *Service
	feed string
}

func (f *feedConsumer) init(ctx context.Context) error {
	err := f.s.rdb.XGroupCreateMkStream(ctx, f.feed, f.s.cfg.Group, "$").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("create consumer group %s on %s: %w", f.s.cfg.Group, f.feed, err)
	}
	return nil
}

func (f *feedConsumer) run(ctx context.Context) {
	wait := 100 * time.Millisecond
	var lastClaim, lastPrune time.Time
	for ctx.Err() == nil {
		var msgs []redis.XMessage
		var err error
		if time.Since(lastClaim) >= f.s.cfg.ClaimIdle/2 {
			lastClaim = time.Now()
			msgs, err = f.claim(ctx)
		}
		if time.Since(lastPrune) >= consumerPruneEvery {
			lastPrune = time.Now()
			f.prune(ctx)
		}
		if err == nil && len(msgs) == 0 {
			msgs, err = f.read(ctx)
		}
		if err == nil {
			err = f.handle(ctx, msgs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			f.s.log.Warn("task event feed: will retry", "err", err)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			wait = min(wait*2, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
	}
}

// read takes new entries for this consumer, waiting up to PollInterval.
func (f *feedConsumer) read(ctx context.Context) ([]redis.XMessage, error) {
	res, err := f.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    f.s.cfg.Group,
		Consumer: f.s.cfg.Consumer,
		Streams:  []string{f.feed, ">"},
		Count:    200,
		Block:    max(f.s.cfg.PollInterval, 50*time.Millisecond),
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil && redis.HasErrorPrefix(err, "NOGROUP") {
		// The feed was deleted (a flushed Redis): make the group again.
		if ierr := f.init(ctx); ierr != nil {
			return nil, ierr
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read task event feed: %w", err)
	}
	var out []redis.XMessage
	for _, s := range res {
		out = append(out, s.Messages...)
	}
	return out, nil
}

// claim takes over entries that waited unacknowledged for ClaimIdle, from
// any consumer, this one included.
func (f *feedConsumer) claim(ctx context.Context) ([]redis.XMessage, error) {
	msgs, _, err := f.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream:   f.feed,
		Group:    f.s.cfg.Group,
		Consumer: f.s.cfg.Consumer,
		MinIdle:  f.s.cfg.ClaimIdle,
		Start:    "0-0",
		Count:    200,
	}).Result()
	if errors.Is(err, redis.Nil) || (err != nil && redis.HasErrorPrefix(err, "NOGROUP")) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim stale task events: %w", err)
	}
	return msgs, nil
}

// Consumers idle this long with nothing pending are removed from the group:
// every process start adds one.
const (
	consumerPruneEvery = 10 * time.Minute
	consumerIdleMax    = time.Hour
)

// prune removes consumers of past processes from the group.
func (f *feedConsumer) prune(ctx context.Context) {
	cs, err := f.s.rdb.XInfoConsumers(ctx, f.feed, f.s.cfg.Group).Result()
	if err != nil {
		return
	}
	for _, c := range cs {
		if c.Name != f.s.cfg.Consumer && c.Pending == 0 && c.Idle > consumerIdleMax {
			if err := f.s.rdb.XGroupDelConsumer(ctx, f.feed, f.s.cfg.Group, c.Name).Err(); err == nil {
				f.s.log.Info("idle feed consumer removed", "consumer", c.Name, "idle", c.Idle)
			}
		}
	}
}

// handle turns entries into deliveries and acknowledges them. It stops at
// the first entry it cannot enqueue, acknowledging those before it.
func (f *feedConsumer) handle(ctx context.Context, msgs []redis.XMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	var subs []*Subscription
	var done []string
	defer func() {
		if len(done) > 0 {
			if err := f.s.rdb.XAck(context.WithoutCancel(ctx), f.feed, f.s.cfg.Group, done...).Err(); err != nil {
				f.s.log.Warn("task events not acknowledged; they will be handled again", "err", err)
			}
		}
	}()
	for _, m := range msgs {
		ev, ok, err := f.event(ctx, m)
		if err != nil {
			return err
		}
		if ok {
			if subs == nil {
				if subs, err = f.s.store.list(ctx, true); err != nil {
					return err
				}
			}
			if err := f.s.fanOut(ctx, ev, subs); err != nil {
				return err
			}
		}
		done = append(done, m.ID)
	}
	return nil
}

// event maps one feed entry onto a webhook event. Entries webhooks do not
// carry, and entries that cannot be read, report false: they are
// acknowledged and dropped (an undecodable one with a warning).
func (f *feedConsumer) event(ctx context.Context, m redis.XMessage) (Event, bool, error) {
	task, _ := m.Values["t"].(string)
	sid, _ := m.Values["id"].(string)
	raw, _ := m.Values["e"].(string)
	log := f.s.log.With("task_id", task, "feed_id", m.ID)
	if raw == "" {
		// A large event (a completed one with its result, or a long call's
		// transcript or classification): the feed holds a reference only.
		return f.largeEvent(ctx, log, task, sid)
	}
	// Cheap test first: most of the feed is progress events.
	if !strings.Contains(raw, `"type":"completed"`) && !strings.Contains(raw, `"type":"failed"`) &&
		!strings.Contains(raw, `"type":"classification_complete"`) {
		return Event{}, false, nil
	}
	var ev models.Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		log.Warn("undecodable feed entry dropped", "err", err)
		return Event{}, false, nil
	}
	if ev.TaskID == "" {
		ev.TaskID = task
	}
	if seq, err := seqOf(sid); err == nil {
		ev.Seq = seq
	}
	return f.mapEvent(ctx, log, ev)
}

// largeEvent reads a large event from its task's stream. Should the stream
// have expired first, a completed event is rebuilt from the task's record;
// any other is dropped with a warning.
func (f *feedConsumer) largeEvent(ctx context.Context, log *slog.Logger, task, sid string) (Event, bool, error) {
	seq, err := seqOf(sid)
	if err != nil {
		log.Warn("feed entry without an event or a sequence number")
		return Event{}, false, nil
	}
	if f.s.tasks == nil {
		log.Warn("large feed event dropped: no task reader")
		return Event{}, false, nil
	}
	evs, err := f.s.tasks.Events(ctx, task, seq-1, 1)
	if err != nil {
		return Event{}, false, fmt.Errorf("read event %d of task %s: %w", seq, task, err)
	}
	if len(evs) == 1 && evs[0].Seq == seq {
		ev := evs[0]
		ev.TaskID = task
		return f.mapEvent(ctx, log, ev)
	}
	t, err := f.s.tasks.Task(ctx, task)
	if err != nil && !errors.Is(err, queue.ErrNotFound) {
		return Event{}, false, fmt.Errorf("read task %s: %w", task, err)
	}
	if err != nil || t.Status != models.StatusCompleted {
		log.Warn("large feed event dropped: its task's events have expired")
		return Event{}, false, nil
	}
	ev := models.Event{Type: models.EventCompleted, TaskID: task, Seq: seq}
	if t.FinishedAt != nil {
		ev.TS = *t.FinishedAt
	}
	return f.mapEvent(ctx, log, ev)
}

// mapEvent turns a task event into a webhook event; a completed event
// without its result takes it from the task's record.
func (f *feedConsumer) mapEvent(ctx context.Context, log *slog.Logger, ev models.Event) (Event, bool, error) {
	var t *models.Task
	if ev.Type == models.EventCompleted && len(ev.Data) == 0 && f.s.tasks != nil {
		t, _ = f.s.tasks.Task(ctx, ev.TaskID)
	}
	we, ok, err := taskEvent(ev, t)
	if err != nil {
		log.Warn("task event not mapped", "err", err)
		return Event{}, false, nil
	}
	return we, ok, nil
}

// seqOf parses the sequence number out of a task stream id "0-N".
func seqOf(id string) (int64, error) {
	_, n, ok := strings.Cut(id, "-")
	if !ok {
		return 0, fmt.Errorf("stream id %q has no sequence part", id)
	}
	return strconv.ParseInt(n, 10, 64)
}
