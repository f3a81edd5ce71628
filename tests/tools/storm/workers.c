/*
 * workers.c — `gfs-storm run`: one worker, alone in its gallery, settles
 * what a killed predecessor left in doubt, then performs random operations
 * until one fails, journaling each one's INTENT before the call and its
 * outcome after the call returned.
 */
#include "storm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

struct worker {
	const char *mount;
	int id;
	char gd[64];            /* "wK/d" */
	int jfd;
	struct model m;
	uint64_t rng, seed;
	long long acked, maxops;
	unsigned char *buf;
	bool root;
	long long uid, gid;     /* who creates */
	long long uids[3], gids[3]; /* what chown gives */
};

static const unsigned file_modes[] = { 0644, 0600, 0640, 0664, 0444, 0755, 0700 };
static const unsigned version_modes[] = { 0755, 0750, 0700, 0775, 0555 };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

/* ---- the journal ---- */

static void journal(struct worker *w, const char *prefix, const struct ev *e)
{
	char text[2048], line[2100];
	format_event(e, text, sizeof(text));
	int n = snprintf(line, sizeof(line), "%s%s\n", prefix, text);
	if (write(w->jfd, line, (size_t)n) != n)
		die(2, "worker %d: journal write: %s", w->id, strerror(errno));
	w->m.src = "(own journal)";
	model_apply(&w->m, line);
	if (w->m.anomalies)
		die(3, "worker %d: own journal inconsistent at: %s", w->id, line);
}

static void intent(struct worker *w, const struct ev *e)
{
	journal(w, "INTENT ", e);
}

static void ack(struct worker *w, const struct ev *e)
{
	journal(w, "", e);
	w->acked++;
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
	static char why[160];
	if (e == ENOENT) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", path);
		char *slash = strrchr(dir, '/');
		DIR *d = slash ? (*slash = '\0', opendir(dir)) : NULL;
		struct dirent *de;
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

static struct ev event(enum kind k, const char *path)
{
	struct ev e;
	memset(&e, 0, sizeof(e));
	e.kind = k;
	size_t n = strlen(path);
	if (n >= sizeof(e.path))
		die(2, "path too long: %s", path);
	memcpy(e.path, path, n + 1);
	return e;
}

/* Decide the operation a killed predecessor left in doubt: the mount shows
 * the state before it (UNDONE), or after it (SETTLED, with what was seen:
 * inode numbers, how much of a write arrived), or neither (a finding). */
static void settle_all(struct worker *w)
{
	for (size_t i = 0; i < w->m.nvers; i++) {
		struct version *v = w->m.vers[i], *h1;
		if (!v->pend)
			continue;
		struct ev e = v->pend->ev;
		struct verdict d;
		int r = verify_hypotheses(w->mount, v, &d, &h1);
		if (r < 0) {
			if (mount_dead(w->mount)) {
				fprintf(stderr, "gfs-storm: worker %d: the mount is gone while "
					"settling %s\n", w->id, e.path);
				exit(0);
			}
			fprintf(stderr, "gfs-storm: FINDING: worker %d: %s matches neither "
				"the state before nor after the operation in doubt (%s):\n%s",
				w->id, v->path, last_of(v->pend->line), d.text ? d.text : "");
			exit(3);
		}
		struct file *f = h1 ? live_named(h1, base_name(e.path)) : NULL;
		if (r == 1) {
			if (e.kind == K_VERSION_LIVE) {
				e.ino = h1->it.obs_ino;
				e.has |= F_INO;
			} else if (e.kind == K_FILE && f) {
				e.size = f->it.obs_size;
				e.ino = f->it.obs_ino;
				e.has |= F_INO;
			} else if ((e.kind == K_FILE_WRITE || e.kind == K_FILE_APPEND) && f) {
				e.len = f->flex_k;
			}
			if (e.has & F_T0) {
				e.t1 = now_ns();
				e.has |= F_T1;
			}
		}
		verdict_free(&d);
		version_free(h1);
		journal(w, r == 1 ? "SETTLED " : "UNDONE ", &e);
	}
}

/* ---- the operations ---- */

static void item_path(struct worker *w, const struct version *v, const struct file *f,
		      char *rel, size_t rlen, char *abs, size_t alen)
{
	if (f)
		snprintf(rel, rlen, "%s/%s", v->path, f->name);
	else
		snprintf(rel, rlen, "%s", v->path);
	live_path(w->mount, rel, abs, alen);
}

static void op_prop(struct worker *w, struct version *v, struct file *f,
		    const char *name, const char *value)
{
	char rel[512], p[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	struct ev e = event(K_XATTR, rel);
	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.value, sizeof(e.value), "%s", value);
	intent(w, &e);
	if (setxattr(p, name, value, strlen(value), 0) < 0)
		failed(w, "setxattr", p);
	ack(w, &e);
}

/* write len bytes of seed at off (the kernel's offset with O_APPEND) */
static void write_bytes(struct worker *w, int fd, const char *p, long long off,
			long long len, uint64_t seed, bool append)
{
	for (long long done = 0; done < len;) {
		size_t chunk = (size_t)4096 << below(w, 7);
		if ((long long)chunk > len - done)
			chunk = (size_t)(len - done);
		fill(seed, (uint64_t)(off + done), w->buf, chunk);
		ssize_t r = append ? write(fd, w->buf, chunk) :
			pwrite(fd, w->buf, chunk, off + done);
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			failed(w, append ? "write (O_APPEND)" : "pwrite", p);
		}
		done += r;
	}
}

static void close_file(struct worker *w, int fd, const char *p)
{
	if (below(w, 4) == 0 && fsync(fd) < 0)
		failed(w, "fsync", p);
	if (close(fd) < 0)
		failed(w, "close", p);
}

static uint64_t new_seed(struct worker *w)
{
	return rnd(w) >> 1;
}

static void op_add_file(struct worker *w, struct version *v)
{
	char rel[512], p[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/f%ld", v->path, v->max_file + 1);
	live_path(w->mount, rel, p, sizeof(p));
	unsigned bits = below(w, 21);
	long long size = (1LL << bits) + (long long)(rnd(w) % (1ULL << bits));
	if (size > MAX_FILE_SIZE)
		size = MAX_FILE_SIZE;
	struct ev e = event(K_FILE, rel);
	e.has = F_SIZE | F_SEED | F_MODE | F_UID | F_GID;
	e.size = size;
	e.seed = new_seed(w);
	e.mode = file_modes[below(w, NELEM(file_modes))];
	e.uid = w->uid;
	e.gid = w->gid;
	intent(w, &e);
	int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, e.mode);
	struct stat st;
	if (fd < 0)
		failed(w, "create", p);
	if (fstat(fd, &st) < 0)
		failed(w, "fstat", p);
	write_bytes(w, fd, p, 0, size, e.seed, below(w, 2));
	close_file(w, fd, p);
	e.ino = (long long)st.st_ino;
	e.has |= F_INO;
	ack(w, &e);
}

static void op_new_version(struct worker *w)
{
	char rel[512], p[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/1.0.%ld", w->gd, w->m.max_rank + 1);
	live_path(w->mount, rel, p, sizeof(p));
	struct ev e = event(K_VERSION_LIVE, rel);
	e.has = F_MODE | F_UID | F_GID;
	e.mode = version_modes[below(w, NELEM(version_modes) - 1)];
	e.uid = w->uid;
	e.gid = w->gid;
	intent(w, &e);
	if (mkdir(p, e.mode) < 0)
		failed(w, "mkdir", p);
	struct stat st;
	if (stat(p, &st) < 0)
		failed(w, "stat", p);
	e.ino = (long long)st.st_ino;
	e.has |= F_INO;
	ack(w, &e);
	struct version *v = map_get(&w->m.map, rel);
	bool creating = below(w, 2);
	if (creating)
		op_prop(w, v, NULL, "user.acg.provisioningState", "Creating");
	for (unsigned i = 1 + below(w, 3); i > 0; i--)
		op_add_file(w, v);
	if (creating)
		op_prop(w, v, NULL, "user.acg.provisioningState", "Succeeded");
}

static void op_file_soft_delete(struct worker *w, struct version *v, struct file *f,
				bool by_rename)
{
	char rel[512], p[PATH_MAX], q[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	sd_path(w->mount, rel, q, sizeof(q));
	struct ev e = event(K_FILE_SOFTDELETED, rel);
	e.has = F_T0;
	e.t0 = now_ns();
	intent(w, &e);
	if (by_rename ? rename(p, q) < 0 : unlink(p) < 0)
		failed(w, by_rename ? "rename into the shadow" : "unlink", p);
	e.t1 = now_ns();
	e.has |= F_T1;
	ack(w, &e);
}

static void op_file_restore(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX], q[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	sd_path(w->mount, rel, q, sizeof(q));
	struct ev e = event(K_FILE_RESTORED, rel);
	intent(w, &e);
	if (renameat2(AT_FDCWD, q, AT_FDCWD, p, below(w, 2) ? RENAME_NOREPLACE : 0) < 0)
		failed(w, "rename (restore)", q);
	ack(w, &e);
}

static void op_file_hard_delete(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX], q[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	sd_path(w->mount, rel, q, sizeof(q));
	struct ev e = event(K_FILE_HARDDELETED, rel);
	intent(w, &e);
	if (unlink(q) < 0)
		failed(w, "unlink", q);
	ack(w, &e);
}

static void op_version_soft_delete(struct worker *w, struct version *v)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, v->path, p, sizeof(p));
	sd_path(w->mount, v->path, q, sizeof(q));
	struct ev e = event(K_SOFTDELETED, v->path);
	e.has = F_T0;
	if (below(w, 2)) {                 /* rm -r: one unlink per file, rmdir */
		for (size_t i = 0; i < v->nfiles; i++)
			if (v->files[i]->it.state == ST_LIVE)
				op_file_soft_delete(w, v, v->files[i], false);
		e.t0 = now_ns();
		intent(w, &e);
		if (rmdir(p) < 0)
			failed(w, "rmdir", p);
	} else {                        /* mv: as coreutils, or a plain rename */
		e.t0 = now_ns();
		intent(w, &e);
		int r = -1;
		if (below(w, 2)) {
			r = renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_NOREPLACE);
			if (r < 0 && errno != EEXIST)
				failed(w, "rename (noreplace) into .softdeleted", p);
		}
		if (r < 0 && rename(p, q) < 0)
			failed(w, "rename into .softdeleted", p);
	}
	e.t1 = now_ns();
	e.has |= F_T1;
	ack(w, &e);
}

static void op_version_restore(struct worker *w, struct version *v)
{
	char p[PATH_MAX], q[PATH_MAX];
	live_path(w->mount, v->path, p, sizeof(p));
	sd_path(w->mount, v->path, q, sizeof(q));
	struct ev e = event(K_RESTORED, v->path);
	intent(w, &e);
	if (renameat2(AT_FDCWD, q, AT_FDCWD, p, below(w, 2) ? RENAME_NOREPLACE : 0) < 0)
		failed(w, "rename (restore)", q);
	ack(w, &e);
}

static void op_version_hard_delete(struct worker *w, struct version *v)
{
	char q[PATH_MAX];
	sd_path(w->mount, v->path, q, sizeof(q));
	for (size_t i = 0; i < v->nfiles; i++)
		if (v->files[i]->it.state == ST_SOFT)
			op_file_hard_delete(w, v, v->files[i]);
	struct ev e = event(K_HARDDELETED, v->path);
	intent(w, &e);
	if (rmdir(q) < 0)
		failed(w, "rmdir", q);
	ack(w, &e);
}

static void op_tag(struct worker *w, struct version *v, struct file *f)
{
	char name[32], value[32];
	snprintf(name, sizeof(name), "user.tag%u", below(w, 3));
	snprintf(value, sizeof(value), "v%08llx", (unsigned long long)(rnd(w) >> 32));
	op_prop(w, v, f, name, value);
}

static void op_untag(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	struct item *it = f ? &f->it : &v->it;
	struct attr *cand[64];
	unsigned nc = 0;
	for (size_t i = 0; i < it->nattrs && nc < 64; i++)
		if (it->attrs[i].value && strncmp(it->attrs[i].name, "user.acg.", 9))
			cand[nc++] = &it->attrs[i];
	if (!nc)
		return;
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	struct ev e = event(K_XATTR_REMOVED, rel);
	snprintf(e.name, sizeof(e.name), "%s", cand[below(w, nc)]->name);
	intent(w, &e);
	if (removexattr(p, e.name) < 0)
		failed(w, "removexattr", p);
	ack(w, &e);
}

static void op_replicas(struct worker *w, struct version *v)
{
	char value[64];
	if (below(w, 2))
		snprintf(value, sizeof(value), "eastus=%u", 1 + below(w, 100));
	else
		snprintf(value, sizeof(value), "eastus=%u,westus2=%u", 1 + below(w, 100),
			 1 + below(w, 100));
	op_prop(w, v, NULL, "user.acg.replicas", value);
}

/* pwrite at an offset: inside the file, or past its end (a hole). */
static void op_write(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	long long size = f->data.size, off;
	if (size > 0 && below(w, 6))
		off = (long long)(rnd(w) % (uint64_t)size);
	else
		off = size + (long long)below(w, 65536);
	long long len = 1 + (long long)(rnd(w) % WRITE_MAX);
	if (off >= SIZE_CAP)
		off = 0;
	if (off + len > SIZE_CAP)
		len = SIZE_CAP - off;
	struct ev e = event(K_FILE_WRITE, rel);
	e.has = F_OFF | F_LEN | F_SEED;
	e.off = off;
	e.len = len;
	e.seed = new_seed(w);
	intent(w, &e);
	int fd = open(p, (below(w, 2) ? O_WRONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		failed(w, "open for writing", p);
	write_bytes(w, fd, p, off, len, e.seed, false);
	close_file(w, fd, p);
	ack(w, &e);
}

static void op_append(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	long long room = SIZE_CAP - f->data.size;
	if (room <= 0)
		return;
	long long len = 1 + (long long)(rnd(w) % (uint64_t)(room < WRITE_MAX ? room : WRITE_MAX));
	struct ev e = event(K_FILE_APPEND, rel);
	e.has = F_LEN | F_SEED;
	e.len = len;
	e.seed = new_seed(w);
	intent(w, &e);
	int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		failed(w, "open for appending", p);
	write_bytes(w, fd, p, f->data.size, len, e.seed, true);
	close_file(w, fd, p);
	ack(w, &e);
}

/* truncate shorter, or longer (the new bytes read zeros), by path or fd */
static void op_truncate(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	long long size = f->data.size, room = SIZE_CAP - size, to;
	if (size > 0 && (below(w, 2) || room <= 0))
		to = (long long)(rnd(w) % (uint64_t)size);
	else if (room > 0)
		to = size + 1 + (long long)(rnd(w) % (uint64_t)(room < WRITE_MAX ? room : WRITE_MAX));
	else
		return;
	struct ev e = event(K_FILE_TRUNCATED, rel);
	e.has = F_SIZE;
	e.size = to;
	intent(w, &e);
	if (below(w, 2)) {
		if (truncate(p, to) < 0)
			failed(w, "truncate", p);
	} else {
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			failed(w, "open for ftruncate", p);
		if (ftruncate(fd, to) < 0)
			failed(w, "ftruncate", p);
		close_file(w, fd, p);
	}
	ack(w, &e);
}

/* rename within the version: to a new name, onto a live file (which is
 * soft-deleted into the shadow, replacing an older copy there), or to the
 * name of a file that is only in the shadow */
static void op_rename(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX], q[PATH_MAX], to[64];
	struct file *cand[64];
	unsigned nlive = 0, nsd = 0;
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	for (size_t i = 0; i < v->nfiles && nlive < 32; i++)
		if (v->files[i] != f && v->files[i]->it.state == ST_LIVE)
			cand[nlive++] = v->files[i];
	for (size_t i = 0; i < v->nfiles && nsd < 32; i++)
		if (v->files[i]->it.state == ST_SOFT && !live_named(v, v->files[i]->name))
			cand[32 + nsd++] = v->files[i];
	unsigned pick = below(w, 20);
	bool replaces = false;
	if (pick < 9 && nlive) {
		snprintf(to, sizeof(to), "%s", cand[below(w, nlive)]->name);
		replaces = true;
	} else if (pick < 13 && nsd) {
		snprintf(to, sizeof(to), "%s", cand[32 + below(w, nsd)]->name);
	} else {
		snprintf(to, sizeof(to), "f%ld", v->max_file + 1);
	}
	snprintf(q, sizeof(q), "%s/%s/%s", w->mount, v->path, to);
	struct ev e = event(K_FILE_RENAMED, rel);
	e.has = F_TO | F_T0;
	snprintf(e.to, sizeof(e.to), "%s", to);
	e.t0 = now_ns();
	intent(w, &e);
	if (!replaces && below(w, 2)) {
		if (renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_NOREPLACE) < 0)
			failed(w, "rename (noreplace) within the version", p);
	} else if (rename(p, q) < 0) {
		failed(w, replaces ? "rename over a file" : "rename within the version", p);
	}
	e.t1 = now_ns();
	e.has |= F_T1;
	ack(w, &e);
}

static void op_chmod(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	const unsigned *modes = f ? file_modes : version_modes;
	size_t n = f ? NELEM(file_modes) : NELEM(version_modes);
	unsigned cur = f ? f->it.mode : v->it.mode, mode;
	do
		mode = modes[below(w, (unsigned)n)];
	while (mode == cur);
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	struct ev e = event(K_CHMOD, rel);
	e.has = F_MODE;
	e.mode = mode;
	intent(w, &e);
	if (chmod(p, mode) < 0)
		failed(w, "chmod", p);
	ack(w, &e);
}

static void op_chown(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	struct item *it = f ? &f->it : &v->it;
	long long uid, gid;
	do {
		uid = w->uids[below(w, 3)];
		gid = w->gids[below(w, 3)];
	} while (uid == it->uid && gid == it->gid);
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	struct ev e = event(K_CHOWN, rel);
	e.has = F_UID | F_GID;
	e.uid = uid;
	e.gid = gid;
	intent(w, &e);
	if (lchown(p, (uid_t)uid, (gid_t)gid) < 0)
		failed(w, "chown", p);
	ack(w, &e);
}

/* touch -d: explicit atime and mtime, to the nanosecond */
static void op_touch(struct worker *w, struct version *v, struct file *f)
{
	char rel[512], p[PATH_MAX];
	item_path(w, v, f, rel, sizeof(rel), p, sizeof(p));
	struct timespec ts[2];
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = 1000000000 + (time_t)(rnd(w) % 1000000000);
		ts[i].tv_nsec = (long)(rnd(w) % NS);
	}
	struct ev e = event(K_UTIMES, rel);
	e.has = F_MTIME | F_ATIME;
	e.atime = (long long)ts[0].tv_sec * NS + ts[0].tv_nsec;
	e.mtime = (long long)ts[1].tv_sec * NS + ts[1].tv_nsec;
	intent(w, &e);
	if (utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0)
		failed(w, "utimensat", p);
	ack(w, &e);
}

/* ---- choosing ---- */

enum op {
	OP_NEW_VERSION, OP_ADD_FILE, OP_UNLINK_FILE, OP_MV_FILE, OP_RESTORE_FILE,
	OP_HD_FILE, OP_SD_VERSION, OP_RESTORE_VERSION, OP_HD_VERSION, OP_TAG, OP_UNTAG,
	OP_PROV, OP_REPLICAS, OP_WRITE, OP_APPEND, OP_TRUNCATE, OP_RENAME, OP_CHMOD,
	OP_CHOWN, OP_TOUCH, OP_COUNT
};

struct pick {
	struct version *v;
	struct file *f;         /* NULL: the version itself */
};

struct pools {
	/* live, soft: versions; room: live versions with room for a file;
	 * lf: live files; sf: soft-deleted files a restore can bring back;
	 * hdf: soft-deleted files; tagn/untagn: what can be tagged/untagged */
	struct pick *live, *soft, *room, *lf, *sf, *hdf, *tagn, *untagn;
	size_t nlive, nsoft, nroom, nlf, nsf, nhdf, ntagn, nuntagn;
};

static bool has_free_attr(const struct item *it)
{
	for (size_t i = 0; i < it->nattrs; i++)
		if (it->attrs[i].value && strncmp(it->attrs[i].name, "user.acg.", 9))
			return true;
	return false;
}

static void pools_fill(struct worker *w, struct pools *p)
{
	size_t cap = 16;
	for (size_t i = 0; i < w->m.nvers; i++)
		cap += 1 + w->m.vers[i]->nfiles;
	struct pick **all[] = { &p->live, &p->soft, &p->room, &p->lf, &p->sf,
				&p->hdf, &p->tagn, &p->untagn };
	for (size_t i = 0; i < NELEM(all); i++)
		*all[i] = xrealloc(*all[i], cap * sizeof(struct pick));
	p->nlive = p->nsoft = p->nroom = p->nlf = p->nsf = p->nhdf = 0;
	p->ntagn = p->nuntagn = 0;
	for (size_t i = 0; i < w->m.nvers; i++) {
		struct version *v = w->m.vers[i];
		struct pick pv = { v, NULL };
		if (v->it.state == ST_LIVE) {
			size_t held = 0;
			for (size_t j = 0; j < v->nfiles; j++)
				held += v->files[j]->it.state == ST_LIVE ||
					v->files[j]->it.state == ST_SOFT;
			p->live[p->nlive++] = pv;
			p->tagn[p->ntagn++] = pv;
			if (has_free_attr(&v->it))
				p->untagn[p->nuntagn++] = pv;
			if (held < FILES_MAX)
				p->room[p->nroom++] = pv;
		} else if (v->it.state == ST_SOFT) {
			p->soft[p->nsoft++] = pv;
		} else {
			continue;
		}
		for (size_t j = 0; j < v->nfiles; j++) {
			struct file *f = v->files[j];
			struct pick pf = { v, f };
			if (v->it.state == ST_LIVE && f->it.state == ST_LIVE) {
				p->lf[p->nlf++] = pf;
				p->tagn[p->ntagn++] = pf;
				if (has_free_attr(&f->it))
					p->untagn[p->nuntagn++] = pf;
			} else if (f->it.state == ST_SOFT) {
				p->hdf[p->nhdf++] = pf;
				if (v->it.state == ST_LIVE && !live_named(v, f->name))
					p->sf[p->nsf++] = pf;
			}
		}
	}
}

static struct pick any(struct worker *w, struct pick *a, size_t n)
{
	return a[below(w, (unsigned)n)];
}

/* a live file, or (one time in three) a live version */
static struct pick file_or_version(struct worker *w, struct pools *pl)
{
	if (!pl->nlf || below(w, 3) == 0)
		return any(w, pl->live, pl->nlive);
	return any(w, pl->lf, pl->nlf);
}

static void ids_of(const char *user, long long dflt_uid, long long dflt_gid,
		   long long *uid, long long *gid)
{
	struct passwd *pw = getpwnam(user);
	*uid = pw ? (long long)pw->pw_uid : dflt_uid;
	*gid = pw ? (long long)pw->pw_gid : dflt_gid;
}

int cmd_run(const char *mount, int id, const char *jpath, uint64_t seed,
	    long long maxops)
{
	struct worker w = { .mount = mount, .id = id, .seed = seed, .maxops = maxops };
	char p[PATH_MAX];
	struct stat st;

	umask(0);       /* modes are exactly what the calls ask for */
	snprintf(w.gd, sizeof(w.gd), "w%d/d", id);
	w.rng = mix64(seed * 1000003ULL + (uint64_t)id) | 1;
	w.buf = xcalloc(1, CHUNK_MAX);
	w.uid = (long long)geteuid();
	w.gid = (long long)getegid();
	w.root = w.uid == 0;
	w.uids[0] = w.gids[0] = 0;
	ids_of("gfs-alice", 1000, 1000, &w.uids[1], &w.gids[1]);
	ids_of("gfs-nobody", 1001, 1001, &w.uids[2], &w.gids[2]);
	if (w.gids[2] == w.gids[1])
		w.gids[2] = 1001;
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
		unsigned wt[OP_COUNT] = { 0 };
		bool crowded = pl.nlive >= LIVE_MAX, full = pl.nsoft >= SOFT_MAX;
		wt[OP_NEW_VERSION] = crowded ? 0 : 12;
		wt[OP_ADD_FILE] = pl.nroom ? 14 : 0;
		wt[OP_UNLINK_FILE] = pl.nlf ? 6 : 0;
		wt[OP_MV_FILE] = pl.nlf ? 3 : 0;
		wt[OP_RESTORE_FILE] = pl.nsf ? 5 : 0;
		wt[OP_HD_FILE] = pl.nhdf ? 4 : 0;
		wt[OP_SD_VERSION] = pl.nlive ? (crowded ? 20 : 7) : 0;
		wt[OP_RESTORE_VERSION] = pl.nsoft && !crowded ? 6 : 0;
		wt[OP_HD_VERSION] = pl.nsoft ? (full ? 20 : 3) : 0;
		wt[OP_TAG] = pl.ntagn ? 6 : 0;
		wt[OP_UNTAG] = pl.nuntagn ? 2 : 0;
		wt[OP_PROV] = pl.nlive ? 3 : 0;
		wt[OP_REPLICAS] = pl.nlive ? 3 : 0;
		wt[OP_WRITE] = pl.nlf ? 8 : 0;
		wt[OP_APPEND] = pl.nlf ? 5 : 0;
		wt[OP_TRUNCATE] = pl.nlf ? 6 : 0;
		wt[OP_RENAME] = pl.nlf ? 8 : 0;
		wt[OP_CHMOD] = pl.nlive ? 5 : 0;
		wt[OP_CHOWN] = pl.nlive && w.root ? 5 : 0;
		wt[OP_TOUCH] = pl.nlf ? 6 : 0;
		unsigned total = 0;
		for (int i = 0; i < OP_COUNT; i++)
			total += wt[i];
		unsigned r = below(&w, total);
		int op = 0;
		while (r >= wt[op])
			r -= wt[op++];

		struct pick k = { 0 };
		switch ((enum op)op) {
		case OP_NEW_VERSION:
			op_new_version(&w);
			break;
		case OP_ADD_FILE:
			op_add_file(&w, any(&w, pl.room, pl.nroom).v);
			break;
		case OP_UNLINK_FILE:
		case OP_MV_FILE:
			k = any(&w, pl.lf, pl.nlf);
			op_file_soft_delete(&w, k.v, k.f, op == OP_MV_FILE);
			break;
		case OP_RESTORE_FILE:
			k = any(&w, pl.sf, pl.nsf);
			op_file_restore(&w, k.v, k.f);
			break;
		case OP_HD_FILE:
			k = any(&w, pl.hdf, pl.nhdf);
			op_file_hard_delete(&w, k.v, k.f);
			break;
		case OP_SD_VERSION:
			op_version_soft_delete(&w, any(&w, pl.live, pl.nlive).v);
			break;
		case OP_RESTORE_VERSION:
			op_version_restore(&w, any(&w, pl.soft, pl.nsoft).v);
			break;
		case OP_HD_VERSION:
			op_version_hard_delete(&w, any(&w, pl.soft, pl.nsoft).v);
			break;
		case OP_TAG:
			k = any(&w, pl.tagn, pl.ntagn);
			op_tag(&w, k.v, k.f);
			break;
		case OP_UNTAG:
			k = any(&w, pl.untagn, pl.nuntagn);
			op_untag(&w, k.v, k.f);
			break;
		case OP_PROV:
			op_prop(&w, any(&w, pl.live, pl.nlive).v, NULL,
				"user.acg.provisioningState",
				below(&w, 2) ? "Creating" : "Succeeded");
			break;
		case OP_REPLICAS:
			op_replicas(&w, any(&w, pl.live, pl.nlive).v);
			break;
		case OP_WRITE:
			k = any(&w, pl.lf, pl.nlf);
			op_write(&w, k.v, k.f);
			break;
		case OP_APPEND:
			k = any(&w, pl.lf, pl.nlf);
			op_append(&w, k.v, k.f);
			break;
		case OP_TRUNCATE:
			k = any(&w, pl.lf, pl.nlf);
			op_truncate(&w, k.v, k.f);
			break;
		case OP_RENAME:
			k = any(&w, pl.lf, pl.nlf);
			op_rename(&w, k.v, k.f);
			break;
		case OP_CHMOD:
			k = file_or_version(&w, &pl);
			op_chmod(&w, k.v, k.f);
			break;
		case OP_CHOWN:
			k = file_or_version(&w, &pl);
			op_chown(&w, k.v, k.f);
			break;
		case OP_TOUCH:
			k = any(&w, pl.lf, pl.nlf);
			op_touch(&w, k.v, k.f);
			break;
		case OP_COUNT:
			break;
		}
	}
	fprintf(stderr, "gfs-storm: worker %d: %lld operations acknowledged; "
		"stopping (MAX_OPS)\n", id, w.acked);
	return 0;
}
