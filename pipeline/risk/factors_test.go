package risk

import (
	"slices"
	"testing"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/risk/learned"
)

// TestSuicideFactors checks each suicide factor class of the Columbia
// protocol, told without "suicide", "kill myself" or "kujiua", in both
// languages: alone a factor is at most high; place, means, plan and a
// timeline together are critical.
func TestSuicideFactors(t *testing.T) {
	checkPriorities(t, []priorityCase{
		{name: "en a poison drunk and vomiting", text: "My brother is fifteen and he drank poison from the sprayer after a fight with dad. He is vomiting and there is foam at his mouth.", want: models.PriorityCritical},
		{name: "en a footbridge and belongings given", text: "I am standing on the footbridge over the highway. I told my friend she can keep my phone and my books. I have thought about it for a long time.", want: models.PriorityCritical},
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
		{name: "en exploitation due within hours", text: "An agent locked us in a house in Eastleigh. Our flight to Saudi is tomorrow at 4am, please help before morning.", want: models.PriorityCritical},
		{name: "en a past harm takes no later time", text: "My uncle raped me last year and he was taken to court. Tomorrow I start at a new school and I am nervous.", want: models.PriorityHigh, alsoOK: models.PriorityMedium},
		{name: "en a wedding within days", text: "My father has taken the bride price for me from an old man. I am fourteen and the wedding is this Saturday.", want: models.PriorityCritical},
		{name: "sw a wedding within days", text: "Nina miaka kumi na nne na baba amepokea mahari. Harusi ni Jumamosi hii, zimebaki siku tatu.", want: models.PriorityCritical},
		{name: "sw heard this week is no date", text: "Mwanangu wa miaka kumi na tano aliuzwa na jamaa mmoja mwezi wa tatu, tumesikia habari hizo wiki hii na hatujui yuko wapi.", want: models.PriorityHigh},
		{name: "en a taking told as under way", text: "A man I don't know is dragging a small girl towards a white car at the stage and she is screaming for her mother.", want: models.PriorityCritical},
		{name: "en mum is leaving tomorrow and he comes at night", text: "My mother is leaving for the village tomorrow for two weeks. It will be just me and my stepfather. Whenever she is away he comes to my bed at night.", want: models.PriorityCritical},
		{name: "en a beating heard now after a thank-you", text: "Thank you for helping us last month, the boy is back in school. But today the same man came home drunk an hour ago and I can hear him beating the little girl with a cable.", want: models.PriorityCritical},
		{name: "sw a trafficking car coming this evening", text: "Wakala amemwahidi msichana wa miaka kumi na nne kazi Oman, na gari linakuja kumchukua saa kumi jioni leo.", want: models.PriorityCritical},
		{name: "sw a habit at dawn is not soon", text: "Nililetwa Dar na mama mmoja. Naamka saa kumi alfajiri kufanya kazi za ndani na sijalipwa chochote.", want: models.PriorityHigh, alsoOK: models.PriorityMedium},
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

// TestFearIsNoScar: "scared" is fear, not the scar of an injury ("scar"
// read with English inflections had taken it for "scarred"), which a
// counsellor would read as a sign of violence; a scar told is one.
func TestFearIsNoScar(t *testing.T) {
	injuries := func(text string) []string {
		var out []string
		for _, f := range rulesAndFactors().ClassifyText(text).Factors {
			if f.Factor == "injury" {
				out = append(out, f.Text)
			}
		}
		return out
	}
	if got := injuries("My dad slapped me yesterday and I'm scared of him, I was so scared."); len(got) > 0 {
		t.Errorf("fear read as an injury: %q", got)
	}
	if got := injuries("My dad beats me and my back is scarred, he left scars on my arms."); len(got) != 2 {
		t.Errorf("scars told: injury factors %q, want scarred and scars", got)
	}
}

// TestHardClassesInOtherWords tells the hard classes of miss in words of
// their own, not those of the labelled narratives, in English, Swahili
// and Sheng, with their look-alikes, as written and as a transcript
// writes them (lower case, no punctuation, "i'll" as "ill").
func TestHardClassesInOtherWords(t *testing.T) {
	cases := []priorityCase{
		{name: "en railway now", text: "I'm sitting next to the railway line, the train comes at six and I'm not going to move this time.", want: models.PriorityCritical},
		{name: "en rooftop decided", text: "I'm up on the roof of our flats. I've made up my mind, tell my mum I love her.", want: models.PriorityCritical},
		{name: "sw roof of school", text: "Niko juu ya jengo la shule sasa hivi, nimeamua kuruka, mwambie mama nampenda.", want: models.PriorityCritical},
		{name: "sheng bridge", text: "Niko kwa bridge hapa thika road, nimechoka na life, leo ndio mwisho.", want: models.PriorityCritical},
		{name: "en tablets saved", text: "I've been saving my tablets for weeks, I have 40 now, I'll take them on Friday when my parents go to the funeral.", want: models.PriorityCritical},
		{name: "sw tablets saved", text: "Nimekuwa nikihifadhi vidonge kwa wiki tatu, sasa viko thelathini, Ijumaa wazazi wakienda mazishini nitavimeza vyote.", want: models.PriorityCritical},
		{name: "en giving away + not sad", text: "I gave my bike to my cousin and my books to my friend. I'm not sad anymore, I feel peaceful, everything will be over soon.", want: models.PriorityCritical},
		{name: "en bleeding locked", text: "I locked myself in the toilet and cut my wrist, there's so much blood and I feel faint.", want: models.PriorityCritical},
		{name: "sw bleeding", text: "Nimejikata mkono na damu inatoka sana, nimejifungia chooni na nahisi kizunguzungu.", want: models.PriorityCritical},
		{name: "en thanks then plan", text: "Thank you for helping me last year with my exams stress. I'm calling because tonight I'm going to hang myself in the store, the rope is ready.", want: models.PriorityCritical},
		{name: "sw abduction now", text: "Mtu ameshika mkono wa mtoto wa jirani anamburuta kwenye gari jeupe, wanaondoka sasa hivi!", want: models.PriorityCritical},
		{name: "en abduction now", text: "A man just grabbed a little girl outside the school gate and pushed her into a white probox, they are driving off towards the highway.", want: models.PriorityCritical},
		{name: "en fees + abuse", text: "I want to ask how to get a bursary for form two. My stepfather comes to my bed at night and does things to me. My mum doesn't know. And how much are the fees?", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw fees + abuse", text: "Nataka kuuliza kuhusu msaada wa karo. Baba wa kambo huja kitandani kwangu usiku na kunifanyia mambo mabaya. Karo ni shilingi ngapi?", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en night shift", text: "My uncle touches me when we're alone. Mum works nights and tonight she leaves at eight, he'll be home with me.", want: models.PriorityCritical},
		{name: "sw night shift", text: "Mjomba hunigusa vibaya tukiwa peke yetu. Mama anafanya kazi usiku, leo ataondoka saa mbili na mjomba atabaki nami.", want: models.PriorityCritical},
		{name: "en cutting on saturday", text: "My aunt says on Saturday the old woman is coming to cut me and my cousin, we are ten.", want: models.PriorityCritical, alsoOK: models.PriorityHigh},
		{name: "sw married off tomorrow", text: "Baba amepokea ng'ombe na kesho asubuhi wananipeleka kwa mzee huyo, nina miaka kumi na nne.", want: models.PriorityCritical},
		{name: "en passive ideation", text: "sometimes i think everyone would be fine if i just disappeared and never came back", want: models.PriorityHigh},
		{name: "sw passive ideation", text: "wakati mwingine nahisi bora nisingekuwepo kabisa hakuna anayenijali", want: models.PriorityHigh},
		{name: "look-alike move", text: "I'm giving away my toys and saying goodbye to my class because we are moving to Nairobi next month.", want: models.PriorityLow},
		{name: "look-alike bridge", text: "We went to see the new bridge on the river for our geography project.", want: models.PriorityLow},
		{name: "look-alike tablets", text: "My grandmother takes her blood pressure tablets every morning and I remind her.", want: models.PriorityLow},
		{name: "look-alike tomorrow", text: "We travel to my aunt's home tomorrow for the holidays and I am excited.", want: models.PriorityLow},
		{name: "sheng poison", text: "Buda amenichapa sana, nimechoka, nimeficha sumu ya panya kwa begi, usiku huu nakunywa.", want: models.PriorityCritical},
		{name: "sw not sad", text: "Sina huzuni tena, nimewaaga marafiki zangu wote leo shuleni, kesho hamtanisikia.", want: models.PriorityCritical},
		{name: "en goodbye texts", text: "I've texted all my friends goodbye and deleted my accounts. I'm just waiting for everyone to sleep.", want: models.PriorityCritical},
		{name: "en overdose now", text: "I swallowed a whole packet of my mum's pills about twenty minutes ago and now my stomach hurts and I feel sleepy.", want: models.PriorityCritical},
		{name: "sw kidnap now", text: "Kuna mwanaume amemshika mdogo wangu mkono anamvuta kuelekea kichakani sasa hivi, anapiga kelele.", want: models.PriorityCritical},
		{name: "en school fees + uncle", text: "I'm calling about school fees. My uncle who pays them says I must sleep in his room or he stops paying. I am 15.", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw when mum travels tomorrow", text: "Baba wa kambo amekuwa akinigusa vibaya. Kesho mama anasafiri kwenda Mwanza na nitabaki naye peke yetu.", want: models.PriorityCritical},
		{name: "en look-alike roof repair", text: "My brother is on the roof fixing the iron sheets and my mum asked me to call about the building permit.", want: models.PriorityLow},
		{name: "sw look-alike vidonge", text: "Daktari amenipa vidonge vya malaria nimeze mara tatu kwa siku, je ni sawa kula kabla?", want: models.PriorityLow},
		{name: "sw water deep now", text: "Niko kando ya mto sasa, maji ni mengi na nimeamua leo naingia tu.", want: models.PriorityCritical},
		{name: "sw letters goodbye", text: "Nimeandika barua kwa mama na dada, nimewapa marafiki nguo zangu. Sina huzuni tena, kesho sitakuwepo.", want: models.PriorityCritical},
		{name: "sw message for mother", text: "Tafadhali mwambie mama yangu kwamba nampenda na anisamehe, nimechoka sana, nimeshika vidonge hapa.", want: models.PriorityCritical},
		{name: "en pass a message", text: "Can you tell my dad I'm sorry for everything. I've got my brother's razor here and I'm done.", want: models.PriorityCritical},
		{name: "en rope in bag", text: "There's a rope in my school bag. I know which tree behind the church. After school today.", want: models.PriorityCritical},
		{name: "en bleeding not stopping", text: "I burned myself with the iron and cut my leg, there's blood everywhere and I'm alone at home.", want: models.PriorityCritical},
		{name: "sw damu haikomi", text: "Nilijikata na wembe na damu haiachi kutoka, nimejifungia bafuni na nahisi kuzimia.", want: models.PriorityCritical},
		{name: "sw thank you then plan", text: "Asante kwa msaada wa mwaka jana kuhusu ada. Leo nimenunua sumu ya panya, nitakunywa usiku huu.", want: models.PriorityCritical},
		{name: "en thank you then plan", text: "Thanks for the advice about my exams last time. Anyway I've bought rat poison and I'm drinking it tonight.", want: models.PriorityCritical},
		{name: "sw abduction", text: "Wanaume wawili wamemkamata mtoto wa miaka sita wanamwingiza kwenye gari nyeusi hapa shuleni sasa hivi!", want: models.PriorityCritical},
		{name: "sw abduction boda", text: "Mtu asiyejulikana amempakia dada yangu kwenye bodaboda kwa nguvu, wameelekea msituni sasa hivi.", want: models.PriorityCritical},
		{name: "en fees with rape", text: "I wanted to ask if the bursary covers uniform. Also my teacher raped me last week in the staffroom and said he will fail me if I tell. Does the bursary cover shoes?", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "sw fees with beating", text: "Nauliza kuhusu fomu ya bursary. Pia mama wa kambo hunichoma na pasi nikikosea, nina makovu mgongoni. Fomu inapatikana wapi?", want: models.PriorityHigh, alsoOK: models.PriorityCritical},
		{name: "en tonight when dad drunk", text: "Every time dad gets drunk he beats mum and me with a belt. Today is payday, he will come home drunk tonight.", want: models.PriorityCritical},
		{name: "sw tonight when mum away", text: "Baba wa kambo hunibaka mama akienda kazini usiku. Leo mama ana zamu ya usiku.", want: models.PriorityCritical},
		{name: "sw ndoa kesho", text: "Kesho wananiozesha kwa mzee wa miaka hamsini, mahari imeshalipwa, nina miaka kumi na tano.", want: models.PriorityCritical},
		{name: "look-alike sw rope", text: "Tunahitaji kamba ya kufunga mizigo ya safari ya shule kesho asubuhi.", want: models.PriorityLow},
		{name: "look-alike en river", text: "We go to the river every Saturday to wash clothes with my sisters.", want: models.PriorityLow},
		{name: "look-alike en goodbye", text: "I said goodbye to my classmates because I finished primary school and I am joining a new school.", want: models.PriorityLow},
		{name: "look-alike sw kesho", text: "Kesho tunasafiri kwenda kwa bibi likizo, nimefurahi sana.", want: models.PriorityLow},
	}
	var norm []priorityCase
	for _, c := range cases {
		c.name += " (asr)"
		c.text = learned.Normalize(c.text)
		norm = append(norm, c)
	}
	checkPriorities(t, append(cases, norm...))
}
