# tap.sh — TAP output for the shell tests: one numbered "ok" or "not ok"
# line a test, a failure's diagnostic indented under it as comments, and
# the counts (_n run, _failed) that the file's plan line and exit status
# come from. Sourced by tests/integration/lib.sh and tests/scripts/.

_n=0
_failed=0

_tap() { # status name [diagnostic]
	_n=$((_n + 1))
	if [ "$1" = ok ]; then
		echo "ok $_n - $2"
	else
		_failed=$((_failed + 1))
		echo "not ok $_n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}
