#!/usr/bin/env bash
# Concurrency (design §7): 8 processes run thousands of mixed operations on
# overlapping paths of one small tree — two processes removing and
# restoring the same version, listings while the daemon purges — and every
# call either succeeds or fails with an errno the design documents
# for it (gfs-mix checks each one). The daemon's clock is moved 8 and then
# 16 days forward in the middle of the run (libfaketime, a 1 s
# purge_interval), so purges happen while the others list and remove.
# Under ThreadSanitizer the daemon cannot run with libfaketime (see below),
# so the plain build (GFS_PLAIN_BIN) makes the tree with its clock set back
# 7 days less a few seconds: what it soft-deletes then expires a few
# seconds into the run of the ThreadSanitizer daemon, on the real clock,
# and its purges race the processes all the same.
# Afterwards the tree must be consistent: a clean unmount and remount, a
# full walk without errors, every version either live or soft-deleted,
# SQLite's integrity check, and an object store that matches the catalog.
. "$(dirname "$0")/lib.sh"
GFS_MIX=${GFS_MIX:-$GFS_TOOLS/gfs-mix}
NPROC=8
# fewer under the sanitizers, which slow the daemon several times over
OPS=${GFS_MIX_OPS:-$([ "${GFS_SANITIZED:-0}" = 1 ] && echo 1500 || echo 3000)}
FT="$T/faketime"
echo "+0d" >"$FT"
GFS_PURGE_INTERVAL=1
GFS_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
# Under ThreadSanitizer the clock stays put: libfaketime's own
# pthread_cond_timedwait calls glibc's directly, past TSan's interceptor,
# and TSan then reports the purger's mutex as locked twice at unmount.
TSAN=no
if ldd "$GFS_BIN" 2>/dev/null | grep -q libtsan; then
	TSAN=yes
	TSAN_BIN=$GFS_BIN
	GFS_BIN=${GFS_PLAIN_BIN:?under ThreadSanitizer GFS_PLAIN_BIN must name the plain build}
	# the plain daemon's clock: 7 days less 12 s behind, so that what it
	# soft-deletes expires 12 s after it, during the run
	GFS_ENV="LD_PRELOAD=$FAKETIME_LIB FAKETIME_DONT_FAKE_MONOTONIC=1"
	GFS_FAKETIME="-604788"
fi
# the plain daemon that makes the tree under ThreadSanitizer is one more
plan $([ $TSAN = yes ] && echo 30 || echo 29)
check "gfs-mix is built" test -x "$GFS_MIX"
must_mount

# the shared tree: one gallery with soft delete on, 2 definitions,
# versions 1.0.0..1.0.9, files f0..f3
(
	cd "$MNT" && mkdir g && setfattr -n user.acg.softDelete -v true g &&
	for d in d0 d1; do
		mkdir g/$d
		for v in 0 1 2 3 4 5 6 7 8 9; do
			mkdir g/$d/1.0.$v
			for f in 0 1 2 3; do echo "$d $v $f" >g/$d/1.0.$v/f$f; done
		done
	done
) || { echo "# cannot build the tree"; exit 1; }
# something soft-deleted before the clock moves, for the first purge
for v in 0 1 2 3; do rm -r "$MNT"/g/d0/1.0.$v; done
rm "$MNT"/g/d1/1.0.5/f0 "$MNT"/g/d1/1.0.6/f1
# and in d2, which gfs-mix leaves alone, 16 versions that nothing restores:
# under ThreadSanitizer soft-deleted half a second apart, so that they
# expire one after the other while the processes run
mkdir "$MNT"/g/d2
for v in $(seq 0 15); do mkdir "$MNT"/g/d2/1.0.$v && echo "$v" >"$MNT"/g/d2/1.0.$v/f; done
for v in $(seq 0 15); do
	rm -r "$MNT"/g/d2/1.0.$v
	[ $TSAN = yes ] && sleep 0.5
done
if [ $TSAN = yes ]; then
	umount_fs "the plain daemon that made the tree exits with status 0"
	GFS_BIN=$TSAN_BIN GFS_ENV= GFS_FAKETIME=
	must_mount
fi

# --- the run ---------------------------------------------------------------
start=$SECONDS
pids=()
for i in $(seq 1 $NPROC); do
	"$GFS_MIX" -v "$MNT/g" "$((i * 7919))" "$OPS" >"$T/mix.$i.out" 2>"$T/mix.$i.err" &
	pids+=($!)
done
running() { local p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
purges_seen() { grep -c 'purge: [0-9]* soft-deleted' "$LOG"; }
# move the clock while the processes run, and see a purge happen meanwhile
# (under ThreadSanitizer the items expire by themselves)
sleep 0.5
p0=$(purges_seen)
[ $TSAN = yes ] && p0=0
echo "+8d" >"$FT"
purged_during=no
for _ in $(seq 1 100); do
	if [ "$(purges_seen)" -gt "$p0" ]; then
		running && purged_during=yes
		break
	fi
	running || break
	sleep 0.1
done
p1=$(purges_seen)
running && echo "+16d" >"$FT"
for _ in $(seq 1 100); do
	{ [ "$(purges_seen)" -gt "$p1" ] || ! running; } && break
	sleep 0.1
done
statuses=()
for p in "${pids[@]}"; do
	st=0; wait "$p" || st=$?
	statuses+=("$st")
done
elapsed=$((SECONDS - start))
echo "+16d" >"$FT"

calls=0 unexpected=0 bad_exit=
for i in $(seq 1 $NPROC); do
	line=$(grep '^calls ' "$T/mix.$i.out")
	set -- $line
	calls=$((calls + ${2:-0}))
	unexpected=$((unexpected + ${8:-0}))
	st=${statuses[$((i - 1))]}
	[ "$st" = 0 ] || bad_exit="$bad_exit process $i: status $st;"
done
# the errno histogram of the whole run, summed over the processes
summary=$(cat "$T"/mix.*.err | grep '^# ' | awk '{n[$2" "$3]+=$4} END {for (k in n) print k, n[k]}' | sort)
unexp_lines=$(cat "$T"/mix.*.err | grep -v '^# ' | head -n 20)
check "all $NPROC processes ran to the end (no crash, no unexpected errno)" \
	test -z "$bad_exit$unexp_lines"
[ -n "$bad_exit$unexp_lines" ] && printf '%s\n%s\n' "$bad_exit" "$unexp_lines" | sed 's/^/#   /'
check "every call returned success or a documented errno ($unexpected unexpected)" \
	test "$unexpected" -eq 0
check "no call met EIO, ENOMEM, EFAULT or ENOTCONN" \
	bash -c "! printf '%s\n' \"\$1\" | grep -Eq ' (EIO|ENOMEM|EFAULT|ENOTCONN|ECONNABORTED) '" _ "$summary"
check "the calls cover the mix (soft delete and restore of versions both succeeded)" \
	bash -c "printf '%s\n' \"\$1\" | grep -q '^softdelete-version OK' && printf '%s\n' \"\$1\" | grep -q '^restore-version OK' && printf '%s\n' \"\$1\" | grep -q '^hard-rmdir OK'" _ "$summary"
check "purges ran while the processes listed and removed" test "$purged_during" = yes
check "the daemon is still up after the run" bash -c "kill -0 $GFS_PID && mountpoint -q '$MNT'"
echo "# concurrency: $calls calls by $NPROC processes, $unexpected unexpected (${elapsed}s)"
# what the daemon said besides refusals, mounts and purges
grep -vE '^galleryfs: (R[0-9]+ |mounted |purge: )' "$LOG" | head -n 20 | sed 's/^/#   daemon: /'
printf '%s\n' "$summary" | sed 's/^/#   /' | head -n 80

# --- consistency -----------------------------------------------------------
cd /
umount_fs "unmount after the run"
expect "the catalog passes its thorough check (pages, indexes, references)" ok catalog check
# a version name is unique in its definition whatever its state
duplicate_versions() {
	local v
	v=$(rows 'type == "version" && state != "orphan"' 'parent, name') || return 2
	printf '%s\n' "$v" | sort | uniq -d
}
expect "no version name is both live and soft-deleted (R16)" "" duplicate_versions
expect "no orphan rows after a clean unmount" "" rows 'state == "orphan"' id
expect "every soft-deleted file of a soft-deleted version shares its purgeAt" "" \
	rows 'type == "version" && state == "softdeleted" { v[id] = purge_at }
		type == "file" && (parent in v) && (state != "softdeleted" || purge_at != v[parent])' id
check "the object store matches the catalog (one object per file row, no other)" store_matches_catalog
files=$(rows 'type == "file"' id | wc -l)
echo "# after the run: $files file rows, $(rows 'type == "version" && state == "live"' id | wc -l) live and $(rows 'type == "version" && state == "softdeleted"' id | wc -l) soft-deleted versions"

must_mount
logged_times "the remount finds a clean end" 0 'did not end cleanly'
check "find walks the whole tree without an error" bash -c "find '$MNT' -printf '%p %i %s\n' >'$T/walk' 2>'$T/walk.err' && [ ! -s '$T/walk.err' ]"
# every version is either live or soft-deleted, never both: a name under
# .softdeleted/DEF is either the shadow of a live version (no deletedAt)
# or a soft-deleted version (deletedAt), and every soft-deleted file of a
# soft-deleted version carries its purgeAt
versions_consistent() {
	local d v sd live bad=0
	for d in d0 d1; do
		for v in 0 1 2 3 4 5 6 7 8 9; do
			live=no sd=no
			[ -d "$MNT/g/$d/1.0.$v" ] && live=yes
			getfattr -n user.acg.deletedAt "$MNT/g/.softdeleted/$d/1.0.$v" >/dev/null 2>&1 && sd=yes
			if [ $live = yes ] && [ $sd = yes ]; then
				echo "$d/1.0.$v is live and soft-deleted"; bad=1
			fi
			if [ $sd = yes ]; then
				local pa f
				pa=$(getfattr --only-values -n user.acg.purgeAt "$MNT/g/.softdeleted/$d/1.0.$v")
				for f in "$MNT/g/.softdeleted/$d/1.0.$v"/*; do
					[ -e "$f" ] || continue
					[ "$(getfattr --only-values -n user.acg.purgeAt "$f")" = "$pa" ] ||
						{ echo "$f: purgeAt differs from its version's"; bad=1; }
				done
			fi
		done
		for v in $(ls "$MNT/g/.softdeleted/$d" 2>/dev/null); do
			if [ -d "$MNT/g/$d/$v" ]; then
				[ "$(stat -c %i "$MNT/g/$d/$v")" != "$(stat -c %i "$MNT/g/.softdeleted/$d/$v")" ] ||
					{ echo "$d/$v: shadow has the live version's inode"; bad=1; }
			fi
		done
	done
	return $bad
}
check "every version is in exactly one of the live tree and .softdeleted" versions_consistent
check "every file reads to its end" bash -c "find '$MNT/g' -type f -exec cat {} + >/dev/null"
umount_fs
must_mount -o fsck
logged "-o fsck: nothing to repair after the run (sizes match the objects)" 'check: 0 orphan rows removed, 0 stray objects removed, 0 missing objects, 0 sizes reconciled'

# --- what the run found, pinned down one call at a time -------------------
# The kernel caches negative entries of the live tree for a day, and a
# rename of a version moves its cached entries along. A file that comes
# back with its version (restore) or joins it (a version soft-deleted onto
# its shadow) must be seen by name at once.
cd "$MNT"
mkdir -p h/d/1.0.0 h/d/2.0.0
setfattr -n user.acg.softDelete -v true h
echo one >h/d/1.0.0/f
rm h/d/1.0.0/f
"$GFS_TRY" open-read h/d/1.0.0/f >/dev/null       # a lookup that misses
mv h/d/1.0.0 h/.softdeleted/d/
mv h/.softdeleted/d/1.0.0 h/d/
# open(O_CREAT|O_WRONLY|O_APPEND), as the shell's >> does: the errno text
append_err() { ( : >>"$1" ) 2>&1 | sed 's/.*: //'; }
expect "a file restored with its version can be opened by name (design §3)" OK "$GFS_TRY" open-read h/d/1.0.0/f
expect "... and open(O_CREAT) without O_EXCL opens it (never EEXIST)" "" append_err h/d/1.0.0/f
echo two >h/d/2.0.0/f
rm h/d/2.0.0/f
"$GFS_TRY" open-read h/d/2.0.0/f >/dev/null
mv h/d/2.0.0 h/.softdeleted/d/
expect "a file merged from the shadow into a soft-deleted version can be read" two cat h/.softdeleted/d/2.0.0/f
expect "... and open(O_CREAT) of it is EPERM (R15), never EEXIST" "Operation not permitted" append_err h/.softdeleted/d/2.0.0/f

# A shadow lives on when its version is soft-deleted by rmdir (the kernel
# never saw the shadow removed): a process inside it keeps working once
# the version is restored, as on any filesystem (design §9: only directories
# the kernel holds dead get a new generation; a new one for a live inode
# turns its users' calls into EIO).
mkdir h/d/4.0.0
echo x >h/d/4.0.0/f
rm h/d/4.0.0/f                           # the shadow now holds f
(cd h/.softdeleted/d/4.0.0 && sleep 2 && ls . >"$T/cwd.out" 2>&1; echo "status $?" >>"$T/cwd.out") &
cwd_pid=$!
sleep 0.5
rm h/.softdeleted/d/4.0.0/f              # an empty shadow again
rmdir h/d/4.0.0                          # soft delete by rmdir
mv h/.softdeleted/d/4.0.0 h/d/           # restore
echo y >h/d/4.0.0/g && rm h/d/4.0.0/g    # the shadow holds g
ls h/.softdeleted/d/4.0.0 >/dev/null     # and is looked up
wait "$cwd_pid"
expect "a process inside a shadow lists it after its version came and went (no EIO)" "g
status 0" cat "$T/cwd.out"

# An open descriptor keeps working whatever happens to its path, a purge
# included (design §2): also between the moment its item passes purgeAt and
# the purge pass that deletes it (here: none runs, a 30-day interval).
cd /
if [ $TSAN = yes ]; then
	skip_n 4 "an open descriptor outlives its item's purgeAt" "no libfaketime under ThreadSanitizer"
else
	umount_fs
	GFS_PURGE_INTERVAL=2592000 write_config
	must_mount
	mkdir "$MNT"/h/d/3.0.0
	head -c 100000 /dev/urandom >"$MNT"/h/d/3.0.0/f
	rm "$MNT"/h/d/3.0.0/f
	exec 7<"$MNT"/h/.softdeleted/d/3.0.0/f
	head -c 10 <&7 >/dev/null
	echo "+24d" >"$FT"
	eventually "the item passes its purgeAt (no longer shown)" 10 bash -c "[ -z \"\$(ls '$MNT'/h/.softdeleted)\" ]"
	expect "fstat through a descriptor opened before still works" 100000 stat -L -c %s /proc/self/fd/7
	expect "... and it reads to the end" 99990 bash -c 'cat <&7 | wc -c'
	exec 7<&-
fi
finish
