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
		{name: "en the child's own apology", text: "My uncle slapped me hard yesterday. I said sorry for breaking the cup.", want: models.PriorityHigh},
		{name: "sw the child's own apology", text: "Mjomba alinipiga jana. Niliomba msamaha kwa kuvunja kikombe.", want: models.PriorityHigh},
		{name: "en a threat after an apology", text: "He said sorry to my mum. Then he told me he will kill me if I tell anyone.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en older boys' threat", text: "The older boys at school said they will kill me after class.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw a threat after an apology", text: "Aliniomba msamaha mbele ya mama. Usiku akasema ataniua nikimwambia mtu.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
	})
}

// TestPeerBeforePassive holds children named before a Swahili passive
// verb as the ones struck, not the ones who struck.
func TestPeerBeforePassive(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "pupils struck by a cook", text: "Watoto wa darasa la kwanza wanapigwa na mpishi kila siku kwa mwiko.", want: models.PriorityHigh},
		{name: "pupils who pushed", text: "Wanafunzi wa darasa la sita wananisukuma kwenye foleni ya chakula.", want: models.PriorityMedium},
	})
}
