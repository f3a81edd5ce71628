/*
 * rename.c — mv: within a version, into .softdeleted (soft delete), out of
 * it (restore). The policy decides which of these a rename is (R13, R14,
 * R15) and refuses the rest; this file carries out the decision.
 */
#include "core.h"

#include <errno.h>
#include <string.h>

/* The node a rename replaces, removed under the rules of design §3. */
static int replace_target(struct op *op, struct view *t, const struct gfs_where *tw)
{
	if (t->place == GFS_AT_FILE && gfs_policy_removal_is_soft(tw))
		return file_soft_delete(op, &t->n, tw);
	return file_delete_for_good(op, &t->n);
}

int gfs_rename(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, uint64_t newparent, const char *newname,
	       unsigned flags, struct gfs_err *err)
{
	struct op op;
	struct view p, s, np, t;
	struct gfs_request req;
	(void)who;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;

	memset(&req, 0, sizeof(req));
	req.action = GFS_ACT_RENAME;
	req.cfg = c->cfg;
	req.name = newname;
	req.name_len = strlen(newname);
	req.rename_flags = flags;
	if ((r = view_of_ino(&op, parent, &p)) < 0 ||
	    (r = view_child(&op, &p, name, &s)) < 0 ||
	    (r = view_of_ino(&op, newparent, &np)) < 0 ||
	    (r = view_where(&op, &s, &req.at)) < 0 ||
	    (r = view_where(&op, &np, &req.to)) < 0)
		goto refused;
	r = view_child(&op, &np, newname, &t);
	if (r == 0) {
		req.to_exists = true;
		if ((r = view_where(&op, &t, &req.to_node)) < 0)
			goto refused;
	} else if (r != -ENOENT && r != -ENAMETOOLONG) {
		goto refused;
	}
	if ((r = policy_ask(&op, &req)) < 0)
		goto refused;

	switch (req.rename) {
	case GFS_RENAME_FILE:
		if (req.to_exists && (r = replace_target(&op, &t, &req.to_node)) < 0)
			break;
		s.n.name_len = strlen(newname);
		memcpy(s.n.name, newname, s.n.name_len + 1);
		s.n.ctime = op.now_ns;
		if ((r = cat_node_update(op.t, &s.n)) == 0)
			r = touch_dir(&op, p.n.id);
		break;
	case GFS_RENAME_SOFTDELETE_FILE:
		/* an older copy at the target is replaced by file_soft_delete */
		if ((r = file_soft_delete(&op, &s.n, &req.at)) == 0)
			r = touch_dir(&op, p.n.id);
		break;
	case GFS_RENAME_SOFTDELETE_VERSION:
		if ((r = version_soft_delete(&op, &s.n)) == 0)
			r = touch_dir(&op, p.n.id);
		break;
	case GFS_RENAME_RESTORE_VERSION:
		if ((r = version_restore(&op, &s.n)) == 0)
			r = touch_dir(&op, np.n.id);
		break;
	case GFS_RENAME_RESTORE_FILE:
		if ((r = file_restore(&op, &s.n)) == 0)
			r = touch_dir(&op, np.n.id);
		break;
	default:
		r = gfs_err_rule(err, "R13", EPERM, "this cannot be renamed");
		goto refused;
	}
	if (r < 0)
		return op_fail(&op, r, "rename");
	return op_commit(&op, false);

refused:
	op_abort(&op);
	return r;
}
