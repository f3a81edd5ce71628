/*
 * core.h — what the core's own files share: the context struct, the view
 * of a node (where it shows in the tree), the per-operation state, and the
 * helpers every operation uses. Not for fs/.
 */
#ifndef GFS_CORE_H
#define GFS_CORE_H

#include <limits.h>
#include <pthread.h>

#include "catalog.h"
#include "clock.h"
#include "facts.h"
#include "galleryfs.h"
#include "open_table.h"
#include "policy.h"
#include "store.h"
#include "trash.h"


/* This daemon among the others on one catalog (hosts.c); only the hosts
 * thread touches it after the start. */
struct hosts {
	bool shared;                    /* registered: PostgreSQL */
	int64_t id;                     /* the registration */
	char mountpoint[PATH_MAX];
	int fd;                         /* the listener's socket, or -1 */
	int64_t last;                   /* the last change applied */
	/* applied changes to invalidate again (again_from, again_until],
	 * at again_ms; again_from -1: none */
	int64_t again_from, again_until, again_ms;
	int64_t renewed_ms;             /* monotonic, of the last renewal */
	bool told;                      /* a lost listener was logged */
};

struct gfs_core {
	const struct gfs_config *cfg;
	char data_dir[PATH_MAX];
	int lock_fd;
	struct gfs_catalog *cat;
	struct gfs_store store;
	struct open_table open;
	gfs_inval_fn inval;
	void *inval_arg;
	int reserve_fd;                 /* DATA_DIR/reserve, or -1 */
	struct gfs_pending_table pending;       /* in-memory files of info/ */
	struct hosts hosts;             /* with PostgreSQL (hosts.c) */
};

/* A node as the kernel sees it: a row and the place it shows at. For the
 * synthetic mirrors (SD_ROOT, SD_DEFINITION, SHADOW) n is the mirrored
 * gallery, definition or version; for a trash's own directories
 * (TRASH, TRASH_FILES, TRASH_INFO, TRASH_EXPUNGED) the root; for an info
 * file, the item it describes. */
struct view {
	enum gfs_place place;
	struct gfs_node n;
	/* soft-deleted versions and the trash view (design §10) */
	uint32_t uid;                   /* the trash (trash places) */
	bool in_trash;                  /* n has a trash row: e below */
	struct cat_trash e;
	struct gfs_pending pending;     /* TRASH_PENDING */
};

/* Work to do once the transaction has committed. */
struct inval {
	uint64_t parent;
	uint64_t ino;
	char name[256];
};

struct op {
	struct gfs_core *c;
	struct gfs_txn *t;
	struct gfs_err *err;
	uint32_t actor;                 /* the caller's uid, for the trash */
	const char *trash_name;         /* a move into files/: the name asked */
	int64_t now_ns, now_s;
	int64_t *dead_objects;          /* objects to remove after commit */
	size_t ndead, capdead;
	struct inval *invals;           /* kernel notifications after commit */
	size_t ninval, capinval;
	/* the in-memory files of info/ (design §10), after commit: */
	struct trash_note {
		bool set;
		uint32_t uid;
		char name[256];
	} trash_left,                   /* an item left through files/: its
					   info must still be there to remove */
	  trash_entered;                /* an item came in: its reservation
					   has served */
	/* the .softdeleted mirrors this op has touched already (design §9) */
	int64_t mirrors[4];
	size_t nmirrors;
};

/* op.c: begin, finish (commit + after-commit work) */
int op_begin(struct op *op, struct gfs_core *c, bool write, struct gfs_err *err);
int op_commit(struct op *op, bool durable);
void op_abort(struct op *op);
/* Fail the op with a catalog error r (< 0), keeping a message. */
int op_fail(struct op *op, int r, const char *what);
void op_dead_object(struct op *op, int64_t id);
void op_inval(struct op *op, uint64_t parent, const char *name, uint64_t ino);
void op_trash_note(struct trash_note *note, uint32_t uid, const char *name);
/* parent's mtime and ctime: now (its entries changed) */
int touch_dir(struct op *op, int64_t id);
/* n (a file or a version) comes into, leaves or changes in the .softdeleted
 * tree: every mirror that lists it (its gallery's .softdeleted, its
 * definition's .softdeleted/DEF, its version's shadow or soft-deleted self)
 * changes its mtime, so that the kernel drops what it cached of them
 * (design §9). */
int mirrors_touch(struct op *op, const struct gfs_node *n);

/* view.c: inode numbers and views */
uint64_t view_ino(const struct view *v);
uint64_t view_nodeid(const struct view *v);
/* The node id of row id (its mirror when mirror is set) at generation gen. */
uint64_t nodeid_of(int64_t id, bool mirror, uint64_t gen);
/* The node id a soft-deleted version has in its other view (.softdeleted
 * or its trash), from the one of nodeid. */
uint64_t nodeid_other_view(uint64_t nodeid);
/* The node id of the directory under .softdeleted that shows the
 * soft-deleted children of row up: .softdeleted/DEF for a definition's
 * versions; for a version's files its shadow while the version is live,
 * else the soft-deleted version itself. */
uint64_t sd_home_nodeid(const struct gfs_node *up);
uint64_t view_gen(const struct view *v);
/* The node id of one of a uid's trash directories (TRASH, TRASH_FILES,
 * TRASH_INFO, TRASH_EXPUNGED). */
uint64_t trash_dir_nodeid(uint32_t uid, enum gfs_place dir);
/* The .trashinfo text of a trash item's view; its length or -1. */
int view_info_text(struct op *op, const struct view *item, char *buf, size_t len);
int view_of_ino(struct op *op, uint64_t ino, struct view *out);
int view_child(struct op *op, const struct view *parent, const char *name,
	       struct view *out);
/* Attributes as reported; nlink_hint > 0 spares a count. */
void view_attr(struct op *op, const struct view *v, int64_t nlink_hint,
	       struct gfs_attr *out);
/* The policy's picture of a view: place, path, lineage facts. */
int view_where(struct op *op, const struct view *v, struct gfs_where *w);
/* Where a child named name of parent would be (for messages). */
void view_child_path(const struct gfs_where *parent, const char *name,
		     char *buf, size_t len);

/* remove.c: the lifecycle's moves, shared by unlink, rmdir, rename, purge */
int file_delete_for_good(struct op *op, struct gfs_node *f);
int version_delete_for_good(struct op *op, struct gfs_node *v);
int definition_delete_softdeleted(struct op *op, struct gfs_node *d);
int file_soft_delete(struct op *op, struct gfs_node *f, const struct gfs_where *w);
enum soft_delete_how {
	SOFT_DELETE_BY_RMDIR,           /* rm -r, rmdir */
	SOFT_DELETE_ONTO_SHADOW,        /* mv V .softdeleted/DEF/ */
	SOFT_DELETE_INTO_TRASH,         /* mv V .Trash-UID/files/NAME */
};
int version_soft_delete(struct op *op, struct gfs_node *v, enum soft_delete_how how);
/* kernel_gen: the generation of the view it is renamed out of, which the
 * kernel keeps for the live version */
int version_restore(struct op *op, struct gfs_node *v, uint64_t kernel_gen);
int file_restore(struct op *op, struct gfs_node *f);

/* handles.c */
/* Drop one reference on an open file (the last close records or, for an
 * orphan, removes the row). */
void gfs_release_entry(struct gfs_core *c, struct open_file *f);
/* Release every handle the kernel did not (unmount). */
void gfs_release_all(struct gfs_core *c);
/* A handle on a file just created, taking over its object descriptor; on
 * a shared catalog its creation recorded it as held here (holders.c). */
int handle_adopt(struct gfs_core *c, int64_t id, int fd, int flags,
		 const struct gfs_attr *a, struct gfs_handle **h,
		 struct gfs_err *err);

/* setattr.c: the mode a file keeps when its set-user-ID and set-group-ID
 * bits are to go (GFS_SET_KILL_SUIDGID), as the VFS decides. */
uint32_t mode_without_suidgid(uint32_t mode);

/* reserve.c: space held aside so that removals work on a full disk */
void reserve_take(struct gfs_core *c);
bool reserve_release(struct gfs_core *c);
/* hosts.c: register this daemon (PostgreSQL), removing the registrations
 * of daemons that are gone; *others: how many others are live, *gone: how
 * many ended without unregistering (an unclean end). */
int hosts_register(struct gfs_core *c, const char *mountpoint, int *others,
		   int *gone, struct gfs_err *err);
void hosts_unregister(struct gfs_core *c);
/* holders.c: files open here, as a shared catalog records them (no-ops
 * on SQLite). holder_opened after a reference on f was taken (the first
 * records it; -ENOENT: deleted for good meanwhile, elsewhere);
 * holder_closed at its last close (an orphan no one holds goes with its
 * object); holders_sweep after gone daemons' registrations went. */
int holder_opened(struct gfs_core *c, struct open_file *f, struct gfs_err *err);
void holder_closed(struct gfs_core *c, int64_t id);
void holders_sweep(struct gfs_core *c);
/* After registering anew (the old registration, and its holder rows, were
 * taken for gone): the files held open here recorded again. */
void holders_record_again(struct gfs_core *c);

/* startup.c: release whatever of the core was opened */
void gfs_core_close_partial(struct gfs_core *c);

/* Ask the policy engine; on refusal err is filled and -errno returned. */
int policy_ask(struct op *op, struct gfs_request *r);

#endif
