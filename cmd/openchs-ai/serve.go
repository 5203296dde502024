package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
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
	commands["serve"] = command{summary: "run the HTTP API and a worker in one process (embedded Redis without REDIS_URL)", run: runServe, model: true}
	commands["api"] = command{summary: "run only the HTTP API against REDIS_URL", run: runAPI}
	commands["worker"] = command{summary: "run only a worker against REDIS_URL", run: runWorker, model: true}
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

// openRedis connects to REDIS_URL, or starts an embedded in-process Redis
// when allowed and no URL is given. close releases whichever it was.
func openRedis(ctx context.Context, c *serviceConfig, embeddedOK bool, log *slog.Logger) (rdb redis.UniversalClient, release func(), err error) {
	if c.redisURL == "" {
		if !embeddedOK {
			return nil, nil, usageError{"set REDIS_URL (or --redis): api and worker processes share one Redis"}
		}
		m := miniredis.NewMiniRedis()
		// Any local process can reach a loopback port: the embedded Redis
		// holds recordings of children, so it takes a password made for
		// this run.
		password := randomKey()
		m.RequireAuth(password)
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
		cl := redis.NewClient(&redis.Options{Addr: m.Addr(), Password: password, PoolSize: 64})
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
	for _, w := range queue.DurabilityWarnings(pctx, cl) {
		log.Warn(w, "redis", opts.Addr)
	}
	log.Info("using Redis", "addr", opts.Addr, "db", opts.DB)
	return cl, func() { cl.Close() }, nil
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
		if c.concurrency == 0 {
			c.concurrency = defaultConcurrency()
		}
		// The engine shares its CPUs by the recordings that want them: the
		// tasks this worker is handling and those waiting in the queue.
		backlog, handling := queue.Backlog(rdb), atomic.Pointer[queue.Worker]{}
		demand := func() int {
			n := backlog()
			if w := handling.Load(); w != nil {
				n += w.Active()
			}
			return n
		}
		engine, err = c.model.open(e.getenv, c.concurrency, demand)
		if err != nil {
			return err
		}
		defer engine.Close()
		leaveCPUsToWhisper(engine.CPUs(), e.getenv, log)
		transcriber, err := c.model.speech(engine)
		if err != nil {
			return err
		}
		stages, err := c.stages(transcriber)
		if err != nil {
			return err
		}
		cases, err := c.cases.policy(api, log)
		if err != nil {
			return err
		}
		runner := &pipeline.Runner{Decoder: dec, Transcriber: transcriber, Model: engine.Model(), Stages: stages,
			Channels: c.channels.mode, AgentChannel: c.channels.agentIndex()}
		worker, err = queue.NewWorker(rdb, c.queue, queue.WorkerConfig{Concurrency: c.concurrency, ShutdownTimeout: c.shutdownWait, PollInterval: c.pollInterval, Cases: cases}, runner, log)
		if err != nil {
			return err
		}
		handling.Store(worker)
		if err := worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info("worker started", "model", engine.Model(), "concurrency", c.concurrency)
	}
	// Cases are written once the helpline (perhaps this process's own)
	// listens: self is this process's address and key.
	var deliverer *queue.Deliverer
	startDelivering := func(self, selfKey string) error {
		if !work {
			return nil
		}
		sink, err := c.cases.sink(api, self, selfKey)
		if err != nil {
			return err
		}
		deliverer, err = startDeliverer(ctx, &c.cases, rdb, c.queue, sink, log)
		return err
	}
	stopWorker := func() {
		if worker != nil {
			log.Info("worker stopping: running tasks may finish", "timeout", c.shutdownWait)
			worker.Shutdown()
			worker = nil
		}
		if deliverer != nil {
			deliverer.Shutdown()
			deliverer = nil
		}
	}
	defer stopWorker()

	if !api {
		if err := startDelivering("", ""); err != nil {
			return err
		}
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
	if c.server.Keys, c.server.NoAuth, err = apiKeys(c.apiKeys, e.stdout, log); err != nil {
		return err
	}
	// The write-back reaches this process's own helpline with a key of
	// its own, made for this run and never shown.
	selfKey := ""
	if !c.server.NoAuth {
		selfKey = randomKey()
		c.server.Keys = append(c.server.Keys, server.Key{Secret: selfKey, Scopes: []server.Scope{server.ScopeCases}})
	}
	// The OpenAI-compatible API names the model the workers run.
	c.server.Model, c.server.KnownModels = whisper.ModelName(c.model.model), whisper.CatalogNames()
	opts := []server.Option{server.WithLogger(log), server.WithDecoder(dec)}
	hlOpts, closeHelpline, err := openHelpline(ctx, &c.cases, rdb, client, log)
	if err != nil {
		return err
	}
	defer closeHelpline()
	opts = append(opts, hlOpts...)
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
	if err := startDelivering(selfAddr(ln), selfKey); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "openchs-ai %s listening on http://%s\n", name, ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "auth", !c.server.NoAuth)

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

// selfAddr is the address this process reaches its own listener on.
func selfAddr(ln net.Listener) string {
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !a.IP.IsUnspecified() {
		return ln.Addr().String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
}

// defaultConcurrency is how many recordings a worker transcribes at once
// unless told: one per CPU, at most 4. The engine gives a lone recording
// every CPU and shares them when several wait (whisper.Config.Threads), so
// the slots cost nothing on a quiet night, and on a busy morning
// one-thread transcriptions side by side get more done than
// multi-thread ones in turn. Each slot holds a copy of the model.
func defaultConcurrency() int { return min(runtime.GOMAXPROCS(0), 4) }

// leaveCPUsToWhisper keeps Go's scheduler to the CPUs whisper does not
// use (at least one), unless GOMAXPROCS is set. ggml's threads wait for
// each other at every step: a core taken from one of them by Go's own
// threads (HTTP, Redis, the queue) holds up all of them, and on a machine
// with no spare core the service transcribed 10-15% slower than the
// transcribe command. The CPUs are counted as Go counts them
// (runtime.GOMAXPROCS), which follows a container's CPU limit.
func leaveCPUsToWhisper(whisperCPUs int, getenv func(string) string, log *slog.Logger) {
	if getenv("GOMAXPROCS") != "" {
		return
	}
	cpus := runtime.GOMAXPROCS(0)
	if procs := max(1, cpus-whisperCPUs); procs < cpus {
		runtime.GOMAXPROCS(procs)
		log.Info("Go keeps to the CPUs whisper leaves free", "gomaxprocs", procs, "whisper_threads", whisperCPUs)
	}
}

// stages builds the steps after transcription: translation, then triage.
func (c *serviceConfig) stages(transcriber pipeline.Transcriber) ([]pipeline.Stage, error) {
	tr, err := translate.New(c.translate, transcriber)
	if err != nil {
		return nil, err
	}
	cl, err := risk.New(risk.Config{LexiconPath: c.lexicon, NoSecondOpinion: c.noSecond})
	if err != nil {
		return nil, err
	}
	return []pipeline.Stage{&translate.Stage{Translator: tr}, &risk.Stage{Classifier: cl}}, nil
}
