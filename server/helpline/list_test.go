package helpline_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline"
)

var priorities = []models.Priority{models.PriorityLow, models.PriorityMedium, models.PriorityHigh, models.PriorityCritical}

// seed creates n cases through the store, priority and category cycling.
func seed(t testing.TB, h *helpline.Helpline, n int) []models.Case {
	t.Helper()
	out := make([]models.Case, n)
	for i := range out {
		c, _, err := h.CreateCase(context.Background(), models.Case{
			Title: fmt.Sprintf("case %d", i), Category: []string{"abuse", "neglect", "info"}[i%3],
			Priority: priorities[i%4], ReporterPhone: fmt.Sprintf("+2547%08d", i%50),
		}, helpline.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = *c
	}
	return out
}

// listAll follows the cursor from path to the end.
func (e *env) listAll(t testing.TB, path string) (all []models.Case, pages int) {
	t.Helper()
	for {
		r := e.do(t, "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var page []models.Case
		r.decode(t, &page)
		if page == nil {
			t.Fatalf("GET %s: the reply is not a JSON array: %s", path, r.body)
		}
		all = append(all, page...)
		pages++
		next := r.header.Get("X-Next-Cursor")
		link := r.header.Get("Link")
		if next == "" {
			if link != "" {
				t.Errorf("a Link header without X-Next-Cursor: %s", link)
			}
			return all, pages
		}
		if !strings.HasSuffix(link, `>; rel="next"`) || !strings.Contains(link, url.QueryEscape(next)) {
			t.Errorf("Link %q does not point at cursor %q", link, next)
		}
		path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	}
}

func TestListPagination(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cases := seed(t, e.h, 250)
		all, pages := e.listAll(t, "/helpline/api/cases?limit=40")
		if pages != 7 {
			t.Errorf("%d pages of 40 for 250 cases, want 7", pages)
		}
		seen := map[string]bool{}
		for i, c := range all {
			if seen[c.ID] {
				t.Errorf("case %s listed twice", c.ID)
			}
			seen[c.ID] = true
			if i > 0 && !all[i-1].UpdatedAt.Before(*c.UpdatedAt) {
				t.Errorf("case %s not after case %s in updated_at", c.ID, all[i-1].ID)
			}
		}
		for _, c := range cases {
			if !seen[c.ID] {
				t.Errorf("case %s never listed", c.ID)
			}
		}

		// Default page of 100; limit over the maximum is capped.
		r := e.do(t, "GET", "/helpline/api/cases", nil)
		var page []models.Case
		r.decode(t, &page)
		if len(page) != 100 || r.header.Get("X-Next-Cursor") == "" {
			t.Errorf("default page: %d cases, cursor %q", len(page), r.header.Get("X-Next-Cursor"))
		}
		r = e.do(t, "GET", "/helpline/api/cases?limit=5000", nil)
		r.decode(t, &page)
		if r.status != 200 || len(page) != 250 {
			t.Errorf("limit=5000: %d, %d cases", r.status, len(page))
		}

		tests := []struct {
			query string
			want  func(models.Case) bool
		}{
			{"priority=critical", func(c models.Case) bool { return c.Priority == models.PriorityCritical }},
			{"category=neglect&priority=high", func(c models.Case) bool { return c.Category == "neglect" && c.Priority == models.PriorityHigh }},
			{"status=open", func(models.Case) bool { return true }},
			{"status=closed", func(models.Case) bool { return false }},
			{"updated_since=" + url.QueryEscape(cases[200].UpdatedAt.Format(time.RFC3339Nano)), func(c models.Case) bool { return !c.UpdatedAt.Before(*cases[200].UpdatedAt) }},
			{"created_after=" + url.QueryEscape(cases[100].CreatedAt.Format(time.RFC3339Nano)) + "&priority=low", func(c models.Case) bool {
				return !c.CreatedAt.Before(*cases[100].CreatedAt) && c.Priority == models.PriorityLow
			}},
		}
		for _, tt := range tests {
			got, _ := e.listAll(t, "/helpline/api/cases?limit=17&"+tt.query)
			n := 0
			for _, c := range cases {
				if tt.want(c) {
					n++
				}
			}
			if len(got) != n {
				t.Errorf("%s: %d cases, want %d", tt.query, len(got), n)
			}
			for _, c := range got {
				if !tt.want(c) {
					t.Errorf("%s: case %s does not match", tt.query, c.ID)
				}
			}
		}
		for _, q := range []string{"limit=0", "limit=x", "status=done", "priority=urgent", "updated_since=yesterday", "cursor=bogus"} {
			if r := e.do(t, "GET", "/helpline/api/cases?"+q, nil); r.status != 400 {
				t.Errorf("%s: status %d, want 400", q, r.status)
			}
		}
	})
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 28, 15, 4, 5, 123456000, time.UTC)
	for _, s := range []string{
		"2026-11-28T15:04:05.123456",       // Python's datetime.now().isoformat()
		"2026-11-28T15:04:05.123456Z",      // RFC 3339
		"2026-11-28T18:04:05.123456+03:00", // with a zone (Nairobi)
		"2026-11-28T18:04:05.123456 03:00", // the '+' decoded as a space
		"2026-11-28 15:04:05.123456",       // SQL style
	} {
		got, err := helpline.ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if d, err := helpline.ParseTime("2025-01-01"); err != nil || !d.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date: %v, %v", d, err)
	}
}

func TestNaiveUpdatedSince(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cases := seed(t, e.h, 3)
		// As Python's OpenCHSSync sends it: params={'updated_since': dt.isoformat()}.
		naive := cases[1].UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000")
		r := e.do(t, "GET", "/helpline/api/cases?"+url.Values{"updated_since": {naive}, "limit": {"100"}}.Encode(), nil)
		var got []models.Case
		r.decode(t, &got)
		if r.status != 200 || len(got) != 2 || got[0].ID != cases[1].ID {
			t.Errorf("updated_since=%s: %d, %d cases; want cases 2 and 3", naive, r.status, len(got))
		}
	})
}

// TestPollerSeesEveryUpdate: writers update cases concurrently while a
// poller asks for updated_since = the greatest updated_at it has seen; at
// the end the poller knows every case's final state.
func TestPollerSeesEveryUpdate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cases := seed(t, e.h, 100)
		var (
			mu    sync.Mutex
			final = map[string]models.Case{}
		)
		for _, c := range cases {
			final[c.ID] = c
		}
		var writers sync.WaitGroup
		for w := range 4 {
			writers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for i := range 60 {
					c := cases[rng.IntN(len(cases))]
					title := fmt.Sprintf("writer %d edit %d", w, i)
					r := e.do(t, "PATCH", "/helpline/api/cases/"+c.ID, map[string]any{"title": title, "note": title})
					if r.status != 200 {
						t.Errorf("PATCH: %d %s", r.status, r.body)
						return
					}
					var got models.Case
					r.decode(t, &got)
					mu.Lock()
					if got.UpdatedAt.After(*final[c.ID].UpdatedAt) {
						final[c.ID] = got
					}
					mu.Unlock()
				}
			})
		}
		seen := map[string]models.Case{}
		var since time.Time
		poll := func() {
			q := url.Values{"limit": {"7"}}
			if !since.IsZero() {
				// Naive and in microseconds, as a Python poller would send it.
				q.Set("updated_since", since.UTC().Format("2006-01-02T15:04:05.000000"))
			}
			page, _ := e.listAll(t, "/helpline/api/cases?"+q.Encode())
			for _, c := range page {
				if prev, ok := seen[c.ID]; !ok || c.UpdatedAt.After(*prev.UpdatedAt) {
					seen[c.ID] = c
				}
				if c.UpdatedAt.After(since) {
					since = *c.UpdatedAt
				}
			}
		}
		done := make(chan struct{})
		go func() { writers.Wait(); close(done) }()
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
				poll()
			}
		}
		poll() // the last poll after the writers finished
		for id, want := range final {
			got := seen[id]
			if got.Title != want.Title || !got.UpdatedAt.Equal(*want.UpdatedAt) {
				t.Errorf("case %s: the poller last saw %q at %v, the final state is %q at %v",
					id, got.Title, got.UpdatedAt, want.Title, want.UpdatedAt)
			}
		}
	})
}
