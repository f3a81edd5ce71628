#!/usr/bin/env bash
# pg.sh — a private PostgreSQL 15 cluster for galleryfs's tests and
# benchmarks (issue #15): its data, log and Unix socket all in one
# directory, no TCP, fsync and synchronous commit on (what a real catalog
# runs with, so that timings mean something), trust authentication on the
# socket only. Never a cluster to keep data in.
#
#   scripts/pg.sh start DIR    initdb into DIR/data, start, create the role
#                              and database galleryfs; print the conninfo
#   scripts/pg.sh conninfo DIR print the conninfo of the cluster in DIR
#   scripts/pg.sh restart DIR [SECONDS]
#                              restart the server (pg_ctl -m fast: sessions
#                              are cut, the data stays), down for SECONDS
#                              (default: as short as pg_ctl restart is),
#                              for tests of an outage (t_pgrestart.sh)
#   scripts/pg.sh stop DIR     stop the cluster and remove DIR
#
# DIR must be reachable by the postgres user (initdb refuses to run as
# root, so the server runs as postgres): a directory under /tmp, not under a
# clone in a 0700 home. The server keeps the socket at DIR/.s.PGSQL.5432,
# so DIR must be short (the socket path is limited to 107 bytes).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-postgres}
PG_ROLE=galleryfs
PG_DB=galleryfs

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() {
	echo "usage: $0 start|conninfo|restart|stop DIR" >&2
	exit 2
}

# Run a server binary as the cluster's owner, from a directory it can
# enter (initdb and pg_ctl complain about a working directory they cannot
# read, and the caller's may be in a 0700 home).
as_owner() {
	(cd "$dir" && runuser -u "$PG_USER" -- "$@")
}

conninfo() {
	echo "host=$dir dbname=$PG_DB user=$PG_ROLE"
}

start() {
	[ -x "$PG_BIN/initdb" ] ||
		die "$PG_BIN/initdb not found: install postgresql-15 (scripts/setup.sh)"
	getent passwd "$PG_USER" >/dev/null ||
		die "no user $PG_USER to run the server as (it comes with postgresql-15)"
	[ "$(id -u)" -eq 0 ] || die "run as root (the server runs as $PG_USER)"
	[ ! -e "$dir/data" ] || die "$dir/data exists: a cluster is there already"
	[ ${#dir} -le 80 ] || die "$dir is too long for a socket path"

	mkdir -p "$dir"
	chown "$PG_USER:" "$dir"
	chmod 0755 "$dir"
	runuser -u "$PG_USER" -- test -w "$dir" ||
		die "$PG_USER cannot write $dir (a parent directory shuts it out:" \
		    "use a directory under /tmp)"
	# marks the directory as ours, so that stop removes nothing else
	: >"$dir/galleryfs-pg"

	as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
		--auth-host=reject -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	cat >>"$dir/data/postgresql.conf" <<EOF
# scripts/pg.sh: a private cluster, socket only
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
log_min_messages = warning
EOF
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null ||
		{ cat "$dir/server.log" >&2; die "the server did not start"; }
	# the role galleryfs connects as: it owns its database (and so its
	# public schema) and may create more (the unit tests make one a run)
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -U postgres -d postgres \
		-c "CREATE ROLE $PG_ROLE LOGIN CREATEDB CREATEROLE" \
		-c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null ||
		die "creating role and database failed"
	conninfo
}

restart() {
	[ -e "$dir/galleryfs-pg" ] || die "$dir is not a cluster of pg.sh"
	if [ -z "$pause" ]; then
		as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast \
			-w -t 60 restart >/dev/null ||
			{ tail -n 20 "$dir/server.log" >&2; die "the server in $dir did not restart"; }
		return
	fi
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
		die "the server in $dir did not stop"
	sleep "$pause"
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null ||
		{ tail -n 20 "$dir/server.log" >&2; die "the server in $dir did not start again"; }
}

stop() {
	[ -e "$dir/galleryfs-pg" ] || die "$dir is not a cluster of pg.sh"
	if [ -e "$dir/data/postmaster.pid" ]; then
		as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop \
			>/dev/null || die "the server in $dir did not stop"
	fi
	rm -rf "$dir"
}

pause=
[ $# -eq 3 ] && [ "$1" = restart ] && { pause=$3; set -- "$1" "$2"; }
[ $# -eq 2 ] || usage
case $2 in
/*) dir=${2%/} ;;
*) dir=$(realpath -m "$2") ;;
esac
case $1 in
start) start ;;
conninfo) [ -e "$dir/galleryfs-pg" ] || die "no cluster in $dir"; conninfo ;;
restart) restart ;;
stop) stop ;;
*) usage ;;
esac
