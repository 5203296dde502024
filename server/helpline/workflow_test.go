package helpline_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline"
)

func TestStatusWorkflow(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		var c models.Case
		e.do(t, "POST", "/helpline/api/cases", guideCase).decode(t, &c)
		path := "/helpline/api/cases/" + c.ID
		steps := []struct {
			name   string
			method string
			body   string
			status int
			code   string
			want   models.CaseStatus
		}{
			{"open to resolved skips work", "PATCH", `{"status": "resolved"}`, 409, "illegal_transition", models.CaseOpen},
			{"start work", "PUT", `{"status": "in_progress", "assigned_to": "counsellor-7", "note": "Called the school."}`, 200, "", models.CaseInProgress},
			{"back to open", "PATCH", `{"status": "open"}`, 409, "illegal_transition", models.CaseInProgress},
			{"resolve", "PATCH", `{"status": "resolved", "priority": "medium"}`, 200, "", models.CaseResolved},
			{"reopen", "PATCH", `{"status": "in_progress"}`, 200, "", models.CaseInProgress},
			{"resolve again", "PUT", `{"status": "resolved"}`, 200, "", models.CaseResolved},
			{"close", "PATCH", `{"status": "closed", "title": "Child safety concern (closed)"}`, 200, "", models.CaseClosed},
			{"closed is final", "PATCH", `{"status": "in_progress"}`, 409, "illegal_transition", models.CaseClosed},
			{"same status is no change", "PATCH", `{"status": "closed"}`, 200, "", models.CaseClosed},
			{"unknown status", "PATCH", `{"status": "done"}`, 400, "invalid_field", models.CaseClosed},
			{"empty title", "PATCH", `{"title": ""}`, 400, "invalid_field", models.CaseClosed},
		}
		for _, s := range steps {
			r := e.do(t, s.method, path, s.body)
			if r.status != s.status {
				t.Fatalf("%s: status %d, want %d: %s", s.name, r.status, s.status, r.body)
			}
			if s.code != "" {
				code, details := r.errCode(t)
				if code != s.code {
					t.Errorf("%s: code %q, want %q", s.name, code, s.code)
				}
				if code == "illegal_transition" && (details["from"] != string(s.want) || details["to"] == nil) {
					t.Errorf("%s: details %v", s.name, details)
				}
			}
			var got models.Case
			e.do(t, "GET", path, nil).decode(t, &got)
			if got.Status != s.want {
				t.Errorf("%s: status %s, want %s", s.name, got.Status, s.want)
			}
		}
		if r := e.do(t, "PATCH", "/helpline/api/cases/424242", `{"status": "closed"}`); r.status != http.StatusNotFound {
			t.Errorf("update of an unknown case: %d", r.status)
		}

		var acts []helpline.Activity
		r := e.do(t, "GET", path+"/activity", nil)
		r.decode(t, &acts)
		type row struct{ Action, Field, Old, New, Note string }
		var got []row
		for _, a := range acts {
			if a.Actor == "" || a.Actor == testKey || a.CaseID != c.ID {
				t.Errorf("activity %s: actor %q case %q", a.ID, a.Actor, a.CaseID)
			}
			got = append(got, row{a.Action, a.Field, deref(a.OldValue), deref(a.NewValue), a.Note})
		}
		want := []row{
			{"created", "", "", "open", ""},
			{"assigned", "", "", "counsellor-7", ""},
			{"status", "", "open", "in_progress", ""},
			{"note", "", "", "", "Called the school."},
			{"updated", "priority", "high", "medium", ""},
			{"status", "", "in_progress", "resolved", ""},
			{"status", "", "resolved", "in_progress", ""},
			{"status", "", "in_progress", "resolved", ""},
			{"updated", "title", "Child safety concern from hotline", "Child safety concern (closed)", ""},
			{"status", "", "resolved", "closed", ""},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("activity (-want +got)\n%s", d)
		}

		// fact_case_daily counts the case once as new, twice as resolved.
		var news, resolved int
		if err := e.h.DB().QueryRowContext(t.Context(), "SELECT SUM(new_cases), SUM(resolved_cases) FROM fact_case_daily").Scan(&news, &resolved); err != nil {
			t.Fatal(err)
		}
		if news != 1 || resolved != 2 {
			t.Errorf("fact_case_daily: %d new, %d resolved; want 1 and 2", news, resolved)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
