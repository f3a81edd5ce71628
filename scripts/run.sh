#!/usr/bin/env bash
# run.sh — install what is missing, build, and mount galleryfs with its
# built-in defaults (catalog in /var/lib/galleryfs) on MOUNTPOINT (default:
# ./mnt in this checkout), seeding a small demo gallery tree the first time.
#
#   sudo scripts/run.sh [MOUNTPOINT]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
gfs_install_packages
echo "building..."
gfs_build build

mnt=$(realpath -m "${1:-mnt}")
mkdir -p "$mnt"
if mountpoint -q "$mnt"; then
	echo "$mnt is already mounted; unmount it with: fusermount3 -u $mnt" >&2
	exit 1
fi
opts=()
[ "$(id -u)" -eq 0 ] && opts=(-o allow_other)
# the daemon names its log file on stderr when there is no syslog socket
start_err=$(mktemp)
trap 'rm -f "$start_err"' EXIT
if ! build/fs/galleryfs "${opts[@]}" "$mnt" 2>"$start_err"; then
	cat "$start_err" >&2
	exit 1
fi
logfile=$(sed -n 's/^galleryfs: .*log lines go to //p' "$start_err")
if [ -n "$logfile" ]; then
	log_how="the log (every refusal, its rule and remedy): $logfile
  follow it with:  tail -f $logfile"
else
	log_how="the log (every refusal, its rule and remedy) goes to syslog
  follow it with:  journalctl -t galleryfs -f"
fi

# a demo tree, only into an empty catalog
if [ -z "$(ls -A "$mnt")" ]; then
	echo "seeding a demo gallery tree..."
	step() { printf '  %-58s' "$1"; shift; "$@"; echo done; }
	seed_version() { # DEF VERSION
		mkdir -p "$mnt/contoso/$1/$2"
		head -c 1048576 /dev/urandom >"$mnt/contoso/$1/$2/disk.vhd"
		printf '{"definition": "%s", "version": "%s"}\n' "$1" "$2" \
			>"$mnt/contoso/$1/$2/manifest.json"
	}
	step "gallery contoso, soft delete on" bash -c "
		mkdir '$mnt/contoso' &&
		setfattr -n user.acg.softDelete -v true '$mnt/contoso'"
	step "definition ubuntu-22.04: versions 1.0.0, 1.1.0, 1.2.0" bash -c "
		$(declare -f seed_version); mnt='$mnt'
		seed_version ubuntu-22.04 1.0.0; seed_version ubuntu-22.04 1.1.0
		seed_version ubuntu-22.04 1.2.0"
	step "definition windows-2022: version 2.0.0, replicas" bash -c "
		$(declare -f seed_version); mnt='$mnt'
		seed_version windows-2022 2.0.0 &&
		setfattr -n user.acg.replicas -v eastus=3,westus=2 '$mnt/contoso/windows-2022/2.0.0'"
	step "VM application definition agent: version 1.0.0" bash -c "
		mkdir -p '$mnt/contoso/agent/1.0.0' &&
		setfattr -n user.acg.kind -v application '$mnt/contoso/agent' &&
		echo 'agent payload' >'$mnt/contoso/agent/1.0.0/agent.zip'"
	step "soft-delete ubuntu-22.04/1.0.0 (rm -r)" rm -r "$mnt/contoso/ubuntu-22.04/1.0.0"
fi

cat <<EOT

galleryfs is mounted on $mnt (catalog and contents in /var/lib/galleryfs).

  ls -la $mnt/contoso                      definitions
  ls $mnt/contoso/.softdeleted/*           soft-deleted items (by name: not listed)
  getfattr -d -m - $mnt/contoso            properties
  rm -r $mnt/contoso/ubuntu-22.04/1.1.0    soft delete
  mv $mnt/contoso/.softdeleted/ubuntu-22.04/1.0.0 $mnt/contoso/ubuntu-22.04/
                                           restore

$log_how

Unmount with:  fusermount3 -u $mnt
EOT
