/*
 * remove.c — unlink and rmdir: soft delete, hard delete, or refusal, as
 * core decides (design §3).
 */
#include "ops.h"

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_unlink(daemon_of(req)->core, &who, parent, name, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_rmdir(daemon_of(req)->core, &who, parent, name, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}
