#!/usr/bin/env bash
# Hostile names and values through a real mount (design §1 names, §4
# attributes, §5 the order of checks): every byte in file names, names at
# and over the limit, "." and ".." tricks, names that look like SQL or
# carry control characters, attribute values at and over the kernel's
# limits. Each refusal is a clean errno and leaves the tree as it was.
. "$(dirname "$0")/lib.sh"
plan 88
must_mount
cd "$MNT"
export LC_ALL=C
mkdir -p g/d/1.0.0 g/d/1.0.1
echo keep >g/d/1.0.0/keep
V=g/d/1.0.0

# a snapshot of the whole tree, what every .softdeleted holds included
# (names, inodes, modes, owners, sizes, times), and of one node's attributes
snap() { find . */.softdeleted -printf '%p %i %m %U %G %s %T@ %C@\n' | sort | sha256sum | cut -d' ' -f1; }
attrs() { getfattr -d -m - -e hex --absolute-names "$1" 2>/dev/null | sha256sum | cut -d' ' -f1; }
# "x<byte>y" and "z<byte>w" for every byte 1..255 but '/' (without a fork:
# the loops below stay fast)
X=() Z=()
for b in $(seq 1 255); do
	[ "$b" -eq 47 ] && continue
	printf -v o '%03o' "$b"
	printf -v n "x\\${o}y"; X+=("$n")
	printf -v n "z\\${o}w"; Z+=("$n")
done
sorted() { printf '%s\0' "$@" | sort -z | sha256sum | cut -d' ' -f1; }
listing() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\0' | sort -z | sha256sum | cut -d' ' -f1; }

# --- every byte value in a file name ----------------------------------------
mkdir g/d/2.0.0
bad=
for i in "${!X[@]}"; do
	printf '%s' "$i" >"g/d/2.0.0/${X[$i]}" || bad="$bad $i"
done
check "a file per byte value 1..255 but '/' (\"x<byte>y\") is created" test -z "$bad"
expect "... and listed back byte for byte (find -print0)" "$(sorted "${X[@]}")" listing g/d/2.0.0
expect "... 254 of them" 254 bash -c 'find g/d/2.0.0 -mindepth 1 -printf . | wc -c'
bad=
for i in "${!X[@]}"; do
	c=; read -r c <"g/d/2.0.0/${X[$i]}"
	[ "$c" = "$i" ] || bad="$bad $i"
done
check "... each reads back its own contents" test -z "$bad"
check "... each stats with its own inode" bash -c '[ "$(find g/d/2.0.0 -type f -printf "%i\n" | sort -u | wc -l)" = 254 ]'
bad=
for i in "${!X[@]}"; do
	mv -T "g/d/2.0.0/${X[$i]}" "g/d/2.0.0/${Z[$i]}" || bad="$bad $i"
done
check "... each is renamed (\"z<byte>w\")" test -z "$bad"
expect "... and the new names list back exactly" "$(sorted "${Z[@]}")" listing g/d/2.0.0
# soft delete and restore carry them whole
setfattr -n user.acg.softDelete -v true g
check "... the version with them is soft-deleted (rm -r)" rm -r g/d/2.0.0
expect "... every name is in .softdeleted" "$(sorted "${Z[@]}")" listing g/.softdeleted/d/2.0.0
check "... and restored (mv back)" mv g/.softdeleted/d/2.0.0 g/d/
expect "... every name is back" "$(sorted "${Z[@]}")" listing g/d/2.0.0
setfattr -n user.acg.softDelete -v false g
check "... and each is removed (rm of all 254 at once)" rm -- "${Z[@]/#/g/d/2.0.0/}"
expect "... leaving the version empty" "" ls -A g/d/2.0.0
expect "... and nothing in .softdeleted (soft delete was off)" "" ls -A g/.softdeleted

# --- lengths ----------------------------------------------------------------
n255=$(head -c 255 /dev/zero | tr '\0' n)
try_is "a file name of 255 bytes is created" OK create "$V/$n255"
expect "... listed" "$n255" bash -c "ls '$V' | grep '^n'"
check "... written and read" bash -c "echo 255 >'$V/$n255' && [ \"\$(cat '$V/$n255')\" = 255 ]"
before=$(snap)
try_is "a file name of 256 bytes: ENAMETOOLONG" ENAMETOOLONG create "$V/${n255}n"
try_is "a gallery name of 81 characters: ENAMETOOLONG" ENAMETOOLONG mkdir "$(head -c 81 /dev/zero | tr '\0' a)"
try_is "a rename to 256 bytes: ENAMETOOLONG" ENAMETOOLONG rename "$V/$n255" "$V/${n255}n"
expect "... the tree is unchanged" "$before" snap
check "the 255-byte name is removed" rm "$V/$n255"

# --- "." and ".." -----------------------------------------------------------
before=$(snap)
try_is "mkdir g/d/..: EEXIST" EEXIST mkdir g/d/..
try_is "mkdir of a version's ..: EEXIST" EEXIST mkdir "$V/.."
try_is "mkdir g/d/1.0.0/.: EEXIST" EEXIST mkdir "$V/."
try_is "rmdir of a version's .: EINVAL" EINVAL rmdir "$V/."
try_is "rmdir of a version's ..: ENOTEMPTY" ENOTEMPTY rmdir "$V/.."
try_is "a file named . cannot be created" EEXIST create "$V/."
try_is "mv VERSION VERSION/sub (into its own subtree): EINVAL" EINVAL rename "$V" "$V/sub"
try_is "mv DEF DEF/VERSION/x: EINVAL" EINVAL rename g/d "$V/x"
try_is "mv GALLERY/.softdeleted into its own subtree: EINVAL" EINVAL rename g/.softdeleted g/.softdeleted/d
try_is "rename of a file to .: EBUSY" EBUSY rename "$V/keep" "$V/."
try_is "rename of a file to ..: EBUSY" EBUSY rename "$V/keep" "$V/.."
try_is "rename of . to a new version: EBUSY" EBUSY rename "$V/." g/d/9.9.9
try_is "rename of a version onto itself succeeds, as a no-op" OK rename "$V" "$V"
try_is "rename of a file onto itself succeeds, as a no-op" OK rename "$V/keep" "$V/keep"
try_is "rename of a file onto itself through ..: a no-op" OK rename "$V/keep" "$V/../1.0.0/keep"
try_is "mkdir inside a version: EPERM" EPERM mkdir "$V/sub"
expect "... none of these changed anything" "$before" snap

# --- names that break the name rules ----------------------------------------
before=$(snap)
lines=$(wc -l <"$LOG")
bad=
for n in "gé" $'g\xff' "g h" $'g\th' $'g\nh' $'g\x01' $'g\x7f' "g'" 'g"' 'g;' "g-" ".g" "g." \
	"'; DROP TABLE node; --" "Robert'); DROP TABLE node;--"; do
	r=$("$GFS_TRY" mkdir "$n")
	[ "$r" = EINVAL ] || bad="$bad [$n]:$r"
done
check "gallery names with non-ASCII bytes, spaces, control characters, quotes: EINVAL" test -z "$bad"
bad=
for n in "dé" $'d\xc3' "d e" $'d\ne' $'d\x1b[31m' "d;" "-d" "d-" "'; DROP TABLE node; --" $'d\r'; do
	r=$("$GFS_TRY" mkdir "g/$n")
	[ "$r" = EINVAL ] || bad="$bad [$n]:$r"
done
check "definition names likewise: EINVAL" test -z "$bad"
bad=
for n in "1.0.0 " " 1.0.0" $'1.0.0\n' "1.0.é" "１.0.0" "01.0.0" "1.0.2147483648" "1.0" "1.0.0.0" \
	"-1.0.0" "1.0.0;" "1.0.0'" "+1.0.0" "0x1.0.0" "'; DROP TABLE node; --"; do
	r=$("$GFS_TRY" mkdir "g/d/$n")
	[ "$r" = EINVAL ] || bad="$bad [$n]:$r"
done
check "version names with spaces, newlines, non-ASCII, leading zeros, overflow: EINVAL" test -z "$bad"
expect "... none of these changed anything" "$before" snap
check "the largest version number is accepted" mkdir g/d/2147483647.2147483647.2147483647
rmdir g/d/2147483647.2147483647.2147483647
# each refusal is one log line (design §5), even for a name with a newline:
# nothing a caller names can forge a line of its own
check "a refusal of a name with a newline is still one log line" bash -c "
	before=\$(wc -l <'$LOG')
	'$GFS_TRY' mkdir \$'x\ngalleryfs: R4 g: forged line' >/dev/null
	sleep 0.1
	[ \$(( \$(wc -l <'$LOG') - before )) -eq 1 ] && ! grep -q '^galleryfs: R4 g: forged line' '$LOG'"
grep -n 'forged' "$LOG" | sed 's/^/#   log: /'

# --- a name that looks like SQL is only a name ------------------------------
q="'; DROP TABLE node; --"
check "a file named $q is created" bash -c "echo sql >\"$V/\$1\"" _ "$q"
expect "... listed as that literal name" "$q" bash -c "ls '$V' | grep DROP"
expect "... read back" sql cat "$V/$q"
check "... renamed" mv "$V/$q" "$V/$q 2"
check "... given an attribute named like SQL too" setfattr -n "user.'); DELETE FROM xattr; --" -v "x'); DROP TABLE xattr; --" "$V/$q 2"
expect "... which reads back literally" "x'); DROP TABLE xattr; --" getfattr --only-values -n "user.'); DELETE FROM xattr; --" "$V/$q 2"
try_is "sharingAdmins naming such a user: EINVAL" EINVAL setxattr g user.acg.sharingAdmins "root,'; DROP TABLE node; --"
check "... removed" rm "$V/$q 2"
expect "the tree is intact afterwards" "keep" ls "$V"
expect "... and its properties" "eastus" getfattr --only-values -n user.acg.location "$V"

# --- attribute values ---------------------------------------------------------
F="$V/keep"
check "an empty free attribute is stored" setfattr -n user.empty -v "" "$F"
expect "... listed" "user.empty" bash -c "'$GFS_TRY' names '$F' | grep empty"
expect "... and reads empty" 0 bash -c "getfattr --only-values -n user.empty '$F' | wc -c"
v64=$(head -c 65536 /dev/zero | tr '\0' 'v')
try_is "a 64 KiB value is stored" OK setxattr "$F" user.big "$v64"
expect "... and reads back whole" "$(printf %s "$v64" | sha256sum)" bash -c "getfattr --only-values -n user.big '$F' | sha256sum"
before=$(attrs "$F")
try_is "a value of 64 KiB + 1: E2BIG (the kernel's limit)" E2BIG setxattr "$F" user.bigger "${v64}v"
try_is "... also in place of the 64 KiB one" E2BIG setxattr "$F" user.big "${v64}v"
expect "... nothing changed" "$before" attrs "$F"
check "binary values with NULs are stored" setfattr -n user.bin -v 0x00ff000102037f80fe00 "$F"
expect "... and read back exactly (getfattr -e hex)" "user.bin=0x00ff000102037f80fe00" \
	bash -c "getfattr -e hex -n user.bin '$F' 2>/dev/null | grep '^user.bin'"
check "a value of a single NUL" setfattr -n user.nul -v 0x00 "$F"
expect "... reads back one NUL" "user.nul=0x00" bash -c "getfattr -e hex -n user.nul '$F' 2>/dev/null | grep '^user.nul'"

# properties are exact ASCII: no NUL, no newline, no trailing spaces (§4)
setfattr -n user.acg.replicas -v eastus=2 "$V"
before_g=$(attrs g) before_v=$(attrs "$V") before_t=$(snap)
bad=
prop() { # node name hexvalue: must be EINVAL
	local r
	r=$(setfattr -n "$2" -v "$3" "$1" 2>&1 >/dev/null)
	case $r in *"Invalid argument"*) ;; *) bad="$bad [$2=$3]:${r:-OK}" ;; esac
}
for v in 0x6561737475730a 0x65617374757320 0x656173747573 0x65617374757300 0x6561730074757300 \
	0x0a656173747573 0x20656173747573 0x6561737475730d0a; do
	[ "$v" = 0x656173747573 ] && continue     # "eastus" itself: no change, allowed
	prop g user.acg.location "$v"
	prop "$V" user.acg.location "$v"
done
prop g user.acg.softDelete 0x747275650a            # "true\n"
prop g user.acg.softDelete 0x7472756500            # "true\0"
prop g user.acg.softDelete 0x7472756520            # "true "
prop g user.acg.sharing 0x707269766174650a         # "private\n"
prop g user.acg.sharingAdmins 0x726f6f740a         # "root\n"
prop g user.acg.sharingAdmins 0x726f6f7400         # "root\0"
prop "$V" user.acg.provisioningState 0x4661696c656420  # "Failed "
prop "$V" user.acg.replicas 0x6561737475733d320a   # "eastus=2\n"
prop "$V" user.acg.replicas 0x6561737475733d3200   # "eastus=2\0"
prop "$V" user.acg.usedByVmssFlex 0x66616c73650a   # "false\n"
prop g/d user.acg.kind 0x696d616765000a            # "image\0\n"
check "property values with NUL, newline, leading or trailing spaces: EINVAL" test -z "$bad"
[ -n "$bad" ] && echo "#   $bad"
expect "... the gallery's attributes are unchanged" "$before_g" attrs g
expect "... the version's too" "$before_v" attrs "$V"
expect "... and the tree" "$before_t" snap

# other namespaces are not stored
before=$(attrs "$F")
bad=
for n in trusted.x security.x system.x trusted.acg.softDelete security.selinux; do
	r=$("$GFS_TRY" setxattr "$F" "$n" v)
	case $r in EOPNOTSUPP|EPERM) ;; *) bad="$bad $n:$r" ;; esac
	r=$("$GFS_TRY" getxattr "$F" "$n")
	case $r in ENODATA|EOPNOTSUPP) ;; *) bad="$bad get-$n:$r" ;; esac
done
check "trusted.*, security.*, system.* names: EOPNOTSUPP or EPERM, and nothing to read" test -z "$bad"
[ -n "$bad" ] && echo "#   $bad"
expect "... nothing stored" "$before" attrs "$F"
expect_status "... nor listed (grep finds no other name)" 1 "" bash -c "'$GFS_TRY' names '$F' | grep -v '^user\.'"
try_is "a name without a namespace: EOPNOTSUPP" EOPNOTSUPP setxattr "$F" plain v

# the listxattr limit: 64 KiB of names, then ENOSPC
touch "$V/many"
{
	echo "# file: $V/many"
	for i in $(seq -w 1 5460); do echo "user.a0$i=\"v\""; done   # 12 bytes each
	echo 'user.b123456789="v"'                                 # 16 bytes: 65536
} >"$T/many.attrs"
check "5461 free attributes fill the attribute list to 64 KiB" setfattr --restore="$T/many.attrs"
expect "... listxattr returns all of them" 5461 bash -c "'$GFS_TRY' names '$V/many' | wc -l"
expect "... in exactly 65536 bytes" 65536 bash -c "'$GFS_TRY' names '$V/many' | wc -c"
check "... which getfattr -d reads too" bash -c "[ \$(getfattr -d --absolute-names '$V/many' | grep -c '^user\.') = 5461 ]"
before=$(attrs "$V/many")
try_is "one more attribute: ENOSPC" ENOSPC setxattr "$V/many" user.c v
try_is "... its name reads ENODATA (not stored)" ENODATA getxattr "$V/many" user.c
expect "... nothing changed" "$before" attrs "$V/many"
try_is "replacing a value in a full list works" OK setxattr "$V/many" user.a00001 replaced
try_is "removing one makes room" OK removexattr "$V/many" user.a00002
try_is "... for a new one of the same length" OK setxattr "$V/many" user.c0000 v
try_is "... and then no more" ENOSPC setxattr "$V/many" user.d v
check "a node with a full list is removed with its attributes" rm "$V/many"

echo "# hostile: 254 byte values in file names, 40 malformed names, 25 malformed property values, 5 foreign namespaces, 5461 attributes; $((_n - _failed)) of $_n checks passed"
cd /
finish
