/*
 * model.c — the journal's events and the model they replay into: each
 * version with every file ever created in it (by identity, not by name:
 * renames move names between files), their states, contents as extents of
 * seeded bytes, inode numbers, modes, owners, explicit mtimes, soft-delete
 * time bounds and attributes, and the one operation in doubt per version.
 */
#include "storm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const st_names[] = { "never created", "live", "soft-deleted",
	"deleted for good" };

const char *const kind_names[] = { "", "VERSION_LIVE", "SOFTDELETED",
	"RESTORED", "HARDDELETED", "FILE", "FILE_SOFTDELETED", "FILE_RESTORED",
	"FILE_HARDDELETED", "FILE_WRITE", "FILE_APPEND", "FILE_TRUNCATED",
	"FILE_RENAMED", "CHMOD", "CHOWN", "UTIMES", "XATTR", "XATTR_REMOVED" };

/* Fields an INTENT needs, and those an outcome adds. */
static const unsigned need_intent[K_COUNT] = {
	[K_VERSION_LIVE] = F_MODE | F_UID | F_GID,
	[K_SOFTDELETED] = F_T0,
	[K_FILE] = F_SIZE | F_SEED | F_MODE | F_UID | F_GID,
	[K_FILE_SOFTDELETED] = F_T0,
	[K_FILE_WRITE] = F_OFF | F_LEN | F_SEED,
	[K_FILE_APPEND] = F_LEN | F_SEED,
	[K_FILE_TRUNCATED] = F_SIZE,
	[K_FILE_RENAMED] = F_TO | F_T0,
	[K_CHMOD] = F_MODE,
	[K_CHOWN] = F_UID | F_GID,
	[K_UTIMES] = F_MTIME | F_ATIME,
};
static const unsigned need_outcome[K_COUNT] = {
	[K_VERSION_LIVE] = F_INO,
	[K_SOFTDELETED] = F_T1,
	[K_FILE] = F_INO,
	[K_FILE_SOFTDELETED] = F_T1,
	[K_FILE_RENAMED] = F_T1,
};

static const struct { const char *key; unsigned bit; } keys[] = {
	{ "TO", F_TO }, { "OFF", F_OFF }, { "LEN", F_LEN }, { "SIZE", F_SIZE },
	{ "SEED", F_SEED }, { "INO", F_INO }, { "MODE", F_MODE }, { "UID", F_UID },
	{ "GID", F_GID }, { "MTIME", F_MTIME }, { "ATIME", F_ATIME },
	{ "T0", F_T0 }, { "T1", F_T1 },
};

bool is_file_path(const char *path)
{
	return components(path) == 4;
}

static bool copy_tok(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

/* tok[0] is the event's keyword. */
int parse_event(char **tok, int ntok, struct ev *e)
{
	memset(e, 0, sizeof(*e));
	if (ntok < 2)
		return -1;
	for (int k = K_VERSION_LIVE; k < K_COUNT; k++)
		if (!strcmp(tok[0], kind_names[k]))
			e->kind = (enum kind)k;
	if (e->kind == K_NONE || !copy_tok(e->path, sizeof(e->path), tok[1]))
		return -1;
	int c = components(e->path), i = 2;
	switch (e->kind) {
	case K_VERSION_LIVE: case K_SOFTDELETED: case K_RESTORED: case K_HARDDELETED:
		if (c != 3)
			return -1;
		break;
	case K_CHMOD: case K_CHOWN:
		if (c != 3 && c != 4)
			return -1;
		break;
	case K_XATTR: case K_XATTR_REMOVED:
		if ((c != 3 && c != 4) || ntok != (e->kind == K_XATTR ? 4 : 3) ||
		    !copy_tok(e->name, sizeof(e->name), tok[2]))
			return -1;
		if (e->kind == K_XATTR && !copy_tok(e->value, sizeof(e->value), tok[3]))
			return -1;
		return 0;
	default:
		if (c != 4)
			return -1;
	}
	for (; i + 1 < ntok; i += 2) {
		unsigned bit = 0;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(tok[i], keys[k].key))
				bit = keys[k].bit;
		if (!bit || (e->has & bit))
			return -1;
		e->has |= bit;
		const char *v = tok[i + 1];
		char *end;
		long long n = strtoll(v, &end, bit == F_MODE ? 8 : 10);
		if (bit != F_TO && bit != F_SEED && *end)
			return -1;
		switch (bit) {
		case F_TO:
			if (!copy_tok(e->to, sizeof(e->to), v) || strchr(v, '/'))
				return -1;
			break;
		case F_SEED:
			e->seed = strtoull(v, &end, 10);
			if (*end)
				return -1;
			break;
		case F_INO: e->ino = n; break;
		case F_SIZE: e->size = n; break;
		case F_OFF: e->off = n; break;
		case F_LEN: e->len = n; break;
		case F_MODE: e->mode = (unsigned)n; break;
		case F_UID: e->uid = n; break;
		case F_GID: e->gid = n; break;
		case F_MTIME: e->mtime = n; break;
		case F_ATIME: e->atime = n; break;
		case F_T0: e->t0 = n; break;
		case F_T1: e->t1 = n; break;
		}
	}
	if (i != ntok || (e->has & need_intent[e->kind]) != need_intent[e->kind])
		return -1;
	if (e->size < 0 || e->off < 0 || e->len < 0)
		return -1;
	return 0;
}

void format_event(const struct ev *e, char *out, size_t len)
{
	size_t pos = (size_t)snprintf(out, len, "%s %s", kind_names[e->kind], e->path);
#define ADD(...) do { if (pos < len) pos += (size_t)snprintf(out + pos, len - pos, __VA_ARGS__); } while (0)
	if (e->kind == K_XATTR)
		ADD(" %s %s", e->name, e->value);
	else if (e->kind == K_XATTR_REMOVED)
		ADD(" %s", e->name);
	if (e->has & F_TO) ADD(" TO %s", e->to);
	if (e->has & F_OFF) ADD(" OFF %lld", e->off);
	if (e->has & F_LEN) ADD(" LEN %lld", e->len);
	if (e->has & F_SIZE) ADD(" SIZE %lld", e->size);
	if (e->has & F_SEED) ADD(" SEED %llu", (unsigned long long)e->seed);
	if (e->has & F_INO) ADD(" INO %lld", e->ino);
	if (e->has & F_MODE) ADD(" MODE %o", e->mode);
	if (e->has & F_UID) ADD(" UID %lld", e->uid);
	if (e->has & F_GID) ADD(" GID %lld", e->gid);
	if (e->has & F_MTIME) ADD(" MTIME %lld", e->mtime);
	if (e->has & F_ATIME) ADD(" ATIME %lld", e->atime);
	if (e->has & F_T0) ADD(" T0 %lld", e->t0);
	if (e->has & F_T1) ADD(" T1 %lld", e->t1);
#undef ADD
}

/* ------------------------------------------------------------------ */
/* contents                                                           */

static void ext_push(struct content *c, long long s, long long e, uint64_t seed)
{
	if (s >= e)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct extent){ s, e, seed };
}

void content_write(struct content *c, long long off, long long len, uint64_t seed)
{
	if (len <= 0)
		return;
	struct content out = { .size = c->size };
	long long end = off + len;
	bool placed = false;
	for (size_t i = 0; i < c->n; i++) {
		struct extent x = c->v[i];
		if (!placed && x.start >= off) {
			ext_push(&out, off, end, seed);
			placed = true;
		}
		ext_push(&out, x.start, x.end < off ? x.end : off, x.seed);
		if (!placed && x.end > off) {
			ext_push(&out, off, end, seed);
			placed = true;
		}
		ext_push(&out, x.start > end ? x.start : end, x.end, x.seed);
	}
	if (!placed)
		ext_push(&out, off, end, seed);
	if (end > out.size)
		out.size = end;
	free(c->v);
	*c = out;
}

void content_truncate(struct content *c, long long size)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].start >= size)
			continue;
		c->v[k] = c->v[i];
		if (c->v[k].end > size)
			c->v[k].end = size;
		k++;
	}
	c->n = k;
	c->size = size;
}

/* The bytes [off, off + len) of c (zeros in gaps and past its end). */
void content_bytes(const struct content *c, long long off, unsigned char *buf,
		   size_t len)
{
	long long end = off + (long long)len;
	memset(buf, 0, len);
	for (size_t i = 0; i < c->n; i++) {
		long long s = c->v[i].start > off ? c->v[i].start : off;
		long long e = c->v[i].end < end ? c->v[i].end : end;
		if (s < e)
			fill(c->v[i].seed, (uint64_t)s, buf + (s - off), (size_t)(e - s));
	}
}

void content_copy(struct content *dst, const struct content *src)
{
	*dst = *src;
	dst->v = src->n ? xcalloc(src->n, sizeof(*src->v)) : NULL;
	dst->cap = src->n;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
}

void content_free(struct content *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------ */
/* versions, files, attributes                                        */

struct version *map_get(struct map *m, const char *key)
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

static void map_put(struct map *m, struct version *n)
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

static struct version *version_new(struct model *m, const char *path)
{
	struct version *v = xcalloc(1, sizeof(*v));
	v->path = xstrdup(path);
	v->rank = trailing_number(path);
	if (m->nvers == m->capvers) {
		m->capvers = m->capvers ? 2 * m->capvers : 64;
		m->vers = xrealloc(m->vers, m->capvers * sizeof(*m->vers));
	}
	m->vers[m->nvers++] = v;
	if (v->rank > m->max_rank)
		m->max_rank = v->rank;
	map_put(&m->map, v);
	return v;
}

const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

struct file *live_named(struct version *v, const char *name)
{
	for (size_t i = 0; i < v->nfiles; i++)
		if (v->files[i]->it.state == ST_LIVE && !strcmp(v->files[i]->name, name))
			return v->files[i];
	return NULL;
}

struct file *soft_named(struct version *v, const char *name)
{
	for (size_t i = 0; i < v->nfiles; i++)
		if (v->files[i]->it.state == ST_SOFT && !strcmp(v->files[i]->name, name))
			return v->files[i];
	return NULL;
}

static void note_name(struct version *v, const char *name)
{
	long n = trailing_number(name);
	if (n > v->max_file)
		v->max_file = n;
}

static struct file *file_add(struct version *v, const char *path)
{
	struct file *f = xcalloc(1, sizeof(*f));
	f->id = xstrdup(path);
	f->name = xstrdup(base_name(path));
	if (v->nfiles == v->capfiles) {
		v->capfiles = v->capfiles ? 2 * v->capfiles : 8;
		v->files = xrealloc(v->files, v->capfiles * sizeof(*v->files));
	}
	v->files[v->nfiles++] = f;
	note_name(v, f->name);
	return f;
}

struct attr *attr_get(struct item *it, const char *name, bool create)
{
	for (size_t i = 0; i < it->nattrs; i++)
		if (!strcmp(it->attrs[i].name, name))
			return &it->attrs[i];
	if (!create)
		return NULL;
	it->attrs = xrealloc(it->attrs, (it->nattrs + 1) * sizeof(*it->attrs));
	struct attr *a = &it->attrs[it->nattrs++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	return a;
}

static void item_copy(struct item *d, const struct item *s)
{
	*d = *s;
	d->attrs = s->nattrs ? xcalloc(s->nattrs, sizeof(*s->attrs)) : NULL;
	for (size_t i = 0; i < s->nattrs; i++) {
		d->attrs[i].name = xstrdup(s->attrs[i].name);
		d->attrs[i].value = s->attrs[i].value ? xstrdup(s->attrs[i].value) : NULL;
		d->attrs[i].last = s->attrs[i].last ? xstrdup(s->attrs[i].last) : NULL;
	}
	d->last = s->last ? xstrdup(s->last) : NULL;
	d->mode_by = s->mode_by ? xstrdup(s->mode_by) : NULL;
	d->owner_by = s->owner_by ? xstrdup(s->owner_by) : NULL;
	d->mtime_by = s->mtime_by ? xstrdup(s->mtime_by) : NULL;
}

static void item_free(struct item *it)
{
	for (size_t i = 0; i < it->nattrs; i++) {
		free(it->attrs[i].name);
		free(it->attrs[i].value);
		free(it->attrs[i].last);
	}
	free(it->attrs);
	free(it->last);
	free(it->mode_by);
	free(it->owner_by);
	free(it->mtime_by);
}

struct version *version_clone(const struct version *v)
{
	struct version *c = xcalloc(1, sizeof(*c));
	item_copy(&c->it, &v->it);
	c->path = xstrdup(v->path);
	c->rank = v->rank;
	c->max_file = v->max_file;
	c->nfiles = c->capfiles = v->nfiles;
	c->files = xcalloc(v->nfiles, sizeof(*c->files));
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct file *f = v->files[i];
		struct file *g = xcalloc(1, sizeof(*g));
		item_copy(&g->it, &f->it);
		g->id = xstrdup(f->id);
		g->name = xstrdup(f->name);
		content_copy(&g->data, &f->data);
		c->files[i] = g;
	}
	return c;
}

void version_free(struct version *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nfiles; i++) {
		struct file *f = v->files[i];
		item_free(&f->it);
		free(f->id);
		free(f->name);
		content_free(&f->data);
		content_free(&f->flex_old);
		free(f);
	}
	free(v->files);
	item_free(&v->it);
	free(v->path);
	if (v->pend) {
		free(v->pend->line);
		free(v->pend);
	}
	free(v);
}

void model_free(struct model *m)
{
	for (size_t i = 0; i < m->nvers; i++)
		version_free(m->vers[i]);
	free(m->vers);
	free(m->map.slots);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* effects                                                            */

__attribute__((format(printf, 2, 3)))
static void anomaly(struct model *m, const char *fmt, ...)
{
	m->anomalies++;
	if (m->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	printf("MISMATCH %s:%ld: ", m->src, m->lineno);
	vprintf(fmt, ap);
	printf(" (journal line: %s)\n", last_of(m->line));
	va_end(ap);
}

static long long t1_of(const struct ev *e)
{
	return (e->has & F_T1) ? e->t1 : T_UNKNOWN;
}

static void soft_delete_file(struct file *f, const struct ev *e, const char *line)
{
	f->it.state = ST_SOFT;
	f->it.del_lo = e->t0;
	f->it.del_hi = t1_of(e);
	set_str(&f->it.last, line);
}

/* The live file an event on a file path means. */
static struct file *live_target(struct model *m, struct version *v, const struct ev *e)
{
	struct file *f = live_named(v, base_name(e->path));
	if (!f)
		anomaly(m, "%s: %s with no such live file", e->path, kind_names[e->kind]);
	else if (v->it.state != ST_LIVE)
		anomaly(m, "%s: %s in a %s version", e->path, kind_names[e->kind],
			st_names[v->it.state]);
	return f;
}

/* The state change an acknowledged (or settled) event makes to v. */
static void effect(struct model *m, struct version *v, const struct ev *e)
{
	const char *line = m->line, *name = base_name(e->path);
	struct file *f = NULL, *g;
	struct item *it = NULL;

	switch (e->kind) {
	case K_VERSION_LIVE:
		if (v->it.state != ST_NONE)
			anomaly(m, "%s created again while %s", v->path, st_names[v->it.state]);
		v->it.state = ST_LIVE;
		v->it.ino = (e->has & F_INO) ? e->ino : 0;
		v->it.mode = e->mode;
		v->it.uid = e->uid;
		v->it.gid = e->gid;
		set_str(&v->it.last, line);
		set_str(&v->it.mode_by, line);
		set_str(&v->it.owner_by, line);
		return;
	case K_SOFTDELETED:
		if (v->it.state != ST_LIVE)
			anomaly(m, "%s soft-deleted while %s", v->path, st_names[v->it.state]);
		/* the version's own file wins over a shadow copy of its name */
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->it.state == ST_SOFT &&
			    live_named(v, v->files[i]->name))
				v->files[i]->it.state = ST_GONE;
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->it.state == ST_LIVE)
				v->files[i]->it.state = ST_SOFT;
		v->it.state = ST_SOFT;
		v->it.del_lo = e->t0;
		v->it.del_hi = t1_of(e);
		set_str(&v->it.last, line);
		return;
	case K_RESTORED:
		if (v->it.state != ST_SOFT)
			anomaly(m, "%s restored while %s", v->path, st_names[v->it.state]);
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->it.state == ST_SOFT)
				v->files[i]->it.state = ST_LIVE;
		v->it.state = ST_LIVE;
		set_str(&v->it.last, line);
		return;
	case K_HARDDELETED:
		if (v->it.state != ST_SOFT)
			anomaly(m, "%s deleted for good while %s", v->path,
				st_names[v->it.state]);
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->it.state == ST_LIVE || v->files[i]->it.state == ST_SOFT) {
				anomaly(m, "rmdir of %s returned success while its file %s "
					"was still %s", v->path, v->files[i]->name,
					st_names[v->files[i]->it.state]);
				v->files[i]->it.state = ST_GONE;
			}
		v->it.state = ST_GONE;
		set_str(&v->it.last, line);
		return;
	case K_FILE:
		if (v->it.state != ST_LIVE)
			anomaly(m, "%s created while its version is %s", e->path,
				st_names[v->it.state]);
		if (live_named(v, name))
			anomaly(m, "%s created while a live file has its name", e->path);
		f = file_add(v, e->path);
		f->it.state = ST_LIVE;
		f->it.ino = (e->has & F_INO) ? e->ino : 0;
		f->it.mode = e->mode;
		f->it.uid = e->uid;
		f->it.gid = e->gid;
		content_write(&f->data, 0, e->size, e->seed);
		set_str(&f->it.last, line);
		set_str(&f->it.mode_by, line);
		set_str(&f->it.owner_by, line);
		return;
	case K_FILE_SOFTDELETED:
		if (!(f = live_target(m, v, e)))
			return;
		/* .softdeleted keeps the newest copy of a name */
		if ((g = soft_named(v, name)))
			g->it.state = ST_GONE;
		soft_delete_file(f, e, line);
		return;
	case K_FILE_RESTORED:
		if (!(f = soft_named(v, name)) || v->it.state != ST_LIVE) {
			anomaly(m, "%s restored while %s in a %s version", e->path,
				f ? "soft-deleted" : "not soft-deleted", st_names[v->it.state]);
			return;
		}
		if (live_named(v, name))
			anomaly(m, "%s restored while a live file has its name", e->path);
		f->it.state = ST_LIVE;
		set_str(&f->it.last, line);
		return;
	case K_FILE_HARDDELETED:
		if (!(f = soft_named(v, name)) ||
		    (v->it.state != ST_LIVE && v->it.state != ST_SOFT)) {
			anomaly(m, "%s deleted for good while not soft-deleted (version %s)",
				e->path, st_names[v->it.state]);
			return;
		}
		f->it.state = ST_GONE;
		set_str(&f->it.last, line);
		return;
	case K_FILE_WRITE:
	case K_FILE_APPEND:
	case K_FILE_TRUNCATED:
		if (!(f = live_target(m, v, e)))
			return;
		if (e->kind == K_FILE_TRUNCATED)
			content_truncate(&f->data, e->size);
		else
			content_write(&f->data, e->kind == K_FILE_APPEND ? f->data.size : e->off,
				      e->len, e->seed);
		f->it.mtime_known = false;
		set_str(&f->it.last, line);
		return;
	case K_FILE_RENAMED:
		if (!(f = live_target(m, v, e)))
			return;
		if (!strcmp(e->to, name)) {
			anomaly(m, "%s renamed onto itself", e->path);
			return;
		}
		/* the file renamed over is removed under design §3: soft-deleted */
		if ((g = live_named(v, e->to))) {
			struct file *old = soft_named(v, e->to);
			if (old)
				old->it.state = ST_GONE;
			soft_delete_file(g, e, line);
		}
		set_str(&f->name, e->to);
		note_name(v, e->to);
		set_str(&f->it.last, line);
		return;
	case K_CHMOD: case K_CHOWN: case K_UTIMES:
	case K_XATTR: case K_XATTR_REMOVED:
		if (is_file_path(e->path)) {
			if (!(f = live_target(m, v, e)))
				return;
			it = &f->it;
		} else {
			it = &v->it;
			if (v->it.state != ST_LIVE)
				anomaly(m, "%s: %s while %s", v->path, kind_names[e->kind],
					st_names[v->it.state]);
		}
		break;
	default:
		return;
	}

	struct attr *a;
	switch (e->kind) {
	case K_CHMOD:
		it->mode = e->mode;
		set_str(&it->mode_by, line);
		break;
	case K_CHOWN:
		it->uid = e->uid;
		it->gid = e->gid;
		set_str(&it->owner_by, line);
		break;
	case K_UTIMES:
		it->mtime_known = true;
		it->mtime = e->mtime;
		set_str(&it->mtime_by, line);
		break;
	case K_XATTR:
		a = attr_get(it, e->name, true);
		set_str(&a->value, e->value);
		set_str(&a->last, line);
		return;
	case K_XATTR_REMOVED:
		a = attr_get(it, e->name, true);
		if (!a->value)
			anomaly(m, "%s: %s removed while absent", e->path, a->name);
		set_str(&a->value, NULL);
		set_str(&a->last, line);
		return;
	default:
		break;
	}
	set_str(&it->last, line);
}

struct version *version_after_pending(const struct version *v, long long t1)
{
	if (!v->pend)
		return NULL;
	struct ev e = v->pend->ev;
	struct model q = { .quiet = true, .src = "(in doubt)", .line = v->pend->line };
	struct version *c = version_clone(v);
	struct content old = { 0 };
	long long off = e.off;

	if (e.has & F_T0) {
		e.t1 = t1;
		e.has |= F_T1;
	}
	struct file *f = NULL;
	if (e.kind == K_FILE_WRITE || e.kind == K_FILE_APPEND) {
		f = live_named(c, base_name(e.path));
		if (f) {
			content_copy(&old, &f->data);
			if (e.kind == K_FILE_APPEND)
				off = f->data.size;
		}
	} else if (e.kind == K_FILE) {
		off = 0;
		e.len = e.size;
	}
	effect(&q, c, &e);
	if (q.anomalies) {
		content_free(&old);
		version_free(c);
		return NULL;
	}
	if (e.kind == K_FILE)
		f = live_named(c, base_name(e.path));
	if (f && (e.kind == K_FILE || e.kind == K_FILE_WRITE || e.kind == K_FILE_APPEND)) {
		f->flex = true;
		f->flex_off = off;
		f->flex_len = e.len;
		f->flex_seed = e.seed;
		f->flex_old = old;
	} else {
		content_free(&old);
	}
	return c;
}

/* ------------------------------------------------------------------ */
/* replaying                                                          */

void model_apply(struct model *m, const char *text)
{
	char buf[4096], *tok[32], *save = NULL;
	int ntok = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	buf[strcspn(buf, "\n")] = '\0';
	m->line = text;
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (ntok == 32)
			die(2, "%s:%ld: too many words: %s", m->src, m->lineno, text);
		tok[ntok++] = t;
	}
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
	if ((mode == ACK || mode == SETTLED) &&
	    (e.has & need_outcome[e.kind]) != need_outcome[e.kind])
		die(2, "%s:%ld: an outcome without its fields: %s", m->src, m->lineno, text);

	char vpath[256];
	snprintf(vpath, sizeof(vpath), "%s", e.path);
	if (is_file_path(vpath))
		*strrchr(vpath, '/') = '\0';
	struct version *v = map_get(&m->map, vpath);
	if (!v && (mode == ACK || mode == INTENT) && e.kind == K_VERSION_LIVE)
		v = version_new(m, vpath);
	if (!v) {
		anomaly(m, "%s: no such version in the journal", vpath);
		return;
	}
	struct pending *p = v->pend;
	bool same = p && p->ev.kind == e.kind && !strcmp(p->ev.path, e.path);

	switch (mode) {
	case INTENT:
		m->intents++;
		if (p)
			anomaly(m, "%s: a second operation in doubt (the first: %s)",
				e.path, last_of(p->line));
		if (e.kind == K_FILE)
			note_name(v, base_name(e.path));
		if (e.kind == K_FILE_RENAMED)
			note_name(v, e.to);
		if (!p) {
			p = v->pend = xcalloc(1, sizeof(*p));
			p->ev = e;
			p->line = xstrdup(text);
		}
		return;
	case UNDONE:
		m->undone++;
		if (!same)
			anomaly(m, "%s: UNDONE without a matching INTENT", e.path);
		break;
	case SETTLED:
	case ACK:
		if (mode == SETTLED)
			m->settled++;
		else
			m->acked++;
		if (p && !same)
			anomaly(m, "%s: %s acknowledged while %s was in doubt", e.path,
				kind_names[e.kind], last_of(p->line));
		if (mode == SETTLED && !p)
			anomaly(m, "%s: SETTLED without an INTENT", e.path);
		break;
	}
	if (p && same) {
		free(p->line);
		free(p);
		v->pend = NULL;
	}
	if (mode != UNDONE)
		effect(m, v, &e);
}

/* Replay a journal. For a worker (fix_tail), a last line cut short is cut off. */
void model_load(struct model *m, const char *journal, bool fix_tail)
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
