#!/usr/bin/env bash
# Damaged and hostile environments (design §7): a truncated catalog, a lost
# object file, a catalog from a newer galleryfs, a read-only data directory,
# a full disk, a disk that fails reads. Each gives a clear message and exit
# status, or a repaired and logged state: never a crash, never a silent loss.
. "$(dirname "$0")/lib.sh"
plan 65
write_config
LOOPDEV=
cleanup() {
	[ -n "$GFS_PID" ] && umount_fs >/dev/null 2>&1
	mountpoint -q "$MNT" 2>/dev/null && { fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; }
	mountpoint -q "$T/data-full" 2>/dev/null && umount "$T/data-full"
	mountpoint -q "$T/data-eio/objects" 2>/dev/null && umount "$T/data-eio/objects"
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	LOOPDEV=
	return 0
}
trap 'cleanup; _stopped_early' EXIT
trap 'exit 1' INT TERM

sum_of() { sha256sum <"$1" | cut -d' ' -f1; }
# names, sizes, modes, times and contents of everything under a directory
tree_sum() {
	(cd "$1" && find . -printf '%p %s %m %T@\n' | sort &&
		find . -type f -exec sha256sum {} + | sort) | sha256sum | cut -d' ' -f1
}
catalog_consistent() { # name: integrity_check and the object store, unmounted
	expect "$1: the catalog passes its thorough check" ok catalog check
	check "$1: the object store matches the catalog" store_matches_catalog
}
# the object file holding the same bytes as $1
object_of() {
	local f
	for f in "$DATA"/objects/*/*; do
		[ -f "$f" ] && cmp -s "$f" "$1" && { echo "$f"; return 0; }
	done
	return 1
}
# start the daemon in the foreground (or daemonized with "bg"), expecting it
# to fail: prints its exit status; its stderr goes to $T/start.err
start_status() {
	local st=0 fg=-f
	[ "${1:-}" = bg ] && fg=
	timeout 20 "$GFS_BIN" $fg -o "config=$CONF,data_dir=$DATA$(catalog_opt)" "$MNT" >"$T/start.out" 2>"$T/start.err" || st=$?
	if mountpoint -q "$MNT"; then   # it mounted after all: take it down
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
		st="mounted($st)"
	fi
	echo "$st"
}

# --- a truncated catalog --------------------------------------------------
DATA="$T/data-trunc" LOG="$T/trunc.log"
if sqlite_only 8 "a truncated catalog file"; then
must_mount
mkdir -p "$MNT"/g/d
for i in $(seq 1 300); do mkdir "$MNT/g/d/1.0.$i"; echo "$i" >"$MNT/g/d/1.0.$i/f"; done
setfattr -n user.note -v "$(head -c 3000 /dev/zero | tr '\0' x)" "$MNT"/g/d
umount_fs
size=$(stat -c %s "$DATA/catalog.db")
truncate -s $((size / 2)) "$DATA/catalog.db"
before=$(sum_of "$DATA/catalog.db")
dir_before=$(ls "$DATA")
st=$(start_status)
check "a truncated catalog: the mount fails with a non-zero status ($st)" \
	bash -c "[ '$st' != 0 ] && [ '$st' != 124 ] && [ '${st#mounted}' = '$st' ]"
check "... with a message naming the catalog" grep -q "$DATA/catalog.db" "$T/start.err"
check "... and the remedy (restore from a backup / move it aside)" \
	grep -Eqi 'restore|backup|move it aside|fsck' "$T/start.err"
[ -s "$T/start.err" ] && sed 's/^/#   /' "$T/start.err"
expect "... leaving the catalog untouched" "$before" sum_of "$DATA/catalog.db"
expect "... and no file added beside it" "$dir_before" ls "$DATA"
st=$(start_status bg)
check "... daemonized too: non-zero status ($st), the reason on stderr" \
	bash -c "[ '$st' != 0 ] && [ '$st' != 124 ] && [ '${st#mounted}' = '$st' ] && grep -q catalog '$T/start.err'"
expect "... still untouched" "$before" sum_of "$DATA/catalog.db"
fi

# --- a lost object file ---------------------------------------------------
DATA="$T/data-obj" LOG="$T/obj.log"
must_mount
mkdir -p "$MNT"/g/d/1.0.0
echo keep >"$MNT"/g/d/1.0.0/keep
head -c 300000 /dev/urandom >"$T/disk"
cp "$T/disk" "$MNT"/g/d/1.0.0/disk.vhd
crash_fs                        # an unclean end: the start-up check runs
obj=$(object_of "$T/disk")
check "the object file of disk.vhd is found" test -n "$obj"
rm -f "$obj"
must_mount
logged "after an unclean end the check runs" 'did not end cleanly'
logged "the log says which file lost its content" 'missing.*disk\.vhd|disk\.vhd.*missing'
logged "... and the remedy" 'disk\.vhd.*(restore|backup)'
expect "the file now reads empty (size 0)" 0 stat -c %s "$MNT"/g/d/1.0.0/disk.vhd
expect "... (no bytes)" 0 bash -c "cat '$MNT/g/d/1.0.0/disk.vhd' | wc -c"
expect "the other file is intact" keep cat "$MNT"/g/d/1.0.0/keep
umount_fs "unmount after the repair"
catalog_consistent "after the repair"
# the same found by -o fsck after a clean end
must_mount
cp "$T/disk" "$MNT"/g/d/1.0.0/disk2.vhd
umount_fs
rm -f "$(object_of "$T/disk")"
must_mount -o fsck
logged "-o fsck after a clean end names the lost file" 'missing.*disk2\.vhd|disk2\.vhd.*missing'
expect "... which reads empty" 0 stat -c %s "$MNT"/g/d/1.0.0/disk2.vhd
umount_fs "unmount after -o fsck"
catalog_consistent "after -o fsck"
# and lost after a clean end, with no check at the next start: the file is
# listed, so opening it must not say "no such file", and the log must say
# what happened (a clean start is not checked, design §7)
must_mount
head -c 5000 /dev/urandom >"$T/x"
cp "$T/x" "$MNT"/g/d/1.0.0/x
umount_fs
rm -f "$(object_of "$T/x")"
must_mount
expect "an object lost after a clean end: opening the file is EIO, not ENOENT" EIO "$GFS_TRY" open-read "$MNT"/g/d/1.0.0/x
logged "... and the log names the file and the remedy (-o fsck)" '(x|1\.0\.0/x).*(missing|lost).*fsck'
umount_fs

# --- a catalog from a newer galleryfs -------------------------------------
schema=$(catalog schema)
set_schema_version 99
before=$(catalog_state)
expect "a newer schema version is refused with exit status 2" 2 start_status
check "... saying the catalog is newer" grep -q newer "$T/start.err"
expect "... daemonized too: exit status 2" 2 start_status bg
expect "... leaving the catalog untouched" "$before" catalog_state
set_schema_version "$schema"

# --- a read-only data directory -------------------------------------------
# root ignores modes, so the directory is also bind-mounted read-only, in a
# private mount namespace that goes away with the command
ro_start() { # DIR: print the exit status of a start on DIR made read-only
	rm -f "$T/bound"
	unshare -m --propagation private bash -c '
		mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99
		: >"$5"
		timeout 20 "$2" -f -o "config=$3,data_dir=$1$6" "$4"' _ \
		"$1" "$GFS_BIN" "$CONF" "$MNT" "$T/bound" "$(DATA=$1 catalog_opt)" \
		>"$T/start.out" 2>"$T/start.err"
	local st=$?
	[ -e "$T/bound" ] || st=99
	echo $st
}
mkdir -p "$T/data-empty"
chmod 555 "$DATA" "$T/data-empty"
before=$(tree_sum "$DATA")
st=$(ro_start "$DATA")
if [ "$st" = 99 ]; then
	skip_n 5 "a read-only data directory" "cannot bind-mount read-only in a private mount namespace here: $(head -n1 "$T/start.err")"
else
	check "a read-only data directory: the mount fails ($st)" bash -c "[ '$st' != 0 ] && [ '$st' != 124 ]"
	check "... with a message naming the data directory and the cause" \
		bash -c "grep -q '$DATA' '$T/start.err' && grep -qi 'read-only' '$T/start.err'"
	sed 's/^/#   /' "$T/start.err"
	expect "... nothing in it changed" "$before" tree_sum "$DATA"
	before=$(tree_sum "$T/data-empty")
	st=$(ro_start "$T/data-empty")
	check "a new, read-only data directory: the mount fails ($st) with a clear message" \
		bash -c "[ '$st' != 0 ] && [ '$st' != 124 ] && grep -qi 'read-only' '$T/start.err'"
	expect "... nothing created in it" "$before" tree_sum "$T/data-empty"
fi
chmod 755 "$DATA" "$T/data-empty"
must_mount
expect "the data directory serves again once writable" keep cat "$MNT"/g/d/1.0.0/keep
umount_fs

# --- a full disk ------------------------------------------------------------
DATA="$T/data-full" LOG="$T/full.log"
mkdir -p "$DATA"
if ! mount -t tmpfs -o size=8m tmpfs "$DATA" 2>"$T/tmpfs.err"; then
	skip_n 20 "a full disk" "cannot mount a tmpfs: $(cat "$T/tmpfs.err")"
else
	must_mount
	mkdir -p "$MNT"/g/d/1.0.0
	head -c 1000000 /dev/urandom >"$T/early"
	cp "$T/early" "$MNT"/g/d/1.0.0/early
	st=0
	dd if=/dev/zero of="$MNT"/g/d/1.0.0/big bs=1M count=16 2>"$T/dd.err" || st=$?
	check "writing 16 MiB into 8 MiB fails" test "$st" -ne 0
	check "... with ENOSPC (dd: No space left on device)" grep -q 'No space left on device' "$T/dd.err"
	check "the daemon keeps running" bash -c "kill -0 $GFS_PID && mountpoint -q '$MNT' && ls '$MNT/g/d/1.0.0' >/dev/null"
	check "earlier files are intact" cmp "$T/early" "$MNT"/g/d/1.0.0/early
	big_obj=$(find "$DATA/objects" -type f -printf '%s\n' | sort -n | tail -n1)
	expect "the failed file shows the bytes its object holds (design §7: the object is the truth)" \
		"$big_obj" stat -c %s "$MNT"/g/d/1.0.0/big
	check "deleting the big file succeeds on the full disk" rm "$MNT"/g/d/1.0.0/big
	if [ -e "$MNT"/g/d/1.0.0/big ]; then   # go on the way a user would have to
		truncate -s 0 "$MNT"/g/d/1.0.0/big && rm -f "$MNT"/g/d/1.0.0/big
	fi
	check "... after which space is usable again" bash -c "
		head -c 3000000 /dev/urandom >'$T/after' && cp '$T/after' '$MNT/g/d/1.0.0/after' &&
		cmp '$T/after' '$MNT/g/d/1.0.0/after'"
	check "... and the earlier file is still intact" cmp "$T/early" "$MNT"/g/d/1.0.0/early

	# the catalog cannot grow: fill what is left of the disk, then try
	# mkdir and setxattr until they fail (a PostgreSQL catalog is not on
	# this disk)
	dd if=/dev/zero of="$DATA/filler" bs=64k 2>/dev/null
	: >"$T/made"
	listed() { ls "$MNT"/g/d | grep '^2\.0\.' | sort; }
	if on_postgresql; then
		skip_n 4 "mkdir and setxattr with the catalog on a full disk" "the PostgreSQL catalog is not on this disk"
	else
		value=$(head -c 3000 /dev/zero | tr '\0' v)
		: >"$T/made" ; : >"$T/notmade"; : >"$T/set"; : >"$T/notset"; bad=
		for i in $(seq 1 150); do
			r=$("$GFS_TRY" mkdir "$MNT/g/d/2.0.$i")
			case $r in
			OK) echo "2.0.$i" >>"$T/made" ;;
			ENOSPC) echo "2.0.$i" >>"$T/notmade" ;;
			*) bad="$bad mkdir 2.0.$i: $r;" ;;
			esac
			r=$("$GFS_TRY" setxattr "$MNT/g/d" "user.k$i" "$value")
			case $r in
			OK) echo "user.k$i" >>"$T/set" ;;
			ENOSPC) echo "user.k$i" >>"$T/notset" ;;
			*) bad="$bad setxattr user.k$i: $r;" ;;
			esac
		done
		check "with the catalog full, mkdir and setxattr succeed or fail with ENOSPC, nothing else" test -z "$bad"
		[ -n "$bad" ] && echo "#   $bad"
		check "... and ENOSPC did come (the disk was full)" test -s "$T/notmade" -a -s "$T/notset"
		echo "# full disk: $(wc -l <"$T/made") mkdir ok, $(wc -l <"$T/notmade") ENOSPC; $(wc -l <"$T/set") setxattr ok, $(wc -l <"$T/notset") ENOSPC"
		expect "no half-created version: exactly the ones mkdir reported are there" "$(sort "$T/made")" listed
		attrs() { getfattr -d -m '^user\.k' --absolute-names "$MNT"/g/d 2>/dev/null | sed -n 's/^\(user\.k[0-9]*\)=.*/\1/p' | sort; }
		expect "no half-set attribute: exactly the ones setxattr reported are there" "$(sort "$T/set")" attrs
	fi
	rm -f "$DATA/filler"
	check "with space back, mkdir works again" mkdir "$MNT"/g/d/3.0.0
	cd /
	umount_fs "unmount after the full disk"
	catalog_consistent "after the full disk"
	expect "the catalog holds exactly the versions that were reported made" \
		"$(cat "$T/made"; echo 3.0.0)" rows 'type == "version" && name ~ /^[23]\.0\./' name
	must_mount
	expect "after a remount the tree is the same" "$(sort "$T/made")" listed
	check "... and the early file is intact" cmp "$T/early" "$MNT"/g/d/1.0.0/early
	umount_fs
	umount "$DATA"
fi

# --- a disk that fails reads ------------------------------------------------
# objects/ on a small ext4 image on a loop device; the device is then cut
# short under the second half of one object, so reading it gives EIO
DATA="$T/data-eio" LOG="$T/eio.log"
mkdir -p "$DATA/objects"
eio_setup() { # the reason it cannot goes to $T/eio.why
	local img="$T/objects.img" dev
	command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null &&
		command -v filefrag >/dev/null ||
		{ echo "losetup, mkfs.ext4 or filefrag missing" >"$T/eio.why"; return 1; }
	truncate -s 64M "$img" && mkfs.ext4 -q -F -O ^has_journal -b 4096 "$img" >"$T/eio.why" 2>&1 ||
		return 1
	dev=$(losetup -f --show "$img" 2>"$T/eio.why") || return 1
	LOOPDEV=$dev
	mount "$LOOPDEV" "$DATA/objects" 2>"$T/eio.why"
}
if ! eio_setup; then
	skip_n 6 "EIO from the object store" "cannot put objects/ on a loop device here: $(head -n1 "$T/eio.why")"
else
	must_mount
	mkdir -p "$MNT"/g/d/1.0.0
	echo small >"$MNT"/g/d/1.0.0/small
	head -c 30000000 /dev/urandom >"$T/big"
	cp "$T/big" "$MNT"/g/d/1.0.0/big
	umount_fs
	obj=$(find "$DATA/objects" -type f -size 30000000c)
	sync -f "$obj"
	# physical extents of the object (4 KiB blocks): cut the device in the middle
	read -r first last < <(filefrag -v "$obj" | awk -F'[: .]+' '/^ *[0-9]+: /{ if (!f) f=$5; l=$6 } END { print f, l }')
	small_end=$(filefrag -v "$(find "$DATA/objects" -type f -size 6c)" | awk -F'[: .]+' '/^ *[0-9]+: /{ l=$6 } END { print l }')
	cut=$(((first + last) / 2))
	if [ -z "$first" ] || [ "$cut" -le "${small_end:-0}" ]; then
		skip_n 5 "EIO from the object store" "the object's blocks are not where the device can be cut (extents $first..$last, small file at $small_end)"
	else
		truncate -s $((cut * 4096)) "$T/objects.img"
		losetup -c "$LOOPDEV"     # the device shrinks with its file
		dd if="$obj" iflag=nocache count=0 2>/dev/null   # drop its cached pages
		if cat "$obj" >/dev/null 2>&1; then
			skip_n 5 "EIO from the object store" "the cut device still reads (the page cache could not be dropped)"
		else
			dd if="$obj" iflag=nocache count=0 2>/dev/null
			must_mount
			expect "a file on a failing disk: a read returns EIO to the caller" "Input/output error" \
				bash -c "dd if='$MNT/g/d/1.0.0/big' of=/dev/null bs=1M 2>&1 >/dev/null | sed -n 's/.*: //p' | head -n1"
			check "the daemon stays up" bash -c "kill -0 $GFS_PID && mountpoint -q '$MNT'"
			expect "other files still read" small cat "$MNT"/g/d/1.0.0/small
			expect "the damaged file still stats" 30000000 stat -c %s "$MNT"/g/d/1.0.0/big
			umount_fs "unmount after the read errors"
		fi
	fi
fi
cleanup
finish
