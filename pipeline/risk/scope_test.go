package risk

import (
	"sync"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// rulesAndFactors is the classifier of the embedded lexicon without any
// second opinion: these tests hold the rules and factors to account.
var rulesAndFactors = sync.OnceValue(func() *Classifier {
	c, err := NewWithLexicon(DefaultLexicon())
	if err != nil {
		panic(err)
	}
	return c
})

type priorityCase struct {
	name string
	text string
	want models.Priority
	// alsoOK is a second acceptable priority, for calls a counsellor
	// could place at either of two levels.
	alsoOK models.Priority
}

func checkPriorities(t *testing.T, cases []priorityCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := rulesAndFactors().ClassifyText(tc.text)
			if got.Priority != tc.want && (tc.alsoOK == "" || got.Priority != tc.alsoOK) {
				var rules []string
				for _, e := range got.Evidence {
					rules = append(rules, e.Rule)
				}
				t.Errorf("got %s/%s (evidence %v), want %s", got.Priority, got.Category, rules, tc.want)
			}
		})
	}
}

// TestScope checks that each finding is read in its own clause and event:
// a thank-you or a resolution closes only what it refers to; hypothetical,
// media and negated talk is no report; someone else's harm now is a
// report, their long-past story is not.
func TestScope(t *testing.T) {
	checkPriorities(t, scopeCases)
}

// scopeCases are the scope cases of TestScope, also read unpunctuated by
// TestScopeUnpunctuated.
var scopeCases = []priorityCase{
	{name: "en a single out-of-character slap is a concern",
		text: "I slapped my son yesterday when he lied to me. I have never done that before and I feel awful. How do I talk to him?",
		want: models.PriorityMedium},
	{name: "en not the first time keeps a slap urgent",
		text: "I slapped my son yesterday when he lied to me. It is not the first time and I cannot stop myself.",
		want: models.PriorityHigh},
	{name: "en a single blow with a grave injury stays urgent",
		text: "My father slapped me yesterday for the first time. I had to go to hospital for stitches.",
		want: models.PriorityHigh},
	{name: "sw a single caning with a swelling is a concern",
		text: "Mwalimu alimchapa mwanangu fimbo mkononi mpaka mkono ukavimba. Ni mara ya kwanza kutokea, nataka kujua hatua za kuchukua.",
		want: models.PriorityMedium},
	{name: "en a caning with bruises, no single-incident cue, stays high",
		text: "The deputy principal caned my son six strokes for coming late, he has bruises on his buttocks.",
		want: models.PriorityHigh},
	{name: "en a fight between children is a concern",
		text: "My son came home with a swollen lip today. Another boy punched him during break and the school has called both parents.",
		want: models.PriorityMedium},
	{name: "sw pupils who beat a classmate is a concern",
		text: "Wanafunzi wenzake walimpiga mwanangu ngumi shuleni na akavimba jicho. Mwalimu mkuu ameita wazazi.",
		want: models.PriorityMedium},
	{name: "en older boys with a weapon and hospital stay urgent",
		text: "Older boys beat my son with a metal rod after school and he is in hospital.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "en children named after the blow are its victims",
		text: "My father beat me and the other children with a belt again last night.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "en never talked about hurting himself is no self-harm",
		text: "My son has been withdrawn since his grandmother died and eats little. He has not talked about hurting himself. How can I help him?",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "en a journalist's question is a topic",
		text: "Hello, I am a journalist writing about child trafficking on the coast. How many cases did your helpline record last year?",
		want: models.PriorityLow},
	{name: "en a cousin's attempt, helped and well now, is closed",
		text: "Last year my cousin tried to kill herself but she got help and she is now at university and happy. I want to volunteer with you.",
		want: models.PriorityLow},
	{name: "en unpaid school fees are no child labour",
		text: "My school fees are not paid and I was sent home. My mother says she will pay next week.",
		want: models.PriorityLow},
	{name: "sw pushed by the pupils of the sentence before is bullying",
		text: "Kuna wanafunzi wa darasa la sita wanaonichukulia chakula. Jana walinisukuma nikaanguka lakini sikuumia sana.",
		want: models.PriorityMedium},
	{name: "en a single slap qualified two sentences later is a concern",
		text: "Last week my husband slapped our son because he was rude. It left a small red mark that was gone the next day. My husband felt very bad, it has never happened before. How do we discipline without hitting?",
		want: models.PriorityMedium},
	{name: "en the first time calling excuses no beating",
		text: "This is the first time I am calling. Yesterday my father beat me with a belt and I have bruises.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "en a single beating with a stick, qualified, is a concern",
		text: "Yesterday he stole money from my purse and I beat him with a stick on his legs. He has a small bruise. I don't usually beat him and I feel bad now.",
		want: models.PriorityMedium},
	{name: "en a beating with a stick, not qualified, stays high",
		text: "Yesterday my uncle beat me with a stick on my legs and I have bruises.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "en a racing heart is no beating",
		text: "Exams start in three weeks. I can't sleep and my heart beats very fast when I open my books. How can I calm down?",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "en never seen her hit them",
		text: "The lady next door shouts at her children every evening and calls them useless. I've never seen her hit them. Is that abuse?",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "sw never seen him beat them",
		text: "Jirani yangu huwafokea watoto wake kila jioni. Sijawahi kumwona akiwapiga. Je, hiyo ni unyanyasaji?",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "sw not wanting to hurt oneself is no self-harm",
		text: "Boyfriend wangu ameniacha na nalia kila usiku. Lakini sitaki kujiumiza, nataka tu mtu wa kuongea naye.",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "en not wanting to be cut is a disclosure",
		text: "My mum says in December I will have the ceremony like my sisters did. I don't want to be cut.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "sw call here is no beating",
		text: "Mimi ni mwanafunzi wa darasa la tano. Mama amesema nipige hapa niulize haki za mtoto.",
		want: models.PriorityLow},
	{name: "sw a conditional is a supposition",
		text: "Nina swali tu. Kama mwanafunzi angepigwa na mwalimu mpaka akaumia, mngefanya nini?",
		want: models.PriorityLow},
	{name: "en answering no to the question of self-harm",
		text: "I get headaches and I study until two in the morning. If you're asking whether I want to hurt myself, no, I just feel pressure all the time.",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "sw two pupils who fought is a fight",
		text: "Mimi ni mwalimu. Leo wanafunzi wawili wamepigana wakati wa mapumziko, mmoja alimsukuma mwenzake akaanguka na kuchubuka kiwiko.",
		want: models.PriorityMedium},
	{name: "en a giggling prank",
		text: "Hello? Hello... (giggling) is this the police? My friend Kevin says he wants to marry you... sorry, bye.",
		want: models.PriorityLow},
	{name: "en a runaway who came back by herself",
		text: "My niece is sixteen. Last week she disappeared for two nights, and on Sunday she came back by herself. She refuses to tell me where she was.",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "en came back and beat her again stays urgent",
		text: "My stepfather came back last night and beat my sister again with a belt. She has bruises all over.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "sw taken and brought back is no abduction",
		text: "Kuna msichana jirani, kila wiki namwona akichukuliwa na kurudishwa na gari la mwanaume mzima ambaye si baba yake.",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "en give me figures names no victim",
		text: "I am a student writing a report for our debate club. Can you give me figures on how many rape cases you receive each year?",
		want: models.PriorityLow},
	{name: "sw we are students names no victim",
		text: "Sisi ni wanafunzi wa chuo, tunafanya utafiti kuhusu ubakaji wa watoto mkoani Mbeya.",
		want: models.PriorityLow},
	{name: "en tell me how he touched me is a report",
		text: "Please tell me what to do, my uncle touches me at night.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "sw not the first time keeps a blow urgent",
		text: "Wiki hii nimempiga mwanangu mpaka akaanguka, na si mara ya kwanza.",
		want: models.PriorityHigh},
	{name: "sw a single blow out of character is a concern",
		text: "Jana mama alinichapa kwa sababu nilichelewa kurudi nyumbani. Huwa si mkali hivi, nadhani alikuwa amechoka.",
		want: models.PriorityMedium},
	{name: "en a joke sets a threat aside",
		text: "We fight a lot and my stepdad said next time he will sell us both to the circus. It was a joke, but mum cried. Can you help us get along?",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "en no joke is no excuse",
		text: "This is not a joke, my uncle said he will kill me tonight when mum leaves.",
		want: models.PriorityCritical},
	{name: "en a joke never hides the caller's own suicide",
		text: "haha i want to kill myself tonight, i have the pills in my bag",
		want: models.PriorityCritical},
	{name: "sw a tease sets a sale aside",
		text: "haha sasa wewe ni polisi eh tumekuuzia mtoto kwa shilingi mia tano hahaha nakutania tu tunajaribu namba hii",
		want: models.PriorityLow},
	{name: "sw beating the other team",
		text: "Sisi ni timu ya mpira wa wavu ya wasichana, tumewachapa wapinzani wetu seti tatu bila! Tunasema asante kwa semina.",
		want: models.PriorityLow},
	{name: "sw slaughtering the rooster",
		text: "nilisikia mama anamwambia jirani kwamba atamchinja jogoo wetu mkubwa kwa sikukuu na mimi nampenda sana huyo jogoo",
		want: models.PriorityLow},
	{name: "en a parent who does not want to beat",
		text: "My son is ten and very stubborn. I don't want to beat him, are there other methods of discipline you can advise me on?",
		want: models.PriorityLow},
	{name: "en not wanting to be beaten is a disclosure",
		text: "I don't want him to beat me again, he beat me yesterday with a belt.",
		want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	{name: "sw a parent who does not want to cane",
		text: "Kijana wangu amezama kwenye betting na amechukua pesa za ada. Sitaki kumchapa. Nifanyeje kumsaidia aache?",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "en a father who married again",
		text: "Since my dad married again, my stepmother serves her own children first and tells me I am only here because my father feels sorry for me.",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "en a situation that cannot go on",
		text: "The parents have separated and keep fighting over the girl at the church gate. She is well cared for, but this can't go on. Can you mediate?",
		want: models.PriorityMedium, alsoOK: models.PriorityLow},
	{name: "sw a case already in court",
		text: "Kesi ya mwanangu ya kubakwa iko mahakamani tayari na mshtakiwa yuko rumande. Nataka tu namba ya afisa ustawi wa jamii kwa ajili ya barua ya shule.",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "en hyperbole is no threat",
		text: "My report card came and I got a D in maths, my mum is going to murder me haha, not literally. Do you know any free tuition in Nakuru?",
		want: models.PriorityLow},
	{name: "en a parent working abroad is no trafficking",
		text: "I wait at the school gate for my dad until it is dark because my mum works in Dubai. I am not scared but the road has no lights.",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "sw a wife working abroad is no trafficking",
		text: "Mimi ni baba, na mke wangu anafanya kazi nje ya nchi. Binti yangu ananiuliza maswali ya kubalehe, kuna vitabu mnaweza kunipendekezea?",
		want: models.PriorityLow},
	{name: "en a talk to students about abuse",
		text: "I am a teacher and I would like someone from your organisation to talk to our students about sexual abuse and how to report it.",
		want: models.PriorityLow},
	{name: "sw a cutting tomorrow told as becoming a woman",
		text: "nimesikia mama na bibi wakiongea kwamba kesho alfajiri yule mama mzee atakuja na sisi wasichana wanne tutapelekwa nyuma ya nyumba wanasema nitakuwa mwanamke kamili",
		want: models.PriorityCritical},
	{name: "en a story that touched the caller",
		text: "I watched a story on TV last night about a girl who was rescued. It really touched me. How can I donate to girls like her?",
		want: models.PriorityLow},
	{name: "sw kupiga namba is a phone call",
		text: "nataka kuuliza kama naweza kupiga namba hii usiku wa manane kama kuna shida",
		want: models.PriorityLow},
	{name: "sw kunipiga still a threat",
		text: "baba yangu anataka kunipiga tena leo usiku",
		want: models.PriorityCritical},
	{name: "sw an injury denied raises nothing",
		text: "Mwalimu, mwanafunzi wangu anachunga ng'ombe kila wiki, hajaumia lakini anakosa shule.",
		want: models.PriorityMedium},
	{name: "sw an injury raises",
		text: "Mwalimu, mwanafunzi wangu anachunga ng'ombe kila wiki, ameumia mguu na anakosa shule.",
		want: models.PriorityHigh},
	{name: "en thanks before a plan stays critical",
		text: "Thank you so much for what you did for us in January, everything is fine at home now. I am calling because I have a rope under my bed and I have decided to use it tonight.",
		want: models.PriorityCritical},
	{name: "sw thanks before a plan stays critical",
		text: "Asanteni kwa kunisaidia mwaka uliopita, tatizo limeisha. Lakini sasa nimeficha vidonge chumbani na nimeamua kuvimeza vyote usiku huu.",
		want: models.PriorityCritical},
	{name: "en past harm now resolved",
		text: "My stepmother used to beat me years ago but she apologised and we are okay now. I wanted to ask about school trips.",
		want: models.PriorityLow},
	{name: "sw past harm now resolved",
		text: "Mjomba alinipiga zamani lakini alikamatwa na sasa niko salama. Nataka kujua kuhusu bweni.",
		want: models.PriorityLow},
	{name: "en hypothetical",
		text: "If a girl ever gave away all her things and said goodbye, what should her friends do?",
		want: models.PriorityLow},
	{name: "sw hypothetical",
		text: "Kama mtu angesimama juu ya daraja akitaka kuruka, tungemsaidiaje?",
		want: models.PriorityLow},
	{name: "en media story",
		text: "I saw a news story about a boy who was dragged into a car by strangers in Kisumu. Is that common?",
		want: models.PriorityLow},
	{name: "sw media story",
		text: "Niliona kwenye televisheni habari ya msichana aliyesimama juu ya jengo akitaka kuruka.",
		want: models.PriorityLow},
	{name: "en neighbour's child beaten now is a report",
		text: "The man next door is beating his small daughter with a cable right now, she is screaming.",
		want: models.PriorityCritical},
	{name: "sw neighbour's child beaten now is a report",
		text: "Jirani anamchapa mtoto wake mdogo kwa waya sasa hivi, analia sana.",
		want: models.PriorityCritical},
	{name: "en third party's long-past story",
		text: "My aunt told me that her father used to beat her when she was young, it was forty years ago.",
		want: models.PriorityLow},
	{name: "sw third party's long-past story",
		text: "Bibi alisema baba yake alikuwa akimpiga zamani sana alipokuwa msichana.",
		want: models.PriorityLow},
	{name: "en negated threat",
		text: "My brother said he will not hurt me again and he has not touched me since, we are getting along.",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
	{name: "sw negated threat",
		text: "Kaka alisema hatanipiga tena na hajanigusa tangu wakati huo.",
		want: models.PriorityLow, alsoOK: models.PriorityMedium},
}
