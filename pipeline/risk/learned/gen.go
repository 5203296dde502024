//go:build ignore

// gen trains the embedded model from the labelled narratives of
// ../testdata/eval.jsonl and writes it to model.bin: run by go generate
// in this directory. The same narratives give the same bytes. With
// -exclude it leaves the listed narratives out, for scoring a model on
// them (scripts/eval-asr.sh).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

func main() {
	in := flag.String("in", "../testdata/eval.jsonl", "labelled narratives (JSON lines with split, priority and text)")
	out := flag.String("out", "model.bin", "model file to write")
	exclude := flag.String("exclude", "", "file of narrative ids (one a line) to leave out of training, for scoring a model on them")
	flag.Parse()
	left := map[string]bool{}
	if *exclude != "" {
		b, err := os.ReadFile(*exclude)
		if err != nil {
			log.Fatal(err)
		}
		for _, id := range strings.Fields(string(b)) {
			left[id] = true
		}
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var ex []learned.Example
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for line := 1; sc.Scan(); line++ {
		var n struct {
			ID       string          `json:"id"`
			Split    string          `json:"split"`
			Priority models.Priority `json:"priority"`
			Text     string          `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			log.Fatalf("%s:%d: %v", *in, line, err)
		}
		if learned.IsSealed(n.Split) || left[n.ID] {
			continue
		}
		if n.Priority.Rank() < 0 {
			log.Fatalf("%s:%d: priority %q", *in, line, n.Priority)
		}
		ex = append(ex, learned.Example{Text: n.Text, Class: n.Priority.Rank()})
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	m, err := learned.Train(ex, learned.DefaultTrainConfig())
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("trained on %d narratives: %s, %d bytes\n", len(ex), *out, buf.Len())
}
