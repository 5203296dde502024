package sqldb_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

func TestMySQLConfig(t *testing.T) {
	tests := []struct {
		name, dsn      string
		addr, user, pw string
		db             string
	}{
		{"url", "mysql://u:p%40ss@db.example:3307/helpline", "db.example:3307", "u", "p@ss", "helpline"},
		{"url default port", "mysql://u@db.example/helpline", "db.example:3306", "u", "", "helpline"},
		{"native", "mysql:u:pw@tcp(10.0.0.1:3306)/helpline", "10.0.0.1:3306", "u", "pw", "helpline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := sqldb.MySQLConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName}
			if d := cmp.Diff([]string{tt.addr, tt.user, tt.pw, tt.db}, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if !cfg.ParseTime || cfg.Loc != time.UTC {
				t.Errorf("parseTime %v loc %v, want true UTC", cfg.ParseTime, cfg.Loc)
			}
		})
	}
	if _, err := sqldb.Open(context.Background(), "postgres://x/y"); err == nil {
		t.Error("an unknown DSN opened")
	}
}

func TestMigrate(t *testing.T) {
	fsys := os.DirFS("testdata/m")
	for _, d := range sqltest.Dialects {
		t.Run(d, func(t *testing.T) {
			db := sqltest.Open(t, d)
			ctx := context.Background()
			// Several processes starting at once: each runs Migrate.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() { errs[i] = sqldb.Migrate(ctx, db, "widgets", fsys) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := sqldb.Migrate(ctx, db, "widgets", fsys); err != nil {
				t.Fatalf("second start: %v", err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM widget").Scan(&n); err != nil || n != 1 {
				t.Errorf("widgets: %d, %v; want 1 row (the insert ran once)", n, err)
			}
			var name string
			if err := db.QueryRowContext(ctx, "SELECT name FROM widget WHERE id = 1").Scan(&name); err != nil || name != "one;two" {
				t.Errorf("name %q, %v", name, err)
			}
			var versions []int
			rows, err := db.QueryContext(ctx, "SELECT version FROM schema_migrations WHERE component = ? ORDER BY version", "widgets")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v int
				rows.Scan(&v)
				versions = append(versions, v)
			}
			rows.Close()
			if d := cmp.Diff([]int{1, 2}, versions); d != "" {
				t.Errorf("recorded versions (-want +got)\n%s", d)
			}
		})
	}
}

func TestTimeRoundTrip(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d, func(t *testing.T) {
			db := sqltest.Open(t, d)
			ctx := context.Background()
			want := time.Date(2026, 11, 28, 15, 4, 5, 123456000, time.UTC)
			var got sqldb.Time
			q := "SELECT CAST(? AS DATETIME(6))"
			if d == "sqlite" {
				q = "SELECT ?"
			}
			if err := db.QueryRowContext(ctx, q, sqldb.FormatTime(want)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Time.Equal(want) {
				t.Errorf("got %v, want %v", got.Time, want)
			}
		})
	}
}
