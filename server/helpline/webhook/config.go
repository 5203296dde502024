package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// QueueName is the asynq queue of webhook deliveries, served only by this
// package's own asynq server.
const QueueName = "webhooks"

// TypeDeliver is the asynq task type of one delivery.
const TypeDeliver = "webhook:deliver"

// Config tunes the webhook service. The zero value of a field means its
// default.
type Config struct {
	// Prefix starts the Redis keys of the task queue (queue.Config.Prefix);
	// the feed of task events is "<Prefix>feed". Default "openchs:".
	Prefix string
	// Group is the Redis consumer group reading the feed; default
	// "webhooks". Consumer names this process in the group; default
	// host name, process id and a random suffix.
	Group    string
	Consumer string
	// ClaimIdle is how long a feed entry may sit unacknowledged with a
	// consumer before another one takes it over; default 30s.
	ClaimIdle time.Duration
	// PollInterval is how often the case activity table is read for new
	// rows, and how long a read of the task event feed waits for new
	// entries (so also how long Shutdown may wait for it); default 500ms.
	PollInterval time.Duration
	// GapWait is how long the activity tailer waits for a missing id (a
	// transaction that took its id but has not committed yet) before it
	// passes over it; default 5s.
	GapWait time.Duration
	// Concurrency is how many deliveries run at once in this process;
	// default 4.
	Concurrency int
	// MaxRetry is how often a failed delivery is retried; default 30
	// (with the default backoff, about a day). Negative means never.
	MaxRetry int
	// BackoffBase and BackoffMax shape the retry delay: attempt n waits a
	// random time in [0, min(BackoffMax, BackoffBase·2ⁿ)] (full jitter).
	// Defaults 10s and 1h.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxRetryAfter caps a receiver's Retry-After; default 1h.
	MaxRetryAfter time.Duration
	// RequestTimeout bounds one HTTP attempt; default 10s.
	RequestTimeout time.Duration
	// DisableAfter is the number of consecutive failed attempts that
	// disables a subscription; default 10.
	DisableAfter int
	// Retention keeps finished delivery tasks in Redis so that enqueueing
	// the same (subscription, event) again is a no-op; default 24h.
	Retention time.Duration
	// CheckInterval is how often the asynq server looks for due retries
	// and, with an empty queue, for new tasks; default 1s.
	CheckInterval time.Duration
	// ShutdownTimeout is how long Shutdown lets running deliveries finish;
	// default 10s.
	ShutdownTimeout time.Duration
	// DeliveryLogKeep is how many delivery log rows are kept per
	// subscription; default 1000.
	DeliveryLogKeep int
	// Subscriptions are upserted by URL at Start (the config file).
	Subscriptions []SubscriptionSpec
}

// SubscriptionSpec is one subscription of the config file.
type SubscriptionSpec struct {
	URL    string      `json:"url"`
	Events []EventType `json:"events"`
	Secret string      `json:"secret"`
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Prefix == "" {
		c.Prefix = "openchs:"
	}
	if c.Group == "" {
		c.Group = "webhooks"
	}
	if c.Consumer == "" {
		host, _ := os.Hostname()
		c.Consumer = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), NewSecret()[6:14])
	}
	def(&c.ClaimIdle, 30*time.Second)
	def(&c.PollInterval, 500*time.Millisecond)
	def(&c.GapWait, 5*time.Second)
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	if c.MaxRetry == 0 {
		c.MaxRetry = 30
	}
	if c.MaxRetry < 0 {
		c.MaxRetry = 0
	}
	def(&c.BackoffBase, 10*time.Second)
	def(&c.BackoffMax, time.Hour)
	def(&c.MaxRetryAfter, time.Hour)
	def(&c.RequestTimeout, 10*time.Second)
	if c.DisableAfter == 0 {
		c.DisableAfter = 10
	}
	def(&c.Retention, 24*time.Hour)
	def(&c.CheckInterval, time.Second)
	def(&c.ShutdownTimeout, 10*time.Second)
	if c.DeliveryLogKeep == 0 {
		c.DeliveryLogKeep = 1000
	}
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d is below 1", c.Concurrency))
	}
	if c.DisableAfter < 1 {
		errs = append(errs, fmt.Errorf("disable-after %d is below 1", c.DisableAfter))
	}
	if c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase {
		errs = append(errs, fmt.Errorf("backoff base %v and max %v are not 0 < base ≤ max", c.BackoffBase, c.BackoffMax))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"claim idle", c.ClaimIdle}, {"poll interval", c.PollInterval}, {"gap wait", c.GapWait},
		{"retry-after cap", c.MaxRetryAfter}, {"request timeout", c.RequestTimeout},
		{"retention", c.Retention}, {"check interval", c.CheckInterval}, {"shutdown timeout", c.ShutdownTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, d.v))
		}
	}
	if c.DeliveryLogKeep < 1 {
		errs = append(errs, fmt.Errorf("delivery log size %d is below 1", c.DeliveryLogKeep))
	}
	seen := map[string]bool{}
	for i, s := range c.Subscriptions {
		if err := s.validate(); err != nil {
			errs = append(errs, fmt.Errorf("subscription %d: %w", i+1, err))
		}
		if s.Secret == "" {
			errs = append(errs, fmt.Errorf("subscription %d (%s) has no secret", i+1, s.URL))
		}
		if seen[s.URL] {
			errs = append(errs, fmt.Errorf("subscription %d: URL %s is listed twice", i+1, s.URL))
		}
		seen[s.URL] = true
	}
	return errors.Join(errs...)
}

// LoadSubscriptions reads a config file: a JSON list of {url, events,
// secret}.
func LoadSubscriptions(path string) ([]SubscriptionSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read webhook config: %w", err)
	}
	var specs []SubscriptionSpec
	if err := json.Unmarshal(b, &specs); err != nil {
		return nil, fmt.Errorf("decode webhook config %s: %w", path, err)
	}
	return specs, nil
}
