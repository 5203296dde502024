package helpline

// Bulk transfer: JSON (or CSV) export of cases, the integration guide's
// "Data Import/Export" (import.go reads them back).
//
// # Export
//
// Export walks the cases a Filter selects in id order, one page of
// ExportPageSize cases per query (no read held open while a slow client
// downloads), and writes each case as the API shows it.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/reply"
)

// ExportCases calls fn with each case f selects (its Limit and Cursor
// aside), in id order, reading ExportPageSize cases per query; after
// each page it calls page, when not nil.
func (h *Helpline) ExportCases(ctx context.Context, f Filter, fn func(*models.Case) error, page func() error) error {
	conds, args := f.conditions()
	q := "SELECT " + caseColumns + caseFrom + " WHERE " + strings.Join(append(conds, "k.id > ?"), " AND ") +
		" ORDER BY k.id LIMIT " + strconv.Itoa(ExportPageSize)
	var after int64
	for {
		cases, err := h.exportPage(ctx, q, append(args, after))
		if err != nil {
			return err
		}
		for _, c := range cases {
			if err := fn(c); err != nil {
				return err
			}
		}
		if page != nil {
			if err := page(); err != nil {
				return err
			}
		}
		if len(cases) < ExportPageSize {
			return nil
		}
		after, _ = strconv.ParseInt(cases[len(cases)-1].ID, 10, 64)
	}
}

func (h *Helpline) exportPage(ctx context.Context, q string, args []any) ([]*models.Case, error) {
	rows, err := h.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("export cases: %w", err)
	}
	defer rows.Close()
	out := make([]*models.Case, 0, ExportPageSize)
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("export cases: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export cases: %w", err)
	}
	return out, nil
}

// flusher is an http.Flusher.
type flusher interface{ Flush() }

// ExportJSON writes the cases f selects to w as one JSON array, a case per
// line, and returns how many it wrote. It holds one page of cases at a
// time, and flushes w (when it is an http.Flusher) after each page.
func (h *Helpline) ExportJSON(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	if _, err := bw.WriteString("["); err != nil {
		return 0, err
	}
	err := h.ExportCases(ctx, f, func(c *models.Case) error {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		sep := ",\n"
		if n == 0 {
			sep = "\n"
		}
		n++
		bw.WriteString(sep)
		_, err = bw.Write(b)
		return err
	}, pageFlush(bw, w))
	if err != nil {
		return n, err
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return n, bw.Flush()
}

// ExportCSV writes the cases f selects to w as CSV with ImportColumns, which
// ImportCSV reads back into the same cases.
func (h *Helpline) ExportCSV(ctx context.Context, w io.Writer, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(ImportColumns); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, len(ImportColumns))
	flushPage := pageFlush(bw, w)
	err := h.ExportCases(ctx, f, func(c *models.Case) error {
		n++
		caseRecord(c, rec)
		return cw.Write(rec)
	}, func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return flushPage()
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// caseRecord fills rec with c's ImportColumns.
func caseRecord(c *models.Case, rec []string) {
	t := func(at *time.Time) string {
		if at == nil {
			return ""
		}
		return at.UTC().Format(time.RFC3339Nano)
	}
	var duration, aiModels string
	if c.DurationS != nil {
		duration = strconv.FormatFloat(*c.DurationS, 'g', -1, 64)
	}
	if len(c.AIModels) > 0 {
		b, _ := json.Marshal(c.AIModels)
		aiModels = string(b)
	}
	copy(rec, []string{c.CaseNumber, c.Title, c.Description, c.Category, string(c.Priority), c.ReporterPhone, t(c.CreatedAt),
		string(c.Status), c.ReporterEmail, c.SubCategory, c.ExternalRef, c.Source, c.Language, c.AssignedTo,
		duration, aiModels, t(c.UpdatedAt)})
}

// pageFlush flushes bw, then w when it is an http.Flusher.
func pageFlush(bw *bufio.Writer, w io.Writer) func() error {
	return func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		if fl, ok := w.(flusher); ok {
			fl.Flush()
		}
		return nil
	}
}

// handleExport serves GET /cases/export: the cases the query selects
// (status, priority, category, external_ref, created_after,
// updated_since) as a JSON array, or CSV with format=csv, as an
// attachment.
func (h *Helpline) handleExport(w http.ResponseWriter, r *http.Request) {
	f, field, msg := ParseFilter(r.URL.Query())
	if msg != "" {
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", msg, map[string]any{"field": field})
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json":
		format = "json"
		w.Header().Set("Content-Type", "application/json")
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	default:
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("format %q is not json or csv.", format), map[string]any{"field": "format"})
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+ExportFilename(time.Now(), format)+`"`)
	var err error
	if format == "csv" {
		_, err = h.ExportCSV(r.Context(), w, f)
	} else {
		_, err = h.ExportJSON(r.Context(), w, f)
	}
	if err != nil {
		if r.Context().Err() == nil {
			h.log.Error("export failed", "err", err)
		}
		// The status line is gone; cut the connection so that the
		// client sees a broken download, not a short one.
		panic(http.ErrAbortHandler)
	}
}

// ExportFilename is the guide's cases_export_YYYY-MM-DD_HHMMSS name, in
// UTC.
func ExportFilename(at time.Time, format string) string {
	return "cases_export_" + at.UTC().Format("2006-01-02_150405") + "." + format
}

// ParseFilter reads the list and export filters from a query: status,
// priority, category, external_ref, created_after, updated_since. A bad
// one is named with a message.
func ParseFilter(q map[string][]string) (f Filter, field, msg string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"updated_since", &f.UpdatedSince}, {"created_after", &f.CreatedAfter}} {
		if v := get(t.name); v != "" {
			at, err := ParseTime(v)
			if err != nil {
				return f, t.name, fmt.Sprintf("%s %q is not an ISO 8601 time or date (2025-01-01, 2025-01-01T12:00:00Z).", t.name, v)
			}
			*t.dst = at
		}
	}
	if v := get("status"); v != "" {
		f.Status = models.CaseStatus(v)
		if f.Status.Validate() != nil {
			return f, "status", fmt.Sprintf("status %q is not one of open, in_progress, resolved, closed.", v)
		}
	}
	if v := get("priority"); v != "" {
		f.Priority = models.Priority(v)
		if f.Priority.Validate() != nil {
			return f, "priority", fmt.Sprintf("priority %q is not one of low, medium, high, critical.", v)
		}
	}
	f.Category, f.ExternalRef = get("category"), get("external_ref")
	return f, "", ""
}
