/*
 * reply.c — the one place that turns core answers into kernel replies:
 * errors (and the log line of each refusal), attributes, entries with
 * their cache timeouts (zero under .softdeleted, design §9), and the caller.
 */
#include "daemon.h"

#include <errno.h>
#include <string.h>

#include "log.h"

void reply_error(fuse_req_t req, int r, const struct gfs_err *err)
{
	int e = r < 0 ? -r : r;
	/* refusals, and failures the user must hear of, leave one line */
	if (err && (err->rule || e == EIO || e == ENOSPC || e == ENOMEM)) {
		char line[2 * (GFS_PATH_MAX + GFS_REASON_MAX) + 16];
		gfs_err_format(err, line, sizeof(line));
		gfs_log(err->rule ? GFS_LOG_INFO : GFS_LOG_ERROR, "%s", line);
	}
	fuse_reply_err(req, e);
}

void fill_stat(const struct gfs_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_size = a->size;
	st->st_blocks = a->blocks;
	st->st_blksize = 4096;
	st->st_atim = a->atime;
	st->st_mtim = a->mtime;
	st->st_ctim = a->ctime;
}

void fill_entry(const struct gfs_daemon *d, const struct gfs_attr *a,
		struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = a->nodeid;
	e->generation = a->gen;
	fill_stat(a, &e->attr);
	e->attr_timeout = a->volatile_ ? 0.0 : d->timeout;
	e->entry_timeout = a->volatile_ && !a->stable_entry ? 0.0 : d->timeout;
}

void reply_entry(fuse_req_t req, const struct gfs_attr *a)
{
	struct fuse_entry_param e;
	struct gfs_daemon *d = daemon_of(req);       /* req is gone after the reply */
	fill_entry(d, a, &e);
	/* counted before the reply, so that a forget that follows it at
	 * once finds the count; taken back when the kernel did not get it */
	held_add(&d->notifier, e.ino);
	if (fuse_reply_entry(req, &e) != 0)
		held_forget(&d->notifier, e.ino, 1);
}

void caller_of(fuse_req_t req, bool with_groups, struct gfs_caller *c)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	c->uid = ctx->uid;
	c->gid = ctx->gid;
	c->ngroups = 0;
	if (with_groups) {
		int n = fuse_req_getgroups(req, GFS_GROUPS_MAX, c->groups);
		/* unreadable groups count as none (design §5) */
		c->ngroups = n > 0 && n <= GFS_GROUPS_MAX ? n : 0;
	}
}
