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
#include <string.h>
#include <sys/stat.h>

#include "names.h"

#define OFF_DOT 1
#define OFF_DOTDOT 2
#define OFF_BASE 3

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

int gfs_opendir(struct gfs_core *c, uint64_t ino, bool *cacheable,
		struct gfs_err *err)
{
	struct op op;
	struct view v;
	int r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	r = view_of_ino(&op, ino, &v);
	if (r == 0 && (v.place == GFS_AT_FILE || v.place == GFS_AT_SD_FILE ||
		       v.place == GFS_AT_ORPHAN))
		r = -ENOTDIR;
	if (r == 0)
		*cacheable = !gfs_place_softdeleted(v.place);
	op_abort(&op);
	return r;
}

/* The number of a view's parent directory, for "..". */
static uint64_t parent_ino(const struct view *v)
{
	const struct gfs_node *n = &v->n;
	switch (v->place) {
	case GFS_AT_DEFINITION:
	case GFS_AT_SD_ROOT:
		return 2 * (uint64_t)n->gallery + 1;
	case GFS_AT_VERSION:
		return 2 * (uint64_t)n->definition + 1;
	case GFS_AT_SD_DEFINITION:
		return 2 * (uint64_t)n->gallery;
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
		return 2 * (uint64_t)n->definition;
	default:
		return GFS_ROOT_INO;
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
		d.attr.mode = (v->place == GFS_AT_FILE || v->place == GFS_AT_SD_FILE) ?
			      S_IFREG : S_IFDIR;
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
	return emit(l, n->name, (uint64_t)n->id + OFF_BASE, &v, nlink_hint, false);
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
		struct view pv = { .place = GFS_AT_ROOT };
		pv.n.id = (int64_t)(parent_ino(&v) / 2);
		if (parent_ino(&v) % 2 == 0)
			pv.place = GFS_AT_SD_ROOT;   /* a mirror: only the number matters */
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
		l.child_place = GFS_AT_SD_FILE;
		r = cat_children(op.t, v.n.id, GFS_SOFT_DELETED, op.now_s, after,
				 emit_row, &l);
		break;
	default:
		r = -ENOTDIR;
	}
out:
	if (r < 0 && err->errnum == 0)
		gfs_err_set(err, -r, "listing failed");
	op_abort(&op);
	return r;
}
