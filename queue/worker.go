package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
)

// Processor runs the pipeline over one recording; *pipeline.Runner is one.
type Processor interface {
	Run(ctx context.Context, job pipeline.Job, emit pipeline.Emitter) (*models.Result, error)
}

var _ Processor = (*pipeline.Runner)(nil)

// WorkerConfig tunes a worker process.
type WorkerConfig struct {
	// Concurrency is how many tasks run at once; default 1.
	Concurrency int
	// ShutdownTimeout is how long Shutdown lets running tasks finish
	// before handing them back to the queue; default 30s.
	ShutdownTimeout time.Duration
	// Name identifies the worker in events and logs; default host:pid.
	Name string
	// PollInterval is how often an idle worker looks for new tasks; it
	// bounds the latency from upload to start. Default 50ms.
	PollInterval time.Duration
	// Cases decide which results are written back as cases.
	Cases CaseOptions
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c WorkerConfig) WithDefaults() WorkerConfig {
	if c.Concurrency == 0 {
		c.Concurrency = 1
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = 50 * time.Millisecond
	}
	if c.Name == "" {
		host, _ := os.Hostname()
		c.Name = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c WorkerConfig) Validate() error {
	if c.Concurrency < 1 {
		return fmt.Errorf("concurrency %d is below 1", c.Concurrency)
	}
	return nil
}

// Worker takes tasks off the queues and runs them through a Processor.
type Worker struct {
	store
	cfg  WorkerConfig
	proc Processor
	log  *slog.Logger
	srv  *asynq.Server
	// aq queues case deliveries.
	aq *asynq.Client
	// running counts handlers still executing: asynq stops waiting for a
	// handler at the shutdown timeout, but its transcription must end
	// before the engine is closed.
	running sync.WaitGroup
	active  atomic.Int64 // tasks being handled now
	// rec hands back dead workers' tasks sooner than asynq does.
	rec        *leaseRecoverer
	stopRec    context.CancelFunc
	recStopped sync.WaitGroup
}

// NewWorker returns a Worker on rdb, which it does not close.
func NewWorker(rdb redis.UniversalClient, cfg Config, wcfg WorkerConfig, proc Processor, log *slog.Logger) (*Worker, error) {
	cfg, wcfg = cfg.WithDefaults(), wcfg.WithDefaults()
	if err := errors.Join(cfg.Validate(), wcfg.Validate()); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{store: store{rdb: rdb, keys: keys{cfg.Prefix}, cfg: cfg}, cfg: wcfg, proc: proc, log: log,
		aq: asynq.NewClientFromRedisClient(rdb)}
	w.srv = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: wcfg.Concurrency,
		// Weighted, not strict: someone waits on urgent work, so it is
		// taken six times as often, but batch uploads always move and
		// never outwait their audio's TTL behind a stream of urgent ones.
		Queues:            map[string]int{QueueUrgent: 6, QueueDefault: 1},
		ShutdownTimeout:   wcfg.ShutdownTimeout,
		RetryDelayFunc:    retryDelay,
		Logger:            asynqLogger{log},
		LogLevel:          asynq.WarnLevel,
		TaskCheckInterval: wcfg.PollInterval,
		// Retries due now (a dead worker's task) move to pending within
		// a second rather than five.
		DelayedTaskCheckInterval: time.Second,
	})
	w.rec = workerRecoverer(rdb, log)
	return w, nil
}

// retryDelay backs off exponentially from 2s, with jitter, up to 2 minutes.
// A task whose worker died (its lease expired) runs again at once: it has
// waited the better part of a minute already, and the failure was not its
// own.
//
// That wait is the lease's: asynq leases a task for 30 s, extended every
// 5 s, and each worker's lease recoverer (recoverer.go) hands a task back
// 10 s after its lease expired, looking every 5 s; with the retry due at
// once and retries moved to pending every second, a killed worker's task
// starts again 35 to 47 s after the kill. (asynq's own recoverer, which
// still runs, would take 60 to 120 s.)
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return 0
	}
	d := min(2*time.Second<<min(n, 6), 2*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Start begins taking tasks; it returns once the worker is running.
func (w *Worker) Start() error {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeProcessAudio, w.handle)
	if err := w.srv.Start(mux); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stopRec = cancel
	w.recStopped.Add(1)
	go func() {
		defer w.recStopped.Done()
		w.rec.run(ctx)
	}()
	return nil
}

// Shutdown stops taking tasks, lets running ones finish for up to the
// shutdown timeout and hands the rest back to the queue. It returns once no
// handler runs any more.
func (w *Worker) Shutdown() {
	if w.stopRec != nil {
		w.stopRec()
		w.recStopped.Wait()
	}
	w.srv.Shutdown()
	w.running.Wait()
	w.aq.Close()
}

// emitter publishes a running task's events and keeps its record's stage
// and progress current.
type emitter struct {
	s  *store
	id string
}

func (e emitter) Emit(ctx context.Context, ev models.Event) error {
	_, err := e.s.publish(ctx, e.id, ev)
	return err
}

// Active is the number of tasks the worker is handling at this moment.
func (w *Worker) Active() int { return int(w.active.Load()) }

func (w *Worker) handle(ctx context.Context, t *asynq.Task) error {
	w.running.Add(1)
	defer w.running.Done()
	w.active.Add(1)
	defer w.active.Add(-1)
	var p payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("decode payload: %v: %w", err, asynq.SkipRetry)
	}
	id := p.TaskID
	log := w.log.With("task_id", id)
	rec, err := w.store.task(ctx, id)
	if errors.Is(err, ErrNotFound) {
		// Nobody can be told (the task's events went with it): the
		// operator is, by the log and a counter in /metrics.
		log.Warn("task record expired before processing; the task is dropped (raise --result-ttl or add workers)")
		w.rdb.Del(ctx, w.keys.audio(id))
		w.rdb.HIncrBy(ctx, w.keys.taskMetrics(), "expired", 1)
		return nil
	}
	if err != nil {
		return err
	}
	if rec.Status.Terminal() { // cancelled while queued, or already done
		return nil
	}
	opts, err := w.options(ctx, id, p)
	if err != nil {
		return err
	}
	audio, err := openAudio(ctx, w.rdb, w.keys.audio(id))
	if errors.Is(err, redis.Nil) {
		ie := models.ErrorInfo{Code: "audio_expired", Message: "The uploaded audio expired before a worker could process it."}
		if err := w.fail(ctx, id, models.StatusFailed, ie); err != nil && !errors.Is(err, ErrFinished) {
			return err
		}
		return fmt.Errorf("audio of task %s expired: %w", id, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("read audio of task %s: %w", id, err)
	}

	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	ctx = withAttempt(ctx, retried+1)
	started := time.Now()
	sd, _ := json.Marshal(models.StartedData{Attempt: retried + 1, Worker: w.cfg.Name})
	_, err = w.publish(ctx, id, models.Event{Type: models.EventStarted, Stage: models.StageDecode, Data: sd},
		fStatus, string(models.StatusProcessing), fStarted, now(), fAttempt, retried+1)
	if errors.Is(err, ErrFinished) || errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The audio must outlive this attempt, however long the task waited.
	w.rdb.PExpire(ctx, w.keys.audio(id), max(w.store.cfg.AudioTTL, w.store.cfg.timeout(time.Duration(p.DurationMS)*time.Millisecond)))
	log.Info("task started", "queue", rec.Queue, "attempt", retried+1, "bytes", audio.size)

	res, err := w.proc.Run(ctx, pipeline.Job{TaskID: id, Source: audio, Options: opts}, emitter{&w.store, id})
	if err == nil {
		res.Timings.Set(models.StageQueued, started.Sub(rec.CreatedAt))
		res.Timings.TotalMS = time.Since(rec.CreatedAt).Milliseconds()
		return w.complete(ctx, log, id, res, opts)
	}

	// Failure: work out whose fault and whether another attempt can help.
	bg := context.WithoutCancel(ctx)
	cur, _ := w.store.task(bg, id)
	switch {
	case cur != nil && cur.Status == models.StatusCancelled:
		log.Info("task cancelled while running", "took", time.Since(started))
		return fmt.Errorf("task %s cancelled: %w", id, asynq.SkipRetry)
	case cur != nil && cur.Attempt > retried+1:
		// This attempt outlived its lease (the worker was frozen or cut
		// off) and the task was handed to another worker, whose attempt
		// the record follows now.
		log.Warn("attempt outlived its lease; a later attempt has the task", "attempt", retried+1, "err", err)
		return err
	case errors.Is(err, context.Canceled):
		// The worker is shutting down; asynq hands the task back.
		log.Info("task handed back on shutdown")
		_, _ = w.publish(bg, id, models.Event{Type: models.EventQueued, Stage: models.StageQueued},
			fStatus, string(models.StatusQueued), fProgress, 0)
		return err
	case pipeline.BadAudio(err):
		log.Info("task failed: bad audio", "err", err)
		if ferr := w.fail(bg, id, models.StatusFailed, ErrorInfoOf(err)); ferr != nil && !errors.Is(ferr, ErrFinished) {
			return ferr
		}
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case retried >= maxRetry:
		log.Error("task failed", "attempt", retried+1, "err", err)
		if ferr := w.fail(bg, id, models.StatusFailed, ErrorInfoOf(err)); ferr != nil && !errors.Is(ferr, ErrFinished) {
			return ferr
		}
		return err
	default:
		log.Warn("task attempt failed, will retry", "attempt", retried+1, "err", err)
		data, _ := json.Marshal(map[string]any{"retry": retried + 1, "error": ErrorInfoOf(err)})
		_, _ = w.publish(bg, id, models.Event{Type: models.EventQueued, Stage: models.StageQueued, Data: data},
			fStatus, string(models.StatusQueued), fProgress, 0)
		return err
	}
}

// complete records res as task id's result and, in the same step, its case
// write-back; then it queues the delivery (the outbox relay does it
// should this process stop first).
func (w *Worker) complete(ctx context.Context, log *slog.Logger, id string, res *models.Result, opts models.TaskOptions) error {
	res.TaskID = id
	res.Status = models.StatusCompleted
	ref, body := w.cfg.Cases.caseOf(res, opts)
	res.Case = &ref
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	prio := models.PriorityMedium
	if res.Classification != nil {
		prio = res.Classification.Priority
	}
	hundred := 100
	ch := completion(ref, body, prio, time.Now())
	ch.ev = &models.Event{Type: models.EventCompleted, Stage: models.StageDone, Progress: &hundred, Data: b}
	ch.fields = append(ch.fields, fStatus, string(models.StatusCompleted), fResult, b, fFinished, now())
	_, err = w.apply(ctx, id, ch)
	if errors.Is(err, ErrFinished) || errors.Is(err, ErrNotFound) {
		return nil // cancelled in the last moment: the cancellation stands
	}
	if err != nil {
		return err
	}
	log.Info("task completed", "audio_s", float64(res.Duration), "total_ms", res.Timings.TotalMS,
		"transcribe_ms", res.Timings.TranscribeMS, "case", ref.Status)
	switch ref.Status {
	case models.DeliveryPending:
		if err := enqueueDelivery(ctx, w.aq, id, prio); err != nil {
			log.Warn("case delivery not queued; the outbox relay will queue it", "err", err)
		} else {
			log.Debug("case delivery queued")
		}
	case models.DeliverySkipped:
		w.count(ctx, "skipped", 1)
	}
	return nil
}

// options reads the upload's options from the task's record (or, for a
// task queued by an earlier version, from its payload).
func (w *Worker) options(ctx context.Context, id string, p payload) (models.TaskOptions, error) {
	if p.Options != nil {
		return *p.Options, nil
	}
	var o models.TaskOptions
	b, err := w.rdb.HGet(ctx, w.keys.task(id), fOptions).Bytes()
	if err != nil {
		return o, fmt.Errorf("read options of task %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return o, fmt.Errorf("decode options of task %s: %v: %w", id, err, asynq.SkipRetry)
	}
	return o, nil
}

// ErrorInfoOf describes a pipeline error in the service's error shape.
// Codes: unsupported_audio, undecodable_audio, empty_audio, audio_too_short,
// audio_too_long, timeout, processing_failed.
func ErrorInfoOf(err error) models.ErrorInfo {
	var stage models.Stage
	var pe *pipeline.Error
	if errors.As(err, &pe) {
		stage = pe.Stage
	}
	// The cause stays in the worker's log: its text can name hosts,
	// addresses and files that are no business of the client.
	info := models.ErrorInfo{Code: "processing_failed", Message: "Processing failed; the service's log has the cause."}
	switch {
	case errors.Is(err, pipeline.ErrUnsupportedAudio):
		info = models.ErrorInfo{Code: "unsupported_audio", Message: "The upload is not audio in a supported format (WAV, MP3, ...)."}
	case errors.Is(err, pipeline.ErrAudioTooLong):
		info = models.ErrorInfo{Code: "audio_too_long", Message: "The recording is longer than this service accepts."}
	case errors.Is(err, pipeline.ErrAudioTooShort):
		info = models.ErrorInfo{Code: "audio_too_short", Message: "The recording is too short to transcribe (under 100 ms of sound)."}
	case errors.Is(err, pipeline.ErrEmptyAudio):
		info = models.ErrorInfo{Code: "empty_audio", Message: "The recording holds no sound."}
	case errors.Is(err, pipeline.ErrUndecodableAudio):
		info = models.ErrorInfo{Code: "undecodable_audio", Message: "The recording is damaged and cannot be decoded."}
	case errors.Is(err, context.DeadlineExceeded):
		info = models.ErrorInfo{Code: "timeout", Message: "Processing took longer than the task's deadline."}
	}
	if stage != "" {
		info.Details = map[string]any{"stage": string(stage)}
	}
	return info
}

// AsynqLogger routes asynq's log lines to l, for every asynq server of the
// program.
func AsynqLogger(l *slog.Logger) asynq.Logger { return asynqLogger{l} }

// asynqLogger routes asynq's log lines to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
