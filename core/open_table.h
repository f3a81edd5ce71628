/*
 * open_table.h — the files open through the kernel: one entry per file by
 * catalog id, shared by every open of it (one descriptor of its object, a
 * reference count, the size and times written since the last record), and
 * the handles the adapter holds. A core service: it knows the object store
 * but neither the catalog nor views, so that every operation can ask it.
 * Not for fs/.
 */
#ifndef GFS_OPEN_TABLE_H
#define GFS_OPEN_TABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog.h"
#include "err.h"
#include "store.h"

struct open_file {
	int64_t id;
	int fd;
	int refs;
	bool orphan;            /* deleted for good: last close removes the row */
	bool dirty;             /* written since size and times were recorded */
	bool lingering;         /* closed but unrecorded (handles.c) */
	bool held;              /* recorded open here in the catalog (holders.c) */
	int64_t mtime, ctime;   /* while dirty */
	int64_t atime, last_mtime; /* for relatime */
	/* Kernel passthrough (design §9): the adapter's registration of the
	 * object with the kernel, shared by every handle opened with it; the
	 * kernel then writes the object itself and tells no one, so the
	 * object's size and mtime as last seen show when it did. */
	int backing;            /* the registration, 0 when none */
	int backing_refs;       /* handles opened with it */
	bool behind;            /* written behind our back: compare the object */
	bool atime_behind;      /* read behind our back: atime to record */
	int64_t seen_size, seen_mtime, seen_atime;
	struct open_file *next;
};

struct open_table {
	pthread_mutex_t lock;
	struct open_file **buckets;
	size_t nbuckets;
	int lingering;          /* closed, size and times not yet recorded */
	/* every handle given to the adapter and not yet released: at unmount
	 * the kernel drops the RELEASEs still queued, so the core lets these
	 * go itself (gfs_release_all) */
	struct gfs_handle *handles;
};

/* A handle on a file's object (f), or on a descriptor of its own (f NULL:
 * the trash view's files in memory, design §10), which it closes. */
struct gfs_handle {
	struct open_file *f;
	int flags;
	int fd;
	bool backed;            /* opened with f's kernel registration */
	struct gfs_handle *prev, *next; /* in the table's list of handles */
};

int open_table_init(struct open_table *t);
void open_table_destroy(struct open_table *t);
/* Under the table lock: true when id is open; marks it an orphan so that
 * its last close removes the row. */
bool open_table_orphan_if_open(struct open_table *t, int64_t id);
bool open_table_is_open(struct open_table *t, int64_t id);
/* Current size and times of an open file that was written, if any
 * (through the daemon, or by the kernel through passthrough). */
bool open_table_peek(struct open_table *t, int64_t id, struct gfs_node *n);
/* The table lock held: when the kernel may write f's object itself, take
 * a change of the object's size or mtime since last seen as a write, and
 * of its atime (the backing filesystem's relatime) as a read. */
void open_table_see_behind(struct open_file *f);
/* A reference on f's kernel registration, made by reg(arg, fd) with the
 * object's descriptor when f has none (reg NULL: only an existing one).
 * Returns the registration (> 0), 0 when there is none, or reg's -errno. */
int open_table_backing(struct open_table *t, struct open_file *f,
		       int (*reg)(void *arg, int fd), void *arg);
/* Drop one; returns the registration to undo when it was the last. */
int open_table_backing_end(struct open_table *t, struct open_file *f);
void open_table_forget_times(struct open_table *t, int64_t id);
/* The chain slot of id (the table lock held). */
struct open_file **open_table_slot(struct open_table *t, int64_t id);
/* Take a reference on id's entry, creating it with fd (or by opening the
 * object when fd < 0). */
int open_table_acquire(struct open_table *t, struct gfs_store *store, int64_t id,
		       int fd, int64_t atime, int64_t mtime, struct open_file **out);

/* A handle on f, or (handle_synthetic) on a descriptor of its own, which
 * it takes over and closes at release. */
int handle_make(struct open_table *t, struct open_file *f, int flags,
		struct gfs_handle **h);
int handle_synthetic(struct open_table *t, int fd, int flags, struct gfs_handle **h,
		     struct gfs_err *err);
/* Take h off the table's list of handles (before freeing it). */
void handle_unlink(struct open_table *t, struct gfs_handle *h);
/* The first handle still on the list, taken off it; NULL when none. */
struct gfs_handle *handle_take_any(struct open_table *t);

#endif
