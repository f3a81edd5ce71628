/*
 * dir.c — opendir, readdir, readdirplus, fsyncdir. There is no
 * directory handle: opendir answers ENOSYS, so the kernel sends no OPENDIR
 * or RELEASEDIR again and keeps every listing in its cache (design §9).
 * It drops one when it changes the directory itself or when the
 * directory's mtime has moved; core moves the mtime of every directory
 * whose listing changes without the kernel (the .softdeleted mirrors, the
 * trash view), and under .softdeleted attributes are never cached, so the
 * kernel asks for that mtime before it serves a listing.
 */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	/* libfuse 3.14 takes only this reply as "no opendir"; 3.17 sets
	 * FUSE_CAP_NO_OPENDIR_SUPPORT from it too */
	fuse_reply_err(req, ENOSYS);
}

struct dirbuf {
	fuse_req_t req;
	struct gfs_daemon *d;
	char *buf;
	size_t size, used;
	bool plus;
};

static int add_entry(void *arg, const struct gfs_dirent *de)
{
	struct dirbuf *b = arg;
	size_t left = b->size - b->used, n;

	if (b->plus) {
		struct fuse_entry_param e;
		fill_entry(b->d, &de->attr, &e);
		if (!de->plus)
			e.ino = 0;      /* . and ..: no entry for the kernel to keep */
		e.attr.st_ino = de->attr.ino;
		e.attr.st_mode = de->attr.mode;
		n = fuse_add_direntry_plus(b->req, b->buf + b->used, left, de->name,
					   &e, (off_t)de->off);
	} else {
		struct stat st = { .st_ino = de->attr.ino, .st_mode = de->attr.mode };
		n = fuse_add_direntry(b->req, b->buf + b->used, left, de->name, &st,
				      (off_t)de->off);
	}
	if (n > left)
		return 1;
	b->used += n;
	/* each entry of a READDIRPLUS reply is a lookup to the kernel
	 * (counted before the reply: a reply that fails leaves one too
	 * many, which costs an invalidation of nothing) */
	if (b->plus && de->plus)
		held_add(&b->d->notifier, de->attr.nodeid);
	return 0;
}

static void list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct dirbuf b = { .req = req, .d = daemon_of(req), .size = size, .plus = plus };
	struct gfs_err err;

	b.buf = malloc(size);
	if (!b.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	int r = gfs_readdir(b.d->core, ino, (uint64_t)off, plus, add_entry, &b, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_buf(req, b.buf, b.used);
	free(b.buf);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	(void)fi;
	list(req, ino, size, off, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	list(req, ino, size, off, true);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	struct gfs_err err;
	(void)ino;
	(void)datasync;
	(void)fi;
	int r = gfs_fsyncdir(daemon_of(req)->core, &err);
	if (r < 0)
		reply_error(req, r, &err);
	else
		fuse_reply_err(req, 0);
}
