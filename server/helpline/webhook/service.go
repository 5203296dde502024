package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// Service runs the helpline's webhooks: the subscription API, the two event
// sources (case activity, task event feed) and the delivery workers.
type Service struct {
	cfg    Config
	db     *sqldb.DB
	rdb    redis.UniversalClient
	tasks  TaskReader
	cases  CaseReader
	log    *slog.Logger
	store  *store
	sender *sender
	client *asynq.Client
	srv    *asynq.Server

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Service on the helpline database db and the task queue's
// Redis rdb, neither of which it closes. tasks reads the feed's events
// too large to carry their data from their task's stream (or a completed
// one from its record once the stream has expired); it may be nil.
func New(cfg Config, db *sqldb.DB, rdb redis.UniversalClient, tasks TaskReader, log *slog.Logger) (*Service, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook config: %w", err)
	}
	if db == nil || rdb == nil {
		return nil, errors.New("webhooks need the helpline database and Redis")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "webhook")
	s := &Service{
		cfg: cfg, db: db, rdb: rdb, tasks: tasks, log: log,
		store:  &store{db: db},
		sender: newSender(cfg.RequestTimeout),
		client: asynq.NewClientFromRedisClient(rdb),
	}
	s.srv = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   map[string]int{QueueName: 1},
		RetryDelayFunc:           s.retryDelay,
		IsFailure:                func(err error) bool { return !errors.Is(err, context.Canceled) },
		ShutdownTimeout:          cfg.ShutdownTimeout,
		TaskCheckInterval:        cfg.CheckInterval,
		DelayedTaskCheckInterval: cfg.CheckInterval,
		Logger:                   queue.AsynqLogger(log),
		LogLevel:                 asynq.WarnLevel,
	})
	return s, nil
}

// UseCases makes case events carry the case as r shows it, instead of the
// kase row's columns. Call it before Start.
func (s *Service) UseCases(r CaseReader) { s.cases = r }

// Migrate creates or updates the webhook tables.
func (s *Service) Migrate(ctx context.Context) error {
	return sqldb.Migrate(ctx, s.db, "webhook", Migrations())
}

// Start migrates the webhook tables, upserts the configured subscriptions
// and starts the delivery workers, the task event consumer and the case
// activity tailer. They run until Shutdown.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return errors.New("webhooks already started")
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	for _, spec := range s.cfg.Subscriptions {
		if err := s.store.upsert(ctx, spec, "config"); err != nil {
			return err
		}
	}
	feed := &feedConsumer{s: s, feed: s.cfg.Prefix + "feed"}
	if err := feed.init(ctx); err != nil {
		return err
	}
	tail := &tailer{s: s, gaps: map[int64]time.Time{}}
	if err := tail.init(ctx); err != nil {
		return err
	}
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeDeliver, s.deliver)
	if err := s.srv.Start(mux); err != nil {
		return fmt.Errorf("start webhook workers: %w", err)
	}
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.wg.Add(2)
	go func() { defer s.wg.Done(); feed.run(run) }()
	go func() { defer s.wg.Done(); tail.run(run) }()
	s.log.Info("webhooks started", "consumer", s.cfg.Consumer, "concurrency", s.cfg.Concurrency)
	return nil
}

// Shutdown stops reading events, then lets running deliveries finish (up to
// ShutdownTimeout; the rest go back to the queue).
func (s *Service) Shutdown() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		s.wg.Wait()
	}
	s.srv.Shutdown()
	_ = s.client.Close()
}
