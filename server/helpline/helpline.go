// Package helpline is the built-in OpenCHS-compatible case system: a SQL
// store of cases, reporters and their activity (SQLite by default, MariaDB
// by DSN), and the REST API under /helpline/api that the OpenCHS
// integration guide's clients, and this service's own case write-back,
// talk to.
//
// # Status workflow
//
// A case starts open and moves open → in_progress → resolved → closed. A
// resolved case may be reopened (resolved → in_progress): a child who
// calls back about the same harm belongs in the same case. Closed is
// final. Setting the status a case already has changes nothing; any other
// move is refused (ErrIllegalTransition, HTTP 409 illegal_transition).
//
// # Change stamps and polling
//
// Every change to a case (creation, field update, status move,
// assignment, note) stamps the case's updated_at, inside the change's
// transaction, with a value from one clock row: microseconds, the larger of
// the wall clock and the last stamp plus one. Writers hold that row until
// they commit (SQLite has a single writer anyway; MySQL locks the row FOR
// UPDATE), so stamps are unique, strictly increasing and committed in
// stamp order. Hence a reader that has seen a case stamped T has also seen
// every change stamped before T: a poller that asks again with
// updated_since = the greatest updated_at it has seen (inclusive, so that
// one case comes back once more) never misses a change, whatever the
// number of concurrent writers. Polling with the poller's own clock
// (the guide's datetime.now()) is accepted but only as good as the two
// clocks' agreement.
//
// Listing orders cases by (updated_at, id). A page is at most Limit cases
// (default 100, at most 1000: larger limits are capped); when more follow,
// the reply carries an opaque cursor in X-Next-Cursor and in a Link header
// (rel="next"). Naive times (no zone, as Python's isoformat() writes them)
// are taken as UTC.
package helpline

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

//go:embed migrations
var migrationFiles embed.FS

// Config configures the helpline. The zero value of a field means its
// default.
type Config struct {
	// DSN names the database (see package sqldb for the forms); default
	// "sqlite:helpline.db" in the working directory.
	DSN string
	// CaseNumberPrefix starts every case number, as in CHS-2026-000123;
	// default "CHS".
	CaseNumberPrefix string
	// MaxBodyBytes bounds a request body; default 1 MiB.
	MaxBodyBytes int64
	// Logger logs failures the API answers with 500/503; default discards.
	Logger *slog.Logger
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.DSN == "" {
		c.DSN = "sqlite:helpline.db"
	}
	if c.CaseNumberPrefix == "" {
		c.CaseNumberPrefix = "CHS"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

var prefixPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

// Validate reports whether c, after WithDefaults, is usable.
func (c Config) Validate() error {
	var errs []error
	if !prefixPattern.MatchString(c.CaseNumberPrefix) {
		errs = append(errs, fmt.Errorf("case number prefix %q is not 1 to 10 capital letters or digits starting with a letter", c.CaseNumberPrefix))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("max body %d bytes is under 1 KiB", c.MaxBodyBytes))
	}
	return errors.Join(errs...)
}

// Helpline is the case store and its API.
type Helpline struct {
	cfg Config
	db  *sqldb.DB
	log *slog.Logger
	// caseNumber matches this helpline's case numbers.
	caseNumber *regexp.Regexp
	// ownDB: Open opened the database, so Close closes it.
	ownDB bool
}

// Open opens the database cfg names and brings its schema up to date.
func Open(ctx context.Context, cfg Config) (*Helpline, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, err
	}
	h, err := New(ctx, db, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	h.ownDB = true
	return h, nil
}

// New is Open over a database the caller opened (and closes).
func New(ctx context.Context, db *sqldb.DB, cfg Config) (*Helpline, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return &Helpline{
		cfg:        cfg,
		db:         db,
		log:        cfg.Logger,
		caseNumber: regexp.MustCompile(`^` + cfg.CaseNumberPrefix + `-\d{4}-\d{6,}$`),
	}, nil
}

// Migrate applies the case store's migrations (component "helpline").
func Migrate(ctx context.Context, db *sqldb.DB) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return sqldb.Migrate(ctx, db, "helpline", sub)
}

// DB returns the helpline's database, for the parts of the program that
// keep their own tables beside the cases (webhooks).
func (h *Helpline) DB() *sqldb.DB { return h.db }

// Close closes the database if Open opened it.
func (h *Helpline) Close() error {
	if !h.ownDB {
		return nil
	}
	return h.db.Close()
}
