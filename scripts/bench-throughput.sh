#!/usr/bin/env bash
# bench-throughput.sh measures the service end to end (upload to result,
# `openchs-ai serve` on its defaults) next to whisper.cpp's C API called
# directly (raw), in one run, and prints the ratios:
#   lone:  a 12-minute call, service time ÷ raw time on all CPUs (target ≤ 1.05),
#          with the defaults and with silence skipping off;
#   batch: 8 concurrent uploads of a 37-second call, the service's
#          audio-seconds per wall-second ÷ the best raw configuration's
#          (one process using every CPU on the 8 in turn, or one 1-thread
#          process per CPU sharing them) (target ≥ 1.0), in rounds
#          (OPENCHS_AI_BENCH_ROUNDS, default 3) of raw then the service,
#          each round's ratio printed and their median;
#   lone-after: the lone call again after the burst, when every worker slot
#          has run (target ≤ 1.05 too).
# Raw lone time is whisper_full alone (model loaded); raw batch time is the
# processes' wall time. Expects the whisper runtime's environment and
# OPENCHS_AI_MODEL_PATH (make bench-throughput sets both) and bin/openchs-ai.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/bench-lib.sh

: "${OPENCHS_AI_MODEL_PATH:?run through make bench-throughput}"
bin=${BIN:-bin/openchs-ai}
[ -x "$bin" ] || die "$bin is missing: make build"
cpus=$(nproc)
work="$OPENCHS_AI_CACHE/bench"
mkdir -p "$work"

long=$(bench_long_wav "$work")
call12="$work/call-12min.wav"
[ -f "$call12" ] || sox "$long" "$long" "$long" "$call12" trim 0 720
call37="$work/call-37s.wav"
[ -f "$call37" ] || sox "$long" "$call37" trim 0 37
for f in call12 call37; do
	sox "${!f}" -t f32 -e floating-point -b 32 -r 16000 -c 1 "$work/$f.f32"
done
cc_bin="$work/whisper-c-bench"
# shellcheck disable=SC2086
gcc -O2 $CGO_CFLAGS scripts/whisper-c-bench.c -o "$cc_bin" $CGO_LDFLAGS -lwhisper -lggml -lggml-base

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
raw() { "$cc_bin" "$OPENCHS_AI_MODEL_PATH" "$work/$1.f32" "$2" en "$3" "$OPENCHS_AI_GGML_BACKENDS"; }

log "raw: the 12-minute call on $cpus threads"
raw_lone=$(raw call12 "$cpus" 1 | awk '{ print $2 }')

key=bench-throughput-key-$RANDOM$RANDOM
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
svc_log="$work/serve.log"
OPENCHS_AI_DATA="$(mktemp -d)" "$bin" serve --addr "127.0.0.1:$port" --api-keys "$key" \
	--sync-timeout 30m >"$svc_log" 2>&1 &
svc=$!
trap 'kill $svc 2>/dev/null; kill -CONT $svc 2>/dev/null; wait $svc 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -sf -H "X-API-Key: $key" "$base/ready" >/dev/null && break
	sleep 0.2
done
curl -sf -H "X-API-Key: $key" "$base/ready" >/dev/null || die "the service did not get ready: $svc_log"

log "service: the 12-minute call"
t0=$(now)
curl -sf -H "X-API-Key: $key" -F audio=@"$call12" -F language=en "$base/audio/process" >"$work/lone.json"
svc_lone=$(since "$t0")
grep -q '"status":"completed"' "$work/lone.json" || die "the lone call did not complete: $(head -c 300 "$work/lone.json")"
log "service: the 12-minute call with silence skipping off"
t0=$(now)
curl -sf -H "X-API-Key: $key" -F audio=@"$call12" -F language=en -F vad=off "$base/audio/process" >"$work/lone-novad.json"
svc_lone_novad=$(since "$t0")

# The batch in rounds, raw and the service in turn, each round's ratio
# from its own two: this machine's speed drifts by a third within minutes.
# The service is stopped (SIGSTOP) while raw runs, so that its idle work
# takes nothing from raw.
raw_batch() {
	local t0 pids=() i n
	t0=$(now)
	raw call37 "$cpus" 8 >/dev/null
	raw_seq=$(since "$t0")
	t0=$(now)
	for i in $(seq 0 $((cpus - 1))); do
		n=$(((8 + cpus - 1 - i) / cpus))
		[ "$n" -gt 0 ] && { raw call37 1 "$n" >/dev/null & pids+=($!); }
	done
	wait "${pids[@]}"
	raw_par=$(since "$t0")
	raw_best=$(awk -v a="$raw_seq" -v b="$raw_par" 'BEGIN { print (a < b) ? a : b }')
}
# Each upload waits for its result, as the lone call does: polling the 8
# tasks with a curl process every 0.1 s took an eighth of the CPUs, which
# the service then lacked.
svc_batch() {
	local t0 uploads=() i
	t0=$(now)
	for i in $(seq 8); do
		curl -sf -H "X-API-Key: $key" -F audio=@"$call37" -F language=en "$base/audio/process" >"$work/up$i.json" &
		uploads+=($!)
	done
	wait "${uploads[@]}" # not the service, also a child of this shell
	svc_batch=$(since "$t0")
	for i in $(seq 8); do
		grep -q '"status":"completed"' "$work/up$i.json" || die "upload $i did not complete: $(head -c 300 "$work/up$i.json")"
	done
}
audio=$((8 * 37))
rounds=${OPENCHS_AI_BENCH_ROUNDS:-3}
batch_rows=()
ratios=()
for r in $(seq "$rounds"); do
	log "round $r of $rounds: raw, 8 × 37 s, one $cpus-thread process, then $cpus one-thread processes"
	kill -STOP "$svc"
	raw_batch
	kill -CONT "$svc"
	log "round $r of $rounds: service, 8 concurrent uploads of the 37-second call"
	svc_batch
	ratio=$(awk -v s="$svc_batch" -v r="$raw_best" -v a=$audio 'BEGIN { printf "%.3f", (a / s) / (a / r) }')
	ratios+=("$ratio")
	batch_rows+=("$(printf '%-10s %10.2f %10.2f %8.3f raw: %s s one %d-thread process, %s s %d one-thread processes' \
		"batch-$r" "$raw_best" "$svc_batch" "$ratio" "$raw_seq" "$cpus" "$raw_par" "$cpus")")
done
batch_median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# Once every slot has run at once, a lone call must still have every CPU
# at full speed.
log "service: the 12-minute call again, after the burst"
t0=$(now)
curl -sf -H "X-API-Key: $key" -F audio=@"$call12" -F language=en "$base/audio/process" >"$work/lone-after.json"
svc_lone_after=$(since "$t0")
grep -q '"status":"completed"' "$work/lone-after.json" || die "the lone call after the burst did not complete"

printf '%-10s %10s %10s %8s %s\n' case raw_s service_s ratio target
printf '%-10s %10.2f %10.2f %8.3f %s\n' lone "$raw_lone" "$svc_lone" \
	"$(awk -v s="$svc_lone" -v r="$raw_lone" 'BEGIN { print s / r }')" "service/raw ≤ 1.05"
printf '%-10s %10.2f %10.2f %8.3f %s\n' lone-vad0 "$raw_lone" "$svc_lone_novad" \
	"$(awk -v s="$svc_lone_novad" -v r="$raw_lone" 'BEGIN { print s / r }')" "the same with silence skipping off"
printf '%-10s %10.2f %10.2f %8.3f %s\n' lone-after "$raw_lone" "$svc_lone_after" \
	"$(awk -v s="$svc_lone_after" -v r="$raw_lone" 'BEGIN { print s / r }')" "the lone call again after the 8 uploads"
printf '%s\n' "${batch_rows[@]}"
printf '%-10s %10s %10s %8.3f %s\n' batch - - "$batch_median" "median of the rounds: service/raw audio-s per s ≥ 1.0"
