/*
 * gfs-storm — a crash-consistency storm for galleryfs (SPEC §3, §7: an
 * operation that returned survives the daemon being killed with SIGKILL).
 * Workers drive versions, files, soft delete, restore, hard delete and
 * attributes against a mount and journal every effect the filesystem
 * acknowledged; after the daemon was killed and the data directory mounted
 * again, the checker replays the journals and verifies that every
 * acknowledged effect is there, whole (bytes included), in exactly one tree.
 *
 *   gfs-storm run MOUNT WORKER_ID JOURNAL SEED [MAX_OPS]
 *   gfs-storm check MOUNT JOURNAL...
 *
 * run: worker K works alone in gallery wK (soft delete on) and its one
 * definition d, both made beforehand by the harness. It first replays
 * JOURNAL (earlier rounds) and settles the operation a killed predecessor
 * left in doubt by looking at the mount, then performs random operations
 * until one fails. Exit status: 0 when the mount went away (ENOTCONN,
 * ECONNABORTED, EIO, or ENOENT once it is unmounted) or MAX_OPS were done;
 * 3 on a finding: an operation failed while the mount was alive, or the
 * mount shows a state no journal line allows (one stderr line starting
 * "gfs-storm: FINDING:" names the call, the path and the errno); 2 on
 * usage errors.
 *
 * check: replays every JOURNAL into the expected state of each item (the
 * last acknowledged effect wins; an operation whose INTENT has no outcome
 * may have happened or not) and verifies the mount: versions live, under
 * .softdeleted or in neither, with their inode numbers; files at the one
 * path they belong at, with exactly their size and bytes; attributes; and
 * nothing else in the workers' galleries. It prints one MISMATCH line per
 * difference and a summary line
 *   gfs-storm check: journals=J acked=N doubtful=D versions=V files=F
 *   bytes=B attributes=A mismatches=M
 * and exits 1 when M > 0 (2 on usage or unreadable journals). It reads
 * through the kernel: run it on a fresh mount (as t_crash.sh does, right
 * after the remount) to see what the daemon kept, not what the kernel
 * cached.
 *
 * Journal: one line per event, appended with a single write(2) (O_APPEND):
 *   VERSION_LIVE G/D/V INO N        mkdir returned (N: st_ino right after)
 *   SOFTDELETED G/D/V               rmdir, or rename into .softdeleted
 *   RESTORED G/D/V                  rename back; the version's soft-deleted
 *                                   files come back with it (SPEC §3)
 *   HARDDELETED G/D/V               rmdir inside .softdeleted
 *   FILE G/D/V/F SIZE S SEED X      created, S bytes written, closed
 *   FILE_SOFTDELETED G/D/V/F        unlink, or rename into the shadow
 *   FILE_RESTORED G/D/V/F           rename back out of the shadow
 *   FILE_HARDDELETED G/D/V/F        unlink inside .softdeleted
 *   XATTR PATH NAME VALUE           setxattr (free user.* or user.acg.*)
 *   XATTR_REMOVED PATH NAME         removexattr
 *   INTENT <event>                  written before the call: until an
 *                                   outcome follows, both states are allowed
 *   SETTLED <event> | UNDONE <event>  a later worker's look at the mount
 *                                   decided an INTENT left in doubt
 * '#' starts a comment line. A file's bytes are a pure function of (SEED,
 * offset), so the prefix a write cut short by the kill leaves is itself the
 * content of a shorter file of the same SEED.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define MAX_FILE_SIZE (1 << 20)
#define CHUNK_MAX (256 * 1024)
#define LIVE_MAX 6              /* live versions a worker keeps at most */
#define SOFT_MAX 6              /* soft-deleted versions */
#define FILES_MAX 6             /* files per version (live or soft-deleted) */
#define MISMATCH_PRINT_MAX 60

/* ------------------------------------------------------------------ */
/* helpers                                                            */

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(status == 3 ? "gfs-storm: FINDING: " : "gfs-storm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die(2, "out of memory");
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		die(2, "out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die(2, "out of memory");
	return d;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The content of every file: byte `off` of the stream of `seed`. */
static void fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint64_t o = off + i;
		uint64_t w = mix64(seed * 0x100000001b3ULL ^ mix64(o / 8));
		for (unsigned b = (unsigned)(o % 8); b < 8 && i < len; b++, i++)
			buf[i] = (unsigned char)(w >> (8 * b));
	}
}

/* "MOUNT/REL" and "MOUNT/G/.softdeleted/REST" for REL = "G/REST". */
static void live_path(const char *mount, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", mount, rel);
}

static void sd_path(const char *mount, const char *rel, char *out, size_t len)
{
	size_t g = strcspn(rel, "/");
	snprintf(out, len, "%s/%.*s/.softdeleted%s", mount, (int)g, rel, rel + g);
}

static bool mount_dead(const char *mount)
{
	struct statfs s;
	return statfs(mount, &s) < 0 || s.f_type != FUSE_SUPER_MAGIC;
}

/* ------------------------------------------------------------------ */
/* the model: what the journals say                                   */

enum st { ST_NONE, ST_LIVE, ST_SOFT, ST_GONE };
static const char *const st_names[] = { "never created", "live",
	"soft-deleted", "deleted for good" };

enum kind {
	K_NONE, K_VERSION_LIVE, K_SOFTDELETED, K_RESTORED, K_HARDDELETED,
	K_FILE, K_FILE_SOFTDELETED, K_FILE_RESTORED, K_FILE_HARDDELETED,
	K_XATTR, K_XATTR_REMOVED,
};
static const char *const kind_names[] = { "", "VERSION_LIVE", "SOFTDELETED",
	"RESTORED", "HARDDELETED", "FILE", "FILE_SOFTDELETED", "FILE_RESTORED",
	"FILE_HARDDELETED", "XATTR", "XATTR_REMOVED" };

static enum st after_state(enum kind k)
{
	switch (k) {
	case K_VERSION_LIVE: case K_RESTORED: case K_FILE: case K_FILE_RESTORED:
		return ST_LIVE;
	case K_SOFTDELETED: case K_FILE_SOFTDELETED:
		return ST_SOFT;
	case K_HARDDELETED: case K_FILE_HARDDELETED:
		return ST_GONE;
	default:
		return ST_NONE;
	}
}

struct attr {
	char *name;
	char *value;            /* NULL: absent */
	bool pend;              /* a setxattr/removexattr in doubt */
	char *pvalue;           /* the value it would leave (NULL: removed) */
	char *last;             /* the last journal line about it */
};

enum loc { L_ABSENT, L_LIVE, L_SD };
static const char *const loc_names[] = { "nowhere", "in the live tree",
	"under .softdeleted" };

struct node {                   /* a version or a file */
	char *path;             /* "w1/d/1.0.7" or "w1/d/1.0.7/f3" */
	bool is_file;
	long rank;              /* version: PATCH; file: the number after 'f' */
	struct node *ver;       /* file: its version */
	struct node **files;    /* version: its files */
	size_t nfiles, capfiles;
	long max_file;          /* version: highest file number used */
	enum st state;
	long long ino;          /* version: st_ino (0: not known) */
	long long size, seed;   /* file */
	enum kind pend;         /* the operation in doubt, K_NONE if none */
	enum st pend_state;
	long long pend_size, pend_seed;
	struct attr *attrs;
	size_t nattrs;
	char *last;             /* the last journal line about it */
	/* what the mount showed */
	enum loc where;
	bool two_trees;
	long long obs_ino, obs_size;
	mode_t obs_mode;
	int match;              /* 0: before, 1: after the doubtful op, -1: none */
	enum st eff;            /* the state matched */
};

struct map {
	struct node **slots;
	size_t cap, n;
};

struct model {
	struct map map;
	struct node **vers;
	size_t nvers, capvers;
	long max_rank;
	long long acked, intents, settled, undone, anomalies;
	const char *src;
	long lineno;
	const char *line;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct node *map_get(struct map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i])
			return NULL;
		if (!strcmp(m->slots[i]->path, key))
			return m->slots[i];
	}
}

static void map_put(struct map *m, struct node *n)
{
	if (2 * (m->n + 1) > m->cap) {
		struct map bigger = { xcalloc(m->cap ? 2 * m->cap : 256, sizeof(*m->slots)),
				      m->cap ? 2 * m->cap : 256, 0 };
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i])
				map_put(&bigger, m->slots[i]);
		free(m->slots);
		*m = bigger;
	}
	size_t i = hash_str(n->path) & (m->cap - 1);
	while (m->slots[i])
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = n;
	m->n++;
}

__attribute__((format(printf, 2, 3)))
static void anomaly(struct model *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("MISMATCH %s:%ld: ", m->src, m->lineno);
	vprintf(fmt, ap);
	printf(" (journal line: %.*s)\n", (int)strcspn(m->line, "\n"), m->line);
	va_end(ap);
	m->anomalies++;
}

static struct attr *attr_get(struct node *n, const char *name, bool create)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return &n->attrs[i];
	if (!create)
		return NULL;
	n->attrs = xrealloc(n->attrs, (n->nattrs + 1) * sizeof(*n->attrs));
	struct attr *a = &n->attrs[n->nattrs++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	return a;
}

/* How many '/'-separated components, and the number ending the last one. */
static int components(const char *p)
{
	int n = 1;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

static long trailing_number(const char *p)
{
	const char *e = p + strlen(p);
	while (e > p && e[-1] >= '0' && e[-1] <= '9')
		e--;
	return strtol(e, NULL, 10);
}

static struct node *node_new(struct model *m, const char *path, bool is_file)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->path = xstrdup(path);
	n->is_file = is_file;
	n->rank = trailing_number(strrchr(path, '/') + 1);
	if (is_file) {
		char vp[PATH_MAX];
		snprintf(vp, sizeof(vp), "%.*s", (int)(strrchr(path, '/') - path), path);
		n->ver = map_get(&m->map, vp);
		if (!n->ver || n->ver->is_file) {
			free(n->path);
			free(n);
			return NULL;
		}
		struct node *v = n->ver;
		if (v->nfiles == v->capfiles) {
			v->capfiles = v->capfiles ? 2 * v->capfiles : 8;
			v->files = xrealloc(v->files, v->capfiles * sizeof(*v->files));
		}
		v->files[v->nfiles++] = n;
		if (n->rank > v->max_file)
			v->max_file = n->rank;
	} else {
		if (m->nvers == m->capvers) {
			m->capvers = m->capvers ? 2 * m->capvers : 64;
			m->vers = xrealloc(m->vers, m->capvers * sizeof(*m->vers));
		}
		m->vers[m->nvers++] = n;
		if (n->rank > m->max_rank)
			m->max_rank = n->rank;
	}
	map_put(&m->map, n);
	return n;
}

struct ev {
	enum kind kind;
	const char *path, *name, *value;
	long long ino, size, seed;
};

/* tok[0] is the event's keyword. */
static int parse_event(char **tok, int ntok, struct ev *e)
{
	memset(e, 0, sizeof(*e));
	if (ntok < 2)
		return -1;
	for (int k = K_VERSION_LIVE; k <= K_XATTR_REMOVED; k++)
		if (!strcmp(tok[0], kind_names[k]))
			e->kind = (enum kind)k;
	e->path = tok[1];
	switch (e->kind) {
	case K_VERSION_LIVE:
		if (ntok == 4 && !strcmp(tok[2], "INO"))
			e->ino = atoll(tok[3]);
		else if (ntok != 2)
			return -1;
		return components(e->path) == 3 ? 0 : -1;
	case K_SOFTDELETED: case K_RESTORED: case K_HARDDELETED:
		return ntok == 2 && components(e->path) == 3 ? 0 : -1;
	case K_FILE:
		if (ntok != 6 || strcmp(tok[2], "SIZE") || strcmp(tok[4], "SEED"))
			return -1;
		e->size = atoll(tok[3]);
		e->seed = atoll(tok[5]);
		return components(e->path) == 4 ? 0 : -1;
	case K_FILE_SOFTDELETED: case K_FILE_RESTORED: case K_FILE_HARDDELETED:
		return ntok == 2 && components(e->path) == 4 ? 0 : -1;
	case K_XATTR:
		if (ntok != 4)
			return -1;
		e->name = tok[2];
		e->value = tok[3];
		return 0;
	case K_XATTR_REMOVED:
		if (ntok != 3)
			return -1;
		e->name = tok[2];
		return 0;
	default:
		return -1;
	}
}

/* The state change an acknowledged (or settled) event makes. */
static void effect(struct model *m, struct node *n, struct attr *a, const struct ev *e)
{
	struct node *v = n->ver;
	switch (e->kind) {
	case K_VERSION_LIVE:
		if (n->state != ST_NONE)
			anomaly(m, "%s created again while %s", n->path, st_names[n->state]);
		n->state = ST_LIVE;
		n->ino = e->ino;
		break;
	case K_SOFTDELETED:
		if (n->state != ST_LIVE)
			anomaly(m, "%s soft-deleted while %s", n->path, st_names[n->state]);
		n->state = ST_SOFT;
		break;
	case K_RESTORED:
		if (n->state != ST_SOFT)
			anomaly(m, "%s restored while %s", n->path, st_names[n->state]);
		n->state = ST_LIVE;
		for (size_t i = 0; i < n->nfiles; i++)
			if (n->files[i]->state == ST_SOFT)
				n->files[i]->state = ST_LIVE;
		break;
	case K_HARDDELETED:
		if (n->state != ST_SOFT)
			anomaly(m, "%s deleted for good while %s", n->path, st_names[n->state]);
		for (size_t i = 0; i < n->nfiles; i++)
			if (n->files[i]->state == ST_LIVE || n->files[i]->state == ST_SOFT) {
				anomaly(m, "rmdir of %s returned success while its file %s "
					"was still %s", n->path, n->files[i]->path,
					st_names[n->files[i]->state]);
				n->files[i]->state = ST_GONE;
			}
		n->state = ST_GONE;
		break;
	case K_FILE:
		if (n->state != ST_NONE)
			anomaly(m, "%s created again while %s", n->path, st_names[n->state]);
		if (v->state != ST_LIVE)
			anomaly(m, "%s created while its version is %s", n->path,
				st_names[v->state]);
		n->state = ST_LIVE;
		n->size = e->size;
		n->seed = e->seed;
		break;
	case K_FILE_SOFTDELETED:
		if (n->state != ST_LIVE || v->state != ST_LIVE)
			anomaly(m, "%s soft-deleted while %s in a %s version", n->path,
				st_names[n->state], st_names[v->state]);
		n->state = ST_SOFT;
		break;
	case K_FILE_RESTORED:
		if (n->state != ST_SOFT || v->state != ST_LIVE)
			anomaly(m, "%s restored while %s in a %s version", n->path,
				st_names[n->state], st_names[v->state]);
		n->state = ST_LIVE;
		break;
	case K_FILE_HARDDELETED:
		if (!(n->state == ST_SOFT || (n->state == ST_LIVE && v->state == ST_SOFT)))
			anomaly(m, "%s deleted for good while %s in a %s version", n->path,
				st_names[n->state], st_names[v->state]);
		n->state = ST_GONE;
		break;
	case K_XATTR:
		set_str(&a->value, e->value);
		break;
	case K_XATTR_REMOVED:
		if (!a->value)
			anomaly(m, "%s: %s removed while absent", n->path, a->name);
		set_str(&a->value, NULL);
		break;
	default:
		break;
	}
}

static void model_apply(struct model *m, const char *text)
{
	char buf[4096], *tok[10], *save = NULL;
	int ntok = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	buf[strcspn(buf, "\n")] = '\0';
	m->line = text;
	for (char *t = strtok_r(buf, " ", &save); t && ntok < 10;
	     t = strtok_r(NULL, " ", &save))
		tok[ntok++] = t;
	if (ntok == 0 || tok[0][0] == '#')
		return;

	enum { ACK, INTENT, SETTLED, UNDONE } mode = ACK;
	int off = 0;
	if (!strcmp(tok[0], "INTENT"))
		mode = INTENT, off = 1;
	else if (!strcmp(tok[0], "SETTLED"))
		mode = SETTLED, off = 1;
	else if (!strcmp(tok[0], "UNDONE"))
		mode = UNDONE, off = 1;
	struct ev e;
	if (parse_event(tok + off, ntok - off, &e) < 0)
		die(2, "%s:%ld: cannot parse: %s", m->src, m->lineno, text);

	struct node *n = map_get(&m->map, e.path);
	if (!n && (mode == ACK || mode == INTENT) &&
	    (e.kind == K_VERSION_LIVE || e.kind == K_FILE))
		n = node_new(m, e.path, e.kind == K_FILE);
	if (!n) {
		anomaly(m, "%s: no such item in the journal", e.path);
		return;
	}
	if (n->is_file != (e.kind >= K_FILE && e.kind <= K_FILE_HARDDELETED) &&
	    e.kind != K_XATTR && e.kind != K_XATTR_REMOVED) {
		anomaly(m, "%s: event of the wrong kind of item", e.path);
		return;
	}
	struct attr *a = NULL;
	bool is_attr = e.kind == K_XATTR || e.kind == K_XATTR_REMOVED;
	if (is_attr) {
		a = attr_get(n, e.name, true);
		set_str(&a->last, text);
	} else {
		set_str(&n->last, text);
	}
	bool pending = is_attr ? a->pend : n->pend != K_NONE;
	enum kind pend_kind = is_attr ? (a->pvalue ? K_XATTR : K_XATTR_REMOVED) : n->pend;

	switch (mode) {
	case INTENT:
		m->intents++;
		if (pending)
			anomaly(m, "%s: a second operation in doubt", e.path);
		if (is_attr) {
			a->pend = true;
			set_str(&a->pvalue, e.kind == K_XATTR ? e.value : NULL);
		} else {
			n->pend = e.kind;
			n->pend_state = after_state(e.kind);
			n->pend_size = e.size;
			n->pend_seed = e.seed;
		}
		return;
	case UNDONE:
		m->undone++;
		if (!pending || pend_kind != e.kind)
			anomaly(m, "%s: UNDONE without a matching INTENT", e.path);
		if (is_attr) {
			a->pend = false;
			set_str(&a->pvalue, NULL);
		} else {
			n->pend = K_NONE;
		}
		return;
	case SETTLED:
	case ACK:
		if (mode == SETTLED)
			m->settled++;
		else
			m->acked++;
		if (pending && pend_kind != e.kind)
			anomaly(m, "%s: %s acknowledged while %s was in doubt", e.path,
				kind_names[e.kind], kind_names[pend_kind]);
		if (mode == SETTLED && !pending)
			anomaly(m, "%s: SETTLED without an INTENT", e.path);
		if (is_attr) {
			a->pend = false;
			set_str(&a->pvalue, NULL);
		} else {
			n->pend = K_NONE;
		}
		effect(m, n, a, &e);
		return;
	}
}

/* Replay a journal. For a worker (fix_tail), a last line cut short is cut off. */
static void model_load(struct model *m, const char *journal, bool fix_tail)
{
	FILE *f = fopen(journal, fix_tail ? "r+" : "r");
	if (!f) {
		if (fix_tail && errno == ENOENT)
			return;
		die(2, "%s: %s", journal, strerror(errno));
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long good = 0;
	m->src = journal;
	m->lineno = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		m->lineno++;
		if (line[len - 1] != '\n') {
			if (!fix_tail)
				die(2, "%s:%ld: last line incomplete", journal, m->lineno);
			fprintf(stderr, "gfs-storm: %s: cutting off an incomplete last "
				"line: %s\n", journal, line);
			if (ftruncate(fileno(f), good) < 0)
				die(2, "%s: %s", journal, strerror(errno));
			break;
		}
		good += len;
		model_apply(m, line);
	}
	free(line);
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* looking at the mount                                               */

static enum loc vloc(enum st s)
{
	return s == ST_LIVE ? L_LIVE : s == ST_SOFT ? L_SD : L_ABSENT;
}

static enum loc floc(enum st vs, enum st fs)
{
	if (fs != ST_LIVE && fs != ST_SOFT)
		return L_ABSENT;
	if (vs == ST_LIVE)
		return fs == ST_LIVE ? L_LIVE : L_SD;
	if (vs == ST_SOFT)
		return L_SD;
	return L_ABSENT;
}

/* Where the node is: 0, or -errno when the mount cannot answer. */
static int observe(const char *mount, struct node *n)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct stat sl, ss;

	live_path(mount, n->path, a, sizeof(a));
	sd_path(mount, n->path, b, sizeof(b));
	int rl = lstat(a, &sl) == 0 ? 0 : -errno;
	if (rl < 0 && rl != -ENOENT)
		return rl;
	int rs = lstat(b, &ss) == 0 ? 0 : -errno;
	if (rs < 0 && rs != -ENOENT)
		return rs;
	n->two_trees = false;
	if (rl == 0) {
		n->where = L_LIVE;
		n->obs_ino = (long long)sl.st_ino;
		n->obs_size = sl.st_size;
		n->obs_mode = sl.st_mode;
		/* a live version's shadow resolves, with an inode of its own */
		if (rs == 0 && (n->is_file || ss.st_ino == sl.st_ino))
			n->two_trees = true;
	} else if (rs == 0) {
		n->where = L_SD;
		n->obs_ino = (long long)ss.st_ino;
		n->obs_size = ss.st_size;
		n->obs_mode = ss.st_mode;
	} else {
		n->where = L_ABSENT;
	}
	return 0;
}

/* Which state the observation matches: the one before the operation in
 * doubt (0), the one after it (1), or none (-1). */
static int resolve_version(struct node *v)
{
	v->match = -1;
	v->eff = v->state;
	if (vloc(v->state) == v->where)
		v->match = 0;
	else if (v->pend != K_NONE && vloc(v->pend_state) == v->where)
		v->match = 1, v->eff = v->pend_state;
	return v->match;
}

static enum st file_state(const struct node *f, int which, bool restored)
{
	enum st s = which ? f->pend_state : f->state;
	return restored && s == ST_SOFT ? ST_LIVE : s;
}

/* Whether the version's restore (in doubt) took effect. */
static bool version_restored(const struct node *v)
{
	return v->match == 1 && v->pend == K_RESTORED;
}

static int resolve_file(struct node *f)
{
	const struct node *v = f->ver;
	bool restored = version_restored(v);
	f->match = -1;
	f->eff = file_state(f, 0, restored);
	if (floc(v->eff, f->eff) == f->where) {
		f->match = 0;
	} else if (f->pend != K_NONE &&
		   floc(v->eff, file_state(f, 1, restored)) == f->where) {
		f->match = 1;
		f->eff = file_state(f, 1, restored);
	}
	return f->match;
}

static void node_abs(const char *mount, const struct node *n, char *out, size_t len)
{
	if (n->where == L_SD)
		sd_path(mount, n->path, out, len);
	else
		live_path(mount, n->path, out, len);
}

/* The value a property reads where the node is (R17: a soft-deleted
 * version reads one replica per region). */
static void expected_value(const struct node *n, const char *name, const char *v,
			   char *out, size_t len)
{
	if (!v) {
		out[0] = '\0';
		return;
	}
	if (n->where != L_SD || strcmp(name, "user.acg.replicas")) {
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
 * version's provisioningState (SPEC §2), any value for the others. */
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

/* getxattr: 1 with the value, 0 when absent, -errno on other errors. */
static int read_attr(const char *path, const char *name, char *out, size_t len)
{
	ssize_t r = lgetxattr(path, name, out, len - 1);
	if (r < 0)
		return errno == ENODATA ? 0 : -errno;
	out[r] = '\0';
	return 1;
}

/* ------------------------------------------------------------------ */
/* check                                                              */

struct checker {
	const char *mount;
	struct model m;
	long long mismatches, versions, files, attrs, bytes;
	unsigned char *buf, *want;
};

__attribute__((format(printf, 2, 3)))
static void mismatch(struct checker *c, const char *fmt, ...)
{
	va_list ap;
	c->mismatches++;
	if (c->mismatches > MISMATCH_PRINT_MAX) {
		if (c->mismatches == MISMATCH_PRINT_MAX + 1)
			printf("MISMATCH ... (more not shown)\n");
		return;
	}
	va_start(ap, fmt);
	fputs("MISMATCH ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

static const char *last_of(const char *s)
{
	static char buf[1024];
	if (!s)
		return "(none)";
	snprintf(buf, sizeof(buf), "%s", s);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void check_content(struct checker *c, struct node *f, long long size,
			  long long seed, bool prefix_ok)
{
	char p[PATH_MAX];
	node_abs(c->mount, f, p, sizeof(p));
	if (!S_ISREG(f->obs_mode)) {
		mismatch(c, "%s: not a regular file (mode %o) %s", f->path,
			 (unsigned)f->obs_mode, loc_names[f->where]);
		return;
	}
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mismatch(c, "%s: open %s: %s", f->path, p, strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || (prefix_ok ? st.st_size > size : st.st_size != size))
		mismatch(c, "%s: size %lld, expected %s%lld (last journal line: %s)",
			 f->path, (long long)st.st_size, prefix_ok ? "at most " : "",
			 size, last_of(f->last));
	long long off = 0;
	for (;;) {
		ssize_t r = read(fd, c->buf, CHUNK_MAX);
		if (r < 0) {
			mismatch(c, "%s: read at %lld: %s", f->path, off, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		fill((uint64_t)seed, (uint64_t)off, c->want, (size_t)r);
		if (memcmp(c->buf, c->want, (size_t)r)) {
			ssize_t i = 0;
			while (c->buf[i] == c->want[i])
				i++;
			mismatch(c, "%s: bytes differ from offset %lld (seed %lld, last "
				 "journal line: %s)", f->path, off + i, seed, last_of(f->last));
			off += r;
			break;
		}
		off += r;
		c->bytes += r;
	}
	if (off != st.st_size)
		mismatch(c, "%s: read %lld bytes, st_size says %lld", f->path, off,
			 (long long)st.st_size);
	close(fd);
}

static void check_attrs(struct checker *c, struct node *n)
{
	char p[PATH_MAX], got[65536], w0[4096], w1[4096];
	node_abs(c->mount, n, p, sizeof(p));

	for (size_t i = 0; i < n->nattrs; i++) {
		struct attr *a = &n->attrs[i];
		c->attrs++;
		int r = read_attr(p, a->name, got, sizeof(got));
		if (r < 0) {
			mismatch(c, "%s: getxattr %s: %s", n->path, a->name, strerror(-r));
			continue;
		}
		expected_value(n, a->name, a->value, w0, sizeof(w0));
		expected_value(n, a->name, a->pvalue, w1, sizeof(w1));
		bool ok0 = attr_is(a->name, a->value, w0, r, got);
		bool ok1 = a->pend && attr_is(a->name, a->pvalue, w1, r, got);
		bool prop = !strncmp(a->name, "user.acg.", 9);
		if (!ok0 && !ok1)
			mismatch(c, "%s %s: %s%s, expected %s%s%s%s (last journal line: %s)",
				 n->path, a->name, r ? "reads " : "absent", r ? got : "",
				 a->value ? w0 : prop ? "its default" : "absent",
				 a->pend ? " or " : "",
				 a->pend ? (a->pvalue ? w1 : "absent") : "",
				 n->where == L_SD ? " (as read under .softdeleted)" : "",
				 last_of(a->last));
	}
	/* no free attribute the journal does not know of */
	char names[65536];
	ssize_t len = llistxattr(p, names, sizeof(names));
	if (len < 0) {
		mismatch(c, "%s: listxattr: %s", n->path, strerror(errno));
		return;
	}
	for (char *q = names; q < names + len; q += strlen(q) + 1) {
		if (strncmp(q, "user.", 5) || !strncmp(q, "user.acg.", 9))
			continue;
		struct attr *a = attr_get(n, q, false);
		if (!a || (!a->value && !(a->pend && a->pvalue)))
			mismatch(c, "%s: attribute %s is there, the journal %s", n->path, q,
				 a ? "says it was removed" : "never set it");
	}
}

static void check_file(struct checker *c, struct node *f)
{
	c->files++;
	int r = observe(c->mount, f);
	if (r < 0) {
		mismatch(c, "%s: stat: %s", f->path, strerror(-r));
		return;
	}
	if (f->two_trees)
		mismatch(c, "%s: in both trees (live and .softdeleted)", f->path);
	if (resolve_file(f) < 0) {
		const struct node *v = f->ver;
		bool restored = version_restored(v);
		enum loc l0 = floc(v->eff, file_state(f, 0, restored));
		enum loc l1 = floc(v->eff, file_state(f, 1, restored));
		mismatch(c, "%s: expected %s%s%s, found %s (last journal line: %s)",
			 f->path, loc_names[l0], f->pend ? " or " : "",
			 f->pend ? loc_names[l1] : "", loc_names[f->where], last_of(f->last));
		return;
	}
	if (f->where == L_ABSENT)
		return;
	if (f->match == 1 && f->pend == K_FILE)
		check_content(c, f, f->pend_size, f->pend_seed, true);
	else
		check_content(c, f, f->size, f->seed, false);
	check_attrs(c, f);
}

static void check_version(struct checker *c, struct node *v)
{
	c->versions++;
	int r = observe(c->mount, v);
	if (r < 0) {
		mismatch(c, "%s: stat: %s", v->path, strerror(-r));
		v->match = -1;
		v->eff = v->state;
		return;
	}
	if (v->two_trees)
		mismatch(c, "%s: in both trees (live and .softdeleted, inode %lld)",
			 v->path, v->obs_ino);
	if (resolve_version(v) < 0) {
		mismatch(c, "%s: expected %s%s%s, found %s (last journal line: %s)",
			 v->path, loc_names[vloc(v->state)], v->pend ? " or " : "",
			 v->pend ? loc_names[vloc(v->pend_state)] : "",
			 loc_names[v->where], last_of(v->last));
		v->eff = v->state;
	} else if (v->where != L_ABSENT) {
		if (!S_ISDIR(v->obs_mode))
			mismatch(c, "%s: not a directory", v->path);
		long long want = v->match == 1 && v->pend == K_VERSION_LIVE ? 0 : v->ino;
		if (want && v->obs_ino != want)
			mismatch(c, "%s: inode %lld, expected %lld (stable across soft "
				 "delete and restore)", v->path, v->obs_ino, want);
		check_attrs(c, v);
	}
	for (size_t i = 0; i < v->nfiles; i++)
		check_file(c, v->files[i]);
}

/* Every entry of the galleries' trees must be an item the journals know,
 * found there by the checks above. */
static void check_listing(struct checker *c, const char *dirrel, bool sd, int depth)
{
	char p[PATH_MAX], rel[PATH_MAX];
	if (sd)
		sd_path(c->mount, dirrel, p, sizeof(p));
	else
		live_path(c->mount, dirrel, p, sizeof(p));
	DIR *d = opendir(p);
	if (!d) {
		if (errno != ENOENT || depth == 0)
			mismatch(c, "opendir %s: %s", p, strerror(errno));
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", dirrel, de->d_name);
		struct node *n = map_get(&c->m.map, rel);
		if (!n || n->is_file != (depth == 1)) {
			mismatch(c, "%s %s: there, but no journal knows it",
				 sd ? "soft-deleted" : "live", rel);
			continue;
		}
		if (n->where == (sd ? L_SD : L_LIVE)) {
			if (!n->is_file)
				check_listing(c, rel, sd, 1);
			continue;
		}
		if (sd && !n->is_file && n->where == L_LIVE) {
			/* the shadow of a live version: listed only while it holds
			 * soft-deleted files (SPEC §3) */
			bool holds = false;
			for (size_t i = 0; i < n->nfiles; i++)
				holds |= n->files[i]->where == L_SD;
			if (!holds)
				mismatch(c, "%s: the empty shadow of a live version is "
					 "listed in .softdeleted", rel);
			check_listing(c, rel, sd, 1);
			continue;
		}
		mismatch(c, "%s: listed %s, but found %s", rel,
			 sd ? "under .softdeleted" : "in the live tree", loc_names[n->where]);
	}
	closedir(d);
}

static int cmd_check(const char *mount, int nj, char **journals)
{
	struct checker c = { .mount = mount };
	c.buf = xcalloc(1, CHUNK_MAX);
	c.want = xcalloc(1, CHUNK_MAX);

	long long doubtful = 0;
	for (int i = 0; i < nj; i++)
		model_load(&c.m, journals[i], false);
	if (mount_dead(mount))
		die(2, "%s is not a mounted galleryfs", mount);
	for (size_t i = 0; i < c.m.nvers; i++) {
		struct node *v = c.m.vers[i];
		doubtful += v->pend != K_NONE;
		for (size_t k = 0; k < v->nattrs; k++)
			doubtful += v->attrs[k].pend;
		for (size_t j = 0; j < v->nfiles; j++) {
			struct node *f = v->files[j];
			doubtful += f->pend != K_NONE;
			for (size_t k = 0; k < f->nattrs; k++)
				doubtful += f->attrs[k].pend;
		}
		check_version(&c, v);
	}
	/* the galleries' definitions ("G/D"), each listed once */
	char done[4096] = "|";
	for (size_t i = 0; i < c.m.nvers; i++) {
		char gd[PATH_MAX], key[PATH_MAX + 2];
		const char *path = c.m.vers[i]->path;
		snprintf(gd, sizeof(gd), "%.*s", (int)(strrchr(path, '/') - path), path);
		snprintf(key, sizeof(key), "|%s|", gd);
		if (strstr(done, key))
			continue;
		if (strlen(done) + strlen(gd) + 2 < sizeof(done))
			strcat(strcat(done, gd), "|");
		check_listing(&c, gd, false, 0);
		check_listing(&c, gd, true, 0);
	}
	long long total = c.mismatches + c.m.anomalies;
	printf("gfs-storm check: journals=%d acked=%lld doubtful=%lld versions=%lld "
	       "files=%lld bytes=%lld attributes=%lld mismatches=%lld\n", nj,
	       c.m.acked, doubtful, c.versions, c.files, c.bytes, c.attrs, total);
	return total ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* run                                                                */

struct worker {
	const char *mount;
	int id;
	char gd[64];            /* "wK/d" */
	int jfd;
	struct model m;
	uint64_t rng, seed;
	long long acked, maxops;
	unsigned char *buf;
};

static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned below(struct worker *w, unsigned n)
{
	return n ? (unsigned)(rnd(w) % n) : 0;
}

__attribute__((format(printf, 3, 0)))
static void journal(struct worker *w, const char *prefix, const char *fmt, va_list ap)
{
	char text[2048], line[2100];
	vsnprintf(text, sizeof(text), fmt, ap);
	int n = snprintf(line, sizeof(line), "%s%s\n", prefix, text);
	if (write(w->jfd, line, (size_t)n) != n)
		die(2, "worker %d: journal write: %s", w->id, strerror(errno));
	w->m.src = "(own journal)";
	model_apply(&w->m, line);
	if (w->m.anomalies)
		die(3, "worker %d: own journal inconsistent at: %s", w->id, line);
}

__attribute__((format(printf, 2, 3)))
static void intent(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	journal(w, "INTENT ", fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void ack(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	journal(w, "", fmt, ap);
	va_end(ap);
	w->acked++;
}

__attribute__((format(printf, 3, 4)))
static void settle(struct worker *w, bool done, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	journal(w, done ? "SETTLED " : "UNDONE ", fmt, ap);
	va_end(ap);
}

/* An operation failed: the daemon died (stop), or it is a finding. */
__attribute__((noreturn))
static void failed(struct worker *w, const char *what, const char *path)
{
	int e = errno;
	if (mount_dead(w->mount)) {
		fprintf(stderr, "gfs-storm: worker %d: %s %s: %s: the mount is gone; "
			"%lld operations acknowledged\n", w->id, what, path, strerror(e),
			w->acked);
		exit(0);
	}
	/* ENOENT for a name its directory lists: say so (a stale cache) */
	const char *listed = "";
	if (e == ENOENT) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", path);
		char *slash = strrchr(dir, '/');
		DIR *d = slash ? (*slash = '\0', opendir(dir)) : NULL;
		struct dirent *de;
		static char why[160];
		int oe = errno;
		snprintf(why, sizeof(why), "; its directory cannot be read (%s%s)",
			 strerror(oe), mount_dead(w->mount) ?
			 ": the mount went away meanwhile" : "");
		listed = d ? "; its directory does not list it" : why;
		while (d && (de = readdir(d)))
			if (!strcmp(de->d_name, slash + 1))
				listed = "; yet readdir of its directory lists it";
		if (d)
			closedir(d);
	}
	fprintf(stderr, "gfs-storm: FINDING: worker %d: %s %s failed: %s, while the mount is "
		"alive (after %lld acknowledged operations)%s\n", w->id, what, path,
		strerror(e), w->acked, listed);
	exit(3);
}

/* Decide the attribute changes left in doubt on node n. */
static void settle_attrs(struct worker *w, struct node *n)
{
	char p[PATH_MAX], got[65536];
	for (size_t j = 0; j < n->nattrs; j++) {
		struct attr *a = &n->attrs[j];
		if (!a->pend)
			continue;
		int r = observe(w->mount, n);
		if (r < 0) {
			errno = -r;
			failed(w, "stat", n->path);
		}
		node_abs(w->mount, n, p, sizeof(p));
		r = read_attr(p, a->name, got, sizeof(got));
		if (r < 0) {
			errno = -r;
			failed(w, "getxattr", p);
		}
		bool after = attr_is(a->name, a->pvalue, a->pvalue, r, got);
		char *name = xstrdup(a->name), *pv = a->pvalue ? xstrdup(a->pvalue) : NULL;
		if (pv)
			settle(w, after, "XATTR %s %s %s", n->path, name, pv);
		else
			settle(w, after, "XATTR_REMOVED %s %s", n->path, name);
		free(name);
		free(pv);
	}
}

/* Decide the operations a killed predecessor left in doubt. */
static void settle_all(struct worker *w)
{
	for (size_t i = 0; i < w->m.nvers; i++) {
		struct node *v = w->m.vers[i];
		int r = observe(w->mount, v);
		if (r < 0) {
			errno = -r;
			failed(w, "stat", v->path);
		}
		if (resolve_version(v) < 0)
			die(3, "worker %d: %s is %s, which no journal line allows "
			    "(last: %s)", w->id, v->path, loc_names[v->where],
			    last_of(v->last));
		if (v->pend != K_NONE) {
			if (v->match == 1 && v->pend == K_VERSION_LIVE)
				settle(w, true, "VERSION_LIVE %s INO %lld", v->path, v->obs_ino);
			else
				settle(w, v->match == 1, "%s %s", kind_names[v->pend], v->path);
		}
		for (size_t j = 0; j < v->nfiles; j++) {
			struct node *f = v->files[j];
			if (f->pend == K_NONE)
				continue;
			if ((r = observe(w->mount, f)) < 0) {
				errno = -r;
				failed(w, "stat", f->path);
			}
			if (resolve_file(f) < 0)
				die(3, "worker %d: %s is %s, which no journal line allows "
				    "(last: %s)", w->id, f->path, loc_names[f->where],
				    last_of(f->last));
			if (f->pend == K_FILE && f->match == 1)
				settle(w, true, "FILE %s SIZE %lld SEED %lld", f->path,
				       f->obs_size, f->pend_seed);
			else if (f->pend == K_FILE)
				settle(w, false, "FILE %s SIZE %lld SEED %lld", f->path,
				       f->pend_size, f->pend_seed);
			else
				settle(w, f->match == 1, "%s %s", kind_names[f->pend], f->path);
		}
		settle_attrs(w, v);
		for (size_t j = 0; j < v->nfiles; j++)
			settle_attrs(w, v->files[j]);
	}
}

/* ---- the operations ---- */

static void op_prop(struct worker *w, struct node *n, const char *name, const char *value)
{
	char p[PATH_MAX];
	live_path(w->mount, n->path, p, sizeof(p));
	intent(w, "XATTR %s %s %s", n->path, name, value);
	if (setxattr(p, name, value, strlen(value), 0) < 0)
		failed(w, "setxattr", p);
	ack(w, "XATTR %s %s %s", n->path, name, value);
}

static void op_add_file(struct worker *w, struct node *v)
{
	char rel[512], p[PATH_MAX];
	long m = v->max_file + 1;
	snprintf(rel, sizeof(rel), "%s/f%ld", v->path, m);
	live_path(w->mount, rel, p, sizeof(p));
	unsigned bits = below(w, 21);
	long long size = (1LL << bits) + (long long)(rnd(w) % (1ULL << bits));
	if (size > MAX_FILE_SIZE)
		size = MAX_FILE_SIZE;
	long long seed = (long long)(mix64(w->seed ^ mix64((uint64_t)v->rank << 20 |
							  (uint64_t)m)) >> 17);
	intent(w, "FILE %s SIZE %lld SEED %lld", rel, size, seed);
	int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		failed(w, "create", p);
	for (long long off = 0; off < size;) {
		size_t chunk = (size_t)4096 << below(w, 7);
		if ((long long)chunk > size - off)
			chunk = (size_t)(size - off);
		fill((uint64_t)seed, (uint64_t)off, w->buf, chunk);
		ssize_t r = write(fd, w->buf, chunk);
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			failed(w, "write", p);
		}
		off += r;
	}
	if (below(w, 4) == 0 && fsync(fd) < 0)
		failed(w, "fsync", p);
	if (close(fd) < 0)
		failed(w, "close", p);
	ack(w, "FILE %s SIZE %lld SEED %lld", rel, size, seed);
}

static void op_new_version(struct worker *w)
{
	char rel[512], p[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/1.0.%ld", w->gd, w->m.max_rank + 1);
	live_path(w->mount, rel, p, sizeof(p));
	intent(w, "VERSION_LIVE %s", rel);
	if (mkdir(p, 0755) < 0)
		failed(w, "mkdir", p);
	struct stat st;
	if (stat(p, &st) < 0)
		failed(w, "stat", p);
	ack(w, "VERSION_LIVE %s INO %lld", rel, (long long)st.st_ino);
	struct node *v = map_get(&w->m.map, rel);
	bool creating = below(w, 2);
	if (creating)
		op_prop(w, v, "user.acg.provisioningState", "Creating");
	for (unsigned i = 1 + below(w, 3); i > 0; i--)
		op_add_file(w, v);
	if (creating)
		op_prop(w, v, "user.acg.provisioningState", "Succeeded");
}

static void op_file_soft_delete(struct worker *w, struct node *f, bool by_rename)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, f->path, p, sizeof(p));
	sd_path(w->mount, f->path, q, sizeof(q));
	intent(w, "FILE_SOFTDELETED %s", f->path);
	if (by_rename ? rename(p, q) < 0 : unlink(p) < 0)
		failed(w, by_rename ? "rename into the shadow" : "unlink", p);
	ack(w, "FILE_SOFTDELETED %s", f->path);
}

static void op_file_restore(struct worker *w, struct node *f)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, f->path, p, sizeof(p));
	sd_path(w->mount, f->path, q, sizeof(q));
	intent(w, "FILE_RESTORED %s", f->path);
	if (renameat2(AT_FDCWD, q, AT_FDCWD, p, below(w, 2) ? RENAME_NOREPLACE : 0) < 0)
		failed(w, "rename (restore)", q);
	ack(w, "FILE_RESTORED %s", f->path);
}

static void op_file_hard_delete(struct worker *w, struct node *f)
{
	char q[PATH_MAX];
	sd_path(w->mount, f->path, q, sizeof(q));
	intent(w, "FILE_HARDDELETED %s", f->path);
	if (unlink(q) < 0)
		failed(w, "unlink", q);
	ack(w, "FILE_HARDDELETED %s", f->path);
}

static void op_version_soft_delete(struct worker *w, struct node *v)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, v->path, p, sizeof(p));
	sd_path(w->mount, v->path, q, sizeof(q));
	if (below(w, 2)) {                 /* rm -r: one unlink per file, rmdir */
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->state == ST_LIVE)
				op_file_soft_delete(w, v->files[i], false);
		intent(w, "SOFTDELETED %s", v->path);
		if (rmdir(p) < 0)
			failed(w, "rmdir", p);
	} else {                        /* mv: as coreutils, or a plain rename */
		intent(w, "SOFTDELETED %s", v->path);
		int r = -1;
		if (below(w, 2)) {
			r = renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_NOREPLACE);
			if (r < 0 && errno != EEXIST)
				failed(w, "rename (noreplace) into .softdeleted", p);
		}
		if (r < 0 && rename(p, q) < 0)
			failed(w, "rename into .softdeleted", p);
	}
	ack(w, "SOFTDELETED %s", v->path);
}

static void op_version_restore(struct worker *w, struct node *v)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, v->path, p, sizeof(p));
	sd_path(w->mount, v->path, q, sizeof(q));
	intent(w, "RESTORED %s", v->path);
	if (renameat2(AT_FDCWD, q, AT_FDCWD, p, below(w, 2) ? RENAME_NOREPLACE : 0) < 0)
		failed(w, "rename (restore)", q);
	ack(w, "RESTORED %s", v->path);
}

static void op_version_hard_delete(struct worker *w, struct node *v)
{
	char q[PATH_MAX];
	sd_path(w->mount, v->path, q, sizeof(q));
	for (size_t i = 0; i < v->nfiles; i++)
		if (v->files[i]->state == ST_LIVE || v->files[i]->state == ST_SOFT)
			op_file_hard_delete(w, v->files[i]);
	intent(w, "HARDDELETED %s", v->path);
	if (rmdir(q) < 0)
		failed(w, "rmdir", q);
	ack(w, "HARDDELETED %s", v->path);
}

static void op_tag(struct worker *w, struct node *n)
{
	char name[32], value[32];
	snprintf(name, sizeof(name), "user.tag%u", below(w, 3));
	snprintf(value, sizeof(value), "v%08llx", (unsigned long long)(rnd(w) >> 32));
	op_prop(w, n, name, value);
}

static void op_untag(struct worker *w, struct node *n, struct attr *a)
{
	char p[PATH_MAX], name[256];
	live_path(w->mount, n->path, p, sizeof(p));
	snprintf(name, sizeof(name), "%s", a->name);
	intent(w, "XATTR_REMOVED %s %s", n->path, name);
	if (removexattr(p, name) < 0)
		failed(w, "removexattr", p);
	ack(w, "XATTR_REMOVED %s %s", n->path, name);
}

static void op_replicas(struct worker *w, struct node *v)
{
	char value[64];
	if (below(w, 2))
		snprintf(value, sizeof(value), "eastus=%u", 1 + below(w, 100));
	else
		snprintf(value, sizeof(value), "eastus=%u,westus2=%u", 1 + below(w, 100),
			 1 + below(w, 100));
	op_prop(w, v, "user.acg.replicas", value);
}

static size_t live_count(const struct node *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nfiles; i++)
		n += v->files[i]->state == ST_LIVE || v->files[i]->state == ST_SOFT;
	return n;
}

enum op {
	O_NEW_VERSION, O_ADD_FILE, O_UNLINK_FILE, O_MV_FILE, O_RESTORE_FILE,
	O_HD_FILE, O_SD_VERSION, O_RESTORE_VERSION, O_HD_VERSION, O_TAG, O_UNTAG,
	O_PROV, O_REPLICAS, O_COUNT
};

struct pools {
	struct node **live, **soft, **room, **lf, **sf, **hdf, **tagn, **untagn;
	size_t nlive, nsoft, nroom, nlf, nsf, nhdf, ntagn, nuntagn;
};

static bool has_free_attr(const struct node *n)
{
	for (size_t i = 0; i < n->nattrs; i++)
		if (n->attrs[i].value && strncmp(n->attrs[i].name, "user.acg.", 9))
			return true;
	return false;
}

static void pools_fill(struct worker *w, struct pools *p)
{
	size_t cap = w->m.nvers * (FILES_MAX + 8) + 16;
	struct node ***all[] = { &p->live, &p->soft, &p->room, &p->lf, &p->sf,
				 &p->hdf, &p->tagn, &p->untagn };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		*all[i] = xrealloc(*all[i], cap * sizeof(struct node *));
	p->nlive = p->nsoft = p->nroom = p->nlf = p->nsf = p->nhdf = 0;
	p->ntagn = p->nuntagn = 0;
	for (size_t i = 0; i < w->m.nvers; i++) {
		struct node *v = w->m.vers[i];
		if (v->state == ST_LIVE) {
			p->live[p->nlive++] = v;
			p->tagn[p->ntagn++] = v;
			if (has_free_attr(v))
				p->untagn[p->nuntagn++] = v;
			if (live_count(v) < FILES_MAX)
				p->room[p->nroom++] = v;
		} else if (v->state == ST_SOFT) {
			p->soft[p->nsoft++] = v;
		} else {
			continue;
		}
		for (size_t j = 0; j < v->nfiles; j++) {
			struct node *f = v->files[j];
			if (v->state == ST_LIVE && f->state == ST_LIVE) {
				p->lf[p->nlf++] = f;
				p->tagn[p->ntagn++] = f;
				if (has_free_attr(f))
					p->untagn[p->nuntagn++] = f;
			} else if (v->state == ST_LIVE && f->state == ST_SOFT) {
				p->sf[p->nsf++] = f;
				p->hdf[p->nhdf++] = f;
			} else if (v->state == ST_SOFT &&
				   (f->state == ST_LIVE || f->state == ST_SOFT)) {
				p->hdf[p->nhdf++] = f;
			}
		}
	}
}

static struct node *any(struct worker *w, struct node **a, size_t n)
{
	return a[below(w, (unsigned)n)];
}

static int cmd_run(const char *mount, int id, const char *jpath, uint64_t seed,
		   long long maxops)
{
	struct worker w = { .mount = mount, .id = id, .seed = seed, .maxops = maxops };
	char p[PATH_MAX];
	struct stat st;

	snprintf(w.gd, sizeof(w.gd), "w%d/d", id);
	w.rng = mix64(seed * 1000003ULL + (uint64_t)id) | 1;
	w.buf = xcalloc(1, CHUNK_MAX);
	model_load(&w.m, jpath, true);
	if (w.m.anomalies)
		die(3, "worker %d: %s is inconsistent", id, jpath);
	w.jfd = open(jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (w.jfd < 0)
		die(2, "%s: %s", jpath, strerror(errno));
	live_path(mount, w.gd, p, sizeof(p));
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (mount_dead(mount))
			failed(&w, "stat", p);
		die(2, "worker %d: %s must be a definition in a gallery with soft "
		    "delete on (made by the harness)", id, p);
	}
	settle_all(&w);

	struct pools pl = { 0 };
	while (!w.maxops || w.acked < w.maxops) {
		pools_fill(&w, &pl);
		unsigned wt[O_COUNT] = { 0 };
		bool crowded = pl.nlive >= LIVE_MAX, full = pl.nsoft >= SOFT_MAX;
		wt[O_NEW_VERSION] = crowded ? 0 : 14;
		wt[O_ADD_FILE] = pl.nroom ? 20 : 0;
		wt[O_UNLINK_FILE] = pl.nlf ? 8 : 0;
		wt[O_MV_FILE] = pl.nlf ? 3 : 0;
		wt[O_RESTORE_FILE] = pl.nsf ? 6 : 0;
		wt[O_HD_FILE] = pl.nhdf ? 5 : 0;
		wt[O_SD_VERSION] = pl.nlive ? (crowded ? 20 : 8) : 0;
		wt[O_RESTORE_VERSION] = pl.nsoft && !crowded ? 8 : 0;
		wt[O_HD_VERSION] = pl.nsoft ? (full ? 20 : 4) : 0;
		wt[O_TAG] = pl.ntagn ? 10 : 0;
		wt[O_UNTAG] = pl.nuntagn ? 3 : 0;
		wt[O_PROV] = pl.nlive ? 5 : 0;
		wt[O_REPLICAS] = pl.nlive ? 5 : 0;
		unsigned total = 0;
		for (int i = 0; i < O_COUNT; i++)
			total += wt[i];
		unsigned r = below(&w, total);
		int op = 0;
		while (r >= wt[op])
			r -= wt[op++];

		switch ((enum op)op) {
		case O_NEW_VERSION:
			op_new_version(&w);
			break;
		case O_ADD_FILE:
			op_add_file(&w, any(&w, pl.room, pl.nroom));
			break;
		case O_UNLINK_FILE:
			op_file_soft_delete(&w, any(&w, pl.lf, pl.nlf), false);
			break;
		case O_MV_FILE:
			op_file_soft_delete(&w, any(&w, pl.lf, pl.nlf), true);
			break;
		case O_RESTORE_FILE:
			op_file_restore(&w, any(&w, pl.sf, pl.nsf));
			break;
		case O_HD_FILE:
			op_file_hard_delete(&w, any(&w, pl.hdf, pl.nhdf));
			break;
		case O_SD_VERSION:
			op_version_soft_delete(&w, any(&w, pl.live, pl.nlive));
			break;
		case O_RESTORE_VERSION:
			op_version_restore(&w, any(&w, pl.soft, pl.nsoft));
			break;
		case O_HD_VERSION:
			op_version_hard_delete(&w, any(&w, pl.soft, pl.nsoft));
			break;
		case O_TAG:
			op_tag(&w, any(&w, pl.tagn, pl.ntagn));
			break;
		case O_UNTAG: {
			struct node *n = any(&w, pl.untagn, pl.nuntagn);
			struct attr *cand[64];
			unsigned nc = 0;
			for (size_t i = 0; i < n->nattrs && nc < 64; i++)
				if (n->attrs[i].value && strncmp(n->attrs[i].name, "user.acg.", 9))
					cand[nc++] = &n->attrs[i];
			op_untag(&w, n, cand[below(&w, nc)]);
			break;
		}
		case O_PROV:
			op_prop(&w, any(&w, pl.live, pl.nlive), "user.acg.provisioningState",
				below(&w, 2) ? "Creating" : "Succeeded");
			break;
		case O_REPLICAS:
			op_replicas(&w, any(&w, pl.live, pl.nlive));
			break;
		case O_COUNT:
			break;
		}
	}
	fprintf(stderr, "gfs-storm: worker %d: %lld operations acknowledged; "
		"stopping (MAX_OPS)\n", id, w.acked);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: gfs-storm run MOUNT WORKER_ID JOURNAL SEED [MAX_OPS]\n"
			"       gfs-storm check MOUNT JOURNAL...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "run")) {
		int id = atoi(argv[3]);
		if (id <= 0)
			usage();
		return cmd_run(argv[2], id, argv[4], strtoull(argv[5], NULL, 10),
			       argc == 7 ? atoll(argv[6]) : 0);
	}
	if (argc >= 4 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2], argc - 3, argv + 3);
	usage();
}
