#!/usr/bin/env bash
# Security, acted out by real users (runuser) on a mount with allow_other
# (design §1 owners and modes, §3 .softdeleted mirrors them, §5 roles and the
# order of checks, §9 access(2) under default_permissions): no role, no
# switch; who could not delete a version live cannot hard-delete or restore
# it either; modes guard reading, live and soft-deleted; nobody changes
# others' owners or modes; .softdeleted stays read-only even where test -w
# says yes.
. "$(dirname "$0")/lib.sh"
plan 76
for u in gfs-owner gfs-admin gfs-alice gfs-nobody gfs-galadmin; do
	getent passwd "$u" >/dev/null && continue
	_tap fail "security as real users" "user $u does not exist (scripts/test.sh creates it)"
	exit 1
done
GFS_OWNERS=root
write_config
must_mount -o allow_other
cd "$MNT"
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }
try_as() { local u=$1; shift; runuser -u "$u" -- "$GFS_TRY" "$@"; }
# snap: every node of the live tree and of every .softdeleted (named: it is
# not listed) with its inode, mode, owners, size, times, attributes and
# bytes, as one digest.
snap() {
	{
		find . */.softdeleted -printf '%p %i %m %U %G %s %T@ %C@\n' | sort
		find . */.softdeleted -print0 | sort -z | xargs -0 getfattr -h -d -m - -e hex --absolute-names
		find . */.softdeleted -type f -print0 | sort -z | xargs -0 md5sum
	} 2>&1 | sha256sum | cut -d' ' -f1
}
prop() { getfattr --only-values -n "$2" "$1"; }
chmod 777 .

# g: root's gallery, soft delete on; g/d owned by gfs-owner, 755
mkdir -p g/d/1.0.0 g/d/1.0.1 g/d/1.0.2
echo pub >g/d/1.0.0/pub
echo pub >g/d/1.0.1/pub
echo secret >g/d/1.0.1/secret
echo hidden >g/d/1.0.2/hidden
chown -R gfs-owner:users g/d
chmod 755 g/d g/d/1.0.0 g/d/1.0.1
chmod 700 g/d/1.0.2
chmod 600 g/d/1.0.1/secret
setfattr -n user.acg.softDelete -v true g

# --- roles (R4) ---------------------------------------------------------------
as gfs-alice mkdir -m 755 alice
before=$(snap)
expect "a user without a role cannot switch soft delete on, even in her own gallery (R4)" EACCES try_as gfs-alice setxattr alice user.acg.softDelete true
logged "... logged as R4" '^galleryfs: R4 alice: '
expect "... nor through an open descriptor" EACCES try_as gfs-alice fsetxattr alice user.acg.softDelete true
expect "... nor with XATTR_REPLACE" EACCES try_as gfs-alice setxattr alice user.acg.softDelete true replace
check_not "... nor with setfattr --restore (as tar or rsync would)" EACCES as gfs-alice bash -c "printf '# file: alice\nuser.acg.softDelete=\"true\"\n' | setfattr --restore=-"
expect "... soft delete is still off" false prop alice user.acg.softDelete
expect "a user without a role cannot grant herself sharingAdmins (R4)" EACCES try_as gfs-alice setxattr alice user.acg.sharingAdmins gfs-alice
expect "... nor her group" EACCES try_as gfs-galadmin setxattr alice user.acg.sharingAdmins @gfs-team
expect "... nor through an open descriptor" EACCES try_as gfs-alice fsetxattr alice user.acg.sharingAdmins gfs-alice
expect "... nor remove the property (EPERM: properties always exist)" EPERM try_as gfs-alice removexattr alice user.acg.sharingAdmins
expect "... sharingAdmins is still empty" "" prop alice user.acg.sharingAdmins
expect "a user without write permission on a gallery: EACCES from the kernel" EACCES try_as gfs-nobody setxattr g user.acg.softDelete false
expect "... soft delete is still on" true prop g user.acg.softDelete
expect "... and a role does not override the mode bits" EACCES try_as gfs-admin setxattr g user.acg.softDelete false
expect "nothing changed" "$before" snap

# --- who could not delete live cannot delete or restore soft-deleted ----------
expect "gfs-alice cannot remove a file of gfs-owner's version (755)" EACCES try_as gfs-alice unlink g/d/1.0.0/pub
expect "... nor the version from gfs-owner's definition (755)" EACCES try_as gfs-alice rmdir g/d/1.0.0
expect "... nor move it into .softdeleted" EACCES try_as gfs-alice rename g/d/1.0.0 g/.softdeleted/d/1.0.0
check "gfs-owner soft-deletes the version (rm -r)" as gfs-owner rm -r g/d/1.0.0
expect ".softdeleted/DEF mirrors the definition's owner and mode" "gfs-owner 755" stat -c '%U %a' g/.softdeleted/d
expect "the soft-deleted version keeps its owner and mode" "gfs-owner 755" stat -c '%U %a' g/.softdeleted/d/1.0.0
before=$(snap)
expect "gfs-alice cannot hard-delete the soft-deleted version (EACCES)" EACCES try_as gfs-alice rmdir g/.softdeleted/d/1.0.0
expect "... nor a file in it" EACCES try_as gfs-alice unlink g/.softdeleted/d/1.0.0/pub
check_not "... rm -rf fails" EACCES as gfs-alice rm -rf g/.softdeleted/d/1.0.0
expect "... nor restore it" EACCES try_as gfs-alice rename g/.softdeleted/d/1.0.0 g/d/1.0.0
expect "... nor empty .softdeleted" EACCES try_as gfs-alice rmdir g/.softdeleted/d
expect "... and all is as it was" "$before" snap
check "gfs-owner restores it (mv back)" as gfs-owner mv g/.softdeleted/d/1.0.0 g/d/
check "... and soft-deletes it again" as gfs-owner rm -r g/d/1.0.0
check "... and hard-deletes it" as gfs-owner rm -r g/.softdeleted/d/1.0.0
# a file soft-deleted alone: its shadow mirrors the live version
as gfs-owner rm g/d/1.0.1/pub
expect "the shadow mirrors the live version's owner and mode" "gfs-owner 755" stat -c '%U %a' g/.softdeleted/d/1.0.1
expect "gfs-alice cannot hard-delete a file in gfs-owner's shadow" EACCES try_as gfs-alice unlink g/.softdeleted/d/1.0.1/pub
expect "... nor restore it" EACCES try_as gfs-alice rename g/.softdeleted/d/1.0.1/pub g/d/1.0.1/pub
expect "... but gfs-owner can" OK try_as gfs-owner rename g/.softdeleted/d/1.0.1/pub g/d/1.0.1/pub

# a shared definition with the sticky bit: everyone may add versions, only
# their owners may remove them, live and soft-deleted alike
mkdir g/shared && chmod 1777 g/shared
as gfs-alice mkdir g/shared/1.0.0
as gfs-alice sh -c 'echo a >g/shared/1.0.0/a'
as gfs-nobody mkdir g/shared/2.0.0
expect "sticky definition: gfs-nobody cannot remove gfs-alice's version (EPERM)" EPERM try_as gfs-nobody rmdir g/shared/1.0.0
expect "... nor move it into .softdeleted" EPERM try_as gfs-nobody rename g/shared/1.0.0 g/.softdeleted/shared/1.0.0
check "gfs-alice soft-deletes her version" as gfs-alice rm -r g/shared/1.0.0
expect ".softdeleted/shared keeps the sticky bit" 1777 stat -c %a g/.softdeleted/shared
expect "gfs-nobody cannot hard-delete gfs-alice's soft-deleted version" EPERM try_as gfs-nobody rmdir g/.softdeleted/shared/1.0.0
expect "... nor restore it" EPERM try_as gfs-nobody rename g/.softdeleted/shared/1.0.0 g/shared/1.0.0
expect "... it is still there" a cat g/.softdeleted/shared/1.0.0/a
check "gfs-alice restores it" as gfs-alice mv g/.softdeleted/shared/1.0.0 g/shared/

# --- reading ------------------------------------------------------------------
expect "gfs-alice cannot read a 600 file of gfs-owner's" EACCES try_as gfs-alice open-read g/d/1.0.1/secret
expect "... gfs-owner can" secret as gfs-owner cat g/d/1.0.1/secret
setfattr -n user.note -v private g/d/1.0.1/secret
expect "gfs-alice cannot read a free attribute of a 600 file" EACCES try_as gfs-alice getxattr g/d/1.0.1/secret user.note
check_not "gfs-alice cannot list a 700 version" EACCES as gfs-alice ls g/d/1.0.2
as gfs-owner rm g/d/1.0.1/secret
expect "soft-deleted, the 600 file keeps its mode" "gfs-owner 600" stat -c '%U %a' g/.softdeleted/d/1.0.1/secret
expect "... and gfs-alice still cannot read it" EACCES try_as gfs-alice open-read g/.softdeleted/d/1.0.1/secret
check_not "... nor copy it out" EACCES as gfs-alice cp g/.softdeleted/d/1.0.1/secret /tmp/gfs-alice-secret-copy
rm -f /tmp/gfs-alice-secret-copy
expect "... gfs-owner still can" secret as gfs-owner cat g/.softdeleted/d/1.0.1/secret
expect "... nor its free attribute" EACCES try_as gfs-alice getxattr g/.softdeleted/d/1.0.1/secret user.note
as gfs-owner rm -r g/d/1.0.2
expect "a soft-deleted 700 version keeps its mode" 700 stat -c %a g/.softdeleted/d/1.0.2
check_not "... gfs-alice cannot list it" EACCES as gfs-alice ls g/.softdeleted/d/1.0.2
expect "... nor read its file" EACCES try_as gfs-alice open-read g/.softdeleted/d/1.0.2/hidden

# --- others' owners, modes, times, attributes ---------------------------------
before=$(snap)
bad=
for p in g g/d g/d/1.0.1 g/d/1.0.1/pub g/.softdeleted/d/1.0.1/secret g/.softdeleted/d/1.0.2; do
	r=$(try_as gfs-alice chmod "$p" 777); [ "$r" = EPERM ] || bad="$bad chmod $p:$r"
	r=$(try_as gfs-alice chown "$p" "$(id -u gfs-alice)" -1); [ "$r" = EPERM ] || bad="$bad chown $p:$r"
	r=$(try_as gfs-alice chown "$p" -1 "$(getent group gfs-team | cut -d: -f3)"); [ "$r" = EPERM ] || bad="$bad chgrp $p:$r"
done
check "gfs-alice cannot chmod, chown or chgrp others' nodes, live or soft-deleted (EPERM)" test -z "$bad"
[ -n "$bad" ] && echo "#   $bad"
expect "gfs-owner cannot give her file away (chown: EPERM)" EPERM try_as gfs-owner chown g/d/1.0.1/pub "$(id -u gfs-alice)" -1
check_not "gfs-alice cannot set others' times (touch -d)" EACCES as gfs-alice touch -d 2000-01-01 g/d/1.0.1/pub
expect "... nor touch them without write permission" EACCES try_as gfs-alice utime g/d/1.0.1/pub
expect "gfs-alice cannot set a free attribute on others' file" EACCES try_as gfs-alice setxattr g/d/1.0.1/pub user.x y
expect "... nor a property on others' version" EACCES try_as gfs-alice setxattr g/d/1.0.1 user.acg.provisioningState Failed
expect "... nor write into others' file" EACCES try_as gfs-alice open-write g/d/1.0.1/pub
expect "... nor truncate it" EACCES try_as gfs-alice truncate g/d/1.0.1/pub 0
expect "... nor create a file in others' version" EACCES try_as gfs-alice create g/d/1.0.1/new
expect "... nor a version in others' definition" EACCES try_as gfs-alice mkdir g/d/9.0.0
expect "... all as it was" "$before" snap

# --- .softdeleted is read-only even where test -w says yes (R15, §9) ----------
setfattr -n user.acg.softDelete -v true alice
as gfs-alice mkdir -p alice/d/1.0.0 alice/d/1.0.1
as gfs-alice sh -c 'echo mine >alice/d/1.0.0/f; echo mine >alice/d/1.0.1/f'
as gfs-alice rm -r alice/d/1.0.0
as gfs-alice rm alice/d/1.0.1/f
S=alice/.softdeleted/d
check "test -w says yes on her soft-deleted version, file and shadow" \
	as gfs-alice sh -c "test -w $S/1.0.0 && test -w $S/1.0.0/f && test -w $S/1.0.1 && test -w $S/1.0.1/f && test -w $S"
before=$(snap)
mark_log
bad= nops=0
for op in "create $S/1.0.0/new" "create $S/1.0.1/new" "open-write $S/1.0.0/f" "open-write $S/1.0.1/f" \
	"truncate $S/1.0.0/f 0" "chmod $S/1.0.0/f 600" "chmod $S/1.0.0 700" "chmod $S 700" \
	"chown $S/1.0.0/f $(id -u gfs-alice) $(id -g gfs-alice)" "utime $S/1.0.0/f" "utime $S/1.0.0" \
	"setxattr $S/1.0.0/f user.x y" "setxattr $S/1.0.0 user.x y" "setxattr $S/1.0.0 user.acg.provisioningState Failed" \
	"mkdir $S/1.0.0/sub" "mkdir $S/2.0.0" "mkdir alice/.softdeleted/e" \
	"rename $S/1.0.0/f $S/1.0.0/g" "rename $S/1.0.0 $S/3.0.0" "rename $S/1.0.1/f $S/1.0.0/f2" \
	"symlink f $S/1.0.0/l" "link $S/1.0.0/f $S/1.0.0/l" "mkfifo $S/1.0.0/p" "mknod-reg $S/1.0.0/r"; do
	r=$(try_as gfs-alice $op)
	nops=$((nops + 1))
	[ "$r" = EPERM ] || bad="$bad [$op]:$r"
done
[ -n "$bad" ] && echo "#   $bad"
logged_times "... each refusal logged as R15, once" 24 '^galleryfs: R15 '
check "... yet every write there is EPERM (R15): all $nops of them" test -z "$bad" -a $nops -eq 24
check_not "... a shell redirection fails too" EPERM as gfs-alice sh -c "echo x >>$S/1.0.0/f"
check_not "... and cp onto it" EPERM as gfs-alice cp /etc/hostname "$S/1.0.0/f"
expect "... root gets EPERM as well" EPERM "$GFS_TRY" open-write "$S/1.0.0/f"
expect "... and nothing changed" "$before" snap
expect "... the contents are as they were" mine cat "$S/1.0.0/f"
check "her own restore still works" as gfs-alice mv "$S/1.0.0" alice/d/
check "... and her own hard delete" as gfs-alice rm "$S/1.0.1/f"

cd /
finish
