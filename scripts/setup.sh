#!/usr/bin/env bash
# setup.sh — install the Debian packages galleryfs needs to build, run and
# be tested, when any is missing. Sourced by run.sh, test.sh and bench.sh; runs as
# root (apt-get), as the README says. A library: it sets no shell options.


GFS_PACKAGES=(
	gcc pkg-config meson ninja-build
	libfuse3-dev fuse3 libsqlite3-dev libinih-dev
	sqlite3 attr rsync tar faketime libfaketime passwd util-linux procps
	clang libclang-rt-14-dev
	libglib2.0-bin restic borgbackup man-db systemd valgrind strace
	trash-cli gvfs-daemons dbus-bin
	jq	# bench.sh writes its run as JSON; bench-render.sh reads it
)

gfs_install_packages() {
	local missing=() p
	for p in "${GFS_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages: ${missing[*]}; run as root to install them" >&2
		return 1
	fi
	echo "setup: installing ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# gfs_build DIR [meson options...]: configure (once) and build, quietly;
# when a step fails, its own output (the compiler's error lines, meson's
# message) goes to stderr and the status is 1.
gfs_build() {
	local dir=$1; shift
	local log
	log=$(mktemp /tmp/gfs-build.XXXXXX) || return 1
	if [ ! -f "$dir/build.ninja" ] &&
		! meson setup "$dir" --werror "$@" >"$log" 2>&1; then
		echo "build: meson setup $dir failed:" >&2
		cat "$log" >&2
		rm -f "$log"
		return 1
	fi
	if ! ninja -C "$dir" >"$log" 2>&1; then
		echo "build: ninja -C $dir failed:" >&2
		grep -v '^\[[0-9]*/[0-9]*\] ' "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# gfs_test_users: the users and groups the tests act as (runuser/setpriv),
# created once.
gfs_test_users() {
	local g u
	for g in acg-admins gfs-team; do getent group "$g" >/dev/null || groupadd "$g"; done
	for u in gfs-owner gfs-admin gfs-galadmin gfs-nobody gfs-alice; do
		getent passwd "$u" >/dev/null || useradd -M -N -g users -s /usr/sbin/nologin "$u"
	done
	usermod -a -G acg-admins gfs-admin
	usermod -a -G gfs-team gfs-galadmin
}
