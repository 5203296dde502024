package helpline

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

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
