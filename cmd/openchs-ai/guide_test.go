package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

// The OpenCHS integration guide's case examples (testdata/guide: the
// guide's code verbatim but for the base URL and key, each script listing
// what it adds) against a running serve and its built-in helpline.

// pythonWith returns a Python interpreter that imports every module.
func pythonWith(t *testing.T, modules ...string) string {
	t.Helper()
	imp := "import " + strings.Join(modules, ", ")
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", imp).Run() == nil {
			return py
		}
	}
	need(t, "a python3 with %s (Debian: python3-%s)", strings.Join(modules, ", "), strings.Join(modules, ", python3-"))
	return ""
}

// createCase creates a case through the helpline's API.
func createCase(t *testing.T, base string, body map[string]any) models.Case {
	t.Helper()
	return helplineCall(t, base, "POST", "/helpline/api/cases", body, 201)
}

func helplineCall(t *testing.T, base, method, path string, body any, want int) models.Case {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("X-API-Key", serviceKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c models.Case
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	if resp.StatusCode != want || json.Unmarshal(raw.Bytes(), &c) != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw.String())
	}
	return c
}

// script runs a guide script and returns its output, failing the test
// when it fails.
func script(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	t.Logf("%s %s:\n%s", filepath.Base(name), filepath.Base(args[0]), out)
	return string(out)
}

func wantLines(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestGuideCaseExamples(t *testing.T) {
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+serviceKey, "--model="+modelArg(t), "--threads=1",
		"--cases-db=sqlite:"+filepath.Join(t.TempDir(), "cases.db"))

	t.Run("curl health check", func(t *testing.T) {
		tool(t, "curl")
		out := script(t, nil, "bash", "testdata/guide/health.sh", s.url, serviceKey)
		wantLines(t, out, "with key: 200", "without key: 401", "wrong key: 401")
	})

	t.Run("python sync and monitor", func(t *testing.T) {
		py := pythonWith(t, "requests")
		var made []models.Case
		for i, p := range []string{"low", "high", "critical"} {
			made = append(made, createCase(t, s.url, map[string]any{
				"title": "Sync case " + p, "category": "abuse", "priority": p,
				"reporter_phone": "+25470000000" + string(rune('1'+i)),
			}))
		}
		// The guide sends datetime.now() without a zone; the helpline
		// reads it as UTC.
		out := script(t, []string{"TZ=UTC"}, py, "testdata/guide/sync.py", s.url, serviceKey)
		for _, c := range made {
			wantLines(t, out, "CRM upsert "+c.CaseNumber+" open "+string(c.Priority)+" 'Sync case "+string(c.Priority)+"'")
		}
		first := made[0].CaseNumber
		wantLines(t, out, "moved "+first+" to in_progress", "Case "+first+" updated to in_progress",
			"monitor would sleep 60s; stopping", "monitor stopped")
		if strings.Contains(out, "Error polling updates") {
			t.Error("the monitor's poll failed")
		}
		if n := strings.Count(out, " updated to "); n != 1 {
			t.Errorf("the monitor reported %d updates, want the one change made after it started", n)
		}
		if got := helplineCall(t, s.url, "GET", "/helpline/api/cases/"+first, nil, 200); got.Status != models.CaseInProgress {
			t.Errorf("case %s is %s after the script", first, got.Status)
		}
	})

	t.Run("python robust client", func(t *testing.T) {
		py := pythonWith(t, "requests")
		out := script(t, nil, py, "testdata/guide/robust.py", s.url, serviceKey)
		m := regexp.MustCompile(`created (\d+) (CHS-\d{4}-\d{6}) open high`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no case created:\n%s", out)
		}
		got := helplineCall(t, s.url, "GET", "/helpline/api/cases/"+m[1], nil, 200)
		if got.CaseNumber != m[2] || got.ReporterPhone != "+254700123456" || got.ReporterEmail != "reporter@example.com" || got.Category != "abuse" {
			t.Errorf("stored case %+v", got)
		}
		wantLines(t, out, "ValueError before any request: Missing required field: category",
			"ValueError before any request: Missing required field: title",
			"ValueError before any request: Missing required field: priority",
			"ValueError before any request: Invalid priority: urgent", "requests sent: 1")
	})

	t.Run("node integration", func(t *testing.T) {
		tool(t, "node")
		cache := os.Getenv("OPENCHS_AI_CACHE")
		if cache == "" {
			cache = filepath.Join(os.Getenv("HOME"), ".cache", "openchs-ai")
		}
		modules := filepath.Join(cache, "node", "node_modules")
		if _, err := os.Stat(filepath.Join(modules, "axios", "package.json")); err != nil {
			need(t, "axios under %s (run scripts/deps.sh test)", modules)
		}
		out := script(t, []string{"NODE_PATH=" + modules}, "node", "testdata/guide/integration.js", s.url, serviceKey)
		m := regexp.MustCompile(`Created case: (CHS-\d{4}-\d{6})`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no case created:\n%s", out)
		}
		wantLines(t, out, "Status: open high +254700123456 reporter@example.com", "Updated: in_progress",
			"Status by number: in_progress", "Failed to create case: Request failed with status code 400",
			"Refused: false Request failed with status code 400")
		if got := helplineCall(t, s.url, "GET", "/helpline/api/cases/"+m[1], nil, 200); got.Status != models.CaseInProgress {
			t.Errorf("case %s is %s after updateCase", m[1], got.Status)
		}
	})
}

// The guide's read-only database access: a serve on a throw-away MariaDB
// database, the guide's user made by scripts/readonly-user.sh, and the
// guide's pymysql and pandas code reading kase and fact_case_daily.
func TestGuideDatabaseExample(t *testing.T) {
	tool(t, "mysql")
	py := pythonWith(t, "pymysql", "pandas")
	dsn := sqltest.MariaDBDSN(t)
	database := dsn[strings.LastIndex(dsn, "/")+1:]
	s := start(t, "serve", "--addr=127.0.0.1:0", "--api-keys="+serviceKey, "--model="+modelArg(t), "--threads=1", "--cases-db="+dsn)

	var open []string
	for i, p := range []string{"low", "medium", "high"} {
		c := createCase(t, s.url, map[string]any{"title": "Database case", "category": "neglect", "priority": p})
		if i == 0 {
			for _, st := range []string{"in_progress", "resolved"} {
				helplineCall(t, s.url, "PUT", "/helpline/api/cases/"+c.ID, map[string]string{"status": st}, 200)
			}
			continue
		}
		open = append(open, c.CaseNumber)
	}

	var b [12]byte
	rand.Read(b[:])
	password := hex.EncodeToString(b[:])
	root, err := sqltest.Root()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := root.Exec("DROP USER IF EXISTS 'external_readonly'@'%'"); err != nil {
			t.Errorf("drop external_readonly: %v", err)
		}
		root.Close()
	})
	script(t, []string{"READONLY_PASSWORD=" + password, "MYSQL_ARGS=-h 127.0.0.1 -P 3306 -u root"},
		"bash", "../../scripts/readonly-user.sh", database)

	out := script(t, nil, py, "testdata/guide/database.py", "127.0.0.1", database, password)
	wantLines(t, out, "Open cases: 2", "Open case numbers: "+strings.Join(open, ","),
		"Metrics totals: new 3 resolved 1", "metric_date", "new_cases", "resolved_cases", "Write refused: 1142")
	if strings.Contains(out, "WRITE ALLOWED") {
		t.Error("the read-only user wrote to kase")
	}
}
