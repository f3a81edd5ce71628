/*
 * store.h — the object store: one backing file per content file, named by
 * the file's catalog id, under DATA_DIR/objects/XX/ID (XX = id mod 256 in
 * hex, to keep directories small).
 *
 * The object file is the truth for a file's bytes and size. Objects are
 * created before the catalog row that names them commits and removed after
 * the row's deletion commits, so a crash leaves at worst an orphan object,
 * which the start-up check removes.
 */
#ifndef GFS_STORE_H
#define GFS_STORE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

struct gfs_store {
	int dirfd;              /* DATA_DIR/objects */
};

int gfs_store_open(const char *data_dir, struct gfs_store *s, struct gfs_err *err);
void gfs_store_close(struct gfs_store *s);

/* Create the empty object for id; returns an O_RDWR fd or -errno. */
int gfs_store_create(struct gfs_store *s, int64_t id);
/* Open the object for id O_RDWR; -ENOENT when it is missing. */
int gfs_store_open_object(struct gfs_store *s, int64_t id);
/* Remove the object for id; a missing object is not an error. */
int gfs_store_remove(struct gfs_store *s, int64_t id);
/* stat the object (size and blocks). */
int gfs_store_stat(struct gfs_store *s, int64_t id, struct stat *st);

/* Visit every object id in the store; return nonzero from fn to stop.
 * Files that cannot be objects (misnamed or misplaced) are removed; their
 * count is returned. */
typedef int (*gfs_store_fn)(void *arg, int64_t id);
int gfs_store_scan(struct gfs_store *s, gfs_store_fn fn, void *arg);

#endif
