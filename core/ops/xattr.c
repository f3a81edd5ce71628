/*
 * xattr.c — properties (user.acg.*) and free user.* attributes (design §4).
 *
 * Properties always exist on the nodes they apply to and read in canonical
 * form; free attributes behave as on ext4. Which changes are allowed is the
 * policy's to say (R1, R4-R7, R15, R18); this file gathers the facts it
 * needs and stores the result.
 */
#include "core.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>


#define XATTR_LIST_LIMIT 65536

static unsigned applies_to(enum gfs_place p)
{
	switch (p) {
	case GFS_AT_GALLERY:
		return GFS_ON_GALLERY;
	case GFS_AT_DEFINITION:
		return GFS_ON_DEFINITION;
	case GFS_AT_VERSION:
		return GFS_ON_VERSION;
	case GFS_AT_SD_VERSION:
	case GFS_AT_TRASH_VERSION:
		return GFS_ON_VERSION | GFS_ON_SOFT_DELETED;
	case GFS_AT_SD_FILE:
		return GFS_ON_SOFT_DELETED;
	default:
		return 0;
	}
}

static bool prop_applies(int prop, enum gfs_place p)
{
	return prop >= 0 && (gfs_props[prop].on & applies_to(p));
}

/* Synthetic directories share their row with the node they mirror but
 * none of its attributes. */
static bool has_free_attrs(enum gfs_place p)
{
	return p != GFS_AT_SD_ROOT && p != GFS_AT_SD_DEFINITION && p != GFS_AT_SHADOW &&
	       p != GFS_AT_TRASH && p != GFS_AT_TRASH_FILES && p != GFS_AT_TRASH_INFO &&
	       p != GFS_AT_TRASH_EXPUNGED && p != GFS_AT_TRASH_INFO_FILE &&
	       p != GFS_AT_TRASH_PENDING;
}

static bool is_user_name(const char *name)
{
	return strncmp(name, GFS_XATTR_PREFIX, strlen(GFS_XATTR_PREFIX)) == 0 &&
	       name[strlen(GFS_XATTR_PREFIX)] != '\0';
}

/* The canonical value of a property of view v: what its row keeps, as
 * its row formats it, as the rules say it reads in the node's state
 * (R17). */
static int prop_value(struct op *op, const struct view *v, int prop, char *out,
		      size_t len)
{
	const struct gfs_prop_info *p = &gfs_props[prop];
	const struct gfs_node *n = &v->n;
	char kept[GFS_PROP_VALUE_MAX] = "", value[GFS_PROP_VALUE_MAX];
	struct gfs_where w;
	int r = 0;

	switch (p->source) {
	case GFS_FROM_NODE:
		break;
	case GFS_FROM_LOCATION:
		if ((r = view_where(op, v, &w)) == 0)
			snprintf(kept, sizeof(kept), "%s", w.location);
		break;
	case GFS_FROM_TEXT:
		r = cat_text_get(op->t, n->id, (enum cat_text)p->text, kept,
				 sizeof(kept));
		break;
	case GFS_FROM_COUNT:
		snprintf(kept, sizeof(kept), "%lld", (long long)
			 cat_softdeleted_bytes(op->t, n->id, op->now_s));
		break;
	}
	if (r < 0)
		return r;
	p->format(n, kept, value, sizeof(value));
	gfs_policy_value_view(prop, n->state == GFS_SOFT_DELETED, value, out, len);
	return 0;
}

/* Copy value into the caller's buffer under getxattr's size rules. */
static ssize_t reply_value(const void *value, size_t n, void *buf, size_t size)
{
	if (size == 0)
		return (ssize_t)n;
	if (n > size)
		return -ERANGE;
	memcpy(buf, value, n);
	return (ssize_t)n;
}

ssize_t gfs_getxattr(struct gfs_core *c, uint64_t ino, const char *name,
		     void *buf, size_t size, struct gfs_err *err)
{
	struct op op;
	struct view v;

	/* ls -l asks every entry for its ACLs and security label: nothing
	 * outside user.* is ever stored, so answer without the catalog */
	if (!is_user_name(name)) {
		gfs_err_clear(err);
		return -ENODATA;
	}
	ssize_t r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	if ((r = view_of_ino(&op, ino, &v)) < 0)
		goto out;
	int prop = gfs_prop_lookup(name);
	if (prop >= 0) {
		char value[GFS_PROP_VALUE_MAX];
		if (!prop_applies(prop, v.place))
			r = -ENODATA;
		else if ((r = prop_value(&op, &v, prop, value, sizeof(value))) == 0)
			r = reply_value(value, strlen(value), buf, size);
	} else if (prop == -1 || !is_user_name(name) || !has_free_attrs(v.place)) {
		r = -ENODATA;
	} else {
		size_t len = 0;
		r = cat_xattr_get(op.t, v.n.id, name, buf, size, &len);
		if (r == 0)
			r = (ssize_t)len;
	}
out:
	op_abort(&op);
	return r;
}

struct name_list {
	char *buf;
	size_t size, used;
	bool overflow;
};

static void add_name(struct name_list *l, const char *name)
{
	size_t n = strlen(name) + 1;
	if (l->size && l->used + n <= l->size)
		memcpy(l->buf + l->used, name, n);
	else if (l->size)
		l->overflow = true;
	l->used += n;
}

static int add_free_name(void *arg, const char *name, const void *value, size_t len)
{
	(void)value;
	(void)len;
	add_name(arg, name);
	return 0;
}

ssize_t gfs_listxattr(struct gfs_core *c, uint64_t ino, char *buf, size_t size,
		      struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct name_list l = { .buf = buf, .size = size };
	ssize_t r = op_begin(&op, c, false, err);
	if (r < 0)
		return r;
	if ((r = view_of_ino(&op, ino, &v)) < 0)
		goto out;
	for (int p = 0; p < GFS_PROP_COUNT; p++)
		if (prop_applies(p, v.place) && !gfs_props[p].unlisted)
			add_name(&l, gfs_props[p].name);
	if (has_free_attrs(v.place))
		r = cat_xattr_list(op.t, v.n.id, add_free_name, &l);
	if (r == 0)
		r = l.overflow ? -ERANGE : (ssize_t)l.used;
out:
	op_abort(&op);
	return r;
}

/* Parse value into its row's canonical form; fills the request's value
 * facts (R18). */
static void parse_value(struct gfs_request *req, const char *value, size_t size,
			char *canon, size_t len)
{
	req->value_ok = gfs_props[req->prop].canon(value, size, canon, len) == 0;
}

/* Keep a property's new canonical value where its row says. */
static int prop_store(struct op *op, struct gfs_node *n, int prop, const char *canon)
{
	const struct gfs_prop_info *p = &gfs_props[prop];
	if (p->source == GFS_FROM_TEXT)
		return cat_text_set(op->t, n->id, (enum cat_text)p->text, canon);
	/* the policy refused read-only properties (R1, R18) */
	assert(p->store && !p->read_only);
	p->store(n, canon);
	return 0;
}

/* Shared start of setxattr and removexattr: resolve and describe. */
static int xattr_request(struct op *op, uint64_t ino, const char *name,
			 enum gfs_action action, struct view *v,
			 struct gfs_request *req)
{
	int r = view_of_ino(op, ino, v);
	if (r < 0)
		return r;
	memset(req, 0, sizeof(*req));
	req->action = action;
	req->cfg = op->c->cfg;
	req->prop = gfs_prop_lookup(name);
	req->prop_applies = prop_applies(req->prop, v->place);
	return view_where(op, v, &req->at);
}

/* Listing size once name is added, for the 64 KiB limit of listxattr. */
static bool list_would_overflow(struct op *op, const struct view *v,
				const char *name)
{
	int64_t total = cat_xattr_names_size(op->t, v->n.id) + (int64_t)strlen(name) + 1;
	for (int p = 0; p < GFS_PROP_COUNT; p++)
		if (prop_applies(p, v->place) && !gfs_props[p].unlisted)
			total += (int64_t)strlen(gfs_props[p].name) + 1;
	return total > XATTR_LIST_LIMIT;
}

int gfs_setxattr(struct gfs_core *c, const struct gfs_caller *who, uint64_t ino,
		 const char *name, const void *value, size_t size, int flags,
		 struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct gfs_request req;
	char canon[GFS_PROP_VALUE_MAX], current[GFS_PROP_VALUE_MAX];
	struct prop_change change = { .op = &op, .v = &v, .who = who,
				      .req = &req, .canon = canon };
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	if ((r = xattr_request(&op, ino, name, GFS_ACT_SETXATTR, &v, &req)) < 0)
		goto refused;
	if (req.prop == -2 && !is_user_name(name)) {
		r = gfs_err_set(err, EOPNOTSUPP, "only user.* attributes are stored");
		goto refused;
	}
	req.xattr_create = flags & XATTR_CREATE;
	if (req.prop >= 0 && req.prop_applies) {
		parse_value(&req, value, size, canon, sizeof(canon));
		if (req.value_ok && (r = prop_value(&op, &v, req.prop, current,
						    sizeof(current))) < 0)
			goto refused;
		req.same_value = req.value_ok && strcmp(canon, current) == 0 &&
				 !gfs_place_softdeleted(v.place);
		/* facts only matter for a well-formed change (R18 answers the rest) */
		if (req.value_ok && !req.same_value && gfs_props[req.prop].facts &&
		    (r = gfs_props[req.prop].facts(&change)) < 0)
			goto refused;
	}
	if ((r = policy_ask(&op, &req)) < 0)
		goto refused;
	if (req.prop >= 0) {
		if (req.same_value) {
			op_abort(&op);
			return 0;
		}
		r = prop_store(&op, &v.n, req.prop, canon);
	} else {
		/* every place without free attributes is in .softdeleted or
		 * a trash, where R15 refused the change */
		assert(has_free_attrs(v.place));
		size_t cur;
		if (cat_xattr_get(op.t, v.n.id, name, NULL, 0, &cur) == -ENODATA &&
		    list_would_overflow(&op, &v, name)) {
			r = gfs_err_set(err, ENOSPC, "attribute list is full (64 KiB)");
			goto refused;
		}
		r = cat_xattr_set(op.t, v.n.id, name, value, size, flags);
		if (r == -EEXIST || r == -ENODATA) {
			gfs_err_set(err, -r, r == -EEXIST ? "exists" : "no such attribute");
			goto refused;
		}
	}
	if (r == 0) {
		v.n.ctime = op.now_ns;
		r = cat_node_update_attrs(op.t, &v.n);
	}
	if (r < 0)
		return op_fail(&op, r, "setxattr");
	return op_commit(&op, false);

refused:
	op_abort(&op);
	return r;
}

int gfs_removexattr(struct gfs_core *c, const struct gfs_caller *who,
		    uint64_t ino, const char *name, struct gfs_err *err)
{
	struct op op;
	struct view v;
	struct gfs_request req;
	(void)who;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	if ((r = xattr_request(&op, ino, name, GFS_ACT_REMOVEXATTR, &v, &req)) < 0)
		goto refused;
	if (req.prop == -2 && !is_user_name(name)) {
		r = gfs_err_set(err, EOPNOTSUPP, "only user.* attributes are stored");
		goto refused;
	}
	if ((r = policy_ask(&op, &req)) < 0)
		goto refused;
	if (!has_free_attrs(v.place)) {
		r = gfs_err_set(err, ENODATA, "no such attribute");
		goto refused;
	}
	r = cat_xattr_remove(op.t, v.n.id, name);
	if (r == -ENODATA) {
		gfs_err_set(err, ENODATA, "no such attribute");
		goto refused;
	}
	if (r == 0) {
		v.n.ctime = op.now_ns;
		r = cat_node_update_attrs(op.t, &v.n);
	}
	if (r < 0)
		return op_fail(&op, r, "removexattr");
	return op_commit(&op, false);

refused:
	op_abort(&op);
	return r;
}
