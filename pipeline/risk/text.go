package risk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of the input, normalised for matching.
type token struct {
	norm       string // lower case, curly apostrophe folded
	start, end int    // byte span in the input
	sent       int    // sentence index: punctuation, and discourse markers in a long run (runs.go)
	hsent      int    // sentence index by punctuation alone: patterns match within one
	part       int    // sentence part: split at but/because/lakini/kwa sababu
	clause     int    // clause: split at commas and conjunctions
	seg        int    // index of the segment the token came from
}

// partBreakers start a new part (and clause) of a sentence: the scope of
// hypothetical, media and information cues ends there.
var partBreakers = map[string]bool{
	"but": true, "because": true, "cause": true, "coz": true, "although": true, "though": true,
	"however": true, "lakini": true, "ila": true, "sababu": true, "ingawa": true, "ingawaje": true,
	"kwani": true,
}

// clauseBreakers start a new clause: the scope of a negation ends there.
var clauseBreakers = map[string]bool{
	"and": true, "or": true, "so": true, "then": true, "na": true, "halafu": true, "alafu": true,
	"kisha": true, "au": true, "ama": true, "pia": true, "while": true, "wakati": true,
}

// contractions without an apostrophe, as transcribers often write them.
var bareContractions = map[string][2]string{
	"dont": {"do", "not"}, "doesnt": {"does", "not"}, "didnt": {"did", "not"},
	"cant": {"can", "not"}, "wont": {"will", "not"}, "isnt": {"is", "not"},
	"wasnt": {"was", "not"}, "arent": {"are", "not"}, "werent": {"were", "not"},
	"havent": {"have", "not"}, "hasnt": {"has", "not"}, "hadnt": {"had", "not"},
	"wouldnt": {"would", "not"}, "couldnt": {"could", "not"}, "shouldnt": {"should", "not"},
	"aint": {"is", "not"}, "im": {"i", "am"}, "ive": {"i", "have"}, "hes": {"he", "is"}, "shes": {"she", "is"},
	"theyre": {"they", "are"}, "youre": {"you", "are"}, "thats": {"that", "is"}, "theres": {"there", "is"},
	"whats": {"what", "is"}, "itll": {"it", "will"}, "theyll": {"they", "will"}, "youll": {"you", "will"},
}

// tokenizer appends the tokens of successive texts, keeping sentence,
// part and clause counters across them.
type tokenizer struct {
	toks                 []token
	sent, part, clause   int
	pendingSentenceBreak bool
	stops                int  // sentence ends seen
	pendingIll           bool // the last word was "ill", perhaps "I'll"
}

// willVerbs after "ill" make it "I will": "ill take them", "ill never".
var willVerbs = map[string]bool{
	"take": true, "do": true, "go": true, "be": true, "kill": true, "jump": true, "drink": true, "swallow": true,
	"never": true, "just": true, "not": true, "hang": true, "end": true, "use": true, "die": true, "run": true,
	"leave": true, "cut": true, "call": true, "try": true, "finish": true, "make": true,
}

func (tz *tokenizer) sentenceBreak() {
	tz.stops++
	if len(tz.toks) > 0 && tz.toks[len(tz.toks)-1].sent == tz.sent {
		tz.sent++
		tz.part++
		tz.clause++
	}
}

func (tz *tokenizer) clauseBreak() {
	if len(tz.toks) > 0 && tz.toks[len(tz.toks)-1].clause == tz.clause {
		tz.clause++
	}
}

// add tokenises text, whose first byte is at offset base of the whole
// input, as belonging to segment seg.
func (tz *tokenizer) add(text string, base, seg int) {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isWordRune(r2) {
					j += s2
					continue
				}
				if isApostrophe(r2) && j+s2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+s2:])
					if unicode.IsLetter(r3) {
						j += s2
						continue
					}
				}
				break
			}
			tz.word(text[i:j], base+i, base+j, seg)
			i = j
			continue
		}
		switch r {
		case '.':
			// A decimal point or an abbreviation inside a word is no sentence end.
			if i+1 < len(text) && isWordRune(rune(text[i+1])) {
				break
			}
			tz.sentenceBreak()
		case '!', '?', '\n', '…':
			tz.sentenceBreak()
		case ',', ';', ':', '(', ')', '"', '“', '”', '—', '–':
			tz.clauseBreak()
		}
		i += size
	}
}

func (tz *tokenizer) word(w string, start, end, seg int) {
	norm := normalise(w)
	if partBreakers[norm] {
		if len(tz.toks) > 0 && tz.toks[len(tz.toks)-1].part == tz.part {
			tz.part++
		}
		tz.clauseBreak()
	} else if clauseBreakers[norm] {
		tz.clauseBreak()
	}
	emit := func(n string) {
		tz.toks = append(tz.toks, token{norm: n, start: start, end: end, sent: tz.sent, hsent: tz.sent, part: tz.part, clause: tz.clause, seg: seg})
	}
	if k := strings.LastIndexByte(norm, '\''); k > 0 {
		base, suf := norm[:k], norm[k+1:]
		switch {
		case suf == "t" && strings.HasSuffix(base, "n"):
			b := base[:len(base)-1]
			switch b {
			case "ca":
				b = "can"
			case "wo":
				b = "will"
			case "sha":
				b = "shall"
			case "ai":
				b = "is"
			}
			emit(b)
			emit("not")
			return
		case suf == "s":
			emit(base)
			return
		case suf == "re":
			emit(base)
			emit("are")
			return
		case suf == "m":
			emit(base)
			emit("am")
			return
		case suf == "ll":
			emit(base)
			emit("will")
			return
		case suf == "ve":
			emit(base)
			emit("have")
			return
		case suf == "d":
			emit(base)
			emit("would")
			return
		}
	}
	if tz.pendingIll {
		tz.pendingIll = false
		if willVerbs[norm] {
			// "ill take them": I will, written without its apostrophe.
			last := &tz.toks[len(tz.toks)-1]
			last.norm = "will"
			tz.toks = append(tz.toks[:len(tz.toks)-1], token{norm: "i", start: last.start, end: last.end, sent: last.sent, hsent: last.hsent, part: last.part, clause: last.clause, seg: last.seg}, *last)
		}
	}
	if norm == "ill" {
		tz.pendingIll = true
	}
	if pair, ok := bareContractions[norm]; ok {
		emit(pair[0])
		emit(pair[1])
		return
	}
	emit(norm)
}

// normalise lower-cases w and folds the curly apostrophe, allocating
// only when something changes.
func normalise(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(strings.ReplaceAll(w, "’", "'"))
		}
	}
	return w
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }
