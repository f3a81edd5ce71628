/*
 * test_killpriv.c — which of a file's set-user-ID and set-group-ID bits go
 * when the kernel leaves clearing them to us (design §9, HANDLE_KILLPRIV_V2):
 * the VFS's rule on write, truncate and chown, checked bit by bit. The
 * integration test t_files compares the same steps with a local file.
 */
#include <sys/stat.h>

#include "core.h"
#include "tap.h"

/* Each case: a mode, and the mode it keeps. */
struct kill_case {
	unsigned mode, kept;
};

static void expect_all(const struct kill_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_INT(mode_without_suidgid(S_IFREG | cases[i].mode),
			  S_IFREG | cases[i].kept);
}
#define EXPECT_ALL(cases) expect_all(cases, sizeof(cases) / sizeof(cases[0]))

static void test_setuid_always_goes(void)
{
	static const struct kill_case cases[] = {
		{ 04755, 0755 }, { 04644, 0644 }, { 04000, 0 },
	};
	EXPECT_ALL(cases);
}

static void test_setgid_goes_with_group_execute(void)
{
	static const struct kill_case cases[] = {
		{ 02755, 0755 }, { 06755, 0755 }, { 02010, 0010 },
	};
	EXPECT_ALL(cases);
}

/* without group execute set-group-ID means mandatory locking, not a
 * privilege: ext4 keeps it for a writer of the file's group */
static void test_setgid_stays_without_group_execute(void)
{
	static const struct kill_case cases[] = {
		{ 02745, 02745 }, { 06745, 02745 }, { 02600, 02600 },
	};
	EXPECT_ALL(cases);
}

static void test_other_bits_stay(void)
{
	static const struct kill_case cases[] = {
		{ 01777, 01777 }, { 0640, 0640 }, { 07777, 01777 },
	};
	EXPECT_ALL(cases);
}

int main(void)
{
	RUN(test_setuid_always_goes);
	RUN(test_setgid_goes_with_group_execute);
	RUN(test_setgid_stays_without_group_execute);
	RUN(test_other_bits_stay);
	return TAP_DONE();
}
