/*
 * lifecycle.c — the moves every operation shares (design §3): soft delete,
 * restore and delete for good, of a file, a version and a soft-deleted
 * definition. unlink and rmdir, rename (mv onto or out of .softdeleted or
 * the trash view) and the purge all move nodes only through these, so the
 * retention rules hold whichever way a node travels.
 *
 * The version is the unit of retention: when a version is soft-deleted its
 * soft-deleted files take its deletedAt and purgeAt, and restoring it
 * brings every one of them back. These functions decide nothing: the
 * policy has already answered; they only keep the catalog's invariants.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define RETENTION_SECONDS ((int64_t)GFS_RETENTION_DAYS * GFS_DAY_SECONDS)

int file_delete_for_good(struct op *op, struct gfs_node *f)
{
	int r = f->state == GFS_SOFT_DELETED ? mirrors_touch(op, f) : 0;
	if (r < 0)
		return r;
	bool held = open_table_orphan_if_open(&op->c->open, f->id);
	/* on a shared catalog, open on any host (holders.c): the row and the
	 * object stay until the last holder's close */
	int64_t elsewhere = op->c->hosts.shared ? cat_holders(op->t, f->id) : 0;
	if (elsewhere < 0)
		return (int)elsewhere;
	if (held || elsewhere > 0) {
		/* still open: the last close removes the row (POSIX) */
		f->state = GFS_ORPHAN;
		f->deleted_at = f->purge_at = 0;
		f->ctime = op->now_ns;
		r = cat_node_update(op->t, f);
	} else {
		r = cat_node_delete(op->t, f->id);
	}
	/* here the object goes now: this daemon's descriptor keeps it */
	if (r == 0 && !(op->c->hosts.shared && (held || elsewhere > 0)))
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
	struct rows rs = { 0 };
	/* soft-deleted, it leaves .softdeleted/DEF (a live one's shadow
	 * files touch its mirrors as they go) */
	int r = v->state == GFS_SOFT_DELETED ? mirrors_touch(op, v) : 0;
	if (r == 0)
		r = children_of(op, v->id, &rs);
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
	if ((r = mirrors_touch(op, f)) < 0 || (r = cat_node_update(op->t, f)) < 0)
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
	if ((r = mirrors_touch(op, v)) < 0 ||
	    (r = cat_files_set_deleted(op->t, v->id, v->deleted_at, v->purge_at,
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
	int r = mirrors_touch(op, v);
	if (r == 0)
		r = cat_files_restore(op->t, v->id, op->now_ns);
	if (r == 0)
		r = cat_trash_remove(op->t, v->id, op->now_ns);
	return r < 0 ? r : cat_node_update(op->t, v);
}

int file_restore(struct op *op, struct gfs_node *f)
{
	f->state = GFS_LIVE;
	f->deleted_at = f->purge_at = 0;
	f->ctime = op->now_ns;
	int r = mirrors_touch(op, f);
	if (r == 0)
		r = cat_trash_remove(op->t, f->id, op->now_ns);
	return r < 0 ? r : cat_node_update(op->t, f);
}
