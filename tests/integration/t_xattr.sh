#!/usr/bin/env bash
# Properties and free attributes (design §4) through getfattr and setfattr.
. "$(dirname "$0")/lib.sh"
plan 54
must_mount -o allow_other
cd "$MNT"
mkdir -p g/d/1.0.0 && echo x >g/d/1.0.0/f

expect "a gallery's properties, in order" "user.acg.location
user.acg.sharing
user.acg.sharingAdmins
user.acg.softDelete
user.acg.retentionDays" "$GFS_TRY" names g
expect "a definition's properties" "user.acg.location
user.acg.kind" "$GFS_TRY" names g/d
expect "a version's properties" "user.acg.location
user.acg.provisioningState
user.acg.replicas
user.acg.usedByVmssFlex" "$GFS_TRY" names g/d/1.0.0
expect "a new gallery takes the configured location" eastus getfattr --only-values -n user.acg.location g
expect "a new version starts Succeeded" Succeeded getfattr --only-values -n user.acg.provisioningState g/d/1.0.0
expect "retentionDays reads 7" 7 getfattr --only-values -n user.acg.retentionDays g
expect "sharing starts private" private getfattr --only-values -n user.acg.sharing g

mkdir -p loc/d/1.0.0 loc/e/1.0.0
setfattr -n user.acg.location -v northeurope loc/e/1.0.0
check "a gallery moves with the definitions and versions that have no location of their own" bash -c '
	setfattr -n user.acg.location -v westus loc &&
	[ "$(getfattr --only-values -n user.acg.location loc/d)" = westus ] &&
	[ "$(getfattr --only-values -n user.acg.location loc/d/1.0.0)" = westus ] &&
	[ "$(getfattr --only-values -n user.acg.replicas loc/d/1.0.0)" = eastus=1 ]'
expect "a version given a location keeps it" northeurope getfattr --only-values -n user.acg.location loc/e/1.0.0
check "set a location in upper case" setfattr -n user.acg.location -v WestEurope g/d/1.0.0
expect "... reads lower case" westeurope getfattr --only-values -n user.acg.location g/d/1.0.0
check "set replicas" setfattr -n user.acg.replicas -v "westus=3,eastus=2" g/d/1.0.0
expect "... read sorted" "eastus=2,westus=3" getfattr --only-values -n user.acg.replicas g/d/1.0.0
try_is "replicas count 101: EINVAL (R18)" EINVAL setxattr g/d/1.0.0 user.acg.replicas eastus=101
logged "... logged as R18 with the expected form" '^galleryfs: R18 g/d/1.0.0: user.acg.replicas: malformed value; expected region=count'
try_is "a region twice: EINVAL" EINVAL setxattr g/d/1.0.0 user.acg.replicas eastus=1,eastus=2
try_is "softDelete 'True': EINVAL" EINVAL setxattr g user.acg.softDelete True
try_is "provisioningState 'failed': EINVAL" EINVAL setxattr g/d/1.0.0 user.acg.provisioningState failed
check "provisioningState Failed" setfattr -n user.acg.provisioningState -v Failed g/d/1.0.0
check "sharing community" setfattr -n user.acg.sharing -v community g
check "kind application" setfattr -n user.acg.kind -v application g/d
check "kind image again" setfattr -n user.acg.kind -v image g/d
try_is "retentionDays 8: EPERM (R1)" EPERM setxattr g user.acg.retentionDays 8
logged "... logged as R1" '^galleryfs: R1 g: the retention period is fixed at 7 days'
try_is "retentionDays 7: allowed" OK setxattr g user.acg.retentionDays 7
try_is "removing a property: EPERM" EPERM removexattr g user.acg.location
try_is "XATTR_CREATE on a property: EEXIST" EEXIST setxattr g user.acg.location eastus create
try_is "a property on the wrong node: EINVAL" EINVAL setxattr g user.acg.kind image
try_is "... reads ENODATA" ENODATA getxattr g user.acg.kind
try_is "an unknown user.acg name: EINVAL on write" EINVAL setxattr g user.acg.colour blue
try_is "... ENODATA on read" ENODATA getxattr g user.acg.colour
try_is "deletedAt on a live node: ENODATA" ENODATA getxattr g/d/1.0.0 user.acg.deletedAt
try_is "sharingAdmins naming nobody who exists: EINVAL" EINVAL setxattr g user.acg.sharingAdmins no-such-user-xyz
check "sharingAdmins of existing users and groups" setfattr -n user.acg.sharingAdmins -v "gfs-alice,@gfs-team,gfs-alice" g
expect "... read sorted, without duplicates" "@gfs-team,gfs-alice" getfattr --only-values -n user.acg.sharingAdmins g
check "sharingAdmins with blanks after the commas, as in the INI file" setfattr -n user.acg.sharingAdmins -v "gfs-alice, @gfs-team,  root" g
expect "... read back in the canonical form" "@gfs-team,gfs-alice,root" getfattr --only-values -n user.acg.sharingAdmins g
try_is "... but an empty item between commas is still malformed" EINVAL setxattr g user.acg.sharingAdmins "gfs-alice, ,root"
try_is "other namespaces are not stored" EOPNOTSUPP setxattr g trusted.x y

# free user.* attributes behave as on ext4
check "set free attributes" bash -c 'setfattr -n user.b -v 2 g/d/1.0.0/f && setfattr -n user.a -v 1 g/d/1.0.0/f'
expect "they list in the order first set" "user.b
user.a" "$GFS_TRY" names g/d/1.0.0/f
try_is "XATTR_CREATE on an existing one: EEXIST" EEXIST setxattr g/d/1.0.0/f user.a 9 create
try_is "XATTR_REPLACE on a missing one: ENODATA" ENODATA setxattr g/d/1.0.0/f user.zz 9 replace
check "a 64 KiB value" bash -c 'head -c 65536 /dev/zero | tr "\\0" x >'"$T"'/v && setfattr -n user.big -v "$(cat '"$T"'/v)" g/d/1.0.0/f && [ "$(getfattr --only-values -n user.big g/d/1.0.0/f | wc -c)" = 65536 ]'
check "an empty value" bash -c 'setfattr -n user.empty -v "" g/d/1.0.0/f && getfattr -n user.empty g/d/1.0.0/f >/dev/null'
check "remove a free attribute" setfattr -x user.a g/d/1.0.0/f
try_is "... then it is gone" ENODATA getxattr g/d/1.0.0/f user.a
try_is "removing a missing one: ENODATA" ENODATA removexattr g/d/1.0.0/f user.a

# setting a property to the value it has succeeds for anyone who may write
chmod 777 g
check "a user without a role writes back softDelete's current value" runuser -u gfs-nobody -- setfattr -n user.acg.softDelete -v false g
try_is "switching on while a version is elsewhere: EINVAL (R6)" EINVAL setxattr g user.acg.softDelete true
logged "... logged as R6 naming the version" '^galleryfs: R6 g: version g/d/1.0.0 is not in the location'
setfattr -n user.acg.location -v eastus g/d/1.0.0
check "root (a subscription owner) switches soft delete on" setfattr -n user.acg.softDelete -v true g
expect "... and it reads true" true getfattr --only-values -n user.acg.softDelete g
cd /
finish
