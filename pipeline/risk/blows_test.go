package risk

import (
	"testing"

	"github.com/openchs/openchs-ai/models"
)

// TestIsolatedBlow holds the single-incident cue to the blow it is told
// with: the next sentence at most, never a first telling, the child's own
// apology or a threat to kill, and never a blow also told as recurring.
func TestIsolatedBlow(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "en out of character next sentence", text: "Yesterday my mum slapped me because I came home late. She doesn't usually hit me.", want: models.PriorityMedium},
		{name: "en out of character two sentences on", text: "Yesterday my mum beat me with a belt because I came home late. There's a mark on my leg. She doesn't usually beat me.", want: models.PriorityHigh},
		{name: "en first telling is no single incident", text: "This is the first time I tell anyone. My stepfather hit me with a belt yesterday.", want: models.PriorityHigh},
		{name: "sw first telling is no single incident", text: "Ni mara ya kwanza kumwambia mtu. Baba wa kambo alinichapa jana kwa mkanda.", want: models.PriorityHigh},
		{name: "en out of character but recurring", text: "My dad slapped me yesterday, he never did that before. It has been like this for months.", want: models.PriorityHigh},
		{name: "en the child's own apology", text: "My uncle slapped me hard yesterday. I said sorry for breaking the cup.", want: models.PriorityHigh},
		{name: "sw the child's own apology", text: "Mjomba alinipiga jana. Niliomba msamaha kwa kuvunja kikombe.", want: models.PriorityHigh},
		{name: "en a threat after an apology", text: "He said sorry to my mum. Then he told me he will kill me if I tell anyone.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw a threat after an apology", text: "Aliniomba msamaha mbele ya mama. Usiku akasema ataniua nikimwambia mtu.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	})
}

// TestPeerPluralVerb holds a Swahili plural verb to the children named
// before it: bullying told at length is a fight's level, unless a
// grown-up is named between.
func TestPeerPluralVerb(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "pupils' blow told further on", text: "Wanafunzi wa darasa la saba wananinyang'anya pesa ya chai na wakati mwingine wananipiga makofi nikikataa.", want: models.PriorityMedium},
		{name: "parents named between", text: "Wavulana wa jirani wanacheka wakati wazazi wangu wananipiga.", want: models.PriorityHigh},
		{name: "street youths named between", text: "Watoto wa jirani walikuwa wanacheza, vijana wa mtaani wakaja wakatupiga.", want: models.PriorityHigh},
		{name: "pupils struck by a cook", text: "Watoto wa darasa la kwanza wanapigwa na mpishi kila siku kwa mwiko.", want: models.PriorityHigh},
		{name: "grave injury", text: "Wavulana wa darasa la nane walinipiga jana mpaka nikapelekwa hospitali.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	})
}
