/*
 * startup.c — opening and closing the core: the data-directory lock (one
 * daemon per data directory, design §7; with PostgreSQL a registration in
 * the catalog instead, hosts.c), the catalog and object store, and
 * the check after an unclean end (or on request): orphan rows and objects
 * removed, missing objects recreated empty and reported, sizes reconciled
 * with the objects, which are the truth for bytes. A clean start stays
 * cheap: it only removes orphan rows, found through an index.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"

/* This host's name, for the lock file and the messages that quote it: the
 * data directory may be shared by hosts (PostgreSQL, design §7). */
static void host_name(char *out, size_t len)
{
	if (gethostname(out, len) < 0 || !out[0])
		snprintf(out, len, "?");
	out[len - 1] = '\0';
}

/*
 * One daemon per data directory (design §7): an exclusive flock on
 * DATA_DIR/lock, which holds the pid and host of the daemon. With
 * PostgreSQL the data directory is the contents every host mounts, so the
 * daemons register in the catalog instead (hosts.c) and take no lock.
 */
static int make_data_dir(struct gfs_core *c, struct gfs_err *err)
{
	if (mkdir(c->data_dir, 0700) < 0 && errno != EEXIST)
		return gfs_err_set(err, errno, "data directory %s cannot be created: %s",
				   c->data_dir, strerror(errno));
	return 0;
}

static int lock_data_dir(struct gfs_core *c, struct gfs_err *err)
{
	char path[PATH_MAX + 16], held[320] = "";

	if (make_data_dir(c, err) < 0)
		return -err->errnum;
	snprintf(path, sizeof(path), "%s/lock", c->data_dir);
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0)
		return gfs_err_set(err, errno, "data directory %s: %s: %s",
				   c->data_dir, path, strerror(errno));
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		ssize_t n = pread(c->lock_fd, held, sizeof(held) - 1, 0);
		held[n > 0 ? n : 0] = '\0';
		close(c->lock_fd);
		c->lock_fd = -1;
		/* "PID\nHOST\n", or only the pid as older daemons wrote it */
		char *host = held + strcspn(held, "\n");
		if (*host)
			*host++ = '\0';
		host[strcspn(host, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			return gfs_err_set(err, EBUSY, "data directory %s is in use by "
					   "another galleryfs (pid %s%s%s); unmount it first",
					   c->data_dir, held[0] ? held : "?",
					   host[0] ? " on " : "", host);
		return gfs_err_set(err, e, "data directory %s cannot be locked: %s",
				   c->data_dir, strerror(e));
	}
	return 0;
}

/* Record the pid and host of the daemon holding the lock (after any fork). */
static void lock_note_pid(struct gfs_core *c)
{
	char text[320], host[256];
	host_name(host, sizeof(host));
	int n = snprintf(text, sizeof(text), "%ld\n%s\n", (long)getpid(), host);
	if (ftruncate(c->lock_fd, 0) == 0 && pwrite(c->lock_fd, text, (size_t)n, 0) < 0)
		gfs_log(GFS_LOG_DEBUG, "cannot write pid to lock file");
}

/* The catalog the configuration names: the embedded one in the data
 * directory, or the PostgreSQL database of cfg->conninfo. */
static int open_catalog(struct gfs_core *c, bool *clean, struct gfs_err *err)
{
	struct cat_open_options co = {
		.backend = gfs_backend_name(c->cfg->backend),
		.data_dir = c->data_dir,
		.conninfo = c->cfg->conninfo,
	};
	return gfs_catalog_open_with(&co, &c->cat, clean, err);
}

/* ---- the check ---- */

struct check {
	struct gfs_core *c;
	struct op *op;
	int64_t orphans, stray_objects, missing_objects, resized;
	int r;
};

static int drop_orphan(void *arg, int64_t id, int64_t size)
{
	struct check *k = arg;
	(void)size;
	k->r = cat_node_delete(k->op->t, id);
	if (k->r == 0) {
		op_dead_object(k->op, id);
		k->orphans++;
	}
	return k->r != 0;
}

static int check_object(void *arg, int64_t id, int64_t size)
{
	struct check *k = arg;
	struct stat st;
	struct gfs_node n;

	if (gfs_store_stat(&k->c->store, id, &st) < 0) {
		int fd = gfs_store_create(&k->c->store, id);
		if (fd >= 0)
			close(fd);
		if ((k->r = cat_node_get(k->op->t, id, &n)) == 0) {
			n.size = n.blocks = 0;
			k->r = cat_node_update_attrs(k->op->t, &n);
		}
		gfs_log(GFS_LOG_ERROR, "check: the content of file %lld (%s, %lld "
			"bytes) is missing from the object store; it now reads as "
			"empty: restore it from a backup", (long long)id, n.name,
			(long long)size);
		k->missing_objects++;
		return k->r != 0;
	}
	if (st.st_size != size) {
		if ((k->r = cat_node_get(k->op->t, id, &n)) == 0) {
			n.size = st.st_size;
			n.blocks = st.st_blocks;
			int64_t omtime = (int64_t)st.st_mtim.tv_sec * 1000000000LL +
					 st.st_mtim.tv_nsec;
			if (omtime > n.mtime)
				n.mtime = n.ctime = omtime;
			k->r = cat_node_update_attrs(k->op->t, &n);
		}
		k->resized++;
		return k->r != 0;
	}
	return 0;
}

static int check_stray(void *arg, int64_t id)
{
	struct check *k = arg;
	if (!cat_file_exists(k->op->t, id)) {
		gfs_store_remove(&k->c->store, id);
		k->stray_objects++;
	}
	return 0;
}

static int check_catalog(struct gfs_core *c, bool full, int others,
			 struct gfs_err *err)
{
	struct op op;
	struct check k = { .c = c, .op = &op };
	char msg[512];
	/* Orphan rows may be open on another host, and objects without a row
	 * being made there: with other daemons live nothing of either is
	 * ours to remove (their last holder removes orphans, holders.c). */
	if (others > 0) {
		gfs_log(full ? GFS_LOG_WARNING : GFS_LOG_DEBUG, "check: %d other %s live on this catalog: orphan "
			"rows and objects are left alone (they may be open or being "
			"made there); the next start with none checks them", others,
			others == 1 ? "daemon is" : "daemons are");
		return 0;
	}
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	if (full && cat_integrity_check(op.t, false, msg, sizeof(msg)) < 0) {
		op_abort(&op);
		return gfs_err_set(err, EIO, "catalog %s/catalog.db is damaged (%s); "
				   "restore it from a backup", c->data_dir, msg);
	}
	r = cat_orphans(op.t, drop_orphan, &k);
	if (r == 0 && k.r == 0 && full)
		r = cat_files(op.t, check_object, &k);
	if (r == 0)
		r = k.r;
	if (r < 0)
		return op_fail(&op, r, "start-up check");
	if ((r = op_commit(&op, true)) < 0)
		return r;
	if (full) {
		if ((r = gfs_txn_begin(c->cat, false, &op.t, err)) < 0)
			return r;
		k.stray_objects += gfs_store_scan(&c->store, check_stray, &k);
		gfs_txn_rollback(op.t);
		gfs_log(GFS_LOG_INFO, "check: %lld orphan rows removed, %lld stray "
			"objects removed, %lld missing objects, %lld sizes reconciled",
			(long long)k.orphans, (long long)k.stray_objects,
			(long long)k.missing_objects, (long long)k.resized);
	}
	return 0;
}

static int warn_lost_prerequisite(void *arg, const struct gfs_node *g, int64_t hint)
{
	const struct gfs_config *cfg = arg;
	(void)hint;
	const char *why = NULL;
	if (cfg->cloud != GFS_CLOUD_AZURE)
		why = "the configured cloud is a national cloud (R5)";
	else if (!gfs_config_list_has(cfg->features, "SIGSoftDelete"))
		why = "the SIGSoftDelete feature is not registered (R9)";
	else if (strncmp(cfg->api_version, "2024-03-03", 10) < 0)
		why = "the API version is older than 2024-03-03 (R10)";
	if (why)
		gfs_log(GFS_LOG_WARNING, "gallery %s has soft delete on although %s; "
			"removals stay soft, but it could not be switched on again",
			g->name, why);
	return 0;
}

int gfs_core_open(const struct gfs_core_options *o, struct gfs_core **out,
		  struct gfs_err *err)
{
	struct gfs_core *c = calloc(1, sizeof(*c));
	bool clean = false, refused = false;
	int r;

	gfs_err_clear(err);
	if (!c)
		return gfs_err_set(err, ENOMEM, "out of memory");
	c->cfg = o->cfg;
	c->inval = o->inval;
	c->inval_arg = o->inval_arg;
	c->lock_fd = -1;
	c->reserve_fd = -1;
	c->hosts.fd = -1;
	c->store.dirfd = -1;
	gfs_pending_init(&c->pending);
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", o->data_dir);

	/* A catalog of its own lives in the data directory, so that must be
	 * ours first; a shared one (PostgreSQL) is opened first, so that a
	 * server that cannot be reached or refuses the login, a connection
	 * string libpq cannot parse or a newer schema leaves nothing created. */
	bool shared = c->cfg->backend != GFS_BACKEND_SQLITE;
	if (shared && (r = open_catalog(c, &clean, err)) < 0) {
		refused = true;
		goto fail;
	}
	/* With PostgreSQL every daemon registers in the catalog instead of
	 * locking the contents directory, which every host shares: an unclean
	 * end is then a registration left behind (the clean marker is one for
	 * all daemons; while others run it says nothing of the last end). */
	int others = 0, gone = 0;
	if (shared) {
		if ((r = make_data_dir(c, err)) < 0 ||
		    (r = hosts_register(c, o->mountpoint, &others, &gone, err)) < 0)
			goto fail;
		if (others > 0)
			clean = true;
		if (gone > 0)
			clean = false;
	} else {
		if ((r = lock_data_dir(c, err)) < 0)
			goto fail;
		lock_note_pid(c);
	}
	if (!shared && (r = open_catalog(c, &clean, err)) < 0)
		goto fail;
	if ((r = gfs_store_open(c->data_dir, &c->store, err)) < 0)
		goto fail;
	reserve_take(c);
	if ((r = open_table_init(&c->open)) < 0) {
		gfs_err_set(err, -r, "out of memory");
		goto fail;
	}
	if (!clean)
		gfs_log(GFS_LOG_WARNING, "the last run did not end cleanly; "
			"checking catalog and object store");
	if ((r = check_catalog(c, !clean || o->fsck, others, err)) < 0)
		goto fail;
	if ((r = gfs_catalog_mark_running(c->cat, err)) < 0)
		goto fail;

	struct gfs_txn *t;
	if (gfs_txn_begin(c->cat, false, &t, err) == 0) {
		cat_galleries_on(t, warn_lost_prerequisite, (void *)c->cfg);
		gfs_txn_rollback(t);
	}
	*out = c;
	return 0;

fail:
	if (o->refused)
		*o->refused = refused || err->errnum == EPROTO || err->errnum == EBUSY;
	gfs_core_close_partial(c);
	return r;
}

void gfs_core_close_partial(struct gfs_core *c)
{
	if (c->open.buckets && c->cat)
		gfs_release_all(c);
	if (c->open.buckets && c->cat && gfs_retry_records(c) > 0) {
		gfs_log(GFS_LOG_WARNING, "the size of some files could not be "
			"recorded (disk full); the next start checks the catalog");
		gfs_catalog_keep_unclean(c->cat);
	}
	if (c->open.buckets)
		open_table_destroy(&c->open);
	if (c->cat)
		hosts_unregister(c);
	if (c->cat)
		gfs_catalog_close(c->cat);
	gfs_store_close(&c->store);
	if (c->reserve_fd >= 0)
		close(c->reserve_fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	gfs_pending_destroy(&c->pending);
	free(c);
}

void gfs_core_close(struct gfs_core *c)
{
	gfs_core_close_partial(c);
}

int gfs_statfs(struct gfs_core *c, struct statvfs *out, struct gfs_err *err)
{
	gfs_err_clear(err);
	if (fstatvfs(c->store.dirfd, out) < 0)
		return gfs_err_set(err, errno, "statfs: %s", strerror(errno));
	out->f_namemax = 255;
	return 0;
}

int gfs_fsyncdir(struct gfs_core *c, struct gfs_err *err)
{
	struct op op;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;
	return op_commit(&op, true);
}
