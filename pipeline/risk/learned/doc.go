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
// its most likely priority, at least high when high or critical is more
// likely than Threshold (0.5), critical only when the rules saw
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
// With the rules and narratives of December 2026:
//
//	split         n | model alone   | rules alone         | rules + model
//	                |    acc recall | recall    acc    FA | recall    acc    FA
//	dev          60 |  0.850  0.844 |  1.000  1.000     0 |  1.000  0.967     2
//	holdout      60 |  0.850  0.893 |  1.000  1.000     0 |  1.000  0.967     0
//	fresh        52 |  0.808  1.000 |  1.000  1.000     0 |  1.000  0.865     7
//	fresh2       32 |  0.750  0.875 |  1.000  0.938     0 |  1.000  0.781     3
//	fresh3       96 |  0.906  0.979 |  1.000  1.000     0 |  1.000  0.917     7
//	fresh4       80 |  0.938  0.925 |  1.000  0.988     1 |  1.000  0.975     2
//	fresh5       80 |  0.938  1.000 |  1.000  0.988     0 |  1.000  0.938     4
//	fresh6       80 |  0.863  0.950 |  0.975  0.838     2 |  1.000  0.838     7
//	dev2         30 |  0.833  1.000 |  1.000  1.000     0 |  1.000  0.933     2
//	fresh8-dev   50 |  0.920  0.929 |  1.000  0.940     0 |  1.000  0.940     1
//	fresh8      100 |  0.860  0.836 |  0.727  0.660     2 |  0.945  0.860     3
//	fresh9      130 |  0.823  0.862 |  0.692  0.623     8 |  0.923  0.785    11
//	fresh10     120 |  0.808  0.927 |  0.655  0.550    10 |  0.945  0.708    15
//	fresh11     120 |  0.842  0.897 |  0.793  0.600     9 |  0.931  0.783    12
//	all        1090 |  0.859  0.917 |  0.879  0.812    32 |  0.973  0.859    76
//
// fresh8 to fresh11 are the splits whose wording the rules were not
// written from (the rule fixes made since they were scored are for
// general senses: kupiga as to phone, a denied injury, a parent working
// abroad, hyperbole, not wanting to beat, a case already in court, known
// ordinary words). On them the rules alone find 0.66 to 0.79 of high and
// critical calls; with the model's reading, 0.92 to 0.95. An earlier policy, raising only when the
// probability of high or critical passed 0.85, found 0.818 on fresh8
// where this one found 0.945 (before fresh9 was written). The price is
// false alarms: 76 of 541 low and medium narratives pooled (0.140),
// within risk.AcceptedFalseAlarmRate (0.15), which the test enforces with
// recall and critical calls below high no worse than the rules'; on
// fresh10, written with many harmless calls full of alarming words, 15 of
// 65, two thirds of them the rules' own.
//
// The same held-out narratives read as a recogniser might have heard
// them (pooled; crit< counts critical narratives classified below high):
//
//	reading    | model alone   | rules alone               | rules + model
//	           |    acc recall | recall    acc    FA crit< | recall    acc    FA crit<
//	written    |  0.859  0.917 |  0.879  0.812    32    27 |  0.973  0.859    76     1
//	normalised |  0.859  0.917 |  0.873  0.806    32    31 |  0.973  0.856    76     1
//	noise 0.1  |  0.854  0.911 |  0.776  0.718    39    49 |  0.962  0.820    83     2
//	noise 0.2  |  0.826  0.893 |  0.684  0.644    49    67 |  0.926  0.783    96     4
//
// "normalised" is lower case without punctuation; "noise 0.1" and "0.2"
// also drop, replace or misspell that share of words (Noise). The rules
// lean on punctuation and exact words; the model, trained on noisy
// copies, barely moves; with its opinion 2 critical narratives are left
// below high with 10 % of words misheard, where the rules alone leave 49.
//
// Through the real pipeline (make eval-asr: 40 narratives spoken by
// espeak-ng, transcribed by the tiny-q8_0 Whisper model, scored against
// a model trained without them), English transcripts kept recall 0.70
// (1.00 as written) and the second opinion added nothing; the Swahili
// transcripts were syllable soup (synthetic Swahili speech and the tiny
// model) and every one was classified low. See scripts/eval-asr.sh.
package learned
