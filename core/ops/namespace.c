/*
 * namespace.c — lookup, getattr, opendir and readdir: read-only walks of
 * the tree, each one read transaction.
 *
 * Listing offsets name positions in a stable order: 1 after ".", 2 after
 * "..", and id + 3 after the entry whose row id is id. Entries removed
 * between two reads (rm -r does that) never shift the offsets of the others.
 *
 * A gallery's listing never shows .softdeleted (design §3): it resolves by
 * name only, as ZFS's .zfs does with snapdir=hidden, so that rm -r, find,
 * du, tar, rsync and file managers started at the gallery or above never
 * enter it. When it was listed, rm -r GALLERY went in first and
 * hard-deleted everything soft-deleted before.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "names.h"

#define OFF_DOT 1
#define OFF_DOTDOT 2
#define OFF_BASE 3
/* info/ lists its items' info files at OFF_BASE + row id, then the files
 * that live in memory at OFF_PENDING + their id */
#define OFF_PENDING (UINT64_C(1) << 62)

int gfs_lookup(struct gfs_core *c, uint64_t parent, const char *name,
	       struct gfs_attr *out, struct gfs_err *err)
{
	struct op op;
	struct view p, v;
	int r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	r = view_of_ino(&op, parent, &p);
	if (r == 0) {
		/* Whether a miss may be cached: not under .softdeleted, and not
		 * in a version, whose files come back behind the kernel's back
		 * when the version is restored (or absorbs its shadow's files
		 * when it is soft-deleted by rename). */
		out->volatile_ = gfs_place_softdeleted(p.place) ||
				 p.place == GFS_AT_VERSION;
		r = view_child(&op, &p, name, &v);
	}
	if (r == 0)
		view_attr(&op, &v, 0, out);
	op_abort(&op);
	return r;
}

int gfs_getattr(struct gfs_core *c, uint64_t ino, struct gfs_attr *out,
		struct gfs_err *err)
{
	struct op op;
	struct view v;
	int r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	r = view_of_ino(&op, ino, &v);
	if (r == 0)
		view_attr(&op, &v, 0, out);
	op_abort(&op);
	return r;
}

/* A view of a view's parent directory, good for its number (for ".."). */
static struct view parent_of(const struct view *v)
{
	struct view pv = { .place = GFS_AT_ROOT, .uid = v->uid };
	const struct gfs_node *n = &v->n;
	switch (v->place) {
	case GFS_AT_TRASH_FILES:
	case GFS_AT_TRASH_INFO:
	case GFS_AT_TRASH_EXPUNGED:
		pv.place = GFS_AT_TRASH;
		return pv;
	case GFS_AT_TRASH_VERSION:
		pv.place = GFS_AT_TRASH_FILES;
		return pv;
	case GFS_AT_DEFINITION:
	case GFS_AT_SD_ROOT:
		pv.place = GFS_AT_GALLERY;
		pv.n.id = n->gallery;
		return pv;
	case GFS_AT_VERSION:
		pv.place = GFS_AT_DEFINITION;
		pv.n.id = n->definition;
		return pv;
	case GFS_AT_SD_DEFINITION:
		pv.place = GFS_AT_SD_ROOT;
		pv.n.id = n->gallery;
		return pv;
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
		pv.place = GFS_AT_SD_DEFINITION;
		pv.n.id = n->definition;
		return pv;
	default:
		return pv;
	}
}

struct listing {
	struct op *op;
	enum gfs_place child_place;     /* GFS_AT_SHADOW: decide per row */
	bool plus;
	gfs_dirent_fn fn;
	void *arg;
	bool full;
};

static int emit(struct listing *l, const char *name, uint64_t off,
		const struct view *v, int64_t nlink_hint, bool dot)
{
	struct gfs_dirent d = { .name = name, .off = off, .plus = l->plus && !dot };
	if (d.plus) {
		view_attr(l->op, v, nlink_hint, &d.attr);
	} else {
		d.attr.ino = view_ino(v);
		d.attr.nodeid = view_nodeid(v);
		d.attr.mode = gfs_place_is_file(v->place) ? S_IFREG : S_IFDIR;
	}
	if (l->fn(l->arg, &d)) {
		l->full = true;
		return 1;
	}
	return 0;
}

static int emit_row(void *arg, const struct gfs_node *n, int64_t nlink_hint)
{
	struct listing *l = arg;
	struct view v = { .place = l->child_place, .n = *n };

	if (l->child_place == GFS_AT_SHADOW)
		v.place = n->state == GFS_LIVE ? GFS_AT_SHADOW : GFS_AT_SD_VERSION;
	else if (l->child_place == GFS_AT_SD_DEFINITION)
		nlink_hint = 0;     /* the hint counts live versions */
	/* a soft-deleted version's node id depends on its trash row */
	if (v.place == GFS_AT_SD_VERSION && cat_trash_get(l->op->t, n->id, &v.e) == 0)
		v.in_trash = true;
	return emit(l, n->name, (uint64_t)n->id + OFF_BASE, &v, nlink_hint, false);
}

/* files/: the items of a trash under their names there */
static int emit_trash_item(void *arg, const struct gfs_node *n,
			   const struct cat_trash *e)
{
	struct listing *l = arg;
	struct view v = { .n = *n, .uid = e->uid, .in_trash = true, .e = *e };
	v.place = n->type == GFS_VERSION ? GFS_AT_TRASH_VERSION : GFS_AT_SD_FILE;
	return emit(l, e->name, (uint64_t)n->id + OFF_BASE, &v, 0, false);
}

/* info/: NAME.trashinfo of every item, then the files in memory */
static int emit_trash_info(void *arg, const struct gfs_node *n,
			   const struct cat_trash *e)
{
	struct listing *l = arg;
	struct view v = { .place = GFS_AT_TRASH_INFO_FILE, .n = *n, .uid = e->uid,
			  .in_trash = true, .e = *e };
	char name[256 + sizeof(GFS_TRASH_INFO_SUFFIX)];
	snprintf(name, sizeof(name), "%s" GFS_TRASH_INFO_SUFFIX, e->name);
	return emit(l, name, (uint64_t)n->id + OFF_BASE, &v, 0, false);
}

struct pending_listing {
	struct listing *l;
	struct view v;
};

static int emit_pending(void *arg, const struct gfs_pending *p)
{
	struct pending_listing *pl = arg;
	pl->v.pending = *p;
	return emit(pl->l, p->name, OFF_PENDING + p->id, &pl->v, 0, false);
}

int gfs_readdir(struct gfs_core *c, uint64_t ino, uint64_t off, bool plus,
		gfs_dirent_fn fn, void *arg, struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct listing l = { .op = &op, .plus = plus, .fn = fn, .arg = arg };
	int r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	r = view_of_ino(&op, ino, &v);
	if (r < 0)
		goto out;

	if (off < OFF_DOT && emit(&l, ".", OFF_DOT, &v, 0, true))
		goto out;
	if (off < OFF_DOTDOT) {
		struct view pv = parent_of(&v);
		if (emit(&l, "..", OFF_DOTDOT, &pv, 0, true))
			goto out;
	}
	int64_t after = off > OFF_BASE ? (int64_t)(off - OFF_BASE) : 0;
	switch (v.place) {
	case GFS_AT_ROOT:
	case GFS_AT_GALLERY:
	case GFS_AT_DEFINITION:
	case GFS_AT_VERSION:
		/* the live tree: each level's live children */
		l.child_place = v.place + 1;
		r = cat_children(op.t, v.n.id, GFS_LIVE, op.now_s, after, emit_row, &l);
		break;
	case GFS_AT_SD_ROOT:
		l.child_place = GFS_AT_SD_DEFINITION;
		r = cat_softdeleted_definitions(op.t, v.n.id, op.now_s, after,
						emit_row, &l);
		break;
	case GFS_AT_SD_DEFINITION:
		l.child_place = GFS_AT_SHADOW;
		r = cat_softdeleted_versions(op.t, v.n.gallery, v.n.id, op.now_s,
					     after, emit_row, &l);
		break;
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
	case GFS_AT_TRASH_VERSION:
		l.child_place = GFS_AT_SD_FILE;
		r = cat_children(op.t, v.n.id, GFS_SOFT_DELETED, op.now_s, after,
				 emit_row, &l);
		break;
	case GFS_AT_TRASH: {
		static const char *const dirs[] = { "files", "info", "expunged" };
		for (int k = 0; k < 3 && !l.full; k++) {
			struct view d = { .place = (enum gfs_place)(GFS_AT_TRASH_FILES + k),
					  .uid = v.uid, .n = v.n };
			if (off < OFF_BASE + 1 + (uint64_t)k)
				emit(&l, dirs[k], OFF_BASE + 1 + (uint64_t)k, &d, 0, false);
		}
		break;
	}
	case GFS_AT_TRASH_FILES:
		r = cat_trash_list(op.t, v.uid, op.now_s, after, emit_trash_item, &l);
		break;
	case GFS_AT_TRASH_INFO:
		if (off < OFF_PENDING)
			r = cat_trash_list(op.t, v.uid, op.now_s, after, emit_trash_info,
					   &l);
		if (r == 0 && !l.full) {
			struct pending_listing pl = { .l = &l, .v = {
				.place = GFS_AT_TRASH_PENDING, .uid = v.uid, .n = v.n } };
			gfs_pending_list(&c->pending, v.uid,
					 off > OFF_PENDING ? off - OFF_PENDING : 0,
					 op.now_ns, emit_pending, &pl);
		}
		break;
	case GFS_AT_TRASH_EXPUNGED:
		break;      /* always empty */
	default:
		r = -ENOTDIR;
	}
out:
	if (r < 0 && err->errnum == 0)
		gfs_err_set(err, -r, "listing failed");
	op_abort(&op);
	return r;
}
