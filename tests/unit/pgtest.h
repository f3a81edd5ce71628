/*
 * pgtest.h — the PostgreSQL server the unit tests run their PostgreSQL
 * cases on: GFS_TEST_PG holds a libpq conninfo (scripts/pg.sh start prints
 * one) whose role may create databases. The tests make databases of their
 * own there and drop them at their end; pgtest_base is the conninfo
 * without its dbname and options, which each test sets.
 *
 * pgtest_run_both runs a binary's cases on SQLite, then on PostgreSQL.
 * Header-only, for a test's main source file (coretest.h, test_catalog.c).
 */
#ifndef GFS_PGTEST_H
#define GFS_PGTEST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static char pgtest_admin[1024];         /* GFS_TEST_PG as given */
static char pgtest_base[1024];          /* it without dbname and options */

/* Take info (GFS_TEST_PG) apart and see that the server answers; false,
 * said why, when it cannot be used. */
static inline bool pgtest_init(const char *info)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(info, &msg);
	if (!opts) {
		printf("# GFS_TEST_PG: %s", msg ? msg : "not a conninfo\n");
		PQfreemem(msg);
		return false;
	}
	size_t used = 0;
	pgtest_base[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || strcmp(o->keyword, "dbname") == 0 ||
		    strcmp(o->keyword, "options") == 0)
			continue;
		used += (size_t)snprintf(pgtest_base + used, sizeof(pgtest_base) - used,
					 "%s%s='", used ? " " : "", o->keyword);
		for (const char *c = o->val; *c && used + 3 < sizeof(pgtest_base); c++) {
			if (*c == '\'' || *c == '\\')
				pgtest_base[used++] = '\\';
			pgtest_base[used++] = *c;
		}
		used += (size_t)snprintf(pgtest_base + used, sizeof(pgtest_base) - used, "'");
	}
	PQconninfoFree(opts);
	snprintf(pgtest_admin, sizeof(pgtest_admin), "%s", info);
	PGconn *admin = PQconnectdb(pgtest_admin);
	bool ok = PQstatus(admin) == CONNECTION_OK;
	if (!ok)
		printf("# GFS_TEST_PG: %s", PQerrorMessage(admin));
	PQfinish(admin);
	return ok;
}

/* Run sql (no parameters) on GFS_TEST_PG's own database; false when it
 * fails, said why unless quiet. */
static inline bool pgtest_exec(const char *sql, bool quiet)
{
	PGconn *admin = PQconnectdb(pgtest_admin);
	PGresult *r = PQexec(admin, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok && !quiet)
		printf("# %s: %s", sql, PQerrorMessage(admin));
	PQclear(r);
	PQfinish(admin);
	return ok;
}

/* A new, empty database, named db; false when it cannot be made. */
static inline bool pgtest_create_db(const char *db)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	return pgtest_exec(sql, false);
}

/* Drop db. A plain DROP DATABASE waits for nobody but stops autovacuum
 * there; one WITH (FORCE) ends sessions still open (a child of a test
 * that died holding one) but may not end an autovacuum worker, so each
 * is tried in turn, a few times. */
static inline void pgtest_drop_db(const char *db)
{
	char plain[128], force[160];
	snprintf(plain, sizeof(plain), "DROP DATABASE IF EXISTS %s", db);
	snprintf(force, sizeof(force), "%s WITH (FORCE)", plain);
	for (int i = 0; i < 20; i++) {
		if (pgtest_exec(plain, true) || pgtest_exec(force, i < 19))
			return;
		usleep(100000);
	}
}

/* A conninfo for database db, with more keywords after it. */
static inline void pgtest_conninfo(char *out, size_t len, const char *db,
				   const char *more)
{
	snprintf(out, len, "%s dbname=%s %s", pgtest_base, db, more);
}

/* ---- both backends, one table of cases ---- */

/* The cases of a test binary: those every backend answers alike, and
 * each backend's own; setup and teardown (either may be NULL) come
 * around the PostgreSQL round, once the server answers. */
struct backend_cases {
	const struct test_case *both, *sqlite_only, *pg_only;
	size_t n_both, n_sqlite_only, n_pg_only;
	bool (*setup)(void);
	void (*teardown)(void);
};

static bool pgtest_round;               /* the PostgreSQL round runs */

/* Run both and sqlite_only on SQLite, then both and pg_only on
 * PostgreSQL, named "... (postgresql)", when GFS_TEST_PG names a server,
 * or skip those; GFS_TEST_PG set to a server that cannot be used is one
 * failure. The exit status for main(). */
static inline int pgtest_run_both(const struct backend_cases *c)
{
	char name[160];
	for (size_t i = 0; i < c->n_both; i++)
		tap_run(c->both[i].fn, c->both[i].name);
	for (size_t i = 0; i < c->n_sqlite_only; i++)
		tap_run(c->sqlite_only[i].fn, c->sqlite_only[i].name);

	const char *info = getenv("GFS_TEST_PG");
	bool asked = info && info[0];
	bool pg = asked && pgtest_init(info) && (!c->setup || c->setup());
	if (asked && !pg) {
		printf("not ok %d - postgresql from GFS_TEST_PG\n", ++tap_count);
		tap_failed_cases++;
	}
	pgtest_round = true;
	for (size_t i = 0; i < c->n_both + c->n_pg_only; i++) {
		const struct test_case *t = i < c->n_both ? &c->both[i] :
			&c->pg_only[i - c->n_both];
		snprintf(name, sizeof(name), "%s (postgresql)", t->name);
		if (pg)
			tap_run(t->fn, name);
		else
			tap_skip(name, asked ? "postgresql not usable" : "no GFS_TEST_PG");
	}
	if (pg && c->teardown)
		c->teardown();
	pgtest_round = false;
	return TAP_DONE();
}

#endif
