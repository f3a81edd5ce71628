/*
 * catalog.c — which backend serves the catalog. Core sees only catalog.h;
 * the backends are chosen here by name, SQLite when none is named.
 */
#include "catalog.h"

#include <errno.h>
#include <string.h>

static const struct cat_backend *const BACKENDS[] = {
	&gfs_catalog_sqlite,
	&gfs_catalog_pg,
};

const struct cat_backend *gfs_catalog_backend(const char *name)
{
	if (!name || !name[0])
		return &gfs_catalog_sqlite;
	for (size_t i = 0; i < sizeof(BACKENDS) / sizeof(BACKENDS[0]); i++)
		if (strcmp(BACKENDS[i]->name, name) == 0)
			return BACKENDS[i];
	return NULL;
}

int gfs_catalog_open_with(const struct cat_open_options *o,
			  struct gfs_catalog **out, bool *was_clean,
			  struct gfs_err *err)
{
	const struct cat_backend *be = gfs_catalog_backend(o->backend);
	if (!be)
		return gfs_err_set(err, EINVAL, "unknown catalog backend \"%s\" "
				   "(galleryfs has: sqlite, postgresql)", o->backend);
	return be->open(o, out, was_clean, err);
}

int gfs_catalog_open(const char *data_dir, struct gfs_catalog **out,
		     bool *was_clean, struct gfs_err *err)
{
	struct cat_open_options o = { .data_dir = data_dir };
	return gfs_catalog_open_with(&o, out, was_clean, err);
}

int gfs_catalog_open_readonly(const char *data_dir, struct gfs_catalog **out,
			      bool *was_clean, struct gfs_err *err)
{
	struct cat_open_options o = { .data_dir = data_dir, .read_only = true };
	return gfs_catalog_open_with(&o, out, was_clean, err);
}
