/*
 * rename.c — mv within a version, into .softdeleted and back out of it.
 */
#include "ops.h"

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_rename(daemon_of(req)->core, &who, parent, name, newparent,
			   newname, flags, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}
