#!/usr/bin/env bash
# The command line and configuration (design §6, §8): help, version, strict
# configuration errors with FILE:LINE and exit status 2; every option, the
# configuration and the mountpoint checked before anything is created;
# daemonizing, and where the log goes without a syslog socket.
. "$(dirname "$0")/lib.sh"
plan 52
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$MNT"

version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$SRC/meson.build")
expect "--version prints the version meson.build gives ($version)" "galleryfs $version" \
	bash -c "'$GFS_BIN' --version | head -n 1"
# the libfuse built with and run with, and the file I/O that build can do
built=$("$GFS_BIN" --version | sed -n 's/^libfuse: built with \([0-9]*\.[0-9]*\).*, running \([0-9]*\.[0-9]*\).*/\1 \2/p')
expect "--version's second line names the libfuse it was built with, and runs with it" \
	"${built%% *} ${built%% *}" echo "$built"
case ${built%% *} in
3.1[0-6]|3.[0-9]) io_want="file I/O: served by the daemon" ;;
*) io_want="file I/O: kernel passthrough" ;;
esac
check "--version's third line says the file I/O this build can do ($io_want)" \
	bash -c "'$GFS_BIN' --version | sed -n 3p | grep -qF '$io_want'"
check "--help describes the options" bash -c "'$GFS_BIN' --help | grep -q 'data_dir=DIR'"
expect "--help lists max_threads once, with galleryfs's default of 2" \
	"    -o max_threads=N       worker threads (default 2)" \
	bash -c "'$GFS_BIN' --help | grep max_threads"
expect "... and no option twice" "" bash -c "'$GFS_BIN' --help | grep -oE -- '^ +(-[a-zA-Z] +)?(--[a-z]+|-o [a-z_]+)' | sed 's/=.*//' | sort | uniq -d"
expect_status "no mountpoint: exit status 2" 2 "" "$GFS_BIN"

bad() { # name ini-text expected-message-regex
	printf '%s\n' "$2" >"$T/bad.ini"
	local out st=0
	out=$("$GFS_BIN" -f -o "config=$T/bad.ini,data_dir=$DATA" "$MNT" 2>&1) || st=$?
	if [ $st -eq 2 ] && printf '%s' "$out" | grep -Eq -- "$3"; then _tap ok "$1"
	else _tap fail "$1" "status $st, output: $out"; fi
}
bad "an unknown key stops the start with FILE:LINE, status 2" $'[subscription]\ncolour = red' "bad.ini:2: .*colour"
bad "an unknown section too" $'[log]\nlevel = info\n[nonsense]' "bad.ini:3: .*nonsense"
bad "a cloud outside the list" $'[subscription]\ncloud = Mars' "bad.ini:2: .*Mars"
bad "retention_days other than 7 (R1)" $'[softdelete]\nretention_days = 30' "bad.ini:2: .*fixed at 7 days"
bad "a bad purge interval" $'[softdelete]\npurge_interval = soon' "bad.ini:2: "
bad "a catalog backend outside sqlite, postgresql" $'[catalog]\nbackend = mysql' "bad.ini:2: .*mysql.*sqlite, postgresql"
bad "a conninfo with backend sqlite" $'[catalog]\nbackend = sqlite\nconninfo = dbname=g' "bad.ini:3: .*backend = postgresql"
check "... and none of these created the data directory" test ! -e "$DATA"

expect_status "a config file that does not exist: status 2" 2 "" "$GFS_BIN" -f -o "config=$T/none.ini,data_dir=$DATA" "$MNT"
expect_status "a bad -o log_level: status 2" 2 "" "$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA,log_level=loud" "$MNT"
write_config

# start-up checks everything before it touches anything
refused() { # name regex args...: status 2, a message matching regex, nothing created
	local name=$1 re=$2 out st=0; shift 2
	out=$("$GFS_BIN" "$@" 2>&1) || st=$?
	if [ $st -eq 2 ] && printf '%s' "$out" | grep -Eq -- "$re" &&
		! printf '%s' "$out" | grep -q unmounted && [ ! -e "$DATA" ]; then
		_tap ok "$name"
	else
		_tap fail "$name" "status $st, data directory $([ -e "$DATA" ] && echo created || echo absent), output: $out"
	fi
	rm -rf "$DATA"
}
refused "a misspelled -o option: status 2, named, nothing created, no unmount message" \
	"unknown option.*confg=x" -o "config=$CONF,data_dir=$DATA,confg=x" "$MNT"
refused "... also daemonized" "unknown option.*confg=x" -o "confg=x,config=$CONF,data_dir=$DATA" "$MNT"
refused "a mountpoint that does not exist: status 2, nothing created" \
	"$T/nowhere" -o "config=$CONF,data_dir=$DATA" "$T/nowhere"
touch "$T/afile"
refused "a mountpoint that is a file: status 2, nothing created" \
	"not a directory" -o "config=$CONF,data_dir=$DATA" "$T/afile"
refused "a log_file in a directory that does not exist: status 2, nothing created" \
	"log_file $T/no/dir/x.log" -f -o "config=$CONF,data_dir=$DATA,log_file=$T/no/dir/x.log" "$MNT"
mkdir -p "$T/reldir"
made=catalog.db; on_postgresql && made=objects
check "a relative data_dir is taken from the working directory, and not made before the start" \
	bash -c "cd '$T/reldir' && '$GFS_BIN' -o 'config=$CONF,data_dir=rel$(DATA=$T/reldir/rel catalog_opt)' '$MNT' &&
		[ -e '$T/reldir/rel/$made' ] && fusermount3 -u '$MNT'"
for i in $(seq 1 100); do mountpoint -q "$MNT" || break; sleep 0.05; done

# daemonized: the command returns once mounted
check "galleryfs daemonizes and returns 0 once mounted" "$GFS_BIN" -o "config=$CONF,data_dir=$DATA" "$MNT"
check "... the mount is there" mountpoint -q "$MNT"
check "... and works" mkdir "$MNT/g"
if on_postgresql; then
	pid=$(registered | cut -f1)
	check "... the daemon's registration names it" kill -0 "$pid"
	reg_host() { registered | cut -f2; }
	expect "... and its host" "$(hostname)" reg_host
else
	pid=$(head -n 1 "$DATA/lock")
	check "... the lock file names the daemon" kill -0 "$pid"
	expect "... and its host" "$(hostname)" sed -n 2p "$DATA/lock"
fi
expect_status "a second galleryfs on the same mountpoint is refused (status 2)" 2 "" \
	"$GFS_BIN" -o "config=$CONF,data_dir=$T/data2" "$MNT"
check "... naming the mount that is there" bash -c "'$GFS_BIN' -o config=$CONF,data_dir=$T/data2 '$MNT' 2>&1 |
	grep -q 'is already a galleryfs mount (of $DATA); unmount it first'"
expect "... so that mount lists it once" 1 bash -c "grep -c ' $MNT fuse.galleryfs ' /proc/mounts"
check "... and its data directory was never made" test ! -e "$T/data2"
if on_postgresql; then
	expect "gfs-cat reads a mounted PostgreSQL catalog" gallery rows 'name == "g"' type
	expect "... in which the running daemon's start cleared the clean marker" unclean catalog clean
else
	expect_status "gfs-cat on a mounted catalog is refused (status 2)" 2 "" catalog nodes
	check "... saying to unmount first" bash -c "'$GFS_CAT' '$DATA' nodes 2>&1 | grep -q 'unmount it first'"
fi
check "fusermount3 -u unmounts" fusermount3 -u "$MNT"
for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check_not "... and the daemon ends" 1 kill -0 "$pid"
expect "the end was clean" clean catalog clean

# Daemonized without a syslog socket, the log goes to DATA_DIR/galleryfs.log
# (on PostgreSQL DATA_DIR/galleryfs-HOST.log: hosts share the data
# directory) and the command says so. A private mount namespace stands for a machine
# without /dev/log: a socket that is there is covered with /dev/null.
# released: the daemon a fusermount3 -u ended (daemonized, so not ours to
# wait for) has let go of the data directory's lock (on PostgreSQL: of its
# registration in the catalog)
released() {
	local i
	for i in $(seq 1 200); do
		if on_postgresql; then
			[ -z "$(registered)" ] && return 0
		else
			flock -n "$DATA/lock" true 2>/dev/null && return 0
		fi
		sleep 0.05
	done
	return 1
}
no_syslog() {
	unshare -m --propagation private bash -c '
		if [ -e /dev/log ]; then mount --bind /dev/null /dev/log || exit 99; fi
		eval "$1"' _ "$1"
}
LOGFILE=$DATA/galleryfs.log
on_postgresql && LOGFILE=$DATA/galleryfs-$(hostname).log
expect "without /dev/log the daemonizing command names its log file" \
	"galleryfs: no syslog socket (/dev/log): log lines go to $LOGFILE|EINVAL" \
	no_syslog "'$GFS_BIN' -o config=$CONF,data_dir=$DATA '$MNT' 2>'$T/start.err' &&
		r=\$('$GFS_TRY' mkdir '$MNT/bad-name') && fusermount3 -u '$MNT' &&
		echo \"\$(cat '$T/start.err')|\$r\""
check "... where the refusal's rule line is" grep -Eq \
	"^[0-9T:+-]+ galleryfs\[[0-9]+\]: R12 bad-name: a gallery name is .*choose a name" "$LOGFILE"
check "... after the mount's own line" grep -q "galleryfs\[[0-9]*\]: mounted $DATA on $MNT" "$LOGFILE"
released
expect "-o log_file=FILE puts the log there, daemonized" "galleryfs: log lines go to $T/named.log|EINVAL" \
	bash -c "'$GFS_BIN' -o config=$CONF,data_dir=$DATA,log_file=$T/named.log '$MNT' 2>'$T/start.err' &&
		r=\$('$GFS_TRY' mkdir '$MNT/bad.') && fusermount3 -u '$MNT' &&
		echo \"\$(cat '$T/start.err')|\$r\""
check "... with the refusal's line" grep -q "R12 bad\.: a gallery name" "$T/named.log"
released
check "... and in the foreground too" bash -c "'$GFS_BIN' -f -o config=$CONF,data_dir=$DATA,log_file=$T/fg.log '$MNT' & p=\$!
	for i in \$(seq 1 100); do mountpoint -q '$MNT' && break; sleep 0.05; done
	'$GFS_TRY' mkdir '$MNT/-x' >/dev/null; fusermount3 -u '$MNT'; wait \$p &&
	grep -q 'R12 -x: ' '$T/fg.log'"
released

# in the foreground at level warning, a start, some work and the end say
# nothing; the workers are two unless -o max_threads says otherwise
# (and, on PostgreSQL, the one that hears other daemons: core/hosts.c)
helpers=3; on_postgresql && helpers=4
workers() { # pid: the daemon's threads beyond main, notifier and purger
	echo $(($(ls "/proc/$1/task" | wc -l) - helpers))
}
"$GFS_BIN" -f -o "config=$CONF,data_dir=$DATA,log_level=warning" "$MNT" 2>"$T/fg.err" &
pid=$!
eventually "a foreground mount" 10 mountpoint -q "$MNT"
readers=()
for i in 1 2 3 4 5 6; do ls -R "$MNT" >/dev/null & readers+=($!); done
wait "${readers[@]}"
expect "two worker threads by default, also after concurrent work" 2 workers "$pid"
fusermount3 -u "$MNT"
st=0; wait "$pid" || st=$?
expect "... the daemon exits with status 0" 0 echo "$st"
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
check "... never more than 6, in a daemon that still serves" bash -c "
	kill -0 $pid && mountpoint -q '$MNT' && [ \$(( \$(ls /proc/$pid/task | wc -l) - $helpers )) -le 6 ] &&
	cmp -s '$MNT/g/d/1.0.0/f' <(head -c 1048576 /dev/zero)"
fusermount3 -u "$MNT"
st=0; wait "$pid" || st=$?
expect "... the daemon exits with status 0" 0 echo "$st"

# with PostgreSQL several daemons share a data directory (t_hosts)
want_busy=2; on_postgresql && want_busy=0
expect "a data directory in use: the command fails with status 2 (SQLite; 0 on PostgreSQL)" $want_busy bash -c "
	'$GFS_BIN' -o config=$CONF,data_dir=$DATA '$MNT' &&
	mkdir -p $T/m2 && '$GFS_BIN' -o config=$CONF,data_dir=$DATA $T/m2 2>/dev/null; st=\$?; fusermount3 -u $T/m2 2>/dev/null; fusermount3 -u '$MNT'; echo \$st"
finish
