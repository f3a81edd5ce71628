#!/usr/bin/env bash
# mutate.sh — does the suite notice a broken galleryfs? Each mutant below is
# one small deliberate defect (a rule that never refuses, a leak, a lost
# fsync, a storm worker that does nothing, ...). In a scratch copy of the
# tree, built once, every mutant is applied alone, the copy rebuilt, and the
# tests that should notice it run; the mutant is killed when one of them
# fails. The script first runs each of those tests on the unmutated copy:
# a test that fails there proves nothing. It prints TAP (one line per
# baseline test and per mutant) and exits 1 unless every mutant is killed.
#
#   scripts/mutate.sh [FILTER]     only the mutants whose name has FILTER
#
# Run by scripts/test.sh after the suite (it needs the test users that
# test.sh creates); as root, like the suite.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
filter=${1:-}
gfs_test_users

# mutant NAME FILE PERL-SUBSTITUTION TESTS: the defect, where it goes (as
# perl -0pi -e applies it), and the tests that must notice: unit:NAME (a
# tests/unit binary), it:NAME (an integration test on the plain build),
# vg:NAME (the same with the daemon under valgrind), crash:NAME (t_crash,
# 4 rounds).
names=() files=() substs=() testss=()
mutant() { names+=("$1"); files+=("$2"); substs+=("$3"); testss+=("$4"); }

mutant "R8 never refuses" core/policy.c \
	's/if \(!victim \|\| !failed_and_on\(victim\)\)/if (!victim || failed_and_on(victim) || 1)/' \
	"unit:test_policy it:t_policy"
mutant "R6 misses a version in another region" core/facts.c \
	's/(const char \*here = version_loc\(s, v\);\n)/${1}\treturn false;\n/' "it:t_policy"
mutant "R7 misses a version used by a VMSS Flex" core/facts.c \
	's/\treturn v->vmss_flex;/\treturn false;/' "it:t_policy"
mutant "R15 lets attribute and mode changes into .softdeleted" core/policy.c \
	's/(\tif \()!gfs_place_softdeleted\(r->at.place\)(\)\n\t\treturn 0;\n\treturn refuse\(err, EPERM, r->at.path, ".softdeleted is read-only: no ")/${1}1${2}/' \
	"it:t_security"
mutant "removals are never soft" core/policy.c \
	's/(bool gfs_policy_removal_is_soft\(const struct gfs_where \*w\)\n\{\n\treturn )/${1}false \&\& /' \
	"it:t_softdelete"
mutant "R14 answers EINVAL again" core/policy.c \
	's/return refuse\(err, EPERM, r->at.path, "a soft-deleted item can only "/return refuse(err, EINVAL, r->at.path, "a soft-deleted item can only "/' \
	"it:t_softdelete"
mutant ".softdeleted is listed again" core/ops/namespace.c \
	's/(\tint64_t after = off > OFF_BASE)/\tif (v.place == GFS_AT_GALLERY && off < OFF_BASE) {\n\t\tstruct view sd = { .place = GFS_AT_SD_ROOT, .n = v.n };\n\t\tif (emit(&l, ".softdeleted", OFF_BASE, &sd, 0, false))\n\t\t\tgoto out;\n\t}\n$1/' \
	"it:t_recursive"
mutant "a leak in the daemon" core/ops/startup.c \
	's/(static int warn_lost_prerequisite\(void \*arg, const struct gfs_node \*g, int64_t hint\)\n\{\n)/${1}\tvolatile char *leak = malloc(4096);\n\tif (leak)\n\t\tleak[0] = 1;\n/' \
	"vg:t_policy"
mutant "a restore that drops an attribute" core/lifecycle.c \
	's/(\t\tr = cat_files_restore\(op->t, v->id, op->now_ns\);\n)/${1}\tif (r == 0)\n\t\tr = cat_text_set(op->t, v->id, CAT_REPLICAS, "");\n/' \
	"it:t_policy"
mutant "the .softdeleted mirrors never change their mtime" core/op.c \
	's/\tint r = cat_mirror_touch\(op->t, id, op->now_ns\);/\tint r = 0;/' "it:t_cache"
mutant "a purge that ignores files" core/ops/purge.c \
	's/\t\t\t\t\tfile_delete_for_good\(&op, n\);/\t\t\t\t\t0;/' "unit:test_purge it:t_retention"
mutant "a wrong st_blocks" core/view.c \
	's/out->blocks = n\.blocks;/out->blocks = n.blocks * 3 + 8;/' "it:t_tools"
mutant "a wrong st_size" core/view.c \
	's/out->size = n\.size;/out->size = n.size + 7;/' "it:t_tools"
mutant "a lost fsync" core/ops/handles.c \
	's/if \(\(datasync \? fdatasync\(h->f->fd\) : fsync\(h->f->fd\)\) < 0\)/if (0)/' "it:t_files"
mutant "refusals go unlogged" fs/reply.c \
	's/\t\tgfs_log\(err->rule \? GFS_LOG_INFO : GFS_LOG_ERROR, "%s", line\);/\t\t(void)line;/' "it:t_policy"
mutant "a second daemon stacks on a mount" fs/main.c \
	's/if \(galleryfs_mounted_on\(mp, src, sizeof\(src\)\)\)/if (0 \&\& galleryfs_mounted_on(mp, src, sizeof(src)))/' "it:t_cli"
mutant "no log file without syslog" fs/main.c \
	's/\tif \(gfs_log_syslog_available\(\)\)\n\t\treturn GFS_LOG_SYSLOG;/\treturn GFS_LOG_SYSLOG;/' "it:t_cli"
mutant "list blanks are refused again" core/lists.c \
	's/\t\tif \(from > 0\)\n/\t\tif (0)\n/' "unit:test_props it:t_xattr"
mutant "a storm worker that does nothing" tests/tools/storm/workers.c \
	's/(\n\twhile \(!w\.maxops \|\| w\.acked < w\.maxops\) \{\n)/${1}\t\treturn 0;\n/' "crash:t_crash"
mutant "a storm checker that never compares" tests/tools/storm/checker.c \
	's/\n\tcompare\(&c, &doubtful\);\n/\n\tif (0) compare(&c, &doubtful);\n/' "crash:t_crash"

n=0 failed=0
tap() { # ok|fail name [diagnostic]
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"
	else failed=$((failed + 1)); echo "not ok $n - $2"; [ -n "${3:-}" ] && printf '%s\n' "$3" | tail -n 15 | sed 's/^/#   /'; fi
}

# the scratch copy: the tree as it is (tracked and new files), no builds
W=$(mktemp -d /tmp/gfs-mutate.XXXXXX)
chmod 755 "$W"
tools=$(mktemp -d /tmp/gfs-mutate-tools.XXXXXX)
chmod 755 "$tools"
trap 'rm -rf "$W" "$tools"' EXIT
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$W" 2>/dev/null
cd "$W"
echo "# mutate: scratch copy in $W"
if ! gfs_build build -Dbuildtype=debugoptimized; then
	tap fail "the scratch copy builds"
	echo "1..$n"; exit 1
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
cat >"$tools/galleryfs-valgrind" <<EOT
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=89 \\
	--log-fd=2 "$W/build/fs/galleryfs" "\$@"
EOT
chmod 755 "$tools/galleryfs-valgrind"

# run_test SPEC: run one test of the copy as it is built now; status 0 when
# it passes, its output in $W/out
run_test() {
	local kind=${1%%:*} name=${1#*:} bin=$W/build/fs/galleryfs rounds=
	cp build/tests/tools/gfs-try build/tests/tools/gfs-mix build/tests/tools/gfs-storm "$tools/"
	chmod 755 "$tools"/gfs-*
	case $kind in
	unit) GFS_TEST_DATA="$W/tests/data" timeout 300 "build/tests/$name" >"$W/out" 2>&1
		local st=$?
		[ $st -eq 0 ] && ! grep -q '^not ok' "$W/out"
		return ;;
	vg) bin=$tools/galleryfs-valgrind ;;
	crash) rounds=4 ;;
	esac
	env GFS_BIN="$bin" GFS_TRY="$tools/gfs-try" GFS_TOOLS="$tools" \
		GFS_PLAIN_BIN="$W/build/fs/galleryfs" GFS_CAT="$W/build/tools/gfs-cat" \
		GFS_SANITIZED="$([ "$kind" = vg ] && echo 1 || echo 0)" \
		${rounds:+GFS_CRASH_ROUNDS=$rounds} \
		timeout 600 bash "tests/integration/$name.sh" >"$W/out" 2>&1
}

wanted_mutant() { case $1 in *"$filter"*) return 0 ;; *) return 1 ;; esac; }

# the tests the mutants use pass on the unmutated copy
declare -A baseline
for i in "${!names[@]}"; do
	wanted_mutant "${names[$i]}" || continue
	for t in ${testss[$i]}; do baseline[$t]=1; done
done
for t in $(printf '%s\n' "${!baseline[@]}" | sort); do
	start=$SECONDS
	if run_test "$t"; then tap ok "baseline: $t passes unmutated ($((SECONDS - start)) s)"
	else tap fail "baseline: $t passes unmutated" "$({ grep -E '^not ok|^#' "$W/out" || tail -n 20 "$W/out"; } | head -n 20)"; fi
done

killed=0 mutants=0
for i in "${!names[@]}"; do
	name=${names[$i]} file=${files[$i]} tests=${testss[$i]}
	wanted_mutant "$name" || continue
	mutants=$((mutants + 1))
	subst=${substs[$i]}
	cp "$file" "$W/pristine"
	if ! perl -0pi -e "$subst" "$file" || cmp -s "$file" "$W/pristine"; then
		tap fail "mutant '$name' applies to $file" "the substitution no longer matches: $subst"
		cp "$W/pristine" "$file"
		continue
	fi
	if ! gfs_build build 2>"$W/build.err"; then
		tap fail "mutant '$name' builds" "$(cat "$W/build.err")"
		cp "$W/pristine" "$file"
		continue
	fi
	by=
	start=$SECONDS
	for t in $tests; do
		run_test "$t" || { by=$t; break; }
	done
	if [ -n "$by" ]; then
		killed=$((killed + 1))
		tap ok "mutant '$name' is killed by $by ($((SECONDS - start)) s): $(grep -m1 '^not ok' "$W/out" | cut -c1-100)"
	else
		tap fail "mutant '$name' is killed" "it survived $tests"
	fi
	cp "$W/pristine" "$file"
done
gfs_build build >/dev/null 2>&1
echo "# mutation: $killed of $mutants mutants killed"
echo "1..$n"
[ $failed -eq 0 ]
