#!/usr/bin/env bash
# Retention (design §3): soft-deleted items are purged 7 days after deletion,
# at mount and periodically, with no user action. Time is moved for the
# daemon with libfaketime, never waited for.
. "$(dirname "$0")/lib.sh"
plan 26
FT="$T/faketime"
echo "+0d" >"$FT"
GFS_PURGE_INTERVAL=1
# the daemon reads its time offset from $FT (re-read every second)
GFS_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
must_mount
cd "$MNT"
# clock_is OFFSET_DAYS: the daemon's clock reads about OFFSET_DAYS days
# from now. It shows through a file's mtime set to "now" by the daemon.
clock_is() {
	touch g/d/2.0.0/keep || return 1
	local m want=$(( $(date +%s) + $1 * 86400 ))
	m=$(stat -c %Y g/d/2.0.0/keep)
	[ $m -ge $((want - 120)) ] && [ $m -le $((want + 120)) ]
}
mkdir -p g/d/0.9.0 g/d/1.0.0 g/d/2.0.0 g/d/3.0.0
head -c 4000000 /dev/urandom >g/d/1.0.0/disk
echo keep >g/d/2.0.0/keep
echo gone >g/d/2.0.0/gone
echo early >g/d/0.9.0/early
setfattr -n user.acg.softDelete -v true g
# 0.9.0 soft-deleted two days before the others: purged at +5 d
echo "-2d" >"$FT"
eventually "the daemon's clock moves back 2 days" 10 clock_is -2
check "a version soft-deleted then" rm -r g/d/0.9.0
echo "+0d" >"$FT"
eventually "... and the clock comes back" 10 clock_is 0
rm -r g/d/1.0.0
rm g/d/2.0.0/gone
files_before=$(store_files)

# the periodic purge: move the daemon's clock 6 days, then 8
mark_log
echo "+6d" >"$FT"
eventually "the daemon's clock reaches +6 d" 10 clock_is 6
eventually "... where a purge pass removes the version deleted at -2 d" 10 \
	bash -c '[ "$(echo $(ls g/.softdeleted/d))" = "1.0.0 2.0.0" ]'
logged "... logged as one item, in the singular" 'purge: 1 soft-deleted item past its retention deleted for good$'
check "... and later passes at +6 d purge nothing more" bash -c '
	sleep 2.5; [ "$(echo $(ls g/.softdeleted/d))" = "1.0.0 2.0.0" ]'
expect "... the others' content is stored as before" $((files_before - 1)) store_files
mark_log
echo "+8d" >"$FT"
eventually "after 8 days the running daemon purges by itself" 20 \
	bash -c "[ -z \"\$(ls g/.softdeleted)\" ] && [ \$(find '$DATA/objects' -type f | wc -l) -eq $((files_before - 3)) ]"
logged "the purge is logged" 'purge: 2 soft-deleted items past their retention deleted for good$'
check "the purged version's name is free" mkdir g/d/1.0.0
expect "live files are untouched" keep cat g/d/2.0.0/keep

# the purge at mount, and items past purgeAt never shown
cd /
umount_fs
echo "+0d" >"$FT"
must_mount
rm -r "$MNT"/g/d/3.0.0
umount_fs "unmount with a soft-deleted version"
echo "+8d" >"$FT"
GFS_PURGE_INTERVAL=100000 write_config
must_mount
expect "a version past its purgeAt is gone at mount" "" ls "$MNT"/g/.softdeleted
try_is "... and cannot be looked up" ENOENT rmdir "$MNT"/g/.softdeleted/d/3.0.0

# past purgeAt but before any purge pass: never shown
umount_fs
# the daemon holds its catalog exclusively while mounted: look in between
expect "the catalog has no row left for it" "" rows 'name == "3.0.0"' id
echo "+0d" >"$FT"
GFS_PURGE_INTERVAL=2592000 write_config
must_mount
mkdir "$MNT"/g/d/4.0.0 && echo x >"$MNT"/g/d/4.0.0/f
rm -r "$MNT"/g/d/4.0.0
expect "the version is soft-deleted" 4.0.0 ls "$MNT"/g/.softdeleted/d
objects=$(store_files)
echo "+8d" >"$FT"
eventually "past its purgeAt it is not shown, although no purge ran yet" 20 \
	bash -c "[ -z \"\$(ls '$MNT'/g/.softdeleted)\" ]"
expect "... while its content is still stored (no purge yet)" "$objects" store_files
try_is "it cannot be looked up" ENOENT getxattr "$MNT"/g/.softdeleted/d/4.0.0 user.acg.deletedAt
check "its name is free for a new version" mkdir "$MNT"/g/d/4.0.0
check "... which can be soft-deleted in turn" rmdir "$MNT"/g/d/4.0.0
expect "... and shows alone" 4.0.0 ls "$MNT"/g/.softdeleted/d
finish
