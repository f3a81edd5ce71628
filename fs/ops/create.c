/*
 * create.c — mkdir, mknod, symlink, link: what may be created is the
 * policy's to say (R12, R15).
 */
#include "ops.h"

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct gfs_caller who;
	struct gfs_attr a;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_mkdir(daemon_of(req)->core, &who, parent, name, mode, &a, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		reply_entry(req, &a);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	      dev_t rdev)
{
	struct gfs_caller who;
	struct gfs_attr a;
	struct gfs_err err;
	(void)rdev;
	caller_of(req, false, &who);
	int r = gfs_mknod(daemon_of(req)->core, &who, parent, name, mode, &a, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		reply_entry(req, &a);
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	struct gfs_err err;
	(void)link;
	int r = gfs_symlink(daemon_of(req)->core, parent, name, &err);
	reply_error(req, r, &err);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname)
{
	struct gfs_err err;
	(void)ino;
	int r = gfs_link(daemon_of(req)->core, newparent, newname, &err);
	reply_error(req, r, &err);
}
