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
// on a call of 16 words or more the rules left low or medium, a
// probability of high or critical above Threshold raises it to high, or
// to critical when the probability of critical is above
// CriticalThreshold and the rules saw immediacy, a means of suicide or a
// sign of injury or danger; the call then asks for a counsellor's review.
//
// # Evaluation
//
// TestLeaveOneSplitOut (go test -run TestLeaveOneSplitOut -v, about 30 s;
// add -args -learned.sweep for every threshold) trains a model on all
// splits but one and scores it on the one left out, for each split: no
// narrative is scored by a model that saw it. The rules were written with
// these splits in view, so their own column is optimistic; the model's
// is not. FA counts low and medium narratives called high or critical.
// At the chosen threshold, 0.85, with the rules of December 2026
// (sentences of unpunctuated speech, near-miss spellings) and the
// fresh8-dev split:
//
//	split         n | model alone   | rules alone         | rules + model
//	                |    acc recall | recall    acc    FA | recall    acc    FA
//	dev          60 |  0.850  0.844 |  1.000  1.000     0 |  1.000  1.000     0
//	holdout      60 |  0.817  0.893 |  1.000  1.000     0 |  1.000  1.000     0
//	fresh        52 |  0.788  0.964 |  1.000  1.000     0 |  1.000  0.981     1
//	fresh2       32 |  0.844  0.938 |  1.000  0.938     0 |  1.000  0.875     2
//	fresh3       96 |  0.896  0.917 |  1.000  1.000     0 |  1.000  0.990     1
//	fresh4       80 |  0.950  0.975 |  1.000  0.988     1 |  1.000  0.988     1
//	fresh5       80 |  0.925  1.000 |  1.000  0.988     0 |  1.000  0.988     0
//	fresh6       80 |  0.863  0.950 |  0.975  0.825     3 |  1.000  0.825     4
//	dev2         30 |  0.833  0.900 |  1.000  1.000     0 |  1.000  1.000     0
//	fresh8-dev   50 |  0.820  0.821 |  1.000  0.940     0 |  1.000  0.940     0
//	all         620 |  0.869  0.925 |  0.997  0.966     4 |  1.000  0.960     9
//
// fresh8 (100 narratives written blind with fresh8-dev and added after
// both were scored) is the one split whose wording neither the rules nor
// the model had seen; left out, it scores 0.830 accuracy and 0.836 recall
// for the model alone, 0.640 and 0.727 for the rules alone, 0.680 and
// 0.818 for the two together: on unseen wording the model generalises
// better than the rules, and raising only past 0.85 uses little of it.
//
// The threshold is the lowest of 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9,
// 0.95 at which the pooled false-alarm rate of rules and model, on the
// narratives as written, stays within two points of the rules' alone;
// the test recomputes that choice and prints it. With fresh8-dev it
// admits 0.8 at the edge (10/300 against 4/300, the limit exactly); 0.85
// is kept, a false alarm fewer for the same recall as written. The
// critical threshold, 0.8, was set, not tuned.
//
// The same held-out narratives read as a recogniser might have heard
// them (pooled; crit< counts critical narratives classified below high):
//
//	reading    | model alone   | rules alone               | rules + model
//	           |    acc recall | recall    acc    FA crit< | recall    acc    FA crit<
//	written    |  0.869  0.925 |  0.997  0.966     4     0 |  1.000  0.960     9     0
//	normalised |  0.869  0.925 |  0.991  0.950     9     1 |  0.997  0.945    14     0
//	noise 0.1  |  0.869  0.928 |  0.878  0.840    17     7 |  0.950  0.868    22     2
//	noise 0.2  |  0.855  0.903 |  0.759  0.734    22    19 |  0.866  0.779    25    10
//
// "normalised" is lower case without punctuation; "noise 0.1" and "0.2"
// also drop, replace or misspell that share of words (Noise). The rules
// lean on punctuation and exact words; the model, trained on noisy
// copies, barely moves, and recovers half the recall the rules lose.
//
// Through the real pipeline (make eval-asr: 40 narratives spoken by
// espeak-ng, transcribed by the tiny-q8_0 Whisper model, scored against
// a model trained without them), English transcripts kept recall 0.70
// (1.00 as written) and the second opinion added nothing; the Swahili
// transcripts were syllable soup (synthetic Swahili speech and the tiny
// model) and every one was classified low. See scripts/eval-asr.sh.
package learned
