/*
 * catalog.h — the SQLite catalog: every gallery, definition, version and
 * file is one row of `node`; free user.* attributes are rows of `xattr`.
 *
 * Invariants kept here:
 *  - row ids come from AUTOINCREMENT and are never reused; the root is row 0;
 *  - `gallery` and `definition` name the row's ancestors (the gallery and
 *    definition rows point at themselves) and never change;
 *  - a row is live (state 0), soft-deleted (1) or an orphan (2: deleted for
 *    good but still open, removed at last close or at the next start);
 *  - among live rows, and among soft-deleted rows, a name is unique in its
 *    parent; a version's name is unique whatever its state (R16), which the
 *    tree enforces;
 *  - a soft-deleted row has deleted_at and purge_at; a live row has neither;
 *  - every item of the desktop trash view (a soft-deleted version, or a
 *    soft-deleted file of a live version) has one row of `trash`: whose
 *    trash it is in and its name there, unique in that trash; no other row
 *    has one (a file soft-deleted alone loses its row when its version is
 *    soft-deleted: it is then part of the version's item);
 *  - the mtime of a user's trash changes whenever a row of that trash comes
 *    or goes, and an item passing its purgeAt counts as going.
 *
 * Every public operation runs inside one transaction (struct gfs_txn), on
 * the one connection of the catalog, which holds the database in exclusive
 * locking mode while the daemon runs.
 */
#ifndef GFS_CATALOG_H
#define GFS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "props.h"

#define GFS_SCHEMA_VERSION 2

enum gfs_type {
	GFS_ROOT = 0,
	GFS_GALLERY = 1,
	GFS_DEFINITION = 2,
	GFS_VERSION = 3,
	GFS_FILE = 4,
};

enum gfs_state {
	GFS_LIVE = 0,
	GFS_SOFT_DELETED = 1,
	GFS_ORPHAN = 2,
};

/* One catalog row, minus the two list-valued properties (replicas,
 * sharingAdmins), which are read and written on their own. */
struct gfs_node {
	int64_t id, parent, gallery, definition;
	enum gfs_type type;
	enum gfs_state state;
	char name[256];
	size_t name_len;
	uint32_t mode, uid, gid;
	int64_t size, blocks;
	int64_t atime, mtime, ctime;      /* nanoseconds since the epoch */
	uint64_t gen, mirror_gen;         /* kernel generations (design §9) */
	int64_t deleted_at, purge_at;     /* seconds; 0 when live */
	/* properties (meaningful on the types they apply to) */
	char location[GFS_LOCATION_MAX + 1];
	enum gfs_kind kind;
	enum gfs_sharing sharing;
	bool soft_delete;
	enum gfs_provisioning prov;
	bool vmss_flex;
};

struct gfs_catalog;
struct gfs_txn;

/* Open (creating or migrating) DATA_DIR/catalog.db. A catalog written by a
 * newer galleryfs is refused. *was_clean tells whether the previous run
 * ended with gfs_catalog_close (the clean-shutdown marker). */
int gfs_catalog_open(const char *data_dir, struct gfs_catalog **out,
		     bool *was_clean, struct gfs_err *err);
/* Set the clean-shutdown marker and close every connection. */
void gfs_catalog_close(struct gfs_catalog *cat);
/* Leave the marker unset at close: something the catalog should hold
 * could not be written (a full disk), so the next start checks. */
void gfs_catalog_keep_unclean(struct gfs_catalog *cat);
/* Clear the marker: from now on an unexpected end counts as unclean. */
int gfs_catalog_mark_running(struct gfs_catalog *cat, struct gfs_err *err);

int gfs_txn_begin(struct gfs_catalog *cat, bool write, struct gfs_txn **out,
		  struct gfs_err *err);
/* durable: also sync the WAL (fsync/fsyncdir). Releases the transaction. */
int gfs_txn_commit(struct gfs_txn *txn, bool durable, struct gfs_err *err);
void gfs_txn_rollback(struct gfs_txn *txn);

/* ---- rows ---- */
int cat_node_get(struct gfs_txn *t, int64_t id, struct gfs_node *out);
/* Child by name in the given state (live or soft-deleted, not expired at
 * now_s). -ENOENT when absent. */
int cat_child_get(struct gfs_txn *t, int64_t parent, const char *name,
		  size_t len, enum gfs_state state, int64_t now_s,
		  struct gfs_node *out);
/* Insert n (its id is set). */
int cat_node_insert(struct gfs_txn *t, struct gfs_node *n);
/* Write every column of n back to its row. */
int cat_node_update(struct gfs_txn *t, const struct gfs_node *n);
/* Write back only what no index holds (owner, mode, size, times,
 * generations, properties): cheaper, and the WAL gets fewer pages. Use it
 * whenever parent, name, state and the deletion times stay as they are. */
int cat_node_update_attrs(struct gfs_txn *t, const struct gfs_node *n);
int cat_node_delete(struct gfs_txn *t, int64_t id);

/* Visit rows in id order with id > after. Return nonzero from fn to stop. */
typedef int (*cat_node_fn)(void *arg, const struct gfs_node *n, int64_t nlink_hint);
/* Children of parent in state (soft-deleted: not expired at now_s). For
 * gallery and definition rows nlink_hint is 2 + their live subdirectories. */
int cat_children(struct gfs_txn *t, int64_t parent, enum gfs_state state,
		 int64_t now_s, int64_t after, cat_node_fn fn, void *arg);
/* Live definitions of gallery that hold soft-deleted items. */
int cat_softdeleted_definitions(struct gfs_txn *t, int64_t gallery,
				int64_t now_s, int64_t after, cat_node_fn fn,
				void *arg);
/* Versions of definition shown under .softdeleted/DEF: soft-deleted ones,
 * and live ones whose shadow holds soft-deleted files. */
int cat_softdeleted_versions(struct gfs_txn *t, int64_t gallery,
			     int64_t definition, int64_t now_s, int64_t after,
			     cat_node_fn fn, void *arg);

/* Counts and emptiness. */
int64_t cat_count_children(struct gfs_txn *t, int64_t parent,
			   enum gfs_state state, int64_t now_s);
/* Whether anything soft-deleted (not expired) exists under the gallery, or
 * under one definition of it (definition 0: anywhere in the gallery). */
bool cat_holds_softdeleted(struct gfs_txn *t, int64_t gallery,
			   int64_t definition, int64_t now_s);
int64_t cat_count_softdeleted_definitions(struct gfs_txn *t, int64_t gallery,
					  int64_t now_s);
/* Bytes of storage held by the gallery's soft-deleted files. */
int64_t cat_softdeleted_bytes(struct gfs_txn *t, int64_t gallery, int64_t now_s);
int64_t cat_count_softdeleted_versions(struct gfs_txn *t, int64_t gallery,
				       int64_t definition, int64_t now_s);

/* Bulk state changes of a version's files. */
/* Soft-deleted files of version: take the version's deletion times. */
int cat_files_set_deleted(struct gfs_txn *t, int64_t version,
			  int64_t deleted_at, int64_t purge_at, int64_t ctime);
/* Every soft-deleted file of version becomes live again. */
int cat_files_restore(struct gfs_txn *t, int64_t version, int64_t ctime);

/* Visit every row of a given parent whatever its state (for hard deletes). */
int cat_all_children(struct gfs_txn *t, int64_t parent, cat_node_fn fn, void *arg);

/* Soft-deleted rows whose purge_at <= now_s, versions first then files
 * directly in a live version's shadow; at most limit rows. */
int cat_expired(struct gfs_txn *t, int64_t now_s, int limit, cat_node_fn fn,
		void *arg);

/* Gallery-wide facts for the policy. */
/* Locations: a definition or version whose own is NULL follows its
 * parent's; these queries compare effective locations. */
/* A version (live or soft-deleted) whose location differs from its
 * definition's or the gallery's; its path is written to where. */
bool cat_location_mismatch(struct gfs_txn *t, int64_t gallery, char *where,
			   size_t wlen);
/* A version of the gallery with usedByVmssFlex=true; path to where. */
bool cat_vmss_flex_in_use(struct gfs_txn *t, int64_t gallery, char *where,
			  size_t wlen);
/* R6 while on: a version that would differ from its definition or gallery
 * once the gallery (or the definition) moved to loc; path to where. */
bool cat_gallery_move_conflict(struct gfs_txn *t, int64_t gallery,
			       const char *loc, char *where, size_t wlen);
bool cat_definition_move_conflict(struct gfs_txn *t, int64_t definition,
				  const char *loc, char *where, size_t wlen);
/* Live galleries whose soft delete is on (for the start-up warning). */
int cat_galleries_on(struct gfs_txn *t, cat_node_fn fn, void *arg);

/* List-valued properties (replicas, sharingAdmins). */
enum cat_text { CAT_REPLICAS, CAT_SHARING_ADMINS };
int cat_text_get(struct gfs_txn *t, int64_t id, enum cat_text which, char *buf,
		 size_t len);
int cat_text_set(struct gfs_txn *t, int64_t id, enum cat_text which,
		 const char *value);

/* Free user.* attributes, in the order first set. */
typedef int (*cat_xattr_fn)(void *arg, const char *name, const void *value,
			    size_t len);
int cat_xattr_get(struct gfs_txn *t, int64_t node, const char *name,
		  void *buf, size_t size, size_t *len);
int cat_xattr_list(struct gfs_txn *t, int64_t node, cat_xattr_fn fn, void *arg);
/* Insert or replace; -EEXIST/-ENODATA per flags (XATTR_CREATE/REPLACE). */
int cat_xattr_set(struct gfs_txn *t, int64_t node, const char *name,
		  const void *value, size_t len, int flags);
int cat_xattr_remove(struct gfs_txn *t, int64_t node, const char *name);
/* Bytes listxattr would need for the free attributes of node. */
int64_t cat_xattr_names_size(struct gfs_txn *t, int64_t node);

/* ---- the desktop trash view (design §10) ---- */
/* An item's place in a trash. trash_view_owns: the trash view of a
 * soft-deleted version holds the generation its live self had (it was
 * renamed into the trash, so the kernel moved its inode there); otherwise
 * the .softdeleted view does. */
struct cat_trash {
	int64_t node;
	uint32_t uid;
	char name[256];
	size_t name_len;
	bool trash_view_owns;
};
/* Add node to uid's trash under name; -EEXIST when the name is taken
 * there. */
int cat_trash_add(struct gfs_txn *t, const struct cat_trash *e, int64_t now_ns);
int cat_trash_get(struct gfs_txn *t, int64_t node, struct cat_trash *out);
/* The item shown as name in uid's trash (not past its purgeAt). */
int cat_trash_find(struct gfs_txn *t, uint32_t uid, const char *name,
		   size_t len, int64_t now_s, struct gfs_node *item,
		   struct cat_trash *e);
/* Whether name is held in uid's trash, expired items included. */
bool cat_trash_name_taken(struct gfs_txn *t, uint32_t uid, const char *name,
			  size_t len);
/* Take node, or every child of node, out of its trash. */
int cat_trash_remove(struct gfs_txn *t, int64_t node, int64_t now_ns);
int cat_trash_remove_children(struct gfs_txn *t, int64_t parent, int64_t now_ns);
/* Items of uid's trash with node > after, in node order. */
typedef int (*cat_trash_fn)(void *arg, const struct gfs_node *item,
			    const struct cat_trash *e);
int cat_trash_list(struct gfs_txn *t, uint32_t uid, int64_t now_s, int64_t after,
		   cat_trash_fn fn, void *arg);
/* The time uid's trash last changed, in ns (see the invariants). */
int64_t cat_trash_mtime(struct gfs_txn *t, uint32_t uid, int64_t now_s);

/* Whole-catalog checks (start-up, fsck). */
int cat_integrity_check(struct gfs_txn *t, char *msg, size_t len);
typedef int (*cat_id_fn)(void *arg, int64_t id, int64_t size);
/* Every file row (any state) with its recorded size. */
int cat_files(struct gfs_txn *t, cat_id_fn fn, void *arg);
int cat_orphans(struct gfs_txn *t, cat_id_fn fn, void *arg);
bool cat_file_exists(struct gfs_txn *t, int64_t id);
int64_t cat_count_nodes(struct gfs_txn *t);

#endif
