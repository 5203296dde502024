package webhook

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

//go:embed migrations
var migrationFiles embed.FS

// Migrations are the webhook tables' migrations, for sqldb.Migrate with
// component "webhook".
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sub
}

// Errors of the subscription store.
var (
	// ErrNotFound: no subscription with this id.
	ErrNotFound = errors.New("webhook subscription not found")
	// ErrDuplicateURL: a subscription with this URL exists.
	ErrDuplicateURL = errors.New("a webhook subscription with this URL exists")
)

// store keeps subscriptions, the delivery log and the tailer's cursor in the
// helpline database.
type store struct {
	db *sqldb.DB
}

const subColumns = `id, url, events, secret, source, active, disabled_reason, disabled_at,
	consecutive_failures, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanSub(r scanner) (*Subscription, error) {
	var (
		s                Subscription
		events           string
		active           int
		disabled         sqldb.Time
		created, updated sqldb.Time
	)
	if err := r.Scan(&s.ID, &s.URL, &events, &s.Secret, &s.Source, &active, &s.DisabledReason, &disabled,
		&s.ConsecutiveFailures, &created, &updated); err != nil {
		return nil, err
	}
	s.Events = splitEvents(events)
	s.Active = active != 0
	if disabled.Valid {
		t := disabled.Time
		s.DisabledAt = &t
	}
	s.CreatedAt, s.UpdatedAt = created.Time, updated.Time
	return &s, nil
}

// create adds a subscription.
func (st *store) create(ctx context.Context, spec SubscriptionSpec, source string) (*Subscription, error) {
	now := time.Now().UTC()
	var id int64
	err := st.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_subscription
			(url, events, secret, source, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			spec.URL, joinEvents(normalEvents(spec.Events)), spec.Secret, source, sqldb.FormatTime(now), sqldb.FormatTime(now))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if sqldb.IsDuplicate(err) {
		return nil, ErrDuplicateURL
	}
	if err != nil {
		return nil, fmt.Errorf("create webhook subscription: %w", err)
	}
	return st.get(ctx, id)
}

// upsert creates the subscription of spec, or updates the events and
// secret of the one with its URL. A disabled subscription stays disabled.
func (st *store) upsert(ctx context.Context, spec SubscriptionSpec, source string) error {
	now := sqldb.FormatTime(time.Now())
	return st.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_subscription SET events = ?, secret = ?, source = ?, updated_at = ?
			WHERE url = ?`, joinEvents(normalEvents(spec.Events)), spec.Secret, source, now, spec.URL)
		if err != nil {
			return fmt.Errorf("update webhook subscription %s: %w", spec.URL, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		// MySQL reports 0 rows for an UPDATE that changed nothing: check.
		var exists int
		err = tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_subscription WHERE url = ?", spec.URL).Scan(&exists)
		if err != nil || exists > 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_subscription
			(url, events, secret, source, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			spec.URL, joinEvents(normalEvents(spec.Events)), spec.Secret, source, now, now)
		if err != nil {
			return fmt.Errorf("create webhook subscription %s: %w", spec.URL, err)
		}
		return nil
	})
}

// get returns subscription id, secret included, or ErrNotFound.
func (st *store) get(ctx context.Context, id int64) (*Subscription, error) {
	s, err := scanSub(st.db.QueryRowContext(ctx, "SELECT "+subColumns+" FROM webhook_subscription WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook subscription %d: %w", id, err)
	}
	return s, nil
}

// list returns every subscription (activeOnly: the active ones), secrets
// included, by id.
func (st *store) list(ctx context.Context, activeOnly bool) ([]*Subscription, error) {
	q := "SELECT " + subColumns + " FROM webhook_subscription"
	if activeOnly {
		q += " WHERE active = 1"
	}
	rows, err := st.db.QueryContext(ctx, q+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list webhook subscriptions: %w", err)
	}
	defer rows.Close()
	var out []*Subscription
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhook subscriptions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// delete removes subscription id and its delivery log.
func (st *store) delete(ctx context.Context, id int64) error {
	return st.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM webhook_subscription WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete webhook subscription %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_delivery WHERE subscription_id = ?", id); err != nil {
			return fmt.Errorf("delete delivery log of webhook subscription %d: %w", id, err)
		}
		return nil
	})
}

// enable turns subscription id back on and clears its failure count.
func (st *store) enable(ctx context.Context, id int64) (*Subscription, error) {
	err := st.db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_subscription SET active = 1, disabled_reason = '',
			disabled_at = NULL, consecutive_failures = 0, updated_at = ? WHERE id = ?`, sqldb.FormatTime(time.Now()), id)
		if err != nil {
			return fmt.Errorf("enable webhook subscription %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var c int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_subscription WHERE id = ?", id).Scan(&c); err != nil {
				return err
			}
			if c == 0 {
				return ErrNotFound
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st.get(ctx, id)
}

// record logs one attempt and keeps subscription d.SubscriptionID's failure
// count. A failed attempt disables the subscription when disableNow is set
// (its reason) or when it makes disableAfter failures in a row. It returns
// the reason when this attempt disabled the subscription.
func (st *store) record(ctx context.Context, d Delivery, disableAfter int, disableNow string, keep int) (string, error) {
	var reason string
	err := st.db.WriteTx(ctx, func(tx *sql.Tx) error {
		reason = ""
		now := sqldb.FormatTime(d.At)
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_delivery (subscription_id, event_id, event_type, attempt,
			status_code, delivered, error, duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.SubscriptionID, d.EventID, string(d.EventType), d.Attempt, d.StatusCode, boolInt(d.Delivered),
			truncate(d.Error, 490), d.DurationMS, now)
		if err != nil {
			return fmt.Errorf("log delivery: %w", err)
		}
		if id, _ := res.LastInsertId(); id%64 == 0 {
			if err := prune(ctx, tx, d.SubscriptionID, keep); err != nil {
				return err
			}
		}
		if d.Delivered {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_subscription SET consecutive_failures = 0
				WHERE id = ? AND consecutive_failures <> 0`, d.SubscriptionID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_subscription SET consecutive_failures = consecutive_failures + 1
			WHERE id = ?`, d.SubscriptionID); err != nil {
			return fmt.Errorf("count failed delivery: %w", err)
		}
		var failures, active int
		err = tx.QueryRowContext(ctx, "SELECT consecutive_failures, active FROM webhook_subscription WHERE id = ?",
			d.SubscriptionID).Scan(&failures, &active)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		why := disableNow
		if why == "" && failures >= disableAfter {
			why = fmt.Sprintf("%d consecutive deliveries failed; last: %s", failures, d.Error)
		}
		if why == "" || active == 0 {
			return nil
		}
		why = truncate(why, 490)
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_subscription SET active = 0, disabled_reason = ?, disabled_at = ?,
			updated_at = ? WHERE id = ? AND active = 1`, why, now, now, d.SubscriptionID); err != nil {
			return fmt.Errorf("disable webhook subscription: %w", err)
		}
		reason = why
		return nil
	})
	return reason, err
}

// prune keeps the newest keep log rows of subscription id.
func prune(ctx context.Context, tx *sql.Tx, id int64, keep int) error {
	var edge int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM webhook_delivery WHERE subscription_id = ?
		ORDER BY id DESC LIMIT 1 OFFSET ?`, id, keep).Scan(&edge)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("prune delivery log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_delivery WHERE subscription_id = ? AND id <= ?", id, edge); err != nil {
		return fmt.Errorf("prune delivery log: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deliveries returns subscription id's newest log rows, newest first.
func (st *store) deliveries(ctx context.Context, id int64, limit int) ([]Delivery, error) {
	rows, err := st.db.QueryContext(ctx, `SELECT id, subscription_id, event_id, event_type, attempt, status_code,
		delivered, error, duration_ms, created_at FROM webhook_delivery WHERE subscription_id = ?
		ORDER BY id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("read delivery log of webhook subscription %d: %w", id, err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var (
			d         Delivery
			typ       string
			delivered int
			at        sqldb.Time
		)
		if err := rows.Scan(&d.ID, &d.SubscriptionID, &d.EventID, &typ, &d.Attempt, &d.StatusCode, &delivered,
			&d.Error, &d.DurationMS, &at); err != nil {
			return nil, fmt.Errorf("read delivery log of webhook subscription %d: %w", id, err)
		}
		d.EventType, d.Delivered, d.At = EventType(typ), delivered != 0, at.Time
		out = append(out, d)
	}
	return out, rows.Err()
}
