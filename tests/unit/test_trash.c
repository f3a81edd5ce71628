/*
 * test_trash.c — the trash view's pieces that need no catalog (core/trash.h,
 * design §10): trash directory names, item names and their candidates,
 * the .trashinfo text (percent-encoding, local time), and the lifetime of
 * the files that live in memory in info/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "trash.h"

#define SEC 1000000000LL

static void test_trash_dir_names(void)
{
	CHECK_INT(gfs_trash_dir_uid(".Trash-0"), 0);
	CHECK_INT(gfs_trash_dir_uid(".Trash-1005"), 1005);
	CHECK_INT(gfs_trash_dir_uid(".Trash-4294967295"), 4294967295LL);
	static const char *const bad[] = { ".Trash", ".Trash-", ".Trash-01",
		".Trash--1", ".Trash-+1", ".Trash-1a", ".Trash-4294967296",
		".Trash-99999999999", "Trash-0", ".trash-0", ".Trash-0 ", NULL };
	for (int i = 0; bad[i]; i++)
		if (gfs_trash_dir_uid(bad[i]) != -1) {
			printf("# \"%s\" taken for a trash\n", bad[i]);
			tap_case_failed = 1;
		}
}

static void test_info_names(void)
{
	char out[256];
	CHECK(gfs_trash_info_item("1.0.0.trashinfo", out, sizeof(out)));
	CHECK_STR(out, "1.0.0");
	CHECK(gfs_trash_info_item("a b.trashinfo", out, sizeof(out)));
	CHECK_STR(out, "a b");
	CHECK(!gfs_trash_info_item(".trashinfo", out, sizeof(out)));
	CHECK(!gfs_trash_info_item("1.0.0.trashinfo.ABC123", out, sizeof(out)));
	CHECK(!gfs_trash_info_item("1.0.0", out, sizeof(out)));
	CHECK(!gfs_trash_info_item("1.0.0.trashinfo", out, 5));     /* does not fit */
}

/* GLib's way: ".N" before the first dot, or at the end */
static void test_name_candidates(void)
{
	char out[256];
	CHECK(gfs_trash_name_candidate("1.0.0", 1, out, sizeof(out)));
	CHECK_STR(out, "1.0.0");
	CHECK(gfs_trash_name_candidate("1.0.0", 2, out, sizeof(out)));
	CHECK_STR(out, "1.2.0.0");
	CHECK(gfs_trash_name_candidate("disk.vhd", 3, out, sizeof(out)));
	CHECK_STR(out, "disk.3.vhd");
	CHECK(gfs_trash_name_candidate("README", 2, out, sizeof(out)));
	CHECK_STR(out, "README.2");
	CHECK(gfs_trash_name_candidate(".hidden.txt", 2, out, sizeof(out)));
	CHECK_STR(out, ".hidden.2.txt");
	CHECK(gfs_trash_name_candidate("x", 12345, out, sizeof(out)));
	CHECK_STR(out, "x.12345");
	/* a candidate never exceeds a file name */
	char longname[256];
	memset(longname, 'n', 255);
	longname[255] = '\0';
	CHECK(gfs_trash_name_candidate(longname, 1, out, sizeof(out)));
	CHECK(!gfs_trash_name_candidate(longname, 2, out, sizeof(out)));
}

static void test_info_text(void)
{
	char out[GFS_TRASH_INFO_MAX];
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2021-02-03 04:05:06 UTC */
	int n = gfs_trash_info_text("g/d/1.0.0", 1612325106, out, sizeof(out));
	CHECK_STR(out, "[Trash Info]\nPath=g/d/1.0.0\nDeletionDate=2021-02-03T04:05:06\n");
	CHECK_INT(n, (int)strlen(out));
	/* every byte but A-Z a-z 0-9 - . _ ~ / is %XX, upper case */
	gfs_trash_info_text("g/we ird/a b%c#\xc3\xa9/f;1=2?.txt", 1612325106, out,
			    sizeof(out));
	CHECK_STR(out, "[Trash Info]\nPath=g/we%20ird/a%20b%25c%23%C3%A9/f%3B1%3D2%3F.txt\n"
		  "DeletionDate=2021-02-03T04:05:06\n");
	gfs_trash_info_text("g/d/1.0.0/!*'()+,$&@:~-_.", 0, out, sizeof(out));
	CHECK_STR(out, "[Trash Info]\nPath=g/d/1.0.0/%21%2A%27%28%29%2B%2C%24%26%40%3A~-_.\n"
		  "DeletionDate=1970-01-01T00:00:00\n");
	/* the date is local time, with no zone */
	setenv("TZ", "America/New_York", 1);
	tzset();
	gfs_trash_info_text("g/d/1.0.0", 1612325106, out, sizeof(out));
	CHECK_STR(out, "[Trash Info]\nPath=g/d/1.0.0\nDeletionDate=2021-02-02T23:05:06\n");
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	gfs_trash_info_text("g/d/1.0.0", 1612325106, out, sizeof(out));
	CHECK_STR(out, "[Trash Info]\nPath=g/d/1.0.0\nDeletionDate=2021-02-03T09:35:06\n");
	setenv("TZ", "UTC", 1);
	tzset();
	/* too small a buffer: -1, never a cut text */
	CHECK_INT(gfs_trash_info_text("g/d/1.0.0", 0, out, 20), -1);
}

static int count_listed(void *arg, const struct gfs_pending *p)
{
	(void)p;
	(*(int *)arg)++;
	return 0;
}

/* Reservations and the other in-memory files of info/ go away on their
 * own once unused for GFS_TRASH_PENDING_NS; a use keeps one; the info
 * left by an item that went resolves by name but is never listed. */
static void test_pending_lifetime(void)
{
	struct gfs_pending_table t;
	struct gfs_pending a, b, c, got;
	int64_t t0 = 1000 * SEC;

	gfs_pending_init(&t);
	CHECK_INT(gfs_pending_add(&t, 1005, GFS_PENDING_RESERVED, "x.trashinfo",
				  0600, 1005, 100, t0, &a), 0);
	CHECK_INT(gfs_pending_add(&t, 1005, GFS_PENDING_TEMP, "x.trashinfo.ABCDEF",
				  0600, 1005, 100, t0, &b), 0);
	CHECK_INT(gfs_pending_add(&t, 1005, GFS_PENDING_LEFT, "y.trashinfo",
				  0600, 1005, 100, t0, &c), 0);
	CHECK(a.id != b.id && b.id != c.id);
	CHECK(a.fd >= 0);
	/* written bytes stay in its memfd */
	CHECK_INT(write(a.fd, "abc", 3), 3);
	CHECK(gfs_pending_find(&t, 1005, "x.trashinfo", t0 + SEC, &got));
	CHECK_INT(got.id, a.id);
	CHECK(!gfs_pending_find(&t, 1006, "x.trashinfo", t0 + SEC, &got));
	CHECK(gfs_pending_by_id(&t, c.id, t0 + SEC, &got));
	int listed = 0;
	gfs_pending_list(&t, 1005, 0, t0 + SEC, count_listed, &listed);
	CHECK_INT(listed, 2);       /* the left one only resolves by name */
	/* x.trashinfo is kept alive by use; the temp and y expire */
	int64_t later = t0 + GFS_TRASH_PENDING_NS - SEC;
	CHECK(gfs_pending_find(&t, 1005, "x.trashinfo", later, &got));
	gfs_pending_expire(&t, later + 3 * SEC);
	CHECK(gfs_pending_find(&t, 1005, "x.trashinfo", later + 3 * SEC, &got));
	CHECK(!gfs_pending_find(&t, 1005, "x.trashinfo.ABCDEF", later + 3 * SEC, &got));
	CHECK(!gfs_pending_by_id(&t, c.id, later + 3 * SEC, &got));
	/* a clock that went back expires everything */
	CHECK(!gfs_pending_find(&t, 1005, "x.trashinfo", t0 - SEC, &got));
	/* dropping by id and by name */
	CHECK_INT(gfs_pending_add(&t, 7, GFS_PENDING_RESERVED, "z.trashinfo", 0600,
				  7, 7, t0, &a), 0);
	CHECK(gfs_pending_drop(&t, a.id));
	CHECK(!gfs_pending_drop(&t, a.id));
	CHECK_INT(gfs_pending_add(&t, 7, GFS_PENDING_RESERVED, "z.trashinfo", 0600,
				  7, 7, t0, &a), 0);
	gfs_pending_drop_name(&t, 7, "z.trashinfo");
	CHECK(!gfs_pending_find(&t, 7, "z.trashinfo", t0, &got));
	gfs_pending_destroy(&t);
}

int main(void)
{
	RUN(test_trash_dir_names);
	RUN(test_info_names);
	RUN(test_name_candidates);
	RUN(test_info_text);
	RUN(test_pending_lifetime);
	return TAP_DONE();
}
