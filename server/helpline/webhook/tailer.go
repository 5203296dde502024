package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

// CaseReader reads a case as the helpline's API shows it.
type CaseReader interface {
	CaseJSON(ctx context.Context, id int64) (json.RawMessage, error)
}

// CaseData is the data of case.created and case.updated: the case as it
// stands when the event is sent, and the activity row that caused it.
type CaseData struct {
	Case     json.RawMessage `json:"case"`
	Activity map[string]any  `json:"activity"`
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
	next, take := pos+1, make([]activityRow, 0, len(rows))
	for _, r := range rows {
		if id := r.id; id != next {
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
		next = r.id + 1
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
		ev, err := t.event(ctx, r, cases)
		if err != nil {
			return false, err
		}
		if err := t.s.fanOut(ctx, ev, subs); err != nil {
			return false, err
		}
	}
	last := take[len(take)-1].id
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

// activityRow is one kase_activity row: its id, case and action, and all
// its columns for the event.
type activityRow struct {
	id     int64
	kaseID int64
	action string
	at     time.Time
	cols   map[string]any
}

func (t *tailer) rows(ctx context.Context, after int64) ([]activityRow, error) {
	rows, err := t.s.db.QueryContext(ctx, "SELECT * FROM kase_activity WHERE id > ? ORDER BY id LIMIT ?", after, tailBatch)
	if err != nil {
		return nil, fmt.Errorf("read case activity: %w", err)
	}
	defer rows.Close()
	var out []activityRow
	for rows.Next() {
		m, err := rowMap(rows)
		if err != nil {
			return nil, fmt.Errorf("read case activity: %w", err)
		}
		r := activityRow{cols: m}
		r.id, _ = asInt(m["id"])
		r.kaseID, _ = asInt(m["kase_id"])
		r.action, _ = m["action"].(string)
		if s, ok := m["created_at"].(string); ok {
			r.at, _ = time.Parse(time.RFC3339Nano, s)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// event builds the webhook event of one activity row, reading its case
// (once per batch).
func (t *tailer) event(ctx context.Context, r activityRow, cases map[int64]json.RawMessage) (Event, error) {
	c, ok := cases[r.kaseID]
	if !ok {
		var err error
		if t.s.cases != nil {
			c, err = t.s.cases.CaseJSON(ctx, r.kaseID)
		} else {
			c, err = t.caseRow(ctx, r.kaseID)
		}
		if err != nil {
			return Event{}, fmt.Errorf("read case %d: %w", r.kaseID, err)
		}
		cases[r.kaseID] = c
	}
	typ := CaseUpdated
	if r.action == "created" {
		typ = CaseCreated
	}
	data, err := json.Marshal(CaseData{Case: c, Activity: r.cols})
	if err != nil {
		return Event{}, err
	}
	at := r.at
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return Event{ID: eventID("kase_activity:" + strconv.FormatInt(r.id, 10)), Type: typ, CreatedAt: at, Data: data}, nil
}

// caseRow reads a case straight from kase, column by column, when no
// CaseReader is given. A case that is gone reads as null.
func (t *tailer) caseRow(ctx context.Context, id int64) (json.RawMessage, error) {
	rows, err := t.s.db.QueryContext(ctx, "SELECT * FROM kase WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return json.RawMessage("null"), rows.Err()
	}
	m, err := rowMap(rows)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// rowMap scans the current row into a map of its columns: text as
// strings, times (columns named *_at) as RFC 3339 UTC.
func rowMap(rows *sql.Rows) (map[string]any, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if strings.HasSuffix(c, "_at") && v != nil {
			var ts sqldb.Time
			if ts.Scan(v) == nil && ts.Valid {
				v = ts.Time.Format(time.RFC3339Nano)
			}
		}
		m[c] = v
	}
	return m, nil
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int:
		return int64(n), true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}
