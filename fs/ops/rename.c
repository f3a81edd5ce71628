/*
 * rename.c — mv within a version, into .softdeleted and back out of it.
 *
 * coreutils' mv asks for RENAME_NOREPLACE first, and gnulib takes an
 * EINVAL answer for "flag not supported" and asks again with a plain
 * rename, which the same rule refuses the same way. The user caused one
 * refusal, so the repeat is answered without a second log line: the memo
 * holds the last refused RENAME_NOREPLACE rename, and a plain rename of
 * the same names by the same process, refused with the same errno, is
 * that repeat.
 */
#include "ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static bool same_rename(const struct rename_memo *m, pid_t pid, fuse_ino_t parent,
			const char *name, fuse_ino_t newparent, const char *newname,
			int errnum)
{
	return m->set && m->pid == pid && m->parent == parent &&
	       m->newparent == newparent && m->errnum == errnum &&
	       strcmp(m->name, name) == 0 && strcmp(m->newname, newname) == 0;
}

/* Whether this refusal repeats the one just logged (see above). */
static bool repeated_refusal(struct rename_memo *m, pid_t pid, fuse_ino_t parent,
			     const char *name, fuse_ino_t newparent,
			     const char *newname, unsigned flags, int errnum)
{
	bool repeat = false;

	pthread_mutex_lock(&m->lock);
	if (flags == 0) {
		repeat = same_rename(m, pid, parent, name, newparent, newname, errnum);
		m->set = false;
	} else if (flags == RENAME_NOREPLACE && errnum == EINVAL &&
		   strlen(name) < sizeof(m->name) &&
		   strlen(newname) < sizeof(m->newname)) {
		m->set = true;
		m->pid = pid;
		m->parent = parent;
		m->newparent = newparent;
		m->errnum = errnum;
		snprintf(m->name, sizeof(m->name), "%s", name);
		snprintf(m->newname, sizeof(m->newname), "%s", newname);
	}
	pthread_mutex_unlock(&m->lock);
	return repeat;
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct gfs_daemon *d = daemon_of(req);
	struct gfs_caller who;
	struct gfs_err err;
	caller_of(req, false, &who);
	int r = gfs_rename(d->core, &who, parent, name, newparent, newname, flags,
			   &err);
	if (r == 0) {
		fuse_reply_err(req, 0);
		return;
	}
	bool repeat = repeated_refusal(&d->rename_memo, fuse_req_ctx(req)->pid,
				       parent, name, newparent, newname, flags, -r);
	reply_error(req, r, repeat ? NULL : &err);
}
