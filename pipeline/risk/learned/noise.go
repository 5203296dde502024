package learned

import (
	"math/rand/v2"
	"strings"
)

// fillers are the short words a recogniser puts in place of one it did
// not catch, in both languages.
var fillers = []string{"the", "a", "and", "to", "in", "is", "it", "na", "ya", "kwa", "ni", "wa", "hii", "huh"}

// vowels of both languages: a recogniser most often hears one for another.
const vowels = "aeiou"

// Noise returns text as a speech recogniser might have heard it: case and
// punctuation gone (Normalize), then each word, with probability rate,
// dropped, replaced by a short filler word, or misspelt as it sounds (a
// vowel for another, a letter doubled or lost, joined to the next word).
// The same text, rate and generator state give the same result.
func Noise(text string, rate float64, rng *rand.Rand) string {
	ws := strings.Fields(Normalize(text))
	out := make([]string, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if rng.Float64() >= rate {
			out = append(out, w)
			continue
		}
		switch rng.IntN(4) {
		case 0: // dropped
		case 1:
			out = append(out, fillers[rng.IntN(len(fillers))])
		case 2:
			out = append(out, misspell(w, rng))
		case 3:
			if i+1 < len(ws) {
				out = append(out, w+ws[i+1])
				i++
			} else {
				out = append(out, misspell(w, rng))
			}
		}
	}
	return strings.Join(out, " ")
}

// misspell changes w as a recogniser mishears it.
func misspell(w string, rng *rand.Rand) string {
	r := []rune(w)
	var vs []int
	for i, c := range r {
		if strings.ContainsRune(vowels, c) {
			vs = append(vs, i)
		}
	}
	switch {
	case len(vs) > 0 && rng.IntN(2) == 0:
		i := vs[rng.IntN(len(vs))]
		r[i] = rune(vowels[rng.IntN(len(vowels))])
	case len(r) > 3 && rng.IntN(2) == 0:
		i := rng.IntN(len(r))
		r = append(r[:i], r[i+1:]...)
	default:
		i := rng.IntN(len(r))
		r = append(r[:i+1], r[i:]...)
	}
	return string(r)
}
