#!/usr/bin/env bash
# Soft delete, restore and hard delete through a real mount (design §3),
# driven by rm, mv, find, stat and cmp.
. "$(dirname "$0")/lib.sh"
plan 65
must_mount
cd "$MNT"

mkdir -p g/d/1.0.0 g/d/1.0.1 g/app/1.0.0
for f in disk0.vhd disk1.vhd notes.txt; do
	head -c $((3 * 1024 * 1024 + RANDOM)) /dev/urandom >"$T/$f"
	cp "$T/$f" g/d/1.0.0/
done
echo app >g/app/1.0.0/app.bin
setfattr -n user.acg.kind -v application g/app
inos_before=$(stat -c '%n %i' g/d/1.0.0 g/d/1.0.0/* | sed 's#g/d/##' | sort)
expect "soft delete starts off" false getfattr --only-values -n user.acg.softDelete g
check "switch soft delete on" setfattr -n user.acg.softDelete -v true g

# rm -r of a version: unlinks, then rmdir; the whole version lands in .softdeleted
used=$(store_bytes)
check "rm -r of a version succeeds" rm -r g/d/1.0.0
check_not "the version is gone from the live tree" 1 test -e g/d/1.0.0
expect ".softdeleted lists the definition" d ls g/.softdeleted
expect "the version and all its files are in .softdeleted" "1.0.0
disk0.vhd
disk1.vhd
notes.txt" bash -c 'ls g/.softdeleted/d; ls g/.softdeleted/d/1.0.0'
inos_sd=$(cd g/.softdeleted/d && stat -c '%n %i' 1.0.0 1.0.0/* | sort)
expect "soft-deleted items keep their inode numbers" "$inos_before" echo "$inos_sd"
expect "soft delete frees nothing" "$used" store_bytes
check "deletedAt reads as UTC" bash -c "getfattr --only-values -n user.acg.deletedAt g/.softdeleted/d/1.0.0 | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'"
check "purgeAt is 7 days after deletedAt" bash -c '
	d=$(getfattr --only-values -n user.acg.deletedAt g/.softdeleted/d/1.0.0)
	p=$(getfattr --only-values -n user.acg.purgeAt g/.softdeleted/d/1.0.0)
	[ $(( $(date -d "$p" +%s) - $(date -d "$d" +%s) )) -eq 604800 ]'
try_is "the soft-deleted name stays reserved (R16)" EEXIST mkdir g/d/1.0.0
logged "... logged as R16 with the remedy" '^galleryfs: R16 g/d/1.0.0: the name is held by a soft-deleted version; restore it'
try_is "nothing can be created in .softdeleted (R15)" EPERM create g/.softdeleted/d/1.0.0/new
logged "... logged as R15" '^galleryfs: R15 g/.softdeleted/d/1.0.0/new: .softdeleted is read-only'
try_is "soft-deleted files cannot be opened for writing (R15)" EPERM open-write g/.softdeleted/d/1.0.0/notes.txt
try_is "soft-deleted files cannot be chmod-ed (R15)" EPERM chmod g/.softdeleted/d/1.0.0/notes.txt 600
try_is ".softdeleted cannot be renamed (R15)" EPERM rename g/.softdeleted g/x
try_is "restore to another path is refused (R14): EPERM" EPERM rename g/.softdeleted/d/1.0.0 g/d/9.9.9
logged "... logged as R14 naming the original path" '^galleryfs: R14 g/.softdeleted/d/1.0.0: a soft-deleted item can only be restored to its original path; mv it back to g/d/1.0.0$'
check_not "mv to another path: 'Operation not permitted', not 'subdirectory of itself'" EPERM mv g/.softdeleted/d/1.0.0 g/d/9.9.9
logged_times "... with one log line for the one refusal" 1 '^galleryfs: R14 '
expect "mv of a version into .softdeleted under a name that is no version asks twice, refused twice (R12: EINVAL)" \
	"renameat2 EINVAL
renameat EINVAL" bash -c "strace -qq -e trace=renameat2,renameat mv g/d/1.0.1 g/.softdeleted/d/v1 2>&1 |
		sed -n 's/^\\(renameat2\\?\\)(.* = -1 \\(E[A-Z]*\\) .*/\\1 \\2/p'"
logged_times "... and one log line says so" 1 '^galleryfs: R12 g/.softdeleted/d/v1: ' 
try_is "rmdir of a soft-deleted version with files: ENOTEMPTY" ENOTEMPTY rmdir g/.softdeleted/d/1.0.0
mkdir -p g/e/1.0.0 && rm -r g/e/1.0.0
try_is "a definition holding soft-deleted items cannot be removed (R3)" ENOTEMPTY rmdir g/e
logged "the R3 refusal is logged with its remedy" '^galleryfs: R3 g/e: .*hard-delete'
check "hard-deleting them lets it go" bash -c 'rm -r g/.softdeleted/e && rmdir g/e' 

# restore with mv, byte-identical, same inodes
check "mv back restores the version" mv g/.softdeleted/d/1.0.0 g/d/
expect "restored files are byte-identical" "" bash -c "for f in disk0.vhd disk1.vhd notes.txt; do cmp g/d/1.0.0/\$f $T/\$f || echo \$f; done"
expect "restored items keep their inode numbers" "$inos_before" bash -c "stat -c '%n %i' g/d/1.0.0 g/d/1.0.0/* | sed 's#g/d/##' | sort"
expect ".softdeleted is empty again" "" ls g/.softdeleted
check_not "deletedAt is gone after restore" 1 getfattr -n user.acg.deletedAt g/d/1.0.0

# single file soft delete and restore
check "rm of one file soft-deletes it" rm g/d/1.0.0/notes.txt
expect "the file is in the version's shadow" notes.txt ls g/.softdeleted/d/1.0.0
check "mv of the file back restores it" mv g/.softdeleted/d/1.0.0/notes.txt g/d/1.0.0/
check "restored file is byte-identical" cmp g/d/1.0.0/notes.txt "$T/notes.txt"
try_is "a soft-deleted file never crosses to another version (R14)" OK unlink g/d/1.0.0/notes.txt
try_is "... EPERM, not EXDEV" EPERM rename g/.softdeleted/d/1.0.0/notes.txt g/d/1.0.1/notes.txt
check "mv of a file into its shadow path" bash -c 'mv g/.softdeleted/d/1.0.0/notes.txt g/d/1.0.0/ && mv g/d/1.0.0/notes.txt g/.softdeleted/d/1.0.0/'
expect "the file is soft-deleted again" notes.txt ls g/.softdeleted/d/1.0.0

# mv of a whole version into .softdeleted merges the shadow
echo newer >g/d/1.0.0/notes.txt
check "mv VERSION .softdeleted/DEF/ soft-deletes it whole" mv g/d/1.0.0 g/.softdeleted/d/
expect "the version's own file wins over the shadow's copy" newer cat g/.softdeleted/d/1.0.0/notes.txt
expect "the version holds all its files" "disk0.vhd disk1.vhd notes.txt" bash -c 'echo $(ls g/.softdeleted/d/1.0.0)'
check "mv back restores again" mv g/.softdeleted/d/1.0.0 g/d/1.0.0

# a miss looked up in a version does not outlive the version's return
check "a file looked up while soft-deleted is found once its version is restored" bash -c '
	rm g/d/1.0.0/notes.txt && ! stat g/d/1.0.0/notes.txt 2>/dev/null &&
	mv g/d/1.0.0 g/.softdeleted/d/ && mv g/.softdeleted/d/1.0.0 g/d/ &&
	[ "$(cat g/d/1.0.0/notes.txt)" = newer ]'
check "... and a shadow file looked up while live is found in the soft-deleted version" bash -c '
	rm g/d/1.0.0/notes.txt && ! stat g/d/1.0.0/notes.txt 2>/dev/null &&
	mv g/d/1.0.0 g/.softdeleted/d/ && [ "$(cat g/.softdeleted/d/1.0.0/notes.txt)" = newer ] &&
	mv g/.softdeleted/d/1.0.0 g/d/'

# hard delete frees the stored content
rm -r g/d/1.0.0
before=$(store_bytes)
check "rm -r inside .softdeleted deletes for good" rm -r g/.softdeleted/d/1.0.0
after=$(store_bytes)
check "hard delete frees the stored content" test $((before - after)) -gt $((6 * 1024 * 1024))
check "the name is free again" mkdir g/d/1.0.0
check "rm -rf GALLERY/.softdeleted/* empties it" bash -c 'rm -r g/d/1.0.0 && rm -rf g/.softdeleted/* && [ -z "$(ls g/.softdeleted)" ]'

# application versions are never recoverable (R2, R11)
check "rm -r of an application version" rm -r g/app/1.0.0
expect "it does not enter .softdeleted" "" ls g/.softdeleted
mkdir g/app/2.0.0
try_is "moving an application version into .softdeleted: EPERM (R2)" EPERM rename g/app/2.0.0 g/.softdeleted/app/2.0.0
logged "... logged as R2" '^galleryfs: R2 g/app/2.0.0: VM application'

# .softdeleted itself
try_is "rmdir of an empty .softdeleted succeeds and changes nothing" OK rmdir g/.softdeleted
check ".softdeleted still resolves" test -d g/.softdeleted
expect ".softdeleted is not in the gallery's listing" "app d" bash -c 'echo $(ls -a g | grep -v "^\.\.\?$")'

# rm -r GALLERY with soft delete on stops at R3 with the versions soft-deleted
check_not "rm -r GALLERY fails at the definition (R3)" ENOTEMPTY rm -r g
expect "... leaving the soft-deleted version" "1.0.1" ls g/.softdeleted/d

# soft delete off: removal is final; what is soft-deleted stays
check "switch soft delete off" setfattr -n user.acg.softDelete -v false g
mkdir g/d/3.0.0 && echo x >g/d/3.0.0/f
check "rm -r with soft delete off" rm -r g/d/3.0.0
expect "nothing new enters .softdeleted" "1.0.1" ls g/.softdeleted/d
mkdir g/d/4.0.0
try_is "mv into .softdeleted with soft delete off: EPERM" EPERM rename g/d/4.0.0 g/.softdeleted/d/4.0.0
check "with soft delete off, rmdir of the definition hard-deletes its soft-deleted versions (R3 remedy)" bash -c 'rmdir g/d/4.0.0 && rmdir g/d && [ -z "$(ls g/.softdeleted)" ]'

cd /
finish
