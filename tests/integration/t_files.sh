#!/usr/bin/env bash
# Files in versions (design §2): create, write, read, truncate, rename,
# unlink, and the ways restore tools write (fallocate, sparse writes,
# pwrite from several descriptors, fsetxattr, times after contents).
. "$(dirname "$0")/lib.sh"
plan 33
must_mount
cd "$MNT"
mkdir -p g/d/1.0.0 g/d/2.0.0
V=g/d/1.0.0

head -c 20000000 /dev/urandom >"$T/big"
check "cp of a 20 MB file" cp "$T/big" $V/big
check "reads back byte-identical" cmp "$T/big" $V/big
expect "size is exact" 20000000 stat -c %s $V/big
check "append with >>" bash -c "echo one >$V/log && echo two >>$V/log && [ \"\$(cat $V/log)\" = \$'one\ntwo' ]"
check "truncate shrinks" bash -c "truncate -s 1000 $V/big && [ \$(stat -c %s $V/big) = 1000 ] && cmp -n 1000 $T/big $V/big"
check "truncate extends with zeros" bash -c "truncate -s 2000 $V/big && [ \"\$(tail -c 1000 $V/big | tr -d '\\0' | wc -c)\" = 0 ]"
check "open with O_TRUNC empties" bash -c "echo x >$V/big && [ \$(stat -c %s $V/big) = 2 ]"

# renames within a version
echo a >$V/a; echo b >$V/b
check "mv within a version" mv $V/a $V/c
expect "... keeps the content" a cat $V/c
check "mv onto an existing file replaces it" mv $V/c $V/b
expect "... with the moved file's content" a cat $V/b
check_not "... and the old name is gone" 1 test -e $V/c
try_is "rename to another version: EXDEV (R13)" EXDEV rename $V/b g/d/2.0.0/b
check "so mv copies across versions" mv $V/b g/d/2.0.0/b
expect "... and the copy arrives" a cat g/d/2.0.0/b
check_not "... and the source is removed" 1 test -e $V/b
try_is "RENAME_NOREPLACE onto an existing file: EEXIST" EEXIST rename $V/log g/d/1.0.0/big noreplace
try_is "RENAME_EXCHANGE: EINVAL (R13)" EINVAL rename $V/log $V/big exchange
try_is "rename onto itself succeeds" OK rename $V/log $V/log

# how restore tools write
check "fallocate before writing" bash -c "fallocate -l 5000000 $V/pre && [ \$(stat -c %s $V/pre) = 5000000 ] && [ \$(stat -c %b $V/pre) -ge 9000 ]"
check "ftruncate then sparse writes" bash -c "
	truncate -s 8M $V/sparse &&
	printf END | dd of=$V/sparse bs=1 seek=\$((8*1024*1024-3)) conv=notrunc status=none &&
	printf BEGIN | dd of=$V/sparse conv=notrunc status=none &&
	[ \"\$(head -c 5 $V/sparse)\" = BEGIN ] && [ \"\$(tail -c 3 $V/sparse)\" = END ] &&
	[ \$(stat -c %s $V/sparse) = 8388608 ]"
check "pwrite at any offset from several descriptors at once" bash -c "
	head -c 4194304 /dev/urandom >$T/par &&
	: >$V/par &&
	for i in 0 1 2 3; do
		dd if=$T/par of=$V/par bs=1M skip=\$i seek=\$i count=1 conv=notrunc status=none &
	done; wait; cmp $T/par $V/par"
try_is "fsetxattr through an open descriptor" OK fsetxattr $V/par user.origin backup
expect "... sets the attribute" backup getfattr --only-values -n user.origin $V/par
check "times set after contents stick" bash -c "touch -m -d '2020-01-01 00:00:00' $V/par && touch -m -d '2019-06-01 12:00:00' g/d/1.0.0 && [ \$(stat -c %Y $V/par) = 1577836800 ] && [ \$(stat -c %Y g/d/1.0.0) = 1559390400 ]"
check "chmod and chown after contents" bash -c "chmod 640 $V/par && chown 1234:5678 $V/par && [ \"\$(stat -c '%a %u %g' $V/par)\" = '640 1234 5678' ]"

# an open descriptor outlives its path
exec 7<>$V/par
check "unlink of an open file with soft delete off" rm $V/par
check "the open descriptor still reads it" bash -c "head -c 1048576 <&7 | cmp - <(head -c 1048576 $T/par)"
check "... and writes it" bash -c "echo more >&7"
exec 7>&-
check "mtime changes on write" bash -c "m=\$(stat -c %Y $V/log); sleep 1.1; echo x >>$V/log; [ \$(stat -c %Y $V/log) -gt \$m ]"
check "sync and fsync work" bash -c "sync $V/log && dd if=/dev/zero of=$V/synced bs=4k count=4 conv=fsync status=none"
# fsync(2) on a file must reach the disk: the daemon fsyncs the object file
# (seen with strace on every thread of the daemon)
fsync_reaches_object() {
	local args=() t sp
	for t in /proc/"$GFS_PID"/task/*; do args+=(-p "${t##*/}"); done
	strace -qq -f -e trace=fsync,fdatasync -o "$T/strace" "${args[@]}" 2>"$T/strace.err" &
	sp=$!
	sleep 0.5       # attached
	dd if=/dev/zero of="$V/synced2" bs=4k count=4 conv=fsync status=none
	sleep 0.2
	kill "$sp"; wait "$sp" 2>/dev/null
	grep -Eq '^[0-9]+ +f(data)?sync\([0-9]+\) += 0' "$T/strace" || { cat "$T/strace" "$T/strace.err"; return 1; }
}
check "fsync of a file makes the daemon fsync its object (strace)" fsync_reaches_object
cd /
finish
