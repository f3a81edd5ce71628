/*
 * props.h — the gallery properties of design §4, one row each: the
 * attribute name, the nodes it applies to, its form, how a raw value
 * becomes canonical (what a later read returns), how a stored value reads,
 * where the value is kept, and which facts a change needs for the rules.
 *
 * The parsers and formatters are pure: no catalog, no NSS. Where a row
 * needs the catalog (a list kept as text, a count, the facts of a change),
 * it names it and the caller (core/ops/xattr.c, core/facts.c) does it.
 */
#ifndef GFS_PROPS_H
#define GFS_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lists.h"

#define GFS_XATTR_PREFIX "user."
#define GFS_PROP_PREFIX "user.acg."
#define GFS_LOCATION_MAX 40
#define GFS_PROP_VALUE_MAX 4096   /* replicas and sharingAdmins lists */
#define GFS_RETENTION_DAYS 7

/* In listxattr order (design §4), then the unlisted ones. */
enum gfs_prop {
	GFS_PROP_LOCATION,
	GFS_PROP_KIND,
	GFS_PROP_SHARING,
	GFS_PROP_SHARING_ADMINS,
	GFS_PROP_PROVISIONING_STATE,
	GFS_PROP_REPLICAS,
	GFS_PROP_USED_BY_VMSS_FLEX,
	GFS_PROP_SOFT_DELETE,
	GFS_PROP_RETENTION_DAYS,
	GFS_PROP_DELETED_AT,
	GFS_PROP_PURGE_AT,
	/* not listed (so backups never write it back); readable by name */
	GFS_PROP_SOFT_DELETED_BYTES,
	GFS_PROP_COUNT,
};

/* Which nodes a property applies to (bit set of these). */
enum gfs_prop_on {
	GFS_ON_GALLERY = 1 << 0,
	GFS_ON_DEFINITION = 1 << 1,
	GFS_ON_VERSION = 1 << 2,
	GFS_ON_SOFT_DELETED = 1 << 3,   /* soft-deleted versions and files */
};

/* Where a property's value is kept. */
enum gfs_prop_source {
	GFS_FROM_NODE,          /* the node's own columns */
	GFS_FROM_LOCATION,      /* the effective location: the node's own,
				   else its definition's, else its gallery's */
	GFS_FROM_TEXT,          /* a list kept as catalog text (text names it) */
	GFS_FROM_COUNT,         /* counted over the catalog (softDeletedBytes) */
};

struct gfs_node;
struct prop_change;             /* core/facts.h */

struct gfs_prop_info {
	const char *name;       /* full attribute name, "user.acg.location" */
	unsigned on;            /* enum gfs_prop_on bits */
	bool read_only;
	bool unlisted;          /* left out of listxattr */
	const char *form;       /* the expected form, for refusal reasons */
	enum gfs_prop_source source;
	int text;               /* enum cat_text, for GFS_FROM_TEXT */
	/* A raw value (not NUL-terminated) in canonical form: 0 or -EINVAL. */
	int (*canon)(const char *v, size_t len, char *out, size_t outlen);
	/* The value as it reads, from the node and what the source holds
	 * (the text, the effective location, the count; "" for the node). */
	void (*format)(const struct gfs_node *n, const char *kept, char *out,
		       size_t len);
	/* A canonical value into the node's columns; NULL for the values
	 * kept elsewhere and the read-only ones. */
	void (*store)(struct gfs_node *n, const char *canon);
	/* The facts a change to canon needs for the rules; NULL: none. */
	int (*facts)(struct prop_change *c);
};

extern const struct gfs_prop_info gfs_props[GFS_PROP_COUNT];

enum gfs_kind { GFS_KIND_IMAGE = 0, GFS_KIND_APPLICATION = 1 };
enum gfs_sharing { GFS_SHARING_PRIVATE = 0, GFS_SHARING_DIRECT = 1,
		   GFS_SHARING_COMMUNITY = 2 };
enum gfs_provisioning { GFS_PROV_CREATING = 0, GFS_PROV_SUCCEEDED = 1,
			GFS_PROV_FAILED = 2 };

/* Classify an attribute name: a property (>= 0), -1 for an unknown
 * user.acg.* name, -2 for any other name. */
int gfs_prop_lookup(const char *name);

/* Each parser takes the raw value (not NUL-terminated) and returns 0 or
 * -EINVAL; on success the canonical form or the decoded value is stored. */
int gfs_parse_location(const char *v, size_t len, char out[GFS_LOCATION_MAX + 1]);
int gfs_parse_bool(const char *v, size_t len, bool *out);
int gfs_parse_kind(const char *v, size_t len, enum gfs_kind *out);
int gfs_parse_sharing(const char *v, size_t len, enum gfs_sharing *out);
int gfs_parse_provisioning(const char *v, size_t len, enum gfs_provisioning *out);
int gfs_parse_replicas(const char *v, size_t len, char *out, size_t outlen);
/* Syntax only: comma list of NAME and @GROUP; sorted, deduplicated. An
 * empty value is valid (no gallery-level admins). */
int gfs_parse_sharing_admins(const char *v, size_t len, char *out, size_t outlen);

/* The expected form of a property's value, for refusal reasons. */
const char *gfs_prop_form(int prop);

const char *gfs_kind_name(enum gfs_kind k);
const char *gfs_sharing_name(enum gfs_sharing s);
const char *gfs_provisioning_name(enum gfs_provisioning p);

/* "REGION=1" for each region of a canonical replicas list (rule R17). */
void gfs_replicas_one_per_region(const char *canon, char *out, size_t outlen);

/* UTC "YYYY-MM-DDTHH:MM:SSZ" from seconds since the epoch. */
void gfs_format_utc(int64_t sec, char out[21]);

#endif
