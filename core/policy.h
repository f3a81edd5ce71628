/*
 * policy.h — the policy engine: every limitation of the soft-delete
 * documentation as a rule with an id, a check, an errno and a reason that
 * names the remedy (design §5).
 *
 * The engine is pure: the tree gathers the facts a request needs into a
 * struct gfs_request (from the catalog, the configuration and the caller's
 * roles) and asks gfs_policy_check(), which runs the rule table in the
 * order of design §5 and answers with the first refusal. The same facts
 * decide what a permitted removal does (gfs_policy_removal: rules R2, R11)
 * and how a soft-deleted version's replicas read (R17).
 */
#ifndef GFS_POLICY_H
#define GFS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"
#include "err.h"
#include "props.h"

/* Where a node shows in the tree. The live places come first, in tree
 * order: a live place's children are at the next one. */
enum gfs_place {
	GFS_AT_ROOT,
	GFS_AT_GALLERY,
	GFS_AT_DEFINITION,
	GFS_AT_VERSION,
	GFS_AT_FILE,
	GFS_AT_SD_ROOT,         /* GALLERY/.softdeleted */
	GFS_AT_SD_DEFINITION,   /* GALLERY/.softdeleted/DEF */
	GFS_AT_SHADOW,          /* .softdeleted/DEF/V of a live version V */
	GFS_AT_SD_VERSION,      /* a soft-deleted version */
	GFS_AT_SD_FILE,         /* a soft-deleted file (also in a trash) */
	/* the desktop trash view (design §10), a second view of the same */
	GFS_AT_TRASH,           /* MOUNT/.Trash-UID */
	GFS_AT_TRASH_FILES,     /* .Trash-UID/files */
	GFS_AT_TRASH_INFO,      /* .Trash-UID/info */
	GFS_AT_TRASH_EXPUNGED,  /* .Trash-UID/expunged */
	GFS_AT_TRASH_VERSION,   /* a soft-deleted version in files/ */
	GFS_AT_TRASH_INFO_FILE, /* info/NAME.trashinfo of an item */
	GFS_AT_TRASH_PENDING,   /* a file of info/ that lives in memory */
	GFS_AT_ORPHAN,          /* deleted for good, still open */
};

/* Whether a place is inside (or is) a .softdeleted tree or a trash: the
 * places whose contents change behind the kernel's back and where only the
 * moves of design §3 and §10 change anything (R15). */
static inline bool gfs_place_softdeleted(enum gfs_place p)
{
	return p >= GFS_AT_SD_ROOT && p <= GFS_AT_TRASH_PENDING;
}

/* Whether a place is in a trash view. */
static inline bool gfs_place_trash(enum gfs_place p)
{
	return p >= GFS_AT_TRASH && p <= GFS_AT_TRASH_PENDING;
}

/* Whether a node at this place is a regular file (else a directory). */
static inline bool gfs_place_is_file(enum gfs_place p)
{
	return p == GFS_AT_FILE || p == GFS_AT_SD_FILE || p == GFS_AT_ORPHAN ||
	       p == GFS_AT_TRASH_INFO_FILE || p == GFS_AT_TRASH_PENDING;
}

/* One node as the rules see it: where it is and what its lineage says. */
struct gfs_where {
	enum gfs_place place;
	char path[GFS_PATH_MAX];        /* "prod/.softdeleted/ubuntu/1.0.0" */
	char home[GFS_PATH_MAX];        /* a soft-deleted item's original path,
					   "prod/ubuntu/1.0.0" ("" otherwise) */
	uint32_t trash_uid;             /* trash places: whose trash */
	const char *name;               /* its own name ("" for the root) */
	int64_t gallery, definition, version;   /* lineage ids; 0 = none */
	bool soft_delete;               /* the gallery's switch */
	bool in_trash;                  /* a trash item, reached through files/ */
	enum gfs_kind kind;             /* the definition's kind */
	enum gfs_provisioning prov;     /* the version's state */
	/* effective locations: a definition or version without one of its
	 * own follows its parent's (design §4: new nodes take the parent's) */
	char location[GFS_LOCATION_MAX + 1];            /* the node's own */
	char gallery_location[GFS_LOCATION_MAX + 1];
	char definition_location[GFS_LOCATION_MAX + 1];
};

enum gfs_action {
	GFS_ACT_MKDIR,
	GFS_ACT_CREATE,         /* a regular file (create, mknod S_IFREG) */
	GFS_ACT_MKNOD,          /* a device node, FIFO or socket */
	GFS_ACT_SYMLINK,
	GFS_ACT_LINK,
	GFS_ACT_UNLINK,
	GFS_ACT_RMDIR,
	GFS_ACT_RENAME,
	GFS_ACT_SETATTR,        /* chmod, chown, utimes, truncate by path */
	GFS_ACT_OPEN_WRITE,
	GFS_ACT_SETXATTR,
	GFS_ACT_REMOVEXATTR,
};

/* Caller roles (rule R4). */
enum gfs_role {
	GFS_ROLE_SUB_OWNER = 1 << 0,        /* [subscription] owners */
	GFS_ROLE_SUB_SHARING_ADMIN = 1 << 1, /* [roles] sharing_admins */
	GFS_ROLE_GALLERY_SHARING_ADMIN = 1 << 2, /* user.acg.sharingAdmins */
};

/* What a rename is, from the places alone: gfs_policy_check classifies it
 * before any rule runs, the rules read it, and a permitted rename does
 * what it says. */
enum gfs_rename_kind {
	GFS_RENAME_NONE,
	GFS_RENAME_FILE,            /* within its live version */
	GFS_RENAME_SOFTDELETE_FILE, /* live file onto its shadow path */
	GFS_RENAME_SOFTDELETE_VERSION, /* live version onto its shadow */
	GFS_RENAME_RESTORE_FILE,
	GFS_RENAME_RESTORE_VERSION,
	GFS_RENAME_TRASH_FILE,      /* live file into a trash's files/ */
	GFS_RENAME_TRASH_VERSION,   /* live version into a trash's files/ */
	GFS_RENAME_EXPUNGE,         /* a trash item into expunged/: for good */
	GFS_RENAME_INFO_WRITE,      /* a tool's temporary info file over the
				       info it stands for: changes nothing */
};

/* What a name created in a trash's info/ is (design §10). */
enum gfs_info_name {
	GFS_INFO_OTHER,             /* no form a tool uses */
	GFS_INFO_FREE,              /* NAME.trashinfo, NAME free: a reservation */
	GFS_INFO_TAKEN,             /* NAME.trashinfo, NAME held by an item or
				       a reservation */
	GFS_INFO_TEMP,              /* NAME.trashinfo.XXXXXX for a NAME being
				       reserved or held */
};

struct gfs_request {
	enum gfs_action action;
	const struct gfs_config *cfg;
	struct gfs_where at;            /* the node acted on; the parent for
					   creations; the source for renames */
	/* creations and renames: the new name */
	const char *name;
	size_t name_len;
	/* creation in a trash's info/ */
	enum gfs_info_name info_name;
	/* setattr: the change leaves the node as it is */
	bool setattr_noop;
	/* rmdir: what the directory holds */
	bool has_live_children;
	bool holds_softdeleted;
	/* rename */
	struct gfs_where to;            /* destination parent */
	bool to_exists;                 /* something is at the destination */
	struct gfs_where to_node;       /* ... and this is it */
	unsigned rename_flags;          /* RENAME_NOREPLACE etc. */
	enum gfs_rename_kind rename;    /* set by gfs_policy_check: what the
					   rename is */
	/* xattrs */
	int prop;                       /* enum gfs_prop, -1 unknown acg, -2 other */
	bool prop_applies;              /* the property applies to this node */
	bool value_ok;                  /* the value parsed (R18) */
	bool same_value;                /* canonical value equals the current one */
	bool xattr_create;              /* XATTR_CREATE given */
	bool switch_on, switch_off;     /* softDelete false->true, true->false */
	bool set_flag_true;             /* usedByVmssFlex false->true */
	bool set_retention;             /* retentionDays set to a number */
	bool kind_busy;                 /* kind change, definition holds items */
	unsigned roles;                 /* enum gfs_role bits */
	const char *missing_admin;      /* sharingAdmins name that does not exist */
	const char *location_conflict;  /* R6: path of the offending version */
	const char *vmss_conflict;      /* R7: path of a version with the flag */
	bool location_change_conflict;  /* R6 while on: the change creates one */
};

/* A row of the table. check reads the request only: it returns 0 to pass
 * it on to the next row, an errno (> 0, err's errno, path and reason
 * filled) to refuse it, or GFS_RULE_ALLOW to permit it without asking the
 * rows after it. The engine puts the row's id in err->rule, so a row
 * always reports its own rule; id NULL marks a plain POSIX answer. */
#define GFS_RULE_ALLOW (-1)
struct gfs_rule {
	const char *id;                 /* "R15", or NULL */
	const char *errnos;             /* as in design §5's table */
	const char *summary;
	int (*check)(const struct gfs_request *req, struct gfs_err *err);
};
extern const struct gfs_rule gfs_rules[];
extern const size_t gfs_rules_count;

/* Run the rule table. 0 when permitted (req->rename says what a rename
 * does); otherwise -errno with err filled (rule id, path, reason). */
int gfs_policy_check(struct gfs_request *req, struct gfs_err *err);

/* What removing a live version or file does (R2, R11): true = soft. */
bool gfs_policy_removal_is_soft(const struct gfs_where *w);

/* R17: replicas as they read on a version in this state. */
void gfs_policy_replicas_view(bool soft_deleted, const char *stored, char *out,
			      size_t outlen);
/* How a property's value reads on a node in this state: the rules'
 * effects on reads (R17 for replicas), the value itself for the rest. */
void gfs_policy_value_view(int prop, bool soft_deleted, const char *value,
			   char *out, size_t outlen);

#endif
