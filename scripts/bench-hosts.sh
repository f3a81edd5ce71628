#!/usr/bin/env bash
# bench-hosts.sh — several hosts on one catalog (issue #15): the
# propagation delay between two mounts of one PostgreSQL catalog, and the
# soft delete, restore and hard delete rates on PostgreSQL against SQLite
# in the same run. A benchmark, not a test: it reports numbers and judges
# nothing. scripts/bench.sh may call it; it runs alone as well:
#
#   scripts/bench-hosts.sh [NCHANGES [NVERSIONS]]     (defaults 1200, 300)
#
# NCHANGES changes through mount A (mkdir, chmod, utimensat in turn), each
# timed until B's stat shows it (tests/tools/gfs-propagate); NVERSIONS
# versions of one file each soft-deleted (rm -r), restored (mv back) and
# hard-deleted (rm -r with soft delete off) on each backend, the rate of
# each in operations per second (NVERSIONS 0: no rates; scripts/bench.sh
# measures them itself, with the build and the walks). Uses the build in build/ (run ninja
# first) and a private PostgreSQL cluster (scripts/pg.sh), or the server of
# GFS_PG_CONNINFO when set (its role must create databases). Runs as root;
# everything lives under a fresh /tmp/gfs-bench-hosts.XXXXXX, unmounted and
# removed on exit; it stops only what it started, by pid.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
REPO=$PWD
NCHANGES=${1:-1200}
NVERSIONS=${2:-300}
GFS=${GFS_BENCH_BIN:-$REPO/build/fs/galleryfs}   # another build to compare
PROP=$REPO/build/tests/tools/gfs-propagate
for f in "$GFS" "$PROP"; do
	[ -x "$f" ] || { echo "bench-hosts: $f is missing: build first (ninja -C build)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/gfs-bench-hosts.XXXXXX)
chmod 0755 "$W"         # the private cluster's server (postgres) lives in it
export PGOPTIONS="-c client_min_messages=warning"   # no NOTICE of IF EXISTS
PIDS=()
MOUNTS=()
PGDIR=
DROP_DB=
cleanup() {
	local m p
	for m in "${MOUNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$DROP_DB" ] && psql -X -q -d "$GFS_PG_CONNINFO" \
		-c "DROP DATABASE IF EXISTS gfs_bench_hosts WITH (FORCE)" >/dev/null 2>&1
	[ -n "$PGDIR" ] && "$REPO/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT

if [ -z "${GFS_PG_CONNINFO:-}" ]; then
	PGDIR=$W/pg
	GFS_PG_CONNINFO=$("$REPO/scripts/pg.sh" start "$PGDIR" | tail -n 1)
fi
# this script's own database: one a run stopped early left goes first
psql -X -q -d "$GFS_PG_CONNINFO" -c "DROP DATABASE IF EXISTS gfs_bench_hosts WITH (FORCE)" \
	-c "CREATE DATABASE gfs_bench_hosts" >/dev/null
DROP_DB=1
PGCI="$GFS_PG_CONNINFO dbname=gfs_bench_hosts"

# config BACKEND: a configuration file for that backend
config() {
	{
		if [ "$1" = postgresql ]; then
			printf '[catalog]\nbackend = postgresql\nconninfo = %s\n' "$PGCI"
		fi
		cat <<INI
[subscription]
cloud = AzureCloud
api_version = 2024-03-03
features = SIGSoftDelete
owners = root
location = eastus
[log]
level = warning
INI
	} >"$W/$1.ini"
}

# mount BACKEND DATA MNT
mount_one() {
	mkdir -p "$3"
	"$GFS" -f -o "config=$W/$1.ini,data_dir=$2" "$3" >>"$W/$(basename "$3").log" 2>&1 &
	PIDS+=($!)
	MOUNTS+=("$3")
	local i
	for i in $(seq 1 200); do mountpoint -q "$3" && return 0; sleep 0.05; done
	echo "bench-hosts: mount of $3 failed:" >&2
	cat "$W/$(basename "$3").log" >&2
	exit 1
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f ops/s (%d in %d ms)", n * 1000 / (ms > 0 ? ms : 1), n, ms }'; }

# rates BACKEND MNT: soft delete, restore, hard delete of NVERSIONS versions
rates() {
	local m=$2 i t
	mkdir -p "$m/g/d"
	setfattr -n user.acg.softDelete -v true "$m/g"
	for i in $(seq 1 "$NVERSIONS"); do mkdir "$m/g/d/1.0.$i"; echo x >"$m/g/d/1.0.$i/f"; done
	t=$(date +%s%N)
	for i in $(seq 1 "$NVERSIONS"); do rm -r "$m/g/d/1.0.$i"; done
	echo "$1 soft delete: $(rate "$NVERSIONS" "$(ms_since "$t")")"
	t=$(date +%s%N)
	for i in $(seq 1 "$NVERSIONS"); do mv "$m/g/.softdeleted/d/1.0.$i" "$m/g/d/"; done
	echo "$1 restore:     $(rate "$NVERSIONS" "$(ms_since "$t")")"
	setfattr -n user.acg.softDelete -v false "$m/g"
	t=$(date +%s%N)
	for i in $(seq 1 "$NVERSIONS"); do rm -r "$m/g/d/1.0.$i"; done
	echo "$1 hard delete: $(rate "$NVERSIONS" "$(ms_since "$t")")"
}

config postgresql
config sqlite
mount_one postgresql "$W/data" "$W/a"
mount_one postgresql "$W/data" "$W/b"
mkdir -p "$W/a/p/d/1.0.0"
# B has seen the version: the rounds measure invalidations, not first lookups
until [ -d "$W/b/p/d/1.0.0" ]; do sleep 0.01; done
echo "propagation delay, A to B, one PostgreSQL catalog ($NCHANGES changes):"
"$PROP" "$W/a" "$W/b" p/d "$NCHANGES"
if [ "$NVERSIONS" -gt 0 ]; then
	echo
	echo "rates, $NVERSIONS versions of one file each:"
	rates postgresql "$W/a"
	mount_one sqlite "$W/sqlite-data" "$W/s"
	rates sqlite "$W/s"
fi
for m in "${MOUNTS[@]}"; do fusermount3 -u "$m" 2>/dev/null || true; done
MOUNTS=()
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()
