/*
 * lookup.c — lookup and forget. Inode numbers are catalog row numbers
 * (design §9), so core keeps nothing per lookup; on a shared catalog the
 * notifier counts the node ids the kernel holds (reply_entry counts a
 * lookup, forget takes it off), to invalidate them after a trimmed change
 * log.
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
	held_forget(&daemon_of(req)->notifier, ino, nlookup);
	fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct notifier *n = &daemon_of(req)->notifier;
	for (size_t i = 0; i < count; i++)
		held_forget(n, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}
