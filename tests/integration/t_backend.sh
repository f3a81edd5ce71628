#!/usr/bin/env bash
# The catalog's backend chosen at start (design §6, §8; issue #15): a
# PostgreSQL catalog that cannot be used — a connection string libpq cannot
# parse, a server that cannot be reached, a role or database that does not
# exist, a role without the rights the schema needs, a schema from a newer
# galleryfs, a schema 3 catalog whose migration the role may not make —
# stops the start with status 2 and a message saying which,
# before anything is created or mounted; -o catalog_conninfo= wins over the
# file, and an empty one leaves the choice to libpq's PG* variables.
#
# The checks that need no server run on both passes; those that need one
# run where the suite has one (GFS_PG_CONNINFO, the build-pg pass).
. "$(dirname "$0")/lib.sh"
plan 37
mkdir -p "$MNT"
write_config

# refused NAME REGEX OPTIONS [bg]: galleryfs -o OPTIONS exits with status 2
# and a message matching REGEX, mounts nothing and creates no $DATA
refused() {
	local name=$1 re=$2 opts=$3 fg=-f out st=0
	[ "${4:-}" = bg ] && fg=
	out=$(timeout 30 "$GFS_BIN" $fg -o "$opts" "$MNT" 2>&1) || st=$?
	if mountpoint -q "$MNT"; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
		_tap fail "$name" "it mounted (status $st): $out"
	elif [ $st -eq 2 ] && printf '%s' "$out" | grep -Eiq -- "$re" && [ ! -e "$DATA" ]; then
		_tap ok "$name"
	else
		_tap fail "$name" "status $st, data directory $([ -e "$DATA" ] && echo created || echo absent), output: $out"
	fi
	rm -rf "$DATA"
}

# Whether this galleryfs has the PostgreSQL backend built in at all.
pg_built=yes
"$GFS_CAT" --conninfo="host=$T/nowhere" schema 2>&1 | grep -q 'unknown catalog backend' && pg_built=

# ---- no server needed --------------------------------------------------
if [ -z "$pg_built" ]; then
	skip_n 11 "a PostgreSQL catalog that cannot be used" "this build has no PostgreSQL backend"
else
	mkdir -p "$T/nosock"
	refused "a conninfo libpq cannot parse: status 2, nothing created" \
		"conninfo|connection string|invalid" "config=$CONF,data_dir=$DATA,catalog_conninfo=host=/x no_such_keyword=1"
	refused "... nor one with an unterminated quote" \
		"conninfo|connection string|unterminated|invalid" "config=$CONF,data_dir=$DATA,catalog_conninfo=host='$T/nosock"
	refused "a server that cannot be reached: status 2, nothing created" \
		"connect|$T/nosock" "config=$CONF,data_dir=$DATA,catalog_conninfo=host=$T/nosock dbname=x"
	refused "... daemonized too" \
		"connect|$T/nosock" "config=$CONF,data_dir=$DATA,catalog_conninfo=host=$T/nosock dbname=x" bg
	printf '[catalog]\nbackend = postgresql\nconninfo = host=%s dbname=x\n' "$T/nosock" >"$T/pg-nosock.ini"
	refused "... and named in the file rather than on the command line" \
		"connect|$T/nosock" "config=$T/pg-nosock.ini,data_dir=$DATA"
	# the environment reaches the daemon: the same, with PGHOST exported
	st=0
	PGHOST=$T/nosock PGDATABASE=x PGCONNECT_TIMEOUT=5 timeout 30 "$GFS_BIN" -f \
		-o "config=$CONF,data_dir=$DATA,catalog_conninfo=" "$MNT" 2>"$T/start.err" || st=$?
	expect "an empty -o catalog_conninfo= takes PGHOST from the environment (status 2 on a dead socket)" \
		2 echo "$st"
	check "... and the message names that socket" grep -q "$T/nosock" "$T/start.err"
	check "... nothing created" test ! -e "$DATA"
	check "... nothing mounted" bash -c "! mountpoint -q '$MNT'"
	# the command line wins over [catalog] backend = sqlite
	printf '[catalog]\nbackend = sqlite\n' >"$T/sqlite.ini"
	refused "-o catalog_conninfo= wins over backend = sqlite in the file" \
		"connect|$T/nosock" "config=$T/sqlite.ini,data_dir=$DATA,catalog_conninfo=host=$T/nosock dbname=x"
	refused 'a comma in -o catalog_conninfo= is written \,' \
		"connect|$T/nosock" "config=$CONF,data_dir=$DATA,catalog_conninfo=host=$T/nosock dbname=x application_name=a\\,b"
fi

# ---- a server --------------------------------------------------------------
if [ -z "$pg_built" ] || ! on_postgresql; then
	skip_n 26 "a PostgreSQL server refusing the catalog" \
		"$([ -z "$pg_built" ] && echo "this build has no PostgreSQL backend" || echo "no server here (GFS_BACKEND=postgresql runs it)")"
	finish
	exit
fi
db=$(pg_database)
refused "a role that does not exist: status 2, nothing created" \
	"gfs_no_such_role|role|authentication" "config=$CONF,data_dir=$DATA,catalog_conninfo=$GFS_PG_CONNINFO dbname=$db user=gfs_no_such_role"
refused "a database that does not exist: status 2, nothing created" \
	"gfs_no_such_db|database" "config=$CONF,data_dir=$DATA,catalog_conninfo=$GFS_PG_CONNINFO dbname=gfs_no_such_db"

# a role that may log in but not create the schema (PostgreSQL 15: only a
# database's owner may create in its public schema)
pg_sql -c "DROP ROLE IF EXISTS gfs_weak" -c "CREATE ROLE gfs_weak LOGIN" >/dev/null
pg_fresh_database
refused "a role without the right to create the schema: status 2, nothing created" \
	"permission|denied|gfs_weak|right" "config=$CONF,data_dir=$DATA,catalog_conninfo=$(pg_conninfo) user=gfs_weak"

# the good case, then the same catalog marked as from a newer galleryfs
must_mount
check "a PostgreSQL catalog mounts" mkdir -p "$MNT/g/d/1.0.0"
check "... and keeps a file" bash -c "echo hello >'$MNT/g/d/1.0.0/f'"
check "... with no catalog.db in the data directory" test ! -e "$DATA/catalog.db"
check "... but the contents in objects/" test -d "$DATA/objects"
umount_fs
types() { catalog nodes | cut -f2 | grep -vx root | sort -u | paste -sd' '; }
expect "gfs-cat reads it through the conninfo" "definition file gallery version" types
expect "... the last end was clean" clean catalog clean
must_mount
expect "the file is there after a remount" hello cat "$MNT/g/d/1.0.0/f"
umount_fs
schema=$(catalog schema)
pg_set_schema_version 99
snap=$(ls -la "$DATA"; find "$DATA" | sort)
st=0
timeout 30 "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA$(catalog_opt)" "$MNT" 2>"$T/start.err" || st=$?
mountpoint -q "$MNT" && { fusermount3 -u "$MNT"; st="mounted($st)"; }
expect "a catalog from a newer galleryfs: status 2" 2 echo "$st"
check "... saying it is newer" grep -qi newer "$T/start.err"
expect "... leaving the data directory as it was" "$snap" bash -c "ls -la '$DATA'; find '$DATA' | sort"
expect "... and the schema version as it was" 99 catalog schema
pg_set_schema_version "$schema"
must_mount
expect "with its version back, it mounts again" hello cat "$MNT/g/d/1.0.0/f"
umount_fs

# a catalog of schema 3 (as the galleryfs before schema 4 left it) and a
# role that may write its rows but not own its tables: the migration to 4
# is refused whole, status 2, nothing changed; its owner's start migrates it
rewind_to_schema_3
pg_sql -c "DROP ROLE IF EXISTS gfs_writer" -c "CREATE ROLE gfs_writer LOGIN" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$(pg_conninfo)" -c "GRANT USAGE, CREATE ON SCHEMA public TO gfs_writer" \
	-c "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gfs_writer" \
	-c "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gfs_writer" >/dev/null
st=0
timeout 30 "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA,catalog_conninfo=$(pg_conninfo) user=gfs_writer" \
	"$MNT" 2>"$T/start.err" || st=$?
mountpoint -q "$MNT" && { fusermount3 -u "$MNT"; st="mounted($st)"; }
expect "a role that may not own the tables cannot migrate schema 3 to 4: status 2" 2 echo "$st"
check "... saying the migration needs their owner, nothing changed" \
	grep -Eq "migration.*owner.*nothing was changed" "$T/start.err"
expect "... leaving the schema version at 3" 3 catalog schema
psql -X -q -d "$(pg_conninfo)" -c "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM gfs_writer" \
	-c "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM gfs_writer" \
	-c "REVOKE ALL ON SCHEMA public FROM gfs_writer" >/dev/null
pg_sql -c "DROP ROLE gfs_writer" >/dev/null
must_mount
expect "its owner's start migrates it, keeping the file" hello cat "$MNT/g/d/1.0.0/f"
umount_fs
expect "... to schema 4" 4 catalog schema

# libpq's environment decides what an empty conninfo leaves open
conn_word() { printf '%s\n' "$GFS_PG_CONNINFO" | tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n 1; }
PGHOST=$(conn_word host) PGUSER=$(conn_word user) PGDATABASE=$(pg_database) \
	must_mount -o catalog_conninfo=
check "an empty -o catalog_conninfo= with PGHOST, PGUSER, PGDATABASE set mounts that database" \
	test -f "$MNT/g/d/1.0.0/f"
umount_fs
pg_sql -c "DROP ROLE IF EXISTS gfs_weak" >/dev/null
finish
