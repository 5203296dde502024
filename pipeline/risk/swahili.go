package risk

import (
	"strings"
	"sync"
)

// verbForm is what the Swahili prefixes and suffixes of a verb say.
type verbForm struct {
	neg       bool   // negative: hanipigi, hajanipiga, asimpige
	tense     string // na, li, ta, me, ki, ka, hu (habitual), ku (infinitive), sub, imp ...
	personObj bool   // an object prefix for a person (ni, ku, m, tu, wa, ji) or a passive
	passive   bool
	// firstPerson: the caller or their group is the object (anaNIpiga,
	// wanaTUonea) or the passive subject (NIlipigwa).
	firstPerson bool
	// thingSubj: the subject is a thing, not a person (maneno yaNAniumiza,
	// gari LImemgonga, nyumba Ilichomwa).
	thingSubj bool
}

// prefixInfo is one reading of a verb's prefix chain.
type prefixInfo struct {
	neg       bool
	negPres   bool // negative present: needs the final vowel -i
	tense     string
	personObj bool
	firstObj  bool
	firstSubj bool
	thingSubj bool
}

var (
	swPosSubj = []string{"ni", "u", "a", "yu", "tu", "m", "mu", "mw", "wa", "i", "li", "ya", "ki", "vi", "zi", "pa"}
	swNegSubj = []string{"si", "hu", "ha", "hatu", "ham", "hamu", "hawa", "hai", "hali", "haya", "haki", "havi", "hazi", "hapa", "haku"}
	swPosTAM  = []string{"na", "li", "ta", "me", "ki", "ka", "nge", "ngali", "mesha", "sha", "taka", "si", "ja"}
	swNegTAM  = []string{"", "ja", "ku", "ta", "nge", "ngali", "kuwa"}
	swRel     = []string{"ye", "o", "cho", "vyo", "zo", "lo", "po", "ko", "mo", "yo"}
	swObj     = []string{"", "ni", "ku", "m", "mu", "mw", "tu", "wa", "ji", "i", "li", "ki", "vi", "zi", "ya", "u", "pa"}
	// The reflexive ji is no person object: anajipiga is self-harm, matched
	// by its own stem (-jipiga).
	swPerson = map[string]bool{"ni": true, "ku": true, "m": true, "mu": true, "mw": true, "tu": true, "wa": true}
	// Subject prefixes of noun classes that are things, not people: words,
	// vehicles, houses, illnesses. A person harmed by a thing (maneno
	// yananiumiza, gari limemgonga) is no assault.
	swThingSubj = map[string]bool{"i": true, "li": true, "ya": true, "ki": true, "vi": true, "zi": true, "pa": true,
		"hai": true, "hali": true, "haya": true, "haki": true, "havi": true, "hazi": true, "hapa": true}
	// Extensions between the root and the final vowel: passive, applied,
	// stative, reciprocal, causative and their common combinations.
	swExt = []string{"", "w", "iw", "ew", "aw", "liw", "lew", "i", "e", "ik", "ek", "an", "ian", "ean", "iwan",
		"ish", "esh", "ishw", "eshw", "iz", "ez", "izw", "ezw", "ikan", "ekan", "ana"}
)

const maxPrefixLen = 14

// swPrefixes maps every valid Swahili verb prefix chain to its readings.
var swPrefixes = sync.OnceValue(func() map[string][]prefixInfo {
	m := make(map[string][]prefixInfo, 16000)
	add := func(p string, info prefixInfo) {
		if len(p) <= maxPrefixLen {
			m[p] = append(m[p], info)
		}
	}
	first := map[string]bool{"ni": true, "tu": true, "si": true, "hatu": true}
	for _, o := range swObj {
		po := swPerson[o]
		fo := o == "ni" || o == "tu"
		// Bare stem (imperative) and the object alone (pigeni, nipige).
		// A word opening with ku alone is the infinitive (kupiga, to hit;
		// kupiga simu, to phone), not "you" as an object.
		if o != "ku" {
			add(o, prefixInfo{tense: "imp", personObj: po, firstObj: fo})
		}
		// Infinitive and its negative: kupiga, kunipiga, kutonipiga.
		add("ku"+o, prefixInfo{tense: "ku", personObj: po, firstObj: fo})
		add("kuto"+o, prefixInfo{neg: true, tense: "ku", personObj: po, firstObj: fo})
		// Habitual: hunipiga, humpiga.
		add("hu"+o, prefixInfo{tense: "hu", personObj: po, firstObj: fo})
		// Spoken first person present: najichoma (ninajichoma), nataka.
		add("na"+o, prefixInfo{tense: "na", personObj: po, firstObj: fo, firstSubj: true})
		for _, s := range swPosSubj {
			ts := swThingSubj[s]
			add(s+o, prefixInfo{tense: "sub", personObj: po, firstObj: fo, thingSubj: ts})
			for _, t := range swPosTAM {
				add(s+t+o, prefixInfo{neg: t == "si", tense: t, personObj: po, firstObj: fo, firstSubj: first[s], thingSubj: ts})
				if t == "na" || t == "li" || t == "taka" || t == "si" {
					for _, r := range swRel {
						add(s+t+r+o, prefixInfo{neg: t == "si", tense: t, personObj: po, firstObj: fo, firstSubj: first[s], thingSubj: ts})
					}
				}
			}
		}
		for _, s := range swNegSubj {
			for _, t := range swNegTAM {
				add(s+t+o, prefixInfo{neg: true, negPres: t == "", tense: t, personObj: po, firstObj: fo, firstSubj: first[s], thingSubj: swThingSubj[s]})
			}
		}
	}
	return m
})

// stemIndex finds Swahili verb stems inside words.
type stemIndex struct {
	roots      map[string]int  // root -> stem id
	bare       map[string]bool // roots that take no final -a (najisi, dharau, harass)
	minRoot    int
	maxRoot    int
	extensions map[string]bool
}

func newStemIndex() *stemIndex {
	ix := &stemIndex{roots: map[string]int{}, bare: map[string]bool{}, minRoot: 1 << 30, extensions: map[string]bool{}}
	for _, e := range swExt {
		ix.extensions[e] = true
	}
	return ix
}

// add registers a stem written as in the lexicon ("-piga", "-jiua",
// "-harass") and returns its id.
func (ix *stemIndex) add(stem string) int {
	root := swRoot(stem)
	if id, ok := ix.roots[root]; ok {
		return id
	}
	id := len(ix.roots)
	ix.roots[root] = id
	ix.bare[root] = root == stem
	ix.minRoot = min(ix.minRoot, len(root))
	ix.maxRoot = max(ix.maxRoot, len(root))
	return id
}

// swRoot strips the final -a of a stem: piga -> pig, ua -> u. Stems of
// Arabic or English origin keep their ending: najisi, dharau, harass.
func swRoot(stem string) string {
	if n := len(stem); n > 1 && stem[n-1] == 'a' {
		return stem[:n-1]
	}
	return stem
}

// stemHit is one reading of a word as a form of a registered stem.
type stemHit struct {
	id   int
	form verbForm
}

// analyse returns every reading of word as a prefixed, extended form of a
// registered stem. Readings that are not well-formed Swahili (a final -i
// without a negative prefix, an empty final vowel on a short root) are
// dropped.
func (ix *stemIndex) analyse(word string, out []stemHit) []stemHit {
	if len(ix.roots) == 0 || len(word) < ix.minRoot+1 {
		return out
	}
	prefixes := swPrefixes()
	for i := 0; i <= min(maxPrefixLen, len(word)-ix.minRoot); i++ {
		infos, ok := prefixes[word[:i]]
		if !ok {
			continue
		}
		for j := i + ix.minRoot; j <= min(len(word), i+ix.maxRoot); j++ {
			id, ok := ix.roots[word[i:j]]
			if !ok {
				continue
			}
			rootLen := j - i
			rest := word[j:]
			bare := ix.bare[word[i:j]]
			// A reflexive stem (-jikata) with a first-person subject
			// (najikata, nilijikata) has the caller as its object.
			reflexive := strings.HasPrefix(word[i:j], "ji")
			for _, info := range infos {
				if f, ok := ix.suffix(rest, rootLen, bare, info); ok {
					f.firstPerson = f.firstPerson || reflexive && info.firstSubj
					out = append(out, stemHit{id: id, form: f})
				}
			}
		}
	}
	return out
}

func (ix *stemIndex) suffix(rest string, rootLen int, bare bool, info prefixInfo) (verbForm, bool) {
	f := verbForm{neg: info.neg, tense: info.tense, personObj: info.personObj, firstPerson: info.firstObj, thingSubj: info.thingSubj}
	if rest == "" {
		// Stems ending in -i, -u, -e (ananajisi, anadharau) and stems
		// borrowed from English (ananiharass) take no final -a.
		return f, bare && info.tense != "imp"
	}
	final := rest[len(rest)-1]
	ext := rest[:len(rest)-1]
	if !ix.extensions[ext] {
		return f, false
	}
	switch final {
	case 'a':
		if info.negPres {
			return f, false
		}
	case 'e':
		if info.negPres {
			return f, false
		}
	case 'i':
		if !info.negPres {
			return f, false
		}
	default:
		return f, false
	}
	for k := 0; k < len(ext); k++ {
		if ext[k] == 'w' {
			f.passive = true
			f.personObj = true
			f.firstPerson = f.firstPerson || info.firstSubj
		}
	}
	if rootLen <= 2 && info.tense == "imp" && ext == "" {
		// A bare one-syllable stem (ua, oa) is too often another word.
		return f, false
	}
	return f, true
}
