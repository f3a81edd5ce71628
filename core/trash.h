/*
 * trash.h — the pieces of the desktop trash view (design §10) that need no
 * catalog: the names of trash directories and items, the .trashinfo text,
 * and the table of files that live only in memory inside info/ (a
 * reservation a tool made before moving an item in, the temporary file it
 * writes the info through, and the info of an item that just left, which
 * tools remove afterwards).
 */
#ifndef GFS_TRASH_H
#define GFS_TRASH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GFS_TRASH_PREFIX ".Trash-"
#define GFS_TRASH_INFO_SUFFIX ".trashinfo"
#define GFS_TRASH_INFO_MAX 4200     /* the text: Path= is at most ~3 KiB */

/* A reservation or temporary info file goes away on its own after this
 * long unused: the tools that make them move the item in within
 * milliseconds, or give up. */
#define GFS_TRASH_PENDING_NS (60LL * 1000000000LL)

/* The uid of ".Trash-UID" (decimal, no sign or leading zero), or -1. */
int64_t gfs_trash_dir_uid(const char *name);

/* The NAME of "NAME.trashinfo" into out (len bytes), or false when name
 * has no such form. */
bool gfs_trash_info_item(const char *name, char *out, size_t len);

/* The n-th candidate trash name for an item called name (n = 1: name
 * itself; then ".N" inserted before the first dot, or appended, as GLib
 * names trashed files: "1.0.0" -> "1.2.0.0", "disk.vhd" -> "disk.2.vhd").
 * False when it does not fit in len or in a file name. */
bool gfs_trash_name_candidate(const char *name, unsigned n, char *out, size_t len);

/* The .trashinfo text of an item: its original path relative to the mount
 * top, percent-encoded as the FreeDesktop trash specification says (every
 * byte but A-Z a-z 0-9 - . _ ~ and '/' as %XX), and its deletion time in
 * local time, YYYY-MM-DDThh:mm:ss. Returns the length, or -1 when it does
 * not fit. */
int gfs_trash_info_text(const char *orig_path, int64_t deleted_at, char *out,
			size_t len);

/* ---- files that live in memory inside info/ ---- */

enum gfs_pending_kind {
	GFS_PENDING_RESERVED,   /* NAME.trashinfo made with O_EXCL */
	GFS_PENDING_TEMP,       /* anything else a tool writes there */
	GFS_PENDING_LEFT,       /* the info of an item that left the trash */
};

struct gfs_pending {
	uint64_t id;                    /* unique for the daemon's life */
	uint32_t uid;                   /* whose trash */
	enum gfs_pending_kind kind;
	char name[256];                 /* its name in info/ */
	int fd;                         /* a memfd holding what was written */
	uint32_t mode, owner, group;
	int64_t created_ns, used_ns;
	struct gfs_pending *next;
};

struct gfs_pending_table {
	pthread_mutex_t lock;
	struct gfs_pending *head;
	uint64_t next_id;
	int64_t changed_ns;             /* when an entry last came or went */
};

void gfs_pending_init(struct gfs_pending_table *t);
void gfs_pending_destroy(struct gfs_pending_table *t);
/* Forget what has not been used for GFS_TRASH_PENDING_NS. */
void gfs_pending_expire(struct gfs_pending_table *t, int64_t now_ns);
/* Add one; its memfd is made here. Returns 0 with *out filled (a copy), or
 * -errno. */
int gfs_pending_add(struct gfs_pending_table *t, uint32_t uid,
		    enum gfs_pending_kind kind, const char *name, uint32_t mode,
		    uint32_t owner, uint32_t group, int64_t now_ns,
		    struct gfs_pending *out);
/* Find by uid and name, or by id; a copy into *out (its fd is the table's:
 * dup it to keep it). Marks it used. */
bool gfs_pending_find(struct gfs_pending_table *t, uint32_t uid,
		      const char *name, int64_t now_ns, struct gfs_pending *out);
bool gfs_pending_by_id(struct gfs_pending_table *t, uint64_t id, int64_t now_ns,
		       struct gfs_pending *out);
/* Drop by id; false when it was not there. */
bool gfs_pending_drop(struct gfs_pending_table *t, uint64_t id);
/* Drop every entry of uid with this name. */
void gfs_pending_drop_name(struct gfs_pending_table *t, uint32_t uid,
			   const char *name);
/* When an entry of any uid last came or went (ns; 0: never), what has
 * expired by now_ns forgotten first: info/ changes its mtime with it, so
 * that the kernel drops a cached listing (design §9). */
int64_t gfs_pending_mtime(struct gfs_pending_table *t, int64_t now_ns);
/* Listing: call fn for each entry of uid (not GFS_PENDING_LEFT, which only
 * resolves by name) with id > after, in id order; fn returns nonzero to
 * stop. */
void gfs_pending_list(struct gfs_pending_table *t, uint32_t uid, uint64_t after,
		      int64_t now_ns,
		      int (*fn)(void *arg, const struct gfs_pending *p), void *arg);

#endif
