#!/usr/bin/env bash
# Set-user-ID and set-group-ID bits (design §9): a write, a truncate, an
# open with O_TRUNC and a chown clear them as on a local filesystem. With
# libfuse 3.17 the daemon clears them itself (HANDLE_KILLPRIV_V2, also for
# writes the kernel passes through to the object file); with 3.14 the
# kernel does. Each step runs on a file of the mount and on a file of the
# scratch directory's own filesystem, as the same user, and the modes must
# agree.
. "$(dirname "$0")/lib.sh"
plan 16
for u in gfs-alice; do
	getent passwd "$u" >/dev/null && continue
	_tap fail "set-user-ID as a real user" "user $u does not exist (scripts/test.sh creates it)"
	exit 1
done
must_mount -o allow_other
V="$MNT/g/d/1.0.0"
LOCAL="$T/local"
mkdir -p "$V" "$LOCAL"
chmod 777 "$MNT/g" "$MNT/g/d" "$V" "$LOCAL"

# steps DIR: one mode per step, on DIR/f, as whoever runs it
steps() {
	cd "$1" && rm -f f && echo a >f || return 1
	chmod 6755 f && echo b >>f && stat -c 'write: %a' f
	chmod 6755 f && dd if=/dev/zero of=f bs=1k count=1 seek=4 conv=notrunc status=none && stat -c 'pwrite: %a' f
	chmod 6755 f && truncate -s 1 f && stat -c 'truncate: %a' f
	chmod 6755 f && : >f && stat -c 'O_TRUNC: %a' f
	chmod 6755 f && chgrp "$(id -gn)" f && stat -c 'chgrp: %a' f
	chmod 6755 f && perl -e 'chown -1, -1, "f" or die "$!\n"' && stat -c 'chown -1 -1: %a' f
	chmod 2745 f && echo c >>f && stat -c 'write, setgid without group execute: %a' f
	chmod 6745 f && chgrp "$(id -gn)" f && stat -c 'chgrp, setgid without group execute: %a' f
	chmod 6755 f && stat -c 'chmod: %a' f
}
export -f steps
as_alice() { runuser -u gfs-alice -- bash -c 'steps "$1"' _ "$1"; }

local_modes=$(as_alice "$LOCAL")
fuse_modes=$(as_alice "$V")
expect "a user's steps ran on the local file" 9 echo "$(printf '%s\n' "$local_modes" | wc -l)"
while IFS= read -r line; do
	step=${line%%:*}
	expect "as a user, $step: the mode is the local filesystem's (${line#*: })" "$line" \
		bash -c "printf '%s\n' \"\$1\" | grep -- \"^\$2:\"" _ "$fuse_modes" "$step"
done <<<"$local_modes"

# root (CAP_FSETID) keeps the bits on write and truncate, not on chown
root_modes() {
	cd "$1" && rm -f r && echo a >r && chmod 6755 r || return 1
	echo b >>r && truncate -s 1 r && stat -c 'root write+truncate: %a' r
	chown root r && stat -c 'root chown: %a' r
}
expect "root's write and truncate keep the bits, chown clears them, as locally" \
	"$(root_modes "$LOCAL")" root_modes "$V"

# the catalog has the cleared mode: it survives a remount
expect "the last mode is 6755 before the remount" 6755 stat -c %a "$V/f"
runuser -u gfs-alice -- bash -c 'echo z >>"$1"' _ "$V/f"
expect "a write clears it again" 755 stat -c %a "$V/f"
umount_fs
must_mount -o allow_other
expect "... and the catalog kept the cleared mode" 755 stat -c %a "$V/f"
finish
