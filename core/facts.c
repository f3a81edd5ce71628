/*
 * facts.c — the facts the rules read, gathered in one place (facts.h).
 *
 * Among them, those of R6 and R7: the soft-delete documentation forbids
 * switching soft delete on while any version sits in a region other than
 * its definition's or gallery's, or is used by a VMSS Flex; and, once on,
 * forbids a location change that would bring such a split about. They are
 * computed here from the backend-neutral visit of a gallery's versions, so
 * every catalog backend answers them alike and no rule hides in a query.
 */

#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "roles.h"

/* ------------------------------------------------------------------ */
/* creations, removals, renames                                        */

/* What a name made in a trash's info/ is (design §10): a reservation of
 * NAME.trashinfo (free, or held by an item or another reservation), a
 * tool's temporary file for one, or neither. */
static enum gfs_info_name info_name_of(struct op *op, uint32_t uid, const char *name)
{
	char item[256], info[300];
	struct gfs_pending pend;
	const char *tmp = strstr(name, GFS_TRASH_INFO_SUFFIX ".");

	if (gfs_trash_info_item(name, item, sizeof(item))) {
		if (cat_trash_name_taken(op->t, uid, item, strlen(item)) ||
		    gfs_pending_find(&op->c->pending, uid, name, op->now_ns, &pend))
			return GFS_INFO_TAKEN;
		return GFS_INFO_FREE;
	}
	if (tmp && tmp > name && (size_t)(tmp - name) < sizeof(item)) {
		snprintf(item, sizeof(item), "%.*s", (int)(tmp - name), name);
		snprintf(info, sizeof(info), "%s" GFS_TRASH_INFO_SUFFIX, item);
		if (gfs_pending_find(&op->c->pending, uid, info, op->now_ns, &pend) ||
		    cat_trash_name_taken(op->t, uid, item, strlen(item)))
			return GFS_INFO_TEMP;
	}
	return GFS_INFO_OTHER;
}

/* Resolve the parent, describe it for the policy, and find what already
 * carries the name (a live node, or for a version name a soft-deleted
 * version holding it: R16). */
int gfs_facts_creation(struct op *op, uint64_t parent, const char *name,
		       enum gfs_action action, struct view *p,
		       struct gfs_request *req, bool *exists)
{
	struct view v;
	int r = view_of_ino(op, parent, p);
	if (r < 0)
		return r;
	memset(req, 0, sizeof(*req));
	req->action = action;
	req->cfg = op->c->cfg;
	req->name = name;
	req->name_len = strlen(name);
	if ((r = view_where(op, p, &req->at)) < 0)
		return r;
	if (p->place == GFS_AT_TRASH_INFO)
		req->info_name = info_name_of(op, p->uid, name);
	*exists = false;
	r = view_child(op, p, name, &v);
	if (r == 0) {
		*exists = true;
	} else if (r != -ENOENT && r != -ENAMETOOLONG) {
		return r;
	} else if (p->place == GFS_AT_DEFINITION &&
		   cat_child_get(op->t, p->n.id, name, strlen(name),
				 GFS_SOFT_DELETED, op->now_s, &v.n) == 0) {
		req->to_exists = true;
		req->to_node.place = GFS_AT_SD_VERSION;
	}
	return 0;
}

/* What a directory holds, for the policy (R3, R15) and for ENOTEMPTY. */
static void holdings(struct op *op, const struct view *v,
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

int gfs_facts_removal(struct op *op, uint64_t parent, const char *name,
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
	if ((r = view_where(op, v, &req->at)) < 0)
		return r;
	if (action == GFS_ACT_RMDIR)
		holdings(op, v, req);
	return 0;
}

int gfs_facts_rename(struct op *op, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, unsigned flags,
		     struct view *p, struct view *s, struct view *np,
		     struct view *t, struct gfs_request *req)
{
	int r;
	memset(req, 0, sizeof(*req));
	req->action = GFS_ACT_RENAME;
	req->cfg = op->c->cfg;
	req->name = newname;
	req->name_len = strlen(newname);
	req->rename_flags = flags;
	if ((r = view_of_ino(op, parent, p)) < 0 ||
	    (r = view_child(op, p, name, s)) < 0 ||
	    (r = view_of_ino(op, newparent, np)) < 0 ||
	    (r = view_where(op, s, &req->at)) < 0 ||
	    (r = view_where(op, np, &req->to)) < 0)
		return r;
	r = view_child(op, np, newname, t);
	if (r == 0) {
		req->to_exists = true;
		return view_where(op, t, &req->to_node);
	}
	return r == -ENOENT || r == -ENAMETOOLONG ? 0 : r;
}

/* ------------------------------------------------------------------ */
/* property changes                                                    */

int gfs_facts_soft_delete(struct prop_change *c)
{
	struct op *op = c->op;
	const struct gfs_node *n = &c->v->n;
	struct gfs_request *req = c->req;
	char admins[GFS_PROP_VALUE_MAX];

	bool on = strcmp(c->canon, "true") == 0;
	req->switch_on = on && !n->soft_delete;
	req->switch_off = !on && n->soft_delete;
	if (!req->switch_on && !req->switch_off)
		return 0;
	int r = cat_text_get(op->t, n->id, CAT_SHARING_ADMINS, admins,
			     sizeof(admins));
	if (r < 0)
		return r;
	req->roles = gfs_roles_of(op->c->cfg, c->who, admins);
	if (!req->switch_on)
		return 0;
	if (gfs_location_mismatch(op->t, n->id, c->conflict, sizeof(c->conflict)))
		req->location_conflict = c->conflict;
	else if (gfs_vmss_flex_in_use(op->t, n->id, c->conflict, sizeof(c->conflict)))
		req->vmss_conflict = c->conflict;
	return 0;
}

int gfs_facts_sharing_admins(struct prop_change *c)
{
	struct gfs_request *req = c->req;
	req->roles = gfs_roles_of(c->op->c->cfg, c->who, NULL);
	if (req->value_ok && !gfs_admins_exist(c->canon, c->missing,
					       sizeof(c->missing))) {
		req->value_ok = false;
		req->missing_admin = c->missing;
	}
	return 0;
}

int gfs_facts_vmss_flex(struct prop_change *c)
{
	c->req->set_flag_true = strcmp(c->canon, "true") == 0 && !c->v->n.vmss_flex;
	return 0;
}

int gfs_facts_kind(struct prop_change *c)
{
	const struct gfs_node *n = &c->v->n;
	c->req->kind_busy = cat_holds_softdeleted(c->op->t, n->gallery, n->id,
						  c->op->now_s);
	return 0;
}

/* R6 while soft delete is on: would the new location split a version from
 * its definition or gallery? (Without versions below, no.) */
int gfs_facts_location(struct prop_change *c)
{
	struct gfs_request *req = c->req;
	const struct view *v = c->v;
	if (!req->at.soft_delete)
		return 0;
	if (v->place == GFS_AT_VERSION) {
		req->location_change_conflict =
			strcmp(c->canon, req->at.definition_location) != 0 ||
			strcmp(c->canon, req->at.gallery_location) != 0;
		return 0;
	}
	req->location_change_conflict = v->place == GFS_AT_DEFINITION ?
		gfs_definition_move_conflict(c->op->t, v->n.id, c->canon,
					     c->conflict, sizeof(c->conflict)) :
		gfs_gallery_move_conflict(c->op->t, v->n.id, c->canon,
					  c->conflict, sizeof(c->conflict));
	if (req->location_change_conflict)
		req->location_conflict = c->conflict;
	return 0;
}

/* ------------------------------------------------------------------ */
/* R6 and R7: a gallery's versions                                     */

/* The nodes above one version, looked up once per definition. */
struct versions_scan {
	struct gfs_txn *t;
	struct gfs_node gallery, definition;
	/* Hypothetical location of the gallery or definition; NULL for none. */
	const char *gallery_loc, *definition_loc;
	bool (*test)(const struct versions_scan *s, const struct gfs_node *v);
	char *where;
	size_t wlen;
	bool found;
	int err;
};

/* Effective location: the node's own, else the one it inherits. */
static const char *loc_or(const char *own, const char *inherited)
{
	return own && own[0] ? own : inherited;
}

static const char *gallery_loc(const struct versions_scan *s)
{
	return s->gallery_loc ? s->gallery_loc : s->gallery.location;
}

static const char *definition_loc(const struct versions_scan *s)
{
	const char *own = s->definition_loc ? s->definition_loc
					    : s->definition.location;
	return loc_or(own, gallery_loc(s));
}

static const char *version_loc(const struct versions_scan *s,
			       const struct gfs_node *v)
{
	return loc_or(v->location, definition_loc(s));
}

static int scan_one(void *arg, const struct gfs_node *v, int64_t hint)
{
	struct versions_scan *s = arg;
	(void)hint;
	if (s->gallery.id != v->gallery) {
		int r = cat_node_get(s->t, v->gallery, &s->gallery);
		if (r < 0) {
			s->err = r;
			return 1;
		}
	}
	if (s->definition.id != v->definition) {
		int r = cat_node_get(s->t, v->definition, &s->definition);
		if (r < 0) {
			s->err = r;
			return 1;
		}
	}
	if (!s->test(s, v))
		return 0;
	snprintf(s->where, s->wlen, "%.*s/%.*s/%.*s",
		 (int)s->gallery.name_len, s->gallery.name,
		 (int)s->definition.name_len, s->definition.name,
		 (int)v->name_len, v->name);
	s->found = true;
	return 1;
}

/* Visit the versions of a gallery (definition 0) or of one definition, in
 * id order, and name the first that test picks. A catalog error counts as
 * found, with where saying so: refusing is the side that loses nothing. */
static bool first_version(struct versions_scan *s, int64_t gallery,
			  int64_t definition)
{
	s->gallery.id = s->definition.id = -1;
	int r = cat_versions_of(s->t, gallery, definition, scan_one, s);
	if (r < 0 || s->err < 0) {
		snprintf(s->where, s->wlen, "(catalog error: %s)",
			 strerror(-(r < 0 ? r : s->err)));
		return true;
	}
	return s->found;
}

static bool split_location(const struct versions_scan *s,
			   const struct gfs_node *v)
{
	const char *here = version_loc(s, v);
	return strcmp(here, definition_loc(s)) != 0 ||
	       strcmp(here, gallery_loc(s)) != 0;
}

static bool in_flex_use(const struct versions_scan *s, const struct gfs_node *v)
{
	(void)s;
	return v->vmss_flex;
}

bool gfs_location_mismatch(struct gfs_txn *t, int64_t gallery, char *where,
			   size_t wlen)
{
	struct versions_scan s = { .t = t, .test = split_location,
				   .where = where, .wlen = wlen };
	return first_version(&s, gallery, 0);
}

bool gfs_vmss_flex_in_use(struct gfs_txn *t, int64_t gallery, char *where,
			  size_t wlen)
{
	struct versions_scan s = { .t = t, .test = in_flex_use,
				   .where = where, .wlen = wlen };
	return first_version(&s, gallery, 0);
}

bool gfs_gallery_move_conflict(struct gfs_txn *t, int64_t gallery,
			       const char *loc, char *where, size_t wlen)
{
	struct versions_scan s = { .t = t, .test = split_location,
				   .gallery_loc = loc, .where = where,
				   .wlen = wlen };
	return first_version(&s, gallery, 0);
}

bool gfs_definition_move_conflict(struct gfs_txn *t, int64_t definition,
				  const char *loc, char *where, size_t wlen)
{
	struct gfs_node d;
	int r = cat_node_get(t, definition, &d);
	if (r < 0) {
		snprintf(where, wlen, "(catalog error: %s)", strerror(-r));
		return true;
	}
	struct versions_scan s = { .t = t, .test = split_location,
				   .definition_loc = loc, .where = where,
				   .wlen = wlen };
	return first_version(&s, d.gallery, definition);
}
