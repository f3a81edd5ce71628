/*
 * props.c — property names, applicability, and value forms (design §4).
 *
 * Canonical forms are what reads return and what the catalog stores, so
 * that "setting a property to the value it already has" is a byte
 * comparison of canonical strings.
 */
#include "props.h"

#include "catalog.h"
#include "facts.h"
#include "lists.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *gfs_prop_form(int prop)
{
	return prop >= 0 && prop < GFS_PROP_COUNT ? gfs_props[prop].form : "";
}

int gfs_prop_lookup(const char *name)
{
	if (strncmp(name, GFS_PROP_PREFIX, strlen(GFS_PROP_PREFIX)) != 0)
		return -2;
	for (int i = 0; i < GFS_PROP_COUNT; i++)
		if (strcmp(name, gfs_props[i].name) == 0)
			return i;
	return -1;
}

static bool eq(const char *v, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(v, word, len) == 0;
}

/* Match v against a NULL-terminated word list; index or -EINVAL. */
static int one_of(const char *v, size_t len, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (eq(v, len, words[i]))
			return i;
	return -EINVAL;
}

static const char *const kind_words[] = { "image", "application", NULL };
static const char *const sharing_words[] = { "private", "direct-shared",
					     "community", NULL };
static const char *const prov_words[] = { "Creating", "Succeeded", "Failed", NULL };

int gfs_parse_location(const char *v, size_t len, char out[GFS_LOCATION_MAX + 1])
{
	if (len < 2 || len > GFS_LOCATION_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		bool ok = (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return -EINVAL;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

int gfs_parse_bool(const char *v, size_t len, bool *out)
{
	static const char *const words[] = { "false", "true", NULL };
	int i = one_of(v, len, words);
	if (i < 0)
		return i;
	*out = i == 1;
	return 0;
}

int gfs_parse_kind(const char *v, size_t len, enum gfs_kind *out)
{
	int i = one_of(v, len, kind_words);
	if (i < 0)
		return i;
	*out = (enum gfs_kind)i;
	return 0;
}

int gfs_parse_sharing(const char *v, size_t len, enum gfs_sharing *out)
{
	int i = one_of(v, len, sharing_words);
	if (i < 0)
		return i;
	*out = (enum gfs_sharing)i;
	return 0;
}

int gfs_parse_provisioning(const char *v, size_t len, enum gfs_provisioning *out)
{
	int i = one_of(v, len, prov_words);
	if (i < 0)
		return i;
	*out = (enum gfs_provisioning)i;
	return 0;
}

const char *gfs_kind_name(enum gfs_kind k) { return kind_words[k]; }
const char *gfs_sharing_name(enum gfs_sharing s) { return sharing_words[s]; }
const char *gfs_provisioning_name(enum gfs_provisioning p) { return prov_words[p]; }

#define LIST_ITEMS_MAX 256
#define LIST_ITEM_MAX 64

/* Items of a property list, collected (lists.h splits them). */
struct items {
	char (*v)[LIST_ITEM_MAX];
	size_t n;
};

static int collect_item(void *arg, const char *item, size_t len)
{
	struct items *it = arg;
	if (len >= LIST_ITEM_MAX || it->n == LIST_ITEMS_MAX)
		return -EINVAL;
	memcpy(it->v[it->n], item, len);
	it->v[it->n][len] = '\0';
	it->n++;
	return 0;
}

static int split_list(const char *v, size_t len, char items[][LIST_ITEM_MAX],
		      size_t *count)
{
	struct items it = { .v = items, .n = 0 };
	if (len == 0)
		return -EINVAL;     /* a list property is never empty but by intent */
	int r = gfs_list_split(v, len, collect_item, &it);
	*count = it.n;
	return r;
}

static size_t region_keylen(const char *item);

static int cmp_items(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* replicas sort by region alone: "eastus=1" before "eastus2=1" */
static int cmp_regions(const void *a, const void *b)
{
	size_t la = region_keylen(a), lb = region_keylen(b);
	int c = memcmp(a, b, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

/* Join sorted items with commas, dropping duplicates when dedup is set and
 * failing on them otherwise. */
static int join_sorted(char items[][LIST_ITEM_MAX], size_t n, bool dedup,
		       size_t keylen_of(const char *), char *out, size_t outlen)
{
	size_t pos = 0;

	qsort(items, n, LIST_ITEM_MAX, dedup ? cmp_items : cmp_regions);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			size_t k = keylen_of(items[i]);
			if (keylen_of(items[i - 1]) == k &&
			    memcmp(items[i - 1], items[i], k) == 0) {
				if (dedup)
					continue;
				return -EINVAL;
			}
		}
		int w = snprintf(out + pos, outlen - pos, "%s%s", pos ? "," : "",
				 items[i]);
		if (w < 0 || (size_t)w >= outlen - pos)
			return -EINVAL;
		pos += (size_t)w;
	}
	return 0;
}

static size_t region_keylen(const char *item)
{
	return strcspn(item, "=");
}

static size_t whole_keylen(const char *item)
{
	return strlen(item);
}

int gfs_parse_replicas(const char *v, size_t len, char *out, size_t outlen)
{
	size_t n;
	char (*it)[LIST_ITEM_MAX] = malloc(sizeof(char[LIST_ITEMS_MAX][LIST_ITEM_MAX]));
	if (!it)
		return -ENOMEM;
	int r = split_list(v, len, it, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char *eqs = strchr(it[i], '=');
		char region[GFS_LOCATION_MAX + 1];
		if (!eqs || gfs_parse_location(it[i], (size_t)(eqs - it[i]), region) < 0) {
			r = -EINVAL;
			break;
		}
		const char *num = eqs + 1;
		size_t nlen = strlen(num);
		if (nlen == 0 || nlen > 3 || num[0] == '0' ||
		    strspn(num, "0123456789") != nlen || atoi(num) > 100) {
			r = -EINVAL;
			break;
		}
		char canon[LIST_ITEM_MAX];
		snprintf(canon, sizeof(canon), "%s=%s", region, num);
		memcpy(it[i], canon, sizeof(canon));
	}
	if (r == 0)
		r = join_sorted(it, n, false, region_keylen, out, outlen);
	free(it);
	return r;
}

/* a user name, or @ and a group name */
static bool admin_name_ok(const char *s)
{
	if (*s == '@')
		s++;
	return gfs_account_name_ok(s, strlen(s));
}

int gfs_parse_sharing_admins(const char *v, size_t len, char *out, size_t outlen)
{
	size_t n;

	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	char (*it)[LIST_ITEM_MAX] = malloc(sizeof(char[LIST_ITEMS_MAX][LIST_ITEM_MAX]));
	if (!it)
		return -ENOMEM;
	int r = split_list(v, len, it, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!admin_name_ok(it[i]))
			r = -EINVAL;
	if (r == 0)
		r = join_sorted(it, n, true, whole_keylen, out, outlen);
	free(it);
	return r;
}

void gfs_replicas_one_per_region(const char *canon, char *out, size_t outlen)
{
	const char *cur = canon;
	char item[LIST_ITEM_MAX];
	size_t pos = 0;

	out[0] = '\0';
	while (gfs_list_next(&cur, item, sizeof(item))) {
		item[region_keylen(item)] = '\0';
		int w = snprintf(out + pos, outlen - pos, "%s%s=1", pos ? "," : "", item);
		if (w < 0 || (size_t)w >= outlen - pos)
			break;
		pos += (size_t)w;
	}
}

void gfs_format_utc(int64_t sec, char out[21])
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ */
/* the rows                                                            */

static bool digits_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int canon_location(const char *v, size_t len, char *out, size_t outlen)
{
	char loc[GFS_LOCATION_MAX + 1];
	int r = gfs_parse_location(v, len, loc);
	if (r == 0)
		snprintf(out, outlen, "%s", loc);
	return r;
}

static int canon_kind(const char *v, size_t len, char *out, size_t outlen)
{
	enum gfs_kind k;
	int r = gfs_parse_kind(v, len, &k);
	if (r == 0)
		snprintf(out, outlen, "%s", gfs_kind_name(k));
	return r;
}

static int canon_sharing(const char *v, size_t len, char *out, size_t outlen)
{
	enum gfs_sharing sh;
	int r = gfs_parse_sharing(v, len, &sh);
	if (r == 0)
		snprintf(out, outlen, "%s", gfs_sharing_name(sh));
	return r;
}

static int canon_provisioning(const char *v, size_t len, char *out, size_t outlen)
{
	enum gfs_provisioning pv;
	int r = gfs_parse_provisioning(v, len, &pv);
	if (r == 0)
		snprintf(out, outlen, "%s", gfs_provisioning_name(pv));
	return r;
}

static int canon_bool(const char *v, size_t len, char *out, size_t outlen)
{
	bool b;
	int r = gfs_parse_bool(v, len, &b);
	if (r == 0)
		snprintf(out, outlen, "%s", b ? "true" : "false");
	return r;
}

/* a number is the form; R1 refuses any but 7 */
static int canon_days(const char *v, size_t len, char *out, size_t outlen)
{
	if (len == 0 || len >= 10 || !digits_only(v, len) || (len > 1 && v[0] == '0'))
		return -EINVAL;
	snprintf(out, outlen, "%.*s", (int)len, v);
	return 0;
}

/* deletedAt, purgeAt, softDeletedBytes: read-only; their form is their
 * value */
static int canon_as_is(const char *v, size_t len, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*s", (int)(len < outlen ? len : outlen - 1), v);
	return 0;
}

static void format_kept(const struct gfs_node *n, const char *kept, char *out,
			size_t len)
{
	(void)n;
	snprintf(out, len, "%s", kept);
}

static void format_kind(const struct gfs_node *n, const char *kept, char *out,
			size_t len)
{
	(void)kept;
	snprintf(out, len, "%s", gfs_kind_name(n->kind));
}

static void format_sharing(const struct gfs_node *n, const char *kept, char *out,
			   size_t len)
{
	(void)kept;
	snprintf(out, len, "%s", gfs_sharing_name(n->sharing));
}

static void format_provisioning(const struct gfs_node *n, const char *kept,
				char *out, size_t len)
{
	(void)kept;
	snprintf(out, len, "%s", gfs_provisioning_name(n->prov));
}

static void format_vmss_flex(const struct gfs_node *n, const char *kept,
			     char *out, size_t len)
{
	(void)kept;
	snprintf(out, len, "%s", n->vmss_flex ? "true" : "false");
}

static void format_soft_delete(const struct gfs_node *n, const char *kept,
			       char *out, size_t len)
{
	(void)kept;
	snprintf(out, len, "%s", n->soft_delete ? "true" : "false");
}

static void format_days(const struct gfs_node *n, const char *kept, char *out,
			size_t len)
{
	(void)n;
	(void)kept;
	snprintf(out, len, "%d", GFS_RETENTION_DAYS);
}

static void format_deleted_at(const struct gfs_node *n, const char *kept,
			      char *out, size_t len)
{
	char utc[21];
	(void)kept;
	gfs_format_utc(n->deleted_at, utc);
	snprintf(out, len, "%s", utc);
}

static void format_purge_at(const struct gfs_node *n, const char *kept,
			    char *out, size_t len)
{
	char utc[21];
	(void)kept;
	gfs_format_utc(n->purge_at, utc);
	snprintf(out, len, "%s", utc);
}

static void store_location(struct gfs_node *n, const char *canon)
{
	snprintf(n->location, sizeof(n->location), "%s", canon);
}

static void store_kind(struct gfs_node *n, const char *canon)
{
	gfs_parse_kind(canon, strlen(canon), &n->kind);
}

static void store_sharing(struct gfs_node *n, const char *canon)
{
	gfs_parse_sharing(canon, strlen(canon), &n->sharing);
}

static void store_provisioning(struct gfs_node *n, const char *canon)
{
	gfs_parse_provisioning(canon, strlen(canon), &n->prov);
}

static void store_vmss_flex(struct gfs_node *n, const char *canon)
{
	n->vmss_flex = strcmp(canon, "true") == 0;
}

static void store_soft_delete(struct gfs_node *n, const char *canon)
{
	n->soft_delete = strcmp(canon, "true") == 0;
}

#define ON_TREE (GFS_ON_GALLERY | GFS_ON_DEFINITION | GFS_ON_VERSION)

const struct gfs_prop_info gfs_props[GFS_PROP_COUNT] = {
	[GFS_PROP_LOCATION] = { .name = "user.acg.location", .on = ON_TREE,
		.form = "a region name: a letter then 1-39 letters or digits",
		.source = GFS_FROM_LOCATION, .canon = canon_location,
		.format = format_kept, .store = store_location,
		.facts = gfs_facts_location },
	[GFS_PROP_KIND] = { .name = "user.acg.kind", .on = GFS_ON_DEFINITION,
		.form = "image or application", .canon = canon_kind,
		.format = format_kind, .store = store_kind,
		.facts = gfs_facts_kind },
	[GFS_PROP_SHARING] = { .name = "user.acg.sharing", .on = GFS_ON_GALLERY,
		.form = "private, direct-shared or community",
		.canon = canon_sharing, .format = format_sharing,
		.store = store_sharing },
	[GFS_PROP_SHARING_ADMINS] = { .name = "user.acg.sharingAdmins",
		.on = GFS_ON_GALLERY,
		.form = "a comma list of user names and @group names",
		.source = GFS_FROM_TEXT, .text = CAT_SHARING_ADMINS,
		.canon = gfs_parse_sharing_admins, .format = format_kept,
		.facts = gfs_facts_sharing_admins },
	[GFS_PROP_PROVISIONING_STATE] = { .name = "user.acg.provisioningState",
		.on = GFS_ON_VERSION, .form = "Creating, Succeeded or Failed",
		.canon = canon_provisioning, .format = format_provisioning,
		.store = store_provisioning },
	[GFS_PROP_REPLICAS] = { .name = "user.acg.replicas", .on = GFS_ON_VERSION,
		.form = "region=count,... with counts 1..100, each region once",
		.source = GFS_FROM_TEXT, .text = CAT_REPLICAS,
		.canon = gfs_parse_replicas, .format = format_kept },
	[GFS_PROP_USED_BY_VMSS_FLEX] = { .name = "user.acg.usedByVmssFlex",
		.on = GFS_ON_VERSION, .form = "true or false", .canon = canon_bool,
		.format = format_vmss_flex, .store = store_vmss_flex,
		.facts = gfs_facts_vmss_flex },
	[GFS_PROP_SOFT_DELETE] = { .name = "user.acg.softDelete",
		.on = GFS_ON_GALLERY, .form = "true or false", .canon = canon_bool,
		.format = format_soft_delete, .store = store_soft_delete,
		.facts = gfs_facts_soft_delete },
	[GFS_PROP_RETENTION_DAYS] = { .name = "user.acg.retentionDays",
		.on = GFS_ON_GALLERY, .read_only = true, .form = "7",
		.canon = canon_days, .format = format_days },
	[GFS_PROP_DELETED_AT] = { .name = "user.acg.deletedAt",
		.on = GFS_ON_SOFT_DELETED, .read_only = true, .form = "read-only",
		.canon = canon_as_is, .format = format_deleted_at },
	[GFS_PROP_PURGE_AT] = { .name = "user.acg.purgeAt",
		.on = GFS_ON_SOFT_DELETED, .read_only = true, .form = "read-only",
		.canon = canon_as_is, .format = format_purge_at },
	[GFS_PROP_SOFT_DELETED_BYTES] = { .name = "user.acg.softDeletedBytes",
		.on = GFS_ON_GALLERY, .read_only = true, .unlisted = true,
		.form = "read-only", .source = GFS_FROM_COUNT,
		.canon = canon_as_is, .format = format_kept },
};
