package translate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChunkText(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"short", "Habari. Nisaidie.", 100, []string{"Habari. Nisaidie."}},
		{"sentence boundaries", "Baba ananipiga. Mama hayupo! Nifanye nini? Sawa.", 20,
			[]string{"Baba ananipiga.", "Mama hayupo!", "Nifanye nini? Sawa."}},
		{"decimal point is no boundary", "Ana miaka 3.5 tu. Sawa.", 18, []string{"Ana miaka 3.5 tu.", "Sawa."}},
		{"long sentence cut at a space", "moja mbili tatu nne tano sita saba", 15, []string{"moja mbili", "tatu nne tano", "sita saba"}},
		{"word longer than max", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"multibyte not split", "ééééé", 3, []string{"é", "é", "é", "é", "é"}},
		{"line breaks", "one\ntwo\n\nthree", 100, []string{"one two three"}},
		{"empty", "  ", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunkText(tt.text, tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chunkText (-want +got):\n%s", diff)
			}
			for _, c := range got {
				if len(c) > tt.max && tt.max >= 4 {
					t.Errorf("chunk %q longer than %d", c, tt.max)
				}
			}
		})
	}
}

func TestChunkTextKeepsAllWords(t *testing.T) {
	text := strings.Repeat("Mtoto analia sana usiku. ", 200)
	got := strings.Join(chunkText(text, 100), " ")
	if diff := cmp.Diff(strings.Fields(text), strings.Fields(got)); diff != "" {
		t.Errorf("words changed (-want +got):\n%s", diff)
	}
}
