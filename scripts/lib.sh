# Shared helpers for the provisioning scripts. Source it; do not run it.

OPENCHS_AI_CACHE=${OPENCHS_AI_CACHE:-$HOME/.cache/openchs-ai}
export OPENCHS_AI_CACHE

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# as_root runs a command as root, through sudo when needed.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		die "need root for: $* (no sudo)"
	fi
}

# apt_install installs Debian packages that are not installed yet.
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# debian_mirror prints the archive URI this machine's apt already uses.
debian_mirror() {
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt (debian.sources or sources.list)"
	printf '%s\n' "${uri%/}"
}

# sid_apt TOOL ARGS... runs apt-get or apt-cache against Debian unstable
# with a private state directory under the cache, never touching the
# system's apt state.
sid_apt() {
	local tool=$1 d="$OPENCHS_AI_CACHE/apt-sid"
	shift
	if [ ! -f "$d/sources.list" ]; then
		mkdir -p "$d/lists/partial" "$d/archives/partial"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) sid main" >"$d/sources.list.tmp"
		mv "$d/sources.list.tmp" "$d/sources.list"
	fi
	"$tool" -q -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d" -o Dir::Cache::archives="$d/archives" \
		-o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

# sid_update refreshes the sid package lists when older than a day.
sid_update() {
	local stamp="$OPENCHS_AI_CACHE/apt-sid/updated"
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		log "reading Debian unstable package lists"
		sid_apt apt-get update >/dev/null || die "apt-get update for Debian unstable failed"
		mkdir -p "${stamp%/*}" && touch "$stamp"
	fi
}

# sid_download PKG[=VERSION]... downloads .deb files into the current directory.
sid_download() { sid_apt apt-get download "$@" >/dev/null; }

# sid_candidate PKG prints the version sid offers now.
sid_candidate() { sid_apt apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

# sid_has PKG VERSION succeeds when sid still offers that exact version.
sid_has() { sid_apt apt-cache madison "$1" 2>/dev/null | awk -v v="$2" '$3 == v {found = 1} END {exit !found}'; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
