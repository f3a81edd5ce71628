#!/usr/bin/env bash
# The tree (design §1): what can be created, names, and what stat, ls and df
# report; ownership and permissions under default_permissions.
. "$(dirname "$0")/lib.sh"
plan 61
must_mount -o allow_other
cd "$MNT"

check "mkdir creates a gallery" mkdir prod
check "mkdir -p creates a definition and a version" mkdir -p prod/ubuntu-22.04/1.0.0
check "a file is created in a version" bash -c 'echo hi >prod/ubuntu-22.04/1.0.0/disk.vhd'
expect "a gallery lists its definitions, and not .softdeleted" "ubuntu-22.04" bash -c 'echo $(ls -A prod)'
expect "... which resolves by name all the same" "directory 755" stat -c '%F %a' prod/.softdeleted
check "... and can be listed" ls prod/.softdeleted

# names (R12)
try_is "gallery name with '-' is refused" EINVAL mkdir bad-name
logged "a name refusal is logged with rule and remedy" '^galleryfs: R12 bad-name: a gallery name is .*choose a name'
try_is "gallery name starting with '.' is refused" EINVAL mkdir .hidden
try_is "gallery name ending with '.' is refused" EINVAL mkdir gal.
try_is "an 80-character gallery name is fine" OK mkdir "$(printf 'g%.0s' $(seq 80))"
try_is "an 81-character gallery name: ENAMETOOLONG" ENAMETOOLONG mkdir "$(printf 'g%.0s' $(seq 81))"
try_is "a definition must start with a letter or digit" EINVAL mkdir prod/-x
try_is "a definition with '.' and '_' inside is fine" OK mkdir prod/a.b_c-d
try_is "a version is MAJOR.MINOR.PATCH" EINVAL mkdir prod/ubuntu-22.04/1.0
try_is "no leading zeros in versions" EINVAL mkdir prod/ubuntu-22.04/1.01.0
try_is "components above 2147483647 are refused" EINVAL mkdir prod/ubuntu-22.04/2147483648.0.0
try_is "2147483647.0.0 is a version" OK mkdir prod/ubuntu-22.04/2147483647.0.0
try_is "a 255-byte file name is fine" OK create "prod/ubuntu-22.04/1.0.0/$(printf 'f%.0s' $(seq 255))"
try_is "a 256-byte file name: ENAMETOOLONG" ENAMETOOLONG create "prod/ubuntu-22.04/1.0.0/$(printf 'f%.0s' $(seq 256))"
try_is "mkdir .softdeleted in a gallery: EEXIST" EEXIST mkdir prod/.softdeleted

# only galleries, definitions, versions and files in versions (R12)
try_is "no directories inside a version" EPERM mkdir prod/ubuntu-22.04/1.0.0/sub
try_is "no files outside versions" EPERM create prod/file
try_is "no files in definitions" EPERM create prod/ubuntu-22.04/9.9.9
try_is "... where a name that is no version is EINVAL first" EINVAL create prod/ubuntu-22.04/file
try_is "no symlinks" EPERM symlink target prod/ubuntu-22.04/1.0.0/link
try_is "no hard links" EPERM link prod/ubuntu-22.04/1.0.0/disk.vhd prod/ubuntu-22.04/1.0.0/hard
try_is "no FIFOs" EPERM mkfifo prod/ubuntu-22.04/1.0.0/fifo
try_is "mknod of a regular file is a file" OK mknod-reg prod/ubuntu-22.04/1.0.0/node
try_is "galleries cannot be renamed (R13)" EPERM rename prod prod2
try_is "definitions cannot be renamed (R13)" EPERM rename prod/ubuntu-22.04 prod/other
try_is "versions cannot be renamed (R13)" EPERM rename prod/ubuntu-22.04/1.0.0 prod/ubuntu-22.04/1.0.9
logged "... logged as R13 with the remedy" '^galleryfs: R13 prod/ubuntu-22.04/1.0.0: versions cannot be renamed.*mkdir'

# stat
expect "a definition's link count counts its versions" 4 stat -c %h prod/ubuntu-22.04
expect "a gallery's link count counts its definitions (not the unlisted .softdeleted)" 4 stat -c %h prod
expect "a version has link count 2" 2 stat -c %h prod/ubuntu-22.04/1.0.0
expect "a file has link count 1" 1 stat -c %h prod/ubuntu-22.04/1.0.0/disk.vhd
expect "st_size is the content length" 3 stat -c %s prod/ubuntu-22.04/1.0.0/disk.vhd
head -c 1048576 /dev/zero >prod/ubuntu-22.04/1.0.0/mib
check "st_blocks reflects stored data" bash -c '[ $(stat -c %b prod/ubuntu-22.04/1.0.0/mib) -ge 2048 ]'
truncate -s 1G prod/ubuntu-22.04/1.0.0/sparse
check "a sparse file stores little" bash -c '[ $(stat -c %b prod/ubuntu-22.04/1.0.0/sparse) -lt 100 ]'
expect "... and reads as its size" 1073741824 stat -c %s prod/ubuntu-22.04/1.0.0/sparse
expect "the root is inode 1" 1 stat -c %i .
check "the gallery is odd, its .softdeleted one lower" bash -c '[ $(( $(stat -c %i prod) - 1 )) -eq $(stat -c %i prod/.softdeleted) ]'
check "inodes in a listing match stat" bash -c '[ "$(ls -i prod/ubuntu-22.04/1.0.0 | sort -k2 | awk "{print \$1}" | tr "\n" " ")" = "$(for f in $(ls prod/ubuntu-22.04/1.0.0 | sort); do stat -c %i prod/ubuntu-22.04/1.0.0/$f; done | tr "\n" " ")" ]'
m1=$(stat -c %Y prod/ubuntu-22.04)
sleep 1.1
mkdir prod/ubuntu-22.04/5.0.0
check "mkdir changes the parent's mtime" bash -c "[ \$(stat -c %Y prod/ubuntu-22.04) -gt $m1 ]"
check "touch -d sets mtime and atime" bash -c 'touch -d "2001-02-03 04:05:06.123456789" prod/ubuntu-22.04/1.0.0/disk.vhd && [ "$(stat -c %y prod/ubuntu-22.04/1.0.0/disk.vhd)" = "2001-02-03 04:05:06.123456789 +0000" ]'
check "df shows real figures" bash -c 'df -B1 . | awk "NR==2 {exit !(\$2 > 0 && \$4 > 0)}"'
check "the mount shows as fuse.galleryfs" grep -q " $MNT fuse.galleryfs " /proc/mounts

# owners and modes, acting as other users (allow_other)
chmod 777 prod prod/ubuntu-22.04
check "another user creates a version" runuser -u gfs-alice -- mkdir -m 750 prod/ubuntu-22.04/7.0.0
expect "... owned by that user, mode from mkdir" "gfs-alice 750" stat -c '%U %a' prod/ubuntu-22.04/7.0.0
check "... and a file in it" runuser -u gfs-alice -- bash -c 'umask 077; echo s >prod/ubuntu-22.04/7.0.0/secret'
expect "... mode from open and umask" "gfs-alice 600" stat -c '%U %a' prod/ubuntu-22.04/7.0.0/secret
check_not "a third user cannot read it (mode bits)" EACCES runuser -u gfs-nobody -- cat prod/ubuntu-22.04/7.0.0/secret
check_not "a third user cannot chmod it" EPERM runuser -u gfs-nobody -- chmod 777 prod/ubuntu-22.04/7.0.0
check_not "a user cannot give a file away" EPERM runuser -u gfs-alice -- chown gfs-nobody prod/ubuntu-22.04/7.0.0/secret
check "root can chown" chown gfs-nobody prod/ubuntu-22.04/7.0.0/secret
expect "... and it shows" gfs-nobody stat -c %U prod/ubuntu-22.04/7.0.0/secret
check "the owner can chmod" runuser -u gfs-alice -- chmod 755 prod/ubuntu-22.04/7.0.0
expect "... and it shows" 755 stat -c %a prod/ubuntu-22.04/7.0.0
check_not "without write permission on the version nobody removes a file" EACCES runuser -u gfs-nobody -- rm -f prod/ubuntu-22.04/7.0.0/secret
cd /
finish
