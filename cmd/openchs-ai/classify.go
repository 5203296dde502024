package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk"
)

// maxClassifyInput bounds the text classify reads from stdin.
const maxClassifyInput = 16 << 20

// runClassify implements "openchs-ai classify [--language L] [--format
// json|text] [--lexicon FILE] [TEXT | -]": it triages the text given as
// arguments, or read from stdin, and prints the classification.
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	language := fs.String("language", "auto", "language of the text: sw, en or auto (English and Swahili patterns apply in any case, as calls mix them)")
	format := fs.String("format", "json", "output format: json or text")
	lexicon := fs.String("lexicon", "", "lexicon file to use instead of the built-in one")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openchs-ai classify [--language L] [--format json|text] [--lexicon FILE] [TEXT | -]")
		fmt.Fprintln(stderr, "\nTriages a call's text: priority, risk level, category and the evidence behind them.")
		fmt.Fprintln(stderr, "The text is the arguments, or stdin when there are none or the argument is '-'.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsageShown
	}
	switch *format {
	case "json", "text":
	default:
		return usageError{fmt.Sprintf("--format %q: want json or text", *format)}
	}
	switch *language {
	case "auto", "sw", "en":
	default:
		return usageError{fmt.Sprintf("--language %q: want sw, en or auto", *language)}
	}

	var text string
	if fs.NArg() == 0 || (fs.NArg() == 1 && fs.Arg(0) == "-") {
		b, err := io.ReadAll(io.LimitReader(stdin, maxClassifyInput+1))
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if len(b) > maxClassifyInput {
			return usageError{fmt.Sprintf("input is longer than %d MiB", maxClassifyInput>>20)}
		}
		text = string(b)
	} else {
		text = strings.Join(fs.Args(), " ")
	}
	if strings.TrimSpace(text) == "" {
		return usageError{"no text to classify: give it as an argument or on stdin (openchs-ai classify -h)"}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	c, err := risk.New(risk.Config{LexiconPath: *lexicon})
	if err != nil {
		return err
	}
	res := c.ClassifyText(text)
	if *format == "text" {
		return writeClassificationText(stdout, res)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func writeClassificationText(w io.Writer, c *models.Classification) error {
	var b strings.Builder
	fmt.Fprintf(&b, "priority:     %s\n", c.Priority)
	fmt.Fprintf(&b, "risk level:   %s\n", c.RiskLevel)
	fmt.Fprintf(&b, "category:     %s (%s)\n", c.Category, c.SubCategory)
	fmt.Fprintf(&b, "confidence:   %.2f\n", c.Confidence)
	fmt.Fprintf(&b, "intervention: %s\n", c.Intervention)
	if len(c.Evidence) > 0 {
		b.WriteString("evidence:\n")
		for _, e := range c.Evidence {
			fmt.Fprintf(&b, "  %q  %s\n", e.Text, e.Rule)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func init() {
	commands["classify"] = command{
		summary: "triage a call's text (argument or stdin) and print its priority with evidence",
		run: func(ctx context.Context, args []string, e env) error {
			return runClassify(ctx, args, e.stdin, e.stdout, e.stderr)
		},
	}
}
