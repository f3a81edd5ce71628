#!/usr/bin/env bash
# Mount conventions (issue 4): mount -t fuse.galleryfs DATA_DIR MOUNTPOINT,
# an fstab line, -o log_level, and progress while a purge at mount runs.
. "$(dirname "$0")/lib.sh"
plan 16
mkdir -p "$MNT" "$DATA"
write_config

# mount(8) finds mount helpers' programs on its own PATH: in a private
# mount namespace, /usr/local/bin is replaced by a directory holding this
# build's galleryfs, so the system is left as it was.
in_namespace() {
	unshare -m --propagation private bash -c '
		mount -t tmpfs tmpfs /usr/local/bin &&
		ln -s "$1" /usr/local/bin/galleryfs && shift && eval "$@"' _ "$GFS_BIN" "$@"
}
expect "mount -t fuse.galleryfs DATA_DIR MOUNTPOINT mounts" "fuse.galleryfs g" in_namespace "
	mount -t fuse.galleryfs '$DATA' '$MNT' -o config=$CONF,allow_other &&
	mkdir '$MNT/g' && echo \$(awk '\$2 == \"$MNT\" {print \$3}' /proc/mounts) \$(ls '$MNT') &&
	umount '$MNT'"
echo "$DATA $MNT fuse.galleryfs config=$CONF,allow_other,nofail 0 0" >"$T/fstab"
expect "an fstab line mounts (mount MOUNTPOINT)" "g" in_namespace "
	mount -T '$T/fstab' '$MNT' && ls '$MNT' && umount '$MNT'"
expect "the data directory is the mount's source" "$DATA" in_namespace "
	mount -T '$T/fstab' '$MNT' && awk '\$2 == \"$MNT\" {print \$1}' /proc/mounts && umount '$MNT'"
expect "galleryfs DATA_DIR MOUNTPOINT works without mount(8) too" "g" bash -c "
	'$GFS_BIN' -o config=$CONF '$DATA' '$MNT' && ls '$MNT' && fusermount3 -u '$MNT'"
expect "two different data directories are refused (status 2)" 2 bash -c "
	'$GFS_BIN' -o config=$CONF,data_dir=$T/other '$DATA' '$MNT' 2>/dev/null; echo \$?"

# log_level: debug shows what info hides, error hides refusals
must_mount -o log_level=error
try_is "a name refusal with log_level=error" EINVAL mkdir "$MNT/bad-name"
logged_times "... is not logged" 0 'R12 bad-name'
umount_fs "unmount"
must_mount -o log_level=info
try_is "the same refusal with log_level=info" EINVAL mkdir "$MNT/bad-name"
logged "... is logged" '^galleryfs: R12 bad-name: '

# a purge of many items at mount shows progress on the terminal
mkdir -p "$MNT/g/d/1.0.0"
setfattr -n user.acg.softDelete -v true "$MNT/g"
(cd "$MNT/g/d/1.0.0" && touch f{1..700} && rm -f f*)
expect "700 files soft-deleted" 700 bash -c "ls '$MNT/g/.softdeleted/d/1.0.0' | wc -l"
umount_fs
# libfaketime: 8 days on, and a clock running 2000 times faster, so the
# purge at mount takes "seconds" and reports how far it is
GFS_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$FAKETIME_LIB"
GFS_FAKETIME="+8d x2000"
must_mount
GFS_ENV= GFS_FAKETIME=
logged "the purge at mount reports progress" 'purging soft-deleted items past their retention: [0-9]+ so far'
logged "... and its result" 'purge: 700 soft-deleted items past their retention deleted for good$'
expect "... and they are gone" "" ls "$MNT/g/.softdeleted"
finish
