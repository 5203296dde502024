package risk

// Sentences of unpunctuated speech
//
// A Whisper transcript may come without a full stop: the whole call is
// then one sentence, and every cue whose scope is a sentence or its
// neighbours (a time in the past, "right now", a resolution) reaches every
// event of the call. A run of words longer than longRun (unpunctuatedRun
// in a text with no sentence end at all) is therefore cut where speech itself starts a new sentence: at a
// discourse marker (but, because, then, so, now, anyway; lakini, halafu,
// kisha, kwa sababu, kwa hiyo, sasa, basi), at a conjunction followed by
// a new subject ("and he", "and now", "na sasa", "na mimi"), at a filler
// (eh, um, okay), before "mimi" starting a clause, and at a pause between
// the recogniser's segments. Patterns still match across these cuts, as
// they did across the run (token.hsent); the cuts only bound the scope of
// cues and factors. Punctuated sentences of ordinary length are left as
// they are.

// longRun is the number of words above which a sentence without a full
// stop is cut at discourse markers; unpunctuatedRun the number when the
// text has no full stop at all, as a transcript without punctuation: its
// one run is certainly not one sentence.
const (
	longRun         = 30
	unpunctuatedRun = 20
)

// minPiece is the fewest words a cut leaves before it.
const minPiece = 4

// runMarkers start a new sentence wherever they stand.
var runMarkers = map[string]bool{
	"but": true, "because": true, "cause": true, "coz": true, "however": true, "anyway": true, "although": true,
	"lakini": true, "ila": true, "halafu": true, "alafu": true, "kisha": true, "basi": true, "baadaye": true,
	"eh": true, "eeh": true, "ehh": true, "um": true, "umm": true, "uh": true, "okay": true, "ok": true,
	"hello": true, "hallo": true, "halo": true, "haloo": true, "sorry": true,
}

// subjectStarts are the words that, after "and", "so" or "now", open a
// new clause with its own subject or time.
var subjectStarts = map[string]bool{
	"i": true, "he": true, "she": true, "they": true, "we": true, "you": true, "it": true, "my": true,
	"his": true, "her": true, "their": true, "our": true, "now": true, "then": true, "today": true,
	"yesterday": true, "tonight": true, "last": true, "this": true, "after": true, "there": true, "when": true,
	"sasa": true, "mimi": true, "yeye": true, "wao": true, "sisi": true, "leo": true, "jana": true,
	"kesho": true, "halafu": true, "baadaye": true, "usiku": true, "please": true, "tafadhali": true,
}

// conjunctions open a new sentence when a subject follows them.
var conjunctions = map[string]bool{"and": true, "so": true, "now": true, "also": true, "na": true, "pia": true}

// notAfter are the words after which "then", "now", "sasa", "sababu" or
// "mimi" continue the clause: "until then", "right now", "kwa sababu"
// (cut before "kwa"), "na mimi" (cut before "na"). "Sasa hivi" (right
// now) is read with what comes before it.
var notAfter = map[string]bool{
	"and": true, "since": true, "until": true, "till": true, "by": true, "from": true, "just": true, "right": true,
	"even": true, "only": true, "na": true, "kwa": true, "ni": true, "kama": true, "wewe": true, "mpaka": true,
	"hadi": true, "tangu": true, "hata": true,
}

// startsSentence reports whether the token at i starts a sentence in a
// long unpunctuated run.
func startsSentence(toks []token, i int) bool {
	w, prev := toks[i].norm, toks[i-1].norm
	next := ""
	if i+1 < len(toks) && toks[i+1].hsent == toks[i].hsent {
		next = toks[i+1].norm
	}
	switch {
	case runMarkers[w]:
		return true
	case conjunctions[w] && subjectStarts[next] && !notAfter[prev]:
		return true
	case w == "kwa" && (next == "sababu" || next == "hiyo"):
		return true
	case (w == "then" || w == "sasa" && next != "hivi" || w == "sababu" || w == "hivyo" || w == "mimi") && !notAfter[prev]:
		return true
	case toks[i].seg >= 0 && toks[i].seg != toks[i-1].seg:
		return true
	}
	return false
}

// splitRuns cuts every sentence longer than longRun words (unpunctuatedRun
// when the text had no sentence end) at the points
// where speech starts a new sentence (see above), renumbering sentences
// and clauses. Parts, the scope of hypothetical, media and information
// cues, are left as the tokenizer cut them (at but, because, lakini).
func splitRuns(toks []token, punctuated bool) {
	sent, clause := 0, 0 // added to the tokenizer's counters
	limit := longRun
	if !punctuated {
		limit = unpunctuatedRun
	}
	for from := 0; from < len(toks); {
		to := from
		for to < len(toks) && toks[to].hsent == toks[from].hsent {
			to++
		}
		long := to-from > limit
		last := from
		for i := from; i < to; i++ {
			if long && i-last >= minPiece && to-i >= 2 && startsSentence(toks, i) {
				sent++
				clause++
				last = i
			}
			toks[i].sent += sent
			toks[i].clause += clause
		}
		from = to
	}
}
