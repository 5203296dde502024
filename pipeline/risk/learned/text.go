package learned

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize writes text the way a Whisper transcript reads once its case
// and punctuation are set aside: lower case, apostrophes dropped inside a
// word ("don't" becomes "dont"), every other run of non-letters and
// non-digits a single space, no leading or trailing space.
func Normalize(text string) string {
	var b strings.Builder
	for _, w := range words(text) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.norm)
	}
	return b.String()
}

// word is one normalised word and its byte span in the original text.
type word struct {
	norm       string
	start, end int
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '‘' || r == 'ʼ' }

// words splits text into normalised words with their spans.
func words(text string) []word {
	var out []word
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start >= 0 && b.Len() > 0 {
			out = append(out, word{norm: b.String(), start: start, end: end})
		}
		b.Reset()
		start = -1
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			b.WriteRune(unicode.ToLower(r))
		case isApostrophe(r) && start >= 0:
			// Dropped: "don't" and "dont" are one word.
		default:
			flush(i)
		}
	}
	flush(len(text))
	// A trailing apostrophe ("boys'") left the span one rune long.
	for i := range out {
		for out[i].end > out[i].start {
			r, n := utf8.DecodeLastRuneInString(text[out[i].start:out[i].end])
			if !isApostrophe(r) {
				break
			}
			out[i].end -= n
		}
	}
	return out
}
