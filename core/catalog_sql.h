/*
 * catalog_sql.h — what the catalog's SQL backends (catalog_sqlite.c,
 * catalog_pg.c) write alike: the enums as their SQL text spells them, and
 * the node's columns in the order both read them. Only those two files
 * include it; it holds no SQL of a dialect.
 */
#ifndef GFS_CATALOG_SQL_H
#define GFS_CATALOG_SQL_H

#include "catalog.h"

/* States and types are written into the SQL text, never bound: a partial
 * index on soft-deleted rows (WHERE state = 1) serves a prepared statement
 * only when the value is in its text. */
#define SQL_STATE_LIVE "0"
#define SQL_STATE_SD "1"
#define SQL_STATE_ORPHAN "2"
#define SQL_TYPE_GALLERY "1"
#define SQL_TYPE_DEFINITION "2"
#define SQL_TYPE_VERSION "3"
#define SQL_TYPE_FILE "4"
_Static_assert(GFS_LIVE == 0 && GFS_SOFT_DELETED == 1 && GFS_ORPHAN == 2,
	       "SQL_STATE_* follow enum gfs_state");
_Static_assert(GFS_GALLERY == 1 && GFS_DEFINITION == 2 && GFS_VERSION == 3 &&
	       GFS_FILE == 4, "SQL_TYPE_* follow enum gfs_type");

/* A node's columns, as every row-returning statement lists them first. */
#define NODE_COLS "id, parent, gallery, definition, type, state, name, mode," \
	" uid, gid, size, blocks, atime, mtime, ctime, gen, mirror_gen,"     \
	" deleted_at, purge_at, location, kind, sharing, soft_delete, prov,"  \
	" vmss_flex"
#define NODE_NCOLS 25

#endif
