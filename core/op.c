/*
 * op.c — one filesystem operation = one transaction, plus the work that
 * must wait for its commit: removing object files of rows deleted for good
 * (a crash before that leaves orphan objects, never missing ones) and
 * telling the kernel about changes it did not make itself.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

int op_begin(struct op *op, struct gfs_core *c, bool write, struct gfs_err *err)
{
	memset(op, 0, sizeof(*op));
	op->c = c;
	op->err = err;
	gfs_err_clear(err);
	int r = gfs_txn_begin(c->cat, write, &op->t, err);
	if (r < 0)
		return r;
	op->now_ns = gfs_now_ns();
	op->now_s = op->now_ns / GFS_NS_PER_SEC;
	return 0;
}

static void op_free(struct op *op)
{
	free(op->dead_objects);
	free(op->invals);
	op->dead_objects = NULL;
	op->invals = NULL;
}

int op_commit(struct op *op, bool durable)
{
	int r = gfs_txn_commit(op->t, durable, op->err);
	op->t = NULL;
	if (r == 0) {
		char info[256 + sizeof(GFS_TRASH_INFO_SUFFIX)];
		struct gfs_pending p;
		if (op->trash_entered.set) {
			snprintf(info, sizeof(info), "%s" GFS_TRASH_INFO_SUFFIX,
				 op->trash_entered.name);
			gfs_pending_drop_name(&op->c->pending, op->trash_entered.uid, info);
		}
		if (op->trash_left.set) {
			snprintf(info, sizeof(info), "%s" GFS_TRASH_INFO_SUFFIX,
				 op->trash_left.name);
			gfs_pending_drop_name(&op->c->pending, op->trash_left.uid, info);
			gfs_pending_add(&op->c->pending, op->trash_left.uid,
					GFS_PENDING_LEFT, info, 0600, op->trash_left.uid,
					gfs_primary_gid(op->trash_left.uid), op->now_ns, &p);
		}
		for (size_t i = 0; i < op->ndead; i++)
			gfs_store_remove(&op->c->store, op->dead_objects[i]);
		if (op->c->inval)
			for (size_t i = 0; i < op->ninval; i++)
				op->c->inval(op->c->inval_arg, op->invals[i].parent,
					     op->invals[i].name[0] ? op->invals[i].name : NULL,
					     op->invals[i].ino);
	}
	op_free(op);
	return r;
}

void op_abort(struct op *op)
{
	if (op->t)
		gfs_txn_rollback(op->t);
	op->t = NULL;
	op_free(op);
}

int op_fail(struct op *op, int r, const char *what)
{
	if (op->err->errnum == 0)
		gfs_err_set(op->err, -r, "%s: catalog error", what);
	op_abort(op);
	return r;
}

void op_dead_object(struct op *op, int64_t id)
{
	if (op->ndead == op->capdead) {
		size_t cap = op->capdead ? op->capdead * 2 : 16;
		int64_t *p = realloc(op->dead_objects, cap * sizeof(*p));
		if (!p)
			return;     /* the start-up check removes it later */
		op->dead_objects = p;
		op->capdead = cap;
	}
	op->dead_objects[op->ndead++] = id;
}

void op_inval(struct op *op, uint64_t parent, const char *name, uint64_t ino)
{
	if (op->ninval == op->capinval) {
		size_t cap = op->capinval ? op->capinval * 2 : 8;
		struct inval *p = realloc(op->invals, cap * sizeof(*p));
		if (!p)
			return;     /* zero timeouts under .softdeleted still hold */
		op->invals = p;
		op->capinval = cap;
	}
	struct inval *iv = &op->invals[op->ninval++];
	iv->parent = parent;
	iv->ino = ino;
	iv->name[0] = '\0';
	if (name) {
		strncpy(iv->name, name, sizeof(iv->name) - 1);
		iv->name[sizeof(iv->name) - 1] = '\0';
	}
}

int touch_dir(struct op *op, int64_t id)
{
	struct gfs_node d;
	int r = cat_node_get(op->t, id, &d);
	if (r < 0)
		return r;
	d.mtime = d.ctime = op->now_ns;
	return cat_node_update_attrs(op->t, &d);
}

/* One mirror, once per operation: the last few touched are remembered
 * (a purge pass moves many items of the same gallery and definition). */
static int mirror_touch(struct op *op, int64_t id)
{
	const size_t slots = sizeof(op->mirrors) / sizeof(op->mirrors[0]);
	for (size_t i = 0; i < op->nmirrors && i < slots; i++)
		if (op->mirrors[i] == id)
			return 0;
	int r = cat_mirror_touch(op->t, id, op->now_ns);
	if (r == 0)
		op->mirrors[op->nmirrors++ % slots] = id;
	return r;
}

int mirrors_touch(struct op *op, const struct gfs_node *n)
{
	int r = mirror_touch(op, n->gallery);
	if (r == 0)
		r = mirror_touch(op, n->definition);
	if (r == 0)
		r = mirror_touch(op, n->type == GFS_FILE ? n->parent : n->id);
	return r;
}

void op_trash_note(struct trash_note *note, uint32_t uid, const char *name)
{
	note->set = true;
	note->uid = uid;
	snprintf(note->name, sizeof(note->name), "%s", name);
}

int policy_ask(struct op *op, struct gfs_request *r)
{
	return gfs_policy_check(r, op->err);
}
