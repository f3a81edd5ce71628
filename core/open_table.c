/*
 * open_table.c — the table of open files (open_table.h). Lock order: the
 * catalog's write lock may be held when the table lock is taken, never
 * the other way round.
 */
#include "open_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "galleryfs.h"

#define NBUCKETS 4096

int open_table_init(struct open_table *t)
{
	pthread_mutex_init(&t->lock, NULL);
	t->nbuckets = NBUCKETS;
	t->handles = NULL;
	t->buckets = calloc(NBUCKETS, sizeof(*t->buckets));
	return t->buckets ? 0 : -ENOMEM;
}

void open_table_destroy(struct open_table *t)
{
	if (!t->buckets)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct open_file *f = t->buckets[i], *next;
		for (; f; f = next) {
			next = f->next;
			close(f->fd);
			free(f);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	pthread_mutex_destroy(&t->lock);
}

struct open_file **open_table_slot(struct open_table *t, int64_t id)
{
	struct open_file **pp = &t->buckets[(uint64_t)id % t->nbuckets];
	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	return pp;
}

bool open_table_orphan_if_open(struct open_table *t, int64_t id)
{
	pthread_mutex_lock(&t->lock);
	struct open_file **pp = open_table_slot(t, id), *f = *pp;
	bool open = f && f->refs > 0;
	if (open) {
		f->orphan = true;
	} else if (f) {
		/* unrecorded and closed: the row goes, and with it the need */
		*pp = f->next;
		t->lingering -= f->lingering;
		close(f->fd);
		free(f);
	}
	pthread_mutex_unlock(&t->lock);
	return open;
}

bool open_table_is_open(struct open_table *t, int64_t id)
{
	pthread_mutex_lock(&t->lock);
	struct open_file *f = *open_table_slot(t, id);
	bool open = f && f->refs > 0;
	pthread_mutex_unlock(&t->lock);
	return open;
}

static int64_t ns_of(struct timespec ts)
{
	return (int64_t)ts.tv_sec * GFS_NS_PER_SEC + ts.tv_nsec;
}

/* What the object looks like now, to compare with later. */
static void see_object(struct open_file *f)
{
	struct stat st;
	if (fstat(f->fd, &st) == 0) {
		f->seen_size = st.st_size;
		f->seen_mtime = ns_of(st.st_mtim);
		f->seen_atime = ns_of(st.st_atim);
	}
}

void open_table_see_behind(struct open_file *f)
{
	struct stat st;
	if (!f->behind || fstat(f->fd, &st) < 0)
		return;
	int64_t atime = ns_of(st.st_atim), mtime = ns_of(st.st_mtim);
	if (atime != f->seen_atime) {
		f->seen_atime = atime;
		if (atime > f->atime) {
			f->atime = atime;
			f->atime_behind = true;
		}
	}
	if (st.st_size == f->seen_size && mtime == f->seen_mtime)
		return;
	/* the object's own times: when the kernel wrote it */
	f->dirty = true;
	f->mtime = mtime;
	f->ctime = ns_of(st.st_ctim);
	f->seen_size = st.st_size;
	f->seen_mtime = mtime;
}

int open_table_backing(struct open_table *t, struct open_file *f,
		       int (*reg)(void *arg, int fd), void *arg)
{
	pthread_mutex_lock(&t->lock);
	if (f->backing == 0 && reg) {
		/* registered under the lock: one registration per file, as
		 * the kernel wants for all the opens of one inode */
		int r = reg(arg, f->fd);
		if (r <= 0) {
			pthread_mutex_unlock(&t->lock);
			return r < 0 ? r : -EIO;
		}
		if (!f->behind) {
			f->behind = true;
			see_object(f);
		}
		f->backing = r;
	}
	int id = f->backing;
	if (id > 0)
		f->backing_refs++;
	pthread_mutex_unlock(&t->lock);
	return id;
}

int open_table_backing_end(struct open_table *t, struct open_file *f)
{
	int id = 0;
	pthread_mutex_lock(&t->lock);
	if (--f->backing_refs == 0) {
		id = f->backing;
		f->backing = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return id;
}

bool open_table_peek(struct open_table *t, int64_t id, struct gfs_node *n)
{
	struct stat st;
	bool dirty = false;

	pthread_mutex_lock(&t->lock);
	struct open_file *f = *open_table_slot(t, id);
	if (f) {
		open_table_see_behind(f);
		if (f->atime_behind)
			n->atime = f->atime;
	}
	if (f && f->dirty && fstat(f->fd, &st) == 0) {
		n->size = st.st_size;
		n->blocks = st.st_blocks;
		n->mtime = f->mtime;
		n->ctime = f->ctime;
		dirty = true;
	}
	pthread_mutex_unlock(&t->lock);
	return dirty;
}

void open_table_forget_times(struct open_table *t, int64_t id)
{
	pthread_mutex_lock(&t->lock);
	struct open_file *f = *open_table_slot(t, id);
	if (f) {
		f->dirty = false;
		f->atime_behind = false;
		if (f->behind)
			see_object(f);  /* the change just recorded was ours */
	}
	pthread_mutex_unlock(&t->lock);
}

int open_table_acquire(struct open_table *t, struct gfs_store *store, int64_t id,
		       int fd, int64_t atime, int64_t mtime, struct open_file **out)
{

	pthread_mutex_lock(&t->lock);
	struct open_file **pp = open_table_slot(t, id);
	if (*pp) {
		if ((*pp)->lingering) {     /* opened again before it was recorded */
			(*pp)->lingering = false;
			t->lingering--;
		}
		(*pp)->refs++;
		*out = *pp;
		pthread_mutex_unlock(&t->lock);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (fd < 0)
		fd = gfs_store_open_object(store, id);
	if (fd < 0) {
		pthread_mutex_unlock(&t->lock);
		return fd;
	}
	struct open_file *f = calloc(1, sizeof(*f));
	if (!f) {
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return -ENOMEM;
	}
	f->id = id;
	f->fd = fd;
	f->refs = 1;
	f->atime = atime;
	f->last_mtime = mtime;
	*pp = f;
	*out = f;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int handle_make(struct open_table *t, struct open_file *f, int flags,
		struct gfs_handle **h)
{
	*h = malloc(sizeof(**h));
	if (!*h)
		return -ENOMEM;
	(*h)->f = f;
	(*h)->flags = flags;
	(*h)->fd = -1;
	(*h)->backed = false;
	pthread_mutex_lock(&t->lock);
	(*h)->prev = NULL;
	(*h)->next = t->handles;
	if (t->handles)
		t->handles->prev = *h;
	t->handles = *h;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static void unlink_locked(struct open_table *t, struct gfs_handle *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		t->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
}

void handle_unlink(struct open_table *t, struct gfs_handle *h)
{
	pthread_mutex_lock(&t->lock);
	unlink_locked(t, h);
	pthread_mutex_unlock(&t->lock);
}

struct gfs_handle *handle_take_any(struct open_table *t)
{
	pthread_mutex_lock(&t->lock);
	struct gfs_handle *h = t->handles;
	if (h)
		unlink_locked(t, h);
	pthread_mutex_unlock(&t->lock);
	return h;
}

int handle_synthetic(struct open_table *t, int fd, int flags, struct gfs_handle **h,
		     struct gfs_err *err)
{
	int r = handle_make(t, NULL, flags, h);
	if (r < 0) {
		close(fd);
		return gfs_err_set(err, -r, "out of memory");
	}
	(*h)->fd = fd;
	return 0;
}

int gfs_handle_fd(const struct gfs_handle *h)
{
	return h->f ? h->f->fd : h->fd;
}
