/*
 * holders.c — deferred removal of objects across hosts (issue #15, design
 * §7). Content removed by a hard delete or purge on one host while another
 * host holds the file open stays readable there until it is closed: with a
 * shared catalog each daemon records in it the files it holds open (a
 * holder row from its first open of a file to its last close), a delete
 * for good keeps the row as an orphan and the object while any holder is
 * left, the last holder's close removes both, and the holder rows of a
 * daemon found gone go with its registration, after which whoever noticed
 * (the lease renewal's census, hosts.c) frees what nobody holds any more.
 * Every step is one write transaction, ordered with the deletes by the
 * writers' lock, and objects go after its commit (op.c). On SQLite (one
 * daemon) none of this runs: the open table knows.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int holder_opened(struct gfs_core *c, struct open_file *f, struct gfs_err *err)
{
	struct op op;
	if (!c->hosts.shared)
		return 0;
	pthread_mutex_lock(&c->open.lock);
	bool need = !f->held;
	f->held = true;
	pthread_mutex_unlock(&c->open.lock);
	if (!need)
		return 0;
	int r = op_begin(&op, c, true, err);
	if (r == 0 && (r = cat_holder_add(op.t, f->id)) < 0)
		op_fail(&op, r, "open");
	else if (r == 0)
		r = op_commit(&op, false);
	if (r < 0) {
		pthread_mutex_lock(&c->open.lock);
		f->held = false;
		pthread_mutex_unlock(&c->open.lock);
		if (r == -ENOENT)
			return gfs_err_set(err, ENOENT, "file %lld was deleted for good "
					   "meanwhile (by another host)", (long long)f->id);
		gfs_log(GFS_LOG_WARNING, "file %lld cannot be recorded as open here "
			"in the catalog (%s); the open fails, try again once the "
			"catalog answers", (long long)f->id, err->reason);
	}
	return r;
}

/* The row's orphan and no one holds it any more: it goes, and its object
 * after the commit. */
static int drop_unheld(struct op *op, int64_t id)
{
	struct gfs_node n;
	int r = cat_node_get(op->t, id, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || n.state != GFS_ORPHAN)
		return r;
	int64_t held = cat_holders(op->t, id);
	if (held != 0)
		return held < 0 ? (int)held : 0;
	if ((r = cat_node_delete(op->t, id)) == 0)
		op_dead_object(op, id);
	return r;
}

void holder_closed(struct gfs_core *c, int64_t id)
{
	struct op op;
	struct gfs_err err;
	int r = op_begin(&op, c, true, &err);
	if (r == 0 && ((r = cat_holder_remove(op.t, id)) < 0 ||
		       (r = drop_unheld(&op, id)) < 0))
		op_fail(&op, r, "close");
	else if (r == 0)
		r = op_commit(&op, false);
	if (r < 0)
		gfs_log(GFS_LOG_WARNING, "the last close of file %lld here cannot be "
			"recorded in the catalog (%s): if it was deleted for good, "
			"its content stays until this daemon's registration ends",
			(long long)id, err.reason);
}

struct unheld {
	int64_t *ids;
	size_t n, cap;
};

static int take_id(void *arg, int64_t id, int64_t size)
{
	struct unheld *u = arg;
	(void)size;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		int64_t *p = realloc(u->ids, cap * sizeof(*p));
		if (!p)
			return 1;       /* the rest at the next sweep */
		u->ids = p;
		u->cap = cap;
	}
	u->ids[u->n++] = id;
	return 0;
}

void holders_sweep(struct gfs_core *c)
{
	struct op op;
	struct gfs_err err;
	struct unheld u = { 0 };
	if (!c->hosts.shared || op_begin(&op, c, true, &err) < 0)
		return;
	int r = cat_orphans_unheld(op.t, take_id, &u);
	for (size_t i = 0; r == 0 && i < u.n; i++)
		r = drop_unheld(&op, u.ids[i]);
	if (r < 0)
		op_fail(&op, r, "sweep");
	else
		r = op_commit(&op, false);
	if (r < 0)
		gfs_log(GFS_LOG_WARNING, "the files deleted for good that a gone "
			"daemon held open cannot be removed now (%s); the next "
			"renewal tries again", err.reason);
	else if (u.n)
		gfs_log(GFS_LOG_INFO, "%zu %s deleted for good that only a gone daemon "
			"held open removed, with %s content", u.n,
			u.n == 1 ? "file" : "files", u.n == 1 ? "its" : "their");
	free(u.ids);
}

void holders_record_again(struct gfs_core *c)
{
	struct open_table *t = &c->open;
	struct unheld u = { 0 };
	struct op op;
	struct gfs_err err;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct open_file *f = t->buckets[i]; f; f = f->next)
			if (f->held && take_id(&u, f->id, 0))
				break;
	pthread_mutex_unlock(&t->lock);
	if (!u.n || (r = op_begin(&op, c, true, &err)) < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < u.n; i++)
		if ((r = cat_holder_add(op.t, u.ids[i])) == -ENOENT)
			r = 0;  /* deleted for good meanwhile: nothing to hold */
	if (r < 0)
		op_fail(&op, r, "register");
	else
		r = op_commit(&op, false);
out:
	if (r < 0)
		gfs_log(GFS_LOG_WARNING, "the %zu files open here cannot be recorded "
			"again under the new registration (%s): a hard delete on "
			"another host may free their content while they are open here",
			u.n, err.reason);
	free(u.ids);
}
