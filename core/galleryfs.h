/*
 * galleryfs.h — the core's public face: the gallery tree as a filesystem.
 *
 * The adapter in fs/ calls these with kernel inode numbers and names and
 * gets back attributes, listings, handles, or a struct gfs_err. Every call
 * is one catalog transaction; every decision is the policy engine's. No
 * FUSE type appears here.
 *
 * Inode numbers (design §9): catalog row N shows as 2N+1 and its synthetic
 * mirror (.softdeleted for a gallery, .softdeleted/DEF for a definition,
 * the shadow for a version) as 2N; the root, row 0, is 1. That is st_ino.
 *
 * The kernel's handle for a node (its node id, what every call here takes)
 * is st_ino with the node's generation in the high bits: when a directory
 * outlives an rmdir in the kernel's eyes, its next incarnation gets a new
 * generation and so a new node id, and the old, dead inode keeps answering
 * ENOENT to whoever still holds it, as on a local filesystem (with one node
 * id for both, the kernel would have to mark the old inode bad, and its
 * holders would get EIO).
 */
#ifndef GFS_GALLERYFS_H
#define GFS_GALLERYFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>

#include "settings.h"
#include "err.h"
#include "roles.h"

#define GFS_ROOT_INO 1
#define GFS_NODEID_GEN_SHIFT 44         /* st_ino below, generation above */

struct gfs_core;
struct gfs_handle;

struct gfs_attr {
	uint64_t nodeid;                /* the kernel's handle (see above) */
	uint64_t ino;                   /* st_ino: stable for life */
	uint64_t gen;
	uint32_t mode, nlink, uid, gid;
	int64_t size, blocks;           /* blocks in 512-byte units */
	struct timespec atime, mtime, ctime;
	bool volatile_;                 /* under .softdeleted: never cache */
	/* volatile_, but its name leads to it as long as its parent lives
	 * (.softdeleted, a trash's directories): the entry may be cached,
	 * never the attributes */
	bool stable_entry;
};

/* A change behind the kernel's back: the adapter forwards these to the
 * kernel (inval_entry when name is set, else inval_inode), from outside
 * any request. parent 0, no name and ino 0: every node id the kernel
 * holds, known to the adapter only (after a trimmed change log). */
typedef void (*gfs_inval_fn)(void *arg, uint64_t parent, const char *name,
			     uint64_t ino);

struct gfs_core_options {
	const struct gfs_config *cfg;
	const char *data_dir;
	bool fsck;                      /* full check even after a clean end */
	const char *mountpoint;         /* for the daemon's registration */
	gfs_inval_fn inval;
	void *inval_arg;
	/* when set, a failed open says here whether the start was refused
	 * for what the configuration names, before anything was created (the
	 * daemon's status 2, design §8): a catalog of a newer galleryfs, a
	 * data directory in use, a PostgreSQL catalog that cannot be used */
	bool *refused;
};

/* Lock the data directory, open catalog and object store, check them
 * (fully after an unclean end or when asked), log what was repaired. */
int gfs_core_open(const struct gfs_core_options *o, struct gfs_core **out,
		  struct gfs_err *err);
/* Mark the catalog clean and release everything. */
void gfs_core_close(struct gfs_core *core);

/* ---- the namespace ---- */
/* On -ENOENT, out->volatile_ tells whether the miss must not be cached. */
int gfs_lookup(struct gfs_core *c, uint64_t parent, const char *name,
	       struct gfs_attr *out, struct gfs_err *err);
int gfs_getattr(struct gfs_core *c, uint64_t ino, struct gfs_attr *out,
		struct gfs_err *err);

/* Listing. off is 0 at the start, else the off of the last entry taken.
 * fn returns nonzero when it can take no more (that entry is not taken). */
struct gfs_dirent {
	const char *name;
	uint64_t off;                   /* where the next read resumes */
	struct gfs_attr attr;           /* ino and mode always; all with plus */
	bool plus;                      /* attr is complete (not for . and ..) */
};
typedef int (*gfs_dirent_fn)(void *arg, const struct gfs_dirent *d);
int gfs_readdir(struct gfs_core *c, uint64_t ino, uint64_t off, bool plus,
		gfs_dirent_fn fn, void *arg, struct gfs_err *err);

int gfs_mkdir(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, mode_t mode, struct gfs_attr *out,
	      struct gfs_err *err);
/* mode carries the file type: S_IFREG creates a file, the rest refuse. */
int gfs_mknod(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, mode_t mode, struct gfs_attr *out,
	      struct gfs_err *err);
int gfs_create(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, mode_t mode, int flags, struct gfs_attr *out,
	       struct gfs_handle **h, struct gfs_err *err);
/* Symlinks and hard links are refused by policy; these say why. */
int gfs_symlink(struct gfs_core *c, uint64_t parent, const char *name,
		struct gfs_err *err);
int gfs_link(struct gfs_core *c, uint64_t parent, const char *name,
	     struct gfs_err *err);
int gfs_unlink(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, struct gfs_err *err);
int gfs_rmdir(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, struct gfs_err *err);
int gfs_rename(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, uint64_t newparent, const char *newname,
	       unsigned flags, struct gfs_err *err);

/* setattr: the fields named by the GFS_SET_* bits change. */
enum {
	GFS_SET_MODE = 1 << 0,
	GFS_SET_UID = 1 << 1,
	GFS_SET_GID = 1 << 2,
	GFS_SET_SIZE = 1 << 3,
	GFS_SET_ATIME = 1 << 4,
	GFS_SET_MTIME = 1 << 5,
	GFS_SET_ATIME_NOW = 1 << 6,
	GFS_SET_MTIME_NOW = 1 << 7,
	GFS_SET_CTIME = 1 << 8,
	/* the kernel leaves clearing set-user-ID and set-group-ID to us: a
	 * write, truncate or chown (design §9); core says which bits go */
	GFS_SET_KILL_SUIDGID = 1 << 9,
};
struct gfs_setattr {
	unsigned what;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec atime, mtime, ctime;
};
int gfs_setattr(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
		const struct gfs_setattr *s, struct gfs_handle *h,
		struct gfs_attr *out, struct gfs_err *err);

/* ---- file contents ---- */
int gfs_open(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
	     int flags, struct gfs_handle **h, struct gfs_err *err);
/* The object file's descriptor: read and write it directly. */
int gfs_handle_fd(const struct gfs_handle *h);
/* Kernel passthrough (design §9): the kernel reads and writes the object
 * itself. reg registers an object's descriptor with the kernel and returns
 * a registration > 0 or -errno; core calls it once per open file, under
 * its lock, and shares the registration among the file's handles (reg
 * NULL: share an existing one only). Returns the registration for h, 0
 * when there is none (a file in memory), or reg's -errno. */
typedef int (*gfs_backing_fn)(void *arg, int fd);
int gfs_handle_backing(struct gfs_core *c, struct gfs_handle *h,
		       gfs_backing_fn reg, void *arg);
/* Before gfs_release: the registration to undo when h was the last
 * handle opened with it, else 0. */
int gfs_handle_backing_end(struct gfs_core *c, struct gfs_handle *h);
/* After reading: relatime-style atime. After writing up to end: the
 * file's mtime and size change. */
void gfs_handle_read(struct gfs_core *c, struct gfs_handle *h);
void gfs_handle_wrote(struct gfs_core *c, struct gfs_handle *h, off_t end);
int gfs_fallocate(struct gfs_core *c, struct gfs_handle *h, int mode, off_t off,
		  off_t len, struct gfs_err *err);
/* Record size and times in the catalog (close, flush); fsync makes the
 * bytes and the record durable. */
int gfs_flush(struct gfs_core *c, struct gfs_handle *h, struct gfs_err *err);
int gfs_fsync(struct gfs_core *c, struct gfs_handle *h, bool datasync,
	      struct gfs_err *err);
void gfs_release(struct gfs_core *c, struct gfs_handle *h);
int gfs_fsyncdir(struct gfs_core *c, struct gfs_err *err);
/* Record the size and times of closed files that could not be recorded at
 * their last close (a full disk); returns how many are still waiting. The
 * daemon calls it every second or so. */
int gfs_retry_records(struct gfs_core *c);

/* ---- attributes ---- */
/* Returns the value's length; with size 0 only the length. */
ssize_t gfs_getxattr(struct gfs_core *c, uint64_t ino, const char *name,
		     void *buf, size_t size, struct gfs_err *err);
ssize_t gfs_listxattr(struct gfs_core *c, uint64_t ino, char *buf, size_t size,
		      struct gfs_err *err);
int gfs_setxattr(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
		 const char *name, const void *value, size_t size, int flags,
		 struct gfs_err *err);
int gfs_removexattr(struct gfs_core *c, const struct gfs_caller *who,
		    uint64_t ino, const char *name, struct gfs_err *err);

int gfs_statfs(struct gfs_core *c, struct statvfs *out, struct gfs_err *err);

/* ---- retention ---- */
/* Purge every soft-deleted item whose purgeAt has passed; the count of
 * purged versions and files goes to *purged. progress, when set, is called
 * after each batch with the count so far (for a person waiting on it). */
typedef void (*gfs_progress_fn)(void *arg, int64_t done);
int gfs_purge_expired(struct gfs_core *c, int64_t *purged,
		      gfs_progress_fn progress, void *arg, struct gfs_err *err);

/* ---- several daemons on one catalog (issue #15) ---- */
/* Whether other daemons may share the catalog (PostgreSQL): then the
 * adapter runs a thread that calls gfs_hosts_step until the end. */
bool gfs_hosts_shared(struct gfs_core *c);
/* Wait up to timeout_ms for other daemons' commits, and turn those that
 * came into invalidations (the core's inval callback); renew this daemon's
 * registration when due; reconnect when the connection was lost. */
void gfs_hosts_step(struct gfs_core *c, int timeout_ms);

#endif
