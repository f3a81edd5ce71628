/*
 * gfs-bench — the timed inner loops of scripts/bench.sh, so that a
 * benchmark measures the filesystem rather than fork() and exec() of one
 * shell command per node. Each subcommand prints its elapsed wall-clock
 * seconds on stdout and exits 0, or names the first failure on stderr and
 * exits 1. It measures; it never judges a number.
 *
 *   gfs-bench build ROOT G D V
 *       mkdir the tree ROOT/gI/dJ/1.0.K (I = 1..G, J = 1..D, K = 0..V-1)
 *       and write one small file "disk" into each version.
 *   gfs-bench stat ROOT N SEED
 *       N stat(2) calls on random existing version (or, when the versions
 *       hold files, file) paths of such a tree. The tree's shape is found
 *       by probing names (g1, g2, ...), not by listing, so that no
 *       directory is read before the timed loop.
 *   gfs-bench populate DATA_DIR G D V
 *       the same tree of galleries, definitions and versions (no files)
 *       written straight into a fresh galleryfs catalog through core, one
 *       transaction per definition, for scale runs that would take too
 *       long through the mount. The data directory must not be in use.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "clock.h"
#include "config.h"

#define FILE_NAME "disk"
#define FILE_TEXT "galleryfs bench\n"

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "gfs-bench: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static long count_arg(const char *s, const char *name)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 1) {
		fprintf(stderr, "gfs-bench: %s must be a positive number: %s\n",
			name, s);
		exit(1);
	}
	return v;
}

/* ---- build ---- */

static int build(const char *root, long ng, long nd, long nv)
{
	char path[4096];
	double t0 = seconds();
	size_t text_len = strlen(FILE_TEXT);

	for (long g = 1; g <= ng; g++) {
		snprintf(path, sizeof(path), "%s/g%ld", root, g);
		if (mkdir(path, 0755) < 0)
			fail("mkdir", path);
		for (long d = 1; d <= nd; d++) {
			snprintf(path, sizeof(path), "%s/g%ld/d%ld", root, g, d);
			if (mkdir(path, 0755) < 0)
				fail("mkdir", path);
			for (long v = 0; v < nv; v++) {
				int n = snprintf(path, sizeof(path), "%s/g%ld/d%ld/1.0.%ld",
						 root, g, d, v);
				if (mkdir(path, 0755) < 0)
					fail("mkdir", path);
				snprintf(path + n, sizeof(path) - (size_t)n, "/" FILE_NAME);
				int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
				if (fd < 0)
					fail("create", path);
				if (write(fd, FILE_TEXT, text_len) != (ssize_t)text_len)
					fail("write", path);
				if (close(fd) < 0)
					fail("close", path);
			}
		}
	}
	printf("%.6f\n", seconds() - t0);
	return 0;
}

/* ---- stat ---- */

static bool exists(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return true;
	if (errno != ENOENT)
		fail("stat", path);
	return false;
}

/* How many consecutive names stem+first, stem+(first + 1), ... exist under
 * dir: doubling, then bisecting (a regular tree has no gaps). */
static long probe(const char *dir, const char *stem, long first)
{
	char path[4096];
	long lo = 0, hi = 1;        /* lo names exist; hi is the first unknown */

#define EXISTS(k) (snprintf(path, sizeof(path), "%s/%s%ld", dir, stem, \
			    first + (k) - 1), exists(path))
	while (EXISTS(hi)) {
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1) {       /* name lo exists (or lo = 0); hi does not */
		long mid = lo + (hi - lo) / 2;
		if (EXISTS(mid))
			lo = mid;
		else
			hi = mid;
	}
#undef EXISTS
	return lo;
}

/* splitmix64: a small, seedable generator; the same seed gives every
 * filesystem the same paths. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* n stats of random versions (and files) of the tree under root; with
 * max_d > 0 only in gallery g1's first max_d definitions, so that catalogs
 * of different sizes can be asked the very same paths. */
static int stat_random(const char *root, long n, uint64_t seed, long max_d)
{
	char path[4096];
	struct stat st;

	long ng = probe(root, "g", 1);
	snprintf(path, sizeof(path), "%s/g1", root);
	long nd = ng ? probe(path, "d", 1) : 0;
	snprintf(path, sizeof(path), "%s/g1/d1", root);
	long nv = nd ? probe(path, "1.0.", 0) : 0;
	if (max_d > 0) {
		ng = 1;
		nd = nd < max_d ? nd : max_d;
	}
	if (!ng || !nd || !nv) {
		fprintf(stderr, "gfs-bench: no tree gI/dJ/1.0.K under %s\n", root);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/g1/d1/1.0.0/" FILE_NAME, root);
	bool files = exists(path);

	double t0 = seconds();
	for (long i = 0; i < n; i++) {
		uint64_t r = next_random(&seed);
		long g = 1 + (long)(r % (uint64_t)ng);
		r /= (uint64_t)ng;
		long d = 1 + (long)(r % (uint64_t)nd);
		r /= (uint64_t)nd;
		long v = (long)(r % (uint64_t)nv);
		r /= (uint64_t)nv;
		snprintf(path, sizeof(path), "%s/g%ld/d%ld/1.0.%ld%s", root, g, d, v,
			 files && (r & 1) ? "/" FILE_NAME : "");
		if (stat(path, &st) < 0)
			fail("stat", path);
	}
	printf("%.6f\n", seconds() - t0);
	return 0;
}

/* ---- populate ---- */

/* A directory node as core/ops/create.c makes one (new_node, insert_node). */
static void new_dir(struct gfs_node *n, const struct gfs_node *parent,
		    enum gfs_type type, const char *name, const char *location,
		    int64_t now)
{
	memset(n, 0, sizeof(*n));
	n->parent = parent->id;
	n->gallery = parent->gallery;
	n->definition = parent->definition;
	n->type = type;
	n->state = GFS_LIVE;
	n->name_len = (size_t)snprintf(n->name, sizeof(n->name), "%s", name);
	n->mode = S_IFDIR | 0755;
	n->uid = n->gid = 0;
	n->atime = n->mtime = n->ctime = now;
	n->gen = n->mirror_gen = 1;
	snprintf(n->location, sizeof(n->location), "%s", location);
	if (type == GFS_GALLERY) {
		n->sharing = GFS_SHARING_PRIVATE;
	} else {
		n->kind = GFS_KIND_IMAGE;
		n->prov = GFS_PROV_SUCCEEDED;
	}
}

/* Insert n; a gallery or definition then names itself (the catalog's
 * invariant), a version gets its one replica, a gallery its empty list of
 * Sharing Admins. */
static int insert_dir(struct gfs_txn *t, struct gfs_node *n)
{
	char replicas[GFS_LOCATION_MAX + 8];
	int r = cat_node_insert(t, n);
	if (r < 0)
		return r;
	switch (n->type) {
	case GFS_GALLERY:
		n->gallery = n->id;
		if ((r = cat_node_update(t, n)) == 0)
			r = cat_text_set(t, n->id, CAT_SHARING_ADMINS, "");
		return r;
	case GFS_DEFINITION:
		n->definition = n->id;
		return cat_node_update(t, n);
	default:
		snprintf(replicas, sizeof(replicas), "%s=1", n->location);
		return cat_text_set(t, n->id, CAT_REPLICAS, replicas);
	}
}

/* One transaction: the gallery alone (d == 0) or a definition with all
 * its versions. */
static int populate_one(struct gfs_catalog *cat, struct gfs_node *parent,
			struct gfs_node *made, enum gfs_type type,
			const char *name, long nv, const char *location,
			struct gfs_err *err)
{
	struct gfs_txn *t;
	struct gfs_node v;
	char vname[32];
	int64_t now = gfs_now_ns();
	int r = gfs_txn_begin(cat, true, &t, err);
	if (r < 0)
		return r;
	new_dir(made, parent, type, name, location, now);
	r = insert_dir(t, made);
	for (long k = 0; r == 0 && k < nv; k++) {
		snprintf(vname, sizeof(vname), "1.0.%ld", k);
		new_dir(&v, made, GFS_VERSION, vname, made->location, now);
		r = insert_dir(t, &v);
	}
	if (r < 0) {
		gfs_txn_rollback(t);
		return gfs_err_set(err, -r, "inserting under %s: %s", name,
				   strerror(-r));
	}
	return gfs_txn_commit(t, false, err);
}

static int populate(const char *data_dir, long ng, long nd, long nv)
{
	struct gfs_config cfg;
	struct gfs_catalog *cat;
	struct gfs_txn *t;
	struct gfs_err err;
	struct gfs_node root = { .id = 0 }, g, d;
	char path[4200], name[32];
	bool clean;
	int r;

	gfs_config_defaults(&cfg);
	if (mkdir(data_dir, 0700) < 0 && errno != EEXIST)
		fail("mkdir", data_dir);
	/* the daemon's lock: refuse a data directory a galleryfs is serving */
	snprintf(path, sizeof(path), "%s/lock", data_dir);
	int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		fail("open", path);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0)
		fail("lock", path);

	double t0 = seconds();
	gfs_err_clear(&err);
	if (gfs_catalog_open(data_dir, &cat, &clean, &err) < 0) {
		fprintf(stderr, "gfs-bench: %s\n", err.reason);
		return 1;
	}
	if ((r = gfs_txn_begin(cat, false, &t, &err)) == 0) {
		/* the highest row id ever given: 0 while only the root exists */
		int64_t rows = cat_count_nodes(t);
		gfs_txn_rollback(t);
		if (rows != 0)
			r = gfs_err_set(&err, EEXIST, "catalog in %s is not fresh "
					"(row ids up to %" PRId64 " used): populate a "
					"new data directory", data_dir, rows);
	}
	for (long gi = 1; r == 0 && gi <= ng; gi++) {
		snprintf(name, sizeof(name), "g%ld", gi);
		r = populate_one(cat, &root, &g, GFS_GALLERY, name, 0,
				 cfg.location, &err);
		for (long di = 1; r == 0 && di <= nd; di++) {
			snprintf(name, sizeof(name), "d%ld", di);
			r = populate_one(cat, &g, &d, GFS_DEFINITION, name, nv,
					 g.location, &err);
		}
	}
	gfs_catalog_close(cat);
	close(lock);
	if (r < 0) {
		fprintf(stderr, "gfs-bench: populate: %s\n", err.reason);
		return 1;
	}
	printf("%.6f\n", seconds() - t0);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gfs-bench build ROOT G D V\n"
			"       gfs-bench stat ROOT N SEED [MAX_DEFINITIONS]\n"
			"       gfs-bench populate DATA_DIR G D V\n");
	return 2;
}

int main(int argc, char *argv[])
{
	if (argc == 6 && !strcmp(argv[1], "build"))
		return build(argv[2], count_arg(argv[3], "G"), count_arg(argv[4], "D"),
			     count_arg(argv[5], "V"));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "stat"))
		return stat_random(argv[2], count_arg(argv[3], "N"),
				   strtoull(argv[4], NULL, 10),
				   argc == 6 ? count_arg(argv[5], "MAX_DEFINITIONS") : 0);
	if (argc == 6 && !strcmp(argv[1], "populate"))
		return populate(argv[2], count_arg(argv[3], "G"),
				count_arg(argv[4], "D"), count_arg(argv[5], "V"));
	return usage();
}
