// Package sqltest gives tests throw-away helpline databases: a SQLite file
// in the test's temporary directory and a fresh database on the local
// MariaDB, so every store test runs against both dialects.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// MariaDBAddr is where tests expect MariaDB: root with an empty password
// (scripts/deps.sh test sets it up).
const MariaDBAddr = "127.0.0.1:3306"

// Databases returns one open database per dialect, keyed "sqlite" and
// "mysql", closed and (for MariaDB) dropped when the test ends. Without a
// reachable MariaDB the test is skipped locally and fails in CI (CI=true).
func Databases(t testing.TB) map[string]*sqldb.DB {
	t.Helper()
	return map[string]*sqldb.DB{
		string(sqldb.SQLite): SQLite(t),
		string(sqldb.MySQL):  MariaDB(t),
	}
}

// DSNs is Databases' DSNs without opening them, for code that opens its
// own database (helpline.Open).
func DSNs(t testing.TB) map[string]string {
	t.Helper()
	return map[string]string{
		string(sqldb.SQLite): SQLiteDSN(t),
		string(sqldb.MySQL):  MariaDBDSN(t),
	}
}

// Dialects lists the dialects tests run against, for
//
//	for _, d := range sqltest.Dialects {
//		t.Run(d, func(t *testing.T) { db := sqltest.Open(t, d); ... })
//	}
//
// where a missing MariaDB skips (or, in CI, fails) only its own subtest.
var Dialects = []string{string(sqldb.SQLite), string(sqldb.MySQL)}

// Open returns a new database of the dialect.
func Open(t testing.TB, dialect string) *sqldb.DB {
	t.Helper()
	return open(t, DSN(t, dialect))
}

// DSN returns the DSN of a new database of the dialect.
func DSN(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case string(sqldb.SQLite):
		return SQLiteDSN(t)
	case string(sqldb.MySQL):
		return MariaDBDSN(t)
	}
	t.Fatalf("no test database of dialect %q", dialect)
	return ""
}

// SQLiteDSN names a new SQLite file in the test's temporary directory.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return "sqlite:" + t.TempDir() + "/helpline.db"
}

// SQLite opens a new SQLite database in the test's temporary directory.
func SQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	return open(t, SQLiteDSN(t))
}

// MariaDB opens a new, empty database on the local MariaDB.
func MariaDB(t testing.TB) *sqldb.DB {
	t.Helper()
	return open(t, MariaDBDSN(t))
}

// MariaDBDSN creates a database named openchs_ai_t_<random> on the local
// MariaDB, to be dropped when the test ends, and returns its mysql:// DSN.
func MariaDBDSN(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if err := root.PingContext(ctx); err != nil {
		root.Close()
		need(t, "MariaDB at %s (root, empty password): %v", MariaDBAddr, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "openchs_ai_t_" + hex.EncodeToString(b[:])
	if _, err := root.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		root.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := root.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		root.Close()
	})
	return "mysql://root@" + MariaDBAddr + "/" + name
}

// Root opens a connection pool to the local MariaDB as root, on no
// database in particular.
func Root() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "tcp"
	cfg.Addr = MariaDBAddr
	cfg.Timeout = 2 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

func open(t testing.TB, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// need skips a test whose dependency is missing, or fails it in CI.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}
