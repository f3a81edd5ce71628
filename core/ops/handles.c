/*
 * handles.c — open files. Every open of one file shares one descriptor of
 * its object, kept in a table by catalog id with a reference count, so that
 * an open descriptor keeps working whatever happens to the file's path
 * (soft delete, restore), and a file deleted for good while open lives on
 * as an orphan row until its last close (POSIX).
 *
 * Sizes and times of a file being written live here until flush, fsync or
 * release records them in the catalog (design §7: the object file is the
 * truth for bytes and size).
 *
 * A file whose size and times could not be recorded at its last close (a
 * full disk) stays in the table with no reference, its descriptor still
 * open, so that stat keeps showing the object's truth; gfs_retry_records
 * records it later and lets it go.
 *
 * The table itself is open_table.c's; this file opens, records and
 * releases through it. Lock order: the catalog's write lock may be held
 * when the table lock is taken, never the other way round.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

int handle_adopt(struct gfs_core *c, int64_t id, int fd, int flags,
		 const struct gfs_attr *a, struct gfs_handle **h,
		 struct gfs_err *err)
{
	struct open_file *f;
	int64_t atime = a->atime.tv_sec * GFS_NS_PER_SEC + a->atime.tv_nsec;
	int64_t mtime = a->mtime.tv_sec * GFS_NS_PER_SEC + a->mtime.tv_nsec;
	int r = open_table_acquire(&c->open, &c->store, id, fd, atime, mtime, &f);
	if (r == 0) {
		/* its creation recorded it as held here (create.c) */
		pthread_mutex_lock(&c->open.lock);
		f->held = c->hosts.shared;
		pthread_mutex_unlock(&c->open.lock);
	}
	if (r == 0 && (r = handle_make(&c->open, f, flags, h)) < 0)
		gfs_release_entry(c, f);
	if (r < 0)
		gfs_err_set(err, -r, "open failed");
	return r;
}

/* The trash view's files (design §10): an item's info, made from its row
 * into a memfd of its own; a scratch file of info/, its memfd. */
static int open_in_memory(struct op *op, const struct view *v, int flags,
			  struct gfs_handle **h)
{
	int fd;
	if (v->place == GFS_AT_TRASH_PENDING) {
		fd = fcntl(v->pending.fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return gfs_err_set(op->err, errno, "open: %s", strerror(errno));
		if ((flags & O_TRUNC) && ftruncate(fd, 0) < 0) {
			close(fd);
			return gfs_err_set(op->err, errno, "open: %s", strerror(errno));
		}
		return handle_synthetic(&op->c->open, fd, flags, h, op->err);
	}
	char text[GFS_TRASH_INFO_MAX];
	int len = view_info_text(op, v, text, sizeof(text));
	if (len < 0)
		return gfs_err_set(op->err, EIO, "the trash info cannot be made");
	fd = memfd_create("galleryfs-trashinfo", MFD_CLOEXEC);
	if (fd < 0)
		return gfs_err_set(op->err, errno, "open: %s", strerror(errno));
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return gfs_err_set(op->err, EIO, "the trash info cannot be made");
	}
	return handle_synthetic(&op->c->open, fd, flags, h, op->err);
}

int gfs_open(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
	     int flags, struct gfs_handle **h, struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct gfs_request req;
	int r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	if ((r = view_of_ino(&op, ino, &v)) < 0)
		goto out;
	if (!gfs_place_is_file(v.place)) {
		r = gfs_err_set(err, EISDIR, "is a directory");
		goto out;
	}
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) {
		memset(&req, 0, sizeof(req));
		req.action = GFS_ACT_OPEN_WRITE;
		req.cfg = c->cfg;
		if ((r = view_where(&op, &v, &req.at)) < 0 ||
		    (r = policy_ask(&op, &req)) < 0)
			goto out;
	}
	if (v.place == GFS_AT_TRASH_INFO_FILE || v.place == GFS_AT_TRASH_PENDING) {
		r = open_in_memory(&op, &v, flags, h);
		op_abort(&op);
		return r;
	}
out:
	op_abort(&op);
	if (r < 0)
		return r;
	struct open_file *f;
	if ((r = open_table_acquire(&c->open, &c->store, v.n.id, -1, v.n.atime,
				      v.n.mtime, &f)) == -ENOENT) {
		snprintf(err->path, sizeof(err->path), "%s", v.n.name);
		return gfs_err_set(err, EIO, "the content of file %lld is missing from "
				   "the object store; unmount and mount with -o fsck "
				   "to check and repair, or restore it from a backup",
				   (long long)v.n.id);
	}
	if (r < 0)
		return gfs_err_set(err, -r, "object of file %lld: %s",
				   (long long)v.n.id, strerror(-r));
	if ((r = holder_opened(c, f, err)) < 0) {
		gfs_release_entry(c, f);
		return r;
	}
	if ((r = handle_make(&c->open, f, flags, h)) < 0) {
		gfs_release_entry(c, f);
		return gfs_err_set(err, -r, "out of memory");
	}
	if (flags & O_TRUNC) {
		/* the kernel leaves O_TRUNC to us only with atomic_o_trunc,
		 * which the adapter does not ask for (design §9) */
		struct gfs_setattr s = { .what = GFS_SET_SIZE, .size = 0 };
		struct gfs_attr a;
		if ((r = gfs_setattr(c, who, ino, &s, *h, &a, err)) < 0) {
			gfs_release(c, *h);
			return r;
		}
	}
	return 0;
}

void gfs_handle_wrote(struct gfs_core *c, struct gfs_handle *h, off_t end)
{
	(void)end;
	if (!h->f)
		return;
	int64_t now = gfs_now_ns();
	pthread_mutex_lock(&c->open.lock);
	h->f->dirty = true;
	h->f->mtime = h->f->ctime = now;
	pthread_mutex_unlock(&c->open.lock);
}

/* Record size, blocks and times of an open file in its row. */
static int record(struct gfs_core *c, struct open_file *f, bool durable,
		  struct gfs_err *err)
{
	struct op op;
	struct gfs_node n;
	struct stat st;

	pthread_mutex_lock(&c->open.lock);
	open_table_see_behind(f);
	bool dirty = f->dirty, read_behind = f->atime_behind;
	int64_t mtime = f->mtime, ctime = f->ctime, atime = f->atime;
	pthread_mutex_unlock(&c->open.lock);
	if (!dirty && !durable && !read_behind)
		return 0;
	if (fstat(f->fd, &st) < 0)
		return gfs_err_set(err, errno, "stat of object: %s", strerror(errno));
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	r = cat_node_get(op.t, f->id, &n);
	if (r == -ENOENT) {
		op_abort(&op);
		return 0;       /* removed while open; nothing to record */
	}
	if (r < 0)
		return op_fail(&op, r, "flush");
	n.size = st.st_size;
	n.blocks = st.st_blocks;
	if (dirty) {
		n.mtime = mtime;
		n.ctime = ctime;
	}
	if (read_behind)
		n.atime = atime;
	if ((r = cat_node_update_attrs(op.t, &n)) < 0)
		r = op_fail(&op, r, "flush");
	else
		r = op_commit(&op, durable);
	if (r < 0 && !dirty && !durable) {
		/* only the access time was behind (a read): no local
		 * filesystem fails a close for that; it stays behind, to be
		 * recorded by a later flush or release */
		gfs_err_clear(err);
		return 0;
	}
	if (r < 0) {
		/* the object holds the truth; the next start reconciles */
		gfs_catalog_keep_unclean(c->cat);
		snprintf(err->path, sizeof(err->path), "%s", n.name);
	}
	if (r == 0) {
		pthread_mutex_lock(&c->open.lock);
		if (f->mtime == mtime)  /* no write came in meanwhile */
			f->dirty = false;
		if (f->atime == atime)
			f->atime_behind = false;
		f->last_mtime = mtime;
		pthread_mutex_unlock(&c->open.lock);
	}
	return r;
}

void gfs_handle_read(struct gfs_core *c, struct gfs_handle *h)
{
	struct open_file *f = h->f;
	int64_t now = gfs_now_ns();

	if (!f)
		return;
	/* relatime: atime moves when it is older than the last change or
	 * than a day, so reads cost no catalog write most of the time */
	pthread_mutex_lock(&c->open.lock);
	int64_t mt = f->dirty ? f->mtime : f->last_mtime;
	bool stale = f->atime <= mt ||
		     now - f->atime > GFS_DAY_SECONDS * GFS_NS_PER_SEC;
	if (stale)
		f->atime = now;
	pthread_mutex_unlock(&c->open.lock);
	if (!stale)
		return;

	struct op op;
	struct gfs_node n;
	struct gfs_err err;
	if (op_begin(&op, c, true, &err) < 0)
		return;
	if (cat_node_get(op.t, f->id, &n) == 0) {
		n.atime = now;
		if (cat_node_update_attrs(op.t, &n) == 0) {
			op_commit(&op, false);
			return;
		}
	}
	op_abort(&op);
}

int gfs_fallocate(struct gfs_core *c, struct gfs_handle *h, int mode, off_t off,
		  off_t len, struct gfs_err *err)
{
	if (fallocate(gfs_handle_fd(h), mode, off, len) < 0)
		return gfs_err_set(err, errno, "fallocate: %s", strerror(errno));
	gfs_handle_wrote(c, h, off + len);
	return 0;
}

int gfs_flush(struct gfs_core *c, struct gfs_handle *h, struct gfs_err *err)
{
	gfs_err_clear(err);
	return h->f ? record(c, h->f, false, err) : 0;
}

int gfs_fsync(struct gfs_core *c, struct gfs_handle *h, bool datasync,
	      struct gfs_err *err)
{
	gfs_err_clear(err);
	if (!h->f)
		return 0;       /* nothing of it is stored */
	if ((datasync ? fdatasync(h->f->fd) : fsync(h->f->fd)) < 0)
		return gfs_err_set(err, errno, "fsync: %s", strerror(errno));
	return record(c, h->f, true, err);
}

/* Drop one reference; the last one closes the object and, for an orphan,
 * removes its row. */
void gfs_release_entry(struct gfs_core *c, struct open_file *f)
{
	struct open_table *t = &c->open;
	struct gfs_err err;
	int recorded = 0;

	/* Record while the entry is still found, so that getattr never sees
	 * the catalog's older size in between. */
	pthread_mutex_lock(&t->lock);
	bool maybe_last = f->refs == 1 && !f->orphan;
	pthread_mutex_unlock(&t->lock);
	if (maybe_last)
		recorded = record(c, f, false, &err);

	pthread_mutex_lock(&t->lock);
	bool was_lingering = f->lingering;
	bool last = --f->refs == 0;
	bool held = last && f->held;
	if (held)
		f->held = false;
	bool linger = last && !f->orphan && (recorded < 0 || f->dirty);
	if (last && !linger)
		*open_table_slot(t, f->id) = f->next;
	f->lingering = linger;
	t->lingering += (int)linger - (int)was_lingering;
	pthread_mutex_unlock(&t->lock);
	if (held)
		holder_closed(c, f->id);        /* an orphan goes there */
	if (!last || linger)
		return;     /* still open, or kept for gfs_retry_records */
	if (f->orphan && !held) {
		struct op op;
		struct gfs_node n;
		if (op_begin(&op, c, true, &err) == 0) {
			if (cat_node_get(op.t, f->id, &n) == 0 && n.state == GFS_ORPHAN &&
			    cat_node_delete(op.t, f->id) == 0)
				op_commit(&op, false);
			else
				op_abort(&op);
		}
	}
	close(f->fd);
	free(f);
}

int gfs_retry_records(struct gfs_core *c)
{
	struct open_table *t = &c->open;

	for (size_t b = 0; b < t->nbuckets; b++) {
		for (;;) {
			pthread_mutex_lock(&t->lock);
			if (t->lingering == 0) {
				pthread_mutex_unlock(&t->lock);
				return 0;
			}
			struct open_file *f = t->buckets[b];
			while (f && f->refs > 0)
				f = f->next;
			if (f)
				f->refs++;      /* hold it while recording */
			pthread_mutex_unlock(&t->lock);
			if (!f)
				break;
			int64_t id = f->id;
			/* releasing the extra reference records, and lets the
			 * entry go when that works */
			gfs_release_entry(c, f);
			pthread_mutex_lock(&t->lock);
			struct open_file *g = *open_table_slot(t, id);
			bool still = g && g->refs == 0;
			int left = t->lingering;
			pthread_mutex_unlock(&t->lock);
			if (still)
				return left;    /* still full: later */
		}
	}
	return 0;
}

int gfs_handle_backing(struct gfs_core *c, struct gfs_handle *h,
		       gfs_backing_fn reg, void *arg)
{
	if (!h->f)
		return 0;       /* in memory: the daemon serves it */
	int r = open_table_backing(&c->open, h->f, reg, arg);
	h->backed = r > 0;
	return r;
}

int gfs_handle_backing_end(struct gfs_core *c, struct gfs_handle *h)
{
	if (!h->backed)
		return 0;
	h->backed = false;
	return open_table_backing_end(&c->open, h->f);
}

static void release_unlinked(struct gfs_core *c, struct gfs_handle *h)
{
	if (h->f)
		gfs_release_entry(c, h->f);
	else
		close(h->fd);
	free(h);
}

void gfs_release(struct gfs_core *c, struct gfs_handle *h)
{
	handle_unlink(&c->open, h);
	release_unlinked(c, h);
}

/* At unmount the kernel ends the RELEASEs it still had queued instead of
 * sending them (they are sent in the background after close), so files
 * closed just before the unmount are let go here, as their release would
 * have: sizes and times recorded, orphans' rows removed. */
void gfs_release_all(struct gfs_core *c)
{
	struct gfs_handle *h;
	while ((h = handle_take_any(&c->open)) != NULL)
		release_unlinked(c, h);
}
