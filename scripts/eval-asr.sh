#!/usr/bin/env bash
# eval-asr.sh measures the triage through the real speech pipeline: it
# speaks a sample of the labelled narratives of pipeline/risk/testdata
# (half English, half Swahili, spread over every split but the sealed
# ones) with espeak-ng, transcribes each recording with bin/openchs-ai
# transcribe in its language, writes the transcripts with their labels as
# a TSV, and scores it with classify --eval, next to the same narratives
# as written: the rules alone, then the rules with the second opinion of
# a model trained without the sampled narratives (the built-in model has
# seen them all).
#
# Run it as make eval-asr (which builds bin/openchs-ai and provisions the
# whisper runtime and model). It is slow, seconds to a minute a
# narrative, and not part of make test.
#
# Environment: N (default 40) narratives; OUT (default bin/eval-asr) the
# directory for the recordings, transcripts, model and TSVs; FRESH=1
# transcribes again recordings already transcribed there;
# OPENCHS_AI_MODEL_PATH the whisper model (else transcribe's default).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-40}
out=${OUT:-bin/eval-asr}
bin=bin/openchs-ai
eval_set=pipeline/risk/testdata/eval.jsonl
for tool in espeak-ng jq go; do
	command -v "$tool" >/dev/null || { echo "eval-asr: $tool is required" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "eval-asr: $bin is missing: run make build" >&2; exit 1; }
model=()
[ -n "${OPENCHS_AI_MODEL_PATH:-}" ] && model=(--model "$OPENCHS_AI_MODEL_PATH")
mkdir -p "$out/wav"

# sample LANG COUNT prints COUNT narratives of LANG, spread evenly over
# the file (and so over its splits and priorities), as JSON lines.
sample() {
	jq -c --arg lang "$1" 'select(.lang == $lang and .split != "dev2-holdout")' "$eval_set" |
		awk -v k="$2" '{ line[NR] = $0 } END { step = NR / k; for (i = 0; i < k; i++) print line[int(i * step) + 1] }'
}
{ sample en $((n / 2)); sample sw $((n - n / 2)); } >"$out/sample.jsonl"
jq -r .id "$out/sample.jsonl" >"$out/ids"

header=$'id\tlang\tsplit\tpriority\tcategory\ttext'
for f in written transcribed; do printf '%s\n' "$header" >"$out/$f.tsv"; done
i=0
while IFS= read -r row; do
	id=$(jq -r .id <<<"$row")
	lang=$(jq -r .lang <<<"$row")
	heard="$out/wav/$id.txt"
	if [ "${FRESH:-}" = 1 ] || [ ! -s "$heard" ]; then
		jq -r .text <<<"$row" | espeak-ng -v "$lang" -w "$out/wav/$id.wav" --stdin
		"$bin" transcribe "${model[@]}" --language "$lang" "$out/wav/$id.wav" </dev/null 2>"$out/wav/$id.log" |
			tr '\t\n' '  ' | sed 's/  */ /g; s/^ //; s/ $//' >"$heard"
		[ -s "$heard" ] || echo "(nothing heard)" >"$heard"
	fi
	jq -r '[.id, .lang, .split, .priority, .category, .text] | @tsv' <<<"$row" >>"$out/written.tsv"
	jq -r --rawfile t "$heard" '[.id, .lang, .split, .priority, .category, ($t | rtrimstr("\n"))] | @tsv' <<<"$row" >>"$out/transcribed.tsv"
	i=$((i + 1))
	printf 'eval-asr: %d/%d %s\n' "$i" "$n" "$id" >&2
done <"$out/sample.jsonl"

go run pipeline/risk/learned/gen.go -in "$eval_set" -exclude "$out/ids" -out "$out/model.bin" >&2

for f in written transcribed; do
	for lang in en sw; do
		{ head -1 "$out/$f.tsv"; awk -F'\t' -v l="$lang" '$2 == l' "$out/$f.tsv"; } >"$out/$f-$lang.tsv"
	done
done
for f in written transcribed; do
	for opinion in "--second-opinion=false" "--second-opinion-model=$out/model.bin"; do
		case $opinion in
		--second-opinion=false) echo "== $f narratives, rules alone" ;;
		*) echo "== $f narratives, rules and the second opinion of a model trained without them" ;;
		esac
		"$bin" classify "$opinion" --eval "$out/$f.tsv" | sed 1d
		for lang in en sw; do
			printf '   %s only: ' "$lang"
			"$bin" classify "$opinion" --eval "$out/$f-$lang.tsv" | sed -n 2p
		done
		echo
	done
done
