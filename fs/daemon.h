/*
 * daemon.h — the FUSE adapter's shared state and helpers. fs/ turns kernel
 * requests into calls of core/galleryfs.h and core answers into replies;
 * it holds no policy and no SQL.
 */
#ifndef GFS_DAEMON_H
#define GFS_DAEMON_H

/* meson passes GFS_FUSE_API=317 when it finds libfuse >= 3.17 */
#ifdef GFS_FUSE_API
#define FUSE_USE_VERSION GFS_FUSE_API
#else
#define FUSE_USE_VERSION 314
#endif
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "galleryfs.h"

/* Kernel notifications queued by core, sent by their own thread: never
 * from inside a request handler, where they can deadlock (design §9). */
struct notice;
/* The node ids the kernel holds: each lookup reply counted, each forget
 * taken off (notify.c). Kept only on a shared catalog, where a daemon
 * that was away longer than the change log keeps must invalidate what its
 * kernel holds, rows deleted meanwhile included (design §7). */
struct held {
	pthread_mutex_t lock;
	bool on;
	uint64_t *id, *count;           /* open addressing; id 0: a free slot */
	size_t cap, n;
};
struct notifier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct notice *head, *tail;
	bool stop, started;
	struct fuse_session *se;
	struct held held;
};

/* The background purge (design §3: at mount, then every purge_interval). */
struct purger {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, started;
	struct gfs_core *core;
	unsigned interval;
};

/* Other daemons on the catalog (hosts.c): their changes heard, our lease
 * renewed. */
struct listener {
	pthread_t thread;
	atomic_bool stop;
	bool started;
	struct gfs_core *core;
};

/* The last refused RENAME_NOREPLACE rename (see fs/ops/rename.c). */
struct rename_memo {
	pthread_mutex_t lock;
	bool set;
	pid_t pid;
	uint64_t parent, newparent;
	int errnum;
	char name[256], newname[256];
};

/* How file contents move (design §9): through the kernel's passthrough to
 * the object files, or read and written by the daemon. */
struct io_mode {
	atomic_bool passthrough;        /* new files are opened with it */
	atomic_bool fell_back;          /* it failed once: said, and off */
	atomic_bool killpriv;           /* we clear set-user-ID bits (v2) */
};

struct gfs_daemon {
	struct gfs_config cfg;
	struct gfs_core *core;
	struct fuse_session *se;
	double timeout;                 /* entry/attr timeout of the live tree */
	struct notifier notifier;
	struct purger purger;
	struct listener listener;
	struct rename_memo rename_memo;
	struct io_mode io;
};

static inline struct gfs_daemon *daemon_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* reply.c */
void reply_error(fuse_req_t req, int r, const struct gfs_err *err);
void fill_stat(const struct gfs_attr *a, struct stat *st);
void fill_entry(const struct gfs_daemon *d, const struct gfs_attr *a,
		struct fuse_entry_param *e);
void reply_entry(fuse_req_t req, const struct gfs_attr *a);
/* The caller of req; with_groups reads its supplementary groups too. */
void caller_of(fuse_req_t req, bool with_groups, struct gfs_caller *c);

/* notify.c */
int notifier_start(struct notifier *n, struct fuse_session *se);
void notifier_stop(struct notifier *n);
/* parent 0, no name, ino 0: every node id the kernel holds */
void notifier_push(void *arg, uint64_t parent, const char *name, uint64_t ino);
/* Counting the node ids the kernel holds, from now on (before any request). */
void notifier_track(struct notifier *n);
/* A reply that gave the kernel nodeid (one lookup more); a forget of it. */
void held_add(struct notifier *n, uint64_t nodeid);
void held_forget(struct notifier *n, uint64_t nodeid, uint64_t nlookup);

/* purger.c */
void purge_once(struct gfs_core *core, bool show_progress);
int purger_start(struct purger *p, struct gfs_core *core, unsigned interval);
void purger_stop(struct purger *p);

/* hosts.c: started only when the catalog is shared */
int listener_start(struct listener *l, struct gfs_core *core);
void listener_stop(struct listener *l);

/* ops.c: the request handlers (fs/ops/) */
#define GFS_MAX_PAGES 1024      /* max_write at most 4 MiB of 4 KiB pages */
/* The libfuse this daemon was built with, and what its file I/O can be
 * (for --version). */
void print_build_io(void);
extern const struct fuse_lowlevel_ops gfs_ops;

#endif
