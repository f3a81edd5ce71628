#!/usr/bin/env bash
# Recursive removes lose nothing that soft delete holds (design §3): with
# .softdeleted unlisted, `rm -rf GALLERY` (twice), `rm -rf MOUNT/*` and
# `find MOUNT -delete` soft-delete every live version and stop with
# ENOTEMPTY (R3) at each definition; everything soft-deleted before and
# during them is still there, byte for byte, compared with copies kept on
# the machine's own filesystem.
. "$(dirname "$0")/lib.sh"
plan 37
must_mount
cd "$MNT"
REF="$T/ref"

# seed GALLERY: versions 1.0.0..1.0.3 of d and 2.0.0 of e, two files each;
# 1.0.0 soft-deleted whole beforehand, 1.0.1/a soft-deleted alone, the rest
# live. Every file's bytes are kept in $REF under the path it will have
# once soft-deleted.
seed() {
	local g=$1 d v f
	mkdir "$g" && setfattr -n user.acg.softDelete -v true "$g" || return 1
	for d in d e; do
		for v in 1.0.0 1.0.1 1.0.2 1.0.3; do
			[ $d = e ] && [ $v != 1.0.0 ] && continue
			mkdir -p "$g/$d/$v" "$REF/$g/$d/$v"
			for f in a b; do
				head -c $((4096 + RANDOM)) /dev/urandom >"$REF/$g/$d/$v/$f"
				cp "$REF/$g/$d/$v/$f" "$g/$d/$v/$f"
			done
		done
	done
	rm -r "$g/d/1.0.0" && rm "$g/d/1.0.1/a"
}
# held GALLERY: what .softdeleted holds, as "path sha256", sorted
held() { (cd "$1/.softdeleted" && find . -type f -exec sha256sum {} + | awk '{print $2, $1}' | sort); }
want() { (cd "$REF/$1" && find . -type f -exec sha256sum {} + | awk '{print $2, $1}' | sort); }

check "a gallery with items soft-deleted earlier, one file alone, and live versions" seed g
check "... what .softdeleted held earlier is byte-identical to the originals" \
	bash -c "diff <(cd '$MNT/g/.softdeleted' && find . -type f | sort) <(printf '%s\n' ./d/1.0.0/a ./d/1.0.0/b ./d/1.0.1/a) &&
		for f in \$(cd '$MNT/g/.softdeleted' && find . -type f); do cmp '$MNT/g/.softdeleted/'\$f '$REF/g/'\$f || exit 1; done"
expect "the gallery's listing does not show .softdeleted" "d e" bash -c 'echo $(ls -a g | grep -v "^\.\.\?$")'

# rm -rf GALLERY, twice
check_not "rm -rf GALLERY fails: the definitions hold soft-deleted items" ENOTEMPTY rm -rf g
logged "... R3 refuses, its log line naming the remedy" '^galleryfs: R3 g/d: it holds soft-deleted items; hard-delete them \(rm -r GALLERY/\.softdeleted/DEF\) or switch soft delete off first$'
expect "... every live version is soft-deleted and the definitions stay" "d e|0" bash -c 'echo "$(echo $(ls g))|$(find g/d g/e -mindepth 1 | wc -l)"'
check_not "rm -rf GALLERY a second time fails the same way" ENOTEMPTY rm -rf g
logged "... R3 again" '^galleryfs: R3 g/e: it holds soft-deleted items'
expect "every earlier and every new soft-deleted item is still there, byte-identical" "$(want g)" held g
expect "... the live tree holds the two empty definitions only" "g/d g/e" bash -c 'echo $(find g -mindepth 1 | sort)'
expect "... and the soft-deleted versions are all there" "1.0.0 1.0.1 1.0.2 1.0.3 1.0.0" bash -c 'echo $(ls g/.softdeleted/d g/.softdeleted/e | grep "^[0-9]")'

# rm -rf MOUNT/*: two galleries
check "two more galleries seeded the same way" bash -c "$(declare -f seed); REF='$REF'; seed h && seed k"
check_not "rm -rf MOUNT/* fails at the definitions" ENOTEMPTY bash -c "rm -rf '$MNT'/*"
logged "... R3 for gallery h" '^galleryfs: R3 h/d: '
expect "... gallery g still holds what it held, byte-identical" "$(want g)" held g
expect "... gallery h holds everything, byte-identical" "$(want h)" held h
expect "... gallery k too" "$(want k)" held k
expect "... the galleries stay" "g h k" bash -c 'echo $(ls)'

# find MOUNT -delete
rm -rf "$REF/m"
check "a gallery m seeded the same way" bash -c "$(declare -f seed); REF='$REF'; seed m"
check_not "find MOUNT -delete fails at the definitions" ENOTEMPTY find "$MNT" -mindepth 1 -delete
logged "... R3 for gallery m" '^galleryfs: R3 m/d: '
expect "... gallery m holds everything, byte-identical" "$(want m)" held m
expect "... g, h and k are untouched" "$(want g; want h; want k)" bash -c "$(declare -f held); held g; held h; held k"

# recursive readers never enter .softdeleted unless pointed at it
# count_sd: lines of standard input that name .softdeleted (status 0 even
# for none, so that a pipeline under pipefail fails only when its tool does)
count_sd='awk "/softdeleted/ {n++} END {print n + 0}"'
expect "find MOUNT lists no .softdeleted" 0 bash -o pipefail -c "find '$MNT' | $count_sd"
expect "du -a MOUNT counts none of it" 0 bash -o pipefail -c "du -a '$MNT' | $count_sd"
expect "tar of MOUNT without --exclude holds none of it" 0 bash -o pipefail -c "tar -C '$MNT' -cf - . | tar -tf - | $count_sd"
expect "find GALLERY/.softdeleted walks it when named" "$(want m | wc -l)" bash -c "find '$MNT/m/.softdeleted' -type f | wc -l"
check "cd into it works" bash -c "cd '$MNT/m/.softdeleted/d/1.0.0' && [ \"\$(ls)\" = 'a
b' ]"

# what is held is not stuck: the remedies work
check "hard-deleting a definition's items by name lets rm -r remove it" bash -c 'rm -r m/.softdeleted/d && rm -r m/d'
check "with soft delete off, rm -r removes a definition and its held versions (R3's remedy)" bash -c '
	setfattr -n user.acg.softDelete -v false m && rm -r m/e && [ ! -e m/e ] && [ -z "$(ls m/.softdeleted)" ]'
check "... and then the gallery" rmdir m
check "restoring after rm -rf brings a version back whole" bash -c "mv '$MNT/g/.softdeleted/d/1.0.1' '$MNT/g/d/' && cmp g/d/1.0.1/a '$REF/g/d/1.0.1/a' && cmp g/d/1.0.1/b '$REF/g/d/1.0.1/b'"
expect "... with the inode numbers it had under .softdeleted" "$(stat -c %i g/.softdeleted/d/1.0.2/a)" bash -c "mv g/.softdeleted/d/1.0.2 g/d/ && stat -c %i g/d/1.0.2/a"
check "rmdir of .softdeleted holding items: ENOTEMPTY, nothing lost" bash -c "! rmdir g/.softdeleted 2>/dev/null && [ -d g/.softdeleted/d/1.0.3 ]"
cd /
umount_fs
must_mount
expect "after a remount everything held is still there" "$(want h)" held "$MNT/h"
finish
