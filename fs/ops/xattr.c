/*
 * xattr.c — getxattr, listxattr, setxattr, removexattr: the properties and
 * free user.* attributes of design §4.
 */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>

/* Reply to a get/list that produced r bytes (or -errno) into buf. */
static void reply_sized(fuse_req_t req, ssize_t r, const char *buf, size_t size,
			const struct gfs_err *err)
{
	if (r < 0)
		reply_error(req, (int)r, err);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)r);
	else
		fuse_reply_buf(req, buf, (size_t)r);
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct gfs_err err;
	char *buf = size ? malloc(size) : NULL;
	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ssize_t r = gfs_getxattr(daemon_of(req)->core, ino, name, buf, size, &err);
	reply_sized(req, r, buf, size, &err);
	free(buf);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct gfs_err err;
	char *buf = size ? malloc(size) : NULL;
	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ssize_t r = gfs_listxattr(daemon_of(req)->core, ino, buf, size, &err);
	reply_sized(req, r, buf, size, &err);
	free(buf);
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, true, &who);
	int r = gfs_setxattr(daemon_of(req)->core, &who, ino, name, value, size,
			     flags, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_removexattr(daemon_of(req)->core, &who, ino, name, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}
