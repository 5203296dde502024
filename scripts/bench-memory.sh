#!/usr/bin/env bash
# bench-memory.sh measures the memory of a worker transcribing a long call:
# a 16 kHz 16-bit WAV of real speech taking turns with quiet room noise
# (scripts/benchcall, OPENCHS_AI_BENCH_CALL_MINUTES long, default 60, 115 MB
# at an hour) is uploaded to `openchs-ai api`, and one `openchs-ai worker`
# process on its defaults transcribes it, both against a redis-server this
# script starts. For each model (MODELS, default tiny-q8_0; names from
# pipeline/whisper/catalog.tsv, see scripts/fetch-model.sh) and with silence
# skipping on (the default) and off, a fresh worker takes the call; the
# table gives the worker's resident memory once its model is loaded and at
# its peak (VmHWM in /proc/PID/status), the wall time from upload to
# result, and the number of segments and words in the transcript. Target: peak ≤ 350 MB with tiny-q8_0
# and the defaults. Expects the whisper runtime's environment (make
# bench-memory sets it) and bin/openchs-ai.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

: "${OPENCHS_AI_GGML_BACKENDS:?run through make bench-memory}"
bin=${BIN:-bin/openchs-ai}
[ -x "$bin" ] || die "$bin is missing: make build"
command -v redis-server >/dev/null || die "redis-server is missing: scripts/deps.sh test installs it"
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
minutes=${OPENCHS_AI_BENCH_CALL_MINUTES:-60}
models=${MODELS:-tiny-q8_0}
work="$OPENCHS_AI_CACHE/bench"
mkdir -p "$work"

call="$work/memory-call-${minutes}min.wav"
[ -f "$call" ] || go run ./scripts/benchcall -minutes "$minutes" -o "$call"

run=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$run"
}
trap cleanup EXIT

rport=$((20000 + RANDOM % 20000))
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" \
	--logfile "$run/redis.log" --daemonize no &
pids+=($!)
export REDIS_URL=redis://127.0.0.1:$rport/0
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done

key=bench-memory-key-$RANDOM$RANDOM
port=$((20000 + RANDOM % 20000))
[ "$port" -ne "$rport" ] || port=$((port + 1))
base=http://127.0.0.1:$port
# The API takes the whole upload: an hour of 16 kHz WAV is over its default limit.
"$bin" api --addr "127.0.0.1:$port" --api-keys "$key" --max-upload-mb 1024 \
	--max-duration 4h >"$run/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -sf -H "X-API-Key: $key" "$base/ready" >/dev/null && break
	sleep 0.2
done
curl -sf -H "X-API-Key: $key" "$base/ready" >/dev/null || die "the api did not get ready: $(tail -5 "$run/api.log")"

now() { date +%s.%N; }
mb() { awk -v k="$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status")" 'BEGIN { printf "%.0f", k / 1024 }'; }

# measure MODEL VAD prints one row of the table.
measure() {
	local model=$1 vad=$2 wlog="$run/worker-$1-$2.log" worker idle t0 id st wall peak segs words
	"$bin" worker --model "$(scripts/fetch-model.sh "$model")" --max-duration 4h >"$wlog" 2>&1 &
	worker=$!
	pids+=("$worker")
	for _ in $(seq 300); do grep -qs "worker started" "$wlog" && break; sleep 0.1; done
	grep -q "worker started" "$wlog" || die "the worker did not start: $(tail -5 "$wlog")"
	idle=$(mb "$worker" VmRSS)
	t0=$(now)
	curl -sf -H "X-API-Key: $key" -F audio=@"$call" -F language=en -F vad="$vad" -F background=true \
		"$base/audio/process" >"$run/up.json" || die "upload failed"
	id=$(sed -n 's/.*"task_id":"\([^"]*\)".*/\1/p' "$run/up.json")
	[ -n "$id" ] || die "the upload got no task id: $(head -c 300 "$run/up.json")"
	while :; do
		st=$(curl -sf -H "X-API-Key: $key" "$base/audio/task/$id") || st=
		case $st in *'"status":"completed"'* | *'"status":"failed"'*) break ;; esac
		kill -0 "$worker" 2>/dev/null || die "the worker died: $(tail -5 "$wlog")"
		sleep 0.5
	done
	wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	peak=$(mb "$worker" VmHWM)
	case $st in *'"status":"completed"'*) ;; *) die "the call failed: $(head -c 300 <<<"$st")" ;; esac
	curl -sf -H "X-API-Key: $key" "$base/audio/task/$id" >"$run/result-$model-$vad.json"
	segs=$(jq ".result.segments | length" "$run/result-$model-$vad.json")
	words=$(jq -r ".result.transcript" "$run/result-$model-$vad.json" | wc -w)
	kill "$worker"
	wait "$worker" 2>/dev/null || true
	printf '%-12s %-4s %8s %8s %8s %6s %6s\n' "$model" "$vad" "$idle" "$peak" "$wall" "$segs" "$words"
}

log "$minutes-minute call: $call ($(($(stat -c %s "$call") >> 20)) MB)"
printf '%-12s %-4s %8s %8s %8s %6s %6s\n' model vad idle_MB peak_MB wall_s segs words
for model in $models; do
	for vad in on off; do
		measure "$model" "$vad"
	done
done
