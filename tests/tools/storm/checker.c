/*
 * checker.c — verifying the model against the mount: for each version
 * (under the hypothesis that its operation in doubt did not happen, else
 * that it did) where it is, its inode number, mode, owner, attributes,
 * deletedAt and purgeAt, the exact listings of its directories (live and
 * shadow, or under .softdeleted), and for each file there its inode
 * number, mode, owner, mtime (when the last change of it was explicit),
 * size, every byte, attributes, deletedAt and purgeAt; then the exact
 * listings of the definitions. `gfs-storm check` and a worker settling an
 * operation in doubt both use it.
 */
#include "storm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define VERDICT_LINES_MAX 24
#define MISMATCH_PRINT_MAX 60
#define READ_LIMIT (4 << 20)

void verdict_free(struct verdict *d)
{
	free(d->text);
	memset(d, 0, sizeof(*d));
}

__attribute__((format(printf, 2, 3)))
static void miss(struct verdict *d, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	d->mismatches++;
	if (d->mismatches > VERDICT_LINES_MAX)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (d->len + (size_t)n + 2 > d->cap) {
		d->cap = 2 * (d->len + (size_t)n + 2);
		d->text = xrealloc(d->text, d->cap);
	}
	memcpy(d->text + d->len, line, (size_t)n);
	d->len += (size_t)n;
	d->text[d->len++] = '\n';
	d->text[d->len] = '\0';
}

/* A call failed: ENOENT is an answer, anything else trouble (the mount may
 * have gone away under a worker). */
static void failed_call(struct verdict *d, const char *what, const char *path, int e)
{
	if (e != ENOENT)
		d->trouble = true;
	miss(d, "%s %s: %s", what, path, strerror(e));
}

/* ---- metadata ---- */

static void check_meta(struct verdict *d, struct item *it, const char *name,
		       const struct stat *st)
{
	it->obs_ino = (long long)st->st_ino;
	it->obs_size = st->st_size;
	if (it->ino) {
		d->n.inodes++;
		if ((long long)st->st_ino != it->ino)
			miss(d, "%s: inode %lld, expected %lld (last journal line: %s)",
			     name, (long long)st->st_ino, it->ino, last_of(it->last));
	}
	d->n.modes++;
	if ((st->st_mode & 07777) != it->mode)
		miss(d, "%s: mode %o, expected %o (set by: %s)", name,
		     (unsigned)(st->st_mode & 07777), it->mode, last_of(it->mode_by));
	d->n.owners++;
	if ((long long)st->st_uid != it->uid || (long long)st->st_gid != it->gid)
		miss(d, "%s: owner %lld:%lld, expected %lld:%lld (set by: %s)",
		     name, (long long)st->st_uid, (long long)st->st_gid, it->uid,
		     it->gid, last_of(it->owner_by));
	if (it->mtime_known) {
		long long got = (long long)st->st_mtim.tv_sec * NS + st->st_mtim.tv_nsec;
		d->n.mtimes++;
		if (got != it->mtime)
			miss(d, "%s: mtime %lld.%09lld, expected %lld.%09lld (set by: %s; "
			     "last journal line: %s)", name, got / NS, got % NS,
			     it->mtime / NS, it->mtime % NS, last_of(it->mtime_by),
			     last_of(it->last));
	}
}

/* getxattr: 1 with the value, 0 when absent, -errno on other errors. */
static int read_attr(const char *path, const char *name, char *out, size_t len)
{
	ssize_t r = lgetxattr(path, name, out, len - 1);
	if (r < 0)
		return errno == ENODATA ? 0 : -errno;
	out[r] = '\0';
	return 1;
}

/* The value a property reads where the node is (R17: a soft-deleted
 * version reads one replica per region). */
static void expected_value(bool sd, const char *name, const char *v, char *out,
			   size_t len)
{
	if (!v) {
		out[0] = '\0';
		return;
	}
	if (!sd || strcmp(name, "user.acg.replicas")) {
		snprintf(out, len, "%s", v);
		return;
	}
	size_t pos = 0;
	out[0] = '\0';
	for (const char *p = v; *p;) {
		size_t r = strcspn(p, "="), all = strcspn(p, ",");
		pos += (size_t)snprintf(out + pos, len - pos, "%s%.*s=1", pos ? "," : "",
					(int)r, p);
		if (pos >= len)
			break;
		p += all;
		if (*p == ',')
			p++;
	}
}

/* Whether what getxattr read (r: 1 with got, 0 absent) is value, where a
 * property (user.acg.*) never set reads its default: Succeeded for a
 * version's provisioningState (design §2), any value for the others. */
static bool attr_is(const char *name, const char *value, const char *want,
		    int r, const char *got)
{
	if (value)
		return r == 1 && !strcmp(got, want);
	if (strncmp(name, "user.acg.", 9))
		return r == 0;
	if (!strcmp(name, "user.acg.provisioningState"))
		return r == 1 && !strcmp(got, "Succeeded");
	return r == 1;
}

static void check_attrs(struct verdict *d, struct item *it, const char *name,
			const char *path, bool sd)
{
	char got[65536], want[4096];
	for (size_t i = 0; i < it->nattrs; i++) {
		struct attr *a = &it->attrs[i];
		d->n.attributes++;
		int r = read_attr(path, a->name, got, sizeof(got));
		if (r < 0) {
			failed_call(d, "getxattr", path, -r);
			continue;
		}
		expected_value(sd, a->name, a->value, want, sizeof(want));
		if (!attr_is(a->name, a->value, want, r, got))
			miss(d, "%s %s: %s%s, expected %s%s (last journal line: %s)", name,
			     a->name, r ? "reads " : "absent", r ? got : "",
			     a->value ? want : strncmp(a->name, "user.acg.", 9) ?
			     "absent" : "its default",
			     sd ? " (as read under .softdeleted)" : "", last_of(a->last));
	}
	/* no free attribute the journal does not know of */
	char names[65536];
	ssize_t len = llistxattr(path, names, sizeof(names));
	if (len < 0) {
		failed_call(d, "listxattr", path, errno);
		return;
	}
	for (char *q = names; q < names + len; q += strlen(q) + 1) {
		if (strncmp(q, "user.", 5) || !strncmp(q, "user.acg.", 9))
			continue;
		struct attr *a = attr_get(it, q, false);
		if (!a || !a->value)
			miss(d, "%s: attribute %s is there, the journal %s", name, q,
			     a ? "says it was removed" : "never set it");
	}
}

/* deletedAt and purgeAt: absent on a live item; on a soft-deleted one
 * deletedAt within the bounds of the acknowledged call (whole seconds) and
 * purgeAt 7 days later, or, for a file in a soft-deleted version, exactly
 * the version's (inherit: its two values). Reads them into dat/pat. */
static void check_deleted(struct verdict *d, const struct item *it, const char *name,
			  const char *path, bool soft, const char *inherit,
			  char *dat, char *pat, size_t len)
{
	int rd = read_attr(path, "user.acg.deletedAt", dat, len);
	int rp = read_attr(path, "user.acg.purgeAt", pat, len);
	if (rd < 0 || rp < 0) {
		failed_call(d, "getxattr user.acg.deletedAt/purgeAt", path, rd < 0 ? -rd : -rp);
		return;
	}
	d->n.deleted_at++;
	if (!soft) {
		if (rd || rp)
			miss(d, "%s: live, yet has deletedAt %s, purgeAt %s (last journal "
			     "line: %s)", name, rd ? dat : "-", rp ? pat : "-", last_of(it->last));
		dat[0] = pat[0] = '\0';
		return;
	}
	if (!rd || !rp) {
		miss(d, "%s: soft-deleted without %s (last journal line: %s)", name,
		     rd ? "purgeAt" : "deletedAt", last_of(it->last));
		dat[0] = pat[0] = '\0';
		return;
	}
	if (inherit) {
		if (strcmp(dat, inherit) || strcmp(pat, inherit + strlen(inherit) + 1))
			miss(d, "%s: deletedAt %s, purgeAt %s in a version soft-deleted at "
			     "%s, purged at %s: a file takes its version's (last journal "
			     "line: %s)", name, dat, pat, inherit, inherit + strlen(inherit) + 1,
			     last_of(it->last));
		return;
	}
	long long da = parse_utc(dat), pa = parse_utc(pat);
	long long lo = it->del_lo / NS;
	long long hi = it->del_hi == T_UNKNOWN ? T_UNKNOWN : it->del_hi / NS;
	if (da < 0 || pa < 0)
		miss(d, "%s: deletedAt %s, purgeAt %s: not YYYY-MM-DDTHH:MM:SSZ", name,
		     dat, pat);
	else if (da < lo || da > hi)
		miss(d, "%s: deletedAt %s (%lld) outside the call that soft-deleted it "
		     "(%lld..%lld) (last journal line: %s)", name, dat, da, lo, hi,
		     last_of(it->last));
	else if (pa != da + RETENTION_S)
		miss(d, "%s: purgeAt %s is not deletedAt %s + 7 days", name, pat, dat);
}

/* ---- contents ---- */

static unsigned char *read_all(struct verdict *d, const char *path, const char *name,
			       long long st_size, long long *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		failed_call(d, "open", path, errno);
		return NULL;
	}
	size_t cap = st_size > 0 && st_size < READ_LIMIT ? (size_t)st_size + 1 : 65536;
	unsigned char *buf = xcalloc(1, cap);
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			if (cap >= READ_LIMIT) {
				miss(d, "%s: longer than %d bytes", name, READ_LIMIT);
				break;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			failed_call(d, "read", path, errno);
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if ((long long)n != st_size)
		miss(d, "%s: read %zu bytes, st_size says %lld", name, n, st_size);
	*got = (long long)n;
	return buf;
}

static void first_difference(struct verdict *d, struct file *f, const char *name,
			     const unsigned char *got, const unsigned char *want,
			     long long n)
{
	long long i = 0;
	while (i < n && got[i] == want[i])
		i++;
	d->n.bytes += i;
	if (i < n)
		miss(d, "%s: bytes differ from offset %lld (last journal line: %s)",
		     name, i, last_of(f->it.last));
}

/* The bytes: exactly the model's, or, for a write in doubt, the old
 * content with any prefix of the write (f->flex_k: how much of it). */
static void check_content(struct verdict *d, struct file *f, const char *name,
			  const char *path, const struct stat *st)
{
	long long s;
	unsigned char *got = read_all(d, path, name, st->st_size, &s);
	if (!got)
		return;
	unsigned char *want = xcalloc(1, (size_t)s + 1);
	if (!f->flex) {
		if (s != f->data.size)
			miss(d, "%s: size %lld, expected %lld (last journal line: %s)", name,
			     s, f->data.size, last_of(f->it.last));
		long long n = s < f->data.size ? s : f->data.size;
		content_bytes(&f->data, 0, want, (size_t)n);
		first_difference(d, f, name, got, want, n);
	} else {
		long long s0 = f->flex_old.size, o = f->flex_off, l = f->flex_len, k = -1;
		if (s > s0 && s > o && s <= o + l) {
			k = s - o;
		} else if (s == s0) {
			long long end = o + l < s0 ? o + l : s0;
			k = 0;
			if (end > o) {
				unsigned char *nw = xcalloc(1, (size_t)(end - o));
				fill(f->flex_seed, (uint64_t)o, nw, (size_t)(end - o));
				while (o + k < end && got[o + k] == nw[k])
					k++;
				free(nw);
			}
		}
		if (k < 0) {
			miss(d, "%s: size %lld, expected %lld or, with the write in doubt "
			     "(offset %lld, %lld bytes), more up to %lld (last journal line: "
			     "%s)", name, s, s0, o, l, o + l, last_of(f->it.last));
			long long n = s < s0 ? s : s0;
			content_bytes(&f->flex_old, 0, want, (size_t)n);
			first_difference(d, f, name, got, want, n);
		} else {
			content_bytes(&f->flex_old, 0, want, (size_t)s);
			if (k > 0)
				fill(f->flex_seed, (uint64_t)o, want + o, (size_t)k);
			first_difference(d, f, name, got, want, s);
			f->flex_k = k;
		}
	}
	f->it.obs_size = s;
	free(want);
	free(got);
}

/* ---- versions and their directories ---- */

static void verify_file(struct verdict *d, struct version *v, struct file *f,
			const char *path, const char *inherit)
{
	char name[600], dat[128], pat[128];
	struct stat st;
	bool renamed = strcmp(base_name(f->id), f->name) != 0;
	snprintf(name, sizeof(name), "%s/%s%s%s%s%s", v->path, f->name,
		 f->it.state == ST_SOFT ? " (soft-deleted)" : "",
		 renamed ? " (created as " : "", renamed ? base_name(f->id) : "",
		 renamed ? ")" : "");
	d->n.files++;
	if (lstat(path, &st) < 0) {
		failed_call(d, "lstat", path, errno);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		miss(d, "%s: not a regular file (mode %o)", name, (unsigned)st.st_mode);
		return;
	}
	check_meta(d, &f->it, name, &st);
	check_content(d, f, name, path, &st);
	check_attrs(d, &f->it, name, path, f->it.state == ST_SOFT);
	check_deleted(d, &f->it, name, path, f->it.state == ST_SOFT, inherit, dat,
		      pat, sizeof(dat));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names a directory lists (sorted), or -1. */
static int list_dir(struct verdict *d, const char *path, char ***out, size_t *n)
{
	DIR *dir = opendir(path);
	*out = NULL;
	*n = 0;
	if (!dir) {
		failed_call(d, "opendir", path, errno);
		return -1;
	}
	size_t cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = xstrdup(de->d_name);
	}
	int e = errno;
	closedir(dir);
	if (e) {
		failed_call(d, "readdir", path, e);
		return -1;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool listed(char **names, size_t n, const char *name)
{
	return n && bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL;
}

/* The directory dir holds exactly v's files in state want, each whole. */
static void verify_dir(struct verdict *d, struct version *v, const char *dir,
		       enum st want, const char *inherit)
{
	char **names, p[PATH_MAX];
	size_t n;
	if (list_dir(d, dir, &names, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			miss(d, "%s: lists %s twice", dir, names[i]);
		struct file *f = want == ST_LIVE ? live_named(v, names[i]) :
			soft_named(v, names[i]);
		if (!f) {
			struct file *other = NULL;
			for (size_t j = 0; j < v->nfiles; j++)
				if (!strcmp(v->files[j]->name, names[i]))
					other = v->files[j];
			miss(d, "%s/%s: listed %s, the journal has no %s file of that name "
			     "(last journal line of that name: %s)", v->path, names[i],
			     want == ST_LIVE ? "in the live tree" : "under .softdeleted",
			     st_names[want], other ? last_of(other->it.last) : "(none)");
		}
	}
	for (size_t j = 0; j < v->nfiles; j++) {
		struct file *f = v->files[j];
		if (f->it.state != want)
			continue;
		if (!listed(names, n, f->name)) {
			miss(d, "%s/%s: %s, but %s does not list it (last journal line: %s)",
			     v->path, f->name, st_names[want], dir, last_of(f->it.last));
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, f->name);
		verify_file(d, v, f, p, inherit);
	}
	free_names(names, n);
}

void verify_version(const char *mount, struct version *v, struct verdict *d)
{
	char lp[PATH_MAX], sp[PATH_MAX], dat[128], pat[128], inherit[260];
	struct stat sl, ss;
	live_path(mount, v->path, lp, sizeof(lp));
	sd_path(mount, v->path, sp, sizeof(sp));
	int rl = lstat(lp, &sl) == 0 ? 0 : errno;
	int rs = lstat(sp, &ss) == 0 ? 0 : errno;
	v->eff = v->it.state;
	v->eff_holds_sd = false;
	if ((rl && rl != ENOENT) || (rs && rs != ENOENT)) {
		failed_call(d, "lstat", rl && rl != ENOENT ? lp : sp,
			    rl && rl != ENOENT ? rl : rs);
		return;
	}
	d->n.versions++;
	const char *last = last_of(v->it.last);
	switch (v->it.state) {
	case ST_LIVE:
		if (rl) {
			miss(d, "%s: expected in the live tree, found %s (last journal "
			     "line: %s)", v->path, rs ? "nowhere" : "under .softdeleted", last);
			return;
		}
		if (!S_ISDIR(sl.st_mode)) {
			miss(d, "%s: not a directory", v->path);
			return;
		}
		check_meta(d, &v->it, v->path, &sl);
		if (rs) {
			miss(d, "%s: its shadow %s does not resolve", v->path, sp);
		} else if (ss.st_ino == sl.st_ino) {
			miss(d, "%s: in both trees (live and .softdeleted, inode %lld)",
			     v->path, (long long)sl.st_ino);
		} else {
			/* the shadow: the version's owner and mode */
			d->n.modes++;
			d->n.owners++;
			if ((ss.st_mode & 07777) != v->it.mode || ss.st_uid != sl.st_uid ||
			    ss.st_gid != sl.st_gid)
				miss(d, "%s: its shadow has mode %o, owner %lld:%lld; the "
				     "version %o, %lld:%lld", v->path,
				     (unsigned)(ss.st_mode & 07777), (long long)ss.st_uid,
				     (long long)ss.st_gid, v->it.mode, (long long)sl.st_uid,
				     (long long)sl.st_gid);
		}
		check_attrs(d, &v->it, v->path, lp, false);
		check_deleted(d, &v->it, v->path, lp, false, NULL, dat, pat, sizeof(dat));
		verify_dir(d, v, lp, ST_LIVE, NULL);
		if (!rs)
			verify_dir(d, v, sp, ST_SOFT, NULL);
		for (size_t i = 0; i < v->nfiles; i++)
			v->eff_holds_sd |= v->files[i]->it.state == ST_SOFT;
		return;
	case ST_SOFT:
		if (!rl)
			miss(d, "%s: expected under .softdeleted only, found in the live "
			     "tree (last journal line: %s)", v->path, last);
		if (rs) {
			miss(d, "%s: expected under .softdeleted, found %s (last journal "
			     "line: %s)", v->path, rl ? "nowhere" : "in the live tree only",
			     last);
			return;
		}
		if (!S_ISDIR(ss.st_mode)) {
			miss(d, "%s: not a directory under .softdeleted", v->path);
			return;
		}
		check_meta(d, &v->it, v->path, &ss);
		check_attrs(d, &v->it, v->path, sp, true);
		check_deleted(d, &v->it, v->path, sp, true, NULL, dat, pat, sizeof(dat));
		if (dat[0] && strlen(dat) + strlen(pat) + 2 <= sizeof(inherit)) {
			memcpy(inherit, dat, strlen(dat) + 1);
			memcpy(inherit + strlen(dat) + 1, pat, strlen(pat) + 1);
		} else {
			inherit[0] = inherit[1] = '\0';
		}
		verify_dir(d, v, sp, ST_SOFT, inherit);
		return;
	default:
		if (!rl)
			miss(d, "%s: in the live tree, expected %s (last journal line: %s)",
			     v->path, st_names[v->it.state], last);
		if (!rs)
			miss(d, "%s: under .softdeleted, expected %s (last journal line: %s)",
			     v->path, st_names[v->it.state], last);
		return;
	}
}

int verify_hypotheses(const char *mount, struct version *v, struct verdict *best,
		      struct version **h1out)
{
	struct verdict d0 = { 0 }, d1 = { 0 };
	*h1out = NULL;
	verify_version(mount, v, &d0);
	if (!d0.mismatches || !v->pend || d0.trouble) {
		*best = d0;
		return d0.mismatches ? -1 : 0;
	}
	struct version *h1 = version_after_pending(v, now_ns());
	if (!h1) {
		miss(&d0, "%s: and the operation in doubt cannot apply to it: %s", v->path,
		     last_of(v->pend->line));
		*best = d0;
		return -1;
	}
	verify_version(mount, h1, &d1);
	*h1out = h1;
	if (!d1.mismatches && !d1.trouble) {
		v->eff = h1->eff;
		v->eff_holds_sd = h1->eff_holds_sd;
		verdict_free(&d0);
		*best = d1;
		return 1;
	}
	long long n0 = d0.mismatches;
	miss(&d0, "%s: nor does it match with the operation in doubt done (%s): "
	     "%lld differences, the first: %.*s", v->path, last_of(v->pend->line),
	     d1.mismatches, d1.text ? (int)strcspn(d1.text, "\n") : 0,
	     d1.text ? d1.text : "");
	d0.mismatches = n0;
	d0.trouble |= d1.trouble;
	verdict_free(&d1);
	*best = d0;
	return -1;
}

/* ------------------------------------------------------------------ */
/* check                                                              */

struct checker {
	const char *mount;
	struct model m;
	struct counts n;
	long long mismatches, printed;
};

/* One MISMATCH line (not counted: the caller counts). */
__attribute__((format(printf, 2, 3)))
static void print_mismatch(struct checker *c, const char *fmt, ...)
{
	va_list ap;
	if (++c->printed > MISMATCH_PRINT_MAX) {
		if (c->printed == MISMATCH_PRINT_MAX + 1)
			printf("MISMATCH ... (more not shown)\n");
		return;
	}
	va_start(ap, fmt);
	fputs("MISMATCH ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

#define mismatch(c, ...) ((c)->mismatches++, print_mismatch((c), __VA_ARGS__))

static void add_counts(struct counts *a, const struct counts *b)
{
	a->versions += b->versions;
	a->files += b->files;
	a->inodes += b->inodes;
	a->modes += b->modes;
	a->owners += b->owners;
	a->mtimes += b->mtimes;
	a->deleted_at += b->deleted_at;
	a->bytes += b->bytes;
	a->attributes += b->attributes;
}

/* Every entry of a definition's two directories is a version the journals
 * put there: live versions in the live one; soft-deleted versions, and the
 * shadows of live versions that hold soft-deleted files, under .softdeleted. */
static void check_definition(struct checker *c, const char *gd, bool sd)
{
	char p[PATH_MAX], rel[PATH_MAX];
	char **names;
	size_t n;
	struct verdict d = { 0 };
	if (sd)
		sd_path(c->mount, gd, p, sizeof(p));
	else
		live_path(c->mount, gd, p, sizeof(p));
	if (list_dir(&d, p, &names, &n) < 0) {
		mismatch(c, "%.*s", (int)strcspn(d.text, "\n"), d.text);
		verdict_free(&d);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", gd, names[i]);
		struct version *v = map_get(&c->m.map, rel);
		bool ok = v && (sd ? v->eff == ST_SOFT || (v->eff == ST_LIVE && v->eff_holds_sd)
			       : v->eff == ST_LIVE);
		if (!v)
			mismatch(c, "%s %s: there, but no journal knows it",
				 sd ? "soft-deleted" : "live", rel);
		else if (!ok)
			mismatch(c, "%s: listed %s, but it is %s%s", rel,
				 sd ? "under .softdeleted" : "in the live tree",
				 st_names[v->eff], v->eff == ST_LIVE ?
				 " (the empty shadow of a live version is not listed)" : "");
	}
	size_t glen = strlen(gd);
	for (size_t i = 0; i < c->m.nvers; i++) {
		struct version *v = c->m.vers[i];
		if (strncmp(v->path, gd, glen) || v->path[glen] != '/')
			continue;
		bool want = sd ? v->eff == ST_SOFT || (v->eff == ST_LIVE && v->eff_holds_sd)
			       : v->eff == ST_LIVE;
		if (want && !listed(names, n, v->path + glen + 1))
			mismatch(c, "%s: %s, but %s does not list it", v->path,
				 v->eff == ST_SOFT ? "soft-deleted" :
				 sd ? "live with soft-deleted files" : "live", p);
	}
	free_names(names, n);
}

/* Every comparison: each version (and its files) under its hypotheses,
 * then the definitions' listings. */
static void compare(struct checker *c, long long *doubtful)
{
	for (size_t i = 0; i < c->m.nvers; i++) {
		struct version *v = c->m.vers[i], *h1;
		struct verdict d;
		*doubtful += v->pend != NULL;
		verify_hypotheses(c->mount, v, &d, &h1);
		add_counts(&c->n, &d.n);
		for (char *l = d.text; l && *l; l += strcspn(l, "\n") + 1)
			print_mismatch(c, "%.*s", (int)strcspn(l, "\n"), l);
		if (d.mismatches > VERDICT_LINES_MAX)
			print_mismatch(c, "%s: ... %lld differences in all", v->path,
				       d.mismatches);
		c->mismatches += d.mismatches;
		verdict_free(&d);
		version_free(h1);
	}
	/* the galleries' definitions ("G/D"), each listed once */
	char **done = NULL;
	size_t ndone = 0;
	for (size_t i = 0; i < c->m.nvers; i++) {
		char gd[PATH_MAX];
		const char *path = c->m.vers[i]->path;
		snprintf(gd, sizeof(gd), "%.*s", (int)(strrchr(path, '/') - path), path);
		bool seen = false;
		for (size_t j = 0; j < ndone; j++)
			seen |= !strcmp(done[j], gd);
		if (seen)
			continue;
		done = xrealloc(done, (ndone + 1) * sizeof(*done));
		done[ndone++] = xstrdup(gd);
		check_definition(c, gd, false);
		check_definition(c, gd, true);
	}
	free_names(done, ndone);
}

int cmd_check(const char *mount, int nj, char **journals)
{
	struct checker c = { .mount = mount };
	long long doubtful = 0;

	for (int i = 0; i < nj; i++)
		model_load(&c.m, journals[i], false);
	if (mount_dead(mount))
		die(2, "%s is not a mounted galleryfs", mount);
	c.mismatches = c.m.anomalies;
	c.printed = c.m.anomalies;
	compare(&c, &doubtful);
	printf("gfs-storm check: journals=%d acked=%lld doubtful=%lld versions=%lld "
	       "files=%lld inodes=%lld modes=%lld owners=%lld mtimes=%lld "
	       "deleted_at=%lld bytes=%lld attributes=%lld mismatches=%lld\n", nj,
	       c.m.acked, doubtful, c.n.versions, c.n.files, c.n.inodes, c.n.modes,
	       c.n.owners, c.n.mtimes, c.n.deleted_at, c.n.bytes, c.n.attributes,
	       c.mismatches);
	model_free(&c.m);
	return c.mismatches ? 1 : 0;
}
