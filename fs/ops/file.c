/*
 * file.c — create, open, read, write, fallocate, flush, fsync, release.
 * Data moves between the kernel and the object file without passing through
 * a buffer of ours where the kernel allows (splice).
 */
#include "ops.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static struct gfs_handle *handle_of(struct fuse_file_info *fi)
{
	return (struct gfs_handle *)(uintptr_t)fi->fh;
}

#if FUSE_USE_VERSION >= 317
static int register_backing(void *req, int fd)
{
	errno = 0;
	int id = fuse_passthrough_open(req, fd);
	return id > 0 ? id : -(errno ? errno : EIO);
}

/* Open with kernel passthrough when the mount uses it (design §9): the
 * kernel then reads and writes the object itself. Every open of a file
 * registered with the kernel must use that registration, even once new
 * ones have stopped: the kernel refuses an inode open both ways (EIO).
 * The first refused registration turns passthrough off for the mount. */
static void open_passthrough(fuse_req_t req, struct gfs_daemon *d,
			     struct gfs_handle *h, struct fuse_file_info *fi)
{
	bool on = atomic_load(&d->io.passthrough);
	int r = gfs_handle_backing(d->core, h, on ? register_backing : NULL, req);
	if (r > 0) {
		fi->backing_id = r;
		fi->keep_cache = 0;     /* the object's own cache serves */
		return;
	}
	if (r == 0 || atomic_exchange(&d->io.fell_back, true))
		return;
	atomic_store(&d->io.passthrough, false);
	gfs_log(GFS_LOG_WARNING, "file I/O: served by the daemon (the kernel "
		"refused passthrough: %s)", r == -EPERM ?
		"it needs CAP_SYS_ADMIN in the initial user namespace" : strerror(-r));
}

/* Undo h's share of its registration; the last one unregisters. */
static void close_passthrough(fuse_req_t req, struct gfs_daemon *d,
			      struct gfs_handle *h)
{
	int id = gfs_handle_backing_end(d->core, h);
	if (id > 0)
		fuse_passthrough_close(req, id);
}
#else
static void open_passthrough(fuse_req_t req, struct gfs_daemon *d,
			     struct gfs_handle *h, struct fuse_file_info *fi)
{
	(void)req, (void)d, (void)h, (void)fi;
}

static void close_passthrough(fuse_req_t req, struct gfs_daemon *d,
			      struct gfs_handle *h)
{
	(void)req, (void)d, (void)h;
}
#endif

/* The open's reply did not reach the kernel (interrupted): no release
 * will come for h. */
static void unreplied(fuse_req_t req, struct gfs_daemon *d, struct gfs_handle *h)
{
	close_passthrough(req, d, h);
	gfs_release(d->core, h);
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
	open_passthrough(req, d, h, fi);
	fill_entry(d, &a, &e);
	held_add(&d->notifier, e.ino);          /* as reply_entry does */
	if (fuse_reply_create(req, &e, fi) != 0) {
		held_forget(&d->notifier, e.ino, 1);
		unreplied(req, d, h);
	}
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
	open_passthrough(req, d, h, fi);
	if (fuse_reply_open(req, fi) != 0)
		unreplied(req, d, h);
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
	struct gfs_daemon *d = daemon_of(req);
	(void)ino;
	close_passthrough(req, d, handle_of(fi));
	gfs_release(d->core, handle_of(fi));
	fuse_reply_err(req, 0);
}
