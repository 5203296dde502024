package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/risk"
	"github.com/openchs/openchs-ai/pipeline/translate"
	"github.com/openchs/openchs-ai/pipeline/whisper"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

func init() {
	commands["serve"] = command{summary: "run the HTTP API and a worker in one process (embedded Redis without REDIS_URL)", run: runServe}
	commands["api"] = command{summary: "run only the HTTP API against REDIS_URL", run: runAPI}
	commands["worker"] = command{summary: "run only a worker against REDIS_URL", run: runWorker}
}

func runServe(ctx context.Context, args []string, e env) error {
	return runService(ctx, "serve", args, e, true, true)
}

func runAPI(ctx context.Context, args []string, e env) error {
	return runService(ctx, "api", args, e, true, false)
}

func runWorker(ctx context.Context, args []string, e env) error {
	return runService(ctx, "worker", args, e, false, true)
}

// serviceConfig is the typed configuration of serve, api and worker.
type serviceConfig struct {
	addr         string
	redisURL     string
	apiKeys      string
	model        modelFlags
	translate    translate.Config
	lexicon      string
	concurrency  int
	maxUploadMB  int64
	readTimeout  time.Duration
	shutdownWait time.Duration
	pollInterval time.Duration
	logFormat    string
	logLevel     string
	server       server.Config
	queue        queue.Config
}

// envFlags pairs each flag with the environment variable that sets its
// default; a flag given on the command line wins.
var envFlags = map[string]string{
	"addr":                "OPENCHS_AI_ADDR",
	"redis":               "REDIS_URL",
	"api-keys":            "OPENCHS_AI_API_KEYS",
	"threads":             "OPENCHS_AI_THREADS",
	"concurrency":         "OPENCHS_AI_CONCURRENCY",
	"max-upload-mb":       "OPENCHS_AI_MAX_UPLOAD_MB",
	"max-duration":        "OPENCHS_AI_MAX_DURATION",
	"max-pending":         "OPENCHS_AI_MAX_PENDING",
	"retry-after":         "OPENCHS_AI_RETRY_AFTER",
	"sync-timeout":        "OPENCHS_AI_SYNC_TIMEOUT",
	"read-timeout":        "OPENCHS_AI_READ_TIMEOUT",
	"task-timeout":        "OPENCHS_AI_TASK_TIMEOUT",
	"task-timeout-factor": "OPENCHS_AI_TASK_TIMEOUT_FACTOR",
	"max-retry":           "OPENCHS_AI_MAX_RETRY",
	"result-ttl":          "OPENCHS_AI_RESULT_TTL",
	"audio-ttl":           "OPENCHS_AI_AUDIO_TTL",
	"retain-audio":        "OPENCHS_AI_RETAIN_AUDIO",
	"shutdown-timeout":    "OPENCHS_AI_SHUTDOWN_TIMEOUT",
	"poll-interval":       "OPENCHS_AI_POLL_INTERVAL",
	"log-format":          "OPENCHS_AI_LOG_FORMAT",
	"translator":          "OPENCHS_AI_TRANSLATOR",
	"translate-url":       "OPENCHS_AI_TRANSLATE_URL",
	"translate-api-key":   "OPENCHS_AI_TRANSLATE_API_KEY",
	"lexicon":             "OPENCHS_AI_LEXICON",
	"log-level":           "OPENCHS_AI_LOG_LEVEL",
}

func parseServiceFlags(name string, args []string, e env, api, work bool) (*serviceConfig, error) {
	c := &serviceConfig{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL, redis://[user:pass@]host:port/db (env REDIS_URL)")
	if api {
		fs.StringVar(&c.addr, "addr", "127.0.0.1:8123", "listen address (env OPENCHS_AI_ADDR)")
		fs.StringVar(&c.apiKeys, "api-keys", "", "comma-separated API keys; empty: serve generates one and prints it, api refuses to start; \"none\": no authentication (env OPENCHS_AI_API_KEYS)")
		fs.Int64Var(&c.maxUploadMB, "max-upload-mb", 100, "largest upload in MiB (env OPENCHS_AI_MAX_UPLOAD_MB)")
		fs.DurationVar(&c.server.SyncTimeout, "sync-timeout", 5*time.Minute, "how long a synchronous upload waits before answering 202 (env OPENCHS_AI_SYNC_TIMEOUT)")
		fs.DurationVar(&c.readTimeout, "read-timeout", 5*time.Minute, "longest time to receive one request, upload included (env OPENCHS_AI_READ_TIMEOUT)")
		fs.IntVar(&c.queue.MaxPending, "max-pending", 100, "queue depth above which uploads get 429 (env OPENCHS_AI_MAX_PENDING)")
		fs.DurationVar(&c.queue.RetryAfter, "retry-after", 15*time.Second, "Retry-After given with 429 (env OPENCHS_AI_RETRY_AFTER)")
	}
	if work {
		c.model.register(fs, e.getenv)
		fs.IntVar(&c.concurrency, "concurrency", 1, "recordings transcribed at once; each loads its own copy of the model (env OPENCHS_AI_CONCURRENCY)")
		fs.DurationVar(&c.shutdownWait, "shutdown-timeout", 30*time.Second, "on shutdown, how long running tasks may finish before they are handed back to the queue (env OPENCHS_AI_SHUTDOWN_TIMEOUT)")
		fs.DurationVar(&c.pollInterval, "poll-interval", 50*time.Millisecond, "how often an idle worker looks for tasks; bounds the upload-to-start latency (env OPENCHS_AI_POLL_INTERVAL)")
		fs.StringVar(&c.translate.Backend, "translator", translate.BackendWhisper, "translation backend: whisper (the model's own translate task) or libretranslate (env OPENCHS_AI_TRANSLATOR)")
		fs.StringVar(&c.translate.URL, "translate-url", "", "LibreTranslate base URL, for --translator=libretranslate (env OPENCHS_AI_TRANSLATE_URL)")
		fs.StringVar(&c.translate.APIKey, "translate-api-key", "", "LibreTranslate API key (env OPENCHS_AI_TRANSLATE_API_KEY)")
		fs.StringVar(&c.lexicon, "lexicon", "", "risk lexicon JSON file replacing the embedded one (env OPENCHS_AI_LEXICON)")
		fs.BoolVar(&c.queue.RetainAudio, "retain-audio", false, "keep uploads in Redis after processing, until --audio-ttl (env OPENCHS_AI_RETAIN_AUDIO)")
	}
	fs.DurationVar(&c.queue.MaxDuration, "max-duration", 2*time.Hour, "longest recording accepted (env OPENCHS_AI_MAX_DURATION)")
	fs.DurationVar(&c.queue.TimeoutBase, "task-timeout", 2*time.Minute, "task deadline: this plus --task-timeout-factor × audio duration (env OPENCHS_AI_TASK_TIMEOUT)")
	fs.Float64Var(&c.queue.TimeoutFactor, "task-timeout-factor", 3, "task deadline per second of audio (env OPENCHS_AI_TASK_TIMEOUT_FACTOR)")
	fs.IntVar(&c.queue.MaxRetry, "max-retry", 3, "retries of a task that failed for a transient reason; 0: none (env OPENCHS_AI_MAX_RETRY)")
	fs.DurationVar(&c.queue.ResultTTL, "result-ttl", 24*time.Hour, "how long task records, results and events are kept (env OPENCHS_AI_RESULT_TTL)")
	fs.DurationVar(&c.queue.AudioTTL, "audio-ttl", 6*time.Hour, "longest time an upload stays in Redis (env OPENCHS_AI_AUDIO_TTL)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json (env OPENCHS_AI_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error (env OPENCHS_AI_LOG_LEVEL)")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: openchs-ai %s [flags]\n", name)
		fs.PrintDefaults()
	}
	for fl, ev := range envFlags {
		v := e.getenv(ev)
		if v == "" || fs.Lookup(fl) == nil {
			continue
		}
		if err := fs.Set(fl, v); err != nil {
			return nil, usageError{fmt.Sprintf("%s=%q: %v", ev, v, err)}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, flag.ErrHelp
		}
		return nil, errUsageShown
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("%s takes no arguments, got %q", name, fs.Args())}
	}
	if api && !work && strings.TrimSpace(c.apiKeys) == "" {
		// A generated key would differ on every api process behind one
		// address.
		return nil, usageError{"api needs --api-keys (or OPENCHS_AI_API_KEYS), the same on every api process, or --api-keys=none; only serve generates a key"}
	}
	if c.queue.MaxRetry == 0 {
		c.queue.MaxRetry = -1 // the queue's "never"
	}
	if c.queue.MaxPending == 0 {
		c.queue.MaxPending = -1
	}
	c.server.MaxUploadBytes = c.maxUploadMB << 20
	c.server.MaxDuration = c.queue.MaxDuration
	return c, nil
}

func newLogger(c *serviceConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: use debug, info, warn or error", c.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: use text or json", c.logFormat)}
}

// openRedis connects to REDIS_URL, or starts an embedded in-process Redis
// when allowed and no URL is given. close releases whichever it was.
func openRedis(ctx context.Context, c *serviceConfig, embeddedOK bool, log *slog.Logger) (rdb redis.UniversalClient, release func(), err error) {
	if c.redisURL == "" {
		if !embeddedOK {
			return nil, nil, usageError{"set REDIS_URL (or --redis): api and worker processes share one Redis"}
		}
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start embedded Redis: %w", err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // miniredis expires keys only when its clock moves
			defer wg.Done()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					m.FastForward(time.Second)
				case <-stop:
					return
				}
			}
		}()
		log.Warn("no REDIS_URL: using an embedded in-process Redis; queued tasks, results and events do not survive a restart",
			"redis", m.Addr())
		cl := redis.NewClient(&redis.Options{Addr: m.Addr(), PoolSize: 64})
		return cl, func() { cl.Close(); close(stop); wg.Wait(); m.Close() }, nil
	}
	opts, err := redis.ParseURL(c.redisURL)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("REDIS_URL: %v", err)}
	}
	opts.PoolSize = max(opts.PoolSize, 64)
	cl := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := cl.Ping(pctx).Err(); err != nil {
		cl.Close()
		return nil, nil, fmt.Errorf("Redis at %s does not answer: %w", opts.Addr, err)
	}
	log.Info("using Redis", "addr", opts.Addr, "db", opts.DB)
	return cl, func() { cl.Close() }, nil
}

// apiKeys turns --api-keys into the server's key list: "none" means open,
// empty means one generated key, printed to out.
func apiKeys(v string, out io.Writer, log *slog.Logger) []string {
	switch strings.TrimSpace(v) {
	case "none":
		log.Warn("AUTHENTICATION DISABLED (--api-keys=none): anyone who reaches this address can upload recordings and read transcripts")
		return nil
	case "":
		var b [24]byte
		_, _ = rand.Read(b[:])
		key := hex.EncodeToString(b[:])
		fmt.Fprintf(out, "API key: %s\n", key)
		log.Info("no API keys configured: generated one for this run and printed it on standard output")
		return []string{key}
	}
	var keys []string
	for _, k := range strings.Split(v, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func runService(ctx context.Context, name string, args []string, e env, api, work bool) error {
	c, err := parseServiceFlags(name, args, e, api, work)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := newLogger(c, e.stderr)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := openRedis(ctx, c, name == "serve", log)
	if err != nil {
		return err
	}
	defer closeRedis()
	dec := audio.Decoder{Config: audio.Config{MaxDuration: c.queue.MaxDuration, MaxBytes: c.server.MaxUploadBytes}} // 0: the decoder's default

	// Worker: the model, the pipeline and the asynq server.
	var worker *queue.Worker
	var engine *whisper.Engine
	if work {
		engine, err = c.model.open(e.getenv, c.concurrency)
		if err != nil {
			return err
		}
		defer engine.Close()
		stages, err := c.stages(engine)
		if err != nil {
			return err
		}
		runner := &pipeline.Runner{Decoder: dec, Transcriber: engine, Model: engine.Model(), Stages: stages}
		worker, err = queue.NewWorker(rdb, c.queue, queue.WorkerConfig{Concurrency: c.concurrency, ShutdownTimeout: c.shutdownWait, PollInterval: c.pollInterval}, runner, log)
		if err != nil {
			return err
		}
		if err := worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info("worker started", "model", engine.Model(), "concurrency", c.concurrency)
	}
	stopWorker := func() {
		if worker != nil {
			log.Info("worker stopping: running tasks may finish", "timeout", c.shutdownWait)
			worker.Shutdown()
			worker = nil
		}
	}
	defer stopWorker()

	if !api {
		<-ctx.Done()
		log.Info("shutting down")
		return nil
	}

	// API: the HTTP server, its task client and event hub.
	client, err := queue.NewClient(rdb, c.queue)
	if err != nil {
		return err
	}
	defer client.Close()
	streams, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStreams()
	hub := queue.NewHub(rdb, c.queue, log)
	if err := hub.Start(streams); err != nil {
		return err
	}
	c.server.APIKeys = apiKeys(c.apiKeys, e.stdout, log)
	opts := []server.Option{server.WithLogger(log), server.WithDecoder(dec)}
	if engine != nil {
		opts = append(opts, server.WithReadiness(func(context.Context) error { return nil }))
	}
	srv, err := server.New(c.server, client, hub, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       c.readTimeout,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return streams },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "openchs-ai %s listening on http://%s\n", name, ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "auth", len(c.server.APIKeys) > 0)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Stop taking uploads; let running tasks finish (or hand them back)
	// while their streams still deliver; then end the streams and close.
	log.Info("shutting down: no new requests")
	shut := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), c.shutdownWait+10*time.Second)
		defer cancel()
		shut <- hs.Shutdown(sctx)
	}()
	stopWorker()
	time.Sleep(200 * time.Millisecond) // the last events reach their streams
	stopStreams()
	if err := <-shut; err != nil {
		log.Warn("connections cut at shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}

// stages builds the steps after transcription: translation, then triage.
func (c *serviceConfig) stages(engine *whisper.Engine) ([]pipeline.Stage, error) {
	tr, err := translate.New(c.translate, engine)
	if err != nil {
		return nil, err
	}
	cl, err := risk.New(risk.Config{LexiconPath: c.lexicon})
	if err != nil {
		return nil, err
	}
	return []pipeline.Stage{&translate.Stage{Translator: tr}, &risk.Stage{Classifier: cl}}, nil
}
