package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// Submission is one upload to process.
type Submission struct {
	Audio   []byte
	Options models.TaskOptions
	// IdempotencyKey, when set, makes a repeated submission of the same
	// audio and options return the first task.
	IdempotencyKey string
	// Urgent puts the task on the urgent queue: someone is waiting for it.
	Urgent bool
	// Duration of the audio when the caller knows it; it sizes the task's
	// deadline.
	Duration time.Duration
	// Owner identifies who submitted the task (the API key's id). An
	// idempotency key is scoped to its owner.
	Owner string
}

// payload is the asynq task payload. The audio itself waits in Redis under
// its own key so that the payload stays small.
type payload struct {
	TaskID string `json:"task_id"`
	// Options are in the task's record, which expires with the result
	// (they hold the reporter's contact); tasks queued by earlier versions
	// carry them here.
	Options    *models.TaskOptions `json:"options,omitempty"`
	DurationMS int64               `json:"duration_ms,omitempty"`
	Enqueued   time.Time           `json:"enqueued"`
}

// Client submits, inspects and cancels tasks. It is what the API process
// uses; it runs no handler.
type Client struct {
	store
	aq   *asynq.Client
	insp *asynq.Inspector
}

// NewClient returns a Client on rdb, which it does not close.
func NewClient(rdb redis.UniversalClient, cfg Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{
		store: store{rdb: rdb, keys: keys{cfg.Prefix}, cfg: cfg},
		aq:    asynq.NewClientFromRedisClient(rdb),
		insp:  asynq.NewInspectorFromRedisClient(rdb),
	}, nil
}

// Close releases the asynq client; the Redis client stays open.
func (c *Client) Close() error { return errors.Join(c.aq.Close(), c.insp.Close()) }

// Ping checks that Redis answers.
func (c *Client) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// newID returns a random task id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fingerprint identifies an upload: its audio and options.
func fingerprint(s Submission) string {
	h := sha256.New()
	h.Write(s.Audio)
	o, _ := json.Marshal(s.Options)
	h.Write(o)
	return hex.EncodeToString(h.Sum(nil))
}

// Submit stores the audio, records the task as queued, emits its queued
// event and enqueues it. With an idempotency key already used for the same
// upload it returns that task and existing=true instead.
func (c *Client) Submit(ctx context.Context, s Submission) (task *models.Task, existing bool, err error) {
	if err := s.Options.Validate(); err != nil {
		return nil, false, err
	}
	fp := fingerprint(s)
	var idemKey string
	if s.IdempotencyKey != "" {
		sum := sha256.Sum256([]byte(s.Owner + "\x00" + s.IdempotencyKey))
		idemKey = c.keys.idem(hex.EncodeToString(sum[:]))
	}
	qname := QueueDefault
	if s.Urgent {
		qname = QueueUrgent
	}

	// Claim the idempotency key, reserve a place among the tasks holding
	// audio and record the task, in one step: a concurrent request with
	// the same key sees either nothing or the task.
	id := newID()
	created := now()
	res, err := submitScript.Run(ctx, c.rdb, []string{idemKey, c.keys.task(id), c.keys.holding()},
		id, fp, c.cfg.ResultTTL.Milliseconds(), c.cfg.AudioTTL.Milliseconds(), max(c.cfg.MaxPending, 0), time.Now().UnixMilli(),
		fStatus, string(models.StatusQueued), fStage, string(models.StageQueued), fProgress, 0, fQueue, qname,
		fCreated, created, fDuration, s.Duration.Milliseconds(), fOwner, s.Owner, fOptions, mustJSON(s.Options)).Slice()
	if err != nil {
		return nil, false, fmt.Errorf("record task: %w", err)
	}
	switch code, _ := res[0].(int64); code {
	case 0: // the idempotency key was used before
		prev, _ := res[1].(string)
		pid, pfp, _ := strings.Cut(prev, ":")
		if pfp != fp {
			return nil, false, ErrIdempotencyConflict
		}
		t, err := c.store.task(ctx, pid)
		return t, t != nil, err
	case -1:
		n, _ := res[1].(int64)
		return nil, false, &QueueFullError{Queue: qname, Pending: n, Limit: c.cfg.MaxPending, RetryAfter: c.cfg.RetryAfter}
	}
	if err := c.rdb.Set(ctx, c.keys.audio(id), s.Audio, c.cfg.AudioTTL).Err(); err != nil {
		c.forget(ctx, id, idemKey)
		return nil, false, fmt.Errorf("store audio of task %s: %w", id, err)
	}
	if _, err := c.publish(ctx, id, models.Event{Type: models.EventQueued, Stage: models.StageQueued}); err != nil {
		c.forget(ctx, id, idemKey)
		return nil, false, err
	}

	p, err := json.Marshal(payload{TaskID: id, DurationMS: s.Duration.Milliseconds(), Enqueued: time.Now().UTC()})
	if err != nil {
		return nil, false, err
	}
	_, err = c.aq.EnqueueContext(ctx, asynq.NewTask(TypeProcessAudio, p),
		asynq.TaskID(id),
		asynq.Queue(qname),
		asynq.MaxRetry(c.cfg.MaxRetry),
		asynq.Timeout(c.cfg.timeout(s.Duration)),
		asynq.Retention(c.cfg.ResultTTL),
	)
	if err != nil {
		_ = c.fail(ctx, id, models.StatusFailed, models.ErrorInfo{Code: "enqueue_failed", Message: "The task could not be queued."})
		c.forget(ctx, id, idemKey)
		return nil, false, fmt.Errorf("enqueue task %s: %w", id, err)
	}
	t, err := c.store.task(ctx, id)
	return t, false, err
}

// forget removes what a submission that failed half-way left behind.
func (c *Client) forget(ctx context.Context, id, idemKey string) {
	ctx = context.WithoutCancel(ctx)
	keys := []string{c.keys.audio(id)}
	if idemKey != "" {
		keys = append(keys, idemKey)
	}
	c.rdb.Del(ctx, keys...)
	c.rdb.ZRem(ctx, c.keys.holding(), id)
}

// submitScript claims an idempotency key (when KEYS[1] is not ""), checks
// the number of tasks holding audio against the limit and records a new
// task, atomically. It returns {0, "id:fingerprint"} when the key was used
// before, {-1, count} when the service is full, {1, ""} when recorded.
// Tasks hold audio from submission until they end; an entry whose audio
// TTL has passed no longer counts.
//
// KEYS: idempotency key or "", record, set of tasks holding audio.
// ARGV: id, fingerprint, result TTL ms, audio TTL ms, limit (0: none), now
// ms, then the record's field/value pairs.
var submitScript = redis.NewScript(`
if KEYS[1] ~= '' then
  local v = redis.call('GET', KEYS[1])
  if v then return {0, v} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6])
local n = redis.call('ZCARD', KEYS[3])
if tonumber(ARGV[5]) > 0 and n >= tonumber(ARGV[5]) then return {-1, n} end
if KEYS[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3]) end
redis.call('HSET', KEYS[2], unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], tonumber(ARGV[6]) + tonumber(ARGV[4]), ARGV[1])
return {1, ''}
`)

// CheckCapacity reports a QueueFullError when as many tasks hold audio as
// the limit allows, so that an upload can be refused before its body is
// read. Submit checks again, atomically.
func (c *Client) CheckCapacity(ctx context.Context) error {
	if c.cfg.MaxPending <= 0 {
		return nil
	}
	pipe := c.rdb.Pipeline()
	pipe.ZRemRangeByScore(ctx, c.keys.holding(), "-inf", strconv.FormatInt(time.Now().UnixMilli(), 10))
	n := pipe.ZCard(ctx, c.keys.holding())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("count tasks holding audio: %w", err)
	}
	if n.Val() >= int64(c.cfg.MaxPending) {
		return &QueueFullError{Queue: "all", Pending: n.Val(), Limit: c.cfg.MaxPending, RetryAfter: c.cfg.RetryAfter}
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and bools
	}
	return b
}

// Task returns the state of task id, or ErrNotFound. A task the queue gave up
// on (its worker died on the last attempt) is reported, and from then on
// recorded, as failed.
func (c *Client) Task(ctx context.Context, id string) (*models.Task, error) {
	t, err := c.store.task(ctx, id)
	if err != nil || t.Status.Terminal() {
		return t, err
	}
	info, err := c.insp.GetTaskInfo(t.Queue, id)
	if err != nil {
		return t, nil // not yet enqueued, or already gone from asynq: the record stands
	}
	if StatusOf(info.State) == models.StatusFailed {
		ie := models.ErrorInfo{Code: "processing_failed", Message: "The task failed on its last attempt: " + info.LastErr}
		if err := c.fail(ctx, id, models.StatusFailed, ie); err != nil && !errors.Is(err, ErrFinished) {
			return nil, err
		}
		return c.store.task(ctx, id)
	}
	return t, nil
}

// StatusOf maps an asynq task state onto the task statuses users see.
func StatusOf(s asynq.TaskState) models.TaskStatus {
	switch s {
	case asynq.TaskStateActive:
		return models.StatusProcessing
	case asynq.TaskStateCompleted:
		return models.StatusCompleted
	case asynq.TaskStateArchived:
		return models.StatusFailed
	}
	return models.StatusQueued // pending, scheduled, retry, aggregating
}

// Cancel cancels task id: a queued task never runs, a running one is
// stopped. It returns the cancelled task, ErrNotFound, or ErrFinished.
func (c *Client) Cancel(ctx context.Context, id string) (*models.Task, error) {
	t, err := c.store.task(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Status.Terminal() {
		return t, ErrFinished
	}
	ie := models.ErrorInfo{Code: "cancelled", Message: "The task was cancelled."}
	if err := c.fail(ctx, id, models.StatusCancelled, ie); err != nil {
		if errors.Is(err, ErrFinished) {
			t, _ = c.store.task(ctx, id)
		}
		return t, err
	}
	// The record now says cancelled, so a worker that picks the task up
	// from here on drops it. Take it off the queue, or stop it if running.
	if err := c.insp.DeleteTask(t.Queue, id); err != nil {
		_ = c.insp.CancelProcessing(id)
	}
	return c.store.task(ctx, id) // the audio went with the cancelled status
}

// Purge erases finished task id: its result, events (in its own stream and
// in the feed of all events), audio, and a case write-back still pending,
// which is then never written. It returns ErrNotFound, or ErrNotFinished
// for a task still queued or running (cancel it first).
func (c *Client) Purge(ctx context.Context, id string) error {
	n, err := purgeScript.Run(ctx, c.rdb, []string{c.keys.task(id), c.keys.events(id), c.keys.audio(id), c.keys.feed(), c.keys.outbox()}, id).Int()
	if err != nil {
		return fmt.Errorf("purge task %s: %w", id, err)
	}
	switch n {
	case -1:
		return ErrNotFound
	case -2:
		return ErrNotFinished
	}
	for _, q := range []string{QueueCasesUrgent, QueueCases} {
		_ = c.insp.DeleteTask(q, deliveryID(id))
	}
	return nil
}

// LastSeq returns the sequence number of task id's last event (0 when it
// has none left).
func (c *Client) LastSeq(ctx context.Context, id string) (int64, error) {
	msgs, err := c.rdb.XRevRangeN(ctx, c.keys.events(id), "+", "-", 1).Result()
	if err != nil {
		return 0, fmt.Errorf("read last event of task %s: %w", id, err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	return seqOf(msgs[0].ID)
}

// Events returns task id's events numbered above after, up to count.
func (c *Client) Events(ctx context.Context, id string, after, count int64) ([]models.Event, error) {
	return c.store.events(ctx, id, after, count)
}

// QueueStats is the depth of one queue.
type QueueStats struct {
	Pending   int  `json:"pending"`
	Active    int  `json:"active"`
	Scheduled int  `json:"scheduled"`
	Retry     int  `json:"retry"`
	Archived  int  `json:"archived"`
	Completed int  `json:"completed"`
	Paused    bool `json:"paused"`
	// ProcessedTotal and FailedTotal count the task attempts the queue's
	// workers have finished, and of those the failed ones, since it was
	// created.
	ProcessedTotal int `json:"processed_total"`
	FailedTotal    int `json:"failed_total"`
	// OldestPendingSeconds is how long the oldest pending task has waited.
	OldestPendingSeconds float64 `json:"oldest_pending_seconds"`
}

// WorkerStats counts the worker processes and their busy slots.
type WorkerStats struct {
	Processes   int `json:"processes"`
	Concurrency int `json:"concurrency"`
	Active      int `json:"active"`
}

// Stats is the state of the queues and workers.
type Stats struct {
	Queues  map[string]QueueStats `json:"queues"`
	Workers WorkerStats           `json:"workers"`
	// Limit is the pending depth above which uploads are refused.
	Limit int `json:"limit"`
	// ExpiredTotal counts the tasks dropped because their record expired
	// before a worker took them.
	ExpiredTotal int `json:"expired_total"`
	// Cases counts the case write-backs.
	Cases CaseStats `json:"-"`
}

// Stats reports the depth of each queue and the workers serving them.
func (c *Client) Stats(ctx context.Context) (*Stats, error) {
	st := &Stats{Queues: map[string]QueueStats{}, Limit: c.cfg.MaxPending}
	st.Queues[QueueUrgent], st.Queues[QueueDefault] = QueueStats{}, QueueStats{}
	names, err := c.insp.Queues() // a queue exists once a task was put on it
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	for _, q := range names {
		info, err := c.insp.GetQueueInfo(q)
		if err != nil {
			return nil, fmt.Errorf("inspect queue %s: %w", q, err)
		}
		st.Queues[q] = QueueStats{Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
			Retry: info.Retry, Archived: info.Archived, Completed: info.Completed, Paused: info.Paused,
			ProcessedTotal: info.ProcessedTotal, FailedTotal: info.FailedTotal, OldestPendingSeconds: info.Latency.Seconds()}
	}
	servers, err := c.insp.Servers()
	if err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	for _, s := range servers {
		if _, ok := s.Queues[QueueDefault]; !ok { // a case deliverer, not a transcribing worker
			continue
		}
		st.Workers.Processes++
		st.Workers.Concurrency += s.Concurrency
		st.Workers.Active += len(s.ActiveWorkers)
	}
	expired, err := c.rdb.HGet(ctx, c.keys.taskMetrics(), "expired").Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read task counters: %w", err)
	}
	st.ExpiredTotal = expired
	if st.Cases, err = c.caseStats(ctx); err != nil {
		return nil, fmt.Errorf("read case write-back counters: %w", err)
	}
	return st, nil
}
