/*
 * fuzz_paths.c — path resolution (core/view.c through galleryfs.h) on
 * arbitrary paths, with a few changes of the tree along the way.
 *
 * One core is opened at start-up on a fresh data directory holding a
 * small tree (see build_tree): a gallery with soft delete on, a
 * definition, versions with files, a soft-deleted version and a
 * soft-deleted file. Each input is a path: split on '/' into at most
 * MAX_COMPONENTS names of arbitrary bytes (the last one keeps any further
 * '/'), looked up one step at a time from the root as the kernel would.
 * When the first byte is one of the OP_* codes below it is not part of the
 * path but asks for one change under the last name's parent (mkdir,
 * rmdir, unlink, rename, setxattr, removexattr), undone right after; when
 * the tree (names, numbers, types, attributes) does not come back to what
 * it was, the saved data directory is put back, so every input starts
 * from the same tree.
 *
 * Invariants: every call returns 0 or a negative errno from allowed(),
 * consistent with its struct gfs_err; a resolved node is a directory or a
 * regular file where the tree's shape says, carries a name valid for its
 * level, is volatile exactly under .softdeleted (and in the desktop trash
 * view, MOUNT/.Trash-UID, a second view of the same), has an odd or even number
 * as design §9 says, and its number resolves again by gfs_getattr to the
 * same attributes; a failed lookup is ENOENT under a directory, ENOTDIR
 * under a file, ENAMETOOLONG past 255 bytes; listxattr and getxattr agree
 * on names and sizes; readdir and readdirplus agree, resume at an entry's
 * offset, list entries that look up to their numbers, and a directory's
 * link count is 2 + its subdirectories; a value set reads back in a
 * canonical form that can be set again.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "coretest.h"
#include "fuzz.h"
#include "names.h"
#include "trash.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MAX_COMPONENTS 16
#define MAX_ENTRIES 64          /* per directory, for the fingerprint */

enum {
	OP_MKDIR = 1,
	OP_RMDIR = 2,
	OP_RENAME = 3,          /* to the first name, in the same directory */
	OP_RENAME_SD = 4,       /* same name, into or out of .softdeleted */
	OP_RENAME_SD_NOREPLACE = 5,
	OP_EXCHANGE = 6,        /* as OP_RENAME with RENAME_EXCHANGE */
	OP_UNLINK = 7,
	/* on the parent, the last name read as NAME=VALUE (the value's raw
	 * bytes run to the end of the input); a NAME without '.' is
	 * user.acg.NAME */
	OP_SETXATTR = 8,
	OP_REMOVEXATTR = 9,
	OP_SETXATTR_CREATE = 10,
	OP_SETXATTR_REPLACE = 11,
	OP_LAST = OP_SETXATTR_REPLACE,
};

/* The errnos a call may return; anything else (EIO: a catalog error,
 * ENOMEM, ...) is a bug for this fuzzer. */
static bool allowed(int r)
{
	static const int ok[] = {
		ENOENT, ENOTDIR, EISDIR, ENAMETOOLONG, EINVAL, EPERM, EACCES,
		EEXIST, ENOTEMPTY, EXDEV, EBUSY, ENODATA, ERANGE, EOPNOTSUPP,
		ENOSPC,
	};
	if (r >= 0)
		return true;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (r == -ok[i])
			return true;
	fprintf(stderr, "unexpected result %d (%s): %s\n", r, strerror(-r),
		err.reason);
	return false;
}

/* A result and what err says about it must agree. */
static int checked(int r)
{
	INVARIANT(allowed(r));
	if (r == 0)
		INVARIANT(err.errnum == 0);
	if (err.errnum)
		INVARIANT(r == -err.errnum);
	if (err.rule)
		INVARIANT(r < 0 && err.reason[0] != '\0');
	return r;
}

/* ---- the tree ---- */

static uint64_t fingerprint_built;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

struct entries {
	char names[MAX_ENTRIES][256];
	uint64_t inos[MAX_ENTRIES];     /* st_ino, for comparisons */
	uint64_t nodes[MAX_ENTRIES];    /* node ids, for calls */
	uint32_t modes[MAX_ENTRIES];
	uint64_t offs[MAX_ENTRIES];
	int n;
	bool overflow;
};

static int take(void *arg, const struct gfs_dirent *d)
{
	struct entries *e = arg;
	if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
		return 0;
	if (e->n == MAX_ENTRIES) {
		e->overflow = true;
		return 1;
	}
	snprintf(e->names[e->n], sizeof(e->names[0]), "%s", d->name);
	e->inos[e->n] = d->attr.ino;
	e->nodes[e->n] = d->attr.nodeid;
	e->modes[e->n] = d->attr.mode;
	e->offs[e->n] = d->off;
	e->n++;
	return 0;
}

/* The attributes of ino, names and values, into h. */
static uint64_t fingerprint_xattrs(uint64_t ino, uint64_t h)
{
	static char list[8192], value[GFS_PROP_VALUE_MAX];
	ssize_t n = gfs_listxattr(core, ino, list, sizeof(list), &err);

	if (n < 0)
		return 0;
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		ssize_t len = gfs_getxattr(core, ino, list + off, value,
					   sizeof(value), &err);
		h = fnv(h, list + off, strlen(list + off) + 1);
		h = fnv(h, &len, sizeof(len));
		if (len > 0)
			h = fnv(h, value, (size_t)len);
	}
	return h;
}

/* Names, numbers, types and attributes of everything under ino; 0 when
 * it cannot be read whole (then it is surely not the tree that was
 * built). */
static uint64_t fingerprint_of(uint64_t ino, int depth, uint64_t h)
{
	struct entries *e = malloc(sizeof(*e));
	if (!e)
		return 0;
	e->n = 0;
	e->overflow = false;
	if (gfs_readdir(core, ino, 0, true, take, e, &err) < 0 || e->overflow) {
		free(e);
		return 0;
	}
	for (int i = 0; i < e->n && h; i++) {
		h = fnv(h, e->names[i], strlen(e->names[i]) + 1);
		h = fnv(h, &e->inos[i], sizeof(e->inos[i]));
		h = fnv(h, &e->modes[i], sizeof(e->modes[i]));
		h = fingerprint_xattrs(e->nodes[i], h);
		if (h && S_ISDIR(e->modes[i]) && depth < 6)
			h = fingerprint_of(e->nodes[i], depth + 1, h);
	}
	free(e);
	return h;
}

static uint64_t fingerprint(void)
{
	return fingerprint_of(GFS_ROOT_INO, 0, 14695981039346656037ULL);
}

/*
 * g (soft delete on)
 *   d/1.0.0/a, d/1.0.0/b (user.note on b)    live files
 *   d/2.0.0                                  an empty live version
 *   .softdeleted/d/1.0.0/old                 a soft-deleted file
 *   .softdeleted/d/3.0.0/c                   a soft-deleted version
 *   e                                        an empty definition
 * h (soft delete off), an empty gallery
 */
static void open_data_dir(void)
{
	struct gfs_core_options o = { 0 };

	gfs_config_defaults(&cfg);
	o.cfg = &cfg;
	o.data_dir = dir;
	if (gfs_core_open(&o, &core, &err) < 0) {
		fprintf(stderr, "fuzz_paths: gfs_core_open: %s\n", err.reason);
		exit(1);
	}
}

static void build_tree(void)
{
	open_data_dir();
	bool ok = mkdir_p("g") == 0 && mkdir_p("h") == 0 &&
		  setx("g", "user.acg.softDelete", "true") == 0 &&
		  mkdir_p("g/d") == 0 && mkdir_p("g/e") == 0 &&
		  mkdir_p("g/d/1.0.0") == 0 && mkdir_p("g/d/2.0.0") == 0 &&
		  mkdir_p("g/d/3.0.0") == 0 &&
		  put("g/d/1.0.0/a", "alpha") && put("g/d/1.0.0/b", "bravo") &&
		  put("g/d/1.0.0/old", "old") && put("g/d/3.0.0/c", "charlie") &&
		  setx("g/d/1.0.0/b", "user.note", "kept") == 0 &&
		  setx("g/d/1.0.0", "user.acg.replicas", "westus=2,eastus=1") == 0 &&
		  unlink_p("g/d/1.0.0/old") == 0 && unlink_p("g/d/3.0.0/c") == 0 &&
		  rmdir_p("g/d/3.0.0") == 0 &&
		  ino("g/.softdeleted/d/3.0.0/c") && ino("g/.softdeleted/d/1.0.0/old");
	if (!ok) {
		fprintf(stderr, "fuzz_paths: the tree cannot be built: %s\n",
			err.reason);
		exit(1);
	}
	fingerprint_built = fingerprint();
	if (!fingerprint_built) {
		fprintf(stderr, "fuzz_paths: the tree cannot be listed\n");
		exit(1);
	}
}

/*
 * Building the tree takes milliseconds (a new catalog, the object store's
 * 256 subdirectories); putting back the files of a closed data directory
 * takes far less. So the data directory is saved once, closed, right after
 * the tree is built, and written back over whenever the tree changed.
 */
#define SAVED_MAX 32

struct saved_file {
	char path[sizeof(dir) + 64];
	char *data;
	size_t len;
};
static struct saved_file saved[SAVED_MAX];
static size_t nsaved;
static bool saved_all;

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *data = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			char *p = realloc(data, cap ? cap * 2 : 4096);
			if (!p)
				break;
			data = p;
			cap = cap ? cap * 2 : 4096;
		}
		size_t n = fread(data + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return data;
}

static int save_file(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	if (nsaved == SAVED_MAX)
		return 1;
	struct saved_file *f = &saved[nsaved];
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->data = read_whole(path, &f->len);
	if (!f->data)
		return 1;
	nsaved++;
	return 0;
}

static bool is_saved(const char *path)
{
	for (size_t i = 0; i < nsaved; i++)
		if (strcmp(saved[i].path, path) == 0)
			return true;
	return false;
}

/* Write the saved files back: what the fuzzer can change is the catalog
 * (and what sqlite keeps beside it) and, by deleting files for good, the
 * objects; it never makes an object. */
static bool restore_data_dir(void)
{
	char path[sizeof(dir) + 300];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return false;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_REG && !is_saved(path))
			unlink(path);
	}
	closedir(d);
	for (size_t i = 0; i < nsaved; i++) {
		FILE *f = fopen(saved[i].path, "wbe");
		if (!f)
			return false;
		bool ok = fwrite(saved[i].data, 1, saved[i].len, f) == saved[i].len;
		if (fclose(f) != 0 || !ok)
			return false;
	}
	return true;
}

static int remove_object(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_F ? unlink(path) : 0;
}

/* Empty the data directory for a new catalog, keeping the object store's
 * subdirectories. */
static void clear_data_dir(void)
{
	char path[sizeof(dir) + 300];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (e->d_type == DT_REG)
				unlink(path);
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/objects", dir);
	nftw(path, remove_object, 16, FTW_PHYS);
}

static void close_at_exit(void)
{
	if (core)
		close_core();
	for (size_t i = 0; i < nsaved; i++)
		free(saved[i].data);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	/* make_data_dir's, but under $TMPDIR: run.sh's scratch directory,
	 * removed with whatever a crash leaves there */
	if (!tmp || !*tmp || strlen(tmp) + 24 > sizeof(dir))
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/gfs-fuzz-paths-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("fuzz_paths: mkdtemp");
		exit(1);
	}
	atexit(close_at_exit);
	build_tree();
	gfs_core_close(core);
	core = NULL;
	saved_all = nftw(dir, save_file, 16, FTW_PHYS) == 0;
	open_data_dir();
	if (fingerprint() != fingerprint_built) {
		fprintf(stderr, "fuzz_paths: the tree changed on reopening\n");
		exit(1);
	}
	return 0;
}

/* After a change and its undoing: the same tree, or the saved one put
 * back, or (when that fails) the tree built again from nothing. Either
 * way the same inode numbers too. */
static void ensure_tree(void)
{
	if (fingerprint() == fingerprint_built)
		return;
	gfs_core_close(core);
	core = NULL;
	if (saved_all && restore_data_dir()) {
		open_data_dir();
		if (fingerprint() == fingerprint_built)
			return;
		gfs_core_close(core);
		core = NULL;
	}
	clear_data_dir();
	build_tree();
}

/* ---- one path ---- */

struct path {
	char *names[MAX_COMPONENTS];
	int n;
	const char *end;        /* of the input: the last name's raw end */
};

/* Split buf (len bytes, NUL-terminated after them) in place on '/': at
 * most MAX_COMPONENTS names, the last one keeping any further '/'. A NUL
 * inside a name ends it, as it would for any caller of a C API. */
static void split_path(char *buf, size_t len, struct path *p)
{
	p->n = 0;
	p->end = buf + len;
	p->names[p->n++] = buf;
	for (size_t i = 0; i < len && p->n < MAX_COMPONENTS; i++) {
		if (buf[i] == '/') {
			buf[i] = '\0';
			p->names[p->n++] = buf + i + 1;
		}
	}
}

static bool is_softdeleted(const char *name)
{
	return strcmp(name, GFS_SOFTDELETED) == 0;
}

/* Check a resolved node at depth i (0: a gallery) of path p. */
static void check_resolved(const struct path *p, int i, const struct gfs_attr *a)
{
	static const enum gfs_name_kind kinds[] = {
		GFS_NAME_GALLERY, GFS_NAME_DEFINITION, GFS_NAME_VERSION,
		GFS_NAME_FILE,
	};
	bool sd = i >= 1 && is_softdeleted(p->names[1]);
	int level = sd && i >= 1 ? i - 1 : i;   /* 0 gallery .. 3 file */
	struct gfs_attr again;

	/* the trash view (design §10) has its own shape: it is volatile
	 * throughout, and its numbers resolve again */
	if (gfs_trash_dir_uid(p->names[0]) >= 0) {
		INVARIANT(a->volatile_);
		INVARIANT(S_ISDIR(a->mode) || S_ISREG(a->mode));
		INVARIANT(checked(gfs_getattr(core, a->nodeid, &again, &err)) == 0);
		INVARIANT(again.ino == a->ino && again.mode == a->mode);
		return;
	}

	INVARIANT(level <= 3);
	INVARIANT(a->ino != 0);
	INVARIANT(S_ISDIR(a->mode) || S_ISREG(a->mode));
	INVARIANT(S_ISDIR(a->mode) == (level < 3));
	INVARIANT(a->volatile_ == sd);
	if (!(sd && i == 1))
		INVARIANT(gfs_name_check(kinds[level], p->names[i],
					 strlen(p->names[i])) == 0);
	/* rows show as odd numbers; the mirrors (.softdeleted, its
	 * definitions, the shadows of live versions) as even ones */
	if (!sd || i == 4)
		INVARIANT(a->ino % 2 == 1);
	else if (i <= 2)
		INVARIANT(a->ino % 2 == 0);

	INVARIANT(checked(gfs_getattr(core, a->nodeid, &again, &err)) == 0);
	INVARIANT(again.nodeid == a->nodeid);
	INVARIANT(a->nodeid == GFS_ROOT_INO ||
		  (a->nodeid & ((UINT64_C(1) << GFS_NODEID_GEN_SHIFT) - 1)) == a->ino);
	INVARIANT(again.ino == a->ino && again.gen == a->gen &&
		  again.mode == a->mode && again.nlink == a->nlink &&
		  again.uid == a->uid && again.gid == a->gid &&
		  again.size == a->size && again.volatile_ == a->volatile_);
}

/* Resolve the first n names of p; the number of names resolved. at is the
 * number of the last node reached (the root when none), attr its
 * attributes. */
static int resolve(const struct path *p, int n, uint64_t *at, struct gfs_attr *attr,
		   bool check)
{
	uint64_t ino = GFS_ROOT_INO;
	struct gfs_attr a;

	INVARIANT(checked(gfs_getattr(core, ino, attr, &err)) == 0);
	for (int i = 0; i < n; i++) {
		const char *name = p->names[i];
		bool in_dir = S_ISDIR(attr->mode);
		int r = checked(gfs_lookup(core, ino, name, &a, &err));
		if (check && r < 0) {
			if (strlen(name) > GFS_FILE_NAME_MAX)
				INVARIANT(r == -ENAMETOOLONG);
			else if (in_dir)
				INVARIANT(r == -ENOENT);
			else
				INVARIANT(r == -ENOTDIR);
		}
		if (r < 0) {
			*at = ino;
			return i;
		}
		if (check)
			check_resolved(p, i, &a);
		ino = a.nodeid;
		*attr = a;
	}
	*at = ino;
	return n;
}

/* listxattr and getxattr of one node agree with each other. */
static void check_xattrs(uint64_t ino, const char *input_name)
{
	ssize_t n = checked((int)gfs_listxattr(core, ino, NULL, 0, &err));
	char *list = malloc(n > 0 ? (size_t)n : 1);
	char value[GFS_PROP_VALUE_MAX];

	if (!list)
		return;
	INVARIANT(checked((int)gfs_listxattr(core, ino, list, (size_t)n, &err)) == n);
	if (n > 0) {
		INVARIANT(list[n - 1] == '\0');
		INVARIANT(gfs_listxattr(core, ino, list, (size_t)n - 1, &err) == -ERANGE);
	}
	bool short_tried = false;
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(list + off) + 1) {
		const char *name = list + off;
		INVARIANT(strncmp(name, GFS_XATTR_PREFIX, strlen(GFS_XATTR_PREFIX)) == 0);
		ssize_t len = checked((int)gfs_getxattr(core, ino, name, value,
							sizeof(value), &err));
		INVARIANT(len >= 0);
		/* size 0 asks for the length; one byte short is ERANGE (tried
		 * once a node: each call is a transaction) */
		INVARIANT(checked((int)gfs_getxattr(core, ino, name, NULL, 0,
						    &err)) == len);
		if (len > 1 && !short_tried) {
			short_tried = true;
			INVARIANT(gfs_getxattr(core, ino, name, value,
					       (size_t)len - 1, &err) == -ERANGE);
		}
	}
	free(list);

	/* names from the input: as given, and as a property or user name */
	char name[300];
	checked((int)gfs_getxattr(core, ino, input_name, value, sizeof(value), &err));
	snprintf(name, sizeof(name), "%s%s", GFS_PROP_PREFIX, input_name);
	checked((int)gfs_getxattr(core, ino, name, value, sizeof(value), &err));
	snprintf(name, sizeof(name), "%s%s", GFS_XATTR_PREFIX, input_name);
	checked((int)gfs_getxattr(core, ino, name, value, sizeof(value), &err));
}

/* Every entry of a directory looks up, by its name, to its number. */
static int read_dir(uint64_t ino, uint64_t off, bool plus, struct entries *e)
{
	e->n = 0;
	e->overflow = false;
	return checked(gfs_readdir(core, ino, off, plus, take, e, &err));
}

/* A listing agrees with itself and with lookup: readdir and readdirplus
 * give the same entries, reading on from an entry's offset gives the
 * entries after it, every entry looks up by its name to its number, and
 * the directory's link count is 2 + its subdirectories. */
static void check_listing(uint64_t ino)
{
	struct entries *e = malloc(2 * sizeof(*e)), *other = e + 1;
	struct gfs_attr a;
	uint32_t subdirs = 0;

	if (!e)
		return;
	if (read_dir(ino, 0, true, e) < 0 || e->overflow)
		goto out;
	INVARIANT(read_dir(ino, 0, false, other) == 0);
	INVARIANT(other->n == e->n);
	for (int i = 0; i < e->n; i++)
		INVARIANT(strcmp(other->names[i], e->names[i]) == 0 &&
			  other->inos[i] == e->inos[i] &&
			  (other->modes[i] & S_IFMT) == (e->modes[i] & S_IFMT) &&
			  other->offs[i] == e->offs[i]);
	if (e->n > 0) {
		INVARIANT(read_dir(ino, e->offs[0], true, other) == 0);
		INVARIANT(other->n == e->n - 1);
		for (int i = 1; i < e->n; i++)
			INVARIANT(strcmp(other->names[i - 1], e->names[i]) == 0);
	}
	for (int i = 0; i < e->n; i++) {
		INVARIANT(checked(gfs_lookup(core, ino, e->names[i], &a, &err)) == 0);
		INVARIANT(a.ino == e->inos[i] && a.mode == e->modes[i]);
		subdirs += S_ISDIR(a.mode);
	}
	INVARIANT(checked(gfs_getattr(core, ino, &a, &err)) == 0);
	INVARIANT(a.nlink == 2 + subdirs);
out:
	free(e);
}

/* ---- one change, and its undoing ---- */

/* The path with .softdeleted taken out after the gallery, or put in. */
static void other_side(const struct path *p, struct path *q)
{
	static char sd[] = GFS_SOFTDELETED;
	q->n = 0;
	if (p->n >= 2 && is_softdeleted(p->names[1])) {
		for (int i = 0; i < p->n; i++)
			if (i != 1)
				q->names[q->n++] = p->names[i];
		return;
	}
	for (int i = 0; i < p->n && q->n < MAX_COMPONENTS; i++) {
		q->names[q->n++] = p->names[i];
		if (i == 0 && q->n < MAX_COMPONENTS)
			q->names[q->n++] = sd;
	}
}

/* Where a soft-deleted child of p's parent (a live definition or version)
 * shows: the parent's mirror under .softdeleted; 0 when there is none. */
static uint64_t mirror_of(const struct path *p)
{
	struct path q = *p, m;
	struct gfs_attr a;
	uint64_t node;

	q.n = p->n - 1;
	if (q.n < 2 || is_softdeleted(q.names[1]))
		return 0;
	other_side(&q, &m);
	return resolve(&m, m.n, &node, &a, false) == m.n ? node : 0;
}

/* setxattr or removexattr of one attribute of node, then the old value
 * put back; false when nothing changed. */
static bool change_xattr(int op, uint64_t node, const struct path *p)
{
	static char old[GFS_PROP_VALUE_MAX], now[GFS_PROP_VALUE_MAX];
	const char *last = p->names[p->n - 1];
	size_t raw = (size_t)(p->end - last);
	const char *eq = memchr(last, '=', raw);
	size_t name_len = eq ? (size_t)(eq - last) : strlen(last);
	char name[300];
	int flags = op == OP_SETXATTR_CREATE ? XATTR_CREATE :
		    op == OP_SETXATTR_REPLACE ? XATTR_REPLACE : 0;

	if (name_len > 255)
		name_len = 255;
	snprintf(name, sizeof(name), "%s%.*s",
		 memchr(last, '.', name_len) ? "" : GFS_PROP_PREFIX,
		 (int)name_len, last);
	/* the value: its raw bytes, in a buffer of exactly their length */
	size_t vlen = eq ? (size_t)(p->end - (eq + 1)) : 0;
	char *value = malloc(vlen ? vlen : 1);
	if (!value)
		return false;
	if (vlen)
		memcpy(value, eq + 1, vlen);

	ssize_t oldlen = checked((int)gfs_getxattr(core, node, name, old,
						   sizeof(old), &err));
	int r = op == OP_REMOVEXATTR ?
		gfs_removexattr(core, &root, node, name, &err) :
		gfs_setxattr(core, &root, node, name, value, vlen, flags, &err);
	free(value);
	if (checked(r) < 0)
		return false;
	if (op != OP_REMOVEXATTR) {
		/* what reads back is the canonical form: setting it is a
		 * no-op that is allowed, and reads back the same */
		ssize_t n = checked((int)gfs_getxattr(core, node, name, now,
						      sizeof(now), &err));
		INVARIANT(n >= 0);
		if (strncmp(name, GFS_PROP_PREFIX, strlen(GFS_PROP_PREFIX)) != 0)
			INVARIANT((size_t)n == vlen &&
				  (vlen == 0 || memcmp(now, eq + 1, vlen) == 0));
		INVARIANT(checked(gfs_setxattr(core, &root, node, name, now,
					       (size_t)n, 0, &err)) == 0);
		INVARIANT(checked((int)gfs_getxattr(core, node, name, NULL, 0,
						    &err)) == n);
	}
	if (oldlen >= 0)
		checked(gfs_setxattr(core, &root, node, name, old, (size_t)oldlen,
				     0, &err));
	else
		checked(gfs_removexattr(core, &root, node, name, &err));
	return true;
}

static void change(int op, const struct path *p)
{
	struct gfs_attr a, pa;
	uint64_t parent, newparent;
	const char *name = p->names[p->n - 1], *newname = name;
	unsigned flags = 0;
	int r;

	if (resolve(p, p->n - 1, &parent, &pa, false) != p->n - 1)
		return;
	switch (op) {
	case OP_MKDIR:
		if (checked(gfs_mkdir(core, &root, parent, name, 0755, &a, &err)) < 0)
			return;
		INVARIANT(S_ISDIR(a.mode));
		INVARIANT(checked(gfs_getattr(core, a.nodeid, &pa, &err)) == 0);
		/* gone for good, also when the rmdir was a soft delete */
		checked(gfs_rmdir(core, &root, parent, name, &err));
		uint64_t mirror = mirror_of(p);
		if (mirror &&
		    checked(gfs_lookup(core, mirror, name, &pa, &err)) == 0 &&
		    pa.ino == a.ino)
			checked(gfs_rmdir(core, &root, mirror, name, &err));
		break;
	case OP_SETXATTR:
	case OP_REMOVEXATTR:
	case OP_SETXATTR_CREATE:
	case OP_SETXATTR_REPLACE:
		if (!change_xattr(op, parent, p))
			return;
		break;
	case OP_RMDIR:
	case OP_UNLINK:
		r = op == OP_RMDIR ? gfs_rmdir(core, &root, parent, name, &err) :
				     gfs_unlink(core, &root, parent, name, &err);
		if (checked(r) < 0)
			return;
		/* a soft delete is undone by a restore */
		{
			uint64_t sd_parent = mirror_of(p);
			if (sd_parent)
				checked(gfs_rename(core, &root, sd_parent, name, parent,
						   name, 0, &err));
		}
		break;
	case OP_RENAME:
	case OP_EXCHANGE:
	case OP_RENAME_SD:
	case OP_RENAME_SD_NOREPLACE:
		if (op == OP_RENAME || op == OP_EXCHANGE) {
			newparent = parent;
			newname = p->names[0];
			flags = op == OP_EXCHANGE ? RENAME_EXCHANGE : 0;
		} else {
			struct path q;
			other_side(p, &q);
			if (q.n < 1 || resolve(&q, q.n - 1, &newparent, &pa, false) !=
					       q.n - 1)
				return;
			flags = op == OP_RENAME_SD_NOREPLACE ? RENAME_NOREPLACE : 0;
		}
		if (checked(gfs_rename(core, &root, parent, name, newparent, newname,
				       flags, &err)) < 0)
			return;
		checked(gfs_rename(core, &root, newparent, newname, parent, name,
				   flags & RENAME_EXCHANGE, &err));
		break;
	default:
		return;
	}
	ensure_tree();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int op = size > 0 && data[0] >= OP_MKDIR && data[0] <= OP_LAST ? data[0] : 0;
	size_t skip = op ? 1 : 0;
	char *buf = malloc(size - skip + 1);
	struct path p;
	struct gfs_attr a;
	uint64_t at;

	if (!buf)
		return 0;
	memcpy(buf, data + skip, size - skip);
	buf[size - skip] = '\0';
	split_path(buf, size - skip, &p);

	resolve(&p, p.n, &at, &a, true);
	check_xattrs(at, p.names[p.n - 1]);
	if (S_ISDIR(a.mode))
		check_listing(at);
	if (op)
		change(op, &p);
	free(buf);
	return 0;
}
