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

# mariadb_answers: root logs in over TCP with an empty password.
mariadb_answers() { mysql --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; }

mariadb_listens() { (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null; }

# ensure_mariadb makes a MariaDB answer on 127.0.0.1:3306 for the helpline
# tests: installed and started when none listens, root allowed in over TCP
# with an empty password, database test present.
ensure_mariadb() {
	if ! mariadb_answers; then
		apt_install mariadb-server mariadb-client
		if ! mariadb_listens; then
			log "starting mariadbd on 127.0.0.1:3306"
			as_root install -d -o mysql -g mysql /run/mysqld
			[ -d /var/lib/mysql/mysql ] || as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
			as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
				--user=mysql --bind-address=127.0.0.1 --port=3306
			for _ in $(seq 100); do mariadb_listens && break; sleep 0.2; done
			mariadb_listens || die "mariadbd did not listen on 127.0.0.1:3306"
		fi
		# A fresh Debian install lets root in only through the socket.
		as_root mysql --protocol=socket -u root -e "
			ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
			CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
			GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
			FLUSH PRIVILEGES;" || die "cannot let root into MariaDB over TCP"
		mariadb_answers || die "root cannot log in to MariaDB on 127.0.0.1:3306 with an empty password"
	fi
	mysql --protocol=tcp -h 127.0.0.1 -P 3306 -u root -e 'CREATE DATABASE IF NOT EXISTS test'
}

# ensure_node_packages installs the Node packages of the tests (the guide's
# example, the dashboard's browser test, the openai client the
# OpenAI-compatible API is tested with), pinned by
# scripts/node/package-lock.json, outside the tree, under
# $OPENCHS_AI_CACHE/node; nothing happens when that lock is installed.
ensure_node_packages() {
	command -v npm >/dev/null || apt_install nodejs npm
	local src dst="$OPENCHS_AI_CACHE/node"
	src="$(cd "$(dirname "$0")/node" && pwd)"
	[ -d "$dst/node_modules" ] && cmp -s "$src/package-lock.json" "$dst/.installed-lock.json" && return 0
	mkdir -p "$dst"
	cp "$src/package.json" "$src/package-lock.json" "$dst/"
	log "installing the tests' Node packages into $dst"
	(cd "$dst" && npm ci --no-audit --no-fund --omit-lockfile-registry-resolved --loglevel=error)
	cp "$src/package-lock.json" "$dst/.installed-lock.json"
}

case ${1:-} in
build)
	need_go
	apt_install gcc libc6-dev pkg-config binutils curl ca-certificates debian-archive-keyring
	;;
test)
	need_go
	apt_install gcc libc6-dev pkg-config binutils curl ca-certificates debian-archive-keyring \
		ffmpeg sox lame espeak-ng python3 python3-requests chromium
	ensure_redis
	# redis-server also for the chaos suite, which runs one of its own
	apt_install redis-server python3-pymysql python3-pandas
	ensure_mariadb
	ensure_node_packages
	;;
*) die "usage: deps.sh build|test" ;;
esac
