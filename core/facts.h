/*
 * facts.h — the facts the rules read, gathered in one place (design §5).
 *
 * The policy table is a pure function of a struct gfs_request; everything
 * it reads about the catalog, the configuration and the caller is found
 * here: what carries a new name, what a directory holds, where a rename
 * goes, and what a property change would bring about. Nothing here
 * decides: the rules do.
 */
#ifndef GFS_FACTS_H
#define GFS_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"

struct op;
struct view;
struct gfs_caller;
struct gfs_txn;

/* A creation under parent: the parent resolved into p and described in
 * req, and whether the name is taken already (*exists: a live node; a
 * soft-deleted version holding a version name is req->to_exists, R16). */
int gfs_facts_creation(struct op *op, uint64_t parent, const char *name,
		       enum gfs_action action, struct view *p,
		       struct gfs_request *req, bool *exists);

/* An unlink or rmdir of name in parent: both resolved (EISDIR, ENOTDIR
 * as POSIX says) and described; for rmdir, what the directory holds. */
int gfs_facts_removal(struct op *op, uint64_t parent, const char *name,
		      enum gfs_action action, struct view *p, struct view *v,
		      struct gfs_request *req);

/* A rename: source s of p, destination parent np and what is at the
 * new name (t, when req->to_exists). */
int gfs_facts_rename(struct op *op, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, unsigned flags,
		     struct view *p, struct view *s, struct view *np,
		     struct view *t, struct gfs_request *req);

/* A well-formed change of a property to canon (struct gfs_prop_info's
 * facts): the roles, switches and conflicts the rules read. conflict and
 * missing hold what req points at. */
struct prop_change {
	struct op *op;
	const struct view *v;
	const struct gfs_caller *who;
	struct gfs_request *req;
	const char *canon;
	char conflict[GFS_PATH_MAX];    /* R6, R7: the version in the way */
	char missing[128];              /* R18: a sharingAdmins name not found */
};
int gfs_facts_soft_delete(struct prop_change *c);
int gfs_facts_sharing_admins(struct prop_change *c);
int gfs_facts_vmss_flex(struct prop_change *c);
int gfs_facts_kind(struct prop_change *c);
int gfs_facts_location(struct prop_change *c);

/* Which version (as GALLERY/DEFINITION/VERSION in where) stands in the way
 * of soft delete (R6, R7); a catalog error counts as one. */
bool gfs_location_mismatch(struct gfs_txn *t, int64_t gallery, char *where,
			   size_t wlen);
bool gfs_vmss_flex_in_use(struct gfs_txn *t, int64_t gallery, char *where,
			  size_t wlen);
/* the same, were the gallery or definition moved to loc */
bool gfs_gallery_move_conflict(struct gfs_txn *t, int64_t gallery,
			       const char *loc, char *where, size_t wlen);
bool gfs_definition_move_conflict(struct gfs_txn *t, int64_t definition,
				  const char *loc, char *where, size_t wlen);

#endif
