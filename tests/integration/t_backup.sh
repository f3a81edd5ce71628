#!/usr/bin/env bash
# Backup round trips with the real tools (SPEC §3 "Backups", §4): a gallery
# tree with every kind of property, free user.* attributes, owners, modes and
# old times is backed up from mount A with tar, rsync, restic and borg (each
# leaving .softdeleted out with its usual exclude option) and restored into a
# fresh, empty mount of its own. Names, bytes, modes, owners, link counts,
# mtimes and every user.* attribute must come back, whatever order the tool
# creates directories, writes files and sets attributes in. Also: the
# contents of .softdeleted can be backed up by themselves, and a second
# backup run sees the same inode numbers, ctimes and mtimes (incremental
# tools re-read nothing).
. "$(dirname "$0")/lib.sh"

declare -A pid_of
# fresh NAME [options]: a new, empty galleryfs (its own data directory) on $T/NAME.
fresh() {
	local name=$1; shift
	DATA="$T/data-$name" MNT="$T/$name"
	mount_fs "$@" || return 1
	pid_of[$name]=$GFS_PID
}
# done_with NAME: unmount it, passing when its daemon exits with status 0.
done_with() {
	cd /
	MNT="$T/$1" GFS_PID=${pid_of[$1]}
	check_umount "$1: the daemon exits cleanly at unmount"
	unset "pid_of[$1]"
}
trap 'cd /; for m in "${!pid_of[@]}"; do fusermount3 -u "$T/$m" 2>/dev/null; done; rm -rf "$T"' INT TERM

# snap DIR OUT: what a restore must give back, without .softdeleted and the
# mount root (the root belongs to the mount, and not every tool archives it):
# OUT.tree (name, type, mode, links, owner, group, size, mtime in ns),
# OUT.xattr (every attribute, hex values), OUT.md5 (every file's bytes).
snap() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -name .softdeleted -prune -o \
			-printf '%p %y %m %n %U %G %s %T@\n' | LC_ALL=C sort >"$2.tree"
		find . -mindepth 1 -name .softdeleted -prune -o -print0 | LC_ALL=C sort -z |
			xargs -0 getfattr -h -d -m - -e hex --absolute-names >"$2.xattr"
		find . -name .softdeleted -prune -o -type f -print0 | LC_ALL=C sort -z |
			xargs -0 md5sum >"$2.md5"
	)
}
# differ A B: passes when the files are equal, showing the first differences.
differ() {
	diff -u "$1" "$2" | head -n 40
	return "${PIPESTATUS[0]}"
}
export -f differ
# quiet CMD...: passes when CMD exits 0 and writes nothing to stderr (tar
# only warns, exit status 0, when it cannot set an attribute).
quiet() {
	local err
	err=$("$@" 2>&1 >/dev/null) && [ -z "$err" ] && return 0
	echo "$err"
	return 1
}
# compare TOOL DIR: DIR's snapshot against A's.
compare() {
	local tool=$1 dir=$2
	snap "$dir" "$T/$tool" || { _tap fail "$tool: snapshot of the restored tree"; return; }
	check "$tool: names, types, modes, link counts, owners, sizes and mtimes come back" \
		differ "$T/A.tree" "$T/$tool.tree"
	check "$tool: every file's bytes come back" differ "$T/A.md5" "$T/$tool.md5"
	check "$tool: every user.* attribute comes back" differ "$T/A.xattr" "$T/$tool.xattr"
	expect "$tool: nothing is soft-deleted in the restored mount" "" \
		find "$dir" -mindepth 3 -path '*/.softdeleted/*' -print -quit
}
# stamp DIR: every node's inode number, ctime and mtime, .softdeleted included.
stamp() { (cd "$1" && find . -printf '%p %i %C@ %T@\n' | LC_ALL=C sort); }

# ---- the tree on mount A ---------------------------------------------------
fresh A -o allow_other || exit 1   # allow_other: gfs-nobody writes a property
A=$T/A
cd "$A"
rnd() { head -c "$2" /dev/urandom >"$1"; }
MiB=$((1024 * 1024))

# prod: soft delete on, everything in westeurope, community sharing with
# gallery-level Sharing Admins, an application definition, a Failed version.
mkdir prod
setfattr -n user.acg.location -v WestEurope prod
mkdir -p prod/ubuntu/0.9.0 prod/ubuntu/1.0.0 prod/ubuntu/2.0.0 prod/win-server/1.0.0 \
	prod/tools/0.1.0 prod/tools/1.0.0
setfattr -n user.acg.kind -v application prod/tools
rnd prod/ubuntu/0.9.0/disk0.vhd $MiB
rnd prod/ubuntu/1.0.0/disk0.vhd $((3 * MiB + 4321))
rnd prod/ubuntu/1.0.0/disk1.vhd $((2 * MiB))
echo "release notes" >prod/ubuntu/1.0.0/notes.txt
rnd prod/ubuntu/1.0.0/old.log 5000
rnd prod/ubuntu/2.0.0/disk0.vhd $((MiB + 17))
: >prod/ubuntu/2.0.0/empty
rnd prod/win-server/1.0.0/disk.vhdx $((2 * MiB + 512))
echo "read me" >"prod/win-server/1.0.0/name with spaces.txt"
rnd prod/tools/0.1.0/app.zip 4096
rnd prod/tools/1.0.0/app.zip $((MiB / 2))
setfattr -n user.acg.sharing -v community prod
setfattr -n user.acg.sharingAdmins -v "gfs-alice,@gfs-team" prod
setfattr -n user.acg.replicas -v "westeurope=3,northeurope=2" prod/ubuntu/1.0.0
setfattr -n user.acg.replicas -v "westeurope=1" prod/win-server/1.0.0
setfattr -n user.owner -v team-a prod
setfattr -n user.description -v "Ubuntu images" prod/ubuntu
setfattr -n user.build -v 2021.03.04 prod/ubuntu/1.0.0
setfattr -n user.sha256 -v "$(sha256sum <prod/ubuntu/1.0.0/disk0.vhd | cut -c1-64)" prod/ubuntu/1.0.0/disk0.vhd
setfattr -n user.binary -v 0x00ff10fe7f prod/ubuntu/1.0.0/disk1.vhd
setfattr -n user.empty -v "" prod/ubuntu/1.0.0/notes.txt
setfattr -n user.vendor -v contoso prod/tools
check "prod: soft delete on" setfattr -n user.acg.softDelete -v true prod
check "prod: a whole version soft-deleted" rm -r prod/ubuntu/0.9.0
check "prod: a single file soft-deleted" rm prod/ubuntu/1.0.0/old.log
check "prod: an application version deleted for good" rm -r prod/tools/0.1.0
check "prod: a version set Failed" setfattr -n user.acg.provisioningState -v Failed prod/ubuntu/2.0.0

# dev: soft delete off, default location, direct-shared, a version used by a
# VMSS Flex, an empty definition, an empty version.
mkdir -p dev/alpine/0.1.0 dev/alpine/0.2.0 dev/alpine/0.3.0 dev/empty-def
rnd dev/alpine/0.1.0/root.img $((MiB + 999))
printf 'k=v\n' >dev/alpine/0.1.0/config
rnd dev/alpine/0.2.0/root.img 70000
setfattr -n user.acg.sharing -v direct-shared dev
setfattr -n user.acg.usedByVmssFlex -v true dev/alpine/0.2.0
setfattr -n user.acg.replicas -v "eastus=5,westus2=2" dev/alpine/0.1.0
setfattr -n user.stage -v beta dev/alpine/0.2.0
setfattr -n user.checksum -v 1234 dev/alpine/0.1.0/config

# archive.old: soft delete on, a soft-deleted version, a gallery of another owner.
mkdir -p archive.old/legacy/1.2.3 archive.old/legacy/2.0.0
rnd archive.old/legacy/1.2.3/disk.vhd $MiB
rnd archive.old/legacy/2.0.0/disk.vhd $((MiB + 3))
echo "keep" >archive.old/legacy/2.0.0/README
setfattr -n user.acg.softDelete -v true archive.old
rm -r archive.old/legacy/1.2.3

# owners and modes (numeric ids without names too)
chown 1005:1002 prod/ubuntu/1.0.0/disk0.vhd           # gfs-alice:gfs-team
chown 2001:2002 prod/ubuntu/1.0.0/disk1.vhd
chmod 0600 prod/ubuntu/1.0.0/disk1.vhd
chmod 0444 prod/ubuntu/1.0.0/notes.txt
chmod 0640 prod/win-server/1.0.0/disk.vhdx
chmod 0755 prod/tools/1.0.0/app.zip
chmod 0664 dev/alpine/0.1.0/config
chown 2001:100 dev/alpine/0.1.0/root.img
chown 1005:100 archive.old
chmod 0750 archive.old
chown 2001:2002 dev/alpine/0.2.0
chmod 0700 dev/alpine/0.2.0
chmod 0555 prod/ubuntu/2.0.0
chown :1002 prod/ubuntu
chmod 0775 prod/ubuntu
chmod 0711 dev/empty-def

# old times with nanoseconds, files first, then versions, definitions,
# galleries (a directory's time is set after its contents)
i=0
for p in */*/*/* */*/*/ */*/ */; do
	i=$((i + 1))
	touch -h -d "@$((1500000000 + i * 86413)).$(printf %09d $((i * 123456789 % 1000000000)))" "$p"
done
cd /
check "prod/.softdeleted holds a version and a file" test -f "$A/prod/.softdeleted/ubuntu/0.9.0/disk0.vhd" -a -f "$A/prod/.softdeleted/ubuntu/1.0.0/old.log"
check "archive.old/.softdeleted holds a version" test -f "$A/archive.old/.softdeleted/legacy/1.2.3/disk.vhd"
expect "prod/.softdeleted lists only the image definition" ubuntu ls -A "$A/prod/.softdeleted"
expect "the application version is nowhere under .softdeleted" "" ls -A "$A/prod/.softdeleted/tools"
snap "$A" "$T/A"

# writing a read-only property its own value succeeds (SPEC §4)
try_is "retentionDays written back as 7 succeeds" OK setxattr "$A/prod" user.acg.retentionDays 7
try_is "... any other value: EPERM" EPERM setxattr "$A/prod" user.acg.retentionDays 30
try_is "kind written back on an application definition holding nothing soft-deleted" OK setxattr "$A/prod/tools" user.acg.kind application
chmod 0777 "$A/dev"
expect "softDelete written back by a user without a role succeeds" OK \
	runuser -u gfs-nobody -- "$GFS_TRY" setxattr "$A/dev" user.acg.softDelete false
chmod 0755 "$A/dev"
check "user.acg.softDeletedBytes is not listed (never written back)" \
	bash -c "! getfattr -d -m - '$A/prod' | grep -q softDeletedBytes"

stamp "$A" >"$T/stamp0"
tarx=(--xattrs --xattrs-include='user.*')

# ---- tar, default (directory) order ----------------------------------------
check "tar: back up A, leaving .softdeleted out" \
	quiet tar -C "$A" "${tarx[@]}" --exclude=.softdeleted -cpf "$T/a.tar" .
check "tar: the archive holds no .softdeleted" bash -c "! tar -tf '$T/a.tar' | grep -q softdeleted"
stamp "$A" >"$T/stamp1"
check "tar: a second run in a row" quiet tar -C "$A" "${tarx[@]}" --exclude=.softdeleted -cpf "$T/a2.tar" .
stamp "$A" >"$T/stamp2"
check "two backup runs see the same inode numbers, ctimes and mtimes" \
	bash -c "differ '$T/stamp0' '$T/stamp1' && differ '$T/stamp1' '$T/stamp2'"
fresh tar || exit 1
check "tar: extract into an empty mount" \
	quiet tar -C "$T/tar" "${tarx[@]}" --same-owner -xpf "$T/a.tar"
compare tar "$T/tar"
expect "tar: rsync -aXi --dry-run A -> restored finds nothing to transfer" "" \
	rsync -aXi --dry-run --exclude=.softdeleted "$A/" "$T/tar/"
check "tar: the restored gallery soft-deletes (its softDelete came back)" \
	bash -c "rm '$T/tar/prod/win-server/1.0.0/name with spaces.txt' && test -f '$T/tar/prod/.softdeleted/win-server/1.0.0/name with spaces.txt'"
done_with tar

# ---- tar, names sorted ------------------------------------------------------
check "tar --sort=name: back up A" \
	quiet tar -C "$A" "${tarx[@]}" --exclude=.softdeleted --sort=name -cpf "$T/s.tar" .
fresh tarsorted || exit 1
check "tar --sort=name: extract into an empty mount" \
	quiet tar -C "$T/tarsorted" "${tarx[@]}" --same-owner -xpf "$T/s.tar"
compare tarsorted "$T/tarsorted"
done_with tarsorted

# ---- tar incremental: a level-1 run after no change holds no file ----------
check "tar -g: level 0 archives every file" \
	bash -c "tar -C '$A' --exclude=.softdeleted -g '$T/snar' -cf '$T/l0.tar' . && [ \$(tar -tvf '$T/l0.tar' | grep -c '^-') = $(grep -c ' f ' "$T/A.tree") ]"
check "tar -g: level 1 after no change archives no file (nothing re-read)" \
	bash -c "tar -C '$A' --exclude=.softdeleted -g '$T/snar' -cf '$T/l1.tar' . && ! tar -tvf '$T/l1.tar' | grep '^-'"

# ---- rsync -------------------------------------------------------------------
# rsync 3.5 makes a gallery's definitions and versions before it sets the
# gallery's attributes (they take the gallery's location of that moment, the
# default), then sets them in name order, the gallery's first: location, ...,
# softDelete=true while its versions still hold the default location, then
# the definitions' and versions'. SPEC §4: the restore must still give back
# every property, whatever the order.
fresh rsync || exit 1
check "rsync -aX: copy A into an empty mount" \
	quiet rsync -aX --exclude=.softdeleted "$A/" "$T/rsync/"
compare rsync "$T/rsync"
expect "rsync: a second rsync -aXi --dry-run finds nothing to transfer" "" \
	rsync -aXi --dry-run --exclude=.softdeleted "$A/" "$T/rsync/"
done_with rsync

# ---- restic ------------------------------------------------------------------
export RESTIC_PASSWORD=galleryfs RESTIC_REPOSITORY="$T/restic-repo"
check "restic: init a repository" restic --no-cache -q init
check "restic: back up A, leaving .softdeleted out" \
	bash -c "cd '$A' && restic --no-cache -q backup --exclude .softdeleted ."
check "restic: a second backup finds no new or changed file" \
	bash -c "cd '$A' && restic --no-cache backup --json --exclude .softdeleted . | grep '\"message_type\":\"summary\"' | grep -q '\"files_new\":0,\"files_changed\":0,'"
fresh restic || exit 1
check "restic: restore into an empty mount" quiet restic --no-cache -q restore latest --target "$T/restic"
# restic 0.14 stores user.* attributes and sets them back, with owners, modes
# and times, on each directory after its contents (node.RestoreMetadata):
# nothing needs loosening.
compare restic "$T/restic"
done_with restic

# ---- borg --------------------------------------------------------------------
export BORG_REPO="$T/borg-repo" BORG_BASE_DIR="$T/borg-base" \
	BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
check "borg: init a repository" borg init -e none
check "borg: back up A, leaving .softdeleted out" \
	bash -c "cd '$A' && borg create --exclude 'sh:**/.softdeleted' ::a ."
check "borg: the archive holds no .softdeleted" bash -c "! borg list --short ::a | grep -q softdeleted"
fresh borg || exit 1
check "borg: extract inside an empty mount" quiet bash -c "cd '$T/borg' && borg extract ::a"
compare borg "$T/borg"
done_with borg

# ---- the contents of .softdeleted can be backed up by themselves -------------
check "tar of prod/.softdeleted by itself" quiet tar -C "$A/prod/.softdeleted" "${tarx[@]}" -cf "$T/sd.tar" .
expect "... lists the soft-deleted version and file" "./ubuntu/0.9.0/disk0.vhd
./ubuntu/1.0.0/old.log" bash -c "tar -tf '$T/sd.tar' | grep -v '/\$' | LC_ALL=C sort"
mkdir "$T/sd-out"
check "... extracts into a plain directory" tar -C "$T/sd-out" "${tarx[@]}" -xf "$T/sd.tar"
check "... byte-identical" bash -c "cmp '$T/sd-out/ubuntu/0.9.0/disk0.vhd' '$A/prod/.softdeleted/ubuntu/0.9.0/disk0.vhd' && cmp '$T/sd-out/ubuntu/1.0.0/old.log' '$A/prod/.softdeleted/ubuntu/1.0.0/old.log'"
expect "... with its deletedAt attribute" \
	"$(getfattr --absolute-names --only-values -n user.acg.deletedAt "$A/prod/.softdeleted/ubuntu/0.9.0")" \
	getfattr --absolute-names --only-values -n user.acg.deletedAt "$T/sd-out/ubuntu/0.9.0"
check "rsync -a of archive.old/.softdeleted by itself, byte-identical" \
	bash -c "rsync -a '$A/archive.old/.softdeleted/' '$T/sd-rsync/' && cmp '$T/sd-rsync/legacy/1.2.3/disk.vhd' '$A/archive.old/.softdeleted/legacy/1.2.3/disk.vhd'"

# ---- nothing the backups did changed A, across a remount either -------------
stamp "$A" >"$T/stamp3"
check "after every backup, A's inode numbers, ctimes and mtimes are unchanged" differ "$T/stamp0" "$T/stamp3"
done_with A
fresh A || exit 1
stamp "$A" >"$T/stamp4"
check "... and read the same after a remount" differ "$T/stamp0" "$T/stamp4"
snap "$A" "$T/A2"
check "... names, modes, owners, mtimes of A after a remount" differ "$T/A.tree" "$T/A2.tree"
check "... attributes of A after a remount" differ "$T/A.xattr" "$T/A2.xattr"
done_with A

finish
