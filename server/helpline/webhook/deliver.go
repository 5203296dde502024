package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// deliverPayload is the asynq payload of one delivery: the subscription
// and the event body, byte for byte as every attempt sends it.
type deliverPayload struct {
	SubscriptionID int64           `json:"subscription_id"`
	EventID        string          `json:"event_id"`
	EventType      EventType       `json:"event_type"`
	Body           json.RawMessage `json:"body"`
}

// deliveryTaskID names the asynq task of one (subscription, event) pair, so
// that enqueueing it again, after a crash or from another process, is a
// no-op while asynq retains the first one.
func deliveryTaskID(sub int64, event string) string {
	return "webhook:" + strconv.FormatInt(sub, 10) + ":" + event
}

// fanOut enqueues one delivery of ev to each subscription in subs that asks
// for its type. Pairs already enqueued are skipped.
func (s *Service) fanOut(ctx context.Context, ev Event, subs []*Subscription) error {
	var body []byte
	for _, sub := range subs {
		if !sub.Active || !sub.Wants(ev.Type) {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(ev); err != nil {
				return fmt.Errorf("encode event %s: %w", ev.ID, err)
			}
		}
		p, err := json.Marshal(deliverPayload{SubscriptionID: sub.ID, EventID: ev.ID, EventType: ev.Type, Body: body})
		if err != nil {
			return err
		}
		_, err = s.client.EnqueueContext(ctx, asynq.NewTask(TypeDeliver, p),
			asynq.Queue(QueueName),
			asynq.TaskID(deliveryTaskID(sub.ID, ev.ID)),
			asynq.MaxRetry(s.cfg.MaxRetry),
			asynq.Timeout(s.cfg.RequestTimeout+5*time.Second),
			asynq.Retention(s.cfg.Retention))
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict):
			continue
		case err != nil:
			return fmt.Errorf("enqueue delivery of %s to subscription %d: %w", ev.ID, sub.ID, err)
		}
		s.log.Debug("webhook enqueued", "subscription_id", sub.ID, "event_id", ev.ID, "event_type", ev.Type)
	}
	return nil
}

// deliver is the asynq handler of one delivery attempt.
func (s *Service) deliver(ctx context.Context, t *asynq.Task) error {
	var p deliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("decode delivery payload: %v: %w", err, asynq.SkipRetry)
	}
	log := s.log.With("subscription_id", p.SubscriptionID, "event_id", p.EventID, "event_type", p.EventType)
	sub, err := s.store.get(ctx, p.SubscriptionID)
	if errors.Is(err, ErrNotFound) {
		log.Info("webhook dropped: subscription deleted")
		return nil
	}
	if err != nil {
		return err
	}
	if !sub.Active || !sub.Wants(p.EventType) {
		log.Info("webhook dropped: subscription disabled or no longer asks for the event")
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	ev := Event{ID: p.EventID, Type: p.EventType}
	a := s.sender.send(ctx, sub.URL, sub.Secret, &ev, p.Body)
	if a.err != nil && errors.Is(a.err, context.Canceled) && ctx.Err() != nil {
		return ctx.Err() // shutting down: asynq hands the task back
	}
	d := Delivery{
		SubscriptionID: sub.ID, EventID: p.EventID, EventType: p.EventType, Attempt: retried + 1,
		StatusCode: a.status, Delivered: a.ok(), DurationMS: a.took.Milliseconds(), At: time.Now().UTC(),
	}
	var disableNow string
	if !a.ok() {
		d.Error = a.describe()
		switch {
		case a.gone():
			disableNow = "the receiver answered 410 Gone"
		case retried >= maxRetry:
			disableNow = fmt.Sprintf("event %s failed on all %d attempts; last: %s", p.EventID, retried+1, d.Error)
		}
	}
	reason, err := s.store.record(context.WithoutCancel(ctx), d, s.cfg.DisableAfter, disableNow, s.cfg.DeliveryLogKeep)
	if err != nil {
		log.Error("webhook delivery not logged", "err", err)
	}
	if a.ok() {
		log.Debug("webhook delivered", "attempt", d.Attempt, "status", a.status, "took", a.took)
		return nil
	}
	if reason != "" {
		log.Warn("webhook subscription disabled", "reason", reason, "host", hostOf(sub.URL))
		return fmt.Errorf("subscription %d disabled: %s: %w", sub.ID, reason, asynq.SkipRetry)
	}
	log.Info("webhook delivery failed", "attempt", d.Attempt, "status", a.status, "err", d.Error)
	if a.gone() {
		return fmt.Errorf("receiver gone: %w", asynq.SkipRetry)
	}
	return &deliveryError{what: d.Error, retryAfter: a.retryAfter}
}

// retryDelay is the wait before retry n: the receiver's Retry-After when it
// sent one (capped, plus a second), otherwise exponential backoff with full jitter.
func (s *Service) retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var de *deliveryError
	if errors.As(err, &de) && de.retryAfter > 0 {
		// asynq keeps retry times in whole seconds, rounded down: a second
		// more keeps the retry from coming before the receiver's time.
		return min(de.retryAfter, s.cfg.MaxRetryAfter) + time.Second
	}
	return backoff(n, s.cfg.BackoffBase, s.cfg.BackoffMax)
}

// backoff returns a random duration in [0, min(max, base·2ⁿ)].
func backoff(n int, base, max time.Duration) time.Duration {
	ceil := max
	if n < 40 {
		if d := base << n; d>>n == base && d < max {
			ceil = d
		}
	}
	return rand.N(ceil + 1)
}
