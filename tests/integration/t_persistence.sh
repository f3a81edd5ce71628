#!/usr/bin/env bash
# What survives an unmount, a remount and kill -9 (design §7).
. "$(dirname "$0")/lib.sh"
plan 34
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

# an older catalog, of schema 3 as the galleryfs before schema 4 left it
# (lib.sh's rewind_to_schema_3), is migrated at start, once, keeping
# everything
# schema 4's tables in the catalog: 3 on PostgreSQL, none on SQLite
hosts_tables() {
	local q="tablename IN ('daemon', 'change', 'holder')"
	if on_postgresql; then
		psql -X -At -d "$(pg_conninfo)" -c "SELECT count(*) FROM pg_tables WHERE
			$q AND schemaname = current_schema()"
	else
		sqlite3 "$DATA/catalog.db" "SELECT count(*) FROM sqlite_master WHERE ${q/tablename/name}"
	fi
}
must_mount
before=$(snapshot)
umount_fs "unmount before the rewind to schema 3"
rewind_to_schema_3
expect "a catalog rewound to schema 3 reads as schema 3" 3 catalog schema
must_mount
logged_times "a catalog of schema 3 is migrated at start, logged once" 1 'migrated from schema 3 to 4'
expect "... keeping the tree, inodes, modes, sizes and times" "$before" snapshot
check "... and the contents" cmp "$T/blob" "$MNT"/g/d/1.0.0/disk
umount_fs "unmount after the migration"
expect "... whose catalog is of schema 4 now" 4 catalog schema
expect "... with the tables of several daemons on PostgreSQL only" \
	"$(on_postgresql && echo 3 || echo 0)" hosts_tables
must_mount
logged_times "... and the next start migrates nothing" 0 'migrated from schema'
umount_fs "unmount after the start at schema 4"

# the start-up check repairs what a crash can leave
must_mount
crash_fs
touch "$DATA/objects/3f/999999" "$DATA/objects/ff/999999"
must_mount
check "stray objects are removed after an unclean end" test ! -e "$DATA/objects/3f/999999" -a ! -e "$DATA/objects/ff/999999"
umount_fs "unmount after the repair"
expect "the catalog passes its thorough check" ok catalog check
# The kernel sends RELEASE in the background after the last close, and at
# unmount ends those it has not sent yet: files still open when the
# connection goes (aborted here, through the fuse control filesystem) are
# let go by the daemon itself, as their release would have.
ctl=/sys/fs/fuse/connections ctl_mounted=
if ! mountpoint -q "$ctl" && mount -t fusectl fusectl "$ctl" 2>/dev/null; then ctl_mounted=1; fi
if ! mountpoint -q "$ctl"; then
	skip_n 6 "files open when the connection is aborted" "the fuse control filesystem cannot be mounted here"
else
	must_mount
	mkdir -p "$MNT"/g/d/6.0.0
	echo gone >"$MNT"/g/d/6.0.0/gone
	head -c 300000 /dev/urandom >"$T/held"
	# one file written and held open, one deleted for good while open
	bash -c 'exec 3>"$1" 4<"$2"; rm "$2"; cat "$3" >&3; echo ready; exec sleep 600' _ \
		"$MNT"/g/d/6.0.0/held "$MNT"/g/d/6.0.0/gone "$T/held" >"$T/holder.out" &
	holder=$!
	for _ in $(seq 1 100); do [ -s "$T/holder.out" ] && break; sleep 0.05; done
	IFS=: read -r major minor < <(mountpoint -d "$MNT")
	echo 1 >"$ctl/$((major << 20 | minor))/abort"
	st=0; wait "$GFS_PID" || st=$?; GFS_PID=
	expect "a daemon whose connection is aborted with files open exits with status 0 (nothing leaked)" 0 echo "$st"
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	expect "... having recorded the size of the file written but never closed" 300000 \
		rows 'type == "file" && name == "held"' size
	expect "... and removed the file deleted for good while open" "" rows 'state == "orphan"' id
	must_mount
	logged_times "... and ended cleanly: the next start needs no check" 0 'did not end cleanly'
	check "... whose content is all there after a remount" cmp "$T/held" "$MNT"/g/d/6.0.0/held
	umount_fs "unmount after the abort"
fi
[ -n "$ctl_mounted" ] && umount "$ctl"
finish
