#!/usr/bin/env bash
# test.sh — install what is missing, build, run every test, and print one
# line: "N passed, N failed[, N skipped]". Exit status 0 only when nothing
# failed. The passes:
#   layers       scripts/layers.sh: no call or include cycle, layers kept
#   build        unit and integration tests on the plain build
#   build-asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   build-tsan   concurrency and crash tests under ThreadSanitizer
#   valgrind     the integration tests but for the process-level ones (t_cli,
#                t_crash, t_concurrency, t_install) with the daemon under
#                valgrind: no errors, no leaks at exit
#   build-317    the plain build's integration tests (but t_install) with
#                the daemon built against libfuse 3.17 (scripts/fuse317.sh)
#   build-pg     the plain build's integration tests (but t_install) with
#                the catalog on PostgreSQL, on the run's private cluster
#                (scripts/pg.sh), where the unit tests' PostgreSQL cases
#                (GFS_TEST_PG) run too
#   build-fuzz   libFuzzer targets (clang), a bounded time each
#   mutation     scripts/mutate.sh: deliberate defects, each caught by a test
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
FUZZ_SECONDS=${GFS_FUZZ_SECONDS:-20}

# A build that fails is a failed run, with the compiler's lines above.
build_failed() { echo "0 passed, 1 failed"; exit 1; }
echo "== build"
gfs_build build || build_failed
gfs_build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || build_failed
gfs_build build-tsan -Db_sanitize=thread -Db_lundef=false || build_failed
if [ -f tests/fuzz/meson.build ]; then
	CC=clang gfs_build build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false || build_failed
fi

gfs_test_users

# The tools the tests run as those users, where every user can reach them.
tools=$(gfs_test_tools build/tests/tools) || { echo "0 passed, 1 failed"; exit 1; }

# The unit tests that open a catalog (catalog, lifecycle, purge) run on
# PostgreSQL too (GFS_TEST_PG), each case in a database (or schema) of its own, on a
# private cluster of this run (scripts/pg.sh), removed at the end. One that
# does not start leaves GFS_TEST_PG naming nothing: those cases fail.
pgdir=$(mktemp -u /tmp/gfs-pg.XXXXXX)
GFS_TEST_PG=$(scripts/pg.sh start "$pgdir") || GFS_TEST_PG="host=$pgdir"
export GFS_TEST_PG
trap 'rm -rf "$results" "$tools"; [ -e "$pgdir" ] && scripts/pg.sh stop "$pgdir"' EXIT

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
export TSAN_OPTIONS="halt_on_error=1:exitcode=88:suppressions=$PWD/tests/tsan.supp"

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
	# the plan a producer prints must count what it ran
	local plan ran
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | tail -n 1)
	ran=$(grep -cE '^(not )?ok ' "$out")
	if [ -z "$plan" ] || [ "$plan" -ne "$ran" ]; then
		echo "not ok - $label: its plan (${plan:-none}) is not what it ran ($ran)" >>"$out"
		echo "   not ok - $label: its plan (${plan:-none}) is not what it ran ($ran)"
	fi
}

wanted() { case "$1" in *"$filter"*) return 0 ;; *) return 1 ;; esac; }

integration() { # label galleryfs-binary test-file
	local cat=$PWD/build/tools/gfs-cat
	[ -x "$PWD/$1/tools/gfs-cat" ] && cat=$PWD/$1/tools/gfs-cat
	run_tap "$1 integration $(basename "$3" .sh)" \
		env GFS_BIN="$2" GFS_TRY="$tools/gfs-try" GFS_TOOLS="$tools" \
		GFS_PLAIN_BIN="$PWD/build/fs/galleryfs" GFS_CAT="$cat" \
		GFS_SANITIZED=$(case $1 in build|build-317|build-pg) echo 0 ;; *) echo 1 ;; esac) bash "$3"
}

# the structure: dependencies one way (design, Layout)
wanted layers && run_tap "layers" scripts/layers.sh build

# the scripts' own tests (the benchmark's report rendered from its JSON)
for t in tests/scripts/test_*.sh; do
	wanted "$t" && run_tap "scripts $(basename "$t" .sh)" bash "$t"
done

for build in build build-asan; do
	for t in "$build"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] && wanted "$t" || continue
		run_tap "$build unit $(basename "$t")" \
			env GFS_TEST_DATA="$PWD/tests/data" "$t"
	done
	for t in tests/integration/t_*.sh; do
		wanted "$t" && integration "$build" "$PWD/$build/fs/galleryfs" "$t"
	done
done

# ThreadSanitizer: what runs many requests at once
for t in tests/integration/t_concurrency.sh tests/integration/t_crash.sh \
	tests/integration/t_softdelete.sh; do
	[ -f "$t" ] && wanted "$t" && integration build-tsan "$PWD/build-tsan/fs/galleryfs" "$t"
done

# valgrind: the daemon must free everything by the time it exits
cat >"$results/galleryfs-valgrind" <<EOT
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=89 \
	--log-fd=2 "$PWD/build/fs/galleryfs" "\$@"
EOT
chmod +x "$results/galleryfs-valgrind"
# Not t_cli (it counts the daemon's threads and times its daemonizing),
# t_crash and t_concurrency (their thousands of operations take too long
# under valgrind; TSan and ASan cover them) nor t_install (it installs the
# build the binary it is given belongs to).
for t in tests/integration/t_*.sh; do
	case $t in */t_cli.sh|*/t_crash.sh|*/t_concurrency.sh|*/t_install.sh) continue ;; esac
	wanted "$t" && integration valgrind "$results/galleryfs-valgrind" "$t"
done

# libfuse 3.17 (Debian 13's, built privately): the plain build's
# integration tests once more, but t_install (it installs what it tests).
# Fetching or building it failing is one failed check, not the end.
# The pass is only worth its name if the daemon really runs on 3.17: the
# first check is that the dynamic linker resolves libfuse3 from the prefix.
if ls tests/integration/t_*.sh | grep -q -- "$filter"; then
	if pc=$(scripts/fuse317.sh) &&
		PKG_CONFIG_PATH=$pc gfs_build build-317 >"$results/build-317.log" 2>&1; then
		run_tap "build-317 libfuse" bash -c 'echo 1..1
			lib=$(ldd "$1" | sed -n "s/^[[:space:]]*libfuse3\.so[^ ]* => \([^ ]*\) .*/\1/p")
			if [ -n "$lib" ] && [ "$(dirname "$(readlink -f "$lib")")" = "$(readlink -f "${2%/pkgconfig}")" ]; then
				echo "ok 1 - build-317 runs on libfuse 3.17 from $2"
			else
				echo "not ok 1 - build-317 does not load libfuse 3.17 from $2:"
				ldd "$1" | sed "s/^/# /"
			fi' _ "$PWD/build-317/fs/galleryfs" "$pc"
		for t in tests/integration/t_*.sh; do
			case $t in */t_install.sh) continue ;; esac
			wanted "$t" && integration build-317 "$PWD/build-317/fs/galleryfs" "$t"
		done
	else
		cat "$results/build-317.log" 2>/dev/null
		echo "not ok - build-317: libfuse 3.17 or galleryfs against it did not build" \
			>"$results/build-317_build.tap"
		echo "   not ok - build-317: libfuse 3.17 or galleryfs against it did not build"
	fi
fi

# PostgreSQL: every integration test again (but t_install: it installs
# what it tests), the catalog on the run's private cluster (GFS_TEST_PG,
# above); lib.sh makes a database per data directory there. A cluster that
# does not answer is one failed check, not the end.
if ls tests/integration/t_*.sh | grep -q -- "$filter"; then
	if psql -X -q -d "$GFS_TEST_PG" -c 'SELECT 1' >/dev/null 2>"$results/build-pg.log"; then
		for t in tests/integration/t_*.sh; do
			case $t in */t_install.sh) continue ;; esac
			wanted "$t" && GFS_BACKEND=postgresql GFS_PG_CONNINFO=$GFS_TEST_PG \
				integration build-pg "$PWD/build/fs/galleryfs" "$t"
		done
	else
		cat "$results/build-pg.log"
		echo "not ok - build-pg: the PostgreSQL cluster ($GFS_TEST_PG) does not answer" \
			>"$results/build-pg_cluster.tap"
		echo "   not ok - build-pg: the PostgreSQL cluster ($GFS_TEST_PG) does not answer"
	fi
fi

# libFuzzer: every target for a bounded time, regressions replayed first
if [ -x tests/fuzz/run.sh ] && wanted fuzz; then
	run_tap "build-fuzz fuzz" tests/fuzz/run.sh build-fuzz "$FUZZ_SECONDS"
fi

# the mutation check: deliberate defects, each of which a test must notice
if [ -x scripts/mutate.sh ] && wanted mutate; then
	run_tap "mutation check" scripts/mutate.sh
fi

# the figures the README's reliability section records
# distinct checks: every run but the repeats of the same files under the
# sanitizers and valgrind
distinct=$(find "$results" -name '*.tap' ! -name 'build-asan_*' ! -name 'build-tsan_*' \
	! -name 'valgrind_*' ! -name 'build-317_*' ! -name 'build-pg_*' \
	-exec cat {} + 2>/dev/null | grep -cE '^(not )?ok ')
runs=$(cat "$results"/*.tap 2>/dev/null | grep -cE '^(not )?ok ')
echo "# checks: $distinct distinct, $runs runs (the same files again under ASan+UBSan, TSan, valgrind, libfuse 3.17 and PostgreSQL)" \
	>"$results/zz-checks.figures"
figures=$(cat "$results"/*.tap "$results"/zz-checks.figures 2>/dev/null |
	grep -E '^# (checks|crash|concurrency|fuzz executions|hostile|mutation):' | sort | uniq)
[ -n "$figures" ] && { echo "== figures"; echo "$figures" | sed 's/^/   /'; }

passed=$(cat "$results"/*.tap 2>/dev/null | grep -E '^ok ' | grep -vc '# SKIP')
skipped=$(cat "$results"/*.tap 2>/dev/null | grep -E '^ok ' | grep -c '# SKIP')
failed=$(cat "$results"/*.tap 2>/dev/null | grep -cE '^not ok ')
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
