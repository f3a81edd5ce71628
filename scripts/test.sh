#!/usr/bin/env bash
# test.sh — install what is missing, build (plain and with ASan+UBSan), run
# every unit and integration test under both builds, and print one line:
# "N passed, N failed[, N skipped]". Exit status 0 only when nothing failed.
#
#   scripts/test.sh            everything
#   scripts/test.sh FILTER     only test files whose name contains FILTER
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
gfs_install_packages || exit 1

filter=${1:-}
results=$(mktemp -d /tmp/gfs-test.XXXXXX)
trap 'rm -rf "$results"' EXIT

echo "== build"
gfs_build build || exit 1
gfs_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || exit 1

# Users and groups the tests act as (runuser/setpriv): created once.
for g in acg-admins gfs-team; do getent group "$g" >/dev/null || groupadd "$g"; done
for u in gfs-owner gfs-admin gfs-galadmin gfs-nobody gfs-alice; do
	getent passwd "$u" >/dev/null || useradd -M -N -g users -s /usr/sbin/nologin "$u"
done
usermod -a -G acg-admins gfs-admin
usermod -a -G gfs-team gfs-galadmin

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"

run_tap() { # label command...: run one TAP producer, keep its output
	local label=$1; shift
	local out="$results/$(echo "$label" | tr '/ ' '__').tap"
	echo "== $label"
	"$@" >"$out" 2>&1
	local st=$?
	grep -E '^(not )?ok ' "$out" | sed 's/^/   /'
	grep -E '^#' "$out" | head -n 40 | sed 's/^/   /'
	if [ $st -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok - $label exited with status $st" >>"$out"
		echo "   not ok - $label exited with status $st"
		tail -n 20 "$out" | sed 's/^/   # /'
	fi
}

for build in build build-asan; do
	for t in "$build"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		case "$t" in *"$filter"*) ;; *) continue ;; esac
		run_tap "$build unit $(basename "$t")" \
			env GFS_TEST_DATA="$PWD/tests/data" "$t"
	done
	for t in tests/integration/t_*.sh; do
		case "$t" in *"$filter"*) ;; *) continue ;; esac
		run_tap "$build integration $(basename "$t" .sh)" \
			env GFS_BIN="$PWD/$build/fs/galleryfs" \
			GFS_TRY="$PWD/build/tests/tools/gfs-try" \
			GFS_SANITIZED=$([ "$build" = build-asan ] && echo 1 || echo 0) \
			bash "$t"
	done
done

passed=$(cat "$results"/*.tap 2>/dev/null | grep -E '^ok ' | grep -vc '# SKIP')
skipped=$(cat "$results"/*.tap 2>/dev/null | grep -E '^ok ' | grep -c '# SKIP')
failed=$(cat "$results"/*.tap 2>/dev/null | grep -cE '^not ok ')
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
