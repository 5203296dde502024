package speech

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/openchs/openchs-ai/models"
)

// GuardConfig tunes the hallucination guards.
type GuardConfig struct {
	// Off keeps every segment the model wrote.
	Off bool
	// NoSpeechProb is the model's no-speech probability from which a known
	// silence phrase is dropped: 0.3. Below it the phrase was probably
	// said ("thank you" is common on a call).
	NoSpeechProb float32
	// LoopCopies is how many back-to-back copies of a phrase make a loop,
	// when they hold at least LoopWords words together: 4 and 12. "help me
	// help me help me" stays.
	LoopCopies, LoopWords int
	// RepeatedSegments is how many consecutive segments with the same text
	// make a loop: 3.
	RepeatedSegments int
}

// Defaults of GuardConfig.
const (
	DefaultNoSpeechProb     = 0.3
	DefaultLoopCopies       = 4
	DefaultLoopWords        = 12
	DefaultRepeatedSegments = 3
)

// WithDefaults returns c with zero fields set to their defaults.
func (c GuardConfig) WithDefaults() GuardConfig {
	if c.NoSpeechProb == 0 {
		c.NoSpeechProb = DefaultNoSpeechProb
	}
	if c.LoopCopies == 0 {
		c.LoopCopies = DefaultLoopCopies
	}
	if c.LoopWords == 0 {
		c.LoopWords = DefaultLoopWords
	}
	if c.RepeatedSegments == 0 {
		c.RepeatedSegments = DefaultRepeatedSegments
	}
	return c
}

// silencePhrases are what Whisper writes on silence, noise and music,
// learnt from the subtitles it was trained on; normalised (see norm). A
// trailing "*" matches any ending.
var silencePhrases = []string{
	"thank you for watching", "thanks for watching", "thank you so much for watching",
	"thank you for watching and see you next time", "see you next time", "see you in the next video",
	"please subscribe", "please subscribe to my channel", "subscribe to my channel", "like and subscribe",
	"don't forget to like and subscribe", "thank you for listening", "thanks for listening",
	"thank you", "thank you very much", "thanks", "thank you bye", "bye", "bye bye", "you", "okay", "so",
	"subtitles by*", "subtitled by*", "captions by*", "captioning by*", "transcription by*", "transcribed by*",
	"translated by*", "translation by*", "subtitles*amara org*", "amara org*", "www *", "sous titrage*", "untertitel*",
	"asante kwa kutazama", "asante kwa kusikiliza", "asante", "tafadhali jisajili*",
}

// norm lower-cases text and keeps only its words, single-spaced.
func norm(text string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}), " ")
}

// silencePhrase reports whether text is one of the silence phrases.
func silencePhrase(text string) bool {
	n := norm(text)
	if n == "" {
		return false
	}
	for _, p := range silencePhrases {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(n, pre) {
				return true
			}
		} else if n == p {
			return true
		}
	}
	return false
}

// nonSpeechTag reports whether text is only captions: bracketed or
// parenthesised tags ("[music]", "(applause)", "[singing in foreign
// language]"), starred ones ("*laughs*"), musical notes, and punctuation.
func nonSpeechTag(text string) bool {
	tagged := false
	depth := 0
	var close rune
	starred := false
	for _, r := range text {
		switch {
		case depth > 0:
			if r == close {
				depth--
			}
		case starred:
			if r == '*' {
				starred = false
			}
		case r == '[' || r == '(' || r == '{' || r == '<':
			depth, close, tagged = 1, map[rune]rune{'[': ']', '(': ')', '{': '}', '<': '>'}[r], true
		case r == '*':
			starred, tagged = true, true
		case r == '♪' || r == '♫' || r == '♬' || r == '🎵' || r == '🎶':
			tagged = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return false
		}
	}
	return tagged
}

// Filter returns the segments worth keeping and the ones it dropped, each
// in order. Kept segments are unchanged, except that a loop inside one is
// cut to one copy; a run of RepeatedSegments or more segments with the
// same text keeps its first.
func (c GuardConfig) Filter(segs []models.Segment) (kept []models.Segment, dropped []models.DroppedSegment) {
	c = c.WithDefaults()
	kept = make([]models.Segment, 0, len(segs))
	if c.Off {
		return append(kept, segs...), nil
	}
	var cand []models.Segment
	for _, s := range segs {
		if reason, drop := c.judge(s); drop {
			dropped = append(dropped, droppedOf(s, s.Text, reason))
			continue
		}
		if text, cut := c.cutLoop(s.Text); cut != "" {
			dropped = append(dropped, droppedOf(s, cut, models.DropRepetition))
			s.Text = text
		}
		cand = append(cand, s)
	}
	for i := 0; i < len(cand); {
		key := norm(cand[i].Text)
		j := i + 1
		for j < len(cand) && key != "" && norm(cand[j].Text) == key {
			j++
		}
		if j-i >= c.RepeatedSegments {
			kept = append(kept, cand[i])
			for _, s := range cand[i+1 : j] {
				dropped = append(dropped, droppedOf(s, s.Text, models.DropRepetition))
			}
		} else {
			kept = append(kept, cand[i:j]...)
		}
		i = j
	}
	slices.SortStableFunc(dropped, func(a, b models.DroppedSegment) int { return cmp.Compare(a.Start, b.Start) })
	return kept, dropped
}

// Keep reports whether one segment survives the guards that judge a
// segment alone (tags, silence phrases): what a live stream can apply
// before the transcript is complete.
func (c GuardConfig) Keep(s models.Segment) bool {
	c = c.WithDefaults()
	if c.Off {
		return true
	}
	_, drop := c.judge(s)
	return !drop
}

func (c GuardConfig) judge(s models.Segment) (models.DropReason, bool) {
	switch {
	case nonSpeechTag(s.Text):
		return models.DropNonSpeechTag, true
	case s.NoSpeechProb >= c.NoSpeechProb && silencePhrase(s.Text):
		return models.DropSilencePhrase, true
	}
	return "", false
}

func droppedOf(s models.Segment, text string, r models.DropReason) models.DroppedSegment {
	return models.DroppedSegment{Start: s.Start, End: s.End, Text: strings.TrimSpace(text), Reason: r, NoSpeechProb: s.NoSpeechProb}
}

// cutLoop finds phrases repeated back to back at least LoopCopies times,
// LoopWords words or more in all, and keeps one copy of each. It returns
// the text left and the words cut ("" when none).
func (c GuardConfig) cutLoop(text string) (string, string) {
	words := strings.Fields(text)
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = norm(w)
	}
	var keep, cut []string
	for i := 0; i < len(words); {
		best, bestCopies := 0, 0
		for p := 1; p <= 16 && i+p <= len(words); p++ {
			copies := 1
			for i+(copies+1)*p <= len(words) && equal(keys[i+copies*p:i+(copies+1)*p], keys[i:i+p]) {
				copies++
			}
			if copies >= c.LoopCopies && copies*p >= c.LoopWords && copies*p > bestCopies*best {
				best, bestCopies = p, copies
			}
		}
		if best == 0 {
			keep = append(keep, words[i])
			i++
			continue
		}
		keep = append(keep, words[i:i+best]...)
		cut = append(cut, words[i+best:i+best*bestCopies]...)
		i += best * bestCopies
	}
	if len(cut) == 0 {
		return text, ""
	}
	return strings.Join(keep, " "), strings.Join(cut, " ")
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] || a[i] == "" {
			return false
		}
	}
	return true
}
