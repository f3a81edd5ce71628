#!/usr/bin/env bash
# fuse317.sh [PREFIX] — build libfuse 3.17 from Debian 13 (trixie)'s own
# fuse3 source package into a private prefix, so that galleryfs can also be
# built and tested against it on Debian 12 (which ships 3.14).
#
#   PKG_CONFIG_PATH=$(scripts/fuse317.sh) meson setup build-317
#
# PREFIX defaults to build-deps/fuse-3.17 under the repository root; the
# apt state, sources and build tree live beside it in PREFIX.work. The last
# (only) line on stdout is the PKG_CONFIG_PATH to use; nothing else is
# printed unless a step fails, and then that step's own output is shown.
#
# What ends up in PREFIX:
#   lib/libfuse3.so*, lib/pkgconfig/fuse3.pc, include/fuse3/
#   bin/passthrough_hp, bin/passthrough_ll, ... (libfuse's examples, run
#       in place: their RUNPATH $ORIGIN/../lib finds PREFIX/lib)
# Nothing is installed outside PREFIX: no fusermount3, no udev rule, no
# init script (-Dutils=false). The library's compiled-in FUSERMOUNT_DIR is
# PREFIX/bin, where no fusermount3 is; libfuse then falls back to
# fusermount3 from $PATH, i.e. Debian 12's /usr/bin/fusermount3. As root
# libfuse mounts with mount(2) itself and needs no fusermount3 at all,
# except for -o auto_unmount: 3.17 then spawns `fusermount3 --auto-unmount`,
# an option Debian 12's fusermount3 3.14 rejects, so with this library
# auto_unmount does nothing (the mount stays when the daemon dies).
#
# Binaries linked against it: meson puts PREFIX/lib in the build tree's
# RUNPATH by itself; elsewhere use LD_LIBRARY_PATH=PREFIX/lib.
#
# Fetching never touches /etc/apt or /var/lib/apt: apt-get runs with a
# private sources list, lists dir and cache. It authenticates the source
# through trixie's signed InRelease (keys from Debian 12's
# debian-archive-keyring) and the SHA256 sums in its Sources index, which
# apt-get source checks; it refuses unauthenticated sources. (dpkg-source
# cannot check the maintainer's signature on the .dsc without the
# debian-keyring package and says so in its log; the tarball's .asc is an
# upstream signify signature, not OpenPGP.) Run as root when build tools
# are missing (they are installed with apt-get); a second run returns at once.
set -euo pipefail

SUITE=trixie
MIRROR=http://deb.debian.org/debian	# the host this machine's own apt uses
WANT_UPSTREAM=3.17.	# upstream version prefix we accept
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${1:-$ROOT/build-deps/fuse-3.17}
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
WORK=$PREFIX.work
PCDIR=$PREFIX/lib/pkgconfig
STAMP=$PREFIX/.fuse317-done

# Fast path: everything is already there.
if [ -f "$STAMP" ] && [ -f "$PCDIR/fuse3.pc" ] && [ -x "$PREFIX/bin/passthrough_hp" ]; then
	echo "$PCDIR"
	exit 0
fi

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# run CMD...: run quietly; on failure show its output and stop.
run() {
	if ! "$@" >"$LOG" 2>&1; then
		echo "fuse317: failed: $*" >&2
		cat "$LOG" >&2
		exit 1
	fi
}
die() { echo "fuse317: $*" >&2; exit 1; }

# --- build tools ---------------------------------------------------------
TOOLS=(dpkg-dev xz-utils gpgv debian-archive-keyring meson ninja-build
	pkg-config gcc g++)
missing=()
for p in "${TOOLS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root to install them"
	run apt-get update
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# --- fetch the source (private apt state) --------------------------------
APTDIR=$WORK/apt
DL=$WORK/dl
SRC=$WORK/src
APT_OPTS=(
	-o "Dir::Etc::sourcelist=$APTDIR/sources.list"
	-o "Dir::Etc::sourceparts=$APTDIR/sources.list.d"
	-o "Dir::State::Lists=$APTDIR/lists"
	-o "Dir::Cache=$APTDIR/cache"
	-o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Get::List-Cleanup=0"
)

if [ ! -f "$SRC/meson.build" ]; then
	mkdir -p "$APTDIR/sources.list.d" "$APTDIR/lists/partial" \
		"$APTDIR/cache/archives/partial"
	echo "deb-src [signed-by=$KEYRING] $MIRROR $SUITE main" >"$APTDIR/sources.list"
	run apt-get "${APT_OPTS[@]}" update
	rm -rf "$DL"
	mkdir -p "$DL"
	# let apt's _apt sandbox user write the download dir (else apt warns)
	if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
		chown _apt:root "$DL"
	fi
	(cd "$DL" && run apt-get "${APT_OPTS[@]}" source --download-only "fuse3/$SUITE")
	dsc=$(ls "$DL"/fuse3_*.dsc)
	ver=${dsc##*/fuse3_}; ver=${ver%.dsc}	# e.g. 3.17.2-3
	up=${ver%-*}
	case $up in "$WANT_UPSTREAM"*) ;; *) die "$SUITE has fuse3 $ver, not ${WANT_UPSTREAM}x";; esac
	rm -rf "$SRC.new"
	run dpkg-source --no-copy -x "$dsc" "$SRC.new"
	echo "$ver" >"$SRC.new/.debian-version"
	rm -rf "$SRC"
	mv "$SRC.new" "$SRC"
fi

# --- build and install into PREFIX only ----------------------------------
BUILD=$WORK/build
if [ ! -f "$BUILD/build.ninja" ]; then
	rm -rf "$BUILD"
	run meson setup "$BUILD" "$SRC" \
		--prefix="$PREFIX" --libdir=lib --buildtype=debugoptimized \
		-Ddefault_library=shared -Dexamples=true -Dutils=false \
		-Dtests=false -Duseroot=false -Dinitscriptdir= -Dudevrulesdir=
fi
run ninja -C "$BUILD"

# Install into a staging root first and check that everything lands under
# PREFIX, then copy it there.
STAGE=$WORK/stage
rm -rf "$STAGE"
run meson install -C "$BUILD" --destdir "$STAGE"
stray=$(cd "$STAGE" && find . -mindepth 1 \( -type f -o -type l \) | sed 's|^\.||' |
	grep -v "^$PREFIX/" || true)
[ -z "$stray" ] || die "meson install wanted to write outside $PREFIX: $stray"
mkdir -p "$PREFIX"
cp -a "$STAGE$PREFIX/." "$PREFIX/"
rm -rf "$STAGE"

# libfuse does not install its examples: keep the benchmark peers (and a
# few others) in PREFIX/bin. Their build RUNPATH, $ORIGIN/../lib, then
# points at PREFIX/lib.
mkdir -p "$PREFIX/bin"
for ex in passthrough_hp passthrough_ll passthrough passthrough_fh hello_ll \
	memfs_ll printcap null; do
	if [ -x "$BUILD/example/$ex" ]; then
		cp -f "$BUILD/example/$ex" "$PREFIX/bin/"
	fi
done
[ -x "$PREFIX/bin/passthrough_hp" ] || die "passthrough_hp was not built (no C++ compiler?)"
[ -f "$PCDIR/fuse3.pc" ] || die "no fuse3.pc in $PCDIR"

cp -f "$SRC/.debian-version" "$STAMP"
echo "$PCDIR"
