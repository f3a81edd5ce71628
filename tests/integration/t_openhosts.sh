#!/usr/bin/env bash
# Files open across hosts (issue #15, core/holders.c): content removed by a
# hard delete on one host while another host holds the file open stays
# there (its row an orphan, its object in the store) and readable through
# the open descriptor until it is closed, and is freed after the last close,
# or after the holding host's daemon is gone (kill -9), by the host that
# notices. Two daemons on one PostgreSQL catalog and data directory, A and
# B; the catalog's holder table says who holds what open. On SQLite (one
# daemon per data directory) every check is skipped.
. "$(dirname "$0")/lib.sh"

names=("a second daemon B mounts the same catalog and data directory"
	"A writes two files, B reads them whole"
	"B's open of f1 is recorded in the catalog"
	"A deletes f1 for good"
	"f1 is gone from B's tree"
	"f1's row stays as an orphan while B holds it open"
	"f1's object stays while B holds it open"
	"B reads f1 whole through its open descriptor"
	"B's last close frees f1's object"
	"... and removes its orphan row and its holder row"
	"a file B creates and holds open: A's delete keeps its object"
	"... which B's close frees"
	"A deletes f2 for good while B holds it open; its object stays"
	"B's daemon is killed with kill -9"
	"A notices B is gone and frees f2's object"
	"... and f2's orphan row"
	"A's log says what it freed"
	"the daemon exits with status 0 at unmount")
plan ${#names[@]}
if ! on_postgresql; then
	for n in "${names[@]}"; do skip "$n" "not on PostgreSQL (SQLite serves one daemon)"; done
	finish
	exit
fi

A=$MNT
B=$T/b
BOUND=30        # B's lease renewal and A's census run every 3 s
i=0
next() { i=$((i + 1)); }
must_mount
if mount_other "$B"; then _tap ok "${names[i]}"; else _tap fail "${names[i]}" "$(tail -n 5 "$B.log")"; fi
next

head -c 3000000 /dev/urandom >"$T/c1"
head -c 2000000 /dev/urandom >"$T/c2"
mkdir -p "$A/g/d/1.0.0" && cp "$T/c1" "$A/g/d/1.0.0/f1" && cp "$T/c2" "$A/g/d/1.0.0/f2"
both() { cmp "$B/g/d/1.0.0/f1" "$T/c1" && cmp "$B/g/d/1.0.0/f2" "$T/c2"; }
eventually "${names[i]}" 10 both
next

id_of() { rows "name == \"$1\" && type == \"file\"" id; }
object() { printf '%s/objects/%02x/%s' "$DATA" $(($1 & 255)) "$1"; }
held() { psql -X -q -At -d "$(pg_conninfo)" -c "SELECT count(*) FROM holder WHERE node = $1"; }
state() { psql -X -q -At -d "$(pg_conninfo)" -c "SELECT coalesce((SELECT state FROM node WHERE id = $1)::text, 'none')"; }
id1=$(id_of f1) id2=$(id_of f2)
exec 7<"$B/g/d/1.0.0/f1"
expect "${names[i]}" 1 held "$id1"
next
check "${names[i]}" rm "$A/g/d/1.0.0/f1"
next
eventually "${names[i]}" 10 sh -c "! test -e '$B/g/d/1.0.0/f1'"
next
expect "${names[i]}" 2 state "$id1"
next
check "${names[i]}" test -f "$(object "$id1")"
next
# drop B's page cache of f1, so that the bytes come from the object
echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
check "${names[i]}" cmp /dev/fd/7 "$T/c1"
next
exec 7<&-
eventually "${names[i]}" 10 sh -c "! test -e '$(object "$id1")'"
next
gone1() { [ "$(state "$id1")" = none ] && [ "$(held "$id1")" = 0 ]; }
eventually "${names[i]}" 10 gone1
next

exec 9>"$B/g/d/1.0.0/f3"
echo made by B >&9
id3=$(id_of f3)
kept3() { rm "$A/g/d/1.0.0/f3" && test -f "$(object "$id3")" && [ "$(state "$id3")" = 2 ]; }
check "${names[i]}" kept3
next
exec 9>&-
gone3() { ! test -e "$(object "$id3")" && [ "$(state "$id3")" = none ]; }
eventually "${names[i]}" 10 gone3
next

exec 8<"$B/g/d/1.0.0/f2"
# the holder row is made at B's open: there before A deletes
for w in $(seq 1 100); do [ "$(held "$id2")" = 1 ] && break; sleep 0.1; done
kept2() { rm "$A/g/d/1.0.0/f2" && test -f "$(object "$id2")" && [ "$(state "$id2")" = 2 ]; }
check "${names[i]}" kept2
next
logmark=$(wc -l <"$LOG")
bpid=${OTHER_PID[$B]}
crash_other "$B"
exec 8<&-
if ! kill -0 "$bpid" 2>/dev/null; then _tap ok "${names[i]}"; else _tap fail "${names[i]}" "still running"; fi
next
eventually "${names[i]}" $BOUND sh -c "! test -e '$(object "$id2")'"
next
expect "${names[i]}" none state "$id2"
next
_mark=$logmark
logged "${names[i]}" '1 file deleted for good that only a gone daemon held open removed, with its content'
next
umount_fs "${names[i]}"
finish
