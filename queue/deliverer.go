package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
)

// CaseSink creates cases on a helpline; *caseapi.Client is one.
type CaseSink interface {
	Create(ctx context.Context, c models.Case, idemKey string) (*models.Case, error)
	FindByExternalRef(ctx context.Context, ref string) (*models.Case, error)
	CaseURL(id string) string
}

var _ CaseSink = (*caseapi.Client)(nil)

// DeliveryConfig tunes the case write-back.
type DeliveryConfig struct {
	// RetryWindow is how long after completion a case keeps being retried
	// while the helpline is out of reach; default 24h.
	RetryWindow time.Duration
	// Concurrency is how many cases are written at once; default 8.
	Concurrency int
	// PollInterval is how often an idle deliverer looks for work; it
	// bounds the time from completion to the case. Default 100ms: each
	// look is a script in Redis per queue, and at 10ms an idle service
	// spent a tenth of a CPU on them with the embedded Redis (4 % with a
	// Redis server), CPU the transcriptions share.
	PollInterval time.Duration
	// RequestTimeout is what one request to the helpline may take (a
	// delivery makes at most two: a lookup and a create); default 15s, at
	// most 2m.
	RequestTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff with full jitter; defaults 1s and 5m. A
	// helpline's Retry-After (capped at an hour) is waited at least.
	MinBackoff, MaxBackoff time.Duration
	// ShutdownTimeout is how long Shutdown lets running deliveries finish;
	// default 10s.
	ShutdownTimeout time.Duration
	// RelayInterval is how often the relay looks for deliveries that were
	// recorded but never queued; default 2s.
	RelayInterval time.Duration
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c DeliveryConfig) WithDefaults() DeliveryConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.RetryWindow, 24*time.Hour)
	def(&c.PollInterval, 100*time.Millisecond)
	def(&c.RequestTimeout, 15*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.ShutdownTimeout, 10*time.Second)
	def(&c.RelayInterval, 2*time.Second)
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c DeliveryConfig) Validate() error {
	var errs []error
	if c.RetryWindow < time.Second {
		errs = append(errs, fmt.Errorf("case retry window %v is under a second", c.RetryWindow))
	}
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("case delivery concurrency %d is below 1", c.Concurrency))
	}
	if c.RequestTimeout <= 0 || 2*c.RequestTimeout > deliveryTimeout {
		errs = append(errs, fmt.Errorf("case request timeout %v is not within (0, %v]", c.RequestTimeout, deliveryTimeout/2))
	}
	if c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff {
		errs = append(errs, errors.New("case delivery backoff bounds are not 0 < min ≤ max"))
	}
	return errors.Join(errs...)
}

// backoff is the wait before retry n (0 for the first): full jitter over a
// doubling ceiling, never less than what the helpline asked for.
func (c DeliveryConfig) backoff(n int, err error) time.Duration {
	ceil := min(c.MinBackoff<<min(n, 30), c.MaxBackoff)
	d := max(c.MinBackoff/4, rand.N(ceil+1))
	return max(d, caseapi.RetryAfterOf(err))
}

// Deliverer writes completed tasks' cases to the helpline: its own asynq
// server on the delivery queues (so a case never waits behind a
// transcription), and the outbox relay.
type Deliverer struct {
	store
	cfg  DeliveryConfig
	sink CaseSink
	log  *slog.Logger
	srv  *asynq.Server
	aq   *asynq.Client

	stopRelay context.CancelFunc
	relayDone sync.WaitGroup
}

// NewDeliverer returns a Deliverer on rdb, which it does not close.
func NewDeliverer(rdb redis.UniversalClient, cfg Config, dcfg DeliveryConfig, sink CaseSink, log *slog.Logger) (*Deliverer, error) {
	cfg, dcfg = cfg.WithDefaults(), dcfg.WithDefaults()
	if err := errors.Join(cfg.Validate(), dcfg.Validate()); err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, errors.New("a deliverer needs a helpline to deliver to")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Deliverer{store: store{rdb: rdb, keys: keys{cfg.Prefix}, cfg: cfg}, cfg: dcfg, sink: sink, log: log,
		aq: asynq.NewClientFromRedisClient(rdb)}
	d.srv = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       dcfg.Concurrency,
		Queues:            map[string]int{QueueCasesUrgent: 3, QueueCases: 1},
		StrictPriority:    true,
		ShutdownTimeout:   dcfg.ShutdownTimeout,
		RetryDelayFunc:    func(n int, err error, _ *asynq.Task) time.Duration { return dcfg.backoff(n, err) },
		Logger:            asynqLogger{log},
		LogLevel:          asynq.WarnLevel,
		TaskCheckInterval: dcfg.PollInterval,
		// Retries are due after MinBackoff at the earliest: look for them
		// at least twice as often (asynq's default is every 5s).
		DelayedTaskCheckInterval: min(max(dcfg.MinBackoff/2, 20*time.Millisecond), time.Second),
	})
	return d, nil
}

// errRetryLater marks a transient failure: the helpline will be asked
// again after a backoff.
var errRetryLater = errors.New("case delivery will be retried")

// Start begins delivering, and relaying forgotten deliveries.
func (d *Deliverer) Start() error {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeDeliverCase, d.handle)
	if err := d.srv.Start(mux); err != nil {
		return fmt.Errorf("start case deliverer: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stopRelay = cancel
	d.relayDone.Add(1)
	go func() {
		defer d.relayDone.Done()
		d.relay(ctx)
	}()
	return nil
}

// Shutdown stops the relay, lets running deliveries finish for up to the
// shutdown timeout and hands the rest back to the queue.
func (d *Deliverer) Shutdown() {
	if d.stopRelay != nil {
		d.stopRelay()
		d.relayDone.Wait()
	}
	d.srv.Shutdown()
	d.aq.Close()
}

// relay queues the deliveries of outbox entries that are due: recorded but
// not queued because their worker stopped in between, or whose delivery
// task went missing.
func (d *Deliverer) relay(ctx context.Context) {
	t := time.NewTicker(d.cfg.RelayInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := d.relayDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("case outbox relay", "err", err)
		}
	}
}

func (d *Deliverer) relayDue(ctx context.Context) error {
	now := time.Now()
	ids, err := d.rdb.ZRangeByScore(ctx, d.keys.outbox(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: 100}).Result()
	if err != nil {
		return fmt.Errorf("read case outbox: %w", err)
	}
	for _, id := range ids {
		prio, err := d.rdb.HGet(ctx, d.keys.task(id), fCasePrio).Result()
		if errors.Is(err, redis.Nil) { // the record expired: nothing left to send
			d.rdb.ZRem(ctx, d.keys.outbox(), id)
			d.log.Warn("case outbox entry dropped: its task record expired", "task_id", id)
			continue
		}
		if err != nil {
			return err
		}
		if err := enqueueDelivery(ctx, d.aq, id, models.Priority(prio)); err != nil {
			return fmt.Errorf("queue case delivery of task %s: %w", id, err)
		}
		d.rdb.ZAddXX(ctx, d.keys.outbox(), redis.Z{Score: float64(now.Add(relayRecheck).UnixMilli()), Member: id})
	}
	return nil
}

// handle is one attempt at writing task id's case.
func (d *Deliverer) handle(ctx context.Context, t *asynq.Task) error {
	var p casePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("decode payload: %v: %w", err, asynq.SkipRetry)
	}
	id := p.TaskID
	log := d.log.With("task_id", id)
	m, err := d.rdb.HMGet(ctx, d.keys.task(id), fStatus, fCase, fCaseBody, fFinished).Result()
	if err != nil {
		return fmt.Errorf("read task %s: %w", id, err)
	}
	status, _ := m[0].(string)
	refJSON, _ := m[1].(string)
	body, _ := m[2].(string)
	finished := parseTime(str(m[3]))
	if status == "" {
		log.Warn("case not written: the task record expired")
		d.rdb.ZRem(ctx, d.keys.outbox(), id)
		return nil
	}
	var ref models.CaseRef
	if err := json.Unmarshal([]byte(refJSON), &ref); err != nil || ref.Status != models.DeliveryPending {
		return nil // already written, failed or skipped
	}
	var c models.Case
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return d.fail(ctx, log, id, ref, "The stored case body is unreadable: "+err.Error())
	}

	// Count the attempt before making it: if this process dies during
	// the request, the next attempt knows one may have reached the
	// helpline.
	ref.Attempts++
	if err := d.record(ctx, id, ref, nil); err != nil {
		return d.recordErr(err)
	}
	start := time.Now()
	created, err := d.deliver(ctx, id, c, ref.Attempts > 1)
	d.count(ctx, "attempts", 1)
	if err == nil {
		ref.Status, ref.ID, ref.CaseNumber, ref.LastError = models.DeliveryCreated, created.ID, created.CaseNumber, ""
		ref.URL = d.sink.CaseURL(created.ID)
		took := time.Since(finished)
		data, _ := json.Marshal(models.CaseEventData{ID: ref.ID, CaseNumber: ref.CaseNumber, URL: ref.URL, Attempts: ref.Attempts})
		ev := models.Event{Type: models.EventCaseCreated, Stage: models.StageCase, Data: data}
		if err := d.record(ctx, id, ref, &ev, fCaseMS, took.Milliseconds()); err != nil {
			return d.recordErr(err)
		}
		d.count(ctx, "created", 1)
		d.observe(ctx, took)
		log.Info("case created", "case_id", ref.ID, "case_number", ref.CaseNumber, "attempts", ref.Attempts,
			"request_ms", time.Since(start).Milliseconds(), "since_completed_ms", took.Milliseconds())
		return nil
	}
	ref.LastError = err.Error()
	if caseapi.Permanent(err) {
		return d.fail(ctx, log, id, ref, ref.LastError)
	}
	if !finished.IsZero() && time.Since(finished) > d.cfg.RetryWindow {
		return d.fail(ctx, log, id, ref, fmt.Sprintf("The helpline stayed out of reach for the whole retry window (%v); last error: %s", d.cfg.RetryWindow, ref.LastError))
	}
	if err := d.record(ctx, id, ref, nil); err != nil {
		return d.recordErr(err)
	}
	d.count(ctx, "retries", 1)
	log.Warn("case delivery failed, will retry", "attempts", ref.Attempts, "err", err)
	return fmt.Errorf("%w: %w", errRetryLater, err)
}

// deliver creates the case, first looking for one an earlier attempt may
// have created when maybeSent.
func (d *Deliverer) deliver(ctx context.Context, id string, c models.Case, maybeSent bool) (*models.Case, error) {
	rctx, cancel := context.WithTimeout(ctx, d.cfg.RequestTimeout)
	defer cancel()
	if maybeSent {
		found, err := d.sink.FindByExternalRef(rctx, id)
		switch {
		case err == nil && found != nil:
			return found, nil
		case err != nil && !errors.Is(err, caseapi.ErrLookupUnsupported):
			return nil, fmt.Errorf("look up case by external reference: %w", err)
		}
	}
	cctx, cancel2 := context.WithTimeout(ctx, d.cfg.RequestTimeout)
	defer cancel2()
	return d.sink.Create(cctx, c, id)
}

// fail ends task id's write-back as failed with why, for good (until it is
// re-driven).
func (d *Deliverer) fail(ctx context.Context, log *slog.Logger, id string, ref models.CaseRef, why string) error {
	ref.Status, ref.LastError = models.DeliveryFailed, why
	data, _ := json.Marshal(models.CaseEventData{Attempts: ref.Attempts, Error: why})
	ev := models.Event{Type: models.EventCaseFailed, Stage: models.StageCase, Data: data}
	if err := d.record(ctx, id, ref, &ev); err != nil {
		return d.recordErr(err)
	}
	d.count(ctx, "failed", 1)
	log.Error("case delivery failed for good", "attempts", ref.Attempts, "reason", why)
	return fmt.Errorf("case of task %s failed: %s: %w", id, why, asynq.SkipRetry)
}

// record stores ref as task id's write-back, with ev; a final ref leaves
// the outbox. It requires the write-back to be pending still.
func (d *Deliverer) record(ctx context.Context, id string, ref models.CaseRef, ev *models.Event, fields ...any) error {
	rb, _ := json.Marshal(ref)
	ch := change{ev: ev, done: true, caseState: models.DeliveryPending,
		fields: append([]any{fCase, rb, fCaseState, string(ref.Status)}, fields...)}
	if ref.Status.Final() {
		ch.outbox = "rem"
	}
	_, err := d.apply(context.WithoutCancel(ctx), id, ch)
	return err
}

// recordErr is what a delivery returns when its record changed under it:
// another delivery finished it first (nothing to do), or Redis failed.
func (d *Deliverer) recordErr(err error) error {
	if errors.Is(err, ErrCaseState) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrFinished) {
		return nil
	}
	return err
}

func str(v any) string { s, _ := v.(string); return s }
