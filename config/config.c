/*
 * config.c — load the INI configuration of design §6 over the defaults.
 *
 * inih splits "key = value" and strips inline comments; everything it
 * cannot tell us (line numbers, empty sections, over-long lines) is seen by
 * our own line reader, which also refuses a line as soon as it is bad so
 * that the message always names the first error in the file. All state of
 * one load lives in struct load, handed to inih as its user pointer.
 * Nothing here exits, logs or keeps state between calls.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "lists.h"
#include "names.h"

#define PURGE_INTERVAL_MAX 2592000UL /* 30 days, in seconds */
#define REASON_MAX 512

/* Parse a value and store it in cfg; on -1, why says what form it needs. */
typedef int (*key_setter)(struct gfs_config *cfg, const char *value,
			  char *why, size_t whylen);

struct key_spec {
	const char *section;
	const char *name;
	key_setter set;
};

/* One load in progress: the reader and the handler both see it. */
struct load {
	struct gfs_config *cfg;
	const char *path;
	FILE *fp;
	unsigned lineno;          /* of the line inih is working on */
	unsigned *first_seen;     /* per key: line it was set on, 0 if not */
	bool failed;
	char *err;
	size_t errlen;
};

/* ASCII only: the locale must not change what a config file means. */
static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* isspace() in the C locale, which is what inih strips and scans with. */
static bool is_space(char c)
{
	return c && strchr(" \t\n\v\f\r", c) != NULL;
}

static bool feature_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* The portable user/group name of useradd(8), plus the Samba '$' suffix. */
static bool account_name_ok(const char *s, size_t n)
{
	return gfs_account_name_ok(s, n);
}

/* A list being checked and joined (the splitter is core's, lists.h). */
struct list_parse {
	bool (*item_ok)(const char *, size_t);
	char canon[GFS_CONFIG_LIST_MAX];
	size_t pos;
	const char *bad;        /* the item that is not item_ok */
	size_t badlen;
	bool too_long;
};

static int take_item(void *arg, const char *item, size_t n)
{
	struct list_parse *lp = arg;
	if (!lp->item_ok(item, n)) {
		lp->bad = item;
		lp->badlen = n;
		return -EINVAL;
	}
	if (lp->pos + (lp->pos > 0) + n >= sizeof(lp->canon)) {
		lp->too_long = true;
		return -EINVAL;
	}
	if (lp->pos > 0)
		lp->canon[lp->pos++] = ',';
	memcpy(lp->canon + lp->pos, item, n);
	lp->pos += n;
	lp->canon[lp->pos] = '\0';
	return 0;
}

/*
 * Canonicalize a comma list into out: blanks around items dropped, items
 * joined by bare commas. An empty value is the empty list; an empty item
 * between commas is an error, since it is always a typo.
 */
static int parse_list(const char *v, bool (*item_ok)(const char *, size_t),
		      const char *what, const char *form, char *out,
		      size_t outlen, char *why, size_t whylen)
{
	struct list_parse lp = { .item_ok = item_ok };
	if (gfs_list_split(v, strlen(v), take_item, &lp) < 0) {
		if (lp.bad)
			snprintf(why, whylen, "%s \"%.*s\" is not %s", what,
				 (int)lp.badlen, lp.bad, form);
		else if (lp.too_long)
			snprintf(why, whylen, "list is longer than %zu bytes",
				 sizeof(lp.canon) - 1);
		else
			snprintf(why, whylen, "\"%s\" has an empty item; "
				 "expected a comma list, each item %s", v, form);
		return -1;
	}
	if (lp.pos >= outlen) {
		snprintf(why, whylen, "list is longer than %zu bytes", outlen - 1);
		return -1;
	}
	memcpy(out, lp.canon, lp.pos + 1);
	return 0;
}

/* Decimal digits only: no sign, no blanks, no junk, no overflow. */
static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		unsigned long d = (unsigned long)(*v - '0');
		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int set_cloud(struct gfs_config *cfg, const char *v, char *why,
		     size_t whylen)
{
	int c = gfs_cloud_parse(v);
	if (c >= 0) {
		cfg->cloud = (enum gfs_cloud)c;
		return 0;
	}
	snprintf(why, whylen, "\"%s\" is not one of %s, %s, %s", v,
		 gfs_cloud_name(GFS_CLOUD_AZURE), gfs_cloud_name(GFS_CLOUD_US_GOVERNMENT),
		 gfs_cloud_name(GFS_CLOUD_CHINA));
	return -1;
}

static int set_api_version(struct gfs_config *cfg, const char *v, char *why,
			   size_t whylen)
{
	static const char preview[] = "-preview";
	size_t n = strlen(v);
	bool ok = n == 10 ||
		  (n == 10 + strlen(preview) && strcmp(v + 10, preview) == 0);

	for (size_t i = 0; ok && i < 10; i++)
		ok = (i == 4 || i == 7) ? v[i] == '-' : (v[i] >= '0' && v[i] <= '9');
	if (ok) {
		int month = two_digits(v + 5), day = two_digits(v + 8);
		ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
	}
	if (!ok) {
		snprintf(why, whylen, "\"%s\" is not a date YYYY-MM-DD "
			 "(month 01-12, day 01-31), optionally followed by "
			 "\"-preview\"", v);
		return -1;
	}
	memcpy(cfg->api_version, v, n + 1);
	return 0;
}

static int set_features(struct gfs_config *cfg, const char *v, char *why,
			size_t whylen)
{
	return parse_list(v, feature_name_ok, "feature",
			  "a name of letters, digits, '.', '_' and '-'",
			  cfg->features, sizeof(cfg->features), why, whylen);
}

static int set_owners(struct gfs_config *cfg, const char *v, char *why,
		      size_t whylen)
{
	return parse_list(v, account_name_ok, "user",
			  "a user name (letters, digits, '_', '.', '-', not "
			  "starting with '-', at most 32 characters, "
			  "optionally ending in '$')",
			  cfg->owners, sizeof(cfg->owners), why, whylen);
}

static int set_location(struct gfs_config *cfg, const char *v, char *why,
			size_t whylen)
{
	if (gfs_parse_location(v, strlen(v), cfg->location) < 0) {
		snprintf(why, whylen, "\"%s\" is not a region name (a letter, "
			 "then letters or digits, 2 to %d characters)", v,
			 GFS_LOCATION_MAX);
		return -1;
	}
	return 0;
}

static int set_sharing_admins(struct gfs_config *cfg, const char *v,
			      char *why, size_t whylen)
{
	return parse_list(v, account_name_ok, "group",
			  "a group name (letters, digits, '_', '.', '-', not "
			  "starting with '-', at most 32 characters, "
			  "optionally ending in '$')",
			  cfg->sharing_admins, sizeof(cfg->sharing_admins), why,
			  whylen);
}

static int set_backend(struct gfs_config *cfg, const char *v, char *why,
		       size_t whylen)
{
	int b = gfs_backend_parse(v);
	if (b >= 0) {
		cfg->backend = (enum gfs_backend)b;
		return 0;
	}
	snprintf(why, whylen, "\"%s\" is not one of %s, %s", v,
		 gfs_backend_name(GFS_BACKEND_SQLITE),
		 gfs_backend_name(GFS_BACKEND_POSTGRESQL));
	return -1;
}

/* Taken as it is: libpq alone knows its syntax, so the backend checks it
 * when the catalog is opened, before anything is created. Whether it fits
 * the backend is checked once the whole file is read (check_catalog_keys). */
static int set_conninfo(struct gfs_config *cfg, const char *v, char *why,
			size_t whylen)
{
	size_t n = strlen(v);

	if (n >= sizeof(cfg->conninfo)) {
		snprintf(why, whylen, "longer than %zu bytes",
			 sizeof(cfg->conninfo) - 1);
		return -1;
	}
	memcpy(cfg->conninfo, v, n + 1);
	return 0;
}

static int set_data_dir(struct gfs_config *cfg, const char *v, char *why,
			size_t whylen)
{
	size_t n = strlen(v);

	if (v[0] != '/' || n >= sizeof(cfg->data_dir)) {
		snprintf(why, whylen, "\"%s\" is not an absolute path "
			 "(starting with '/', at most %zu bytes)", v,
			 sizeof(cfg->data_dir) - 1);
		return -1;
	}
	memcpy(cfg->data_dir, v, n + 1);
	return 0;
}

/* Rule R1: the only accepted value is the fixed one, so that nobody
 * believes they shortened or lengthened the retention. */
static int set_retention_days(struct gfs_config *cfg, const char *v, char *why,
			      size_t whylen)
{
	unsigned long days;

	if (parse_uint(v, 1000000, &days) < 0 || days != GFS_RETENTION_DAYS) {
		snprintf(why, whylen, "\"%s\" refused: the retention period is "
			 "fixed at %d days and cannot be changed (rule R1)", v,
			 GFS_RETENTION_DAYS);
		return -1;
	}
	cfg->retention_days = GFS_RETENTION_DAYS;
	return 0;
}

static int set_purge_interval(struct gfs_config *cfg, const char *v,
			      char *why, size_t whylen)
{
	unsigned long secs;

	if (parse_uint(v, PURGE_INTERVAL_MAX, &secs) < 0 || secs == 0) {
		snprintf(why, whylen, "\"%s\" is not a whole number of seconds "
			 "from 1 to %lu", v, PURGE_INTERVAL_MAX);
		return -1;
	}
	cfg->purge_interval = (unsigned)secs;
	return 0;
}

static int set_log_level(struct gfs_config *cfg, const char *v, char *why,
			 size_t whylen)
{
	if (gfs_log_level_parse(v, &cfg->log_level) < 0) {
		snprintf(why, whylen, "\"%s\" is not one of error, warning, "
			 "info, debug", v);
		return -1;
	}
	return 0;
}

/* Every key of design §6, grouped by section in file order. */
static const struct key_spec keys[] = {
	{ "subscription", "cloud", set_cloud },
	{ "subscription", "api_version", set_api_version },
	{ "subscription", "features", set_features },
	{ "subscription", "owners", set_owners },
	{ "subscription", "location", set_location },
	{ "roles", "sharing_admins", set_sharing_admins },
	{ "catalog", "backend", set_backend },
	{ "catalog", "conninfo", set_conninfo },
	{ "storage", "data_dir", set_data_dir },
	{ "softdelete", "retention_days", set_retention_days },
	{ "softdelete", "purge_interval", set_purge_interval },
	{ "log", "level", set_log_level },
};
#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

/* The index in keys[] of section's key name, or KEY_COUNT. */
static size_t key_index(const char *section, const char *name)
{
	size_t k;
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(keys[k].section, section) == 0 &&
		    strcmp(keys[k].name, name) == 0)
			break;
	return k;
}

static bool section_known(const char *name, size_t n)
{
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (strlen(keys[i].section) == n &&
		    memcmp(keys[i].section, name, n) == 0)
			return true;
	return false;
}

/* "a, b, c": the sections (section == NULL) or the keys of one section,
 * for messages that name what would have been accepted. */
static void list_names(const char *section, char *out, size_t outlen)
{
	size_t pos = 0;
	const char *prev = NULL;

	out[0] = '\0';
	for (size_t i = 0; i < KEY_COUNT; i++) {
		const char *name;
		if (section) {
			if (strcmp(keys[i].section, section) != 0)
				continue;
			name = keys[i].name;
		} else {
			if (prev && strcmp(prev, keys[i].section) == 0)
				continue;
			name = prev = keys[i].section;
		}
		int w = snprintf(out + pos, outlen - pos, "%s%s",
				 pos ? ", " : "", name);
		if (w < 0 || (size_t)w >= outlen - pos)
			return;
		pos += (size_t)w;
	}
}

/* Record the first error as "FILE:LINE: reason"; later ones are dropped. */
static void fail(struct load *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct load *ld, const char *fmt, ...)
{
	if (ld->failed)
		return;
	ld->failed = true;
	if (!ld->err || ld->errlen == 0)
		return;
	int n = snprintf(ld->err, ld->errlen, "%s:%u: ", ld->path, ld->lineno);
	if (n < 0 || (size_t)n >= ld->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void fail_read(struct load *ld, int errnum)
{
	ld->failed = true;
	if (ld->err && ld->errlen)
		snprintf(ld->err, ld->errlen, "%s: cannot read: %s", ld->path,
			 strerror(errnum));
}

/*
 * Same scan as inih's find_chars_or_comment: stop at one of chars, or at
 * an inline ';' comment (one preceded by white space), or at the end.
 */
static const char *find_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = is_space(*s);
		s++;
	}
	return s;
}

/* Check a "[name]" line; the section itself is taken from inih later. */
static bool check_section_line(struct load *ld, const char *line)
{
	const char *end = find_or_comment(line + 1, "]");

	if (*end != ']') {
		fail(ld, "section header has no closing ']'");
		return false;
	}
	const char *rest = end + 1;
	while (is_space(*rest))
		rest++;
	if (*rest && *rest != ';') {
		fail(ld, "unexpected text after ']': \"%s\"", rest);
		return false;
	}
	size_t n = (size_t)(end - line - 1);
	if (!section_known(line + 1, n)) {
		char names[128];
		list_names(NULL, names, sizeof(names));
		fail(ld, "[%.*s]: unknown section; the sections are %s", (int)n,
		     line + 1, names);
		return false;
	}
	return true;
}

/*
 * inih's fgets-style reader. Hands inih one line at a time with the
 * newline and surrounding blanks removed (so inih never sees an indented
 * line and never treats one as a multi-line continuation), and refuses
 * what inih would get wrong or not report: a line longer than its buffer
 * (which it would split in two), a NUL byte, an unknown section even
 * when no key follows it, and a line that is neither comment, section nor
 * "key = value" (inih's "key: value" included). Returns
 * NULL at the end of the file or once any error is recorded, which stops
 * the parse at the first error.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct load *ld = stream;
	size_t len = 0, cap = (size_t)num - 1;
	bool nul = false;
	int c, last = 0;

	if (ld->failed)
		return NULL;
	while ((c = getc(ld->fp)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		if (len < cap)
			str[len] = (char)c;
		len++;
		last = c;
	}
	if (ferror(ld->fp)) {
		fail_read(ld, errno);
		return NULL;
	}
	if (c == EOF && len == 0)
		return NULL;
	ld->lineno++;
	if (last == '\r')
		len--;
	if (len > cap) {
		fail(ld, "line too long (longer than %zu bytes)", cap);
		return NULL;
	}
	if (nul) {
		fail(ld, "line holds a NUL byte");
		return NULL;
	}
	str[len] = '\0';

	char *s = str;
	if (ld->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;   /* UTF-8 byte order mark, as inih allows */
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		len--;
	s[len] = '\0';
	memmove(str, s, len + 1);

	if (str[0] == '\0' || str[0] == ';' || str[0] == '#')
		return str;
	if (str[0] == '[')
		return check_section_line(ld, str) ? str : NULL;
	if (*find_or_comment(str, "=:") != '=') {
		fail(ld, "expected \"key = value\", a [section] or a ; comment, "
		     "not \"%s\"", str);
		return NULL;
	}
	return str;
}

/* inih's handler: one "key = value" of a known section (read_line saw to
 * that). Returns 1 to go on, 0 on error. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct load *ld = user;
	size_t k;

	if (!*name) {
		fail(ld, "missing key name before '='");
		return 0;
	}
	if (!*section) {
		for (k = 0; k < KEY_COUNT; k++)
			if (strcmp(keys[k].name, name) == 0)
				break;
		if (k < KEY_COUNT)
			fail(ld, "%s: key outside any section; it belongs "
			     "under [%s]", name, keys[k].section);
		else
			fail(ld, "%s: key outside any section", name);
		return 0;
	}
	k = key_index(section, name);
	if (k == KEY_COUNT) {
		char names[128];
		list_names(section, names, sizeof(names));
		fail(ld, "[%s] %s: unknown key; [%s] takes %s", section, name,
		     section, names);
		return 0;
	}
	if (ld->first_seen[k]) {
		fail(ld, "[%s] %s: given twice (first on line %u)", section,
		     name, ld->first_seen[k]);
		return 0;
	}
	ld->first_seen[k] = ld->lineno;

	char why[REASON_MAX];
	if (keys[k].set(ld->cfg, value, why, sizeof(why)) < 0) {
		fail(ld, "[%s] %s: %s", section, name, why);
		return 0;
	}
	return 1;
}

/*
 * What no single key can tell: a connection string is for PostgreSQL, so
 * one given with the sqlite backend (the default) is a mistake, most often
 * a forgotten "backend = postgresql"; it is refused on its own line rather
 * than ignored. An empty one says nothing and is allowed either way.
 */
static void check_catalog_keys(struct load *ld)
{
	unsigned line = ld->first_seen[key_index("catalog", "conninfo")];

	if (ld->failed || !line || !ld->cfg->conninfo[0] ||
	    ld->cfg->backend != GFS_BACKEND_SQLITE)
		return;
	ld->lineno = line;
	fail(ld, "[catalog] conninfo: a connection string is given but the "
	     "backend is sqlite; add \"backend = postgresql\" under [catalog], "
	     "or remove conninfo");
}

int gfs_config_load(struct gfs_config *cfg, const char *path, char *err,
		    size_t errlen)
{
	unsigned first_seen[KEY_COUNT] = { 0 };
	struct load ld = {
		.cfg = cfg, .path = path, .first_seen = first_seen,
		.err = err, .errlen = errlen,
	};

	if (err && errlen)
		err[0] = '\0';
	ld.fp = fopen(path, "re");
	if (!ld.fp) {
		fail_read(&ld, errno);
		return -1;
	}
	int r = ini_parse_stream(read_line, &ld, on_key, &ld);
	fclose(ld.fp);
	if (!ld.failed && r != 0) {
		/* read_line screens every line inih would refuse; kept so a
		 * disagreement with a future inih still fails loudly. */
		ld.lineno = r > 0 ? (unsigned)r : ld.lineno;
		fail(&ld, "syntax error");
	}
	check_catalog_keys(&ld);
	return ld.failed ? -1 : 0;
}
