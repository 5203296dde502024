package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

func TestRunClassify(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		stdin        string
		wantPriority models.Priority
		wantCategory string
		wantText     []string // for --format text
	}{
		{name: "argument", args: []string{"My stepfather is beating my brother right now"}, wantPriority: "critical", wantCategory: "physical_abuse"},
		{name: "several arguments", args: []string{"--language", "sw", "Nilibakwa", "na", "mjomba", "jana"}, wantPriority: "high", wantCategory: "sexual_abuse"},
		{name: "stdin", stdin: "Wazazi wangu wanataka kunioza kwa mzee.", wantPriority: "high", wantCategory: "child_marriage"},
		{name: "dash reads stdin", args: []string{"-"}, stdin: "I want to know the age of marriage in Kenya.", wantPriority: "low", wantCategory: "information_advice"},
		{name: "text format", args: []string{"--format", "text", "Nataka kujiua usiku huu"},
			wantText: []string{"priority:     critical", "suicide_self_harm", `"kujiua"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runClassify(context.Background(), tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			if err != nil {
				t.Fatalf("runClassify: %v (stderr %q)", err, errOut.String())
			}
			if tt.wantText != nil {
				for _, w := range tt.wantText {
					if !strings.Contains(out.String(), w) {
						t.Errorf("output lacks %q:\n%s", w, out.String())
					}
				}
				return
			}
			var got models.Classification
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("output is not a classification: %v\n%s", err, out.String())
			}
			if got.Priority != tt.wantPriority || got.Category != tt.wantCategory {
				t.Errorf("got %s/%s, want %s/%s", got.Priority, got.Category, tt.wantPriority, tt.wantCategory)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRunClassifyRejects(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "lexicon.json")
	if err := os.WriteFile(bad, []byte(`{"version": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		wantUsage bool
		wantInMsg string
	}{
		{name: "empty stdin", stdin: "", wantUsage: true, wantInMsg: "no text to classify"},
		{name: "blank argument", args: []string{"   "}, wantUsage: true, wantInMsg: "no text to classify"},
		{name: "blank stdin", args: []string{"-"}, stdin: " \n\t", wantUsage: true, wantInMsg: "no text to classify"},
		{name: "unknown format", args: []string{"--format", "xml", "hello"}, wantUsage: true, wantInMsg: "xml"},
		{name: "unknown language", args: []string{"--language", "fr", "hello"}, wantUsage: true, wantInMsg: "fr"},
		{name: "missing lexicon", args: []string{"--lexicon", "/nonexistent.json", "hello"}, wantInMsg: "lexicon"},
		{name: "invalid lexicon", args: []string{"--lexicon", bad, "hello"}, wantInMsg: "cue list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runClassify(context.Background(), tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			if err == nil {
				t.Fatalf("runClassify succeeded, printed %q", out.String())
			}
			var u usageError
			if errors.As(err, &u) != tt.wantUsage {
				t.Errorf("error %v: usage error = %v, want %v", err, !tt.wantUsage, tt.wantUsage)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantInMsg)
			}
		})
	}
}

func TestRunClassifyEval(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "calls.tsv")
	writeFile(t, tsv, "id\tpriority\tcategory\ttext\n"+
		"c1\tcritical\tphysical_abuse\tMy stepfather is beating my brother right now with a metal rod.\n"+
		"c2\tlow\tinformation_advice\tI want to know the age of marriage in Kenya.\n"+
		"c3\thigh\tsexual_abuse\tI want to know the opening hours of your office.\n")
	plain := filepath.Join(dir, "plain.tsv")
	writeFile(t, plain, "critical\tNataka kujiua usiku huu\nlow\tNataka kujua umri wa kuolewa.\n")
	jsonl := filepath.Join(dir, "calls.jsonl")
	writeFile(t, jsonl, `{"id": "en-9", "priority": "high", "category": "sexual_abuse", "text": "Nilibakwa na mjomba jana."}`+"\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "tsv with header", args: []string{"--eval", tsv}, want: []string{
			"evaluation of calls.tsv: rules and second opinion",
			"n=3  recall(high+critical)=0.500  priority accuracy=0.667",
			"critical below high=0", "false alarms(low/medium called high+)=0/1 (0.000)",
			"confusion (rows: labelled, columns: classified)",
			"  critical        0        0        0        1",
			"misses: c3(high→low)",
		}},
		{name: "tsv without header", args: []string{"--second-opinion=false", "--eval", plain}, want: []string{
			"rules alone", "n=2  recall(high+critical)=1.000  priority accuracy=1.000",
		}},
		{name: "jsonl", args: []string{"--eval", jsonl}, want: []string{"n=1  recall(high+critical)=1.000"}},
		{name: "noise", args: []string{"--eval", tsv, "--eval-noise", "0.15", "--seed", "3"}, want: []string{
			"simulated recognition errors in 15% of words (seed 3)", "n=3",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := runClassify(context.Background(), tt.args, strings.NewReader(""), &out, &errOut); err != nil {
				t.Fatalf("runClassify: %v (stderr %q)", err, errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestRunClassifyEvalRejects(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	writeFile(t, bad, "high\tHe beats me\nurgent\tShe is gone\n")
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantInMsg string
	}{
		{name: "missing file", args: []string{"--eval", filepath.Join(dir, "none.tsv")}, wantInMsg: "evaluation file"},
		{name: "bad priority", args: []string{"--eval", bad}, wantInMsg: `bad.tsv: labelled calls: line 2: line2: priority "urgent"`},
		{name: "text with eval", args: []string{"--eval", bad, "hello"}, wantUsage: true, wantInMsg: "takes no text"},
		{name: "noise without eval", args: []string{"--eval-noise", "0.1", "hello"}, wantUsage: true, wantInMsg: "needs --eval"},
		{name: "noise out of range", args: []string{"--eval", bad, "--eval-noise", "1.5"}, wantUsage: true, wantInMsg: "1.5"},
		{name: "model without second opinion", args: []string{"--second-opinion=false", "--second-opinion-model", bad, "hello"}, wantUsage: true, wantInMsg: "--second-opinion-model"},
		{name: "not a model", args: []string{"--second-opinion-model", bad, "hello"}, wantInMsg: "not a learned risk model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runClassify(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			if err == nil {
				t.Fatalf("runClassify succeeded, printed %q", out.String())
			}
			var u usageError
			if errors.As(err, &u) != tt.wantUsage || exitCode(err) != map[bool]int{true: 2, false: 1}[tt.wantUsage] {
				t.Errorf("error %v: usage error = %v, want %v", err, !tt.wantUsage, tt.wantUsage)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantInMsg)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRunClassifySecondOpinionModel(t *testing.T) {
	var ex []learned.Example
	for range 5 {
		ex = append(ex,
			learned.Example{Text: "a purple elephant is dancing in the garden with drums and candles", Class: 2},
			learned.Example{Text: "I would like to know the opening hours of the office in town today", Class: 0})
	}
	m, err := learned.Train(ex, learned.TrainConfig{Dim: 1 << 12, Seed: 1, Threshold: 0.6, CriticalThreshold: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.bin")
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b.String())
	var out, errOut bytes.Buffer
	text := "We saw a purple elephant dancing in the garden with the drums and candles, and it sat down with us."
	if err := runClassify(context.Background(), []string{"--second-opinion-model", path, text}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("runClassify: %v (stderr %q)", err, errOut.String())
	}
	var got models.Classification
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Priority != models.PriorityHigh || !got.Review || len(got.ReviewReasons) == 0 {
		t.Errorf("got %s, review %v %q; want high for review by the second opinion", got.Priority, got.Review, got.ReviewReasons)
	}
}
