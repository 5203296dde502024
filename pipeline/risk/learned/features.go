package learned

import (
	"hash/fnv"
	"math"
	"slices"
)

// Feature kinds, hashed apart.
const (
	kindWord   = 'w' // a word
	kindBigram = 'b' // two words in a row
	kindChar   = 'c' // three to five characters of the text, spaces included
)

// minGram and maxGram bound the character n-grams.
const minGram, maxGram = 3, 5

// feat is one hashed feature of a text and its value.
type feat struct {
	idx int
	val float64
}

// featurize maps normalised words to their hashed features in a space of
// dim, sorted by index: the words and bigrams, then the character
// n-grams, each block weighted 1+ln(count) and scaled to unit length.
func featurize(ws []word, dim int) []feat {
	wordCounts := map[int]float64{}
	charCounts := map[int]float64{}
	for i, w := range ws {
		wordCounts[hashFeature(kindWord, w.norm, dim)]++
		if i > 0 {
			wordCounts[hashFeature(kindBigram, ws[i-1].norm+" "+w.norm, dim)]++
		}
	}
	var text []rune
	text = append(text, ' ')
	for i, w := range ws {
		if i > 0 {
			text = append(text, ' ')
		}
		text = append(text, []rune(w.norm)...)
	}
	text = append(text, ' ')
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n <= len(text); i++ {
			charCounts[hashFeature(kindChar, string(text[i:i+n]), dim)]++
		}
	}
	out := make([]feat, 0, len(wordCounts)+len(charCounts))
	out = appendBlock(out, wordCounts)
	out = appendBlock(out, charCounts)
	// Merge the two blocks' collisions, in index order so sums are
	// always taken in the same order.
	slices.SortStableFunc(out, func(a, b feat) int { return a.idx - b.idx })
	merged := out[:0]
	for _, f := range out {
		if n := len(merged); n > 0 && merged[n-1].idx == f.idx {
			merged[n-1].val += f.val
			continue
		}
		merged = append(merged, f)
	}
	return merged
}

// appendBlock appends the features of counts, sublinear and unit length.
func appendBlock(out []feat, counts map[int]float64) []feat {
	start := len(out)
	for idx, c := range counts {
		out = append(out, feat{idx: idx, val: 1 + math.Log(c)})
	}
	block := out[start:]
	slices.SortFunc(block, func(a, b feat) int { return a.idx - b.idx })
	var norm float64
	for _, f := range block {
		norm += float64(f.val * f.val)
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range block {
			block[i].val /= norm
		}
	}
	return out
}

// hashFeature returns the index of the feature (kind, s) in a space of
// dim: FNV-1a of the kind byte and s.
func hashFeature(kind byte, s string, dim int) int {
	h := fnv.New64a()
	h.Write([]byte{kind})
	h.Write([]byte(s))
	return int(h.Sum64() % uint64(dim))
}
