package risk

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

//go:embed lexicon.json
var defaultLexicon []byte

// DefaultLexicon returns a fresh copy of the embedded lexicon.
func DefaultLexicon() *Lexicon {
	lex, err := ParseLexicon(bytes.NewReader(defaultLexicon))
	if err != nil {
		panic(fmt.Sprintf("risk: embedded lexicon: %v", err)) // covered by tests
	}
	return lex
}

// Lexicon is the taxonomy, rules and cue lists a Classifier applies. It is
// read from JSON; see lexicon.json for the reference file and its
// "how_to_edit" notes.
type Lexicon struct {
	Version int `json:"version"`
	// HowToEdit explains the file to the people who maintain it.
	HowToEdit []string `json:"how_to_edit,omitempty"`
	// FallbackCategory and FallbackSubCategory name the result when no
	// rule fires.
	FallbackCategory    string `json:"fallback_category"`
	FallbackSubCategory string `json:"fallback_sub_category"`
	// Interventions holds the general advice per priority; a category's
	// own intervention follows it.
	Interventions map[models.Priority]string `json:"interventions"`
	Categories    []Category                 `json:"categories"`
	Cues          []CueList                  `json:"cues"`
	// Factors are the vocabularies of the risk factors a counsellor's
	// protocol assesses; see factors.go for how they set a priority.
	Factors []FactorList `json:"factors,omitempty"`
	// KnownWords are ordinary words a near-miss reading must never take
	// for the harm word they are one letter from ("nitakuwa", I will be,
	// is not "nitakuua", I will kill you; "settings" is not "sitting").
	// Words, not patterns; they match nothing.
	KnownWords Patterns `json:"known_words,omitempty"`
}

// FactorList is the vocabulary of one risk factor of one harm domain. A
// lexicon may give several lists for one factor; their patterns add up.
type FactorList struct {
	Domain      string `json:"domain"`
	Factor      string `json:"factor"`
	Description string `json:"description,omitempty"`
	Patterns
}

// Category is one case category of the taxonomy.
type Category struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Intervention string `json:"intervention"`
	Rules        []Rule `json:"rules"`
}

// Patterns are the English and Swahili patterns of a rule or cue list.
//
// A pattern is words separated by spaces that must follow each other in
// one sentence. In a word position:
//
//	beat        English: beat, beats, beating, beaten (inflections)
//	=beat       exactly this word
//	mtoto       Swahili: exactly this word
//	abus*       any word starting with "abus"
//	-piga       a Swahili verb stem with any prefixes and extensions
//	-piga+      ... whose object is a person (anampiga, alinipiga) or passive (alipigwa)
//	!-pata      ... only in a negative form (hawapati), which then counts as a match
//	<minor>     a number from 1 to 17
//	a|b|c       any of the alternatives
//	...         up to six other words
type Patterns struct {
	English []string `json:"en,omitempty"`
	Swahili []string `json:"sw,omitempty"`
}

// Rule is a named set of patterns that, when one matches, suggests a
// category, sub-category and priority.
type Rule struct {
	ID          string          `json:"id"`
	SubCategory string          `json:"sub_category"`
	Priority    models.Priority `json:"priority"`
	// Weight in (0, 1] is how strongly one match supports the rule; it
	// feeds the confidence. Zero means 0.7.
	Weight float64 `json:"weight,omitempty"`
	// Needs lists cue lists that must be present in their scope for the
	// rule to fire: "personal", "child|force" (either), "!male" (absent).
	Needs []string `json:"needs,omitempty"`
	// EscalateWith lists cue lists that, besides "immediacy", raise the
	// rule's priority one level.
	EscalateWith []string `json:"escalate_with,omitempty"`
	// Ignore lists cue lists among resolved, past, severity, immediacy,
	// isolated and peer that do not change this rule's priority: a wound
	// is the premise of medical neglect, not an injury that raises it; a
	// threat to kill is no less a threat for being the first or a child's.
	Ignore []string `json:"ignore,omitempty"`
	Patterns
	// Except lists patterns that cancel a match they overlap ("-piga
	// simu": to make a phone call).
	Except *Patterns `json:"except,omitempty"`
}

// CueList is a named list of cue patterns and the scope, relative to a
// rule's match, in which a cue counts.
type CueList struct {
	Name string `json:"name"`
	// Scope is "clause", "part" (the sentence up to but/because/lakini),
	// "sentence", "near" (this, the previous or the next sentence) or
	// "call".
	Scope       string `json:"scope"`
	Description string `json:"description,omitempty"`
	Patterns
}

// Cue lists the classifier gives a meaning to. A lexicon must define them
// all; it may define more for rules' needs and escalate_with.
var requiredCues = []string{
	"negation", "negation_bridge", "hypothetical", "media", "information", "victim",
	"resolved", "ongoing", "past", "immediacy", "severity",
}

// ignorable are the cue lists a rule may ignore.
var ignorable = map[string]bool{"resolved": true, "past": true, "severity": true, "immediacy": true, "isolated": true, "peer": true}

var validScopes = map[string]bool{"clause": true, "part": true, "sentence": true, "near": true, "call": true}

// ParseLexicon reads and checks a JSON lexicon.
func ParseLexicon(r io.Reader) (*Lexicon, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var lex Lexicon
	if err := dec.Decode(&lex); err != nil {
		return nil, fmt.Errorf("decode lexicon: %w", err)
	}
	if err := lex.Validate(); err != nil {
		return nil, err
	}
	return &lex, nil
}

// LoadLexicon reads and checks the lexicon file at path.
func LoadLexicon(path string) (*Lexicon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open lexicon: %w", err)
	}
	defer f.Close()
	lex, err := ParseLexicon(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lex, nil
}

// Validate reports whether the lexicon is complete and consistent; the
// patterns themselves are checked when a Classifier compiles them.
func (l *Lexicon) Validate() error {
	var errs []error
	cues := map[string]bool{}
	for i, c := range l.Cues {
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("cue list %d has no name", i))
		}
		if cues[c.Name] {
			errs = append(errs, fmt.Errorf("cue list %q defined twice", c.Name))
		}
		cues[c.Name] = true
		if !validScopes[c.Scope] {
			errs = append(errs, fmt.Errorf("cue list %q: scope %q is not clause, part, sentence, near or call", c.Name, c.Scope))
		}
	}
	for _, name := range requiredCues {
		if !cues[name] {
			errs = append(errs, fmt.Errorf("cue list %q is missing", name))
		}
	}
	for i, f := range l.Factors {
		if !knownFactor(f.Domain, f.Factor) {
			errs = append(errs, fmt.Errorf("factor list %d: %s.%s is not a known factor (see factors.go)", i, f.Domain, f.Factor))
		}
		if len(f.English)+len(f.Swahili) == 0 {
			errs = append(errs, fmt.Errorf("factor list %s.%s has no patterns", f.Domain, f.Factor))
		}
	}
	if l.FallbackCategory == "" {
		errs = append(errs, errors.New("fallback_category is empty"))
	}
	ids := map[string]bool{}
	for _, cat := range l.Categories {
		if cat.ID == "" || cat.Name == "" {
			errs = append(errs, fmt.Errorf("category %q needs an id and a name", cat.ID))
		}
		for _, r := range cat.Rules {
			id := cat.ID + "." + r.ID
			if r.ID == "" {
				errs = append(errs, fmt.Errorf("category %q has a rule without id", cat.ID))
			}
			if ids[id] {
				errs = append(errs, fmt.Errorf("rule %q defined twice", id))
			}
			ids[id] = true
			if err := r.Priority.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("rule %q: %w", id, err))
			}
			if r.Weight < 0 || r.Weight > 1 {
				errs = append(errs, fmt.Errorf("rule %q: weight %v is outside [0, 1]", id, r.Weight))
			}
			if len(r.English)+len(r.Swahili) == 0 {
				errs = append(errs, fmt.Errorf("rule %q has no patterns", id))
			}
			for _, n := range r.Ignore {
				if !ignorable[n] {
					errs = append(errs, fmt.Errorf("rule %q: ignore %q is not resolved, past, severity, immediacy, isolated or peer", id, n))
				}
			}
			for _, n := range append(append([]string(nil), r.Needs...), r.EscalateWith...) {
				for _, alt := range strings.Split(n, "|") {
					if !cues[strings.TrimPrefix(alt, "!")] {
						errs = append(errs, fmt.Errorf("rule %q refers to unknown cue list %q", id, alt))
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}
