#!/usr/bin/env bash
# File managers and the shell on a real mount: du, find -newer, cp -a,
# ls --time-style=full-iso, df/statfs and GIO (the library behind GNOME
# Files) give what they give on ext4; the space held by soft-deleted files is
# readable per gallery (user.acg.softDeletedBytes); removing in a file
# manager soft-deletes, and so does moving to the trash.
. "$(dirname "$0")/lib.sh"
plan 60
must_mount
export TZ=UTC LC_ALL=C
MiB=$((1024 * 1024))
sum_blocks() { find "$@" -printf '%b\n' | awk '{s += $1} END {print s * 512}'; }
sum_sizes() { find "$@" -printf '%s\n' | awk '{s += $1} END {print s}'; }
differ() {
	diff -u "$1" "$2" | head -n 40
	return "${PIPESTATUS[0]}"
}

# The same version twice: on the mount, and as a plain directory on the
# scratch filesystem, written by the same commands.
head -c $((3 * MiB + 123)) /dev/urandom >"$T/disk.src"
head -c 4096 /dev/urandom >"$T/block.src"
mkdir -p "$MNT/g/d/1.0.0" "$T/ext/1.0.0"
V=$MNT/g/d/1.0.0 E=$T/ext/1.0.0
for dir in "$V" "$E"; do
	cp "$T/disk.src" "$dir/disk.vhd"
	echo hello >"$dir/small.txt"
	: >"$dir/empty"
	truncate -s $((5 * MiB)) "$dir/sparse.img"
	dd if="$T/block.src" of="$dir/sparse.img" bs=4096 seek=256 conv=notrunc status=none
	chmod 0640 "$dir/small.txt"
	touch -d '2021-02-03 04:05:06.123456789' "$dir/disk.vhd"
	touch -d '2019-12-31 23:59:59.000000001' "$dir/small.txt"
	touch -d '2020-06-15 12:00:00.5' "$dir/empty" "$dir/sparse.img"
done

# ---- du and st_blocks ------------------------------------------------------
# what was written: the files' sizes, and the version directory's own 4096
expect "du -sb of a version is the sizes the test wrote, and the directory's 4096" \
	$((3 * MiB + 123 + 6 + 0 + 5 * MiB + 4096)) bash -c "du -sb '$V' | cut -f1"
check "a dense file's st_blocks cover its size in 4 KiB blocks" \
	test "$(stat -c %b "$V/disk.vhd")" -eq $(((3 * MiB + 123 + 4095) / 4096 * 8))
expect "... as the object file that holds it says (the store's own stat)" \
	"$(stat -c %b "$DATA/objects/$(printf %02x $((($(stat -c %i "$V/disk.vhd") - 1) / 2 & 255)))/$((($(stat -c %i "$V/disk.vhd") - 1) / 2))")" \
	stat -c %b "$V/disk.vhd"
check "a sparse file's st_blocks count only what was written" \
	test "$(stat -c %b "$V/sparse.img")" -lt 100
if [ "$(stat -f -c %T "$T")" = ext2/ext3 ]; then
	expect "du -ab per file and directory: as on ext4" "$(cd "$E" && du -ab . | sort -k2)" \
		bash -c "cd '$V' && du -ab . | sort -k2"
	expect "du -a -B1 per file and directory: as on ext4" "$(cd "$E" && du -a -B1 . | sort -k2)" \
		bash -c "cd '$V' && du -a -B1 . | sort -k2"
	expect "du -s (KiB) of a version: as on ext4" "$(du -s "$E" | cut -f1)" bash -c "du -s '$V' | cut -f1"
else
	skip "du -ab per file: as on ext4" "the scratch directory is not on ext4"
	skip "du -a -B1 per file: as on ext4" "the scratch directory is not on ext4"
	skip "du -s (KiB) of a version: as on ext4" "the scratch directory is not on ext4"
fi

# ---- ls -l --time-style=full-iso ----------------------------------------------
expect "ls -l --time-style=full-iso shows the nanoseconds set by touch -d" \
	"2021-02-03 04:05:06.123456789 +0000" \
	bash -c "ls -l --time-style=full-iso '$V/disk.vhd' | awk '{print \$6, \$7, \$8}'"
expect "ls -ln --time-style=full-iso of a version: as on ext4" \
	"$(ls -ln --time-style=full-iso "$E")" ls -ln --time-style=full-iso "$V"

# ---- find -newer -------------------------------------------------------------
touch -d '2021-01-01 00:00:00' "$T/ref"
sleep 0.01
for dir in "$V" "$E"; do echo more >>"$dir/small.txt"; done
touch -d '2022-01-01' "$V/empty" "$E/empty"
expect "find -newer REF finds exactly the files modified after REF" "disk.vhd
empty
small.txt" bash -c "cd '$V' && find . -type f -newer '$T/ref' -printf '%P\n' | sort"
expect "find -newer FILE-IN-THE-MOUNT compares mtimes the same way" "empty
small.txt" bash -c "cd '$V' && find . -type f -newer disk.vhd -printf '%P\n' | sort"
expect "find -mmin -5 finds the file just written" small.txt \
	bash -c "cd '$V' && find . -type f -mmin -5 -printf '%P\n'"

# ---- cp -a out of the mount ----------------------------------------------------
# The same changes on the twin on ext4, where the version's properties are
# plain attributes with the values they read on the mount: the twin is the
# reference every copy is compared with.
setfattr -n user.acg.replicas -v "eastus=2,westus=1" "$V"
for dir in "$V" "$E"; do
	touch -d '2022-02-02 02:02:02.2' "$dir/small.txt"
	setfattr -n user.note -v "from the mount" "$dir/disk.vhd"
	setfattr -n user.bin -v 0x0001ff "$dir/small.txt"
	chown 1005:1002 "$dir/empty"
done
for p in location=eastus provisioningState=Succeeded replicas=eastus=2,westus=1 usedByVmssFlex=false; do
	setfattr -n "user.acg.${p%%=*}" -v "${p#*=}" "$E"
done
touch -d '2020-01-01 01:02:03.987654321' "$V" "$E"
tree() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@\n' | sort); }
xattrs() { (cd "$1" && find . -print0 | sort -z | xargs -0 getfattr -h -d -m - -e hex --absolute-names); }
md5s() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
expect "the version reads as its twin on ext4: names, modes, owners, sizes and mtimes" "$(tree "$E")" tree "$V"
expect "... contents" "$(md5s "$E")" md5s "$V"
expect "... attributes" "$(xattrs "$E")" xattrs "$V"
check "cp -a of a version out of the mount" cp -a "$V" "$T/cp"
expect "... preserves names, modes, owners, sizes and mtimes" "$(tree "$E")" tree "$T/cp"
expect "... and contents" "$(md5s "$E")" md5s "$T/cp"
check "cp -a --preserve=xattr out of the mount reports no error" cp -a --preserve=xattr "$V" "$T/cpx"
expect "... the user.* attributes, user.acg.* ones as plain attributes" "$(xattrs "$E")" xattrs "$T/cpx"
expect "ls -ln --time-style=full-iso of the copy is the twin's" \
	"$(ls -ln --time-style=full-iso "$E")" ls -ln --time-style=full-iso "$T/cpx"
check "cp -a --preserve=xattr of the copy back into the mount as a new version" \
	cp -a --preserve=xattr "$T/cpx" "$MNT/g/d/1.0.1"
expect "... gives the twin" "$(tree "$E")" tree "$MNT/g/d/1.0.1"
expect "... with the twin's attributes" "$(xattrs "$E")" xattrs "$MNT/g/d/1.0.1"
expect "... and contents" "$(md5s "$E")" md5s "$MNT/g/d/1.0.1"

# ---- df and statfs ---------------------------------------------------------------
expect "stat -f: block size, total blocks and total inodes are the data directory's" \
	"$(stat -f -c '%S %b %c' "$DATA")" stat -f -c '%S %b %c' "$MNT"
check "df -B1: the total is the data directory's filesystem's" \
	bash -c "[ \"\$(df -B1 --output=size '$MNT' | tail -n1)\" = \"\$(df -B1 --output=size '$DATA' | tail -n1)\" ]"
check "df -B1: used and available follow the data directory's filesystem (within 64 MiB)" bash -c "
	m=(\$(df -B1 --output=used,avail '$MNT' | tail -n1)); d=(\$(df -B1 --output=used,avail '$DATA' | tail -n1))
	du=\$((m[0] - d[0])); da=\$((m[1] - d[1]))
	[ \${du#-} -lt $((64 * MiB)) ] && [ \${da#-} -lt $((64 * MiB)) ] || { echo mount \${m[*]} data \${d[*]}; exit 1; }"

# ---- user.acg.softDeletedBytes ----------------------------------------------------
mkdir -p "$MNT/s/d/1.0.0" "$MNT/s/d/2.0.0"
setfattr -n user.acg.softDelete -v true "$MNT/s"
head -c $((3 * MiB)) /dev/urandom >"$MNT/s/d/2.0.0/disk.vhd"
echo small >"$MNT/s/d/2.0.0/small.txt"
sdb() { getfattr --absolute-names --only-values -n user.acg.softDeletedBytes "$1"; }
expect "softDeletedBytes reads 0 at first" 0 sdb "$MNT/s"
check "rm -r of a version holding a 3 MiB file" rm -r "$MNT/s/d/2.0.0"
check "softDeletedBytes is at least 3 MiB" test "$(sdb "$MNT/s")" -ge $((3 * MiB))
# object_blocks PATH...: the bytes of blocks the object files of these
# galleryfs files hold, read from the store itself (row id = (st_ino - 1) / 2)
object_blocks() {
	local f i id b=0
	for f in "$@"; do
		i=$(stat -c %i "$f"); id=$(((i - 1) / 2))
		b=$((b + $(stat -c %b "$DATA/objects/$(printf %02x $((id & 255)))/$id") * 512))
	done
	echo $b
}
expect "... exactly the blocks their objects hold in the store" \
	"$(object_blocks "$MNT"/s/.softdeleted/d/2.0.0/*)" sdb "$MNT/s"
expect "another gallery's softDeletedBytes is untouched" 0 sdb "$MNT/g"
expect "softDeletedBytes is not listed by getfattr -d -m -" 0 \
	bash -o pipefail -c "getfattr --absolute-names -d -m - '$MNT/s' | awk '/softDeletedBytes/ {n++} END {print n + 0}'"
try_is "softDeletedBytes set to another value: EPERM" EPERM setxattr "$MNT/s" user.acg.softDeletedBytes 0
try_is "softDeletedBytes set to its own value succeeds" OK setxattr "$MNT/s" user.acg.softDeletedBytes "$(sdb "$MNT/s")"
try_is "softDeletedBytes on a definition: ENODATA" ENODATA getxattr "$MNT/s/d" user.acg.softDeletedBytes
check "rm of a single file adds its blocks" bash -c "
	before=\$(getfattr --absolute-names --only-values -n user.acg.softDeletedBytes '$MNT/s')
	head -c 100000 /dev/urandom >'$MNT/s/d/1.0.0/f' && b=\$(stat -c %b '$MNT/s/d/1.0.0/f') && rm '$MNT/s/d/1.0.0/f'
	after=\$(getfattr --absolute-names --only-values -n user.acg.softDeletedBytes '$MNT/s')
	[ \$((after - before)) -eq \$((b * 512)) ] || { echo \$before \$after \$b; exit 1; }"
check "hard delete of everything soft-deleted" rm -r "$MNT/s/.softdeleted/d"
expect "softDeletedBytes returns to 0" 0 sdb "$MNT/s"

# ---- GIO -------------------------------------------------------------------------
expect "the README says Move to Trash in a file manager soft-deletes" 1 bash -c \
	"tr '\n' ' ' <'$(dirname "$0")/../../README.md' | grep -c '\"Move to Trash\" is a soft delete'"
gio_() { env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY GIO_USE_VFS=local gio "$@"; }
if ! out=$(gio_ info "$MNT" 2>&1); then
	skip_n 18 "gio" "gio cannot run here: $(echo "$out" | head -n1)"
else
	F=$MNT/f
	mkdir -p "$F/d/1.0.0" "$F/d/2.0.0"
	setfattr -n user.acg.softDelete -v true "$F"
	head -c $((2 * MiB + 5)) /dev/urandom >"$F/d/1.0.0/disk.vhd"
	echo a >"$F/d/1.0.0/a.txt"
	head -c $((MiB + 1)) /dev/urandom >"$F/d/2.0.0/disk.vhd"
	echo b >"$F/d/2.0.0/b.txt"
	touch -d '2021-05-06 07:08:09.123456789' "$F/d/1.0.0/disk.vhd"

	expect "gio list of a version lists its files" "$(ls "$F/d/1.0.0")" \
		bash -c "env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio list '$F/d/1.0.0' | sort"
	expect "gio list -h of a gallery lists its definition, and not .softdeleted" "d" env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio list -h "$F"
	expect "gio info: size, inode and mtime are stat's" \
		"$(stat -c 'standard::size: %s
time::modified: %Y
time::modified-usec: 123456
unix::inode: %i' "$F/d/1.0.0/disk.vhd" | sort)" \
		bash -c "env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio info -a standard::size,unix::inode,time::modified,time::modified-usec '$F/d/1.0.0/disk.vhd' | sed -n 's/^  //p' | sort"
	expect "gio info: unix::blocks, uid, mode are stat's" \
		"unix::blocks: $(stat -c %b "$F/d/1.0.0/disk.vhd")
unix::mode: $(stat -c %f "$F/d/1.0.0/disk.vhd" | xargs -I{} printf '%d' 0x{})
unix::uid: $(stat -c %u "$F/d/1.0.0/disk.vhd")" \
		bash -c "env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio info -a unix::blocks,unix::mode,unix::uid '$F/d/1.0.0/disk.vhd' | sed -n 's/^  //p' | sort"
	expect "gio info -f: filesystem::size is statfs's" \
		"filesystem::size: $(($(stat -f -c '%b * %S' "$MNT")))" \
		bash -c "env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio info -f -a filesystem::size '$MNT' | sed -n 's/^  //p'"
	echo "from outside" >"$T/in.txt"
	check "gio copy a file into a version" gio_ copy "$T/in.txt" "$F/d/1.0.0/"
	check "... arrives byte-identical" cmp "$T/in.txt" "$F/d/1.0.0/in.txt"
	check "gio copy a file out of a version" gio_ copy "$F/d/1.0.0/disk.vhd" "$T/out.vhd"
	check "... arrives byte-identical" cmp "$F/d/1.0.0/disk.vhd" "$T/out.vhd"
	check "gio copy -p keeps the mtime" bash -c "env -u DBUS_SESSION_BUS_ADDRESS GIO_USE_VFS=local gio copy -p '$F/d/1.0.0/disk.vhd' '$T/outp.vhd' && [ \"\$(stat -c %Y '$T/outp.vhd')\" = \"\$(stat -c %Y '$F/d/1.0.0/disk.vhd')\" ]"
	check "gio remove of a file in a version" gio_ remove "$F/d/1.0.0/a.txt"
	check "... the file left the version" test ! -e "$F/d/1.0.0/a.txt"
	check "... and is soft-deleted" test -f "$F/.softdeleted/d/1.0.0/a.txt"
	expect "... with its content" a cat "$F/.softdeleted/d/1.0.0/a.txt"

	roots=$(ls -A "$MNT")
	sums=$(cd "$F/d/2.0.0" && md5sum * | sort -k2)
	ino2=$(stat -c %i "$F/d/2.0.0")
	check "gio trash of a version (Move to Trash) soft-deletes it (t_trash tests the Trash)" \
		gio_ trash "$F/d/2.0.0"
	expect "... it is in .softdeleted, its inode number kept" "$ino2" stat -c %i "$F/.softdeleted/d/2.0.0"
	expect "... with all its files, byte-identical" "$sums" bash -c "cd '$F/.softdeleted/d/2.0.0' && md5sum * | sort -k2"
	expect "... and the mount root lists no trash directory" "$roots" ls -A "$MNT"
fi

cd /
finish
