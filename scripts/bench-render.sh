#!/usr/bin/env bash
# bench-render.sh — print the Markdown report of one scripts/bench.sh run
# from the JSON it wrote, so that a saved run can be rendered again (and
# the .md next to it is never a second record that could disagree).
#
#   scripts/bench-render.sh results/bench-YYYYmmdd-HHMMSS.json
#
# It knows the report's layout, not its workloads. A run is a list of
# tables; a table names its columns (systems such as galleryfs or tmpfs,
# or catalog sizes) and holds workloads; a workload has a label, a unit,
# one figure per column (median, runs, failed), ratios (one column of the
# table per pair "of / to") and an optional target. A new peer, backend or
# workload is therefore more data, not more code here. Numbers are shown
# to about three significant digits; ratios to two decimals.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: scripts/bench-render.sh RESULTS.json" >&2
	exit 2
fi

read -r -d '' program <<'JQ'
# A number with D digits after the point, rounded half away from zero.
def fixed($d):
  if $d == 0 then round | tostring
  else (. * pow(10; $d) | round | tostring) as $s
    | (if ($s | length) <= $d then "0" * ($d + 1 - ($s | length)) + $s
       else $s end) as $p
    | $p[:-$d] + "." + $p[-$d:]
  end;

# About three significant digits, never an exponent.
def fmt:
  if . >= 100 then fixed(0) elif . >= 10 then fixed(1)
  elif . >= 1 then fixed(2) elif . == 0 then "0"
  elif . >= 0.01 then fixed(3) else fixed(4) end;

# The items of an array, each once, in the order they first appear.
def distinct: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);

def row: "| " + join(" | ") + " |";

def figure:
  if . == null then "-" elif .failed then "fail"
  elif .median == null then "-" else .median | fmt end;

def table:
  . as $t
  | ($t.columns | map({(.key): .label}) | add) as $labels
  | ([$t.workloads[] | (.ratios // [])[] | {of, to}] | distinct) as $pairs
  | any($t.workloads[]; .target != null) as $targets
  | (if $t.title then $t.title, "" else empty end),
    ([$t.row_heading // "workload", "unit"] + [$t.columns[].label]
     + [$pairs[] | "\($labels[.of] // .of) / \($labels[.to] // .to)"]
     + (if $targets then ["target"] else [] end) | row),
    (["---", "---"] + [$t.columns[] | "---:"] + [$pairs[] | "---:"]
     + (if $targets then ["---"] else [] end) | row),
    ($t.workloads[] | . as $w
     | [$w.label, $w.unit] + [$t.columns[] | $w.values[.key] | figure]
       + [$pairs[] as $p | [($w.ratios // [])[] | select(.of == $p.of and .to == $p.to)][0]
          | if . == null or .value == null then "-"
            else (.value | fixed(2))
              + (if $w.better then " (\($w.better) is better)" else "" end) end]
       + (if $targets then [$w.target // ""] else [] end)
     | row),
    "";

"# galleryfs benchmark (\(.mode))",
"",
"- date: \(.date); galleryfs \(.galleryfs.commit) (\(.galleryfs.work_tree_changes) files changed in the work tree)",
(if (.galleryfs.options // "") != "" then "- galleryfs options: \(.galleryfs.options)" else empty end),
"- machine: \(.machine.nproc) CPUs, \(.machine.cpu); \(.machine.memory); kernel \(.machine.kernel)",
"- \(.libfuse); passthrough_ll -o \(.passthrough_ll_options) (compiled -O2)",
(if (.galleryfs_317_io // "") != "" then "- galleryfs 3.17 at its start: \(.galleryfs_317_io); passthrough_hp with its defaults (kernel passthrough, 1-day timeouts)" else empty end),
"- backing: \(.backing)",
"- medians of \(.runs) runs, alternating filesystems (rotating order)",
"- entries walked by find: \(.walk_entries | to_entries | map("\(.key) \(.value // "?")") | join(", "))",
(if .drop_caches then "- page cache dropped (drop_caches=3) before each sequential write and read"
 else "- drop_caches not permitted: sequential reads may come from the page cache" end),
"",
(.tables[] | table),
(if (.anomalies | length) == 0 then "Anomalies: none."
 else "Anomalies:", "", (.anomalies[] | "- \(.)") end)
JQ

exec jq -r "$program" "$1"
