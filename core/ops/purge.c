/*
 * purge.c — retention: soft-deleted items are deleted for good once their
 * purgeAt has passed (design §3), in short transactions so that the purge of
 * many items never holds the catalog for long. Items past purgeAt are
 * already invisible (every query filters them), so a late purge is never
 * seen. One pass at a time across the daemons sharing a catalog (the
 * catalog's purge claim); a daemon that does not get it skips its pass, and
 * the pass that runs purges everything expired, theirs included. Each batch
 * is one transaction, and the objects of its rows go after its commit
 * (op_commit): a daemon that dies mid-pass leaves whole batches done and
 * the rest for the next pass, at worst objects the start-up check removes.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PURGE_BATCH 256

struct batch {
	struct gfs_node rows[PURGE_BATCH];
	int n;
};

static int take(void *arg, const struct gfs_node *n, int64_t hint)
{
	struct batch *b = arg;
	(void)hint;
	b->rows[b->n++] = *n;
	return b->n == PURGE_BATCH;
}

int gfs_purge_expired(struct gfs_core *c, int64_t *purged,
		      gfs_progress_fn progress, void *arg, struct gfs_err *err)
{
	struct batch *b = malloc(sizeof(*b));
	int r = 0;

	*purged = 0;
	if (!b)
		return gfs_err_set(err, ENOMEM, "out of memory");
	gfs_err_clear(err);
	if ((r = gfs_catalog_purge_claim(c->cat, err)) <= 0) {
		if (r == 0)
			gfs_log(GFS_LOG_DEBUG, "purge: another pass holds the catalog "
				"(another daemon's); this one is skipped");
		free(b);
		return r;
	}
	for (;;) {
		struct op op;
		b->n = 0;
		if ((r = op_begin(&op, c, true, err)) < 0)
			break;
		r = cat_expired(op.t, op.now_s, PURGE_BATCH, take, b);
		for (int i = 0; r == 0 && i < b->n; i++) {
			struct gfs_node *n = &b->rows[i], up;
			r = cat_node_get(op.t, n->type == GFS_VERSION ? n->definition :
					 n->parent, &up);
			if (r == 0)
				op_inval(&op, sd_home_nodeid(&up), n->name, 0);
			op_inval(&op, 0, NULL, nodeid_of(n->id, false, n->gen));
			if (r == 0)
				r = n->type == GFS_VERSION ?
					version_delete_for_good(&op, n) :
					file_delete_for_good(&op, n);
		}
		if (r < 0) {
			op_fail(&op, r, "purge");
			break;
		}
		if ((r = op_commit(&op, false)) < 0)
			break;
		*purged += b->n;
		if (b->n < PURGE_BATCH)
			break;
		if (progress)
			progress(arg, *purged);
	}
	gfs_catalog_purge_release(c->cat);
	free(b);
	return r;
}
