package risk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
)

func TestClassifyText(t *testing.T) {
	tests := []struct {
		name         string
		text         string
		wantPriority models.Priority
		wantCategory string // "" to skip
	}{
		// Swahili morphology: subject, tense, object prefixes and extensions.
		{"sw present with object", "Baba anampiga mdogo wangu.", "high", "physical_abuse"},
		{"sw past first person", "Mjomba alinipiga jana kwa fimbo.", "high", "physical_abuse"},
		{"sw plural object", "Walimu wanatupiga viboko vingi hadi tunavuja damu.", "high", "physical_abuse"},
		{"sw passive", "Dada yangu amebakwa na jirani.", "high", "sexual_abuse"},
		{"sw relative", "Yule aliyenibaka bado yuko mtaani.", "high", "sexual_abuse"},
		{"sw reflexive future", "Nitajiua kesho.", "high", "suicide_self_harm"},
		{"sw marriage of a child", "Binti yangu wa miaka kumi na nne ataolewa mwezi ujao.", "high", "child_marriage"},
		{"sw marry off passive", "Rafiki yangu anaogopa kuozwa.", "high", "child_marriage"},
		{"sw fgm passive", "Wasichana wa kijiji chetu watakeketwa Desemba.", "high", "fgm"},
		{"sw phone call is no beating", "Nilipiga simu jana kuuliza kuhusu huduma zenu.", "low", ""},
		{"sw call me back is no beating", "Nipigieni simu tafadhali.", "low", ""},
		{"sw words that hurt are no beating", "Hanipigi, lakini maneno yake yananiumiza sana.", "low", ""},
		{"sw a car hitting a child is no assault", "Gari lilimgonga mtoto wa jirani barabarani.", "low", ""},
		// English inflection.
		{"en past participle", "My brother was beaten by our uncle.", "high", "physical_abuse"},
		{"en progressive", "My aunt keeps hitting me.", "high", "physical_abuse"},
		// Negation, with and without scope.
		{"en negated", "He doesn't hit me anymore.", "low", "physical_abuse"},
		{"en never", "My father has never touched me.", "low", ""},
		{"en negation does not reach past a clause", "He doesn't feed us, and he beats us.", "high", "physical_abuse"},
		{"en not wanting is no negation", "I don't want to get married but my father is forcing me to marry an old man.", "high", "child_marriage"},
		{"sw negative verb", "Baba hanipigi tena.", "low", ""},
		{"sw never", "Mjomba hajawahi kunigusa.", "low", ""},
		{"sw negative harm counts", "Watoto hawa hawapati chakula kabisa.", "medium", "neglect"},
		// Hypothetical, media and information.
		{"en what if", "What if a girl is raped, where does she go?", "low", "information_advice"},
		{"en newspaper", "I read in the newspaper that girls were cut in Pokot.", "low", "information_advice"},
		{"en information topic", "Where can I report child trafficking?", "low", "information_advice"},
		{"en information with a victim", "How can I stop my uncle from touching me?", "high", "sexual_abuse"},
		{"sw hypothetical", "Tuseme mtoto amebakwa, afanye nini?", "low", "information_advice"},
		{"sw information with a victim", "Nataka kujua jinsi ya kumsaidia dada yangu, baba anambaka.", "high", "sexual_abuse"},
		// Immediacy escalates; past and resolution lower.
		{"en right now", "My father is beating my mother and me right now.", "critical", "physical_abuse"},
		{"en tonight", "He said he will rape me tonight.", "critical", "sexual_abuse"},
		{"sw sasa hivi", "Anampiga mtoto sasa hivi.", "critical", "physical_abuse"},
		{"sw leo usiku", "Watamkeketa dada yangu leo usiku.", "critical", "fgm"},
		{"en resolved", "My uncle raped me but he was arrested and jailed.", "low", "sexual_abuse"},
		{"en long past", "My uncle molested me when I was little.", "medium", "sexual_abuse"},
		{"en ongoing past", "My uncle molested me when I was little and he still does.", "high", "sexual_abuse"},
		// Weapons and threats to kill.
		{"en chased with a weapon", "My uncle chased my brother with a machete.", "high", "physical_abuse"},
		{"sw threat to finish", "Baba amesema atanimaliza, nimejifungia chooni sasa hivi.", "critical", "physical_abuse"},
		{"en self-cutting is no attack", "I keep cutting my arms with a blade.", "high", "suicide_self_harm"},
		// Suicide means and plans.
		{"en plan with tablets", "I have saved my mother's tablets. I am going to swallow them all tonight.", "critical", "suicide_self_harm"},
		{"en friend on a ledge", "My friend is standing on the edge of the bridge and says she wants to jump.", "critical", "suicide_self_harm"},
		{"sw jump", "Dada yangu anasema anataka kujirusha mtoni.", "high", "suicide_self_harm"},
		{"en prescribed tablets", "The doctor gave me tablets and I have to swallow them twice a day.", "low", ""},
		// Marriage by livestock and FGM euphemisms.
		{"en cows received", "Her father has received the cows and they are taking her to the man's home tonight. She is thirteen.", "critical", "child_marriage"},
		{"sw cows received", "Baba amepokea ng'ombe kutoka kwa mzee mmoja, wanataka kunioza. Nina miaka 14.", "high", "child_marriage"},
		{"en cows sold for fees", "My father sold two cows to pay my school fees.", "low", ""},
		{"en become a woman", "My mum says I will go to the village to become a woman like my sisters who were cut.", "high", "fgm"},
		{"sw kupashwa tohara", "Wazazi wanataka nipashwe tohara likizo hii.", "high", "fgm"},
		// Trafficking, child labour and neglect.
		{"en parents paid", "A man gave my parents money and took my sister to Mombasa to work in a bar.", "high", "trafficking"},
		{"sw taken for work", "Watoto hawa wamechukuliwa kijijini eti wanaenda kufanya kazi za ndani, hawajui wanakopelekwa.", "high", "trafficking"},
		{"en herding instead of school", "I herd my uncle's goats every day and don't go to school. I am 12.", "medium", "child_labour"},
		{"en children alone", "Our parents left us and went to the city, me and my two small brothers stay alone in the house.", "medium", "neglect"},
		// Sexual-abuse euphemisms; mentions, thanks and closed events.
		{"sw -haribu of a child", "Jirani alimwita binti yangu wa miaka tisa chumbani kwake akamharibu.", "high", "sexual_abuse"},
		{"sw -haribu of a thing", "Watoto wameharibu simu yangu, nifanye nini?", "low", ""},
		{"en hand under skirt", "My stepdad puts his hand under my skirt when mum is at work.", "high", "sexual_abuse"},
		{"en read in a newspaper", "I read in the Daily Nation that a girl was defiled in Kisumu.", "low", ""},
		{"en community meeting", "We are organising a community meeting against child marriage in our ward.", "low", ""},
		{"en my project names no victim", "I want information about FGM for my school project.", "low", ""},
		{"sw if one day", "Kama siku moja mtu akinigusa vibaya, nifanye nini?", "low", ""},
		{"sw thanks for a closed case", "Baba wa mtoto alikataa kutoa matunzo. Sasa analipa kila mwezi, nilitaka tu kuwashukuru.", "low", ""},
		{"en seniors' chores", "Older boys make my son wash their clothes and carry their bags at school.", "medium", "bullying"},
		// Idioms and school discipline.
		{"sw teacher canes", "Mwalimu alinichapa kwa fimbo kwa sababu nilichelewa.", "medium", "physical_abuse"},
		{"en teacher canes with a stick", "The teacher beat me with a stick because I was late.", "medium", "physical_abuse"},
		{"sw piga vijembe is mockery", "Wenzangu wananipiga vijembe kila siku darasani.", "medium", "bullying"},
		// Medium categories.
		{"en bullying", "They bully me at school every day.", "medium", "bullying"},
		{"en custody", "My ex refuses to pay child support.", "medium", "custody_maintenance"},
		{"sw pregnancy", "Nina mimba na nina miaka kumi na tano.", "medium", "teen_pregnancy"},
		// A resolved cue that is itself negated resolves nothing.
		{"en not arrested", "My daughter was defiled by a neighbour and he has not been arrested.", "high", "sexual_abuse"},
		{"sw not arrested", "Msichana alibakwa na mwalimu wake, na mwalimu huyo hajakamatwa.", "high", "sexual_abuse"},
		{"en arrested", "My daughter was defiled by a neighbour and he was arrested.", "low", ""},
		// Sexual abuse: recurrence at night, hands inside clothes, grooming.
		{"en abuser comes to the room again tonight", "My stepfather said he will come to my room again tonight when mum is asleep.", "critical", "sexual_abuse"},
		{"sw abuser comes to the room again tonight", "Baba wa kambo amesema atakuja chumbani kwangu tena usiku wa leo.", "critical", "sexual_abuse"},
		{"sw hand inside the uniform", "Mjomba huingiza mkono ndani ya sare yangu akinipeleka shule.", "high", "sexual_abuse"},
		{"en hand under a dress", "The pastor put his hand under her dress during choir practice.", "high", "sexual_abuse"},
		{"sw secret in a closed office", "Mwalimu ananiita ofisini kwake, anafunga mlango na kusema ni siri yetu.", "high", "sexual_abuse"},
		{"en a party secret is no grooming", "Our school is planning a surprise party for the teacher and it is our secret.", "low", ""},
		// Beating as discipline.
		{"en disciplines with a cable", "My aunt disciplines us with an electric cable until we bleed.", "high", "physical_abuse"},
		{"en teaches a lesson with a stick", "He teaches me a lesson with a stick whenever I come home late.", "high", "physical_abuse"},
		{"sw teaches manners with a belt", "Shangazi ananifundisha adabu kwa mkanda kila siku, mgongo una vidonda.", "high", "physical_abuse"},
		{"en a lesson at school is media", "We had a lesson on child rights at school and I want to know more about them.", "low", ""},
		// Neglect: children confined alone, hunger, jiggers.
		{"en children locked in without food", "Two small children have been locked inside a room for three days and they have no food.", "critical", "neglect"},
		{"en baby alone in a locked house", "The baby next door has been alone in the locked house since morning and is crying, the mother went away.", "critical", "neglect"},
		{"en a padlocked gate is no neglect", "We put a padlock on our gate because of thieves, how do I report a thief?", "low", ""},
		{"sw baby locked in alone", "Kuna mtoto mchanga amefungiwa ndani peke yake, mama yake aliondoka jana hajarudi.", "critical", "neglect"},
		{"sw hungry child with jiggers", "Mwanafunzi wangu anakuja shule bila kula na ana funza miguuni.", "medium", "neglect"},
		{"en jiggers and torn clothes", "The boy next door has jiggers and his clothes are always torn, his parents have no time to care for him.", "medium", "neglect"},
		// FGM: the cutter present, girls cut by the family.
		{"sw cutter has arrived", "Ngariba amefika kwa jirani, wasichana watatu watakatwa leo jioni.", "critical", "fgm"},
		{"en girl cut by her grandmother", "A girl in my class was cut during the holidays by her grandmother and now she is sick.", "high", "fgm"},
		{"en the woman who cuts girls", "The old woman who cuts girls is coming next week for my cousins.", "high", "fgm"},
		// Marriage: handing a girl over.
		{"en handing a girl to a husband", "They are handing my sister over to her husband this evening, she is fourteen.", "critical", "child_marriage"},
		{"sw handing a girl to a husband", "Wanamkabidhi binti yangu wa miaka kumi na tatu kwa mume leo jioni.", "critical", "child_marriage"},
		{"en handing children to their father is custody", "My ex-husband has not paid maintenance and says he will only pay if I hand the children over to him.", "medium", "custody_maintenance"},
		// Suicide: locked in with a blade, goodbye messages, denial.
		{"en locked in with a razor", "My friend has locked herself in the toilet with a razor blade and she is not answering.", "critical", "suicide_self_harm"},
		{"sw locked in with a razor", "Dada yangu amejifungia bafuni na wembe, anatoka damu.", "critical", "suicide_self_harm"},
		{"en sorry and goodbye", "My brother sent a message saying sorry and goodbye to everyone, he is fourteen.", "high", "suicide_self_harm"},
		{"en does not want to hurt herself", "I feel sad sometimes but I do not want to hurt myself.", "low", ""},
		// Trafficking and child labour.
		{"en cut off from family", "A woman recruited my niece through an agent and she is now working in another country, she is not allowed to talk to her mother.", "high", "trafficking"},
		{"sw taken across the border", "Mtoto wa jirani alivushwa mpaka kwenda Uganda na mtu wasiyemjua.", "high", "trafficking"},
		{"en a child house help", "Our neighbour's house help is a twelve year old girl who is never paid.", "medium", "child_labour"},
		{"en an adult house help", "I am preparing a contract for a new house help, what must it contain?", "low", ""},
		// Custody, bullying.
		{"en stopped support and will take the child", "My ex-husband stopped paying child support and says he will come and take our daughter.", "medium", "custody_maintenance"},
		{"sw no upkeep and will take the children", "Baba wa watoto wangu hatoi matunzo na sasa anataka kuwachukua waishi kwake.", "medium", "custody_maintenance"},
		{"en nicknames and jokes", "Some boys in my son's class gave him a nickname and post jokes about him on the class group.", "medium", "bullying"},
		{"sw nicknames", "Wanafunzi wenzake wamempachika majina na kumcheka kila siku.", "medium", "bullying"},
		// Closed cases and follow-ups.
		{"en suspect in custody, case closed", "The police officer said the suspect is in custody and the girls were reunited with their families, you can close the case.", "low", ""},
		{"en follow-up thanks", "I called last month about my uncle beating me. The social worker visited us. Things are better now. I just wanted to thank you.", "low", ""},
		{"sw follow-up thanks", "Nilipiga simu mwezi uliopita kuhusu kuonewa shuleni. Sasa sina shida. Nilitaka kuwashukuru tu.", "low", ""},
		{"en thanks before a report", "I just wanted to thank you first, but my uncle beats me with a wire and I have scars.", "high", "physical_abuse"},
		{"en thanks after a report", "My uncle beats me with a wire. I just wanted to thank you for listening.", "high", "physical_abuse"},
		{"sw thanks after a report", "Baba ananipiga kwa waya. Nilitaka kuwashukuru tu kwa kunisikiliza.", "high", "physical_abuse"},
		{"en follow-up still ongoing", "I wanted to update you. My father is still beating us with a belt every night.", "high", "physical_abuse"},
		// Suicide: rat poison, calling to say goodbye, a child cutting herself
		// who asks nothing (a filler "where do I start" is no question).
		{"sw bought rat poison", "Leo nimenunua dawa ya panya, nitaikunywa usiku wote wakishalala.", "critical", "suicide_self_harm"},
		// A goodbye with the means at hand is preparatory behaviour with
		// access to means: critical.
		{"en called to say goodbye", "I only called to say goodbye to you all, I have the pills here.", "critical", "suicide_self_harm"},
		{"sw reflexive first person is no topic", "Nasikia huzuni sana, najikata mkono kila siku, sijui nianzie wapi.", "high", "suicide_self_harm"},
		{"en not going to hurt myself", "I'm not going to hurt myself, I promise, I was joking.", "low", ""},
		// Sextortion and coaxing a child to send pictures.
		{"en conditional threat to post", "He says if I don't send more pictures he will post them on Facebook.", "high", "online_exploitation"},
		{"en convinced to send photos", "My boyfriend online convinced me to send him photos and now he wants money.", "high", "online_exploitation"},
		{"sw coaxed to send pictures", "Amenishawishi nimtumie picha, sasa anasema atazisambaza mtandaoni la sivyo nimpe pesa.", "high", "online_exploitation"},
		// Sexual abuse: an adult in a child's bed, "our game", secrets.
		{"en comes into my bed", "When mum travels my stepfather comes into my bed and says it is our game.", "high", "sexual_abuse"},
		{"sw comes to my bed", "Mjomba huja kitandani kwangu usiku na anasema ni mchezo wetu.", "high", "sexual_abuse"},
		{"en must not tell", "I must not tell anyone what the pastor does in his office.", "high", "sexual_abuse"},
		{"en sleeping with a child", "The shopkeeper has been sleeping with my niece, she is thirteen.", "high", "sexual_abuse"},
		{"sw -ingilia of a child", "Yule jirani anamwingilia binti yangu wa miaka kumi.", "high", "sexual_abuse"},
		{"sw -ingilia kati is intervening", "Aliingilia kati ugomvi wa watoto shuleni.", "low", ""},
		{"sw moved by a programme", "Nimeguswa sana na kipindi chenu cha jana, asanteni.", "low", ""},
		{"en moved by a talk", "Your radio talk really touched me, keep up the good work.", "low", ""},
		{"en body safety lesson", "We teach children about good touch and bad touch at our church.", "low", ""},
		// Neglect: begging for food, no treatment, carers away for days.
		{"en begging for food", "The children next door beg the neighbours for food and the baby is malnourished.", "medium", "neglect"},
		{"sw carer away for days", "Watoto wa jirani wanaomba chakula kila jioni, mama yao hukaa siku tatu bila kurudi.", "medium", "neglect"},
		{"en nobody took him to hospital", "Nobody has taken the boy to hospital although his wound is rotting.", "medium", "neglect"},
		{"sw signs of malnutrition are no question", "Mtoto huyu hajapelekwa hospitali na ana dalili za utapiamlo.", "medium", "neglect"},
		// Custody and money; trafficking by promised schooling.
		{"sw no upkeep", "Baba yake hatoi matumizi ya mtoto tangu mwaka jana.", "medium", "custody_maintenance"},
		{"en refuses to pay for the baby", "Their father refuses to pay anything for the baby.", "medium", "custody_maintenance"},
		{"en paid money for a girl", "A man paid her parents money for the girl and took her to Nairobi.", "high", "trafficking"},
		{"sw promised schooling", "Alinileta mjini akaniahidi kwamba nitasoma, lakini nafanya kazi za ndani bila malipo.", "high", "trafficking"},
		// Child labour, bullying, FGM, marriage.
		{"en fishing at night", "My son goes out fishing at night with the boat owners and no longer attends school.", "medium", "child_labour"},
		{"sw fishing at night", "Mwanangu anaenda kuvua samaki usiku badala ya kwenda shule.", "medium", "child_labour"},
		{"en hides his books", "Boys in his class hide his books and push him out of the line every day.", "medium", "bullying"},
		{"en the woman who does the cutting", "The woman who does the cutting has come to our village and my sister is next.", "high", "fgm"},
		{"en taken to a man today", "They are taking her to the man's house today, she is only thirteen.", "critical", "child_marriage"},
		{"sw marriage after school", "Tumekubaliana kwamba binti zetu watasoma kwanza kabla ya kufikiria ndoa.", "low", ""},
		// Pregnancy scares, follow-ups, professional reports.
		{"sw negative pregnancy test", "Kipimo cha mimba kilionyesha sina mimba, mama alidhani nina mimba.", "low", ""},
		{"en false alarm", "The pregnancy test was negative, it was a false alarm.", "low", ""},
		{"sw follow-up back at school", "Nilikuwa nimeripoti kuhusu mtoto aliyekuwa akionewa. Sasa wamerudi shule na wameomba msamaha. Asanteni sana.", "low", ""},
		{"en follow-up new friends", "I called before about my brother's bullies. He has made new friends and enjoys school again, thank you.", "low", ""},
		{"en we have just received is no danger", "We have just received a report from the school about a girl.", "low", ""},
		{"en has just beaten", "He has just beaten her with a stick and she is crying.", "critical", "physical_abuse"},
		// Nothing to find.
		{"greeting", "Hello, good morning.", "low", "information_advice"},
		{"empty", "", "low", "information_advice"},
	}
	c := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.ClassifyText(tt.text)
			if got.Priority != tt.wantPriority || (tt.wantCategory != "" && got.Category != tt.wantCategory) {
				t.Errorf("got %s/%s (evidence %v), want %s/%s", got.Priority, got.Category, rules(got), tt.wantPriority, tt.wantCategory)
			}
			if got.RiskLevel != got.Priority {
				t.Errorf("risk level %s differs from priority %s", got.RiskLevel, got.Priority)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func rules(c *models.Classification) []string {
	var out []string
	for _, e := range c.Evidence {
		out = append(out, e.Rule)
	}
	return out
}

// TestEvidenceInInput checks, over every labelled narrative, that a
// non-low decision carries evidence and that every evidence span is text
// of the input.
func TestEvidenceInInput(t *testing.T) {
	c := Default()
	for _, tc := range loadEval(t) {
		got := c.ClassifyText(tc.Text)
		if err := got.Validate(); err != nil {
			t.Errorf("%s: %v", tc.ID, err)
		}
		if got.Priority != models.PriorityLow && len(got.Evidence) == 0 {
			t.Errorf("%s: %s without evidence", tc.ID, got.Priority)
		}
		for _, e := range got.Evidence {
			if e.Text == "" || !strings.Contains(tc.Text, e.Text) {
				t.Errorf("%s: evidence of rule %s is not a span of the input", tc.ID, e.Rule)
			}
			if e.Rule == "" {
				t.Errorf("%s: evidence without a rule", tc.ID)
			}
		}
	}
}

func TestClassifySegmentsTimes(t *testing.T) {
	segs := []models.Segment{
		{Start: 0, End: 3.5, Text: " Habari, naitwa Amina. "},
		{Start: 3.5, End: 7, Text: "Baba yangu wa kambo"},
		{Start: 7, End: 9.25, Text: "ananibaka kila usiku."},
		{Start: 9.25, End: 12, Text: ""},
		{Start: 12, End: 15, Text: "Nisaidieni sasa hivi."},
	}
	got := Default().ClassifySegments(segs, "transcript")
	if got.Priority != models.PriorityCritical || got.Category != "sexual_abuse" {
		t.Fatalf("got %s/%s, want critical/sexual_abuse", got.Priority, got.Category)
	}
	joined := models.JoinSegments(segs)
	want := []models.Evidence{
		{Text: "ananibaka", Start: 7, End: 9.25, Rule: "sexual_abuse.rape_defilement", Source: "transcript"},
		{Text: "sasa hivi", Start: 12, End: 15, Rule: "cue.immediacy", Source: "transcript"},
	}
	if diff := cmp.Diff(want, got.Evidence); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
	for _, e := range got.Evidence {
		if !strings.Contains(joined, e.Text) {
			t.Errorf("evidence %q is not in the joined transcript", e.Text)
		}
	}
}

// TestClassifyTranscriptAndTranslation checks that the stronger reading
// wins and the evidence of both readings is kept.
func TestClassifyTranscriptAndTranslation(t *testing.T) {
	transcript := &models.Transcript{Language: "sw", Segments: []models.Segment{
		{Start: 0, End: 4, Text: "Mjomba wangu ananisumbua sana."},
		{Start: 4, End: 8, Text: "Ananilazimisha kulala naye."},
	}}
	translation := &models.Transcript{Language: "en", Translated: true, Segments: []models.Segment{
		{Start: 0, End: 8, Text: "My uncle bothers me a lot. He forces me to have sex with him."},
	}}
	got := Default().Classify(transcript, translation)
	if got.Priority != models.PriorityHigh || got.Category != "sexual_abuse" {
		t.Fatalf("got %s/%s, want high/sexual_abuse", got.Priority, got.Category)
	}
	sources := map[string]bool{}
	for _, e := range got.Evidence {
		sources[e.Source] = true
	}
	if !sources["translation"] {
		t.Errorf("evidence %+v carries nothing from the translation", got.Evidence)
	}
	if only := Default().Classify(transcript, nil); only == nil || only.Priority.Rank() < 0 {
		t.Errorf("transcript alone: %+v", only)
	}
	if none := Default().Classify(nil, nil); none.Priority != models.PriorityLow {
		t.Errorf("no input: %+v", none)
	}
}

func TestMerge(t *testing.T) {
	ev := func(text, source string) []models.Evidence {
		return []models.Evidence{{Text: text, Rule: "r", Source: source}}
	}
	low := &models.Classification{Priority: "low", RiskLevel: "low", Category: "information_advice", Confidence: 0.8, Evidence: []models.Evidence{}}
	highA := &models.Classification{Priority: "high", RiskLevel: "high", Category: "sexual_abuse", Confidence: 0.6, Evidence: ev("a", "transcript")}
	highB := &models.Classification{Priority: "high", RiskLevel: "high", Category: "sexual_abuse", Confidence: 0.5, Evidence: ev("b", "translation")}
	crit := &models.Classification{Priority: "critical", RiskLevel: "critical", Category: "physical_abuse", Confidence: 0.7, Evidence: ev("c", "translation")}
	tests := []struct {
		name string
		a, b *models.Classification
		want *models.Classification
	}{
		{"higher priority wins", highA, crit, &models.Classification{Priority: "critical", RiskLevel: "critical", Category: "physical_abuse", Confidence: 0.7,
			Evidence: []models.Evidence{{Text: "c", Rule: "r", Source: "translation"}, {Text: "a", Rule: "r", Source: "transcript"}}}},
		{"agreement raises confidence", highA, highB, &models.Classification{Priority: "high", RiskLevel: "high", Category: "sexual_abuse", Confidence: 0.8,
			Evidence: []models.Evidence{{Text: "a", Rule: "r", Source: "transcript"}, {Text: "b", Rule: "r", Source: "translation"}}}},
		{"low loses", low, highB, &models.Classification{Priority: "high", RiskLevel: "high", Category: "sexual_abuse", Confidence: 0.5, Evidence: ev("b", "translation")}},
		{"nil", nil, low, low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Merge(tt.a, tt.b)); diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLexiconExtension checks that a helpline can add a rule in its own
// lexicon file, without touching Go, and that mistakes are reported.
func TestLexiconExtension(t *testing.T) {
	lex := DefaultLexicon()
	for i := range lex.Categories {
		if lex.Categories[i].ID == "child_labour" {
			lex.Categories[i].Rules = append(lex.Categories[i].Rules, Rule{
				ID: "fishing", SubCategory: "Fishing", Priority: "medium",
				Patterns: Patterns{English: []string{"fish* ... lake|nets"}, Swahili: []string{"-vua samaki"}},
			})
		}
	}
	path := filepath.Join(t.TempDir(), "lexicon.json")
	writeJSON(t, path, lex)
	c, err := New(Config{LexiconPath: path})
	if err != nil {
		t.Fatal(err)
	}
	got := c.ClassifyText("Mjomba ananilazimisha kuvua samaki ziwani usiku.")
	if got.Category != "child_labour" || got.Evidence[0].Rule != "child_labour.fishing" {
		t.Errorf("got %s with %v, want the added child_labour.fishing rule", got.Category, rules(got))
	}

	broken := DefaultLexicon()
	broken.Categories[0].Rules[0].English = append(broken.Categories[0].Rules[0].English, "... rape")
	broken.Categories[0].Rules[0].Needs = []string{"no_such_cue"}
	if _, err := NewWithLexicon(broken); err == nil || !strings.Contains(err.Error(), "no_such_cue") {
		t.Errorf("NewWithLexicon(broken) error = %v, want it to name the unknown cue", err)
	}
	broken.Categories[0].Rules[0].Needs = nil
	if _, err := NewWithLexicon(broken); err == nil || !strings.Contains(err.Error(), `"..."`) {
		t.Errorf("NewWithLexicon(broken) error = %v, want it to name the bad pattern", err)
	}
	if _, err := New(Config{LexiconPath: filepath.Join(t.TempDir(), "missing.json")}); err == nil {
		t.Error("New with a missing lexicon file succeeded")
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := jsonMarshalIndent(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A caller in evident distress is never left low, even when no rule knows
// the harm; talk about distress in the news or in a question is.
func TestDistressBackstop(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want models.Priority
	}{
		{"Please help, something bad is happening in our house tonight and I am so scared.", models.PriorityCritical},
		{"tafadhali nisaidie, naogopa sana na kuna damu kwenye mlango", models.PriorityHigh},
		{"My back has wounds with pus and I don't know what to do.", models.PriorityHigh},
		{"I watched a film where a girl was scared and screaming for help.", models.PriorityLow},
		{"What should I do if a child is scared and bleeding?", models.PriorityLow},
		{"I am scared of my exams.", models.PriorityLow},
	} {
		got := c.ClassifyText(tc.text)
		if got.Priority != tc.want {
			t.Errorf("%q: %s (%s), want %s", tc.text, got.Priority, got.Category, tc.want)
			continue
		}
		if tc.want != models.PriorityLow {
			if got.Category != distressCategory || len(got.Evidence) < 2 {
				t.Errorf("%q: category %s with %d evidence spans, want %s with its signals", tc.text, got.Category, len(got.Evidence), distressCategory)
			}
			for _, e := range got.Evidence {
				if !strings.Contains(tc.text, e.Text) {
					t.Errorf("%q: evidence %q is not in the text", tc.text, e.Text)
				}
			}
		}
	}
}

// Harms told in general words: burns on a stove, a cable used on a child,
// cuts found by a teacher, a euphemism for touching, a threat that is
// still live, and an information cue that is another person's wish.
func TestBroadenedHarms(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want models.Priority
		cat  string
	}{
		{"Her aunt held her hands over the stove as punishment.", models.PriorityHigh, "physical_abuse"},
		{"My uncle uses a wire on us when he is drunk.", models.PriorityHigh, "physical_abuse"},
		{"He shoved my head against the door last night.", models.PriorityHigh, "physical_abuse"},
		{"Mama wa kambo alimwekea mikono motoni.", models.PriorityHigh, "physical_abuse"},
		{"The nurse saw fresh cuts on her thighs and wrists.", models.PriorityHigh, "suicide_self_harm"},
		{"Mlinzi huwa anamchezea sehemu za chini binti yangu.", models.PriorityHigh, "sexual_abuse"},
		{"The watchman touches her down there when we are away.", models.PriorityHigh, "sexual_abuse"},
		{"A man on the game chat asked my son to send a photo and now he wants to know where we live.", models.PriorityHigh, "online_exploitation"},
		{"I want to know how to report a man who asked a child to send a photo online.", models.PriorityLow, ""},
		{"amebadilika sasa anatishia kusambaza picha zake za uchi", models.PriorityHigh, "online_exploitation"},
	} {
		got := c.ClassifyText(tc.text)
		if got.Priority != tc.want || (tc.cat != "" && got.Category != tc.cat) {
			t.Errorf("%q: %s (%s), want %s (%s)", tc.text, got.Priority, got.Category, tc.want, tc.cat)
		}
		for _, e := range got.Evidence {
			if !strings.Contains(tc.text, e.Text) {
				t.Errorf("%q: evidence %q is not in the text", tc.text, e.Text)
			}
		}
	}
}
