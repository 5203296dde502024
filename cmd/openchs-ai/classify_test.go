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
