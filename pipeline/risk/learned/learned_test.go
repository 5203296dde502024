package learned

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Please HELP, he's beating me!", "please help hes beating me"},
		{"  Nilibakwa   na mjomba… jana. ", "nilibakwa na mjomba jana"},
		{"I don’t know; 12-year-old", "i dont know 12 year old"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNoise(t *testing.T) {
	text := "My stepfather is beating my little brother right now with a metal rod and he is screaming, I am hiding in the bathroom."
	a := Noise(text, 0.15, rand.New(rand.NewPCG(7, 7)))
	b := Noise(text, 0.15, rand.New(rand.NewPCG(7, 7)))
	if a != b {
		t.Errorf("same seed, different noise:\n%s\n%s", a, b)
	}
	if a == Normalize(text) {
		t.Errorf("noise at 0.15 changed nothing: %s", a)
	}
	if a != strings.ToLower(a) || strings.ContainsAny(a, ",.") {
		t.Errorf("noisy text keeps case or punctuation: %s", a)
	}
	if got := Noise(text, 0, rand.New(rand.NewPCG(1, 1))); got != Normalize(text) {
		t.Errorf("noise at 0 = %q, want the normalised text", got)
	}
	// Over many words, about the rate of them change.
	long := strings.Repeat("the quick brown fox jumps over the lazy dog ", 200)
	ws, noisy := strings.Fields(long), strings.Fields(Noise(long, 0.15, rand.New(rand.NewPCG(3, 3))))
	if n := len(ws) - len(noisy); n < len(ws)/40 || n > len(ws)/8 {
		t.Errorf("%d of %d words lost at rate 0.15", n, len(ws))
	}
}

var toy = []Example{
	{"my father is beating me right now please help", 3},
	{"he touched me and I am scared to go home", 2},
	{"my teacher caned me yesterday", 1},
	{"what is the age of marriage", 0},
	{"baba ananipiga sasa hivi tafadhali nisaidie", 3},
	{"nataka kujua umri wa kuolewa", 0},
}

func TestTrainIsDeterministic(t *testing.T) {
	cfg := TrainConfig{Dim: 1 << 10, Seed: 3}
	var bs [2]bytes.Buffer
	for i := range bs {
		m, err := Train(toy, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.WriteTo(&bs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(bs[0].Bytes(), bs[1].Bytes()) {
		t.Error("two trainings on the same examples gave different models")
	}
	m, err := Read(&bs[0])
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Predict("my father is beating me right now please help"); p.Severe() < 0.5 {
		t.Errorf("a training example of class critical: P(high+) = %.2f", p.Severe())
	}
	if p := m.Predict("what is the age of marriage"); p.Severe() > 0.5 {
		t.Errorf("a training example of class low: P(high+) = %.2f", p.Severe())
	}
}

func TestReadRejects(t *testing.T) {
	var b bytes.Buffer
	m, _ := Train(toy[:2], TrainConfig{Dim: 16, Epochs: 1})
	m.WriteTo(&b)
	full := b.Bytes()
	for name, in := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("GIF89a.."),
		"truncated": full[:len(full)-3],
	} {
		if _, err := Read(bytes.NewReader(in)); !errors.Is(err, ErrModelFormat) {
			t.Errorf("%s: error %v, want ErrModelFormat", name, err)
		}
	}
}

func TestDefault(t *testing.T) {
	m := Default()
	want := DefaultTrainConfig()
	if diff := cmp.Diff([]float64{want.Threshold, want.CriticalThreshold}, []float64{m.Threshold, m.CriticalThreshold}); diff != "" {
		t.Errorf("embedded thresholds (-want +got)\n%s", diff)
	}
	text := "Please help, my stepfather is beating my little brother right now with a metal rod and he is screaming."
	if p := m.Predict(text); p.Severe() < want.Threshold {
		t.Errorf("P(high+) of a beating in progress = %.2f", p.Severe())
	}
	start, end, ok := m.Explain(text)
	if !ok || end <= start {
		t.Fatalf("Explain found no words")
	}
	t.Logf("most telling words: %q", text[start:end])
}
