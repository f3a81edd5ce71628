#!/usr/bin/env bash
# The policy engine through a real mount (design §5): roles acted out by real
# users (runuser), prerequisites by real configurations; every refusal is
# checked for its errno and its log line.
. "$(dirname "$0")/lib.sh"
plan 63
GFS_OWNERS=root,gfs-owner
GFS_ADMIN_GROUPS=acg-admins
write_config
must_mount -o allow_other
cd "$MNT"
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }
try_as() { local u=$1; shift; runuser -u "$u" -- "$GFS_TRY" "$@"; }

mkdir -p g/d/1.0.0 && echo x >g/d/1.0.0/f
chmod 777 g .
setfattr -n user.acg.sharingAdmins -v @gfs-team g

# R4: who may switch soft delete
expect "R4: a user without a role cannot switch soft delete on" EACCES try_as gfs-nobody setxattr g user.acg.softDelete true
logged "R4: ... logged with the remedy" '^galleryfs: R4 g: only a subscription owner or a Compute Gallery Sharing Admin .* on; ask'
as gfs-alice mkdir -m 777 alice
expect "R4: a gallery's own owner without a role cannot either" EACCES try_as gfs-alice setxattr alice user.acg.softDelete true
expect "R4: a subscription owner can" OK try_as gfs-owner setxattr g user.acg.softDelete true
expect "R4: ... and the switch off is a role's too" EACCES try_as gfs-nobody setxattr g user.acg.softDelete false
expect "R4: a subscription-level Sharing Admin (supplementary group) can switch off" OK try_as gfs-admin setxattr g user.acg.softDelete false
expect "R4: a gallery-level Sharing Admin (@group) can switch on" OK try_as gfs-galadmin setxattr g user.acg.softDelete true
expect "R4: writing back the current value needs no role" OK try_as gfs-nobody setxattr g user.acg.softDelete true
expect "R4: a gallery-level admin cannot change sharingAdmins" EACCES try_as gfs-galadmin setxattr g user.acg.sharingAdmins gfs-galadmin
logged "R4: ... logged" '^galleryfs: R4 g: only a subscription owner or a subscription-level Sharing Admin may change'
expect "R4: nobody grants themselves the role" EACCES try_as gfs-nobody setxattr g user.acg.sharingAdmins gfs-nobody
expect "R4: a subscription-level admin can name gallery admins" OK try_as gfs-admin setxattr g user.acg.sharingAdmins gfs-nobody
expect "R4: a user named directly is a gallery-level admin" OK try_as gfs-nobody setxattr g user.acg.softDelete false
expect "R4: root is no owner unless named (here it is)" OK "$GFS_TRY" setxattr g user.acg.softDelete true

# switching takes effect at once
check "the next rm after switching on is soft" bash -c 'rm -r g/d/1.0.0 && [ -d g/.softdeleted/d/1.0.0 ]'
mv g/.softdeleted/d/1.0.0 g/d/

# R6: locations
setfattr -n user.acg.softDelete -v false g
setfattr -n user.acg.location -v westus g/d/1.0.0
expect "R6: switching on with a version elsewhere: EINVAL" EINVAL "$GFS_TRY" setxattr g user.acg.softDelete true
logged "R6: ... logged naming the version" '^galleryfs: R6 g: version g/d/1.0.0 is not in the location'
setfattr -n user.acg.location -v eastus g/d/1.0.0
setfattr -n user.acg.softDelete -v true g
expect "R6: while on, a version cannot move" EINVAL "$GFS_TRY" setxattr g/d/1.0.0 user.acg.location westus
expect "R6: while on, nor its definition" EINVAL "$GFS_TRY" setxattr g/d user.acg.location westus
mkdir g/empty
expect "R6: a definition without versions may move" OK "$GFS_TRY" setxattr g/empty user.acg.location westus
expect "R6: the same location in another case is no change" OK "$GFS_TRY" setxattr g/d/1.0.0 user.acg.location EastUS

# R7: Flexible scale sets
expect "R7: while on, usedByVmssFlex cannot be set" EBUSY "$GFS_TRY" setxattr g/d/1.0.0 user.acg.usedByVmssFlex true
logged "R7: ... logged" '^galleryfs: R7 g/d/1.0.0: soft delete is on'
setfattr -n user.acg.softDelete -v false g
setfattr -n user.acg.usedByVmssFlex -v true g/d/1.0.0
expect "R7: a flagged version blocks switching on" EBUSY "$GFS_TRY" setxattr g user.acg.softDelete true
logged "R7: ... logged naming the version" '^galleryfs: R7 g: version g/d/1.0.0 is used by a scale set'
setfattr -n user.acg.usedByVmssFlex -v false g/d/1.0.0
setfattr -n user.acg.softDelete -v true g

# R8: Failed versions
mkdir g/d/2.0.0 && echo y >g/d/2.0.0/f
setfattr -n user.acg.provisioningState -v Failed g/d/2.0.0
expect "R8: a Failed version's file cannot be removed" EPERM "$GFS_TRY" unlink g/d/2.0.0/f
logged "R8: ... logged with the remedy" '^galleryfs: R8 g/d/2.0.0/f: version is Failed and soft delete is on; switch soft delete off, delete, switch it back on'
check_not "R8: rm -r of a Failed version fails" EPERM rm -r g/d/2.0.0
expect "R8: mv into .softdeleted fails too" EPERM "$GFS_TRY" rename g/d/2.0.0 g/.softdeleted/d/2.0.0
check "R8: the remedy: off, remove, on" bash -c 'setfattr -n user.acg.softDelete -v false g && rm -r g/d/2.0.0 && setfattr -n user.acg.softDelete -v true g && [ ! -e g/d/2.0.0 ] && [ ! -e g/.softdeleted/d/2.0.0 ]'

# R17 and R18's kind
setfattr -n user.acg.replicas -v eastus=3,westus=2 g/d/1.0.0
rm -r g/d/1.0.0
expect "R17: a soft-deleted version keeps one replica per region" "eastus=1,westus=1" getfattr --only-values -n user.acg.replicas g/.softdeleted/d/1.0.0
expect "R18: kind cannot change while the definition holds soft-deleted items" EBUSY "$GFS_TRY" setxattr g/d user.acg.kind application
mv g/.softdeleted/d/1.0.0 g/d/
expect "R17: restore brings the counts back" "eastus=3,westus=2" getfattr --only-values -n user.acg.replicas g/d/1.0.0

# R2 with the gallery on
mkdir -p g/app/1.0.0 && setfattr -n user.acg.kind -v application g/app && echo a >g/app/1.0.0/a
check "R2: an application version is deleted for good with soft delete on" bash -c 'rm -r g/app/1.0.0 && ! ls g/.softdeleted | grep -q app && [ ! -e g/.softdeleted/app/1.0.0 ]'

# prerequisites: national cloud, unregistered feature, old API version
cd /
umount_fs
prereq() { # label rule errno-name config-var=value
	local label=$1 rule=$2 errno=$3
	(export "$4"; write_config)
	must_mount -o allow_other
	logged "$rule: the start warns about the gallery that is on" "^galleryfs: gallery g has soft delete on although .*\\($rule\\); removals stay soft"
	expect "$rule: switching on fails in $label" "$errno" "$GFS_TRY" setxattr "$MNT"/p user.acg.softDelete true
	logged "$rule: ... logged" "^galleryfs: $rule p: "
	expect "$rule: a user without a role still gets EACCES first (R4 answers before $rule)" EACCES try_as gfs-nobody setxattr "$MNT"/p user.acg.softDelete true
	logged "$rule: ... and that refusal is R4's" "^galleryfs: R4 p: "
	expect "$rule: the gallery that was on stays on" true getfattr --only-values -n user.acg.softDelete "$MNT"/g
	check "$rule: ... and removals there stay soft" bash -c "mkdir -p '$MNT'/g/d/9.0.0 && rm -r '$MNT'/g/d/9.0.0 && [ -d '$MNT'/g/.softdeleted/d/9.0.0 ] && rm -r '$MNT'/g/.softdeleted/d/9.0.0"
	expect "$rule: switching off is still allowed" OK "$GFS_TRY" setxattr "$MNT"/p user.acg.softDelete false
	umount_fs
}
GFS_OWNERS=root; write_config
must_mount
mkdir -m 777 "$MNT"/p
umount_fs
prereq "a national cloud" R5 EOPNOTSUPP GFS_CLOUD=AzureChinaCloud
prereq "a subscription without SIGSoftDelete" R9 EOPNOTSUPP GFS_FEATURES=
prereq "an API version before 2024-03-03" R10 EOPNOTSUPP GFS_API=2023-07-03
GFS_ENV= write_config
finish
