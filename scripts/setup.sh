#!/usr/bin/env bash
# setup.sh — install the Debian packages galleryfs needs to build, run and
# be tested, when any is missing. Sourced by run.sh and test.sh; runs as
# root (apt-get), as the README says. A library: it sets no shell options.


GFS_PACKAGES=(
	gcc pkg-config meson ninja-build
	libfuse3-dev fuse3 libsqlite3-dev libinih-dev
	sqlite3 attr rsync tar faketime libfaketime passwd util-linux procps
	clang libclang-rt-14-dev
	libglib2.0-bin restic borgbackup man-db systemd valgrind
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

# gfs_build DIR [meson options...]: configure (once) and build.
gfs_build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --werror "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}
