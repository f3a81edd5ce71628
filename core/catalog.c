/*
 * catalog.c — which backend serves the catalog. Core sees only catalog.h;
 * the embedded SQLite backend (catalog_sqlite.c) is the one built in.
 */
#include "catalog.h"

int gfs_catalog_open(const char *data_dir, struct gfs_catalog **out,
		     bool *was_clean, struct gfs_err *err)
{
	struct cat_open_options o = { .data_dir = data_dir };
	return gfs_catalog_sqlite.open(&o, out, was_clean, err);
}

int gfs_catalog_open_readonly(const char *data_dir, struct gfs_catalog **out,
			      bool *was_clean, struct gfs_err *err)
{
	struct cat_open_options o = { .data_dir = data_dir, .read_only = true };
	return gfs_catalog_sqlite.open(&o, out, was_clean, err);
}
