#!/usr/bin/env bash
# Installation: `meson install` of the build GFS_BIN belongs to puts the
# binaries (galleryfs, gfs-cat), their manual pages, the example configuration and the
# example systemd unit in place (into a DESTDIR, never onto this system);
# the page renders without warnings and covers the rules; the unit passes
# systemd-analyze, and its ExecStartPre/ExecStart/ExecStop lines, run as
# systemd runs them (PID 1 here need not be systemd), mount and unmount.
. "$(dirname "$0")/lib.sh"
plan 40
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$(dirname "$GFS_BIN")")
ROOT="$T/root"
export MANPAGER=cat PAGER=cat

check "meson install into a DESTDIR" \
	meson install -C "$BUILD" --destdir "$ROOT" --no-rebuild --quiet

installed() { # the one installed file whose path matches the pattern
	find "$ROOT" -path "$1" \( -type f -o -type l \) | head -n 1
}
BIN_I=$(installed '*/bin/galleryfs')
MAN_I=$(installed '*/share/man/man1/galleryfs.1')
INI_I=$(installed '*/etc/galleryfs/galleryfs.ini')
UNIT_I=$(installed '*/share/doc/galleryfs/examples/galleryfs.service')
CAT_I=$(installed '*/bin/gfs-cat')
CATMAN_I=$(installed '*/share/man/man1/gfs-cat.1')

check "bin/galleryfs is installed and executable" test -x "$BIN_I"
# the linker's build ID survives install's rewriting of the run path
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: //p'; }
expect "... and is the galleryfs that was built (the same build ID)" \
	"$(build_id "$GFS_BIN")" build_id "$BIN_I"
check "... a build ID there is" test -n "$(build_id "$GFS_BIN")"
check "galleryfs.1 is installed under share/man/man1" test -s "$MAN_I"
check "bin/gfs-cat is installed and runs" "$CAT_I" --help
check "gfs-cat.1 is installed under share/man/man1" test -s "$CATMAN_I"
expect "... and man --warnings finds nothing to warn about in it" "" \
	bash -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$CATMAN_I' 2>&1 >/dev/null"
check "etc/galleryfs/galleryfs.ini is installed, as in config/" \
	cmp "$SRC/config/galleryfs.ini" "$INI_I"
check "the example unit is installed under share/doc/galleryfs/examples" \
	test -s "$UNIT_I"

# --- the manual page -------------------------------------------------------
render() { LC_ALL=C.UTF-8 MANWIDTH=80 man "$@" -l "$MAN_I"; }
page=$(render 2>"$T/man.err")
if [ -n "$page" ] && [ ! -s "$T/man.err" ]; then _tap ok "man -l renders the installed page"
else _tap fail "man -l renders the installed page" "$(cat "$T/man.err")"; fi
for word in softDelete user.acg.softDeletedBytes R8 EPERM fusermount3 \
	DATA_DIR fuse.galleryfs; do
	check "... it mentions $word" grep -qF -- "$word" <<<"$page"
done
check "... R8 is given its errno, EPERM" grep -Eq '^ +R8 \(EPERM\)' <<<"$page"
missing=
for r in $(seq 0 18); do grep -Eq "^ +R$r( |$)" <<<"$page" || missing="$missing R$r"; done
expect "... every rule R0..R18 has its entry" "" echo "${missing# }"
missing=
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXTENDED ATTRIBUTES" \
	"RULES AND ERRORS" CONFIGURATION FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -qx "$s" <<<"$page" || missing="$missing, $s"
done
expect "... it has every section" "" echo "${missing#, }"
missing=
for o in $("$GFS_BIN" --help 2>/dev/null |
	sed -n '/^options:/,/^$/p' | grep -oE -- '-o [a-z_]+' | cut -c4-); do
	grep -qE -- "-o $o" <<<"$page" || missing="$missing $o"
done
expect "... every galleryfs option of --help is documented" "" echo "${missing# }"
expect "... and --help lists them (so that this is no empty loop)" yes bash -c "'$GFS_BIN' --help | sed -n '/^options:/,/^\$/p' | grep -q -- '-o log_file=' && echo yes"
expect "man --warnings finds nothing to warn about" "" \
	bash -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$MAN_I' 2>&1 >/dev/null"
if command -v groff >/dev/null; then
	expect "groff -ww finds nothing to warn about" "" \
		bash -c "groff -man -ww -z '$MAN_I' 2>&1"
else
	skip "groff -ww finds nothing to warn about" "groff missing"
fi

# --- the example unit ------------------------------------------------------
unit_line() { sed -n "s/^$1=//p" "$UNIT_I" | head -n 1; }
exec_pre=$(unit_line ExecStartPre)
exec_start=$(unit_line ExecStart)
exec_stop=$(unit_line ExecStop)
unit_bin=${exec_start%% *}
check "the unit is Type=forking" grep -qx 'Type=forking' "$UNIT_I"
check "the unit documents itself as man:galleryfs(1)" \
	grep -qx 'Documentation=man:galleryfs(1)' "$UNIT_I"
expect "ExecStart= runs the galleryfs that meson installs" \
	"$BIN_I" echo "$ROOT$unit_bin"

if command -v systemd-analyze >/dev/null; then
	# The installed unit as it is, but for the binary's place in DESTDIR;
	# MANPATH lets Documentation=man:galleryfs(1) find the installed page.
	mkdir -p "$T/verify"
	sed "s|$unit_bin|$BIN_I|g" "$UNIT_I" >"$T/verify/galleryfs.service"
	out=$(MANPATH=$(dirname "$(dirname "$MAN_I")") \
		systemd-analyze verify "$T/verify/galleryfs.service" 2>&1); st=$?
	if [ $st -eq 0 ] && ! grep -q 'galleryfs' <<<"$out"; then
		_tap ok "systemd-analyze verify accepts the installed unit"
	else
		_tap fail "systemd-analyze verify accepts the installed unit" "status $st: $out"
	fi
else
	skip "systemd-analyze verify accepts the installed unit" "systemd-analyze missing"
fi

# Run the unit's command lines the way systemd does (working directory /,
# a bare environment, no terminal), aimed at this test's mount point,
# configuration and data directory instead of the system's.
as_systemd() { # the unit's command line, rewritten; runs it, returns its status
	local line=$1 words
	line=${line//$unit_bin/$GFS_BIN}
	line=${line//\/mnt\/galleryfs/$MNT}
	line=${line//\/etc\/galleryfs\/galleryfs.ini/$CONF}
	line=${line/ -o / -o data_dir=$DATA,}
	case "$line" in
	*/mnt/galleryfs* | */etc/galleryfs* | */usr/local/bin/galleryfs*)
		echo "not rewritten, not run: $line" >>"$LOG"; return 99 ;;
	esac
	read -ra words <<<"$line"
	echo "+ $line" >>"$LOG"
	(cd / && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} \
		"${words[@]}" </dev/null >>"$LOG" 2>&1)
}
write_config
daemon=
stop_daemon() { # leave nothing mounted or running behind
	mountpoint -q "$MNT" 2>/dev/null && { fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; }
	if [ -n "$daemon" ]; then
		local i
		for i in $(seq 1 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.05; done
		kill "$daemon" 2>/dev/null
	fi
	return 0
}
trap 'stop_daemon >/dev/null 2>&1; rm -rf "$T"' INT TERM

as_systemd "$exec_pre"; st=$?
expect "ExecStartPre= returns 0" 0 echo "$st"
check "... and makes the mount point" test -d "$MNT"
as_systemd "$exec_start"; st=$?
mounted=no; mountpoint -q "$MNT" && mounted=yes
expect "ExecStart= returns 0" 0 echo "$st"
expect "... only once the mount is in place" yes echo "$mounted"
if on_postgresql; then daemon=$(registered | head -n 1 | cut -f1)
elif [ -s "$DATA/lock" ]; then daemon=$(head -n 1 "$DATA/lock"); fi
check "... and the daemon (pid in DATA/lock, or its registration) runs on" kill -0 "${daemon:-0}"
check "mkdir in the mount works" mkdir -p "$MNT/g/d/1.0.0"
check "... and so does a file" bash -c "echo hello >'$MNT/g/d/1.0.0/f'"
as_systemd "$exec_stop"; st=$?
expect "ExecStop= returns 0" 0 echo "$st"
check_not "... and unmounts" 32 mountpoint -q "$MNT"
gone=no
for i in $(seq 1 100); do
	kill -0 "${daemon:-0}" 2>/dev/null || { gone=yes; break; }
	sleep 0.05
done
expect "... and the daemon ends" yes echo "$gone"
expect "... cleanly (the installed gfs-cat says)" clean "$CAT_I" "$DATA" clean
stop_daemon
finish
