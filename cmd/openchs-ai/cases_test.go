package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb/sqltest"
)

// runCasesCmd runs "openchs-ai cases ARGS" with the environment vars and
// stdin.
func runCasesCmd(t *testing.T, vars map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"cases"}, args...), env{
		getenv: func(k string) string { return vars[k] },
		stdin:  strings.NewReader(stdin),
		stdout: &out, stderr: &errb,
	})
	return out.String(), errb.String(), err
}

const casesCSV = `case_number,title,description,category,priority,reporter_phone,created_at,status
CLI-1,Child safety concern,Caller reported concern,abuse,high,+254700123456,2025-02-01 09:00:00,open
CLI-2,School fees,,information,low,+254700123457,2025-02-02,resolved
CLI-3,Bad row,,abuse,urgent,,2025-02-03,open
CLI-4,Neglect at home,"Two lines
of description",neglect,critical,,2024-12-31T23:00:00Z,in_progress
`

func TestCasesCommand(t *testing.T) {
	for _, d := range sqltest.Dialects {
		t.Run(d, func(t *testing.T) {
			vars := map[string]string{"OPENCHS_AI_CASES_DB": sqltest.DSN(t, d)}
			file := filepath.Join(t.TempDir(), "cases.csv")
			if err := os.WriteFile(file, []byte(casesCSV), 0o600); err != nil {
				t.Fatal(err)
			}

			out, errOut, err := runCasesCmd(t, vars, "", "import", file)
			if err == nil || !strings.Contains(err.Error(), "1 rows were not imported") {
				t.Errorf("import with a bad row: err %v, want one failed row", err)
			}
			var res struct {
				Imported, Skipped, Failed int
				Errors                    []struct {
					Line  int
					Error string
				}
			}
			if json.Unmarshal([]byte(out), &res) != nil || res.Imported != 3 || res.Failed != 1 ||
				len(res.Errors) != 1 || res.Errors[0].Line != 4 || !strings.Contains(res.Errors[0].Error, "urgent") {
				t.Fatalf("import printed %s (stderr %s)", out, errOut)
			}
			// Again, from stdin, with the flag after the argument: nothing new.
			out, _, _ = runCasesCmd(t, map[string]string{}, casesCSV, "import", "-", "--cases-db", vars["OPENCHS_AI_CASES_DB"])
			if json.Unmarshal([]byte(out), &res) != nil || res.Imported != 0 || res.Skipped != 3 {
				t.Errorf("import again printed %s", out)
			}

			out, _, err = runCasesCmd(t, vars, "", "list")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"CASE NUMBER", "CLI-1", "CLI-2", "CLI-4", "Neglect at home"} {
				if !strings.Contains(out, want) {
					t.Errorf("list lacks %q:\n%s", want, out)
				}
			}
			for _, tt := range []struct {
				args []string
				want []string
			}{
				{[]string{"--status", "resolved"}, []string{"CLI-2"}},
				{[]string{"--priority", "critical"}, []string{"CLI-4"}},
				{[]string{"--category", "abuse"}, []string{"CLI-1"}},
				{[]string{"--updated-since", "2999-01-01"}, nil},
				{[]string{"--limit", "2"}, []string{"CLI-1", "CLI-2"}},
			} {
				out, _, err := runCasesCmd(t, vars, "", append([]string{"list", "--json"}, tt.args...)...)
				if err != nil {
					t.Fatalf("list %v: %v", tt.args, err)
				}
				var cases []models.Case
				if err := json.Unmarshal([]byte(out), &cases); err != nil {
					t.Fatalf("list %v printed %s", tt.args, out)
				}
				var got []string
				for _, c := range cases {
					got = append(got, c.CaseNumber)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("list %v = %v, want %v", tt.args, got, tt.want)
				}
			}

			out, _, err = runCasesCmd(t, vars, "", "show", "CLI-4")
			var shown struct {
				models.Case
				Activity []struct{ Action, Note string }
			}
			if err != nil || json.Unmarshal([]byte(out), &shown) != nil {
				t.Fatalf("show: %v %s", err, out)
			}
			if shown.Description != "Two lines\nof description" || shown.Status != "in_progress" ||
				len(shown.Activity) != 1 || shown.Activity[0].Action != "imported" {
				t.Errorf("show CLI-4 = %s", out)
			}
			if _, _, err := runCasesCmd(t, vars, "", "show", shown.ID); err != nil {
				t.Errorf("show by id %s: %v", shown.ID, err)
			}

			exportFile := filepath.Join(t.TempDir(), "out.json")
			_, errOut, err = runCasesCmd(t, vars, "", "export", "--status", "resolved", "--created-after", "2025-01-01", "-o", exportFile)
			b, _ := os.ReadFile(exportFile)
			var exported []models.Case
			if err != nil || json.Unmarshal(b, &exported) != nil || len(exported) != 1 || exported[0].CaseNumber != "CLI-2" {
				t.Errorf("export --status resolved --created-after 2025-01-01: %v, %s (stderr %s)", err, b, errOut)
			}
			out, _, err = runCasesCmd(t, vars, "", "export", "--format", "csv")
			if err != nil || !strings.HasPrefix(out, "case_number,title,description,category,priority,reporter_phone,created_at,") ||
				strings.Count(out, "CLI-") != 3 {
				t.Errorf("export --format csv: %v\n%s", err, out)
			}
		})
	}
}

func TestCasesCommandRejects(t *testing.T) {
	vars := map[string]string{"OPENCHS_AI_CASES_DB": "sqlite:" + filepath.Join(t.TempDir(), "cases.db")}
	noHeader := filepath.Join(t.TempDir(), "noheader.csv")
	os.WriteFile(noHeader, []byte("CLI-1,Title,,abuse,high,,2025-01-01\n"), 0o600)
	for _, tt := range []struct {
		name      string
		args      []string
		wantUsage bool
		inMsg     string
	}{
		{"unknown subcommand", []string{"delete", "1"}, true, "delete"},
		{"show without id", []string{"show"}, true, "case id"},
		{"import two files", []string{"import", "a.csv", "b.csv"}, true, "CSV file"},
		{"bad status", []string{"list", "--status", "done"}, true, "done"},
		{"bad time", []string{"export", "--created-after", "soon"}, true, "created-after"},
		{"bad format", []string{"export", "--format", "xml"}, true, "xml"},
		{"bad limit", []string{"list", "--limit", "0"}, true, "limit"},
		{"unknown case", []string{"show", "CHS-2025-999999"}, false, "no case"},
		{"missing file", []string{"import", "/nonexistent.csv"}, false, "nonexistent"},
		{"no header", []string{"import", noHeader}, false, "not one of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCasesCmd(t, vars, "", tt.args...)
			if err == nil {
				t.Fatal("succeeded")
			}
			var u usageError
			if errors.As(err, &u) != tt.wantUsage || !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %v (usage %v), want usage=%v mentioning %q", err, errors.As(err, &u), tt.wantUsage, tt.inMsg)
			}
		})
	}
}

// Without --cases-db or its variable, the command uses the file serve
// uses: cases.db in the data directory.
func TestCasesCommandDefaultDB(t *testing.T) {
	data := t.TempDir()
	vars := map[string]string{"OPENCHS_AI_DATA": data}
	if _, _, err := runCasesCmd(t, vars, casesCSV, "import", "-"); err == nil {
		t.Error("import with a bad row succeeded")
	}
	if _, err := os.Stat(filepath.Join(data, "cases.db")); err != nil {
		t.Errorf("no cases.db in the data directory: %v", err)
	}
	out, _, err := runCasesCmd(t, vars, "", "list", "--json")
	if err != nil || strings.Count(out, `"case_number"`) != 3 {
		t.Errorf("list from the default database: %v %s", err, out)
	}
}
