package learned_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/openchs/openchs-ai/pipeline/risk"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// TestEmbeddedModelIsCurrent trains the model as go generate does and
// compares it with model.bin, byte for byte: training is deterministic,
// so a difference means the narratives changed since the model was made.
// It skips (saying so) rather than fails, so a new narrative need not
// wait for a new model.
func TestEmbeddedModelIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the model")
	}
	f, err := os.Open("../testdata/eval.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := risk.ReadLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	var ex []learned.Example
	for _, l := range all {
		if !learned.IsSealed(l.Split) {
			ex = append(ex, learned.Example{Text: l.Text, Class: l.Priority.Rank()})
		}
	}
	m, err := learned.Train(ex, learned.DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile("model.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), embedded) {
		t.Skip("model.bin is not the model of the current narratives: run go generate ./pipeline/risk/learned")
	}
}
