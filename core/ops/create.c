/*
 * create.c — mkdir, create, mknod, symlink, link. A new node takes its
 * owner from the caller (the group from a set-group-ID parent, as on any
 * local filesystem) and its properties from its parent (design §4).
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"

/* Begin a creation: the transaction, the parent and what carries the name
 * already (EEXIST, as the kernel would say when it knows), then the
 * policy. On refusal the transaction is over and -errno returned. */
static int creation_begin(struct op *op, struct gfs_core *c, bool write,
			  uint64_t parent, const char *name, enum gfs_action action,
			  struct view *p, struct gfs_request *req,
			  struct gfs_err *err)
{
	bool exists;
	int r = op_begin(op, c, write, err);
	if (r < 0)
		return r;
	if ((r = gfs_facts_creation(op, parent, name, action, p, req, &exists)) < 0)
		return op_fail(op, r, "create");
	/* an open(O_CREAT) that raced with a soft delete into this place
	 * must hear R15's EPERM, never EEXIST */
	if (exists && !(action == GFS_ACT_CREATE && gfs_place_softdeleted(p->place))) {
		op_abort(op);
		return gfs_err_set(err, EEXIST, "exists");
	}
	if ((r = policy_ask(op, req)) < 0)
		op_abort(op);
	return r;
}

static void new_node(struct op *op, const struct gfs_caller *who,
		     const struct view *p, enum gfs_type type, const char *name,
		     mode_t mode, struct gfs_node *n)
{
	memset(n, 0, sizeof(*n));
	n->parent = p->n.id;
	n->gallery = p->n.gallery;
	n->definition = p->n.definition;
	n->type = type;
	n->state = GFS_LIVE;
	n->name_len = strlen(name);
	memcpy(n->name, name, n->name_len + 1);
	n->mode = (type == GFS_FILE ? S_IFREG : S_IFDIR) | (mode & 07777);
	n->uid = who->uid;
	n->gid = who->gid;
	if (p->n.mode & S_ISGID) {
		n->gid = p->n.gid;
		if (type != GFS_FILE)
			n->mode |= S_ISGID;
	}
	n->atime = n->mtime = n->ctime = op->now_ns;
	n->gen = n->mirror_gen = 1;
	switch (type) {
	case GFS_GALLERY:
		snprintf(n->location, sizeof(n->location), "%s", op->c->cfg->location);
		n->sharing = GFS_SHARING_PRIVATE;
		break;
	case GFS_DEFINITION:
	case GFS_VERSION:
		/* no location of its own: it follows its parent's until one is
		 * set (a restore tool may set the gallery's after creating the
		 * tree under it) */
		n->location[0] = '\0';
		n->kind = GFS_KIND_IMAGE;
		n->prov = GFS_PROV_SUCCEEDED;
		break;
	default:
		break;
	}
}

/* Insert n; galleries and definitions then point at themselves. A new
 * version holds one replica in its location, parent_location. */
static int insert_node(struct op *op, struct gfs_node *n,
		       const char *parent_location)
{
	int r = cat_node_insert(op->t, n);
	if (r < 0)
		return r;
	if (n->type == GFS_GALLERY || n->type == GFS_DEFINITION) {
		if (n->type == GFS_GALLERY)
			n->gallery = n->id;
		else
			n->definition = n->id;
		r = cat_node_update(op->t, n);
	}
	if (r == 0 && n->type == GFS_VERSION) {
		char replicas[GFS_LOCATION_MAX + 8];
		snprintf(replicas, sizeof(replicas), "%s=1", parent_location);
		r = cat_text_set(op->t, n->id, CAT_REPLICAS, replicas);
	}
	if (r == 0 && n->type == GFS_GALLERY)
		r = cat_text_set(op->t, n->id, CAT_SHARING_ADMINS, "");
	return r;
}

int gfs_mkdir(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, mode_t mode, struct gfs_attr *out,
	      struct gfs_err *err)
{
	struct op op;
	struct view p, v = { .place = GFS_AT_ROOT };
	struct gfs_request req;
	int r = creation_begin(&op, c, true, parent, name, GFS_ACT_MKDIR, &p, &req,
			       err);
	if (r < 0)
		return r;
	static const enum gfs_type child_type[] = {
		[GFS_AT_ROOT] = GFS_GALLERY,
		[GFS_AT_GALLERY] = GFS_DEFINITION,
		[GFS_AT_DEFINITION] = GFS_VERSION,
	};
	new_node(&op, who, &p, child_type[p.place], name, mode, &v.n);
	v.place = p.place == GFS_AT_ROOT ? GFS_AT_GALLERY :
		  p.place == GFS_AT_GALLERY ? GFS_AT_DEFINITION : GFS_AT_VERSION;
	if ((r = insert_node(&op, &v.n, req.at.location)) < 0 ||
	    (r = touch_dir(&op, p.n.id)) < 0)
		return op_fail(&op, r, "mkdir");
	view_attr(&op, &v, 0, out);
	return op_commit(&op, false);
}

/* A file of a trash's info/ that lives in memory (design §10): what it
 * holds is never stored; the descriptor for writing it is a memfd. */
static int make_pending(struct op *op, const struct gfs_caller *who,
			const struct view *p, const struct gfs_request *req,
			const char *name, mode_t mode, struct gfs_attr *out,
			int *fd, struct gfs_err *err)
{
	struct view v = *p;
	enum gfs_pending_kind kind = req->info_name == GFS_INFO_FREE ?
		GFS_PENDING_RESERVED : GFS_PENDING_TEMP;
	int r = gfs_pending_add(&op->c->pending, p->uid, kind, name, mode & 07777,
				who->uid, who->gid, op->now_ns, &v.pending);
	if (r < 0) {
		op_abort(op);
		return gfs_err_set(err, -r, "%s: %s", req->at.path, strerror(-r));
	}
	v.place = GFS_AT_TRASH_PENDING;
	view_attr(op, &v, 0, out);
	op_abort(op);       /* the catalog is not touched */
	if (fd && (*fd = fcntl(v.pending.fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		gfs_pending_drop(&op->c->pending, v.pending.id);
		return gfs_err_set(err, errno, "%s: %s", req->at.path, strerror(errno));
	}
	return 0;
}

/* A regular file: the row, its empty object, and (for create) a handle. */
static int make_file(struct gfs_core *c, const struct gfs_caller *who,
		     uint64_t parent, const char *name, mode_t mode,
		     struct gfs_attr *out, int *fd, bool *in_memory,
		     struct gfs_err *err)
{
	struct op op;
	struct view p, v = { .place = GFS_AT_FILE };
	struct gfs_request req;
	int r = creation_begin(&op, c, true, parent, name, GFS_ACT_CREATE, &p, &req,
			       err);
	if (r < 0)
		return r;
	*in_memory = p.place == GFS_AT_TRASH_INFO;
	if (*in_memory)
		return make_pending(&op, who, &p, &req, name, mode, out, fd, err);
	new_node(&op, who, &p, GFS_FILE, name, mode, &v.n);
	v.place = GFS_AT_FILE;
	if ((r = insert_node(&op, &v.n, NULL)) < 0 ||
	    (r = touch_dir(&op, p.n.id)) < 0)
		return op_fail(&op, r, "create");
	/* opened by its creation: held here from the start (holders.c), in
	 * the same transaction */
	if (fd && c->hosts.shared && (r = cat_holder_add(op.t, v.n.id)) < 0)
		return op_fail(&op, r, "create");
	int ofd = gfs_store_create(&c->store, v.n.id);
	if (ofd < 0) {
		gfs_err_set(err, -ofd, "%s: object store: %s", req.at.path,
			    strerror(-ofd));
		op_abort(&op);
		return ofd;
	}
	view_attr(&op, &v, 0, out);
	r = op_commit(&op, false);
	if (r < 0) {
		close(ofd);
		gfs_store_remove(&c->store, v.n.id);
		return r;
	}
	if (fd)
		*fd = ofd;
	else
		close(ofd);
	return 0;
}

int gfs_create(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, mode_t mode, int flags, struct gfs_attr *out,
	       struct gfs_handle **h, struct gfs_err *err)
{
	int fd;
	bool in_memory;
	int r = make_file(c, who, parent, name, mode, out, &fd, &in_memory, err);
	/* open(O_CREAT) of a name another host made, which this kernel still
	 * holds as missing: ESTALE makes the kernel look the path up again
	 * and open what is there, with its own permission checks (its open
	 * retries once on ESTALE); EEXIST would break open(2)'s promise */
	if (r == -EEXIST && c->hosts.shared && !(flags & O_EXCL))
		return gfs_err_set(err, ESTALE, "%s exists already (made through "
				   "another host's mount): the kernel looks again", name);
	if (r < 0)
		return r;
	if (in_memory)
		return handle_synthetic(&c->open, fd, flags, h, err);
	return handle_adopt(c, (int64_t)(out->ino / 2), fd, flags, out, h, err);
}

/* Ask the policy about a creation it must refuse, for its reason. */
static int refused_creation(struct gfs_core *c, uint64_t parent, const char *name,
			    enum gfs_action action, struct gfs_err *err)
{
	struct op op;
	struct view p;
	struct gfs_request req;
	int r = creation_begin(&op, c, false, parent, name, action, &p, &req, err);
	if (r < 0)
		return r;
	op_abort(&op);
	/* the table refuses every such creation */
	return gfs_err_rule(err, "R12", EPERM, "cannot be created");
}

int gfs_mknod(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	      const char *name, mode_t mode, struct gfs_attr *out,
	      struct gfs_err *err)
{
	bool in_memory;
	if (S_ISREG(mode))
		return make_file(c, who, parent, name, mode, out, NULL, &in_memory, err);
	return refused_creation(c, parent, name, GFS_ACT_MKNOD, err);
}

int gfs_symlink(struct gfs_core *c, uint64_t parent, const char *name,
		struct gfs_err *err)
{
	return refused_creation(c, parent, name, GFS_ACT_SYMLINK, err);
}

int gfs_link(struct gfs_core *c, uint64_t parent, const char *name,
	     struct gfs_err *err)
{
	return refused_creation(c, parent, name, GFS_ACT_LINK, err);
}
