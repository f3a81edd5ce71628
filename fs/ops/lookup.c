/*
 * lookup.c — lookup and forget. Inode numbers are catalog row numbers
 * (design §9), so nothing is kept per lookup and forget has nothing to do.
 * A name missing from a live gallery or definition is cached as a negative
 * entry: only the kernel's own requests add names there. Core says where a
 * miss must not be cached (.softdeleted, versions).
 */
#include "ops.h"

#include <errno.h>

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_attr a;
	struct gfs_err err;
	int r = gfs_lookup(d->core, parent, name, &a, &err);

	if (r == -ENOENT && !a.volatile_) {
		struct fuse_entry_param e = { .ino = 0, .entry_timeout = d->timeout };
		fuse_reply_entry(req, &e);
		return;
	}
	if (r < 0)
		reply_error(req, r, &err);
	else
		reply_entry(req, &a);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}
