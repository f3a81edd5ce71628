/*
 * view.c — from inode numbers and names to views, and from views to what
 * the kernel and the policy see: attributes, generations, paths, lineage.
 *
 * The one place that knows the tree's shape (design §1, §3, §9, §10):
 * which rows show where, which synthetic directories exist, what their
 * numbers are.
 *
 * Numbers below 2^43: catalog row N is 2N+1, its mirror 2N. Above, the
 * trash view (design §10): the info file of item N is TRASH_BASE + N;
 * each uid's .Trash-UID, files/, info/ and expunged/ are UID_BASE +
 * 4 UID + 0..3; a file of info/ that lives in memory is PENDING_BASE +
 * its id. A soft-deleted version shows in two views, .softdeleted and its
 * trash, with one st_ino (2N+1) and two node ids that differ in one
 * generation bit: the view it was renamed into holds the generation the
 * kernel knows (design §9: no directory at two paths under one node id).
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"

#define DIR_SIZE 4096
#define DIR_BLOCKS 8

#define GEN_MASK ((UINT64_C(1) << (64 - GFS_NODEID_GEN_SHIFT)) - 1)
#define INO_MASK ((UINT64_C(1) << GFS_NODEID_GEN_SHIFT) - 1)
#define GEN_OTHER_VIEW (UINT64_C(1) << (63 - GFS_NODEID_GEN_SHIFT))

#define TRASH_BASE (UINT64_C(1) << 43)
#define UID_BASE (TRASH_BASE + (UINT64_C(1) << 42))
#define PENDING_BASE (UID_BASE + (UINT64_C(1) << 40))

static const char *const trash_dirs[] = { "files", "info", "expunged" };

static bool is_mirror(enum gfs_place p)
{
	return p == GFS_AT_SD_ROOT || p == GFS_AT_SD_DEFINITION || p == GFS_AT_SHADOW;
}

/* The four directories of a uid's trash, in number order. */
static int trash_dir_index(enum gfs_place p)
{
	switch (p) {
	case GFS_AT_TRASH:
		return 0;
	case GFS_AT_TRASH_FILES:
		return 1;
	case GFS_AT_TRASH_INFO:
		return 2;
	case GFS_AT_TRASH_EXPUNGED:
		return 3;
	default:
		return -1;
	}
}

uint64_t view_ino(const struct view *v)
{
	int k = trash_dir_index(v->place);
	if (k >= 0)
		return UID_BASE + 4 * (uint64_t)v->uid + (uint64_t)k;
	if (v->place == GFS_AT_TRASH_INFO_FILE)
		return TRASH_BASE + (uint64_t)v->n.id;
	if (v->place == GFS_AT_TRASH_PENDING)
		return PENDING_BASE + v->pending.id;
	return nodeid_of(v->n.id, is_mirror(v->place), 0);
}

uint64_t view_gen(const struct view *v)
{
	bool owns = v->in_trash && v->e.trash_view_owns;
	switch (v->place) {
	case GFS_AT_SD_ROOT:
	case GFS_AT_SD_DEFINITION:
	case GFS_AT_SHADOW:
		return v->n.mirror_gen;
	case GFS_AT_SD_VERSION:
		return owns ? v->n.gen ^ GEN_OTHER_VIEW : v->n.gen;
	case GFS_AT_TRASH_VERSION:
		return owns ? v->n.gen : v->n.gen ^ GEN_OTHER_VIEW;
	default:
		return trash_dir_index(v->place) >= 0 ||
		       v->place == GFS_AT_TRASH_INFO_FILE ||
		       v->place == GFS_AT_TRASH_PENDING ? 0 : v->n.gen;
	}
}

uint64_t nodeid_of(int64_t id, bool mirror, uint64_t gen)
{
	if (id == 0)
		return GFS_ROOT_INO;
	uint64_t ino = 2 * (uint64_t)id + (mirror ? 0 : 1);
	return ino | (gen & GEN_MASK) << GFS_NODEID_GEN_SHIFT;
}

uint64_t nodeid_other_view(uint64_t nodeid)
{
	return nodeid ^ GEN_OTHER_VIEW << GFS_NODEID_GEN_SHIFT;
}

uint64_t view_nodeid(const struct view *v)
{
	if (v->place == GFS_AT_ROOT)
		return GFS_ROOT_INO;
	return view_ino(v) | (view_gen(v) & GEN_MASK) << GFS_NODEID_GEN_SHIFT;
}

uint64_t sd_home_nodeid(const struct gfs_node *up)
{
	bool mirror = up->type == GFS_DEFINITION || up->state == GFS_LIVE;
	return nodeid_of(up->id, mirror, mirror ? up->mirror_gen : up->gen);
}

uint64_t trash_dir_nodeid(uint32_t uid, enum gfs_place dir)
{
	struct view v = { .place = dir, .uid = uid };
	return view_nodeid(&v);
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

/* Fill v's trash row, if n has one. */
static int load_trash(struct op *op, struct view *v)
{
	int r = cat_trash_get(op->t, v->n.id, &v->e);
	v->in_trash = r == 0;
	if (r == 0)
		v->uid = v->e.uid;
	return r == -ENOENT ? 0 : r;
}

/* Place of a row reached through its own (odd) number with generation
 * gen, or -ENOENT when it is not visible (expired) or not at that
 * generation. */
static int place_of_row(struct op *op, struct view *v, uint64_t gen)
{
	const struct gfs_node *n = &v->n;
	int r;

	switch (n->state) {
	case GFS_LIVE:
		v->place = live_place(n->type);
		break;
	case GFS_SOFT_DELETED:
		if (n->purge_at <= op->now_s) {
			/* gone from the tree; an open descriptor still reaches
			 * it, as it would after the purge (design §2) */
			if (n->type != GFS_FILE || !open_table_is_open(&op->c->open, n->id))
				return -ENOENT;
			v->place = GFS_AT_ORPHAN;
			break;
		}
		if ((r = load_trash(op, v)) < 0)
			return r;
		v->place = n->type == GFS_VERSION ? GFS_AT_SD_VERSION : GFS_AT_SD_FILE;
		/* a soft-deleted version: which of its two views */
		if (v->place == GFS_AT_SD_VERSION && v->in_trash &&
		    (view_gen(v) & GEN_MASK) != gen)
			v->place = GFS_AT_TRASH_VERSION;
		break;
	default:
		v->place = GFS_AT_ORPHAN;
		break;
	}
	return (view_gen(v) & GEN_MASK) == gen ? 0 : -ENOENT;
}

/* A trash item (a soft-deleted version or file with a trash row), not
 * past its purgeAt. */
static int trash_item(struct op *op, int64_t id, struct view *out)
{
	int r = cat_node_get(op->t, id, &out->n);
	if (r < 0)
		return r;
	if (out->n.state != GFS_SOFT_DELETED || out->n.purge_at <= op->now_s)
		return -ENOENT;
	if ((r = load_trash(op, out)) < 0)
		return r;
	return out->in_trash ? 0 : -ENOENT;
}

int view_of_ino(struct op *op, uint64_t nodeid, struct view *out)
{
	uint64_t ino = nodeid & INO_MASK, gen = nodeid >> GFS_NODEID_GEN_SHIFT;

	memset(out, 0, sizeof(*out));
	if (nodeid == GFS_ROOT_INO) {
		out->place = GFS_AT_ROOT;
		return cat_node_get(op->t, 0, &out->n);
	}
	if (ino >= PENDING_BASE) {
		if (gen || !gfs_pending_by_id(&op->c->pending, ino - PENDING_BASE,
					     op->now_ns, &out->pending))
			return -ENOENT;
		out->place = GFS_AT_TRASH_PENDING;
		out->uid = out->pending.uid;
		return cat_node_get(op->t, 0, &out->n);
	}
	if (ino >= UID_BASE) {
		static const enum gfs_place dirs[] = { GFS_AT_TRASH, GFS_AT_TRASH_FILES,
			GFS_AT_TRASH_INFO, GFS_AT_TRASH_EXPUNGED };
		if (gen)
			return -ENOENT;
		out->place = dirs[(ino - UID_BASE) % 4];
		out->uid = (uint32_t)((ino - UID_BASE) / 4);
		return cat_node_get(op->t, 0, &out->n);
	}
	if (ino >= TRASH_BASE) {
		if (gen)
			return -ENOENT;
		int r = trash_item(op, (int64_t)(ino - TRASH_BASE), out);
		out->place = GFS_AT_TRASH_INFO_FILE;
		return r;
	}

	int64_t id = (int64_t)(ino / 2);
	if (id <= 0)
		return -ENOENT;
	int r = cat_node_get(op->t, id, &out->n);
	if (r < 0)
		return r;
	if (ino % 2)
		return place_of_row(op, out, gen);
	if (out->n.state != GFS_LIVE)
		return -ENOENT;
	switch (out->n.type) {
	case GFS_GALLERY:
		out->place = GFS_AT_SD_ROOT;
		break;
	case GFS_DEFINITION:
		out->place = GFS_AT_SD_DEFINITION;
		break;
	case GFS_VERSION:
		out->place = GFS_AT_SHADOW;
		break;
	default:
		return -ENOENT;
	}
	return (out->n.mirror_gen & GEN_MASK) == gen ? 0 : -ENOENT;
}

/* name in the root: a gallery, or a uid's trash */
static int root_child(struct op *op, const struct view *root, const char *name,
		      size_t len, struct view *out)
{
	int64_t uid = gfs_trash_dir_uid(name);
	if (uid >= 0) {
		out->place = GFS_AT_TRASH;
		out->uid = (uint32_t)uid;
		out->n = root->n;
		return 0;
	}
	int r = cat_child_get(op->t, 0, name, len, GFS_LIVE, op->now_s, &out->n);
	if (r == 0)
		out->place = GFS_AT_GALLERY;
	return r;
}

/* name in info/: an item's NAME.trashinfo, or a file living in memory */
static int info_child(struct op *op, const struct view *info, const char *name,
		      struct view *out)
{
	char item[256];
	if (gfs_trash_info_item(name, item, sizeof(item)) &&
	    cat_trash_find(op->t, info->uid, item, strlen(item), op->now_s, &out->n,
			   &out->e) == 0) {
		out->place = GFS_AT_TRASH_INFO_FILE;
		out->in_trash = true;
		out->uid = info->uid;
		return 0;
	}
	if (!gfs_pending_find(&op->c->pending, info->uid, name, op->now_ns,
			      &out->pending))
		return -ENOENT;
	out->place = GFS_AT_TRASH_PENDING;
	out->uid = info->uid;
	out->n = info->n;
	return 0;
}

int view_child(struct op *op, const struct view *parent, const char *name,
	       struct view *out)
{
	size_t len = strlen(name);
	int64_t pid = parent->n.id;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > GFS_FILE_NAME_MAX)
		return -ENAMETOOLONG;
	switch (parent->place) {
	case GFS_AT_ROOT:
		return root_child(op, parent, name, len, out);
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
		if (r == 0) {
			out->place = GFS_AT_SD_VERSION;
			r = load_trash(op, out);
		}
		return r;
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
	case GFS_AT_TRASH_VERSION:
		r = cat_child_get(op->t, pid, name, len, GFS_SOFT_DELETED, op->now_s,
				  &out->n);
		if (r == 0) {
			out->place = GFS_AT_SD_FILE;
			r = load_trash(op, out);
		}
		return r;
	case GFS_AT_TRASH:
		for (int k = 0; k < 3; k++) {
			if (strcmp(name, trash_dirs[k]) == 0) {
				out->place = (enum gfs_place)(GFS_AT_TRASH_FILES + k);
				out->uid = parent->uid;
				out->n = parent->n;
				return 0;
			}
		}
		return -ENOENT;
	case GFS_AT_TRASH_FILES:
		r = cat_trash_find(op->t, parent->uid, name, len, op->now_s, &out->n,
				   &out->e);
		if (r == 0) {
			out->in_trash = true;
			out->uid = parent->uid;
			out->place = out->n.type == GFS_VERSION ? GFS_AT_TRASH_VERSION :
				     GFS_AT_SD_FILE;
		}
		return r;
	case GFS_AT_TRASH_INFO:
		return info_child(op, parent, name, out);
	case GFS_AT_TRASH_EXPUNGED:
		return -ENOENT;     /* always empty: what goes in is deleted */
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
	case GFS_AT_TRASH:
		return 5;
	default:
		return 2;
	}
}

/* The text of an item's info file; its length, or -1. */
int view_info_text(struct op *op, const struct view *item, char *buf, size_t len)
{
	struct gfs_where w;
	struct view v = *item;
	v.place = v.n.type == GFS_VERSION ? GFS_AT_SD_VERSION : GFS_AT_SD_FILE;
	if (view_where(op, &v, &w) < 0)
		return -1;
	return gfs_trash_info_text(w.home, v.n.deleted_at, buf, len);
}

/* Whether a directory at this place is a node's synthetic .softdeleted
 * mirror (design §9): its listing changes with soft deletes, restores,
 * deletes for good, purges and expiries, so its mtime is the mirror's. (A
 * soft-deleted version is no mirror: it keeps its own mtime, which moves
 * when a file of it is deleted for good, as any directory's.) */
static bool lists_mirror(enum gfs_place p)
{
	return p == GFS_AT_SD_ROOT || p == GFS_AT_SD_DEFINITION ||
	       p == GFS_AT_SHADOW;
}

void view_attr(struct op *op, const struct view *v, int64_t nlink_hint,
	       struct gfs_attr *out)
{
	struct gfs_node n = v->n;
	int k = trash_dir_index(v->place);

	memset(out, 0, sizeof(*out));
	out->ino = view_ino(v);
	out->nodeid = view_nodeid(v);
	out->gen = view_gen(v);
	out->uid = n.uid;
	out->gid = n.gid;
	out->volatile_ = gfs_place_softdeleted(v->place) || v->place == GFS_AT_ORPHAN;
	out->stable_entry = v->place == GFS_AT_SD_ROOT || k >= 0;
	if (k >= 0) {
		/* a uid's trash: its own, 0700, changing with its items (and
		 * info/ with the files tools write there) */
		int64_t mt = cat_trash_mtime(op->t, v->uid, op->now_s);
		if (v->place == GFS_AT_TRASH_INFO) {
			int64_t pt = gfs_pending_mtime(&op->c->pending, op->now_ns);
			mt = pt > mt ? pt : mt;
		}
		if (mt == 0)
			mt = n.ctime;
		out->uid = v->uid;
		out->gid = gfs_primary_gid(v->uid);
		out->mode = S_IFDIR | 0700;
		out->size = DIR_SIZE;
		out->blocks = DIR_BLOCKS;
		out->nlink = dir_nlink(op, v, 0);
		out->atime = out->mtime = out->ctime = ts_of(mt);
		return;
	}
	if (v->place == GFS_AT_TRASH_INFO_FILE) {
		char text[GFS_TRASH_INFO_MAX];
		int len = view_info_text(op, v, text, sizeof(text));
		out->uid = v->uid;
		out->gid = gfs_primary_gid(v->uid);
		out->mode = S_IFREG | 0600;
		out->size = len > 0 ? len : 0;
		out->blocks = DIR_BLOCKS;
		out->nlink = 1;
		out->atime = out->mtime = out->ctime =
			ts_of(n.deleted_at * GFS_NS_PER_SEC);
		return;
	}
	if (v->place == GFS_AT_TRASH_PENDING) {
		struct stat st;
		const struct gfs_pending *p = &v->pending;
		out->uid = p->owner;
		out->gid = p->group;
		out->mode = S_IFREG | (p->mode & 07777);
		if (fstat(p->fd, &st) == 0) {
			out->size = st.st_size;
			out->blocks = st.st_blocks;
		}
		out->nlink = 1;
		out->atime = out->mtime = out->ctime = ts_of(p->created_ns);
		return;
	}
	if (lists_mirror(v->place)) {
		/* its listing changes with what the kernel does not see */
		int64_t mt = cat_mirror_mtime(op->t, n.id, op->now_s);
		if (mt != 0) {
			n.mtime = mt;
			n.ctime = mt > n.ctime ? mt : n.ctime;
		}
	}
	if (!gfs_place_is_file(v->place)) {
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
}

/* where a uid's trash directory is, for messages */
static void trash_path(const struct view *v, char *buf, size_t len)
{
	int k = trash_dir_index(v->place);
	snprintf(buf, len, GFS_TRASH_PREFIX "%u%s%s", v->uid, k > 0 ? "/" : "",
		 k > 0 ? trash_dirs[k - 1] : "");
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
	w->trash_uid = v->uid;
	if (v->place == GFS_AT_ROOT)
		return 0;
	if (v->place == GFS_AT_ORPHAN) {
		/* deleted for good, reached through an open descriptor */
		snprintf(w->path, sizeof(w->path), "(deleted)/%s", n->name);
		return 0;
	}
	if (trash_dir_index(v->place) >= 0) {
		trash_path(v, w->path, sizeof(w->path));
		w->name = v->place == GFS_AT_TRASH ? "" :
			  trash_dirs[trash_dir_index(v->place) - 1];
		return 0;
	}
	if (v->place == GFS_AT_TRASH_PENDING) {
		snprintf(w->path, sizeof(w->path), GFS_TRASH_PREFIX "%u/info/%s",
			 v->uid, v->pending.name);
		w->name = v->pending.name;
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
	int hlen = snprintf(w->home, sizeof(w->home), "%s", g.name);
	if (n->type == GFS_GALLERY)
		return 0;

	if ((r = cat_node_get(op->t, n->definition, &d)) < 0)
		return r;
	w->kind = d.kind;
	snprintf(w->definition_location, sizeof(w->definition_location), "%s",
		 d.location[0] ? d.location : g.location);
	snprintf(w->location, sizeof(w->location), "%s", w->definition_location);
	len += snprintf(w->path + len, sizeof(w->path) - (size_t)len, "/%s", d.name);
	hlen += snprintf(w->home + hlen, sizeof(w->home) - (size_t)hlen, "/%s", d.name);
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
	if ((size_t)hlen < sizeof(w->home))
		hlen += snprintf(w->home + hlen, sizeof(w->home) - (size_t)hlen, "/%s",
				 ver.name);
	if (n->type == GFS_FILE && (size_t)len < sizeof(w->path))
		snprintf(w->path + len, sizeof(w->path) - (size_t)len, "/%s", n->name);
	if (n->type == GFS_FILE && (size_t)hlen < sizeof(w->home))
		snprintf(w->home + hlen, sizeof(w->home) - (size_t)hlen, "/%s", n->name);
	if (v->in_trash) {
		w->in_trash = true;
		w->trash_uid = v->e.uid;
	}
	if (v->place != GFS_AT_SD_VERSION && v->place != GFS_AT_SD_FILE &&
	    v->place != GFS_AT_TRASH_VERSION && v->place != GFS_AT_TRASH_INFO_FILE)
		w->home[0] = '\0';
	return 0;
}

void view_child_path(const struct gfs_where *parent, const char *name,
		     char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", parent->path, parent->path[0] ? "/" : "", name);
}
