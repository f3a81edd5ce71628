/*
 * view.c — from inode numbers and names to views, and from views to what
 * the kernel and the policy see: attributes, generations, paths, lineage.
 *
 * The one place that knows the tree's shape (design §1, §3, §9): which rows
 * show where, which synthetic directories exist, what their numbers are.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "names.h"

#define DIR_SIZE 4096
#define DIR_BLOCKS 8

static bool is_mirror(enum gfs_place p)
{
	return p == GFS_AT_SD_ROOT || p == GFS_AT_SD_DEFINITION || p == GFS_AT_SHADOW;
}

uint64_t view_ino(const struct view *v)
{
	return nodeid_of(v->n.id, is_mirror(v->place), 0);
}

uint64_t view_gen(const struct view *v)
{
	return is_mirror(v->place) ? v->n.mirror_gen : v->n.gen;
}

#define GEN_MASK ((UINT64_C(1) << (64 - GFS_NODEID_GEN_SHIFT)) - 1)
#define INO_MASK ((UINT64_C(1) << GFS_NODEID_GEN_SHIFT) - 1)

uint64_t nodeid_of(int64_t id, bool mirror, uint64_t gen)
{
	if (id == 0)
		return GFS_ROOT_INO;
	uint64_t ino = 2 * (uint64_t)id + (mirror ? 0 : 1);
	return ino | (gen & GEN_MASK) << GFS_NODEID_GEN_SHIFT;
}

uint64_t view_nodeid(const struct view *v)
{
	return nodeid_of(v->n.id, is_mirror(v->place), view_gen(v));
}

uint64_t sd_home_nodeid(const struct gfs_node *up)
{
	bool mirror = up->type == GFS_DEFINITION || up->state == GFS_LIVE;
	return nodeid_of(up->id, mirror, mirror ? up->mirror_gen : up->gen);
}

static enum gfs_place live_place(enum gfs_type t)
{
	switch (t) {
	case GFS_ROOT:
		return GFS_AT_ROOT;
	case GFS_GALLERY:
		return GFS_AT_GALLERY;
	case GFS_DEFINITION:
		return GFS_AT_DEFINITION;
	case GFS_VERSION:
		return GFS_AT_VERSION;
	default:
		return GFS_AT_FILE;
	}
}

/* Place of a row reached through its own (odd) number, or -ENOENT when it
 * is not visible (expired). */
static int place_of_row(struct op *op, const struct gfs_node *n, enum gfs_place *p)
{
	switch (n->state) {
	case GFS_LIVE:
		*p = live_place(n->type);
		return 0;
	case GFS_SOFT_DELETED:
		if (n->purge_at <= op->now_s) {
			/* gone from the tree; an open descriptor still reaches
			 * it, as it would after the purge (design §2) */
			if (n->type == GFS_FILE && open_table_is_open(&op->c->open, n->id)) {
				*p = GFS_AT_ORPHAN;
				return 0;
			}
			return -ENOENT;
		}
		*p = n->type == GFS_VERSION ? GFS_AT_SD_VERSION : GFS_AT_SD_FILE;
		return 0;
	default:
		*p = GFS_AT_ORPHAN;
		return 0;
	}
}

/* The view of the node the kernel calls nodeid: -ENOENT for a node id of
 * an earlier incarnation (a dead inode some process still holds). */
static int view_of_nodeid(struct op *op, uint64_t nodeid, struct view *out);

int view_of_ino(struct op *op, uint64_t nodeid, struct view *out)
{
	int r = view_of_nodeid(op, nodeid, out);
	if (r == 0 && nodeid != GFS_ROOT_INO &&
	    (view_gen(out) & GEN_MASK) != nodeid >> GFS_NODEID_GEN_SHIFT)
		return -ENOENT;
	return r;
}

static int view_of_nodeid(struct op *op, uint64_t nodeid, struct view *out)
{
	uint64_t ino = nodeid & INO_MASK;
	int64_t id = (int64_t)(ino / 2);
	bool mirror = ino % 2 == 0;

	if (nodeid == GFS_ROOT_INO) {
		out->place = GFS_AT_ROOT;
		return cat_node_get(op->t, 0, &out->n);
	}
	if (id <= 0)
		return -ENOENT;
	int r = cat_node_get(op->t, id, &out->n);
	if (r < 0)
		return r;
	if (!mirror)
		return place_of_row(op, &out->n, &out->place);
	if (out->n.state != GFS_LIVE)
		return -ENOENT;
	switch (out->n.type) {
	case GFS_GALLERY:
		out->place = GFS_AT_SD_ROOT;
		return 0;
	case GFS_DEFINITION:
		out->place = GFS_AT_SD_DEFINITION;
		return 0;
	case GFS_VERSION:
		out->place = GFS_AT_SHADOW;
		return 0;
	default:
		return -ENOENT;
	}
}

int view_child(struct op *op, const struct view *parent, const char *name,
	       struct view *out)
{
	size_t len = strlen(name);
	int64_t pid = parent->n.id;
	int r;

	if (len > GFS_FILE_NAME_MAX)
		return -ENAMETOOLONG;
	switch (parent->place) {
	case GFS_AT_ROOT:
	case GFS_AT_DEFINITION:
	case GFS_AT_VERSION:
		r = cat_child_get(op->t, pid, name, len, GFS_LIVE, op->now_s, &out->n);
		if (r == 0)
			out->place = live_place(out->n.type);
		return r;
	case GFS_AT_GALLERY:
		if (strcmp(name, GFS_SOFTDELETED) == 0) {
			out->n = parent->n;
			out->place = GFS_AT_SD_ROOT;
			return 0;
		}
		r = cat_child_get(op->t, pid, name, len, GFS_LIVE, op->now_s, &out->n);
		if (r == 0)
			out->place = GFS_AT_DEFINITION;
		return r;
	case GFS_AT_SD_ROOT:
		r = cat_child_get(op->t, pid, name, len, GFS_LIVE, op->now_s, &out->n);
		if (r == 0)
			out->place = GFS_AT_SD_DEFINITION;
		return r;
	case GFS_AT_SD_DEFINITION:
		r = cat_child_get(op->t, pid, name, len, GFS_LIVE, op->now_s, &out->n);
		if (r == 0) {
			out->place = GFS_AT_SHADOW;
			return 0;
		}
		if (r != -ENOENT)
			return r;
		r = cat_child_get(op->t, pid, name, len, GFS_SOFT_DELETED, op->now_s,
				  &out->n);
		if (r == 0)
			out->place = GFS_AT_SD_VERSION;
		return r;
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
		r = cat_child_get(op->t, pid, name, len, GFS_SOFT_DELETED, op->now_s,
				  &out->n);
		if (r == 0)
			out->place = GFS_AT_SD_FILE;
		return r;
	default:
		return -ENOTDIR;
	}
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / GFS_NS_PER_SEC,
			       .tv_nsec = ns % GFS_NS_PER_SEC };
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += GFS_NS_PER_SEC;
	}
	return ts;
}

static uint32_t dir_nlink(struct op *op, const struct view *v, int64_t hint)
{
	const struct gfs_node *n = &v->n;

	if (hint > 0)
		return (uint32_t)hint;
	switch (v->place) {
	case GFS_AT_ROOT:
	case GFS_AT_GALLERY:    /* .softdeleted is not listed, so not counted */
	case GFS_AT_DEFINITION:
		return 2 + (uint32_t)cat_count_children(op->t, n->id, GFS_LIVE, op->now_s);
	case GFS_AT_SD_ROOT:
		return 2 + (uint32_t)cat_count_softdeleted_definitions(op->t, n->id,
								       op->now_s);
	case GFS_AT_SD_DEFINITION:
		return 2 + (uint32_t)cat_count_softdeleted_versions(op->t, n->gallery,
								    n->id, op->now_s);
	default:
		return 2;
	}
}

void view_attr(struct op *op, const struct view *v, int64_t nlink_hint,
	       struct gfs_attr *out)
{
	struct gfs_node n = v->n;
	bool dir = v->place != GFS_AT_FILE && v->place != GFS_AT_SD_FILE &&
		   v->place != GFS_AT_ORPHAN;

	memset(out, 0, sizeof(*out));
	out->ino = view_ino(v);
	out->nodeid = view_nodeid(v);
	out->gen = view_gen(v);
	out->uid = n.uid;
	out->gid = n.gid;
	if (dir) {
		out->mode = S_IFDIR | (n.mode & 07777);
		out->size = DIR_SIZE;
		out->blocks = DIR_BLOCKS;
		out->nlink = dir_nlink(op, v, nlink_hint);
	} else {
		open_table_peek(&op->c->open, n.id, &n);
		out->mode = S_IFREG | (n.mode & 07777);
		out->size = n.size;
		out->blocks = n.blocks;
		out->nlink = v->place == GFS_AT_ORPHAN ? 0 : 1;
	}
	out->atime = ts_of(n.atime);
	out->mtime = ts_of(n.mtime);
	out->ctime = ts_of(n.ctime);
	out->volatile_ = gfs_place_softdeleted(v->place) || v->place == GFS_AT_ORPHAN;
}

int view_where(struct op *op, const struct view *v, struct gfs_where *w)
{
	struct gfs_node g, d, ver;
	const struct gfs_node *n = &v->n;
	bool sd = gfs_place_softdeleted(v->place);
	int r;

	memset(w, 0, sizeof(*w));
	w->place = v->place;
	w->name = v->n.name;
	if (v->place == GFS_AT_ROOT)
		return 0;
	if (v->place == GFS_AT_ORPHAN) {
		/* deleted for good, reached through an open descriptor */
		snprintf(w->path, sizeof(w->path), "(deleted)/%s", n->name);
		return 0;
	}
	if (v->place == GFS_AT_SD_ROOT)
		w->name = GFS_SOFTDELETED;

	w->gallery = n->gallery;
	w->definition = n->definition;
	if ((r = cat_node_get(op->t, n->gallery, &g)) < 0)
		return r;
	w->soft_delete = g.soft_delete;
	snprintf(w->gallery_location, sizeof(w->gallery_location), "%s", g.location);
	snprintf(w->location, sizeof(w->location), "%s", g.location);
	int len = snprintf(w->path, sizeof(w->path), "%s%s", g.name,
			   sd ? "/" GFS_SOFTDELETED : "");
	if (n->type == GFS_GALLERY)
		return 0;

	if ((r = cat_node_get(op->t, n->definition, &d)) < 0)
		return r;
	w->kind = d.kind;
	snprintf(w->definition_location, sizeof(w->definition_location), "%s",
		 d.location[0] ? d.location : g.location);
	snprintf(w->location, sizeof(w->location), "%s", w->definition_location);
	len += snprintf(w->path + len, sizeof(w->path) - (size_t)len, "/%s", d.name);
	if (n->type == GFS_DEFINITION)
		return 0;

	if (n->type == GFS_VERSION)
		ver = *n;
	else if ((r = cat_node_get(op->t, n->parent, &ver)) < 0)
		return r;
	w->version = ver.id;
	w->prov = ver.prov;
	if (ver.location[0])
		snprintf(w->location, sizeof(w->location), "%s", ver.location);
	if ((size_t)len < sizeof(w->path))
		len += snprintf(w->path + len, sizeof(w->path) - (size_t)len, "/%s",
				ver.name);
	if (n->type == GFS_FILE && (size_t)len < sizeof(w->path))
		snprintf(w->path + len, sizeof(w->path) - (size_t)len, "/%s", n->name);
	return 0;
}

void view_child_path(const struct gfs_where *parent, const char *name,
		     char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", parent->path, parent->path[0] ? "/" : "", name);
}
