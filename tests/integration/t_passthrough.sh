#!/usr/bin/env bash
# File contents by kernel passthrough (design §9, §7): with a libfuse 3.17
# build on a kernel that has it, the kernel reads and writes the object
# files itself; with 3.14 the daemon serves them. Either way the start says
# which, stat shows what was written while the file is open, and the
# object file stays the truth for bytes and size: a 64 MiB file written
# and left open, or written, fsynced and closed, is whole after kill -9 and
# a remount, by size and sha256.
. "$(dirname "$0")/lib.sh"
plan 20
must_mount
logged "the start says which file I/O runs" \
	'file I/O: (kernel passthrough|served by the daemon \(.+\))$'
# passthrough where the build and the kernel (6.9 on) have it, as root
kernel_has() { # MAJOR MINOR: uname -r is at least that
	local v; v=$(uname -r); v=${v%%-*}
	[ "${v%%.*}" -gt "$1" ] || { [ "${v%%.*}" -eq "$1" ] && v=${v#*.} && [ "${v%%.*}" -ge "$2" ]; }
}
if "$GFS_BIN" --version | grep -q '^file I/O: kernel passthrough' && kernel_has 6 9 &&
	[ "$(id -u)" = 0 ]; then
	want_mode="kernel passthrough"
else
	want_mode="served by the daemon"
fi
echo "# file I/O wanted: $want_mode"
check "... and it is $want_mode" grep -q "file I/O: $want_mode" "$LOG"

V="$MNT/g/d/1.0.0"
mkdir -p "$V"
head -c $((64 << 20)) /dev/urandom >"$T/src"
sum() { sha256sum <"$1" | cut -d' ' -f1; }
want_sum=$(sum "$T/src")

# stat of a file open for writing shows what was written, at once
exec 3<>"$V/open"
printf 'hello' >&3
expect "stat while open shows the written size" 5 stat -c %s "$V/open"
m1=$(stat -c %Y.%y "$V/open")
sleep 0.02
printf ' world' >&3
expect "... and the next write's" 11 stat -c %s "$V/open"
check "... with a new mtime" test "$(stat -c %Y.%y "$V/open")" != "$m1"
exec 3>&-
expect "the catalog has it after close" 11 stat -c %s "$V/open"


# kill -9 with a 64 MiB file open after its writes returned
exec 3<>"$V/left-open"
check "64 MiB written through a descriptor left open" \
	bash -c "dd if='$T/src' bs=1M status=none conv=notrunc >&3"
expect "... stat shows them" $((64 << 20)) stat -c %s "$V/left-open"
crash_fs
exec 3>&-

# and one written, fsynced and closed
must_mount
check "64 MiB written, fsynced and closed" \
	dd if="$T/src" of="$V/closed" bs=1M status=none conv=fsync
expect "... stat shows them" $((64 << 20)) stat -c %s "$V/closed"
crash_fs

must_mount
logged "the remount after kill -9 checks catalog and objects" "did not end cleanly"
# (a fresh mount: the kernel has cached none of the file)
touch -a -d 2001-01-01 "$V/open"
cat "$V/open" >/dev/null
check "a read moves an atime older than the mtime (relatime)" \
	test "$(stat -c %X "$V/open")" -ge "$(stat -c %Y "$V/open")"
expect "the file left open has its size after kill -9" $((64 << 20)) stat -c %s "$V/left-open"
expect "... and its bytes" "$want_sum" sum "$V/left-open"
expect "the file fsynced and closed has its size" $((64 << 20)) stat -c %s "$V/closed"
expect "... and its bytes" "$want_sum" sum "$V/closed"
expect "reads after the remount agree with a copy" "$want_sum" \
	bash -c "cp '$V/closed' '$T/copy' && sha256sum <'$T/copy' | cut -d' ' -f1"
umount_fs

# In a user namespace the daemon has CAP_SYS_ADMIN there, not in the
# initial one, and the kernel would refuse its backing files: it serves
# file I/O itself, says so, and the bytes are right.
if unshare -Urm true 2>/dev/null; then
	mkdir -p "$T/ns-data" "$T/ns-mnt"
	expect "in a user namespace: the daemon serves file I/O, and the bytes are right" \
		"file I/O: served by the daemon|$want_sum" timeout 120 unshare -Urm bash -c '
		"$1" -f -o "config=$2,data_dir=$3" "$4" >"$5" 2>&1 &
		pid=$!
		for i in $(seq 600); do mountpoint -q "$4" && break; sleep 0.05; done
		mkdir -p "$4/g/d/1.0.0" && cp "$6" "$4/g/d/1.0.0/f" &&
			got=$(sha256sum <"$4/g/d/1.0.0/f" | cut -d" " -f1)
		fusermount3 -u "$4" 2>/dev/null || umount "$4"
		wait $pid || echo "daemon status $?"
		echo "$(grep -o "file I/O: served by the daemon" "$5")|${got:-}"' \
		_ "$GFS_BIN" "$CONF" "$T/ns-data" "$T/ns-mnt" "$T/ns.log" "$T/src"
else
	skip "in a user namespace: the daemon serves file I/O" "unshare -Urm is not permitted here"
fi
sizes() { rows 'type == "file" && (name == "left-open" || name == "closed")' size | paste -sd' '; }
expect "the catalog records both sizes" "$((64 << 20)) $((64 << 20))" sizes
finish
