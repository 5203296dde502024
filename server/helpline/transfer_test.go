package helpline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

type importReply struct {
	Imported   int                    `json:"imported"`
	Skipped    int                    `json:"skipped"`
	Failed     int                    `json:"failed"`
	Errors     []helpline.ImportError `json:"errors"`
	ErrorCount int                    `json:"error_count"`
}

func (e *env) importCSV(t testing.TB, body string) importReply {
	t.Helper()
	r := e.do(t, "POST", "/helpline/api/cases/import", body, "Content-Type", "text/csv")
	if r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	var out importReply
	r.decode(t, &out)
	return out
}

func count(t testing.TB, db *sqldb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// A file with one bad row in ten: the good rows are imported, every bad
// one is reported with its line and leaves nothing behind, and importing
// the file again creates nothing.
func TestImportBadRows(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var b strings.Builder
		b.WriteString("case_number,title,description,category,priority,reporter_phone,created_at\n")
		bad := map[int]string{} // line → what the error says
		for i := 1; i <= 100; i++ {
			line := i + 1
			num := fmt.Sprintf("EXT-%04d", i)
			phone := fmt.Sprintf("+2547%08d", i)
			title, category, priority, created := fmt.Sprintf("Case %d", i), "abuse", "high", "2025-03-04 10:11:12"
			row := ""
			switch i % 10 {
			case 3:
				switch i / 10 {
				case 0:
					title, bad[line] = "", "title is required"
				case 1:
					category, bad[line] = "", "category is required"
				case 2:
					priority, bad[line] = "", "priority is required"
				case 3:
					priority, bad[line] = "urgent", `priority "urgent"`
				case 4:
					created, bad[line] = "04/03/2025", `created_at "04/03/2025"`
				case 5:
					created, bad[line] = "2025-02-30", `created_at "2025-02-30"`
				case 6:
					row, bad[line] = fmt.Sprintf("%s,%s,desc,abuse,high\n", num, title), "5 columns, the header has 7"
				case 7:
					row, bad[line] = fmt.Sprintf("%s,%s,desc,abuse,high,%s,2025-01-01,extra\n", num, title, phone), "8 columns"
				case 8:
					num, bad[line] = "", "case_number is required"
				case 9:
					created, bad[line] = "yesterday", `created_at "yesterday"`
				}
			case 5:
				created = "2025-03-04T10:11:12+03:00"
			case 7:
				created = "2025-03-04"
			}
			if row == "" {
				row = fmt.Sprintf("%s,%s,\"Line one, with a comma\nand a second line\",%s,%s,%s,%s\n", num, title, category, priority, phone, created)
			}
			b.WriteString(row)
		}
		// Each row spans two lines (its description has a line break)
		// except the short ones: recompute the lines the reader sees.
		bad = relines(t, b.String(), bad)

		got := e.importCSV(t, b.String())
		if got.Imported != 90 || got.Skipped != 0 || got.Failed != 10 || got.ErrorCount != 10 {
			t.Fatalf("import = %+v, want 90 imported, 10 failed", got)
		}
		checkErrors(t, got.Errors, bad)
		db := e.h.DB()
		if n := count(t, db, "SELECT COUNT(*) FROM kase"); n != 90 {
			t.Errorf("%d cases stored, want 90", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM kase_activity"); n != 90 {
			t.Errorf("%d activity rows, want 90", n)
		}
		// Nothing of a bad row: its reporter is not stored either.
		if n := count(t, db, "SELECT COUNT(*) FROM contact"); n != 90 {
			t.Errorf("%d contacts, want 90 (one per good row)", n)
		}
		// An imported case keeps its number, and is found by it.
		if c, err := e.h.GetCase(context.Background(), "EXT-0005"); err != nil || c.Title != "Case 5" {
			t.Errorf("case EXT-0005: %+v, %v", c, err)
		}
		var list []models.Case
		e.do(t, "GET", "/helpline/api/cases?limit=1000", nil).decode(t, &list)
		byNumber := map[string]models.Case{}
		for _, c := range list {
			byNumber[c.CaseNumber] = c
		}
		for num, want := range map[string]string{
			"EXT-0001": "2025-03-04T10:11:12Z", "EXT-0005": "2025-03-04T07:11:12Z", "EXT-0007": "2025-03-04T00:00:00Z",
		} {
			c, ok := byNumber[num]
			if !ok {
				t.Errorf("%s not imported", num)
				continue
			}
			if got := c.CreatedAt.Format(time.RFC3339); got != want {
				t.Errorf("%s created_at %s, want %s", num, got, want)
			}
			if c.Status != models.CaseOpen || c.Description != "Line one, with a comma\nand a second line" || c.Source != "import" {
				t.Errorf("%s imported as %+v", num, c)
			}
		}

		again := e.importCSV(t, b.String())
		if again.Imported != 0 || again.Skipped != 90 || again.Failed != 10 {
			t.Errorf("import again = %+v, want 0 imported, 90 skipped, 10 failed", again)
		}
		checkErrors(t, again.Errors, bad)
		if n := count(t, db, "SELECT COUNT(*) FROM kase"); n != 90 {
			t.Errorf("after importing again %d cases, want 90", n)
		}
	})
}

// relines maps the errors keyed by row number (i+1) to the line each row
// starts on.
func relines(t *testing.T, file string, byRow map[int]string) map[int]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(file))
	r.FieldsPerRecord = -1
	out := map[int]string{}
	for row := 1; ; row++ {
		if _, err := r.Read(); err != nil {
			break
		}
		line, _ := r.FieldPos(0)
		if msg, ok := byRow[row]; ok {
			out[line] = msg
		}
	}
	if len(out) != len(byRow) {
		t.Fatalf("relines: %d of %d rows found", len(out), len(byRow))
	}
	return out
}

func checkErrors(t *testing.T, got []helpline.ImportError, want map[int]string) {
	t.Helper()
	seen := map[int]bool{}
	for _, e := range got {
		w, ok := want[e.Line]
		switch {
		case !ok:
			t.Errorf("error on line %d, which is good: %s", e.Line, e.Error)
		case !strings.Contains(e.Error, w):
			t.Errorf("line %d: error %q, want it to say %q", e.Line, e.Error, w)
		}
		seen[e.Line] = true
	}
	for line, w := range want {
		if !seen[line] {
			t.Errorf("line %d (%s) not reported", line, w)
		}
	}
}

// A batch that fails to write rolls back alone, and is reported by its
// lines; the next import of the file brings its rows in.
func TestImportFailedBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		db := e.h.DB()
		trigger := `CREATE TRIGGER boom BEFORE INSERT ON kase WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`
		if db.Dialect == sqldb.MySQL {
			trigger = `CREATE TRIGGER boom BEFORE INSERT ON kase FOR EACH ROW BEGIN
IF NEW.title = 'boom' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom refused'; END IF; END`
		}
		if _, err := db.Exec(trigger); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("case_number,title,category,priority,reporter_phone\n")
		for i := 1; i <= 30; i++ {
			title := fmt.Sprintf("Case %d", i)
			if i == 15 {
				title = "boom"
			}
			fmt.Fprintf(&b, "B-%d,%s,abuse,low,+25471%07d\n", i, title, i)
		}
		ctx := context.Background()
		res, err := e.h.ImportCSV(ctx, strings.NewReader(b.String()), helpline.ImportOptions{BatchSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 20 || res.Failed != 10 || res.ErrorCount != 1 || len(res.Errors) != 1 ||
			res.Errors[0].Line != 12 || !strings.Contains(res.Errors[0].Error, "lines 12 to 21") {
			t.Fatalf("import = %+v, want 20 imported and lines 12 to 21 reported", res)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM contact"); n != 20 {
			t.Errorf("%d contacts, want 20: the failed batch left some", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM kase WHERE case_number IN ('B-11', 'B-14', 'B-16', 'B-20')"); n != 0 {
			t.Errorf("%d cases of the failed batch stored", n)
		}
		if _, err := db.Exec("DROP TRIGGER boom"); err != nil {
			t.Fatal(err)
		}
		res, err = e.h.ImportCSV(ctx, strings.NewReader(b.String()), helpline.ImportOptions{BatchSize: 10})
		if err != nil || res.Imported != 10 || res.Skipped != 20 || res.Failed != 0 {
			t.Fatalf("import again = %+v, %v; want the 10 failed rows imported, 20 skipped", res, err)
		}
	})
}

func TestImportRefusesFile(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tt := range []struct {
		name, body, contentType string
		status                  int
		code, inMsg             string
	}{
		{"empty", "", "text/csv", 400, "invalid_csv", "empty"},
		{"no header", "EXT-1,Title,desc,abuse,high,+254700000000,2025-01-01\n", "text/csv", 400, "invalid_csv", "is not one of"},
		{"unknown column", "case_number,title,category,priority,colour\n", "text/csv", 400, "invalid_csv", "colour"},
		{"repeated column", "case_number,title,category,priority,title\n", "text/csv", 400, "invalid_csv", "twice"},
		{"missing key", "title,category,priority\n", "text/csv", 400, "invalid_csv", "case_number"},
		{"JSON body", `[{"title": "x"}]`, "application/json", 415, "unsupported_media_type", "text/csv"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "POST", "/helpline/api/cases/import", tt.body, "Content-Type", tt.contentType)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if code, _ := r.errCode(t); code != tt.code || !strings.Contains(string(r.body), tt.inMsg) {
				t.Errorf("reply %s, want code %s mentioning %q", r.body, tt.code, tt.inMsg)
			}
		})
	}
	if n := count(t, e.h.DB(), "SELECT COUNT(*) FROM kase"); n != 0 {
		t.Errorf("%d cases stored from refused files", n)
	}
}

// Cases exported from one store and imported into an empty one are the
// same cases, whichever dialects the two stores use.
func TestExportImportRoundTrip(t *testing.T) {
	for _, from := range []string{"sqlite", "mysql"} {
		for _, to := range []string{"sqlite", "mysql"} {
			t.Run(from+"_to_"+to, func(t *testing.T) {
				src, dst := newEnv(t, from), newEnv(t, to)
				seedCases(t, src)
				r := src.do(t, "GET", "/helpline/api/cases/export?format=csv", nil)
				if r.status != 200 {
					t.Fatalf("export: %d %s", r.status, r.body)
				}
				got := dst.importCSV(t, string(r.body))
				if got.Imported != 6 || got.Failed != 0 {
					t.Fatalf("import of the export = %+v", got)
				}
				want, have := exportJSON(t, src, ""), exportJSON(t, dst, "")
				// Everything but updated_at, the import's own change stamp.
				opt := cmpopts.IgnoreFields(models.Case{}, "UpdatedAt")
				if diff := cmp.Diff(want, have, opt); diff != "" {
					t.Errorf("round trip (-exported +imported):\n%s", diff)
				}
				// A case made after the import does not collide with an
				// imported number.
				n := dst.do(t, "POST", "/helpline/api/cases", map[string]any{"title": "After", "category": "abuse", "priority": "low"})
				if n.status != 201 {
					t.Errorf("create after import: %d %s", n.status, n.body)
				}
			})
		}
	}
}

// seedCases makes six cases with every field an export carries, in every
// status.
func seedCases(t *testing.T, e *env) {
	t.Helper()
	d := 42.5
	for i, st := range []models.CaseStatus{"open", "in_progress", "resolved", "closed", "resolved", "open"} {
		body := map[string]any{
			"title": fmt.Sprintf("Case %d, \"quoted\"", i), "description": "Caller said:\nline two, with commas",
			"category": []string{"abuse", "neglect"}[i%2], "sub_category": "physical", "priority": []string{"low", "medium", "high", "critical"}[i%4],
			"reporter_phone": fmt.Sprintf("+2547001234%02d", i%3), "reporter_email": fmt.Sprintf("r%d@example.com", i%3),
		}
		if i%2 == 0 {
			body["external_ref"] = fmt.Sprintf("task-%d", i)
			body["source"] = "ai"
			body["language"] = "sw"
			body["duration_s"] = d
			body["ai_models"] = map[string]string{"transcriber": "tiny-q8_0@c2085835"}
			body["assigned_to"] = "counsellor-1"
		}
		r := e.do(t, "POST", "/helpline/api/cases", body)
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var c models.Case
		r.decode(t, &c)
		path := []models.CaseStatus{"in_progress", "resolved", "closed"}
		for _, s := range path {
			if c.Status == st {
				break
			}
			if r := e.do(t, "PUT", "/helpline/api/cases/"+c.ID, map[string]any{"status": s}); r.status != 200 {
				t.Fatalf("move to %s: %d %s", s, r.status, r.body)
			}
			c.Status = s
		}
	}
}

func exportJSON(t *testing.T, e *env, query string) []models.Case {
	t.Helper()
	r := e.do(t, "GET", "/helpline/api/cases/export"+query, nil)
	if r.status != 200 {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="cases_export_\d{4}-\d\d-\d\d_\d{6}\.json"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	var out []models.Case
	r.decode(t, &out)
	return out
}

func TestExportFilters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		seedCases(t, e)
		// Enough imported cases for several export pages.
		var b strings.Builder
		b.WriteString("case_number,title,category,priority,status,created_at\n")
		for i := range 2500 {
			fmt.Fprintf(&b, "OLD-%d,Old case,neglect,medium,resolved,2024-06-%02d\n", i, 1+i%28)
		}
		if got := e.importCSV(t, b.String()); got.Imported != 2500 {
			t.Fatalf("import: %+v", got)
		}
		all := exportJSON(t, e, "")
		if len(all) != 2506 {
			t.Fatalf("export of everything: %d cases, want 2506", len(all))
		}
		for i := 1; i < len(all); i++ {
			a, _ := strconv.Atoi(all[i-1].ID)
			b, _ := strconv.Atoi(all[i].ID)
			if a >= b {
				t.Fatalf("export not in id order at %d: %s then %s", i, all[i-1].ID, all[i].ID)
			}
		}
		for _, tt := range []struct {
			query string
			want  int
		}{
			{"?status=resolved&created_after=2025-01-01", 2}, // the guide's CaseExporter example
			{"?status=resolved", 2502},
			{"?created_after=2024-06-28", 6 + 89},
			{"?priority=critical", 1},
			{"?category=neglect&priority=medium", 2502},
			{"?updated_since=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), 2506},
			{"?updated_since=2999-01-01", 0},
		} {
			got := exportJSON(t, e, tt.query)
			if len(got) != tt.want {
				t.Errorf("export%s: %d cases, want %d", tt.query, len(got), tt.want)
			}
		}
		for _, q := range []string{"?status=done", "?priority=urgent", "?created_after=soon", "?format=xml"} {
			if r := e.do(t, "GET", "/helpline/api/cases/export"+q, nil); r.status != 400 {
				t.Errorf("export%s: %d, want 400", q, r.status)
			}
		}
	})
}

// TestImportRate imports a generated CSV of OPENCHS_AI_IMPORT_BENCH_ROWS
// rows (1000000 for the figures in the report) through the API on each
// dialect and logs rows per second and the heap's high-water mark; it is
// skipped unless the variable is set.
//
//	OPENCHS_AI_IMPORT_BENCH_ROWS=1000000 go test -run TestImportRate -v -timeout 30m ./server/helpline/
func TestImportRate(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("OPENCHS_AI_IMPORT_BENCH_ROWS"))
	if rows <= 0 {
		t.Skip("set OPENCHS_AI_IMPORT_BENCH_ROWS to run")
	}
	path := filepath.Join(t.TempDir(), "cases.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"case_number", "title", "description", "category", "priority", "reporter_phone", "created_at"})
	prio := []string{"low", "medium", "high", "critical"}
	for i := range rows {
		w.Write([]string{fmt.Sprintf("IMP-%07d", i), fmt.Sprintf("Imported case %d", i),
			"Caller reported a concern about a child's welfare at school, follow up needed.",
			"abuse", prio[i%4], fmt.Sprintf("+2547%08d", i%200000), fmt.Sprintf("2025-%02d-%02d 10:00:00", 1+i%12, 1+i%28)})
	}
	w.Flush()
	f.Close()
	st, _ := os.Stat(path)
	for _, d := range []string{"sqlite", "mysql"} {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d)
			var peak atomic.Uint64
			done := make(chan struct{})
			go func() {
				var ms runtime.MemStats
				for {
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
					select {
					case <-done:
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
			}()
			body, _ := os.Open(path)
			defer body.Close()
			req, _ := http.NewRequest("POST", e.srv.URL+"/helpline/api/cases/import", body)
			req.Header.Set("X-API-Key", testKey)
			req.Header.Set("Content-Type", "text/csv")
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var res importReply
			var raw bytes.Buffer
			raw.ReadFrom(resp.Body)
			resp.Body.Close()
			took := time.Since(start)
			close(done)
			if err := json.Unmarshal(raw.Bytes(), &res); err != nil || res.Imported != rows {
				t.Fatalf("import: %d %s", resp.StatusCode, raw.String())
			}
			t.Logf("%s: %d rows (%.0f MB) in %v: %.0f rows/s; heap high-water %d MB",
				d, rows, float64(st.Size())/1e6, took.Round(time.Millisecond), float64(rows)/took.Seconds(), peak.Load()>>20)
		})
	}
}

// An import matches reporters to contacts as case creation does: the
// same rows, created one by one through the API or imported in batches,
// leave the same contacts.
func TestImportContactsMatchCreation(t *testing.T) {
	pairs := [][2]string{
		{"+254700000001", ""}, {"+254700000001", "a@example.com"}, {"", "a@example.com"},
		{"+254700000001", "b@example.com"}, {"+254700000002", "b@example.com"}, {"", "c@example.com"},
		{"+254700000003", "c@example.com"}, {"+254700000003", ""}, {"+254700000004", "d@example.com"},
		{"", ""}, {"+254 700 000 004", "D@example.com"}, {"+254700000005", "c@example.com"},
		{"+254700000001", ""}, {"", "b@example.com"},
	}
	for _, d := range []string{"sqlite", "mysql"} {
		t.Run(d, func(t *testing.T) {
			created, imported := newEnv(t, d), newEnv(t, d)
			var b strings.Builder
			b.WriteString("case_number,title,category,priority,reporter_phone,reporter_email\n")
			for i, p := range pairs {
				r := created.do(t, "POST", "/helpline/api/cases", map[string]any{"title": fmt.Sprint(i), "category": "abuse", "priority": "low",
					"reporter_phone": p[0], "reporter_email": p[1]})
				if r.status != 201 {
					t.Fatalf("create: %d %s", r.status, r.body)
				}
				fmt.Fprintf(&b, "R-%d,%d,abuse,low,%s,%s\n", i, i, p[0], p[1])
			}
			for _, size := range []int{3, 1000} {
				res, err := imported.h.ImportCSV(context.Background(), strings.NewReader(b.String()), helpline.ImportOptions{BatchSize: size})
				if err != nil || res.Failed != 0 {
					t.Fatalf("import: %+v %v", res, err)
				}
			}
			contacts := func(e *env) []string {
				rows, err := e.h.DB().Query(`SELECT k.title, COALESCE(c.phone, '-'), COALESCE(c.email, '-'), COALESCE(c.id, 0)
FROM kase k LEFT JOIN contact c ON c.id = k.reporter_contact_id ORDER BY k.id`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var out []string
				ids := map[int]int{}
				for rows.Next() {
					var title, phone, email string
					var id int
					rows.Scan(&title, &phone, &email, &id)
					if _, ok := ids[id]; !ok {
						ids[id] = len(ids)
					}
					out = append(out, fmt.Sprintf("%s:%s/%s#%d", title, phone, email, ids[id]))
				}
				return out
			}
			if diff := cmp.Diff(contacts(created), contacts(imported)); diff != "" {
				t.Errorf("reporters (-created +imported):\n%s", diff)
			}
			if a, b := count(t, created.h.DB(), "SELECT COUNT(*) FROM contact"), count(t, imported.h.DB(), "SELECT COUNT(*) FROM contact"); a != b {
				t.Errorf("%d contacts after creation, %d after import", a, b)
			}
		})
	}
}
