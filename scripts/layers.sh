#!/usr/bin/env bash
# layers.sh BUILD_DIR — the project's structure, checked: dependencies run
# one way (design, Layout). Prints TAP:
#   - no call cycle between source files: from the objects of one build,
#     file A depends on file B when A calls or uses a symbol B defines
#     (nm); no two files may reach each other;
#   - no include cycle between the headers and sources of the project;
#   - the layers: core/ includes no FUSE header and no config/ header, fs/
#     no SQLite, config/ depends on core only one way, and only the
#     catalog's SQLite backend calls SQLite, and only its PostgreSQL
#     backend libpq.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=0 failed=0
tap() { # ok|fail name [diagnostic]
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"
	else failed=$((failed + 1)); echo "not ok $n - $2"; [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'; fi
}

# reach EDGES: the pairs "A B" of distinct files that reach each other,
# from lines "A B" (A depends on B); a transitive closure, small enough
cycles() {
	awk '
	{ if ($1 != $2) { e[$1, $2] = 1; f[$1] = 1; f[$2] = 1 } }
	END {
		for (k in f) for (i in f) if ((i, k) in e) for (j in f) if ((k, j) in e) e[i, j] = 1
		for (i in f) for (j in f) if (i < j && (i, j) in e && (j, i) in e) print i " <-> " j
	}' | sort
}

# --- calls: objects of core/, config/ and fs/ -------------------------------
objs=$(find "$build/core" "$build/config" "$build/fs" "$build/tools" -name '*.c.o' 2>/dev/null | sort)
if [ -z "$objs" ]; then
	tap fail "the objects of $build are there" "build $build first"
	echo "1..$n"; exit 1
fi
src_of() { # object path -> source path (core/view.c)
	local o=${1#"$build"/}
	o=${o/libgfscore.a.p\//}; o=${o/libgfsconfig.a.p\//}; o=${o/galleryfs.p\//}
	o=${o/gfs-cat.p\//}; o=${o/\/ops_/\/ops\/}
	echo "${o%.o}"
}
defs=$(for o in $objs; do nm --defined-only -g "$o" | awk -v s="$(src_of "$o")" '{print $3, s}'; done | sort -u)
uses=$(for o in $objs; do nm -u "$o" | awk -v s="$(src_of "$o")" '{print $2, s}'; done | sort -u)
edges=$(join <(echo "$uses") <(echo "$defs") | awk '{print $2, $3}' | sort -u)
found=$(echo "$edges" | cycles)
if [ -z "$found" ]; then tap ok "no call cycle between the source files ($(echo "$edges" | wc -l) dependencies)"
else tap fail "no call cycle between the source files" "$found"; fi
# the dependencies of config/ and fs/ on core/ run that way only
back=$(echo "$edges" | awk '$1 ~ /^core\// && $2 !~ /^core\//')
if [ -z "$back" ]; then tap ok "core/ uses nothing of config/, fs/ or tools/"
else tap fail "core/ uses nothing of config/, fs/ or tools/" "$back"; fi

# core's services stand under its operations, never on them
up=$(echo "$edges" | awk '$1 ~ /^core\/[^\/]+$/ && $2 ~ /^core\/ops\//')
if [ -z "$up" ]; then tap ok "core's services (core/*.c) use nothing of its operations (core/ops/)"
else tap fail "core's services (core/*.c) use nothing of its operations (core/ops/)" "$up"; fi

# --- includes ---------------------------------------------------------------
incl=$(for f in $(git ls-files 'core/*.[ch]' 'core/**/*.[ch]' 'config/*.[ch]' 'fs/*.[ch]' 'fs/**/*.[ch]' 'tools/*.[ch]'); do
	d=$(dirname "$f")
	sed -n 's/^#include "\(.*\)"$/\1/p' "$f" | while read -r h; do
		for c in "$d/$h" "core/$h" "config/$h" "fs/$h"; do
			[ -f "$c" ] && { echo "$f $(realpath --relative-to=. "$c")"; break; }
		done
	done
done | sort -u)
found=$(echo "$incl" | cycles)
if [ -z "$found" ]; then tap ok "no include cycle ($(echo "$incl" | wc -l) includes)"
else tap fail "no include cycle" "$found"; fi

# --- the layers ---------------------------------------------------------------
bad=$(git grep -lE '#include[[:space:]]*[<"](fuse|config\.h)' -- 'core/' || true)
if [ -z "$bad" ]; then tap ok "core/ includes no FUSE or config/ header"; else tap fail "core/ includes no FUSE or config/ header" "$bad"; fi
bad=$(git grep -lE 'sqlite3|#include[[:space:]]*<sqlite' -- 'fs/' 'config/' 'tools/' || true)
if [ -z "$bad" ]; then tap ok "fs/, config/ and tools/ know nothing of SQLite"; else tap fail "fs/, config/ and tools/ know nothing of SQLite" "$bad"; fi
bad=$(git grep -lE 'sqlite3_' -- 'core/' | grep -v '^core/catalog_sqlite\.c$' || true)
if [ -z "$bad" ]; then tap ok "only core/catalog_sqlite.c calls SQLite"; else tap fail "only core/catalog_sqlite.c calls SQLite" "$bad"; fi
bad=$(git grep -lE 'libpq-fe\.h|\bPQ[a-zA-Z]+\(' -- 'core/' 'fs/' 'config/' 'tools/' | grep -v '^core/catalog_pg\.c$' || true)
if [ -z "$bad" ]; then tap ok "only core/catalog_pg.c calls libpq"; else tap fail "only core/catalog_pg.c calls libpq" "$bad"; fi

echo "1..$n"
[ $failed -eq 0 ]
