package risk

import (
	"sync"
	"testing"
)

// TestConcurrentClassify classifies the labelled narratives from several
// goroutines at once, as the workers do, and wants the same priority as
// one at a time: the matcher's shared cache of word descriptions must
// not mix words up (run with -race to check its locking).
func TestConcurrentClassify(t *testing.T) {
	cases := loadEval(t)
	c := rulesAndFactors()
	want := make([]string, len(cases))
	fresh, err := NewWithLexicon(DefaultLexicon())
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range cases {
		want[i] = string(c.ClassifyText(l.Text).Priority)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(cases); i += 2 {
				if got := string(fresh.ClassifyText(cases[i].Text).Priority); got != want[i] {
					t.Errorf("%s: %s concurrently, %s alone", cases[i].ID, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
}
