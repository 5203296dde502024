package translate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// chunkText splits text into pieces of at most max bytes, cutting after
// sentence ends (. ! ? and line breaks) where it can, else at the last
// space, else inside a word. Pieces are trimmed; none is empty.
func chunkText(text string, max int) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for _, s := range sentences(text) {
		if cur.Len() > 0 && cur.Len()+1+len(s) > max {
			flush()
		}
		for len(s) > max {
			cut := splitPoint(s, max)
			cur.WriteString(s[:cut])
			flush()
			s = strings.TrimSpace(s[cut:])
		}
		if s == "" {
			continue
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(s)
	}
	flush()
	return out
}

// sentences splits text after each run of sentence-ending punctuation
// that a space or the end follows, and at line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch r {
		case '\n':
			out = appendTrimmed(out, text[start:i])
			start = i
		case '.', '!', '?', '…':
			for i < len(text) && strings.ContainsRune(".!?…\"'”’)", rune(text[i])) {
				i++
			}
			if i == len(text) || unicode.IsSpace(rune(text[i])) {
				out = appendTrimmed(out, text[start:i])
				start = i
			}
		}
	}
	return appendTrimmed(out, text[start:])
}

func appendTrimmed(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// splitPoint returns where to cut s (longer than max): after the last
// space within max, else at the last rune boundary within max.
func splitPoint(s string, max int) int {
	if i := strings.LastIndexByte(s[:max], ' '); i > 0 {
		return i
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut == 0 {
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	return cut
}
