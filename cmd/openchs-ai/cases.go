package main

// The cases command: the built-in helpline's case store from the shell
// (list, show, import, export), working on its database directly.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline"
)

const casesUsage = `Usage: openchs-ai cases SUBCOMMAND [flags]

Reads and fills the built-in helpline's case store directly (the database
serve uses; run it beside serve or without it).

  cases list [--status S] [--priority P] [--category C] [--updated-since T] [--created-after T] [--limit N] [--json]
  cases show ID|CASE_NUMBER
  cases import FILE.csv|-
  cases export [--status S] [--priority P] [--category C] [--updated-since T] [--created-after T] [--format json|csv] [-o FILE]

Every subcommand takes --cases-db DSN (env OPENCHS_AI_CASES_DB; default the
SQLite file in the data directory, $OPENCHS_AI_DATA or ~/.local/share/openchs-ai).
Times are ISO 8601: 2025-01-01 or 2025-01-01T12:00:00Z.
`

// runCases implements "openchs-ai cases".
func runCases(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stdout, casesUsage)
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("cases "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, casesUsage) }
	dsn := fs.String("cases-db", "", "the helpline's database: sqlite:PATH or mysql://user:pass@host:port/db (env OPENCHS_AI_CASES_DB)")
	var (
		status, priority, category, updatedSince, createdAfter string
		limit                                                  int
		asJSON                                                 bool
		format, output                                         string
	)
	filters := func() {
		fs.StringVar(&status, "status", "", "only cases in this status: open, in_progress, resolved, closed")
		fs.StringVar(&priority, "priority", "", "only cases of this priority: low, medium, high, critical")
		fs.StringVar(&category, "category", "", "only cases of this category")
		fs.StringVar(&updatedSince, "updated-since", "", "only cases changed at or after this time")
		fs.StringVar(&createdAfter, "created-after", "", "only cases created at or after this time")
	}
	nargs := 0
	switch sub {
	case "list":
		filters()
		fs.IntVar(&limit, "limit", 50, fmt.Sprintf("most cases listed, at most %d (the least recently changed first)", helpline.MaxLimit))
		fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	case "export":
		filters()
		fs.StringVar(&format, "format", "json", "json (an array) or csv (what cases import reads)")
		fs.StringVar(&output, "o", "", "write to this file instead of standard output")
	case "show", "import":
		nargs = 1
	default:
		return usageError{fmt.Sprintf("unknown cases subcommand %q: use list, show, import or export (openchs-ai cases -h)", sub)}
	}
	// Flags may come before or after the argument.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return errUsageShown
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != nargs {
		if nargs == 0 {
			return usageError{fmt.Sprintf("cases %s takes no arguments, got %q", sub, pos)}
		}
		what := map[string]string{"show": "a case id or case number", "import": "a CSV file (or - for standard input)"}[sub]
		return usageError{fmt.Sprintf("cases %s takes %s", sub, what)}
	}
	q := map[string][]string{}
	for k, v := range map[string]string{"status": status, "priority": priority, "category": category,
		"updated_since": updatedSince, "created_after": createdAfter} {
		if v != "" {
			q[k] = []string{v}
		}
	}
	f, field, msg := helpline.ParseFilter(q)
	if msg != "" {
		return usageError{fmt.Sprintf("--%s: %s", strings.ReplaceAll(field, "_", "-"), msg)}
	}
	if sub == "export" && format != "json" && format != "csv" {
		return usageError{fmt.Sprintf("--format %q: use json or csv", format)}
	}
	if sub == "list" && (limit < 1 || limit > helpline.MaxLimit) {
		return usageError{fmt.Sprintf("--limit %d: use 1 to %d", limit, helpline.MaxLimit)}
	}

	if *dsn == "" {
		*dsn = e.getenv("OPENCHS_AI_CASES_DB")
	}
	if *dsn == "" {
		*dsn = defaultCasesDB(e.getenv)
	}
	if path, ok := strings.CutPrefix(*dsn, "sqlite:"); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create the data directory: %w", err)
		}
	}
	h, err := helpline.Open(ctx, helpline.Config{DSN: *dsn})
	if err != nil {
		return fmt.Errorf("open the case store: %w", err)
	}
	defer h.Close()

	switch sub {
	case "list":
		f.Limit = limit
		cases, next, err := h.ListCases(ctx, f)
		if err != nil {
			return err
		}
		if asJSON {
			if err := writeJSON(e.stdout, cases); err != nil {
				return err
			}
		} else if err := writeCaseTable(e.stdout, cases); err != nil {
			return err
		}
		if next != "" {
			fmt.Fprintf(e.stderr, "more cases follow; raise --limit or narrow the filters\n")
		}
		return nil
	case "show":
		c, err := h.GetCase(ctx, pos[0])
		if errors.Is(err, helpline.ErrNotFound) {
			return fmt.Errorf("no case %q", pos[0])
		}
		if err != nil {
			return err
		}
		act, err := h.Activity(ctx, c.ID)
		if err != nil {
			return err
		}
		return writeJSON(e.stdout, struct {
			*models.Case
			Activity []helpline.Activity `json:"activity"`
		}{c, act})
	case "import":
		return importCases(ctx, h, pos[0], e)
	default:
		return exportCases(ctx, h, f, format, output, e)
	}
}

func importCases(ctx context.Context, h *helpline.Helpline, path string, e env) error {
	in := e.stdin
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	start := time.Now()
	res, err := h.ImportCSV(ctx, in, helpline.ImportOptions{Actor: "cli"})
	if errors.Is(err, helpline.ErrBadCSV) {
		return fmt.Errorf("%s: %w", path, err)
	}
	if werr := writeJSON(e.stdout, res); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("import stopped (the rows before stay imported; importing again skips them): %w", err)
	}
	fmt.Fprintf(e.stderr, "imported %d, skipped %d (already there), failed %d, in %v\n",
		res.Imported, res.Skipped, res.Failed, time.Since(start).Round(time.Millisecond))
	if res.Failed > 0 {
		return fmt.Errorf("%d rows were not imported (see errors above)", res.Failed)
	}
	return nil
}

func exportCases(ctx context.Context, h *helpline.Helpline, f helpline.Filter, format, output string, e env) (err error) {
	out := e.stdout
	if output != "" {
		file, err := os.Create(output)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := file.Close(); err == nil {
				err = cerr
			}
		}()
		out = file
	}
	var n int
	if format == "csv" {
		n, err = h.ExportCSV(ctx, out, f)
	} else {
		n, err = h.ExportJSON(ctx, out, f)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(e.stderr, "exported %d cases\n", n)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCaseTable(w io.Writer, cases []models.Case) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCASE NUMBER\tSTATUS\tPRIORITY\tCATEGORY\tUPDATED\tTITLE")
	for _, c := range cases {
		title := c.Title
		if r := []rune(title); len(r) > 60 {
			title = string(r[:59]) + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.CaseNumber, c.Status, c.Priority, c.Category,
			c.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), strings.ReplaceAll(title, "\n", " "))
	}
	return tw.Flush()
}

func init() {
	commands["cases"] = command{
		summary: "list, show, import (CSV) and export (JSON, CSV) the built-in helpline's cases",
		run:     runCases,
	}
}
