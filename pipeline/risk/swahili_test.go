package risk

import "testing"

func TestStemIndexAnalyse(t *testing.T) {
	ix := newStemIndex()
	for _, s := range []string{"piga", "baka", "ua", "jiua", "olewa", "keketa", "oza", "harass", "nunulia", "tuma", "najisi", "dharau"} {
		ix.add(s)
	}
	root := map[int]string{}
	for r, id := range ix.roots {
		root[id] = r
	}
	tests := []struct {
		word      string
		wantRoot  string // "" for no reading
		neg       bool
		personObj bool
	}{
		{"anampiga", "pig", false, true},
		{"alinipiga", "pig", false, true},
		{"wanatupiga", "pig", false, true},
		{"hunichapa", "", false, false},
		{"nilipigwa", "pig", false, true},
		{"hajanipiga", "pig", true, true},
		{"hanipigi", "pig", true, true},
		{"anapiga", "pig", false, false},
		{"amebakwa", "bak", false, true},
		{"alinibaka", "bak", false, true},
		{"aliyenibaka", "bak", false, true},
		{"kubaki", "", false, false},
		{"nitajiua", "jiu", false, false},
		{"kujiua", "jiu", false, false},
		{"ataniua", "u", false, true},
		{"kuuawa", "u", false, true},
		{"anajua", "", false, false},
		{"maua", "", false, false},
		{"kua", "", false, false},
		{"ataolewa", "olew", false, false},
		{"aolewe", "olew", false, false},
		{"kuozwa", "oz", false, true},
		{"kunioza", "oz", false, true},
		{"kukeketwa", "keket", false, true},
		{"watatukeketa", "keket", false, true},
		{"ananiharass", "harass", false, true},
		{"hatununulii", "nunuli", true, true},
		{"hatumi", "tum", true, false},
		{"hali", "", false, false},
		{"asimpige", "pig", true, true},
		{"akimnajisi", "najisi", false, true},
		{"alinajisiwa", "najisi", false, true},
		{"ananidharau", "dharau", false, true},
		{"kituo", "", false, false},
		{"kikuu", "", false, false},
	}
	for _, tt := range tests {
		hits := ix.analyse(tt.word, nil)
		if tt.wantRoot == "" {
			if len(hits) != 0 {
				t.Errorf("%s: got reading %q %+v, want none", tt.word, root[hits[0].id], hits[0].form)
			}
			continue
		}
		found := false
		for _, h := range hits {
			if root[h.id] == tt.wantRoot && h.form.neg == tt.neg && h.form.personObj == tt.personObj {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: readings %+v, want root %q neg=%v personObj=%v", tt.word, hits, tt.wantRoot, tt.neg, tt.personObj)
		}
	}
}

func TestStemIndexThingSubject(t *testing.T) {
	ix := newStemIndex()
	id := ix.add("umiza")
	tests := []struct {
		word  string
		thing bool
	}{
		{"ananiumiza", false},
		{"yananiumiza", true},
		{"limemuumiza", true},
		{"wananiumiza", false},
		{"haviniumizi", true},
		{"kuniumiza", false},
	}
	for _, tt := range tests {
		var person, thing bool
		for _, h := range ix.analyse(tt.word, nil) {
			if h.id != id || !h.form.personObj {
				continue
			}
			if h.form.thingSubj {
				thing = true
			} else {
				person = true
			}
		}
		if tt.thing && (person || !thing) || !tt.thing && !person {
			t.Errorf("%s: person reading %v, thing reading %v, want thing subject %v", tt.word, person, thing, tt.thing)
		}
	}
}
