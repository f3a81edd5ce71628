/*
 * fuzz_props.c — the property value parsers of core/props.c on arbitrary
 * bytes. The first byte picks the parser (modulo 7: location, bool, kind,
 * sharing, provisioning, replicas, sharingAdmins); the rest is the value,
 * handed over in a buffer of exactly its length, not NUL-terminated.
 *
 * Invariants: the answer is 0 or -EINVAL; a canonical form is
 * NUL-terminated inside its buffer and parses again to itself; the decoded
 * enums name themselves; a location is the lower-cased input; replicas come
 * sorted by region, each region once, counts 1..100; sharingAdmins come
 * sorted by bytes without duplicates; a smaller output buffer either holds
 * the same answer or refuses, and never overflows.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "props.h"

#define ITEM_MAX 64

enum parser { LOCATION, BOOL, KIND, SHARING, PROVISIONING, REPLICAS,
	      SHARING_ADMINS, PARSERS };

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool location_form(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > GFS_LOCATION_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The value in a heap buffer of exactly len bytes, so that a read past it
 * is caught; NULL when out of memory. */
static char *exact_copy(const char *v, size_t len)
{
	char *p = malloc(len ? len : 1);
	if (p && len)
		memcpy(p, v, len);
	return p;
}

static void fuzz_location(const char *v, size_t len)
{
	char out[GFS_LOCATION_MAX + 1], again[GFS_LOCATION_MAX + 1];
	int r = gfs_parse_location(v, len, out);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r < 0)
		return;
	INVARIANT(strnlen(out, sizeof(out)) == len);
	INVARIANT(location_form(out));
	for (size_t i = 0; i < len; i++)
		INVARIANT(out[i] == lower(v[i]));
	INVARIANT(gfs_parse_location(out, len, again) == 0);
	INVARIANT(strcmp(again, out) == 0);
}

/* One of the enum-valued properties: parse, then the name of what was
 * decoded must be the input itself. */
static void fuzz_bool(const char *v, size_t len)
{
	bool b = false;
	int r = gfs_parse_bool(v, len, &b);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r == 0) {
		const char *name = b ? "true" : "false";
		INVARIANT(strlen(name) == len && memcmp(name, v, len) == 0);
	}
}

static void fuzz_kind(const char *v, size_t len)
{
	enum gfs_kind k = GFS_KIND_IMAGE, again = GFS_KIND_IMAGE;
	int r = gfs_parse_kind(v, len, &k);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r == 0) {
		const char *name = gfs_kind_name(k);
		INVARIANT(strlen(name) == len && memcmp(name, v, len) == 0);
		INVARIANT(gfs_parse_kind(name, len, &again) == 0 && again == k);
	}
}

static void fuzz_sharing(const char *v, size_t len)
{
	enum gfs_sharing s = GFS_SHARING_PRIVATE, again = GFS_SHARING_PRIVATE;
	int r = gfs_parse_sharing(v, len, &s);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r == 0) {
		const char *name = gfs_sharing_name(s);
		INVARIANT(strlen(name) == len && memcmp(name, v, len) == 0);
		INVARIANT(gfs_parse_sharing(name, len, &again) == 0 && again == s);
	}
}

static void fuzz_provisioning(const char *v, size_t len)
{
	enum gfs_provisioning p = GFS_PROV_CREATING, again = GFS_PROV_CREATING;
	int r = gfs_parse_provisioning(v, len, &p);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r == 0) {
		const char *name = gfs_provisioning_name(p);
		INVARIANT(strlen(name) == len && memcmp(name, v, len) == 0);
		INVARIANT(gfs_parse_provisioning(name, len, &again) == 0 &&
			  again == p);
	}
}

typedef int (*list_parser)(const char *v, size_t len, char *out, size_t outlen);

/* Parse into a full buffer and into one of outlen (>= 1) bytes, both on
 * the heap at their exact sizes. The small one must agree with the full
 * one: the same answer when it fits, -EINVAL when it does not. Returns
 * the parser's answer; the canonical form is left in full. */
static int parse_list(list_parser parse, const char *v, size_t len,
		      char full[GFS_PROP_VALUE_MAX], size_t outlen)
{
	int r = parse(v, len, full, GFS_PROP_VALUE_MAX);

	INVARIANT(r == 0 || r == -EINVAL);
	if (r == 0)
		INVARIANT(strnlen(full, GFS_PROP_VALUE_MAX) < GFS_PROP_VALUE_MAX);
	char *small = malloc(outlen);
	if (!small)
		return r;
	int rs = parse(v, len, small, outlen);
	INVARIANT(rs == 0 || rs == -EINVAL);
	if (rs == 0) {
		INVARIANT(r == 0);
		INVARIANT(strnlen(small, outlen) < outlen);
		INVARIANT(strcmp(small, full) == 0);
	} else if (r == 0) {
		INVARIANT(strlen(full) >= outlen);
	}
	free(small);
	return r;
}

/* Walk a canonical list with gfs_list_next; fn sees each item and the one
 * before it ("" for the first). Returns the count. */
static size_t walk(const char *canon, void (*fn)(const char *item, const char *prev))
{
	char item[ITEM_MAX], prev[ITEM_MAX] = "";
	const char *cur = canon;
	size_t n = 0;

	while (gfs_list_next(&cur, item, sizeof(item))) {
		fn(item, prev);
		memcpy(prev, item, sizeof(prev));
		n++;
	}
	return n;
}

static size_t commas(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

/* REGION=COUNT, regions strictly increasing (by the region alone). */
static void check_replica(const char *item, const char *prev)
{
	const char *eq = strchr(item, '=');
	INVARIANT(eq != NULL);
	char region[ITEM_MAX];
	size_t rlen = (size_t)(eq - item);
	memcpy(region, item, rlen);
	region[rlen] = '\0';
	INVARIANT(location_form(region));
	const char *num = eq + 1;
	size_t nlen = strlen(num);
	INVARIANT(nlen >= 1 && nlen <= 3 && num[0] != '0' &&
		  strspn(num, "0123456789") == nlen);
	int count = atoi(num);
	INVARIANT(count >= 1 && count <= 100);
	if (prev[0]) {
		size_t plen = strcspn(prev, "=");
		size_t m = plen < rlen ? plen : rlen;
		int c = memcmp(prev, region, m);
		INVARIANT(c < 0 || (c == 0 && plen < rlen));
	}
}

static void fuzz_replicas(const char *v, size_t len, size_t outlen)
{
	static char out[GFS_PROP_VALUE_MAX], again[GFS_PROP_VALUE_MAX];
	static char one[GFS_PROP_VALUE_MAX];

	if (parse_list(gfs_parse_replicas, v, len, out, outlen) < 0)
		return;
	size_t n = walk(out, check_replica);
	INVARIANT(n >= 1 && n == commas(out) + 1);
	/* one output item per input item: nothing dropped or merged */
	size_t in_commas = 0;
	for (size_t i = 0; i < len; i++)
		in_commas += v[i] == ',';
	INVARIANT(n == in_commas + 1);
	/* the canonical form is a fixed point */
	INVARIANT(gfs_parse_replicas(out, strlen(out), again, sizeof(again)) == 0);
	INVARIANT(strcmp(again, out) == 0);
	/* rule R17's view: the same regions, one replica each, still valid */
	gfs_replicas_one_per_region(out, one, sizeof(one));
	INVARIANT(gfs_parse_replicas(one, strlen(one), again, sizeof(again)) == 0);
	INVARIANT(strcmp(again, one) == 0);
	INVARIANT(commas(one) == n - 1);
}

/* NAME or @GROUP; strictly increasing by bytes. */
static void check_admin(const char *item, const char *prev)
{
	const char *name = item[0] == '@' ? item + 1 : item;
	size_t n = strlen(name);
	INVARIANT(n >= 1 && n <= 32 && name[0] != '-');
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		INVARIANT((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' ||
			  c == '-' || (c == '$' && i == n - 1));
	}
	if (prev[0])
		INVARIANT(strcmp(prev, item) < 0);
}

static void fuzz_sharing_admins(const char *v, size_t len, size_t outlen)
{
	static char out[GFS_PROP_VALUE_MAX], again[GFS_PROP_VALUE_MAX];

	if (parse_list(gfs_parse_sharing_admins, v, len, out, outlen) < 0)
		return;
	if (len == 0) {
		INVARIANT(out[0] == '\0');
		return;
	}
	size_t n = walk(out, check_admin);
	INVARIANT(n >= 1 && n == commas(out) + 1);
	/* every output item was an input item, but for blanks next to a
	 * comma (the value's own ends are exact) */
	char item[ITEM_MAX];
	const char *cur = out;
	while (gfs_list_next(&cur, item, sizeof(item))) {
		size_t il = strlen(item);
		bool found = false;
		for (size_t start = 0, i = 0; i <= len && !found; i++) {
			if (i < len && v[i] != ',')
				continue;
			size_t from = start, to = i;
			while (from > 0 && from < to && (v[from] == ' ' || v[from] == '\t'))
				from++;
			while (to < len && to > from && (v[to - 1] == ' ' || v[to - 1] == '\t'))
				to--;
			found = to - from == il && memcmp(v + from, item, il) == 0;
			start = i + 1;
		}
		INVARIANT(found);
	}
	INVARIANT(gfs_parse_sharing_admins(out, strlen(out), again,
					   sizeof(again)) == 0);
	INVARIANT(strcmp(again, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum parser which = (enum parser)(data[0] % PARSERS);
	size_t len = size - 1;
	char *v = exact_copy((const char *)data + 1, len);
	if (!v)
		return 0;
	/* a smaller output buffer, from the value's length: 1..256 bytes */
	size_t outlen = 1 + (len * 7 + data[0]) % 256;

	switch (which) {
	case LOCATION:
		fuzz_location(v, len);
		break;
	case BOOL:
		fuzz_bool(v, len);
		break;
	case KIND:
		fuzz_kind(v, len);
		break;
	case SHARING:
		fuzz_sharing(v, len);
		break;
	case PROVISIONING:
		fuzz_provisioning(v, len);
		break;
	case REPLICAS:
		fuzz_replicas(v, len, outlen);
		break;
	case SHARING_ADMINS:
		fuzz_sharing_admins(v, len, outlen);
		break;
	default:
		break;
	}
	free(v);
	return 0;
}
