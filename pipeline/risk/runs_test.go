package risk

import (
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// TestScopeUnpunctuated reads the scope cases as a transcript writes
// them, lower case and without punctuation, and adds long runs in which
// only discourse markers separate the events: a past event, a thank-you
// or a question must still keep to its own part of the call.
func TestScopeUnpunctuated(t *testing.T) {
	var cases []priorityCase
	for _, tc := range scopeCases {
		tc.name += " unpunctuated"
		tc.text = learned.Normalize(tc.text)
		cases = append(cases, tc)
	}
	cases = append(cases, []priorityCase{
		{name: "en thank-you for last year then a plan, one run",
			text: "hello i wanted to say thank you for helping my family last year my father stopped drinking and things were fine for a while but now i have saved my mothers sleeping tablets in my bag and i have decided to take all of them tonight after everyone sleeps",
			want: models.PriorityCritical},
		{name: "sw thanks then a plan, one run",
			text: "habari nilitaka kuwashukuru kwa msaada wa mwaka jana mambo yalikuwa mazuri kwa muda lakini sasa nimeficha kamba kwenye begi na nimeamua kujinyonga leo usiku wote wakilala",
			want: models.PriorityCritical},
		{name: "en an old story then a beating now, one run",
			text: "my grandmother told me that her father used to beat her many years ago when she was young and now my stepfather is beating my little sister with a cable right now she is screaming",
			want: models.PriorityCritical},
		{name: "en a question about the law does not hide a flight tomorrow",
			text: "hello im sixteen an agent brought me and two other girls to a house to wait for our flight to saudi the flight is tomorrow at 4am they took our passports and they lock us in ive heard what happens there please help before morning",
			want: models.PriorityCritical},
		{name: "sw a resolved case stays closed, one run",
			text: "habari mimi ni mwalimu mwaka jana tuliwasiliana kuhusu msichana aliyeokolewa kwenye ukeketaji nilitaka tu kuwajulisha kuwa anaendelea vizuri familia imekubali hatakeketwa ni shukrani tu kwenu",
			want: models.PriorityLow, alsoOK: models.PriorityMedium},
		{name: "en harm in passing inside a fees question, one run",
			text: "hello im calling about the school fees balance for term two and whether i can pay in installments also my uncle forces me to have sex with him when my aunt goes to the market and i am twelve so how much is the balance",
			want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	}...)
	checkPriorities(t, cases)
}

// TestSplitRuns checks where a long unpunctuated run is cut: at discourse
// markers and a conjunction before a new subject, not inside "right now"
// or "kwa sababu", and never in punctuated sentences of ordinary length.
func TestSplitRuns(t *testing.T) {
	sentences := func(text string) []string {
		tz := tokenizer{}
		tz.add(text, 0, -1)
		splitRuns(tz.toks, tz.stops > 0)
		var out []string
		for i, tk := range tz.toks {
			if i == 0 || tk.sent != tz.toks[i-1].sent {
				out = append(out, "")
			}
			out[len(out)-1] = strings.TrimSpace(out[len(out)-1] + " " + tk.norm)
		}
		return out
	}
	run := "my uncle used to beat me when i was small but he moved away years ago and now my stepfather is beating my sister right now in the kitchen because she broke a plate so please send someone"
	got := sentences(run)
	want := []string{
		"my uncle used to beat me when i was small",
		"but he moved away years ago",
		"and now my stepfather is beating my sister right now in the kitchen",
		"because she broke a plate",
		"so please send someone",
	}
	if strings.Join(got, " / ") != strings.Join(want, " / ") {
		t.Errorf("cut\n%q\nwant\n%q", got, want)
	}
	sw := sentences("mjomba wangu alinipiga zamani sana nilipokuwa mdogo kijijini lakini sasa yuko mbali halafu baba wa kambo anampiga dada yangu sasa hivi jikoni kwa sababu amevunja sahani tafadhali tumeni mtu haraka sana")
	if len(sw) != 4 || !strings.HasPrefix(sw[1], "lakini") || !strings.HasPrefix(sw[2], "halafu") || !strings.HasPrefix(sw[3], "kwa sababu") {
		t.Errorf("Swahili run cut as %q", sw)
	}
	short := "My uncle beat me but he said sorry, and then he left."
	if got := sentences(short); len(got) != 1 {
		t.Errorf("a punctuated sentence of ordinary length was cut: %q", got)
	}
}
