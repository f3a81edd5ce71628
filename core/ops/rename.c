/*
 * rename.c — mv: within a version, into .softdeleted or a trash's files/
 * (soft delete), out of either (restore), from files/ into expunged/
 * (delete for good), and a tool's temporary info file over the info it
 * stands for. The policy decides which of these a rename is (R13, R14,
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

/* s, an item of a trash, leaves it through files/ (a restore or a delete
 * for good there): its info must stay removable for the tool. */
static void leaves_trash(struct op *op, const struct view *p, const struct view *s)
{
	if (p->place == GFS_AT_TRASH_FILES && s->in_trash)
		op_trash_note(&op->trash_left, s->e.uid, s->e.name);
}

int gfs_rename(struct gfs_core *c, const struct gfs_caller *who, uint64_t parent,
	       const char *name, uint64_t newparent, const char *newname,
	       unsigned flags, struct gfs_err *err)
{
	struct op op;
	struct view p, s, np, t;
	struct gfs_request req;
	int r = op_begin(&op, c, true, err);
	if (r < 0)
		return r;

	op.actor = (uint32_t)who->uid;
	if ((r = gfs_facts_rename(&op, parent, name, newparent, newname, flags,
				    &p, &s, &np, &t, &req)) < 0)
		goto refused;
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
		if ((r = version_soft_delete(&op, &s.n, SOFT_DELETE_ONTO_SHADOW)) == 0)
			r = touch_dir(&op, p.n.id);
		break;
	case GFS_RENAME_TRASH_FILE:
	case GFS_RENAME_TRASH_VERSION:
		/* into the trash it was moved to, under the name the tool chose */
		op.actor = np.uid;
		op.trash_name = newname;
		r = req.rename == GFS_RENAME_TRASH_FILE ?
			file_soft_delete(&op, &s.n, &req.at) :
			version_soft_delete(&op, &s.n, SOFT_DELETE_INTO_TRASH);
		if (r == 0)
			r = touch_dir(&op, p.n.id);
		op_trash_note(&op.trash_entered, np.uid, newname);
		break;
	case GFS_RENAME_RESTORE_VERSION:
		if ((r = version_restore(&op, &s.n, view_gen(&s))) == 0)
			r = touch_dir(&op, np.n.id);
		leaves_trash(&op, &p, &s);
		break;
	case GFS_RENAME_RESTORE_FILE:
		if ((r = file_restore(&op, &s.n)) == 0)
			r = touch_dir(&op, np.n.id);
		leaves_trash(&op, &p, &s);
		break;
	case GFS_RENAME_EXPUNGE:
		r = s.place == GFS_AT_TRASH_VERSION ? version_delete_for_good(&op, &s.n) :
			file_delete_for_good(&op, &s.n);
		leaves_trash(&op, &p, &s);
		break;
	case GFS_RENAME_INFO_WRITE:
		/* the info reads as the item's row says: nothing to keep */
		op_abort(&op);
		gfs_pending_drop(&c->pending, s.pending.id);
		return 0;
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
