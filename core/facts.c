/* galleryfs — facts about a gallery's versions that rules R6 and R7 need.
 *
 * The soft-delete documentation forbids switching soft delete on while any
 * version sits in a region other than its definition's or gallery's, or is
 * used by a VMSS Flex; and, once on, forbids a location change that would
 * bring such a split about. These facts are computed here from the
 * backend-neutral visit of a gallery's versions, so every catalog backend
 * answers them alike and no rule hides in a query.
 */

#include "core.h"

#include <stdio.h>
#include <string.h>

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
