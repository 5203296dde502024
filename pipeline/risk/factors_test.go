package risk

import (
	"slices"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// TestSuicideFactors checks each suicide factor class of the Columbia
// protocol, told without "suicide", "kill myself" or "kujiua", in both
// languages: alone a factor is at most high; place, means, plan and a
// timeline together are critical.
func TestSuicideFactors(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "en place of danger now", text: "I am standing on the edge of the bridge right now and I am not scared any more.", want: models.PriorityCritical},
		{name: "sw place of danger now", text: "Nimesimama juu ya paa la nyumba yetu sasa hivi na nimeamua kuruka.", want: models.PriorityCritical},
		{name: "en means at hand with a timeline", text: "I have been collecting my grandmother's tablets and after this call I will take them.", want: models.PriorityCritical},
		{name: "sw means at hand with a timeline", text: "Nimekusanya vidonge vya bibi na baada ya simu hii nitavimeza.", want: models.PriorityCritical},
		{name: "en preparatory acts with intent", text: "I have given away my clothes and my radio and I wrote a note for my father. I have decided.", want: models.PriorityCritical},
		{name: "sw preparatory acts with intent", text: "Nimewapa wadogo zangu vitu vyangu vyote na nimeandika barua kwa baba. Nimeamua.", want: models.PriorityCritical},
		{name: "en message for a parent with calm", text: "Please pass a message to my mother that I am sorry. I feel calm now, I am not sad anymore.", want: models.PriorityCritical},
		{name: "en plan with means", text: "There is a rope in my bag and I know where I will go when everyone is asleep.", want: models.PriorityCritical},
		{name: "sw plan with means", text: "Kamba iko begini mwangu na nimepanga kwenda msituni wote wakilala.", want: models.PriorityCritical},
		{name: "en self-harm bleeding alone", text: "I cut my wrist and it will not stop bleeding, I am alone in the house and I feel dizzy.", want: models.PriorityCritical},
		{name: "sw self-harm bleeding alone", text: "Nimejikata paja na damu haikomi, niko peke yangu na nahisi kizunguzungu.", want: models.PriorityCritical},
		{name: "en calm tone alone is not critical", text: "I am calm now, thank you for listening to me about my exams.", want: models.PriorityLow},
		{name: "en goodbyes for a move are no risk", text: "I gave away my old toys and said goodbye to my friends because we are moving to Eldoret.", want: models.PriorityLow},
		{name: "sw goodbyes for a move are no risk", text: "Nimewapa marafiki zangu vitabu vyangu na kuwaaga kwa sababu tunahamia Mombasa.", want: models.PriorityLow},
		{name: "en means without intent stays below critical", text: "My mum keeps her tablets in the kitchen cupboard, I need to ask about my school report.", want: models.PriorityHigh, alsoOK: models.PriorityLow},
	})
}

// TestHarmFactors checks abduction in progress, harm told in passing and
// immediacy given as a time.
func TestHarmFactors(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "sw abduction in progress", text: "Watu nisiowajua wanamvuta dada yangu kwenye gari sasa hivi nje ya nyumba!", want: models.PriorityCritical},
		{name: "sw abduction by a stranger on a motorbike", text: "Mtu asiyejulikana amemkamata mtoto wa jirani na kumpakia kwenye pikipiki, wanaondoka naye.", want: models.PriorityCritical},
		{name: "en harm in passing in a school-fees request", text: "I am calling to ask about the school fees balance for term two. Also my uncle forces me to have sex with him when my aunt is at the market. I am 12.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw harm in passing in a school-fees request", text: "Nauliza kuhusu karo ya shule ya muhula wa pili. Pia baba wa kambo hunipiga kwa waya na nina majeraha mgongoni.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en tonight when mum leaves for the night shift", text: "My stepfather touches me and tonight when mum leaves for the night shift he will be alone with me.", want: models.PriorityCritical},
		{name: "en next contact told as a coming event", text: "My uncle rapes me and he said it will be just the two of us when my mother travels.", want: models.PriorityCritical},
		{name: "en a habit is not imminent", text: "My uncle beats me with a belt every time my mother travels.", want: models.PriorityHigh},
	})
}

// TestFactorsReported checks that the assessed factors and the reasons
// for review reach the classification.
func TestFactorsReported(t *testing.T) {
	got := rulesAndFactors().ClassifyText("I'm on the roof of the hostel right now and I've decided, I'm not sad any more.")
	if got.Priority != models.PriorityCritical {
		t.Fatalf("priority %s, want critical", got.Priority)
	}
	var names []string
	for _, f := range got.Factors {
		if f.Domain == "suicide" {
			names = append(names, f.Factor)
		}
	}
	for _, want := range []string{"place", "intent", "calm"} {
		if !slices.Contains(names, want) {
			t.Errorf("factors %v lack %s", names, want)
		}
	}
	if !got.Review || len(got.ReviewReasons) == 0 {
		t.Errorf("a call placed on factors alone should ask for review: review=%v reasons=%v", got.Review, got.ReviewReasons)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}
