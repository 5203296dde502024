package risk

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// matcher finds every pattern of a lexicon in a tokenised text.
type matcher struct {
	stems    *stemIndex
	patterns []*pattern
	byWord   map[string][]int         // first element word or lemma -> patterns
	byStem   map[int][]int            // first element stem id -> patterns
	byPrefix map[string][]prefixStart // by the prefix's first two bytes
	byMinor  []int
	fx       *fuzzyIndex
	// wordIDs numbers the words of word alternatives; a pattern's needs
	// (pattern.needs) are in these numbers.
	wordIDs map[string]int32
	cache   sync.Map // word -> *wordInfo
	cached  atomic.Int64
}

type prefixStart struct {
	prefix string
	pat    int
}

func newMatcher() *matcher {
	return &matcher{stems: newStemIndex(), byWord: map[string][]int{}, byStem: map[int][]int{}, byPrefix: map[string][]prefixStart{}, fx: newFuzzyIndex(), wordIDs: map[string]int32{}}
}

// add compiles src and files it under owner; the long words of a target
// pattern (a rule's or a factor's) may be read from a near miss.
func (m *matcher) add(src, lang string, owner int, target bool) error {
	p, err := compilePattern(src, lang, m.stems)
	if err != nil {
		return err
	}
	p.owner = owner
	// The words of each element made of words alone: a text without any
	// of them cannot hold the pattern.
	for _, e := range p.elems {
		if e.gap {
			continue
		}
		var ids []int32
		words := true
		for j := range e.alts {
			a := &e.alts[j]
			if a.kind != altWord && a.kind != altInflect {
				words = false
				continue
			}
			id, ok := m.wordIDs[a.word]
			if !ok {
				id = int32(len(m.wordIDs))
				m.wordIDs[a.word] = id
			}
			a.id = id
			ids = append(ids, id)
		}
		if words {
			p.needs = append(p.needs, ids)
		}
	}
	idx := len(m.patterns)
	m.patterns = append(m.patterns, p)
	for _, e := range p.elems {
		for _, a := range e.alts {
			switch a.kind {
			case altWord, altInflect:
				m.fx.addWord(a.word, a.kind == altInflect, target)
			case altPrefix:
				m.fx.addWord(a.word, false, false)
			}
		}
	}
	for _, a := range p.elems[0].alts {
		switch a.kind {
		case altWord, altInflect:
			m.byWord[a.word] = append(m.byWord[a.word], idx)
		case altStem:
			m.byStem[a.stem] = append(m.byStem[a.stem], idx)
		case altPrefix:
			k := a.word[:2]
			m.byPrefix[k] = append(m.byPrefix[k], prefixStart{a.word, idx})
		case altMinor:
			m.byMinor = append(m.byMinor, idx)
		}
	}
	return nil
}

// match is one occurrence of a pattern.
type match struct {
	pat        *pattern
	start, end int // token indexes, end exclusive
	neg        bool
	tense      string // tense of the first Swahili verb in the match, if any
	firstPers  bool   // a Swahili verb in the match has the caller as its object
	passive    bool   // a Swahili verb of the match is in the passive (wanapigwa)
}

// tokInfo is what matching needs to know about one token.
type tokInfo struct {
	lemmas []string
	stems  []stemHit
	fix    string // the lexicon word a long unknown word is a near miss of (fuzzy.go)
	// exact and lemma are the pattern words (matcher.wordIDs) the word is,
	// as written or as its near miss, and those its lemmas are.
	exact, lemma []int32
}

// wordInfo is what matching needs to know about one distinct word.
type wordInfo struct {
	tokInfo
	cands []int   // patterns whose first element matches the word
	ids   []int32 // the pattern words (matcher.wordIDs) it reads as
}

// maxCachedWords bounds the words whose description a matcher keeps.
const maxCachedWords = 1 << 16

// info returns the description of word w, from the matcher's cache when
// an earlier text held it: a helpline's calls share most of their words.
// A description is never changed once made.
func (m *matcher) info(w string) *wordInfo {
	if v, ok := m.cache.Load(w); ok {
		return v.(*wordInfo)
	}
	wi := m.describe(w)
	if m.cached.Load() < maxCachedWords {
		if _, loaded := m.cache.LoadOrStore(w, wi); !loaded {
			m.cached.Add(1)
		}
	}
	return wi
}

// find returns every match of every pattern in toks, in token order.
func (m *matcher) find(toks []token) []match {
	infos := make([]tokInfo, len(toks))
	cands := make([][]int, len(toks))
	// The pattern words the text holds, in any reading of its words.
	present := make([]bool, len(m.wordIDs))
	for i := range toks {
		wi := m.info(toks[i].norm)
		infos[i], cands[i] = wi.tokInfo, wi.cands
		for _, id := range wi.ids {
			present[id] = true
		}
	}
	feasible := make([]int8, len(m.patterns)) // 0 unknown, 1 yes, -1 no
	var out []match
	for ti := range toks {
		for _, pi := range cands[ti] {
			if feasible[pi] == 0 {
				feasible[pi] = 1
				if !m.patterns[pi].heldBy(present) {
					feasible[pi] = -1
				}
			}
			if feasible[pi] < 0 {
				continue
			}
			p := m.patterns[pi]
			st := matchState{}
			if end, ok := m.matchFrom(p, 0, ti, toks, infos, &st); ok {
				out = append(out, match{pat: p, start: ti, end: end, neg: st.neg, tense: st.tense, firstPers: st.firstPers, passive: st.passive})
			}
		}
	}
	return out
}

// describe computes a word's lemmas, Swahili verb readings and candidate
// patterns.
func (m *matcher) describe(w string) *wordInfo {
	wi := &wordInfo{tokInfo: tokInfo{lemmas: lemmas(w, nil), stems: m.stems.analyse(w, nil)}}
	if len(wi.stems) == 0 {
		if fix := m.fx.correct(w, wi.lemmas); fix != "" {
			wi.fix = fix
			wi.lemmas = lemmas(fix, wi.lemmas)
			wi.stems = m.stems.analyse(fix, wi.stems)
		}
	}
	add := func(pi int) {
		for _, c := range wi.cands {
			if c == pi {
				return
			}
		}
		wi.cands = append(wi.cands, pi)
	}
	for _, l := range wi.lemmas {
		for _, pi := range m.byWord[l] {
			add(pi)
		}
	}
	for _, h := range wi.stems {
		for _, pi := range m.byStem[h.id] {
			add(pi)
		}
	}
	for _, x := range []string{w, wi.fix} {
		if len(x) < 2 {
			continue
		}
		for _, ps := range m.byPrefix[x[:2]] {
			if strings.HasPrefix(x, ps.prefix) {
				add(ps.pat)
			}
		}
	}
	if isMinor(w) {
		for _, pi := range m.byMinor {
			add(pi)
		}
	}
	for i, x := range append([]string{w, wi.fix}, wi.lemmas...) {
		id, ok := m.wordIDs[x]
		if !ok || x == "" {
			continue
		}
		if i < 2 && !slices.Contains(wi.exact, id) {
			wi.exact = append(wi.exact, id)
		}
		if i >= 2 && !slices.Contains(wi.lemma, id) {
			wi.lemma = append(wi.lemma, id)
		}
		if !slices.Contains(wi.ids, id) {
			wi.ids = append(wi.ids, id)
		}
	}
	return wi
}

type matchState struct {
	neg       bool
	tense     string
	firstPers bool
	passive   bool
}

// matchFrom matches p's elements from ei on against tokens from ti on,
// within one sentence, and returns the end of the match.
func (m *matcher) matchFrom(p *pattern, ei, ti int, toks []token, infos []tokInfo, st *matchState) (int, bool) {
	if ei == len(p.elems) {
		return ti, true
	}
	if ti >= len(toks) {
		return 0, false
	}
	e := p.elems[ei]
	if e.gap {
		for skip := 0; skip <= maxGap && ti+skip < len(toks); skip++ {
			if toks[ti+skip].hsent != toks[ti-1].hsent {
				break
			}
			saved := *st
			if end, ok := m.matchFrom(p, ei+1, ti+skip, toks, infos, st); ok {
				return end, true
			}
			*st = saved
		}
		return 0, false
	}
	if ei > 0 && toks[ti].hsent != toks[ti-1].hsent {
		return 0, false
	}
	for _, a := range e.alts {
		saved := *st
		if m.altMatches(a, toks[ti].norm, &infos[ti], st) {
			if end, ok := m.matchFrom(p, ei+1, ti+1, toks, infos, st); ok {
				return end, true
			}
		}
		*st = saved
	}
	return 0, false
}

func (m *matcher) altMatches(a alt, w string, info *tokInfo, st *matchState) bool {
	switch a.kind {
	case altWord:
		return slices.Contains(info.exact, a.id)
	case altInflect:
		return slices.Contains(info.lemma, a.id)
	case altPrefix:
		return strings.HasPrefix(w, a.word) || info.fix != "" && strings.HasPrefix(info.fix, a.word)
	case altMinor:
		return isMinor(w)
	case altStem:
		// Prefer a positive reading when a word has several.
		found, foundNeg, firstPers, passive := false, false, false, false
		var tense string
		for _, h := range info.stems {
			// "-stem+" wants a person harmed by a person: a thing as the
			// subject (maneno yananiumiza, gari lilimgonga) does not count.
			if h.id != a.stem || (a.personObj && (!h.form.personObj || h.form.thingSubj)) {
				continue
			}
			if a.negative {
				if h.form.neg {
					found, tense, passive = true, h.form.tense, h.form.passive
					firstPers = firstPers || h.form.firstPerson
				}
				continue
			}
			firstPers = firstPers || h.form.firstPerson
			if !h.form.neg {
				found, foundNeg, tense, passive = true, false, h.form.tense, h.form.passive
				break
			}
			found, foundNeg, tense, passive = true, true, h.form.tense, h.form.passive
		}
		if !found {
			return false
		}
		if foundNeg {
			st.neg = true
		}
		st.firstPers = st.firstPers || firstPers
		st.passive = st.passive || passive
		if st.tense == "" {
			st.tense = tense
		}
		return true
	}
	return false
}

// heldBy reports whether every element of p made of words alone has one
// of its words among the present ones.
func (p *pattern) heldBy(present []bool) bool {
	for _, ids := range p.needs {
		ok := false
		for _, id := range ids {
			if present[id] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
