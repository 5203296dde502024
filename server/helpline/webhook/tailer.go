package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// CaseReader reads a case, by id or case number, as the helpline's API
// shows it. *helpline.Helpline implements it.
type CaseReader interface {
	GetCase(ctx context.Context, ref string) (*models.Case, error)
}

// CaseData is the data of case.created and case.updated: the case as it
// stands when the event is sent, and the activity row that caused it.
type CaseData struct {
	Case     json.RawMessage `json:"case"`
	Activity Activity        `json:"activity"`
}

// Activity is one kase_activity row, a change to a case, as GET
// /helpline/api/cases/{id}/activity shows it.
type Activity struct {
	ID     int64 `json:"id,string"`
	CaseID int64 `json:"case_id,string"`
	// Action is created, updated (Field says which), status, assigned or
	// note.
	Action   string    `json:"action"`
	Field    string    `json:"field,omitempty"`
	OldValue *string   `json:"old_value"`
	NewValue *string   `json:"new_value"`
	Note     string    `json:"note,omitempty"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"created_at"`
}

// activityCursor names the tailer's row in webhook_cursor.
const activityCursor = "kase_activity"

// tailer follows kase_activity, the case store's outbox (each row commits
// with the case change it records), by id from a cursor kept in
// webhook_cursor. Several processes may tail one database: each enqueues
// deliveries under ids derived from the row (a second enqueue is a no-op)
// and moves the cursor only from the position it read.
type tailer struct {
	s *Service
	// gaps remembers when a missing id was first seen: a transaction that
	// took it may still commit, so it is waited for up to GapWait.
	gaps map[int64]time.Time
}

// init places a new cursor at the end of the activity table: events before
// webhooks were first started are not sent.
func (t *tailer) init(ctx context.Context) error {
	db := t.s.db
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_cursor WHERE name = ?", activityCursor).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		var last int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM kase_activity").Scan(&last); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO webhook_cursor (name, position, updated_at) VALUES (?, ?, ?)",
			activityCursor, last, sqldb.FormatTime(time.Now()))
		return err
	})
	if err != nil && !sqldb.IsDuplicate(err) {
		return fmt.Errorf("place the case activity cursor: %w", err)
	}
	return nil
}

func (t *tailer) run(ctx context.Context) {
	tick := time.NewTicker(t.s.cfg.PollInterval)
	defer tick.Stop()
	wait := t.s.cfg.PollInterval
	for {
		more, err := t.step(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			t.s.log.Warn("case activity tailer: will retry", "err", err)
			wait = min(wait*2, 10*time.Second)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			continue
		case more:
			continue
		}
		wait = t.s.cfg.PollInterval
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

const tailBatch = 100

// step sends the events of the activity rows after the cursor and moves
// it. It reports whether a full batch was read (more may wait).
func (t *tailer) step(ctx context.Context) (bool, error) {
	var pos int64
	if err := t.s.db.QueryRowContext(ctx, "SELECT position FROM webhook_cursor WHERE name = ?", activityCursor).Scan(&pos); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, t.init(ctx)
		}
		return false, fmt.Errorf("read the case activity cursor: %w", err)
	}
	rows, err := t.rows(ctx, pos)
	if err != nil {
		return false, err
	}
	full := len(rows) == tailBatch
	// Take rows up to the first gap that is still young.
	next, take := pos+1, make([]Activity, 0, len(rows))
	for _, r := range rows {
		if id := r.ID; id != next {
			seen, ok := t.gaps[next]
			if !ok {
				t.gaps[next] = time.Now()
				break
			}
			if time.Since(seen) < t.s.cfg.GapWait {
				break
			}
			t.s.log.Info("case activity ids skipped: never committed", "from", next, "to", id-1)
		}
		take = append(take, r)
		next = r.ID + 1
	}
	for id := range t.gaps {
		if id < next {
			delete(t.gaps, id)
		}
	}
	if len(take) == 0 {
		return false, nil
	}
	subs, err := t.s.store.list(ctx, true)
	if err != nil {
		return false, err
	}
	cases := map[int64]json.RawMessage{}
	for _, r := range take {
		if r.Action == "imported" { // a bulk import tells no one case by case
			continue
		}
		ev, err := t.event(ctx, r, cases)
		if err != nil {
			return false, err
		}
		if err := t.s.fanOut(ctx, ev, subs); err != nil {
			return false, err
		}
	}
	last := take[len(take)-1].ID
	err = t.s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE webhook_cursor SET position = ?, updated_at = ? WHERE name = ? AND position = ?",
			last, sqldb.FormatTime(time.Now()), activityCursor, pos)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("move the case activity cursor: %w", err)
	}
	return full && len(take) == len(rows), nil
}

func (t *tailer) rows(ctx context.Context, after int64) ([]Activity, error) {
	rows, err := t.s.db.QueryContext(ctx, `SELECT id, kase_id, action, field, old_value, new_value, note, actor, created_at
		FROM kase_activity WHERE id > ? ORDER BY id LIMIT ?`, after, tailBatch)
	if err != nil {
		return nil, fmt.Errorf("read case activity: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var (
			a                          Activity
			field, old, new, note, who sql.NullString
			at                         sqldb.Time
		)
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Action, &field, &old, &new, &note, &who, &at); err != nil {
			return nil, fmt.Errorf("read case activity: %w", err)
		}
		a.Field, a.Note, a.Actor, a.At = field.String, note.String, who.String, at.Time
		a.OldValue, a.NewValue = nullable(old), nullable(new)
		out = append(out, a)
	}
	return out, rows.Err()
}

func nullable(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// event builds the webhook event of one activity row, reading its case
// (once per batch).
func (t *tailer) event(ctx context.Context, r Activity, cases map[int64]json.RawMessage) (Event, error) {
	c, ok := cases[r.CaseID]
	if !ok {
		var err error
		if t.s.cases != nil {
			var kc *models.Case
			if kc, err = t.s.cases.GetCase(ctx, strconv.FormatInt(r.CaseID, 10)); err == nil {
				c, err = json.Marshal(kc)
			}
		}
		if t.s.cases == nil || err != nil {
			// No reader, or it failed: read the row (null when the case
			// is gone).
			c, err = t.caseRow(ctx, r.CaseID)
		}
		if err != nil {
			return Event{}, fmt.Errorf("read case %d: %w", r.CaseID, err)
		}
		cases[r.CaseID] = c
	}
	typ := CaseUpdated
	if r.Action == "created" {
		typ = CaseCreated
	}
	data, err := json.Marshal(CaseData{Case: c, Activity: r})
	if err != nil {
		return Event{}, err
	}
	at := r.At
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return Event{ID: eventID("kase_activity:" + strconv.FormatInt(r.ID, 10)), Type: typ, CreatedAt: at, Data: data}, nil
}

// caseRow reads a case from kase and its reporter from contact, when no
// CaseReader is given. A case that is gone reads as null.
func (t *tailer) caseRow(ctx context.Context, id int64) (json.RawMessage, error) {
	var (
		c                                models.Case
		num, ext, aiModels, phone, email sql.NullString
		dur                              sql.NullFloat64
		created, updated                 sqldb.Time
		kid                              int64
		prio, status                     string
	)
	err := t.s.db.QueryRowContext(ctx, `SELECT k.id, k.case_number, k.title, k.description, k.category, k.sub_category,
		k.priority, k.status, k.assigned_to, k.external_ref, k.source, k.language, k.duration_s, k.ai_models,
		k.created_at, k.updated_at, c.phone, c.email
		FROM kase k LEFT JOIN contact c ON c.id = k.reporter_contact_id WHERE k.id = ?`, id).Scan(
		&kid, &num, &c.Title, &c.Description, &c.Category, &c.SubCategory, &prio, &status, &c.AssignedTo, &ext,
		&c.Source, &c.Language, &dur, &aiModels, &created, &updated, &phone, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return json.RawMessage("null"), nil
	}
	if err != nil {
		return nil, err
	}
	c.ID, c.CaseNumber, c.ExternalRef = strconv.FormatInt(kid, 10), num.String, ext.String
	c.Priority, c.Status = models.Priority(prio), models.CaseStatus(status)
	c.ReporterPhone, c.ReporterEmail = phone.String, email.String
	if dur.Valid {
		c.DurationS = &dur.Float64
	}
	if aiModels.Valid && aiModels.String != "" {
		_ = json.Unmarshal([]byte(aiModels.String), &c.AIModels)
	}
	if created.Valid {
		c.CreatedAt = &created.Time
	}
	if updated.Valid {
		c.UpdatedAt = &updated.Time
	}
	return json.Marshal(c)
}
