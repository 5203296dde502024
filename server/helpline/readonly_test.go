package helpline_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

// TestReadonlyUser runs scripts/readonly-user.sh on MariaDB: the user it
// makes reads the guide's tables and view, and writes nothing.
func TestReadonlyUser(t *testing.T) {
	if _, err := exec.LookPath("mysql"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the mysql client is missing")
		}
		t.Skip("the mysql client is missing")
	}
	dsn := sqltest.MariaDBDSN(t)
	ctx := context.Background()
	h, err := helpline.Open(ctx, helpline.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	seed(t, h, 3)
	cfg, err := sqldb.MySQLConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}

	var b [4]byte
	_, _ = rand.Read(b[:])
	user, pw := "ro_t_"+hex.EncodeToString(b[:]), "s3cret'pa\\ss"
	root, err := sqltest.Root()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := root.Exec("DROP USER IF EXISTS '" + user + "'@'%'"); err != nil {
			t.Errorf("drop the test user: %v", err)
		}
		root.Close()
	})
	for range 2 { // idempotent
		cmd := exec.Command("bash", "../../scripts/readonly-user.sh", cfg.DBName)
		cmd.Env = append(os.Environ(), "READONLY_USER="+user, "READONLY_PASSWORD="+pw,
			"MYSQL_ARGS=-h 127.0.0.1 -P 3306 -u root")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("readonly-user.sh: %v\n%s", err, out)
		}
	}

	ro := mysql.NewConfig()
	ro.User, ro.Passwd, ro.Net, ro.Addr, ro.DBName = user, pw, "tcp", sqltest.MariaDBAddr, cfg.DBName
	conn, err := mysql.NewConnector(ro)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	for _, q := range []string{
		"SELECT COUNT(*) FROM kase",
		"SELECT COUNT(*) FROM contact",
		"SELECT COUNT(*) FROM kase_activity",
		"SELECT COUNT(*) FROM fact_case_daily WHERE metric_date >= DATE_SUB(CURDATE(), INTERVAL 7 DAY)",
	} {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d, %v", q, n, err)
		}
	}
	for _, q := range []string{
		"INSERT INTO kase (title, description, category, priority, request_fingerprint, created_at, updated_at) VALUES ('x', '', 'abuse', 'low', '', NOW(), NOW())",
		"UPDATE kase SET title = 'x'",
		"DELETE FROM contact",
		"SELECT * FROM kase_clock",
		"SELECT * FROM schema_migrations",
	} {
		_, err := db.ExecContext(ctx, q)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1142 && me.Number != 1143 {
			t.Errorf("%s: %v, want a refusal (1142)", strings.Fields(q)[0]+" "+strings.Fields(q)[2], err)
		}
	}
}
