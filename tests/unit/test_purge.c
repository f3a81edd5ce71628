/*
 * test_purge.c — retention (design §3): soft-deleted items are purged for good
 * 7 days after their deletion, are never shown past their purgeAt even
 * before the purge runs, and read deletedAt/purgeAt as UTC timestamps.
 *
 * Time is moved as design §3 says, with libfaketime: started without it, the
 * binary runs itself again with libfaketimeMT (GFS_FAKETIME_LIB, found by
 * tests/meson.build) preloaded, reading its offset from a scratch file named
 * in FAKETIME_TIMESTAMP_FILE and GFS_FAKETIME_FILE; the tests write offsets
 * such as "+8d" into it (libfaketime's relative form). Every test runs on
 * SQLite, then with the catalog on PostgreSQL when GFS_TEST_PG names a
 * server (coretest.h); the server's clock does not move.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "coretest.h"
#include "galleryfs.h"
#include "tap.h"

#define DAY 86400LL

static const char *faketime_file;

/* Move the clock: offset is a libfaketime relative offset, "+8d". */
static bool set_clock(const char *offset)
{
	FILE *f;

	/* a clock that cannot be moved fails the test that asked */
	if (!faketime_file || !(f = fopen(faketime_file, "w"))) {
		printf("# cannot write the faketime file %s\n",
		       faketime_file ? faketime_file : "(GFS_FAKETIME_FILE unset)");
		CHECK(!"the clock file can be written");
		return false;
	}
	fprintf(f, "%s\n", offset);
	bool ok = fclose(f) == 0;
	CHECK(ok);
	return ok;
}

/* Every test starts at day 0 on a core of its own, and puts both back. */
static bool start(void)
{
	return set_clock("+0") && open_core("purge");
}

static void stop(void)
{
	close_core();
	set_clock("+0");
}

static int64_t purge(void)
{
	int64_t n = -1;
	if (gfs_purge_expired(core, &n, NULL, NULL, &err) < 0) {
		printf("# purge: %s\n", err.reason);
		return -1;
	}
	return n;
}

/* Seconds since the epoch of a strict "YYYY-MM-DDTHH:MM:SSZ", or -1. */
static int64_t parse_utc(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;

	if (strlen(s) != strlen(form))
		return -1;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm);
}

/* ------------------------------------------------------------------ */

/* Unless the clock moves, nothing below means anything. */
static void test_clock_moves(void)
{
	CHECK(faketime_file != NULL);
	CHECK(set_clock("+0"));
	time_t t0 = time(NULL);
	CHECK(set_clock("+8d"));
	time_t t1 = time(NULL);
	CHECK(set_clock("+0"));
	time_t t2 = time(NULL);
	if (t1 - t0 < 8 * DAY - 60)
		printf("# the clock did not move: is libfaketime preloaded?\n");
	CHECK(t1 - t0 >= 8 * DAY - 60);
	CHECK(t1 - t0 <= 8 * DAY + 60);
	CHECK(t2 - t0 < 60);
}

/* g/d/1.0.0 (files a, b) soft-deleted whole; c soft-deleted alone from the
 * live g/d/2.0.0, which keeps x. */
static bool soft_deleted_tree(void)
{
	return mkdir_p("g") == 0 && mkdir_p("g/d") == 0 &&
	       mkdir_p("g/d/1.0.0") == 0 && mkdir_p("g/d/2.0.0") == 0 &&
	       put("g/d/1.0.0/a", "alpha") && put("g/d/1.0.0/b", "bravo") &&
	       put("g/d/2.0.0/c", "charlie") && put("g/d/2.0.0/x", "xray") &&
	       setx("g", "user.acg.softDelete", "true") == 0 &&
	       unlink_p("g/d/1.0.0/a") == 0 && unlink_p("g/d/1.0.0/b") == 0 &&
	       rmdir_p("g/d/1.0.0") == 0 && unlink_p("g/d/2.0.0/c") == 0;
}

static void test_times_read_as_utc(void)
{
	if (!start())
		return;
	time_t before = time(NULL);
	CHECK(soft_deleted_tree());
	time_t after = time(NULL);

	static const char *const nodes[] = {
		"g/.softdeleted/d/1.0.0", "g/.softdeleted/d/1.0.0/a",
		"g/.softdeleted/d/2.0.0/c",
	};
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		const char *d = getx(nodes[i], "user.acg.deletedAt");
		const char *p = getx(nodes[i], "user.acg.purgeAt");
		int64_t ds = parse_utc(d), ps = parse_utc(p);
		if (ds < 0 || ps < 0)
			printf("# %s: deletedAt \"%s\", purgeAt \"%s\"\n", nodes[i], d, p);
		CHECK(ds >= before && ds <= after);
		CHECK_INT(ps - ds, 7 * DAY);
	}
	/* the exact bytes: no NUL, no newline */
	uint64_t v = node("g/.softdeleted/d/1.0.0");
	char buf[64];
	CHECK_INT(gfs_getxattr(core, v, "user.acg.purgeAt", NULL, 0, &err), 20);
	CHECK_INT(gfs_getxattr(core, v, "user.acg.purgeAt", buf, 19, &err), -ERANGE);
	CHECK_INT(gfs_getxattr(core, v, "user.acg.deletedAt", buf, sizeof(buf), &err),
		  20);
	/* read-only, and absent on live nodes */
	CHECK_INT(setx("g/.softdeleted/d/1.0.0", "user.acg.purgeAt",
		       "2099-01-01T00:00:00Z"), -EPERM);
	CHECK_STR(getx("g/d/2.0.0", "user.acg.purgeAt"), errno_str(ENODATA));
	CHECK_STR(getx("g/d/2.0.0/x", "user.acg.deletedAt"), errno_str(ENODATA));
	CHECK_INT(gfs_getxattr(core, v, "user.acg.retentionDays", buf, sizeof(buf),
			       &err), -ENODATA);
	CHECK_STR(getx("g", "user.acg.retentionDays"), "7");
	stop();
}

static void test_purge_after_seven_days(void)
{
	struct gfs_attr a;

	if (!start())
		return;
	CHECK(soft_deleted_tree());
	uint64_t v = node("g/.softdeleted/d/1.0.0");
	uint64_t fa = ino("g/.softdeleted/d/1.0.0/a");
	uint64_t fc = ino("g/.softdeleted/d/2.0.0/c");
	CHECK(v && fa && fc);
	CHECK_INT(count_objects(), 4);
	CHECK_INT(purge(), 0);

	/* six days on: nothing is due */
	CHECK(set_clock("+6d"));
	CHECK_INT(purge(), 0);
	CHECK_STR(ls("g/.softdeleted"), "d");
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0,2.0.0");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "a,b");
	CHECK_STR(ls("g/.softdeleted/d/2.0.0"), "c");
	CHECK_INT(look("g/.softdeleted/d", &a), 0);
	CHECK_INT(a.nlink, 4);
	CHECK_STR(content_of(fa), "alpha");
	CHECK_STR(content_of(fc), "charlie");
	CHECK_INT(count_objects(), 4);

	/* eight days on, before any purge: past purgeAt is never shown */
	CHECK(set_clock("+8d"));
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), 0);
	CHECK_INT(ino("g/.softdeleted/d/2.0.0/c"), 0);
	CHECK_INT(gfs_getattr(core, v, &a, &err), -ENOENT);
	CHECK_INT(gfs_getattr(core, file_node(fa), &a, &err), -ENOENT);
	CHECK_INT(gfs_getattr(core, file_node(fc), &a, &err), -ENOENT);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/.softdeleted/d"), "");
	CHECK_STR(ls("g/.softdeleted/d/2.0.0"), "");
	CHECK_INT(look("g/.softdeleted", &a), 0);
	CHECK_INT(a.nlink, 2);
	/* the count kept from two days ago is not */
	CHECK_INT(look("g/.softdeleted/d", &a), 0);
	CHECK_INT(a.nlink, 2);
	/* nothing is held any more (R3 and R15 see no items) */
	CHECK_INT(rmdir_p("g/.softdeleted/d/2.0.0"), 0);
	CHECK_INT(rmdir_p("g/.softdeleted/d"), 0);

	/* the purge: one soft-deleted version (with its files) and one file */
	CHECK_INT(purge(), 2);
	CHECK_INT(count_objects(), 1);
	CHECK_INT(gfs_getattr(core, v, &a, &err), -ENOENT);
	CHECK_INT(gfs_getattr(core, file_node(fa), &a, &err), -ENOENT);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/d"), "2.0.0");
	CHECK_STR(ls("g/d/2.0.0"), "x");
	CHECK_STR(content_of(ino("g/d/2.0.0/x")), "xray");
	CHECK_INT(purge(), 0);
	/* the version's name is free again */
	CHECK_INT(mkdir_p("g/d/1.0.0"), 0);
	/* and the definition, holding nothing, can go once emptied */
	CHECK_INT(unlink_p("g/d/2.0.0/x"), 0);      /* soft: on */
	CHECK_INT(rmdir_p("g/d/2.0.0"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d"), -ENOTEMPTY);      /* R3: just soft-deleted */
	stop();
}

/* The version is the unit of retention: a file soft-deleted before its
 * version takes the version's later deletedAt and purgeAt. */
static void test_version_is_unit_of_retention(void)
{
	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0 && mkdir_p("g/d/1.0.0") == 0);
	CHECK(put("g/d/1.0.0/early", "e") && put("g/d/1.0.0/late", "l"));
	CHECK_INT(setx("g", "user.acg.softDelete", "true"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/early"), 0);
	int64_t early_at = parse_utc(getx("g/.softdeleted/d/1.0.0/early",
					  "user.acg.deletedAt"));

	CHECK(set_clock("+3d"));
	CHECK_INT(unlink_p("g/d/1.0.0/late"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	const char *vd = getx("g/.softdeleted/d/1.0.0", "user.acg.deletedAt");
	const char *vp = getx("g/.softdeleted/d/1.0.0", "user.acg.purgeAt");
	CHECK(parse_utc(vd) - early_at >= 3 * DAY - 60);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0/early", "user.acg.deletedAt"), vd);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0/early", "user.acg.purgeAt"), vp);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0/late", "user.acg.purgeAt"), vp);

	/* eight days after the first delete, five after the version's */
	CHECK(set_clock("+8d"));
	CHECK_INT(purge(), 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "early,late");
	CHECK_INT(count_objects(), 2);
	/* eleven after the first, eight after the version's */
	CHECK(set_clock("+11d"));
	CHECK_STR(ls("g/.softdeleted/d"), "");
	CHECK_INT(purge(), 1);
	CHECK_INT(count_objects(), 0);
	stop();
}

/* A restored item leaves retention: nothing is purged later. */
static void test_restored_items_are_kept(void)
{
	if (!start())
		return;
	CHECK(soft_deleted_tree());
	CHECK(set_clock("+1d"));
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(rename_p("g/.softdeleted/d/2.0.0/c", "g/d/2.0.0/c", 0), 0);
	CHECK(set_clock("+30d"));
	CHECK_INT(purge(), 0);
	CHECK_STR(ls("g/d/1.0.0"), "a,b");
	CHECK_STR(ls("g/d/2.0.0"), "c,x");
	CHECK_STR(content_of(ino("g/d/1.0.0/b")), "bravo");
	CHECK_INT(count_objects(), 4);
	stop();
}

/* Purged while open: the content stays readable through the descriptor
 * and is freed at the last close (design §2). */
static void test_purge_of_open_file(void)
{
	struct gfs_attr a;
	struct gfs_handle *h = NULL;
	char buf[32];

	if (!start())
		return;
	CHECK(soft_deleted_tree());
	uint64_t fc = ino("g/.softdeleted/d/2.0.0/c");
	CHECK_INT(gfs_open(core, &root, file_node(fc), O_RDONLY, &h, &err), 0);
	CHECK(set_clock("+8d"));
	CHECK_INT(purge(), 2);
	CHECK_INT(ino("g/.softdeleted/d/2.0.0/c"), 0);
	if (h) {
		memset(buf, 0, sizeof(buf));
		CHECK_INT(pread(gfs_handle_fd(h), buf, sizeof(buf) - 1, 0), 7);
		CHECK_STR(buf, "charlie");
		gfs_release(core, h);
	}
	CHECK_INT(gfs_getattr(core, file_node(fc), &a, &err), -ENOENT);
	CHECK_INT(count_objects(), 1);
	CHECK_INT(purge(), 0);
	stop();
}

/* Items past purgeAt hold nothing: with soft delete on, a definition
 * whose only soft-deleted items have expired is removable (R3 counts
 * held items only), and its rows and objects go with it. */
static void test_expired_items_do_not_hold(void)
{
	if (!start())
		return;
	CHECK(soft_deleted_tree());
	CHECK_INT(unlink_p("g/d/2.0.0/x"), 0);
	CHECK_INT(rmdir_p("g/d/2.0.0"), 0);
	CHECK_INT(rmdir_p("g/d"), -ENOTEMPTY);
	CHECK(set_clock("+8d"));
	CHECK_INT(rmdir_p("g/d"), 0);
	CHECK_INT(ino("g/d"), 0);
	CHECK_INT(count_objects(), 0);
	CHECK_INT(purge(), 0);
	CHECK_INT(rmdir_p("g"), 0);
	CHECK_STR(ls(""), "");
	stop();
}

/* A file past its purgeAt in a live version's shadow is gone for the
 * user even before the purge (design §3: "never shown"); soft-deleting or
 * restoring its version afterwards must not bring it back. */
static void test_expired_file_stays_gone(void)
{
	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0);
	CHECK(mkdir_p("g/d/1.0.0") == 0 && mkdir_p("g/d/2.0.0") == 0);
	CHECK(put("g/d/1.0.0/old", "o") && put("g/d/1.0.0/keep", "k"));
	CHECK(put("g/d/2.0.0/old", "o") && put("g/d/2.0.0/keep", "k"));
	CHECK_INT(setx("g", "user.acg.softDelete", "true"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/old"), 0);
	CHECK_INT(unlink_p("g/d/2.0.0/old"), 0);
	uint64_t old1 = ino("g/.softdeleted/d/1.0.0/old");
	uint64_t old2 = ino("g/.softdeleted/d/2.0.0/old");
	CHECK(old1 && old2);

	CHECK(set_clock("+8d"));
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");
	CHECK_STR(ls("g/.softdeleted/d/2.0.0"), "");
	/* rm -r of 1.0.0; mv of 2.0.0 onto its shadow */
	CHECK_INT(unlink_p("g/d/1.0.0/keep"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rename_p("g/d/2.0.0", "g/.softdeleted/d/2.0.0", 0), 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "keep");
	CHECK_STR(ls("g/.softdeleted/d/2.0.0"), "keep");
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/old"), 0);
	CHECK_INT(gfs_getattr(core, file_node(old1), &(struct gfs_attr){ 0 }, &err), -ENOENT);
	CHECK_INT(gfs_getattr(core, file_node(old2), &(struct gfs_attr){ 0 }, &err), -ENOENT);
	/* and a restore brings back the version as it was deleted */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(rename_p("g/.softdeleted/d/2.0.0", "g/d/2.0.0", 0), 0);
	CHECK_STR(ls("g/d/1.0.0"), "keep");
	CHECK_STR(ls("g/d/2.0.0"), "keep");
	stop();
}

/* Run this binary again under libfaketime, unless it already is. */
static void under_faketime(char **argv)
{
	static char file[] = "/tmp/gfs-test-purge-XXXXXX";
	if (getenv("GFS_FAKETIME_FILE"))
		return;
	int fd = mkstemp(file);
	if (fd < 0)
		return;   /* test_clock_moves will say so */
	if (write(fd, "+0d\n", 4) != 4)
		printf("# cannot write %s\n", file);
	close(fd);
	const char *asan = getenv("ASAN_OPTIONS");
	char asan_opts[1024];
	snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0",
		 asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", asan_opts, 1);
	setenv("LD_PRELOAD", GFS_FAKETIME_LIB, 1);
	setenv("FAKETIME_TIMESTAMP_FILE", file, 1);
	setenv("FAKETIME_NO_CACHE", "1", 1);
	setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
	setenv("GFS_FAKETIME_FILE", file, 1);
	execv("/proc/self/exe", argv);
	printf("# cannot run under libfaketime: %s\n", strerror(errno));
}

/* every case but test_clock_moves, which opens no catalog */
static const struct test_case CASES[] = {
	CASE(test_times_read_as_utc),
	CASE(test_purge_after_seven_days),
	CASE(test_version_is_unit_of_retention),
	CASE(test_restored_items_are_kept),
	CASE(test_purge_of_open_file),
	CASE(test_expired_items_do_not_hold),
	CASE(test_expired_file_stays_gone),
};

int main(int argc, char **argv)
{
	(void)argc;
	under_faketime(argv);
	faketime_file = getenv("GFS_FAKETIME_FILE");
	RUN(test_clock_moves);
	int status = run_on_both_backends(CASES, COUNT(CASES));
	if (faketime_file && strncmp(faketime_file, "/tmp/gfs-test-purge-", 20) == 0)
		unlink(faketime_file);
	return status;
}
