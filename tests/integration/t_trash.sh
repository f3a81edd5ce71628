#!/usr/bin/env bash
# The desktop trash as a view of soft delete (design §10), with the real
# tools: GLib's gio, gvfs's gvfsd-trash (in a D-Bus session of its own, so
# that trash:// is the real backend) and Debian's trash-cli; as root and as
# two users on an allow_other mount. Move to Trash soft-deletes, the Trash
# lists what the caller soft-deleted (however), Restore restores, Delete
# permanently and Empty Trash delete for good; every refusal on the way in
# is the rule's errno, never EXDEV.
. "$(dirname "$0")/lib.sh"
plan 98
for tool in gio trash-put trash-list trash-restore trash-rm trash-empty dbus-run-session; do
	command -v "$tool" >/dev/null && continue
	_tap fail "$tool is installed (scripts/setup.sh installs it)"
	exit 1
done
FT="$T/faketime"
echo "+0" >"$FT"
ZONE=America/New_York
# the daemon's clock can be moved (purges, expiries), and its zone is not UTC
GFS_ENV="TZ=$ZONE ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$FT FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1"
GFS_PURGE_INTERVAL=2592000
write_config
must_mount -o allow_other
cd "$MNT"
ALICE=$(id -u gfs-alice) NOBODY=$(id -u gfs-nobody)
for u in gfs-alice gfs-nobody; do mkdir -p "$T/home-$u" && chown "$u" "$T/home-$u"; done
# root's home trash too is one of the test's own: Empty Trash as root must
# not empty the real one of whoever runs the suite
export HOME="$T/home-root"
unset XDG_DATA_HOME
mkdir -p "$HOME"
as() { local u=$1; shift; runuser -u "$u" -- env HOME="$T/home-$u" "$@"; }
# gvfs [user] cmd...: in a D-Bus session of its own, with gvfsd-trash behind
# trash://; its daemons' chatter on stderr is dropped
gvfs() {
	local run=()
	case $1 in gfs-*) run=(runuser -u "$1" -- env HOME="$T/home-$1"); shift ;; esac
	"${run[@]}" dbus-run-session -- "$@" 2> >(grep -v -e '^dbus-daemon' -e "bus can't be made" \
		-e GVFS-WARNING -e '^$' >&2)
}
# The tools list the trash of every mounted filesystem: keep the lines of
# this test's mount (another galleryfs may be mounted meanwhile).
ours() { awk -v m="$MNT/" 'index($0, m)'; }
# listing of gio trash --list: original path, one a line, sorted
gio_listing() { gvfs "$@" gio trash --list | cut -f2 | ours | sort; }
# the URI gio uses for the item whose original path is $2
uri_of() { local u=$1; [ "$u" = root ] && u=; gvfs ${u:-} gio trash --list | awk -F'\t' -v p="$2" '$2 == p {print $1}'; }
# snap DIR: names, inodes, modes, owners, sizes, mtimes, bytes, free attributes
snap() {
	(cd "$1" && find . -printf '%p %y %i %m %U %G %s %T@\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 md5sum &&
		find . -print0 | sort -z | xargs -0 getfattr -h -d -m '^user\.' -e hex --absolute-names 2>/dev/null |
			awk '/^# file: / {f = substr($0, 9)} /^user\./ && !/^user\.acg\./ {print f, $0}')
}
local_date() { TZ=$ZONE date -d "$1" +%Y-%m-%dT%H:%M:%S; }

mkdir -p g/d/1.0.0 g/d/2.0.0 g/d/3.0.0 g/e/1.0.0 off/d/1.0.0
for v in g/d/1.0.0 g/d/2.0.0 g/d/3.0.0 g/e/1.0.0 off/d/1.0.0; do
	head -c $((100000 + RANDOM)) /dev/urandom >"$v/disk.vhd"
	echo "notes of $v" >"$v/notes.txt"
done
setfattr -n user.build -v 42 g/d/1.0.0/disk.vhd
chmod 0640 g/d/1.0.0/notes.txt
setfattr -n user.acg.softDelete -v true g
chmod 0777 g/d g/e

# --- the trash's directories ---------------------------------------------------
expect "the mount's listing shows no trash" "g off" bash -c 'echo $(ls -A)'
expect ".Trash-0 resolves: a directory, root's, 0700" "directory 700 0" stat -c '%F %a %u' .Trash-0
expect ".Trash-UID of another user is that user's" "directory 700 $ALICE" stat -c '%F %a %u' ".Trash-$ALICE"
expect "... with files, info and expunged, the same" "expunged 700 0
files 700 0
info 700 0" bash -c 'cd .Trash-0 && stat -c "%n %a %u" * | sort'
try_is ".Trash does not exist (tools then take .Trash-UID)" ENOENT getxattr .Trash user.x
try_is "mkdir of files/: EEXIST" EEXIST mkdir .Trash-0/files
try_is "chmod 0700 of info/: done, nothing changes" OK chmod .Trash-0/info 700
try_is "chmod 0755 of info/: EPERM (R15)" EPERM chmod .Trash-0/info 755
expect "another user cannot look into root's trash" EACCES as gfs-alice "$GFS_TRY" open-read .Trash-0/info/x
expect "GLib offers Move to Trash on the mount" "  access::can-trash: TRUE" \
	bash -c "gio info -a access::can-trash g/d/1.0.0 | tail -n 1"

# --- Move to Trash: a soft delete, exactly as rm -r -----------------------------------
before=$(snap g/d/1.0.0)
check "gio trash of a version" gio trash g/d/1.0.0
expect "... it is in .softdeleted at once, every file, inode, byte and attribute as before" \
	"$before" snap g/.softdeleted/d/1.0.0
check "... with deletedAt and purgeAt, 7 days apart" bash -c '
	d=$(getfattr --only-values -n user.acg.deletedAt g/.softdeleted/d/1.0.0)
	p=$(getfattr --only-values -n user.acg.purgeAt g/.softdeleted/d/1.0.0)
	[ $(( $(date -d "$p" +%s) - $(date -d "$d" +%s) )) -eq 604800 ]'
expect "... and the same through the trash view" "$before" snap .Trash-0/files/1.0.0
deleted=$(getfattr --only-values -n user.acg.deletedAt g/.softdeleted/d/1.0.0)
expect "... whose info file names its path and deletion time (local time)" "[Trash Info]
Path=g/d/1.0.0
DeletionDate=$(local_date "$deleted")" cat .Trash-0/info/1.0.0.trashinfo
fnotes=$(stat -c %i g/d/2.0.0/notes.txt)
check "gio trash of a file" gio trash g/d/2.0.0/notes.txt
expect "... it is in its version's shadow at once, same inode" "$fnotes" stat -c %i g/.softdeleted/d/2.0.0/notes.txt
check "trash-put of a version soft-deletes it too" bash -c 'trash-put g/d/3.0.0 && [ ! -e g/d/3.0.0 ] && [ -f g/.softdeleted/d/3.0.0/disk.vhd ]'
check "rm -r of a version is in the trash as well" rm -r g/e/1.0.0
mkdir g/d/4.5.0 && echo x >g/d/4.5.0/x
check "... and so is mv of one into .softdeleted" mv g/d/4.5.0 g/.softdeleted/d/
expect "two versions of one name, in two definitions, get two names in files/" "1.0.0
1.2.0.0
3.0.0
4.5.0
notes.txt" bash -c 'ls .Trash-0/files | sort'

# --- what the Trash lists -----------------------------------------------------------
want_list="$MNT/g/d/1.0.0
$MNT/g/d/2.0.0/notes.txt
$MNT/g/d/3.0.0
$MNT/g/d/4.5.0
$MNT/g/e/1.0.0"
expect "gio trash --list lists every item root soft-deleted, by gio, trash-put, rm or mv, with its path" \
	"$want_list" gio_listing
expect "gio list trash:// gives each its original path and local deletion date" \
	"$(printf '%s\n' "$want_list" | while read -r p; do
		sd=${p#$MNT/g/}; sd=g/.softdeleted/$sd
		echo "$p $(local_date "$(getfattr --only-values -n user.acg.deletedAt "$sd")")"
	done | sort)" \
	bash -c "$(declare -f gvfs ours); T='$T' MNT='$MNT'; gvfs gio list -a trash::orig-path,trash::deletion-date trash:// |
		sed -n 's/.*trash::orig-path=\\([^ ]*\\) trash::deletion-date=\\(.*\\)$/\\1 \\2/p' | ours | sort"
expect "trash-list lists what gio trash --list lists" "$want_list" \
	bash -c "$(declare -f ours); MNT='$MNT'; trash-list | sed 's/^[0-9-]* [0-9:]* //' | ours | sort"

# --- other users ----------------------------------------------------------------------
as gfs-alice mkdir g/d/5.0.0
as gfs-alice sh -c 'echo mine >g/d/5.0.0/mine'
check "gfs-alice moves her version to the trash (gio trash)" as gfs-alice gio trash g/d/5.0.0
expect "... it is in her trash" "$MNT/g/d/5.0.0" gio_listing gfs-alice
expect "... and trash-list shows it to her" "$MNT/g/d/5.0.0" \
	bash -c "$(declare -f as ours); T='$T' MNT='$MNT'; as gfs-alice trash-list | sed 's/^[0-9-]* [0-9:]* //' | ours"
expect "... not in root's" "$want_list" gio_listing
expect "... nor in gfs-nobody's" "" gio_listing gfs-nobody
check "gfs-nobody's rm of his own version goes to his trash" \
	bash -c "$(declare -f as); T='$T'; as gfs-nobody mkdir g/e/7.0.0 && as gfs-nobody rm -r g/e/7.0.0"
expect "... and only there" "$MNT/g/e/7.0.0" gio_listing gfs-nobody
expect "... gfs-alice's is as it was" "$MNT/g/d/5.0.0" gio_listing gfs-alice

# --- Restore -------------------------------------------------------------------------
vino=$(stat -c %i g/.softdeleted/d/1.0.0)
check "gio trash --restore brings a version back to its path" \
	gvfs gio trash --restore "$(uri_of root "$MNT/g/d/1.0.0")"
expect "... whole, with its inode numbers, bytes and attributes" "$before" snap g/d/1.0.0
expect "... its inode number, as before" "$vino" stat -c %i g/d/1.0.0
expect "... and it left the trash" "$MNT/g/d/2.0.0/notes.txt
$MNT/g/d/3.0.0
$MNT/g/d/4.5.0
$MNT/g/e/1.0.0" gio_listing
echo "a new notes.txt" >g/d/2.0.0/notes.txt
sd_before=$(snap g/.softdeleted/d/2.0.0)
check_not "a restore onto a live file of the same name fails" 1 \
	gvfs gio trash --restore "$(uri_of root "$MNT/g/d/2.0.0/notes.txt")"
expect "... and changes nothing" "a new notes.txt|$sd_before" \
	bash -c "echo \"\$(cat g/d/2.0.0/notes.txt)|\$($(declare -f snap); snap g/.softdeleted/d/2.0.0)\""
try_is "... the rename itself answers EEXIST (R14)" EEXIST rename .Trash-0/files/notes.txt g/d/2.0.0/notes.txt
rm g/d/2.0.0/notes.txt       # soft-deleted: the shadow keeps the newest
check "each of two same-named versions restores to its own path (trash-restore, answering its prompt)" \
	bash -c "cd '$MNT/g/e' && echo 0 | trash-restore >/dev/null && [ -f '$MNT/g/e/1.0.0/disk.vhd' ]"
expect "... the other is still in the trash" "$MNT/g/d/2.0.0/notes.txt
$MNT/g/d/3.0.0
$MNT/g/d/4.5.0" gio_listing
expect "... and rename to any other path is EPERM, never EXDEV (R14)" EPERM \
	"$GFS_TRY" rename .Trash-0/files/3.0.0 g/e/3.0.0

# --- Delete permanently, Empty Trash -------------------------------------------------------
used=$(store_bytes)
check "gvfs's Delete permanently (gio remove trash:///...) deletes for good" \
	gvfs gio remove "$(uri_of root "$MNT/g/d/3.0.0")"
check "... gone from .softdeleted too" test ! -e g/.softdeleted/d/3.0.0
check "... its content freed" test "$(store_bytes)" -lt "$used"
expect "... expunged/ lists empty" "" ls -A .Trash-0/expunged
mkdir g/d/8.0.0 && echo 8 >g/d/8.0.0/f && rm -r g/d/8.0.0
mkdir g/d/9.0.0 && echo 9 >g/d/9.0.0/f && rm -r g/d/9.0.0
check "trash-rm NAME deletes that item for good" trash-rm 8.0.0
expect "... it is gone, the others stay" "$MNT/g/d/2.0.0/notes.txt
$MNT/g/d/4.5.0
$MNT/g/d/9.0.0" gio_listing
used=$(store_bytes)
check "gio trash --empty empties root's trash" gvfs gio trash --empty
expect "... nothing is left in it" "" gio_listing
expect "... nor in .softdeleted, where gfs-alice's is all that is left" "5.0.0" ls g/.softdeleted/d
check "... the content is freed" test "$(store_bytes)" -lt "$used"
expect "... gfs-alice's item is untouched" "$MNT/g/d/5.0.0" gio_listing gfs-alice
check "trash-empty as gfs-alice empties hers" as gfs-alice trash-empty
expect "... nothing is left" "" gio_listing gfs-alice

# --- refusals on the way in: the rule's errno, never EXDEV; nothing changes ------------
mkdir -p g/app/1.0.0 && echo a >g/app/1.0.0/a && setfattr -n user.acg.kind -v application g/app
mkdir g/d/4.0.0 && echo f >g/d/4.0.0/f && setfattr -n user.acg.provisioningState -v Failed g/d/4.0.0
tree_before=$(snap .; snap g/.softdeleted)
refused() { # name path rule: gio trash and trash-put fail, rename says EPERM, one line per try
	local name=$1 path=$2 rule=$3
	check_not "$name: gio trash fails (Operation not permitted)" EPERM gio trash "$path"
	logged "... the log names $rule and offers the permanent delete" \
		"^galleryfs: $rule [^ ]*: .*; a file manager may offer to delete it permanently instead$"
	check_not "... trash-put fails too, without copying" 74 trash-put "$path"
	expect "... the rename is EPERM, never EXDEV" EPERM "$GFS_TRY" rename "$path" ".Trash-0/files/${path##*/}"
}
refused "soft delete off" off/d/1.0.0 R15
refused "an application version (R2)" g/app/1.0.0 R2
refused "a Failed version (R8)" g/d/4.0.0 R8
refused "a definition (R13: never soft-deleted)" g/e R13
refused "a gallery" off R13
expect "after every refusal the tree is unchanged" "$tree_before" bash -c "$(declare -f snap); snap .; snap g/.softdeleted"
expect "... and the trash is empty" "" gio_listing
expect "... info/ too (the reservations went)" "" ls -A .Trash-0/info

# --- durability: a move to the trash survives kill -9; reservations live in memory -------
cd /
check "gio trash, then kill -9 at once" bash -c "gio trash '$MNT/g/d/2.0.0' && kill -9 $GFS_PID"
crash_fs
must_mount -o allow_other
cd "$MNT"
expect "after the remount the item is in the trash" "$MNT/g/d/2.0.0" gio_listing
expect "... and in .softdeleted (its notes.txt went with the emptied trash)" "disk.vhd" \
	bash -c 'echo $(ls g/.softdeleted/d/2.0.0)'
try_is "a reservation made with O_EXCL, as the tools do" OK create .Trash-0/info/never.trashinfo
try_is "... a second one of that name: EEXIST" EEXIST create .Trash-0/info/never.trashinfo
try_is "... a name an item holds: EEXIST" EEXIST create .Trash-0/info/2.0.0.trashinfo
try_is "... anything else made in info/ or files/: EPERM" EPERM create .Trash-0/info/notes
try_is "... or in files/" EPERM create .Trash-0/files/never
cd /
umount_fs "unmount with a reservation pending"
must_mount -o allow_other
cd "$MNT"
expect "after a remount the reservation has left nothing behind" "2.0.0.trashinfo" ls -A .Trash-0/info
try_is "a reservation ..." OK create .Trash-0/info/later.trashinfo
echo "+2m" >"$FT"
eventually "... goes away on its own once unused a minute" 20 \
	bash -c "! ls -A '$MNT/.Trash-0/info' | grep -q later"
echo "+0" >"$FT"

# --- freshness: what another shell did shows at once; a purge empties both views -----------
mkdir g/d/6.0.0 && echo 6 >g/d/6.0.0/f
expect "the trash view before" "$MNT/g/d/2.0.0" gio_listing
rm -r g/d/6.0.0
expect "an rm in another shell shows in the very next gio trash --list" "$MNT/g/d/2.0.0
$MNT/g/d/6.0.0" gio_listing
cd /
umount_fs "unmount before the clock moves"
GFS_PURGE_INTERVAL=1 write_config
must_mount -o allow_other
cd "$MNT"
echo "+8d" >"$FT"
eventually "past its purgeAt an item is gone from the trash" 20 bash -c "[ -z \"\$(ls '$MNT/.Trash-0/files')\" ]"
expect "... and from .softdeleted" "" ls g/.softdeleted/d
expect "... and from gio trash --list" "" gio_listing
expect "... and trash-list" "" bash -c "$(declare -f ours); MNT='$MNT'; trash-list | ours"
echo "+0" >"$FT"
cd /
finish
