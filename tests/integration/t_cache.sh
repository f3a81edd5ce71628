#!/usr/bin/env bash
# Listings the kernel keeps (design §9). opendir answers ENOSYS, so the
# kernel caches every listing and reads it again only when it changed the
# directory itself or when the directory's mtime moved. Every change it did
# not make itself (a soft delete filling .softdeleted or a trash, a restore
# emptying a shadow, a delete for good through the other view of an item,
# an expiry) must show in the very next listing. Each check first lists the
# directory twice, so that the second listing came from the kernel's cache,
# then changes it from elsewhere and lists it once more. Time is moved for
# the daemon with libfaketime.
. "$(dirname "$0")/lib.sh"
plan 31
FT="$T/faketime"
echo "+0d" >"$FT"
GFS_PURGE_INTERVAL=100000       # no purge pass: an expiry must show alone
GFS_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
must_mount
cd "$MNT"
mkdir -p g/d/1.0.0 g/d/1.0.1 g/d/1.0.2 g/e/2.0.0
for v in g/d/1.0.0 g/d/1.0.1 g/d/1.0.2 g/e/2.0.0; do
	echo a >"$v/a"
	echo b >"$v/b"
done
setfattr -n user.acg.softDelete -v true g
TR=.Trash-0
# warm DIR: list it twice (the second listing is the kernel's cached one)
warm() { ls -A "$1" >/dev/null && ls -A "$1" >/dev/null; }
# lists DIR: its names on one line
lists() { echo $(ls -A "$1"); }
# after DIR WANT NAME COMMAND...: warm DIR, run COMMAND, and DIR must list
# WANT at once
after() {
	local dir=$1 want=$2 name=$3
	shift 3
	warm "$dir" || { _tap fail "$name" "cannot list $dir"; return; }
	if ! "$@"; then _tap fail "$name" "the change failed: $*"; return; fi
	expect "$name" "$want" lists "$dir"
}

# .softdeleted, .softdeleted/DEF and the trash fill as items are
# soft-deleted
warm $TR/files
after g/.softdeleted "d" "a gallery's .softdeleted lists a definition once a version of it is soft-deleted" rm -r g/d/1.0.0
expect "... and the trash's files/, read before, lists the version" "1.0.0" lists $TR/files
after g/.softdeleted/d "1.0.0 1.0.1" ".softdeleted/DEF lists a live version's shadow once a file of it is soft-deleted" rm g/d/1.0.1/a
after g/.softdeleted/d/1.0.1 "a b" "the shadow lists each file soft-deleted in turn" rm g/d/1.0.1/b
after $TR/files "1.0.0 a b" "... and so does the trash's files/" true

# deleting for good or restoring through the other view of an item
after $TR/files/1.0.0 "b" "deleting a file for good under .softdeleted shows in the trash view of its version" rm g/.softdeleted/d/1.0.0/a
after g/.softdeleted/d/1.0.0 "" "... and deleting one for good through the trash shows under .softdeleted" rm $TR/files/1.0.0/b
after g/.softdeleted/d/1.0.1 "b" "a file restored out of the trash leaves its shadow" mv $TR/files/a g/d/1.0.1/a
after g/.softdeleted/d "1.0.0" "a shadow emptied by a restore through the trash leaves .softdeleted/DEF" mv $TR/files/b g/d/1.0.1/b
expect "... and the restored files are in their version" "a b" lists g/d/1.0.1

# a version moved into the trash by rename: the kernel keeps the inode and
# what it cached of it as a live version, but the trash view shows its
# shadow's files too
rm g/e/2.0.0/b
warm g/e/2.0.0
after g/.softdeleted/e "2.0.0" "... (the shadow of 2.0.0 lists b)" true
check "a live version is moved into the trash" mv g/e/2.0.0 $TR/files/2.0.0
expect "... where its listing holds its shadow's file as well as its own" "a b" lists $TR/files/2.0.0
expect "... and .softdeleted/DEF shows it as the soft-deleted version" "a b" lists g/.softdeleted/e/2.0.0
expect "... and the gallery's .softdeleted lists both definitions" "d e" lists g/.softdeleted
after g/.softdeleted "d" "deleting it for good through the trash empties .softdeleted/e" rm -r $TR/files/2.0.0

# a shadow replaced by its version
rm g/d/1.0.2/a
after g/.softdeleted/d/1.0.2 "a b" "a shadow replaced by its version shows the version's files" rm -r g/d/1.0.2

# info/: what tools write there goes after a minute unused
check "a tool reserves a name in info/" bash -c "set -C; : >$TR/info/zz.trashinfo"
after $TR/info "1.0.0.trashinfo 1.0.2.trashinfo zz.trashinfo" "... which info/ lists" true
echo "+300" >"$FT"
eventually "the daemon's clock moves 5 minutes on" 10 bash -c 'touch g/d/1.0.1/a && [ $(stat -c %Y g/d/1.0.1/a) -gt $(( $(date +%s) + 200 )) ]'
expect "... after which the unused reservation is gone from the cached info/" "1.0.0.trashinfo 1.0.2.trashinfo" lists $TR/info

# expiry: past purgeAt an item goes from every listing, with no purge pass
warm g/.softdeleted
warm g/.softdeleted/d
warm $TR/files
echo "+8d" >"$FT"
eventually "the daemon's clock moves 8 days on" 10 bash -c 'touch g/d/1.0.1/a && [ $(stat -c %Y g/d/1.0.1/a) -gt $(( $(date +%s) + 7 * 86400 )) ]'
expect "past their purgeAt, the items leave the cached .softdeleted" "" lists g/.softdeleted
expect "... and the cached files/ of the trash" "" lists $TR/files
cd /
umount_fs

# the requests: after the first, no OPENDIR, and a listing read twice is
# read from the daemon once
GFS_ENV=
must_mount -d
cd "$MNT"
ls -R g >/dev/null
mark_log
for i in 1 2 3; do ls -R g >/dev/null; done
# count WHAT [since]: request lines of the debug log (all, or after the mark)
count() { tail -n +$(( ${2:+_mark} + 1 )) "$LOG" | grep -cE "opcode: $1 " || true; }
expect "the first listing sent one OPENDIR, answered ENOSYS" 1 count OPENDIR
check "... and read every listing from the daemon" test "$(count 'READDIR(PLUS)?')" -ge 4
expect "a directory opened again sends no OPENDIR" 0 count OPENDIR since
expect "... and a listing read again no READDIR" 0 count 'READDIR(PLUS)?' since
# .softdeleted and a trash's directories always lead to the same inode:
# their entries are kept (never their attributes)
stat g/.softdeleted .Trash-0/files >/dev/null
mark_log
for i in 1 2 3; do stat g/.softdeleted .Trash-0/files >/dev/null; done
expect ".softdeleted and .Trash-0/files looked up again send no LOOKUP" 0 count LOOKUP since
cd /
umount_fs
finish
