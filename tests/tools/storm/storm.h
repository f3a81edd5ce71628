/*
 * storm.h — what the parts of gfs-storm share: the journal's events, the
 * model the journals replay into, the checker's verdicts and the helpers.
 * The design (journal, content, doubt) is described in main.c.
 */
#ifndef GFS_STORM_H
#define GFS_STORM_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define MAX_FILE_SIZE (1 << 20)         /* a new file */
#define SIZE_CAP (3 << 19)              /* any file, after writes and truncates */
#define WRITE_MAX (256 * 1024)          /* one pwrite, append or extension */
#define CHUNK_MAX (256 * 1024)          /* one write(2) */
#define LIVE_MAX 6              /* live versions a worker keeps at most */
#define SOFT_MAX 6              /* soft-deleted versions */
#define FILES_MAX 6             /* files per version (live or soft-deleted) */
#define RETENTION_S (7LL * 86400)       /* purgeAt - deletedAt (design §3) */
#define NS 1000000000LL
#define T_UNKNOWN INT64_MAX     /* an upper time bound not known */

/* ------------------------------------------------------------------ */
/* helpers (util.c)                                                   */

__attribute__((noreturn, format(printf, 2, 3)))
void die(int status, const char *fmt, ...);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
void set_str(char **dst, const char *s);
uint64_t mix64(uint64_t x);
void fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t len);
void live_path(const char *mount, const char *rel, char *out, size_t len);
void sd_path(const char *mount, const char *rel, char *out, size_t len);
bool mount_dead(const char *mount);
long long now_ns(void);
int components(const char *p);
long trailing_number(const char *p);
const char *last_of(const char *s);
long long parse_utc(const char *s);     /* YYYY-MM-DDTHH:MM:SSZ, -1 if not */
uint64_t hash_str(const char *s);

/* ------------------------------------------------------------------ */
/* journal events (model.c)                                           */

enum st { ST_NONE, ST_LIVE, ST_SOFT, ST_GONE };
extern const char *const st_names[];

enum kind {
	K_NONE, K_VERSION_LIVE, K_SOFTDELETED, K_RESTORED, K_HARDDELETED,
	K_FILE, K_FILE_SOFTDELETED, K_FILE_RESTORED, K_FILE_HARDDELETED,
	K_FILE_WRITE, K_FILE_APPEND, K_FILE_TRUNCATED, K_FILE_RENAMED,
	K_CHMOD, K_CHOWN, K_UTIMES, K_XATTR, K_XATTR_REMOVED, K_COUNT
};
extern const char *const kind_names[];

/* the KEY VALUE fields an event line may carry */
enum {
	F_INO = 1 << 0, F_SIZE = 1 << 1, F_SEED = 1 << 2, F_OFF = 1 << 3,
	F_LEN = 1 << 4, F_MODE = 1 << 5, F_UID = 1 << 6, F_GID = 1 << 7,
	F_T0 = 1 << 8, F_T1 = 1 << 9, F_TO = 1 << 10, F_MTIME = 1 << 11,
	F_ATIME = 1 << 12,
};

struct ev {
	enum kind kind;
	unsigned has;                   /* F_* present */
	char path[256];                 /* "w1/d/1.0.7" or "w1/d/1.0.7/f3" */
	char name[256];                 /* XATTR name */
	char value[1024];               /* XATTR value */
	char to[256];                   /* FILE_RENAMED: the new name */
	long long ino, size, off, len, t0, t1, mtime, atime, uid, gid;
	uint64_t seed;
	unsigned mode;
};

int parse_event(char **tok, int ntok, struct ev *e);
void format_event(const struct ev *e, char *out, size_t len);
bool is_file_path(const char *path);

/* ------------------------------------------------------------------ */
/* the model: what the journals say (model.c)                         */

struct extent {
	long long start, end;           /* [start, end) */
	uint64_t seed;                  /* bytes: fill(seed, absolute offset) */
};

struct content {                        /* gaps read as zeros */
	long long size;
	struct extent *v;
	size_t n, cap;
};

void content_write(struct content *c, long long off, long long len, uint64_t seed);
void content_truncate(struct content *c, long long size);
void content_bytes(const struct content *c, long long off, unsigned char *buf,
		   size_t len);
void content_copy(struct content *dst, const struct content *src);
void content_free(struct content *c);

struct attr {
	char *name;
	char *value;            /* NULL: absent */
	char *last;             /* the last journal line about it */
};

struct item {                   /* what versions and files share */
	enum st state;
	long long ino;          /* 0: not known */
	unsigned mode;          /* permission bits */
	long long uid, gid;
	bool mtime_known;       /* the last change of mtime was an explicit one */
	long long mtime;        /* ns */
	long long del_lo, del_hi; /* bounds (ns) of the soft delete */
	struct attr *attrs;
	size_t nattrs;
	char *last;             /* the last journal line about it */
	char *mode_by, *owner_by, *mtime_by; /* the lines that set them */
	long long obs_ino, obs_size; /* what a verification saw */
};

struct file {
	struct item it;
	char *id;               /* the path it was created at: names it in reports */
	char *name;             /* its name now */
	struct content data;
	/* a write in doubt (hypothesis "done"): any prefix of it may be there */
	bool flex;
	long long flex_off, flex_len, flex_k;
	uint64_t flex_seed;
	struct content flex_old;
};

struct pending {                /* the operation whose INTENT has no outcome */
	struct ev ev;
	char *line;
};

struct version {
	struct item it;
	char *path;
	long rank;
	struct file **files;    /* every file ever created in it */
	size_t nfiles, capfiles;
	long max_file;          /* highest file number any name used */
	struct pending *pend;
	/* the state the checker found it in (the hypothesis that matched) */
	enum st eff;
	bool eff_holds_sd;
};

struct map {
	struct version **slots;
	size_t cap, n;
};

struct model {
	struct map map;
	struct version **vers;
	size_t nvers, capvers;
	long max_rank;
	long long acked, intents, settled, undone, anomalies;
	const char *src;
	long lineno;
	const char *line;
	bool quiet;             /* anomalies only counted (hypotheses) */
};

struct version *map_get(struct map *m, const char *key);
void model_apply(struct model *m, const char *text);
void model_load(struct model *m, const char *journal, bool fix_tail);
void model_free(struct model *m);
struct file *live_named(struct version *v, const char *name);
struct file *soft_named(struct version *v, const char *name);
const char *base_name(const char *path);
struct version *version_clone(const struct version *v);
void version_free(struct version *v);
/* The version as it is when its operation in doubt took effect, with the
 * write of a content operation cut anywhere (NULL when it cannot apply). */
struct version *version_after_pending(const struct version *v, long long t1);
struct attr *attr_get(struct item *it, const char *name, bool create);

/* ------------------------------------------------------------------ */
/* the checker (checker.c)                                            */

struct counts {
	long long versions, files, inodes, modes, owners, mtimes, deleted_at,
		  bytes, attributes;
};

struct verdict {
	long long mismatches;
	bool trouble;           /* a call failed with an errno other than ENOENT */
	struct counts n;
	char *text;             /* the mismatch lines, '\n'-separated */
	size_t len, cap;
};

/* Verify version v (one hypothesis about it) and its files on the mount. */
void verify_version(const char *mount, struct version *v, struct verdict *out);
void verdict_free(struct verdict *d);
/* H0 (v as the journal says), else H1 (its operation in doubt done):
 * which one the mount shows, 0 or 1, or -1 for neither. *best gets the
 * verdict of the one chosen (of H0 when neither), *h1 the H1 version
 * (NULL if none; the caller frees it). */
int verify_hypotheses(const char *mount, struct version *v, struct verdict *best,
		      struct version **h1);
int cmd_check(const char *mount, int nj, char **journals);

/* ------------------------------------------------------------------ */
/* the workers (workers.c)                                            */

int cmd_run(const char *mount, int id, const char *jpath, uint64_t seed,
	    long long maxops);

#endif
