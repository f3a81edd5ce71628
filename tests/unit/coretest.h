/*
 * coretest.h — what the unit tests that drive galleryfs without a mount
 * share, so that each test file holds only its tests and its fixtures:
 *
 *  - a fresh mkdtemp data directory per test, removed at the test's end
 *    (make_data_dir, remove_data_dir);
 *  - unless CORETEST_DATA_DIR_ONLY is defined before the include, a core
 *    opened on it (open_core, close_core) and helpers that walk the core's
 *    public API (galleryfs.h) from the root, one lookup a step, the way the
 *    kernel would: "g/d/1.0.0/f" for look, mkdir_p, unlink_p, rename_p,
 *    setx, getx, put, content_of, ls, count_objects and their kin;
 *  - the backend as a parameter (run_on_both_backends): every case runs
 *    on SQLite, then, when GFS_TEST_PG names a server (pgtest.h), again
 *    with the catalog on PostgreSQL, each in a fresh database of its own
 *    that close_core drops; without GFS_TEST_PG those are skipped.
 *
 * Header-only: every helper is static inline, so a test binary includes it
 * once and uses what it needs. The state of the one test that runs (dir,
 * core, err) lives here as file-scope variables; include this header only
 * from a test's main source file, never from the code under test.
 */
#ifndef GFS_CORETEST_H
#define GFS_CORETEST_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the per-test data directory ---- */

static char dir[64];

static inline int rm_one(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make dir a fresh, empty /tmp/gfs-test-<test>-XXXXXX. Without one no test
 * means anything: exit 99, TAP's "hard error". */
static inline void make_data_dir(const char *test)
{
	snprintf(dir, sizeof(dir), "/tmp/gfs-test-%s-XXXXXX", test);
	if (!mkdtemp(dir)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		exit(99);
	}
}

static inline void remove_data_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#ifndef CORETEST_DATA_DIR_ONLY

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "config.h"
#include "galleryfs.h"
#include "pgtest.h"
#include "tap.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static struct gfs_config cfg;
static struct gfs_core *core;
static struct gfs_err err;
static const struct gfs_caller root = { .uid = 0, .gid = 0 };

/* ---- the backend under test ---- */

static char core_db[64];                /* the case's database, or "" */
static int core_dbs;

/* The case's catalog: on PostgreSQL a fresh database; false when it
 * cannot be made. */
static inline bool core_catalog(void)
{
	core_db[0] = '\0';
	if (!pgtest_round)
		return true;
	char name[64];
	snprintf(name, sizeof(name), "gfs_core_%d_%d", (int)getpid(), ++core_dbs);
	if (!pgtest_create_db(name))
		return false;
	snprintf(core_db, sizeof(core_db), "%s", name);
	cfg.backend = GFS_BACKEND_POSTGRESQL;
	pgtest_conninfo(cfg.conninfo, sizeof(cfg.conninfo), core_db, "");
	return true;
}

static inline void drop_core_catalog(void)
{
	if (core_db[0])
		pgtest_drop_db(core_db);
	core_db[0] = '\0';
}

/* Run every case on SQLite, then on PostgreSQL when GFS_TEST_PG is set
 * (pgtest_run_both); the exit status for main(). */
static inline int run_on_both_backends(const struct test_case *cases, size_t n)
{
	struct backend_cases c = { .both = cases, .n_both = n };
	return pgtest_run_both(&c);
}

/* A core with the default configuration on a fresh data directory (and
 * on PostgreSQL a fresh database); false (and a failed check) when it
 * does not open, and then the test is skipped. */
static inline bool open_core(const char *test)
{
	struct gfs_core_options o = { 0 };

	make_data_dir(test);
	gfs_config_defaults(&cfg);
	core = NULL;
	if (!core_catalog()) {
		CHECK(!"the case's PostgreSQL database is made");
		remove_data_dir();
		return false;
	}
	o.cfg = &cfg;
	o.data_dir = dir;
	o.mountpoint = dir;
	if (gfs_core_open(&o, &core, &err) < 0) {
		printf("# gfs_core_open: %s\n", err.reason);
		CHECK(!"core opens");
		drop_core_catalog();
		remove_data_dir();
		return false;
	}
	/* the catalog is where the round says: SQLite's file, or none */
	char db_file[128];
	snprintf(db_file, sizeof(db_file), "%s/catalog.db", dir);
	CHECK(access(db_file, F_OK) == (pgtest_round ? -1 : 0));
	return true;
}

static inline void close_core(void)
{
	gfs_core_close(core);
	core = NULL;
	drop_core_catalog();
	remove_data_dir();
}

/* ---- paths: "g/d/1.0.0/f" resolved from the root, one lookup a step ---- */

/* Look path up; 0 or -errno. */
static inline int look(const char *path, struct gfs_attr *a)
{
	char buf[1024], *save = NULL;
	uint64_t ino = GFS_ROOT_INO;

	snprintf(buf, sizeof(buf), "%s", path);
	memset(a, 0, sizeof(*a));
	if (!path[0])
		return gfs_getattr(core, ino, a, &err);
	for (char *name = strtok_r(buf, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		int r = gfs_lookup(core, ino, name, a, &err);
		if (r < 0)
			return r;
		ino = a->nodeid;
	}
	return 0;
}

/* The inode number at path, or 0 when it does not resolve. */
static inline uint64_t ino(const char *path)
{
	struct gfs_attr a;
	return look(path, &a) == 0 ? a.ino : 0;
}

/* The node id at path (what the API takes), or 0. */
static inline uint64_t node(const char *path)
{
	struct gfs_attr a;
	return look(path, &a) == 0 ? a.nodeid : 0;
}

/* The node id of a file from its inode number: files keep generation 1
 * for life (design §9). */
static inline uint64_t file_node(uint64_t file_ino)
{
	return file_ino | UINT64_C(1) << GFS_NODEID_GEN_SHIFT;
}

/* The generation at path, or 0 when it does not resolve. */
static inline uint64_t gen(const char *path)
{
	struct gfs_attr a;
	return look(path, &a) == 0 ? a.gen : 0;
}

/* Split path into its parent's inode number and its last name. */
static inline uint64_t split(const char *path, char *name, size_t len)
{
	char parent[1024];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(name, len, "%s", path);
		return GFS_ROOT_INO;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	snprintf(name, len, "%s", slash + 1);
	return node(parent);
}

/* mkdir, unlink, rmdir and rename by path as root: 0 or -errno. */
static inline int mkdir_p(const char *path)
{
	char name[256];
	struct gfs_attr a;
	uint64_t p = split(path, name, sizeof(name));
	return p ? gfs_mkdir(core, &root, p, name, 0755, &a, &err) : -ENOENT;
}

static inline int unlink_p(const char *path)
{
	char name[256];
	uint64_t p = split(path, name, sizeof(name));
	return p ? gfs_unlink(core, &root, p, name, &err) : -ENOENT;
}

static inline int rmdir_p(const char *path)
{
	char name[256];
	uint64_t p = split(path, name, sizeof(name));
	return p ? gfs_rmdir(core, &root, p, name, &err) : -ENOENT;
}

/* flags as renameat2(2) takes them: 0 or RENAME_NOREPLACE. */
static inline int rename_p(const char *from, const char *to, unsigned flags)
{
	char name[256], newname[256];
	uint64_t p = split(from, name, sizeof(name));
	uint64_t np = split(to, newname, sizeof(newname));
	if (!p || !np)
		return -ENOENT;
	return gfs_rename(core, &root, p, name, np, newname, flags, &err);
}

/* ---- attributes ---- */

static inline int setx(const char *path, const char *name, const char *value)
{
	uint64_t i = node(path);
	return i ? gfs_setxattr(core, &root, i, name, value, strlen(value), 0, &err)
		 : -ENOENT;
}

/* The value of attribute name at path, or "(errno N)". Two calls may
 * appear in one check: the result rotates over four buffers. */
static inline const char *getx(const char *path, const char *name)
{
	static char bufs[4][256];
	static unsigned next;
	char *buf = bufs[next++ % 4];
	uint64_t i = node(path);
	if (!i)
		return "(no such path)";
	ssize_t n = gfs_getxattr(core, i, name, buf, sizeof(bufs[0]) - 1, &err);
	if (n < 0) {
		snprintf(buf, sizeof(bufs[0]), "(errno %d)", (int)-n);
		return buf;
	}
	buf[n] = '\0';
	return buf;
}

/* Whether s is a timestamp as deletedAt and purgeAt read:
 * "YYYY-MM-DDTHH:MM:SSZ" (never one of getx's error strings). */
static inline bool is_utc_stamp(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
			return false;
	return true;
}

/* Two reads that must give the same timestamp: equal, and a timestamp
 * (two failed reads would be equal too). */
#define CHECK_SAME_STAMP(a, b)                                               \
	do {                                                                 \
		const char *stamp_a = (a), *stamp_b = (b);                   \
		CHECK(is_utc_stamp(stamp_a));                                \
		CHECK_STR(stamp_a, stamp_b);                                 \
	} while (0)

/* What getx answers for a failed read: errno_str(ENODATA). */
static inline const char *errno_str(int e)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "(errno %d)", e);
	return buf;
}

/* ---- file contents ---- */

/* Create a file and write content into it through the handle's
 * descriptor; its inode number, or 0. */
static inline uint64_t put(const char *path, const char *content)
{
	char name[256];
	struct gfs_attr a;
	struct gfs_handle *h = NULL;
	uint64_t p = split(path, name, sizeof(name));
	if (!p) {
		printf("# create %s: the parent does not resolve\n", path);
		return 0;
	}
	if (gfs_create(core, &root, p, name, 0644, O_RDWR, &a, &h, &err) < 0) {
		printf("# create %s: %s\n", path, err.reason);
		return 0;
	}
	size_t len = strlen(content);
	if (pwrite(gfs_handle_fd(h), content, len, 0) != (ssize_t)len)
		printf("# pwrite %s: %s\n", path, strerror(errno));
	gfs_handle_wrote(core, h, (off_t)len);
	gfs_release(core, h);
	return a.ino;
}

/* The whole content of the file with inode number i, read through a new
 * handle, or "(errno N)". */
static inline const char *content_of(uint64_t i)
{
	static char buf[4096];
	struct gfs_handle *h = NULL;
	int r = gfs_open(core, &root, file_node(i), O_RDONLY, &h, &err);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "(errno %d)", -r);
		return buf;
	}
	ssize_t n = pread(gfs_handle_fd(h), buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	gfs_release(core, h);
	return buf;
}

/* ---- listings ---- */

struct listing {
	char names[2048];
	uint64_t inos[64];
	int n;
	int limit;              /* take at most this many entries; 0: all */
	uint64_t last_off;
};

static inline int take_entry(void *arg, const struct gfs_dirent *d)
{
	struct listing *l = arg;
	if (l->limit && l->n >= l->limit)
		return 1;
	size_t used = strlen(l->names);
	snprintf(l->names + used, sizeof(l->names) - used, "%s%s",
		 used ? "," : "", d->name);
	if (l->n < 64)
		l->inos[l->n] = d->attr.ino;
	l->n++;
	l->last_off = d->off;
	return 0;
}

/* Read the directory at inode i from offset off into l, "." and ".."
 * included, as readdirplus (plus) or plain readdir; 0 or -errno, and
 * then l->names is "(errno N)". */
static inline int read_entries(uint64_t i, uint64_t off, bool plus,
			       struct listing *l, int limit)
{
	memset(l, 0, sizeof(*l));
	l->limit = limit;
	int r = gfs_readdir(core, i, off, plus, take_entry, l, &err);
	if (r < 0)
		snprintf(l->names, sizeof(l->names), "(errno %d)", -r);
	return r;
}

/* Entries of the directory at inode i from offset off, read as
 * readdirplus, "." and ".." included, as "a,b,c". */
static inline const char *list_from(uint64_t i, uint64_t off,
				    struct listing *l, int limit)
{
	read_entries(i, off, true, l, limit);
	return l->names;
}

/* Entries of the directory at path, without the leading "." and "..", as
 * "a,b"; readdirplus and plain readdir must list the same names. */
static inline const char *ls(const char *path)
{
	static struct listing l;
	struct listing plain;
	uint64_t i = node(path);
	if (!i)
		return "(no such path)";
	int r = read_entries(i, 0, true, &l, 0);
	if (r == 0)
		r = read_entries(i, 0, false, &plain, 0);
	if (r < 0)
		snprintf(l.names, sizeof(l.names), "(errno %d)", -r);
	else if (strcmp(l.names, plain.names) != 0)
		return "(readdir and readdirplus differ)";
	if (strncmp(l.names, ".,..", 4) != 0)
		return l.names;
	return l.names[4] == ',' ? l.names + 5 : l.names + 4;
}

/* ---- the object store ---- */

static int objects;

static inline int count_object(const char *path, const struct stat *st,
			       int flag, struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	if (flag == FTW_F)
		objects++;
	return 0;
}

/* Object files under DATA/objects, or -1. */
static inline int count_objects(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/objects", dir);
	objects = 0;
	if (nftw(path, count_object, 16, FTW_PHYS) < 0)
		return -1;
	return objects;
}

#endif /* CORETEST_DATA_DIR_ONLY */

#endif
