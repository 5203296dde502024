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
//
// # Export
//
// Export walks the cases a Filter selects in id order, one page of
// ExportPageSize cases per query (no read held open while a slow client
// downloads), and writes each case as the API shows it.

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
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

// importBatch writes one batch in one transaction, adding its counts and
// errors to res. It returns an error only when ctx ended; any other
// failure rolls the batch back and is reported in res.
//
// The batch is written with a handful of statements whatever its size:
// the rows' reporters are looked up at once and matched in memory as
// Helpline.contact matches them, new reporters and the cases and their
// activity are inserted several rows per INSERT.
func (h *Helpline) importBatch(ctx context.Context, batch []importRow, actor string, res *ImportResult) error {
	var imported, skipped int
	var rowErrs []ImportError
	err := h.db.WriteTx(ctx, func(tx *sql.Tx) error {
		imported, skipped, rowErrs = 0, 0, nil
		stamp, err := h.tickN(ctx, tx, len(batch))
		if err != nil {
			return err
		}
		numbers, refs, ids := make([]any, 0, len(batch)), []any{}, []any{}
		for _, r := range batch {
			numbers = append(numbers, r.c.CaseNumber)
			if r.c.ExternalRef != "" {
				refs = append(refs, r.c.ExternalRef)
			}
			if r.ownID != 0 {
				ids = append(ids, r.ownID)
			}
		}
		seenNumber, err := existing(ctx, tx, "case_number", numbers)
		if err != nil {
			return err
		}
		seenRef, err := existing(ctx, tx, "external_ref", refs)
		if err != nil {
			return err
		}
		takenID, err := existing(ctx, tx, "id", ids)
		if err != nil {
			return err
		}
		var rows []*newCase
		for i := range batch {
			r := &batch[i]
			c := &r.c
			if seenNumber[c.CaseNumber] {
				skipped++
				continue
			}
			if c.ExternalRef != "" && seenRef[c.ExternalRef] {
				rowErrs = append(rowErrs, ImportError{r.line, fmt.Sprintf("external_ref %q belongs to another case", c.ExternalRef)})
				continue
			}
			seenNumber[c.CaseNumber] = true
			if c.ExternalRef != "" {
				seenRef[c.ExternalRef] = true
			}
			n := &newCase{row: r, ts: sqldb.FormatTime(stamp.Add(time.Duration(i) * time.Microsecond))}
			n.created = n.ts
			if !r.createdAt.IsZero() {
				n.created = sqldb.FormatTime(r.createdAt)
			}
			if key := strconv.FormatInt(r.ownID, 10); r.ownID != 0 && !takenID[key] {
				n.id = r.ownID
				takenID[key] = true
			}
			rows = append(rows, n)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := h.importContacts(ctx, tx, rows, sqldb.FormatTime(stamp)); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, `INSERT INTO kase (id, case_number, title, description, category, sub_category, priority, status,
	reporter_contact_id, assigned_to, external_ref, source, language, duration_s, ai_models, request_fingerprint, created_at, updated_at) VALUES `,
			18, len(rows), func(i int, args []any) []any {
				n := rows[i]
				c := &n.row.c
				var id, contactID, aiModels any
				if n.id != 0 {
					id = n.id
				}
				if n.contact != nil {
					contactID = n.contact.id
				}
				if len(c.AIModels) > 0 {
					b, _ := json.Marshal(c.AIModels)
					aiModels = string(b)
				}
				return append(args, id, c.CaseNumber, c.Title, c.Description, c.Category, c.SubCategory,
					string(c.Priority), string(c.Status), contactID, c.AssignedTo, nullString(c.ExternalRef), c.Source,
					c.Language, c.DurationS, aiModels, fingerprint(c), n.created, n.ts)
			}); err != nil {
			return fmt.Errorf("insert cases: %w", err)
		}
		byNumber := make(map[string]*newCase, len(rows))
		numbers = numbers[:0]
		for _, n := range rows {
			byNumber[n.row.c.CaseNumber] = n
			numbers = append(numbers, n.row.c.CaseNumber)
		}
		if err := queryChunks(ctx, tx, "SELECT id, case_number FROM kase WHERE case_number IN ", numbers, func(rs *sql.Rows) error {
			var id int64
			var number string
			if err := rs.Scan(&id, &number); err != nil {
				return err
			}
			if n := byNumber[number]; n != nil {
				n.kaseID = id
			}
			return nil
		}); err != nil {
			return fmt.Errorf("read the new cases' ids: %w", err)
		}
		if err := insertRows(ctx, tx, "INSERT INTO kase_activity (kase_id, action, new_value, note, actor, created_at) VALUES ",
			6, len(rows), func(i int, args []any) []any {
				n := rows[i]
				return append(args, n.kaseID, "imported", string(n.row.c.Status), "", actor, n.ts)
			}); err != nil {
			return fmt.Errorf("record activity: %w", err)
		}
		imported = len(rows)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("import stopped at line %d: %w", batch[0].line, ctx.Err())
		}
		h.log.Error("import batch failed", "first_line", batch[0].line, "last_line", batch[len(batch)-1].line, "err", err)
		res.fail(batch[0].line, len(batch), fmt.Sprintf("lines %d to %d were not imported (their batch was rolled back): %v",
			batch[0].line, batch[len(batch)-1].line, err))
		return nil
	}
	res.Imported += imported
	res.Skipped += skipped
	for _, e := range rowErrs {
		res.fail(e.Line, 1, e.Error)
	}
	return nil
}

// newCase is a row an import batch inserts.
type newCase struct {
	row *importRow
	// id is the case's own id (see ownID), or 0 for the next one.
	id int64
	// ts is its change stamp, created its created_at, formatted.
	ts, created string
	contact     *importContact
	kaseID      int64
}

// rowsPerInsert bounds the rows of one multi-row INSERT: 500 rows of 18
// columns stay well under SQLite's 32766 and MySQL's 65535 placeholders.
const rowsPerInsert = 500

// insertRows inserts n rows of cols columns with INSERT statements of at
// most rowsPerInsert rows; row appends row i's values to args.
func insertRows(ctx context.Context, tx *sql.Tx, prefix string, cols, n int, row func(i int, args []any) []any) error {
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	args := make([]any, 0, cols*min(n, rowsPerInsert))
	for start := 0; start < n; start += rowsPerInsert {
		end := min(start+rowsPerInsert, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		q := prefix + tuple + strings.Repeat(", "+tuple, end-start-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// queryChunks runs prefix + "(?, ...)" over vs, rowsPerInsert values at a
// time, and calls scan for each row.
func queryChunks(ctx context.Context, tx *sql.Tx, prefix string, vs []any, scan func(*sql.Rows) error) error {
	for start := 0; start < len(vs); start += rowsPerInsert {
		chunk := vs[start:min(start+rowsPerInsert, len(vs))]
		rows, err := tx.QueryContext(ctx, prefix+"(?"+strings.Repeat(", ?", len(chunk)-1)+")", chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// existing returns which of vs column col of kase already holds, as
// strings.
func existing(ctx context.Context, tx *sql.Tx, col string, vs []any) (map[string]bool, error) {
	seen := map[string]bool{}
	if len(vs) == 0 {
		return seen, nil
	}
	q := "SELECT " + col + " FROM kase WHERE " + col + " IN (?" + strings.Repeat(", ?", len(vs)-1) + ")"
	rows, err := tx.QueryContext(ctx, q, vs...)
	if err != nil {
		return nil, fmt.Errorf("look up existing %s: %w", col, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("look up existing %s: %w", col, err)
		}
		seen[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up existing %s: %w", col, err)
	}
	return seen, nil
}

// tickN takes n consecutive change stamps and returns the first (see
// tick).
func (h *Helpline) tickN(ctx context.Context, tx *sql.Tx, n int) (time.Time, error) {
	q := "SELECT last_us FROM kase_clock WHERE id = 1"
	if h.db.Dialect == sqldb.MySQL {
		q += " FOR UPDATE"
	}
	var last int64
	if err := tx.QueryRowContext(ctx, q).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("read the change clock: %w", err)
	}
	first := time.Now().UnixMicro()
	if first <= last {
		first = last + 1
	}
	if _, err := tx.ExecContext(ctx, "UPDATE kase_clock SET last_us = ? WHERE id = 1", first+int64(n)-1); err != nil {
		return time.Time{}, fmt.Errorf("advance the change clock: %w", err)
	}
	return time.UnixMicro(first).UTC(), nil
}

// importContact is a reporter as an import batch sees it.
type importContact struct {
	id           int64 // 0 until a new contact is inserted
	phone, email string
	// order sorts candidates as Helpline.contact does (by id), new
	// contacts after the stored ones, in the order they were made.
	order int64
	isNew bool
	// completed: a stored contact that was given a detail it lacked.
	completed bool
}

// importContacts sets each row's reporter, matching the contacts exactly
// as Helpline.contact does (the first, by id, whose details do not
// contradict the row's, completed with a detail it lacks; else a new
// one), with one look-up for the whole batch, then writes the completed
// and the new contacts.
func (h *Helpline) importContacts(ctx context.Context, tx *sql.Tx, rows []*newCase, ts string) error {
	var phones, emails []any
	seen := map[string]bool{}
	for _, n := range rows {
		if p := n.row.c.ReporterPhone; p != "" && !seen["p"+p] {
			seen["p"+p] = true
			phones = append(phones, p)
		}
		if e := n.row.c.ReporterEmail; e != "" && !seen["e"+e] {
			seen["e"+e] = true
			emails = append(emails, e)
		}
	}
	if len(phones)+len(emails) == 0 {
		return nil
	}
	byPhone, byEmail := map[string][]*importContact{}, map[string][]*importContact{}
	stored := map[int64]bool{}
	scan := func(rs *sql.Rows) error {
		var id int64
		var phone, email sql.NullString
		if err := rs.Scan(&id, &phone, &email); err != nil {
			return err
		}
		if !stored[id] {
			stored[id] = true
			c := &importContact{id: id, phone: phone.String, email: email.String, order: id}
			if c.phone != "" {
				byPhone[c.phone] = append(byPhone[c.phone], c)
			}
			if c.email != "" {
				byEmail[c.email] = append(byEmail[c.email], c)
			}
		}
		return nil
	}
	if err := queryChunks(ctx, tx, "SELECT id, phone, email FROM contact WHERE phone IN ", phones, scan); err != nil {
		return fmt.Errorf("look up contacts: %w", err)
	}
	if err := queryChunks(ctx, tx, "SELECT id, phone, email FROM contact WHERE email IN ", emails, scan); err != nil {
		return fmt.Errorf("look up contacts: %w", err)
	}
	var made, completed []*importContact
	for _, n := range rows {
		phone, email := n.row.c.ReporterPhone, n.row.c.ReporterEmail
		if phone == "" && email == "" {
			continue
		}
		cands := candidates(byPhone[phone], byEmail[email])
		for _, c := range cands {
			if phone != "" && c.phone != "" && c.phone != phone || email != "" && c.email != "" && c.email != email {
				continue
			}
			added := false
			if phone != "" && c.phone == "" {
				c.phone, added = phone, true
				byPhone[phone] = append(byPhone[phone], c)
			}
			if email != "" && c.email == "" {
				c.email, added = email, true
				byEmail[email] = append(byEmail[email], c)
			}
			if added && !c.isNew && !c.completed {
				c.completed = true
				completed = append(completed, c)
			}
			n.contact = c
			break
		}
		if n.contact == nil {
			c := &importContact{phone: phone, email: email, order: 1<<62 + int64(len(made)), isNew: true}
			made = append(made, c)
			if phone != "" {
				byPhone[phone] = append(byPhone[phone], c)
			}
			if email != "" {
				byEmail[email] = append(byEmail[email], c)
			}
			n.contact = c
		}
	}
	return writeContacts(ctx, tx, completed, made, ts)
}

// candidates merges two lists of contacts into one, by order, without
// repeats.
func candidates(a, b []*importContact) []*importContact {
	out := make([]*importContact, 0, len(a)+len(b))
	out = append(out, a...)
	for _, c := range b {
		if !slices.Contains(a, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y *importContact) int { return cmp.Compare(x.order, y.order) })
	return out
}

// writeContacts stores the details added to stored contacts, and inserts
// the new contacts and reads back their ids.
func writeContacts(ctx context.Context, tx *sql.Tx, completed, made []*importContact, ts string) error {
	for _, c := range completed {
		if _, err := tx.ExecContext(ctx, "UPDATE contact SET phone = COALESCE(phone, ?), email = COALESCE(email, ?), updated_at = ? WHERE id = ?",
			nullString(c.phone), nullString(c.email), ts, c.id); err != nil {
			return fmt.Errorf("complete contact: %w", err)
		}
	}
	if len(made) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM contact").Scan(&last); err != nil {
		return fmt.Errorf("add contacts: %w", err)
	}
	if err := insertRows(ctx, tx, "INSERT INTO contact (phone, email, created_at, updated_at) VALUES ", 4, len(made),
		func(i int, args []any) []any {
			return append(args, nullString(made[i].phone), nullString(made[i].email), ts, ts)
		}); err != nil {
		return fmt.Errorf("add contacts: %w", err)
	}
	// The new contacts are the ones after last; a batch's new contacts
	// differ in their phone and email.
	byKey := make(map[string]*importContact, len(made))
	for _, c := range made {
		byKey[c.phone+"\x00"+c.email] = c
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, phone, email FROM contact WHERE id > ? ORDER BY id", last)
	if err != nil {
		return fmt.Errorf("read the new contacts' ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var phone, email sql.NullString
		if err := rows.Scan(&id, &phone, &email); err != nil {
			return fmt.Errorf("read the new contacts' ids: %w", err)
		}
		if c := byKey[phone.String+"\x00"+email.String]; c != nil && c.id == 0 {
			c.id = id
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the new contacts' ids: %w", err)
	}
	for _, c := range made {
		if c.id == 0 {
			return errors.New("add contacts: a new contact was not found after its insert")
		}
	}
	return nil
}

// ExportCases calls fn with each case f selects (its Limit and Cursor
// aside), in id order, reading ExportPageSize cases per query; after
// each page it calls page, when not nil.
func (h *Helpline) ExportCases(ctx context.Context, f Filter, fn func(*models.Case) error, page func() error) error {
	conds, args := f.conditions()
	q := "SELECT " + caseColumns + caseFrom + " WHERE " + strings.Join(append(conds, "k.id > ?"), " AND ") +
		" ORDER BY k.id LIMIT " + strconv.Itoa(ExportPageSize)
	var after int64
	for {
		cases, err := h.exportPage(ctx, q, append(args, after))
		if err != nil {
			return err
		}
		for _, c := range cases {
			if err := fn(c); err != nil {
				return err
			}
		}
		if page != nil {
			if err := page(); err != nil {
				return err
			}
		}
		if len(cases) < ExportPageSize {
			return nil
		}
		after, _ = strconv.ParseInt(cases[len(cases)-1].ID, 10, 64)
	}
}

func (h *Helpline) exportPage(ctx context.Context, q string, args []any) ([]*models.Case, error) {
	rows, err := h.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("export cases: %w", err)
	}
	defer rows.Close()
	out := make([]*models.Case, 0, ExportPageSize)
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("export cases: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export cases: %w", err)
	}
	return out, nil
}

// flusher is an http.Flusher.
type flusher interface{ Flush() }

// ExportJSON writes the cases f selects to w as one JSON array, a case per
// line, and returns how many it wrote. It holds one page of cases at a
// time, and flushes w (when it is an http.Flusher) after each page.
func (h *Helpline) ExportJSON(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	if _, err := bw.WriteString("["); err != nil {
		return 0, err
	}
	err := h.ExportCases(ctx, f, func(c *models.Case) error {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		sep := ",\n"
		if n == 0 {
			sep = "\n"
		}
		n++
		bw.WriteString(sep)
		_, err = bw.Write(b)
		return err
	}, pageFlush(bw, w))
	if err != nil {
		return n, err
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return n, bw.Flush()
}

// ExportCSV writes the cases f selects to w as CSV with ImportColumns, which
// ImportCSV reads back into the same cases.
func (h *Helpline) ExportCSV(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(ImportColumns); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, len(ImportColumns))
	flushPage := pageFlush(bw, w)
	err := h.ExportCases(ctx, f, func(c *models.Case) error {
		n++
		caseRecord(c, rec)
		return cw.Write(rec)
	}, func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return flushPage()
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// caseRecord fills rec with c's ImportColumns.
func caseRecord(c *models.Case, rec []string) {
	t := func(at *time.Time) string {
		if at == nil {
			return ""
		}
		return at.UTC().Format(time.RFC3339Nano)
	}
	var duration, aiModels string
	if c.DurationS != nil {
		duration = strconv.FormatFloat(*c.DurationS, 'g', -1, 64)
	}
	if len(c.AIModels) > 0 {
		b, _ := json.Marshal(c.AIModels)
		aiModels = string(b)
	}
	copy(rec, []string{c.CaseNumber, c.Title, c.Description, c.Category, string(c.Priority), c.ReporterPhone, t(c.CreatedAt),
		string(c.Status), c.ReporterEmail, c.SubCategory, c.ExternalRef, c.Source, c.Language, c.AssignedTo,
		duration, aiModels, t(c.UpdatedAt)})
}

// pageFlush flushes bw, then w when it is an http.Flusher.
func pageFlush(bw *bufio.Writer, w io.Writer) func() error {
	return func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		if fl, ok := w.(flusher); ok {
			fl.Flush()
		}
		return nil
	}
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

// handleExport serves GET /cases/export: the cases the query selects
// (status, priority, category, external_ref, created_after,
// updated_since) as a JSON array, or CSV with format=csv, as an
// attachment.
func (h *Helpline) handleExport(w http.ResponseWriter, r *http.Request) {
	f, field, msg := ParseFilter(r.URL.Query())
	if msg != "" {
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", msg, map[string]any{"field": field})
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json":
		format = "json"
		w.Header().Set("Content-Type", "application/json")
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	default:
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("format %q is not json or csv.", format), map[string]any{"field": "format"})
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+ExportFilename(time.Now(), format)+`"`)
	var err error
	if format == "csv" {
		_, err = h.ExportCSV(r.Context(), w, f)
	} else {
		_, err = h.ExportJSON(r.Context(), w, f)
	}
	if err != nil {
		if r.Context().Err() == nil {
			h.log.Error("export failed", "err", err)
		}
		// The status line is gone; cut the connection so that the
		// client sees a broken download, not a short one.
		panic(http.ErrAbortHandler)
	}
}

// ExportFilename is the guide's cases_export_YYYY-MM-DD_HHMMSS name, in
// UTC.
func ExportFilename(at time.Time, format string) string {
	return "cases_export_" + at.UTC().Format("2006-01-02_150405") + "." + format
}

// ParseFilter reads the list and export filters from a query: status,
// priority, category, external_ref, created_after, updated_since. A bad
// one is named with a message.
func ParseFilter(q map[string][]string) (f Filter, field, msg string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"updated_since", &f.UpdatedSince}, {"created_after", &f.CreatedAfter}} {
		if v := get(t.name); v != "" {
			at, err := ParseTime(v)
			if err != nil {
				return f, t.name, fmt.Sprintf("%s %q is not an ISO 8601 time or date (2025-01-01, 2025-01-01T12:00:00Z).", t.name, v)
			}
			*t.dst = at
		}
	}
	if v := get("status"); v != "" {
		f.Status = models.CaseStatus(v)
		if f.Status.Validate() != nil {
			return f, "status", fmt.Sprintf("status %q is not one of open, in_progress, resolved, closed.", v)
		}
	}
	if v := get("priority"); v != "" {
		f.Priority = models.Priority(v)
		if f.Priority.Validate() != nil {
			return f, "priority", fmt.Sprintf("priority %q is not one of low, medium, high, critical.", v)
		}
	}
	f.Category, f.ExternalRef = get("category"), get("external_ref")
	return f, "", ""
}
