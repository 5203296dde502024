#!/usr/bin/env bash
# readonly-user.sh DATABASE creates, or updates, the MariaDB/MySQL user that
# the OpenCHS integration guide gives external systems for reporting: it may
# SELECT the helpline's kase, contact, kase_activity and fact_case_daily in
# DATABASE, and nothing else.
#
#   READONLY_PASSWORD  its password (required)
#   READONLY_USER      its name (default external_readonly)
#   READONLY_HOST      the host it may connect from (default %, anywhere)
#   MYSQL_ARGS         options for the mysql client that runs the grants as
#                      an administrator, e.g. "-h 127.0.0.1 -u root -p"
#
# The guide also grants fact_* and mv_*; MySQL grants take no wildcards in
# table names (a '%' there is the literal character), so the real names are
# granted. The read-only user is not given the helpline's internal tables
# (kase_clock, schema_migrations) nor the webhook tables. Re-running it
# resets the password and the grants.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

db=${1:-}
user=${READONLY_USER:-external_readonly}
host=${READONLY_HOST:-%}
pw=${READONLY_PASSWORD:-}
[ -n "$db" ] || die "usage: READONLY_PASSWORD=... readonly-user.sh DATABASE"
[ -n "$pw" ] || die "READONLY_PASSWORD is not set"
[[ $db =~ ^[A-Za-z0-9_]+$ ]] || die "database name $db is not letters, digits and _"
[[ $user =~ ^[A-Za-z0-9_]{1,80}$ ]] || die "user name $user is not letters, digits and _"
[[ $host =~ ^[A-Za-z0-9_.%:-]+$ ]] || die "host $host is not a host name, address or pattern"
command -v mysql >/dev/null || die "the mysql client is needed (apt-get install mariadb-client)"

# SQL string literal: backslashes and quotes doubled.
q=${pw//\\/\\\\}
q=${q//\'/\'\'}
account="'$user'@'$host'"

# shellcheck disable=SC2086 # MYSQL_ARGS is a list of options
mysql $MYSQL_ARGS --batch <<SQL
CREATE USER IF NOT EXISTS $account IDENTIFIED BY '$q';
ALTER USER $account IDENTIFIED BY '$q';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM $account;
GRANT SELECT ON \`$db\`.\`kase\` TO $account;
GRANT SELECT ON \`$db\`.\`contact\` TO $account;
GRANT SELECT ON \`$db\`.\`kase_activity\` TO $account;
GRANT SELECT ON \`$db\`.\`fact_case_daily\` TO $account;
FLUSH PRIVILEGES;
SQL
log "$account may SELECT kase, contact, kase_activity and fact_case_daily in $db"
