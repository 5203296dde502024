// Package server is the HTTP face of the service: uploads, task status and
// cancellation, NDJSON and WebSocket progress streams, queue statistics,
// health, API-key authentication, limits and the error shape every reply
// shares; and the OpenAI-compatible audio API (/v1) over the same queue.
package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/dashboard"
	"github.com/openchs/openchs-ai/server/reply"
)

// Tasks submits and tracks tasks; *queue.Client is one.
type Tasks interface {
	Submit(ctx context.Context, s queue.Submission) (task *models.Task, existing bool, err error)
	CheckCapacity(ctx context.Context) error
	Task(ctx context.Context, id string) (*models.Task, error)
	Cancel(ctx context.Context, id string) (*models.Task, error)
	Purge(ctx context.Context, id string) error
	Events(ctx context.Context, id string, after, count int64) ([]models.Event, error)
	LastSeq(ctx context.Context, id string) (int64, error)
	RedriveCase(ctx context.Context, id string) (*models.Task, error)
	Stats(ctx context.Context) (*queue.Stats, error)
	Recent(ctx context.Context, n int) ([]*models.Task, error)
	Ping(ctx context.Context) error
}

// Events streams task events; *queue.Hub is one.
type Events interface {
	Subscribe(ctx context.Context, id string, after int64) <-chan models.Event
	SubscribeAll(ctx context.Context) <-chan models.Event
}

var (
	_ Tasks  = (*queue.Client)(nil)
	_ Events = (*queue.Hub)(nil)
)

// Config tunes the HTTP API. The zero value of a field means its default.
type Config struct {
	// Keys are the API keys a request may present, with their scopes.
	Keys []Key
	// NoAuth turns authentication off: every request may do everything.
	// Without it, a Config with no keys is refused.
	NoAuth bool
	// MaxUploadBytes bounds an upload; default 100 MiB.
	MaxUploadBytes int64
	// MaxDuration bounds a recording's length; default 2h.
	MaxDuration time.Duration
	// SyncTimeout is how long a synchronous POST /audio/process waits for
	// its task before answering 202 with the task handle; default 5m.
	SyncTimeout time.Duration
	// Heartbeat is the idle time after which a stream sends a heartbeat
	// event, and the interval of WebSocket pings (a WebSocket client that
	// answers none for two intervals is disconnected); default 15s.
	Heartbeat time.Duration
	// WriteTimeout bounds each write to a client; default 30s.
	WriteTimeout time.Duration
	// ProbeConcurrency bounds how many uploads are decoded at once to
	// check them before queueing; default 2.
	ProbeConcurrency int
	// ProbeWait is how long an upload waits for a check slot before it is
	// refused with 503 and Retry-After; default 30s.
	ProbeWait time.Duration
	// UploadMemory bounds the bytes of all the uploads being read,
	// checked and queued at once; an upload that would pass it is refused
	// with 503 and Retry-After before its body is read. Each upload counts
	// its declared length, or the largest upload when it declares none.
	// Default: four of the largest uploads.
	UploadMemory int64
	// Model names the transcription model the workers run, as the
	// OpenAI-compatible API (/v1) lists it and as "whisper-1" stands for.
	// Empty: /v1 offers only "whisper-1".
	Model string
	// KnownModels are the other model names (the catalog's) that /v1
	// refuses as not run here rather than as unknown.
	KnownModels []string
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxUploadBytes == 0 {
		c.MaxUploadBytes = 100 << 20
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = 2 * time.Hour
	}
	if c.SyncTimeout == 0 {
		c.SyncTimeout = 5 * time.Minute
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 30 * time.Second
	}
	if c.ProbeConcurrency == 0 {
		c.ProbeConcurrency = 2
	}
	if c.ProbeWait == 0 {
		c.ProbeWait = 30 * time.Second
	}
	if c.UploadMemory == 0 {
		c.UploadMemory = 4 * (c.MaxUploadBytes + formOverhead)
	}
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c Config) Validate() error {
	var errs []error
	if c.MaxUploadBytes < 1024 {
		errs = append(errs, fmt.Errorf("max upload %d bytes is under 1 KiB", c.MaxUploadBytes))
	}
	if c.MaxDuration < time.Second {
		errs = append(errs, fmt.Errorf("max duration %v is under a second", c.MaxDuration))
	}
	if c.UploadMemory < c.MaxUploadBytes+formOverhead {
		errs = append(errs, fmt.Errorf("upload memory %d bytes cannot hold one upload of the largest size (%d bytes and the form)", c.UploadMemory, c.MaxUploadBytes))
	}
	if len(c.Keys) == 0 && !c.NoAuth {
		errs = append(errs, errors.New("no API keys: give at least one, or turn authentication off explicitly"))
	}
	for _, k := range c.Keys {
		if len(k.Secret) < 16 {
			errs = append(errs, errors.New("an API key is shorter than 16 characters"))
			break
		}
	}
	return errors.Join(errs...)
}

// Server serves the HTTP API.
type Server struct {
	cfg     Config
	tasks   Tasks
	events  Events
	decoder pipeline.Decoder
	ready   []func(context.Context) error
	log     *slog.Logger
	probes  chan struct{}
	memory  *uploadMemory
	keys    []storedKey
	mux     *http.ServeMux
	routes  []route
	mounts  []mount
	metrics *requestMetrics
}

// mount is an API served under a path prefix by another package.
type mount struct {
	prefix string
	build  func(auth func(http.Handler) http.Handler) http.Handler
}

// Option configures a Server.
type Option func(*Server)

// WithDecoder checks each upload by decoding it before it is queued, so
// that unsupported, damaged or over-long audio is refused at once (415,
// 422, 413) and the task's deadline follows the audio's duration.
func WithDecoder(d pipeline.Decoder) Option { return func(s *Server) { s.decoder = d } }

// WithReadiness adds a check GET /ready runs besides reaching Redis (the
// model being loaded, ...).
func WithReadiness(check func(context.Context) error) Option {
	return func(s *Server) { s.ready = append(s.ready, check) }
}

// WithMount serves the API that build returns under prefix (a pattern such
// as "/helpline/api/"). build receives the server's API-key check (keys with
// the cases scope), to guard the routes that need it; requests are logged
// and counted like the server's own.
func WithMount(prefix string, build func(auth func(http.Handler) http.Handler) http.Handler) Option {
	return func(s *Server) { s.mounts = append(s.mounts, mount{prefix, build}) }
}

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// New returns a Server over tasks and events.
func New(cfg Config, tasks Tasks, events Events, opts ...Option) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, tasks: tasks, events: events, log: slog.New(slog.DiscardHandler), metrics: newRequestMetrics()}
	for _, o := range opts {
		o(s)
	}
	s.probes = make(chan struct{}, cfg.ProbeConcurrency)
	s.memory = &uploadMemory{limit: cfg.UploadMemory}
	for _, k := range cfg.Keys {
		s.keys = append(s.keys, storedKey{hashKey(k.Secret), k})
	}
	// The task routes take read-own or read-all: the handlers check that a
	// read-own key's task is its own.
	s.routes = []route{
		{"POST", "/audio/process", true, ScopeSubmit, s.handleProcess},
		{"POST", "/audio/process-stream", true, ScopeSubmit, s.handleProcessStream},
		{"GET", "/audio/task/{id}", true, "", s.handleTask},
		{"DELETE", "/audio/task/{id}", true, "", s.handleCancel},
		{"GET", "/audio/task/{id}/events", true, "", s.handleEvents},
		{"POST", "/audio/task/{id}/case", true, "", s.handleRedriveCase},
		{"GET", "/audio/queue", true, ScopeMetrics, s.handleQueue},
		{"GET", "/audio/tasks", true, "", s.handleRecent},
		{"GET", "/whoami", true, "", s.handleWhoami},
		{"GET", "/ws", true, "", s.handleWS},
		{"GET", "/health", false, "", s.handleHealth},
		{"GET", "/ready", true, "", s.handleReady},
		{"GET", "/openapi.json", true, "", s.handleOpenAPI},
		{"GET", "/metrics", true, ScopeMetrics, s.handleMetrics},
		{"POST", "/v1/audio/transcriptions", true, ScopeSubmit, s.handleTranscriptions},
		{"POST", "/v1/audio/translations", true, ScopeSubmit, s.handleTranslations},
		{"GET", "/v1/models", true, "", s.handleModels},
		{"GET", "/v1/models/{model}", true, "", s.handleModel},
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		h := rt.handler
		switch {
		case rt.auth && openAIPath(rt.path):
			h = s.authenticateWith(h, rt.scope, (*httpError).writeOpenAI)
		case rt.auth:
			h = s.authenticate(h, rt.scope)
		}
		s.mux.HandleFunc(rt.method+" "+rt.path, h)
	}
	auth := func(h http.Handler) http.Handler { return s.authenticate(h.ServeHTTP, ScopeCases) }
	for _, m := range s.mounts {
		s.mux.Handle(m.prefix, m.build(auth))
	}
	page := dashboard.Handler() // the page needs no key: it signs in through the API
	s.mux.Handle("GET /{$}", page)
	s.mux.Handle("GET "+dashboard.Prefix, page)
	s.mux.HandleFunc("/", s.handleUnknown)
	return s, nil
}

type route struct {
	method, path string
	auth         bool
	scope        Scope // "" for any valid key
	handler      http.HandlerFunc
}

// Handler returns the HTTP handler of the whole API.
func (s *Server) Handler() http.Handler { return s.logRequests(s.mux) }

// handleUnknown answers 405 for a known path with another method, else 404.
func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	if openAIPath(r.URL.Path) {
		s.unroutedOpenAI(w, r)
		return
	}
	reply.Unrouted(w, r, s.Routes())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack hands the connection to a WebSocket upgrade.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.status == 0 {
		r.status = http.StatusSwitchingProtocols
	}
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

type ctxKey struct{}

// requestID returns the id logRequests gave r.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

// logRequests logs one line per request (never the query string, which may
// hold a key) and gives each request an id, echoed in X-Request-ID.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w}
		inner := r.WithContext(context.WithValue(r.Context(), ctxKey{}, id))
		next.ServeHTTP(rec, inner)
		if rec.status == 0 { // the handler wrote nothing: net/http sends 200
			rec.status = http.StatusOK
		}
		took := time.Since(start)
		s.metrics.observe(inner.Pattern, rec.status, took)
		s.log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "took", took)
	})
}

// Routes lists the endpoints as "METHOD /path" patterns.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.method + " " + rt.path
	}
	return out
}
