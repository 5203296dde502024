package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// maxClassifyInput bounds the text classify reads from stdin.
const maxClassifyInput = 16 << 20

// runClassify implements "openchs-ai classify [--language L] [--format
// json|text] [--lexicon FILE] [--second-opinion=false] [TEXT | -]": it
// triages the text given as arguments, or read from stdin, and prints the
// classification; and "openchs-ai classify --eval FILE [--eval-noise R]
// [--seed N]": it scores the classifier on the labelled calls of FILE.
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	language := fs.String("language", "auto", "language of the text: sw, en or auto (English and Swahili patterns apply in any case, as calls mix them)")
	format := fs.String("format", "json", "output format: json or text")
	lexicon := fs.String("lexicon", "", "lexicon file to use instead of the built-in one")
	second := fs.Bool("second-opinion", true, "ask the built-in statistical second opinion, which may raise a call the rules left low or medium and asks for a counsellor's review when it does")
	secondModel := fs.String("second-opinion-model", "", "model file (made by go generate in pipeline/risk/learned) to ask for the second opinion instead of the built-in one")
	evalPath := fs.String("eval", "", "score the classifier on the labelled calls of this file instead: TSV rows priority<TAB>text (an optional header names the columns: priority, text, id, category, lang) or JSON lines {\"id\", \"priority\", \"text\", ...}")
	evalNoise := fs.Float64("eval-noise", 0, "with --eval: score each text as a speech recogniser might have heard it, lower case, without punctuation and with this share of its words (0 to 1) dropped, replaced or misspelt")
	seed := fs.Uint64("seed", 1, "with --eval-noise: seed of the simulated recognition errors")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openchs-ai classify [--language L] [--format json|text] [--lexicon FILE] [--second-opinion=false | --second-opinion-model FILE] [TEXT | -]")
		fmt.Fprintln(stderr, "       openchs-ai classify --eval FILE [--eval-noise R] [--seed N] [--lexicon FILE] [--second-opinion=false | --second-opinion-model FILE]")
		fmt.Fprintln(stderr, "\nTriages a call's text: priority, risk level, category and the evidence behind them.")
		fmt.Fprintln(stderr, "The text is the arguments, or stdin when there are none or the argument is '-'.")
		fmt.Fprintln(stderr, "With --eval, scores the classifier on labelled calls instead: recall of high and critical")
		fmt.Fprintln(stderr, "calls, priority accuracy, the confusion matrix, critical calls below high, false alarms")
		fmt.Fprintln(stderr, "(low or medium calls classified high or critical) and the calls it missed, by id.")
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
	if *evalPath != "" || *evalNoise != 0 {
		if *evalPath == "" {
			return usageError{"--eval-noise needs --eval FILE"}
		}
		if fs.NArg() > 0 {
			return usageError{"--eval FILE takes no text to classify"}
		}
		if *evalNoise < 0 || *evalNoise > 1 {
			return usageError{fmt.Sprintf("--eval-noise %v: want a share of words from 0 to 1", *evalNoise)}
		}
		c, err := newClassifier(*lexicon, *second, *secondModel)
		if err != nil {
			return err
		}
		return runClassifyEval(ctx, c, *evalPath, *evalNoise, *seed, stdout)
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

	c, err := newClassifier(*lexicon, *second, *secondModel)
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

// newClassifier builds the classifier of the lexicon at path (the
// built-in one when empty), asking the second opinion of the model file
// at model (the built-in one when empty) unless second is false.
func newClassifier(lexicon string, second bool, model string) (*risk.Classifier, error) {
	if !second && model != "" {
		return nil, usageError{"--second-opinion-model with --second-opinion=false"}
	}
	c, err := risk.New(risk.Config{LexiconPath: lexicon, NoSecondOpinion: !second})
	if err != nil || model == "" {
		return c, err
	}
	f, err := os.Open(model)
	if err != nil {
		return nil, fmt.Errorf("second opinion model: %w", err)
	}
	defer f.Close()
	m, err := learned.Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	return c.WithSecondOpinion(m), nil
}

// runClassifyEval scores c on the labelled calls of the file at path,
// their texts put through simulated recognition errors at rate noise
// when it is above 0, and prints the scores.
func runClassifyEval(ctx context.Context, c *risk.Classifier, path string, noise float64, seed uint64, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("evaluation file: %w", err)
	}
	defer f.Close()
	calls, err := risk.ReadLabelled(io.LimitReader(f, maxEvalInput))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	s := &risk.Scores{}
	for _, l := range calls {
		if err := ctx.Err(); err != nil {
			return err
		}
		text := l.Text
		if noise > 0 {
			text = learned.Noise(text, noise, rng)
		}
		s.Add(l, c.ClassifyText(text))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "evaluation of %s: ", filepath.Base(path))
	if c.SecondOpinion() != nil {
		b.WriteString("rules and second opinion")
	} else {
		b.WriteString("rules alone")
	}
	if noise > 0 {
		fmt.Fprintf(&b, ", simulated recognition errors in %.0f%% of words (seed %d)", noise*100, seed)
	}
	b.WriteString("\n")
	b.WriteString(s.String())
	_, err = io.WriteString(stdout, b.String())
	return err
}

// maxEvalInput bounds the evaluation file classify reads.
const maxEvalInput = 256 << 20

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
		summary: "triage a call's text (argument or stdin) and print its priority with evidence; --eval FILE scores labelled calls",
		run: func(ctx context.Context, args []string, e env) error {
			return runClassify(ctx, args, e.stdin, e.stdout, e.stderr)
		},
	}
}
