# lib.sh — what every integration test shares: a scratch directory, mounting
# and unmounting the real filesystem in the foreground, and TAP output.
#
# A test file sources this, calls tests like
#     check "name" cmd args...            (passes when cmd exits 0)
#     expect "name" EXPECTED cmd args...  (passes when cmd prints EXPECTED)
#     try_is "name" ERRNO syscall args... (gfs-try prints ERRNO)
# and ends with `finish`. Environment from scripts/test.sh:
#     GFS_BIN    the galleryfs binary     GFS_TRY   the gfs-try helper
#     GFS_TMP    where scratch dirs go    GFS_SANITIZED=1 under ASan/UBSan

set -u
: "${GFS_BIN:?GFS_BIN must name the galleryfs binary}"
: "${GFS_TRY:?GFS_TRY must name the gfs-try helper}"
T=$(mktemp -d "${GFS_TMP:-/tmp}/gfs-it.XXXXXX")
chmod 755 "$T"
MNT="$T/mnt"
DATA="$T/data"
LOG="$T/daemon.log"
CONF="$T/galleryfs.ini"
GFS_PID=
_n=0
_failed=0
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1

_tap() { # status name [diagnostic]
	_n=$((_n + 1))
	if [ "$1" = ok ]; then
		echo "ok $_n - $2"
	else
		_failed=$((_failed + 1))
		echo "not ok $_n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}

check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then _tap ok "$name"; else _tap fail "$name" "$out"; fi
}

check_not() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then _tap fail "$name" "unexpectedly succeeded: $out"; else _tap ok "$name"; fi
}

expect() {
	local name=$1 want=$2; shift 2
	local got
	got=$("$@" 2>"$T/stderr")
	if [ "$got" = "$want" ]; then _tap ok "$name"; else _tap fail "$name" "expected: $want
got:      $got
stderr:   $(cat "$T/stderr")"; fi
}

try_is() {
	local name=$1 want=$2; shift 2
	expect "$name" "$want" "$GFS_TRY" "$@"
}

# The daemon's log must hold a line matching the extended regex.
logged() {
	local name=$1 re=$2
	sleep 0.05
	if grep -Eq -- "$re" "$LOG"; then _tap ok "$name"; else _tap fail "$name" "no log line matches: $re
log tail: $(tail -n 5 "$LOG")"; fi
}

# eventually name seconds cmd...: passes once cmd exits 0 within seconds
# (for what the daemon does by itself, such as noticing a moved clock).
eventually() {
	local name=$1 secs=$2; shift 2
	local end=$((SECONDS + secs)) out
	while :; do
		if out=$("$@" 2>&1); then _tap ok "$name"; return 0; fi
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	_tap fail "$name" "still failing after ${secs}s: $out"
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

# mount_fs [galleryfs -o options...]: mount $DATA on $MNT in the foreground.
# GFS_ENV may hold extra environment (e.g. LD_PRELOAD for libfaketime),
# GFS_FAKETIME a FAKETIME value (it may hold spaces).
mount_fs() {
	mkdir -p "$MNT" "$DATA"
	[ -f "$CONF" ] || write_config
	env ${GFS_ENV:-} ${GFS_FAKETIME:+"FAKETIME=$GFS_FAKETIME"} "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA" "$@" "$MNT" >>"$LOG" 2>&1 &
	GFS_PID=$!
	local i
	for i in $(seq 1 200); do
		if mountpoint -q "$MNT"; then return 0; fi
		if ! kill -0 "$GFS_PID" 2>/dev/null; then break; fi
		sleep 0.05
	done
	echo "# mount failed; log:" >&2
	sed 's/^/#   /' "$LOG" >&2
	return 1
}

# check_umount name: unmount, passing when the daemon exits with status 0.
check_umount() {
	local st=0
	umount_fs || st=$?
	if [ $st -eq 0 ]; then _tap ok "$1"; else _tap fail "$1" "daemon exit status $st"; fi
}

umount_fs() {
	[ -n "$GFS_PID" ] || return 0
	local st=0
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	wait "$GFS_PID" || st=$?
	GFS_PID=
	return $st
}

# kill -9 the daemon and clean up the dead mount.
crash_fs() {
	kill -9 "$GFS_PID" 2>/dev/null
	wait "$GFS_PID" 2>/dev/null
	GFS_PID=
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	return 0
}

# write_config [extra ini text]: the test's configuration file.
write_config() {
	cat >"$CONF" <<INI
[subscription]
cloud = ${GFS_CLOUD:-AzureCloud}
api_version = ${GFS_API:-2024-03-03}
features = ${GFS_FEATURES-SIGSoftDelete}
owners = ${GFS_OWNERS:-root}
location = eastus
[roles]
sharing_admins = ${GFS_ADMIN_GROUPS:-acg-admins}
[softdelete]
retention_days = 7
purge_interval = ${GFS_PURGE_INTERVAL:-3600}
[log]
level = info
INI
}

# Bytes used by the object store.
store_bytes() { du -sb "$DATA/objects" | cut -f1; }
store_files() { find "$DATA/objects" -type f | wc -l; }
ino() { stat -c %i "$1"; }

finish() {
	[ -n "$GFS_PID" ] && check_umount "the daemon exits cleanly at unmount"
	echo "1..$_n"
	if [ -n "${GFS_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
	[ "$_failed" -eq 0 ]
}

trap 'umount_fs >/dev/null 2>&1; rm -rf "$T"' INT TERM
