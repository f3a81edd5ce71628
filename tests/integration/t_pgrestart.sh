#!/usr/bin/env bash
# A PostgreSQL restart during a storm of operations (issue #15): requests
# that meet the outage fail with EIO at once (no other errno, no wait
# beyond a bound), the daemon reconnects by itself and serves again without
# a remount, every acknowledged operation is in the catalog (synchronous
# commit), and the log says once that the server went and once that it is
# back (core/catalog_pg.c, outage_seen and outage_over).
#
# Four gfs-storm workers (as in t_crash.sh: each alone in gallery wK, soft
# delete on, definition d) run while the server of the test's catalog is
# restarted twice: once with pg_ctl restart -m fast (down for a fraction of
# a second), once stopped for OUTAGE_S seconds (scripts/pg.sh restart DIR
# [SECONDS]). A worker stops at its first failed call and names its errno
# ("FINDING"); one still running after the outage is stopped with kill -9
# and the operation it left in doubt is settled by the next run from its
# journal. Then a last storm runs on the same mount without a failure, and
# `gfs-storm check` verifies every journal, on that mount and after a
# remount.
#
# The server restarted is that of GFS_PG_CONNINFO, a cluster of
# scripts/pg.sh (host=DIR): every database on it goes down, which is why
# scripts/test.sh runs the integration files one after another. On SQLite
# every test is skipped: there is no server.
# The storm runs in a mount namespace of its own, so that its mount is not
# in anyone else's /proc/mounts: desktop trash tools visit every mount's
# .Trash-UID (trash-cli's trash-empty and trash-rm, gio trash --empty), and
# one run as root elsewhere on the machine (t_trash.sh does) deletes root's
# soft-deleted items here for good, as an Empty Trash should: on
# PostgreSQL a run lost a dozen acknowledged soft deletes so, each row
# deleted by the daemon in a transaction no worker asked for. (Without
# unshare, or not as root, it runs as before.)
if [ -z "${GFS_ALONE:-}" ] && [ "$(id -u)" -eq 0 ] &&
	unshare -m --propagation private true 2>/dev/null; then
	GFS_ALONE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
STORM="$GFS_TOOLS/gfs-storm"
PG_SH="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg.sh"
WORKERS=4
OUTAGE_S=2
# A request that meets the outage must be answered within BOUND seconds of
# the server's return: a worker has failed or gone on by then.
BOUND=10
MIN_OPS=5
# the last storm's calls per worker, none of which may fail
LAST_OPS=150

names=("galleries w1..w$WORKERS with soft delete on and definition d, gallery p")
for round in 1 2; do
	names+=("round $round: the storm runs before the restart (at least $MIN_OPS acknowledged operations)"
		"round $round: the PostgreSQL server restarts during the storm"
		"round $round: every call that failed during the outage failed with EIO"
		"round $round: every worker failed or went on within ${BOUND}s of the server's return"
		"round $round: the daemon logs the outage in one line"
		"round $round: the daemon logs the reconnect in one line"
		"round $round: the daemon serves again without a remount (a new version and its file)")
done
names+=("the storm runs again on the same mount, $LAST_OPS calls per worker, none failing"
	"every acknowledged operation is there on the same mount (gfs-storm check)"
	"the daemon exits with status 0 at unmount after the outages"
	"every acknowledged operation is in the catalog after a remount (gfs-storm check)"
	"the daemon exits with status 0 at the last unmount"
	"the catalog passes its thorough check"
	"every file row has its object")
plan ${#names[@]}

cluster=$(printf '%s\n' "${GFS_PG_CONNINFO:-}" | sed -n 's/.*host=\([^ ]*\).*/\1/p')
if ! on_postgresql; then
	for n in "${names[@]}"; do skip "$n" "not on PostgreSQL"; done
	finish
	exit
fi
if [ -z "$cluster" ] || [ ! -e "$cluster/galleryfs-pg" ]; then
	for n in "${names[@]}"; do
		skip "$n" "GFS_PG_CONNINFO names no cluster of scripts/pg.sh (host=DIR): it cannot be restarted"
	done
	finish
	exit
fi
[ -x "$STORM" ] || { echo "Bail out! $STORM missing (build tests/tools)"; exit 1; }
SEED=${GFS_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "# pgrestart: cluster $cluster, GFS_CRASH_SEED=$SEED"
STORMLOG="$T/storm.log"
: >"$STORMLOG"

must_mount
setup() { storm_galleries $WORKERS && mkdir -p "$MNT/p/d"; }
check "${names[0]}" setup

journals=()
for k in $(seq 1 $WORKERS); do journals+=("$T/journal.$k"); : >"$T/journal.$k"; done
acked() { cat "$@" | grep -cvE '^(INTENT|SETTLED|UNDONE|#)'; }
log_lines() { wc -l <"$LOG"; }
since_log() { tail -n +$(($1 + 1)) "$LOG"; }

# serves N: a new version p/d/N.0.0 with a file, read back
serves() {
	mkdir "$MNT/p/d/$1.0.0" && echo "probe $1" >"$MNT/p/d/$1.0.0/f" &&
		[ "$(cat "$MNT/p/d/$1.0.0/f")" = "probe $1" ] && stat "$MNT/w1/d" >/dev/null
}

i=1
for round in 1 2; do
	before=$(acked "${journals[@]}")
	storm_start "round $round" $((SEED + round * 100))
	sleep 1
	ops=$(($(acked "${journals[@]}") - before))
	if [ "$ops" -ge $MIN_OPS ]; then _tap ok "${names[i]} ($ops)"
	else _tap fail "${names[i]}" "$ops acknowledged: $(grep -v '^#' "$STORMLOG" | tail -n 5)"; fi
	i=$((i + 1))

	mark=$(log_lines)
	storm_mark=$(wc -l <"$STORMLOG")
	if [ $round = 1 ]; then out=$("$PG_SH" restart "$cluster" 2>&1)
	else out=$("$PG_SH" restart "$cluster" $OUTAGE_S 2>&1); fi
	st=$?
	back=$SECONDS
	if [ $st -eq 0 ]; then _tap ok "${names[i]}"
	else _tap fail "${names[i]}" "pg.sh restart: status $st: $out"; fi
	i=$((i + 1))
	during=$(acked "${journals[@]}")

	# each worker has stopped, or acknowledged more since the restart,
	# within BOUND seconds of the server's return
	hung=
	for idx in "${!pids[@]}"; do
		p=${pids[$idx]} j=${journals[$idx]}
		n0=$(acked "$j")
		while kill -0 "$p" 2>/dev/null && [ "$(acked "$j")" -le "$n0" ] &&
			[ $((SECONDS - back)) -lt $BOUND ]; do
			sleep 0.1
		done
		if kill -0 "$p" 2>/dev/null && [ "$(acked "$j")" -le "$n0" ]; then
			hung+="worker $((idx + 1)) neither failed nor went on; "
		fi
	done
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	failures=$(tail -n +$((storm_mark + 1)) "$STORMLOG" | grep 'FINDING' || true)
	other=$(printf '%s\n' "$failures" | grep -v "failed: $(errno_text EIO), while the mount is alive" |
		grep . || true)
	nfail=$(printf '%s\n' "$failures" | grep -c . || true)
	if [ -z "$other" ]; then _tap ok "${names[i]} ($nfail failed)"
	else _tap fail "${names[i]}" "$other"; fi
	i=$((i + 1))
	if [ -z "$hung" ]; then _tap ok "${names[i]}"
	else _tap fail "${names[i]}" "$hung
daemon log: $(since_log "$mark" | tail -n 5)"; fi
	i=$((i + 1))

	# a request after the outage reconnects, if none of the storm did
	serve_out=$(serves $round 2>&1)
	serve_st=$?
	sleep 0.2
	n=$(since_log "$mark" | grep -Ec 'PostgreSQL catalog .* is unreachable \(.*\): requests fail with EIO until the server answers again; the daemon reconnects by itself')
	if [ "$n" -eq 1 ]; then _tap ok "${names[i]}"
	else _tap fail "${names[i]}" "$n outage lines; log since the restart: $(since_log "$mark" | tail -n 8)"; fi
	i=$((i + 1))
	n=$(since_log "$mark" | grep -Ec 'PostgreSQL catalog .* answers again: reconnected after [0-9.]+ s, requests are served again')
	if [ "$n" -eq 1 ]; then _tap ok "${names[i]}"
	else _tap fail "${names[i]}" "$n reconnect lines; log since the restart: $(since_log "$mark" | tail -n 8)"; fi
	i=$((i + 1))
	if [ $serve_st -eq 0 ]; then _tap ok "${names[i]}"
	else _tap fail "${names[i]}" "$serve_out; log: $(since_log "$mark" | tail -n 5)"; fi
	i=$((i + 1))
	echo "# round $round: $((during - before)) operations acknowledged before the server was back, $nfail failed"
done

# the last storm: every worker settles what it left in doubt, then makes
# LAST_OPS calls; none may fail
storm_start last $((SEED + 900)) $LAST_OPS
why=
for idx in "${!pids[@]}"; do
	st=0
	wait "${pids[$idx]}" || st=$?
	[ $st -eq 0 ] || why+="worker $((idx + 1)) exited with status $st; "
done
if [ -z "$why" ]; then _tap ok "${names[i]}"
else _tap fail "${names[i]}" "$why$(grep -A3 -E 'FINDING' "$STORMLOG" | tail -n 10)"; fi
i=$((i + 1))

storm_check() {
	local out st=0
	out=$("$STORM" check "$MNT" "${journals[@]}" 2>&1) || st=$?
	summary=$(printf '%s\n' "$out" | grep '^gfs-storm check:' | tail -n 1)
	if [ $st -eq 0 ] && [ -n "$summary" ]; then _tap ok "$1 ($summary)"
	else _tap fail "$1" "status $st: $(printf '%s\n' "$out" | tail -n 30)"; fi
}
storm_check "${names[i]}"
i=$((i + 1))
umount_fs "${names[i]}"
i=$((i + 1))
must_mount
storm_check "${names[i]}"
i=$((i + 1))
umount_fs "${names[i]}"
i=$((i + 1))
expect "${names[i]}" ok catalog check
i=$((i + 1))
rows 'type == "file"' id |
	while read -r id; do printf '%02x/%s\n' $((id & 255)) "$id"; done | sort >"$T/rows"
(cd "$DATA/objects" && find . -type f | sed 's|^\./||' | sort) >"$T/objects"
expect "${names[i]} ($(wc -l <"$T/rows") file rows)" "" comm -23 "$T/rows" "$T/objects"
finish
