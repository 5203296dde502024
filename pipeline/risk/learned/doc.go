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
//	dev          60 |  0.867  0.812 |  1.000  1.000     0 |  1.000  0.983     1
//	holdout      60 |  0.867  0.929 |  1.000  1.000     0 |  1.000  0.983     1
//	fresh        52 |  0.712  0.893 |  1.000  1.000     0 |  1.000  0.865     6
//	fresh2       32 |  0.719  0.812 |  1.000  0.938     0 |  1.000  0.844     3
//	fresh3       96 |  0.906  0.938 |  1.000  1.000     0 |  1.000  0.938     5
//	fresh4       80 |  0.938  0.950 |  1.000  0.988     1 |  1.000  0.963     3
//	fresh5       80 |  0.938  0.975 |  1.000  0.988     0 |  1.000  0.950     3
//	fresh6       80 |  0.912  0.975 |  0.975  0.825     3 |  1.000  0.863     5
//	dev2         30 |  0.833  1.000 |  1.000  1.000     0 |  1.000  0.933     2
//	fresh8-dev   50 |  0.880  0.893 |  1.000  0.940     0 |  1.000  0.940     1
//	fresh8      100 |  0.830  0.836 |  0.727  0.640     5 |  0.945  0.800     8
//	all         720 |  0.869  0.912 |  0.957  0.921     9 |  0.992  0.912    38
//
// fresh8 is the one split whose wording neither the rules nor the model
// had seen when it was scored: there the rules alone find 0.727 of high
// and critical calls and leave six critical calls below high, and the
// model's own reading finds 0.945 and leaves none. An earlier policy,
// raising only when the probability of high or critical passed 0.85,
// found 0.818 there. The price is paid on the splits the rules were
// written from, where the model, not having seen them, raises 38 of 345
// low and medium narratives: 0.110, within risk.AcceptedFalseAlarmRate
// (0.15), which the test enforces with recall and critical calls below
// high no worse than the rules'.
//
// The same held-out narratives read as a recogniser might have heard
// them (pooled; crit< counts critical narratives classified below high):
//
//	reading    | model alone   | rules alone               | rules + model
//	           |    acc recall | recall    acc    FA crit< | recall    acc    FA crit<
//	written    |  0.869  0.912 |  0.957  0.921     9     6 |  0.992  0.912    38     0
//	normalised |  0.869  0.912 |  0.957  0.912    13     7 |  0.992  0.904    42     0
//	noise 0.1  |  0.854  0.896 |  0.859  0.810    20    14 |  0.976  0.868    52     0
//	noise 0.2  |  0.847  0.888 |  0.747  0.711    28    27 |  0.925  0.826    56     2
//
// "normalised" is lower case without punctuation; "noise 0.1" and "0.2"
// also drop, replace or misspell that share of words (Noise). The rules
// lean on punctuation and exact words; the model, trained on noisy
// copies, barely moves; with its opinion no critical narrative is left
// below high up to 10 % of words misheard, where the rules alone leave 14.
//
// Through the real pipeline (make eval-asr: 40 narratives spoken by
// espeak-ng, transcribed by the tiny-q8_0 Whisper model, scored against
// a model trained without them), English transcripts kept recall 0.70
// (1.00 as written) and the second opinion added nothing; the Swahili
// transcripts were syllable soup (synthetic Swahili speech and the tiny
// model) and every one was classified low. See scripts/eval-asr.sh.
package learned
