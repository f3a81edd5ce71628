/*
 * remove.c — unlink and rmdir: resolve, gather the facts the policy needs,
 * ask it, then make the move it allows through lifecycle.c (design §3).
 * Nothing here decides whether a removal is soft: the policy does.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The transaction, the facts, the policy's answer; on refusal the
 * transaction is over and -errno returned. */
static int removal_begin(struct op *op, struct gfs_core *c,
			 const struct gfs_caller *who, uint64_t parent,
			 const char *name, enum gfs_action action, struct view *p,
			 struct view *v, struct gfs_request *req, struct gfs_err *err)
{
	int r = op_begin(op, c, true, err);
	if (r < 0)
		return r;
	op->actor = (uint32_t)who->uid;
	if ((r = gfs_facts_removal(op, parent, name, action, p, v, req)) < 0 ||
	    (r = policy_ask(op, req)) < 0)
		op_abort(op);
	return r;
}

static int unlink_once(struct gfs_core *c, const struct gfs_caller *who,
		       uint64_t parent, const char *name, struct gfs_err *err)
{
	struct op op;
	struct view p, v;
	struct gfs_request req;
	int r = removal_begin(&op, c, who, parent, name, GFS_ACT_UNLINK, &p, &v,
			      &req, err);
	if (r < 0)
		return r;
	/* info/: a tool's reservation or scratch file goes; the info of an
	 * item is made from the item, and removing it changes nothing (tools
	 * remove it after a restore, design §10) */
	if (v.place == GFS_AT_TRASH_PENDING || v.place == GFS_AT_TRASH_INFO_FILE) {
		op_abort(&op);
		if (v.place == GFS_AT_TRASH_PENDING)
			gfs_pending_drop(&c->pending, v.pending.id);
		return 0;
	}
	if (v.place == GFS_AT_FILE && gfs_policy_removal_is_soft(&req.at))
		r = file_soft_delete(&op, &v.n, &req.at);
	else
		r = file_delete_for_good(&op, &v.n);
	if (p.place == GFS_AT_TRASH_FILES && v.in_trash)
		op_trash_note(&op.trash_left, v.e.uid, v.e.name);
	/* its version's entries changed: a live one's, or a soft-deleted
	 * one's, which two views show (design §9) */
	if (r == 0 && (p.place == GFS_AT_VERSION || p.place == GFS_AT_SD_VERSION ||
		       p.place == GFS_AT_TRASH_VERSION))
		r = touch_dir(&op, p.n.id);
	if (r < 0)
		return op_fail(&op, r, "unlink");
	return op_commit(&op, false);
}

/* Remove a gallery or definition for good, with whatever expired
 * soft-deleted rows it still has (nothing else can be in it by now). */
static int container_delete(struct op *op, struct gfs_node *n)
{
	int r = 0;
	if (n->type == GFS_DEFINITION)
		r = definition_delete_softdeleted(op, n);
	return r < 0 ? r : cat_node_delete(op->t, n->id);
}

static int rmdir_once(struct gfs_core *c, const struct gfs_caller *who,
		      uint64_t parent, const char *name, struct gfs_err *err)
{
	struct op op;
	struct view p, v;
	struct gfs_request req;
	int r = removal_begin(&op, c, who, parent, name, GFS_ACT_RMDIR, &p, &v,
			      &req, err);
	if (r < 0)
		return r;
	switch (v.place) {
	case GFS_AT_GALLERY:
	case GFS_AT_DEFINITION:
		r = container_delete(&op, &v.n);
		break;
	case GFS_AT_VERSION:
		r = gfs_policy_removal_is_soft(&req.at) ?
			version_soft_delete(&op, &v.n, SOFT_DELETE_BY_RMDIR) :
			version_delete_for_good(&op, &v.n);
		break;
	case GFS_AT_SD_ROOT:
	case GFS_AT_SD_DEFINITION:
	case GFS_AT_SHADOW:
		/* empty: nothing changes, but the kernel now holds a dead
		 * inode for it, so it comes back under a new generation */
		v.n.mirror_gen++;
		r = cat_node_update_attrs(op.t, &v.n);
		break;
	case GFS_AT_SD_VERSION:
	case GFS_AT_TRASH_VERSION:
		r = version_delete_for_good(&op, &v.n);
		if (p.place == GFS_AT_TRASH_FILES && v.in_trash)
			op_trash_note(&op.trash_left, v.e.uid, v.e.name);
		break;
	default:
		r = gfs_err_set(err, EPERM, "cannot be removed");
	}
	if (r == 0 && !gfs_place_softdeleted(p.place))
		r = touch_dir(&op, p.n.id);
	if (r < 0)
		return op_fail(&op, r, "rmdir");
	return op_commit(&op, false);
}

typedef int (*removal_fn)(struct gfs_core *c, const struct gfs_caller *who,
			  uint64_t parent, const char *name, struct gfs_err *err);

/* Removals free space: on a full disk they take back the reserve once. */
static int freeing(removal_fn once, struct gfs_core *c, const struct gfs_caller *who,
		   uint64_t parent, const char *name, struct gfs_err *err)
{
	int r = once(c, who, parent, name, err);
	if (r == -ENOSPC && reserve_release(c))
		r = once(c, who, parent, name, err);
	return r;
}

int gfs_unlink(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, struct gfs_err *err)
{
	return freeing(unlink_once, c, who, parent, name, err);
}

int gfs_rmdir(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, struct gfs_err *err)
{
	return freeing(rmdir_once, c, who, parent, name, err);
}
