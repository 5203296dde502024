#!/usr/bin/env bash
# whisper-runtime.sh provisions the whisper.cpp C library that the Go
# bindings link against and prints the path of a shell file exporting the
# cgo flags for it (CGO_CFLAGS, CGO_LDFLAGS, OPENCHS_AI_GGML_BACKENDS).
#
# When the OS ships libwhisper (pkg-config whisper), that is used. Otherwise
# Debian unstable's libwhisper/libggml and the C/C++ runtime they need are
# unpacked into a private prefix under $OPENCHS_AI_CACHE/whisper; programs
# linked against it run with that prefix's loader, leaving the system alone.
# Re-running is cheap: a working runtime is checked and reused, a broken or
# partial one is rebuilt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Versions known to work together; newer ones are taken only when these
# have left the archive, and must then prove themselves through the tests.
KNOWN_GOOD=(
	libwhisper1=1.9.5+dfsg-1 libwhisper-dev=1.9.5+dfsg-1
	libggml0=0.27.0-1 libggml-dev=0.27.0-1
	libc6=2.43-7 libstdc++6=16.2.0-4 libgcc-s1=16.2.0-4 libgomp1=16.2.0-4
)
ARCH_TRIPLET=x86_64-linux-gnu

root="$OPENCHS_AI_CACHE/whisper"
envfile="$root/runtime.env"

# check_runtime builds and runs a C program against the runtime described
# by $envfile: the library loads, its CPU backend loads, and it reports.
check_runtime() {
	[ -f "$envfile" ] || return 1
	local dir
	dir=$(mktemp -d)
	cat >"$dir/check.c" <<'C'
#include <stdio.h>
#include <whisper.h>
#include <ggml-backend.h>
int main(int argc, char **argv) {
	if (argc > 1 && argv[1][0]) ggml_backend_load_all_from_path(argv[1]); else ggml_backend_load_all();
	if (ggml_backend_dev_count() < 1) { fprintf(stderr, "no ggml backend device\n"); return 1; }
	printf("%s\n", whisper_print_system_info());
	return 0;
}
C
	local ok=0
	(
		. "$envfile"
		# shellcheck disable=SC2086
		gcc $CGO_CFLAGS "$dir/check.c" -o "$dir/check" $CGO_LDFLAGS -lwhisper -lggml -lggml-base &&
			"$dir/check" "${OPENCHS_AI_GGML_BACKENDS:-}" >"$dir/out"
	) >/dev/null 2>"$dir/err" || ok=1
	[ $ok -eq 0 ] || sed 's/^/  /' "$dir/err" >&2
	rm -rf "$dir"
	return $ok
}

write_env() { # CFLAGS LDFLAGS BACKENDS SOURCE
	mkdir -p "$root"
	cat >"$envfile.tmp" <<ENV
# whisper.cpp runtime for cgo, written by scripts/whisper-runtime.sh ($4)
export CGO_ENABLED=1
export CGO_CFLAGS='$1'
export CGO_LDFLAGS='$2'
export OPENCHS_AI_GGML_BACKENDS='$3'
ENV
	mv "$envfile.tmp" "$envfile"
}

make_shim() { # DIR: an empty libggml-cpu.a for the bindings' -lggml-cpu
	mkdir -p "$1"
	[ -f "$1/libggml-cpu.a" ] || (cd "$1" && ar rc libggml-cpu.a)
}

native() {
	command -v pkg-config >/dev/null && pkg-config --exists whisper ggml 2>/dev/null || return 1
	local libdir shim="" backends=""
	libdir=$(pkg-config --variable=libdir ggml)
	if ! ls "$libdir"/libggml-cpu.so* >/dev/null 2>&1; then
		make_shim "$root/native-shim"
		shim="-L$root/native-shim"
	fi
	[ -d "$libdir/ggml/backends0" ] && backends="$libdir/ggml/backends0"
	write_env "$(pkg-config --cflags whisper ggml)" "$(pkg-config --libs whisper ggml) $shim" "$backends" \
		"native libwhisper $(pkg-config --modversion whisper)"
	check_runtime
}

private_prefix() {
	apt_install binutils ca-certificates debian-archive-keyring
	sid_update
	local want=() pkg ver name cand
	for pkg in "${KNOWN_GOOD[@]}"; do
		name=${pkg%%=*} ver=${pkg#*=}
		if sid_has "$name" "$ver"; then
			want+=("$pkg")
		else
			cand=$(sid_candidate "$name")
			[ -n "$cand" ] && [ "$cand" != "(none)" ] || die "Debian unstable no longer offers $name"
			log "warning: $name $ver has left Debian unstable; taking $cand (the tests decide whether it works)"
			want+=("$name=$cand")
		fi
	done

	build="$root/build.$$"
	rm -rf "$build" && mkdir -p "$build/debs" "$build/prefix" "$build/include" "$build/shim"
	trap 'rm -rf "${build:-}"' EXIT
	log "downloading ${want[*]}"
	(cd "$build/debs" && sid_download "${want[@]}") || die "downloading whisper.cpp packages from Debian unstable failed"
	local deb
	for deb in "$build"/debs/*.deb; do dpkg-deb -x "$deb" "$build/prefix"; done

	local inc="$build/prefix/usr/include"
	cp "$inc"/whisper.h "$inc"/ggml*.h "$inc"/gguf.h "$build/include/"
	make_shim "$build/shim"
	printf '%s\n' "${want[@]}" >"$build/versions.txt"

	rm -rf "$root/prefix" "$root/include" "$root/shim"
	mv "$build/prefix" "$build/include" "$build/shim" "$root/"
	mv "$build/versions.txt" "$root/versions.txt"

	local lib="$root/prefix/usr/lib/$ARCH_TRIPLET"
	local loader="$root/prefix/usr/lib64/ld-linux-x86-64.so.2"
	[ -e "$loader" ] || loader="$root/prefix/lib64/ld-linux-x86-64.so.2"
	write_env "-I$root/include" \
		"-L$lib -L$root/shim -Wl,--allow-shlib-undefined -Wl,--disable-new-dtags -Wl,-rpath,$lib -Wl,--dynamic-linker=$loader" \
		"$lib/ggml/backends0" "Debian unstable: $(tr '\n' ' ' <"$root/versions.txt")"
	check_runtime || die "the whisper.cpp runtime in $root does not work (see above)"
}

mkdir -p "$root"
if check_runtime 2>/dev/null; then
	:
elif native; then
	log "using the system's whisper.cpp ($(pkg-config --modversion whisper))"
else
	log "building a private whisper.cpp runtime in $root"
	private_prefix
	log "whisper.cpp runtime ready: $(tr '\n' ' ' <"$root/versions.txt")"
fi
echo "$envfile"
