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
	# the catalog on PostgreSQL (issue #15): libpq to build, a server for
	# scripts/pg.sh's private test cluster
	libpq-dev postgresql-15
	# scripts/fuse317.sh: fetch, unpack and build libfuse 3.17's source
	dpkg-dev xz-utils gpgv debian-archive-keyring g++
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

# The users and groups the tests act as (runuser/setpriv), and which
# groups two of them belong to.
GFS_TEST_GROUPS=(acg-admins gfs-team)
GFS_TEST_USERS=(gfs-owner gfs-admin gfs-galadmin gfs-nobody gfs-alice)
GFS_TEST_MEMBERS=(gfs-admin:acg-admins gfs-galadmin:gfs-team)

# gfs_test_users [--check]: create what is missing of them (once, as root).
# With --check, create nothing: print what is missing, a line each, and
# return 1 when anything is.
gfs_test_users() {
	local check=${1:-} missing=0 g u m
	for g in "${GFS_TEST_GROUPS[@]}"; do
		getent group "$g" >/dev/null && continue
		if [ "$check" = --check ]; then echo "group $g"; missing=1; else groupadd "$g"; fi
	done
	for u in "${GFS_TEST_USERS[@]}"; do
		getent passwd "$u" >/dev/null && continue
		if [ "$check" = --check ]; then echo "user $u"; missing=1
		else useradd -M -N -g users -s /usr/sbin/nologin "$u"; fi
	done
	for m in "${GFS_TEST_MEMBERS[@]}"; do
		u=${m%%:*} g=${m#*:}
		[[ " $(id -nG "$u" 2>/dev/null) " == *" $g "* ]] && continue
		if [ "$check" = --check ]; then echo "$u in group $g"; missing=1
		else usermod -a -G "$g" "$u"; fi
	done
	return $missing
}

# gfs_test_tools TOOLS_DIR: copy the built test tools that the tests run as
# other users (gfs-try, gfs-mix, gfs-storm) into a fresh directory under
# /tmp that every user can reach, and print its path; the caller removes
# it. A build under a 0700 home directory (as /root is) is closed to those
# users, so the copy is proven by running gfs-try as gfs-nobody.
gfs_test_tools() {
	local from=$1 dir
	dir=$(mktemp -d /tmp/gfs-tools.XXXXXX) || return 1
	if ! cp "$from/gfs-try" "$from/gfs-mix" "$from/gfs-storm" "$dir/" ||
		! chmod 755 "$dir" "$dir"/*; then
		rm -rf "$dir"
		return 1
	fi
	if ! setpriv --reuid=gfs-nobody --regid=users --clear-groups \
		"$dir/gfs-try" strerror EPERM >/dev/null; then
		echo "setup: $dir is not reachable by other users (modes:" \
			"$(namei -m "$dir" | tail -n +2 | awk '{print $1}' | tr '\n' ' '))" >&2
		rm -rf "$dir"
		return 1
	fi
	echo "$dir"
}
