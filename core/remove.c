/*
 * remove.c — unlink and rmdir, and the lifecycle moves they share with
 * rename and the purge: soft delete, restore, delete for good (design §3).
 *
 * The version is the unit of retention: when a version is soft-deleted its
 * soft-deleted files take its deletedAt and purgeAt, and restoring it
 * brings every one of them back.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define RETENTION_SECONDS ((int64_t)GFS_RETENTION_DAYS * GFS_DAY_SECONDS)

/* ------------------------------------------------------------------ */
/* the moves                                                           */

int file_delete_for_good(struct op *op, struct gfs_node *f)
{
	int r;
	if (open_table_orphan_if_open(&op->c->open, f->id)) {
		/* still open: the last close removes the row (POSIX) */
		f->state = GFS_ORPHAN;
		f->deleted_at = f->purge_at = 0;
		f->ctime = op->now_ns;
		r = cat_node_update(op->t, f);
	} else {
		r = cat_node_delete(op->t, f->id);
	}
	if (r == 0)
		op_dead_object(op, f->id);
	return r;
}

/* Rows of one parent, collected so that they can be changed while the
 * statement that found them is done. */
struct rows {
	struct gfs_node *v;
	size_t n, cap;
};

static int collect(void *arg, const struct gfs_node *n, int64_t hint)
{
	struct rows *rs = arg;
	(void)hint;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct gfs_node *p = realloc(rs->v, cap * sizeof(*p));
		if (!p)
			return 1;
		rs->v = p;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *n;
	return 0;
}

static int children_of(struct op *op, int64_t parent, struct rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	int r = cat_all_children(op->t, parent, collect, rs);
	if (r == 0 && rs->n == rs->cap && rs->cap && !rs->v)
		r = -ENOMEM;
	return r;
}

int version_delete_for_good(struct op *op, struct gfs_node *v)
{
	struct rows rs;
	int r = children_of(op, v->id, &rs);
	for (size_t i = 0; r == 0 && i < rs.n; i++)
		r = file_delete_for_good(op, &rs.v[i]);
	free(rs.v);
	if (r == 0)
		r = cat_node_delete(op->t, v->id);
	return r;
}

/* Every version of d, whatever its state (soft-deleted, or expired and not
 * yet purged), deleted for good: d is about to go. */
int definition_delete_softdeleted(struct op *op, struct gfs_node *d)
{
	struct rows rs;
	int r = children_of(op, d->id, &rs);
	for (size_t i = 0; r == 0 && i < rs.n; i++)
		r = version_delete_for_good(op, &rs.v[i]);
	free(rs.v);
	return r;
}

/* Put the soft-deleted row n into op->actor's trash (design §10): under the
 * name a move into files/ asked for, else under its own name or the first
 * candidate that neither an item nor a reservation of that trash holds.
 * trash_view_owns: it was renamed into the trash (see cat_trash). */
static int trash_enter(struct op *op, const struct gfs_node *n, bool trash_view_owns)
{
	struct cat_trash e = { .node = n->id, .uid = op->actor,
			       .trash_view_owns = trash_view_owns };
	struct gfs_pending p;
	char info[256 + sizeof(GFS_TRASH_INFO_SUFFIX)];

	if (op->trash_name) {
		snprintf(e.name, sizeof(e.name), "%s", op->trash_name);
		e.name_len = strlen(e.name);
		int r = cat_trash_add(op->t, &e, op->now_ns);
		if (r == -EEXIST)
			r = gfs_err_set(op->err, EEXIST, "the trash holds an item "
					"of that name");
		return r;
	}
	for (unsigned k = 1; k < 100000; k++) {
		if (!gfs_trash_name_candidate(n->name, k, e.name, sizeof(e.name)))
			break;
		e.name_len = strlen(e.name);
		snprintf(info, sizeof(info), "%s" GFS_TRASH_INFO_SUFFIX, e.name);
		if (gfs_pending_find(&op->c->pending, e.uid, info, op->now_ns, &p))
			continue;
		int r = cat_trash_add(op->t, &e, op->now_ns);
		if (r != -EEXIST)
			return r;
	}
	return gfs_err_set(op->err, ENAMETOOLONG, "no free name for it in the trash");
}

int file_soft_delete(struct op *op, struct gfs_node *f, const struct gfs_where *w)
{
	struct gfs_node old;
	(void)w;
	/* .softdeleted keeps the newest copy of a name (design §3); an expired
	 * one not yet purged goes too (now 0: whatever its purgeAt) */
	int r = cat_child_get(op->t, f->parent, f->name, f->name_len,
			      GFS_SOFT_DELETED, 0, &old);
	if (r == 0) {
		struct gfs_node ver;
		if ((r = file_delete_for_good(op, &old)) < 0 ||
		    (r = cat_node_get(op->t, f->parent, &ver)) < 0)
			return r;
		op_inval(op, sd_home_nodeid(&ver), old.name, 0);
	} else if (r != -ENOENT) {
		return r;
	}
	f->state = GFS_SOFT_DELETED;
	f->deleted_at = op->now_s;
	f->purge_at = op->now_s + RETENTION_SECONDS;
	f->ctime = op->now_ns;
	if ((r = cat_node_update(op->t, f)) < 0)
		return r;
	return trash_enter(op, f, false);
}

/* Soft-delete version v whole. Its live files join the files already in
 * its shadow; where both have a name, the version's own file wins. By
 * rmdir the kernel has marked v's inode dead, so v answers with a new
 * generation; by rename onto its shadow the kernel moved v's inode and
 * keeps it, and marked the shadow it replaced dead, so the shadow comes
 * back under a new one; by rename into a trash the kernel moved v's inode
 * there and replaced nothing, so the trash view takes v's generation.
 * (After an rmdir the shadow's inode is still sound: bumping it then would
 * make the kernel mark it bad under whoever holds it.) */
int version_soft_delete(struct op *op, struct gfs_node *v, enum soft_delete_how how)
{
	struct gfs_node old;
	struct rows rs;
	/* a soft-deleted namesake can only be one past its purgeAt (R16
	 * reserved the name until then) that no purge has reached yet */
	int r = cat_child_get(op->t, v->parent, v->name, v->name_len,
			      GFS_SOFT_DELETED, 0, &old);
	if (r == 0)
		r = version_delete_for_good(op, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	r = children_of(op, v->id, &rs);
	for (size_t i = 0; r == 0 && i < rs.n; i++) {
		struct gfs_node *sd = &rs.v[i];
		if (sd->state != GFS_SOFT_DELETED)
			continue;
		if (sd->purge_at <= op->now_s) {
			/* past its purgeAt: gone already, whatever the purge
			 * has done so far; the version must not revive it */
			r = file_delete_for_good(op, sd);
			continue;
		}
		for (size_t j = 0; j < rs.n; j++) {
			struct gfs_node *live = &rs.v[j];
			if (live->state == GFS_LIVE && live->name_len == sd->name_len &&
			    memcmp(live->name, sd->name, sd->name_len) == 0) {
				r = file_delete_for_good(op, sd);
				break;
			}
		}
	}
	free(rs.v);
	if (r < 0)
		return r;
	v->state = GFS_SOFT_DELETED;
	v->deleted_at = op->now_s;
	v->purge_at = op->now_s + RETENTION_SECONDS;
	v->ctime = op->now_ns;
	if (how == SOFT_DELETE_BY_RMDIR)
		v->gen++;
	else if (how == SOFT_DELETE_ONTO_SHADOW)
		v->mirror_gen++;
	if ((r = cat_files_set_deleted(op->t, v->id, v->deleted_at, v->purge_at,
				       op->now_ns)) < 0)
		return r;
	/* its files soft-deleted alone are part of the version's item now */
	if ((r = cat_trash_remove_children(op->t, v->id, op->now_ns)) < 0)
		return r;
	if (how != SOFT_DELETE_BY_RMDIR)
		op_inval(op, 0, NULL, nodeid_of(v->id, false, v->gen));
	if ((r = cat_node_update(op->t, v)) < 0)
		return r;
	return trash_enter(op, v, how == SOFT_DELETE_INTO_TRASH);
}

int version_restore(struct op *op, struct gfs_node *v, uint64_t kernel_gen)
{
	v->state = GFS_LIVE;
	v->deleted_at = v->purge_at = 0;
	v->ctime = op->now_ns;
	/* the kernel moved the inode of the view it was renamed out of */
	v->gen = kernel_gen;
	int r = cat_files_restore(op->t, v->id, op->now_ns);
	if (r == 0)
		r = cat_trash_remove(op->t, v->id, op->now_ns);
	return r < 0 ? r : cat_node_update(op->t, v);
}

int file_restore(struct op *op, struct gfs_node *f)
{
	f->state = GFS_LIVE;
	f->deleted_at = f->purge_at = 0;
	f->ctime = op->now_ns;
	int r = cat_trash_remove(op->t, f->id, op->now_ns);
	return r < 0 ? r : cat_node_update(op->t, f);
}

/* ------------------------------------------------------------------ */
/* unlink and rmdir                                                    */


/* The common start of unlink and rmdir: resolve, describe, ask. */
static int removal_start(struct op *op, uint64_t parent, const char *name,
			 enum gfs_action action, struct view *p, struct view *v,
			 struct gfs_request *req)
{
	int r = view_of_ino(op, parent, p);
	if (r == 0)
		r = view_child(op, p, name, v);
	if (r < 0)
		return r;
	if (action == GFS_ACT_UNLINK && !gfs_place_is_file(v->place))
		return gfs_err_set(op->err, EISDIR, "is a directory");
	if (action == GFS_ACT_RMDIR && gfs_place_is_file(v->place))
		return gfs_err_set(op->err, ENOTDIR, "not a directory");
	memset(req, 0, sizeof(*req));
	req->action = action;
	req->cfg = op->c->cfg;
	return view_where(op, v, &req->at);
}

static int unlink_once(struct gfs_core *c, const struct gfs_caller *who,
		       uint64_t parent, const char *name, struct gfs_err *err)
{
	struct op op;
	struct view p, v;
	struct gfs_request req;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	op.actor = (uint32_t)who->uid;
	if ((r = removal_start(&op, parent, name, GFS_ACT_UNLINK, &p, &v, &req)) < 0 ||
	    (r = policy_ask(&op, &req)) < 0) {
		op_abort(&op);
		return r;
	}
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
	if (r == 0 && p.place == GFS_AT_VERSION)
		r = touch_dir(&op, p.n.id);
	if (r < 0)
		return op_fail(&op, r, "unlink");
	return op_commit(&op, false);
}

/* What a directory holds, for the policy (R3, R15) and for ENOTEMPTY. */
static void removal_facts(struct op *op, const struct view *v,
			  struct gfs_request *req)
{
	const struct gfs_node *n = &v->n;
	switch (v->place) {
	case GFS_AT_GALLERY:
	case GFS_AT_DEFINITION:
		req->has_live_children =
			cat_count_children(op->t, n->id, GFS_LIVE, op->now_s) > 0;
		req->holds_softdeleted = cat_holds_softdeleted(op->t, n->gallery,
			v->place == GFS_AT_DEFINITION ? n->id : 0, op->now_s);
		break;
	case GFS_AT_VERSION:
		req->has_live_children =
			cat_count_children(op->t, n->id, GFS_LIVE, op->now_s) > 0;
		break;
	case GFS_AT_SD_ROOT:
		req->holds_softdeleted = cat_holds_softdeleted(op->t, n->id, 0, op->now_s);
		break;
	case GFS_AT_SD_DEFINITION:
		req->holds_softdeleted = cat_holds_softdeleted(op->t, n->gallery, n->id,
							       op->now_s);
		break;
	case GFS_AT_SHADOW:
		req->holds_softdeleted =
			cat_count_children(op->t, n->id, GFS_SOFT_DELETED, op->now_s) > 0;
		break;
	case GFS_AT_SD_VERSION:
	case GFS_AT_TRASH_VERSION:
		req->has_live_children =
			cat_count_children(op->t, n->id, GFS_SOFT_DELETED, op->now_s) > 0;
		break;
	default:
		break;
	}
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
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	op.actor = (uint32_t)who->uid;
	if ((r = removal_start(&op, parent, name, GFS_ACT_RMDIR, &p, &v, &req)) < 0) {
		op_abort(&op);
		return r;
	}
	removal_facts(&op, &v, &req);
	if ((r = policy_ask(&op, &req)) < 0) {
		op_abort(&op);
		return r;
	}
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
