/*
 * attr.c — getattr and setattr (chmod, chown, utimensat, truncate).
 */
#include "ops.h"

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_attr a;
	struct gfs_err err;
	struct stat st;
	(void)fi;
	int r = gfs_getattr(d->core, ino, &a, &err);
	if (r < 0) {
		reply_error(req, r, &err);
		return;
	}
	fill_stat(&a, &st);
	fuse_reply_attr(req, &st, a.volatile_ ? 0.0 : d->timeout);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi)
{
	static const struct { int fuse; unsigned gfs; } map[] = {
		{ FUSE_SET_ATTR_MODE, GFS_SET_MODE },
		{ FUSE_SET_ATTR_UID, GFS_SET_UID },
		{ FUSE_SET_ATTR_GID, GFS_SET_GID },
		{ FUSE_SET_ATTR_SIZE, GFS_SET_SIZE },
		{ FUSE_SET_ATTR_ATIME, GFS_SET_ATIME },
		{ FUSE_SET_ATTR_MTIME, GFS_SET_MTIME },
		{ FUSE_SET_ATTR_ATIME_NOW, GFS_SET_ATIME_NOW },
		{ FUSE_SET_ATTR_MTIME_NOW, GFS_SET_MTIME_NOW },
		{ FUSE_SET_ATTR_CTIME, GFS_SET_CTIME },
	};
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_setattr s = {
		.mode = attr->st_mode, .uid = attr->st_uid, .gid = attr->st_gid,
		.size = attr->st_size, .atime = attr->st_atim,
		.mtime = attr->st_mtim, .ctime = attr->st_ctim,
	};
	struct gfs_caller who;
	struct gfs_attr a;
	struct gfs_err err;
	struct stat st;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (to_set & map[i].fuse)
			s.what |= map[i].gfs;
	/* with HANDLE_KILLPRIV_V2 the kernel asks through FATTR_KILL_SUIDGID
	 * (libfuse's KILL_SUID bit) on truncate and chown, and before a write
	 * through an empty SETATTR (file_remove_privs; libfuse passes no
	 * write's FUSE_WRITE_KILL_SUIDGID): design §9 */
	if (d->io.killpriv && ((to_set & FUSE_SET_ATTR_KILL_SUID) || to_set == 0))
		s.what |= GFS_SET_KILL_SUIDGID;
	caller_of(req, false, &who);
	struct gfs_handle *h = fi ? (struct gfs_handle *)(uintptr_t)fi->fh : NULL;
	int r = gfs_setattr(d->core, &who, ino, &s, h, &a, &err);
	if (r < 0) {
		reply_error(req, r, &err);
		return;
	}
	fill_stat(&a, &st);
	fuse_reply_attr(req, &st, a.volatile_ ? 0.0 : d->timeout);
}
