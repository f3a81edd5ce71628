#!/usr/bin/env bash
# What survives an unmount, a remount and kill -9 (design §7).
. "$(dirname "$0")/lib.sh"
plan 18
must_mount
mkdir -p "$MNT"/g/d/1.0.0 "$MNT"/g/d/1.0.1
head -c 2000000 /dev/urandom >"$T/blob"
cp "$T/blob" "$MNT"/g/d/1.0.0/disk
echo small >"$MNT"/g/d/1.0.1/small
setfattr -n user.acg.softDelete -v true "$MNT"/g
setfattr -n user.team -v imaging "$MNT"/g/d
rm -r "$MNT"/g/d/1.0.1
snapshot() { (cd "$MNT" && find . -printf '%p %i %m %U %s %T@\n' | sort); }
before=$(snapshot)
umount_fs "unmount"
must_mount
expect "tree, inodes, modes, sizes and times survive a remount" "$before" snapshot
check "content survives a remount" cmp "$T/blob" "$MNT"/g/d/1.0.0/disk
expect "attributes survive a remount" imaging getfattr --only-values -n user.team "$MNT"/g/d
expect "soft-deleted items survive a remount" small cat "$MNT"/g/.softdeleted/d/1.0.1/small

# kill -9 right after operations returned
mkdir "$MNT"/g/d/2.0.0
cp "$T/blob" "$MNT"/g/d/2.0.0/disk
setfattr -n user.acg.provisioningState -v Failed "$MNT"/g/d/2.0.0
mv "$MNT"/g/.softdeleted/d/1.0.1 "$MNT"/g/d/
before=$(snapshot)
crash_fs
must_mount
logged "the start after kill -9 checks the catalog" 'did not end cleanly'
expect "every returned operation survives kill -9" "$before" snapshot
check "content written before kill -9 is whole" cmp "$T/blob" "$MNT"/g/d/2.0.0/disk
expect "an attribute set before kill -9 is there" Failed getfattr --only-values -n user.acg.provisioningState "$MNT"/g/d/2.0.0

# one daemon per data directory on SQLite; on PostgreSQL daemons register
# in the catalog and share it (t_hosts)
mkdir -p "$T/mnt2"
if on_postgresql; then
	if mount_other "$T/mnt2"; then _tap ok "a second daemon mounts the same data directory (PostgreSQL)"
	else _tap fail "a second daemon mounts the same data directory (PostgreSQL)" "$(tail -n 5 "$T/mnt2.log")"; fi
	registrations() { # the first daemon's pid, the second's mountpoint
		local r
		r=$(registered) || return 1
		echo "$(sed -n 1p <<<"$r" | cut -f1) $(sed -n 2p <<<"$r" | cut -f3)"
	}
	expect "... both registered in the catalog, the first one first" "$GFS_PID $T/mnt2" registrations
	umount_other "$T/mnt2"
else
	check_not "a second mount of the same data directory fails" 2 "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$(catalog_opt)" "$T/mnt2"
	check "... with a clear message" bash -c "'$GFS_BIN' -f -o 'config=$CONF,data_dir=$DATA$(catalog_opt)' '$T/mnt2' 2>&1 | grep -q 'in use by another galleryfs'"
	check "... naming the daemon's pid and host" bash -c "'$GFS_BIN' -f -o 'config=$CONF,data_dir=$DATA$(catalog_opt)' '$T/mnt2' 2>&1 |
		grep -q 'in use by another galleryfs (pid $GFS_PID on $(hostname))'"
fi

# a newer catalog is refused
umount_fs
schema=$(catalog schema)
set_schema_version 99
check_not "a catalog from a newer galleryfs is refused" 2 "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$(catalog_opt)" "$MNT"
check "... saying so" bash -c "'$GFS_BIN' -f -o 'config=$CONF,data_dir=$DATA$(catalog_opt)' '$MNT' 2>&1 | grep -q 'newer'"
set_schema_version "$schema"

# the start-up check repairs what a crash can leave
must_mount
crash_fs
touch "$DATA/objects/3f/999999" "$DATA/objects/ff/999999"
must_mount
check "stray objects are removed after an unclean end" test ! -e "$DATA/objects/3f/999999" -a ! -e "$DATA/objects/ff/999999"
umount_fs "unmount after the repair"
expect "the catalog passes its thorough check" ok catalog check
finish
