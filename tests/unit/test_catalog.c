/*
 * test_catalog.c — the catalog layer (core/catalog.h) on its own, without
 * the core's lock or object store: schema creation and versioning (design
 * §7), the clean-shutdown marker, refusal of newer and damaged catalogs,
 * row round-trips with arbitrary name bytes, ids that are never reused
 * (design §9), and free attributes (design §4).
 *
 * Every backend answers the same tests (PORTABLE): on SQLite each in a
 * fresh mkdtemp directory, removed at its end; on PostgreSQL, when
 * GFS_TEST_PG holds a conninfo (scripts/pg.sh start prints one), each in a
 * fresh schema of a database made for the run and dropped at its end.
 * Its role must be allowed to create databases (and, for the rights case,
 * roles: scripts/pg.sh's is). Without GFS_TEST_PG the PostgreSQL cases are
 * skipped. Tests that damage the SQLite file stay SQLite's; PostgreSQL has
 * its own (PG_ONLY): what its open refuses and says, rights, two hosts
 * racing for one name and seeing each other's writes, reconnection.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The data directory only: these tests open the catalog, not a core. */
#define CORETEST_DATA_DIR_ONLY
#include "coretest.h"

#include "catalog.h"
#include "pgtest.h"
#include "tap.h"

static char db_path[128];

/* ---- the backend under test ---- */

static PGconn *pg_run;                  /* to this run's database */
static char pg_db[64];                  /* the run's database */
static char pg_schema[32];              /* the test's schema in it */
static char conninfo[1400];             /* the test's catalog */
static int pg_tests;

static bool on_pg(void)
{
	return pgtest_round;
}

/* Run sql on the run's database; false (and why, printed) when it fails. */
static bool pg_exec(const char *sql)
{
	PGresult *r = PQexec(pg_run, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		printf("# %s: %s", sql, PQerrorMessage(pg_run));
	PQclear(r);
	return ok;
}

/* The first column of the first row sql answers, as a number (-1: none). */
static long long pg_value(const char *sql)
{
	PGresult *r = PQexec(pg_run, sql);
	long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ?
		strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		printf("# %s: %s", sql, PQerrorMessage(pg_run));
	PQclear(r);
	return v;
}

/* A conninfo for the run's database, with more keywords after it. */
static void pg_conninfo(char *out, size_t len, const char *more)
{
	pgtest_conninfo(out, len, pg_db, more);
}

/* pg_value of the SQL that fmt and its arguments make. */
__attribute__((format(printf, 1, 2)))
static long long pg_valuef(const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return pg_value(sql);
}

/* Tables, sequences and the like in the test's schema. */
static long long pg_relations(void)
{
	return pg_valuef("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON"
			 " n.oid = c.relnamespace WHERE n.nspname = '%s'", pg_schema);
}

/* Columns of the tables in the test's schema. */
static long long pg_columns(void)
{
	return pg_valuef("SELECT count(*) FROM information_schema.columns WHERE"
			 " table_schema = '%s'", pg_schema);
}

/* How many of schema 4's tables (daemon, change, holder) the test's
 * schema holds. */
static long long pg_tables_of_hosts(void)
{
	return pg_valuef("SELECT count(*) FROM pg_tables WHERE schemaname = '%s'"
			 " AND tablename IN ('daemon', 'change', 'holder')", pg_schema);
}

/* How many of the change log's triggers are on the test's node table. */
static long long pg_triggers(void)
{
	return pg_valuef("SELECT count(*) FROM pg_trigger WHERE tgrelid ="
			 " '%s.node'::regclass AND tgname IN ('node_logged',"
			 " 'node_notify')", pg_schema);
}

/* A fresh, empty data directory for one test, and its catalog's path; on
 * PostgreSQL a fresh schema too, which the catalog is told to use. */
static void fresh_dir(void)
{
	make_data_dir("catalog");
	snprintf(db_path, sizeof(db_path), "%s/catalog.db", dir);
	if (!on_pg())
		return;
	char sql[96], more[64];
	snprintf(pg_schema, sizeof(pg_schema), "t%d", ++pg_tests);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", pg_schema);
	CHECK(pg_exec(sql));
	snprintf(more, sizeof(more), "options='-csearch_path=%s'", pg_schema);
	pg_conninfo(conninfo, sizeof(conninfo), more);
}

static struct cat_open_options options(bool read_only)
{
	return (struct cat_open_options){
		.backend = on_pg() ? "postgresql" : "sqlite", .data_dir = dir,
		.conninfo = conninfo,
		.read_only = read_only,
	};
}

/* Open the test's catalog; on failure print why. */
static struct gfs_catalog *open_cat(bool *was_clean)
{
	struct gfs_catalog *cat = NULL;
	struct gfs_err err;
	bool clean = false;
	struct cat_open_options o = options(false);

	gfs_err_clear(&err);
	if (gfs_catalog_open_with(&o, &cat, &clean, &err) < 0) {
		printf("# gfs_catalog_open: %s\n", err.reason);
		return NULL;
	}
	if (was_clean)
		*was_clean = clean;
	return cat;
}

static struct gfs_txn *begin(struct gfs_catalog *cat, bool write)
{
	struct gfs_txn *t = NULL;
	struct gfs_err err;

	gfs_err_clear(&err);
	if (gfs_txn_begin(cat, write, &t, &err) < 0) {
		printf("# gfs_txn_begin: %s\n", err.reason);
		return NULL;
	}
	return t;
}

static int commit(struct gfs_txn *t)
{
	struct gfs_err err;

	gfs_err_clear(&err);
	int r = gfs_txn_commit(t, false, &err);
	if (r < 0)
		printf("# gfs_txn_commit: %s\n", err.reason);
	return r;
}

/* The stored schema version, as gfs-cat reads it: a read-only open that
 * neither migrates nor refuses. */
static int file_user_version(void)
{
	struct gfs_catalog *cat;
	struct gfs_err err;
	struct cat_open_options o = options(true);

	gfs_err_clear(&err);
	if (gfs_catalog_open_with(&o, &cat, NULL, &err) < 0) {
		printf("# gfs_catalog_open_readonly: %s\n", err.reason);
		return -1;
	}
	int v = gfs_catalog_schema_version(cat);
	gfs_catalog_close(cat);
	return v;
}

/* A node with every column set to a value of its own. */
static void sample_node(struct gfs_node *n, enum gfs_type type, int64_t parent,
			const char *name, size_t len, int seed)
{
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->type = type;
	n->state = GFS_LIVE;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->name_len = len;
	n->mode = (type == GFS_FILE ? 0100000u : 0040000u) | (0640u + (unsigned)seed);
	n->uid = 1000u + (uint32_t)seed;
	n->gid = 2000u + (uint32_t)seed;
	n->size = 12345 + seed;
	n->blocks = 24 + seed;
	n->atime = 1700000000123456789LL + seed;
	n->mtime = 1700000001123456789LL + seed;
	n->ctime = 1700000002123456789LL + seed;
	n->gen = 3 + (uint64_t)seed;
	n->mirror_gen = 5 + (uint64_t)seed;
	snprintf(n->location, sizeof(n->location), "westeurope%d", seed);
	n->kind = GFS_KIND_APPLICATION;
	n->sharing = GFS_SHARING_COMMUNITY;
	n->soft_delete = true;
	n->prov = GFS_PROV_FAILED;
	n->vmss_flex = true;
}

/* Every field of a and b agrees; prints the first that does not. */
static bool same_node(const struct gfs_node *a, const struct gfs_node *b)
{
#define SAME(f)                                                              \
	if (a->f != b->f) {                                                  \
		printf("# field " #f ": %lld != %lld\n", (long long)a->f,   \
		       (long long)b->f);                                     \
		return false;                                                \
	}
	SAME(id) SAME(parent) SAME(gallery) SAME(definition) SAME(type)
	SAME(state) SAME(name_len) SAME(mode) SAME(uid) SAME(gid) SAME(size)
	SAME(blocks) SAME(atime) SAME(mtime) SAME(ctime) SAME(gen)
	SAME(mirror_gen) SAME(deleted_at) SAME(purge_at) SAME(kind)
	SAME(sharing) SAME(soft_delete) SAME(prov) SAME(vmss_flex)
#undef SAME
	if (memcmp(a->name, b->name, a->name_len) != 0) {
		printf("# field name differs\n");
		return false;
	}
	if (strcmp(a->location, b->location) != 0) {
		printf("# field location: %s != %s\n", a->location, b->location);
		return false;
	}
	return true;
}

/* Insert a gallery under the root (pointing at itself), a definition and a
 * version under it; their ids go to the out parameters. */
static int insert_lineage(struct gfs_txn *t, int64_t *g, int64_t *d, int64_t *v)
{
	struct gfs_node n;
	int r;

	sample_node(&n, GFS_GALLERY, 0, "g", 1, 0);
	if ((r = cat_node_insert(t, &n)) < 0)
		return r;
	n.gallery = n.id;
	if ((r = cat_node_update(t, &n)) < 0)
		return r;
	*g = n.id;
	sample_node(&n, GFS_DEFINITION, *g, "d", 1, 1);
	n.gallery = *g;
	if ((r = cat_node_insert(t, &n)) < 0)
		return r;
	n.definition = n.id;
	if ((r = cat_node_update(t, &n)) < 0)
		return r;
	*d = n.id;
	sample_node(&n, GFS_VERSION, *d, "1.0.0", 5, 2);
	n.gallery = *g;
	n.definition = *d;
	if ((r = cat_node_insert(t, &n)) < 0)
		return r;
	*v = n.id;
	return 0;
}

/* Soft-delete node id with purge_at at purge_s. */
static int soft_delete(struct gfs_txn *t, int64_t id, int64_t purge_s)
{
	struct gfs_node n;
	int r = cat_node_get(t, id, &n);
	if (r < 0)
		return r;
	n.state = GFS_SOFT_DELETED;
	n.deleted_at = purge_s - 7 * 86400;
	n.purge_at = purge_s;
	return cat_node_update(t, &n);
}

/* A fresh catalog holding a gallery, definition and version, and a write
 * transaction on it; NULL (and nothing left open) when either fails. */
static struct gfs_txn *fresh_lineage(struct gfs_catalog **cat, int64_t *g,
				     int64_t *d, int64_t *v)
{
	fresh_dir();
	*cat = open_cat(NULL);
	CHECK(*cat != NULL);
	if (!*cat)
		return NULL;
	struct gfs_txn *t = begin(*cat, true);
	CHECK(t != NULL);
	if (!t) {
		gfs_catalog_close(*cat);
		return NULL;
	}
	CHECK_INT(insert_lineage(t, g, d, v), 0);
	return t;
}

/* ------------------------------------------------------------------ */

static void test_open_creates_schema_and_root(void)
{
	bool clean = false;
	struct gfs_node root;

	fresh_dir();
	struct gfs_catalog *cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(clean);   /* a new catalog has nothing to check */
	struct gfs_txn *t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_node_get(t, 0, &root), 0);
		CHECK_INT(root.id, 0);
		CHECK_INT(root.type, GFS_ROOT);
		CHECK_INT(root.state, GFS_LIVE);
		CHECK_INT(root.name_len, 0);
		CHECK_INT(root.mode, 040755);
		CHECK(root.mtime > 0);
		CHECK_INT(cat_count_children(t, 0, GFS_LIVE, 0), 0);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(cat);
	CHECK_INT(GFS_SCHEMA_VERSION, 4);
	CHECK_INT(file_user_version(), 4);
	/* on PostgreSQL schema 4 is the tables of several daemons: a new
	 * catalog has them, the change log's triggers with them */
	if (on_pg()) {
		CHECK_INT(pg_tables_of_hosts(), 3);
		CHECK_INT(pg_triggers(), 2);
	}
out:
	remove_data_dir();
}

static void test_reopen_keeps_data(void)
{
	struct gfs_node n, got;
	int64_t g = 0, d = 0, v = 0;

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	struct gfs_txn *t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(insert_lineage(t, &g, &d, &v), 0);
		CHECK_INT(commit(t), 0);
	}
	gfs_catalog_close(cat);

	bool clean = false;
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(clean);
	t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		sample_node(&n, GFS_VERSION, d, "1.0.0", 5, 2);
		n.id = v;
		n.gallery = g;
		n.definition = d;
		CHECK_INT(cat_node_get(t, v, &got), 0);
		CHECK(same_node(&n, &got));
		CHECK_INT(cat_child_get(t, g, "d", 1, GFS_LIVE, 0, &got), 0);
		CHECK_INT(got.id, d);
		CHECK_INT(got.definition, d);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), GFS_SCHEMA_VERSION);
out:
	remove_data_dir();
}

/* A rolled-back transaction leaves nothing behind. */
static void test_rollback_discards(void)
{
	struct gfs_node n;
	int64_t g = 0, d = 0, v = 0;

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	struct gfs_txn *t = begin(cat, true);
	if (t) {
		CHECK_INT(insert_lineage(t, &g, &d, &v), 0);
		gfs_txn_rollback(t);
	}
	t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_node_get(t, g, &n), -ENOENT);
		CHECK_INT(cat_count_children(t, 0, GFS_LIVE, 0), 0);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* Open, mark running, and end the process without closing: a crash. */
static int crash_in_child(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct gfs_catalog *cat = NULL;
		struct gfs_err err;
		bool clean;
		struct cat_open_options o = options(false);
		gfs_err_clear(&err);
		if (gfs_catalog_open_with(&o, &cat, &clean, &err) < 0)
			_exit(3);
		if (gfs_catalog_mark_running(cat, &err) < 0)
			_exit(4);
		_exit(0);       /* no gfs_catalog_close */
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_clean_marker(void)
{
	struct gfs_err err;
	bool clean = false;

	fresh_dir();
	/* new: clean */
	struct gfs_catalog *cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(clean);
	/* running, then closed properly: clean */
	gfs_err_clear(&err);
	CHECK_INT(gfs_catalog_mark_running(cat, &err), 0);
	gfs_catalog_close(cat);
	clean = false;
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(clean);
	/* opened without marking running, closed: still clean */
	gfs_catalog_close(cat);
	clean = false;
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(clean);
	gfs_catalog_close(cat);

	/* running and killed: unclean at the next open */
	CHECK_INT(crash_in_child(), 0);
	clean = true;
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	CHECK(!clean);

	/* a run that ends properly makes it clean again */
	CHECK_INT(gfs_catalog_mark_running(cat, &err), 0);
	gfs_catalog_close(cat);
	clean = false;
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (cat) {
		CHECK(clean);
		gfs_catalog_close(cat);
	}
out:
	remove_data_dir();
}

static void test_newer_schema_refused(void)
{
	struct gfs_catalog *cat = NULL;
	struct gfs_err err;
	bool clean = false;
	sqlite3 *db = NULL;

	fresh_dir();
	cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	gfs_catalog_close(cat);
	cat = NULL;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(file_user_version(), 99);

	gfs_err_clear(&err);
	int r = gfs_catalog_open(dir, &cat, &clean, &err);
	CHECK(r < 0);
	CHECK(r == -err.errnum);
	CHECK(err.errnum != 0);
	CHECK(strstr(err.reason, "newer") != NULL);
	CHECK(strstr(err.reason, "99") != NULL);
	if (r == 0)
		gfs_catalog_close(cat);
	/* the refused catalog is left as it was */
	CHECK_INT(file_user_version(), 99);
out:
	remove_data_dir();
}

/* A read-only open (gfs-cat) changes nothing: no write transaction, the
 * unclean marker and the file's bytes as they were, and a catalog a daemon
 * holds is refused as busy rather than waited on. */
static void test_read_only_open(void)
{
	struct gfs_catalog *cat = NULL, *ro = NULL;
	struct gfs_txn *t = NULL;
	struct gfs_err err;
	bool clean = true;
	struct stat before, after;

	fresh_dir();
	CHECK_INT(crash_in_child(), 0);         /* leaves it unclean */
	CHECK_INT(stat(db_path, &before), 0);
	gfs_err_clear(&err);
	CHECK_INT(gfs_catalog_open_readonly(dir, &ro, &clean, &err), 0);
	if (!ro)
		goto out;
	CHECK(!clean);
	CHECK_INT(gfs_catalog_schema_version(ro), GFS_SCHEMA_VERSION);
	gfs_err_clear(&err);
	CHECK_INT(gfs_txn_begin(ro, true, &t, &err), -EROFS);
	t = begin(ro, false);
	CHECK(t != NULL);
	if (t) {
		struct gfs_node root;
		CHECK_INT(cat_node_get(t, 0, &root), 0);
		CHECK_INT(root.type, GFS_ROOT);
		char msg[256] = "";
		CHECK_INT(cat_integrity_check(t, true, msg, sizeof(msg)), 0);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(ro);
	ro = NULL;
	CHECK_INT(stat(db_path, &after), 0);
	CHECK(before.st_size == after.st_size);
	CHECK(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	      before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	/* still unclean: a look is not a clean end */
	cat = open_cat(&clean);
	CHECK(cat != NULL);
	CHECK(!clean);
	if (!cat)
		goto out;
	/* held by a daemon (this open, once it has written; locks are per
	 * process, so the look is from a child): busy, said so */
	gfs_err_clear(&err);
	CHECK_INT(gfs_catalog_mark_running(cat, &err), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		gfs_err_clear(&err);
		int r = gfs_catalog_open_readonly(dir, &ro, NULL, &err);
		_exit(r == -EBUSY && strstr(err.reason, "unmount") ? 0 :
		      r == 0 ? 1 : 2);
	}
	int status = -1;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

static void test_not_a_database(void)
{
	struct gfs_catalog *cat = NULL;
	struct gfs_err err;
	bool clean = false;
	char junk[8192];

	fresh_dir();
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = "this is not a database, just words. "[i % 36];
	int fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(write(fd, junk, sizeof(junk)), sizeof(junk));
		close(fd);
	}
	gfs_err_clear(&err);
	int r = gfs_catalog_open(dir, &cat, &clean, &err);
	CHECK(r < 0);
	CHECK(err.errnum != 0);
	CHECK(r == -err.errnum);
	CHECK(strstr(err.reason, "catalog") != NULL);
	CHECK(strstr(err.reason, "not a") != NULL);
	if (r < 0)
		printf("# (message: %s)\n", err.reason);
	else
		gfs_catalog_close(cat);
	/* the file is not overwritten */
	struct stat st;
	CHECK_INT(stat(db_path, &st), 0);
	CHECK_INT(st.st_size, sizeof(junk));
	remove_data_dir();
}

static void test_node_round_trip(void)
{
	struct gfs_node n, got;
	int64_t g = 0, d = 0, v = 0;
	char weird[256];
	size_t wlen = 0;
	static const char inject[] = "a'; DROP TABLE node; --";

	for (int b = 1; b <= 255; b++)
		if (b != '/')
			weird[wlen++] = (char)b;
	weird[wlen] = '\0';

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	struct gfs_txn *t = begin(cat, true);
	CHECK(t != NULL);
	if (!t)
		goto close;
	CHECK_INT(insert_lineage(t, &g, &d, &v), 0);

	/* the gallery, written whole and read back whole */
	sample_node(&n, GFS_GALLERY, 0, "g", 1, 0);
	n.id = g;
	n.gallery = g;
	CHECK_INT(cat_node_get(t, g, &got), 0);
	CHECK(same_node(&n, &got));

	/* a file named with SQL in it */
	struct gfs_node f1;
	sample_node(&f1, GFS_FILE, v, inject, strlen(inject), 7);
	f1.gallery = g;
	f1.definition = d;
	CHECK_INT(cat_node_insert(t, &f1), 0);
	CHECK(f1.id > v);
	CHECK_INT(cat_node_get(t, f1.id, &got), 0);
	CHECK(same_node(&f1, &got));
	CHECK_INT(cat_child_get(t, v, inject, strlen(inject), GFS_LIVE, 0, &got), 0);
	CHECK_INT(got.id, f1.id);

	/* a file named with every byte but '/' and NUL */
	struct gfs_node f2;
	sample_node(&f2, GFS_FILE, v, weird, wlen, 9);
	f2.gallery = g;
	f2.definition = d;
	CHECK_INT(wlen, 254);
	CHECK_INT(cat_node_insert(t, &f2), 0);
	CHECK_INT(cat_node_get(t, f2.id, &got), 0);
	CHECK(same_node(&f2, &got));
	CHECK_INT(got.name_len, 254);
	CHECK_INT(memcmp(got.name, weird, wlen), 0);
	CHECK_INT(cat_child_get(t, v, weird, wlen, GFS_LIVE, 0, &got), 0);
	CHECK_INT(got.id, f2.id);
	/* a prefix of the name is another name */
	CHECK_INT(cat_child_get(t, v, weird, wlen - 1, GFS_LIVE, 0, &got), -ENOENT);

	/* update: every column changes, including state and times */
	struct gfs_node u;
	sample_node(&u, GFS_FILE, v, "renamed", 7, 21);
	u.id = f2.id;
	u.gallery = g;
	u.definition = d;
	u.state = GFS_SOFT_DELETED;
	u.deleted_at = 1800000000;
	u.purge_at = 1800000000 + 7 * 86400;
	u.kind = GFS_KIND_IMAGE;
	u.sharing = GFS_SHARING_DIRECT;
	u.soft_delete = false;
	u.prov = GFS_PROV_CREATING;
	u.vmss_flex = false;
	u.location[0] = '\0';
	CHECK_INT(cat_node_update(t, &u), 0);
	CHECK_INT(cat_node_get(t, f2.id, &got), 0);
	CHECK(same_node(&u, &got));
	CHECK_INT(cat_child_get(t, v, "renamed", 7, GFS_SOFT_DELETED, 0, &got), 0);
	CHECK_INT(cat_child_get(t, v, "renamed", 7, GFS_LIVE, 0, &got), -ENOENT);
	CHECK_INT(cat_child_get(t, v, weird, wlen, GFS_LIVE, 0, &got), -ENOENT);
	/* soft-deleted rows past purge_at are not found, earlier ones are */
	CHECK_INT(cat_child_get(t, v, "renamed", 7, GFS_SOFT_DELETED,
				u.purge_at - 1, &got), 0);
	CHECK_INT(cat_child_get(t, v, "renamed", 7, GFS_SOFT_DELETED,
				u.purge_at, &got), -ENOENT);

	/* two live children cannot share a name */
	struct gfs_node dup;
	sample_node(&dup, GFS_FILE, v, inject, strlen(inject), 8);
	dup.gallery = g;
	dup.definition = d;
	CHECK(cat_node_insert(t, &dup) < 0);

	/* delete */
	CHECK(cat_file_exists(t, f1.id));
	CHECK(!cat_file_exists(t, v));          /* a version is no file */
	CHECK_INT(cat_node_delete(t, f1.id), 0);
	CHECK_INT(cat_node_get(t, f1.id, &got), -ENOENT);
	CHECK(!cat_file_exists(t, f1.id));
	CHECK_INT(cat_child_get(t, v, inject, strlen(inject), GFS_LIVE, 0, &got),
		  -ENOENT);
	CHECK_INT(commit(t), 0);

	/* the table survived the name with SQL in it */
	t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_node_get(t, f2.id, &got), 0);
		CHECK(same_node(&u, &got));
		CHECK_INT(cat_node_get(t, 0, &got), 0);
		gfs_txn_rollback(t);
	}
close:
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

static void test_ids_never_reused(void)
{
	struct gfs_node n;
	int64_t g = 0, d = 0, v = 0;

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	struct gfs_txn *t = begin(cat, true);
	CHECK(t != NULL);
	if (!t)
		goto close;
	CHECK_INT(insert_lineage(t, &g, &d, &v), 0);
	CHECK(g > 0 && d > g && v > d);

	sample_node(&n, GFS_FILE, v, "a", 1, 1);
	n.gallery = g;
	n.definition = d;
	CHECK_INT(cat_node_insert(t, &n), 0);
	int64_t first = n.id;
	/* the highest id goes: a plain rowid table would hand it out again */
	CHECK_INT(cat_node_delete(t, first), 0);
	sample_node(&n, GFS_FILE, v, "a", 1, 1);
	n.gallery = g;
	n.definition = d;
	CHECK_INT(cat_node_insert(t, &n), 0);
	int64_t second = n.id;
	CHECK(second > first);
	CHECK_INT(cat_node_delete(t, second), 0);
	CHECK_INT(commit(t), 0);
	gfs_catalog_close(cat);

	/* nor after a reopen */
	cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	t = begin(cat, true);
	CHECK(t != NULL);
	if (!t)
		goto close;
	sample_node(&n, GFS_FILE, v, "b", 1, 2);
	n.gallery = g;
	n.definition = d;
	CHECK_INT(cat_node_insert(t, &n), 0);
	CHECK(n.id > second);
	CHECK(cat_count_nodes(t) >= n.id);
	CHECK_INT(commit(t), 0);
close:
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* Collects free attribute names as "a,b,c". */
struct names {
	char buf[512];
};

static int add_xattr_name(void *arg, const char *name, const void *value,
			  size_t len)
{
	struct names *nm = arg;
	(void)value;
	(void)len;
	size_t used = strlen(nm->buf);
	snprintf(nm->buf + used, sizeof(nm->buf) - used, "%s%s", used ? "," : "",
		 name);
	return 0;
}

static const char *xattr_names(struct gfs_txn *t, int64_t node, struct names *nm)
{
	nm->buf[0] = '\0';
	if (cat_xattr_list(t, node, add_xattr_name, nm) < 0)
		return "(error)";
	return nm->buf;
}

static void test_free_xattrs(void)
{
	int64_t g = 0, d = 0, v = 0;
	struct names nm;
	char buf[64];
	size_t len = 0;
	static const char bin[] = { 'x', '\0', 'y', '\377', '\n' };

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	struct gfs_txn *t = begin(cat, true);
	CHECK(t != NULL);
	if (!t)
		goto close;
	CHECK_INT(insert_lineage(t, &g, &d, &v), 0);

	CHECK_STR(xattr_names(t, v, &nm), "");
	CHECK_INT(cat_xattr_get(t, v, "user.b", buf, sizeof(buf), &len), -ENODATA);
	CHECK_INT(cat_xattr_set(t, v, "user.b", "1", 1, 0), 0);
	CHECK_INT(cat_xattr_set(t, v, "user.a", bin, sizeof(bin), 0), 0);
	CHECK_INT(cat_xattr_set(t, v, "user.c", "", 0, 0), 0);
	CHECK_STR(xattr_names(t, v, &nm), "user.b,user.a,user.c");

	/* binary values, empty values */
	CHECK_INT(cat_xattr_get(t, v, "user.a", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, sizeof(bin));
	CHECK_INT(memcmp(buf, bin, sizeof(bin)), 0);
	CHECK_INT(cat_xattr_get(t, v, "user.c", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 0);
	/* size 0 asks the length only; too small a buffer is ERANGE */
	len = 0;
	CHECK_INT(cat_xattr_get(t, v, "user.a", NULL, 0, &len), 0);
	CHECK_INT(len, sizeof(bin));
	CHECK_INT(cat_xattr_get(t, v, "user.a", buf, 2, &len), -ERANGE);

	/* replacing keeps the first-set position */
	CHECK_INT(cat_xattr_set(t, v, "user.b", "22", 2, 0), 0);
	CHECK_STR(xattr_names(t, v, &nm), "user.b,user.a,user.c");
	CHECK_INT(cat_xattr_get(t, v, "user.b", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 2);
	CHECK_INT(memcmp(buf, "22", 2), 0);

	/* XATTR_CREATE (1) on an existing name, XATTR_REPLACE (2) on a
	 * missing one; neither changes anything */
	CHECK_INT(cat_xattr_set(t, v, "user.b", "333", 3, 1), -EEXIST);
	CHECK_INT(cat_xattr_get(t, v, "user.b", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 2);
	CHECK_INT(cat_xattr_set(t, v, "user.zz", "1", 1, 2), -ENODATA);
	CHECK_INT(cat_xattr_get(t, v, "user.zz", buf, sizeof(buf), &len), -ENODATA);
	/* ... and succeed in the other case */
	CHECK_INT(cat_xattr_set(t, v, "user.b", "4444", 4, 2), 0);
	CHECK_INT(cat_xattr_get(t, v, "user.b", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 4);
	CHECK_INT(cat_xattr_set(t, v, "user.d", "5", 1, 1), 0);
	CHECK_STR(xattr_names(t, v, &nm), "user.b,user.a,user.c,user.d");

	/* removal, and a name set again goes last */
	CHECK_INT(cat_xattr_remove(t, v, "user.b"), 0);
	CHECK_INT(cat_xattr_remove(t, v, "user.b"), -ENODATA);
	CHECK_STR(xattr_names(t, v, &nm), "user.a,user.c,user.d");
	CHECK_INT(cat_xattr_set(t, v, "user.b", "6", 1, 0), 0);
	CHECK_STR(xattr_names(t, v, &nm), "user.a,user.c,user.d,user.b");
	CHECK_INT(cat_xattr_names_size(t, v),
		  strlen("user.a") + strlen("user.c") + strlen("user.d") +
		  strlen("user.b") + 4);

	/* attributes are per node */
	CHECK_STR(xattr_names(t, d, &nm), "");
	CHECK_INT(cat_xattr_set(t, d, "user.a", "d", 1, 1), 0);
	CHECK_STR(xattr_names(t, d, &nm), "user.a");
	CHECK_INT(commit(t), 0);

	/* they persist, in order */
	t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_STR(xattr_names(t, v, &nm), "user.a,user.c,user.d,user.b");
		gfs_txn_rollback(t);
	}
	/* and go with their node */
	t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_node_delete(t, v), 0);
		CHECK_STR(xattr_names(t, v, &nm), "");
		CHECK_INT(cat_xattr_names_size(t, v), 0);
		CHECK_INT(commit(t), 0);
	}
close:
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* The trash rows (design §10): one per item, names unique per trash, the
 * trash's mtime moving with every row that comes or goes and with every
 * item that passes its purgeAt. */
static void test_trash_rows(void)
{
	int64_t g = 0, d = 0, v = 0;
	struct gfs_node n, item;
	struct cat_trash e = { .uid = 1005, .name = "1.0.0", .name_len = 5 }, got;

	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, &g, &d, &v);
	if (!t)
		goto out;
	CHECK_INT(cat_node_get(t, v, &n), 0);
	n.state = GFS_SOFT_DELETED;
	n.deleted_at = 1000;
	n.purge_at = 1000 + 7 * 86400;
	CHECK_INT(cat_node_update(t, &n), 0);
	CHECK_INT(cat_trash_mtime(t, 1005, 2000), 0);
	e.node = v;
	CHECK_INT(cat_trash_add(t, &e, 5000), 0);
	int64_t m1 = cat_trash_mtime(t, 1005, 2000);
	CHECK_INT(m1, 5000);
	/* the name is taken in that trash, not in another */
	CHECK(cat_trash_name_taken(t, 1005, "1.0.0", 5));
	CHECK(!cat_trash_name_taken(t, 1006, "1.0.0", 5));
	struct cat_trash other = e;
	other.node = d;     /* any row: the name clashes first */
	CHECK_INT(cat_trash_add(t, &other, 6000), -EEXIST);
	CHECK_INT(cat_trash_find(t, 1005, "1.0.0", 5, 2000, &item, &got), 0);
	CHECK_INT(item.id, v);
	CHECK_INT(got.uid, 1005);
	CHECK_STR(got.name, "1.0.0");
	CHECK_INT(cat_trash_find(t, 1006, "1.0.0", 5, 2000, &item, &got), -ENOENT);
	/* past its purgeAt it is not found, and the trash changed then */
	CHECK_INT(cat_trash_find(t, 1005, "1.0.0", 5, n.purge_at, &item, &got), -ENOENT);
	CHECK_INT(cat_trash_mtime(t, 1005, n.purge_at), n.purge_at * 1000000000LL);
	/* a change at the same time still moves the mtime */
	CHECK_INT(cat_trash_remove(t, v, 5000), 0);
	CHECK_INT(cat_trash_mtime(t, 1005, 2000), 5001);
	CHECK_INT(cat_trash_get(t, v, &got), -ENOENT);
	/* deleting the node takes its trash row along, and touches the trash */
	CHECK_INT(cat_trash_add(t, &e, 7000), 0);
	CHECK_INT(cat_node_delete(t, v), 0);
	CHECK_INT(cat_trash_get(t, v, &got), -ENOENT);
	CHECK(cat_trash_mtime(t, 1005, 2000) > 7000);
	CHECK_INT(commit(t), 0);
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* A catalog of schema 1 had no trash: the migration gives every item
 * soft-deleted then a row in its owner's trash, names made unique. */
static void test_migration_to_trash(void)
{
	int64_t g = 0, d = 0, v = 0, v2 = 0;
	struct gfs_node n;

	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, &g, &d, &v);
	if (!t)
		goto out;
	/* a second definition with a version of the same name */
	sample_node(&n, GFS_DEFINITION, g, "e", 1, 3);
	n.gallery = g;
	CHECK_INT(cat_node_insert(t, &n), 0);
	int64_t e = n.id;
	n.definition = e;
	CHECK_INT(cat_node_update(t, &n), 0);
	sample_node(&n, GFS_VERSION, e, "1.0.0", 5, 2);
	n.gallery = g;
	n.definition = e;
	CHECK_INT(cat_node_insert(t, &n), 0);
	v2 = n.id;
	CHECK_INT(soft_delete(t, v, 1000 + 7 * 86400), 0);
	CHECK_INT(soft_delete(t, v2, 1000 + 7 * 86400), 0);
	CHECK_INT(commit(t), 0);
	gfs_catalog_close(cat);

	/* back to schema 1 */
	sqlite3 *db;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "DROP TABLE trash; DROP TABLE trash_dir;"
			       "DROP TABLE mirror_dir;"
			       "DROP INDEX node_softdeleted_gallery;"
			       "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(file_user_version(), 1);

	cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		struct cat_trash a, b;
		CHECK_INT(cat_trash_get(t, v, &a), 0);
		CHECK_INT(cat_trash_get(t, v2, &b), 0);
		CHECK_INT(a.uid, 1002);     /* sample_node's owner, seed 2 */
		CHECK_STR(a.name, "1.0.0");
		CHECK_STR(b.name, "1.2.0.0");
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), GFS_SCHEMA_VERSION);
out:
	remove_data_dir();
}

/* The .softdeleted mirrors' mtimes (design §9): a touch sets the time given,
 * 1 ns on when that is the last one; an expiry of a row a mirror shows moves it to that
 * purge_at; a mirror of live rows only has none; a deleted node's goes. */
static void test_mirror_mtimes(void)
{
	int64_t g = 0, d = 0, v = 0;
	struct gfs_node n;

	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, &g, &d, &v);
	if (!t)
		goto out;
	sample_node(&n, GFS_FILE, v, "f", 1, 4);
	n.gallery = g;
	n.definition = d;
	CHECK_INT(cat_node_insert(t, &n), 0);
	int64_t f = n.id;
	sample_node(&n, GFS_GALLERY, 0, "h", 1, 5);
	CHECK_INT(cat_node_insert(t, &n), 0);
	int64_t h = n.id;
	n.gallery = h;
	CHECK_INT(cat_node_update(t, &n), 0);

	/* live rows only: never changed */
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 0);
	CHECK_INT(cat_mirror_mtime(t, d, 3000), 0);
	CHECK_INT(cat_mirror_mtime(t, v, 3000), 0);

	/* touches: to the time given, 1 ns on when that is the same (a clock
	 * set back is followed, so that later expiries still show) */
	CHECK_INT(cat_mirror_touch(t, g, 5000), 0);
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 5000);
	CHECK_INT(cat_mirror_touch(t, g, 5000), 0);
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 5001);
	CHECK_INT(cat_mirror_touch(t, g, 5001), 0);
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 5002);
	CHECK_INT(cat_mirror_touch(t, g, 4000), 0);
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 4000);
	CHECK_INT(cat_mirror_touch(t, g, 9000), 0);
	CHECK_INT(cat_mirror_mtime(t, g, 3000), 9000);
	/* each mirror has its own */
	CHECK_INT(cat_mirror_mtime(t, d, 3000), 0);
	CHECK_INT(cat_mirror_mtime(t, h, 3000), 0);

	/* a soft-deleted file of v expiring at 2000 s: every mirror that
	 * shows it changes then, and only from then */
	CHECK_INT(soft_delete(t, f, 2000), 0);
	CHECK_INT(cat_mirror_mtime(t, v, 1999), 0);
	CHECK_INT(cat_mirror_mtime(t, v, 2000), 2000 * 1000000000LL);
	CHECK_INT(cat_mirror_mtime(t, d, 1999), 0);
	CHECK_INT(cat_mirror_mtime(t, d, 2500), 2000 * 1000000000LL);
	CHECK_INT(cat_mirror_mtime(t, g, 1999), 9000);
	CHECK_INT(cat_mirror_mtime(t, g, 2000), 2000 * 1000000000LL);
	CHECK_INT(cat_mirror_mtime(t, h, 2500), 0);
	/* the latest expiry counts, and a later touch wins over it */
	CHECK_INT(soft_delete(t, v, 2100), 0);
	CHECK_INT(cat_mirror_mtime(t, d, 2050), 2000 * 1000000000LL);
	CHECK_INT(cat_mirror_mtime(t, d, 2100), 2100 * 1000000000LL);
	CHECK_INT(cat_mirror_touch(t, d, 2200 * 1000000000LL), 0);
	CHECK_INT(cat_mirror_mtime(t, d, 2100), 2200 * 1000000000LL);
	CHECK_INT(commit(t), 0);

	/* kept across transactions; a deleted node's mirror goes with it */
	t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_mirror_mtime(t, g, 1000), 9000);
		CHECK_INT(cat_mirror_touch(t, v, 7000), 0);
		CHECK_INT(cat_node_delete(t, f), 0);
		CHECK_INT(cat_node_delete(t, v), 0);
		CHECK_INT(cat_mirror_mtime(t, v, 1000), 0);
		CHECK_INT(cat_mirror_mtime(t, d, 1000), 2200 * 1000000000LL);
		CHECK_INT(commit(t), 0);
	}
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* A catalog of schema 2 had no mirror mtimes: it gains the table, and its
 * mirrors start at their expiries. */
static void test_migration_to_mirrors(void)
{
	int64_t g = 0, d = 0, v = 0;

	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, &g, &d, &v);
	if (!t)
		goto out;
	CHECK_INT(soft_delete(t, v, 4000), 0);
	CHECK_INT(commit(t), 0);
	gfs_catalog_close(cat);

	sqlite3 *db;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "DROP TABLE mirror_dir;"
			       "DROP INDEX node_softdeleted_gallery;"
			       "PRAGMA user_version=2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(file_user_version(), 2);

	cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_mirror_mtime(t, g, 3999), 0);
		CHECK_INT(cat_mirror_mtime(t, g, 4000), 4000 * 1000000000LL);
		CHECK_INT(cat_mirror_touch(t, g, 5000 * 1000000000LL), 0);
		CHECK_INT(cat_mirror_mtime(t, g, 4000), 5000 * 1000000000LL);
		CHECK_INT(commit(t), 0);
	}
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), GFS_SCHEMA_VERSION);
out:
	remove_data_dir();
}

/* A fresh catalog, closed, holding fresh_lineage's rows, its version v
 * soft-deleted to expire at 4000 s: what a migration must keep. */
static bool lineage_to_migrate(int64_t *g, int64_t *d, int64_t *v)
{
	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, g, d, v);
	if (!t)
		return false;
	CHECK_INT(soft_delete(t, *v, 4000), 0);
	int r = commit(t);
	CHECK_INT(r, 0);
	gfs_catalog_close(cat);
	return r == 0;
}

/* Open the catalog that lineage_to_migrate made, now older: it opens
 * migrated, at schema 4, clean (a migration is no unclean end), with
 * every row it had. NULL when it does not open. */
static struct gfs_catalog *open_migrated(int64_t g, int64_t d, int64_t v)
{
	struct gfs_node n;
	bool clean = false;
	struct gfs_catalog *cat = open_cat(&clean);
	CHECK(cat != NULL);
	if (!cat)
		return NULL;
	CHECK(clean);
	CHECK_INT(gfs_catalog_schema_version(cat), 4);
	struct gfs_txn *t = begin(cat, false);
	CHECK(t != NULL);
	if (!t)
		return cat;
	CHECK_INT(cat_node_get(t, v, &n), 0);
	CHECK_INT(n.state, GFS_SOFT_DELETED);
	CHECK_INT(n.purge_at, 4000);
	CHECK_INT(cat_child_get(t, g, "d", 1, GFS_LIVE, 0, &n), 0);
	CHECK_INT(n.id, d);
	gfs_txn_rollback(t);
	return cat;
}

/* The names of every table, index and trigger of the SQLite file, in one
 * line, or "(error)". */
static const char *sqlite_objects(void)
{
	static char buf[2048];
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t used = 0;
	snprintf(buf, sizeof(buf), "(error)");
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return buf;
	if (sqlite3_prepare_v2(db, "SELECT type || ' ' || name FROM sqlite_master"
			       " ORDER BY 1", -1, &st, NULL) == SQLITE_OK) {
		buf[0] = '\0';
		while (sqlite3_step(st) == SQLITE_ROW && used + 1 < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s;",
						 sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return buf;
}

/* A catalog of schema 3, as the galleryfs before schema 4 left it, is
 * migrated to 4 at open, keeping its rows: on SQLite the step adds
 * nothing (the tables of schema 4 serve several daemons), it moves the
 * number only, once. */
static void test_migration_to_schema_4(void)
{
	int64_t g = 0, d = 0, v = 0;
	char before[2048];

	if (!lineage_to_migrate(&g, &d, &v))
		goto out;
	snprintf(before, sizeof(before), "%s", sqlite_objects());

	sqlite3 *db;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version=3", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(file_user_version(), 3);

	struct gfs_catalog *cat = open_migrated(g, d, v);
	if (!cat)
		goto out;
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), 4);
	CHECK_STR(sqlite_objects(), before);
out:
	remove_data_dir();
}

/* ------------------------------------------------------------------ */
/* PostgreSQL's own                                                    */

/* Open conninfo c, expecting it refused with errno e and a reason that
 * holds each of the words (NULL-ended); the reason is printed. */
static void expect_refused(const char *c, int e, const char *const *words)
{
	struct gfs_catalog *cat = NULL;
	struct gfs_err err;
	struct cat_open_options o = { .backend = "postgresql", .conninfo = c };

	gfs_err_clear(&err);
	int r = gfs_catalog_open_with(&o, &cat, NULL, &err);
	CHECK_INT(r, -e);
	CHECK_INT(err.errnum, e);
	printf("# (message: %s)\n", err.reason);
	for (int i = 0; words[i]; i++)
		if (!strstr(err.reason, words[i])) {
			printf("# the message lacks \"%s\"\n", words[i]);
			CHECK(!"the message says it");
		}
	if (r == 0)
		gfs_catalog_close(cat);
}

/* A newer schema is refused, saying so, and left as it was; a look
 * (gfs-cat) still opens it and tells its version. */
static void test_pg_newer_schema_refused(void)
{
	char sql[128];

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	gfs_catalog_close(cat);
	snprintf(sql, sizeof(sql), "UPDATE %s.meta SET value = '99' WHERE key = 'schema'",
		 pg_schema);
	CHECK(pg_exec(sql));
	expect_refused(conninfo, EPROTO, (const char *const[]){ "newer", "99",
		       pg_db, NULL });
	CHECK_INT(file_user_version(), 99);
out:
	remove_data_dir();
}

/* What an open cannot do is said with the catalog's place and the remedy,
 * never the password, and creates nothing. */
static void test_pg_open_refusals(void)
{
	char c[1500], more[128];

	fresh_dir();
	/* no server there */
	snprintf(c, sizeof(c), "host=/tmp/gfs-no-server-%d dbname=galleryfs"
		 " user=galleryfs password=sekrit connect_timeout=3", (int)getpid());
	expect_refused(c, EIO, (const char *const[]){ "host=/tmp/gfs-no-server",
		       "server running", NULL });
	expect_refused(c, EIO, (const char *const[]){ "dbname=galleryfs", NULL });
	{
		struct gfs_catalog *cat = NULL;
		struct gfs_err err;
		struct cat_open_options o = { .backend = "postgresql", .conninfo = c };
		gfs_catalog_open_with(&o, &cat, NULL, &err);
		CHECK(strstr(err.reason, "sekrit") == NULL);
	}
	/* a role the server does not know */
	snprintf(more, sizeof(more), "user=gfs_no_such_role_%d", (int)getpid());
	pg_conninfo(c, sizeof(c), more);
	expect_refused(c, EACCES, (const char *const[]){ "gfs_no_such_role",
		       "role", NULL });
	/* a database that is not there */
	snprintf(c, sizeof(c), "%s dbname=gfs_no_such_db", pgtest_base);
	expect_refused(c, ENOENT, (const char *const[]){ "gfs_no_such_db",
		       "createdb", NULL });
	/* an unknown backend */
	struct cat_open_options o = { .backend = "oracle" };
	struct gfs_catalog *cat = NULL;
	struct gfs_err err;
	CHECK_INT(gfs_catalog_open_with(&o, &cat, NULL, &err), -EINVAL);
	CHECK(strstr(err.reason, "oracle") != NULL);
	CHECK(gfs_catalog_backend("postgresql") == &gfs_catalog_pg);
	CHECK(gfs_catalog_backend(NULL) == &gfs_catalog_sqlite);
	CHECK(gfs_catalog_backend("oracle") == NULL);
	CHECK_INT(pg_relations(), 0);
	remove_data_dir();
}

/* What the conninfo leaves out, libpq's environment variables give: here
 * the database (PGDATABASE) and the schema (PGOPTIONS). */
static void test_pg_environment(void)
{
	char opts[64];
	struct gfs_err err;
	struct gfs_catalog *cat = NULL;

	fresh_dir();
	snprintf(opts, sizeof(opts), "-csearch_path=%s", pg_schema);
	setenv("PGOPTIONS", opts, 1);
	setenv("PGDATABASE", pg_db, 1);
	struct cat_open_options o = { .backend = "postgresql", .conninfo = pgtest_base };
	gfs_err_clear(&err);
	CHECK_INT(gfs_catalog_open_with(&o, &cat, NULL, &err), 0);
	if (cat)
		gfs_catalog_close(cat);
	else
		printf("# %s\n", err.reason);
	CHECK(pg_relations() > 0);
	unsetenv("PGOPTIONS");
	unsetenv("PGDATABASE");
	remove_data_dir();
}

/* Rewind the test's catalog, closed, to schema 3: as the first galleryfs
 * on PostgreSQL left it (all, none of schema 4's tables) or as the builds
 * that made those tables beside schema 3, when missing, before the holder
 * table came (all false). */
static bool pg_rewind_to_3(bool all)
{
	char sql[512];
	if (all)
		snprintf(sql, sizeof(sql), "SET search_path = %s;"
			 " DROP TABLE holder; DROP TABLE change; DROP TABLE daemon;"
			 " DROP FUNCTION gfs_node_logged() CASCADE;"
			 " DROP FUNCTION gfs_node_notify() CASCADE;"
			 " DELETE FROM meta WHERE key = 'change_trimmed';"
			 " UPDATE meta SET value = '3' WHERE key = 'schema';"
			 " RESET search_path", pg_schema);
	else
		snprintf(sql, sizeof(sql), "SET search_path = %s; DROP TABLE holder;"
			 " UPDATE meta SET value = '3' WHERE key = 'schema';"
			 " RESET search_path", pg_schema);
	return pg_exec(sql);
}

/* A catalog of schema 3 without the tables of several daemons is migrated
 * to 4 at open, in one transaction: a role that may write its rows but
 * not own its tables cannot migrate it and changes nothing (EACCES); its
 * owner's open migrates it, keeping every row, and the change log works
 * from then on. */
static void test_pg_migration_to_schema_4(void)
{
	int64_t g = 0, d = 0, v = 0;
	char role[64], sql[512], c[1500], more[160];
	role[0] = '\0';

	if (!lineage_to_migrate(&g, &d, &v))
		goto out;
	/* what a new catalog has, which a migrated one must have too */
	long long relations = pg_relations(), columns = pg_columns();
	CHECK(pg_rewind_to_3(true));
	CHECK_INT(file_user_version(), 3);
	CHECK_INT(pg_tables_of_hosts(), 0);
	CHECK_INT(pg_triggers(), 0);

	snprintf(role, sizeof(role), "gfs_test_writer_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN;"
		 " GRANT USAGE, CREATE ON SCHEMA %s TO %s;"
		 " GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;"
		 " GRANT USAGE ON ALL SEQUENCES IN SCHEMA %s TO %s", role, pg_schema,
		 role, pg_schema, role, pg_schema, role);
	if (!pg_exec(sql)) {
		printf("# (the test role cannot be made: its refusal is not checked)\n");
		role[0] = '\0';
	} else {
		snprintf(more, sizeof(more), "user=%s options='-csearch_path=%s'", role,
			 pg_schema);
		pg_conninfo(c, sizeof(c), more);
		/* it makes the tables, then may not put the triggers on node */
		expect_refused(c, EACCES, (const char *const[]){ "migration",
			       "owner", "nothing was changed", NULL });
		CHECK_INT(file_user_version(), 3);
		CHECK_INT(pg_tables_of_hosts(), 0);
		CHECK_INT(pg_triggers(), 0);
	}

	struct gfs_catalog *cat = open_migrated(g, d, v);
	if (!cat)
		goto out;
	CHECK_INT(pg_tables_of_hosts(), 3);
	CHECK_INT(pg_triggers(), 2);
	CHECK_INT(pg_relations(), relations);
	CHECK_INT(pg_columns(), columns);
	CHECK_INT(pg_valuef("SELECT value FROM %s.meta WHERE key = 'change_trimmed'",
			    pg_schema), 0);
	CHECK_INT(pg_valuef("SELECT count(*) FROM %s.change", pg_schema), 0);
	/* a write is logged */
	struct gfs_txn *t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		struct gfs_node n;
		CHECK_INT(cat_node_get(t, v, &n), 0);
		n.mtime++;
		CHECK_INT(cat_node_update(t, &n), 0);
		CHECK_INT(commit(t), 0);
	}
	CHECK_INT(pg_valuef("SELECT count(*) FROM %s.change", pg_schema), 1);
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), 4);
	/* opened again: nothing more to do */
	cat = open_cat(NULL);
	CHECK(cat != NULL);
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), 4);
	CHECK_INT(pg_tables_of_hosts(), 3);
out:
	if (role[0]) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE; DROP ROLE %s",
			 pg_schema, role);
		CHECK(pg_exec(sql));
	}
	remove_data_dir();
}

/* A catalog of schema 3 that a build before schema 4 gave the tables of
 * several daemons (but not yet holder) keeps them and their rows: the
 * migration makes only what is missing. */
static void test_pg_migration_keeps_hosts(void)
{
	int64_t g = 0, d = 0, v = 0;
	char sql[256];

	if (!lineage_to_migrate(&g, &d, &v))
		goto out;
	snprintf(sql, sizeof(sql), "INSERT INTO %s.daemon(host, pid, mountpoint,"
		 " lease_until) VALUES ('elsewhere', 1, '/mnt/g', now())", pg_schema);
	CHECK(pg_exec(sql));
	long long changes = pg_valuef("SELECT count(*) FROM %s.change", pg_schema);
	CHECK(changes >= 4);    /* the lineage's inserts, its soft delete */
	CHECK(pg_rewind_to_3(false));
	CHECK_INT(file_user_version(), 3);
	CHECK_INT(pg_tables_of_hosts(), 2);

	struct gfs_catalog *cat = open_migrated(g, d, v);
	if (!cat)
		goto out;
	gfs_catalog_close(cat);
	CHECK_INT(file_user_version(), 4);
	CHECK_INT(pg_tables_of_hosts(), 3);
	CHECK_INT(pg_triggers(), 2);
	CHECK_INT(pg_valuef("SELECT count(*) FROM %s.change", pg_schema), changes);
	CHECK_INT(pg_valuef("SELECT count(*) FROM %s.daemon WHERE host = 'elsewhere'",
			    pg_schema), 1);
out:
	remove_data_dir();
}

/* A role that may use the schema but not create in it gets EACCES naming
 * the GRANT, and nothing is created; one that may not write the tables of
 * a catalog made by another is refused too. */
static void test_pg_role_rights(void)
{
	char role[64], sql[256], c[1500], more[128];

	fresh_dir();
	snprintf(role, sizeof(role), "gfs_test_reader_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", role);
	if (!pg_exec(sql)) {
		printf("# (the test role cannot be made: only the rest is checked)\n");
		goto out;
	}
	snprintf(sql, sizeof(sql), "GRANT USAGE ON SCHEMA %s TO %s", pg_schema, role);
	CHECK(pg_exec(sql));
	snprintf(more, sizeof(more), "user=%s options='-csearch_path=%s'", role,
		 pg_schema);
	pg_conninfo(c, sizeof(c), more);
	expect_refused(c, EACCES, (const char *const[]){ "GRANT CREATE", pg_schema,
		       role, "nothing was created", NULL });
	CHECK_INT(pg_relations(), 0);

	/* the catalog made by its owner: the reader may not write it */
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	gfs_catalog_close(cat);
	expect_refused(c, EACCES, (const char *const[]){ "GRANT SELECT", NULL });
	snprintf(sql, sizeof(sql), "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s",
		 pg_schema, role);
	CHECK(pg_exec(sql));
	expect_refused(c, EACCES, (const char *const[]){ "may not write",
		       "GRANT SELECT, INSERT", NULL });
	/* but it may look */
	struct cat_open_options o = { .backend = "postgresql", .conninfo = c,
				      .read_only = true };
	struct gfs_err err;
	cat = NULL;
	CHECK_INT(gfs_catalog_open_with(&o, &cat, NULL, &err), 0);
	if (cat) {
		CHECK_INT(gfs_catalog_schema_version(cat), GFS_SCHEMA_VERSION);
		gfs_catalog_close(cat);
	}
	/* its rights go with the schema */
	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", pg_schema);
	CHECK(pg_exec(sql));
	snprintf(sql, sizeof(sql), "DROP ROLE %s", role);
	CHECK(pg_exec(sql));
out:
	remove_data_dir();
}

/* A look opens nothing that is not there (and creates nothing), cannot
 * write, and leaves the marker as it was. */
static void test_pg_read_only_open(void)
{
	struct gfs_catalog *ro = NULL;
	struct gfs_txn *t = NULL;
	struct gfs_err err;
	struct cat_open_options o;
	bool clean = true;

	fresh_dir();
	o = options(true);
	gfs_err_clear(&err);
	CHECK_INT(gfs_catalog_open_with(&o, &ro, NULL, &err), -ENOENT);
	CHECK(strstr(err.reason, "no galleryfs catalog") != NULL);
	CHECK_INT(pg_relations(), 0);
	CHECK_INT(crash_in_child(), 0);         /* leaves it unclean */
	CHECK_INT(gfs_catalog_open_with(&o, &ro, &clean, &err), 0);
	if (!ro)
		goto out;
	CHECK(!clean);
	CHECK_INT(gfs_txn_begin(ro, true, &t, &err), -EROFS);
	t = begin(ro, false);
	CHECK(t != NULL);
	if (t) {
		struct gfs_node root;
		char msg[256] = "";
		CHECK_INT(cat_node_get(t, 0, &root), 0);
		CHECK_INT(root.type, GFS_ROOT);
		CHECK_INT(cat_integrity_check(t, true, msg, sizeof(msg)), 0);
		if (msg[0])
			printf("# %s\n", msg);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(ro);
	struct gfs_catalog *cat = open_cat(&clean);
	CHECK(cat != NULL);
	CHECK(!clean);
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* The integrity check finds what the schema cannot prevent. */
static void test_pg_integrity_check(void)
{
	int64_t g = 0, d = 0, v = 0;
	char sql[160], msg[256] = "";

	struct gfs_catalog *cat;
	struct gfs_txn *t = fresh_lineage(&cat, &g, &d, &v);
	if (!t)
		goto out;
	CHECK_INT(soft_delete(t, v, 5000), 0);
	CHECK_INT(commit(t), 0);
	t = begin(cat, false);
	if (t) {
		CHECK_INT(cat_integrity_check(t, true, msg, sizeof(msg)), 0);
		gfs_txn_rollback(t);
	}
	snprintf(sql, sizeof(sql), "UPDATE %s.node SET purge_at = NULL WHERE id = %lld",
		 pg_schema, (long long)v);
	CHECK(pg_exec(sql));
	t = begin(cat, false);
	if (t) {
		CHECK_INT(cat_integrity_check(t, false, msg, sizeof(msg)), -EIO);
		printf("# (found: %s)\n", msg);
		CHECK(strstr(msg, "deletion times") != NULL);
		gfs_txn_rollback(t);
	}
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* One side of the race: a host that inserts name under parent. */
struct racer {
	struct gfs_catalog *cat;
	pthread_barrier_t *go;
	int64_t parent, gallery, definition;
	char name[32];
	int result;
	int64_t id;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct gfs_node n;
	struct gfs_txn *t;
	struct gfs_err err;

	pthread_barrier_wait(r->go);
	r->result = gfs_txn_begin(r->cat, true, &t, &err);
	if (r->result < 0)
		return NULL;
	sample_node(&n, GFS_FILE, r->parent, r->name, strlen(r->name), 3);
	n.gallery = r->gallery;
	n.definition = r->definition;
	r->result = cat_node_insert(t, &n);
	r->id = n.id;
	if (r->result == 0)
		r->result = gfs_txn_commit(t, false, &err);
	else
		gfs_txn_rollback(t);
	return NULL;
}

/* Two hosts (two catalogs open on one database) creating the same name at
 * once: one wins, the other gets EEXIST, every time; ids grow across both;
 * a reader never waits for a writer and sees only what was committed. */
static void test_pg_two_hosts(void)
{
	int64_t g = 0, d = 0, v = 0, last = 0;
	struct gfs_catalog *b = NULL;
	pthread_barrier_t go;

	struct gfs_catalog *a;
	struct gfs_txn *t = fresh_lineage(&a, &g, &d, &v);
	if (!t)
		goto out;
	CHECK_INT(commit(t), 0);
	b = open_cat(NULL);
	CHECK(b != NULL);
	if (!b)
		goto close;
	pthread_barrier_init(&go, NULL, 2);
	for (int round = 0; round < 20; round++) {
		struct racer r[2];
		pthread_t th[2];
		for (int i = 0; i < 2; i++) {
			r[i] = (struct racer){ .cat = i ? b : a, .go = &go, .parent = v,
					       .gallery = g, .definition = d };
			snprintf(r[i].name, sizeof(r[i].name), "race-%d", round);
			pthread_create(&th[i], NULL, race, &r[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		int won = (r[0].result == 0) + (r[1].result == 0);
		int lost = (r[0].result == -EEXIST) + (r[1].result == -EEXIST);
		CHECK_INT(won, 1);
		CHECK_INT(lost, 1);
		int64_t id = r[0].result == 0 ? r[0].id : r[1].id;
		CHECK(id > last);
		last = id;
	}
	pthread_barrier_destroy(&go);

	/* hosts take turns: ids keep growing */
	for (int i = 0; i < 6; i++) {
		struct gfs_node n;
		t = begin(i % 2 ? b : a, true);
		if (!t)
			break;
		sample_node(&n, GFS_FILE, v, "turn", 4, i);
		n.name[3] = (char)('a' + i);
		n.gallery = g;
		n.definition = d;
		CHECK_INT(cat_node_insert(t, &n), 0);
		CHECK(n.id > last);
		last = n.id;
		CHECK_INT(commit(t), 0);
	}

	/* a writer on a, a reader on b meanwhile */
	t = begin(a, true);
	struct gfs_txn *rd = begin(b, false);
	CHECK(t && rd);
	if (t && rd) {
		struct gfs_node n, got;
		sample_node(&n, GFS_FILE, v, "unseen", 6, 1);
		n.gallery = g;
		n.definition = d;
		CHECK_INT(cat_node_insert(t, &n), 0);
		CHECK_INT(cat_child_get(rd, v, "unseen", 6, GFS_LIVE, 0, &got), -ENOENT);
		CHECK_INT(commit(t), 0);
		/* one snapshot for the whole transaction */
		CHECK_INT(cat_child_get(rd, v, "unseen", 6, GFS_LIVE, 0, &got), -ENOENT);
		gfs_txn_rollback(rd);
		rd = begin(b, false);
		if (rd) {
			CHECK_INT(cat_child_get(rd, v, "unseen", 6, GFS_LIVE, 0, &got), 0);
			CHECK_INT(got.id, n.id);
			CHECK(cat_count_nodes(rd) >= n.id);
			gfs_txn_rollback(rd);
		}
	} else {
		if (t)
			gfs_txn_rollback(t);
		if (rd)
			gfs_txn_rollback(rd);
	}

	/* what a host keeps of rows and counts goes when another writes */
	for (int i = 0; i < 3; i++) {
		struct gfs_node n;
		struct gfs_txn *ra = begin(a, false), *wb = begin(b, true);
		CHECK(ra && wb);
		if (!ra || !wb)
			break;
		int64_t kids = cat_count_children(ra, v, GFS_LIVE, 0);
		CHECK_INT(cat_node_get(ra, v, &n), 0);
		gfs_txn_rollback(ra);
		n.size = 1000 + i;
		CHECK_INT(cat_node_update_attrs(wb, &n), 0);
		sample_node(&n, GFS_FILE, v, "late", 4, i);
		n.name[3] = (char)('0' + i);
		n.gallery = g;
		n.definition = d;
		CHECK_INT(cat_node_insert(wb, &n), 0);
		CHECK_INT(commit(wb), 0);
		ra = begin(a, false);
		if (!ra)
			break;
		CHECK_INT(cat_node_get(ra, v, &n), 0);
		CHECK_INT(n.size, 1000 + i);
		CHECK_INT(cat_count_children(ra, v, GFS_LIVE, 0), kids + 1);
		gfs_txn_rollback(ra);
	}
close:
	if (b)
		gfs_catalog_close(b);
	gfs_catalog_close(a);
out:
	remove_data_dir();
}

/* Drop the server's side of every connection of galleryfs to the run's
 * database, as a server restart would. */
static void drop_connections(void)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(pg_terminate_backend(pid)) FROM"
		 " pg_stat_activity WHERE datname = '%s' AND application_name ="
		 " 'galleryfs'", pg_db);
	CHECK(pg_value(sql) >= 1);
}

/* A connection the server dropped fails the transaction that was using it
 * (EIO), and the next one reconnects by itself. */
static void test_pg_reconnects(void)
{
	struct gfs_node n;
	struct gfs_err err;

	fresh_dir();
	struct gfs_catalog *cat = open_cat(NULL);
	CHECK(cat != NULL);
	if (!cat)
		goto out;
	/* idle when dropped: the next transaction does not notice */
	drop_connections();
	struct gfs_txn *t = begin(cat, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_node_get(t, 0, &n), 0);
		gfs_txn_rollback(t);
	}
	/* dropped under a transaction: it fails whole */
	t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		drop_connections();
		CHECK_INT(cat_mirror_touch(t, 0, 1), -EIO);
		CHECK_INT(cat_node_get(t, 0, &n), -EIO);
		gfs_err_clear(&err);
		CHECK(gfs_txn_commit(t, false, &err) < 0);
		printf("# (commit: %s)\n", err.reason);
	}
	t = begin(cat, true);
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(cat_mirror_touch(t, 0, 1), 0);
		CHECK_INT(commit(t), 0);
	}
	gfs_catalog_close(cat);
out:
	remove_data_dir();
}

/* ------------------------------------------------------------------ */

/* Make this run's database on GFS_TEST_PG's server; false (said why)
 * when it cannot be. */
static bool pg_setup(void)
{
	snprintf(pg_db, sizeof(pg_db), "gfs_test_%d_%ld", (int)getpid(),
		 (long)time(NULL));
	if (!pgtest_create_db(pg_db))
		return false;
	char c[1400];
	pg_conninfo(c, sizeof(c), "");
	pg_run = PQconnectdb(c);
	if (PQstatus(pg_run) != CONNECTION_OK) {
		printf("# %s: %s", c, PQerrorMessage(pg_run));
		return false;
	}
	return pg_exec("SET client_min_messages TO warning");
}

static void pg_teardown(void)
{
	PQfinish(pg_run);
	pgtest_drop_db(pg_db);
}

/* Every backend answers these alike. */
/* The purge claim: one pass at a time across the daemons of a catalog.
 * a claims; b, another daemon on the same database, is refused, and so is
 * a second pass of a; once a releases, b gets it; a daemon that dies
 * holding it (a child that exits without a word) leaves it to the next. */
static int claim(struct gfs_catalog *cat)
{
	struct gfs_err err;
	gfs_err_clear(&err);
	int r = gfs_catalog_purge_claim(cat, &err);
	if (r < 0)
		printf("# gfs_catalog_purge_claim: %s\n", err.reason);
	return r;
}

static void test_pg_purge_claim(void)
{
	struct gfs_catalog *a = NULL, *b = NULL;
	int up[2], down[2];
	char byte = 0;

	fresh_dir();
	a = open_cat(NULL);
	b = open_cat(NULL);
	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_INT(claim(a), 1);
	CHECK_INT(claim(b), 0);
	CHECK_INT(claim(a), 0);
	gfs_catalog_purge_release(a);
	CHECK_INT(claim(b), 1);
	CHECK_INT(claim(a), 0);
	gfs_catalog_purge_release(b);

	CHECK(pipe(up) == 0 && pipe(down) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(down[1]);
		struct gfs_catalog *cat = open_cat(NULL);
		char c = cat && claim(cat) == 1 ? 'y' : 'n';
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(2);
		_exit(0);       /* dies holding the claim */
	}
	CHECK(pid > 0);
	CHECK(read(up[0], &byte, 1) == 1 && byte == 'y');
	CHECK_INT(claim(a), 0);
	close(down[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	/* the server releases the lock once it sees the session end */
	int got = 0;
	for (int i = 0; i < 100 && (got = claim(a)) == 0; i++)
		usleep(20000);
	CHECK_INT(got, 1);
	gfs_catalog_purge_release(a);
	close(up[0]);
	close(up[1]);
	close(down[0]);
out:
	gfs_catalog_close(a);
	gfs_catalog_close(b);
	remove_data_dir();
}

static const struct test_case PORTABLE[] = {
	CASE(test_open_creates_schema_and_root),
	CASE(test_reopen_keeps_data),
	CASE(test_rollback_discards),
	CASE(test_clean_marker),
	CASE(test_node_round_trip),
	CASE(test_ids_never_reused),
	CASE(test_free_xattrs),
	CASE(test_trash_rows),
	CASE(test_mirror_mtimes),
};

/* SQLite's file, damaged or rewound on purpose. */
static const struct test_case SQLITE_ONLY[] = {
	CASE(test_newer_schema_refused),
	CASE(test_read_only_open),
	CASE(test_not_a_database),
	CASE(test_migration_to_trash),
	CASE(test_migration_to_mirrors),
	CASE(test_migration_to_schema_4),
};

static const struct test_case PG_ONLY[] = {
	CASE(test_pg_newer_schema_refused),
	CASE(test_pg_open_refusals),
	CASE(test_pg_environment),
	CASE(test_pg_role_rights),
	CASE(test_pg_read_only_open),
	CASE(test_pg_integrity_check),
	CASE(test_pg_two_hosts),
	CASE(test_pg_reconnects),
	CASE(test_pg_purge_claim),
	CASE(test_pg_migration_to_schema_4),
	CASE(test_pg_migration_keeps_hosts),
};

int main(void)
{
	struct backend_cases c = {
		.both = PORTABLE, .n_both = COUNT(PORTABLE),
		.sqlite_only = SQLITE_ONLY, .n_sqlite_only = COUNT(SQLITE_ONLY),
		.pg_only = PG_ONLY, .n_pg_only = COUNT(PG_ONLY),
		.setup = pg_setup, .teardown = pg_teardown,
	};
	return pgtest_run_both(&c);
}
