package helpline_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/server/helpline"
)

// GET /stats/daily counts the cases opened per day and priority, from the
// same view the read-only database offers, in both dialects.
func TestDailyStats(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, p := range []string{"critical", "critical", "low"} {
			if r := e.do(t, "POST", "/helpline/api/cases", withFields(guideCase, "priority", p)); r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
		}
		r := e.do(t, "GET", "/helpline/api/stats/daily", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var got struct {
			Days []helpline.DailyCount `json:"days"`
		}
		r.decode(t, &got)
		today := time.Now().UTC().Format(time.DateOnly)
		want := map[string]int{"critical": 2, "low": 1}
		n := map[string]int{}
		for _, d := range got.Days {
			if d.Date != today {
				t.Errorf("a row for %s, want only today (%s)", d.Date, today)
			}
			n[string(d.Priority)] += d.NewCases
		}
		if len(n) != len(want) || n["critical"] != 2 || n["low"] != 1 {
			t.Errorf("cases per priority today %v, want %v", n, want)
		}
		for _, bad := range []string{"0", "367", "seven"} {
			if r := e.do(t, "GET", "/helpline/api/stats/daily?days="+bad, nil); r.status != http.StatusBadRequest {
				t.Errorf("days=%s: %d, want 400", bad, r.status)
			}
		}
	})
}
