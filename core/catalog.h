/*
 * catalog.h — the catalog: every gallery, definition, version and file is
 * one node; free user.* attributes, the two list-valued properties and the
 * trash view's items hang off nodes. This header is the one interface of
 * every backend (design §7): core asks through it and computes every rule's
 * facts itself from plain questions; a backend only stores and fetches.
 * SQLite is the embedded backend (catalog_sqlite.c), the default;
 * PostgreSQL (catalog_pg.c) serves catalogs that several hosts share.
 *
 * What every backend guarantees:
 *  - one transaction per filesystem operation (gfs_txn_begin .. commit or
 *    rollback): its reads see one state, its writes happen whole or not at
 *    all, and a committed one survives the daemon being killed at any
 *    moment (durable: also power loss);
 *  - node ids are never reused, and they grow: a later node has a larger
 *    id (listings go in id order and resume after an id); the root is 0;
 *  - `gallery` and `definition` name a node's ancestors (the gallery and
 *    definition nodes point at themselves) and never change;
 *  - a node is live, soft-deleted or an orphan (deleted for good but still
 *    open, removed at last close or at the next start);
 *  - among live nodes, and among soft-deleted ones, a name is unique in its
 *    parent (-EEXIST otherwise); a version's name is unique whatever its
 *    state (R16), which core enforces;
 *  - a soft-deleted node has deleted_at and purge_at; a live one neither;
 *    queries given now_s leave out soft-deleted nodes past their purge_at;
 *  - every item of the desktop trash view (a soft-deleted version, or a
 *    soft-deleted file of a live version) has one trash row: whose trash it
 *    is in and its name there, unique in that trash; deleting a node drops
 *    its trash row; a file soft-deleted alone loses its row when its
 *    version is soft-deleted (it is then part of the version's item);
 *  - the mtime of a user's trash changes whenever a trash row of it comes
 *    or goes, and an item passing its purgeAt counts as going; so does
 *    that of a .softdeleted mirror (mirror_touch, mirror_mtime);
 *  - the schema is versioned (GFS_SCHEMA_VERSION): a newer one is refused
 *    (-EPROTO), an older one migrated at open.
 */
#ifndef GFS_CATALOG_H
#define GFS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "props.h"

#define GFS_SCHEMA_VERSION 4

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

/* A visit of nodes in id order; return nonzero from fn to stop. */
typedef int (*cat_node_fn)(void *arg, const struct gfs_node *n, int64_t nlink_hint);
typedef int (*cat_id_fn)(void *arg, int64_t id, int64_t size);
typedef int (*cat_xattr_fn)(void *arg, const char *name, const void *value,
			    size_t len);

/* List-valued properties (replicas, sharingAdmins). */
enum cat_text { CAT_REPLICAS, CAT_SHARING_ADMINS };

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
typedef int (*cat_trash_fn)(void *arg, const struct gfs_node *item,
			    const struct cat_trash *e);

/* ---- several daemons on one catalog ---- */
/* A daemon's registration. */
struct cat_daemon {
	int64_t id;
	char host[256];                 /* the host's name, as it gives it */
	int64_t pid;
	char mountpoint[4096];
	bool expired;                   /* its lease has run out */
};
typedef int (*cat_daemon_fn)(void *arg, const struct cat_daemon *d);

/* One row of a node as the change log keeps it before or after a write:
 * what decides where it shows. */
struct cat_row_image {
	bool set;                       /* false: no row (inserted, deleted) */
	int64_t parent;
	enum gfs_state state;
	uint64_t gen, mirror_gen;
	char name[256];
	size_t name_len;
};
/* One logged write of a node: its row before and after. */
struct cat_change {
	int64_t seq, daemon, node;
	enum gfs_type type;
	int64_t gallery, definition;
	struct cat_row_image before, after;
};
typedef int (*cat_change_fn)(void *arg, const struct cat_change *ch);

/* Every backend's catalog and transaction start with these. */
struct cat_backend;
struct gfs_catalog {
	const struct cat_backend *be;
};
struct gfs_txn {
	const struct cat_backend *be;
};

/* Where a catalog is and how to open it. */
struct cat_open_options {
	/* NULL or "sqlite": the embedded catalog, DATA_DIR/catalog.db;
	 * "postgresql": a PostgreSQL database (conninfo) */
	const char *backend;
	const char *data_dir;           /* the embedded backend's home */
	/* postgresql: a libpq connection string, passed to libpq as it is
	 * ("host=/run/pg dbname=galleryfs", "service=gfs", a postgresql://
	 * URI); NULL or "" leaves everything to libpq's PG* environment
	 * variables and service files */
	const char *conninfo;
	bool read_only;                 /* look, never migrate or mark */
};

/*
 * A backend: every operation, as it must behave. Errors are -errno
 * (-ENOENT for a missing row, -EEXIST for a taken name, -EIO, -ENOSPC).
 */
struct cat_backend {
	const char *name;

	/* Open (creating or migrating, unless read-only) the catalog. A
	 * newer schema is refused (-EPROTO, err says so). *was_clean: the
	 * previous run ended with close (the clean-shutdown marker). */
	int (*open)(const struct cat_open_options *o, struct gfs_catalog **out,
		    bool *was_clean, struct gfs_err *err);
	/* Set the clean-shutdown marker (unless kept unclean) and close. */
	void (*close)(struct gfs_catalog *cat);
	/* Leave the marker unset at close: something the catalog should
	 * hold could not be written (a full disk), so the next start checks. */
	void (*keep_unclean)(struct gfs_catalog *cat);
	/* Clear the marker: from now on an unexpected end counts as unclean. */
	int (*mark_running)(struct gfs_catalog *cat, struct gfs_err *err);
	/* The schema version of the catalog as opened. */
	int (*schema_version)(struct gfs_catalog *cat);

	int (*txn_begin)(struct gfs_catalog *cat, bool write, struct gfs_txn **out,
			 struct gfs_err *err);
	/* durable: survive power loss too (fsync). Releases the txn. */
	int (*txn_commit)(struct gfs_txn *t, bool durable, struct gfs_err *err);
	void (*txn_rollback)(struct gfs_txn *t);

	/* ---- nodes ---- */
	int (*node_get)(struct gfs_txn *t, int64_t id, struct gfs_node *out);
	/* Child by name in the given state (live or soft-deleted, not past
	 * purge_at at now_s). */
	int (*child_get)(struct gfs_txn *t, int64_t parent, const char *name,
			 size_t len, enum gfs_state state, int64_t now_s,
			 struct gfs_node *out);
	/* Insert n (its id is set). */
	int (*node_insert)(struct gfs_txn *t, struct gfs_node *n);
	/* Write every field of n back. */
	int (*node_update)(struct gfs_txn *t, const struct gfs_node *n);
	/* Write back only what names and states do not decide (owner, mode,
	 * size, times, generations, properties): parent, name, state and the
	 * deletion times stay as they are. */
	int (*node_update_attrs)(struct gfs_txn *t, const struct gfs_node *n);
	/* Delete n with its attributes and its trash row (touching that
	 * trash). */
	int (*node_delete)(struct gfs_txn *t, int64_t id);

	/* ---- visits, in id order from after (exclusive) ---- */
	/* Children of parent in state. For galleries and definitions
	 * nlink_hint is 2 + their live subdirectories. */
	int (*children)(struct gfs_txn *t, int64_t parent, enum gfs_state state,
			int64_t now_s, int64_t after, cat_node_fn fn, void *arg);
	/* Live definitions of gallery that hold soft-deleted items. */
	int (*softdeleted_definitions)(struct gfs_txn *t, int64_t gallery,
				       int64_t now_s, int64_t after,
				       cat_node_fn fn, void *arg);
	/* Versions shown under .softdeleted/DEF: soft-deleted ones, and live
	 * ones whose shadow holds soft-deleted files. */
	int (*softdeleted_versions)(struct gfs_txn *t, int64_t gallery,
				    int64_t definition, int64_t now_s,
				    int64_t after, cat_node_fn fn, void *arg);
	/* Every child of parent, whatever its state (hard deletes). */
	int (*all_children)(struct gfs_txn *t, int64_t parent, cat_node_fn fn,
			    void *arg);
	/* Versions, live and soft-deleted, of a gallery (definition 0) or of
	 * one definition of it, whatever their purge_at. */
	int (*versions_of)(struct gfs_txn *t, int64_t gallery, int64_t definition,
			   cat_node_fn fn, void *arg);
	/* Soft-deleted nodes with purge_at <= now_s, versions first, then
	 * files directly in a live version's shadow; at most limit. */
	int (*expired)(struct gfs_txn *t, int64_t now_s, int limit, cat_node_fn fn,
		       void *arg);
	/* One purge pass at a time across every daemon sharing the catalog:
	 * 1 when this daemon may run its pass (it holds the claim until
	 * purge_release), 0 when another pass holds it (another daemon's, or
	 * another thread's of this one), -errno (err says) when the catalog
	 * cannot tell. The claim locks no rows: writers run one at a time, so
	 * two passes would still purge each item once; it spares the second
	 * pass its work and its wait. It ends with its daemon: one that dies
	 * mid-pass leaves the claim, and what it had not committed, to the
	 * next. A backend only one daemon opens (SQLite) always answers 1. */
	int (*purge_claim)(struct gfs_catalog *cat, struct gfs_err *err);
	void (*purge_release)(struct gfs_catalog *cat);
	/* Live galleries whose soft delete is on. */
	int (*galleries_on)(struct gfs_txn *t, cat_node_fn fn, void *arg);
	/* Every node, any state, from id after on. */
	int (*nodes)(struct gfs_txn *t, int64_t after, cat_node_fn fn, void *arg);

	/* ---- counts and emptiness ---- */
	int64_t (*count_children)(struct gfs_txn *t, int64_t parent,
				  enum gfs_state state, int64_t now_s);
	/* Anything soft-deleted (not expired) under the gallery, or under one
	 * definition of it (definition 0: anywhere in the gallery). */
	bool (*holds_softdeleted)(struct gfs_txn *t, int64_t gallery,
				  int64_t definition, int64_t now_s);
	int64_t (*count_softdeleted_definitions)(struct gfs_txn *t, int64_t gallery,
						 int64_t now_s);
	int64_t (*count_softdeleted_versions)(struct gfs_txn *t, int64_t gallery,
					      int64_t definition, int64_t now_s);
	/* Bytes of storage the gallery's soft-deleted files hold. */
	int64_t (*softdeleted_bytes)(struct gfs_txn *t, int64_t gallery,
				     int64_t now_s);
	int64_t (*count_nodes)(struct gfs_txn *t);

	/* ---- a version's files at once ---- */
	/* Its soft-deleted files take the version's deletion times; its
	 * live ones become soft-deleted with them. */
	int (*files_set_deleted)(struct gfs_txn *t, int64_t version,
				 int64_t deleted_at, int64_t purge_at, int64_t ctime);
	/* Every soft-deleted file of version becomes live again. */
	int (*files_restore)(struct gfs_txn *t, int64_t version, int64_t ctime);

	/* ---- list-valued properties and free attributes ---- */
	int (*text_get)(struct gfs_txn *t, int64_t id, enum cat_text which,
			char *buf, size_t len);
	int (*text_set)(struct gfs_txn *t, int64_t id, enum cat_text which,
			const char *value);
	/* Free user.* attributes, in the order first set. */
	int (*xattr_get)(struct gfs_txn *t, int64_t node, const char *name,
			 void *buf, size_t size, size_t *len);
	int (*xattr_list)(struct gfs_txn *t, int64_t node, cat_xattr_fn fn, void *arg);
	/* Insert or replace; -EEXIST/-ENODATA per flags (XATTR_CREATE,
	 * XATTR_REPLACE). */
	int (*xattr_set)(struct gfs_txn *t, int64_t node, const char *name,
			 const void *value, size_t len, int flags);
	int (*xattr_remove)(struct gfs_txn *t, int64_t node, const char *name);
	/* Bytes listxattr would need for the free attributes of node. */
	int64_t (*xattr_names_size)(struct gfs_txn *t, int64_t node);

	/* ---- the trash view ---- */
	/* Add an item to e->uid's trash as e->name (-EEXIST: taken). */
	int (*trash_add)(struct gfs_txn *t, const struct cat_trash *e, int64_t now_ns);
	int (*trash_get)(struct gfs_txn *t, int64_t node, struct cat_trash *out);
	/* The item shown as name in uid's trash (not past its purgeAt). */
	int (*trash_find)(struct gfs_txn *t, uint32_t uid, const char *name,
			  size_t len, int64_t now_s, struct gfs_node *item,
			  struct cat_trash *e);
	/* Whether name is held in uid's trash, expired items included. */
	bool (*trash_name_taken)(struct gfs_txn *t, uint32_t uid, const char *name,
				 size_t len);
	/* Take node, or every child of node, out of its trash. */
	int (*trash_remove)(struct gfs_txn *t, int64_t node, int64_t now_ns);
	int (*trash_remove_children)(struct gfs_txn *t, int64_t parent,
				     int64_t now_ns);
	/* Items of uid's trash with node > after, in node order. */
	int (*trash_list)(struct gfs_txn *t, uint32_t uid, int64_t now_s,
			  int64_t after, cat_trash_fn fn, void *arg);
	/* When uid's trash last changed, in ns (see the guarantees). */
	int64_t (*trash_mtime)(struct gfs_txn *t, uint32_t uid, int64_t now_s);

	/* ---- the .softdeleted mirrors (design §9) ---- */
	/* The listing of node's .softdeleted mirror changed (node: a gallery,
	 * for its .softdeleted; a definition, for .softdeleted/DEF; a version,
	 * for its shadow or its soft-deleted self): its mtime becomes now_ns, or
	 * 1 ns past its last value if that is now_ns. Not the later of the two:
	 * after the clock was set back, a touch must not hide the expiries
	 * still to come below a touch made before (the kernel only asks
	 * whether the mtime differs). */
	int (*mirror_touch)(struct gfs_txn *t, int64_t node, int64_t now_ns);
	/* When node's mirror last changed, in ns: the later of its last touch
	 * (0 if never) and, in ns, the latest purge_at at or before now_s of a
	 * soft-deleted node the mirror shows or holds (for a gallery: any
	 * soft-deleted node with that gallery; a definition: with that
	 * definition; a version: a soft-deleted child of it). */
	int64_t (*mirror_mtime)(struct gfs_txn *t, int64_t node, int64_t now_s);

	/* ---- whole-catalog checks (start-up, fsck) ---- */
	/* The backend's own consistency check, quick or thorough (every
	 * page and index; slower); msg says what is wrong. */
	int (*integrity_check)(struct gfs_txn *t, bool thorough, char *msg,
			       size_t len);
	/* Every file node (any state) with its recorded size. */
	int (*files)(struct gfs_txn *t, cat_id_fn fn, void *arg);
	int (*orphans)(struct gfs_txn *t, cat_id_fn fn, void *arg);
	bool (*file_exists)(struct gfs_txn *t, int64_t id);

	/* ---- several daemons on one catalog (issue #15, design §7) ---- */
	/* A backend that only one daemon opens at a time (SQLite: the data
	 * directory's lock keeps it so) answers these -EOPNOTSUPP: nothing to
	 * register, nothing to listen to. Times are the server's, so that the
	 * clocks of hosts (and libfaketime in tests) do not matter. */
	/* Register this daemon with a lease of lease_s seconds; *id is its
	 * registration. Later writes of this catalog are logged as its. */
	int (*daemon_register)(struct gfs_catalog *cat, const struct cat_daemon *d,
			       int lease_s, int64_t *id, struct gfs_err *err);
	/* Extend the lease by lease_s from now, and trim the change log of
	 * what is older than keep_s seconds. -ENOENT: the registration is gone
	 * (another daemon took it for dead): register again. */
	int (*daemon_renew)(struct gfs_catalog *cat, int lease_s, int keep_s,
			    struct gfs_err *err);
	/* Remove this daemon's registration (a clean end). */
	void (*daemon_unregister)(struct gfs_catalog *cat);
	/* Every registration, ours included; d->expired: its lease ran out. */
	int (*daemons)(struct gfs_catalog *cat, cat_daemon_fn fn, void *arg);
	/* Remove the registration id (a daemon found gone). */
	int (*daemon_remove)(struct gfs_catalog *cat, int64_t id);
	/* Open (or reopen) the connection that hears of other daemons' commits:
	 * a descriptor to poll for reading. *last: the change log's newest
	 * sequence now, for a first open. */
	int (*listen_open)(struct gfs_catalog *cat, int *fd, int64_t *last,
			   struct gfs_err *err);
	/* After the descriptor polled readable: take what arrived. 0, or -EIO
	 * when the connection is lost (listen_open again). */
	int (*listen_drain)(struct gfs_catalog *cat);
	void (*listen_close)(struct gfs_catalog *cat);
	/* The change log after seq after, in order, every daemon's (d->daemon
	 * tells whose); *last: the last sequence visited. -ESTALE: entries
	 * after `after` were trimmed already (*last is then the newest). */
	int (*changes_since)(struct gfs_catalog *cat, int64_t after,
			     cat_change_fn fn, void *arg, int64_t *last);

	/* ---- files open on several daemons: deferred removal ---- */
	/* A file deleted for good while some daemon holds it open stays an
	 * orphan row, its object kept, until the last holder closes it; a
	 * daemon that is gone (daemon_remove) holds nothing any more. Only
	 * for a registered daemon; SQLite answers -EOPNOTSUPP (one daemon: its
	 * open table knows). */
	/* This daemon holds file node open (its first open here); -ENOENT when
	 * the row is gone already. */
	int (*holder_add)(struct gfs_txn *t, int64_t node);
	/* This daemon's last close of node. */
	int (*holder_remove)(struct gfs_txn *t, int64_t node);
	/* How many daemons hold node open, this one included (-errno). */
	int64_t (*holders)(struct gfs_txn *t, int64_t node);
	/* Orphan rows no daemon holds open any more. */
	int (*orphans_unheld)(struct gfs_txn *t, cat_id_fn fn, void *arg);
};

extern const struct cat_backend gfs_catalog_sqlite;
extern const struct cat_backend gfs_catalog_pg;

/* ---- opening: the backend is chosen here ---- */
/* The backend named name (NULL: the default, SQLite), or NULL when galleryfs
 * has none of that name: what a configuration check asks. */
const struct cat_backend *gfs_catalog_backend(const char *name);
/* Open the catalog o describes (o->backend chooses; see cat_open_options),
 * creating or migrating it unless o->read_only. On failure nothing is
 * created and err says what went wrong and what to do, naming the catalog
 * (for PostgreSQL its conninfo, without any password): an unknown backend
 * -EINVAL, a server that cannot be reached or refuses the role -EIO or
 * -EACCES, a role that may not create the schema -EACCES, a newer schema
 * -EPROTO. */
int gfs_catalog_open_with(const struct cat_open_options *o,
			  struct gfs_catalog **out, bool *was_clean,
			  struct gfs_err *err);
/* The embedded catalog of data_dir (gfs_catalog_open_with, SQLite). */
int gfs_catalog_open(const char *data_dir, struct gfs_catalog **out,
		     bool *was_clean, struct gfs_err *err);
/* Open only to look (gfs-cat): nothing migrated, marked or written, and
 * whatever its schema; the caller compares gfs_catalog_schema_version with
 * GFS_SCHEMA_VERSION before it reads rows. was_clean may be NULL. */
int gfs_catalog_open_readonly(const char *data_dir, struct gfs_catalog **out,
			      bool *was_clean, struct gfs_err *err);
static inline void gfs_catalog_close(struct gfs_catalog *cat)
{ if (cat) cat->be->close(cat); }
static inline void gfs_catalog_keep_unclean(struct gfs_catalog *cat)
{ cat->be->keep_unclean(cat); }
static inline int gfs_catalog_mark_running(struct gfs_catalog *cat, struct gfs_err *err)
{ return cat->be->mark_running(cat, err); }
static inline int gfs_catalog_schema_version(struct gfs_catalog *cat)
{ return cat->be->schema_version(cat); }
static inline int gfs_catalog_purge_claim(struct gfs_catalog *cat, struct gfs_err *err)
{ return cat->be->purge_claim(cat, err); }
static inline void gfs_catalog_purge_release(struct gfs_catalog *cat)
{ cat->be->purge_release(cat); }
static inline int gfs_txn_begin(struct gfs_catalog *cat, bool write,
				struct gfs_txn **out, struct gfs_err *err)
{ return cat->be->txn_begin(cat, write, out, err); }
static inline int gfs_txn_commit(struct gfs_txn *t, bool durable, struct gfs_err *err)
{ return t->be->txn_commit(t, durable, err); }
static inline void gfs_txn_rollback(struct gfs_txn *t)
{ t->be->txn_rollback(t); }

/* ---- every operation, as core calls it (see struct cat_backend) ---- */
#define CAT_CALL(op, ...) (t->be->op(t, __VA_ARGS__))
static inline int cat_node_get(struct gfs_txn *t, int64_t id, struct gfs_node *out)
{ return CAT_CALL(node_get, id, out); }
static inline int cat_child_get(struct gfs_txn *t, int64_t parent, const char *name,
				size_t len, enum gfs_state state, int64_t now_s,
				struct gfs_node *out)
{ return CAT_CALL(child_get, parent, name, len, state, now_s, out); }
static inline int cat_node_insert(struct gfs_txn *t, struct gfs_node *n)
{ return CAT_CALL(node_insert, n); }
static inline int cat_node_update(struct gfs_txn *t, const struct gfs_node *n)
{ return CAT_CALL(node_update, n); }
static inline int cat_node_update_attrs(struct gfs_txn *t, const struct gfs_node *n)
{ return CAT_CALL(node_update_attrs, n); }
static inline int cat_node_delete(struct gfs_txn *t, int64_t id)
{ return CAT_CALL(node_delete, id); }
static inline int cat_children(struct gfs_txn *t, int64_t parent, enum gfs_state state,
			       int64_t now_s, int64_t after, cat_node_fn fn, void *arg)
{ return CAT_CALL(children, parent, state, now_s, after, fn, arg); }
static inline int cat_softdeleted_definitions(struct gfs_txn *t, int64_t gallery,
					      int64_t now_s, int64_t after,
					      cat_node_fn fn, void *arg)
{ return CAT_CALL(softdeleted_definitions, gallery, now_s, after, fn, arg); }
static inline int cat_softdeleted_versions(struct gfs_txn *t, int64_t gallery,
					   int64_t definition, int64_t now_s,
					   int64_t after, cat_node_fn fn, void *arg)
{ return CAT_CALL(softdeleted_versions, gallery, definition, now_s, after, fn, arg); }
static inline int cat_all_children(struct gfs_txn *t, int64_t parent, cat_node_fn fn,
				   void *arg)
{ return CAT_CALL(all_children, parent, fn, arg); }
static inline int cat_versions_of(struct gfs_txn *t, int64_t gallery,
				  int64_t definition, cat_node_fn fn, void *arg)
{ return CAT_CALL(versions_of, gallery, definition, fn, arg); }
static inline int cat_expired(struct gfs_txn *t, int64_t now_s, int limit,
			      cat_node_fn fn, void *arg)
{ return CAT_CALL(expired, now_s, limit, fn, arg); }
static inline int cat_galleries_on(struct gfs_txn *t, cat_node_fn fn, void *arg)
{ return CAT_CALL(galleries_on, fn, arg); }
static inline int cat_nodes(struct gfs_txn *t, int64_t after, cat_node_fn fn, void *arg)
{ return CAT_CALL(nodes, after, fn, arg); }
static inline int64_t cat_count_children(struct gfs_txn *t, int64_t parent,
					 enum gfs_state state, int64_t now_s)
{ return CAT_CALL(count_children, parent, state, now_s); }
static inline bool cat_holds_softdeleted(struct gfs_txn *t, int64_t gallery,
					 int64_t definition, int64_t now_s)
{ return CAT_CALL(holds_softdeleted, gallery, definition, now_s); }
static inline int64_t cat_count_softdeleted_definitions(struct gfs_txn *t,
							int64_t gallery, int64_t now_s)
{ return CAT_CALL(count_softdeleted_definitions, gallery, now_s); }
static inline int64_t cat_count_softdeleted_versions(struct gfs_txn *t, int64_t gallery,
						     int64_t definition, int64_t now_s)
{ return CAT_CALL(count_softdeleted_versions, gallery, definition, now_s); }
static inline int64_t cat_softdeleted_bytes(struct gfs_txn *t, int64_t gallery,
					    int64_t now_s)
{ return CAT_CALL(softdeleted_bytes, gallery, now_s); }
static inline int64_t cat_count_nodes(struct gfs_txn *t)
{ return t->be->count_nodes(t); }
static inline int cat_files_set_deleted(struct gfs_txn *t, int64_t version,
					int64_t deleted_at, int64_t purge_at,
					int64_t ctime)
{ return CAT_CALL(files_set_deleted, version, deleted_at, purge_at, ctime); }
static inline int cat_files_restore(struct gfs_txn *t, int64_t version, int64_t ctime)
{ return CAT_CALL(files_restore, version, ctime); }
static inline int cat_text_get(struct gfs_txn *t, int64_t id, enum cat_text which,
			       char *buf, size_t len)
{ return CAT_CALL(text_get, id, which, buf, len); }
static inline int cat_text_set(struct gfs_txn *t, int64_t id, enum cat_text which,
			       const char *value)
{ return CAT_CALL(text_set, id, which, value); }
static inline int cat_xattr_get(struct gfs_txn *t, int64_t node, const char *name,
				void *buf, size_t size, size_t *len)
{ return CAT_CALL(xattr_get, node, name, buf, size, len); }
static inline int cat_xattr_list(struct gfs_txn *t, int64_t node, cat_xattr_fn fn,
				 void *arg)
{ return CAT_CALL(xattr_list, node, fn, arg); }
static inline int cat_xattr_set(struct gfs_txn *t, int64_t node, const char *name,
				const void *value, size_t len, int flags)
{ return CAT_CALL(xattr_set, node, name, value, len, flags); }
static inline int cat_xattr_remove(struct gfs_txn *t, int64_t node, const char *name)
{ return CAT_CALL(xattr_remove, node, name); }
static inline int64_t cat_xattr_names_size(struct gfs_txn *t, int64_t node)
{ return CAT_CALL(xattr_names_size, node); }
static inline int cat_trash_add(struct gfs_txn *t, const struct cat_trash *e,
				int64_t now_ns)
{ return CAT_CALL(trash_add, e, now_ns); }
static inline int cat_trash_get(struct gfs_txn *t, int64_t node, struct cat_trash *out)
{ return CAT_CALL(trash_get, node, out); }
static inline int cat_trash_find(struct gfs_txn *t, uint32_t uid, const char *name,
				 size_t len, int64_t now_s, struct gfs_node *item,
				 struct cat_trash *e)
{ return CAT_CALL(trash_find, uid, name, len, now_s, item, e); }
static inline bool cat_trash_name_taken(struct gfs_txn *t, uint32_t uid,
					const char *name, size_t len)
{ return CAT_CALL(trash_name_taken, uid, name, len); }
static inline int cat_trash_remove(struct gfs_txn *t, int64_t node, int64_t now_ns)
{ return CAT_CALL(trash_remove, node, now_ns); }
static inline int cat_trash_remove_children(struct gfs_txn *t, int64_t parent,
					    int64_t now_ns)
{ return CAT_CALL(trash_remove_children, parent, now_ns); }
static inline int cat_trash_list(struct gfs_txn *t, uint32_t uid, int64_t now_s,
				 int64_t after, cat_trash_fn fn, void *arg)
{ return CAT_CALL(trash_list, uid, now_s, after, fn, arg); }
static inline int64_t cat_trash_mtime(struct gfs_txn *t, uint32_t uid, int64_t now_s)
{ return CAT_CALL(trash_mtime, uid, now_s); }
static inline int cat_mirror_touch(struct gfs_txn *t, int64_t node, int64_t now_ns)
{ return CAT_CALL(mirror_touch, node, now_ns); }
static inline int64_t cat_mirror_mtime(struct gfs_txn *t, int64_t node, int64_t now_s)
{ return CAT_CALL(mirror_mtime, node, now_s); }
static inline int cat_integrity_check(struct gfs_txn *t, bool thorough,
				      char *msg, size_t len)
{ return CAT_CALL(integrity_check, thorough, msg, len); }
static inline int cat_files(struct gfs_txn *t, cat_id_fn fn, void *arg)
{ return CAT_CALL(files, fn, arg); }
static inline int cat_orphans(struct gfs_txn *t, cat_id_fn fn, void *arg)
{ return CAT_CALL(orphans, fn, arg); }
static inline bool cat_file_exists(struct gfs_txn *t, int64_t id)
{ return CAT_CALL(file_exists, id); }
static inline int cat_holder_add(struct gfs_txn *t, int64_t node)
{ return CAT_CALL(holder_add, node); }
static inline int cat_holder_remove(struct gfs_txn *t, int64_t node)
{ return CAT_CALL(holder_remove, node); }
static inline int64_t cat_holders(struct gfs_txn *t, int64_t node)
{ return CAT_CALL(holders, node); }
static inline int cat_orphans_unheld(struct gfs_txn *t, cat_id_fn fn, void *arg)
{ return CAT_CALL(orphans_unheld, fn, arg); }
#undef CAT_CALL

#endif
