#!/usr/bin/env bash
# bench-vad.sh measures silence skipping on a call about half silence (real
# speech clips in synthesised room noise, OPENCHS_AI_BENCH_CALL_MINUTES
# long, default 12): the pipeline end to end with and without it, as a
# time ratio, the WER on the speech both ways, and how far the segment
# starts fall from where the clips were placed. Run it as make bench-vad
# (which provisions the whisper runtime and the model); it takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OPENCHS_AI_GGML_BACKENDS:?source the whisper runtime first (make bench-vad does)}"
ldflags="-linkmode=external -X github.com/openchs/openchs-ai/pipeline/whisper.DefaultBackendDir=$OPENCHS_AI_GGML_BACKENDS"
go test -ldflags "$ldflags" -run XXX -bench HalfSilentCall -benchtime 1x -timeout 90m ./pipeline/speech/ |
	grep -vE '^(goos|goarch|pkg|cpu|PASS|ok)'
