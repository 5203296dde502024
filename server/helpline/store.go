package helpline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// Errors the store returns; branch on them with errors.Is.
var (
	ErrNotFound            = errors.New("case not found")
	ErrIdempotencyConflict = errors.New("idempotency key already used for a different case")
	ErrExternalRefConflict = errors.New("external reference already used by a different case")
	ErrIllegalTransition   = errors.New("illegal status transition")
)

// FieldError is a request field that is missing or invalid.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// TransitionError is a status move the workflow does not allow; it is
// ErrIllegalTransition.
type TransitionError struct {
	From, To models.CaseStatus
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("A case that is %s cannot move to %s; %s.", e.From, e.To, allowedMoves(e.From))
}

// Is makes a TransitionError match ErrIllegalTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// transitions lists the moves the workflow allows from each status.
var transitions = map[models.CaseStatus][]models.CaseStatus{
	models.CaseOpen:       {models.CaseInProgress},
	models.CaseInProgress: {models.CaseResolved},
	models.CaseResolved:   {models.CaseClosed, models.CaseInProgress},
	models.CaseClosed:     nil,
}

func allowedMoves(from models.CaseStatus) string {
	to := transitions[from]
	if len(to) == 0 {
		return "it is final"
	}
	s := make([]string, len(to))
	for i, t := range to {
		s[i] = string(t)
	}
	return "it can move to " + strings.Join(s, " or ")
}

// CreateOptions qualify CreateCase.
type CreateOptions struct {
	// IdempotencyKey makes a retried creation return the first one's case
	// (or ErrIdempotencyConflict when the case asked for differs).
	IdempotencyKey string
	// Actor is recorded in the case's activity; default "system".
	Actor string
}

// Update is a change to a case; nil fields stay as they are.
type Update struct {
	Title       *string            `json:"title"`
	Description *string            `json:"description"`
	Category    *string            `json:"category"`
	SubCategory *string            `json:"sub_category"`
	Priority    *models.Priority   `json:"priority"`
	Status      *models.CaseStatus `json:"status"`
	AssignedTo  *string            `json:"assigned_to"`
	Note        string             `json:"note"`
}

// Filter selects cases for ListCases. Zero fields do not filter.
type Filter struct {
	// UpdatedSince keeps cases whose updated_at is at or after it.
	UpdatedSince time.Time
	// CreatedAfter keeps cases whose created_at is at or after it.
	CreatedAfter time.Time
	Status       models.CaseStatus
	Priority     models.Priority
	Category     string
	ExternalRef  string
	// Limit is the page size: default 100, capped at MaxLimit.
	Limit int
	// Cursor continues a listing after the page that returned it.
	Cursor string
}

// Page sizes of ListCases.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Activity is one recorded change to a case.
type Activity struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"`
	// Action is created, updated (Field says which), status, assigned or
	// note.
	Action    string    `json:"action"`
	Field     string    `json:"field,omitempty"`
	OldValue  *string   `json:"old_value"`
	NewValue  *string   `json:"new_value"`
	Note      string    `json:"note,omitempty"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// Column limits (in characters) the schema holds.
const (
	maxTitle       = 500
	maxDescription = 65535 / 4
	maxShort       = 100
	maxRef         = 255
	maxPhone       = 64
	maxEmail       = 254
)

// normalize trims c's text fields and checks them, naming the first bad
// field.
func normalize(c *models.Case) error {
	for _, p := range []*string{&c.Title, &c.Description, &c.Category, &c.SubCategory, &c.ReporterPhone,
		&c.ReporterEmail, &c.ExternalRef, &c.Source, &c.Language, &c.AssignedTo} {
		*p = strings.TrimSpace(*p)
	}
	c.Priority = models.Priority(strings.ToLower(strings.TrimSpace(string(c.Priority))))
	c.ReporterPhone = normalizePhone(c.ReporterPhone)
	c.ReporterEmail = strings.ToLower(c.ReporterEmail)
	for _, r := range []struct{ field, v string }{{"title", c.Title}, {"category", c.Category}, {"priority", string(c.Priority)}} {
		if r.v == "" {
			return &FieldError{r.field, r.field + " is required."}
		}
	}
	if err := c.Priority.Validate(); err != nil {
		return &FieldError{"priority", fmt.Sprintf("priority %q is not one of low, medium, high, critical.", c.Priority)}
	}
	for _, r := range []struct {
		field, v string
		max      int
	}{
		{"title", c.Title, maxTitle}, {"description", c.Description, maxDescription},
		{"category", c.Category, maxShort}, {"sub_category", c.SubCategory, maxShort},
		{"reporter_phone", c.ReporterPhone, maxPhone}, {"reporter_email", c.ReporterEmail, maxEmail},
		{"external_ref", c.ExternalRef, maxRef}, {"source", c.Source, 64}, {"language", c.Language, 16},
		{"assigned_to", c.AssignedTo, maxRef},
	} {
		if err := checkLen(r.field, r.v, r.max); err != nil {
			return err
		}
	}
	if c.DurationS != nil && (math.IsNaN(*c.DurationS) || *c.DurationS < 0 || math.IsInf(*c.DurationS, 0)) {
		return &FieldError{"duration_s", "duration_s is a number of seconds, zero or more."}
	}
	return nil
}

func checkLen(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return &FieldError{field, field + " is not valid UTF-8."}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return &FieldError{field, fmt.Sprintf("%s is %d characters long; the most is %d.", field, n, max)}
	}
	return nil
}

// normalizePhone drops the spaces, dashes, dots and brackets people write
// in phone numbers, so one reporter is one contact.
func normalizePhone(p string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\t':
			return -1
		}
		return r
	}, p)
}

// fingerprint identifies what a creation asked for.
func fingerprint(c *models.Case) string {
	in := struct {
		Title, Description, Category, SubCategory, Priority, Phone, Email, ExternalRef, Source, Language, AssignedTo string
		DurationS                                                                                                    *float64
		AIModels                                                                                                     map[string]string
	}{c.Title, c.Description, c.Category, c.SubCategory, string(c.Priority), c.ReporterPhone, c.ReporterEmail,
		c.ExternalRef, c.Source, c.Language, c.AssignedTo, c.DurationS, c.AIModels}
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// existingCase stops a creation that found its case already made; the
// transaction rolls back.
type existingCase struct{ id int64 }

func (e *existingCase) Error() string { return "case exists" }

// unchanged stops an update that changes nothing; the transaction rolls back.
var errUnchanged = errors.New("unchanged")

// CreateCase stores a new, open case and returns it. When the idempotency
// key or the external reference already belongs to a case made from the
// same request, it returns that case and existed = true; when it belongs
// to a different request, ErrIdempotencyConflict or ErrExternalRefConflict.
// A bad field is a *FieldError.
func (h *Helpline) CreateCase(ctx context.Context, c models.Case, opts CreateOptions) (_ *models.Case, existed bool, err error) {
	if err := normalize(&c); err != nil {
		return nil, false, err
	}
	if opts.Actor == "" {
		opts.Actor = "system"
	}
	fp := fingerprint(&c)
	var keyHash any
	if opts.IdempotencyKey != "" {
		keyHash = hashKey(opts.IdempotencyKey)
	}
	var id int64
	// A lost race on a unique key (another writer inserted the same key
	// first) rolls back; the second attempt finds the winner's case.
	for attempt := 0; ; attempt++ {
		err = h.db.WriteTx(ctx, func(tx *sql.Tx) error {
			stamp, err := h.tick(ctx, tx)
			if err != nil {
				return err
			}
			if err := h.findExisting(ctx, tx, keyHash, c.ExternalRef, fp); err != nil {
				return err
			}
			contactID, err := h.contact(ctx, tx, c.ReporterPhone, c.ReporterEmail, stamp)
			if err != nil {
				return err
			}
			var models_ any
			if len(c.AIModels) > 0 {
				b, _ := json.Marshal(c.AIModels)
				models_ = string(b)
			}
			ts := sqldb.FormatTime(stamp)
			res, err := tx.ExecContext(ctx, `INSERT INTO kase (title, description, category, sub_category, priority, status,
	reporter_contact_id, assigned_to, external_ref, source, language, duration_s, ai_models,
	idempotency_key_hash, request_fingerprint, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				c.Title, c.Description, c.Category, c.SubCategory, string(c.Priority), string(models.CaseOpen),
				contactID, c.AssignedTo, nullString(c.ExternalRef), c.Source, c.Language, c.DurationS, models_,
				keyHash, fp, ts, ts)
			if err != nil {
				return fmt.Errorf("insert case: %w", err)
			}
			if id, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("insert case: %w", err)
			}
			number := fmt.Sprintf("%s-%04d-%06d", h.cfg.CaseNumberPrefix, stamp.Year(), id)
			if _, err := tx.ExecContext(ctx, "UPDATE kase SET case_number = ? WHERE id = ?", number, id); err != nil {
				return fmt.Errorf("number case: %w", err)
			}
			return h.activity(ctx, tx, id, "created", "", nil, string(models.CaseOpen), "", opts.Actor, stamp)
		})
		var ex *existingCase
		switch {
		case errors.As(err, &ex):
			got, err := h.getCase(ctx, ex.id)
			return got, true, err
		case sqldb.IsDuplicate(err) && attempt == 0:
			continue
		case err != nil:
			return nil, false, fmt.Errorf("create case: %w", err)
		}
		got, err := h.getCase(ctx, id)
		return got, false, err
	}
}

// findExisting returns an *existingCase when the key or the reference
// already made this case, or a conflict error when they made another.
func (h *Helpline) findExisting(ctx context.Context, tx *sql.Tx, keyHash any, ref, fp string) error {
	look := func(col string, v any, conflict error) error {
		var id int64
		var got string
		err := tx.QueryRowContext(ctx, "SELECT id, request_fingerprint FROM kase WHERE "+col+" = ?", v).Scan(&id, &got)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("look up %s: %w", col, err)
		case got != fp:
			return conflict
		}
		return &existingCase{id}
	}
	if keyHash != nil {
		if err := look("idempotency_key_hash", keyHash, ErrIdempotencyConflict); err != nil {
			return err
		}
	}
	if ref != "" {
		return look("external_ref", ref, ErrExternalRefConflict)
	}
	return nil
}

// tick takes the next change stamp. On MySQL the clock row stays locked
// until tx ends, so stamps commit in order.
func (h *Helpline) tick(ctx context.Context, tx *sql.Tx) (time.Time, error) {
	return h.tickN(ctx, tx, 1)
}

// tickN takes n consecutive change stamps and returns the first.
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

// contact returns the id of the reporter with this phone and email,
// adding the reporter or their missing detail when needed; nil when both
// are empty. A contact matches when each given detail equals its own or
// it has none.
func (h *Helpline) contact(ctx context.Context, tx *sql.Tx, phone, email string, stamp time.Time) (any, error) {
	if phone == "" && email == "" {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, phone, email FROM contact WHERE phone = ? OR email = ? ORDER BY id LIMIT 20",
		nullString(phone), nullString(email))
	if err != nil {
		return nil, fmt.Errorf("look up contact: %w", err)
	}
	type cand struct {
		id           int64
		phone, email sql.NullString
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.phone, &c.email); err != nil {
			rows.Close()
			return nil, fmt.Errorf("look up contact: %w", err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up contact: %w", err)
	}
	ts := sqldb.FormatTime(stamp)
	for _, c := range cands {
		if phone != "" && c.phone.Valid && c.phone.String != phone || email != "" && c.email.Valid && c.email.String != email {
			continue
		}
		if phone != "" && !c.phone.Valid || email != "" && !c.email.Valid {
			if _, err := tx.ExecContext(ctx, "UPDATE contact SET phone = COALESCE(phone, ?), email = COALESCE(email, ?), updated_at = ? WHERE id = ?",
				nullString(phone), nullString(email), ts, c.id); err != nil {
				return nil, fmt.Errorf("complete contact: %w", err)
			}
		}
		return c.id, nil
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO contact (phone, email, created_at, updated_at) VALUES (?, ?, ?, ?)",
		nullString(phone), nullString(email), ts, ts)
	if err != nil {
		return nil, fmt.Errorf("add contact: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("add contact: %w", err)
	}
	return id, nil
}

// activity records one change.
func (h *Helpline) activity(ctx context.Context, tx *sql.Tx, kaseID int64, action, field string, old any, new any, note, actor string, stamp time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO kase_activity (kase_id, action, field, old_value, new_value, note, actor, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, kaseID, action, nullString(field), old, new, nullString(note), actor, sqldb.FormatTime(stamp)); err != nil {
		return fmt.Errorf("record %s activity: %w", action, err)
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const caseColumns = `k.id, k.case_number, k.title, k.description, k.category, k.sub_category, k.priority, k.status,
	c.phone, c.email, k.assigned_to, k.external_ref, k.source, k.language, k.duration_s, k.ai_models, k.created_at, k.updated_at`

const caseFrom = ` FROM kase k LEFT JOIN contact c ON c.id = k.reporter_contact_id`

type scanner interface{ Scan(dest ...any) error }

func scanCase(s scanner) (*models.Case, error) {
	var (
		c                                   models.Case
		id                                  int64
		number, phone, email, ref, aiModels sql.NullString
		duration                            sql.NullFloat64
		created, updated                    sqldb.Time
		priority, status                    string
	)
	if err := s.Scan(&id, &number, &c.Title, &c.Description, &c.Category, &c.SubCategory, &priority, &status,
		&phone, &email, &c.AssignedTo, &ref, &c.Source, &c.Language, &duration, &aiModels, &created, &updated); err != nil {
		return nil, err
	}
	c.ID = strconv.FormatInt(id, 10)
	c.CaseNumber = number.String
	c.Priority = models.Priority(priority)
	c.Status = models.CaseStatus(status)
	c.ReporterPhone, c.ReporterEmail, c.ExternalRef = phone.String, email.String, ref.String
	if duration.Valid {
		c.DurationS = &duration.Float64
	}
	if aiModels.Valid && aiModels.String != "" {
		if err := json.Unmarshal([]byte(aiModels.String), &c.AIModels); err != nil {
			return nil, fmt.Errorf("case %d ai_models: %w", id, err)
		}
	}
	c.CreatedAt, c.UpdatedAt = &created.Time, &updated.Time
	return &c, nil
}

// where turns a case reference (its id, or its case number) into a
// condition on k.
func (h *Helpline) where(ref string) (string, any, error) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		return "k.id = ?", n, nil
	}
	if ref == "" || len(ref) > 32 { // kase.case_number is VARCHAR(32)
		return "", nil, ErrNotFound
	}
	// Any other reference is a case number, this helpline's own
	// (CHS-2026-000123) or one an import kept from another system.
	return "k.case_number = ?", ref, nil
}

// GetCase returns the case with this id or case number, or ErrNotFound.
func (h *Helpline) GetCase(ctx context.Context, ref string) (*models.Case, error) {
	cond, arg, err := h.where(ref)
	if err != nil {
		return nil, err
	}
	c, err := scanCase(h.db.QueryRowContext(ctx, "SELECT "+caseColumns+caseFrom+" WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get case %s: %w", ref, err)
	}
	return c, nil
}

func (h *Helpline) getCase(ctx context.Context, id int64) (*models.Case, error) {
	return h.GetCase(ctx, strconv.FormatInt(id, 10))
}

// UpdateCase applies u to the case with this id or case number and
// returns the case as it now is. Each change, and the note, is recorded in
// the case's activity in the same transaction. A status move the workflow
// does not allow is a *TransitionError; a bad field a *FieldError; an
// unknown case ErrNotFound.
func (h *Helpline) UpdateCase(ctx context.Context, ref string, u Update, actor string) (*models.Case, error) {
	if err := u.normalize(); err != nil {
		return nil, err
	}
	cond, arg, err := h.where(ref)
	if err != nil {
		return nil, err
	}
	if actor == "" {
		actor = "system"
	}
	var id int64
	err = h.db.WriteTx(ctx, func(tx *sql.Tx) error {
		stamp, err := h.tick(ctx, tx)
		if err != nil {
			return err
		}
		q := "SELECT " + caseColumns + caseFrom + " WHERE " + cond
		if h.db.Dialect == sqldb.MySQL {
			q += " FOR UPDATE"
		}
		cur, err := scanCase(tx.QueryRowContext(ctx, q, arg))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read case: %w", err)
		}
		id, _ = strconv.ParseInt(cur.ID, 10, 64)

		var sets []string
		var args []any
		type change struct {
			action, field string
			old, new      string
		}
		var changes []change
		set := func(action, field, old string, new *string) {
			if new == nil || *new == old {
				return
			}
			sets = append(sets, field+" = ?")
			args = append(args, *new)
			changes = append(changes, change{action, field, old, *new})
		}
		set("updated", "title", cur.Title, u.Title)
		set("updated", "description", cur.Description, u.Description)
		set("updated", "category", cur.Category, u.Category)
		set("updated", "sub_category", cur.SubCategory, u.SubCategory)
		if u.Priority != nil {
			p := string(*u.Priority)
			set("updated", "priority", string(cur.Priority), &p)
		}
		set("assigned", "assigned_to", cur.AssignedTo, u.AssignedTo)
		if u.Status != nil && *u.Status != cur.Status {
			if !allowed(cur.Status, *u.Status) {
				return &TransitionError{From: cur.Status, To: *u.Status}
			}
			s := string(*u.Status)
			set("status", "status", string(cur.Status), &s)
		}
		if len(changes) == 0 && u.Note == "" {
			return errUnchanged
		}
		ts := sqldb.FormatTime(stamp)
		sets = append(sets, "updated_at = ?")
		args = append(args, ts, id)
		if _, err := tx.ExecContext(ctx, "UPDATE kase SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
			return fmt.Errorf("update case: %w", err)
		}
		for _, ch := range changes {
			field := ch.field
			if ch.action != "updated" {
				field = ""
			}
			if err := h.activity(ctx, tx, id, ch.action, field, nullString(ch.old), nullString(ch.new), "", actor, stamp); err != nil {
				return err
			}
		}
		if u.Note != "" {
			if err := h.activity(ctx, tx, id, "note", "", nil, nil, u.Note, actor, stamp); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return h.getCase(ctx, id)
	case err != nil:
		var fe *FieldError
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrIllegalTransition) || errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("update case %s: %w", ref, err)
	}
	return h.getCase(ctx, id)
}

func allowed(from, to models.CaseStatus) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// normalize trims u's fields and checks them.
func (u *Update) normalize() error {
	for _, r := range []struct {
		field    string
		p        *string
		required bool
		max      int
	}{
		{"title", u.Title, true, maxTitle}, {"description", u.Description, false, maxDescription},
		{"category", u.Category, true, maxShort}, {"sub_category", u.SubCategory, false, maxShort},
		{"assigned_to", u.AssignedTo, false, maxRef},
	} {
		if r.p == nil {
			continue
		}
		*r.p = strings.TrimSpace(*r.p)
		if r.required && *r.p == "" {
			return &FieldError{r.field, r.field + " cannot be empty."}
		}
		if err := checkLen(r.field, *r.p, r.max); err != nil {
			return err
		}
	}
	if u.Priority != nil {
		*u.Priority = models.Priority(strings.ToLower(strings.TrimSpace(string(*u.Priority))))
		if u.Priority.Validate() != nil {
			return &FieldError{"priority", fmt.Sprintf("priority %q is not one of low, medium, high, critical.", *u.Priority)}
		}
	}
	if u.Status != nil {
		*u.Status = models.CaseStatus(strings.ToLower(strings.TrimSpace(string(*u.Status))))
		if u.Status.Validate() != nil {
			return &FieldError{"status", fmt.Sprintf("status %q is not one of open, in_progress, resolved, closed.", *u.Status)}
		}
	}
	u.Note = strings.TrimSpace(u.Note)
	return checkLen("note", u.Note, maxDescription)
}

// conditions are the SQL conditions (on kase k) and their arguments that
// select the cases f names, its cursor and limit aside.
func (f Filter) conditions() (conds []string, args []any) {
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "k.updated_at >= ?")
		args = append(args, sqldb.FormatTime(f.UpdatedSince))
	}
	if !f.CreatedAfter.IsZero() {
		conds = append(conds, "k.created_at >= ?")
		args = append(args, sqldb.FormatTime(f.CreatedAfter))
	}
	for _, eq := range []struct{ col, v string }{
		{"k.status", string(f.Status)}, {"k.priority", string(f.Priority)},
		{"k.category", f.Category}, {"k.external_ref", f.ExternalRef},
	} {
		if eq.v != "" {
			conds = append(conds, eq.col+" = ?")
			args = append(args, eq.v)
		}
	}
	return conds, args
}

// ListCases returns a page of the cases f selects, ordered by
// (updated_at, id), and the cursor of the next page ("" after the last).
func (h *Helpline) ListCases(ctx context.Context, f Filter) ([]models.Case, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	conds, args := f.conditions()
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		ts := sqldb.FormatTime(at)
		conds = append(conds, "(k.updated_at > ? OR (k.updated_at = ? AND k.id > ?))")
		args = append(args, ts, ts, id)
	}
	q := "SELECT " + caseColumns + caseFrom
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY k.updated_at, k.id LIMIT ?"
	args = append(args, limit+1)
	rows, err := h.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	out := make([]models.Case, 0, min(limit, 128))
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list cases: %w", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(*last.UpdatedAt, last.ID)
	}
	return out, next, nil
}

// ErrBadCursor is a cursor this helpline did not give out.
var ErrBadCursor = errors.New("cursor is not one this API gave out")

func encodeCursor(at time.Time, id string) string {
	return base64URL.EncodeToString([]byte("v1:" + strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

func decodeCursor(s string) (time.Time, int64, error) {
	b, err := base64URL.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "v1" {
		return time.Time{}, 0, ErrBadCursor
	}
	us, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	return time.UnixMicro(us).UTC(), id, nil
}

// Activity lists the recorded changes to the case with this id or case
// number, oldest first.
func (h *Helpline) Activity(ctx context.Context, ref string) ([]Activity, error) {
	c, err := h.GetCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	rows, err := h.db.QueryContext(ctx, `SELECT id, kase_id, action, field, old_value, new_value, note, actor, created_at
FROM kase_activity WHERE kase_id = ? ORDER BY id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	defer rows.Close()
	out := []Activity{}
	for rows.Next() {
		var (
			a           Activity
			id, kid     int64
			field, note sql.NullString
			oldV, newV  sql.NullString
			at          sqldb.Time
		)
		if err := rows.Scan(&id, &kid, &a.Action, &field, &oldV, &newV, &note, &a.Actor, &at); err != nil {
			return nil, fmt.Errorf("list activity: %w", err)
		}
		a.ID, a.CaseID = strconv.FormatInt(id, 10), strconv.FormatInt(kid, 10)
		a.Field, a.Note, a.CreatedAt = field.String, note.String, at.Time
		if oldV.Valid {
			a.OldValue = &oldV.String
		}
		if newV.Valid {
			a.NewValue = &newV.String
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	return out, nil
}

var base64URL = base64.RawURLEncoding
