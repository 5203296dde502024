package helpline

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/reply"
)

// DailyCount is one row of the cases opened per day and priority, read
// from the fact_case_daily view the read-only database offers as well.
type DailyCount struct {
	Date     string          `json:"date"` // YYYY-MM-DD, UTC
	Priority models.Priority `json:"priority"`
	NewCases int             `json:"new_cases"`
}

// maxStatsDays bounds GET /stats/daily?days=.
const maxStatsDays = 366

// DailyCases returns the cases opened per UTC day and priority from the
// day since onwards, oldest first.
func (h *Helpline) DailyCases(ctx context.Context, since time.Time) ([]DailyCount, error) {
	rows, err := h.db.QueryContext(ctx,
		"SELECT CAST(metric_date AS CHAR), priority, SUM(new_cases) FROM fact_case_daily"+
			" WHERE metric_date >= ? GROUP BY metric_date, priority ORDER BY metric_date, priority",
		since.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("daily cases: %w", err)
	}
	defer rows.Close()
	out := []DailyCount{}
	for rows.Next() {
		var d DailyCount
		if err := rows.Scan(&d.Date, &d.Priority, &d.NewCases); err != nil {
			return nil, fmt.Errorf("daily cases: %w", err)
		}
		if d.NewCases > 0 {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// handleDaily is GET /stats/daily?days=N (default 7): the cases opened per
// day and priority over the last N UTC days, today included.
func (h *Helpline) handleDaily(w http.ResponseWriter, r *http.Request) {
	days := 7
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxStatsDays {
			reply.Error(w, http.StatusBadRequest, "invalid_parameter",
				fmt.Sprintf("days %q is not a whole number from 1 to %d.", v, maxStatsDays), map[string]any{"field": "days"})
			return
		}
		days = n
	}
	since := time.Now().UTC().AddDate(0, 0, 1-days)
	counts, err := h.DailyCases(r.Context(), since)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, map[string]any{"since": since.Format(time.DateOnly), "days": counts})
}
