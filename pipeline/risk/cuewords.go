package risk

// Cue readings: what makes a cue mean what it seems to. An information
// cue with a third-person subject asks nothing, a media word may name a
// thing one owns, "wapi" may ask where a person is, and a victim word may
// name only the one asking.

// thirdPersons are subjects that make an information cue someone else's
// wish, not the caller's request: "now he wants to know which school she
// goes to" tells of a harm, it asks nothing.
var thirdPersons = map[string]bool{
	"he": true, "she": true, "they": true, "he's": true, "she's": true,
	"someone": true, "somebody": true, "man": true, "stranger": true,
}

// thirdPersonAsks reports whether the information cue m has a third
// person subject just before it, in its clause.
func thirdPersonAsks(m match, d *doc) bool {
	for t := m.start - 1; t >= 0 && t >= m.start-2; t-- {
		if d.toks[t].clause != d.toks[m.start].clause {
			return false
		}
		if thirdPersons[d.toks[t].norm] {
			return true
		}
	}
	return false
}

// stopping are the verbs that make a question a plea: "how can we stop
// it", "tufanye nini kumwokoa".
var stopping = map[string]bool{
	"stop": true, "prevent": true, "save": true, "protect": true, "rescue": true, "help": true,
	"kumzuia": true, "kuzuia": true, "kumwokoa": true, "kumuokoa": true, "kumsaidia": true, "kumlinda": true,
}

// asksToStop reports whether the information cue m asks how to stop or
// save someone, a plea about what the call told, not a question on a topic.
func asksToStop(m match, d *doc) bool {
	for t := m.end; t < len(d.toks) && t < m.end+3; t++ {
		if stopping[d.toks[t].norm] {
			return true
		}
	}
	return false
}

// possessives before (English) and after (Swahili) a thing mark it as
// someone's own: "my books", "vitabu vyangu".
var (
	possessivesBefore = map[string]bool{"my": true, "his": true, "her": true, "our": true, "their": true}
	possessivesAfter  = map[string]bool{"changu": true, "vyangu": true, "chake": true, "vyake": true, "yangu": true, "yake": true, "zangu": true, "zake": true}
)

// objects are the media cues that are also things one owns; a story, a
// composition or a film of one's own is still a story.
var objects = map[string]bool{
	"book": true, "books": true, "radio": true, "tv": true, "television": true, "newspaper": true, "magazine": true,
	"kitabu": true, "vitabu": true, "redio": true, "runinga": true, "televisheni": true, "gazeti": true,
}

// owned reports whether the one-word media cue m names a thing someone
// owns.
func owned(m match, d *doc) bool {
	return m.end-m.start == 1 && objects[d.toks[m.start].norm] && (m.start > 0 && possessivesBefore[d.toks[m.start-1].norm] ||
		m.end < len(d.toks) && possessivesAfter[d.toks[m.end].norm])
}

// locating are the words before "wapi" (where) that make it the
// whereabouts of a person, not a question for the helpline: "yuko wapi",
// "hatujui alipo".
var locating = map[string]bool{
	"yuko": true, "yupo": true, "wako": true, "wapo": true, "aliko": true, "alipo": true, "ameenda": true,
	"amekwenda": true, "alienda": true, "walienda": true, "wameenda": true, "sijui": true, "hajui": true,
	"hatujui": true, "hawajui": true, "hujui": true, "hamjui": true,
}

// whereabouts reports whether the information cue m is the word "wapi"
// asking where a person is.
func whereabouts(m match, d *doc) bool {
	if m.end-m.start != 1 || d.toks[m.start].norm != "wapi" {
		return false
	}
	for t := m.start - 1; t >= 0 && t >= m.start-2; t-- {
		if locating[d.toks[t].norm] {
			return true
		}
	}
	return false
}

// victimNamed reports whether a victim cue lies in the part of h outside
// the information cue info ("tell me" names nobody), after the cue or in
// h's sentence: a caller who introduces herself ("mimi ni mwanafunzi")
// before a question names no victim.
func (c *Classifier) victimNamed(h, info match, d *doc, ci *cueIndex) bool {
	part := d.toks[h.start].part
	for _, v := range ci.matches[c.builtin.victim] {
		if d.toks[v.start].part != part || (v.start < info.end && info.start < v.end) {
			continue
		}
		if v.start < info.start && d.toks[v.start].sent != d.toks[h.start].sent {
			continue
		}
		if askerOnly(v, d) {
			continue
		}
		return true
	}
	return false
}

// askerOnly reports whether a victim word names the caller only as the
// one asking ("give me the figures", "tell us how") or introducing
// herself ("sisi ni wanafunzi": we are students): no one harmed.
func askerOnly(v match, d *doc) bool {
	switch d.toks[v.start].norm {
	case "me", "us":
		if v.start > 0 {
			switch d.toks[v.start-1].norm {
			case "give", "tell", "send", "show", "share", "email", "teach", "let":
				return true
			}
		}
	case "mimi", "sisi":
		return v.end < len(d.toks) && d.toks[v.end].norm == "ni"
	}
	return false
}
