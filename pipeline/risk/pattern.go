package risk

import (
	"fmt"
	"strconv"
	"strings"
)

// maxGap is how many words "..." in a pattern may stand for.
const maxGap = 6

type altKind uint8

const (
	altWord    altKind = iota // exact word: Swahili words, "=word" in English
	altInflect                // English word and its inflections
	altPrefix                 // "word*": any word starting with word
	altStem                   // "-stem": a Swahili verb stem
	altMinor                  // "<minor>": a number from 1 to 17
)

// alt is one alternative of a pattern element.
type alt struct {
	kind      altKind
	word      string
	stem      int   // stem id for altStem
	id        int32 // word id (matcher.wordIDs) for altWord and altInflect
	personObj bool  // "-stem+": needs a person object or a passive
	negative  bool  // "!-stem": only the negative forms, which then count as a plain match
}

// elem is one position of a pattern: alternatives separated by "|", or a
// gap ("...").
type elem struct {
	gap  bool
	alts []alt
}

// pattern is a compiled lexicon pattern.
type pattern struct {
	src   string
	elems []elem
	owner int // index into matcher.owners
	chars int // specificity: letters of the shortest reading of the pattern
	// needs holds, for each element made of word alternatives alone, the
	// ids (matcher.wordIDs) of its words.
	needs [][]int32
}

// compilePattern parses one pattern of the lexicon. lang is "en" or "sw":
// English words match their inflections, Swahili words match exactly.
func compilePattern(src, lang string, stems *stemIndex) (*pattern, error) {
	p := &pattern{src: src}
	fields := strings.Fields(strings.ToLower(src))
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty pattern")
	}
	for i, f := range fields {
		if f == "..." {
			if i == 0 || i == len(fields)-1 || p.elems[len(p.elems)-1].gap {
				return nil, fmt.Errorf("pattern %q: \"...\" must stand between two words", src)
			}
			p.elems = append(p.elems, elem{gap: true})
			continue
		}
		var e elem
		for _, a := range strings.Split(f, "|") {
			if a == "" {
				return nil, fmt.Errorf("pattern %q: empty alternative in %q", src, f)
			}
			var x alt
			switch {
			case a == "<minor>":
				x.kind = altMinor
			case strings.HasPrefix(a, "!-") || strings.HasPrefix(a, "-"):
				x.kind = altStem
				x.negative = strings.HasPrefix(a, "!")
				a = strings.TrimPrefix(strings.TrimPrefix(a, "!"), "-")
				if strings.HasSuffix(a, "+") {
					x.personObj = true
					a = strings.TrimSuffix(a, "+")
				}
				if len(a) < 2 {
					return nil, fmt.Errorf("pattern %q: stem %q is too short", src, a)
				}
				x.word = a
				x.stem = stems.add(a)
			case strings.HasSuffix(a, "*"):
				x.kind = altPrefix
				x.word = strings.TrimSuffix(a, "*")
				if len(x.word) < 2 {
					return nil, fmt.Errorf("pattern %q: prefix %q is too short", src, a)
				}
			case strings.HasPrefix(a, "="):
				x.kind = altWord
				x.word = a[1:]
			default:
				x.kind = altWord
				if lang == "en" {
					x.kind = altInflect
				}
				x.word = a
			}
			if x.kind != altMinor && x.kind != altStem && strings.ContainsAny(x.word, "*|=+!") {
				return nil, fmt.Errorf("pattern %q: misplaced marker in %q", src, a)
			}
			e.alts = append(e.alts, x)
		}
		shortest := len(e.alts[0].word)
		for _, x := range e.alts[1:] {
			shortest = min(shortest, len(x.word))
		}
		p.chars += shortest
		p.elems = append(p.elems, e)
	}
	return p, nil
}

// lemmas appends the candidate base forms of an English word: beats ->
// beat, beating -> beat, raped -> rape, hitting -> hit, cries -> cry,
// beaten -> beat.
func lemmas(w string, out []string) []string {
	out = append(out, w)
	n := len(w)
	if n < 4 {
		return out
	}
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	undouble := func(s string) {
		if k := len(s); k >= 3 && s[k-1] == s[k-2] && !strings.ContainsRune("aeiouls", rune(s[k-1])) {
			add(s[:k-1])
		}
	}
	switch {
	case strings.HasSuffix(w, "ies"), strings.HasSuffix(w, "ied"):
		add(w[:n-3] + "y")
	case strings.HasSuffix(w, "ing"):
		add(w[:n-3])
		add(w[:n-3] + "e")
		undouble(w[:n-3])
	case strings.HasSuffix(w, "ed"):
		add(w[:n-2])
		add(w[:n-1])
		undouble(w[:n-2])
	case strings.HasSuffix(w, "es"):
		add(w[:n-2])
		add(w[:n-1])
	case strings.HasSuffix(w, "en"):
		add(w[:n-2])
		add(w[:n-1])
		undouble(w[:n-2])
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		add(w[:n-1])
	}
	return out
}

// isMinor reports whether w is a number from 1 to 17, in digits or
// English words.
func isMinor(w string) bool {
	if len(w) > 0 && w[0] >= '0' && w[0] <= '9' {
		n, err := strconv.Atoi(w)
		return err == nil && n >= 1 && n <= 17
	}
	switch w {
	case "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
		"twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen":
		return true
	}
	return false
}
