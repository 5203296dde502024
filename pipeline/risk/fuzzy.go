package risk

import "strings"

// Near-miss spellings
//
// A recogniser mishears a long word by a letter: "bleding", "tabelts",
// "kujinyoga". A word of the input that the lexicon does not know, of
// fuzzyMinLen letters or more, is read as well as the lexicon word of
// fuzzyMinLen letters or more that it is one edit from (a letter changed,
// lost, added, or two swapped; a letter changed only for one that sounds
// alike: a vowel for a vowel, b/p, d/t, g/k, f/v, s/z, l/r, m/n, c/k/s,
// i/y, u/w), when exactly one such word exists and the edit spares the
// first letter: "changing" never becomes "hanging", and a
// word the lexicon knows in any list is never read as another. The index
// holds every single-letter deletion of the lexicon's long words, so a
// lookup costs one map probe per letter of the input word.

// fuzzyMinLen is the shortest word, of the input and of the lexicon, read
// with a one-letter error.
const fuzzyMinLen = 7

// swPrefixLetters is how many first letters of a Swahili word a near miss
// must leave as they are.
const swPrefixLetters = 4

// fuzzyIndex finds the lexicon word a long word of the input is one edit
// from.
type fuzzyIndex struct {
	known    map[string]bool    // every word of the lexicon, and the inflections of its English words
	isTarget map[string]bool    // the targets
	targets  []string           // long words of rules and factors a misspelling may stand for
	swahili  []bool             // by target: a word of a Swahili pattern
	dels     map[string][]int32 // a target, or a target less one letter -> targets
}

func newFuzzyIndex() *fuzzyIndex {
	return &fuzzyIndex{known: map[string]bool{}, isTarget: map[string]bool{}, dels: map[string][]int32{}}
}

// addWord records a word of a pattern as known, with the English
// inflections of it when en; a word of fuzzyMinLen letters or more of a
// rule or a factor (target), the vocabulary of harm, is one a near miss
// may be read as. Cue words (times, people, places) are known but no
// target: they are too ordinary to guess.
func (fx *fuzzyIndex) addWord(w string, en, target bool) {
	fx.addForms(w, en)
	if !target || len(w) < fuzzyMinLen || fx.isTarget[w] {
		return
	}
	fx.isTarget[w] = true
	id := int32(len(fx.targets))
	fx.targets = append(fx.targets, w)
	fx.swahili = append(fx.swahili, !en)
	fx.index(w, id)
	for i := 1; i < len(w); i++ {
		fx.index(w[:i]+w[i+1:], id)
	}
}

// addForms records w, and its inflections when en, as known.
func (fx *fuzzyIndex) addForms(w string, en bool) {
	fx.known[w] = true
	if en {
		for _, f := range []string{w + "s", w + "es", w + "ed", w + "d", w + "ing"} {
			fx.known[f] = true
		}
		if n := len(w); n > 2 && (w[n-1] == 'e' || w[n-1] == 'y') {
			fx.known[w[:n-1]+"ing"], fx.known[w[:n-1]+"ies"], fx.known[w[:n-1]+"ied"] = true, true, true
		}
	}
}

func (fx *fuzzyIndex) index(key string, id int32) {
	for _, x := range fx.dels[key] {
		if x == id {
			return
		}
	}
	fx.dels[key] = append(fx.dels[key], id)
}

// correct returns the one lexicon word that w, or one of its English
// lemmas (w first), is a near miss of, or "" when w or a lemma of it is
// known, or no word or more than one is as near.
func (fx *fuzzyIndex) correct(w string, lemmas []string) string {
	if len(w) < fuzzyMinLen || !isASCIILetters(w) {
		return ""
	}
	for _, l := range lemmas {
		if fx.known[l] {
			return ""
		}
	}
	for _, l := range lemmas {
		if len(l) < fuzzyMinLen {
			continue
		}
		if fix, ok := fx.nearest(l); ok {
			return fix
		}
	}
	return ""
}

// nearest returns the one target w is one edit from; ok is false when
// none is, or more than one.
func (fx *fuzzyIndex) nearest(w string) (string, bool) {
	found := int32(-1)
	consider := func(ids []int32) bool {
		for _, id := range ids {
			if id == found {
				continue
			}
			// A Swahili word's first letters are its prefixes (tense,
			// subject): akarudi is not akirudi.
			if at, ok := oneEdit(w, fx.targets[id]); !ok || fx.swahili[id] && at < swPrefixLetters {
				continue
			}
			if found >= 0 {
				return false // two words are as near: no reading
			}
			found = id
		}
		return true
	}
	if !consider(fx.dels[w]) {
		return "", false
	}
	var buf [64]byte
	for i := 1; i < len(w) && len(w) <= len(buf); i++ {
		k := copy(buf[:], w[:i])
		k += copy(buf[k:], w[i+1:])
		if !consider(fx.dels[string(buf[:k])]) {
			return "", false
		}
	}
	if found < 0 {
		return "", false
	}
	return fx.targets[found], true
}

// oneEdit reports whether a and b, which share their first letter, are
// one edit apart as a recogniser makes it: a letter for one that sounds
// alike, a vowel, h, m or n lost or added, a letter doubled or undoubled,
// or two neighbours swapped. It returns where the edit is.
func oneEdit(a, b string) (int, bool) {
	if a == b || a[0] != b[0] {
		return 0, false
	}
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		diff := -1
		for i := 0; i < la; i++ {
			if a[i] != b[i] {
				if diff >= 0 {
					// A swap of neighbours: ab -> ba.
					return diff, i == diff+1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
				}
				diff = i
			}
		}
		return diff, soundsAlike(a[diff], b[diff])
	case la == lb+1:
		return dropsOne(a, b)
	case lb == la+1:
		return dropsOne(b, a)
	}
	return 0, false
}

// dropsOne reports whether short is long less one letter that a
// recogniser may lose, and where.
func dropsOne(long, short string) (int, bool) {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	if long[i+1:] != short[i:] {
		return i, false
	}
	c := long[i]
	doubled := i > 0 && long[i-1] == c || i+1 < len(long) && long[i+1] == c
	return i, doubled || strings.IndexByte("aeiouhmn", c) >= 0
}

// soundClass groups the letters a recogniser hears one for another.
var soundClass = func() [256]byte {
	var c [256]byte
	for i, g := range []string{"aeiouy", "bp", "dt", "gkcq", "fv", "sz", "lr", "mn"} {
		for j := 0; j < len(g); j++ {
			c[g[j]] = byte(i + 1)
		}
	}
	return c
}()

// soundsAlike reports whether letters x and y are in one sound class,
// or are c and s, or u and w.
func soundsAlike(x, y byte) bool {
	if soundClass[x] != 0 && soundClass[x] == soundClass[y] {
		return true
	}
	if x > y {
		x, y = y, x
	}
	return x == 'c' && y == 's' || x == 'u' && y == 'w'
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
