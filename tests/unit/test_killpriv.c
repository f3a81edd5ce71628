/*
 * test_killpriv.c — which of a file's set-user-ID and set-group-ID bits go
 * when the kernel leaves clearing them to us (design §9, HANDLE_KILLPRIV_V2):
 * the VFS's rule on write, truncate and chown, checked bit by bit. The
 * integration test t_files compares the same steps with a local file.
 */
#include <sys/stat.h>

#include "core.h"
#include "tap.h"

static void test_setuid_always_goes(void)
{
	CHECK_INT(mode_without_suidgid(S_IFREG | 04755), S_IFREG | 0755);
	CHECK_INT(mode_without_suidgid(S_IFREG | 04644), S_IFREG | 0644);
	CHECK_INT(mode_without_suidgid(S_IFREG | 04000), S_IFREG | 0);
}

static void test_setgid_goes_with_group_execute(void)
{
	CHECK_INT(mode_without_suidgid(S_IFREG | 02755), S_IFREG | 0755);
	CHECK_INT(mode_without_suidgid(S_IFREG | 06755), S_IFREG | 0755);
	CHECK_INT(mode_without_suidgid(S_IFREG | 02010), S_IFREG | 0010);
}

/* without group execute set-group-ID means mandatory locking, not a
 * privilege: ext4 keeps it for a writer of the file's group */
static void test_setgid_stays_without_group_execute(void)
{
	CHECK_INT(mode_without_suidgid(S_IFREG | 02745), S_IFREG | 02745);
	CHECK_INT(mode_without_suidgid(S_IFREG | 06745), S_IFREG | 02745);
	CHECK_INT(mode_without_suidgid(S_IFREG | 02600), S_IFREG | 02600);
}

static void test_other_bits_stay(void)
{
	CHECK_INT(mode_without_suidgid(S_IFREG | 01777), S_IFREG | 01777);
	CHECK_INT(mode_without_suidgid(S_IFREG | 0640), S_IFREG | 0640);
	CHECK_INT(mode_without_suidgid(S_IFREG | 07777), S_IFREG | 01777);
}

int main(void)
{
	RUN(test_setuid_always_goes);
	RUN(test_setgid_goes_with_group_execute);
	RUN(test_setgid_stays_without_group_execute);
	RUN(test_other_bits_stay);
	return TAP_DONE();
}
