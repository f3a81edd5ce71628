#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS_PER_TARGET — run each libFuzzer target of
# tests/fuzz for a bounded time and print TAP: one line per target,
#   ok N - fuzz_names: 123456 runs in 10 s
#   not ok N - fuzz_paths: crash, reproducer build-fuzz/fuzz-artifacts/...
# (the first lines of the report follow as "#" diagnostics), then
# "# fuzz executions: TOTAL". Exit status 0 only when every target passed.
#
# BUILD_DIR is configured with CC=clang -Dfuzz=true
# -Db_sanitize=address,undefined -Db_lundef=false. Before fuzzing, every
# file of tests/fuzz/regressions/TARGET/ is replayed once (crashes found
# earlier, kept so they stay fixed). The seed corpus tests/fuzz/corpus/TARGET/
# is copied to a scratch directory first: the run never writes into the
# source tree. Crash reproducers are kept in BUILD_DIR/fuzz-artifacts/TARGET/.
set -uo pipefail

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
	echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
targets=(fuzz_names fuzz_props fuzz_config fuzz_paths)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/gfs-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT

# Sanitizer reports are crashes for libFuzzer: UBSan's too, whatever the
# caller set (of two settings of one option the later wins).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"

n=0 total=0 failed=0

# report LOG: the first lines of the failure report as TAP diagnostics.
report() {
	local log=$1
	local start
	start=$(grep -n -m1 -E 'invariant broken|ERROR: |runtime error|==[0-9]+==|deadly signal|Test unit written' \
		"$log" | cut -d: -f1)
	if [ -n "$start" ]; then
		tail -n +"$start" "$log" | grep -v '^ *$' |
			grep -vE 'in fuzzer::|__sanitizer_print_stack_trace|__libc_start|in _start |in main |libc\.so|pthread_kill|raise signal|abort stdlib|rudimentary signal|Combine libFuzzer' |
			head -n 20
	else
		tail -n 20 "$log"
	fi | sed 's/^/# /'
}

# keep_artifact LOG TARGET: copy the input libFuzzer saved out of the
# scratch directory; prints its new path, or nothing.
keep_artifact() {
	local log=$1 target=$2 unit
	unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	[ -n "$unit" ] && [ -f "$unit" ] || return 0
	mkdir -p "$build/fuzz-artifacts/$target"
	cp "$unit" "$build/fuzz-artifacts/$target/" &&
		echo "$build/fuzz-artifacts/$target/$(basename "$unit")"
}

for target in "${targets[@]}"; do
	n=$((n + 1))
	bin=$build/tests/fuzz/$target
	work=$scratch/$target
	mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $target: $bin not built (configure with CC=clang -Dfuzz=true)"
		failed=$((failed + 1))
		continue
	fi
	[ -d "$here/corpus/$target" ] && cp -R "$here/corpus/$target/." "$work/corpus/"

	# 1. the regressions, each input once
	regressions=()
	if [ -d "$here/regressions/$target" ]; then
		while IFS= read -r -d '' f; do
			regressions+=("$f")
		done < <(find "$here/regressions/$target" -type f -print0 | sort -z)
	fi
	if [ ${#regressions[@]} -gt 0 ]; then
		log=$work/regressions.log
		if ! TMPDIR=$work/tmp timeout -k 10 300 "$bin" -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" \
			"${regressions[@]}" >"$log" 2>&1; then
			failing=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
			echo "not ok $n - $target: regression input fails, reproducer ${failing:-(unknown)}"
			report "$log"
			failed=$((failed + 1))
			continue
		fi
		total=$((total + ${#regressions[@]}))
	fi

	# 2. fuzzing from the seed corpus, for the time given
	log=$work/fuzz.log
	start=$SECONDS
	TMPDIR=$work/tmp timeout -k 10 $((seconds + 120)) "$bin" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" >"$log" 2>&1
	status=$?
	elapsed=$((SECONDS - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	runs=${runs:-0}
	total=$((total + runs))
	if [ $status -eq 0 ] && [ "$runs" -gt 0 ]; then
		echo "ok $n - $target: $runs runs in $elapsed s"
	else
		kept=$(keep_artifact "$log" "$target")
		echo "not ok $n - $target: failed (status $status) after $runs runs, reproducer ${kept:-(none saved)}"
		report "$log"
		failed=$((failed + 1))
	fi
done

echo "1..$n"
echo "# fuzz executions: $total"
[ $failed -eq 0 ]
