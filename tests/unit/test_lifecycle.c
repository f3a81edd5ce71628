/*
 * test_lifecycle.c — soft delete, restore and hard delete (design §3) through
 * the core's public API (galleryfs.h), without a FUSE mount: what unlink,
 * rmdir and rename do to the tree, to inode numbers and generations
 * (design §9), to file contents and to the object store, with soft delete
 * off and on. Each test opens a core on a fresh mkdtemp data directory and
 * removes it at its end; every test runs on SQLite, then with the catalog
 * on PostgreSQL when GFS_TEST_PG names a server (coretest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coretest.h"
#include "galleryfs.h"
#include "tap.h"

/* Every test opens a core of its own and closes it at its end. */
static bool start(void)
{
	return open_core("lifecycle");
}

static void stop(void)
{
	close_core();
}

/* ---- fixtures ---- */

/* g/d/1.0.0 with files a and b. */
static bool tree(void)
{
	return mkdir_p("g") == 0 && mkdir_p("g/d") == 0 &&
	       mkdir_p("g/d/1.0.0") == 0 && put("g/d/1.0.0/a", "alpha") &&
	       put("g/d/1.0.0/b", "bravo");
}

static bool soft_delete_on(void)
{
	return setx("g", "user.acg.softDelete", "true") == 0 &&
	       strcmp(getx("g", "user.acg.softDelete"), "true") == 0;
}

/* ------------------------------------------------------------------ */

static void test_hard_delete_when_off(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_STR(getx("g", "user.acg.softDelete"), "false");
	CHECK_INT(count_objects(), 2);
	CHECK_STR(content_of(ino("g/d/1.0.0/a")), "alpha");

	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), 0);
	CHECK_STR(ls("g/d/1.0.0"), "b");
	CHECK_INT(count_objects(), 1);
	/* nothing went to .softdeleted */
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");

	/* a version with live files is not empty */
	CHECK_INT(rmdir_p("g/d/1.0.0"), -ENOTEMPTY);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(count_objects(), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), 0);
	CHECK_STR(ls("g/d"), "");
	CHECK_STR(ls("g/.softdeleted"), "");
	/* the name is free again */
	CHECK_INT(mkdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d"), 0);
	CHECK_INT(rmdir_p("g"), 0);
	CHECK_STR(ls(""), "");
	stop();
}

/* A live version deleted for good takes its shadow's files with it. */
static void test_hard_delete_takes_shadow(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	uint64_t a = ino("g/d/1.0.0/a");
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), a);
	CHECK_INT(setx("g", "user.acg.softDelete", "false"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(count_objects(), 1);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), 0);
	CHECK_INT(gfs_getattr(core, file_node(a), &(struct gfs_attr){ 0 }, &err), -ENOENT);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_INT(count_objects(), 0);
	/* nothing holds the name */
	CHECK_INT(mkdir_p("g/d/1.0.0"), 0);
	stop();
}

/* Switched off, what is already soft-deleted can still be restored and
 * hard-deleted (design §3). */
static void test_switched_off_items_stay(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_INT(mkdir_p("g/d/2.0.0"), 0);
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d/2.0.0"), 0);
	CHECK_INT(setx("g", "user.acg.softDelete", "false"), 0);
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0,2.0.0");
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_STR(ls("g/d/1.0.0"), "a,b");
	CHECK_INT(rmdir_p("g/.softdeleted/d/2.0.0"), 0);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/d"), "1.0.0");
	/* and new removals are for good */
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_INT(count_objects(), 1);
	stop();
}

/* rsync writes a temporary file and renames it over the old one: the
 * replaced file is removed under the rules of design §3. */
static void test_rename_over_file(void)
{
	if (!start())
		return;
	CHECK(tree());
	uint64_t a = ino("g/d/1.0.0/a"), b = ino("g/d/1.0.0/b");
	/* off: the replaced file is gone for good */
	CHECK_INT(rename_p("g/d/1.0.0/b", "g/d/1.0.0/a", 0), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), b);
	CHECK_STR(content_of(b), "bravo");
	CHECK_INT(gfs_getattr(core, file_node(a), &(struct gfs_attr){ 0 }, &err), -ENOENT);
	CHECK_INT(count_objects(), 1);
	CHECK_STR(ls("g/.softdeleted"), "");
	/* on: the replaced file is soft-deleted */
	CHECK(soft_delete_on());
	uint64_t t = put("g/d/1.0.0/.a.tmp", "alpha 2");
	CHECK_INT(rename_p("g/d/1.0.0/.a.tmp", "g/d/1.0.0/a", 0), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), t);
	CHECK_STR(ls("g/d/1.0.0"), "a");
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), b);
	CHECK_STR(content_of(b), "bravo");
	/* restoring onto the taken name: EEXIST (R14) */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0/a", "g/d/1.0.0/a", 0), -EEXIST);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), b);
	/* files move between versions by copy: EXDEV */
	CHECK_INT(mkdir_p("g/d/2.0.0"), 0);
	CHECK_INT(rename_p("g/d/1.0.0/a", "g/d/2.0.0/a", 0), -EXDEV);
	/* versions are not renamed */
	CHECK_INT(rename_p("g/d/2.0.0", "g/d/3.0.0", 0), -EPERM);
	CHECK_INT(count_objects(), 2);
	stop();
}

/* The mirrors take the owner and mode of what they mirror (design §3). */
static void test_mirrors_owner_and_mode(void)
{
	struct gfs_attr a;
	struct gfs_caller u1 = { .uid = 1001, .gid = 2001 };
	struct gfs_caller u2 = { .uid = 1002, .gid = 2002 };
	struct gfs_caller u3 = { .uid = 1003, .gid = 2003 };

	if (!start())
		return;
	CHECK_INT(gfs_mkdir(core, &u1, GFS_ROOT_INO, "g", 0750, &a, &err), 0);
	CHECK_INT(gfs_mkdir(core, &u2, a.nodeid, "d", 0705, &a, &err), 0);
	CHECK_INT(gfs_mkdir(core, &u3, a.nodeid, "1.0.0", 0770, &a, &err), 0);
	CHECK_INT(look("g/.softdeleted", &a), 0);
	CHECK_INT(a.uid, 1001);
	CHECK_INT(a.gid, 2001);
	CHECK_INT(a.mode, S_IFDIR | 0750);
	CHECK(a.volatile_);
	CHECK_INT(look("g/.softdeleted/d", &a), 0);
	CHECK_INT(a.uid, 1002);
	CHECK_INT(a.mode, S_IFDIR | 0705);
	CHECK(a.volatile_);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &a), 0);
	CHECK_INT(a.uid, 1003);
	CHECK_INT(a.gid, 2003);
	CHECK_INT(a.mode, S_IFDIR | 0770);
	CHECK(a.volatile_);
	CHECK_INT(look("g/d/1.0.0", &a), 0);
	CHECK(!a.volatile_);
	stop();
}

static void test_unlink_soft_deletes_file(void)
{
	struct gfs_attr a, sd;

	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	CHECK_INT(look("g/d/1.0.0/a", &a), 0);
	CHECK(!a.volatile_);

	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), 0);
	CHECK_STR(ls("g/d/1.0.0"), "b");
	CHECK_INT(look("g/.softdeleted/d/1.0.0/a", &sd), 0);
	CHECK_INT(sd.ino, a.ino);
	CHECK_INT(sd.gen, a.gen);          /* files keep their generation */
	CHECK_INT(sd.size, 5);
	CHECK(sd.volatile_);
	CHECK_STR(ls("g/.softdeleted"), "d");
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "a");
	/* the shadow is a directory of its own, beside the live version */
	CHECK(ino("g/.softdeleted/d/1.0.0") != 0);
	CHECK(ino("g/.softdeleted/d/1.0.0") != ino("g/d/1.0.0"));
	CHECK(ino("g/d/1.0.0") != 0);
	/* contents and object stay */
	CHECK_INT(count_objects(), 2);
	CHECK_STR(content_of(a.ino), "alpha");
	CHECK(is_utc_stamp(getx("g/.softdeleted/d/1.0.0/a", "user.acg.deletedAt")));

	/* the name is not reserved: a new a, soft-deleted in turn, replaces
	 * the older copy for good */
	uint64_t a2 = put("g/d/1.0.0/a", "alpha two");
	CHECK(a2 != 0 && a2 != a.ino);
	CHECK_INT(count_objects(), 3);
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), a2);
	CHECK_STR(content_of(ino("g/.softdeleted/d/1.0.0/a")), "alpha two");
	CHECK_INT(gfs_getattr(core, a.nodeid, &sd, &err), -ENOENT);
	CHECK_INT(count_objects(), 2);

	/* an open descriptor keeps working across the soft delete */
	struct gfs_handle *h = NULL;
	uint64_t b = ino("g/d/1.0.0/b");
	CHECK_INT(gfs_open(core, &root, file_node(b), O_RDWR, &h, &err), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/b"), b);
	if (h) {
		CHECK_INT(pwrite(gfs_handle_fd(h), "BRAVO!", 6, 0), 6);
		gfs_handle_wrote(core, h, 6);
		gfs_release(core, h);
	}
	CHECK_STR(content_of(b), "BRAVO!");
	CHECK_INT(look("g/.softdeleted/d/1.0.0/b", &sd), 0);
	CHECK_INT(sd.size, 6);
	CHECK_STR(ls("g/d/1.0.0"), "");
	stop();
}

static void test_mv_file_into_shadow(void)
{
	if (!start())
		return;
	CHECK(tree());
	uint64_t a = ino("g/d/1.0.0/a");
	/* off: EPERM */
	CHECK_INT(rename_p("g/d/1.0.0/a", "g/.softdeleted/d/1.0.0/a", 0), -EPERM);
	CHECK_INT(ino("g/d/1.0.0/a"), a);
	CHECK(soft_delete_on());
	/* only to the mirrored path */
	CHECK_INT(rename_p("g/d/1.0.0/a", "g/.softdeleted/d/1.0.0/x", 0), -EPERM);
	CHECK_INT(rename_p("g/d/1.0.0/a", "g/.softdeleted/d/1.0.0/a", 0), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), a);
	/* and back: a single file restores into its live version */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0/a", "g/d/1.0.0/b", 0), -EPERM);
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0/a", "g/d/1.0.0/a", 0), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), a);
	CHECK_STR(content_of(a), "alpha");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");
	CHECK_STR(ls("g/.softdeleted"), "");
	stop();
}

static void test_rmdir_soft_deletes_version_and_restore(void)
{
	struct gfs_attr v0, v1, a0, a1;
	char big[3000];

	if (!start())
		return;
	CHECK(tree());
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('A' + i % 26);
	big[sizeof(big) - 1] = '\0';
	uint64_t c = put("g/d/1.0.0/c", big);
	CHECK(c != 0);
	CHECK(soft_delete_on());
	CHECK_INT(look("g/d/1.0.0", &v0), 0);
	CHECK_INT(look("g/d/1.0.0/a", &a0), 0);
	uint64_t b = ino("g/d/1.0.0/b");

	/* rm -r: one unlink per file, then rmdir of the emptied version */
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/c"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_STR(ls("g/d"), "");

	/* the whole version, with all its files, at .softdeleted/d/1.0.0 */
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &v1), 0);
	CHECK_INT(v1.ino, v0.ino);
	CHECK(v1.volatile_);
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "a,b,c");
	CHECK_INT(look("g/.softdeleted/d/1.0.0/a", &a1), 0);
	CHECK_INT(a1.ino, a0.ino);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/b"), b);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/c"), c);
	CHECK_STR(content_of(a0.ino), "alpha");
	CHECK_STR(content_of(b), "bravo");
	CHECK_STR(content_of(c), big);
	CHECK_INT(count_objects(), 3);
	/* the version is the unit of retention: its files share its times */
	CHECK_SAME_STAMP(getx("g/.softdeleted/d/1.0.0/a", "user.acg.purgeAt"),
			 getx("g/.softdeleted/d/1.0.0", "user.acg.purgeAt"));

	/* restore: mv back to the definition */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(ino("g/d/1.0.0"), v0.ino);
	CHECK_STR(ls("g/d"), "1.0.0");
	CHECK_STR(ls("g/d/1.0.0"), "a,b,c");
	CHECK_INT(ino("g/d/1.0.0/a"), a0.ino);
	CHECK_INT(ino("g/d/1.0.0/b"), b);
	CHECK_INT(ino("g/d/1.0.0/c"), c);
	CHECK_STR(content_of(ino("g/d/1.0.0/a")), "alpha");
	CHECK_STR(content_of(ino("g/d/1.0.0/b")), "bravo");
	CHECK_STR(content_of(ino("g/d/1.0.0/c")), big);
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/.softdeleted/d"), "");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");
	CHECK_STR(getx("g/d/1.0.0", "user.acg.deletedAt"), errno_str(ENODATA));
	CHECK_INT(count_objects(), 3);
	stop();
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Restore brings back owners, modes, mtimes and attributes; ctime
 * changes, as on any rename (design §3). */
static void test_restore_keeps_metadata(void)
{
	struct gfs_attr f0, f1, v0, v1;
	struct gfs_caller u = { .uid = 1234, .gid = 4321 };
	struct gfs_handle *h = NULL;
	uint64_t vi;

	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0);
	vi = node("g/d");
	CHECK_INT(gfs_mkdir(core, &u, vi, "1.0.0", 0750, &v0, &err), 0);
	CHECK_INT(gfs_create(core, &u, v0.nodeid, "f", 0604, O_RDWR, &f0, &h, &err), 0);
	if (h) {
		CHECK_INT(pwrite(gfs_handle_fd(h), "data", 4, 0), 4);
		gfs_handle_wrote(core, h, 4);
		gfs_release(core, h);
	}
	CHECK_INT(setx("g/d/1.0.0/f", "user.note", "kept"), 0);
	CHECK_INT(setx("g/d/1.0.0", "user.acg.provisioningState", "Creating"), 0);
	CHECK(soft_delete_on());
	CHECK_INT(look("g/d/1.0.0/f", &f0), 0);

	CHECK_INT(unlink_p("g/d/1.0.0/f"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &v0), 0);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0/f", "user.note"), "kept");
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);

	CHECK_INT(look("g/d/1.0.0/f", &f1), 0);
	CHECK_INT(f1.ino, f0.ino);
	CHECK_INT(f1.uid, 1234);
	CHECK_INT(f1.gid, 4321);
	CHECK_INT(f1.mode, S_IFREG | 0604);
	CHECK_INT(f1.size, 4);
	CHECK(same_time(f1.mtime, f0.mtime));
	CHECK(!same_time(f1.ctime, f0.ctime));
	CHECK_STR(getx("g/d/1.0.0/f", "user.note"), "kept");
	CHECK_INT(look("g/d/1.0.0", &v1), 0);
	CHECK_INT(v1.uid, 1234);
	CHECK_INT(v1.mode, S_IFDIR | 0750);
	CHECK(same_time(v1.mtime, v0.mtime));
	CHECK_STR(getx("g/d/1.0.0", "user.acg.provisioningState"), "Creating");
	stop();
}

static void test_restore_paths(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_INT(mkdir_p("g/e"), 0);
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	/* another definition, another name: EPERM (R14) */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/e/1.0.0", 0), -EPERM);
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.1", 0), -EPERM);
	CHECK(ino("g/.softdeleted/d/1.0.0") != 0);
	/* a soft-deleted file of a soft-deleted version has no live parent */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0/a", "g/d/1.0.0/a", 0), -ENOENT);
	stop();
}

static void test_rename_version_onto_shadow_merges(void)
{
	struct gfs_attr v0, v1;

	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0 && mkdir_p("g/d/1.0.0") == 0);
	CHECK(soft_delete_on());
	uint64_t x_old = put("g/d/1.0.0/x", "old x");
	CHECK_INT(unlink_p("g/d/1.0.0/x"), 0);
	uint64_t z = put("g/d/1.0.0/z", "zulu");
	CHECK_INT(unlink_p("g/d/1.0.0/z"), 0);
	uint64_t x_new = put("g/d/1.0.0/x", "new x");
	uint64_t y = put("g/d/1.0.0/y", "yankee");
	CHECK(x_old && z && x_new && y);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "x,z");
	CHECK_INT(count_objects(), 4);
	CHECK_INT(look("g/d/1.0.0", &v0), 0);

	/* coreutils mv: RENAME_NOREPLACE first, EEXIST since the shadow
	 * exists ... */
	CHECK_INT(rename_p("g/d/1.0.0", "g/.softdeleted/d/1.0.0", RENAME_NOREPLACE),
		  -EEXIST);
	CHECK_INT(ino("g/d/1.0.0"), v0.ino);
	/* ... then plainly */
	CHECK_INT(rename_p("g/d/1.0.0", "g/.softdeleted/d/1.0.0", 0), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_STR(ls("g/d"), "");
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &v1), 0);
	CHECK_INT(v1.ino, v0.ino);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "z,x,y");
	/* the version's own x won; the shadow's copy is gone for good */
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/x"), x_new);
	CHECK_STR(content_of(x_new), "new x");
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/z"), z);
	CHECK_STR(content_of(z), "zulu");
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/y"), y);
	CHECK_INT(gfs_getattr(core, x_old, &v1, &err), -ENOENT);
	CHECK_INT(count_objects(), 3);
	/* every file takes the version's retention */
	CHECK_SAME_STAMP(getx("g/.softdeleted/d/1.0.0/z", "user.acg.deletedAt"),
			 getx("g/.softdeleted/d/1.0.0", "user.acg.deletedAt"));
	CHECK_SAME_STAMP(getx("g/.softdeleted/d/1.0.0/y", "user.acg.purgeAt"),
			 getx("g/.softdeleted/d/1.0.0", "user.acg.purgeAt"));

	/* the restore brings back every file, the merged one included */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_STR(ls("g/d/1.0.0"), "z,x,y");
	CHECK_STR(ls("g/.softdeleted"), "");
	stop();
}

static void test_mkdir_reserved_name(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(mkdir_p("g/d/1.0.0"), -EEXIST);
	CHECK_STR(err.rule ? err.rule : "(none)", "R16");
	CHECK_STR(ls("g/d"), "");
	/* other names are free */
	CHECK_INT(mkdir_p("g/d/1.0.1"), 0);
	/* after a hard delete the name is free too */
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/.softdeleted/d/1.0.0"), 0);
	CHECK_INT(mkdir_p("g/d/1.0.0"), 0);
	CHECK_STR(ls("g/d"), "1.0.1,1.0.0");
	stop();
}

static void test_hard_delete_inside_softdeleted(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_INT(mkdir_p("g/d/2.0.0"), 0);
	CHECK(put("g/d/2.0.0/k", "kilo") != 0);
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(unlink_p("g/d/2.0.0/k"), 0);   /* into 2.0.0's shadow */
	CHECK_INT(count_objects(), 3);

	/* .softdeleted, .softdeleted/d and a soft-deleted version that hold
	 * something are not empty */
	CHECK_INT(rmdir_p("g/.softdeleted/d/1.0.0"), -ENOTEMPTY);
	CHECK_INT(rmdir_p("g/.softdeleted/d"), -ENOTEMPTY);
	CHECK_INT(rmdir_p("g/.softdeleted"), -ENOTEMPTY);
	CHECK_INT(rmdir_p("g/.softdeleted/d/2.0.0"), -ENOTEMPTY);

	uint64_t a = ino("g/.softdeleted/d/1.0.0/a");
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), 0);
	CHECK_INT(gfs_getattr(core, file_node(a), &(struct gfs_attr){ 0 }, &err), -ENOENT);
	CHECK_INT(count_objects(), 2);
	CHECK_INT(rmdir_p("g/.softdeleted/d/1.0.0"), -ENOTEMPTY);
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/b"), 0);
	CHECK_INT(count_objects(), 1);
	CHECK_INT(rmdir_p("g/.softdeleted/d/1.0.0"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), 0);
	CHECK_STR(ls("g/.softdeleted/d"), "2.0.0");

	/* a file in a live version's shadow */
	CHECK_INT(unlink_p("g/.softdeleted/d/2.0.0/k"), 0);
	CHECK_INT(count_objects(), 0);
	CHECK_STR(ls("g/.softdeleted/d"), "");
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK(ino("g/d/2.0.0") != 0);

	/* empty now: rmdir of the synthetic directories changes nothing */
	CHECK_INT(rmdir_p("g/.softdeleted/d/2.0.0"), 0);
	CHECK_INT(rmdir_p("g/.softdeleted/d"), 0);
	CHECK_INT(rmdir_p("g/.softdeleted"), 0);
	CHECK(ino("g/.softdeleted/d/2.0.0") != 0);
	CHECK(ino("g/d/2.0.0") != 0);
	CHECK_STR(ls("g"), "d");
	stop();
}

static void test_rmdir_definition_holding_items(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_STR(ls("g/d"), "");

	/* on: R3 */
	CHECK_INT(rmdir_p("g/d"), -ENOTEMPTY);
	CHECK_STR(err.rule ? err.rule : "(none)", "R3");
	CHECK(ino("g/d") != 0);
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0");

	/* off: the definition goes, and its soft-deleted items with it */
	CHECK_INT(setx("g", "user.acg.softDelete", "false"), 0);
	CHECK_INT(count_objects(), 2);
	CHECK_INT(rmdir_p("g/d"), 0);
	CHECK_INT(ino("g/d"), 0);
	CHECK_STR(ls("g"), "");
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_INT(count_objects(), 0);
	/* and the gallery is empty */
	CHECK_INT(rmdir_p("g"), 0);
	CHECK_STR(ls(""), "");
	stop();
}

static void test_rmdir_gallery_holding_items(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d"), -ENOTEMPTY);
	CHECK_INT(rmdir_p("g"), -ENOTEMPTY);
	CHECK(ino("g") != 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "a,b");
	stop();
}

/* .softdeleted is not listed (design §3: recursive tools never enter it)
 * but resolves by name, its number still below every definition's. */
static void test_softdeleted_resolves_unlisted(void)
{
	struct listing l;

	if (!start())
		return;
	CHECK(mkdir_p("g") == 0);
	CHECK(mkdir_p("g/zeta") == 0 && mkdir_p("g/alpha") == 0 &&
	      mkdir_p("g/m") == 0);
	uint64_t g = node("g");
	CHECK_STR(list_from(g, 0, &l, 0), ".,..,zeta,alpha,m");
	CHECK_INT(l.n, 5);
	uint64_t sd = ino("g/.softdeleted");
	CHECK(sd != 0);
	for (int i = 0; i < l.n; i++)
		CHECK(l.inos[i] != sd);
	for (int i = 2; i < l.n; i++)
		CHECK(sd < l.inos[i]);
	/* even before any definition exists */
	CHECK(mkdir_p("h") == 0);
	CHECK_STR(ls("h"), "");
	CHECK(ino("h/.softdeleted") != 0);
	stop();
}

static void test_readdir_offsets_survive_removals(void)
{
	struct listing l;

	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0 && mkdir_p("g/d/1.0.0") == 0);
	static const char *const files[] = { "f1", "f2", "f3", "f4", "f5" };
	for (int i = 0; i < 5; i++) {
		char path[64];
		snprintf(path, sizeof(path), "g/d/1.0.0/%s", files[i]);
		CHECK(put(path, files[i]) != 0);
	}
	uint64_t v = node("g/d/1.0.0");

	/* read ".", "..", "f1"; remove f1 (read) and f3 (not yet) */
	CHECK_STR(list_from(v, 0, &l, 3), ".,..,f1");
	uint64_t off = l.last_off;
	CHECK_INT(unlink_p("g/d/1.0.0/f1"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/f3"), 0);
	CHECK_STR(list_from(v, off, &l, 1), "f2");
	off = l.last_off;
	CHECK_INT(unlink_p("g/d/1.0.0/f2"), 0);
	CHECK_STR(list_from(v, off, &l, 0), "f4,f5");

	/* a gallery: definitions alone, at stable offsets */
	for (int i = 0; i < 4; i++) {
		char path[64];
		snprintf(path, sizeof(path), "g/e%d", i);
		CHECK_INT(mkdir_p(path), 0);
	}
	uint64_t g = node("g");
	CHECK_STR(list_from(g, 0, &l, 3), ".,..,d");
	off = l.last_off;
	CHECK_STR(list_from(g, off, &l, 1), "e0");
	off = l.last_off;
	CHECK_INT(rmdir_p("g/e0"), 0);
	CHECK_INT(rmdir_p("g/e1"), 0);
	CHECK_STR(list_from(g, off, &l, 0), "e2,e3");

	/* rm -rf .softdeleted/...: a soft-deleted version emptied while read */
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/f4"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/f5"), 0);
	CHECK(put("g/d/1.0.0/f6", "f6") != 0);
	CHECK_INT(unlink_p("g/d/1.0.0/f6"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	uint64_t sdv = node("g/.softdeleted/d/1.0.0");
	CHECK_STR(list_from(sdv, 0, &l, 3), ".,..,f4");
	off = l.last_off;
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/f4"), 0);
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/f5"), 0);
	CHECK_STR(list_from(sdv, off, &l, 0), "f6");
	stop();
}

static void test_softdeleted_definition_lists_holders_only(void)
{
	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0 && mkdir_p("g/e") == 0);
	CHECK(mkdir_p("g/d/1.0.0") == 0 && mkdir_p("g/d/1.0.1") == 0 &&
	      mkdir_p("g/d/1.0.2") == 0 && mkdir_p("g/e/3.0.0") == 0);
	CHECK(put("g/d/1.0.0/a", "a") && put("g/d/1.0.2/c", "c") &&
	      put("g/e/3.0.0/e", "e"));
	CHECK(soft_delete_on());
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_STR(ls("g/.softdeleted/d"), "");

	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);   /* shadow of live 1.0.0 holds a */
	CHECK_INT(rmdir_p("g/d/1.0.1"), 0);      /* an empty version, soft-deleted */
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0,1.0.1");
	CHECK_STR(ls("g/.softdeleted"), "d");
	/* every live definition and version still resolves there, empty */
	CHECK(ino("g/.softdeleted/e") != 0);
	CHECK_STR(ls("g/.softdeleted/e"), "");
	CHECK(ino("g/.softdeleted/d/1.0.2") != 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.2"), "");
	CHECK_STR(ls("g/.softdeleted/d/1.0.1"), "");
	CHECK_INT(ino("g/.softdeleted/d/9.9.9"), 0);
	CHECK_INT(ino("g/.softdeleted/nope"), 0);
	CHECK_STR(ls("g/d"), "1.0.0,1.0.2");
	stop();
}

static void test_replicas_one_per_region(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_STR(getx("g/d/1.0.0", "user.acg.replicas"), "eastus=1");
	CHECK_INT(setx("g/d/1.0.0", "user.acg.replicas", "westus=3,eastus=2"), 0);
	CHECK_STR(getx("g/d/1.0.0", "user.acg.replicas"), "eastus=2,westus=3");
	CHECK(soft_delete_on());
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0", "user.acg.replicas"),
		  "eastus=1,westus=1");
	/* read-only there */
	CHECK_INT(setx("g/.softdeleted/d/1.0.0", "user.acg.replicas", "eastus=5"),
		  -EPERM);
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_STR(getx("g/d/1.0.0", "user.acg.replicas"), "eastus=2,westus=3");
	/* the same through a rename onto the shadow */
	CHECK_INT(rename_p("g/d/1.0.0", "g/.softdeleted/d/1.0.0", 0), 0);
	CHECK_STR(getx("g/.softdeleted/d/1.0.0", "user.acg.replicas"),
		  "eastus=1,westus=1");
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_STR(getx("g/d/1.0.0", "user.acg.replicas"), "eastus=2,westus=3");
	stop();
}

static void test_application_versions_deleted_for_good(void)
{
	if (!start())
		return;
	CHECK(tree());
	CHECK_INT(setx("g/d", "user.acg.kind", "application"), 0);
	CHECK_STR(getx("g/d", "user.acg.kind"), "application");
	CHECK(soft_delete_on());
	CHECK_INT(mkdir_p("g/d/2.0.0"), 0);

	/* unlink: for good */
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(count_objects(), 1);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");
	CHECK_STR(ls("g/.softdeleted"), "");
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(count_objects(), 0);
	/* rmdir: for good, and the name is not reserved */
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), 0);
	CHECK_STR(ls("g/.softdeleted/d"), "");
	CHECK_INT(mkdir_p("g/d/1.0.0"), 0);
	/* never into .softdeleted by rename either (R2) */
	CHECK_INT(rename_p("g/d/2.0.0", "g/.softdeleted/d/2.0.0", 0), -EPERM);
	CHECK(ino("g/d/2.0.0") != 0);
	/* the definition is removable at once */
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/d/2.0.0"), 0);
	CHECK_INT(rmdir_p("g/d"), 0);
	stop();
}

static void test_open_file_outlives_hard_delete(void)
{
	struct gfs_attr a;
	struct gfs_handle *h = NULL, *h2 = NULL;
	char buf[64];

	if (!start())
		return;
	CHECK(tree());
	uint64_t f = ino("g/d/1.0.0/a");
	CHECK_INT(gfs_open(core, &root, file_node(f), O_RDWR, &h, &err), 0);
	CHECK_INT(gfs_open(core, &root, file_node(f), O_RDONLY, &h2, &err), 0);
	if (!h || !h2)
		goto out;
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(ino("g/d/1.0.0/a"), 0);
	CHECK_STR(ls("g/d/1.0.0"), "b");
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");

	/* still readable and writable through the descriptors */
	memset(buf, 0, sizeof(buf));
	CHECK_INT(pread(gfs_handle_fd(h), buf, sizeof(buf) - 1, 0), 5);
	CHECK_STR(buf, "alpha");
	CHECK_INT(pwrite(gfs_handle_fd(h), "ALPHA+", 6, 0), 6);
	gfs_handle_wrote(core, h, 6);
	memset(buf, 0, sizeof(buf));
	CHECK_INT(pread(gfs_handle_fd(h2), buf, sizeof(buf) - 1, 0), 6);
	CHECK_STR(buf, "ALPHA+");
	/* the row lives on, unlinked, while open */
	CHECK_INT(gfs_getattr(core, file_node(f), &a, &err), 0);
	CHECK_INT(a.nlink, 0);

	gfs_release(core, h);
	CHECK_INT(gfs_getattr(core, file_node(f), &a, &err), 0);   /* h2 still open */
	memset(buf, 0, sizeof(buf));
	CHECK_INT(pread(gfs_handle_fd(h2), buf, sizeof(buf) - 1, 0), 6);
	gfs_release(core, h2);
	/* the last close takes row and object */
	CHECK_INT(gfs_getattr(core, file_node(f), &a, &err), -ENOENT);
	CHECK_INT(count_objects(), 1);
	CHECK_STR(content_of(ino("g/d/1.0.0/b")), "bravo");
	/* the same for a hard delete inside .softdeleted */
	CHECK(soft_delete_on());
	uint64_t b = ino("g/d/1.0.0/b");
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	h = NULL;
	CHECK_INT(gfs_open(core, &root, file_node(b), O_RDONLY, &h, &err), 0);
	CHECK_INT(unlink_p("g/.softdeleted/d/1.0.0/b"), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/b"), 0);
	if (h) {
		memset(buf, 0, sizeof(buf));
		CHECK_INT(pread(gfs_handle_fd(h), buf, sizeof(buf) - 1, 0), 5);
		CHECK_STR(buf, "bravo");
		gfs_release(core, h);
	}
	CHECK_INT(gfs_getattr(core, file_node(b), &a, &err), -ENOENT);
	CHECK_INT(count_objects(), 0);
out:
	stop();
}

static void test_generations(void)
{
	struct gfs_attr v0, v1, a0, a1, s0, s1;

	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	CHECK_INT(look("g/d/1.0.0", &v0), 0);
	CHECK_INT(look("g/d/1.0.0/a", &a0), 0);

	/* a no-op rmdir of an empty shadow: same number, new generation */
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &s0), 0);
	CHECK_INT(rmdir_p("g/.softdeleted/d/1.0.0"), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &s1), 0);
	CHECK_INT(s1.ino, s0.ino);
	CHECK(s1.gen != s0.gen);
	uint64_t sd0 = gen("g/.softdeleted");
	CHECK_INT(rmdir_p("g/.softdeleted"), 0);
	CHECK(gen("g/.softdeleted") != sd0);
	CHECK(gen("g/.softdeleted") != 0);

	/* files keep theirs across soft delete */
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0/a", &a1), 0);
	CHECK_INT(a1.ino, a0.ino);
	CHECK_INT(a1.gen, a0.gen);

	/* a version soft-deleted by rmdir answers with a new generation */
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &v1), 0);
	CHECK_INT(v1.ino, v0.ino);
	CHECK(v1.gen != v0.gen);
	/* the old incarnation's node id answers ENOENT, as a removed
	 * directory does to whoever still holds it; the new one is there */
	CHECK(v1.nodeid != v0.nodeid);
	CHECK_INT(gfs_getattr(core, v0.nodeid, &s1, &err), -ENOENT);
	CHECK_INT(gfs_getattr(core, v1.nodeid, &s1, &err), 0);
	CHECK_INT(s1.ino, v0.ino);
	CHECK_INT(look("g/.softdeleted/d/1.0.0/a", &a1), 0);
	CHECK_INT(a1.gen, a0.gen);

	/* a shadow replaced by its version (mv onto it) comes back, after
	 * the restore, under a new generation; the version keeps its number */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &s0), 0);
	CHECK_INT(rename_p("g/d/1.0.0", "g/.softdeleted/d/1.0.0", 0), 0);
	CHECK_INT(ino("g/.softdeleted/d/1.0.0"), v0.ino);
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &s1), 0);
	CHECK_INT(s1.ino, s0.ino);
	CHECK(s1.gen != s0.gen);
	CHECK_INT(ino("g/d/1.0.0"), v0.ino);
	stop();
}

/* The link count of path, or -errno. */
static int64_t links(const char *path)
{
	struct gfs_attr a;
	int r = look(path, &a);
	return r < 0 ? r : (int64_t)a.nlink;
}

/* Link counts are remembered between changes (the kernel asks for those
 * under .softdeleted on every request); every change shows at once. */
static void test_link_counts_follow_every_change(void)
{
	if (!start())
		return;
	CHECK(mkdir_p("g") == 0 && mkdir_p("g/d") == 0 && mkdir_p("g/e") == 0);
	CHECK(soft_delete_on());
	CHECK(mkdir_p("g/d/1.0.0") == 0 && mkdir_p("g/d/2.0.0") == 0 &&
	      mkdir_p("g/d/3.0.0") == 0 && mkdir_p("g/e/1.0.0") == 0);
	CHECK(put("g/d/2.0.0/f", "f") && put("g/d/3.0.0/f", "f"));
	CHECK_INT(links("g"), 4);       /* ., .., d, e (.softdeleted is not listed) */
	CHECK_INT(links("g/d"), 5);
	CHECK_INT(links("g/.softdeleted"), 2);
	CHECK_INT(links("g/.softdeleted/d"), 2);

	/* a version soft-deleted, asked twice */
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(links("g/d"), 4);
	CHECK_INT(links("g/d"), 4);
	CHECK_INT(links("g/.softdeleted"), 3);
	CHECK_INT(links("g/.softdeleted/d"), 3);
	CHECK_INT(links("g/.softdeleted/d"), 3);
	/* a file soft-deleted: a shadow appears */
	CHECK_INT(unlink_p("g/d/2.0.0/f"), 0);
	CHECK_INT(links("g/.softdeleted/d"), 4);
	CHECK_INT(links("g/d"), 4);
	/* another definition */
	CHECK_INT(rmdir_p("g/e/1.0.0"), 0);
	CHECK_INT(links("g/.softdeleted"), 4);
	CHECK_INT(links("g/.softdeleted/e"), 3);
	CHECK_INT(links("g/.softdeleted/d"), 4);
	/* a refused change leaves the counts as they were (R3) */
	CHECK_INT(rmdir_p("g/e"), -ENOTEMPTY);
	CHECK_INT(links("g/.softdeleted"), 4);
	CHECK_INT(links("g"), 4);
	/* restore */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(links("g/d"), 5);
	CHECK_INT(links("g/.softdeleted/d"), 3);
	/* hard delete: the shadow's file, then the other definition's version */
	CHECK_INT(unlink_p("g/.softdeleted/d/2.0.0/f"), 0);
	CHECK_INT(links("g/.softdeleted/d"), 2);
	CHECK_INT(links("g/.softdeleted"), 3);
	CHECK_INT(rmdir_p("g/.softdeleted/e/1.0.0"), 0);
	CHECK_INT(links("g/.softdeleted/e"), 2);
	CHECK_INT(links("g/.softdeleted"), 2);
	/* and the live tree */
	CHECK_INT(rmdir_p("g/e"), 0);
	CHECK_INT(links("g"), 3);
	CHECK_INT(mkdir_p("g/d/4.0.0"), 0);
	CHECK_INT(links("g/d"), 6);
	stop();
}

/* The trash view (design §10): a second view of the soft-deleted rows.
 * A move into files/ is a soft delete; a version shows in both views with
 * one st_ino and two node ids, the view it was renamed into keeping the
 * node id the kernel knew; a restore out of either view leaves the live
 * version with the node id of the view it came from. */
static void test_trash_view(void)
{
	struct gfs_attr a, b;

	if (!start())
		return;
	CHECK(tree());
	CHECK(soft_delete_on());
	uint64_t live = node("g/d/1.0.0"), vino = ino("g/d/1.0.0");
	uint64_t fa = ino("g/d/1.0.0/a");
	CHECK_STR(ls(""), "g");         /* no trash listed at the top */
	CHECK_INT(look(".Trash-0", &a), 0);
	CHECK_INT(a.mode, S_IFDIR | 0700);
	CHECK_INT(a.uid, 0);
	CHECK_INT(look(".Trash-1005", &a), 0);
	CHECK_INT(a.uid, 1005);
	CHECK_INT(look(".Trash", &a), -ENOENT);
	CHECK_STR(ls(".Trash-0"), "files,info,expunged");
	CHECK_STR(ls(".Trash-0/files"), "");

	/* a move into the trash soft-deletes, under the name asked for */
	CHECK_INT(rename_p("g/d/1.0.0", ".Trash-0/files/mine", 0), 0);
	CHECK_INT(ino("g/d/1.0.0"), 0);
	CHECK_STR(ls(".Trash-0/files"), "mine");
	CHECK_STR(ls(".Trash-0/info"), "mine.trashinfo");
	CHECK_STR(ls(".Trash-0/files/mine"), "a,b");
	CHECK_STR(ls("g/.softdeleted/d"), "1.0.0");
	CHECK_INT(ino("g/.softdeleted/d/1.0.0/a"), fa);
	CHECK_INT(ino(".Trash-0/files/mine/a"), fa);
	/* one st_ino, two node ids; the trash view keeps the live one */
	CHECK_INT(look(".Trash-0/files/mine", &a), 0);
	CHECK_INT(look("g/.softdeleted/d/1.0.0", &b), 0);
	CHECK_INT(a.ino, vino);
	CHECK_INT(b.ino, vino);
	CHECK_INT(a.nodeid, live);
	CHECK(b.nodeid != live);
	/* another user's trash holds nothing of it */
	CHECK_STR(ls(".Trash-1005/files"), "");
	CHECK(is_utc_stamp(getx("g/.softdeleted/d/1.0.0", "user.acg.deletedAt")));

	/* restore out of the .softdeleted view: the live version takes that
	 * view's node id (the kernel moved that inode) */
	CHECK_INT(rename_p("g/.softdeleted/d/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_INT(node("g/d/1.0.0"), b.nodeid);
	CHECK_INT(ino("g/d/1.0.0"), vino);
	CHECK_STR(ls(".Trash-0/files"), "");
	CHECK_STR(ls(".Trash-0/info"), "");

	/* rm soft-deletes into the remover's trash under the item's name;
	 * a second item of that name gets the next free one */
	CHECK_INT(mkdir_p("g/e"), 0);
	CHECK_INT(mkdir_p("g/e/1.0.0"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/a"), 0);
	CHECK_INT(unlink_p("g/d/1.0.0/b"), 0);
	CHECK_INT(rmdir_p("g/d/1.0.0"), 0);
	CHECK_INT(rmdir_p("g/e/1.0.0"), 0);
	CHECK_STR(ls(".Trash-0/files"), "1.0.0,1.2.0.0");
	/* restore out of the trash view, back to each one's own path */
	CHECK_INT(rename_p(".Trash-0/files/1.2.0.0", "g/d/1.0.0", 0), -EPERM);
	CHECK_INT(rename_p(".Trash-0/files/1.2.0.0", "g/e/1.0.0", 0), 0);
	CHECK(ino("g/e/1.0.0") != 0);
	CHECK_INT(rename_p(".Trash-0/files/1.0.0", "g/d/1.0.0", 0), 0);
	CHECK_STR(ls("g/d/1.0.0"), "a,b");
	CHECK_STR(ls("g/.softdeleted/d"), "");

	/* a file alone, then deleted for good through expunged/ */
	CHECK_INT(count_objects(), 2);
	CHECK_INT(rename_p("g/d/1.0.0/a", ".Trash-0/files/a", 0), 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "a");
	CHECK_INT(rename_p(".Trash-0/files/a", ".Trash-0/expunged/x", 0), 0);
	CHECK_STR(ls("g/.softdeleted/d/1.0.0"), "");
	CHECK_STR(ls(".Trash-0/expunged"), "");
	CHECK_INT(count_objects(), 1);
	/* nothing else is made in the trash, and never EXDEV */
	CHECK_INT(rename_p("g/d", ".Trash-0/files/d", 0), -EPERM);
	CHECK_INT(mkdir_p(".Trash-0/files/x"), -EPERM);
	CHECK_INT(rmdir_p(".Trash-0/files"), -EPERM);
	CHECK_INT(setx("g", "user.acg.softDelete", "false"), 0);
	CHECK_INT(rename_p("g/d/1.0.0", ".Trash-0/files/1.0.0", 0), -EPERM);
	CHECK(ino("g/d/1.0.0") != 0);
	stop();
}

static const struct test_case CASES[] = {
	CASE(test_hard_delete_when_off),
	CASE(test_hard_delete_takes_shadow),
	CASE(test_switched_off_items_stay),
	CASE(test_rename_over_file),
	CASE(test_mirrors_owner_and_mode),
	CASE(test_unlink_soft_deletes_file),
	CASE(test_mv_file_into_shadow),
	CASE(test_rmdir_soft_deletes_version_and_restore),
	CASE(test_restore_keeps_metadata),
	CASE(test_restore_paths),
	CASE(test_rename_version_onto_shadow_merges),
	CASE(test_mkdir_reserved_name),
	CASE(test_hard_delete_inside_softdeleted),
	CASE(test_rmdir_definition_holding_items),
	CASE(test_rmdir_gallery_holding_items),
	CASE(test_softdeleted_resolves_unlisted),
	CASE(test_readdir_offsets_survive_removals),
	CASE(test_softdeleted_definition_lists_holders_only),
	CASE(test_replicas_one_per_region),
	CASE(test_application_versions_deleted_for_good),
	CASE(test_open_file_outlives_hard_delete),
	CASE(test_generations),
	CASE(test_link_counts_follow_every_change),
	CASE(test_trash_view),
};

int main(void)
{
	return run_on_both_backends(CASES, COUNT(CASES));
}
