#!/usr/bin/env bash
# run.sh — run one integration test file the way scripts/test.sh runs it
# on the plain build, for `meson test --suite integration`
# (tests/integration/meson.build): as root, with the test users in place,
# and with the tools the tests run as those users copied where every user
# can reach them (a build under a 0700 home is closed to them). It only
# checks for the users: creating accounts is scripts/test.sh's business.
#
#   GFS_BIN=BUILD/fs/galleryfs GFS_TOOLS=BUILD/tests/tools GFS_CAT=... \
#       tests/integration/run.sh tests/integration/t_tree.sh
#
# The test's TAP goes to stdout; a missing condition is a "Bail out!".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/setup.sh"
test_file=${1:?usage: run.sh TEST_FILE}
: "${GFS_TOOLS:?GFS_TOOLS must name the built tests/tools directory}"

bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" -eq 0 ] ||
	bail "the integration tests mount FUSE and act as other users: run them as root"
if ! missing=$(gfs_test_users --check); then
	bail "missing test users and groups: $(echo "$missing" | paste -sd, -);" \
		"create them as root with: bash -c '. scripts/setup.sh && gfs_test_users'" \
		"(scripts/test.sh does so too)"
fi
tools=$(gfs_test_tools "$GFS_TOOLS" 2>&1) ||
	bail "the test tools could not be made reachable: $tools"
trap 'rm -rf "$tools"' EXIT

GFS_TOOLS=$tools GFS_TRY=$tools/gfs-try bash "$test_file"
