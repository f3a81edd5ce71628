#!/usr/bin/env bash
# test_bench_render.sh — scripts/bench-render.sh turns a saved benchmark
# run (JSON) into the Markdown report: the checked-in sample renders to the
# checked-in expected text, every workload of the JSON becomes one row, and
# bad input fails loudly instead of printing a partial report. TAP output.
#
# The sample (tests/data/bench-sample.json) holds what a plain run does not:
# a second galleryfs column with its own ratio, a column a workload lacks,
# a failed figure, a ratio with no value, and numbers at each boundary of
# the three-digit formatting; and the table scripts/bench.sh writes for
# the catalog on PostgreSQL: PostgreSQL over SQLite for times and rates,
# and a propagation row that only the PostgreSQL column has.
set -uo pipefail
cd "$(dirname "$0")/../.."
render=scripts/bench-render.sh
sample=tests/data/bench-sample.json
expected=tests/data/bench-sample.md
work=$(mktemp -d /tmp/gfs-render.XXXXXX)
trap 'rm -rf "$work"' EXIT
. tests/tap.sh

# The sample renders, silently, to exactly the expected text.
st=0
"$render" "$sample" >"$work/out.md" 2>"$work/err" || st=$?
if [ $st -eq 0 ] && [ ! -s "$work/err" ]; then _tap ok "the sample renders"
else _tap fail "the sample renders" "status $st: $(cat "$work/err")"; fi
if diff -u "$expected" "$work/out.md" >"$work/diff"; then
	_tap ok "... to the expected Markdown"
else
	_tap fail "... to the expected Markdown" "$(head -n 40 "$work/diff")"
fi

# One row per workload, in the JSON's order, each starting with its label
# and unit: a renderer that dropped or reordered rows fails here even if
# the expected file were regenerated carelessly.
want=$(jq -r '.tables[].workloads[] | "| \(.label) | \(.unit) |"' "$sample")
got=$(grep -F -f <(jq -r '.tables[].workloads[] | "| \(.label) | \(.unit) |"' "$sample") \
	"$work/out.md" | sed 's/^\(| [^|]* | [^|]* |\).*/\1/')
if [ "$got" = "$want" ]; then _tap ok "every workload of the JSON is one row, in order"
else _tap fail "every workload of the JSON is one row, in order" "want:
$want
got:
$got"; fi

# As many tables as the JSON has, each with every row (header and
# alignment row included) of one width.
blocks=$(awk -F'|' '/^\|/ { if (!in_table) { tables++; width = NF }
		else if (NF != width) bad++; in_table = 1; next }
	{ in_table = 0 } END { print tables + 0, bad + 0 }' "$work/out.md")
want="$(jq '.tables | length' "$sample") 0"
if [ "$blocks" = "$want" ]; then _tap ok "every table, each row as wide as its header"
else _tap fail "every table, each row as wide as its header" \
	"tables and uneven rows: $blocks, wanted $want"; fi

# The PostgreSQL table: its ratio column named by the two labels, the
# ratio of a time and of a rate each with its sense, and the propagation
# row (PostgreSQL only) with a dash for SQLite and for the ratio, its
# target kept.
pg_table=$(awk '/^on PostgreSQL against SQLite:/ { on = 1; next } on && /^\|/ { print }
	on && /^$/ && seen++ { exit }' "$work/out.md")
want='| workload | unit | SQLite | PostgreSQL | PostgreSQL / SQLite | target |
| --- | --- | ---: | ---: | ---: | --- |
| build 1×2×3 | s | 0.500 | 5.63 | 11.25 (lower is better) |  |
| soft delete | versions/s | 534 | 74.3 | 0.14 (higher is better) |  |
| propagation: 99th percentile | ms | - | 40.0 | - | < 100 ms |'
if [ "$pg_table" = "$want" ]; then _tap ok "the PostgreSQL table: ratios over SQLite, a PostgreSQL-only row"
else _tap fail "the PostgreSQL table: ratios over SQLite, a PostgreSQL-only row" "got:
$pg_table"; fi

# Bad input: no report, a non-zero status.
st=0
"$render" >/dev/null 2>&1 || st=$?
if [ $st -eq 2 ]; then _tap ok "no argument: usage, status 2"
else _tap fail "no argument: usage, status 2" "status $st"; fi
echo '{"mode": "quick", "tables": [' >"$work/broken.json"
st=0
"$render" "$work/broken.json" >"$work/broken.md" 2>/dev/null || st=$?
if [ $st -ne 0 ]; then _tap ok "malformed JSON: a non-zero status"
else _tap fail "malformed JSON: a non-zero status" "status 0, printed: $(head -n 3 "$work/broken.md")"; fi
st=0
"$render" "$work/missing.json" >/dev/null 2>&1 || st=$?
if [ $st -ne 0 ]; then _tap ok "a missing file: a non-zero status"
else _tap fail "a missing file: a non-zero status" "status 0"; fi

echo "1..$_n"
[ "$_failed" -eq 0 ]
