package main

// The case half of serve, api and worker: the built-in helpline (case
// store, its API and webhooks) and the write-back of results as cases to
// it or to an external OpenCHS.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server"
	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/webhook"
)

// caseFlags configure the helpline and the write-back.
type caseFlags struct {
	builtin     bool
	casesDB     string
	webhooks    string
	openchsURL  string
	openchsKey  string
	categories  string
	minPriority string
	delivery    queue.DeliveryConfig
}

// register adds the flags that apply to a process with the API (api) or a
// worker (work).
func (c *caseFlags) register(fs *flag.FlagSet, getenv func(string) string, api, work bool) {
	if api {
		fs.BoolVar(&c.builtin, "builtin-helpline", true, "serve the built-in OpenCHS-compatible helpline under /helpline/api (env OPENCHS_AI_BUILTIN_HELPLINE)")
		fs.StringVar(&c.casesDB, "cases-db", defaultCasesDB(getenv), "the built-in helpline's database: sqlite:PATH or mysql://user:pass@host:port/db (env OPENCHS_AI_CASES_DB)")
		fs.StringVar(&c.webhooks, "webhooks", "", "JSON file of webhook subscriptions [{url, events, secret}] (env OPENCHS_AI_WEBHOOKS)")
	}
	if work {
		fs.StringVar(&c.openchsURL, "openchs-url", "", "OpenCHS helpline that receives the cases; serve defaults to its built-in one (env OPENCHS_URL)")
		fs.StringVar(&c.openchsKey, "openchs-api-key", "", "API key for --openchs-url, sent as X-API-Key (env OPENCHS_API_KEY)")
		fs.StringVar(&c.categories, "case-categories", "", "JSON file mapping triage categories to the helpline's (env OPENCHS_AI_CASE_CATEGORIES); default the embedded pipeline/caseapi/categories.json")
		fs.StringVar(&c.minPriority, "case-min-priority", "low", "lowest priority that becomes a case: low, medium, high or critical (env OPENCHS_AI_CASE_MIN_PRIORITY)")
		fs.DurationVar(&c.delivery.RetryWindow, "case-retry-window", 24*time.Hour, "how long a case keeps being retried while the helpline is unreachable (env OPENCHS_AI_CASE_RETRY_WINDOW)")
		fs.DurationVar(&c.delivery.RequestTimeout, "case-timeout", 15*time.Second, "timeout of one request to the helpline (env OPENCHS_AI_CASE_TIMEOUT)")
		fs.IntVar(&c.delivery.Concurrency, "case-concurrency", 8, "cases written at once (env OPENCHS_AI_CASE_CONCURRENCY)")
	}
}

// caseEnvFlags pairs the case flags with their environment variables.
var caseEnvFlags = map[string]string{
	"builtin-helpline":  "OPENCHS_AI_BUILTIN_HELPLINE",
	"cases-db":          "OPENCHS_AI_CASES_DB",
	"webhooks":          "OPENCHS_AI_WEBHOOKS",
	"openchs-url":       "OPENCHS_URL",
	"openchs-api-key":   "OPENCHS_API_KEY",
	"case-categories":   "OPENCHS_AI_CASE_CATEGORIES",
	"case-min-priority": "OPENCHS_AI_CASE_MIN_PRIORITY",
	"case-retry-window": "OPENCHS_AI_CASE_RETRY_WINDOW",
	"case-timeout":      "OPENCHS_AI_CASE_TIMEOUT",
	"case-concurrency":  "OPENCHS_AI_CASE_CONCURRENCY",
}

// dataDir is where serve keeps what must outlive a restart: the built-in
// helpline's SQLite file.
func dataDir(getenv func(string) string) string {
	if d := getenv("OPENCHS_AI_DATA"); d != "" {
		return d
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "openchs-ai")
	}
	home := getenv("HOME")
	if home == "" {
		home = "."
	}
	return filepath.Join(home, ".local", "share", "openchs-ai")
}

func defaultCasesDB(getenv func(string) string) string {
	return "sqlite:" + filepath.Join(dataDir(getenv), "cases.db")
}

// validate checks the flags once parsed.
func (c *caseFlags) validate() error {
	if c.minPriority != "" && models.Priority(c.minPriority).Validate() != nil {
		return usageError{fmt.Sprintf("--case-min-priority %q: use low, medium, high or critical", c.minPriority)}
	}
	if c.openchsURL != "" {
		if _, err := caseapi.New(caseapi.Config{BaseURL: c.openchsURL, Timeout: c.delivery.RequestTimeout}); err != nil {
			return usageError{fmt.Sprintf("--openchs-url: %v", err)}
		}
	}
	return nil
}

// openHelpline opens the built-in helpline's store and its webhooks, and
// returns the server option that serves both, or nothing when it is off.
func openHelpline(ctx context.Context, c *caseFlags, rdb redis.UniversalClient, tasks webhook.TaskReader, log *slog.Logger) (opts []server.Option, closeAll func(), err error) {
	if !c.builtin {
		return nil, func() {}, nil
	}
	if path, ok := strings.CutPrefix(c.casesDB, "sqlite:"); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create the data directory: %w", err)
		}
	}
	hl, err := helpline.Open(ctx, helpline.Config{DSN: c.casesDB, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("open the built-in helpline's case store: %w", err)
	}
	wcfg := webhook.Config{}
	if c.webhooks != "" {
		if wcfg.Subscriptions, err = webhook.LoadSubscriptions(c.webhooks); err != nil {
			hl.Close()
			return nil, nil, err
		}
	}
	wh, err := webhook.New(wcfg, hl.DB(), rdb, tasks, log)
	if err == nil {
		wh.UseCases(hl)
		err = wh.Start(ctx)
	}
	if err != nil {
		hl.Close()
		return nil, nil, fmt.Errorf("start webhooks: %w", err)
	}
	log.Info("built-in helpline serving /helpline/api", "db", redactDSN(c.casesDB))
	opts = []server.Option{
		server.WithMount(helpline.Prefix+"/webhooks", wh.Handler),
		server.WithMount(helpline.Prefix+"/webhooks/", wh.Handler),
		server.WithMount(helpline.Prefix+"/", hl.Handler),
	}
	return opts, func() { wh.Shutdown(); hl.Close() }, nil
}

// redactDSN hides a password in a database address for the log.
func redactDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			return scheme + "://" + user + ":***" + rest[at:]
		}
	}
	return dsn
}

// helplineTarget says where a process's worker writes cases: the
// configured OpenCHS, or (serve with its built-in helpline) this very
// process, over HTTP exactly as to an external one; "" means nowhere.
func (c *caseFlags) helplineTarget(api bool) string {
	switch {
	case c.openchsURL != "":
		return c.openchsURL
	case api && c.builtin:
		return "self"
	}
	return ""
}

// policy decides the worker's write-back: which results become cases and
// how their bodies are made.
func (c *caseFlags) policy(api bool, log *slog.Logger) (queue.CaseOptions, error) {
	opts := queue.CaseOptions{MinPriority: models.Priority(c.minPriority)}
	if c.helplineTarget(api) == "" {
		log.Warn("no helpline configured: results will not become cases (their case status is skipped); set --openchs-url or run serve with its built-in helpline")
		return opts, nil
	}
	cats, err := caseapi.LoadCategories(c.categories)
	if err != nil {
		return opts, err
	}
	opts.Builder = &caseapi.Builder{Categories: cats}
	return opts, nil
}

// sink is the client of the helpline cases go to; self is this process's
// own address and key, for the built-in helpline.
func (c *caseFlags) sink(api bool, self, selfKey string) (*caseapi.Client, error) {
	url, key := c.openchsURL, c.openchsKey
	switch c.helplineTarget(api) {
	case "":
		return nil, nil
	case "self":
		url, key = "http://"+self, selfKey
	}
	return caseapi.New(caseapi.Config{BaseURL: url, APIKey: key, Timeout: c.delivery.RequestTimeout})
}

// startDeliverer starts writing cases to sink, after checking (and
// reporting, not failing on) the helpline's health.
func startDeliverer(ctx context.Context, c *caseFlags, rdb redis.UniversalClient, qcfg queue.Config, sink *caseapi.Client, log *slog.Logger) (*queue.Deliverer, error) {
	if sink == nil {
		return nil, nil
	}
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	base := strings.TrimSuffix(sink.CaseURL(""), "/helpline/api/cases/")
	if err := sink.Health(hctx); err != nil {
		log.Warn("helpline not healthy at start-up: cases wait and are retried until it answers", "helpline", base, "err", err)
	} else {
		log.Info("helpline answers", "helpline", base)
	}
	d, err := queue.NewDeliverer(rdb, qcfg, c.delivery, sink, log)
	if err != nil {
		return nil, err
	}
	return d, d.Start()
}
