// Package sqldb opens the helpline's SQL database, SQLite or MariaDB/MySQL,
// and applies versioned, embedded migrations to it.
//
// A DSN takes one of these forms:
//
//	sqlite:/var/lib/openchs-ai/helpline.db   SQLite file (created if missing)
//	/var/lib/openchs-ai/helpline.db          the same: a bare path ending in .db
//	mysql://user:pass@host:3306/helpline     MariaDB or MySQL (port defaults to 3306)
//	mysql:user:pass@tcp(host:3306)/helpline  go-sql-driver's own DSN after "mysql:"
//
// Query parameters of a mysql:// URL are passed to the driver. Whatever the
// form, MySQL connections use parseTime=true, loc=UTC and utf8mb4.
//
// SQLite is reached through modernc.org/sqlite, a pure-Go translation of
// SQLite: no cgo, so the helpline builds and tests without the C toolchain
// the whisper engine needs. It runs in WAL mode (readers never wait for the
// writer) with foreign keys on and a busy timeout, and every transaction
// begins IMMEDIATE, taking the single writer lock up front rather than
// failing with SQLITE_BUSY when it upgrades from reading to writing. In one
// process, WriteTx also queues writers on a mutex, so concurrent API writers
// wait their turn instead of spinning in SQLite's busy handler.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour of a database.
type Dialect string

// Dialects.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is one pool of connections to the helpline database and its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// writes queues this process's SQLite writers (unused for MySQL).
	writes sync.Mutex
}

// Open opens the database dsn names (see the package doc for the forms)
// and checks that it answers.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//"))
	case strings.HasPrefix(dsn, "mysql:"):
		db, err = openMySQL(dsn)
	case strings.HasSuffix(dsn, ".db"):
		db, err = openSQLite(dsn)
	default:
		return nil, fmt.Errorf("database DSN %q: want sqlite:/path/file.db, a path ending in .db, or mysql://user:pass@host:port/dbname", redact(dsn))
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach %s database %s: %w", db.Dialect, redact(dsn), err)
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite DSN: the file path is empty")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Readers run in parallel under WAL; writers are one at a time anyway.
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(16)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: sdb, Dialect: SQLite}, nil
}

// MySQLConfig translates a mysql: DSN (URL or the driver's native form)
// into the driver's configuration, with parseTime, UTC and utf8mb4 set.
func MySQLConfig(dsn string) (*mysql.Config, error) {
	rest := strings.TrimPrefix(dsn, "mysql:")
	var cfg *mysql.Config
	if strings.HasPrefix(rest, "//") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("mysql DSN: %v", redactErr(err))
		}
		cfg = mysql.NewConfig()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = u.Hostname() + ":3306"
		}
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if cfg.DBName == "" {
			return nil, errors.New("mysql DSN: no database name after the host")
		}
		if len(u.Query()) > 0 {
			cfg.Params = map[string]string{}
			for k, v := range u.Query() {
				if k == "charset" || k == "collation" || k == "parseTime" || k == "loc" {
					continue
				}
				cfg.Params[k] = v[len(v)-1]
			}
		}
	} else {
		var err error
		if cfg, err = mysql.ParseDSN(rest); err != nil {
			return nil, fmt.Errorf("mysql DSN: %w", err)
		}
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci")); err != nil {
		return nil, fmt.Errorf("mysql DSN: %w", err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Every session stores and compares times in UTC.
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

func openMySQL(dsn string) (*DB, error) {
	cfg, err := MySQLConfig(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql DSN: %w", err)
	}
	sdb := sql.OpenDB(conn)
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(32)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	return &DB{DB: sdb, Dialect: MySQL}, nil
}

// WriteTx runs fn in a transaction and commits it when fn returns nil. On
// SQLite the transaction begins IMMEDIATE and this process's writers queue
// for it one at a time; on MySQL it runs at READ COMMITTED, so each
// statement sees what committed before it.
func (db *DB) WriteTx(ctx context.Context, fn func(*sql.Tx) error) error {
	var opts *sql.TxOptions
	if db.Dialect == SQLite {
		db.writes.Lock()
		defer db.writes.Unlock()
	} else {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsDuplicate reports whether err is a unique-constraint violation.
func IsDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062 // ER_DUP_ENTRY
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// TimeLayout is how times are written to the database: UTC, fixed width,
// microseconds. SQLite keeps it as TEXT that sorts in time order and that
// its date functions read; MySQL parses it into DATETIME(6).
const TimeLayout = "2006-01-02 15:04:05.000000"

// FormatTime renders t for a query parameter or a column.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Time scans a time column from either dialect (a time.Time from MySQL,
// TEXT in TimeLayout from SQLite).
type Time struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = Time{}
		return nil
	case time.Time:
		*t = Time{v.UTC(), true}
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("scan time from %T", src)
}

func (t *Time) parse(s string) error {
	for _, layout := range []string{TimeLayout, "2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02"} {
		if v, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			*t = Time{v.UTC(), true}
			return nil
		}
	}
	return fmt.Errorf("scan time from %q", s)
}

// redact hides a DSN's password.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	if i, j := strings.Index(dsn, ":"), strings.LastIndex(dsn, "@"); strings.HasPrefix(dsn, "mysql:") && j > 0 {
		if k := strings.Index(dsn[i+1:j], ":"); k >= 0 {
			return dsn[:i+1+k+1] + "xxxxx" + dsn[j:]
		}
	}
	return dsn
}

// redactErr drops a url.Error's URL, which may hold a password.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
