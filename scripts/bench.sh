#!/usr/bin/env bash
# bench.sh — measure galleryfs against libfuse's passthrough_ll (the FUSE
# layer alone, over the same tmpfs backing) and against that tmpfs natively,
# and galleryfs alone on soft delete, restore, hard delete and a catalog of
# a million versions. galleryfs with its catalog on PostgreSQL (a private
# cluster on tmpfs, like every other backing) takes its turn in the build,
# the walks and the removals, against the same daemon on SQLite; then,
# through scripts/bench-hosts.sh, two mounts of that PostgreSQL catalog
# give the propagation delay. A benchmark, not a test: it reports numbers
# and anything that failed, and judges nothing.
#
# The walks and the sequential write and read also run galleryfs built
# against libfuse 3.17 (build-317, kernel passthrough for file contents)
# and a second peer, libfuse 3.17.2's own passthrough_hp (kernel
# passthrough on), both from scripts/fuse317.sh's private prefix.
#
#   scripts/bench.sh [quick|default|full]
#
# GFS_BENCH_OPTS adds galleryfs options (say "-s" or "-o max_threads=4")
# to compare them. GFS_PG_CONNINFO names a PostgreSQL server to use
# instead of the private cluster (its role must create databases; the
# run's databases, gfs_bench_*, are dropped at the end).
#
# quick: every workload with small numbers (scale at 100,000 versions);
# default: the sizes of the issue (a few minutes on 2 cores); full: default
# with 5 runs per median. Writes the run once, as JSON, to
# results/bench-YYYYmmdd-HHMMSS.json (results/ is git-ignored), renders
# the Markdown tables from that file with scripts/bench-render.sh into the
# .md beside it, and prints them.
#
# Runs as root (apt-get, mount -t tmpfs, drop_caches). Everything it
# mounts lives under a fresh /tmp/gfs-bench.XXXXXX and is unmounted on exit;
# it stops only the daemons it started, by pid. passthrough_ll is compiled
# here from Debian's libfuse3-dev example and never kept.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
REPO=$PWD
MODE=${1:-default}

case $MODE in
quick)
	RUNS=3; TREE=(1 5 20); NSTAT=1000; NDEL=100; SEQ_MB=64
	SCALE_SMALL=(1 10 1000); SCALE_BIG=(10 10 1000); NSCALE_STAT=500 ;;
default|full)
	RUNS=3; TREE=(2 25 100); NSTAT=10000; NDEL=1000; SEQ_MB=1024
	SCALE_SMALL=(1 10 1000); SCALE_BIG=(10 100 1000); NSCALE_STAT=2000
	[ "$MODE" = full ] && RUNS=5 ;;
*)
	echo "usage: scripts/bench.sh [quick|default|full]" >&2
	exit 2 ;;
esac
NTREE=$((TREE[0] * TREE[1] * TREE[2]))
NSMALL=$((SCALE_SMALL[0] * SCALE_SMALL[1] * SCALE_SMALL[2]))
NBIG=$((SCALE_BIG[0] * SCALE_BIG[1] * SCALE_BIG[2]))
# galleryfs's live tree is cached by the kernel with long timeouts and
# cacheable listings; cache=always gives passthrough_ll the same.
PT_OPTS=cache=always
PT_EXAMPLE=/usr/share/doc/libfuse3-dev/examples/passthrough_ll.c

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: run as root (tmpfs mounts, drop_caches)" >&2
	exit 1
fi
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
# shellcheck disable=SC2119
gfs_install_packages
gfs_build build
GFS_BIN=$REPO/build/fs/galleryfs
# libfuse 3.17.2 (built once into build-deps/) for galleryfs with kernel
# passthrough and for passthrough_hp
PC317=$(scripts/fuse317.sh)
PKG_CONFIG_PATH=$PC317 gfs_build build-317
GFS317_BIN=$REPO/build-317/fs/galleryfs
HP_BIN=${PC317%/lib/pkgconfig}/bin/passthrough_hp
FUSE317_VERSION=$(PKG_CONFIG_PATH=$PC317 pkg-config --modversion fuse3)
BENCH=$REPO/build/tests/tools/gfs-bench

# ---- the work directory, and leaving nothing behind ----

WORK=$(mktemp -d /tmp/gfs-bench.XXXXXX)
MOUNTED=()              # tmpfs mounts, in mounting order
GFS_PID='' PT_PID='' HP_PID=''
PG_DIR=''               # the private PostgreSQL cluster, once started
PG_DBS=()               # databases made on a server given by GFS_PG_CONNINFO
MNT_GFS=$WORK/mnt-gfs MNT_PT=$WORK/mnt-pt MNT_HP=$WORK/mnt-hp

stop_daemon() { # MOUNTPOINT PID
	local mnt=$1 pid=$2 i
	[ -n "$pid" ] || return 0
	mountpoint -q "$mnt" && fusermount3 -u "$mnt" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		sleep 0.5
	fi
	mountpoint -q "$mnt" && fusermount3 -uz "$mnt" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local i
	set +e
	stop_daemon "$MNT_GFS" "$GFS_PID"
	stop_daemon "$MNT_PT" "$PT_PID"
	stop_daemon "$MNT_HP" "$HP_PID"
	if [ -n "$PG_DIR" ]; then
		"$REPO/scripts/pg.sh" stop "$PG_DIR" >/dev/null 2>&1
	else
		for i in "${PG_DBS[@]}"; do pg_sql "DROP DATABASE IF EXISTS $i WITH (FORCE)"; done
	fi
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$MNT_GFS" "$MNT_PT" "$MNT_HP" "$WORK/out" "$WORK/logs"
for d in gfs-backing pt-backing native; do
	mkdir "$WORK/$d"
	mount -t tmpfs -o mode=0755 "bench-$d" "$WORK/$d"
	MOUNTED+=("$WORK/$d")
done
# the postgres user runs the private cluster's server: it must enter WORK
chmod 0755 "$WORK"
GFS_BACK=$WORK/gfs-backing PT_BACK=$WORK/pt-backing NATIVE=$WORK/native
GFS_LOG=$WORK/logs/galleryfs.log PT_LOG=$WORK/logs/passthrough_ll.log
HP_LOG=$WORK/logs/passthrough_hp.log
: >"$GFS_LOG"; : >"$PT_LOG"; : >"$HP_LOG"

PT_BIN=$WORK/passthrough_ll
# shellcheck disable=SC2046
cc -O2 -g -Wall $(pkg-config fuse3 --cflags) "$PT_EXAMPLE" -o "$PT_BIN" \
	$(pkg-config fuse3 --libs)

# A configuration of its own, so that /etc/galleryfs does not change the
# run; soft delete is allowed for root (the defaults), warnings logged.
CONF=$WORK/galleryfs.ini
cat >"$CONF" <<'EOF'
[subscription]
cloud = AzureCloud
api_version = 2024-03-03
features = SIGSoftDelete
owners = root
location = eastus
[log]
level = warning
EOF

# ---- PostgreSQL: the catalogs of the gfspg column ----

# A private cluster on a tmpfs of its own (the SQLite catalogs are on
# tmpfs too, so neither pays for a disk's flushes), or GFS_PG_CONNINFO's.
export PGOPTIONS="-c client_min_messages=warning"   # no NOTICE of IF EXISTS
pg_sql() { psql -X -q -d "$GFS_PG_CONNINFO" -c "$1" >/dev/null 2>&1; }
if [ -z "${GFS_PG_CONNINFO:-}" ]; then
	mkdir "$WORK/pg"
	mount -t tmpfs -o mode=0755 bench-pg "$WORK/pg"
	MOUNTED+=("$WORK/pg")
	GFS_PG_CONNINFO=$("$REPO/scripts/pg.sh" start "$WORK/pg/c" | tail -n 1)
	PG_DIR=$WORK/pg/c
fi
pg_db() { echo "gfs_bench_${1//-/_}"; }       # NAME: its database
pg_conninfo() { echo "$GFS_PG_CONNINFO dbname=$(pg_db "$1")"; }
pg_create() { # NAME: a fresh database for the catalog of that name
	local db
	db=$(pg_db "$1")
	psql -X -q -d "$GFS_PG_CONNINFO" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
		-c "CREATE DATABASE $db" >/dev/null
	[ -n "$PG_DIR" ] || PG_DBS+=("$db")
}
pg_drop() { pg_sql "DROP DATABASE IF EXISTS $(pg_db "$1") WITH (FORCE)"; }

# passthrough_ll holds one descriptor per inode it knows.
ulimit -n "$(ulimit -Hn)"

DROP_CACHES=yes
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || DROP_CACHES=no

# ---- recording ----

declare -A SAMPLES=()   # "workload fs" -> values, one per run
declare -A FAILED=()
ANOMALIES=()

# Progress goes to the original stderr (fd 3) even while a timed command's
# stderr is redirected to a file.
exec 3>&2
progress() { echo "bench: $*" >&3; }
anomaly() { ANOMALIES+=("$*"); progress "ANOMALY: $*"; }

record() { # WORKLOAD FS VALUE
	SAMPLES["$1 $2"]+="${SAMPLES["$1 $2"]:+ }$3"
	progress "$1 $2: $3"
}

failed() { # WORKLOAD FS WHAT
	FAILED["$1 $2"]=1
	anomaly "$1 on $2: $3"
}

usec_now() { local t=${EPOCHREALTIME/./}; echo "$((10#$t))"; }

# TIMED holds the seconds the last `timed` command took.
timed() { # WORKLOAD FS CMD...: run CMD; its failure is an anomaly
	local w=$1 fs=$2 rc=0 t0 t1; shift 2
	t0=${EPOCHREALTIME/./}
	"$@" || rc=$?
	t1=${EPOCHREALTIME/./}
	TIMED=$(awk -v d=$((10#$t1 - 10#$t0)) 'BEGIN { printf "%.6f", d / 1e6 }')
	[ "$rc" -eq 0 ] || failed "$w" "$fs" "'$*' exited with status $rc"
}

calc() { awk "BEGIN { printf \"%.6g\", $* }"; }

# Anything a command printed on stderr is worth reporting.
stderr_check() { # WORKLOAD FS FILE
	if [ -s "$3" ]; then
		anomaly "$1 on $2: stderr: $(head -n 3 "$3" | tr '\n' '|')"
	fi
}

# ---- mounting ----

# Poll without sleeping (each mountpoint(1) takes about a millisecond), so
# that the mount time is not rounded up to a sleep.
wait_mounted() { # MOUNTPOINT PID
	local deadline=$((SECONDS + 300))
	until mountpoint -q "$1"; do
		kill -0 "$2" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
	done
}

# Mount galleryfs on DATA in the foreground daemon; MOUNT_SECONDS is the
# time from starting it until mountpoint(1) sees the mount. BIN: the
# build (default the 3.14 one).
gfs_mount() { # DATA [BIN [OPTIONS...]]
	local t0 t1 data=$1 bin=${2:-$GFS_BIN}
	shift $(($# > 1 ? 2 : 1))
	t0=$(usec_now)
	# shellcheck disable=SC2086 # GFS_BENCH_OPTS: words, to compare options
	"$bin" -f -o config="$CONF" -o data_dir="$data" ${GFS_BENCH_OPTS:-} "$@" \
		"$MNT_GFS" 2>>"$GFS_LOG" &
	GFS_PID=$!
	if ! wait_mounted "$MNT_GFS" "$GFS_PID"; then
		echo "bench: galleryfs did not mount $data; its log:" >&2
		tail -n 20 "$GFS_LOG" >&2
		exit 1
	fi
	t1=$(usec_now)
	MOUNT_SECONDS=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.6f", d / 1e6 }')
}

gfs_umount() {
	local rc=0 lines
	fusermount3 -u "$MNT_GFS"
	wait "$GFS_PID" || rc=$?
	[ "$rc" -eq 0 ] || anomaly "galleryfs exited with status $rc at unmount"
	GFS_PID=''
	lines=$(wc -l <"$GFS_LOG")
	if [ "$lines" -gt 0 ]; then
		anomaly "galleryfs logged: $(head -n 3 "$GFS_LOG" | tr '\n' '|')" \
			"($lines lines)"
		: >"$GFS_LOG"
	fi
}

# A peer in the foreground; its pid goes to the variable named PIDVAR.
peer_mount() { # PIDVAR MOUNTPOINT LOG NAME CMD...
	local pidvar=$1 mnt=$2 log=$3 name=$4; shift 4
	"$@" 2>>"$log" &
	printf -v "$pidvar" %s "$!"
	if ! wait_mounted "$mnt" "$!"; then
		echo "bench: $name did not mount; its log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
}

peer_umount() { # PIDVAR MOUNTPOINT NAME
	local rc=0
	fusermount3 -u "$2"
	wait "${!1}" || rc=$?
	[ "$rc" -eq 0 ] || anomaly "$3 exited with status $rc at unmount"
	printf -v "$1" %s ''
}

pt_mount() { # SOURCE
	peer_mount PT_PID "$MNT_PT" "$PT_LOG" "passthrough_ll on $1" \
		"$PT_BIN" -f -o source="$1",$PT_OPTS "$MNT_PT"
}
pt_umount() { peer_umount PT_PID "$MNT_PT" passthrough_ll; }

# passthrough_hp with its defaults: kernel passthrough, one-day timeouts
hp_mount() { # SOURCE
	peer_mount HP_PID "$MNT_HP" "$HP_LOG" "passthrough_hp on $1" \
		"$HP_BIN" --foreground "$1" "$MNT_HP"
}
hp_umount() { peer_umount HP_PID "$MNT_HP" passthrough_hp; }

# Make the tree of FS (built by the build workload) visible; ROOT is where.
# gfs317 and hp show the trees gfs and pt built; gfspg's catalog is the
# database of that name, its contents in pg-NAME beside gfs's data.
fs_up() { # FS BACKING_NAME
	case $1 in
	gfs) gfs_mount "$GFS_BACK/$2"; ROOT=$MNT_GFS ;;
	gfspg) gfs_mount "$GFS_BACK/pg-$2" "$GFS_BIN" -o "catalog_conninfo=$(pg_conninfo "$2")"
	       ROOT=$MNT_GFS ;;
	gfs317) gfs_mount "$GFS_BACK/$2" "$GFS317_BIN"; ROOT=$MNT_GFS ;;
	pt) pt_mount "$PT_BACK/$2"; ROOT=$MNT_PT ;;
	hp) hp_mount "$PT_BACK/$2"; ROOT=$MNT_HP ;;
	native) ROOT=$NATIVE/$2 ;;
	esac
}

fs_down() { # FS
	case $1 in
	gfs|gfs317|gfspg) gfs_umount ;;
	pt) pt_umount ;;
	hp) hp_umount ;;
	native) ;;
	esac
}

# The filesystems in run R's order: the first one rotates.
order() { # R FS...
	local r=$1; shift
	local all=("$@") n=$# i
	for ((i = 0; i < n; i++)); do
		echo "${all[(i + r - 1) % n]}"
	done
}

ALL_FS=(gfs pt native)
# the walks and the sequential workloads: also with libfuse 3.17
IO_FS=(gfs gfs317 pt hp native)
# galleryfs on PostgreSQL takes its turn in the build, the walks and the
# removals (gfspg: the same build and tree shapes, the catalog elsewhere)
BUILD_FS=(gfs gfspg pt native)
WALK_FS=(gfs gfspg gfs317 pt hp native)

# Which file I/O galleryfs 3.17 runs (its start says so at level info;
# the runs log warnings only, and a fallback is a warning, so an anomaly).
probe_io() {
	local line
	mkdir "$GFS_BACK/probe"
	gfs_mount "$GFS_BACK/probe" "$GFS317_BIN" -o log_level=info
	line=$(grep -o 'file I/O: .*' "$GFS_LOG" | head -n 1)
	fusermount3 -u "$MNT_GFS"
	wait "$GFS_PID" || anomaly "galleryfs 3.17 exited with an error after the probe"
	GFS_PID=''
	: >"$GFS_LOG"
	rm -rf "$GFS_BACK/probe"
	GFS317_IO=${line:-file I/O: not said}
	case $GFS317_IO in
	*"kernel passthrough"*) ;;
	*) anomaly "galleryfs 3.17: $GFS317_IO" ;;
	esac
	progress "galleryfs 3.17: $GFS317_IO"
}

# ---- workloads on all three ----

walk() { find "$1" -printf '%s %m %u\n'; }

bench_build() {
	local r fs out secs
	for r in $(seq "$RUNS"); do
		for fs in $(order "$r" "${BUILD_FS[@]}"); do
			case $fs in
			gfs) mkdir "$GFS_BACK/build-$r" ;;
			gfspg) mkdir "$GFS_BACK/pg-build-$r"; pg_create "build-$r" ;;
			pt) mkdir "$PT_BACK/build-$r" ;;
			native) mkdir "$NATIVE/build-$r" ;;
			esac
			fs_up "$fs" "build-$r"
			if out=$("$BENCH" build "$ROOT" "${TREE[@]}" 2>"$WORK/out/err"); then
				secs=$out
			else
				secs=0
				failed build "$fs" "gfs-bench build: $(cat "$WORK/out/err")"
			fi
			record build "$fs" "$secs"
			fs_down "$fs"
		done
	done
	# the last run's trees serve the walks and stats; free the others
	for ((r = 1; r < RUNS; r++)); do
		rm -rf "$GFS_BACK/build-$r" "$GFS_BACK/pg-build-$r" "$PT_BACK/build-$r" \
			"$NATIVE/build-$r"
		pg_drop "build-$r"
	done
}

# The same tree written by plain commands, as a script would: cp -r of the
# native copy (mkdir of every directory, then each file created, written
# and closed), into an empty root.
bench_build_cp() {
	local r fs src=$NATIVE/build-$RUNS
	for r in $(seq "$RUNS"); do
		for fs in $(order "$r" "${ALL_FS[@]}"); do
			case $fs in
			gfs) mkdir "$GFS_BACK/cp-$r" ;;
			pt) mkdir "$PT_BACK/cp-$r" ;;
			native) mkdir "$NATIVE/cp-$r" ;;
			esac
			fs_up "$fs" "cp-$r"
			timed build_cp "$fs" cp -r "$src/." "$ROOT/" 2>"$WORK/out/err"
			record build_cp "$fs" "$TIMED"
			stderr_check build_cp "$fs" "$WORK/out/err"
			fs_down "$fs"
			rm -rf "$GFS_BACK/cp-$r" "$PT_BACK/cp-$r" "$NATIVE/cp-$r"
		done
	done
}

bench_walks() {
	local r fs n
	for r in $(seq "$RUNS"); do
		for fs in $(order "$r" "${WALK_FS[@]}"); do
			fs_up "$fs" "build-$RUNS"
			timed walk_cold "$fs" walk "$ROOT" >"$WORK/out/walk" 2>"$WORK/out/err"
			record walk_cold "$fs" "$TIMED"
			stderr_check walk_cold "$fs" "$WORK/out/err"
			WALK_ENTRIES[$fs]=$(wc -l <"$WORK/out/walk")
			timed walk_warm "$fs" walk "$ROOT" >"$WORK/out/walk" 2>"$WORK/out/err"
			record walk_warm "$fs" "$TIMED"
			stderr_check walk_warm "$fs" "$WORK/out/err"
			n=$(wc -l <"$WORK/out/walk")
			[ "$n" = "${WALK_ENTRIES[$fs]}" ] ||
				anomaly "walk on $fs: $n entries warm, ${WALK_ENTRIES[$fs]} cold"
			fs_down "$fs"
		done
	done
	# one tree, two catalogs: the same entries
	[ "${WALK_ENTRIES[gfspg]:-}" = "${WALK_ENTRIES[gfs]:-}" ] ||
		anomaly "walk: ${WALK_ENTRIES[gfspg]:-?} entries on PostgreSQL, ${WALK_ENTRIES[gfs]:-?} on SQLite"
}

bench_stat() {
	local r fs out w
	for r in $(seq "$RUNS"); do
		for fs in $(order "$r" "${ALL_FS[@]}"); do
			fs_up "$fs" "build-$RUNS"
			for w in stat_cold stat_warm; do
				if out=$("$BENCH" stat "$ROOT" "$NSTAT" "$r" 2>"$WORK/out/err"); then
					record "$w" "$fs" "$out"
				else
					record "$w" "$fs" 0
					failed "$w" "$fs" "gfs-bench stat: $(cat "$WORK/out/err")"
				fi
			done
			fs_down "$fs"
		done
	done
}

drop_caches() {
	sync
	[ "$DROP_CACHES" = yes ] && echo 3 >/proc/sys/vm/drop_caches
	return 0
}

bench_sequential() {
	local r fs file bytes
	bytes=$((SEQ_MB * 1048576))
	for r in $(seq "$RUNS"); do
		for fs in $(order "$r" "${IO_FS[@]}"); do
			case $fs in
			gfs|gfs317) fs_up "$fs" "seq-$r"
			     mkdir -p "$ROOT/seq/img/1.0.0"
			     file=$ROOT/seq/img/1.0.0/disk.raw ;;
			pt|hp) mkdir "$PT_BACK/seq-$r"; fs_up "$fs" "seq-$r"
			    file=$ROOT/disk.raw ;;
			native) mkdir "$NATIVE/seq-$r"; fs_up native "seq-$r"
				file=$ROOT/disk.raw ;;
			esac
			drop_caches
			timed seq_write "$fs" dd if=/dev/zero of="$file" bs=1M \
				count="$SEQ_MB" conv=fsync status=none
			record seq_write "$fs" "$(calc "$bytes / 1e6 / $TIMED")"
			[ "$(stat -c %s "$file")" = "$bytes" ] ||
				anomaly "seq_write on $fs: size $(stat -c %s "$file"), not $bytes"
			drop_caches
			timed seq_read "$fs" dd if="$file" of=/dev/null bs=1M status=none
			record seq_read "$fs" "$(calc "$bytes / 1e6 / $TIMED")"
			rm -f "$file" || anomaly "rm of the sequential file on $fs failed"
			fs_down "$fs"
			case $fs in
			gfs|gfs317) rm -rf "$GFS_BACK/seq-$r" ;;
			pt|hp) rm -rf "$PT_BACK/seq-$r" ;;
			native) rm -rf "$NATIVE/seq-$r" ;;
			esac
		done
	done
}

# ---- galleryfs alone: soft delete, restore, hard delete ----

count_entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

bench_softdelete() {
	local r g ino n fs
	for r in $(seq "$RUNS"); do
	for fs in $(order "$r" gfs gfspg); do
		[ "$fs" = gfs ] || pg_create "sd-$r"
		fs_up "$fs" "sd-$r"
		g=$MNT_GFS/g1
		"$BENCH" build "$MNT_GFS" 1 1 "$NDEL" >/dev/null
		setfattr -n user.acg.softDelete -v true "$g"
		ino=$(stat -c %i "$g/d1/1.0.0")

		set -- "$g"/d1/*
		timed softdelete "$fs" rm -r -- "$@" 2>"$WORK/out/err"
		record softdelete "$fs" "$(calc "$NDEL / $TIMED")"
		stderr_check softdelete "$fs" "$WORK/out/err"
		n=$(count_entries "$g/.softdeleted/d1")
		if [ "$n" != "$NDEL" ] || [ "$(count_entries "$g/d1")" != 0 ]; then
			anomaly "soft delete on $fs: $n of $NDEL versions in .softdeleted/d1"
		fi

		set -- "$g"/.softdeleted/d1/*
		timed restore "$fs" mv -- "$@" "$g/d1/" 2>"$WORK/out/err"
		record restore "$fs" "$(calc "$NDEL / $TIMED")"
		stderr_check restore "$fs" "$WORK/out/err"
		n=$(count_entries "$g/d1")
		[ "$n" = "$NDEL" ] ||
			anomaly "restore on $fs: $n of $NDEL versions back in d1"
		[ "$(stat -c %i "$g/d1/1.0.0")" = "$ino" ] ||
			anomaly "restore on $fs: 1.0.0 came back with another inode number (copied?)"

		rm -r -- "$g"/d1/*
		set -- "$g"/.softdeleted/d1/*
		timed harddelete "$fs" rm -r -- "$@" 2>"$WORK/out/err"
		record harddelete "$fs" "$(calc "$NDEL / $TIMED")"
		stderr_check harddelete "$fs" "$WORK/out/err"
		n=$(count_entries "$g/.softdeleted")
		[ "$n" = 0 ] || anomaly "hard delete on $fs: .softdeleted still lists $n entries"
		fs_down "$fs"
		rm -rf "$GFS_BACK/sd-$r" "$GFS_BACK/pg-sd-$r"
		[ "$fs" = gfs ] || pg_drop "sd-$r"
	done
	done
}

# ---- galleryfs alone: scale ----

bench_scale() {
	local r size n out
	for size in small big; do
		if [ $size = small ]; then set -- "${SCALE_SMALL[@]}"; else set -- "${SCALE_BIG[@]}"; fi
		progress "populating $((${1} * ${2} * ${3})) versions through core"
		if out=$("$BENCH" populate "$GFS_BACK/scale-$size" "$@"); then
			record populate "$size" "$out"
		else
			failed populate "$size" "gfs-bench populate failed"
		fi
	done
	for r in $(seq "$RUNS"); do
		for size in $(order "$r" small big); do
			gfs_mount "$GFS_BACK/scale-$size"
			record scale_mount "$size" "$(calc "$MOUNT_SECONDS * 1000")"
			timed scale_ls "$size" ls -l "$MNT_GFS/g1/d1" >"$WORK/out/ls" 2>"$WORK/out/err"
			record scale_ls "$size" "$(calc "$TIMED * 1000")"
			stderr_check scale_ls "$size" "$WORK/out/err"
			n=$(($(wc -l <"$WORK/out/ls") - 1))
			[ "$n" = "${SCALE_SMALL[2]}" ] ||
				anomaly "scale $size: ls -l listed $n versions, not ${SCALE_SMALL[2]}"
			# the same paths at both sizes: g1's first definitions
			if out=$("$BENCH" stat "$MNT_GFS" "$NSCALE_STAT" "$r" \
				"${SCALE_SMALL[1]}" 2>"$WORK/out/err"); then
				record scale_stat "$size" "$(calc "$out / $NSCALE_STAT * 1e6")"
			else
				record scale_stat "$size" 0
				failed scale_stat "$size" "gfs-bench stat: $(cat "$WORK/out/err")"
			fi
			record scale_rss "$size" "$(calc "$(awk '/^VmHWM/ { print $2 }' \
				/proc/"$GFS_PID"/status) / 1024")"
			gfs_umount
		done
	done
}

# ---- galleryfs on PostgreSQL: two mounts of one catalog ----

# scripts/bench-hosts.sh on this run's cluster: NCHANGES changes through
# mount A, each timed until mount B's stat shows it; its removal rates
# are skipped (bench_softdelete measured both backends). One run: the
# figures are over the changes, not a median of runs.
case $MODE in
quick) NCHANGES=300 ;;
default) NCHANGES=1200 ;;
full) NCHANGES=3000 ;;
esac

bench_hosts() {
	local out=$WORK/out/hosts line w v
	progress "propagation: scripts/bench-hosts.sh $NCHANGES 0"
	if GFS_PG_CONNINFO=$GFS_PG_CONNINFO "$REPO/scripts/bench-hosts.sh" "$NCHANGES" 0 \
		>"$out" 2>"$WORK/out/err"; then
		stderr_check propagation gfspg "$WORK/out/err"
		while IFS= read -r line; do progress "  $line"; done <"$out"
		line=$(awk '$1 == "all"' "$out")
		for w in median p99 max; do
			v=$(echo "$line" | sed -n "s/.* $w=\([0-9.]*\) ms.*/\1/p")
			if [ -n "$v" ]; then
				record "propagation_$w" gfspg "$v"
			else
				failed "propagation_$w" gfspg "no $w in bench-hosts.sh's output: $line"
			fi
		done
	else
		for w in median p99 max; do
			failed "propagation_$w" gfspg "scripts/bench-hosts.sh failed: $(tail -n 3 \
				"$WORK/out/err" "$out" | tr '\n' '|')"
		done
	fi
}

# ---- reporting: the run as JSON, written once; the Markdown is rendered
# from it by scripts/bench-render.sh, so the two can never disagree ----

# Column ids of the recording (SAMPLES keys) -> the names the JSON uses.
declare -A COLUMN_KEY=([gfs]=galleryfs [gfs317]=galleryfs_317
	[pt]=passthrough_ll [hp]=passthrough_hp [native]=tmpfs
	[small]=small [big]=big [sqlite]=sqlite [gfspg]=postgresql)
declare -A COLUMN_LABEL=()
# A column that shows another's samples: the SQLite column of the
# PostgreSQL table is galleryfs's, the runs that alternated with gfspg.
declare -A SAMPLES_OF=([sqlite]=gfs)

thousands() { echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }

# One column's figure for a workload: its runs in order, their median, and
# whether a run failed (then there is no median: a failed run's figure
# means nothing).
json_figure() { # WORKLOAD COLUMN
	local k="$1 ${SAMPLES_OF[$2]:-$2}"
	jq -n --arg runs "${SAMPLES[$k]:-}" --arg failed "${FAILED[$k]:-}" '
		($runs | split(" ") | map(select(. != "") | tonumber)) as $r
		| ($r | sort) as $s | ($s | length) as $n
		| {median: (if $failed != "" or $n == 0 then null
		            elif $n % 2 == 1 then $s[($n - 1) / 2]
		            else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end),
		   runs: $r, failed: ($failed != "")}'
}

# One workload of a table: COLUMNS its column ids ("gfs pt native"), RATIOS
# pairs "OF TO" (two column ids) separated by commas, or empty; BETTER and
# TARGET may be empty.
json_workload() { # COLUMNS RATIOS KEY LABEL UNIT BETTER TARGET
	local columns=$1 ratios=$2 key=$3 c of to pair pairs= figures=()
	for c in $columns; do
		figures+=("${COLUMN_KEY[$c]}" "$(json_figure "$key" "$c")")
	done
	while IFS= read -r -d, pair; do
		of=${pair% *} to=${pair#* }
		pairs+="${pairs:+ }${COLUMN_KEY[$of]}:${COLUMN_KEY[$to]}"
	done <<<"${ratios:+$ratios,}"
	jq -n --arg name "$key" --arg caption "$4" --arg unit "$5" --arg better "$6" \
		--arg target "$7" --arg pairs "$pairs" '
		def text: if . == "" then null else . end;
		($ARGS.positional | [range(0; length; 2) as $i
			| {(.[$i]): (.[$i + 1] | fromjson)}] | add) as $values
		| {name: $name, label: $caption, unit: $unit, better: ($better | text),
		   target: ($target | text), values: $values,
		   ratios: [$pairs | split(" ")[] | select(. != "") | split(":")
			| {of: .[0], to: .[1]} | . as $p
			| $p + {value: ($values[$p.of].median as $a | $values[$p.to].median as $b
				| if $a != null and $b != null and $b > 0 then $a / $b
				  else null end)}]}' --args "${figures[@]}"
}

# One table: TITLE (may be empty) above it, HEADING over the workloads'
# column, the column ids, the ratios; each WORKLOAD "key|label|unit|better|target".
json_table() { # TITLE HEADING COLUMNS RATIOS WORKLOAD...
	local title=$1 heading=$2 columns=$3 ratio=$4 w c key label unit better target
	local labels=()
	shift 4
	for c in $columns; do labels+=("${COLUMN_KEY[$c]}" "${COLUMN_LABEL[$c]}"); done
	for w in "$@"; do
		IFS='|' read -r key label unit better target <<<"$w"
		json_workload "$columns" "$ratio" "$key" "$label" "$unit" "$better" "$target"
	done | jq -s --arg title "$title" --arg heading "$heading" '
		{title: (if $title == "" then null else $title end), row_heading: $heading,
		 columns: ($ARGS.positional | [range(0; length; 2) as $i
			| {key: .[$i], label: .[$i + 1]}]),
		 workloads: .}' --args "${labels[@]}"
}

# The targets are those doc/performance.md reports against.
json_tables() {
	json_table "" workload "gfs pt native" "gfs pt" \
		"build|build ${TREE[0]}×${TREE[1]}×${TREE[2]} ($NTREE versions, one file each)|s|lower|≤ 0.8" \
		"build_cp|the same tree by cp -r (mkdir, then each file)|s|lower|≤ 0.8" \
		"stat_cold|random stat ×$NSTAT after a fresh mount|s|lower|" \
		"stat_warm|random stat ×$NSTAT again (warm)|s|lower|"
	json_table "walks and file contents, libfuse 3.14 and 3.17 (galleryfs 3.17 and passthrough_hp: kernel passthrough):" \
		workload "gfs gfs317 pt hp native" \
		"gfs pt,gfs native,gfs317 pt,gfs317 hp,gfs317 native" \
		"walk_cold|cold walk: find -printf after a fresh mount|s|lower|≤ 0.5× passthrough_ll" \
		"walk_warm|warm walk: the same again|s|lower|≤ 0.25× passthrough_ll and ≤ 1.5× tmpfs" \
		"seq_write|sequential write $SEQ_MB MiB (dd bs=1M conv=fsync)|MB/s|higher|3.14 ≥ 1.0× passthrough_ll; 3.17 ≥ 0.9× tmpfs" \
		"seq_read|sequential read $SEQ_MB MiB (dd bs=1M, caches dropped)|MB/s|higher|3.14 ≥ 1.0× passthrough_ll; 3.17 ≥ 0.9× tmpfs"
	json_table "galleryfs alone (gallery with soft delete on):" workload gfs "" \
		"softdelete|soft delete: rm -r of $NDEL versions|versions/s|higher|≥ 4,000/s" \
		"restore|restore: mv of the same $NDEL back|versions/s|higher|≥ 4,000/s" \
		"harddelete|hard delete: rm -r of $NDEL in .softdeleted|versions/s|higher|≥ 4,000/s"
	json_table "galleryfs alone, scale (catalogs written through core):" measure \
		"small big" "big small" \
		"populate|populate through core (once)|s||" \
		"scale_mount|mount time (start until mountpoint -q)|ms||< 200 ms" \
		"scale_rss|daemon peak RSS (VmHWM)|MiB||< 64 MiB" \
		"scale_stat|stat latency (mean of $NSCALE_STAT random, same paths)|µs||≤ 1.5" \
		"scale_ls|ls -l of a ${SCALE_SMALL[2]}-version definition (cold)|ms||≤ 1.5"
	json_table "galleryfs with its catalog on PostgreSQL against SQLite (the same daemon and runs, alternating; both catalogs on tmpfs):" \
		workload "sqlite gfspg" "gfspg sqlite" \
		"build|build ${TREE[0]}×${TREE[1]}×${TREE[2]} ($NTREE versions, one file each)|s|lower|" \
		"walk_cold|cold walk: find -printf after a fresh mount|s|lower|" \
		"walk_warm|warm walk: the same again|s|lower|" \
		"softdelete|soft delete: rm -r of $NDEL versions|versions/s|higher|" \
		"restore|restore: mv of the same $NDEL back|versions/s|higher|" \
		"harddelete|hard delete: rm -r of $NDEL in .softdeleted|versions/s|higher|" \
		"propagation_median|propagation, mount A to mount B: median of $NCHANGES changes|ms|lower|" \
		"propagation_p99|propagation: 99th percentile|ms|lower|< 100 ms" \
		"propagation_max|propagation: the largest|ms|lower|"
}

report() {
	local stamp=$1 json md cpu mem fuse_ver commit dirty
	mkdir -p "$REPO/results"
	json=$REPO/results/bench-$stamp.json
	md=$REPO/results/bench-$stamp.md
	COLUMN_LABEL=([gfs]=galleryfs [gfs317]="galleryfs 3.17" [pt]=passthrough_ll
		[hp]=passthrough_hp [native]=tmpfs [sqlite]=SQLite [gfspg]=PostgreSQL
		[small]="$(thousands "$NSMALL") versions" [big]="$(thousands "$NBIG") versions")

	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	fuse_ver="libfuse $(pkg-config --modversion fuse3) ($(dpkg-query -W -f='${Version}' libfuse3-dev)), and $FUSE317_VERSION (Debian 13's source, scripts/fuse317.sh) for galleryfs 3.17 and passthrough_hp"
	commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$({ git -C "$REPO" status --porcelain 2>/dev/null || true; } | wc -l)

	json_tables | jq -s --arg mode "$MODE" --argjson runs "$RUNS" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg commit "$commit" --argjson dirty "$dirty" \
		--arg options "${GFS_BENCH_OPTS:-}" \
		--argjson nproc "$(nproc)" --arg cpu "$cpu" --arg mem "$mem" \
		--arg kernel "$(uname -r)" --arg libfuse "$fuse_ver" --arg pt_opts "$PT_OPTS" \
		--arg io317 "${GFS317_IO:-}" \
		--arg pg "$([ -n "$PG_DIR" ] && echo "the private PostgreSQL cluster" || echo "not the PostgreSQL server of GFS_PG_CONNINFO")" \
		--argjson drop "$([ "$DROP_CACHES" = yes ] && echo true || echo false)" \
		--argjson tree "$(printf '%s\n' "${TREE[@]}" | jq -s .)" \
		--argjson sizes "[$NSMALL, $NBIG]" \
		--arg walked "${WALK_ENTRIES[gfs]:-} ${WALK_ENTRIES[pt]:-} ${WALK_ENTRIES[native]:-} ${WALK_ENTRIES[gfs317]:-} ${WALK_ENTRIES[hp]:-} ${WALK_ENTRIES[gfspg]:-}" '
		def count: if . == "" or . == null then null else tonumber end;
		($walked | split(" ")) as $w
		| {format: 1, mode: $mode, runs: $runs, date: $date,
		   galleryfs: {commit: $commit, work_tree_changes: $dirty, options: $options},
		   machine: {nproc: $nproc, cpu: $cpu, memory: $mem, kernel: $kernel},
		   libfuse: $libfuse, passthrough_ll_options: $pt_opts,
		   galleryfs_317_io: $io317,
		   backing: "tmpfs for all (galleryfs data_dir, passthrough_ll and passthrough_hp source, native, \($pg))",
		   drop_caches: $drop,
		   tree: {galleries: $tree[0], definitions: $tree[1], versions: $tree[2]},
		   scale_versions: {small: $sizes[0], big: $sizes[1]},
		   walk_entries: {galleryfs: ($w[0] | count), passthrough_ll: ($w[1] | count),
		                  tmpfs: ($w[2] | count), galleryfs_317: ($w[3] | count),
		                  passthrough_hp: ($w[4] | count),
		                  galleryfs_postgresql: ($w[5] | count)},
		   tables: ., anomalies: $ARGS.positional}' --args "${ANOMALIES[@]}" >"$json"

	"$REPO/scripts/bench-render.sh" "$json" >"$md"
	cat "$md"
	echo
	echo "written: results/bench-$stamp.json (the run), results/bench-$stamp.md (rendered from it)"
}

# ---- the run ----

STAMP=$(date +%Y%m%d-%H%M%S)
declare -A WALK_ENTRIES=()
T_START=$SECONDS
progress "mode $MODE: $RUNS runs; tree ${TREE[*]}; work dir $WORK"
probe_io
bench_build
bench_build_cp
bench_walks
bench_stat
bench_sequential
bench_softdelete
bench_scale
bench_hosts
progress "finished in $((SECONDS - T_START)) s"
report "$STAMP"
