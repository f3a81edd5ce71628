/*
 * gfs-mix — run COUNT random operations on a small shared tree under one
 * gallery with soft delete on, checking that every failing call fails with
 * an errno the specification documents for that operation in a race with
 * other processes doing the same (design §3, §5, §7).
 *
 *   gfs-mix [-v] [-t] [-s] GALLERY SEED COUNT
 *
 * The tree: GALLERY/d0 and GALLERY/d1, versions 1.0.0 .. 1.0.9, files
 * f0 .. f3. Operations: mkdir, create+write, unlink, rmdir, an `rm -r`
 * (readdir, unlink each, rmdir), soft delete and restore by rename (of a
 * version or of one file), rename within a version and across versions,
 * hard delete under .softdeleted, set/get/list free attributes, readdir of
 * live and .softdeleted directories (with a stat of every entry, as ls -l),
 * stat, truncate, read and fstat through an open descriptor, and the
 * writes .softdeleted refuses.
 *
 * Prints "calls N ok N errors N unexpected N" on stdout, one "# op errno
 * count" line per outcome on stderr with -v, every call and its outcome on
 * stderr with -t, and the first 20 unexpected outcomes on stderr. Exit
 * status: 0 when nothing was unexpected, 1 otherwise, 2 on bad usage.
 *
 * -s: other processes run on other mounts of the same catalog (several
 * hosts, design §7), so any call may also fail with ESTALE: it named, by a
 * node id this mount's kernel had cached, a node another host's change
 * retired before this host heard of it; and a read, write or fstat
 * through an open descriptor may fail with ENOENT when another host
 * deleted the file for good meanwhile (removal deferred to the last close
 * on any host is still to come, design §7).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NDEF 2
#define NVER 10
#define NFILE 4
#define MAXERR 134

/* errno sets, as bits in a 64-bit mask over the small errnos we allow */
#define B(e) (1ULL << (e))
#define A_ENOENT B(ENOENT)
#define A_EEXIST B(EEXIST)
#define A_ENOTEMPTY B(ENOTEMPTY)
#define A_EPERM B(EPERM)
#define A_EINVAL B(EINVAL)
#define A_EXDEV B(EXDEV)
#define A_ENODATA B(ENODATA)

enum op {
	OP_MKDIR, OP_CREATE, OP_WRITE_OPEN, OP_UNLINK, OP_RMDIR, OP_RMR_OPENDIR,
	OP_RMR_UNLINK, OP_RMR_RMDIR, OP_SOFTDEL_V, OP_SOFTDEL_V_NOREPLACE,
	OP_RESTORE_V, OP_SOFTDEL_F, OP_RESTORE_F, OP_RENAME_F, OP_XVER,
	OP_HARD_UNLINK, OP_HARD_OPENDIR, OP_HARD_RMDIR, OP_SETX, OP_SETX_SD,
	OP_GETX, OP_GETX_PURGEAT, OP_LISTX, OP_OPENDIR, OP_READDIR, OP_LSTAT_ENTRY,
	OP_STAT, OP_TRUNCATE, OP_TRUNCATE_SD, OP_READ_OPEN, OP_READ,
	OP_WRITE, OP_FSTAT, OP_CLOSE, OP_CREATE_SD, OP_COUNT
};

/*
 * What each operation may answer besides success. A path is resolved one
 * name at a time, and another process may move a version into or out of
 * .softdeleted in between (a rename keeps the directory's inode), so an
 * operation on a live path can land on a soft-deleted node, where R15
 * answers EPERM (and R14 EINVAL for a file renamed to another version),
 * and one on a .softdeleted path can land in the live tree and succeed.
 */
static const struct {
	const char *name;
	uint64_t allowed;
} ops[OP_COUNT] = {
	[OP_MKDIR] = { "mkdir", A_EEXIST },            /* R16 too */
	/* open(O_CREAT) without O_EXCL never fails with EEXIST (POSIX) */
	[OP_CREATE] = { "create", A_ENOENT | A_EPERM },
	[OP_WRITE_OPEN] = { "open-write", A_ENOENT | A_EPERM },
	[OP_UNLINK] = { "unlink", A_ENOENT },
	[OP_RMDIR] = { "rmdir", A_ENOENT | A_ENOTEMPTY },
	[OP_RMR_OPENDIR] = { "rm-r-opendir", A_ENOENT },
	[OP_RMR_UNLINK] = { "rm-r-unlink", A_ENOENT },
	[OP_RMR_RMDIR] = { "rm-r-rmdir", A_ENOENT | A_ENOTEMPTY },
	/* onto the shadow: merges (design §3) */
	[OP_SOFTDEL_V] = { "softdelete-version", A_ENOENT },
	/* the shadow always resolves: the kernel says EEXIST (§3, §5.1) */
	[OP_SOFTDEL_V_NOREPLACE] = { "softdelete-version-noreplace",
				     A_ENOENT | A_EEXIST },
	/* R14: EEXIST (live name taken), ENOENT (nothing there); a shadow
	 * is no soft-deleted item and cannot be renamed out (R15 EPERM, or
	 * R14 EINVAL) */
	[OP_RESTORE_V] = { "restore-version",
			   A_ENOENT | A_EEXIST | A_EPERM | A_EINVAL | A_ENOTEMPTY },
	[OP_SOFTDEL_F] = { "softdelete-file", A_ENOENT | A_EPERM | A_EINVAL },
	/* R14: EEXIST when a live file holds the name, ENOENT when the
	 * version is not live */
	[OP_RESTORE_F] = { "restore-file", A_ENOENT | A_EEXIST | A_EPERM | A_EINVAL },
	[OP_RENAME_F] = { "rename-in-version", A_ENOENT | A_EPERM },
	/* R13: EXDEV so that mv copies; R14 for a soft-deleted file */
	[OP_XVER] = { "rename-across-versions",
		      A_ENOENT | A_EXDEV | A_EPERM | A_EINVAL },
	[OP_HARD_UNLINK] = { "hard-unlink", A_ENOENT },
	[OP_HARD_OPENDIR] = { "hard-rm-r-opendir", A_ENOENT },
	[OP_HARD_RMDIR] = { "hard-rmdir", A_ENOENT | A_ENOTEMPTY },
	[OP_SETX] = { "setxattr", A_ENOENT | A_EPERM },
	/* R15 */
	[OP_SETX_SD] = { "setxattr-softdeleted", A_ENOENT | A_EPERM },
	[OP_GETX] = { "getxattr", A_ENOENT | A_ENODATA },
	/* a shadow is no soft-deleted item: ENODATA */
	[OP_GETX_PURGEAT] = { "getxattr-purgeAt", A_ENOENT | A_ENODATA },
	[OP_LISTX] = { "listxattr", A_ENOENT },
	[OP_OPENDIR] = { "opendir", A_ENOENT },
	[OP_READDIR] = { "readdir", 0 },
	[OP_LSTAT_ENTRY] = { "lstat-entry", A_ENOENT },
	[OP_STAT] = { "stat", A_ENOENT },
	[OP_TRUNCATE] = { "truncate", A_ENOENT | A_EPERM },
	[OP_TRUNCATE_SD] = { "truncate-softdeleted", A_ENOENT | A_EPERM },
	[OP_READ_OPEN] = { "open-read", A_ENOENT },
	/* an open descriptor keeps working whatever happens to its path,
	 * a purge included (design §2) */
	[OP_READ] = { "read", 0 },
	[OP_WRITE] = { "write", 0 },
	[OP_FSTAT] = { "fstat", 0 },
	[OP_CLOSE] = { "close", 0 },
	[OP_CREATE_SD] = { "create-softdeleted", A_ENOENT | A_EPERM },
};

static const char *gallery;
static int verbose, trace, hosts;
static long calls, oks, errors, unexpected;
static long outcome[OP_COUNT][MAXERR + 1];   /* [op][0] = successes */
static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* EPERM for EPERM, E4095 for a number glibc has no name for. */
static const char *errname(int e)
{
	static char buf[16];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Record the outcome of one call: r < 0 is a failure with errno e. */
static int note(enum op op, long r, int e, const char *p1, const char *p2)
{
	calls++;
	if (trace)
		fprintf(stderr, "%ld %s %s%s%s: %s\n", calls, ops[op].name, p1,
			p2 ? " " : "", p2 ? p2 : "", r >= 0 ? "OK" : errname(e));
	if (r >= 0) {
		oks++;
		outcome[op][0]++;
		return 0;
	}
	errors++;
	outcome[op][e > 0 && e <= MAXERR ? e : MAXERR]++;
	bool through_fd = op == OP_READ || op == OP_WRITE || op == OP_FSTAT;
	bool documented = (e > 0 && e < 64 && (ops[op].allowed & B(e))) ||
			  (hosts && (e == ESTALE || (e == ENOENT && through_fd)));
	if (!documented) {
		unexpected++;
		if (unexpected <= 20)
			fprintf(stderr, "gfs-mix: unexpected %s from %s %s%s%s\n",
				errname(e), ops[op].name, p1, p2 ? " -> " : "",
				p2 ? p2 : "");
	}
	return -1;
}

#define CALL(op, expr, p1, p2) \
	({ errno = 0; long r_ = (long)(expr); int e_ = errno; \
	   note(op, r_, e_, p1, p2); r_; })

static void vpath(char *buf, size_t n, int sd, unsigned d, unsigned v)
{
	snprintf(buf, n, "%s/%sd%u/1.0.%u", gallery, sd ? ".softdeleted/" : "", d, v);
}

static void fpath(char *buf, size_t n, int sd, unsigned d, unsigned v, unsigned f)
{
	snprintf(buf, n, "%s/%sd%u/1.0.%u/f%u", gallery, sd ? ".softdeleted/" : "",
		 d, v, f);
}

/* Read dir the way readdir(3) users do, noting opendir (as o_open) and
 * the end of the listing; fn sees every entry but . and .. */
static void each_entry(const char *dir, enum op o_open,
		       void (*fn)(DIR *dp, const char *dir, const char *name,
				  void *arg), void *arg)
{
	DIR *dp;
	struct dirent *de;

	errno = 0;
	dp = opendir(dir);
	if (note(o_open, dp ? 0 : -1, errno, dir, NULL) < 0)
		return;
	for (;;) {
		errno = 0;
		de = readdir(dp);
		if (!de) {
			note(OP_READDIR, errno ? -1 : 0, errno, dir, NULL);
			break;
		}
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fn(dp, dir, de->d_name, arg);
	}
	closedir(dp);
}

struct names {
	char name[64][256];
	int n;
};

static void keep_name(DIR *dp, const char *dir, const char *name, void *arg)
{
	struct names *k = arg;
	(void)dp, (void)dir;
	if (k->n < 64)
		snprintf(k->name[k->n++], sizeof(k->name[0]), "%s", name);
}

/* `rm -r`, the way rm does it: read the directory, unlink each entry,
 * then rmdir. */
static void remove_tree(const char *dir, enum op o_open, enum op o_unlink,
			enum op o_rmdir)
{
	struct names k = { .n = 0 };

	each_entry(dir, o_open, keep_name, &k);
	for (int i = 0; i < k.n; i++) {
		char p[4400 + 260];
		snprintf(p, sizeof(p), "%s/%.255s", dir, k.name[i]);
		CALL(o_unlink, unlink(p), p, NULL);
	}
	CALL(o_rmdir, rmdir(dir), dir, NULL);
}

static void stat_entry(DIR *dp, const char *dir, const char *name, void *arg)
{
	struct stat st;
	char p[4400 + 260];
	(void)arg;
	snprintf(p, sizeof(p), "%s/%.255s", dir, name);
	CALL(OP_LSTAT_ENTRY, fstatat(dirfd(dp), name, &st, AT_SYMLINK_NOFOLLOW),
	     p, NULL);
}

/* A listing with a stat of every entry, as `ls -l` does. */
static void list(const char *dir)
{
	each_entry(dir, OP_OPENDIR, stat_entry, NULL);
}

static void write_some(const char *p, int flags, enum op o_open)
{
	char buf[4096];
	size_t len = 1 + pick(sizeof(buf));
	off_t off = (off_t)pick(16384);

	struct stat st;

	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (i + (size_t)off) % 26);
	errno = 0;
	int fd = open(p, flags, 0644);
	if (note(o_open, fd, errno, p, NULL) < 0)
		return;
	CALL(OP_WRITE, pwrite(fd, buf, len, off), p, NULL);
	CALL(OP_FSTAT, fstat(fd, &st), p, NULL);
	CALL(OP_CLOSE, close(fd), p, NULL);
}

static void read_all(const char *p)
{
	char buf[8192];
	errno = 0;
	int fd = open(p, O_RDONLY);
	if (note(OP_READ_OPEN, fd, errno, p, NULL) < 0)
		return;
	long r;
	do
		r = CALL(OP_READ, read(fd, buf, sizeof(buf)), p, NULL);
	while (r > 0);
	struct stat st;
	CALL(OP_FSTAT, fstat(fd, &st), p, NULL);
	CALL(OP_CLOSE, close(fd), p, NULL);
}

static void one(void)
{
	char a[4400], b[4400];
	unsigned d = pick(NDEF), v = pick(NVER), f = pick(NFILE);
	unsigned w = pick(NVER), g = pick(NFILE);
	char val[64];
	static char big[65536];

	switch (pick(30)) {
	case 0:
	case 1:
		vpath(a, sizeof(a), 0, d, v);
		CALL(OP_MKDIR, mkdir(a, 0755), a, NULL);
		break;
	case 2:
	case 3:
		fpath(a, sizeof(a), 0, d, v, f);
		write_some(a, O_CREAT | O_WRONLY, OP_CREATE);
		break;
	case 4:
		fpath(a, sizeof(a), 0, d, v, f);
		write_some(a, O_WRONLY, OP_WRITE_OPEN);
		break;
	case 5:
		fpath(a, sizeof(a), 0, d, v, f);
		CALL(OP_UNLINK, unlink(a), a, NULL);
		break;
	case 6:
		vpath(a, sizeof(a), 0, d, v);
		CALL(OP_RMDIR, rmdir(a), a, NULL);
		break;
	case 7:
		vpath(a, sizeof(a), 0, d, v);
		remove_tree(a, OP_RMR_OPENDIR, OP_RMR_UNLINK, OP_RMR_RMDIR);
		break;
	case 8:
	case 9:
		/* mv VERSION .softdeleted/DEF/: noreplace first, then plain */
		vpath(a, sizeof(a), 0, d, v);
		vpath(b, sizeof(b), 1, d, v);
		if (pick(2) && CALL(OP_SOFTDEL_V_NOREPLACE,
				    renameat2(AT_FDCWD, a, AT_FDCWD, b,
					      RENAME_NOREPLACE), a, b) == 0)
			break;
		CALL(OP_SOFTDEL_V, rename(a, b), a, b);
		break;
	case 10:
	case 11:
	case 12:
		vpath(a, sizeof(a), 1, d, v);
		vpath(b, sizeof(b), 0, d, v);
		CALL(OP_RESTORE_V, rename(a, b), a, b);
		break;
	case 13:
		fpath(a, sizeof(a), 0, d, v, f);
		fpath(b, sizeof(b), 1, d, v, f);
		CALL(OP_SOFTDEL_F, rename(a, b), a, b);
		break;
	case 14:
		fpath(a, sizeof(a), 1, d, v, f);
		fpath(b, sizeof(b), 0, d, v, f);
		CALL(OP_RESTORE_F, rename(a, b), a, b);
		break;
	case 15:
		fpath(a, sizeof(a), 0, d, v, f);
		fpath(b, sizeof(b), 0, d, v, g);
		CALL(OP_RENAME_F, rename(a, b), a, b);
		break;
	case 16:
		fpath(a, sizeof(a), 0, d, v, f);
		fpath(b, sizeof(b), 0, d, w == v ? (v + 1) % NVER : w, f);
		CALL(OP_XVER, rename(a, b), a, b);
		break;
	case 17:
		fpath(a, sizeof(a), 1, d, v, f);
		CALL(OP_HARD_UNLINK, unlink(a), a, NULL);
		break;
	case 18:
		vpath(a, sizeof(a), 1, d, v);
		if (pick(2))
			remove_tree(a, OP_HARD_OPENDIR, OP_HARD_UNLINK, OP_HARD_RMDIR);
		else
			CALL(OP_HARD_RMDIR, rmdir(a), a, NULL);
		break;
	case 19:
		if (pick(2))
			vpath(a, sizeof(a), 0, d, v);
		else
			fpath(a, sizeof(a), 0, d, v, f);
		snprintf(b, sizeof(b), "user.mix%u", g);
		snprintf(val, sizeof(val), "value-%u", pick(1000));
		CALL(OP_SETX, setxattr(a, b, val, strlen(val), 0), a, b);
		break;
	case 20:
		if (pick(2))
			vpath(a, sizeof(a), 1, d, v);
		else
			fpath(a, sizeof(a), 1, d, v, f);
		snprintf(b, sizeof(b), "user.mix%u", g);
		CALL(OP_SETX_SD, setxattr(a, b, "x", 1, 0), a, b);
		break;
	case 21:
		if (pick(2))
			vpath(a, sizeof(a), pick(2), d, v);
		else
			fpath(a, sizeof(a), pick(2), d, v, f);
		snprintf(b, sizeof(b), "user.mix%u", g);
		CALL(OP_GETX, getxattr(a, b, big, sizeof(big)), a, b);
		vpath(a, sizeof(a), 1, d, v);
		CALL(OP_GETX_PURGEAT, getxattr(a, "user.acg.purgeAt", big,
					       sizeof(big)), a, NULL);
		break;
	case 22:
		if (pick(2))
			vpath(a, sizeof(a), pick(2), d, v);
		else
			fpath(a, sizeof(a), pick(2), d, v, f);
		CALL(OP_LISTX, listxattr(a, big, sizeof(big)), a, NULL);
		break;
	case 23:
	case 24:
		switch (pick(5)) {
		case 0:
			snprintf(a, sizeof(a), "%s/d%u", gallery, d);
			break;
		case 1:
			snprintf(a, sizeof(a), "%s/.softdeleted", gallery);
			break;
		case 2:
			snprintf(a, sizeof(a), "%s/.softdeleted/d%u", gallery, d);
			break;
		default:
			vpath(a, sizeof(a), pick(2), d, v);
			break;
		}
		list(a);
		break;
	case 25: {
		struct stat st;
		if (pick(2))
			vpath(a, sizeof(a), pick(2), d, v);
		else
			fpath(a, sizeof(a), pick(2), d, v, f);
		CALL(OP_STAT, stat(a, &st), a, NULL);
		break;
	}
	case 26:
		fpath(a, sizeof(a), 0, d, v, f);
		CALL(OP_TRUNCATE, truncate(a, (off_t)pick(20000)), a, NULL);
		break;
	case 27:
		fpath(a, sizeof(a), 1, d, v, f);
		CALL(OP_TRUNCATE_SD, truncate(a, 0), a, NULL);
		break;
	case 28:
		fpath(a, sizeof(a), pick(2), d, v, f);
		read_all(a);
		break;
	default:
		fpath(a, sizeof(a), 1, d, v, f);
		errno = 0;
		int fd = open(a, O_CREAT | O_WRONLY, 0644);
		if (note(OP_CREATE_SD, fd, errno, a, NULL) == 0)
			close(fd);  /* restored while the path was walked */
		break;
	}
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-t"))
			trace = 1;
		else if (!strcmp(argv[i], "-s"))
			hosts = 1;
		else
			break;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: gfs-mix [-v] [-t] [-s] GALLERY SEED COUNT\n");
		return 2;
	}
	gallery = argv[i];
	rng = strtoull(argv[i + 1], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
	long count = strtol(argv[i + 2], NULL, 10);

	for (long k = 0; k < count; k++)
		one();

	if (verbose)
		for (int o = 0; o < OP_COUNT; o++)
			for (int e = 0; e <= MAXERR; e++)
				if (outcome[o][e])
					fprintf(stderr, "# %s %s %ld\n", ops[o].name,
						e ? errname(e) : "OK", outcome[o][e]);
	printf("calls %ld ok %ld errors %ld unexpected %ld\n", calls, oks, errors,
	       unexpected);
	return unexpected ? 1 : 0;
}
