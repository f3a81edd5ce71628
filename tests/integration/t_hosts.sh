#!/usr/bin/env bash
# Several hosts on one catalog (issue #15, design §7): daemons mounting the
# same PostgreSQL catalog and data directory on their own mountpoints. What
# one mount changes, every other shows at its next stat, lookup or listing
# (kernel invalidations pushed from the change log, core/hosts.c), though
# each had the old state cached first: every check reads it there before
# the change, then waits for the new one with a generous bound, never a
# fixed sleep and never a timing. A daemon killed with kill -9 disturbs no
# other and loses nothing it acknowledged; two hosts moving the same version
# at once, or creating the same name at once, leave every row in one tree;
# and the concurrency test's mix runs on two mounts at once.
# On SQLite (one daemon per data directory) every check is skipped.
. "$(dirname "$0")/lib.sh"

N=63
plan $N
if ! on_postgresql; then
	skip_n $N "several daemons on one catalog" "PostgreSQL only (SQLite serves one daemon)"
	finish
	exit
fi

A=$MNT
B=$T/b
C=$T/c
BOUND=10
must_mount
# (mount_other notes the daemon's pid: not in a subshell such as check's)
mounts() { # name dir: a test that mount_other dir works
	if mount_other "$2"; then _tap ok "$1"; else _tap fail "$1" "$(tail -n 5 "$2.log")"; fi
}
mounts "a second daemon mounts the same catalog and data directory" "$B"
n_registered() { registered | wc -l; }
expect "... both are registered in the catalog" 2 n_registered

# a gallery: B has the miss cached (a lookup that failed)
check_not "B: no gallery g yet" 1 test -e "$B/g"
check "A: mkdir g" mkdir "$A/g"
eventually "B: g shows at the next lookup" $BOUND test -d "$B/g"

# a definition and a version: B has the listing of g cached
expect "B: g is empty" "" ls "$B/g"
check "A: mkdir g/d/1.0.0" mkdir -p "$A/g/d/1.0.0"
eventually "B: g's listing shows d" $BOUND bash -c "[ \"\$(ls '$B/g')\" = d ]"
eventually "B: d's listing shows 1.0.0" $BOUND bash -c "[ \"\$(ls '$B/g/d')\" = 1.0.0 ]"

# a file written, then written again: B has its contents cached
V=g/d/1.0.0
check "A: a file written" bash -c "echo one >'$A/$V/f'"
eventually "B: the file shows with its contents" $BOUND bash -c "[ \"\$(cat '$B/$V/f')\" = one ]"
check "A: the file written again" bash -c "echo second >'$A/$V/f'"
eventually "B: the new contents and size" $BOUND bash -c "[ \"\$(cat '$B/$V/f')\" = second ] && [ \$(stat -c %s '$B/$V/f') = 7 ]"

# an attribute and a property
expect "B: the file's mode" 644 stat -c %a "$B/$V/f"
check "A: chmod 600" chmod 600 "$A/$V/f"
eventually "B: the new mode at the next stat" $BOUND bash -c "[ \$(stat -c %a '$B/$V/f') = 600 ]"
expect "B: soft delete is off" false getfattr --only-values -n user.acg.softDelete "$B/g"
check "A: setfattr user.acg.softDelete true" setfattr -n user.acg.softDelete -v true "$A/g"
eventually "B: soft delete is on" $BOUND bash -c "[ \"\$(getfattr --only-values -n user.acg.softDelete '$B/g')\" = true ]"

# soft delete: B lists the definition first
expect "B: d lists 1.0.0" 1.0.0 ls "$B/g/d"
check "A: rm -r the version (soft delete)" rm -r "$A/$V"
eventually "B: the version is gone from d" $BOUND bash -c "[ -z \"\$(ls '$B/g/d')\" ] && ! stat '$B/$V' 2>/dev/null"
eventually "B: it shows under .softdeleted" $BOUND bash -c "[ \"\$(ls '$B/g/.softdeleted/d')\" = 1.0.0 ]"

# restore: B has the miss cached
check_not "B: no live 1.0.0" 1 stat "$B/$V"
check "A: mv back (restore)" mv "$A/g/.softdeleted/d/1.0.0" "$A/g/d/"
eventually "B: the version is back, with its file" $BOUND bash -c "[ \"\$(cat '$B/$V/f')\" = second ]"

# a new version, then a hard delete of it
check "A: mkdir a new version 1.0.1" mkdir "$A/g/d/1.0.1"
eventually "B: d lists both versions" $BOUND bash -c "[ \"\$(ls '$B/g/d' | tr '\n' ' ')\" = '1.0.0 1.0.1 ' ]"
check "A: soft delete off, then rmdir 1.0.1 (hard delete)" bash -c "setfattr -n user.acg.softDelete -v false '$A/g' && rmdir '$A/g/d/1.0.1'"
eventually "B: 1.0.1 is gone" $BOUND bash -c "[ \"\$(ls '$B/g/d')\" = 1.0.0 ] && ! stat '$B/g/d/1.0.1' 2>/dev/null"
expect "... and no row of it is left" "" rows 'name == "1.0.1"'

# the listeners' connections cut by the server: each daemon reconnects by
# itself and catches up from the last change it applied
cut_listeners() {
	psql -X -q -At -d "$(pg_conninfo)" -c "SELECT count(pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE application_name = 'galleryfs listener'
		AND datname = current_database()"
}
expect "B: d lists 1.0.0 before the cut" 1.0.0 ls "$B/g/d"
expect "the server cuts both daemons' listening connections" 2 cut_listeners
check "A: mkdir 1.0.2 meanwhile" mkdir "$A/g/d/1.0.2"
eventually "B: shows 1.0.2 once it heard again and caught up" $BOUND bash -c "[ \"\$(ls '$B/g/d' | tr '\n' ' ')\" = '1.0.0 1.0.2 ' ]"
b_heard_again() { grep -q "hearing other daemons' changes again; catching up" "$B.log" || { tail -n 5 "$B.log"; return 1; }; }
eventually "... and says so in its log" $BOUND b_heard_again

# a daemon that was away longer than the change log keeps: B stopped, a
# change on A, the log trimmed past it (as its renewals do after two
# minutes); B, going on, finds the log short of what it applied last and
# invalidates everything its kernel holds: rows deleted meanwhile too,
# which the catalog no longer has (the node ids B's kernel was given)
trim_log() {
	psql -X -q -d "$(pg_conninfo)" -c "BEGIN" -c "UPDATE meta SET value =
		(SELECT coalesce(max(seq), 0) FROM change)::text WHERE key = 'change_trimmed'" \
		-c "DELETE FROM change" -c "COMMIT"
}
check "A: mkdir a gallery h" mkdir "$A/h"
eventually "B: h shows (B's kernel holds it, attributes and all)" $BOUND stat "$B/h"
expect "B: d lists 1.0.0 1.0.2 before B stops" "1.0.0 1.0.2" bash -c "ls '$B/g/d' | tr '\n' ' ' | sed 's/ \$//'"
kill -STOP "${OTHER_PID[$B]}"
check "A: mkdir 1.0.3 and rmdir h while B is stopped, and the log trimmed past both" bash -c "mkdir '$A/g/d/1.0.3' && rmdir '$A/h' && $(declare -f trim_log pg_conninfo pg_database); GFS_PG_CONNINFO='$GFS_PG_CONNINFO' DATA='$DATA' trim_log"
kill -CONT "${OTHER_PID[$B]}"
eventually "B: shows 1.0.3 once it went on" $BOUND bash -c "[ \"\$(ls '$B/g/d' | tr '\n' ' ')\" = '1.0.0 1.0.2 1.0.3 ' ]"
check "... having said that it invalidated everything" grep -q "change log no longer holds every change" "$B.log"
# h is in no row any more, and the root keeps its node id: only the node
# ids B's kernel holds say that h must go
check_not "B: stat of h, removed in the gap, fails" ENOENT stat "$B/h"

# a third daemon, killed with kill -9 after its work was acknowledged
mounts "a third daemon mounts" "$C"
check "C: mkdir a version and write a file (acknowledged)" bash -c "mkdir '$C/g/d/2.0.0' && echo c >'$C/g/d/2.0.0/f'"
crash_other "$C"
check "A: after C's kill -9, A still serves, with C's work" bash -c "[ \"\$(cat '$A/g/d/2.0.0/f')\" = c ] && mkdir '$A/g/d/2.0.1'"
eventually "B: still serves, and shows A's new version" $BOUND test -d "$B/g/d/2.0.1"
c_gone() { # A and B registered, C no more
	local r
	r=$(registered) || return 1
	[ "$(printf '%s\n' "$r" | wc -l)" -eq 2 ] && ! printf '%s\n' "$r" | grep -q "	$C\$"
}
eventually "C's registration goes once its lease runs out" 40 c_gone

# two hosts removing and restoring the same version at once: each move
# happens whole or fails with an errno documented for it, as in one daemon
# (tests/tools/gfs-mix.c): a soft delete ENOENT (the other moved it first);
# a restore ENOENT, EEXIST (live again already), and EPERM, EINVAL or
# ENOTEMPTY when what it found was the live version's shadow; and across
# hosts either may meet ESTALE (a node id the other's move retired, design
# §7)
check "A: soft delete on for the race" setfattr -n user.acg.softDelete -v true "$A/g"
race() { # host dir, rounds: soft delete and restore 2.0.0, each errno noted
	local m=$1 i
	for i in $(seq 1 40); do
		echo "delete $("$GFS_TRY" rename "$m/g/d/2.0.0" "$m/g/.softdeleted/d/2.0.0")"
		echo "restore $("$GFS_TRY" rename "$m/g/.softdeleted/d/2.0.0" "$m/g/d/2.0.0")"
	done
}
race "$A" >"$T/race.a" 2>&1 &
ra=$!
race "$B" >"$T/race.b" 2>&1 &
rb=$!
wait $ra $rb
expect "every move of the race happened or failed with a documented errno" "" \
	bash -c "cat '$T/race.a' '$T/race.b' | grep -Evx '(delete|restore) ESTALE|delete (OK|ENOENT)|restore (OK|ENOENT|EEXIST|EPERM|EINVAL|ENOTEMPTY)' | sort | uniq -c"
one_tree() { # the version 2.0.0: one row, its file in the same state
	local v f
	v=$(rows 'name == "2.0.0"' 'id " " state') || return 2
	set -- $v
	[ $# -eq 2 ] || { echo "rows: $v"; return 1; }
	f=$(rows "parent == $1 && name == \"f\"" state) || return 2
	if [ "$f" = "$2" ]; then echo 1; else echo "version $2, file $f"; fi
}
expect "... the version is one row, in one tree, its file with it" 1 one_tree

# creating the same name at once: one wins, the other gets EEXIST
"$GFS_TRY" mkdir "$A/g/d/3.0.0" >"$T/mk.a" 2>&1 &
ma=$!
"$GFS_TRY" mkdir "$B/g/d/3.0.0" >"$T/mk.b" 2>&1 &
mb=$!
wait $ma $mb
expect "two hosts creating 3.0.0 at once: one OK, one EEXIST" "EEXIST OK" \
	bash -c "cat '$T/mk.a' '$T/mk.b' | sort | tr '\n' ' ' | sed 's/ \$//'"
n_rows() { rows "$1" | wc -l; }
expect "... one row of that name" 1 n_rows 'name == "3.0.0"'
eventually "... which both mounts show" $BOUND bash -c "[ -d '$A/g/d/3.0.0' ] && [ -d '$B/g/d/3.0.0' ]"

# the concurrency test's mix (t_concurrency, tests/tools/gfs-mix) across
# two mounts at once: two processes on A, two on B, on one tree. Across
# hosts a call may also meet ESTALE (gfs-mix -s): a node id B's kernel
# held that a change on A retired before B heard of it; and ENOENT through
# an open descriptor of a file the other host deleted for good (deferred
# removal across hosts is still to come)
GFS_MIX=${GFS_MIX:-$GFS_TOOLS/gfs-mix}
MIXOPS=${GFS_MIX_OPS:-$([ "${GFS_SANITIZED:-0}" = 1 ] && echo 500 || echo 1500)}
check "a tree for the mix: soft delete on, 2 definitions of 10 versions of 4 files" bash -c "
	cd '$A' && mkdir m && setfattr -n user.acg.softDelete -v true m &&
	for d in d0 d1; do
		mkdir m/\$d
		for v in 0 1 2 3 4 5 6 7 8 9; do
			mkdir m/\$d/1.0.\$v
			for f in 0 1 2 3; do echo \"\$d \$v \$f\" >m/\$d/1.0.\$v/f\$f; done
		done
	done"
eventually "... which B shows whole" $BOUND bash -c "[ \$(find '$B/m' -name 'f*' | wc -l) -eq 80 ]"
mixpids=()
for i in 1 2 3 4; do
	m=$A; [ $i -gt 2 ] && m=$B
	"$GFS_MIX" -v -s "$m/m" "$((i * 7919))" "$MIXOPS" >"$T/mix.$i.out" 2>"$T/mix.$i.err" &
	mixpids+=($!)
done
bad=
for i in 1 2 3 4; do
	st=0; wait "${mixpids[$((i - 1))]}" || st=$?
	[ $st = 0 ] || bad="$bad process $i: status $st;"
done
unexp=$(cat "$T"/mix.*.err | grep -v '^# ' | head -n 10)
check "the mix on two mounts: every call succeeded or failed with a documented errno" \
	test -z "$bad$unexp"
[ -n "$bad$unexp" ] && printf '%s\n%s\n' "$bad" "$unexp" | sed 's/^/#   /'
duplicate_versions() {
	local v
	v=$(rows 'type == "version" && state != "orphan"' 'parent, name') || return 2
	printf '%s\n' "$v" | sort | uniq -d
}
expect "... no version name twice, live and soft-deleted (R16)" "" duplicate_versions
expect "... every soft-deleted file of a soft-deleted version shares its purgeAt" "" \
	rows 'type == "version" && state == "softdeleted" { v[id] = purge_at }
		type == "file" && (parent in v) && (state != "softdeleted" || purge_at != v[parent])' id
# both mounts end up showing the catalog's tree: the same walk
walk() { (cd "$1/m" && find . -path ./.softdeleted -prune -o -printf '%p %s\n' | sort); }
eventually "... A and B show the same live tree" $BOUND bash -c "$(declare -f walk); [ \"\$(walk '$A')\" = \"\$(walk '$B')\" ]"

umount_other "$B"
check "with every other daemon gone, the store matches the catalog" store_matches_catalog
finish
