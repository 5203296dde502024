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
//	dev          60 |  0.850  0.875 |  1.000  1.000     0 |  1.000  0.967     2
//	holdout      60 |  0.900  0.893 |  1.000  1.000     0 |  1.000  0.983     1
//	fresh        52 |  0.712  0.857 |  1.000  1.000     0 |  1.000  0.846     6
//	fresh2       32 |  0.812  0.938 |  1.000  0.938     0 |  1.000  0.812     3
//	fresh3       96 |  0.896  0.958 |  1.000  1.000     0 |  1.000  0.917     6
//	fresh4       80 |  0.950  0.975 |  1.000  0.988     1 |  1.000  0.975     1
//	fresh5       80 |  0.925  0.975 |  1.000  0.988     0 |  1.000  0.938     4
//	fresh6       80 |  0.887  0.950 |  0.975  0.838     2 |  1.000  0.850     7
//	dev2         30 |  0.833  1.000 |  1.000  1.000     0 |  1.000  0.933     2
//	fresh8-dev   50 |  0.940  0.929 |  1.000  0.940     0 |  1.000  0.960     1
//	fresh8      100 |  0.890  0.873 |  0.727  0.660     2 |  0.964  0.870     3
//	fresh9      130 |  0.808  0.862 |  0.692  0.623     8 |  0.923  0.754    13
//	fresh10     120 |  0.850  0.909 |  0.655  0.550     9 |  0.945  0.750    15
//	fresh11     120 |  0.867  0.879 |  0.793  0.608     9 |  0.966  0.825    12
//	fresh12     120 |  0.800  0.807 |  0.667  0.575     7 |  0.895  0.758    13
//	all        1210 |  0.862  0.903 |  0.859  0.789    38 |  0.970  0.857    89
//
// fresh8 to fresh12 are the splits whose wording the rules were not
// written from (the rule fixes made since they were scored are for
// general senses: kupiga as to phone, a denied injury, a parent working
// abroad, hyperbole and jokes, not wanting to beat, a case already in
// court, sport and slaughtered animals, known ordinary words). On them
// the rules alone find 0.66 to 0.79 of high and critical calls; with the
// model's reading, 0.90 to 0.97. An earlier policy, raising only when the
// probability of high or critical passed 0.85, found 0.818 on fresh8
// where this one found 0.945 (before fresh9 was written). The price is
// false alarms: 89 of 604 low and medium narratives pooled (0.147),
// within risk.AcceptedFalseAlarmRate (0.15), which the test enforces with
// recall and critical calls below high no worse than the rules'; on
// fresh10 and fresh12, written with many harmless calls full of alarming
// words, 15 of 65 and 13 of 63.
//
// The same held-out narratives read as a recogniser might have heard
// them (pooled; crit< counts critical narratives classified below high):
//
//	reading    | model alone   | rules alone               | rules + model
//	           |    acc recall | recall    acc    FA crit< | recall    acc    FA crit<
//	written    |  0.862  0.903 |  0.859  0.789    38    36 |  0.970  0.857    89     2
//	normalised |  0.862  0.903 |  0.854  0.783    37    39 |  0.972  0.855    89     1
//	noise 0.1  |  0.847  0.895 |  0.751  0.692    46    60 |  0.964  0.816   103     2
//	noise 0.2  |  0.836  0.887 |  0.669  0.623    58    78 |  0.928  0.779   115     5
//
// "normalised" is lower case without punctuation; "noise 0.1" and "0.2"
// also drop, replace or misspell that share of words (Noise). The rules
// lean on punctuation and exact words; the model, trained on noisy
// copies, barely moves; with its opinion 2 critical narratives are left
// below high with 10 % of words misheard, where the rules alone leave 60.
//
// Through the real pipeline (make eval-asr: 40 narratives spoken by
// espeak-ng, transcribed by the tiny-q8_0 Whisper model, scored against
// a model trained without them), English transcripts kept recall 0.70
// (1.00 as written) and the second opinion added nothing; the Swahili
// transcripts were syllable soup (synthetic Swahili speech and the tiny
// model) and every one was classified low. See scripts/eval-asr.sh.
package learned
