package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrate brings component's schema up to date: it applies, in version
// order, each file NNNN_name.sql in fsys's directory for db's dialect
// ("sqlite/" or "mysql/") that schema_migrations does not yet record for
// component, each in its own transaction that also records it.
//
// Statements in a file end with ';' at the end of a line (no triggers or
// procedures with inner ';' line ends).
//
// Two processes may start at once: on MySQL they take turns on a named
// lock (GET_LOCK); on SQLite each migration's transaction begins
// IMMEDIATE, holding the writer lock, and checks again inside it whether
// the version is applied.
//
// MySQL commits implicitly around DDL (CREATE, ALTER, DROP), so there a
// migration is not atomic: if one fails halfway, the statements before the
// failure stay applied while the version is not recorded, and the next
// start runs the whole file again. Migrations for MySQL are therefore
// written to be re-runnable (CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE
// VIEW, ...). On SQLite DDL is transactional and a failed migration leaves
// nothing behind.
func Migrate(ctx context.Context, db *DB, component string, fsys fs.FS) error {
	files, err := migrations(fsys, string(db.Dialect))
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", component, err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	defer conn.Close()

	if db.Dialect == MySQL {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('openchs_ai_migrate', 120)").Scan(&got); err != nil {
			return fmt.Errorf("migrate %s: take the migration lock: %w", component, err)
		}
		if got.Int64 != 1 {
			return fmt.Errorf("migrate %s: another process held the migration lock for 2 minutes", component)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('openchs_ai_migrate')")
		if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	component VARCHAR(64) NOT NULL,
	version INT NOT NULL,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME(6) NOT NULL,
	PRIMARY KEY (component, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`); err != nil {
			return fmt.Errorf("migrate %s: create schema_migrations: %w", component, err)
		}
	} else {
		// The IMMEDIATE transaction serializes creators across processes.
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", component, err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	PRIMARY KEY (component, version)
)`); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: create schema_migrations: %w", component, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", component, err)
		}
	}

	for _, m := range files {
		if err := apply(ctx, conn, component, m); err != nil {
			return fmt.Errorf("migrate %s to version %d (%s): %w", component, m.version, m.name, err)
		}
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([A-Za-z0-9_\-]+)\.sql$`)

// migrations reads dir's NNNN_name.sql files in version order.
func migrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("%s: a migration file is named NNNN_name.sql", path.Join(dir, e.Name()))
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("%s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// apply runs one migration unless it is already recorded.
func apply(ctx context.Context, conn *sql.Conn, component string, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?",
		component, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for i, stmt := range statements(m.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("statement %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
		component, m.version, m.name, FormatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// statements splits a migration at the ';' that end lines, dropping
// comment-only lines.
func statements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			if s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
