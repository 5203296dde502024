package risk

import (
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// TestBareBlow holds the reading of a blow told bare: a single past slap
// or beating with nothing told near it that makes it urgent is medium,
// and each thing a counsellor would ask about keeps it high.
func TestBareBlow(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "en single slap yesterday", text: "My dad slapped me yesterday because I came home late from my friend's place.", want: models.PriorityMedium},
		{name: "en coach's slap", text: "The football coach hit my son during the match last Saturday because he missed a penalty. I want to know who to complain to.", want: models.PriorityMedium},
		{name: "sw single slap yesterday", text: "Mjomba alinipiga jana kwa sababu nilichelewa kurudi.", want: models.PriorityMedium},
		{name: "sw pushed once", text: "Jana mwalimu alinisukuma nikaanguka kwenye matope.", want: models.PriorityMedium},

		{name: "en present habit", text: "My dad beats me because I come home late from my friend's place.", want: models.PriorityHigh},
		{name: "en again", text: "My dad slapped me again yesterday because I came home late.", want: models.PriorityHigh},
		{name: "en recurrence next sentence", text: "My uncle hit me yesterday. He does it whenever he comes home drunk.", want: models.PriorityHigh},
		{name: "en since January", text: "My stepmother slapped me on Monday. It has been like this since January.", want: models.PriorityHigh},
		{name: "en implement", text: "Yesterday my dad hit me with a belt because I came home late.", want: models.PriorityHigh},
		{name: "en object after with", text: "Yesterday my aunt hit me with a cooking pan because the food was late.", want: models.PriorityHigh},
		{name: "en badly", text: "My uncle beat me badly last night because I lost the goats.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en injury", text: "My stepfather punched me yesterday and my eye is swollen.", want: models.PriorityHigh},
		{name: "en fear", text: "My stepfather punched me yesterday. I am scared to go home.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en baby", text: "My sister's boyfriend slapped the baby yesterday because she was crying.", want: models.PriorityHigh},
		{name: "en burn is never bare", text: "Last week madam burnt my hand because the food was late.", want: models.PriorityHigh},
		{name: "en another harm due tomorrow", text: "My mother says the man's family comes tomorrow and I will go with them. When I asked to finish school she slapped me.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en lives with us", text: "My uncle slapped me yesterday. He lives with us.", want: models.PriorityHigh},
		{name: "sw habitual", text: "Mjomba hunipiga nikichelewa kurudi.", want: models.PriorityHigh},
		{name: "sw present", text: "Mjomba ananipiga nikichelewa kurudi.", want: models.PriorityHigh},
		{name: "sw not the first time", text: "Mjomba alinipiga jana. Si mara ya kwanza.", want: models.PriorityHigh},
		{name: "sw until", text: "Mjomba alinipiga jana mpaka nikaanguka.", want: models.PriorityHigh},
		{name: "sw every day", text: "Mjomba alinipiga jana, anafanya hivyo kila siku.", want: models.PriorityHigh},
	})
}

// TestIsolatedBlowStory holds the single-incident cue to the story it is
// told in: two sentences on either side of the blow, not a first telling
// or a blow that also recurs.
func TestIsolatedBlowStory(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "en out of character two sentences on", text: "Yesterday my mum beat me with a belt because I came home late. There's a small mark on my leg, it doesn't hurt now. She doesn't usually beat me.", want: models.PriorityMedium},
		{name: "sw out of character two sentences on", text: "Jana mama alinichapa kwa mwiko kwa sababu nilichelewa. Nina alama nyekundu mkononi. Ni mara ya kwanza amefanya hivyo.", want: models.PriorityMedium},
		{name: "en first telling is no single incident", text: "This is the first time I tell anyone. My stepfather hit me with a belt yesterday.", want: models.PriorityHigh},
		{name: "sw first telling is no single incident", text: "Ni mara ya kwanza kumwambia mtu. Baba wa kambo alinichapa jana kwa mkanda.", want: models.PriorityHigh},
		{name: "en out of character but recurring", text: "My dad slapped me yesterday, he never did that before. It has been like this for months.", want: models.PriorityHigh},
		{name: "en out of character three sentences away", text: "Yesterday my uncle hit me with a belt. I have marks on my back. I can't sit. I am twelve. He said sorry.", want: models.PriorityHigh},
	})
}

// TestPeerPluralVerb holds a Swahili plural verb to the children named
// before it: bullying told at length is a fight's level, unless a
// grown-up is named between.
func TestPeerPluralVerb(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "pupils' blow told further on", text: "Wanafunzi wa darasa la saba wananinyang'anya pesa ya chai na wakati mwingine wananipiga makofi nikikataa.", want: models.PriorityMedium},
		{name: "parents named between", text: "Wavulana wa jirani wanacheka wakati wazazi wangu wananipiga.", want: models.PriorityHigh},
		{name: "grave injury", text: "Wavulana wa darasa la nane walinipiga jana mpaka nikapelekwa hospitali.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	})
}
