#!/usr/bin/env bash
# Crash consistency under load (SPEC §3, §7): an operation that returned
# survives the daemon being killed with SIGKILL at any moment.
#
# Four gfs-storm workers (each alone in gallery wK, soft delete on, with
# definition d) create versions and files, soft-delete, restore, delete for
# good and set attributes, journaling every acknowledged effect. In each of
# GFS_CRASH_ROUNDS rounds (default 20) the daemon is killed with kill -9
# after a random 0.2..1.5 s, mounted again, and `gfs-storm check` verifies
# every journal against the mount: each acknowledged effect there, whole
# (bytes included), in exactly one tree. At the end: PRAGMA integrity_check,
# and the object store against the catalog's file rows (no missing object,
# no orphan) once the start-up check has run.
#   GFS_CRASH_ROUNDS  rounds (kills), default 20 (8 under a sanitizer)
#   GFS_CRASH_SEED    base seed of the workers, default random (printed)
. "$(dirname "$0")/lib.sh"
STORM="$(dirname "$GFS_TRY")/gfs-storm"
# fewer rounds when a sanitizer slows the daemon several times over
ROUNDS=${GFS_CRASH_ROUNDS:-$([ "${GFS_SANITIZED:-0}" = 1 ] && echo 8 || echo 20)}
WORKERS=4
SEED=${GFS_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
STORMLOG="$T/storm.log"
echo "# crash: $ROUNDS rounds, $WORKERS workers, GFS_CRASH_SEED=$SEED"
[ -x "$STORM" ] || { echo "Bail out! $STORM missing (build tests/tools)"; exit 1; }

mount_fs || exit 1
setup() {
	local k
	for k in $(seq 1 $WORKERS); do
		mkdir "$MNT/w$k" && setfattr -n user.acg.softDelete -v true "$MNT/w$k" &&
			mkdir "$MNT/w$k/d" || return 1
	done
}
check "galleries w1..w$WORKERS with soft delete on and definition d" setup

journals=()
for k in $(seq 1 $WORKERS); do journals+=("$T/journal.$k"); done
acked_total=0 kills=0 survived=0 hung=0 findings=0
: >"$T/mismatches"
RANDOM=$((SEED % 32768))

for round in $(seq 1 "$ROUNDS"); do
	pids=()
	for k in $(seq 1 $WORKERS); do
		echo "# round $round worker $k" >>"$STORMLOG"
		"$STORM" run "$MNT" "$k" "$T/journal.$k" $((SEED + round * 100 + k)) \
			>>"$STORMLOG" 2>&1 &
		pids+=($!)
	done
	ms=$((200 + RANDOM % 1301))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
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
		3) findings=$((findings + 1)) ;;  # reported by the check after the rounds
		*) why+="worker $((i + 1)) exited with status $st; " ;;
		esac
	done

	if ! mount_fs; then
		_tap fail "round $round: remount after kill -9" "$(tail -n 20 "$LOG")"
		break
	fi
	out=$("$STORM" check "$MNT" "${journals[@]}" 2>&1)
	st=$?
	summary=$(printf '%s\n' "$out" | grep '^gfs-storm check:' | tail -n 1)
	acked=$(printf '%s\n' "$summary" | sed -n 's/.* acked=\([0-9]*\).*/\1/p')
	bad=$(printf '%s\n' "$summary" | sed -n 's/.* mismatches=\([0-9]*\).*/\1/p')
	ops=$((${acked:-0} - acked_total))
	acked_total=${acked:-$acked_total}
	printf '%s\n' "$out" | grep '^MISMATCH' >>"$T/mismatches"
	[ $st -ne 0 ] && [ -z "$bad" ] && echo "MISMATCH round $round: check failed (status $st)" >>"$T/mismatches"
	if [ $st -eq 0 ] && [ -z "$why" ]; then
		survived=$((survived + 1))
		_tap ok "round $round: every acknowledged operation survived kill -9 ($ops ops)"
	else
		_tap fail "round $round: every acknowledged operation survived kill -9 ($ops ops)" \
			"${why:+$why
}check (status $st):
$(printf '%s\n' "$out" | tail -n 40)
workers:
$(grep -v '^#' "$STORMLOG" | grep -v -e 'the mount is gone' -e 'FINDING' | tail -n 10)
daemon log tail:
$(tail -n 15 "$LOG")"
	fi
done

# Operations that failed while the mount was alive are no durability
# question, but each is a finding: every call of the storm is valid.
expect "no operation of the storm failed while the mount was alive" "" \
	grep -h 'FINDING' "$STORMLOG"

# After the last kill the remount above ran the start-up check (unclean
# end); unmount cleanly, then look at the catalog and the store directly.
check_umount "the daemon exits cleanly at unmount after the storm"
check "the catalog passes PRAGMA integrity_check" \
	bash -c "[ \"\$(sqlite3 '$DATA/catalog.db' 'PRAGMA integrity_check')\" = ok ]"
sqlite3 "$DATA/catalog.db" 'select id from node where type=4' |
	while read -r id; do printf '%02x/%s\n' $((id & 255)) "$id"; done | sort >"$T/rows"
(cd "$DATA/objects" && find . -type f | sed 's|^\./||' | sort) >"$T/objects"
nrows=$(wc -l <"$T/rows") nobj=$(wc -l <"$T/objects")
expect "every file row has its object ($nrows file rows)" "" comm -23 "$T/rows" "$T/objects"
expect "no orphan object in the store ($nobj objects)" "" comm -13 "$T/rows" "$T/objects"
# op.c: objects of rows deleted for good go after the commit, new ones are
# made before it, so a crash leaves orphan objects, never missing ones
expect "no start-up check after kill -9 found a missing object" "" \
	grep -E 'check: .* [1-9][0-9]* missing objects' "$LOG"

# A last mount with a full check after the clean end: nothing to repair,
# and everything still there.
mount_fs -o fsck || exit 1
expect "a full check after the clean unmount repairs nothing" \
	"check: 0 orphan rows removed, 0 stray objects removed, 0 missing objects, 0 sizes reconciled" \
	bash -c "sleep 0.1; grep -o 'check: .*' '$LOG' | tail -n 1"
check "the journals still hold after a clean remount" "$STORM" check "$MNT" "${journals[@]}"
check_umount "the daemon exits cleanly at the last unmount"

repairs=$(grep -c 'did not end cleanly' "$LOG")
echo "# crash: start-up checks after kill -9: $repairs; their repairs:" \
	"$(grep -o 'check: .*' "$LOG" | awk '{o+=$2; s+=$6; m+=$10; r+=$13}
		END {printf "%d orphan rows, %d stray objects, %d missing objects, %d sizes reconciled", o, s, m, r}')"
[ $hung -gt 0 ] && echo "# crash: $hung workers hung on a dead mount and were killed"
[ $kills -ne $survived ] && echo "# crash: $kills kills, $((kills - survived)) of them not survived whole"
[ $findings -gt 0 ] && echo "# crash: $findings operations failed on a live mount"
# LOST: distinct differences any check found (one that persists over
# several rounds counts once)
lost=$(sort -u "$T/mismatches" | grep -c .)
echo "# crash: $acked_total operations acknowledged, $survived kills survived, $lost lost"
finish
