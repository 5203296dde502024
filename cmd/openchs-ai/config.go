package main

// Configuration of serve, api and worker: flags, their environment
// variables, logging and API keys.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/pipeline/translate"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
)

// serviceConfig is the typed configuration of serve, api and worker.
type serviceConfig struct {
	addr         string
	redisURL     string
	apiKeys      string
	model        modelFlags
	translate    translate.Config
	lexicon      string
	noSecond     bool
	concurrency  int
	maxUploadMB  int64
	uploadMemMB  int64
	readTimeout  time.Duration
	shutdownWait time.Duration
	pollInterval time.Duration
	logFormat    string
	logLevel     string
	server       server.Config
	queue        queue.Config
	cases        caseFlags
	channels     channelFlags
}

// envFlags pairs each flag with the environment variable that sets its
// default; a flag given on the command line wins.
var envFlags = map[string]string{
	"addr":                "OPENCHS_AI_ADDR",
	"redis":               "REDIS_URL",
	"api-keys":            "OPENCHS_AI_API_KEYS",
	"threads":             "OPENCHS_AI_THREADS",
	"vad":                 "OPENCHS_AI_VAD",
	"concurrency":         "OPENCHS_AI_CONCURRENCY",
	"upload-memory-mb":    "OPENCHS_AI_UPLOAD_MEMORY_MB",
	"max-upload-mb":       "OPENCHS_AI_MAX_UPLOAD_MB",
	"max-duration":        "OPENCHS_AI_MAX_DURATION",
	"max-pending":         "OPENCHS_AI_MAX_PENDING",
	"retry-after":         "OPENCHS_AI_RETRY_AFTER",
	"probe-wait":          "OPENCHS_AI_PROBE_WAIT",
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
	"no-second-opinion":   "OPENCHS_AI_NO_SECOND_OPINION",
	"log-level":           "OPENCHS_AI_LOG_LEVEL",
	"channels":            "OPENCHS_AI_CHANNELS",
	"agent-channel":       "OPENCHS_AI_AGENT_CHANNEL",
}

// allEnvFlags is envFlags with the case flags' variables.
func allEnvFlags() map[string]string {
	m := maps.Clone(envFlags)
	maps.Copy(m, caseEnvFlags)
	return m
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
		fs.Int64Var(&c.uploadMemMB, "upload-memory-mb", 0, "MiB of uploads held at once while they are read and queued; past it uploads get 503 with Retry-After (default: 4 × --max-upload-mb) (env OPENCHS_AI_UPLOAD_MEMORY_MB)")
		fs.DurationVar(&c.server.SyncTimeout, "sync-timeout", 5*time.Minute, "how long a synchronous upload waits before answering 202 (env OPENCHS_AI_SYNC_TIMEOUT)")
		fs.DurationVar(&c.readTimeout, "read-timeout", 5*time.Minute, "longest time to receive one request, upload included (env OPENCHS_AI_READ_TIMEOUT)")
		fs.IntVar(&c.queue.MaxPending, "max-pending", 100, "queue depth above which uploads get 429 (env OPENCHS_AI_MAX_PENDING)")
		fs.DurationVar(&c.queue.RetryAfter, "retry-after", 15*time.Second, "Retry-After given with 429 (env OPENCHS_AI_RETRY_AFTER)")
		fs.DurationVar(&c.server.ProbeWait, "probe-wait", 30*time.Second, "how long an upload waits to be checked before 503 with Retry-After (env OPENCHS_AI_PROBE_WAIT)")
	}
	if api && !work {
		fs.StringVar(&c.model.model, "model", or(e.getenv("OPENCHS_AI_MODEL"), "tiny-q8_0"),
			"model the workers run, as the OpenAI-compatible API (/v1) names it and whisper-1 stands for (env OPENCHS_AI_MODEL)")
	}
	if work {
		c.model.register(fs, e.getenv)
		fs.IntVar(&c.concurrency, "concurrency", 0, "recordings transcribed at once; each loads its own copy of the model (default: the CPUs, at most 4) (env OPENCHS_AI_CONCURRENCY)")
		fs.DurationVar(&c.shutdownWait, "shutdown-timeout", 30*time.Second, "on shutdown, how long running tasks may finish before they are handed back to the queue (env OPENCHS_AI_SHUTDOWN_TIMEOUT)")
		fs.DurationVar(&c.pollInterval, "poll-interval", 50*time.Millisecond, "how often an idle worker looks for tasks; bounds the upload-to-start latency (env OPENCHS_AI_POLL_INTERVAL)")
		fs.StringVar(&c.translate.Backend, "translator", translate.BackendWhisper, "translation backend: whisper (the model's own translate task) or libretranslate (env OPENCHS_AI_TRANSLATOR)")
		fs.StringVar(&c.translate.URL, "translate-url", "", "LibreTranslate base URL, for --translator=libretranslate (env OPENCHS_AI_TRANSLATE_URL)")
		fs.StringVar(&c.translate.APIKey, "translate-api-key", "", "LibreTranslate API key (env OPENCHS_AI_TRANSLATE_API_KEY)")
		fs.StringVar(&c.lexicon, "lexicon", "", "risk lexicon JSON file replacing the embedded one (env OPENCHS_AI_LEXICON)")
		fs.BoolVar(&c.noSecond, "no-second-opinion", false, "triage with the rules alone, without the statistical second opinion that may raise a call for review (env OPENCHS_AI_NO_SECOND_OPINION)")
		c.channels.register(fs, nil)
		fs.BoolVar(&c.queue.RetainAudio, "retain-audio", false, "keep uploads in Redis after processing, until --audio-ttl (env OPENCHS_AI_RETAIN_AUDIO)")
	}
	c.cases.register(fs, e.getenv, api, work)
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
	for fl, ev := range allEnvFlags() {
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
	if err := c.cases.validate(); err != nil {
		return nil, err
	}
	if err := c.channels.validate(); work && err != nil {
		return nil, err
	}
	if v := strings.TrimSpace(c.apiKeys); api && v == "none" && !loopbackAddr(c.addr) {
		return nil, usageError{fmt.Sprintf("--api-keys=none is only allowed on a loopback address, not %s: anyone who reaches it could read the calls", c.addr)}
	}
	if v := strings.TrimSpace(c.apiKeys); api && v != "" && v != "none" {
		if _, err := server.ParseKeys(v); err != nil {
			return nil, usageError{fmt.Sprintf("--api-keys: %v (use KEY or KEY:scope+scope entries, or none to turn authentication off)", err)}
		}
	}
	if c.queue.MaxRetry == 0 {
		c.queue.MaxRetry = -1 // the queue's "never"
	}
	if c.queue.MaxPending == 0 {
		c.queue.MaxPending = -1
	}
	c.server.MaxUploadBytes = c.maxUploadMB << 20
	c.server.UploadMemory = c.uploadMemMB << 20
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

// apiKeys turns --api-keys into the server's keys: "none" turns
// authentication off (noAuth), empty means one generated key with every
// scope, printed to out; otherwise KEY or KEY:scope+scope entries, of which
// there must be at least one.
func apiKeys(v string, out io.Writer, log *slog.Logger) (keys []server.Key, noAuth bool, err error) {
	switch strings.TrimSpace(v) {
	case "none":
		log.Warn("AUTHENTICATION DISABLED (--api-keys=none): anyone who reaches this address can upload recordings and read transcripts")
		return nil, true, nil
	case "":
		key := randomKey()
		fmt.Fprintf(out, "API key: %s\n", key)
		log.Info("no API keys configured: generated one for this run and printed it on standard output")
		return []server.Key{server.FullAccess(key)}, false, nil
	}
	keys, err = server.ParseKeys(v)
	if err != nil {
		return nil, false, usageError{fmt.Sprintf("--api-keys: %v (use KEY or KEY:scope+scope entries, or none to turn authentication off)", err)}
	}
	return keys, false, nil
}

// loopbackAddr reports whether a listen address is on this machine only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// randomKey is a new API key: 48 hex digits.
func randomKey() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
