#!/usr/bin/env bash
# fetch-model.sh NAME|PATH provisions a Whisper model and prints its path.
#
# A NAME from pipeline/whisper/catalog.tsv is fetched once into
# $OPENCHS_AI_CACHE/models/ggml-NAME.bin and its checksum verified on every
# run; a mismatch is an error and the file is not used. tiny-q8_0 comes from
# a Debian package; the other names come from the whisper.cpp project's
# model host ($OPENCHS_AI_MODEL_URL) and need the open internet. A PATH to
# an existing file is printed as it is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

catalog="$(cd "$(dirname "$0")/.." && pwd)/pipeline/whisper/catalog.tsv"
model_url=${OPENCHS_AI_MODEL_URL:-https://huggingface.co/ggerganov/whisper.cpp/resolve/main}

[ $# -eq 1 ] || die "usage: fetch-model.sh NAME|PATH"
arg=$1
if [ -f "$arg" ]; then
	echo "$arg"
	exit 0
fi
line=$(awk -F'\t' -v n="$arg" '$1 == n' "$catalog")
[ -n "$line" ] || die "unknown model '$arg': not a file and not one of: $(awk -F'\t' '!/^#/ {printf "%s ", $1}' "$catalog")"
IFS=$'\t' read -r name digest source <<<"$line"
algo=${digest%%:*} want=${digest#*:}

dir="$OPENCHS_AI_CACHE/models"
dest="$dir/ggml-$name.bin"
mkdir -p "$dir"

verify() { # FILE: succeeds when FILE has the catalog's digest
	local got
	got=$("${algo}sum" "$1" | cut -d' ' -f1)
	[ "$got" = "$want" ] && return 0
	log "error: $1 has $algo $got, but model $name must have $want"
	return 1
}

if [ -f "$dest" ]; then
	verify "$dest" || die "cached model $dest is corrupt; delete it to fetch it again"
	echo "$dest"
	exit 0
fi

tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case $source in
deb:*)
	rest=${source#deb:} pkg=${rest%%:*} path=${rest#*:}
	apt_install binutils ca-certificates debian-archive-keyring
	sid_update
	log "downloading Debian package $pkg for model $name"
	(cd "$tmp" && sid_download "$pkg") || die "downloading $pkg from Debian unstable failed"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" "./$path" || die "$pkg does not contain $path"
	mv "$tmp/$path" "$tmp/model.bin"
	;;
url:*)
	url="$model_url/${source#url:}"
	log "downloading $url"
	curl -fL --retry 3 --progress-bar -o "$tmp/model.bin" "$url" ||
		die "cannot download model $name from $url (set OPENCHS_AI_MODEL_URL to a reachable mirror, or pass a local file path)"
	;;
*) die "catalog entry for $name has an unknown source '$source'" ;;
esac
verify "$tmp/model.bin" || die "refusing the downloaded model $name"
mv "$tmp/model.bin" "$dest"
log "model $name ready: $dest"
echo "$dest"
