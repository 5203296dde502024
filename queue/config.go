// Package queue is the asynq glue between the HTTP server and the workers:
// the task type and its enqueue options, the worker handler that drives the
// pipeline, the task records and results kept in Redis, and each task's
// progress events in its own Redis Stream.
package queue

import (
	"errors"
	"fmt"
	"time"
)

// Queue names. Urgent holds work someone is waiting on (synchronous and
// streaming uploads); default holds batch uploads.
const (
	QueueUrgent  = "urgent"
	QueueDefault = "default"
)

// TypeProcessAudio is the asynq task type of one recording.
const TypeProcessAudio = "audio:process"

// Config tunes how tasks are stored and enqueued. The zero value of a field
// means its default.
type Config struct {
	// Prefix starts every Redis key of this package; default "openchs:".
	Prefix string
	// ResultTTL is how long a task's record, result and events are kept
	// after its last change; default 24h.
	ResultTTL time.Duration
	// AudioTTL bounds how long an upload stays in Redis when no worker
	// deletes it; default 6h.
	AudioTTL time.Duration
	// RetainAudio keeps uploads after processing, until AudioTTL. Off by
	// default: recordings of children are deleted as soon as they are
	// processed.
	RetainAudio bool
	// MaxPending is how many tasks may hold audio (queued or running, in
	// all queues) before Submit refuses new work (back-pressure); default
	// 100, negative for no limit.
	MaxPending int
	// RetryAfter is what a refused client is told to wait; default 15s.
	RetryAfter time.Duration
	// MaxRetry is how often a task failing for a transient reason is
	// retried; default 3. Negative means never.
	MaxRetry int
	// TimeoutBase and TimeoutFactor give a task's deadline: base + factor ×
	// audio duration; defaults 2m and 3.
	TimeoutBase   time.Duration
	TimeoutFactor float64
	// MaxDuration is the longest recording accepted; it also sizes the
	// deadline of a task whose duration is unknown. Default 2h.
	MaxDuration time.Duration
	// StreamMaxLen trims each task's event stream; default 10000.
	StreamMaxLen int64
	// FeedMaxLen trims the stream of all tasks' events; default 10000.
	FeedMaxLen int64
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "openchs:"
	}
	if c.ResultTTL == 0 {
		c.ResultTTL = 24 * time.Hour
	}
	if c.AudioTTL == 0 {
		c.AudioTTL = 6 * time.Hour
	}
	if c.MaxPending == 0 {
		c.MaxPending = 100
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = 15 * time.Second
	}
	if c.MaxRetry == 0 {
		c.MaxRetry = 3
	}
	if c.MaxRetry < 0 {
		c.MaxRetry = 0
	}
	if c.TimeoutBase == 0 {
		c.TimeoutBase = 2 * time.Minute
	}
	if c.TimeoutFactor == 0 {
		c.TimeoutFactor = 3
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = 2 * time.Hour
	}
	if c.StreamMaxLen == 0 {
		c.StreamMaxLen = 10000
	}
	if c.FeedMaxLen == 0 {
		c.FeedMaxLen = 10000
	}
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c Config) Validate() error {
	var errs []error
	if c.ResultTTL < time.Second {
		errs = append(errs, fmt.Errorf("result TTL %v is under a second", c.ResultTTL))
	}
	if c.AudioTTL < time.Second {
		errs = append(errs, fmt.Errorf("audio TTL %v is under a second", c.AudioTTL))
	}
	if c.TimeoutFactor < 0 || c.TimeoutBase < 0 {
		errs = append(errs, errors.New("task timeout is negative"))
	}
	// A result must outlive the longest task: its record (and the case
	// to write) would expire while it runs.
	if longest := c.timeout(c.MaxDuration); c.ResultTTL < longest {
		errs = append(errs, fmt.Errorf("result TTL %v is shorter than the longest task's deadline %v (task timeout + factor × max duration): raise --result-ttl or lower --max-duration", c.ResultTTL, longest))
	}
	return errors.Join(errs...)
}

// timeout is the deadline of a task for audio of duration d (0: unknown).
func (c Config) timeout(d time.Duration) time.Duration {
	if d <= 0 {
		d = c.MaxDuration
	}
	return c.TimeoutBase + time.Duration(c.TimeoutFactor*float64(d))
}

type keys struct{ prefix string }

func (k keys) task(id string) string   { return k.prefix + "task:" + id }
func (k keys) audio(id string) string  { return k.prefix + "audio:" + id }
func (k keys) events(id string) string { return k.prefix + "events:" + id }
func (k keys) feed() string            { return k.prefix + "feed" }
func (k keys) idem(h string) string    { return k.prefix + "idem:" + h }

// outbox is the sorted set of tasks whose case write-back is not final,
// scored by when the relay should next make sure its delivery is queued.
func (k keys) outbox() string { return k.prefix + "case-outbox" }

// holding is the sorted set of tasks holding audio (queued or running),
// scored by when their audio expires: what back-pressure counts.
func (k keys) holding() string { return k.prefix + "holding" }

// taskMetrics is the hash of task counters shared by all workers.
func (k keys) taskMetrics() string { return k.prefix + "task-metrics" }

// caseMetrics is the hash of write-back counters shared by all workers.
func (k keys) caseMetrics() string { return k.prefix + "case-metrics" }
