/*
 * catalog_sqlite.c — the embedded catalog backend (catalog.h): schema,
 * migrations, the connection, transactions and every SQL statement
 * galleryfs runs. Nothing outside this file sees SQLite. It stores and
 * fetches; what a rule needs to know is computed in core from its answers.
 *
 * Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and found again by the address of their static SQL text. All values are
 * bound; no SQL is ever assembled from data.
 */
#include "catalog.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_sql.h"
#include "clock.h"
#include "log.h"
#include "trash.h"

#define STMT_SLOTS 128          /* more than we have SQL */

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

/*
 * Directory link counts count rows: those of .softdeleted and
 * .softdeleted/DEF count distinct items over every soft-deleted row below
 * them, and the kernel asks for them on every request there (zero
 * timeouts, design section 9); a hard delete of a thousand versions counted
 * two million rows. A count stays right while no row changes and no
 * soft-deleted row expires, so it is kept with the catalog's change mark
 * and the next expiry.
 */
#define COUNT_SLOTS 16          /* h >> 60 picks one */

struct count_memo {
	const char *sql;                /* what was counted, of what */
	int64_t a, b;
	int64_t epoch, changes;         /* the catalog as it was counted */
	int64_t from_s, until_s;        /* the seconds it holds for: from the
					 * count to the first expiry after */
	int64_t value;
};

struct conn {
	sqlite3 *db;
	struct stmt_slot slots[STMT_SLOTS];
	/* Bumped whenever anything rolls back: with sqlite3_total_changes64
	 * (rows changed by this connection, never decreasing) it marks every
	 * state of the rows. */
	int64_t epoch;
	struct count_memo memo[COUNT_SLOTS];
};

/*
 * One connection, in exclusive locking mode, used by one transaction at a
 * time. One daemon owns a data directory (its lock), so nothing else reads
 * the database while it runs; exclusive mode keeps the WAL index in memory
 * and spares every transaction the file locks a shared one would take, which
 * costs more than the serialization: a request's work in SQLite is a few
 * microseconds, its round trip through the kernel tens.
 */
struct sq_catalog {
	struct gfs_catalog base;        /* first: what the interface sees */
	char path[4200];
	pthread_mutex_t lock;           /* held for the life of a transaction */
	struct conn *conn;
	bool keep_unclean;              /* see gfs_catalog_keep_unclean */
	bool read_only;                 /* opened to look (gfs-cat) */
};

struct sq_txn {
	struct gfs_txn base;            /* first: what the interface sees */
	struct sq_catalog *cat;
	struct conn *c;
	bool write;
	int64_t changes;        /* sqlite3_total_changes64 at its start */
};

/* ------------------------------------------------------------------ */
/* connections and statements                                          */

static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return EROFS;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	default:
		return EIO;
	}
}

static int conn_exec(struct conn *c, const char *sql)
{
	return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

static void conn_close(struct conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < STMT_SLOTS; i++)
		if (c->slots[i].stmt)
			sqlite3_finalize(c->slots[i].stmt);
	sqlite3_close(c->db);
	free(c);
}

static int conn_open(const char *path, bool read_only, struct conn **out,
		     struct gfs_err *err)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return gfs_err_set(err, ENOMEM, "out of memory");
	int rc = sqlite3_open_v2(path, &c->db, (read_only ? SQLITE_OPEN_READONLY :
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->db, read_only ? 1000 : 10000);
		rc = conn_exec(c, "PRAGMA foreign_keys=ON;"
				  "PRAGMA synchronous=NORMAL;"
				  "PRAGMA temp_store=MEMORY;");
	}
	if (rc != SQLITE_OK) {
		int e = sql_errno(rc);
		bool damaged = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
		bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
		gfs_err_set(err, busy ? EBUSY : e ? e : EIO, "catalog %s: %s%s", path,
			    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc),
			    damaged ? " (the file is damaged: restore it from a backup, "
			    "or move it aside to start an empty catalog)" :
			    busy ? " (a running galleryfs holds it: unmount it first)" : "");
		conn_close(c);
		return -err->errnum;
	}
	*out = c;
	return 0;
}

/* The prepared, reset statement for sql on this connection. */
static sqlite3_stmt *stmt(struct sq_txn *t, const char *sql)
{
	struct conn *c = t->c;
	size_t h = ((uintptr_t)sql >> 4) % STMT_SLOTS;

	for (size_t i = 0; i < STMT_SLOTS; i++) {
		struct stmt_slot *s = &c->slots[(h + i) % STMT_SLOTS];
		if (s->sql == sql) {
			sqlite3_reset(s->stmt);
			sqlite3_clear_bindings(s->stmt);
			return s->stmt;
		}
		if (!s->sql) {
			if (sqlite3_prepare_v3(c->db, sql, -1,
					       SQLITE_PREPARE_PERSISTENT,
					       &s->stmt, NULL) != SQLITE_OK)
				return NULL;
			s->sql = sql;
			return s->stmt;
		}
	}
	return NULL;
}

/* Step a statement that returns no rows (or whose rows are ignored). */
static int step_done(sqlite3_stmt *st)
{
	if (!st)
		return -EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	int e = sql_errno(rc);
	sqlite3_reset(st);
	return -e;
}

/* Step a statement expected to return one integer. */
static int64_t step_int(sqlite3_stmt *st, int64_t dflt)
{
	if (!st)
		return dflt;
	int64_t v = dflt;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* ------------------------------------------------------------------ */
/* schema and migrations                                               */

static const char SCHEMA_V1[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE node ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" parent INTEGER REFERENCES node(id),"
	" gallery INTEGER, definition INTEGER,"
	" type INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	" name BLOB NOT NULL,"
	" mode INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL,"
	" size INTEGER NOT NULL DEFAULT 0, blocks INTEGER NOT NULL DEFAULT 0,"
	" atime INTEGER NOT NULL, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL,"
	" gen INTEGER NOT NULL DEFAULT 1, mirror_gen INTEGER NOT NULL DEFAULT 1,"
	" deleted_at INTEGER, purge_at INTEGER,"
	" location TEXT, kind INTEGER, sharing INTEGER, soft_delete INTEGER,"
	" prov INTEGER, vmss_flex INTEGER, replicas TEXT, sharing_admins TEXT);"
	/* children of a directory in id order (the listing order) */
	"CREATE INDEX node_children ON node(parent, state);"
	/* name lookups; orphans have no parent, so they never collide */
	"CREATE UNIQUE INDEX node_name ON node(parent, name, state);"
	"CREATE INDEX node_softdeleted ON node(gallery, definition, purge_at)"
	" WHERE state = " SQL_STATE_SD ";"
	"CREATE INDEX node_purge ON node(purge_at) WHERE state = " SQL_STATE_SD ";"
	"CREATE TABLE xattr ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" node INTEGER NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	" name BLOB NOT NULL, value BLOB NOT NULL);"
	"CREATE UNIQUE INDEX xattr_name ON xattr(node, name);";

/* The desktop trash view (design §10): which trash each item is in, under
 * which name, and when each trash last changed. */
static const char SCHEMA_V2[] =
	"CREATE TABLE trash ("
	" node INTEGER PRIMARY KEY REFERENCES node(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL, name BLOB NOT NULL,"
	" trash_view_owns INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX trash_name ON trash(uid, name);"
	"CREATE TABLE trash_dir (uid INTEGER PRIMARY KEY, mtime INTEGER NOT NULL);";

/* The .softdeleted mirrors (design §9): when each last changed, as the
 * trash's mtimes; their expiries are found through node_softdeleted (a
 * definition), node_children (a version) and, for a gallery, an index of
 * its own. */
static const char SCHEMA_V3[] =
	"CREATE TABLE mirror_dir (node INTEGER PRIMARY KEY, mtime INTEGER NOT NULL);"
	"CREATE INDEX node_softdeleted_gallery ON node(gallery, purge_at)"
	" WHERE state = " SQL_STATE_SD ";";

/* Schema 4 is the tables of several daemons on one catalog (PostgreSQL:
 * registrations, the change log, who holds which file open). An SQLite
 * catalog serves one daemon and has no use for them: its step changes
 * only the number, which counts the same schemas on both backends. */

static int insert_trash_row(struct conn *c, int64_t node, uint32_t uid,
			    const char *name, size_t len, bool owns);

/* Version 1 had no trash: every item soft-deleted then goes to the trash
 * of its owner, under its own name or the first free candidate. */
static int migrate_trash_items(struct conn *c)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db,
		"SELECT n.id, n.uid, n.name FROM node n WHERE n.state = " SQL_STATE_SD " AND"
		" (n.type = " SQL_TYPE_VERSION " OR (n.type = " SQL_TYPE_FILE " AND"
		"  (SELECT p.state FROM node p WHERE p.id = n.parent) = 0))"
		" ORDER BY n.id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char name[256], cand[256];
		int len = sqlite3_column_bytes(st, 2);
		if (len > 255)
			len = 255;
		memcpy(name, sqlite3_column_blob(st, 2), (size_t)len);
		name[len] = '\0';
		int r = -EEXIST;
		for (unsigned n = 1; r == -EEXIST && n < 100000; n++)
			if (gfs_trash_name_candidate(name, n, cand, sizeof(cand)))
				r = insert_trash_row(c, sqlite3_column_int64(st, 0),
						     (uint32_t)sqlite3_column_int64(st, 1),
						     cand, strlen(cand), false);
		if (r < 0) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int create_root(struct conn *c)
{
	sqlite3_stmt *st;
	int64_t now = gfs_now_ns();
	int rc = sqlite3_prepare_v2(c->db,
		"INSERT INTO node(id, parent, gallery, definition, type, state,"
		" name, mode, uid, gid, atime, mtime, ctime)"
		" VALUES (0, NULL, NULL, NULL, 0, 0, x'', ?, 0, 0, ?, ?, ?)",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, 040755);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int user_version(struct conn *c, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int meta_set(struct conn *c, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db,
		"INSERT INTO meta(key, value) VALUES (?, ?)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Bring the schema to GFS_SCHEMA_VERSION, one step per version, each in
 * its own transaction; a migration (not a creation) is logged once, at
 * its end. Version 0 is an empty file. */
static int migrate(struct conn *c, const char *path, struct gfs_err *err)
{
	int v = 0;
	int rc = user_version(c, &v);
	if (rc != SQLITE_OK)
		return gfs_err_set(err, EIO, "catalog cannot be read: %s "
				   "(the file is damaged or not a galleryfs "
				   "catalog; restore it from a backup or move it "
				   "aside)", sqlite3_errmsg(c->db));
	if (v > GFS_SCHEMA_VERSION)
		return gfs_err_set(err, EPROTO, "catalog schema version %d is "
				   "newer than this galleryfs understands (%d); "
				   "run a newer galleryfs", v, GFS_SCHEMA_VERSION);
	int from = v;
	while (v < GFS_SCHEMA_VERSION) {
		rc = conn_exec(c, "BEGIN IMMEDIATE");
		if (rc == SQLITE_OK && v == 0) {
			rc = conn_exec(c, SCHEMA_V1);
			if (rc == SQLITE_OK)
				rc = create_root(c);
			/* a new catalog has nothing to check */
			if (rc == SQLITE_OK)
				rc = meta_set(c, "clean", "1");
		}
		if (rc == SQLITE_OK && v == 1) {
			rc = conn_exec(c, SCHEMA_V2);
			if (rc == SQLITE_OK)
				rc = migrate_trash_items(c);
		}
		/* no mirror has been touched yet: they start at their expiries */
		if (rc == SQLITE_OK && v == 2)
			rc = conn_exec(c, SCHEMA_V3);
		/* v == 3: nothing for one daemon (above) */
		if (rc == SQLITE_OK) {
			char sql[64];
			snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
			rc = conn_exec(c, sql);
		}
		if (rc == SQLITE_OK)
			rc = conn_exec(c, "COMMIT");
		if (rc != SQLITE_OK) {
			gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
				    "catalog migration to schema %d failed: %s",
				    v + 1, sqlite3_errmsg(c->db));
			conn_exec(c, "ROLLBACK");
			return -err->errnum;
		}
		v++;
	}
	if (from > 0 && from < GFS_SCHEMA_VERSION)
		gfs_log(GFS_LOG_INFO, "catalog %s migrated from schema %d to %d",
			path, from, GFS_SCHEMA_VERSION);
	return 0;
}

/* A read-only open migrates nothing, but it reads the file at once: a
 * running daemon holds the catalog exclusively, which is better said now
 * than at the first row. */
static int readable(struct conn *c, const char *path, struct gfs_err *err)
{
	int v = 0;
	int rc = user_version(c, &v);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return gfs_err_set(err, EBUSY, "catalog %s is in use by a running "
				   "galleryfs; unmount it first", path);
	if (rc != SQLITE_OK)
		return gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
				   "catalog %s cannot be read: %s", path,
				   sqlite3_errmsg(c->db));
	return 0;
}

static bool meta_is(struct conn *c, const char *key, const char *value)
{
	sqlite3_stmt *st;
	bool yes = false;
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		yes = v && strcmp((const char *)v, value) == 0;
	}
	sqlite3_finalize(st);
	return yes;
}

static struct sq_catalog *sq_catalog(struct gfs_catalog *cat)
{
	return (struct sq_catalog *)cat;
}

static struct sq_txn *sq_txn(struct gfs_txn *t)
{
	return (struct sq_txn *)t;
}

static int sq_trash_remove(struct gfs_txn *gt, int64_t node, int64_t now_ns);

static int sq_open(const struct cat_open_options *o, struct gfs_catalog **out,
		   bool *was_clean, struct gfs_err *err)
{
	struct sq_catalog *cat = calloc(1, sizeof(*cat));
	if (!cat)
		return gfs_err_set(err, ENOMEM, "out of memory");
	cat->base.be = &gfs_catalog_sqlite;
	cat->read_only = o->read_only;
	snprintf(cat->path, sizeof(cat->path), "%s/catalog.db", o->data_dir);
	pthread_mutex_init(&cat->lock, NULL);

	int r = conn_open(cat->path, o->read_only, &cat->conn, err);
	if (r == 0 && !o->read_only) {
		int rc = conn_exec(cat->conn, "PRAGMA locking_mode=EXCLUSIVE;"
				   "PRAGMA journal_mode=WAL");
		if (rc != SQLITE_OK)
			r = gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
					"catalog %s cannot be used: %s", cat->path,
					sqlite3_errmsg(cat->conn->db));
	}
	if (r == 0)
		r = o->read_only ? readable(cat->conn, cat->path, err) :
			migrate(cat->conn, cat->path, err);
	if (r < 0) {
		conn_close(cat->conn);
		pthread_mutex_destroy(&cat->lock);
		free(cat);
		return r;
	}
	if (was_clean)
		*was_clean = meta_is(cat->conn, "clean", "1");
	*out = &cat->base;
	return 0;
}

static int sq_mark_running(struct gfs_catalog *gcat, struct gfs_err *err)
{
	struct sq_catalog *cat = sq_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	int rc = meta_set(cat->conn, "clean", "0");
	pthread_mutex_unlock(&cat->lock);
	if (rc != SQLITE_OK)
		return gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
				   "catalog cannot be written: %s",
				   sqlite3_errmsg(cat->conn->db));
	return 0;
}

static void sq_keep_unclean(struct gfs_catalog *gcat)
{
	struct sq_catalog *cat = sq_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	cat->keep_unclean = true;
	pthread_mutex_unlock(&cat->lock);
}

static int sq_schema_version(struct gfs_catalog *gcat)
{
	int v = -1;
	struct sq_catalog *cat = sq_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	if (user_version(cat->conn, &v) != SQLITE_OK)
		v = -1;
	pthread_mutex_unlock(&cat->lock);
	return v;
}

static void sq_close(struct gfs_catalog *gcat)
{
	struct sq_catalog *cat = sq_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	if (!cat->read_only) {
		conn_exec(cat->conn, "PRAGMA wal_checkpoint(TRUNCATE)");
		if (!cat->keep_unclean)
			meta_set(cat->conn, "clean", "1");
	}
	conn_close(cat->conn);
	pthread_mutex_unlock(&cat->lock);
	pthread_mutex_destroy(&cat->lock);
	free(cat);
}

/* ------------------------------------------------------------------ */
/* transactions                                                        */

static void txn_release(struct sq_txn *t)
{
	pthread_mutex_unlock(&t->cat->lock);
	free(t);
}

/* Run one of the transaction statements, prepared once per connection. */
static int txn_exec(struct sq_txn *t, const char *sql)
{
	sqlite3_stmt *st = stmt(t, sql);
	if (!st)
		return sqlite3_errcode(t->c->db);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_WRITE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int sq_txn_begin(struct gfs_catalog *gcat, bool write, struct gfs_txn **out,
			struct gfs_err *err)
{
	struct sq_catalog *cat = sq_catalog(gcat);
	struct sq_txn *t = malloc(sizeof(*t));
	if (!t)
		return gfs_err_set(err, ENOMEM, "out of memory");
	if (write && cat->read_only) {
		free(t);
		return gfs_err_set(err, EROFS, "catalog opened read-only");
	}
	t->base.be = &gfs_catalog_sqlite;
	t->cat = cat;
	t->write = write;
	pthread_mutex_lock(&cat->lock);
	t->c = cat->conn;
	t->changes = sqlite3_total_changes64(t->c->db);
	int rc = txn_exec(t, write ? SQL_BEGIN_WRITE : SQL_BEGIN);
	if (rc != SQLITE_OK) {
		gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
			    "catalog: %s", sqlite3_errmsg(t->c->db));
		txn_release(t);
		return -err->errnum;
	}
	*out = &t->base;
	return 0;
}

static int sq_txn_commit(struct gfs_txn *gt, bool durable, struct gfs_err *err)
{
	struct sq_txn *t = sq_txn(gt);
	int rc;

	if (durable)
		conn_exec(t->c, "PRAGMA synchronous=FULL");
	rc = txn_exec(t, SQL_COMMIT);
	if (durable)
		conn_exec(t->c, "PRAGMA synchronous=NORMAL");
	if (rc != SQLITE_OK) {
		gfs_err_set(err, sql_errno(rc) ? sql_errno(rc) : EIO,
			    "catalog commit failed: %s", sqlite3_errmsg(t->c->db));
		t->c->epoch++;
		txn_exec(t, SQL_ROLLBACK);
		txn_release(t);
		return -err->errnum;
	}
	txn_release(t);
	return 0;
}

static void sq_txn_rollback(struct gfs_txn *gt)
{
	struct sq_txn *t = sq_txn(gt);
	if (sqlite3_total_changes64(t->c->db) != t->changes)
		t->c->epoch++;  /* rows go back: counts kept meanwhile are wrong */
	txn_exec(t, SQL_ROLLBACK);
	txn_release(t);
}

/* ------------------------------------------------------------------ */
/* rows                                                                */

/* The state is written into the SQL (SQL_STATE_*), never bound: SQLite
 * decides whether the partial indexes on soft-deleted rows serve a query
 * from the value of state, and would prepare a statement bound to another
 * value again on every use. */
#define BY_STATE(state) ((state) == GFS_LIVE ? SQL_LIVE : SQL_SD)


static void row_to_node(sqlite3_stmt *st, struct gfs_node *n)
{
	n->id = sqlite3_column_int64(st, 0);
	n->parent = sqlite3_column_int64(st, 1);
	n->gallery = sqlite3_column_int64(st, 2);
	n->definition = sqlite3_column_int64(st, 3);
	n->type = (enum gfs_type)sqlite3_column_int(st, 4);
	n->state = (enum gfs_state)sqlite3_column_int(st, 5);
	int len = sqlite3_column_bytes(st, 6);
	if (len > 255)
		len = 255;
	if (len > 0)
		memcpy(n->name, sqlite3_column_blob(st, 6), (size_t)len);
	n->name[len] = '\0';
	n->name_len = (size_t)len;
	n->mode = (uint32_t)sqlite3_column_int64(st, 7);
	n->uid = (uint32_t)sqlite3_column_int64(st, 8);
	n->gid = (uint32_t)sqlite3_column_int64(st, 9);
	n->size = sqlite3_column_int64(st, 10);
	n->blocks = sqlite3_column_int64(st, 11);
	n->atime = sqlite3_column_int64(st, 12);
	n->mtime = sqlite3_column_int64(st, 13);
	n->ctime = sqlite3_column_int64(st, 14);
	n->gen = (uint64_t)sqlite3_column_int64(st, 15);
	n->mirror_gen = (uint64_t)sqlite3_column_int64(st, 16);
	n->deleted_at = sqlite3_column_int64(st, 17);
	n->purge_at = sqlite3_column_int64(st, 18);
	const unsigned char *loc = sqlite3_column_text(st, 19);
	snprintf(n->location, sizeof(n->location), "%s", loc ? (const char *)loc : "");
	n->kind = (enum gfs_kind)sqlite3_column_int(st, 20);
	n->sharing = (enum gfs_sharing)sqlite3_column_int(st, 21);
	n->soft_delete = sqlite3_column_int(st, 22) != 0;
	n->prov = (enum gfs_provisioning)sqlite3_column_int(st, 23);
	n->vmss_flex = sqlite3_column_int(st, 24) != 0;
}

/* Bind mode .. mirror_gen of n from index i (NODE_COLS order); returns
 * the next free index. */
static int bind_stat(sqlite3_stmt *st, int i, const struct gfs_node *n)
{
	sqlite3_bind_int64(st, i++, n->mode);
	sqlite3_bind_int64(st, i++, n->uid);
	sqlite3_bind_int64(st, i++, n->gid);
	sqlite3_bind_int64(st, i++, n->size);
	sqlite3_bind_int64(st, i++, n->blocks);
	sqlite3_bind_int64(st, i++, n->atime);
	sqlite3_bind_int64(st, i++, n->mtime);
	sqlite3_bind_int64(st, i++, n->ctime);
	sqlite3_bind_int64(st, i++, (int64_t)n->gen);
	sqlite3_bind_int64(st, i++, (int64_t)n->mirror_gen);
	return i;
}

/* Bind the properties location .. vmss_flex of n from index i. */
static int bind_props(sqlite3_stmt *st, int i, const struct gfs_node *n)
{
	if (n->location[0])
		sqlite3_bind_text(st, i, n->location, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
	i++;
	sqlite3_bind_int(st, i++, n->kind);
	sqlite3_bind_int(st, i++, n->sharing);
	sqlite3_bind_int(st, i++, n->soft_delete);
	sqlite3_bind_int(st, i++, n->prov);
	sqlite3_bind_int(st, i++, n->vmss_flex);
	return i;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Bind the mutable columns of n starting at index i (in NODE_COLS order
 * from parent on); returns the next free index. */
static int bind_node(sqlite3_stmt *st, int i, const struct gfs_node *n)
{
	if (n->state == GFS_ORPHAN || n->type == GFS_ROOT)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, n->parent);
	i++;
	bind_opt(st, i++, n->gallery);
	bind_opt(st, i++, n->definition);
	sqlite3_bind_int(st, i++, n->type);
	sqlite3_bind_int(st, i++, n->state);
	sqlite3_bind_blob(st, i++, n->name, (int)n->name_len, SQLITE_TRANSIENT);
	i = bind_stat(st, i, n);
	bind_opt(st, i++, n->deleted_at);
	bind_opt(st, i++, n->purge_at);
	return bind_props(st, i, n);
}

static int one_node(sqlite3_stmt *st, struct gfs_node *out)
{
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_node(st, out);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? -ENOENT : -sql_errno(rc);
}

static int sq_node_get(struct gfs_txn *gt, int64_t id, struct gfs_node *out)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return one_node(st, out);
}

static int sq_child_get(struct gfs_txn *gt, int64_t parent, const char *name,
		  size_t len, enum gfs_state state, int64_t now_s,
		  struct gfs_node *out)
{
	struct sq_txn *t = sq_txn(gt);
#define CHILD(STATE) "SELECT " NODE_COLS " FROM node WHERE parent = ?" \
		" AND name = ? AND state = " STATE " AND (purge_at IS NULL OR purge_at > ?)"
	static const char SQL_LIVE[] = CHILD(SQL_STATE_LIVE), SQL_SD[] = CHILD(SQL_STATE_SD);
#undef CHILD
	sqlite3_stmt *st = stmt(t, BY_STATE(state));
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, parent);
	sqlite3_bind_blob(st, 2, name, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_s);
	return one_node(st, out);
}

static int sq_node_insert(struct gfs_txn *gt, struct gfs_node *n)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "INSERT INTO node(parent, gallery, definition,"
		" type, state, name, mode, uid, gid, size, blocks, atime, mtime,"
		" ctime, gen, mirror_gen, deleted_at, purge_at, location, kind,"
		" sharing, soft_delete, prov, vmss_flex)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	bind_node(st, 1, n);
	int r = step_done(st);
	if (r == 0)
		n->id = sqlite3_last_insert_rowid(t->c->db);
	return r;
}

static int sq_node_update(struct gfs_txn *gt, const struct gfs_node *n)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "UPDATE node SET parent=?, gallery=?,"
		" definition=?, type=?, state=?, name=?, mode=?, uid=?, gid=?,"
		" size=?, blocks=?, atime=?, mtime=?, ctime=?, gen=?, mirror_gen=?,"
		" deleted_at=?, purge_at=?, location=?, kind=?, sharing=?,"
		" soft_delete=?, prov=?, vmss_flex=? WHERE id = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	int i = bind_node(st, 1, n);
	sqlite3_bind_int64(st, i, n->id);
	return step_done(st);
}

static int sq_node_update_attrs(struct gfs_txn *gt, const struct gfs_node *n)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "UPDATE node SET mode=?, uid=?, gid=?, size=?,"
		" blocks=?, atime=?, mtime=?, ctime=?, gen=?, mirror_gen=?,"
		" location=?, kind=?, sharing=?, soft_delete=?, prov=?, vmss_flex=?"
		" WHERE id = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	int i = bind_props(st, bind_stat(st, 1, n), n);
	sqlite3_bind_int64(st, i, n->id);
	return step_done(st);
}

static int sq_node_delete(struct gfs_txn *gt, int64_t id)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "DELETE FROM node WHERE id = ?";
	static const char SQL_MIRROR[] = "DELETE FROM mirror_dir WHERE node = ?";
	/* an item leaving a trash changes it */
	int r = sq_trash_remove(&t->base, id, gfs_now_ns());
	if (r < 0)
		return r;
	sqlite3_stmt *st = stmt(t, SQL_MIRROR);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if ((r = step_done(st)) < 0)
		return r;
	if (!(st = stmt(t, SQL)))
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return step_done(st);
}

/* Run a row-returning statement whose first NODE_NCOLS columns are a node
 * and whose next column, if any, is an nlink hint. */
static int visit_nodes(sqlite3_stmt *st, cat_node_fn fn, void *arg)
{
	struct gfs_node n;
	int rc;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_node(st, &n);
		int64_t hint = sqlite3_column_count(st) > NODE_NCOLS ?
			sqlite3_column_int64(st, NODE_NCOLS) : 0;
		if (fn(arg, &n, hint)) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return -sql_errno(rc);
}

static int sq_children(struct gfs_txn *gt, int64_t parent, enum gfs_state state,
		 int64_t now_s, int64_t after, cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	/* The CASE is evaluated lazily: only directories with subdirectories
	 * pay for a count. */
#define CHILDREN(STATE) "SELECT " NODE_COLS "," \
		" CASE WHEN n.type IN (" SQL_TYPE_GALLERY ", " SQL_TYPE_DEFINITION ") THEN 2 +" \
		"  (SELECT count(*) FROM node c WHERE c.parent = n.id AND c.state = " SQL_STATE_LIVE ")" \
		"  ELSE 0 END" \
		" FROM node n WHERE n.parent = ? AND n.state = " STATE " AND n.id > ?" \
		" AND (n.purge_at IS NULL OR n.purge_at > ?) ORDER BY n.id"
	static const char SQL_LIVE[] = CHILDREN(SQL_STATE_LIVE), SQL_SD[] = CHILDREN(SQL_STATE_SD);
#undef CHILDREN
	sqlite3_stmt *st = stmt(t, BY_STATE(state));
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, parent);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, now_s);
	return visit_nodes(st, fn, arg);
}

static int sq_softdeleted_definitions(struct gfs_txn *gt, int64_t gallery,
				int64_t now_s, int64_t after, cat_node_fn fn,
				void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id IN"
		" (SELECT definition FROM node WHERE state = " SQL_STATE_SD " AND gallery = ?"
		"  AND purge_at > ?) AND id > ? AND state = " SQL_STATE_LIVE " ORDER BY id";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, gallery);
	sqlite3_bind_int64(st, 2, now_s);
	sqlite3_bind_int64(st, 3, after);
	return visit_nodes(st, fn, arg);
}

static int sq_softdeleted_versions(struct gfs_txn *gt, int64_t gallery,
			     int64_t definition, int64_t now_s, int64_t after,
			     cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id IN"
		" (SELECT CASE WHEN type = " SQL_TYPE_VERSION " THEN id ELSE parent END FROM node"
		"  WHERE state = " SQL_STATE_SD " AND gallery = ? AND definition = ?"
		"  AND purge_at > ?) AND id > ? ORDER BY id";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, gallery);
	sqlite3_bind_int64(st, 2, definition);
	sqlite3_bind_int64(st, 3, now_s);
	sqlite3_bind_int64(st, 4, after);
	return visit_nodes(st, fn, arg);
}

/* The memo slot for count sql of (a, b), and whether its count holds for
 * the catalog as it is now, at now_s. */
static struct count_memo *memo_slot(struct sq_txn *t, const char *sql,
				    int64_t a, int64_t b, int64_t now_s,
				    bool *hit)
{
	struct conn *c = t->c;
	uint64_t h = ((uint64_t)a * 31 + (uint64_t)b) * 0x9e3779b97f4a7c15u;
	struct count_memo *m = &c->memo[h >> 60];

	*hit = m->sql == sql && m->a == a && m->b == b &&
	       m->epoch == c->epoch &&
	       m->changes == sqlite3_total_changes64(c->db) &&
	       now_s >= m->from_s && now_s < m->until_s;
	return m;
}

/* The first second after now_s at which a soft-deleted row expires, and
 * with it possibly the count (the node_purge index: one seek). */
static int64_t next_expiry(struct sq_txn *t, int64_t now_s)
{
	static const char SQL[] = "SELECT coalesce(min(purge_at),"
		" 9223372036854775807) FROM node WHERE state = " SQL_STATE_SD " AND purge_at > ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return now_s;   /* keep nothing */
	sqlite3_bind_int64(st, 1, now_s);
	return step_int(st, INT64_MAX);
}

/* count sql (parameters: a, then b unless 0, then now_s), remembered */
static int64_t memo_count(struct sq_txn *t, const char *sql, int64_t a,
			  int64_t b, int64_t now_s)
{
	bool hit;
	struct count_memo *m = memo_slot(t, sql, a, b, now_s, &hit);
	if (hit)
		return m->value;

	sqlite3_stmt *st = stmt(t, sql);
	if (!st)
		return 0;
	int i = 1;
	sqlite3_bind_int64(st, i++, a);
	if (b)
		sqlite3_bind_int64(st, i++, b);
	sqlite3_bind_int64(st, i, now_s);
	int64_t v = step_int(st, -1);
	if (v < 0)
		return 0;
	*m = (struct count_memo){
		.sql = sql, .a = a, .b = b,
		.epoch = t->c->epoch,
		.changes = sqlite3_total_changes64(t->c->db),
		.from_s = now_s, .until_s = next_expiry(t, now_s), .value = v,
	};
	return v;
}

static int64_t sq_count_children(struct gfs_txn *gt, int64_t parent,
			   enum gfs_state state, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	/* A live row has no purge_at (set with the soft delete, cleared with
	 * the restore), so its count needs node_children alone; the index
	 * holds no purge_at, and reading each row for it made this count a
	 * third of a soft delete's SQL. (?2, the time, is bound for both.) */
	static const char SQL_LIVE[] = "SELECT count(*) FROM node WHERE parent = ?1"
		" AND state = " SQL_STATE_LIVE " AND ?2 = ?2";
	static const char SQL_SD[] = "SELECT count(*) FROM node WHERE parent = ?"
		" AND state = " SQL_STATE_SD " AND (purge_at IS NULL OR purge_at > ?)";
	return memo_count(t, BY_STATE(state), parent, 0, now_s);
}

static bool sq_holds_softdeleted(struct gfs_txn *gt, int64_t gallery,
			   int64_t definition, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL_G[] = "SELECT 1 FROM node WHERE state = " SQL_STATE_SD
		" AND gallery = ? AND purge_at > ? LIMIT 1";
	static const char SQL_D[] = "SELECT 1 FROM node WHERE state = " SQL_STATE_SD
		" AND gallery = ? AND definition = ? AND purge_at > ? LIMIT 1";
	sqlite3_stmt *st = stmt(t, definition ? SQL_D : SQL_G);
	if (!st)
		return false;
	int i = 1;
	sqlite3_bind_int64(st, i++, gallery);
	if (definition)
		sqlite3_bind_int64(st, i++, definition);
	sqlite3_bind_int64(st, i, now_s);
	return step_int(st, 0) == 1;
}

static int64_t sq_count_softdeleted_definitions(struct gfs_txn *gt, int64_t gallery,
					  int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	/* Every soft-deleted item belongs to a definition of its gallery
	 * (design §3): one seek in node_softdeleted per definition, where
	 * counting the distinct definitions of the rows read every row. */
	static const char SQL[] = "SELECT count(*) FROM node d WHERE d.parent = ?1"
		" AND EXISTS (SELECT 1 FROM node WHERE state = " SQL_STATE_SD
		" AND gallery = ?1 AND definition = d.id AND purge_at > ?2)";
	return memo_count(t, SQL, gallery, 0, now_s);
}

/* count sql of ?1 a, ?2 b, ?3 now_s, stopping at ?4 cap rows unless cap
 * is 0 (a statement may leave out any but the last it names); -1 when
 * it fails */
static int64_t count_capped(struct sq_txn *t, const char *sql, int64_t a,
			    int64_t b, int64_t now_s, int64_t cap)
{
	sqlite3_stmt *st = stmt(t, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, now_s);
	if (cap > 0)
		sqlite3_bind_int64(st, 4, cap);
	return step_int(st, -1);
}

static int64_t sq_count_softdeleted_versions(struct gfs_txn *gt, int64_t gallery,
				       int64_t definition, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	/* The directories .softdeleted/DEF lists: its soft-deleted versions
	 * and the shadows of its live versions that hold soft-deleted files.
	 * The first are the definition's soft-deleted children, counted in
	 * node_children, less the expired ones, found through node_purge. The
	 * shadows are found from whichever side is smaller, the live versions
	 * or the soft-deleted rows: counting the distinct versions of every
	 * soft-deleted row read and sorted every row, and probing every live
	 * version would cost a definition of many a seek for each. */
	static const char SQL_SD_VERSIONS[] = "SELECT"
		" (SELECT count(*) FROM node WHERE parent = ?2 AND state = " SQL_STATE_SD ")"
		" - (SELECT count(*) FROM node WHERE state = " SQL_STATE_SD
		"    AND purge_at <= ?3 AND +parent = ?2)";
	static const char SQL_LIVE_CAP[] = "SELECT count(*) FROM (SELECT 1 FROM node"
		" WHERE parent = ?2 AND state = " SQL_STATE_LIVE
		" LIMIT ?4)";
	static const char SQL_SD_CAP[] = "SELECT count(*) FROM (SELECT 1 FROM node"
		" WHERE state = " SQL_STATE_SD " AND gallery = ?1 AND definition = ?2"
		" AND purge_at > ?3 LIMIT ?4)";
	static const char SQL_SHADOWS_BY_LIVE[] = "SELECT count(*) FROM node v"
		" WHERE v.parent = ?2 AND v.state = " SQL_STATE_LIVE
		" AND EXISTS (SELECT 1 FROM node f WHERE f.parent = v.id"
		"  AND f.state = " SQL_STATE_SD " AND f.purge_at > ?3)";
	static const char SQL_SHADOWS_BY_SD[] = "SELECT count(DISTINCT f.parent)"
		" FROM node f WHERE f.state = " SQL_STATE_SD " AND f.gallery = ?1"
		" AND f.definition = ?2 AND f.purge_at > ?3"
		" AND f.type = " SQL_TYPE_FILE " AND EXISTS (SELECT 1 FROM node v"
		"  WHERE v.id = f.parent AND v.state = " SQL_STATE_LIVE ")";
	bool hit;
	struct count_memo *m = memo_slot(t, SQL_SD_VERSIONS, gallery, definition,
					 now_s, &hit);
	if (hit)
		return m->value;

	int64_t live, sd, cap = 64;
	for (;; cap *= 8) {
		live = count_capped(t, SQL_LIVE_CAP, gallery, definition, now_s, cap);
		sd = count_capped(t, SQL_SD_CAP, gallery, definition, now_s, cap);
		if (live < cap || sd < cap)
			break;
	}
	int64_t versions = count_capped(t, SQL_SD_VERSIONS, gallery, definition,
					now_s, 0);
	int64_t shadows = count_capped(t, live < sd ? SQL_SHADOWS_BY_LIVE :
				       SQL_SHADOWS_BY_SD, gallery, definition, now_s, 0);
	if (live < 0 || sd < 0 || versions < 0 || shadows < 0)
		return 0;
	int64_t v = versions + shadows;
	*m = (struct count_memo){
		.sql = SQL_SD_VERSIONS, .a = gallery, .b = definition,
		.epoch = t->c->epoch,
		.changes = sqlite3_total_changes64(t->c->db),
		.from_s = now_s, .until_s = next_expiry(t, now_s), .value = v,
	};
	return v;
}

static int64_t sq_softdeleted_bytes(struct gfs_txn *gt, int64_t gallery, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT coalesce(sum(blocks), 0) * 512 FROM node"
		" WHERE state = " SQL_STATE_SD " AND gallery = ? AND purge_at > ? AND type = " SQL_TYPE_FILE;
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, gallery);
	sqlite3_bind_int64(st, 2, now_s);
	return step_int(st, 0);
}


static int sq_files_set_deleted(struct gfs_txn *gt, int64_t version,
			  int64_t deleted_at, int64_t purge_at, int64_t ctime)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "UPDATE node SET state = " SQL_STATE_SD ", deleted_at = ?,"
		" purge_at = ?, ctime = CASE WHEN state = " SQL_STATE_LIVE " THEN ? ELSE ctime END"
		" WHERE parent = ? AND state IN (" SQL_STATE_LIVE ", " SQL_STATE_SD ")";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, deleted_at);
	sqlite3_bind_int64(st, 2, purge_at);
	sqlite3_bind_int64(st, 3, ctime);
	sqlite3_bind_int64(st, 4, version);
	return step_done(st);
}

static int sq_files_restore(struct gfs_txn *gt, int64_t version, int64_t ctime)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "UPDATE node SET state = " SQL_STATE_LIVE ", deleted_at = NULL,"
		" purge_at = NULL, ctime = ? WHERE parent = ? AND state = " SQL_STATE_SD;
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, ctime);
	sqlite3_bind_int64(st, 2, version);
	return step_done(st);
}

static int sq_all_children(struct gfs_txn *gt, int64_t parent, cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT " NODE_COLS " FROM node"
		" WHERE parent = ? ORDER BY id";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, parent);
	return visit_nodes(st, fn, arg);
}

static int sq_expired(struct gfs_txn *gt, int64_t now_s, int limit, cat_node_fn fn,
		void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	/* Versions first: purging one takes its files with it. Files inside a
	 * soft-deleted version share its purge_at and go with it. */
	static const char SQL[] = "SELECT " NODE_COLS " FROM node n"
		" WHERE n.state = " SQL_STATE_SD " AND n.purge_at <= ? AND (n.type = " SQL_TYPE_VERSION " OR"
		"  (SELECT p.state FROM node p WHERE p.id = n.parent) = 0)"
		" ORDER BY n.type, n.id LIMIT ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, now_s);
	sqlite3_bind_int(st, 2, limit);
	return visit_nodes(st, fn, arg);
}

/* One daemon opens the catalog (the data directory's lock): its pass is
 * the only one. */
static int sq_purge_claim(struct gfs_catalog *cat, struct gfs_err *err)
{
	(void)cat;
	(void)err;
	return 1;
}

static void sq_purge_release(struct gfs_catalog *cat)
{
	(void)cat;
}

static int sq_versions_of(struct gfs_txn *gt, int64_t gallery, int64_t definition,
			  cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL_G[] = "SELECT " NODE_COLS " FROM node WHERE gallery = ?"
		" AND type = " SQL_TYPE_VERSION " AND state IN (" SQL_STATE_LIVE ","
		SQL_STATE_SD ") ORDER BY id";
	static const char SQL_D[] = "SELECT " NODE_COLS " FROM node WHERE definition = ?"
		" AND type = " SQL_TYPE_VERSION " AND state IN (" SQL_STATE_LIVE ","
		SQL_STATE_SD ") ORDER BY id";
	sqlite3_stmt *st = stmt(t, definition ? SQL_D : SQL_G);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, definition ? definition : gallery);
	return visit_nodes(st, fn, arg);
}

static int sq_nodes(struct gfs_txn *gt, int64_t after, cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id > ?"
		" ORDER BY id";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, after);
	return visit_nodes(st, fn, arg);
}

static int sq_galleries_on(struct gfs_txn *gt, cat_node_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	/* galleries are the root's children */
	static const char SQL[] = "SELECT " NODE_COLS " FROM node"
		" WHERE parent = 0 AND state = " SQL_STATE_LIVE " AND soft_delete = 1 ORDER BY id";
	return visit_nodes(stmt(t, SQL), fn, arg);
}

/* ------------------------------------------------------------------ */
/* list-valued properties                                              */

static int sq_text_get(struct gfs_txn *gt, int64_t id, enum cat_text which, char *buf,
		 size_t len)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL_R[] = "SELECT replicas FROM node WHERE id = ?";
	static const char SQL_S[] = "SELECT sharing_admins FROM node WHERE id = ?";
	sqlite3_stmt *st = stmt(t, which == CAT_REPLICAS ? SQL_R : SQL_S);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	buf[0] = '\0';
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(buf, len, "%s", v ? (const char *)v : "");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -sql_errno(rc);
}

static int sq_text_set(struct gfs_txn *gt, int64_t id, enum cat_text which,
		 const char *value)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL_R[] = "UPDATE node SET replicas = ? WHERE id = ?";
	static const char SQL_S[] = "UPDATE node SET sharing_admins = ? WHERE id = ?";
	sqlite3_stmt *st = stmt(t, which == CAT_REPLICAS ? SQL_R : SQL_S);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return step_done(st);
}

/* ------------------------------------------------------------------ */
/* free attributes                                                     */

static int sq_xattr_get(struct gfs_txn *gt, int64_t node, const char *name,
		  void *buf, size_t size, size_t *len)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT value FROM xattr WHERE node = ? AND name = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_blob(st, 2, name, (int)strlen(name), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int r = 0;
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		*len = n;
		if (size && n > size)
			r = -ERANGE;
		else if (size && n)
			memcpy(buf, sqlite3_column_blob(st, 0), n);
	} else {
		r = rc == SQLITE_DONE ? -ENODATA : -sql_errno(rc);
	}
	sqlite3_reset(st);
	return r;
}

static int sq_xattr_list(struct gfs_txn *gt, int64_t node, cat_xattr_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT name, value FROM xattr WHERE node = ?"
		" ORDER BY id";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char name[256];
		int nl = sqlite3_column_bytes(st, 0);
		if (nl > 255)
			nl = 255;
		memcpy(name, sqlite3_column_blob(st, 0), (size_t)nl);
		name[nl] = '\0';
		if (fn(arg, name, sqlite3_column_blob(st, 1),
		       (size_t)sqlite3_column_bytes(st, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return -sql_errno(rc);
}

static int sq_xattr_set(struct gfs_txn *gt, int64_t node, const char *name,
		  const void *value, size_t len, int flags)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL_INS[] = "INSERT INTO xattr(node, name, value)"
		" VALUES (?, ?, ?)";
	static const char SQL_UPD[] = "UPDATE xattr SET value = ?"
		" WHERE node = ? AND name = ?";
	size_t cur;
	int exists = sq_xattr_get(&t->base, node, name, NULL, 0, &cur);
	if (exists < 0 && exists != -ENODATA)
		return exists;
	if (exists == 0 && (flags & 1 /* XATTR_CREATE */))
		return -EEXIST;
	if (exists == -ENODATA && (flags & 2 /* XATTR_REPLACE */))
		return -ENODATA;
	sqlite3_stmt *st = stmt(t, exists == 0 ? SQL_UPD : SQL_INS);
	if (!st)
		return -EIO;
	if (exists == 0) {
		sqlite3_bind_blob(st, 1, len ? value : "", (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, node);
		sqlite3_bind_blob(st, 3, name, (int)strlen(name), SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(st, 1, node);
		sqlite3_bind_blob(st, 2, name, (int)strlen(name), SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, len ? value : "", (int)len, SQLITE_STATIC);
	}
	return step_done(st);
}

static int sq_xattr_remove(struct gfs_txn *gt, int64_t node, const char *name)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "DELETE FROM xattr WHERE node = ? AND name = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_blob(st, 2, name, (int)strlen(name), SQLITE_STATIC);
	int r = step_done(st);
	if (r == 0 && sqlite3_changes(t->c->db) == 0)
		return -ENODATA;
	return r;
}

static int64_t sq_xattr_names_size(struct gfs_txn *gt, int64_t node)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT coalesce(sum(length(name) + 1), 0)"
		" FROM xattr WHERE node = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, node);
	return step_int(st, 0);
}

/* ------------------------------------------------------------------ */
/* whole-catalog checks                                                */

static int sq_integrity_check(struct gfs_txn *gt, bool thorough, char *msg,
			      size_t len)
{
	struct sq_txn *t = sq_txn(gt);
	/* quick_check skips matching indexes against their tables: a start
	 * with it costs milliseconds on a large catalog */
	static const char SQL_QUICK[] = "PRAGMA quick_check";
	static const char SQL_FULL[] = "PRAGMA integrity_check";
	static const char SQL_FK[] = "PRAGMA foreign_key_check";
	sqlite3_stmt *st = stmt(t, thorough ? SQL_FULL : SQL_QUICK);
	if (!st) {
		snprintf(msg, len, "%s", sqlite3_errmsg(t->c->db));
		return -EIO;
	}
	int r = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		if (!v || strcmp((const char *)v, "ok") != 0) {
			snprintf(msg, len, "%s", v ? (const char *)v : "unknown");
			r = -EIO;
		}
	} else {
		snprintf(msg, len, "%s", sqlite3_errmsg(t->c->db));
		r = -EIO;
	}
	sqlite3_reset(st);
	if (r == 0) {
		st = stmt(t, SQL_FK);
		if (st && sqlite3_step(st) == SQLITE_ROW) {
			snprintf(msg, len, "a row of %s refers to a missing parent",
				 sqlite3_column_text(st, 0));
			r = -EIO;
		}
		if (st)
			sqlite3_reset(st);
	}
	return r;
}

static int visit_ids(sqlite3_stmt *st, cat_id_fn fn, void *arg)
{
	int rc;
	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_reset(st);
	return -sql_errno(rc);
}

static int sq_files(struct gfs_txn *gt, cat_id_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT id, size FROM node WHERE type = " SQL_TYPE_FILE
		" ORDER BY id";
	return visit_ids(stmt(t, SQL), fn, arg);
}

static int sq_orphans(struct gfs_txn *gt, cat_id_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	/* orphans have no parent: found through node_children, not a scan */
	static const char SQL[] = "SELECT id, size FROM node WHERE parent IS NULL"
		" AND state = " SQL_STATE_ORPHAN " ORDER BY id";
	return visit_ids(stmt(t, SQL), fn, arg);
}

static bool sq_file_exists(struct gfs_txn *gt, int64_t id)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT 1 FROM node WHERE id = ? AND type = " SQL_TYPE_FILE;
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return true;   /* when in doubt, keep the object */
	sqlite3_bind_int64(st, 1, id);
	return step_int(st, 0) == 1;
}

static int64_t sq_count_nodes(struct gfs_txn *gt)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT max(seq) FROM sqlite_sequence";
	return step_int(stmt(t, SQL), 0);
}

/* ------------------------------------------------------------------ */
/* the desktop trash view                                              */

static int insert_trash_row(struct conn *c, int64_t node, uint32_t uid,
			    const char *name, size_t len, bool owns)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO trash(node, uid,"
				    " name, trash_view_owns) VALUES (?, ?, ?, ?)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_blob(st, 3, name, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, owns);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	return sqlite3_changes(c->db) == 1 ? 0 : -EEXIST;
}

/* A directory of a view changed at now_ns: the mtime sql keeps for key
 * (a trash's, a mirror's) moves, by at least 1 ns. */
static int touch(struct sq_txn *t, const char *sql, int64_t key, int64_t now_ns)
{
	sqlite3_stmt *st = stmt(t, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, now_ns);
	return step_done(st);
}

static int trash_touch(struct sq_txn *t, uint32_t uid, int64_t now_ns)
{
	static const char SQL[] = "INSERT INTO trash_dir(uid, mtime) VALUES (?, ?)"
		" ON CONFLICT(uid) DO UPDATE SET"
		" mtime = max(excluded.mtime, trash_dir.mtime + 1)";
	return touch(t, SQL, uid, now_ns);
}

static int sq_trash_add(struct gfs_txn *gt, const struct cat_trash *e, int64_t now_ns)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "INSERT INTO trash(node, uid, name, trash_view_owns)"
		" VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, e->node);
	sqlite3_bind_int64(st, 2, e->uid);
	sqlite3_bind_blob(st, 3, e->name, (int)e->name_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->trash_view_owns);
	int r = step_done(st);
	if (r == 0 && sqlite3_changes(t->c->db) != 1)
		r = -EEXIST;
	return r < 0 ? r : trash_touch(t, e->uid, now_ns);
}

static void row_to_trash(sqlite3_stmt *st, int i, struct cat_trash *e)
{
	e->node = sqlite3_column_int64(st, i);
	e->uid = (uint32_t)sqlite3_column_int64(st, i + 1);
	int len = sqlite3_column_bytes(st, i + 2);
	if (len > 255)
		len = 255;
	if (len > 0)
		memcpy(e->name, sqlite3_column_blob(st, i + 2), (size_t)len);
	e->name[len] = '\0';
	e->name_len = (size_t)len;
	e->trash_view_owns = sqlite3_column_int(st, i + 3) != 0;
}

static int sq_trash_get(struct gfs_txn *gt, int64_t node, struct cat_trash *out)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT node, uid, name, trash_view_owns FROM trash"
		" WHERE node = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, node);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_trash(st, 0, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -sql_errno(rc);
}

/* An item of a trash with its node: the node's columns, then the trash
 * row's, in a subquery so that the two tables' names do not clash. */
#define TRASH_ITEM(WHERE) "SELECT " NODE_COLS ", tnode, tuid, tname, towns FROM" \
	" (SELECT n.*, t.node AS tnode, t.uid AS tuid, t.name AS tname," \
	"  t.trash_view_owns AS towns FROM trash t JOIN node n ON n.id = t.node" \
	"  WHERE " WHERE " AND n.state = " SQL_STATE_SD " AND n.purge_at > ?)"

static int sq_trash_find(struct gfs_txn *gt, uint32_t uid, const char *name,
		   size_t len, int64_t now_s, struct gfs_node *item,
		   struct cat_trash *e)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = TRASH_ITEM("t.uid = ? AND t.name = ?");
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_blob(st, 2, name, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_s);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_node(st, item);
		row_to_trash(st, NODE_NCOLS, e);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -sql_errno(rc);
}

static bool sq_trash_name_taken(struct gfs_txn *gt, uint32_t uid, const char *name,
			  size_t len)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "SELECT count(*) FROM trash WHERE uid = ? AND name = ?";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return true;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_blob(st, 2, name, (int)len, SQLITE_STATIC);
	return step_int(st, 1) != 0;
}

/* Delete the trash rows sql selects (bound to id), touching each trash
 * they were in. */
static int trash_delete(struct sq_txn *t, const char *sql, int64_t id,
			int64_t now_ns)
{
	sqlite3_stmt *st = stmt(t, sql);
	uint32_t uids[16];
	int n = 0, rc;
	bool many = false;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t uid = (uint32_t)sqlite3_column_int64(st, 0);
		bool seen = false;
		for (int i = 0; i < n; i++)
			seen |= uids[i] == uid;
		if (!seen && n < 16)
			uids[n++] = uid;
		else if (!seen)
			many = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -sql_errno(rc);
	if (many)
		return -EIO;    /* more trashes than one version's files can be in */
	for (int i = 0; i < n; i++) {
		int r = trash_touch(t, uids[i], now_ns);
		if (r < 0)
			return r;
	}
	return 0;
}

static int sq_trash_remove(struct gfs_txn *gt, int64_t node, int64_t now_ns)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "DELETE FROM trash WHERE node = ? RETURNING uid";
	return trash_delete(t, SQL, node, now_ns);
}

static int sq_trash_remove_children(struct gfs_txn *gt, int64_t parent, int64_t now_ns)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "DELETE FROM trash WHERE node IN"
		" (SELECT id FROM node WHERE parent = ?) RETURNING uid";
	return trash_delete(t, SQL, parent, now_ns);
}

static int sq_trash_list(struct gfs_txn *gt, uint32_t uid, int64_t now_s, int64_t after,
		   cat_trash_fn fn, void *arg)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = TRASH_ITEM("t.uid = ? AND t.node > ?")
		" ORDER BY tnode";
	sqlite3_stmt *st = stmt(t, SQL);
	struct gfs_node n;
	struct cat_trash e;
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, now_s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_node(st, &n);
		row_to_trash(st, NODE_NCOLS, &e);
		if (fn(arg, &n, &e)) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return -sql_errno(rc);
}

static int64_t sq_trash_mtime(struct gfs_txn *gt, uint32_t uid, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	/* the last change recorded, or the last expiry, whichever is later */
	static const char SQL[] = "SELECT max("
		" coalesce((SELECT mtime FROM trash_dir WHERE uid = ?1), 0),"
		" coalesce((SELECT max(n.purge_at) FROM trash t JOIN node n"
		"  ON n.id = t.node WHERE t.uid = ?1 AND n.purge_at <= ?2), 0)"
		"  * 1000000000)";
	sqlite3_stmt *st = stmt(t, SQL);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, now_s);
	return step_int(st, 0);
}

/* ------------------------------------------------------------------ */
/* the .softdeleted mirrors                                            */

static int sq_mirror_touch(struct gfs_txn *gt, int64_t node, int64_t now_ns)
{
	struct sq_txn *t = sq_txn(gt);
	static const char SQL[] = "INSERT INTO mirror_dir(node, mtime) VALUES (?, ?)"
		" ON CONFLICT(node) DO UPDATE SET"
		" mtime = CASE WHEN excluded.mtime = mirror_dir.mtime"
		"  THEN mirror_dir.mtime + 1 ELSE excluded.mtime END";
	return touch(t, SQL, node, now_ns);
}

static int64_t sq_mirror_mtime(struct gfs_txn *gt, int64_t node, int64_t now_s)
{
	struct sq_txn *t = sq_txn(gt);
	/* the last touch, or the last expiry of a row the mirror shows
	 * (?1 the node, ?2 its gallery, ?3 now_s), whichever is later */
#define MIRROR(SHOWN) "SELECT max("                                          \
	" coalesce((SELECT mtime FROM mirror_dir WHERE node = ?1), 0),"       \
	" coalesce((SELECT max(purge_at) FROM node WHERE state = " SQL_STATE_SD \
	"  AND " SHOWN " AND purge_at <= ?3), 0) * 1000000000)"
	static const char SQL_G[] = MIRROR("gallery = ?2"),
		SQL_D[] = MIRROR("gallery = ?2 AND definition = ?1"),
		SQL_V[] = MIRROR("parent = ?1");
#undef MIRROR
	static const char SQL_TOUCHED[] = "SELECT mtime FROM mirror_dir WHERE node = ?";
	struct gfs_node n;
	const char *sql = SQL_TOUCHED;

	if (sq_node_get(gt, node, &n) == 0)
		sql = n.type == GFS_GALLERY ? SQL_G : n.type == GFS_DEFINITION ?
			SQL_D : n.type == GFS_VERSION ? SQL_V : SQL_TOUCHED;
	sqlite3_stmt *st = stmt(t, sql);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, node);
	if (sql != SQL_TOUCHED) {
		sqlite3_bind_int64(st, 2, n.gallery);
		sqlite3_bind_int64(st, 3, now_s);
	}
	return step_int(st, 0);
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* several daemons: not here                                           */

/* One daemon per SQLite catalog (the data directory's lock): nothing to
 * register and no other daemon's commits to hear of. */
static int sq_daemon_register(struct gfs_catalog *cat, const struct cat_daemon *d,
			      int lease_s, int64_t *id, struct gfs_err *err)
{
	(void)cat, (void)d, (void)lease_s, (void)id;
	return gfs_err_set(err, EOPNOTSUPP, "an SQLite catalog serves one daemon");
}

static int sq_daemon_renew(struct gfs_catalog *cat, int lease_s, int keep_s,
			   struct gfs_err *err)
{
	(void)cat, (void)lease_s, (void)keep_s;
	return gfs_err_set(err, EOPNOTSUPP, "an SQLite catalog serves one daemon");
}

static void sq_daemon_unregister(struct gfs_catalog *cat)
{
	(void)cat;
}

static int sq_daemons(struct gfs_catalog *cat, cat_daemon_fn fn, void *arg)
{
	(void)cat, (void)fn, (void)arg;
	return -EOPNOTSUPP;
}

static int sq_daemon_remove(struct gfs_catalog *cat, int64_t id)
{
	(void)cat, (void)id;
	return -EOPNOTSUPP;
}

static int sq_listen_open(struct gfs_catalog *cat, int *fd, int64_t *last,
			  struct gfs_err *err)
{
	(void)cat, (void)fd, (void)last;
	return gfs_err_set(err, EOPNOTSUPP, "an SQLite catalog serves one daemon");
}

static int sq_listen_drain(struct gfs_catalog *cat)
{
	(void)cat;
	return -EOPNOTSUPP;
}

static void sq_listen_close(struct gfs_catalog *cat)
{
	(void)cat;
}

static int sq_changes_since(struct gfs_catalog *cat, int64_t after,
			    cat_change_fn fn, void *arg, int64_t *last)
{
	(void)cat, (void)after, (void)fn, (void)arg, (void)last;
	return -EOPNOTSUPP;
}

/* One daemon: its open table knows what is open (catalog.h). */
static int sq_holder_add(struct gfs_txn *t, int64_t node)
{
	(void)t;
	(void)node;
	return -EOPNOTSUPP;
}

static int sq_holder_remove(struct gfs_txn *t, int64_t node)
{
	return sq_holder_add(t, node);
}

static int64_t sq_holders(struct gfs_txn *t, int64_t node)
{
	return sq_holder_add(t, node);
}

static int sq_orphans_unheld(struct gfs_txn *t, cat_id_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	return sq_holder_add(t, 0);
}

const struct cat_backend gfs_catalog_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.keep_unclean = sq_keep_unclean,
	.mark_running = sq_mark_running,
	.schema_version = sq_schema_version,
	.txn_begin = sq_txn_begin,
	.txn_commit = sq_txn_commit,
	.txn_rollback = sq_txn_rollback,
	.node_get = sq_node_get,
	.child_get = sq_child_get,
	.node_insert = sq_node_insert,
	.node_update = sq_node_update,
	.node_update_attrs = sq_node_update_attrs,
	.node_delete = sq_node_delete,
	.children = sq_children,
	.softdeleted_definitions = sq_softdeleted_definitions,
	.softdeleted_versions = sq_softdeleted_versions,
	.all_children = sq_all_children,
	.versions_of = sq_versions_of,
	.expired = sq_expired,
	.purge_claim = sq_purge_claim,
	.purge_release = sq_purge_release,
	.galleries_on = sq_galleries_on,
	.nodes = sq_nodes,
	.count_children = sq_count_children,
	.holds_softdeleted = sq_holds_softdeleted,
	.count_softdeleted_definitions = sq_count_softdeleted_definitions,
	.count_softdeleted_versions = sq_count_softdeleted_versions,
	.softdeleted_bytes = sq_softdeleted_bytes,
	.count_nodes = sq_count_nodes,
	.files_set_deleted = sq_files_set_deleted,
	.files_restore = sq_files_restore,
	.text_get = sq_text_get,
	.text_set = sq_text_set,
	.xattr_get = sq_xattr_get,
	.xattr_list = sq_xattr_list,
	.xattr_set = sq_xattr_set,
	.xattr_remove = sq_xattr_remove,
	.xattr_names_size = sq_xattr_names_size,
	.trash_add = sq_trash_add,
	.trash_get = sq_trash_get,
	.trash_find = sq_trash_find,
	.trash_name_taken = sq_trash_name_taken,
	.trash_remove = sq_trash_remove,
	.trash_remove_children = sq_trash_remove_children,
	.trash_list = sq_trash_list,
	.trash_mtime = sq_trash_mtime,
	.mirror_touch = sq_mirror_touch,
	.mirror_mtime = sq_mirror_mtime,
	.integrity_check = sq_integrity_check,
	.files = sq_files,
	.orphans = sq_orphans,
	.file_exists = sq_file_exists,
	.daemon_register = sq_daemon_register,
	.daemon_renew = sq_daemon_renew,
	.daemon_unregister = sq_daemon_unregister,
	.daemons = sq_daemons,
	.daemon_remove = sq_daemon_remove,
	.holder_add = sq_holder_add,
	.holder_remove = sq_holder_remove,
	.holders = sq_holders,
	.orphans_unheld = sq_orphans_unheld,
	.listen_open = sq_listen_open,
	.listen_drain = sq_listen_drain,
	.listen_close = sq_listen_close,
	.changes_since = sq_changes_since,
};
