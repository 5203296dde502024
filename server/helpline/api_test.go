package helpline_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
)

// guideCase is the body of the guide's Node createCase.
var guideCase = map[string]any{
	"title":          "Child safety concern from hotline",
	"description":    "Caller reported concern about child welfare",
	"category":       "abuse",
	"priority":       "high",
	"reporter_phone": "+254700123456",
	"reporter_email": "reporter@example.com",
}

func withFields(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestCreate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := e.do(t, "POST", "/helpline/api/cases", withFields(guideCase, "extra_field_from_a_crm", 42))
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var raw map[string]any
		r.decode(t, &raw)
		if _, ok := raw["id"].(string); !ok {
			t.Errorf("id %v is not a JSON string", raw["id"])
		}
		var c models.Case
		r.decode(t, &c)
		if !regexp.MustCompile(`^CHS-\d{4}-\d{6}$`).MatchString(c.CaseNumber) {
			t.Errorf("case number %q", c.CaseNumber)
		}
		want := models.Case{ID: c.ID, CaseNumber: c.CaseNumber, Title: "Child safety concern from hotline",
			Description: "Caller reported concern about child welfare", Category: "abuse", Priority: "high",
			ReporterPhone: "+254700123456", ReporterEmail: "reporter@example.com", Status: models.CaseOpen,
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		if d := cmp.Diff(want, c); d != "" {
			t.Errorf("case (-want +got)\n%s", d)
		}
		if c.CreatedAt == nil || c.CreatedAt.IsZero() {
			t.Errorf("no created_at")
		}
		g := e.do(t, "GET", "/helpline/api/cases/"+c.ID, nil)
		var got models.Case
		g.decode(t, &got)
		if d := cmp.Diff(c, got); g.status != 200 || d != "" {
			t.Errorf("GET status %d (-created +got)\n%s", g.status, d)
		}
		g = e.do(t, "GET", "/helpline/api/cases/"+c.CaseNumber, nil)
		if g.status != 200 {
			t.Errorf("GET by case number: %d", g.status)
		}

		// The AI service's fields.
		dur := 93.5
		r = e.do(t, "POST", "/helpline/api/cases", withFields(guideCase, "external_ref", "task-1", "source", "ai",
			"language", "sw", "duration_s", dur, "sub_category", "physical", "ai_models", map[string]string{"transcriber": "tiny@abc"}))
		var ai models.Case
		r.decode(t, &ai)
		if ai.ExternalRef != "task-1" || ai.Source != "ai" || ai.Language != "sw" || ai.DurationS == nil || *ai.DurationS != dur ||
			ai.SubCategory != "physical" || ai.AIModels["transcriber"] != "tiny@abc" {
			t.Errorf("AI fields not kept: %s", r.body)
		}
		if ai.ID == c.ID || ai.CaseNumber == c.CaseNumber {
			t.Errorf("two cases share an id or number")
		}
	})
}

func TestCreateValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tests := []struct {
			name   string
			body   any
			status int
			code   string
			field  string
		}{
			{"no title", withFields(guideCase, "title", nil), 400, "invalid_field", "title"},
			{"blank title", withFields(guideCase, "title", "  "), 400, "invalid_field", "title"},
			{"no category", withFields(guideCase, "category", nil), 400, "invalid_field", "category"},
			{"no priority", withFields(guideCase, "priority", nil), 400, "invalid_field", "priority"},
			{"bad priority", withFields(guideCase, "priority", "urgent"), 400, "invalid_field", "priority"},
			{"priority not a string", withFields(guideCase, "priority", 3), 400, "invalid_field", "priority"},
			{"long title", withFields(guideCase, "title", strings.Repeat("x", 501)), 400, "invalid_field", "title"},
			{"malformed", `{"title": "x",`, 400, "invalid_json", ""},
			{"not an object", `[1,2]`, 400, "invalid_json", ""},
			{"empty", ``, 400, "invalid_json", ""},
			{"too big", withFields(guideCase, "description", strings.Repeat("x", 2<<20)), 413, "body_too_large", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(t, "POST", "/helpline/api/cases", tt.body)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
				}
				code, details := r.errCode(t)
				if code != tt.code || tt.field != "" && details["field"] != tt.field {
					t.Errorf("code %q field %v, want %q %q", code, details["field"], tt.code, tt.field)
				}
			})
		}
		cases, _, err := e.h.ListCases(t.Context(), helplineFilter())
		if err != nil || len(cases) != 0 {
			t.Errorf("refused requests made %d cases (%v)", len(cases), err)
		}
	})
}

func TestAuthAndOTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := e.do(t, "GET", "/helpline/api/health", nil)
		if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"status":"ok"}` {
			t.Errorf("health: %d %s", r.status, r.body)
		}
		r = e.do(t, "GET", "/helpline/api/health", nil, "X-API-Key", "wrong")
		if r.status != 401 {
			t.Errorf("health with a wrong key: %d", r.status)
		}
		for _, p := range []string{"/helpline/api/sendOTP", "/helpline/api/verifyOTP"} {
			r = e.do(t, "POST", p, `{"addr_addr": "user@example.com", "addr_type": "email"}`, "X-API-Key", "")
			if code, _ := r.errCode(t); r.status != 501 || code != "not_implemented" {
				t.Errorf("%s: %d %s", p, r.status, r.body)
			}
		}
		r = e.do(t, "GET", "/helpline/api/cases/999999", nil)
		if code, _ := r.errCode(t); r.status != 404 || code != "case_not_found" {
			t.Errorf("unknown case: %d %s", r.status, r.body)
		}
		r = e.do(t, "GET", "/helpline/api/cases/nonsense", nil)
		if r.status != 404 {
			t.Errorf("nonsense id: %d", r.status)
		}
		r = e.do(t, "DELETE", "/helpline/api/cases/1", nil)
		if code, _ := r.errCode(t); r.status != 405 || code != "method_not_allowed" {
			t.Errorf("DELETE: %d %s", r.status, r.body)
		}
	})
}

func TestIdempotency(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		first := e.do(t, "POST", "/helpline/api/cases", guideCase, "Idempotency-Key", "k-1")
		again := e.do(t, "POST", "/helpline/api/cases", guideCase, "Idempotency-Key", "k-1")
		if first.status != 201 || again.status != 200 {
			t.Fatalf("statuses %d then %d, want 201 then 200", first.status, again.status)
		}
		var a, b models.Case
		first.decode(t, &a)
		again.decode(t, &b)
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("the retry returned another case (-first +retry)\n%s", d)
		}
		other := e.do(t, "POST", "/helpline/api/cases", withFields(guideCase, "priority", "low"), "Idempotency-Key", "k-1")
		if code, _ := other.errCode(t); other.status != 409 || code != "idempotency_conflict" {
			t.Errorf("same key, other body: %d %s", other.status, other.body)
		}

		// external_ref: same body returns the case, another body conflicts.
		body := withFields(guideCase, "external_ref", "task-42")
		r1 := e.do(t, "POST", "/helpline/api/cases", body)
		r2 := e.do(t, "POST", "/helpline/api/cases", body)
		r3 := e.do(t, "POST", "/helpline/api/cases", withFields(body, "title", "Another"))
		if r1.status != 201 || r2.status != 200 || r3.status != 409 {
			t.Errorf("external_ref statuses %d %d %d, want 201 200 409", r1.status, r2.status, r3.status)
		}

		// Concurrent deliveries of one task's case make one case.
		body = withFields(guideCase, "external_ref", "task-race")
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		ids := make([]string, 20)
		for i := range statuses {
			wg.Go(func() {
				r := e.do(t, "POST", "/helpline/api/cases", body, "Idempotency-Key", fmt.Sprintf("race-%d", i%3))
				statuses[i] = r.status
				var c models.Case
				if r.status < 300 {
					r.decode(t, &c)
				}
				ids[i] = c.ID
			})
		}
		wg.Wait()
		created := 0
		for i, s := range statuses {
			if s == 201 {
				created++
			}
			if s != 201 && s != 200 || ids[i] != ids[0] {
				t.Errorf("request %d: status %d case %q, want the one case %q", i, s, ids[i], ids[0])
			}
		}
		if created != 1 {
			t.Errorf("%d requests created a case, want 1", created)
		}
		list := e.do(t, "GET", "/helpline/api/cases?external_ref=task-race", nil)
		var cs []models.Case
		list.decode(t, &cs)
		if len(cs) != 1 {
			t.Errorf("%d cases with external_ref task-race, want 1", len(cs))
		}
	})
}
