#!/usr/bin/env bash
# bench-whisper.sh compares the Go engine's transcription time with
# whisper.cpp's C API called directly, on the same PCM, model and threads:
# jfk.wav (11 s) and a long recording (≥ 5 min of synthesised speech with
# pauses, plus jfk.wav). Expects the whisper runtime's environment and
# OPENCHS_AI_MODEL_PATH (make bench sets both).
#
# Environment: THREADS (default 2), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

: "${OPENCHS_AI_MODEL_PATH:?run through make bench}"
threads=${THREADS:-2}
runs=${RUNS:-3}
work="$OPENCHS_AI_CACHE/bench"
mkdir -p "$work"

. scripts/bench-lib.sh
jfk=$(bench_jfk)
long=$(bench_long_wav "$work")

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
