#!/usr/bin/env bash
# The command line and configuration (SPEC §6, §8): help, version, strict
# configuration errors with FILE:LINE and exit status 2, daemonizing.
. "$(dirname "$0")/lib.sh"
mkdir -p "$MNT"

check "--help describes the options" bash -c "'$GFS_BIN' --help | grep -q 'data_dir=DIR'"
check "--version names galleryfs" bash -c "'$GFS_BIN' --version | grep -q '^galleryfs [0-9]'"
expect "no mountpoint: exit 1" 1 bash -c "'$GFS_BIN' >/dev/null 2>&1; echo \$?"

bad() { # name ini-text expected-message-regex
	printf '%s\n' "$2" >"$T/bad.ini"
	local out st
	out=$("$GFS_BIN" -f -o "config=$T/bad.ini,data_dir=$DATA" "$MNT" 2>&1); st=$?
	if [ $st -eq 2 ] && printf '%s' "$out" | grep -Eq -- "$3"; then _tap ok "$1"
	else _tap fail "$1" "status $st, output: $out"; fi
}
bad "an unknown key stops the start with FILE:LINE, status 2" $'[subscription]\ncolour = red' "bad.ini:2: .*colour"
bad "an unknown section too" $'[log]\nlevel = info\n[nonsense]' "bad.ini:3: .*nonsense"
bad "a cloud outside the list" $'[subscription]\ncloud = Mars' "bad.ini:2: .*Mars"
bad "retention_days other than 7 (R1)" $'[softdelete]\nretention_days = 30' "bad.ini:2: .*fixed at 7 days"
bad "a bad purge interval" $'[softdelete]\npurge_interval = soon' "bad.ini:2: "

expect "a config file that does not exist: status 2" 2 bash -c "'$GFS_BIN' -f -o config=$T/none.ini,data_dir=$DATA '$MNT' >/dev/null 2>&1; echo \$?"
expect "a bad -o log_level: status 2" 2 bash -c "'$GFS_BIN' -f -o config=$CONF,data_dir=$DATA,log_level=loud '$MNT' >/dev/null 2>&1; echo \$?"
write_config

# daemonized: the command returns once mounted
check "galleryfs daemonizes and returns 0 once mounted" "$GFS_BIN" -o "config=$CONF,data_dir=$DATA" "$MNT"
check "... the mount is there" mountpoint -q "$MNT"
check "... and works" mkdir "$MNT/g"
pid=$(cat "$DATA/lock")
check "... the lock file names the daemon" kill -0 "$pid"
check "fusermount3 -u unmounts" fusermount3 -u "$MNT"
for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check_not "... and the daemon ends" kill -0 "$pid"
expect "the end was clean" "1" sqlite3 "$DATA/catalog.db" "select value from meta where key = 'clean'"

# in the foreground at level warning, a start, some work and the end say
# nothing; the workers are two unless -o max_threads says otherwise
workers() { # pid: the daemon's threads beyond main, notifier and purger
	echo $(($(ls "/proc/$1/task" | wc -l) - 3))
}
"$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA,log_level=warning" "$MNT" 2>"$T/fg.err" &
pid=$!
eventually "a foreground mount" 10 mountpoint -q "$MNT"
readers=()
for i in 1 2 3 4 5 6; do ls -R "$MNT" >/dev/null & readers+=($!); done
wait "${readers[@]}"
expect "two worker threads by default, also after concurrent work" 2 workers "$pid"
fusermount3 -u "$MNT"; wait "$pid"
expect "... and nothing on standard error from start to end" "" cat "$T/fg.err"
"$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA,max_threads=6" "$MNT" 2>"$T/fg.err" &
pid=$!
eventually "a foreground mount with -o max_threads=6" 10 mountpoint -q "$MNT"
mkdir -p "$MNT/g/d/1.0.0" && head -c 1048576 /dev/zero >"$MNT/g/d/1.0.0/f"
burst() { # readers at once, until a third worker has started
	local readers=()
	for i in $(seq 1 16); do cat "$MNT/g/d/1.0.0/f" >/dev/null & readers+=($!); done
	wait "${readers[@]}"
	test "$(workers "$pid")" -gt 2
}
eventually "-o max_threads=6 lets more workers start" 30 burst
check "... never more than 6" test "$(workers "$pid")" -le 6
fusermount3 -u "$MNT"; wait "$pid"

expect "a data directory in use: the command fails" 2 bash -c "
	'$GFS_BIN' -o config=$CONF,data_dir=$DATA '$MNT' &&
	mkdir -p $T/m2 && '$GFS_BIN' -o config=$CONF,data_dir=$DATA $T/m2 2>/dev/null; st=\$?; fusermount3 -u '$MNT'; echo \$st"
finish
