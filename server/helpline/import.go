package helpline

// Bulk transfer: CSV import and JSON (or CSV) export of cases, the
// integration guide's "Data Import/Export".
//
// # Import
//
// The CSV has a header row naming its columns, in any order: the guide's
// case_number, title, description, category, priority, reporter_phone,
// created_at, and any of the other columns an export writes (status,
// reporter_email, sub_category, external_ref, source, language,
// assigned_to, duration_s, ai_models, updated_at). An unknown or repeated
// column refuses the whole file: a misspelt column would otherwise drop
// its data without a word.
//
// case_number keys the import. A row whose case number the store already
// holds (or an earlier row of the file gave) is skipped, not updated: an
// import brings cases in, it does not edit them behind the status workflow
// and the activity log, so importing one file twice creates nothing the
// second time. The case number is kept as the file gives it; when it has
// this helpline's own form (CHS-2026-000123) the case takes the id it
// ends with, if free, so that numbers the helpline later makes from its
// ids never collide with imported ones.
//
// Every row is read and checked whole (required title, category and
// priority; known priority and status; a created_at in RFC 3339,
// "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD"; the right number of columns)
// before anything of it is written; a bad row is reported with its line
// and reason and nothing of it is stored. Good rows are written in
// batches of ImportBatchSize, one transaction per batch: a batch that
// fails to write rolls back alone, is reported with its lines, and the
// import carries on with the next. Memory stays bounded by one batch
// whatever the file's size: the body is read as a stream.
//
// An imported case keeps its created_at (an empty one means now) and
// status; its updated_at is the import's change stamp, not the file's,
// so pollers that follow updated_since see the imported cases. Each gets
// one "imported" activity row. An import sends no webhooks: a receiver
// that wants imported cases reads them with updated_since or an export.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/reply"
)

const (
	// ImportBatchSize is the number of rows one import transaction
	// writes. A thousand rows amortise a commit's cost (the fsync on
	// MariaDB, the WAL append on SQLite) to almost nothing, while a batch
	// holds the write lock (SQLite) or the change clock row (MariaDB), and
	// so keeps API writers waiting, for tens of milliseconds only, and a
	// failed batch loses little work.
	ImportBatchSize = 1000
	// MaxImportErrors bounds the errors an import reply lists; all are
	// counted.
	MaxImportErrors = 100
	// ExportPageSize is the number of cases one export query reads.
	ExportPageSize = 1000
	maxCaseNumber  = 32
)

// ImportColumns are the CSV columns an import reads and an export
// writes; the first seven are the integration guide's.
var ImportColumns = []string{
	"case_number", "title", "description", "category", "priority", "reporter_phone", "created_at",
	"status", "reporter_email", "sub_category", "external_ref", "source", "language", "assigned_to",
	"duration_s", "ai_models", "updated_at",
}

// ErrBadCSV is a CSV whose header the import cannot use; nothing was
// imported.
var ErrBadCSV = errors.New("bad CSV header")

// ImportOptions qualify ImportCSV.
type ImportOptions struct {
	// Actor is recorded in the imported cases' activity; default
	// "import".
	Actor string
	// BatchSize overrides ImportBatchSize (tests).
	BatchSize int
}

// ImportError is a row, or a batch of rows, that was not imported.
type ImportError struct {
	// Line is the row's line in the file (the header is line 1); for a
	// batch, its first row's.
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Imported int `json:"imported"`
	// Skipped counts rows whose case number was already in the store or
	// earlier in the file.
	Skipped int `json:"skipped"`
	// Failed counts rows not imported because of an error.
	Failed int `json:"failed"`
	// Errors lists the first MaxImportErrors errors.
	Errors []ImportError `json:"errors"`
	// ErrorCount counts all errors (a failed batch is one).
	ErrorCount int `json:"error_count"`
}

func (r *ImportResult) fail(line, rows int, msg string) {
	r.Failed += rows
	r.ErrorCount++
	if len(r.Errors) < MaxImportErrors {
		r.Errors = append(r.Errors, ImportError{Line: line, Error: msg})
	}
}

// importRow is a checked row, ready to write.
type importRow struct {
	line      int
	c         models.Case
	createdAt time.Time
	// ownID is the id the case number ends with when it has this
	// helpline's form, else 0.
	ownID int64
}

// ImportCSV imports the cases of a CSV stream (see the file comment for
// its columns and rules). It returns what it did even when it stops
// early; it stops on a header it cannot use (ErrBadCSV), on a read error
// of r, and when ctx ends. Rows and batches that fail are reported in the
// result, not as the error.
func (h *Helpline) ImportCSV(ctx context.Context, r io.Reader, opts ImportOptions) (*ImportResult, error) {
	if opts.Actor == "" {
		opts.Actor = "import"
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = ImportBatchSize
	}
	res := &ImportResult{Errors: []ImportError{}}
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return res, fmt.Errorf("%w: the file is empty; the first line must name the columns (%s)", ErrBadCSV, strings.Join(ImportColumns[:7], ","))
	}
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadCSV, err)
	}
	cols, err := readHeader(header)
	if err != nil {
		return res, err
	}
	batch := make([]importRow, 0, opts.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := h.importBatch(ctx, batch, opts.Actor, res)
		batch = batch[:0]
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			res.fail(pe.StartLine, 1, "not valid CSV: "+pe.Err.Error())
			continue
		}
		if err != nil {
			_ = flush()
			return res, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row, msg := h.checkRow(cols, rec, line)
		if msg != "" {
			res.fail(line, 1, msg)
			continue
		}
		batch = append(batch, row)
		if len(batch) == opts.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}

// readHeader maps each known column to its index in the file.
func readHeader(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range ImportColumns {
		known[c] = true
	}
	cols := map[string]int{}
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF") // a spreadsheet's byte order mark
		}
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case !known[name]:
			return nil, fmt.Errorf("%w: column %d, %q, is not one of %s", ErrBadCSV, i+1, name, strings.Join(ImportColumns, ", "))
		}
		if _, dup := cols[name]; dup {
			return nil, fmt.Errorf("%w: column %q appears twice", ErrBadCSV, name)
		}
		cols[name] = i
	}
	var missing []string
	for _, c := range []string{"case_number", "title", "category", "priority"} {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the header (line 1) lacks %s; the first line must name the columns", ErrBadCSV, strings.Join(missing, ", "))
	}
	return cols, nil
}

// checkRow turns a record into a case, or says what is wrong with it.
func (h *Helpline) checkRow(cols map[string]int, rec []string, line int) (importRow, string) {
	if len(rec) != len(cols) {
		return importRow{}, fmt.Sprintf("%d columns, the header has %d", len(rec), len(cols))
	}
	get := func(name string) string {
		if i, ok := cols[name]; ok {
			return rec[i]
		}
		return ""
	}
	row := importRow{line: line}
	c := &row.c
	c.CaseNumber = strings.TrimSpace(get("case_number"))
	c.Title, c.Description, c.Category = get("title"), get("description"), get("category")
	c.Priority = models.Priority(get("priority"))
	c.ReporterPhone, c.ReporterEmail = get("reporter_phone"), get("reporter_email")
	c.SubCategory, c.ExternalRef, c.AssignedTo = get("sub_category"), get("external_ref"), get("assigned_to")
	c.Language = get("language")
	c.Source = get("source")
	if _, ok := cols["source"]; !ok {
		c.Source = "import"
	}
	switch {
	case c.CaseNumber == "":
		return row, "case_number is required: it identifies the case across imports"
	case utf8.RuneCountInString(c.CaseNumber) > maxCaseNumber || strings.ContainsAny(c.CaseNumber, " \t\r\n"):
		return row, fmt.Sprintf("case_number %q is not at most %d characters without spaces", c.CaseNumber, maxCaseNumber)
	}
	if err := normalize(c); err != nil {
		return row, strings.TrimSuffix(err.Error(), ".")
	}
	c.Status = models.CaseStatus(strings.ToLower(strings.TrimSpace(get("status"))))
	if c.Status == "" {
		c.Status = models.CaseOpen
	} else if c.Status.Validate() != nil {
		return row, fmt.Sprintf("status %q is not one of open, in_progress, resolved, closed", c.Status)
	}
	if v := strings.TrimSpace(get("created_at")); v != "" {
		at, err := parseImportTime(v)
		if err != nil {
			return row, err.Error()
		}
		row.createdAt = at
	}
	if v := strings.TrimSpace(get("duration_s")); v != "" {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || d < 0 || d != d || d > 1e9 {
			return row, fmt.Sprintf("duration_s %q is not a number of seconds, zero or more", v)
		}
		c.DurationS = &d
	}
	if v := strings.TrimSpace(get("ai_models")); v != "" {
		if err := json.Unmarshal([]byte(v), &c.AIModels); err != nil {
			return row, fmt.Sprintf("ai_models is not a JSON object of strings: %v", err)
		}
	}
	// updated_at is accepted for round trips and ignored: the import
	// stamps its own.
	if v := strings.TrimSpace(get("updated_at")); v != "" {
		if _, err := parseImportTime(v); err != nil {
			return row, strings.Replace(err.Error(), "created_at", "updated_at", 1)
		}
	}
	if h.caseNumber.MatchString(c.CaseNumber) {
		if n, err := strconv.ParseInt(c.CaseNumber[strings.LastIndexByte(c.CaseNumber, '-')+1:], 10, 64); err == nil && n > 0 && n < 1<<53 {
			row.ownID = n
		}
	}
	return row, ""
}

var importTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"}

// parseImportTime reads created_at: RFC 3339, "YYYY-MM-DD HH:MM:SS"
// (fraction allowed) or "YYYY-MM-DD"; no zone means UTC.
func parseImportTime(v string) (time.Time, error) {
	for _, l := range importTimeLayouts {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			if t.Year() < 1000 {
				break
			}
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("created_at %q is not a date: use RFC 3339 (2025-01-31T14:05:00Z), 2025-01-31 14:05:00 or 2025-01-31", v)
}

// handleImport serves POST /cases/import: a CSV body, read as a stream.
func (h *Helpline) handleImport(w http.ResponseWriter, r *http.Request) {
	switch ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.ToLower(strings.TrimSpace(ct)) {
	case "", "text/csv", "application/csv", "text/plain":
	default:
		reply.Error(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("The body is %s; send the CSV itself with Content-Type: text/csv.", ct), nil)
		return
	}
	// The server's read timeout is meant for uploads; an import reads its
	// body as fast as the database takes the rows, so it gets an idle
	// timeout instead.
	rc := http.NewResponseController(w)
	body := &idleReader{r: r.Body, extend: func() { _ = rc.SetReadDeadline(time.Now().Add(importIdleTimeout)) }}
	res, err := h.ImportCSV(r.Context(), body, ImportOptions{Actor: actor(r)})
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, ErrBadCSV):
		reply.Error(w, http.StatusBadRequest, "invalid_csv", upperFirst(strings.TrimPrefix(err.Error(), ErrBadCSV.Error()+": "))+".",
			map[string]any{"line": 1, "columns": ImportColumns})
	case errors.As(err, &tooBig):
		reply.Error(w, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("The CSV is over %d bytes; the rows before the limit were imported.", tooBig.Limit),
			map[string]any{"limit": tooBig.Limit, "result": res})
	case r.Context().Err() != nil:
		reply.Error(w, http.StatusServiceUnavailable, "cancelled", "The import was cancelled; the batches before it stay imported.", map[string]any{"result": res})
	case err != nil:
		reply.Error(w, http.StatusBadRequest, "import_interrupted",
			"The CSV could not be read to its end ("+err.Error()+"); the rows before stay imported, and importing the file again skips them.",
			map[string]any{"result": res})
	default:
		reply.JSON(w, http.StatusOK, res)
	}
}

// importIdleTimeout is how long an import waits for the next bytes of its
// body.
const importIdleTimeout = 2 * time.Minute

// idleReader calls extend before every read.
type idleReader struct {
	r      io.Reader
	extend func()
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.extend()
	return r.r.Read(p)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
