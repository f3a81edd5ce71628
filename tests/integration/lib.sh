# lib.sh — what every integration test shares: a scratch directory, mounting
# and unmounting the real filesystem in the foreground, and TAP output.
#
# A test file sources this, says how many tests it runs, calls tests like
#     plan 42                              (the count; finish compares)
#     check "name" cmd args...             (cmd exits 0)
#     check_not "name" WANT cmd args...    (cmd fails as WANT says: an exit
#                                           status, or an errno name whose
#                                           message cmd prints on stderr)
#     expect "name" EXPECTED cmd args...   (cmd exits 0 and prints EXPECTED)
#     expect_status "name" ST EXPECTED cmd (cmd exits ST and prints EXPECTED)
#     try_is "name" ERRNO syscall args...  (gfs-try prints ERRNO)
#     logged "name" REGEX                  (a log line written since the
#                                           last test's command matches)
#     logged_times "name" N REGEX          (exactly N such lines)
# and ends with `finish`. Every unmount is a test of its own: the daemon
# must exit with status 0, which is also how ASan's and valgrind's verdicts
# (leaks, errors) arrive. A file that stops before `finish`, or runs another
# number of tests than its plan, fails.
#
# Environment from scripts/test.sh (or, under meson test, from run.sh):
#     GFS_BIN    the galleryfs binary     GFS_TRY   the gfs-try helper
#     GFS_TOOLS  the test tools, in a directory every user can reach
#     GFS_TMP    where scratch dirs go    GFS_SANITIZED=1 under ASan/UBSan
#     GFS_CAT    gfs-cat, the read-only catalog tool (default: beside the
#                build's galleryfs); tests read catalog rows only through it
#     GFS_BACKEND     the catalog's backend: sqlite (the default) or
#                     postgresql, on the server of
#     GFS_PG_CONNINFO a keyword=value libpq connection string whose role
#                     may create databases (scripts/pg.sh start prints one)
#
# On postgresql every data directory a file uses has a database of its own
# (catalog_opt, which mount_fs adds to the command line; a test that runs
# galleryfs itself adds it too): made when the directory is first mounted,
# made afresh whenever the directory holds no objects/ (a data directory
# removed or new is a new catalog, as with SQLite's catalog.db), dropped at
# the end of the file. Tests that can only apply to SQLite (they damage or
# read its file) say so with sqlite_only.

# Every test file runs in a mount namespace of its own (as root, where
# unshare works), so that its mounts are in no other process's
# /proc/mounts: the desktop trash tools visit every mount's trash, and an
# Empty Trash run as root by one test (t_trash) would otherwise delete for
# good what another test's mount has soft-deleted; walkers such as updatedb
# stay out as well. Its mounts end with it even when it is killed.
if [ -z "${GFS_ALONE:-}" ] && [ "$(id -u)" -eq 0 ] &&
	unshare -m --propagation private true 2>/dev/null; then
	GFS_ALONE=1 exec unshare -m --propagation private bash "$0" "$@"
fi

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
: "${GFS_BIN:?GFS_BIN must name the galleryfs binary}"
: "${GFS_TRY:?GFS_TRY must name the gfs-try helper}"
GFS_TOOLS=${GFS_TOOLS:-$(dirname "$GFS_TRY")}
GFS_CAT=${GFS_CAT:-$(dirname "$GFS_BIN")/../tools/gfs-cat}
T=$(mktemp -d "${GFS_TMP:-/tmp}/gfs-it.XXXXXX")
chmod 755 "$T"
MNT="$T/mnt"
DATA="$T/data"
LOG="$T/daemon.log"
CONF="$T/galleryfs.ini"
GFS_PID=
_plan=
_mark=0
_finished=
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
GFS_BACKEND=${GFS_BACKEND:-sqlite}
case $GFS_BACKEND in
sqlite) ;;
postgresql) : "${GFS_PG_CONNINFO:?GFS_BACKEND=postgresql needs GFS_PG_CONNINFO}" ;;
*) echo "lib.sh: GFS_BACKEND=$GFS_BACKEND: expected sqlite or postgresql" >&2; exit 1 ;;
esac
: >"$LOG"

plan() { _plan=$1; }

# The log's length now: logged looks only at what comes after.
mark_log() { [ -f "$LOG" ] || : >"$LOG"; _mark=$(wc -l <"$LOG"); }

check() {
	local name=$1; shift
	local out
	mark_log
	if out=$("$@" 2>&1); then _tap ok "$name"; else _tap fail "$name" "status $?: $out"; fi
}

# The message strerror(3) gives an errno name ("EPERM": "Operation not
# permitted"), as commands print it.
errno_text() { "$GFS_TRY" strerror "$1"; }

check_not() {
	local name=$1 want=$2; shift 2
	local out st=0
	mark_log
	out=$("$@" 2>&1) || st=$?
	case $want in
	E*)
		local text
		text=$(errno_text "$want")
		if [ $st -ne 0 ] && [ $st -lt 126 ] && [ -n "$text" ] &&
			printf '%s' "$out" | grep -qF -- "$text"; then
			_tap ok "$name"
		else
			_tap fail "$name" "wanted a failure with $want ($text), got status $st: $out"
		fi ;;
	*)
		if [ $st -eq "$want" ] && [ "$want" -ne 0 ]; then _tap ok "$name"
		else _tap fail "$name" "wanted exit status $want, got $st: $out"; fi ;;
	esac
}

expect_status() {
	local name=$1 want_st=$2 want=$3; shift 3
	local got st=0
	mark_log
	got=$("$@" 2>"$T/stderr") || st=$?
	if [ "$got" = "$want" ] && [ $st -eq "$want_st" ]; then _tap ok "$name"; else _tap fail "$name" "expected: $want (status $want_st)
got:      $got (status $st)
stderr:   $(cat "$T/stderr")"; fi
}

expect() {
	local name=$1 want=$2; shift 2
	expect_status "$name" 0 "$want" "$@"
}

try_is() {
	local name=$1 want=$2; shift 2
	expect "$name" "$want" "$GFS_TRY" "$@"
}

# A line written to the daemon's log since the last test's command (or
# mark_log) must match the extended regex.
logged() {
	local name=$1 re=$2 i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tail -n +$((_mark + 1)) "$LOG" | grep -Eq -- "$re" && break
		sleep 0.05
	done
	if tail -n +$((_mark + 1)) "$LOG" | grep -Eq -- "$re"; then _tap ok "$name"; else _tap fail "$name" "no log line since the mark matches: $re
log since the mark: $(tail -n +$((_mark + 1)) "$LOG" | tail -n 5)"; fi
}

# logged_times name N regex: exactly N log lines since the mark match.
logged_times() {
	local name=$1 want=$2 re=$3 got
	sleep 0.1
	got=$(tail -n +$((_mark + 1)) "$LOG" | grep -Ec -- "$re")
	if [ "$got" -eq "$want" ]; then _tap ok "$name"; else _tap fail "$name" "$got log lines since the mark match $re, wanted $want:
$(tail -n +$((_mark + 1)) "$LOG" | tail -n 5)"; fi
}

# eventually name seconds cmd...: passes once cmd exits 0 within seconds
# (for what the daemon does by itself, such as noticing a moved clock).
# It waits for an effect of what came before, so it keeps the log mark.
eventually() {
	local name=$1 secs=$2; shift 2
	local end=$((SECONDS + secs)) out
	while :; do
		if out=$("$@" 2>&1); then _tap ok "$name"; return 0; fi
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	_tap fail "$name" "still failing after ${secs}s: $out"
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

# skip_n N name reason: a block of N tests that cannot run here, so that
# the plan holds whichever way a file goes.
skip_n() {
	local i
	for i in $(seq 1 "$1"); do skip "$2 ($i of $1)" "$3"; done
}

# ---- the catalog's backend ----
on_postgresql() { [ "$GFS_BACKEND" = postgresql ]; }

# sqlite_only N name: on postgresql, skip the next N tests (they damage or
# read SQLite's catalog.db) and return 1; on sqlite return 0 to run them.
#     if sqlite_only 3 "a truncated catalog"; then ...; fi
sqlite_only() {
	on_postgresql || return 0
	skip_n "$1" "$2" "SQLite's catalog file only"
	return 1
}

# psql on the server of GFS_PG_CONNINFO, as its role, in its database
pg_sql() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 \
		-d "$GFS_PG_CONNINFO" "$@"
}

# The database that stands for $DATA's catalog, and its conninfo (the
# last dbname= of a libpq string wins).
pg_database() { echo "gfs_it_$(printf '%s' "$DATA" | md5sum | cut -c1-20)"; }
pg_conninfo() { echo "$GFS_PG_CONNINFO dbname=$(pg_database)"; }

# A new, empty database for $DATA, dropped first if there is one; noted so
# that the end of the file drops it.
pg_fresh_database() {
	local db
	db=$(pg_database)
	pg_sql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" \
		>/dev/null || { echo "lib.sh: cannot create database $db" >&2; return 1; }
	grep -qx "$db" "$T/pg-databases" 2>/dev/null || echo "$db" >>"$T/pg-databases"
}

# The PostgreSQL backend keeps its schema version in meta's "schema" row
# (core/catalog_pg.c), as SQLite keeps it in user_version.
pg_set_schema_version() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_conninfo)" \
		-c "UPDATE meta SET value = '$1' WHERE key = 'schema'" >/dev/null
}

pg_drop_databases() {
	local db
	[ -f "$T/pg-databases" ] || return 0
	while read -r db; do
		pg_sql -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
	done <"$T/pg-databases"
	rm -f "$T/pg-databases"
}

pg_ensure_database() {
	grep -qx "$(pg_database)" "$T/pg-databases" 2>/dev/null || pg_fresh_database
}

# catalog_opt: what the galleryfs -o list needs for $DATA's catalog:
# nothing on sqlite; on postgresql ",catalog_conninfo=..." (commas in it
# escaped), its database made first when $DATA has none yet or holds no
# objects/.
#     "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$(catalog_opt)" "$MNT"
catalog_opt() {
	on_postgresql || return 0
	if [ ! -d "$DATA/objects" ] || ! grep -qx "$(pg_database)" "$T/pg-databases" 2>/dev/null; then
		pg_fresh_database || return 1
	fi
	local c
	c=$(pg_conninfo)
	printf ',catalog_conninfo=%s' "${c//,/\\,}"
}

# mount_fs [galleryfs -o options...]: mount $DATA on $MNT in the foreground.
# GFS_ENV may hold extra environment (e.g. LD_PRELOAD for libfaketime),
# GFS_FAKETIME a FAKETIME value (it may hold spaces). The log lines of the
# start are after the mark.
mount_fs() {
	local cat_opt
	cat_opt=$(catalog_opt) || return 1
	mkdir -p "$MNT" "$DATA"
	[ -f "$CONF" ] || write_config
	mark_log
	env ${GFS_ENV:-} ${GFS_FAKETIME:+"FAKETIME=$GFS_FAKETIME"} "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$cat_opt" "$@" "$MNT" >>"$LOG" 2>&1 &
	GFS_PID=$!
	local i
	for i in $(seq 1 200); do
		if mountpoint -q "$MNT"; then return 0; fi
		if ! kill -0 "$GFS_PID" 2>/dev/null; then break; fi
		sleep 0.05
	done
	echo "# mount failed; log:" >&2
	sed 's/^/#   /' "$LOG" >&2
	return 1
}

# must_mount [options...]: mount_fs, and when that fails a failed test and
# the end of the file (its plan then falls short as well).
must_mount() {
	mount_fs "$@" && return 0
	_tap fail "mount $*" "the mount failed; log tail: $(tail -n 5 "$LOG")"
	exit 1
}

# umount_fs [name]: unmount; a test that passes when the daemon exits with
# status 0 (ASan and valgrind report errors and leaks through it).
umount_fs() {
	[ -n "$GFS_PID" ] || return 0
	local st=0 name=${1:-the daemon exits with status 0 at unmount}
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	wait "$GFS_PID" || st=$?
	GFS_PID=
	if [ $st -eq 0 ]; then _tap ok "$name"; else _tap fail "$name" "daemon exit status $st; log tail:
$(tail -n 15 "$LOG")"; fi
	return $st
}

# Other daemons on $DATA and its catalog, each on a mountpoint of its own
# (with PostgreSQL they stand for other hosts; SQLite refuses them):
#     mount_other DIR [options...]  (its log is DIR.log, its pid OTHER_PID[DIR])
#     umount_other DIR [name]       (a test, as umount_fs)
#     crash_other DIR               (kill -9, the dead mount cleaned up)
# finish and an early end unmount those still there.
declare -A OTHER_PID=()
mount_other() {
	local dir=$1 cat_opt i
	shift
	cat_opt=$(catalog_opt) || return 1
	mkdir -p "$dir"
	[ -f "$CONF" ] || write_config
	"$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$cat_opt" "$@" "$dir" >>"$dir.log" 2>&1 &
	OTHER_PID[$dir]=$!
	for i in $(seq 1 200); do
		mountpoint -q "$dir" && return 0
		kill -0 "${OTHER_PID[$dir]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "# mount of $dir failed; log:" >&2
	sed 's/^/#   /' "$dir.log" >&2
	unset "OTHER_PID[$dir]"
	return 1
}

umount_other() {
	local dir=$1 st=0
	local name=${2:-the daemon of $dir exits with status 0 at unmount}
	[ -n "${OTHER_PID[$dir]:-}" ] || { _tap fail "$name" "not mounted"; return 1; }
	fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
	wait "${OTHER_PID[$dir]}" || st=$?
	unset "OTHER_PID[$dir]"
	if [ $st -eq 0 ]; then _tap ok "$name"; else _tap fail "$name" "daemon exit status $st; log tail:
$(tail -n 15 "$dir.log")"; fi
	return $st
}

crash_other() {
	local dir=$1
	[ -n "${OTHER_PID[$dir]:-}" ] || return 0
	kill -9 "${OTHER_PID[$dir]}" 2>/dev/null
	wait "${OTHER_PID[$dir]}" 2>/dev/null
	unset "OTHER_PID[$dir]"
	fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
	return 0
}

_umount_others() {
	local dir
	for dir in "${!OTHER_PID[@]}"; do
		fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
		wait "${OTHER_PID[$dir]}" 2>/dev/null
		unset "OTHER_PID[$dir]"
	done
}

# kill -9 the daemon and clean up the dead mount.
crash_fs() {
	kill -9 "$GFS_PID" 2>/dev/null
	wait "$GFS_PID" 2>/dev/null
	GFS_PID=
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	return 0
}

# write_config: the test's configuration file. On postgresql it names
# $DATA's database in [catalog] too, for the commands that cannot carry
# catalog_opt (mount(8), fstab); mount_fs's -o catalog_conninfo wins over it.
write_config() {
	if on_postgresql; then
		pg_ensure_database || return 1
		printf '[catalog]\nbackend = postgresql\nconninfo = %s\n' "$(pg_conninfo)" >"$CONF"
	else
		: >"$CONF"
	fi
	cat >>"$CONF" <<INI
[subscription]
cloud = ${GFS_CLOUD:-AzureCloud}
api_version = ${GFS_API:-2024-03-03}
features = ${GFS_FEATURES-SIGSoftDelete}
owners = ${GFS_OWNERS:-root}
location = eastus
[roles]
sharing_admins = ${GFS_ADMIN_GROUPS:-acg-admins}
[softdelete]
retention_days = 7
purge_interval = ${GFS_PURGE_INTERVAL:-3600}
[log]
level = info
INI
}

# The catalog, read only through gfs-cat (never the database file), and
# only while unmounted: the daemon holds an SQLite catalog exclusively.
catalog() {
	if on_postgresql; then "$GFS_CAT" --conninfo="$(pg_conninfo)" "$@"
	else "$GFS_CAT" "$DATA" "$@"; fi
}
# rows CONDITION [FIELDS]: the catalog's nodes for which the awk CONDITION
# holds, as FIELDS (default the whole row); both may name the columns id
# type state parent gallery definition mode uid gid size deleted_at
# purge_at name.
# A catalog that cannot be read fails the caller (status 2), never an empty
# answer that an assertion of "none" would take for a pass.
rows() {
	local all
	all=$(catalog nodes) || return 2
	printf '%s\n' "$all" | awk -F'\t' -v OFS='\t' "{ id = \$1; type = \$2; state = \$3;
		parent = \$4; gallery = \$5; definition = \$6; mode = \$7; uid = \$8;
		gid = \$9; size = \$10; deleted_at = \$11; purge_at = \$12; name = \$13 }
		$1 { print ${2:-\$0} }"
}
# One object per file row and no other (the store's layout: XX/ID with XX
# the id mod 256 in hex); says what differs.
store_matches_catalog() {
	local want have
	want=$(rows 'type == "file"' id | while read -r id; do
		printf '%02x/%s\n' $((id & 255)) "$id"; done | sort)
	have=$(cd "$DATA/objects" && find . -path ./lost+found -prune -o -type f -print |
		sed 's#^\./##' | sort)
	if [ "$want" != "$have" ]; then
		echo "rows without object: $(comm -23 <(echo "$want") <(echo "$have") | head)"
		echo "objects without row: $(comm -13 <(echo "$want") <(echo "$have") | head)"
		return 1
	fi
}

# set_schema_version N: mark $DATA's catalog, unmounted, as one of schema N
# (as a newer or older galleryfs would have left it).
set_schema_version() {
	if on_postgresql; then pg_set_schema_version "$1"
	else sqlite3 "$DATA/catalog.db" "PRAGMA user_version=$1"; fi
}

# rewind_to_schema_3: make $DATA's catalog, unmounted, what the galleryfs
# before schema 4 left: on SQLite schema 4 adds nothing (its step moves the
# number); on PostgreSQL it is the tables of several daemons, which the
# first galleryfs there did not have (core/catalog_pg.c, SCHEMA_V4).
rewind_to_schema_3() {
	if on_postgresql; then
		PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 \
			-d "$(pg_conninfo)" -c "DROP TABLE holder" -c "DROP TABLE change" \
			-c "DROP TABLE daemon" -c "DROP FUNCTION gfs_node_logged() CASCADE" \
			-c "DROP FUNCTION gfs_node_notify() CASCADE" \
			-c "DELETE FROM meta WHERE key = 'change_trimmed'" >/dev/null || return 1
	fi
	set_schema_version 3
}

# A fingerprint of everything $DATA's catalog stores, unmounted, whatever
# its schema: the SQLite file's bytes, or the PostgreSQL database's dump
# (without the random key of its \restrict lines, new in every dump).
catalog_state() {
	if on_postgresql; then
		pg_dump -d "$(pg_conninfo)" | grep -Ev '^\\(un)?restrict ' | sha256sum | cut -d' ' -f1
	else sha256sum <"$DATA/catalog.db" | cut -d' ' -f1; fi
}

# The daemons registered on $DATA's PostgreSQL catalog (core/hosts.c), one
# line each: pid, host, mountpoint, tab-separated, oldest first.
registered() {
	psql -X -q -At -F $'\t' -d "$(pg_conninfo)" \
		-c "SELECT pid, host, mountpoint FROM daemon ORDER BY id"
}

# Bytes used by the object store.
store_bytes() { du -sb "$DATA/objects" | cut -f1; }
store_files() { find "$DATA/objects" -type f | wc -l; }
ino() { stat -c %i "$1"; }

# storm_galleries N: the galleries w1..wN, soft delete on, each with its
# definition d, where gfs-storm's workers 1..N work (t_crash, t_pgrestart).
storm_galleries() {
	local k
	for k in $(seq 1 "$1"); do
		mkdir "$MNT/w$k" && setfattr -n user.acg.softDelete -v true "$MNT/w$k" &&
			mkdir "$MNT/w$k/d" || return 1
	done
}
# storm_start LABEL SEED [MAX_OPS]: gfs-storm workers 1..$WORKERS on $MNT in
# the background, worker K seeded SEED+K and journaling to $T/journal.K,
# their output in $STORMLOG under "# LABEL worker K"; their pids in pids.
storm_start() {
	local k
	pids=()
	for k in $(seq 1 "$WORKERS"); do
		echo "# $1 worker $k" >>"$STORMLOG"
		"$GFS_TOOLS/gfs-storm" run "$MNT" "$k" "$T/journal.$k" $(($2 + k)) ${3:-} \
			>>"$STORMLOG" 2>&1 &
		pids+=($!)
	done
}

finish() {
	[ -n "$GFS_PID" ] && umount_fs "the daemon exits with status 0 at the end"
	_umount_others
	_finished=1
	if [ -z "$_plan" ]; then
		_tap fail "the file states its plan" "no plan N before finish"
	elif [ "$_n" -ne "$_plan" ]; then
		_tap fail "the file ran its plan" "planned $_plan tests, ran $_n"
	fi
	echo "1..$_n"
	if [ -n "${GFS_KEEP:-}" ]; then echo "# kept $T"; else pg_drop_databases; rm -rf "$T"; fi
	[ "$_failed" -eq 0 ]
}

# A file that ends before finish (an exit, a helper that gave up) fails.
_stopped_early() {
	local st=$?
	[ -n "$_finished" ] && return
	cd /
	[ -n "$GFS_PID" ] && umount_fs "the daemon exits with status 0 at the early end"
	_umount_others
	_tap fail "the file reaches its end" "it stopped early with status $st after $_n tests"
	echo "1..$_n"
	pg_drop_databases
	rm -rf "$T"
	exit 1
}
trap _stopped_early EXIT
trap 'exit 1' INT TERM
