#!/usr/bin/env bash
# Backup round trips with the real tools (design §3 "Backups", §4): a gallery
# tree with every kind of property, free user.* attributes, owners, modes and
# old times is backed up from mount A with tar, rsync, restic and borg (with
# no exclude option: .softdeleted is not listed, so they never see it) and
# restored into a fresh, empty mount of its own. Mount A is first checked
# against a reference the test keeps on the machine's own filesystem (the
# same bytes, modes, owners, times and free attributes written there too)
# and against the property values it set, so that what a restore is
# compared with is known to be right. Names, bytes, modes, owners, link counts,
# mtimes and every user.* attribute must come back, whatever order the tool
# creates directories, writes files and sets attributes in. Also: the
# contents of .softdeleted can be backed up by themselves, and a second
# backup run sees the same inode numbers, ctimes and mtimes (incremental
# tools re-read nothing).
. "$(dirname "$0")/lib.sh"
plan 77

declare -A pid_of
# fresh NAME [options]: a new, empty galleryfs (its own data directory) on $T/NAME.
fresh() {
	local name=$1; shift
	DATA="$T/data-$name" MNT="$T/$name"
	must_mount "$@"
	pid_of[$name]=$GFS_PID
}
# done_with NAME: unmount it, passing when its daemon exits with status 0.
done_with() {
	cd /
	MNT="$T/$1" GFS_PID=${pid_of[$1]}
	umount_fs "$1: the daemon exits with status 0 at unmount"
	unset "pid_of[$1]"
}
trap 'cd /; for m in "${!pid_of[@]}"; do fusermount3 -u "$T/$m" 2>/dev/null; done; rm -rf "$T"' INT TERM

# snap DIR OUT: what a restore must give back, without the mount root (the
# root belongs to the mount, and not every tool archives it; .softdeleted is
# not listed, so find never enters it):
# OUT.tree (name, type, mode, links, owner, group, size, mtime in ns),
# OUT.xattr (every attribute, hex values), OUT.md5 (every file's bytes).
snap() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -printf '%p %y %m %n %U %G %s %T@\n' | LC_ALL=C sort >"$2.tree"
		find . -mindepth 1 -print0 | LC_ALL=C sort -z |
			xargs -0 getfattr -h -d -m - -e hex --absolute-names >"$2.xattr"
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum >"$2.md5"
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
	expect "$tool: nothing is soft-deleted in the restored mount" "archive.old: |dev: |prod: |" \
		bash -c "cd '$dir' && for g in *; do printf '%s: %s|' \"\$g\" \"\$(ls -A \$g/.softdeleted)\"; done"
}
# stamp DIR: every node's inode number, ctime and mtime, what .softdeleted
# holds included.
stamp() { (cd "$1" && find . */.softdeleted -printf '%p %i %C@ %T@\n' | LC_ALL=C sort); }
# ref_snap DIR: what the reference and a mount must agree on: names, types,
# modes, owners, the size and mtime of files and the mtime of directories
# (directory sizes and link counts differ between filesystems), every file's
# bytes, and the free user.* attributes (not the user.acg.* properties).
ref_snap() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 \( -type f -printf '%p f %m %U %G %s %T@\n' \) -o \
			\( -type d -printf '%p d %m %U %G %T@\n' \) | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum
		find . -mindepth 1 -print0 | LC_ALL=C sort -z |
			xargs -0 getfattr -h -d -m '^user\.' -e hex --absolute-names |
			awk '/^# file: / {f = substr($0, 9)} /^user\./ && !/^user\.acg\./ {print f, $0}'
	)
}

# ---- the tree on mount A ---------------------------------------------------
fresh A -o allow_other   # allow_other: gfs-nobody writes a property
A=$T/A
REF=$T/ref
mkdir "$REF"
cd "$A"
# The live tree is written twice: on A and on the reference $REF.
both() { "$@" && (cd "$REF" && "$@"); }
rnd() { head -c "$2" /dev/urandom >"$REF/$1" && cp "$REF/$1" "$1"; }
# gone PATH: soft-deleted or deleted on A, so out of the reference's live tree
gone() { rm -r "$REF/$1"; }
MiB=$((1024 * 1024))

# prod: soft delete on, everything in westeurope, community sharing with
# gallery-level Sharing Admins, an application definition, a Failed version.
mkdir prod
setfattr -n user.acg.location -v WestEurope prod
both mkdir -p prod/ubuntu/0.9.0 prod/ubuntu/1.0.0 prod/ubuntu/2.0.0 prod/win-server/1.0.0 \
	prod/tools/0.1.0 prod/tools/1.0.0
setfattr -n user.acg.kind -v application prod/tools
rnd prod/ubuntu/0.9.0/disk0.vhd $MiB
rnd prod/ubuntu/1.0.0/disk0.vhd $((3 * MiB + 4321))
rnd prod/ubuntu/1.0.0/disk1.vhd $((2 * MiB))
both bash -c 'echo "release notes" >prod/ubuntu/1.0.0/notes.txt'
rnd prod/ubuntu/1.0.0/old.log 5000
rnd prod/ubuntu/2.0.0/disk0.vhd $((MiB + 17))
both touch prod/ubuntu/2.0.0/empty
rnd prod/win-server/1.0.0/disk.vhdx $((2 * MiB + 512))
both bash -c 'echo "read me" >"prod/win-server/1.0.0/name with spaces.txt"'
rnd prod/tools/0.1.0/app.zip 4096
rnd prod/tools/1.0.0/app.zip $((MiB / 2))
setfattr -n user.acg.sharing -v community prod
setfattr -n user.acg.sharingAdmins -v "gfs-alice,@gfs-team" prod
setfattr -n user.acg.replicas -v "westeurope=3,northeurope=2" prod/ubuntu/1.0.0
setfattr -n user.acg.replicas -v "westeurope=1" prod/win-server/1.0.0
both setfattr -n user.owner -v team-a prod
both setfattr -n user.description -v "Ubuntu images" prod/ubuntu
both setfattr -n user.build -v 2021.03.04 prod/ubuntu/1.0.0
both setfattr -n user.sha256 -v "$(sha256sum <prod/ubuntu/1.0.0/disk0.vhd | cut -c1-64)" prod/ubuntu/1.0.0/disk0.vhd
both setfattr -n user.binary -v 0x00ff10fe7f prod/ubuntu/1.0.0/disk1.vhd
both setfattr -n user.empty -v "" prod/ubuntu/1.0.0/notes.txt
both setfattr -n user.vendor -v contoso prod/tools
check "prod: soft delete on" setfattr -n user.acg.softDelete -v true prod
check "prod: a whole version soft-deleted" rm -r prod/ubuntu/0.9.0
mkdir -p "$T/ref-sd/ubuntu/1.0.0"
mv "$REF/prod/ubuntu/0.9.0" "$T/ref-sd/ubuntu/"
check "prod: a single file soft-deleted" rm prod/ubuntu/1.0.0/old.log
mv "$REF/prod/ubuntu/1.0.0/old.log" "$T/ref-sd/ubuntu/1.0.0/"
check "prod: an application version deleted for good" rm -r prod/tools/0.1.0
gone prod/tools/0.1.0
check "prod: a version set Failed" setfattr -n user.acg.provisioningState -v Failed prod/ubuntu/2.0.0

# dev: soft delete off, default location, direct-shared, a version used by a
# VMSS Flex, an empty definition, an empty version.
both mkdir -p dev/alpine/0.1.0 dev/alpine/0.2.0 dev/alpine/0.3.0 dev/empty-def
rnd dev/alpine/0.1.0/root.img $((MiB + 999))
both bash -c "printf 'k=v\n' >dev/alpine/0.1.0/config"
rnd dev/alpine/0.2.0/root.img 70000
setfattr -n user.acg.sharing -v direct-shared dev
setfattr -n user.acg.usedByVmssFlex -v true dev/alpine/0.2.0
setfattr -n user.acg.replicas -v "eastus=5,westus2=2" dev/alpine/0.1.0
both setfattr -n user.stage -v beta dev/alpine/0.2.0
both setfattr -n user.checksum -v 1234 dev/alpine/0.1.0/config

# archive.old: soft delete on, a soft-deleted version, a gallery of another owner.
both mkdir -p archive.old/legacy/1.2.3 archive.old/legacy/2.0.0
rnd archive.old/legacy/1.2.3/disk.vhd $MiB
rnd archive.old/legacy/2.0.0/disk.vhd $((MiB + 3))
both bash -c 'echo "keep" >archive.old/legacy/2.0.0/README'
setfattr -n user.acg.softDelete -v true archive.old
rm -r archive.old/legacy/1.2.3
gone archive.old/legacy/1.2.3

# owners and modes (numeric ids without names too)
both chown 1005:1002 prod/ubuntu/1.0.0/disk0.vhd           # gfs-alice:gfs-team
both chown 2001:2002 prod/ubuntu/1.0.0/disk1.vhd
both chmod 0600 prod/ubuntu/1.0.0/disk1.vhd
both chmod 0444 prod/ubuntu/1.0.0/notes.txt
both chmod 0640 prod/win-server/1.0.0/disk.vhdx
both chmod 0755 prod/tools/1.0.0/app.zip
both chmod 0664 dev/alpine/0.1.0/config
both chown 2001:100 dev/alpine/0.1.0/root.img
both chown 1005:100 archive.old
both chmod 0750 archive.old
both chown 2001:2002 dev/alpine/0.2.0
both chmod 0700 dev/alpine/0.2.0
both chmod 0555 prod/ubuntu/2.0.0
both chown :1002 prod/ubuntu
both chmod 0775 prod/ubuntu
both chmod 0711 dev/empty-def

# old times with nanoseconds, files first, then versions, definitions,
# galleries (a directory's time is set after its contents)
i=0
for p in */*/*/* */*/*/ */*/ */; do
	i=$((i + 1))
	both touch -h -d "@$((1500000000 + i * 86413)).$(printf %09d $((i * 123456789 % 1000000000)))" "$p"
done
cd /
check "prod/.softdeleted holds a version and a file" test -f "$A/prod/.softdeleted/ubuntu/0.9.0/disk0.vhd" -a -f "$A/prod/.softdeleted/ubuntu/1.0.0/old.log"
check "archive.old/.softdeleted holds a version" test -f "$A/archive.old/.softdeleted/legacy/1.2.3/disk.vhd"
expect "prod/.softdeleted lists only the image definition" ubuntu ls -A "$A/prod/.softdeleted"
expect "the application version is nowhere under .softdeleted" "" ls -A "$A/prod/.softdeleted/tools"
snap "$A" "$T/A"
expect "A's live tree matches the reference written beside it (names, modes, owners, sizes, times, bytes, free attributes)" \
	"$(ref_snap "$REF")" ref_snap "$A"
check "... which is no empty comparison" test "$(ref_snap "$REF" | grep -c ' f ')" -eq 13
expect "what prod/.softdeleted holds has the reference's bytes" "$(cd "$T/ref-sd" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum)" \
	bash -c "cd '$A/prod/.softdeleted' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum"
# props DIR: the properties the test set, read back
props() {
	(cd "$1" && for x in prod:location prod:sharing prod:sharingAdmins prod:softDelete \
		prod/ubuntu:location prod/tools:kind prod/ubuntu/1.0.0:replicas \
		prod/win-server/1.0.0:replicas prod/ubuntu/2.0.0:provisioningState \
		dev:sharing dev:softDelete dev/alpine/0.2.0:usedByVmssFlex dev/alpine/0.1.0:replicas \
		dev/alpine/0.1.0:location archive.old:softDelete; do
		printf '%s %s\n' "$x" "$(getfattr --only-values -n "user.acg.${x#*:}" "${x%%:*}")"
	done)
}
expect "A's properties read what the test set" "prod:location westeurope
prod:sharing community
prod:sharingAdmins @gfs-team,gfs-alice
prod:softDelete true
prod/ubuntu:location westeurope
prod/tools:kind application
prod/ubuntu/1.0.0:replicas northeurope=2,westeurope=3
prod/win-server/1.0.0:replicas westeurope=1
prod/ubuntu/2.0.0:provisioningState Failed
dev:sharing direct-shared
dev:softDelete false
dev/alpine/0.2.0:usedByVmssFlex true
dev/alpine/0.1.0:replicas eastus=5,westus2=2
dev/alpine/0.1.0:location eastus
archive.old:softDelete true" props "$A"

# writing a read-only property its own value succeeds (design §4)
try_is "retentionDays written back as 7 succeeds" OK setxattr "$A/prod" user.acg.retentionDays 7
try_is "... any other value: EPERM" EPERM setxattr "$A/prod" user.acg.retentionDays 30
try_is "kind written back on an application definition holding nothing soft-deleted" OK setxattr "$A/prod/tools" user.acg.kind application
chmod 0777 "$A/dev"
expect "softDelete written back by a user without a role succeeds" OK \
	runuser -u gfs-nobody -- "$GFS_TRY" setxattr "$A/dev" user.acg.softDelete false
chmod 0755 "$A/dev"
expect "user.acg.softDeletedBytes is not listed (never written back)" 0 \
	bash -o pipefail -c "getfattr -d -m - '$A/prod' | awk '/softDeletedBytes/ {n++} END {print n + 0}'"

stamp "$A" >"$T/stamp0"
tarx=(--xattrs --xattrs-include='user.*')

# ---- tar, default (directory) order ----------------------------------------
check "tar: back up A, with no exclude option" \
	quiet tar -C "$A" "${tarx[@]}" -cpf "$T/a.tar" .
expect "tar: the archive holds no .softdeleted" 0 \
	bash -o pipefail -c "tar -tf '$T/a.tar' | awk '/softdeleted/ {n++} END {print n + 0}'"
stamp "$A" >"$T/stamp1"
check "tar: a second run in a row" quiet tar -C "$A" "${tarx[@]}" -cpf "$T/a2.tar" .
stamp "$A" >"$T/stamp2"
check "two backup runs see the same inode numbers, ctimes and mtimes" \
	bash -c "differ '$T/stamp0' '$T/stamp1' && differ '$T/stamp1' '$T/stamp2'"
fresh tar
check "tar: extract into an empty mount" \
	quiet tar -C "$T/tar" "${tarx[@]}" --same-owner -xpf "$T/a.tar"
compare tar "$T/tar"
expect "tar: rsync -aXi --dry-run A -> restored finds nothing to transfer" "" \
	rsync -aXi --dry-run "$A/" "$T/tar/"
check "tar: the restored gallery soft-deletes (its softDelete came back)" \
	bash -c "rm '$T/tar/prod/win-server/1.0.0/name with spaces.txt' && test -f '$T/tar/prod/.softdeleted/win-server/1.0.0/name with spaces.txt'"
done_with tar

# ---- tar, names sorted ------------------------------------------------------
check "tar --sort=name: back up A" \
	quiet tar -C "$A" "${tarx[@]}" --sort=name -cpf "$T/s.tar" .
fresh tarsorted
check "tar --sort=name: extract into an empty mount" \
	quiet tar -C "$T/tarsorted" "${tarx[@]}" --same-owner -xpf "$T/s.tar"
compare tarsorted "$T/tarsorted"
done_with tarsorted

# ---- tar incremental: a level-1 run after no change holds no file ----------
check "tar -g: level 0 archives every file" \
	bash -c "tar -C '$A' -g '$T/snar' -cf '$T/l0.tar' . && [ \$(tar -tvf '$T/l0.tar' | grep -c '^-') = $(grep -c ' f ' "$T/A.tree") ]"
check "tar -g: level 1 after no change archives no file (nothing re-read)" \
	bash -c "tar -C '$A' -g '$T/snar' -cf '$T/l1.tar' . && ! tar -tvf '$T/l1.tar' | grep '^-'"

# ---- rsync -------------------------------------------------------------------
# rsync 3.5 makes a gallery's definitions and versions before it sets the
# gallery's attributes (they take the gallery's location of that moment, the
# default), then sets them in name order, the gallery's first: location, ...,
# softDelete=true while its versions still hold the default location, then
# the definitions' and versions'. design §4: the restore must still give back
# every property, whatever the order.
fresh rsync
check "rsync -aX: copy A into an empty mount, with no exclude option" \
	quiet rsync -aX "$A/" "$T/rsync/"
compare rsync "$T/rsync"
expect "rsync: a second rsync -aXi --dry-run finds nothing to transfer" "" \
	rsync -aXi --dry-run "$A/" "$T/rsync/"
done_with rsync

# ---- restic ------------------------------------------------------------------
export RESTIC_PASSWORD=galleryfs RESTIC_REPOSITORY="$T/restic-repo"
check "restic: init a repository" restic --no-cache -q init
check "restic: back up A, with no exclude option" \
	bash -c "cd '$A' && restic --no-cache -q backup ."
check "restic: the snapshot holds no .softdeleted" \
	bash -c "restic --no-cache ls latest >'$T/restic.ls' && grep -q '/prod/ubuntu/1.0.0/disk0.vhd' '$T/restic.ls' && ! grep -q softdeleted '$T/restic.ls'"
check "restic: a second backup finds no new or changed file" \
	bash -c "cd '$A' && restic --no-cache backup --json . | grep '\"message_type\":\"summary\"' | grep -q '\"files_new\":0,\"files_changed\":0,'"
fresh restic
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
check "borg: back up A, with no exclude option" \
	bash -c "cd '$A' && borg create ::a ."
check "borg: the archive holds no .softdeleted" \
	bash -c "borg list --short ::a >'$T/borg.ls' && grep -q 'prod/ubuntu/1.0.0/disk0.vhd' '$T/borg.ls' && ! grep -q softdeleted '$T/borg.ls'"
fresh borg
check "borg: extract inside an empty mount" quiet bash -c "cd '$T/borg' && borg extract ::a"
compare borg "$T/borg"
done_with borg

# ---- the contents of .softdeleted can be backed up by themselves -------------
check "tar of prod/.softdeleted by itself" quiet tar -C "$A/prod/.softdeleted" "${tarx[@]}" -cf "$T/sd.tar" .
expect "... lists the soft-deleted version and file" "./ubuntu/0.9.0/disk0.vhd
./ubuntu/1.0.0/old.log" bash -c "tar -tf '$T/sd.tar' | grep -v '/\$' | LC_ALL=C sort"
mkdir "$T/sd-out"
check "... extracts into a plain directory" tar -C "$T/sd-out" "${tarx[@]}" -xf "$T/sd.tar"
check "... byte-identical with the reference" bash -c "cmp '$T/sd-out/ubuntu/0.9.0/disk0.vhd' '$T/ref-sd/ubuntu/0.9.0/disk0.vhd' && cmp '$T/sd-out/ubuntu/1.0.0/old.log' '$T/ref-sd/ubuntu/1.0.0/old.log'"
expect "... with its deletedAt attribute" \
	"$(getfattr --absolute-names --only-values -n user.acg.deletedAt "$A/prod/.softdeleted/ubuntu/0.9.0")" \
	getfattr --absolute-names --only-values -n user.acg.deletedAt "$T/sd-out/ubuntu/0.9.0"
check "rsync -a of archive.old/.softdeleted by itself, byte-identical" \
	bash -c "rsync -a '$A/archive.old/.softdeleted/' '$T/sd-rsync/' && cmp '$T/sd-rsync/legacy/1.2.3/disk.vhd' '$A/archive.old/.softdeleted/legacy/1.2.3/disk.vhd'"

# ---- nothing the backups did changed A, across a remount either -------------
stamp "$A" >"$T/stamp3"
check "after every backup, A's inode numbers, ctimes and mtimes are unchanged" differ "$T/stamp0" "$T/stamp3"
done_with A
fresh A
stamp "$A" >"$T/stamp4"
check "... and read the same after a remount" differ "$T/stamp0" "$T/stamp4"
snap "$A" "$T/A2"
check "... names, modes, owners, mtimes of A after a remount" differ "$T/A.tree" "$T/A2.tree"
check "... attributes of A after a remount" differ "$T/A.xattr" "$T/A2.xattr"
done_with A

finish
