/*
 * statfs.c — df's figures: those of the filesystem holding the data
 * directory, where the contents really are.
 */
#include "ops.h"

void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;
	struct gfs_err err;
	(void)ino;
	int r = gfs_statfs(daemon_of(req)->core, &st, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_statfs(req, &st);
}
