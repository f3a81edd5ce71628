/*
 * catalog_pg.c — the catalog on PostgreSQL (catalog.h), for galleries that
 * several hosts share (issue #15): schema and its version, a pool of
 * connections, transactions and every SQL statement galleryfs runs there.
 * Nothing outside this file sees libpq. Like the SQLite backend it only
 * stores and fetches; what a rule needs to know is computed in core.
 *
 * How it keeps catalog.h's guarantees:
 *  - Transactions. A read is REPEATABLE READ READ ONLY: one snapshot. A
 *    write is REPEATABLE READ and first takes LOCK TABLE write_order IN
 *    EXCLUSIVE MODE, which PostgreSQL runs before the snapshot is taken:
 *    galleryfs's writers run one at a time across every daemon sharing the
 *    catalog, as BEGIN IMMEDIATE makes them in SQLite, and each sees every
 *    earlier commit. So core's read-then-write checks (a name is free, then
 *    it is taken) hold between hosts, no two galleryfs writers can fail
 *    each other with a serialization error, and ids, drawn from the node
 *    sequence by one writer at a time, grow in commit order (a listing that
 *    resumes after an id misses nothing). Readers never wait.
 *  - Errors. A failed statement aborts the PostgreSQL transaction, and core
 *    goes on after -EEXIST (it tries the next trash name), so the
 *    statements that may meet a taken name do not raise it (ON CONFLICT DO
 *    NOTHING, NOT EXISTS) and answer -EEXIST. What is still raised maps:
 *    an integrity violation (23xxx, unique 23505 among them: a writer
 *    outside galleryfs) to -EEXIST as in SQLite; a serialization failure or
 *    deadlock (40001, 40P01: only such a writer can cause one) to -EIO, not
 *    retried, since core has acted on what it read; insufficient privilege
 *    to -EACCES; a full disk to -ENOSPC; a lost connection to -EIO (the
 *    connection is dropped; the next transaction opens a new one, so the
 *    daemon reconnects by itself after a server restart). After any error
 *    the rest of the transaction is -EIO and its commit fails, rolling back.
 *  - Durability. Every session runs with synchronous_commit on: a commit
 *    returns once the server has flushed its WAL, so every commit, durable
 *    or not, survives the daemon's kill -9 and the server's power loss.
 *  - Ids. node.id is an identity column whose sequence never goes back (a
 *    rolled-back insert leaves a gap); the root is inserted as 0.
 *  - Schema versions: meta's "schema" row, numbered as SQLite's
 *    user_version (one GFS_SCHEMA_VERSION for both). The PostgreSQL
 *    backend began at schema 3; a new catalog is made of schema 3 and
 *    every migration after it (MIGRATIONS; 4: the tables of several
 *    daemons), all in one transaction, so a failure (a role that may not
 *    create tables) leaves nothing behind. An older catalog is migrated
 *    at open, every step in one transaction, logged once after its
 *    commit; a newer one is refused (-EPROTO) and left as it was.
 *    Creation and migration hold an advisory lock, so that two daemons
 *    starting at once on an empty database do not both create it.
 *
 *  - What is kept in memory. Every write transaction that changed a row
 *    adds one to write_order.changes with its commit, and every
 *    transaction reads that number with its snapshot; link counts and rows
 *    by id are kept with the number they were read at and serve any
 *    transaction that reads the same (see count_memo). A writer outside
 *    galleryfs (an administrator's psql) must add to it too, or the
 *    daemons keep serving what it changed.
 *
 * Threading: a pool of up to PG_POOL connections; a transaction takes one
 * for its life, so many threads read at once. Statements are prepared once
 * per connection, found again by the address of their static SQL text;
 * every value is a parameter (names and attribute values as binary bytea),
 * no SQL is assembled from data.
 *
 * Several daemons (issue #15): daemon registrations with leases, and a
 * change log of node rows written by a trigger and NOTIFY'd at commit, read
 * by each daemon's listener connection (SCHEMA_V4, "several daemons"
 * below). Writers being serialized gives the log its order.
 */
#include "catalog.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_sql.h"
#include "clock.h"
#include "log.h"

#define PG_POOL 8               /* connections per open catalog, at most */
#define STMT_SLOTS 128          /* more than we have SQL */
#define PARAMS_MAX 32
#define PAGE_ROWS "1024"        /* rows a whole-catalog visit fetches at once */
#define PG_FIRST_SCHEMA 3       /* the first version this backend made */
/* pg_advisory_xact_lock key of schema creation and migration */
#define SCHEMA_LOCK "7262116730741557313"
/* pg_try_advisory_lock key of the purge pass (pg_purge_claim) */
#define PURGE_LOCK "7262116730741557314"

struct pg_conn {
	PGconn *db;
	const char *slots[STMT_SLOTS];  /* slot i: prepared as "s<i>" */
	bool broken;                    /* lost or unusable: close it */
	bool pending;                   /* a ROLLBACK sent, its answer unread */
	int64_t daemon;                 /* galleryfs.daemon as set on it */
	struct pg_conn *next;           /* in the idle list */
};

/*
 * Directory link counts count rows: those of .softdeleted and
 * .softdeleted/DEF count distinct items over every soft-deleted row below
 * them, and the kernel asks for them on every request there (design §9);
 * counted each time, a hard delete of a thousand versions goes quadratic.
 * Every write transaction that changed a row adds one to
 * write_order.changes, under the lock that orders the writers of every
 * host, so a count holds for any snapshot with the same changes, until
 * the next expiry: kept here for every connection of the catalog.
 */
#define MEMO_SLOTS 64
/* Rows by id, kept the same way: a lookup walks a path one node_get a step
 * and the kernel asks again for what it was just told, and each is a round
 * trip to the server. */
#define ROW_SLOTS 4096

struct row_memo {
	int64_t changes;                /* -1: empty */
	struct gfs_node n;
};

struct count_memo {
	const char *sql;                /* what was counted, of what */
	int64_t a, b;
	int64_t changes;                /* the catalog as it was counted */
	int64_t from_s, until_s;        /* the seconds it holds for */
	int64_t value;
};

struct pg_catalog {
	struct gfs_catalog base;        /* first: what the interface sees */
	char *conninfo;                 /* as given (it may hold a password) */
	char where[200];                /* as messages name it: no password */
	pthread_mutex_t lock;           /* guards the pool and the flags */
	pthread_cond_t freed;
	struct pg_conn *idle;
	int conns;                      /* open, idle or in use */
	int schema;                     /* the version, as opened */
	bool keep_unclean;
	bool read_only;
	bool down;                      /* the server went away (outage_seen) */
	struct pg_conn *purge;          /* holds the purge claim; under lock */
	struct timespec down_since;     /* CLOCK_MONOTONIC, while down */
	struct count_memo memo[MEMO_SLOTS];     /* under lock */
	struct row_memo *rows;                  /* ROW_SLOTS, under lock */
	/* several daemons (see "several daemons" below) */
	int64_t daemon;                 /* our registration, 0 before */
	struct pg_conn *listener;       /* LISTENs; only its thread uses it */
};

struct pg_txn {
	struct gfs_txn base;            /* first: what the interface sees */
	struct pg_catalog *cat;
	struct pg_conn *c;
	bool write;
	bool failed;                    /* a statement failed: only rollback */
	bool wrote;                     /* a row may have changed */
	int64_t changes;                /* write_order.changes seen; -1 unread */
	char why[200];                  /* the first failure, for commit */
};

/* ------------------------------------------------------------------ */
/* parameters and results                                              */

struct params {
	int n;
	const char *v[PARAMS_MAX];
	int len[PARAMS_MAX];
	int fmt[PARAMS_MAX];
	char num[PARAMS_MAX][24];
};

static void p_int(struct params *p, int64_t x)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)x);
	p->v[p->n] = p->num[p->n];
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

static void p_null(struct params *p)
{
	p->v[p->n] = NULL;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

/* 0 stands for NULL: an absent id or time */
static void p_opt(struct params *p, int64_t x)
{
	if (x)
		p_int(p, x);
	else
		p_null(p);
}

static void p_text(struct params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

/* bytes as bytea, sent binary: names and values are any bytes */
static void p_bytes(struct params *p, const void *b, size_t len)
{
	p->v[p->n] = len ? b : "";
	p->len[p->n] = (int)len;
	p->fmt[p->n++] = 1;
}

static int64_t col_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
}

/* A bytea column in text results (hex output, "\x4142"): its bytes into
 * out, at most max of them; their count. */
static size_t col_bytes(const PGresult *r, int row, int col, char *out, size_t max)
{
	const char *s = PQgetvalue(r, row, col);
	size_t n = 0;
	if (s[0] != '\\' || s[1] != 'x')
		return 0;
	for (s += 2; s[0] && s[1] && n < max; s += 2)
		out[n++] = (char)(hexval(s[0]) << 4 | hexval(s[1]));
	return n;
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

/* The errno for a failed statement's SQLSTATE (see the file's comment). */
static int sqlstate_errno(const char *state)
{
	if (!state)
		return EIO;             /* no answer: the connection went */
	if (strncmp(state, "23", 2) == 0)
		return EEXIST;
	if (strcmp(state, "42501") == 0)
		return EACCES;
	if (strcmp(state, "53100") == 0)
		return ENOSPC;
	if (strcmp(state, "53200") == 0)
		return ENOMEM;
	if (strcmp(state, "25006") == 0)
		return EROFS;
	if (strcmp(state, "55P03") == 0)
		return EBUSY;           /* lock_timeout */
	return EIO;
}

/* One line from a libpq message (they end in newlines and indent hints). */
static void one_line(char *s)
{
	char *w = s;
	for (const char *c = s; *c; c++) {
		char ch = *c == '\n' || *c == '\t' ? ' ' : *c;
		if (ch == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = ch;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* A statement of t failed with r (NULL: no result at all): remember why,
 * drop the connection if it is gone, and return the errno. */
static int txn_fail(struct pg_txn *t, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!t->failed) {
		snprintf(t->why, sizeof(t->why), "%s",
			 r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) :
			 PQerrorMessage(t->c->db));
		one_line(t->why);
	}
	t->failed = true;
	if (PQstatus(t->c->db) != CONNECTION_OK)
		t->c->broken = true;
	return sqlstate_errno(state);
}

/* ------------------------------------------------------------------ */
/* statements                                                          */

/* The name sql is prepared under on t's connection, preparing it the first
 * time; NULL when that fails. */
static const char *prepared(struct pg_txn *t, const char *sql, char name[16])
{
	struct pg_conn *c = t->c;
	size_t h = ((uintptr_t)sql >> 4) % STMT_SLOTS;

	for (size_t i = 0; i < STMT_SLOTS; i++) {
		size_t slot = (h + i) % STMT_SLOTS;
		snprintf(name, 16, "s%zu", slot);
		if (c->slots[slot] == sql)
			return name;
		if (!c->slots[slot]) {
			PGresult *r = PQprepare(c->db, name, sql, 0, NULL);
			bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			if (!ok)
				txn_fail(t, r);
			PQclear(r);
			if (!ok)
				return NULL;
			c->slots[slot] = sql;
			return name;
		}
	}
	snprintf(t->why, sizeof(t->why), "too many statements");
	t->failed = true;
	return NULL;
}

/* Run sql with p; its result (rows or a command's), or NULL with *e set.
 * binary: results as binary (only for all-bytea rows). */
static PGresult *run(struct pg_txn *t, const char *sql, const struct params *p,
		     bool binary, int *e)
{
	char name[16];
	*e = EIO;
	if (t->failed || !prepared(t, sql, name))
		return NULL;
	PGresult *r = PQexecPrepared(t->c->db, name, p ? p->n : 0,
				     p ? p->v : NULL, p ? p->len : NULL,
				     p ? p->fmt : NULL, binary);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		return r;
	*e = txn_fail(t, r);
	PQclear(r);
	return NULL;
}

/* Run a statement for its effect; 0 or -errno, *changed the rows it
 * changed (or returned) when asked. */
static int run_done(struct pg_txn *t, const char *sql, const struct params *p,
		    int64_t *changed)
{
	int e;
	t->wrote = true;        /* every such statement is a write */
	PGresult *r = run(t, sql, p, false, &e);
	if (!r)
		return -e;
	if (changed)
		*changed = PQntuples(r) ? PQntuples(r) : strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}

/* Run a statement that answers one integer (dflt without a row or on
 * failure). */
static int64_t run_int(struct pg_txn *t, const char *sql, const struct params *p,
		       int64_t dflt)
{
	int e;
	PGresult *r = run(t, sql, p, false, &e);
	if (!r)
		return dflt;
	int64_t v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? col_int(r, 0, 0) : dflt;
	PQclear(r);
	return v;
}

/* ------------------------------------------------------------------ */
/* rows                                                                */

static void row_to_node(const PGresult *r, int row, struct gfs_node *n)
{
	n->id = col_int(r, row, 0);
	n->parent = col_int(r, row, 1);
	n->gallery = col_int(r, row, 2);
	n->definition = col_int(r, row, 3);
	n->type = (enum gfs_type)col_int(r, row, 4);
	n->state = (enum gfs_state)col_int(r, row, 5);
	n->name_len = col_bytes(r, row, 6, n->name, 255);
	n->name[n->name_len] = '\0';
	n->mode = (uint32_t)col_int(r, row, 7);
	n->uid = (uint32_t)col_int(r, row, 8);
	n->gid = (uint32_t)col_int(r, row, 9);
	n->size = col_int(r, row, 10);
	n->blocks = col_int(r, row, 11);
	n->atime = col_int(r, row, 12);
	n->mtime = col_int(r, row, 13);
	n->ctime = col_int(r, row, 14);
	n->gen = (uint64_t)col_int(r, row, 15);
	n->mirror_gen = (uint64_t)col_int(r, row, 16);
	n->deleted_at = col_int(r, row, 17);
	n->purge_at = col_int(r, row, 18);
	snprintf(n->location, sizeof(n->location), "%s", PQgetvalue(r, row, 19));
	n->kind = (enum gfs_kind)col_int(r, row, 20);
	n->sharing = (enum gfs_sharing)col_int(r, row, 21);
	n->soft_delete = col_int(r, row, 22) != 0;
	n->prov = (enum gfs_provisioning)col_int(r, row, 23);
	n->vmss_flex = col_int(r, row, 24) != 0;
}

/* mode .. mirror_gen of n, in NODE_COLS order */
static void p_stat(struct params *p, const struct gfs_node *n)
{
	p_int(p, n->mode);
	p_int(p, n->uid);
	p_int(p, n->gid);
	p_int(p, n->size);
	p_int(p, n->blocks);
	p_int(p, n->atime);
	p_int(p, n->mtime);
	p_int(p, n->ctime);
	p_int(p, (int64_t)n->gen);
	p_int(p, (int64_t)n->mirror_gen);
}

/* the properties location .. vmss_flex of n */
static void p_props(struct params *p, const struct gfs_node *n)
{
	if (n->location[0])
		p_text(p, n->location);
	else
		p_null(p);
	p_int(p, n->kind);
	p_int(p, n->sharing);
	p_int(p, n->soft_delete);
	p_int(p, n->prov);
	p_int(p, n->vmss_flex);
}

/* every column of n from parent on, in NODE_COLS order: $1 .. $24 */
static void p_node(struct params *p, const struct gfs_node *n)
{
	if (n->state == GFS_ORPHAN || n->type == GFS_ROOT)
		p_null(p);
	else
		p_int(p, n->parent);
	p_opt(p, n->gallery);
	p_opt(p, n->definition);
	p_int(p, n->type);
	p_int(p, n->state);
	p_bytes(p, n->name, n->name_len);
	p_stat(p, n);
	p_opt(p, n->deleted_at);
	p_opt(p, n->purge_at);
	p_props(p, n);
}

/* ------------------------------------------------------------------ */
/* schema                                                              */

/* Schema 3, the first this backend made. Names and attribute values are
 * bytea (any bytes); every integer is a bigint but the enums. A new
 * catalog is made of it and every migration after it (MIGRATIONS), so a
 * new one and a migrated one are the same. */
static const char SCHEMA_V3[] =
	"CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);"
	/* every write transaction locks it first, and counts its change */
	"CREATE TABLE write_order (changes bigint NOT NULL);"
	"INSERT INTO write_order VALUES (0);"
	"CREATE TABLE node ("
	" id bigint GENERATED BY DEFAULT AS IDENTITY"
	"  (SEQUENCE NAME node_id_seq MINVALUE 0 START WITH 1) PRIMARY KEY,"
	" parent bigint REFERENCES node(id),"
	" gallery bigint, definition bigint,"
	" type integer NOT NULL, state integer NOT NULL DEFAULT 0,"
	" name bytea NOT NULL,"
	" mode bigint NOT NULL, uid bigint NOT NULL, gid bigint NOT NULL,"
	" size bigint NOT NULL DEFAULT 0, blocks bigint NOT NULL DEFAULT 0,"
	" atime bigint NOT NULL, mtime bigint NOT NULL, ctime bigint NOT NULL,"
	" gen bigint NOT NULL DEFAULT 1, mirror_gen bigint NOT NULL DEFAULT 1,"
	" deleted_at bigint, purge_at bigint,"
	" location text, kind integer, sharing integer, soft_delete integer,"
	" prov integer, vmss_flex integer, replicas text, sharing_admins text);"
	/* children in id order; orphans (no parent) through it too */
	"CREATE INDEX node_children ON node(parent, state, id);"
	/* orphans have no parent, so they never collide */
	"CREATE UNIQUE INDEX node_name ON node(parent, name, state);"
	"CREATE INDEX node_softdeleted ON node(gallery, definition, purge_at)"
	" WHERE state = " SQL_STATE_SD ";"
	"CREATE INDEX node_softdeleted_gallery ON node(gallery, purge_at)"
	" WHERE state = " SQL_STATE_SD ";"
	"CREATE INDEX node_purge ON node(purge_at) WHERE state = " SQL_STATE_SD ";"
	"CREATE INDEX node_gallery_versions ON node(gallery)"
	" WHERE type = " SQL_TYPE_VERSION ";"
	"CREATE INDEX node_definition_versions ON node(definition)"
	" WHERE type = " SQL_TYPE_VERSION ";"
	"CREATE TABLE xattr ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" node bigint NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	" name bytea NOT NULL, value bytea NOT NULL, UNIQUE (node, name));"
	/* the desktop trash view (design §10) */
	"CREATE TABLE trash ("
	" node bigint PRIMARY KEY REFERENCES node(id) ON DELETE CASCADE,"
	" uid bigint NOT NULL, name bytea NOT NULL,"
	" trash_view_owns integer NOT NULL DEFAULT 0, UNIQUE (uid, name));"
	"CREATE TABLE trash_dir (uid bigint PRIMARY KEY, mtime bigint NOT NULL);"
	/* the .softdeleted mirrors (design §9) */
	"CREATE TABLE mirror_dir (node bigint PRIMARY KEY, mtime bigint NOT NULL);";

/* Schema 4: what several daemons on one catalog share (issue #15) — their
 * registrations, the change log of node rows that tells each what the
 * others changed, and which daemon holds which file open (deferred
 * removal). A trigger writes the log: every row of node inserted, updated
 * or deleted leaves its place before and after, under the writing
 * daemon's registration (galleryfs.daemon, set per connection); writers
 * run one at a time (write_order), so seq grows in commit order. A
 * statement trigger NOTIFYs galleryfs_change, which PostgreSQL sends once
 * per transaction, at commit. A holder row lives from a daemon's first
 * open of a file to its last close, and goes with the file's row or the
 * daemon's registration.
 *
 * Builds before schema 4 made these tables "when missing" beside schema 3,
 * so a catalog of schema 3 may hold all of them, some (no holder) or none:
 * the step makes what is missing and keeps what is there (IF NOT EXISTS,
 * OR REPLACE), rows included. */
static const char SCHEMA_V4[] =
	"CREATE TABLE IF NOT EXISTS daemon ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" host text NOT NULL, pid bigint NOT NULL, mountpoint text NOT NULL,"
	" started timestamptz NOT NULL DEFAULT now(),"
	" lease_until timestamptz NOT NULL);"
	"CREATE TABLE IF NOT EXISTS change ("
	" seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" daemon bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(),"
	" node bigint NOT NULL, type integer NOT NULL,"
	" gallery bigint, definition bigint,"
	" old_parent bigint, old_state integer, old_gen bigint,"
	" old_mirror_gen bigint, old_name bytea,"
	" new_parent bigint, new_state integer, new_gen bigint,"
	" new_mirror_gen bigint, new_name bytea);"
	"CREATE INDEX IF NOT EXISTS change_at ON change(at);"
	"INSERT INTO meta(key, value) VALUES ('change_trimmed', '0')"
	" ON CONFLICT DO NOTHING;"
	"CREATE OR REPLACE FUNCTION gfs_node_logged() RETURNS trigger"
	/* the schema it was made in, whatever the writer's search_path */
	" LANGUAGE plpgsql SET search_path FROM CURRENT AS $$"
	" DECLARE who bigint := coalesce(nullif(current_setting("
	"  'galleryfs.daemon', true), '')::bigint, 0);"
	" BEGIN"
	"  IF TG_OP = 'INSERT' THEN"
	"   INSERT INTO change(daemon, node, type, gallery, definition,"
	"    new_parent, new_state, new_gen, new_mirror_gen, new_name)"
	"   VALUES (who, NEW.id, NEW.type, NEW.gallery, NEW.definition,"
	"    NEW.parent, NEW.state, NEW.gen, NEW.mirror_gen, NEW.name);"
	"  ELSIF TG_OP = 'DELETE' THEN"
	"   INSERT INTO change(daemon, node, type, gallery, definition,"
	"    old_parent, old_state, old_gen, old_mirror_gen, old_name)"
	"   VALUES (who, OLD.id, OLD.type, OLD.gallery, OLD.definition,"
	"    OLD.parent, OLD.state, OLD.gen, OLD.mirror_gen, OLD.name);"
	"  ELSE"
	"   INSERT INTO change(daemon, node, type, gallery, definition,"
	"    old_parent, old_state, old_gen, old_mirror_gen, old_name,"
	"    new_parent, new_state, new_gen, new_mirror_gen, new_name)"
	"   VALUES (who, NEW.id, NEW.type, NEW.gallery, NEW.definition,"
	"    OLD.parent, OLD.state, OLD.gen, OLD.mirror_gen, OLD.name,"
	"    NEW.parent, NEW.state, NEW.gen, NEW.mirror_gen, NEW.name);"
	"  END IF;"
	"  RETURN NULL;"
	" END $$;"
	"CREATE OR REPLACE FUNCTION gfs_node_notify() RETURNS trigger"
	" LANGUAGE plpgsql AS $$"
	" BEGIN PERFORM pg_notify('galleryfs_change', ''); RETURN NULL; END $$;"
	"CREATE OR REPLACE TRIGGER node_logged AFTER INSERT OR UPDATE OR DELETE"
	" ON node FOR EACH ROW EXECUTE FUNCTION gfs_node_logged();"
	"CREATE OR REPLACE TRIGGER node_notify AFTER INSERT OR UPDATE OR DELETE"
	" ON node FOR EACH STATEMENT EXECUTE FUNCTION gfs_node_notify();"
	"CREATE TABLE IF NOT EXISTS holder ("
	" node bigint NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	" daemon bigint NOT NULL REFERENCES daemon(id) ON DELETE CASCADE,"
	" PRIMARY KEY (node, daemon));"
	"CREATE INDEX IF NOT EXISTS holder_daemon ON holder(daemon);";

/* MIGRATIONS[v]: from schema v to v + 1, for v >= PG_FIRST_SCHEMA. */
static const char *const MIGRATIONS[GFS_SCHEMA_VERSION] = {
	[3] = SCHEMA_V4,
};

/* The tables and sequences a daemon writes, for the rights check. */
#define TABLES "'meta', 'write_order', 'node', 'xattr', 'trash', 'trash_dir'," \
	" 'mirror_dir', 'daemon', 'change', 'holder'"

/* ------------------------------------------------------------------ */
/* connections                                                         */

static struct pg_catalog *pg_catalog(struct gfs_catalog *cat)
{
	return (struct pg_catalog *)cat;
}

static struct pg_txn *pg_txn(struct gfs_txn *t)
{
	return (struct pg_txn *)t;
}

static void conn_close(struct pg_conn *c)
{
	if (!c)
		return;
	PQfinish(c->db);
	free(c);
}

/* Whether r, a result on c outside any pg_txn (open, close, marks), is a
 * success; if not, msg (when given) gets the server's reason, and c is
 * marked broken when it was lost. */
static bool result_ok(struct pg_conn *c, const PGresult *r, char *msg, size_t len)
{
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return true;
	if (msg) {
		snprintf(msg, len, "%s", r && PQresultErrorMessage(r)[0] ?
			 PQresultErrorMessage(r) : PQerrorMessage(c->db));
		one_line(msg);
	}
	if (PQstatus(c->db) != CONNECTION_OK)
		c->broken = true;
	return false;
}

/* Run sql (statements without parameters) on c: true when it succeeded. */
static bool conn_exec(struct pg_conn *c, const char *sql, char *msg, size_t len)
{
	PGresult *r = PQexec(c->db, sql);
	bool ok = result_ok(c, r, msg, len);
	PQclear(r);
	return ok;
}

/* Where the catalog is, as messages say it: never the password. */
static void describe(struct pg_catalog *cat, PGconn *db)
{
	const char *host = PQhost(db), *port = PQport(db), *dbname = PQdb(db),
		   *user = PQuser(db);
	snprintf(cat->where, sizeof(cat->where), "host=%s port=%s dbname=%s user=%s",
		 host && host[0] ? host : "(default)", port && port[0] ? port : "5432",
		 dbname ? dbname : "?", user ? user : "?");
}

/* What to do about a connection libpq could not make, from its message. */
static int connect_remedy(const char *msg, const char **remedy)
{
	if (strstr(msg, "database \"") && strstr(msg, "does not exist")) {
		*remedy = "create the database (createdb -O ROLE NAME) or name "
			  "another in the conninfo";
		return ENOENT;
	}
	if (strstr(msg, "authentication") || strstr(msg, "pg_hba.conf") ||
	    strstr(msg, "password") || (strstr(msg, "role \"") &&
					strstr(msg, "does not exist"))) {
		*remedy = "check the role and its password (~/.pgpass, PGPASSWORD) "
			  "and the server's pg_hba.conf";
		return EACCES;
	}
	*remedy = "is the server running and is the conninfo's host and port "
		  "right?";
	return EIO;
}

/* A new connection, set for galleryfs: synchronous commits, hex bytea. */
static int conn_open(struct pg_catalog *cat, struct pg_conn **out,
		     struct gfs_err *err)
{
	/* No connect_timeout of ours: libpq measures it with the wall clock,
	 * which libfaketime runs 2000 times faster in the tests (t_mount) and
	 * an administrator may move; a server that does not answer is given
	 * up when the kernel gives up the connection, or after the conninfo's
	 * (or PGCONNECT_TIMEOUT's) connect_timeout. */
	static const char *const keys[] = { "dbname", "fallback_application_name",
					    NULL };
	const char *vals[] = { cat->conninfo, "galleryfs", NULL };
	struct pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return gfs_err_set(err, ENOMEM, "out of memory");
	/* expand_dbname: the conninfo may be a whole string or URI; empty,
	 * libpq's PG* variables and service files decide */
	c->db = PQconnectdbParams(keys, vals, 1);
	if (!c->db) {
		free(c);
		return gfs_err_set(err, ENOMEM, "out of memory");
	}
	if (!cat->where[0])
		describe(cat, c->db);
	if (PQstatus(c->db) != CONNECTION_OK) {
		char msg[256];
		const char *remedy;
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->db));
		one_line(msg);
		int e = connect_remedy(msg, &remedy);
		conn_close(c);
		return gfs_err_set(err, e, "PostgreSQL catalog %s cannot be used "
				   "(%s): %s", cat->where, remedy, msg);
	}
	char msg[200];
	if (!conn_exec(c, cat->read_only ?
		       "SET synchronous_commit TO on; SET bytea_output TO hex;"
		       " SET client_min_messages TO warning;"
		       " SET default_transaction_read_only TO on" :
		       "SET synchronous_commit TO on; SET bytea_output TO hex;"
		       " SET client_min_messages TO warning", msg, sizeof(msg))) {
		conn_close(c);
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	}
	*out = c;
	return 0;
}

static PGresult *conn_query(struct pg_conn *c, const char *sql, int n,
			    const char *const *vals, char *msg, size_t len);

/* A connection for one transaction: an idle one, a new one while the pool
 * has room, or the next one given back. */
/* Read the answer to the ROLLBACK c was given back with; false when c
 * cannot serve. */
static bool conn_settle(struct pg_conn *c)
{
	PGresult *r;
	if (c->pending) {
		while ((r = PQgetResult(c->db))) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				c->broken = true;
			PQclear(r);
		}
		c->pending = false;
	}
	return !c->broken && PQstatus(c->db) == CONNECTION_OK;
}

/*
 * Outages. A server restart cuts every connection at once. The first one
 * found lost says so in the log, once, and closes the idle ones with it
 * (they were cut too), so that the next transaction connects anew instead
 * of meeting them one by one, each costing a request its EIO. While the
 * server is away a connection is refused at once (no socket, or "the
 * database system is starting up"), so requests fail with EIO without
 * waiting; the first connection made again says so in the log, once.
 */
static void outage_seen(struct pg_catalog *cat, const char *why)
{
	pthread_mutex_lock(&cat->lock);
	struct pg_conn *idle = cat->idle;
	cat->idle = NULL;
	for (struct pg_conn *c = idle; c; c = c->next)
		cat->conns--;
	bool first = !cat->down;
	if (first) {
		cat->down = true;
		clock_gettime(CLOCK_MONOTONIC, &cat->down_since);
	}
	pthread_cond_broadcast(&cat->freed);
	pthread_mutex_unlock(&cat->lock);
	while (idle) {
		struct pg_conn *next = idle->next;
		conn_close(idle);
		idle = next;
	}
	if (first)
		gfs_log(GFS_LOG_ERROR, "PostgreSQL catalog %s is unreachable (%s): "
			"requests fail with EIO until the server answers again; the "
			"daemon reconnects by itself", cat->where, why);
}

static void outage_over(struct pg_catalog *cat)
{
	struct timespec now;
	pthread_mutex_lock(&cat->lock);
	bool was = cat->down;
	cat->down = false;
	pthread_mutex_unlock(&cat->lock);
	if (!was)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	gfs_log(GFS_LOG_WARNING, "PostgreSQL catalog %s answers again: reconnected "
		"after %.1f s, requests are served again", cat->where,
		(double)(now.tv_sec - cat->down_since.tv_sec) +
		(now.tv_nsec - cat->down_since.tv_nsec) / 1e9);
}

static void pool_give(struct pg_catalog *cat, struct pg_conn *c);

static int pool_get(struct pg_catalog *cat, struct pg_conn **out,
		    struct gfs_err *err)
{
	pthread_mutex_lock(&cat->lock);
	for (;;) {
		while (!cat->idle && cat->conns >= PG_POOL)
			pthread_cond_wait(&cat->freed, &cat->lock);
		struct pg_conn *c = cat->idle;
		if (!c)
			break;
		cat->idle = c->next;
		pthread_mutex_unlock(&cat->lock);
		if (conn_settle(c)) {
			*out = c;
			return 0;
		}
		pool_give(cat, c);      /* closes it */
		pthread_mutex_lock(&cat->lock);
	}
	cat->conns++;
	pthread_mutex_unlock(&cat->lock);
	int r = conn_open(cat, out, err);
	if (r < 0) {
		pthread_mutex_lock(&cat->lock);
		cat->conns--;
		pthread_cond_signal(&cat->freed);
		pthread_mutex_unlock(&cat->lock);
		if (r == -EIO)
			outage_seen(cat, err->reason);
	} else {
		outage_over(cat);
	}
	return r;
}

/* A connection (pool_get) whose writes the change log puts down to this
 * daemon's registration (galleryfs.daemon). */
static int pool_take(struct pg_catalog *cat, struct pg_conn **out,
		     struct gfs_err *err)
{
	int r = pool_get(cat, out, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&cat->lock);
	int64_t daemon = cat->daemon;
	pthread_mutex_unlock(&cat->lock);
	struct pg_conn *c = *out;
	if (c->daemon == daemon)
		return 0;
	char id[24], msg[200];
	snprintf(id, sizeof(id), "%lld", (long long)daemon);
	const char *vals[] = { id };
	PGresult *res = conn_query(c, "SELECT set_config('galleryfs.daemon', $1,"
				   " false)", 1, vals, msg, sizeof(msg));
	if (res) {
		c->daemon = daemon;
		PQclear(res);
		return 0;
	}
	c->broken = true;
	pool_give(cat, c);
	return gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
}

/* Give c back: kept when it still works, closed when not. */
static void pool_give(struct pg_catalog *cat, struct pg_conn *c)
{
	char lost[256] = "";
	if (PQstatus(c->db) != CONNECTION_OK) {
		snprintf(lost, sizeof(lost), "a connection was lost: %s",
			 PQerrorMessage(c->db));
		one_line(lost);
	}
	if (c->broken || lost[0]) {
		conn_close(c);
		c = NULL;
	}
	pthread_mutex_lock(&cat->lock);
	if (c) {
		c->next = cat->idle;
		cat->idle = c;
	} else {
		cat->conns--;
	}
	pthread_cond_signal(&cat->freed);
	pthread_mutex_unlock(&cat->lock);
	if (lost[0])
		outage_seen(cat, lost);
}

/* ------------------------------------------------------------------ */
/* open, migrate, marks                                                */

/* Run one statement with text parameters on c, outside a pg_txn; its
 * result (rows or a command's) or NULL with msg set. */
static PGresult *conn_query(struct pg_conn *c, const char *sql, int n,
			    const char *const *vals, char *msg, size_t len)
{
	PGresult *r = PQexecParams(c->db, sql, n, NULL, vals, NULL, NULL, 0);
	if (result_ok(c, r, msg, len))
		return r;
	PQclear(r);
	return NULL;
}

/* The value of meta's key (NULL when missing), malloc'ed. */
static char *meta_get(struct pg_conn *c, const char *key)
{
	char msg[200];
	const char *vals[] = { key };
	PGresult *r = conn_query(c, "SELECT value FROM meta WHERE key = $1", 1,
				 vals, msg, sizeof(msg));
	char *v = r && PQntuples(r) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return v;
}

/* The schema version stored in c's catalog: 0 when the search path shows
 * no galleryfs catalog, -1 with err set when it cannot be read or meta
 * holds none (tables that are not ours). */
static int stored_version(struct pg_catalog *cat, struct pg_conn *c,
			  struct gfs_err *err)
{
	char msg[200];
	PGresult *r = conn_query(c, "SELECT to_regclass('meta') IS NOT NULL",
				 0, NULL, msg, sizeof(msg));
	if (!r) {
		gfs_err_set(err, EIO, "PostgreSQL catalog %s cannot be read: %s",
			    cat->where, msg);
		return -1;
	}
	bool exists = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!exists)
		return 0;
	PGresult *m = PQexec(c->db, "SELECT value FROM meta WHERE key = 'schema'");
	if (!result_ok(c, m, msg, sizeof(msg))) {
		int e = sqlstate_errno(PQresultErrorField(m, PG_DIAG_SQLSTATE));
		PQclear(m);
		gfs_err_set(err, e, "PostgreSQL catalog %s cannot be read: %s%s",
			    cat->where, msg, e == EACCES ? " (GRANT SELECT ON ALL "
			    "TABLES IN SCHEMA to the role)" : "");
		return -1;
	}
	int version = PQntuples(m) ? atoi(PQgetvalue(m, 0, 0)) : 0;
	PQclear(m);
	if (version <= 0) {
		gfs_err_set(err, EPROTO, "PostgreSQL catalog %s holds a table meta "
			    "without a galleryfs schema version: not a galleryfs "
			    "catalog; name another database or schema "
			    "(options=-csearch_path=...)", cat->where);
		return -1;
	}
	return version;
}

/* Can the role write every table of the catalog? A role given the tables
 * of another must have been granted them all. */
static int check_rights(struct pg_catalog *cat, struct pg_conn *c,
			struct gfs_err *err)
{
	static const char SQL[] = "SELECT string_agg(t, ', ') FROM unnest(ARRAY["
		TABLES "]) t WHERE NOT (has_table_privilege(t, 'SELECT')"
		" AND has_table_privilege(t, 'INSERT')"
		" AND has_table_privilege(t, 'UPDATE')"
		" AND has_table_privilege(t, 'DELETE'))"
		" OR (t = 'node' AND NOT has_sequence_privilege('node_id_seq', 'USAGE'))";
	char msg[200];
	PGresult *r = conn_query(c, SQL, 0, NULL, msg, sizeof(msg));
	if (!r)
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	bool lacking = !PQgetisnull(r, 0, 0);
	if (lacking)
		gfs_err_set(err, EACCES, "PostgreSQL catalog %s: the role may not "
			    "write the tables %s; GRANT SELECT, INSERT, UPDATE, "
			    "DELETE ON ALL TABLES and USAGE ON ALL SEQUENCES IN "
			    "SCHEMA to it", cat->where, PQgetvalue(r, 0, 0));
	PQclear(r);
	return lacking ? -err->errnum : 0;
}

/* Run sql, statements of the schema, on c: 0, or the errno its SQLSTATE
 * maps to with msg set. */
static int schema_exec(struct pg_conn *c, const char *sql, char *msg, size_t len)
{
	PGresult *r = PQexec(c->db, sql);
	bool ok = result_ok(c, r, msg, len);
	int e = ok ? 0 : sqlstate_errno(PQresultErrorField(r, PG_DIAG_SQLSTATE));
	PQclear(r);
	return ok ? 0 : e ? e : EIO;
}

/* Create the catalog, inside the open's transaction: schema 3 and every
 * migration after it, so that a new catalog is what a migrated one is. */
static int create_schema(struct pg_catalog *cat, struct pg_conn *c,
			 struct gfs_err *err)
{
	char msg[200], now[24], version[16];
	PGresult *r = conn_query(c, "SELECT current_schema(), current_user", 0,
				 NULL, msg, sizeof(msg));
	if (!r)
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	if (PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return gfs_err_set(err, EACCES, "PostgreSQL catalog %s: no schema to "
				   "create the catalog in (the search_path names none "
				   "that exists); create one, or name one with "
				   "options=-csearch_path=...", cat->where);
	}
	char schema[64], user[64];
	snprintf(schema, sizeof(schema), "%s", PQgetvalue(r, 0, 0));
	snprintf(user, sizeof(user), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);

	int e = schema_exec(c, SCHEMA_V3, msg, sizeof(msg));
	for (int v = PG_FIRST_SCHEMA; e == 0 && v < GFS_SCHEMA_VERSION; v++)
		e = MIGRATIONS[v] ? schema_exec(c, MIGRATIONS[v], msg, sizeof(msg)) :
			(snprintf(msg, sizeof(msg), "no migration to schema %d", v + 1), EIO);
	if (e == EACCES)
		return gfs_err_set(err, EACCES, "PostgreSQL catalog %s: role %s may not "
				   "create tables in schema %s; GRANT CREATE ON SCHEMA "
				   "%s TO %s, or make it the owner (nothing was created)",
				   cat->where, user, schema, schema, user);
	if (e)
		return gfs_err_set(err, e, "PostgreSQL catalog %s: creating the "
				   "catalog failed: %s", cat->where, msg);

	snprintf(now, sizeof(now), "%lld", (long long)gfs_now_ns());
	snprintf(version, sizeof(version), "%d", GFS_SCHEMA_VERSION);
	const char *vals[] = { now, version };
	/* a new catalog has nothing to check: clean */
	r = conn_query(c, "WITH root AS (INSERT INTO node(id, parent, gallery,"
		       " definition, type, state, name, mode, uid, gid, atime, mtime,"
		       " ctime) VALUES (0, NULL, NULL, NULL, 0, 0, ''::bytea, 16877,"
		       " 0, 0, $1, $1, $1))"
		       " INSERT INTO meta(key, value) VALUES ('schema', $2), ('clean', '1')",
		       2, vals, msg, sizeof(msg));
	if (!r)
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: creating the "
				   "catalog failed: %s", cat->where, msg);
	PQclear(r);
	return 0;
}

/* Bring an older catalog, of schema from, to GFS_SCHEMA_VERSION inside the
 * open's transaction: every step or none. */
static int migrate_schema(struct pg_catalog *cat, struct pg_conn *c, int from,
			  struct gfs_err *err)
{
	char msg[200], version[16];
	for (int v = from; v < GFS_SCHEMA_VERSION; v++) {
		int e = MIGRATIONS[v] ? schema_exec(c, MIGRATIONS[v], msg, sizeof(msg)) :
			(snprintf(msg, sizeof(msg), "no migration"), EIO);
		if (e == EACCES)
			return gfs_err_set(err, EACCES, "PostgreSQL catalog %s: migration "
					   "from schema %d to %d needs the owner of its "
					   "tables (%s): start galleryfs once as the role "
					   "that owns them (nothing was changed)", cat->where, from,
					   GFS_SCHEMA_VERSION, msg);
		if (e)
			return gfs_err_set(err, e, "PostgreSQL catalog %s: migration to "
					   "schema %d failed: %s (nothing was changed)",
					   cat->where, v + 1, msg);
	}
	snprintf(version, sizeof(version), "%d", GFS_SCHEMA_VERSION);
	const char *vals[] = { version };
	PGresult *r = conn_query(c, "UPDATE meta SET value = $1 WHERE key = 'schema'",
				 1, vals, msg, sizeof(msg));
	if (!r)
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: migration to "
				   "schema %d failed: %s (nothing was changed)",
				   cat->where, GFS_SCHEMA_VERSION, msg);
	PQclear(r);
	return 0;
}

/* Create or migrate the catalog, in one transaction under the schema
 * lock; nothing stays behind when it fails. A migration is logged once,
 * after its commit. */
static int prepare_schema(struct pg_catalog *cat, struct pg_conn *c,
			  struct gfs_err *err)
{
	char msg[200];
	if (!conn_exec(c, "BEGIN; SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")",
		       msg, sizeof(msg)))
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	int v = stored_version(cat, c, err);
	int r = v < 0 ? -err->errnum : 0;
	if (r == 0 && v > GFS_SCHEMA_VERSION)
		r = gfs_err_set(err, EPROTO, "PostgreSQL catalog %s: schema version %d "
				"is newer than this galleryfs understands (%d); run a "
				"newer galleryfs", cat->where, v, GFS_SCHEMA_VERSION);
	if (r == 0 && v > 0 && v < PG_FIRST_SCHEMA)
		r = gfs_err_set(err, EPROTO, "PostgreSQL catalog %s: schema version %d "
				"was never made by galleryfs on PostgreSQL", cat->where, v);
	if (r == 0 && v == 0)
		r = create_schema(cat, c, err);
	if (r == 0 && v > 0 && v < GFS_SCHEMA_VERSION)
		r = migrate_schema(cat, c, v, err);
	if (r == 0)
		r = check_rights(cat, c, err);
	if (r == 0 && !conn_exec(c, "COMMIT", msg, sizeof(msg)))
		r = gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	if (r < 0)
		conn_exec(c, "ROLLBACK", NULL, 0);
	else if (v > 0 && v < GFS_SCHEMA_VERSION)
		gfs_log(GFS_LOG_INFO, "PostgreSQL catalog %s migrated from schema %d "
			"to %d", cat->where, v, GFS_SCHEMA_VERSION);
	return r;
}

static int pg_open(const struct cat_open_options *o, struct gfs_catalog **out,
		   bool *was_clean, struct gfs_err *err)
{
	struct pg_catalog *cat = calloc(1, sizeof(*cat));
	if (!cat || !(cat->conninfo = strdup(o->conninfo ? o->conninfo : ""))) {
		free(cat);
		return gfs_err_set(err, ENOMEM, "out of memory");
	}
	cat->base.be = &gfs_catalog_pg;
	cat->read_only = o->read_only;
	if (!(cat->rows = malloc(ROW_SLOTS * sizeof(*cat->rows)))) {
		free(cat->conninfo);
		free(cat);
		return gfs_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < ROW_SLOTS; i++)
		cat->rows[i].changes = -1;
	pthread_mutex_init(&cat->lock, NULL);
	pthread_cond_init(&cat->freed, NULL);

	struct pg_conn *c = NULL;
	int r = conn_open(cat, &c, err);
	if (r == 0 && o->read_only) {
		int v = stored_version(cat, c, err);
		r = v < 0 ? -err->errnum : v == 0 ?
			gfs_err_set(err, ENOENT, "PostgreSQL catalog %s holds no "
				    "galleryfs catalog (a first mount creates it)",
				    cat->where) : 0;
		cat->schema = v;
	} else if (r == 0) {
		r = prepare_schema(cat, c, err);
		cat->schema = GFS_SCHEMA_VERSION;
	}
	if (r == 0 && was_clean) {
		char *clean = meta_get(c, "clean");
		*was_clean = clean && strcmp(clean, "1") == 0;
		free(clean);
	}
	if (r < 0) {
		conn_close(c);
		pthread_cond_destroy(&cat->freed);
		pthread_mutex_destroy(&cat->lock);
		free(cat->rows);
		free(cat->conninfo);
		free(cat);
		return r;
	}
	cat->conns = 1;
	cat->idle = c;
	*out = &cat->base;
	return 0;
}

/* Set the clean marker to value, on a connection of the pool. */
static int mark(struct pg_catalog *cat, const char *value, struct gfs_err *err)
{
	struct pg_conn *c;
	char msg[200];
	int r = pool_take(cat, &c, err);
	if (r < 0)
		return r;
	const char *vals[] = { value };
	PGresult *res = conn_query(c, "UPDATE meta SET value = $1 WHERE key = 'clean'",
				   1, vals, msg, sizeof(msg));
	if (!res)
		r = gfs_err_set(err, EIO, "PostgreSQL catalog %s cannot be written: %s",
				cat->where, msg);
	PQclear(res);
	pool_give(cat, c);
	return r;
}

static int pg_mark_running(struct gfs_catalog *gcat, struct gfs_err *err)
{
	return mark(pg_catalog(gcat), "0", err);
}

static void pg_keep_unclean(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	cat->keep_unclean = true;
	pthread_mutex_unlock(&cat->lock);
}

static int pg_schema_version(struct gfs_catalog *gcat)
{
	return pg_catalog(gcat)->schema;
}

/* Every transaction has ended: the pool is idle. */
static void pg_close(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	if (!cat->read_only && !cat->keep_unclean) {
		struct gfs_err err;
		mark(cat, "1", &err);
	}
	while (cat->idle) {
		struct pg_conn *c = cat->idle;
		cat->idle = c->next;
		conn_close(c);
	}
	conn_close(cat->purge);         /* a pass the close cut short */
	conn_close(cat->listener);
	pthread_cond_destroy(&cat->freed);
	pthread_mutex_destroy(&cat->lock);
	free(cat->rows);
	free(cat->conninfo);
	free(cat);
}

/* ------------------------------------------------------------------ */
/* transactions                                                        */

/* Each begins by reading write_order.changes: in the round trip of BEGIN,
 * and it takes the transaction's snapshot, so the number is that of the
 * rows the transaction sees (counts and rows are kept by it). */
static const char SQL_BEGIN_READ[] =
	"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
	" SELECT changes FROM write_order";
/* The lock comes before the snapshot, which the first query takes. A
 * writer waits for the one before it (another host's) a minute at most,
 * then fails EBUSY, as SQLite's busy timeout: a write transaction of
 * galleryfs lasts milliseconds. */
static const char SQL_BEGIN_WRITE[] =
	"BEGIN ISOLATION LEVEL REPEATABLE READ;"
	" SET LOCAL lock_timeout = '60s';"
	" LOCK TABLE write_order IN EXCLUSIVE MODE;"
	" SELECT changes FROM write_order";

static int pg_txn_begin(struct gfs_catalog *gcat, bool write, struct gfs_txn **out,
			struct gfs_err *err)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	if (write && cat->read_only)
		return gfs_err_set(err, EROFS, "catalog opened read-only");
	struct pg_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return gfs_err_set(err, ENOMEM, "out of memory");
	t->base.be = &gfs_catalog_pg;
	t->cat = cat;
	t->write = write;
	t->changes = -1;
	/* a connection the server dropped (a restart) is found out here:
	 * once more on a new one */
	for (int attempt = 0; attempt < 2; attempt++) {
		char msg[200];
		int r = pool_take(cat, &t->c, err);
		if (r < 0) {
			free(t);
			return r;
		}
		PGresult *res = PQexec(t->c->db, write ? SQL_BEGIN_WRITE : SQL_BEGIN_READ);
		bool ok = result_ok(t->c, res, msg, sizeof(msg));
		if (ok && PQntuples(res) == 1)
			t->changes = col_int(res, 0, 0);
		PQclear(res);
		if (ok) {
			*out = &t->base;
			return 0;
		}
		bool lost = t->c->broken;
		if (!lost)
			conn_exec(t->c, "ROLLBACK", NULL, 0);
		pool_give(cat, t->c);
		if (!lost || attempt == 1) {
			bool busy = strstr(msg, "lock timeout") != NULL;
			gfs_err_set(err, busy ? EBUSY : EIO, "PostgreSQL catalog %s: %s%s",
				    cat->where, msg, busy ? " (another host's write "
				    "transaction holds the catalog)" : "");
			free(t);
			return -err->errnum;
		}
	}
	free(t);
	return gfs_err_set(err, EIO, "PostgreSQL catalog %s: no connection",
			   cat->where);
}

static void txn_release(struct pg_txn *t)
{
	pool_give(t->cat, t->c);
	free(t);
}

static int pg_txn_commit(struct gfs_txn *gt, bool durable, struct gfs_err *err)
{
	struct pg_txn *t = pg_txn(gt);
	char msg[200];
	(void)durable;  /* every commit is synchronous (see the top) */
	if (t->failed) {
		gfs_err_set(err, EIO, "catalog commit refused: a statement had "
			    "failed: %s", t->why);
		conn_exec(t->c, "ROLLBACK", NULL, 0);
		txn_release(t);
		return -EIO;
	}
	/* a change is counted in the same round trip as the commit */
	PGresult *r = PQexec(t->c->db, t->wrote ? "UPDATE write_order SET"
			     " changes = changes + 1; COMMIT" : "COMMIT");
	/* a transaction the server had aborted answers ROLLBACK */
	bool ok = result_ok(t->c, r, msg, sizeof(msg)) &&
		  strcmp(PQcmdStatus(r), "COMMIT") == 0;
	if (!ok) {
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			snprintf(msg, sizeof(msg), "the server rolled it back");
		gfs_err_set(err, sqlstate_errno(PQresultErrorField(r, PG_DIAG_SQLSTATE)),
			    "catalog commit failed: %s%s", msg, t->c->broken ?
			    " (the connection was lost: whether it committed is "
			    "unknown)" : "");
		if (!t->c->broken)
			conn_exec(t->c, "ROLLBACK", NULL, 0);
	}
	PQclear(r);
	txn_release(t);
	return ok ? 0 : -err->errnum;
}

/* Most transactions are reads that end here: the ROLLBACK is sent and its
 * answer read by the connection's next user (conn_settle), a round trip
 * less per request. The server ends the transaction, and drops a writer's
 * lock, as soon as it reads it. */
static void pg_txn_rollback(struct gfs_txn *gt)
{
	struct pg_txn *t = pg_txn(gt);
	if (!t->c->broken && PQsendQuery(t->c->db, "ROLLBACK"))
		t->c->pending = true;
	else
		t->c->broken = true;
	txn_release(t);
}

/* ------------------------------------------------------------------ */
/* nodes                                                               */

static int one_node(struct pg_txn *t, const char *sql, const struct params *p,
		    struct gfs_node *out)
{
	int e;
	PGresult *r = run(t, sql, p, false, &e);
	if (!r)
		return -e;
	int found = PQntuples(r) > 0;
	if (found)
		row_to_node(r, 0, out);
	PQclear(r);
	return found ? 0 : -ENOENT;
}

static int pg_node_get(struct gfs_txn *gt, int64_t id, struct gfs_node *out)
{
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id = $1";
	struct pg_txn *t = pg_txn(gt);
	struct pg_catalog *cat = t->cat;
	struct row_memo *m = &cat->rows[(uint64_t)id % ROW_SLOTS];
	struct params p = { 0 };
	/* a transaction that wrote reads its own rows */
	bool keep = !t->wrote && t->changes >= 0;

	if (keep) {
		pthread_mutex_lock(&cat->lock);
		bool hit = m->changes == t->changes && m->n.id == id;
		if (hit)
			*out = m->n;
		pthread_mutex_unlock(&cat->lock);
		if (hit)
			return 0;
	}
	p_int(&p, id);
	int r = one_node(t, SQL, &p, out);
	if (r == 0 && keep) {
		pthread_mutex_lock(&cat->lock);
		m->changes = t->changes;
		m->n = *out;
		pthread_mutex_unlock(&cat->lock);
	}
	return r;
}

static int pg_child_get(struct gfs_txn *gt, int64_t parent, const char *name,
			size_t len, enum gfs_state state, int64_t now_s,
			struct gfs_node *out)
{
#define CHILD(STATE) "SELECT " NODE_COLS " FROM node WHERE parent = $1" \
	" AND name = $2 AND state = " STATE " AND (purge_at IS NULL OR purge_at > $3)"
	static const char SQL_LIVE[] = CHILD(SQL_STATE_LIVE), SQL_SD[] = CHILD(SQL_STATE_SD);
#undef CHILD
	struct params p = { 0 };
	p_int(&p, parent);
	p_bytes(&p, name, len);
	p_int(&p, now_s);
	return one_node(pg_txn(gt), state == GFS_LIVE ? SQL_LIVE : SQL_SD, &p, out);
}

static int pg_node_insert(struct gfs_txn *gt, struct gfs_node *n)
{
	/* a taken name inserts nothing, without failing the transaction */
	static const char SQL[] = "INSERT INTO node(parent, gallery, definition,"
		" type, state, name, mode, uid, gid, size, blocks, atime, mtime,"
		" ctime, gen, mirror_gen, deleted_at, purge_at, location, kind,"
		" sharing, soft_delete, prov, vmss_flex) VALUES ($1, $2, $3, $4,"
		" $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
		" $19, $20, $21, $22, $23, $24) ON CONFLICT DO NOTHING RETURNING id";
	struct pg_txn *t = pg_txn(gt);
	struct params p = { 0 };
	int e;
	p_node(&p, n);
	t->wrote = true;
	PGresult *r = run(t, SQL, &p, false, &e);
	if (!r)
		return -e;
	int found = PQntuples(r) > 0;
	if (found)
		n->id = col_int(r, 0, 0);
	PQclear(r);
	return found ? 0 : -EEXIST;
}

static int pg_node_update(struct gfs_txn *gt, const struct gfs_node *n)
{
	/* a name taken in the new place changes nothing: -EEXIST */
	static const char SQL[] = "UPDATE node SET parent = $1, gallery = $2,"
		" definition = $3, type = $4, state = $5, name = $6, mode = $7,"
		" uid = $8, gid = $9, size = $10, blocks = $11, atime = $12,"
		" mtime = $13, ctime = $14, gen = $15, mirror_gen = $16,"
		" deleted_at = $17, purge_at = $18, location = $19, kind = $20,"
		" sharing = $21, soft_delete = $22, prov = $23, vmss_flex = $24"
		" WHERE id = $25 AND NOT EXISTS (SELECT 1 FROM node o"
		"  WHERE o.parent = $1 AND o.name = $6 AND o.state = $5 AND o.id <> $25)"
		" RETURNING id";
	static const char SQL_TAKEN[] = "SELECT 1 FROM node WHERE parent = $1"
		" AND name = $2 AND state = $3 AND id <> $4";
	struct pg_txn *t = pg_txn(gt);
	struct params p = { 0 };
	int64_t changed = 0;
	p_node(&p, n);
	p_int(&p, n->id);
	int r = run_done(t, SQL, &p, &changed);
	if (r < 0 || changed)
		return r;
	/* nothing changed: a missing row (no error, as in SQLite) or a name */
	struct params q = { 0 };
	if (n->state == GFS_ORPHAN || n->type == GFS_ROOT)
		return 0;
	p_int(&q, n->parent);
	p_bytes(&q, n->name, n->name_len);
	p_int(&q, n->state);
	p_int(&q, n->id);
	return run_int(t, SQL_TAKEN, &q, 0) == 1 ? -EEXIST : 0;
}

static int pg_node_update_attrs(struct gfs_txn *gt, const struct gfs_node *n)
{
	static const char SQL[] = "UPDATE node SET mode = $1, uid = $2, gid = $3,"
		" size = $4, blocks = $5, atime = $6, mtime = $7, ctime = $8,"
		" gen = $9, mirror_gen = $10, location = $11, kind = $12,"
		" sharing = $13, soft_delete = $14, prov = $15, vmss_flex = $16"
		" WHERE id = $17";
	struct params p = { 0 };
	p_stat(&p, n);
	p_props(&p, n);
	p_int(&p, n->id);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

static int pg_trash_remove(struct gfs_txn *gt, int64_t node, int64_t now_ns);

static int pg_node_delete(struct gfs_txn *gt, int64_t id)
{
	/* attributes go by ON DELETE CASCADE, the mirror's mtime here */
	static const char SQL[] = "WITH m AS (DELETE FROM mirror_dir WHERE node = $1)"
		" DELETE FROM node WHERE id = $1";
	struct params p = { 0 };
	/* an item leaving a trash changes it */
	int r = pg_trash_remove(gt, id, gfs_now_ns());
	if (r < 0)
		return r;
	p_int(&p, id);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

/* Run a statement whose rows are nodes (NODE_NCOLS columns, then an nlink
 * hint if any); the whole result is fetched first, so fn may ask the
 * catalog again. *last: the id of the last row (for paging), *rows their
 * count. */
static int visit(struct pg_txn *t, const char *sql, const struct params *p,
		 cat_node_fn fn, void *arg, int64_t *last, int *rows, bool *stopped)
{
	int e;
	PGresult *r = run(t, sql, p, false, &e);
	if (!r)
		return -e;
	int n = PQntuples(r), hint = PQnfields(r) > NODE_NCOLS;
	*stopped = false;
	for (int i = 0; i < n; i++) {
		struct gfs_node node;
		row_to_node(r, i, &node);
		*last = node.id;
		if (fn(arg, &node, hint ? col_int(r, i, NODE_NCOLS) : 0)) {
			*stopped = true;
			break;
		}
	}
	*rows = n;
	PQclear(r);
	return 0;
}

static int visit_nodes(struct pg_txn *t, const char *sql, const struct params *p,
		       cat_node_fn fn, void *arg)
{
	int64_t last;
	int rows;
	bool stopped;
	return visit(t, sql, p, fn, arg, &last, &rows, &stopped);
}

static int pg_children(struct gfs_txn *gt, int64_t parent, enum gfs_state state,
		       int64_t now_s, int64_t after, cat_node_fn fn, void *arg)
{
	/* only galleries and definitions pay for the count */
#define CHILDREN(STATE) "SELECT " NODE_COLS "," \
	" CASE WHEN n.type IN (" SQL_TYPE_GALLERY ", " SQL_TYPE_DEFINITION ") THEN 2 +" \
	"  (SELECT count(*) FROM node c WHERE c.parent = n.id AND c.state = " SQL_STATE_LIVE ")" \
	"  ELSE 0 END" \
	" FROM node n WHERE n.parent = $1 AND n.state = " STATE " AND n.id > $2" \
	" AND (n.purge_at IS NULL OR n.purge_at > $3) ORDER BY n.id"
	static const char SQL_LIVE[] = CHILDREN(SQL_STATE_LIVE),
		SQL_SD[] = CHILDREN(SQL_STATE_SD);
#undef CHILDREN
	struct params p = { 0 };
	p_int(&p, parent);
	p_int(&p, after);
	p_int(&p, now_s);
	return visit_nodes(pg_txn(gt), state == GFS_LIVE ? SQL_LIVE : SQL_SD, &p,
			   fn, arg);
}

static int pg_softdeleted_definitions(struct gfs_txn *gt, int64_t gallery,
				      int64_t now_s, int64_t after,
				      cat_node_fn fn, void *arg)
{
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id IN"
		" (SELECT definition FROM node WHERE state = " SQL_STATE_SD
		"  AND gallery = $1 AND purge_at > $2) AND id > $3"
		" AND state = " SQL_STATE_LIVE " ORDER BY id";
	struct params p = { 0 };
	p_int(&p, gallery);
	p_int(&p, now_s);
	p_int(&p, after);
	return visit_nodes(pg_txn(gt), SQL, &p, fn, arg);
}

static int pg_softdeleted_versions(struct gfs_txn *gt, int64_t gallery,
				   int64_t definition, int64_t now_s,
				   int64_t after, cat_node_fn fn, void *arg)
{
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id IN"
		" (SELECT CASE WHEN type = " SQL_TYPE_VERSION " THEN id ELSE parent END"
		"  FROM node WHERE state = " SQL_STATE_SD " AND gallery = $1"
		"  AND definition = $2 AND purge_at > $3) AND id > $4 ORDER BY id";
	struct params p = { 0 };
	p_int(&p, gallery);
	p_int(&p, definition);
	p_int(&p, now_s);
	p_int(&p, after);
	return visit_nodes(pg_txn(gt), SQL, &p, fn, arg);
}

static int pg_all_children(struct gfs_txn *gt, int64_t parent, cat_node_fn fn,
			   void *arg)
{
	static const char SQL[] = "SELECT " NODE_COLS " FROM node"
		" WHERE parent = $1 ORDER BY id";
	struct params p = { 0 };
	p_int(&p, parent);
	return visit_nodes(pg_txn(gt), SQL, &p, fn, arg);
}

static int pg_versions_of(struct gfs_txn *gt, int64_t gallery, int64_t definition,
			  cat_node_fn fn, void *arg)
{
	static const char SQL_G[] = "SELECT " NODE_COLS " FROM node WHERE gallery = $1"
		" AND type = " SQL_TYPE_VERSION " AND state IN (" SQL_STATE_LIVE ", "
		SQL_STATE_SD ") ORDER BY id";
	static const char SQL_D[] = "SELECT " NODE_COLS " FROM node WHERE definition = $1"
		" AND type = " SQL_TYPE_VERSION " AND state IN (" SQL_STATE_LIVE ", "
		SQL_STATE_SD ") ORDER BY id";
	struct params p = { 0 };
	p_int(&p, definition ? definition : gallery);
	return visit_nodes(pg_txn(gt), definition ? SQL_D : SQL_G, &p, fn, arg);
}

static int pg_expired(struct gfs_txn *gt, int64_t now_s, int limit, cat_node_fn fn,
		      void *arg)
{
	/* versions first: purging one takes its files, which share its
	 * purge_at, with it */
	static const char SQL[] = "SELECT " NODE_COLS " FROM node n"
		" WHERE n.state = " SQL_STATE_SD " AND n.purge_at <= $1"
		" AND (n.type = " SQL_TYPE_VERSION " OR (SELECT p.state FROM node p"
		"  WHERE p.id = n.parent) = " SQL_STATE_LIVE ")"
		" ORDER BY n.type, n.id LIMIT $2";
	struct params p = { 0 };
	p_int(&p, now_s);
	p_int(&p, limit);
	return visit_nodes(pg_txn(gt), SQL, &p, fn, arg);
}

/*
 * The purge claim: a session advisory lock, held by a connection of its
 * own for the pass (the pass's batches run on whatever connections the
 * pool gives). Closing that connection releases it, and so does the
 * server when the daemon dies or the connection is cut: a claim never
 * outlives its daemon. One connection a pass, a pass an interval: no cost
 * worth keeping it open for.
 */
static int pg_purge_claim(struct gfs_catalog *gcat, struct gfs_err *err)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	struct pg_conn *c;
	char msg[200];

	if (cat->read_only)
		return gfs_err_set(err, EROFS, "catalog opened read-only");
	pthread_mutex_lock(&cat->lock);
	bool ours = cat->purge != NULL;
	pthread_mutex_unlock(&cat->lock);
	if (ours)
		return 0;
	int r = conn_open(cat, &c, err);
	if (r < 0)
		return r;
	PGresult *res = conn_query(c, "SELECT pg_try_advisory_lock(" PURGE_LOCK ")",
				   0, NULL, msg, sizeof(msg));
	bool got = res && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (res)
		PQclear(res);
	if (got) {
		pthread_mutex_lock(&cat->lock);
		got = cat->purge == NULL;       /* another thread may have won */
		if (got)
			cat->purge = c;
		pthread_mutex_unlock(&cat->lock);
	}
	if (!got)
		conn_close(c);
	if (!res)
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: the purge pass "
				   "cannot be claimed: %s", cat->where, msg);
	return got ? 1 : 0;
}

static void pg_purge_release(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	pthread_mutex_lock(&cat->lock);
	struct pg_conn *c = cat->purge;
	cat->purge = NULL;
	pthread_mutex_unlock(&cat->lock);
	/* unlocked before the close, which the server takes in its own time:
	 * the next pass of another daemon may begin at once */
	if (c && !conn_exec(c, "SELECT pg_advisory_unlock(" PURGE_LOCK ")", NULL, 0))
		c->broken = true;
	conn_close(c);          /* the server releases the lock with it anyway */
}

static int pg_galleries_on(struct gfs_txn *gt, cat_node_fn fn, void *arg)
{
	/* galleries are the root's children */
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE parent = 0"
		" AND state = " SQL_STATE_LIVE " AND soft_delete = 1 ORDER BY id";
	return visit_nodes(pg_txn(gt), SQL, NULL, fn, arg);
}

static int pg_nodes(struct gfs_txn *gt, int64_t after, cat_node_fn fn, void *arg)
{
	/* a page at a time: the whole catalog would not fit in one result */
	static const char SQL[] = "SELECT " NODE_COLS " FROM node WHERE id > $1"
		" ORDER BY id LIMIT " PAGE_ROWS;
	int rows = 0;
	bool stopped = false;
	do {
		struct params p = { 0 };
		p_int(&p, after);
		int r = visit(pg_txn(gt), SQL, &p, fn, arg, &after, &rows, &stopped);
		if (r < 0)
			return r;
	} while (!stopped && rows == atoi(PAGE_ROWS));
	return 0;
}

/* ------------------------------------------------------------------ */
/* counts                                                              */

/* The first second after now_s at which a soft-deleted row expires, and
 * with it possibly a count (node_purge: one seek). */
static int64_t next_expiry(struct pg_txn *t, int64_t now_s)
{
	static const char SQL[] = "SELECT coalesce(min(purge_at),"
		" 9223372036854775807) FROM node WHERE state = " SQL_STATE_SD
		" AND purge_at > $1";
	struct params p = { 0 };
	p_int(&p, now_s);
	return run_int(t, SQL, &p, now_s);     /* on failure keep nothing */
}

/* count sql (parameters: a, then b unless 0, then now_s), remembered
 * while no row changes (see count_memo). A transaction that wrote counts
 * afresh: its rows are its own until it commits. */
static int64_t memo_count(struct pg_txn *t, const char *sql, int64_t a,
			  int64_t b, int64_t now_s)
{
	struct pg_catalog *cat = t->cat;
	struct params p = { 0 };
	bool keep = !t->wrote && t->changes >= 0;
	uint64_t h = ((uint64_t)a * 31 + (uint64_t)b) * 0x9e3779b97f4a7c15u;
	struct count_memo *m = &cat->memo[(h >> 58) % MEMO_SLOTS];
	if (keep) {
		pthread_mutex_lock(&cat->lock);
		bool hit = m->sql == sql && m->a == a && m->b == b &&
			   m->changes == t->changes && now_s >= m->from_s &&
			   now_s < m->until_s;
		int64_t v = m->value;
		pthread_mutex_unlock(&cat->lock);
		if (hit)
			return v;
	}
	p_int(&p, a);
	if (b)
		p_int(&p, b);
	p_int(&p, now_s);
	int64_t v = run_int(t, sql, &p, -1);
	if (v < 0)
		return 0;
	if (keep) {
		int64_t until = next_expiry(t, now_s);
		pthread_mutex_lock(&cat->lock);
		*m = (struct count_memo){
			.sql = sql, .a = a, .b = b, .changes = t->changes,
			.from_s = now_s, .until_s = until, .value = v,
		};
		pthread_mutex_unlock(&cat->lock);
	}
	return v;
}

static int64_t pg_count_children(struct gfs_txn *gt, int64_t parent,
				 enum gfs_state state, int64_t now_s)
{
#define COUNT(STATE) "SELECT count(*) FROM node WHERE parent = $1" \
	" AND state = " STATE " AND (purge_at IS NULL OR purge_at > $2)"
	static const char SQL_LIVE[] = COUNT(SQL_STATE_LIVE), SQL_SD[] = COUNT(SQL_STATE_SD);
#undef COUNT
	return memo_count(pg_txn(gt), state == GFS_LIVE ? SQL_LIVE : SQL_SD, parent,
			  0, now_s);
}

static bool pg_holds_softdeleted(struct gfs_txn *gt, int64_t gallery,
				 int64_t definition, int64_t now_s)
{
	static const char SQL_G[] = "SELECT 1 FROM node WHERE state = " SQL_STATE_SD
		" AND gallery = $1 AND purge_at > $2 LIMIT 1";
	static const char SQL_D[] = "SELECT 1 FROM node WHERE state = " SQL_STATE_SD
		" AND gallery = $1 AND definition = $3 AND purge_at > $2 LIMIT 1";
	struct params p = { 0 };
	p_int(&p, gallery);
	p_int(&p, now_s);
	if (definition)
		p_int(&p, definition);
	return run_int(pg_txn(gt), definition ? SQL_D : SQL_G, &p, 0) == 1;
}

static int64_t pg_count_softdeleted_definitions(struct gfs_txn *gt, int64_t gallery,
						int64_t now_s)
{
	static const char SQL[] = "SELECT count(DISTINCT definition) FROM node"
		" WHERE state = " SQL_STATE_SD " AND gallery = $1 AND purge_at > $2";
	return memo_count(pg_txn(gt), SQL, gallery, 0, now_s);
}

static int64_t pg_count_softdeleted_versions(struct gfs_txn *gt, int64_t gallery,
					     int64_t definition, int64_t now_s)
{
	static const char SQL[] = "SELECT count(DISTINCT CASE WHEN type = "
		SQL_TYPE_VERSION " THEN id ELSE parent END) FROM node WHERE state = "
		SQL_STATE_SD " AND gallery = $1 AND definition = $2 AND purge_at > $3";
	return memo_count(pg_txn(gt), SQL, gallery, definition, now_s);
}

static int64_t pg_softdeleted_bytes(struct gfs_txn *gt, int64_t gallery, int64_t now_s)
{
	static const char SQL[] = "SELECT (coalesce(sum(blocks), 0) * 512)::bigint"
		" FROM node WHERE state = " SQL_STATE_SD " AND gallery = $1"
		" AND purge_at > $2 AND type = " SQL_TYPE_FILE;
	struct params p = { 0 };
	p_int(&p, gallery);
	p_int(&p, now_s);
	return run_int(pg_txn(gt), SQL, &p, 0);
}

static int64_t pg_count_nodes(struct gfs_txn *gt)
{
	/* the highest id ever given, as SQLite's sqlite_sequence */
	static const char SQL[] = "SELECT CASE WHEN is_called THEN last_value"
		" ELSE 0 END FROM node_id_seq";
	return run_int(pg_txn(gt), SQL, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* a version's files at once                                           */

static int pg_files_set_deleted(struct gfs_txn *gt, int64_t version,
				int64_t deleted_at, int64_t purge_at, int64_t ctime)
{
	static const char SQL[] = "UPDATE node SET state = " SQL_STATE_SD ","
		" deleted_at = $1, purge_at = $2, ctime = CASE WHEN state = "
		SQL_STATE_LIVE " THEN $3::bigint ELSE ctime END"
		" WHERE parent = $4 AND state IN (" SQL_STATE_LIVE ", " SQL_STATE_SD ")";
	struct params p = { 0 };
	p_int(&p, deleted_at);
	p_int(&p, purge_at);
	p_int(&p, ctime);
	p_int(&p, version);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

static int pg_files_restore(struct gfs_txn *gt, int64_t version, int64_t ctime)
{
	static const char SQL[] = "UPDATE node SET state = " SQL_STATE_LIVE ","
		" deleted_at = NULL, purge_at = NULL, ctime = $1"
		" WHERE parent = $2 AND state = " SQL_STATE_SD;
	struct params p = { 0 };
	p_int(&p, ctime);
	p_int(&p, version);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

/* ------------------------------------------------------------------ */
/* list-valued properties                                              */

static int pg_text_get(struct gfs_txn *gt, int64_t id, enum cat_text which,
		       char *buf, size_t len)
{
	static const char SQL_R[] = "SELECT replicas FROM node WHERE id = $1";
	static const char SQL_S[] = "SELECT sharing_admins FROM node WHERE id = $1";
	struct params p = { 0 };
	int e;
	p_int(&p, id);
	buf[0] = '\0';
	PGresult *r = run(pg_txn(gt), which == CAT_REPLICAS ? SQL_R : SQL_S, &p,
			  false, &e);
	if (!r)
		return -e;
	int found = PQntuples(r) > 0;
	if (found)
		snprintf(buf, len, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found ? 0 : -ENOENT;
}

static int pg_text_set(struct gfs_txn *gt, int64_t id, enum cat_text which,
		       const char *value)
{
	static const char SQL_R[] = "UPDATE node SET replicas = $1 WHERE id = $2";
	static const char SQL_S[] = "UPDATE node SET sharing_admins = $1 WHERE id = $2";
	struct params p = { 0 };
	p_text(&p, value);
	p_int(&p, id);
	return run_done(pg_txn(gt), which == CAT_REPLICAS ? SQL_R : SQL_S, &p, NULL);
}

/* ------------------------------------------------------------------ */
/* free attributes                                                     */

static int pg_xattr_get(struct gfs_txn *gt, int64_t node, const char *name,
			void *buf, size_t size, size_t *len)
{
	static const char SQL[] = "SELECT value FROM xattr WHERE node = $1 AND name = $2";
	struct params p = { 0 };
	int e;
	p_int(&p, node);
	p_bytes(&p, name, strlen(name));
	/* binary: the value's bytes as they are */
	PGresult *r = run(pg_txn(gt), SQL, &p, true, &e);
	if (!r)
		return -e;
	int ret = 0;
	if (PQntuples(r) == 0) {
		ret = -ENODATA;
	} else {
		size_t n = (size_t)PQgetlength(r, 0, 0);
		*len = n;
		if (size && n > size)
			ret = -ERANGE;
		else if (size && n)
			memcpy(buf, PQgetvalue(r, 0, 0), n);
	}
	PQclear(r);
	return ret;
}

static int pg_xattr_list(struct gfs_txn *gt, int64_t node, cat_xattr_fn fn, void *arg)
{
	static const char SQL[] = "SELECT name, value FROM xattr WHERE node = $1"
		" ORDER BY id";
	struct params p = { 0 };
	int e;
	p_int(&p, node);
	PGresult *r = run(pg_txn(gt), SQL, &p, true, &e);
	if (!r)
		return -e;
	for (int i = 0; i < PQntuples(r); i++) {
		char name[256];
		size_t nl = (size_t)PQgetlength(r, i, 0);
		if (nl > 255)
			nl = 255;
		memcpy(name, PQgetvalue(r, i, 0), nl);
		name[nl] = '\0';
		if (fn(arg, name, PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1)))
			break;
	}
	PQclear(r);
	return 0;
}

static int pg_xattr_set(struct gfs_txn *gt, int64_t node, const char *name,
			const void *value, size_t len, int flags)
{
	/* replacing keeps the row, and so the attribute's place in the list */
	static const char SQL_SET[] = "INSERT INTO xattr(node, name, value)"
		" VALUES ($1, $2, $3) ON CONFLICT (node, name)"
		" DO UPDATE SET value = excluded.value";
	static const char SQL_CREATE[] = "INSERT INTO xattr(node, name, value)"
		" VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
	static const char SQL_REPLACE[] = "UPDATE xattr SET value = $3"
		" WHERE node = $1 AND name = $2";
	struct params p = { 0 };
	int64_t changed = 0;
	p_int(&p, node);
	p_bytes(&p, name, strlen(name));
	p_bytes(&p, value, len);
	const char *sql = flags & 1 /* XATTR_CREATE */ ? SQL_CREATE :
			  flags & 2 /* XATTR_REPLACE */ ? SQL_REPLACE : SQL_SET;
	int r = run_done(pg_txn(gt), sql, &p, &changed);
	if (r == 0 && changed == 0)
		r = sql == SQL_CREATE ? -EEXIST : -ENODATA;
	return r;
}

static int pg_xattr_remove(struct gfs_txn *gt, int64_t node, const char *name)
{
	static const char SQL[] = "DELETE FROM xattr WHERE node = $1 AND name = $2";
	struct params p = { 0 };
	int64_t changed = 0;
	p_int(&p, node);
	p_bytes(&p, name, strlen(name));
	int r = run_done(pg_txn(gt), SQL, &p, &changed);
	return r == 0 && changed == 0 ? -ENODATA : r;
}

static int64_t pg_xattr_names_size(struct gfs_txn *gt, int64_t node)
{
	static const char SQL[] = "SELECT coalesce(sum(length(name) + 1), 0)"
		" FROM xattr WHERE node = $1";
	struct params p = { 0 };
	p_int(&p, node);
	return run_int(pg_txn(gt), SQL, &p, 0);
}

/* ------------------------------------------------------------------ */
/* the desktop trash view                                              */

/* The trash row and the touch of its trash in one statement: a taken name
 * inserts nothing and touches nothing. */
static int pg_trash_add(struct gfs_txn *gt, const struct cat_trash *e, int64_t now_ns)
{
	static const char SQL[] = "WITH added AS (INSERT INTO trash(node, uid, name,"
		" trash_view_owns) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
		" RETURNING uid)"
		" INSERT INTO trash_dir(uid, mtime) SELECT uid, $5 FROM added"
		" ON CONFLICT (uid) DO UPDATE SET"
		" mtime = greatest(excluded.mtime, trash_dir.mtime + 1)";
	struct params p = { 0 };
	int64_t changed = 0;
	p_int(&p, e->node);
	p_int(&p, e->uid);
	p_bytes(&p, e->name, e->name_len);
	p_int(&p, e->trash_view_owns);
	p_int(&p, now_ns);
	int r = run_done(pg_txn(gt), SQL, &p, &changed);
	return r == 0 && changed == 0 ? -EEXIST : r;
}

static void row_to_trash(const PGresult *r, int row, int col, struct cat_trash *e)
{
	e->node = col_int(r, row, col);
	e->uid = (uint32_t)col_int(r, row, col + 1);
	e->name_len = col_bytes(r, row, col + 2, e->name, 255);
	e->name[e->name_len] = '\0';
	e->trash_view_owns = col_int(r, row, col + 3) != 0;
}

static int pg_trash_get(struct gfs_txn *gt, int64_t node, struct cat_trash *out)
{
	static const char SQL[] = "SELECT node, uid, name, trash_view_owns FROM trash"
		" WHERE node = $1";
	struct params p = { 0 };
	int e;
	p_int(&p, node);
	PGresult *r = run(pg_txn(gt), SQL, &p, false, &e);
	if (!r)
		return -e;
	int found = PQntuples(r) > 0;
	if (found)
		row_to_trash(r, 0, 0, out);
	PQclear(r);
	return found ? 0 : -ENOENT;
}

/* An item of a trash with its node: the node's columns, then the trash
 * row's, in a subquery so that the two tables' names do not clash. */
#define TRASH_ITEM(WHERE) "SELECT " NODE_COLS ", tnode, tuid, tname, towns FROM" \
	" (SELECT n.*, t.node AS tnode, t.uid AS tuid, t.name AS tname,"       \
	"  t.trash_view_owns AS towns FROM trash t JOIN node n ON n.id = t.node" \
	"  WHERE " WHERE " AND n.state = " SQL_STATE_SD " AND n.purge_at > $3) AS item"

/* Run a TRASH_ITEM statement, calling fn (or filling *item and *e with the
 * first row when fn is NULL); -ENOENT when it has no row. */
static int visit_trash(struct pg_txn *t, const char *sql, const struct params *p,
		       cat_trash_fn fn, void *arg, struct gfs_node *item,
		       struct cat_trash *e)
{
	int err;
	PGresult *r = run(t, sql, p, false, &err);
	if (!r)
		return -err;
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		row_to_node(r, i, item);
		row_to_trash(r, i, NODE_NCOLS, e);
		if (!fn || fn(arg, item, e))
			break;
	}
	PQclear(r);
	return n || fn ? 0 : -ENOENT;
}

static int pg_trash_find(struct gfs_txn *gt, uint32_t uid, const char *name,
			 size_t len, int64_t now_s, struct gfs_node *item,
			 struct cat_trash *e)
{
	static const char SQL[] = TRASH_ITEM("t.uid = $1 AND t.name = $2");
	struct params p = { 0 };
	p_int(&p, uid);
	p_bytes(&p, name, len);
	p_int(&p, now_s);
	return visit_trash(pg_txn(gt), SQL, &p, NULL, NULL, item, e);
}

static int pg_trash_list(struct gfs_txn *gt, uint32_t uid, int64_t now_s,
			 int64_t after, cat_trash_fn fn, void *arg)
{
	static const char SQL[] = TRASH_ITEM("t.uid = $1 AND t.node > $2")
		" ORDER BY tnode";
	struct params p = { 0 };
	struct gfs_node n;
	struct cat_trash e;
	p_int(&p, uid);
	p_int(&p, after);
	p_int(&p, now_s);
	return visit_trash(pg_txn(gt), SQL, &p, fn, arg, &n, &e);
}

static bool pg_trash_name_taken(struct gfs_txn *gt, uint32_t uid, const char *name,
				size_t len)
{
	static const char SQL[] = "SELECT count(*) FROM trash WHERE uid = $1"
		" AND name = $2";
	struct params p = { 0 };
	p_int(&p, uid);
	p_bytes(&p, name, len);
	return run_int(pg_txn(gt), SQL, &p, 1) != 0;
}

/* Deleting trash rows touches every trash they were in, in the same
 * statement ($1 selects the rows, $2 is now_ns). */
#define TRASH_DELETE(WHERE) "WITH gone AS (DELETE FROM trash WHERE " WHERE \
	" RETURNING uid) INSERT INTO trash_dir(uid, mtime)"                  \
	" SELECT DISTINCT uid, $2::bigint FROM gone ON CONFLICT (uid)"       \
	" DO UPDATE SET mtime = greatest(excluded.mtime, trash_dir.mtime + 1)"

static int pg_trash_remove(struct gfs_txn *gt, int64_t node, int64_t now_ns)
{
	static const char SQL[] = TRASH_DELETE("node = $1");
	struct params p = { 0 };
	p_int(&p, node);
	p_int(&p, now_ns);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

static int pg_trash_remove_children(struct gfs_txn *gt, int64_t parent,
				    int64_t now_ns)
{
	static const char SQL[] = TRASH_DELETE("node IN (SELECT id FROM node"
					       " WHERE parent = $1)");
	struct params p = { 0 };
	p_int(&p, parent);
	p_int(&p, now_ns);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

static int64_t pg_trash_mtime(struct gfs_txn *gt, uint32_t uid, int64_t now_s)
{
	/* the last change recorded, or the last expiry, whichever is later */
	static const char SQL[] = "SELECT greatest("
		" coalesce((SELECT mtime FROM trash_dir WHERE uid = $1), 0),"
		" coalesce((SELECT max(n.purge_at) FROM trash t JOIN node n"
		"  ON n.id = t.node WHERE t.uid = $1 AND n.purge_at <= $2), 0)"
		"  * 1000000000)";
	struct params p = { 0 };
	p_int(&p, uid);
	p_int(&p, now_s);
	return run_int(pg_txn(gt), SQL, &p, 0);
}

/* ------------------------------------------------------------------ */
/* the .softdeleted mirrors                                            */

static int pg_mirror_touch(struct gfs_txn *gt, int64_t node, int64_t now_ns)
{
	static const char SQL[] = "INSERT INTO mirror_dir(node, mtime) VALUES ($1, $2)"
		" ON CONFLICT (node) DO UPDATE SET"
		" mtime = CASE WHEN excluded.mtime = mirror_dir.mtime"
		"  THEN mirror_dir.mtime + 1 ELSE excluded.mtime END";
	struct params p = { 0 };
	p_int(&p, node);
	p_int(&p, now_ns);
	return run_done(pg_txn(gt), SQL, &p, NULL);
}

static int64_t pg_mirror_mtime(struct gfs_txn *gt, int64_t node, int64_t now_s)
{
	/* the last touch, or the last expiry of a row the mirror shows ($1
	 * the node, $2 its gallery, $3 now_s), whichever is later; each an
	 * index seek (node_softdeleted_gallery, node_softdeleted, and for a
	 * version node_children) */
#define MIRROR(SHOWN) "SELECT greatest("                                      \
	" coalesce((SELECT mtime FROM mirror_dir WHERE node = $1), 0),"       \
	" coalesce((SELECT max(purge_at) FROM node WHERE state = " SQL_STATE_SD \
	"  AND " SHOWN " AND purge_at <= $3), 0) * 1000000000)"
	static const char SQL_G[] = MIRROR("gallery = $2"),
		SQL_D[] = MIRROR("gallery = $2 AND definition = $1"),
		SQL_V[] = MIRROR("gallery = $2 AND parent = $1");
#undef MIRROR
	static const char SQL_TOUCHED[] = "SELECT mtime FROM mirror_dir WHERE node = $1";
	struct pg_txn *t = pg_txn(gt);
	struct gfs_node n;
	struct params p = { 0 };
	const char *sql = SQL_TOUCHED;

	if (pg_node_get(gt, node, &n) == 0)
		sql = n.type == GFS_GALLERY ? SQL_G : n.type == GFS_DEFINITION ?
			SQL_D : n.type == GFS_VERSION ? SQL_V : SQL_TOUCHED;
	p_int(&p, node);
	if (sql != SQL_TOUCHED) {
		p_int(&p, n.gallery);
		p_int(&p, now_s);
	}
	return run_int(t, sql, &p, 0);
}

/* ------------------------------------------------------------------ */
/* whole-catalog checks                                                */

/*
 * What the schema does not enforce, asked of the rows: each query answers
 * a line saying what is wrong, or no row. The thorough ones read every row
 * without the unique indexes (grouping), so that a damaged index cannot
 * hide a duplicate; amcheck would need a superuser.
 */
static const char *const CHECKS_QUICK[] = {
	"SELECT 'the root (node 0) is missing' WHERE NOT EXISTS (SELECT 1 FROM"
	" node WHERE id = 0 AND type = 0 AND state = " SQL_STATE_LIVE ")",
	"SELECT 'node ' || id || ': ' || CASE WHEN parent IS NULL THEN 'no parent'"
	" ELSE 'an orphan with a parent' END FROM node WHERE id <> 0 AND"
	" (parent IS NULL) <> (state = " SQL_STATE_ORPHAN ") LIMIT 1",
	"SELECT 'node ' || id || ': deletion times that do not match its state'"
	" FROM node WHERE id <> 0 AND ((state = " SQL_STATE_SD " AND (deleted_at"
	" IS NULL OR purge_at IS NULL)) OR (state = " SQL_STATE_LIVE " AND"
	" (deleted_at IS NOT NULL OR purge_at IS NOT NULL))) LIMIT 1",
	"SELECT 'node ' || id || ': a gallery or definition that is not its own'"
	" FROM node WHERE state <> " SQL_STATE_ORPHAN " AND ((type = "
	SQL_TYPE_GALLERY " AND gallery IS DISTINCT FROM id) OR (type = "
	SQL_TYPE_DEFINITION " AND definition IS DISTINCT FROM id)) LIMIT 1",
	"SELECT 'node ' || n.id || ': its gallery or definition is not its"
	" parent''s' FROM node n JOIN node p ON p.id = n.parent WHERE n.type IN ("
	SQL_TYPE_DEFINITION ", " SQL_TYPE_VERSION ", " SQL_TYPE_FILE ") AND"
	" (n.gallery IS DISTINCT FROM p.gallery OR (n.type <> " SQL_TYPE_DEFINITION
	" AND n.definition IS DISTINCT FROM p.definition)) LIMIT 1",
	"SELECT 'the node id sequence is behind the highest id: ids would be"
	" reused' FROM node_id_seq s WHERE (SELECT max(id) FROM node) >"
	" CASE WHEN s.is_called THEN s.last_value ELSE 0 END",
	NULL,
};

static const char *const CHECKS_THOROUGH[] = {
	"SELECT 'node ' || min(id) || ': its name is taken twice in node ' ||"
	" parent FROM node WHERE parent IS NOT NULL GROUP BY parent, name, state"
	" HAVING count(*) > 1 LIMIT 1",
	"SELECT 'trash of uid ' || uid || ': a name taken twice' FROM trash"
	" GROUP BY uid, name HAVING count(*) > 1 LIMIT 1",
	"SELECT 'node ' || n.id || ': its parent is missing' FROM node n"
	" WHERE n.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM node p"
	" WHERE p.id = n.parent) LIMIT 1",
	"SELECT 'an attribute or trash row of a missing node ' || x.node FROM"
	" (SELECT node FROM xattr UNION ALL SELECT node FROM trash) x"
	" WHERE NOT EXISTS (SELECT 1 FROM node n WHERE n.id = x.node) LIMIT 1",
	NULL,
};

static int run_checks(struct pg_txn *t, const char *const *checks, char *msg,
		      size_t len)
{
	for (int i = 0; checks[i]; i++) {
		int e;
		PGresult *r = run(t, checks[i], NULL, false, &e);
		if (!r) {
			snprintf(msg, len, "%s", t->why);
			return -e;
		}
		bool bad = PQntuples(r) > 0;
		if (bad)
			snprintf(msg, len, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		if (bad)
			return -EIO;
	}
	return 0;
}

static int pg_integrity_check(struct gfs_txn *gt, bool thorough, char *msg,
			      size_t len)
{
	struct pg_txn *t = pg_txn(gt);
	int r = run_checks(t, CHECKS_QUICK, msg, len);
	if (r == 0 && thorough)
		r = run_checks(t, CHECKS_THOROUGH, msg, len);
	return r;
}

/* Run a statement whose rows are (id, size), a page at a time ($1: after
 * this id). */
static int visit_ids(struct pg_txn *t, const char *sql, cat_id_fn fn, void *arg)
{
	int64_t after = -1;
	int rows;
	do {
		struct params p = { 0 };
		int e;
		p_int(&p, after);
		PGresult *r = run(t, sql, &p, false, &e);
		if (!r)
			return -e;
		rows = PQntuples(r);
		for (int i = 0; i < rows; i++) {
			after = col_int(r, i, 0);
			if (fn(arg, after, col_int(r, i, 1))) {
				PQclear(r);
				return 0;
			}
		}
		PQclear(r);
	} while (rows == atoi(PAGE_ROWS));
	return 0;
}

static int pg_files(struct gfs_txn *gt, cat_id_fn fn, void *arg)
{
	static const char SQL[] = "SELECT id, size FROM node WHERE type = "
		SQL_TYPE_FILE " AND id > $1 ORDER BY id LIMIT " PAGE_ROWS;
	return visit_ids(pg_txn(gt), SQL, fn, arg);
}

static int pg_orphans(struct gfs_txn *gt, cat_id_fn fn, void *arg)
{
	/* orphans have no parent: found through node_children, not a scan */
	static const char SQL[] = "SELECT id, size FROM node WHERE parent IS NULL"
		" AND state = " SQL_STATE_ORPHAN " AND id > $1 ORDER BY id LIMIT "
		PAGE_ROWS;
	return visit_ids(pg_txn(gt), SQL, fn, arg);
}

static bool pg_file_exists(struct gfs_txn *gt, int64_t id)
{
	static const char SQL[] = "SELECT 1 FROM node WHERE id = $1 AND type = "
		SQL_TYPE_FILE;
	struct params p = { 0 };
	int e;
	p_int(&p, id);
	PGresult *r = run(pg_txn(gt), SQL, &p, false, &e);
	if (!r)
		return true;    /* when in doubt, keep the object */
	bool found = PQntuples(r) > 0;
	PQclear(r);
	return found;
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* several daemons                                                     */

/* One statement on a connection of the pool, outside any transaction
 * (autocommit); its result or NULL with err set. */
static PGresult *pool_query(struct pg_catalog *cat, const char *sql, int n,
			    const char *const *vals, struct gfs_err *err)
{
	struct pg_conn *c;
	char msg[200];
	if (pool_take(cat, &c, err) < 0)
		return NULL;
	PGresult *r = conn_query(c, sql, n, vals, msg, sizeof(msg));
	if (!r)
		gfs_err_set(err, EIO, "PostgreSQL catalog %s: %s", cat->where, msg);
	pool_give(cat, c);
	return r;
}

static int pg_daemon_register(struct gfs_catalog *gcat, const struct cat_daemon *d,
			      int lease_s, int64_t *id, struct gfs_err *err)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	char pid[24], lease[16];
	snprintf(pid, sizeof(pid), "%lld", (long long)d->pid);
	snprintf(lease, sizeof(lease), "%d", lease_s);
	const char *vals[] = { d->host, pid, d->mountpoint, lease };
	PGresult *r = pool_query(cat, "INSERT INTO daemon(host, pid, mountpoint,"
				 " lease_until) VALUES ($1, $2, $3, now() +"
				 " make_interval(secs => $4)) RETURNING id", 4, vals,
				 err);
	if (!r)
		return -err->errnum;
	*id = col_int(r, 0, 0);
	PQclear(r);
	pthread_mutex_lock(&cat->lock);
	cat->daemon = *id;
	pthread_mutex_unlock(&cat->lock);
	return 0;
}

static int pg_daemon_renew(struct gfs_catalog *gcat, int lease_s, int keep_s,
			   struct gfs_err *err)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	char id[24], lease[16], keep[16];
	snprintf(id, sizeof(id), "%lld", (long long)cat->daemon);
	snprintf(lease, sizeof(lease), "%d", lease_s);
	snprintf(keep, sizeof(keep), "%d", keep_s);
	const char *vals[] = { id, lease };
	PGresult *r = pool_query(cat, "UPDATE daemon SET lease_until = now() +"
				 " make_interval(secs => $2) WHERE id = $1", 2, vals,
				 err);
	if (!r)
		return -err->errnum;
	bool gone = strcmp(PQcmdTuples(r), "0") == 0;
	PQclear(r);
	if (gone)
		return gfs_err_set(err, ENOENT, "PostgreSQL catalog %s: the "
				   "registration of this daemon (%s) was removed",
				   cat->where, id);
	/* the log's trim: what every daemon has had time to apply; one that
	 * was away longer finds change_trimmed past its last and starts over */
	const char *kv[] = { keep };
	r = pool_query(cat, "WITH gone AS (DELETE FROM change WHERE at < now() -"
		       " make_interval(secs => $1) RETURNING seq)"
		       " UPDATE meta SET value = greatest(value::bigint,"
		       "  (SELECT max(seq) FROM gone))::text"
		       " WHERE key = 'change_trimmed' AND EXISTS (SELECT 1 FROM gone)",
		       1, kv, err);
	if (!r)
		return -err->errnum;
	PQclear(r);
	return 0;
}

static void pg_daemon_unregister(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	struct gfs_err err;
	char id[24];
	if (!cat->daemon)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)cat->daemon);
	const char *vals[] = { id };
	PQclear(pool_query(cat, "DELETE FROM daemon WHERE id = $1", 1, vals, &err));
}

static int pg_daemons(struct gfs_catalog *gcat, cat_daemon_fn fn, void *arg)
{
	struct gfs_err err;
	PGresult *r = pool_query(pg_catalog(gcat), "SELECT id, host, pid, mountpoint,"
				 " lease_until < now() FROM daemon ORDER BY id", 0,
				 NULL, &err);
	if (!r)
		return -err.errnum;
	int ret = 0;
	for (int i = 0; i < PQntuples(r) && ret == 0; i++) {
		struct cat_daemon d = { .id = col_int(r, i, 0), .pid = col_int(r, i, 2),
					.expired = PQgetvalue(r, i, 4)[0] == 't' };
		snprintf(d.host, sizeof(d.host), "%s", PQgetvalue(r, i, 1));
		snprintf(d.mountpoint, sizeof(d.mountpoint), "%s", PQgetvalue(r, i, 3));
		ret = fn(arg, &d);
	}
	PQclear(r);
	return ret < 0 ? ret : 0;
}

static int pg_daemon_remove(struct gfs_catalog *gcat, int64_t id)
{
	struct gfs_err err;
	char ids[24];
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	const char *vals[] = { ids };
	PGresult *r = pool_query(pg_catalog(gcat), "DELETE FROM daemon WHERE id = $1",
				 1, vals, &err);
	PQclear(r);
	return r ? 0 : -err.errnum;
}

static void pg_listen_close(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	conn_close(cat->listener);
	cat->listener = NULL;
}

/* The server's word on the listening connection outside any statement (a
 * FATAL as it is cut): the failure that follows is what the daemon logs. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg, (void)message;
}

static int pg_listen_open(struct gfs_catalog *gcat, int *fd, int64_t *last,
			  struct gfs_err *err)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	char msg[200];
	pg_listen_close(gcat);
	int r = conn_open(cat, &cat->listener, err);
	if (r < 0)
		return r;
	PQsetNoticeProcessor(cat->listener->db, quiet_notice, NULL);
	PGresult *res = NULL;
	/* named, so that an administrator sees which connection listens */
	if (!conn_exec(cat->listener, "SET application_name TO 'galleryfs listener';"
		       " LISTEN galleryfs_change", msg, sizeof(msg)) ||
	    !(res = conn_query(cat->listener, "SELECT greatest((SELECT max(seq) FROM"
			       " change), (SELECT value::bigint FROM meta WHERE key ="
			       " 'change_trimmed'), 0)", 0, NULL, msg, sizeof(msg)))) {
		pg_listen_close(gcat);
		return gfs_err_set(err, EIO, "PostgreSQL catalog %s: listening: %s",
				   cat->where, msg);
	}
	*last = col_int(res, 0, 0);
	PQclear(res);
	*fd = PQsocket(cat->listener->db);
	return 0;
}

static int pg_listen_drain(struct gfs_catalog *gcat)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	if (!cat->listener || !PQconsumeInput(cat->listener->db) ||
	    PQstatus(cat->listener->db) != CONNECTION_OK)
		return -EIO;
	PGnotify *n;
	while ((n = PQnotifies(cat->listener->db)))
		PQfreemem(n);
	return 0;
}

/* cols from first on: parent, state, gen, mirror_gen, name */
static void row_image(const PGresult *r, int row, int first,
		      struct cat_row_image *im)
{
	im->set = !PQgetisnull(r, row, first + 1);
	if (!im->set)
		return;
	im->parent = col_int(r, row, first);
	im->state = (enum gfs_state)col_int(r, row, first + 1);
	im->gen = (uint64_t)col_int(r, row, first + 2);
	im->mirror_gen = (uint64_t)col_int(r, row, first + 3);
	im->name_len = col_bytes(r, row, first + 4, im->name, 255);
	im->name[im->name_len] = '\0';
}

/* The newest sequence trimmed from the log, or -1. */
static int64_t trimmed(struct pg_conn *c)
{
	char msg[200];
	PGresult *r = conn_query(c, "SELECT value::bigint FROM meta WHERE key ="
				 " 'change_trimmed'", 0, NULL, msg, sizeof(msg));
	int64_t v = r && PQntuples(r) ? col_int(r, 0, 0) : -1;
	PQclear(r);
	return v;
}

static int pg_changes_since(struct gfs_catalog *gcat, int64_t after,
			    cat_change_fn fn, void *arg, int64_t *last)
{
	struct pg_catalog *cat = pg_catalog(gcat);
	struct pg_conn *c = cat->listener;
	char from[24], msg[200];
	*last = after;
	if (!c)
		return -EIO;
	for (;;) {
		snprintf(from, sizeof(from), "%lld", (long long)*last);
		const char *vals[] = { from };
		PGresult *r = conn_query(c, "SELECT seq, daemon, node, type,"
			" gallery, definition, old_parent, old_state, old_gen,"
			" old_mirror_gen, old_name, new_parent, new_state, new_gen,"
			" new_mirror_gen, new_name FROM change WHERE seq > $1"
			" ORDER BY seq LIMIT " PAGE_ROWS, 1, vals, msg, sizeof(msg));
		if (!r)
			return -EIO;
		/* read after the rows: a trim past what we had may have taken
		 * some of them first (rarely, this also says so when not) */
		int64_t gone = trimmed(c);
		if (gone < 0 || gone > *last) {
			PQclear(r);
			PGresult *m = conn_query(c, "SELECT greatest((SELECT max(seq)"
				" FROM change), (SELECT value::bigint FROM meta WHERE"
				" key = 'change_trimmed'), 0)", 0, NULL, msg, sizeof(msg));
			if (!m)
				return -EIO;
			*last = col_int(m, 0, 0);
			PQclear(m);
			return -ESTALE;
		}
		int rows = PQntuples(r), ret = 0;
		for (int i = 0; i < rows && ret == 0; i++) {
			struct cat_change ch = {
				.seq = col_int(r, i, 0), .daemon = col_int(r, i, 1),
				.node = col_int(r, i, 2),
				.type = (enum gfs_type)col_int(r, i, 3),
				.gallery = col_int(r, i, 4),
				.definition = col_int(r, i, 5),
			};
			row_image(r, i, 6, &ch.before);
			row_image(r, i, 11, &ch.after);
			ret = fn(arg, &ch);
			*last = ch.seq;
		}
		PQclear(r);
		if (ret != 0)
			return ret < 0 ? ret : 0;
		if (rows < atoi(PAGE_ROWS))
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* files open on several daemons (catalog.h: deferred removal)         */

static int64_t our_daemon(struct pg_txn *t)
{
	pthread_mutex_lock(&t->cat->lock);
	int64_t id = t->cat->daemon;
	pthread_mutex_unlock(&t->cat->lock);
	return id;
}

/* Run a statement of the holder table: no row of node changes, so
 * write_order.changes stays (what the daemons keep in memory holds). The
 * rows it returned, or -errno. */
static int64_t run_holder(struct pg_txn *t, const char *sql, const struct params *p)
{
	int e;
	PGresult *r = run(t, sql, p, false, &e);
	if (!r)
		return -e;
	int64_t n = PQntuples(r);
	PQclear(r);
	return n;
}

static int pg_holder_add(struct gfs_txn *gt, int64_t node)
{
	static const char SQL[] = "INSERT INTO holder(node, daemon)"
		" SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM node WHERE id = $1)"
		" ON CONFLICT DO NOTHING RETURNING 1";
	struct pg_txn *t = pg_txn(gt);
	static const char HELD[] = "SELECT 1 FROM holder WHERE node = $1 AND"
		" daemon = $2";
	struct params p = { 0 };
	int64_t me = our_daemon(t);
	if (!me)
		return -EINVAL;
	p_int(&p, node);
	p_int(&p, me);
	int64_t n = run_holder(t, SQL, &p);
	if (n == 0)     /* held already, or the row is gone */
		n = run_holder(t, HELD, &p);
	return n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
}

static int pg_holder_remove(struct gfs_txn *gt, int64_t node)
{
	static const char SQL[] = "DELETE FROM holder WHERE node = $1 AND daemon = $2";
	struct pg_txn *t = pg_txn(gt);
	struct params p = { 0 };
	p_int(&p, node);
	p_int(&p, our_daemon(t));
	int64_t n = run_holder(t, SQL, &p);
	return n < 0 ? (int)n : 0;
}

static int64_t pg_holders(struct gfs_txn *gt, int64_t node)
{
	static const char SQL[] = "SELECT count(*) FROM holder WHERE node = $1";
	struct params p = { 0 };
	p_int(&p, node);
	return run_int(pg_txn(gt), SQL, &p, -EIO);
}

static int pg_orphans_unheld(struct gfs_txn *gt, cat_id_fn fn, void *arg)
{
	static const char SQL[] = "SELECT n.id, n.size FROM node n WHERE n.parent"
		" IS NULL AND n.id <> 0 AND n.state = " SQL_STATE_ORPHAN
		" AND NOT EXISTS (SELECT 1 FROM holder h WHERE h.node = n.id)"
		" AND n.id > $1 ORDER BY n.id LIMIT " PAGE_ROWS;
	return visit_ids(pg_txn(gt), SQL, fn, arg);
}

const struct cat_backend gfs_catalog_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.keep_unclean = pg_keep_unclean,
	.mark_running = pg_mark_running,
	.schema_version = pg_schema_version,
	.txn_begin = pg_txn_begin,
	.txn_commit = pg_txn_commit,
	.txn_rollback = pg_txn_rollback,
	.node_get = pg_node_get,
	.child_get = pg_child_get,
	.node_insert = pg_node_insert,
	.node_update = pg_node_update,
	.node_update_attrs = pg_node_update_attrs,
	.node_delete = pg_node_delete,
	.children = pg_children,
	.softdeleted_definitions = pg_softdeleted_definitions,
	.softdeleted_versions = pg_softdeleted_versions,
	.all_children = pg_all_children,
	.versions_of = pg_versions_of,
	.expired = pg_expired,
	.purge_claim = pg_purge_claim,
	.purge_release = pg_purge_release,
	.galleries_on = pg_galleries_on,
	.nodes = pg_nodes,
	.count_children = pg_count_children,
	.holds_softdeleted = pg_holds_softdeleted,
	.count_softdeleted_definitions = pg_count_softdeleted_definitions,
	.count_softdeleted_versions = pg_count_softdeleted_versions,
	.softdeleted_bytes = pg_softdeleted_bytes,
	.count_nodes = pg_count_nodes,
	.files_set_deleted = pg_files_set_deleted,
	.files_restore = pg_files_restore,
	.text_get = pg_text_get,
	.text_set = pg_text_set,
	.xattr_get = pg_xattr_get,
	.xattr_list = pg_xattr_list,
	.xattr_set = pg_xattr_set,
	.xattr_remove = pg_xattr_remove,
	.xattr_names_size = pg_xattr_names_size,
	.trash_add = pg_trash_add,
	.trash_get = pg_trash_get,
	.trash_find = pg_trash_find,
	.trash_name_taken = pg_trash_name_taken,
	.trash_remove = pg_trash_remove,
	.trash_remove_children = pg_trash_remove_children,
	.trash_list = pg_trash_list,
	.trash_mtime = pg_trash_mtime,
	.mirror_touch = pg_mirror_touch,
	.mirror_mtime = pg_mirror_mtime,
	.integrity_check = pg_integrity_check,
	.files = pg_files,
	.orphans = pg_orphans,
	.file_exists = pg_file_exists,
	.daemon_register = pg_daemon_register,
	.daemon_renew = pg_daemon_renew,
	.daemon_unregister = pg_daemon_unregister,
	.daemons = pg_daemons,
	.daemon_remove = pg_daemon_remove,
	.holder_add = pg_holder_add,
	.holder_remove = pg_holder_remove,
	.holders = pg_holders,
	.orphans_unheld = pg_orphans_unheld,
	.listen_open = pg_listen_open,
	.listen_drain = pg_listen_drain,
	.listen_close = pg_listen_close,
	.changes_since = pg_changes_since,
};
