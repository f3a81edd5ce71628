/*
 * file.c — create, open, read, write, fallocate, flush, fsync, release.
 * Data moves between the kernel and the object file without passing through
 * a buffer of ours where the kernel allows (splice).
 */
#include "ops.h"

#include <errno.h>

static struct gfs_handle *handle_of(struct fuse_file_info *fi)
{
	return (struct gfs_handle *)(uintptr_t)fi->fh;
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_caller who;
	struct gfs_attr a;
	struct gfs_err err;
	struct gfs_handle *h;
	struct fuse_entry_param e;

	caller_of(req, false, &who);
	int r = gfs_create(d->core, &who, parent, name, mode, fi->flags, &a, &h, &err);
	if (r < 0) {
		reply_error(req, r, &err);
		return;
	}
	fi->fh = (uintptr_t)h;
	fi->keep_cache = 1;
	fill_entry(d, &a, &e);
	if (fuse_reply_create(req, &e, fi) != 0)
		gfs_release(d->core, h);   /* interrupted: no release will come */
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_caller who;
	struct gfs_err err;
	struct gfs_handle *h;

	caller_of(req, false, &who);
	int r = gfs_open(d->core, &who, ino, fi->flags, &h, &err);
	if (r < 0) {
		reply_error(req, r, &err);
		return;
	}
	fi->fh = (uintptr_t)h;
	/* only the kernel's own writes change contents, and it keeps its cache
	 * in step with them */
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0)
		gfs_release(d->core, h);
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_handle *h = handle_of(fi);
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	(void)ino;

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = gfs_handle_fd(h);
	buf.buf[0].pos = off;
	/* before the reply: once the kernel has it, a release may free h */
	gfs_handle_read(d->core, h);
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in,
		  off_t off, struct fuse_file_info *fi)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_handle *h = handle_of(fi);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	(void)ino;

	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = gfs_handle_fd(h);
	out.buf[0].pos = off;
	ssize_t n = fuse_buf_copy(&out, in, FUSE_BUF_SPLICE_NONBLOCK);
	if (n < 0) {
		fuse_reply_err(req, (int)-n);
		return;
	}
	gfs_handle_wrote(d->core, h, off + n);
	fuse_reply_write(req, (size_t)n);
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
		  off_t len, struct fuse_file_info *fi)
{
	struct gfs_err err;
	(void)ino;
	int r = gfs_fallocate(daemon_of(req)->core, handle_of(fi), mode, off, len, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct gfs_err err;
	(void)ino;
	int r = gfs_flush(daemon_of(req)->core, handle_of(fi), &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	struct gfs_err err;
	(void)ino;
	int r = gfs_fsync(daemon_of(req)->core, handle_of(fi), datasync != 0, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	gfs_release(daemon_of(req)->core, handle_of(fi));
	fuse_reply_err(req, 0);
}
