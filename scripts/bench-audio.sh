#!/usr/bin/env bash
# bench-audio.sh compares pipeline/audio's decode + resample to 16 kHz mono
# with ffmpeg doing the same (-ar 16000 -ac 1 -f f32le), both on one core,
# on two 10-minute recordings built in a temporary directory: a 44.1 kHz
# stereo 16-bit WAV and a VBR MP3 of it.
#
# Environment: RUNS (default 3): runs of each, the best one counts.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
for tool in ffmpeg lame go; do
	command -v "$tool" >/dev/null || { echo "bench-audio: $tool is required" >&2; exit 1; }
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
jfk="$(go mod download -json github.com/ggerganov/whisper.cpp/bindings/go | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/samples/jfk.wav"
ffmpeg -v error -nostdin -stream_loop -1 -i "$jfk" -t 600 -ar 44100 -ac 2 "$dir/call-10min.wav"
lame --quiet -V 4 "$dir/call-10min.wav" "$dir/call-10min.mp3"

# Best wall-clock time of ffmpeg, in seconds, over $runs runs.
ffmpeg_time() {
	local best=
	for _ in $(seq "$runs"); do
		local start end t
		start=$(date +%s.%N)
		ffmpeg -v error -nostdin -threads 1 -i "$1" -ar 16000 -ac 1 -f f32le - >/dev/null
		end=$(date +%s.%N)
		t=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN {exit !(t < b)}'; then best=$t; fi
	done
	echo "$best"
}

out=$(AUDIO_BENCH_DIR="$dir" go test ./pipeline/audio -run '^$' -bench 'BenchmarkDecode' \
	-benchtime "${runs}x" -count 1 -cpu 1)
echo "$out" | grep -E '^(Benchmark|goos|cpu)'

printf '\n%-16s %10s %10s %14s\n' file go ffmpeg "go speed"
for f in call-10min.wav call-10min.mp3; do
	ns=$(echo "$out" | awk -v f="$f" '$1 ~ f {print $3}')
	go_s=$(awk -v ns="$ns" 'BEGIN {printf "%.3f", ns / 1e9}')
	ff_s=$(ffmpeg_time "$dir/$f")
	ratio=$(awk -v g="$go_s" -v f="$ff_s" 'BEGIN {printf "%.2f", f / g}')
	printf '%-16s %9.2fs %9.2fs %10s× ffmpeg\n' "$f" "$go_s" "$ff_s" "$ratio"
done
