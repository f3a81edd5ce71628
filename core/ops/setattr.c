/*
 * setattr.c — chmod, chown, utimens and truncate. The kernel has checked
 * who may (default_permissions); the policy refuses changes inside
 * .softdeleted (R15), except a size change through a descriptor that was
 * open before the file was soft-deleted (design §2).
 */
#include "core.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

static int64_t ns_of(struct timespec ts)
{
	return (int64_t)ts.tv_sec * GFS_NS_PER_SEC + ts.tv_nsec;
}

uint32_t mode_without_suidgid(uint32_t mode)
{
	/* Set-user-ID always goes. Set-group-ID goes with group execute;
	 * without it the bit asks for mandatory locking and grants nothing,
	 * and the VFS keeps it (but for a writer outside the file's group,
	 * which the kernel does not tell us: kept then too). */
	mode &= ~(uint32_t)S_ISUID;
	if (mode & S_IXGRP)
		mode &= ~(uint32_t)S_ISGID;
	return mode;
}

/* Truncate or extend the object of file id. */
static int resize(struct gfs_core *c, struct gfs_handle *h, int64_t id,
		  off_t size, struct gfs_node *n)
{
	struct stat st;
	int fd = h ? gfs_handle_fd(h) : gfs_store_open_object(&c->store, id);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, size) < 0 ? -errno : 0;
	if (r == 0 && fstat(fd, &st) == 0) {
		n->size = st.st_size;
		n->blocks = st.st_blocks;
	}
	if (!h)
		close(fd);
	return r;
}

int gfs_setattr(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
		const struct gfs_setattr *s, struct gfs_handle *h,
		struct gfs_attr *out, struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct gfs_request req;
	(void)who;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	if ((r = view_of_ino(&op, ino, &v)) < 0)
		goto refused;
	/* the clearing that comes with a write the kernel has let through
	 * is the write's, not a change of its own (R15 allows writes through
	 * descriptors opened before a soft delete) */
	bool kill_only = s->what == GFS_SET_KILL_SUIDGID;
	bool through_fd = kill_only ||
		(h && !(s->what & ~(unsigned)(GFS_SET_SIZE | GFS_SET_CTIME |
					      GFS_SET_KILL_SUIDGID)));
	if (!through_fd) {
		memset(&req, 0, sizeof(req));
		req.action = GFS_ACT_SETATTR;
		req.cfg = c->cfg;
		/* tools make sure of a trash's directories with chmod 0700 */
		req.setattr_noop = !(s->what & ~(unsigned)(GFS_SET_MODE | GFS_SET_CTIME)) &&
				   (s->mode & 07777) == 0700;
		if ((r = view_where(&op, &v, &req.at)) < 0 ||
		    (r = policy_ask(&op, &req)) < 0)
			goto refused;
	}
	if (gfs_place_trash(v.place) && v.place != GFS_AT_TRASH_VERSION &&
	    v.place != GFS_AT_SD_FILE) {
		/* a trash's own directories and in-memory files have no row of
		 * their own: only a scratch file's size changes */
		if ((s->what & GFS_SET_SIZE) && v.place == GFS_AT_TRASH_PENDING &&
		    ftruncate(h ? gfs_handle_fd(h) : v.pending.fd, s->size) < 0) {
			r = gfs_err_set(err, errno, "truncate: %s", strerror(errno));
			goto refused;
		}
		view_attr(&op, &v, 0, out);
		op_abort(&op);
		return 0;
	}
	struct gfs_node *n = &v.n;
	bool file = gfs_place_is_file(v.place);
	open_table_peek(&c->open, n->id, n);
	if (kill_only && (!file || mode_without_suidgid(n->mode) == n->mode)) {
		view_attr(&op, &v, 0, out);     /* nothing to clear */
		op_abort(&op);
		return 0;
	}
	if (s->what & GFS_SET_MODE)
		n->mode = (n->mode & S_IFMT) | (s->mode & 07777);
	if (s->what & GFS_SET_UID)
		n->uid = s->uid;
	if (s->what & GFS_SET_GID)
		n->gid = s->gid;
	if ((s->what & GFS_SET_KILL_SUIDGID) && file)
		n->mode = mode_without_suidgid(n->mode);
	if (s->what & GFS_SET_SIZE) {
		if (!file) {
			r = gfs_err_set(err, EISDIR, "is a directory");
			goto refused;
		}
		if ((r = resize(c, h, n->id, s->size, n)) < 0) {
			gfs_err_set(err, -r, "truncate: %s", strerror(-r));
			goto refused;
		}
		n->mtime = op.now_ns;
	}
	if (s->what & GFS_SET_ATIME_NOW)
		n->atime = op.now_ns;
	else if (s->what & GFS_SET_ATIME)
		n->atime = ns_of(s->atime);
	if (s->what & GFS_SET_MTIME_NOW)
		n->mtime = op.now_ns;
	else if (s->what & GFS_SET_MTIME)
		n->mtime = ns_of(s->mtime);
	n->ctime = (s->what & GFS_SET_CTIME) ? ns_of(s->ctime) : op.now_ns;
	if ((r = cat_node_update_attrs(op.t, n)) < 0)
		return op_fail(&op, r, "setattr");
	/* the row now holds the truth; a pending write time must not
	 * overwrite an explicit one at close */
	if (file)
		open_table_forget_times(&c->open, n->id);
	view_attr(&op, &v, 0, out);
	return op_commit(&op, false);

refused:
	op_abort(&op);
	return r;
}
