/*
 * xattr.c — properties (user.acg.*) and free user.* attributes (design §4).
 *
 * Properties always exist on the nodes they apply to and read in canonical
 * form; free attributes behave as on ext4. Which changes are allowed is the
 * policy's to say (R1, R4-R7, R15, R18); this file gathers the facts it
 * needs and stores the result.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "roles.h"

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

/* The canonical value of a property of view v. */
static int prop_value(struct op *op, const struct view *v, int prop, char *out,
		      size_t len)
{
	const struct gfs_node *n = &v->n;
	char stored[GFS_PROP_VALUE_MAX];
	struct gfs_where w;
	int r = 0;

	switch (prop) {
	case GFS_PROP_LOCATION:
		if ((r = view_where(op, v, &w)) == 0)
			snprintf(out, len, "%s", w.location);
		break;
	case GFS_PROP_KIND:
		snprintf(out, len, "%s", gfs_kind_name(n->kind));
		break;
	case GFS_PROP_SHARING:
		snprintf(out, len, "%s", gfs_sharing_name(n->sharing));
		break;
	case GFS_PROP_SHARING_ADMINS:
		r = cat_text_get(op->t, n->id, CAT_SHARING_ADMINS, out, len);
		break;
	case GFS_PROP_PROVISIONING_STATE:
		snprintf(out, len, "%s", gfs_provisioning_name(n->prov));
		break;
	case GFS_PROP_REPLICAS:
		r = cat_text_get(op->t, n->id, CAT_REPLICAS, stored, sizeof(stored));
		if (r == 0)
			gfs_policy_replicas_view(n->state == GFS_SOFT_DELETED, stored,
						 out, len);
		break;
	case GFS_PROP_USED_BY_VMSS_FLEX:
		snprintf(out, len, "%s", n->vmss_flex ? "true" : "false");
		break;
	case GFS_PROP_SOFT_DELETE:
		snprintf(out, len, "%s", n->soft_delete ? "true" : "false");
		break;
	case GFS_PROP_RETENTION_DAYS:
		snprintf(out, len, "%d", GFS_RETENTION_DAYS);
		break;
	case GFS_PROP_DELETED_AT:
		gfs_format_utc(n->deleted_at, out);
		break;
	case GFS_PROP_PURGE_AT:
		gfs_format_utc(n->purge_at, out);
		break;
	case GFS_PROP_SOFT_DELETED_BYTES:
		snprintf(out, len, "%lld", (long long)cat_softdeleted_bytes(op->t,
			 n->id, op->now_s));
		break;
	default:
		r = -ENODATA;
	}
	return r;
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

/* Whether the n bytes at s (not NUL-terminated) are all decimal digits. */
static bool digits_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Parse value for prop into its canonical form; fills the request's
 * value facts (R18). */
static void parse_value(struct gfs_request *req, const char *value, size_t size,
			char *canon, size_t len)
{
	int r = -EINVAL;
	bool b;
	enum gfs_kind k;
	enum gfs_sharing sh;
	enum gfs_provisioning pv;

	switch (req->prop) {
	case GFS_PROP_LOCATION: {
		char loc[GFS_LOCATION_MAX + 1];
		if ((r = gfs_parse_location(value, size, loc)) == 0)
			snprintf(canon, len, "%s", loc);
		break;
	}
	case GFS_PROP_KIND:
		if ((r = gfs_parse_kind(value, size, &k)) == 0)
			snprintf(canon, len, "%s", gfs_kind_name(k));
		break;
	case GFS_PROP_SHARING:
		if ((r = gfs_parse_sharing(value, size, &sh)) == 0)
			snprintf(canon, len, "%s", gfs_sharing_name(sh));
		break;
	case GFS_PROP_SHARING_ADMINS:
		r = gfs_parse_sharing_admins(value, size, canon, len);
		break;
	case GFS_PROP_PROVISIONING_STATE:
		if ((r = gfs_parse_provisioning(value, size, &pv)) == 0)
			snprintf(canon, len, "%s", gfs_provisioning_name(pv));
		break;
	case GFS_PROP_REPLICAS:
		r = gfs_parse_replicas(value, size, canon, len);
		break;
	case GFS_PROP_USED_BY_VMSS_FLEX:
	case GFS_PROP_SOFT_DELETE:
		if ((r = gfs_parse_bool(value, size, &b)) == 0)
			snprintf(canon, len, "%s", b ? "true" : "false");
		break;
	case GFS_PROP_RETENTION_DAYS:
		/* a number is the form; R1 refuses any but 7 */
		if (size > 0 && size < 10 && digits_only(value, size) &&
		    !(size > 1 && value[0] == '0')) {
			snprintf(canon, len, "%.*s", (int)size, value);
			r = 0;
		}
		break;
	default:
		/* deletedAt, purgeAt, softDeletedBytes: read-only; their form is
		 * their value */
		snprintf(canon, len, "%.*s", (int)(size < len ? size : len - 1), value);
		r = 0;
	}
	req->value_ok = r == 0;
}

/* The facts the rules about prop need (R4, R6, R7, R18's kind). */
static int prop_facts(struct op *op, const struct view *v,
		      const struct gfs_caller *who, struct gfs_request *req,
		      const char *canon, char *conflict, size_t clen,
		      char *missing, size_t mlen)
{
	const struct gfs_node *n = &v->n;
	char admins[GFS_PROP_VALUE_MAX];

	switch (req->prop) {
	case GFS_PROP_SOFT_DELETE: {
		bool on = strcmp(canon, "true") == 0;
		req->switch_on = on && !n->soft_delete;
		req->switch_off = !on && n->soft_delete;
		if (!req->switch_on && !req->switch_off)
			return 0;
		int r = cat_text_get(op->t, n->id, CAT_SHARING_ADMINS, admins,
				     sizeof(admins));
		if (r < 0)
			return r;
		req->roles = gfs_roles_of(op->c->cfg, who, admins);
		if (req->switch_on) {
			if (gfs_location_mismatch(op->t, n->id, conflict, clen))
				req->location_conflict = conflict;
			else if (gfs_vmss_flex_in_use(op->t, n->id, conflict, clen))
				req->vmss_conflict = conflict;
		}
		return 0;
	}
	case GFS_PROP_SHARING_ADMINS:
		req->roles = gfs_roles_of(op->c->cfg, who, NULL);
		if (req->value_ok && !gfs_admins_exist(canon, missing, mlen)) {
			req->value_ok = false;
			req->missing_admin = missing;
		}
		return 0;
	case GFS_PROP_USED_BY_VMSS_FLEX:
		req->set_flag_true = strcmp(canon, "true") == 0 && !n->vmss_flex;
		return 0;
	case GFS_PROP_KIND:
		req->kind_busy = cat_holds_softdeleted(op->t, n->gallery, n->id,
						       op->now_s);
		return 0;
	case GFS_PROP_LOCATION:
		if (!req->at.soft_delete)
			return 0;
		if (v->place == GFS_AT_VERSION)
			req->location_change_conflict =
				strcmp(canon, req->at.definition_location) != 0 ||
				strcmp(canon, req->at.gallery_location) != 0;
		else if (v->place == GFS_AT_DEFINITION)
			req->location_change_conflict = gfs_definition_move_conflict(
				op->t, n->id, canon, conflict, clen);
		else
			req->location_change_conflict = gfs_gallery_move_conflict(
				op->t, n->id, canon, conflict, clen);
		if (req->location_change_conflict && v->place != GFS_AT_VERSION)
			req->location_conflict = conflict;
		return 0;
	default:
		return 0;
	}
}

/* Store a property's new canonical value in its column. */
static int prop_store(struct op *op, struct gfs_node *n, int prop, const char *canon)
{
	bool b = strcmp(canon, "true") == 0;
	switch (prop) {
	case GFS_PROP_LOCATION:
		snprintf(n->location, sizeof(n->location), "%s", canon);
		break;
	case GFS_PROP_KIND:
		gfs_parse_kind(canon, strlen(canon), &n->kind);
		break;
	case GFS_PROP_SHARING:
		gfs_parse_sharing(canon, strlen(canon), &n->sharing);
		break;
	case GFS_PROP_SHARING_ADMINS:
		return cat_text_set(op->t, n->id, CAT_SHARING_ADMINS, canon);
	case GFS_PROP_PROVISIONING_STATE:
		gfs_parse_provisioning(canon, strlen(canon), &n->prov);
		break;
	case GFS_PROP_REPLICAS:
		return cat_text_set(op->t, n->id, CAT_REPLICAS, canon);
	case GFS_PROP_USED_BY_VMSS_FLEX:
		n->vmss_flex = b;
		break;
	case GFS_PROP_SOFT_DELETE:
		n->soft_delete = b;
		break;
	default:
		return -EPERM;
	}
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
	char canon[GFS_PROP_VALUE_MAX], conflict[GFS_PATH_MAX], missing[128];
	char current[GFS_PROP_VALUE_MAX];
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
		if (req.value_ok && !req.same_value &&
		    (r = prop_facts(&op, &v, who, &req, canon,
						       conflict, sizeof(conflict),
						       missing, sizeof(missing))) < 0)
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
	} else if (!has_free_attrs(v.place)) {
		r = gfs_err_rule(err, "R15", EPERM, "read-only");
		goto refused;
	} else {
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
