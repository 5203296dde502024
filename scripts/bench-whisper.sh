#!/usr/bin/env bash
# bench-whisper.sh compares the Go engine's transcription time with
# whisper.cpp's C API called directly, on the same PCM, model and threads:
# jfk.wav (11 s) and a long recording (≥ 5 min of synthesised speech with
# pauses, plus jfk.wav). Expects the whisper runtime's environment and
# OPENCHS_AI_MODEL_PATH (make bench sets both).
#
# Environment: THREADS (default 2), RUNS (default 3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

: "${OPENCHS_AI_MODEL_PATH:?run through make bench}"
threads=${THREADS:-2}
runs=${RUNS:-3}
work="$OPENCHS_AI_CACHE/bench"
mkdir -p "$work"

jfk="$(go mod download -json github.com/ggerganov/whisper.cpp/bindings/go | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/samples/jfk.wav"

# The long recording: sentences spoken by espeak-ng, each followed by a
# pause of 1-3 s, then jfk.wav, repeated to at least five minutes.
long="$work/long.wav"
if [ ! -f "$long" ]; then
	log "synthesising the long recording"
	tmp=$(mktemp -d)
	i=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		i=$((i + 1))
		espeak-ng -v en-us -s 160 -w "$tmp/s$i.raw.wav" "$line"
		sox "$tmp/s$i.raw.wav" -r 16000 -c 1 -b 16 "$tmp/s$i.wav" pad 0 $((i % 3 + 1))
	done <<'TEXT'
Hello, you have reached the child helpline. My name is Grace, how can I help you today?
I am calling about my neighbour's daughter. She is twelve years old and she has not been to school for three weeks.
Every evening I hear shouting from their house, and yesterday I saw bruises on her arms.
Thank you for telling us. Can you give me the name of the area where the family lives?
They live near the market, behind the church, in the blue house with the metal gate.
Is the child safe right now, or is she in danger tonight?
I think she is alone at home now. Her mother works late and the uncle stays with them.
We will send a social worker to the family tomorrow morning, and we will inform the local children's officer.
Please call us again if anything changes, at any time of the day or night. The call is free.
TEXT
	sox $(ls "$tmp"/s[0-9]*.wav | sort -V | grep -v raw) "$jfk" "$tmp/round.wav"
	reps=$(awk -v d="$(soxi -D "$tmp/round.wav")" 'BEGIN { print int(300 / d) + 1 }')
	files=()
	for _ in $(seq "$reps"); do files+=("$tmp/round.wav"); done
	sox "${files[@]}" "$long.tmp.wav" && mv "$long.tmp.wav" "$long"
	rm -rf "$tmp"
fi

cc_bin="$work/whisper-c-bench"
# shellcheck disable=SC2086
gcc -O2 $CGO_CFLAGS scripts/whisper-c-bench.c -o "$cc_bin" $CGO_LDFLAGS -lwhisper -lggml -lggml-base

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf '%-10s %8s %8s %10s %10s %8s %8s\n' file audio_s threads go_s c_s go/c rtf_go
for name in jfk long; do
	src=$jfk
	[ $name = long ] && src=$long
	pcm="$work/$name.f32"
	sox "$src" -t f32 -e floating-point -b 32 -r 16000 -c 1 "$pcm"
	secs=$(awk -v b="$(stat -c %s "$pcm")" 'BEGIN { printf "%.1f", b / 4 / 16000 }')
	c=$("$cc_bin" "$OPENCHS_AI_MODEL_PATH" "$pcm" "$threads" en "$runs" "$OPENCHS_AI_GGML_BACKENDS" | awk '{ print $2 }' | median)
	g=$(OPENCHS_AI_BENCH_PCM="$pcm" OPENCHS_AI_BENCH_THREADS="$threads" \
		go test -ldflags "-X github.com/openchs/openchs-ai/pipeline/whisper.DefaultBackendDir=$OPENCHS_AI_GGML_BACKENDS" \
		-run '^$' -bench '^BenchmarkTranscribePCM$' -benchtime "${runs}x" -count 1 ./pipeline/whisper |
		awk '/^BenchmarkTranscribePCM/ { print $3 / 1e9 }')
	printf '%-10s %8s %8s %10.3f %10.3f %8.3f %8.4f\n' "$name" "$secs" "$threads" "$g" "$c" \
		"$(awk -v g="$g" -v c="$c" 'BEGIN { print g / c }')" "$(awk -v g="$g" -v s="$secs" 'BEGIN { print g / s }')"
done
