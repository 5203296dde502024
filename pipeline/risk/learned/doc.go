// Package learned is a statistical second opinion on a call's priority:
// a multinomial logistic regression over the words, word pairs and
// character 3- to 5-grams of the call's text, hashed into 2^16 features,
// each block weighted 1+ln(count) and scaled to unit length. Text is read
// as a Whisper transcript reads (Normalize: lower case, no punctuation),
// so a transcript and a typed narrative look alike to it.
//
// The model is trained by `go generate ./pipeline/risk/learned` (gen.go)
// from ../testdata/eval.jsonl, every split but the sealed dev2-holdout;
// each narrative is added with two copies put through Noise (10 to 20 %
// of words dropped, replaced by a filler or misspelt). Training is
// stochastic gradient descent with AdaGrad steps and L2 decay, 12 epochs,
// in an order and with noise drawn from a fixed seed: the same narratives
// give the same model.bin, byte for byte (TestEmbeddedModelIsCurrent
// says when model.bin is stale). The file is 1 MiB: a header with the
// thresholds, then 2^16 rows of 4 float32 weights.
//
// The risk classifier asks it after its rules (risk.WithSecondOpinion):
// on a call of 16 words or more, the model's opinion (Model.Opinion) is
// high or critical when their probability exceeds Threshold (0.6; 0.7,
// risk.MediumRaiseThreshold, for a call the rules hold at medium), else
// the more likely of low and medium; critical only when the rules saw
// immediacy, a means of suicide or a sign of injury or danger. When that
// opinion is above the rules' priority the call is raised to it and asks
// for a counsellor's review; it is never lowered.
//
// # Evaluation
//
// TestLeaveOneSplitOut (go test -run TestLeaveOneSplitOut -v, about 30 s;
// add -args -learned.sweep for every threshold) trains a model on all
// splits but one and scores it on the one left out, for each split: no
// narrative is scored by a model that saw it. The rules were written with
// these splits in view, so their own column is optimistic; the model's
// is not. FA counts low and medium narratives called high or critical.
// With the rules and narratives of December 2026 (fresh23 added on the 5th):
//
//	split         n | model alone   | rules alone         | rules + model
//	                |    acc recall | recall    acc    FA | recall    acc    FA
//	dev          60 |  0.933  0.906 |  1.000  1.000     0 |  1.000  1.000     0
//	holdout      60 |  0.867  0.929 |  1.000  1.000     0 |  1.000  0.950     0
//	fresh        52 |  0.712  0.964 |  1.000  1.000     0 |  1.000  0.885     3
//	fresh2       32 |  0.719  0.875 |  1.000  0.938     0 |  1.000  0.875     2
//	fresh3       96 |  0.875  0.958 |  1.000  1.000     0 |  1.000  0.948     4
//	fresh4       80 |  0.975  0.975 |  1.000  0.988     1 |  1.000  0.988     1
//	fresh5       80 |  0.912  1.000 |  1.000  0.988     0 |  1.000  0.925     5
//	fresh6       80 |  0.875  0.950 |  0.975  0.825     2 |  1.000  0.838     5
//	dev2         30 |  0.900  1.000 |  1.000  1.000     0 |  1.000  1.000     0
//	fresh8-dev   50 |  0.980  1.000 |  1.000  0.940     0 |  1.000  0.980     0
//	fresh8      100 |  0.900  0.909 |  0.727  0.660     2 |  0.964  0.880     2
//	fresh9      130 |  0.862  0.892 |  0.708  0.638     7 |  0.908  0.785     8
//	fresh10     120 |  0.875  0.945 |  0.655  0.558    10 |  0.945  0.767    13
//	fresh11     120 |  0.875  0.914 |  0.793  0.617     8 |  0.948  0.808    11
//	fresh12     120 |  0.817  0.789 |  0.667  0.600     4 |  0.895  0.842     6
//	fresh13     100 |  0.910  0.978 |  0.756  0.700     5 |  1.000  0.850     7
//	fresh14     100 |  0.900  0.978 |  0.844  0.690     5 |  1.000  0.850     7
//	fresh16     100 |  0.970  0.956 |  0.933  0.700    11 |  1.000  0.820    11
//	fresh17     100 |  0.940  0.956 |  0.889  0.710    10 |  1.000  0.810    10
//	fresh18     100 |  0.950  0.978 |  0.844  0.630    11 |  0.978  0.820    11
//	fresh19     100 |  0.940  0.978 |  0.778  0.610    14 |  0.978  0.780    14
//	fresh21     100 |  0.890  0.911 |  0.844  0.690     7 |  1.000  0.830     7
//	fresh23     100 |  0.910  0.911 |  0.689  0.580    10 |  0.978  0.830    12
//	all        2010 |  0.896  0.937 |  0.846  0.742   107 |  0.976  0.856   139
//
// fresh8 to fresh14 are splits whose wording the rules were not written
// from (the rule fixes made since they were scored are for general
// senses: kupiga as to phone, a denied injury, a parent working abroad,
// hyperbole and jokes, not wanting to beat, a case already in court,
// sport and slaughtered animals, known ordinary words, a blow told as a
// single incident, a wedding within days, a taking under way); fresh16
// to fresh23 were each scored blind first and then learned from (a blow
// by another child, a household implement in a single incident, fear
// that is no scar, a Swahili denial of self-harm), so their rules
// column is optimistic. On fresh8 to fresh23 the rules alone find 0.66
// to 0.93 of high and critical calls; with the model's reading, 0.90 to
// 1.00. The price is false alarms: 139 of 1,040 low and medium
// narratives pooled (0.134), within
// risk.AcceptedFalseAlarmRate (0.15), which the test enforces with recall
// and critical calls below high no worse than the rules'. Raising on the
// model's most likely priority, the policy before fresh13 was added, gave
// 0.963 at 102 of 655 (0.156) with fresh13 in, over the bound; a
// threshold of 0.85 found 0.818 on fresh8 where the most likely priority
// found 0.945.
//
// The same held-out narratives read as a recogniser might have heard
// them (pooled; crit< counts critical narratives classified below high):
//
//	reading    | model alone   | rules alone               | rules + model
//	           |    acc recall | recall    acc    FA crit< | recall    acc    FA crit<
//	written    |  0.896  0.937 |  0.846  0.742   107    50 |  0.976  0.856   139     4
//	normalised |  0.896  0.937 |  0.839  0.741   101    54 |  0.976  0.858   132     4
//	noise 0.1  |  0.889  0.921 |  0.744  0.664   111    91 |  0.955  0.832   140     6
//	noise 0.2  |  0.869  0.907 |  0.656  0.598   125   123 |  0.923  0.798   161    14
//
// "normalised" is lower case without punctuation; "noise 0.1" and "0.2"
// also drop, replace or misspell that share of words (Noise). The rules
// lean on punctuation and exact words; the model, trained on noisy
// copies, barely moves; with its opinion 6 critical narratives are left
// below high with 10 % of words misheard, where the rules alone leave 91.
//
// Through the real pipeline (make eval-asr: 40 narratives spoken by
// espeak-ng, transcribed by the tiny-q8_0 Whisper model, scored against
// a model trained without them), English transcripts kept recall 0.70
// (1.00 as written) and the second opinion added nothing; the Swahili
// transcripts were syllable soup (synthetic Swahili speech and the tiny
// model) and every one was classified low. See scripts/eval-asr.sh.
package learned
