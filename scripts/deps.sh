#!/usr/bin/env bash
# deps.sh build|test installs what building or testing needs, idempotently:
# Debian packages (only the missing ones), and for tests a Redis answering
# on 127.0.0.1:6379 (started when none does).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_go() {
	command -v go >/dev/null || die "Go 1.26 or newer is needed (https://go.dev/doc/install); it is not on PATH"
	local v
	v=$(go env GOVERSION | sed 's/^go//')
	case $v in
	1.2[6-9]* | 1.[3-9]* | [2-9].*) ;;
	*) die "Go $v is too old: 1.26 or newer is needed" ;;
	esac
}

redis_answers() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

ensure_redis() {
	redis_answers && return 0
	apt_install redis-server
	log "starting redis-server on 127.0.0.1:6379 (in memory, nothing on disk)"
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
		--dir /tmp --logfile /tmp/openchs-ai-redis.log
	for _ in $(seq 50); do redis_answers && return 0; sleep 0.1; done
	die "redis-server did not answer on 127.0.0.1:6379 (see /tmp/openchs-ai-redis.log)"
}

case ${1:-} in
build)
	need_go
	apt_install gcc libc6-dev pkg-config binutils curl ca-certificates debian-archive-keyring
	;;
test)
	need_go
	apt_install gcc libc6-dev pkg-config binutils curl ca-certificates debian-archive-keyring \
		ffmpeg sox lame espeak-ng python3 python3-requests
	ensure_redis
	;;
*) die "usage: deps.sh build|test" ;;
esac
