#!/usr/bin/env bash
# Crash consistency under load (design §3, §7): an operation that returned
# survives the daemon being killed with SIGKILL at any moment.
#
# Four gfs-storm workers (each alone in gallery wK, soft delete on, with
# definition d) create versions and files, write, append, truncate, rename
# files within their version (also over one another), chmod, chown, set
# explicit times, soft-delete, restore, delete for good and set attributes,
# journaling every acknowledged effect. In each of GFS_CRASH_ROUNDS rounds
# the daemon is killed with kill -9 after a random 0.2..1.5 s (later if the
# workers have not yet acknowledged MIN_OPS operations by then: on a loaded
# machine settling the last round's doubts can take that long) and mounted
# again; the remount must run the daemon's start-up check, and `gfs-storm
# check` verifies every journal against the mount: each acknowledged effect
# there, whole (bytes, sizes, inode numbers, modes, owners, explicit mtimes,
# deletedAt/purgeAt, attributes), in exactly one tree. At the end: PRAGMA
# integrity_check, and the object store against the catalog's file rows (no
# missing object, no orphan) once the start-up check has run.
#   GFS_CRASH_ROUNDS  rounds (kills), default 20 (8 under a sanitizer)
#   GFS_CRASH_SEED    base seed of the workers, default random (printed)
. "$(dirname "$0")/lib.sh"
STORM="$GFS_TOOLS/gfs-storm"
# fewer rounds when a sanitizer slows the daemon several times over
ROUNDS=${GFS_CRASH_ROUNDS:-$([ "${GFS_SANITIZED:-0}" = 1 ] && echo 8 || echo 20)}
WORKERS=4
# A round counts only when the workers acknowledged at least MIN_OPS
# operations in it: a storm that does nothing must fail. The kill waits
# for them (MIN_OPS_WAIT seconds at most, polling the journals) rather
# than trusting a window to be long enough: before its first operation a
# worker replays its journal and settles what the last kill left in doubt,
# reading those versions whole, which on a shared, loaded machine took
# longer than the shortest window (rounds with 1-4 operations).
MIN_OPS=5
MIN_OPS_WAIT=60
PER_ROUND=5
plan $((1 + ROUNDS * PER_ROUND + 10))
SEED=${GFS_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
STORMLOG="$T/storm.log"
: >"$STORMLOG"
echo "# crash: $ROUNDS rounds, $WORKERS workers, GFS_CRASH_SEED=$SEED"
[ -x "$STORM" ] || { echo "Bail out! $STORM missing (build tests/tools)"; exit 1; }

must_mount
check "galleries w1..w$WORKERS with soft delete on and definition d" \
	storm_galleries $WORKERS

journals=()
for k in $(seq 1 $WORKERS); do journals+=("$T/journal.$k"); : >"$T/journal.$k"; done
# acknowledged operations in the journals: lines that are no INTENT,
# SETTLED, UNDONE or comment
acked_lines() { cat "${journals[@]}" | grep -cvE '^(INTENT|SETTLED|UNDONE|#)'; }
# whether a worker of this round still runs
workers_alive() {
	local p
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
# After a failed check: for each version a MISMATCH line names (at most
# four), its catalog rows and those of its files (read directly, not
# through the mount) and its last journal lines. Whether the catalog holds
# the acknowledged state says which it was: an effect the catalog lost, or
# one the mount did not show.
evidence() {
	local v g ver gid did vid
	for v in $(printf '%s\n' "$1" | grep '^MISMATCH' |
		grep -oE 'w[0-9]+/d/1\.0\.[0-9]+' | sort -u | head -n 4); do
		g=${v%%/*} ver=${v##*/}
		gid=$(rows "type == \"gallery\" && name == \"$g\"" id)
		did=$(rows "type == \"definition\" && gallery == \"$gid\"" id)
		vid=$(rows "type == \"version\" && parent == \"$did\" && name == \"$ver\"" id)
		echo "catalog rows of $v and its files (id type state parent gallery" \
			"definition mode uid gid size deleted_at purge_at name):"
		for i in $vid; do rows "id == \"$i\" || parent == \"$i\""; done
		[ -n "$vid" ] || echo "(no row)"
		echo "its last journal lines:"
		grep -hE " $v(/| |\$)" "${journals[@]}" | tail -n 12
	done
}
field() { printf '%s\n' "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }
kills=0 survived=0 hung=0 findings=0 unchecked=0 maxbad=0
: >"$T/mismatches"
RANDOM=$((SEED % 32768))

for round in $(seq 1 "$ROUNDS"); do
	# a round starts on a live mount; after a failed remount, a fresh attempt
	# (crash_fs reaps a daemon that failed to mount: GFS_PID is then empty)
	if [ -z "$GFS_PID" ] && ! mount_fs; then
		crash_fs
		echo "# round $round: the mount failed again"
	fi
	before=$(acked_lines)
	pids=()
	[ -n "$GFS_PID" ] && storm_start "round $round" $((SEED + round * 100))
	ms=$((200 + RANDOM % 1301))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	waited=$((SECONDS + MIN_OPS_WAIT))
	while [ $(($(acked_lines) - before)) -lt $MIN_OPS ] && [ $SECONDS -lt $waited ] &&
		workers_alive; do
		sleep 0.1
	done
	crash_fs
	kills=$((kills + 1))

	# the workers stop when they see the mount die; kill those that hang
	deadline=$((SECONDS + 5))
	for p in "${pids[@]}"; do
		while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	done
	why=
	for i in "${!pids[@]}"; do
		p=${pids[$i]}
		if kill -0 "$p" 2>/dev/null; then
			kill -9 "$p" 2>/dev/null
			hung=$((hung + 1))
			why+="worker $((i + 1)) hung on the dead mount and was killed; "
		fi
		st=0
		wait "$p" 2>/dev/null || st=$?
		case $st in
		0 | 137) ;;
		3) findings=$((findings + 1)) ;;  # reported by the test after the rounds
		*) why+="worker $((i + 1)) exited with status $st; " ;;
		esac
	done
	ops=$(($(acked_lines) - before))

	# the remount, and the daemon's own start-up check (which runs SQLite's
	# PRAGMA integrity_check and refuses a damaged catalog)
	if mount_fs; then
		_tap ok "round $round: the daemon mounts again after kill -9"
		logged "round $round: the remount noticed the unclean end" \
			'the last run did not end cleanly; checking catalog and object store'
		logged "round $round: the remount ran the start-up check" \
			'check: [0-9]+ orphan rows removed, [0-9]+ stray objects removed, [0-9]+ missing objects, [0-9]+ sizes reconciled'
		out=$("$STORM" check "$MNT" "${journals[@]}" 2>&1)
		st=$?
	else
		crash_fs
		_tap fail "round $round: the daemon mounts again after kill -9" \
			"$(tail -n 20 "$LOG")"
		_tap fail "round $round: the remount noticed the unclean end" "no mount"
		_tap fail "round $round: the remount ran the start-up check" "no mount"
		out="(not checked: no mount)"
		st=2
	fi
	summary=$(printf '%s\n' "$out" | grep '^gfs-storm check:' | tail -n 1)
	bad=$(field "$summary" mismatches)
	inodes=$(field "$summary" inodes)
	printf '%s\n' "$out" | grep '^MISMATCH' >>"$T/mismatches"
	# a round is checked when the checker printed its summary and compared
	if [ -z "$bad" ] || [ "${inodes:-0}" -eq 0 ]; then
		unchecked=$((unchecked + 1))
	elif [ "$bad" -gt "$maxbad" ]; then
		maxbad=$bad
	fi

	if [ "$ops" -ge $MIN_OPS ]; then
		_tap ok "round $round: the workers acknowledged at least $MIN_OPS operations ($ops)"
	else
		_tap fail "round $round: the workers acknowledged at least $MIN_OPS operations ($ops)" \
			"workers:
$(grep -v '^#' "$STORMLOG" | tail -n 10)"
	fi
	# survived: the checker ran, compared (every journal with an
	# acknowledged version has a known inode number), found nothing amiss,
	# and the workers ended as they should
	if [ -n "$bad" ] && [ "$bad" = 0 ] && [ $st -eq 0 ] && [ "${inodes:-0}" -gt 0 ] &&
		[ -z "$why" ] && [ "$ops" -ge $MIN_OPS ] && [ -n "$GFS_PID" ]; then
		survived=$((survived + 1))
		_tap ok "round $round: every acknowledged operation survived kill -9 ($summary)"
	else
		_tap fail "round $round: every acknowledged operation survived kill -9" \
			"${why:+$why
}check (status $st${summary:+, compared inodes=${inodes:-?}}):
$(printf '%s\n' "$out" | tail -n 40)
$([ "${bad:-0}" -gt 0 ] && evidence "$out")
workers:
$(grep -v '^#' "$STORMLOG" | grep -v -e 'the mount is gone' -e 'FINDING' | tail -n 10)
daemon log tail:
$(tail -n 15 "$LOG")"
	fi
done

# Operations that failed while the mount was alive are no durability
# question, but each is a finding: every call of the storm is valid.
check_not "no operation of the storm failed while the mount was alive" 1 \
	grep -h 'FINDING' "$STORMLOG"

# After the last kill the remount above ran the start-up check (unclean
# end); unmount cleanly, then look at the catalog and the store directly.
if [ -n "$GFS_PID" ]; then
	umount_fs "the daemon exits with status 0 at unmount after the storm"
else
	_tap fail "the daemon exits with status 0 at unmount after the storm" "not mounted"
fi
expect "the catalog passes its thorough check" ok catalog check
rows 'type == "file"' id |
	while read -r id; do printf '%02x/%s\n' $((id & 255)) "$id"; done | sort >"$T/rows"
(cd "$DATA/objects" && find . -type f | sed 's|^\./||' | sort) >"$T/objects"
nrows=$(wc -l <"$T/rows") nobj=$(wc -l <"$T/objects")
expect "every file row has its object ($nrows file rows)" "" comm -23 "$T/rows" "$T/objects"
expect "no orphan object in the store ($nobj objects)" "" comm -13 "$T/rows" "$T/objects"
# op.c: objects of rows deleted for good go after the commit, new ones are
# made before it, so a crash leaves orphan objects, never missing ones
check_not "no start-up check after kill -9 found a missing object" 1 \
	grep -E 'check: .* [1-9][0-9]* missing objects' "$LOG"

# A last mount with a full check after the clean end: nothing to repair,
# and everything still there.
repairs=$(grep -c 'did not end cleanly' "$LOG")
checks=$(grep -o 'check: .*' "$LOG" | awk '{o+=$2; s+=$6; m+=$10; r+=$13}
	END {printf "%d orphan rows, %d stray objects, %d missing objects, %d sizes reconciled", o, s, m, r}')
must_mount -o fsck
logged "a full check after the clean unmount repairs nothing" \
	'check: 0 orphan rows removed, 0 stray objects removed, 0 missing objects, 0 sizes reconciled$'
final=$("$STORM" check "$MNT" "${journals[@]}" 2>&1)
fst=$?
fsum=$(printf '%s\n' "$final" | grep '^gfs-storm check:' | tail -n 1)
if [ $fst -eq 0 ] && [ -n "$fsum" ]; then
	_tap ok "the journals still hold after a clean remount"
else
	_tap fail "the journals still hold after a clean remount" \
		"check status $fst: $(printf '%s\n' "$final" | tail -n 30)"
fi
compared=yes
for f in versions files inodes modes owners mtimes deleted_at bytes attributes; do
	[ "$(field "$fsum" $f)" -gt 0 ] 2>/dev/null || compared="no $f"
done
if [ "$compared" = yes ]; then
	_tap ok "the last check compared inode numbers, modes, owners, mtimes, deletedAt, bytes and attributes"
else
	_tap fail "the last check compared inode numbers, modes, owners, mtimes, deletedAt, bytes and attributes" \
		"$compared: $fsum"
fi
umount_fs "the daemon exits with status 0 at the last unmount"

echo "# crash: start-up checks after kill -9: $repairs; their repairs: $checks"
[ $hung -gt 0 ] && echo "# crash: $hung workers hung on a dead mount and were killed"
[ $kills -ne $survived ] && echo "# crash: $kills kills, $((kills - survived)) of them not survived whole"
[ $findings -gt 0 ] && echo "# crash: $findings operations failed on a live mount"
# LOST, from the checker's own output: distinct differences any check
# reported (one that persists over several rounds counts once), at least
# the largest count a check gave; unknown when a round went unchecked
distinct=$(sort -u "$T/mismatches" | grep -c .)
lost=$((distinct > maxbad ? distinct : maxbad))
[ $unchecked -gt 0 ] && lost="unknown ($unchecked of $kills rounds not checked)"
echo "# crash: $(field "$fsum" acked) operations acknowledged, $survived kills survived, lost: $lost"
[ -n "$fsum" ] && echo "# crash: the last check compared ${fsum#gfs-storm check: }"
finish
