/*
 * policy.c — the rule table of design §5, read top to bottom in the order in
 * which rules answer: names (R12), .softdeleted read-only (R15), attribute
 * form (R18, with R1), roles (R4), prerequisites (R5, R9, R10), R7, R6,
 * non-empty directories (R3), R8, restore paths (R14), renames (R13),
 * reserved names (R16). Rules without an errno (R0, R2's removals, R11,
 * R17) are effects, implemented by the functions after the table.
 *
 * Every check is a pure function of the request. A refusal carries the
 * rule id, the path and one line that names the remedy.
 */
#include "policy.h"

#include "names.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

#define MIN_API_VERSION "2024-03-03"
#define FEATURE "SIGSoftDelete"

static bool is_creation(enum gfs_action a)
{
	return a == GFS_ACT_MKDIR || a == GFS_ACT_CREATE || a == GFS_ACT_MKNOD ||
	       a == GFS_ACT_SYMLINK || a == GFS_ACT_LINK;
}

/* Fill err with a refusal; the table puts the row's rule id in it. */
static int refuse(struct gfs_err *err, int errnum, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct gfs_err *err, int errnum, const char *path,
		  const char *fmt, ...)
{
	va_list ap;
	err->errnum = errnum;
	snprintf(err->path, sizeof(err->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return errnum;
}

/* dir/name into buf, cut short when it does not fit (messages only). */
static void join_path(char *buf, size_t len, const char *dir, const char *name,
		      size_t name_len)
{
	int n = snprintf(buf, len, "%s%s%.*s", dir, dir[0] ? "/" : "",
			 (int)name_len, name);
	if (n < 0)
		buf[0] = '\0';
}

/* Path of the new name inside r->at, for messages about what is not yet
 * there. */
static void child_path(const struct gfs_request *r, char *buf, size_t len)
{
	join_path(buf, len, r->at.path, r->name, r->name_len);
}

static bool same_name(const struct gfs_request *r)
{
	return r->name_len == strlen(r->at.name) &&
	       memcmp(r->name, r->at.name, r->name_len) == 0;
}

static bool is_trash_dir(enum gfs_place p)
{
	return p >= GFS_AT_TRASH && p <= GFS_AT_TRASH_EXPUNGED;
}

/* ------------------------------------------------------------------ */
/* what a rename is, decided before any rule runs                      */

/* Whether a rename from r->at into r->to is one of the renames of design §3
 * that enter .softdeleted: a live version onto its own shadow path, a live
 * file onto its own path in the shadow. */
static bool is_mirrored_rename(const struct gfs_request *r)
{
	if (!same_name(r))
		return false;
	if (r->at.place == GFS_AT_VERSION)
		return r->to.place == GFS_AT_SD_DEFINITION &&
		       r->to.definition == r->at.definition;
	if (r->at.place == GFS_AT_FILE)
		return r->to.place == GFS_AT_SHADOW && r->to.version == r->at.version;
	return false;
}

/* The move a rename would be, from the places alone; the rules then say
 * whether it may happen (a restore to a wrong path is classified a restore
 * and refused by R14). NONE: no move of design §3 or §10. */
static enum gfs_rename_kind classify_rename(const struct gfs_request *r)
{
	if (r->action != GFS_ACT_RENAME)
		return GFS_RENAME_NONE;
	bool at_sd = gfs_place_softdeleted(r->at.place);
	bool to_sd = gfs_place_softdeleted(r->to.place);
	bool version = r->at.place == GFS_AT_VERSION;
	bool file = r->at.place == GFS_AT_FILE;

	if (at_sd && to_sd) {
		/* gvfs's Delete permanently and Empty Trash */
		if (r->at.in_trash && r->to.place == GFS_AT_TRASH_EXPUNGED)
			return GFS_RENAME_EXPUNGE;
		/* GLib writes a trash info through a temporary file */
		if (r->at.place == GFS_AT_TRASH_PENDING &&
		    r->to.place == GFS_AT_TRASH_INFO && r->to_exists)
			return GFS_RENAME_INFO_WRITE;
		return GFS_RENAME_NONE;
	}
	if (at_sd)
		return r->at.place == GFS_AT_SD_VERSION ||
		       r->at.place == GFS_AT_TRASH_VERSION ?
		       GFS_RENAME_RESTORE_VERSION : GFS_RENAME_RESTORE_FILE;
	if (r->to.place == GFS_AT_TRASH_FILES)
		return version ? GFS_RENAME_TRASH_VERSION :
		       file ? GFS_RENAME_TRASH_FILE : GFS_RENAME_NONE;
	if (to_sd)
		return !is_mirrored_rename(r) ? GFS_RENAME_NONE :
		       version ? GFS_RENAME_SOFTDELETE_VERSION :
		       GFS_RENAME_SOFTDELETE_FILE;
	if (file && r->to.place == GFS_AT_VERSION && r->to.version == r->at.version)
		return GFS_RENAME_FILE;
	return GFS_RENAME_NONE;
}

static bool is_restore(enum gfs_rename_kind k)
{
	return k == GFS_RENAME_RESTORE_FILE || k == GFS_RENAME_RESTORE_VERSION;
}

/* ------------------------------------------------------------------ */
/* R12: names, and what can be created                                 */

/* The name kind of a child of place p, or -1 when p has no named children. */
static int child_name_kind(enum gfs_place p)
{
	switch (p) {
	case GFS_AT_ROOT:
		return GFS_NAME_GALLERY;
	case GFS_AT_GALLERY:
	case GFS_AT_SD_ROOT:
		return GFS_NAME_DEFINITION;
	case GFS_AT_DEFINITION:
	case GFS_AT_SD_DEFINITION:
		return GFS_NAME_VERSION;
	case GFS_AT_VERSION:
	case GFS_AT_SHADOW:
	case GFS_AT_SD_VERSION:
		return GFS_NAME_FILE;
	default:
		return -1;
	}
}

static int check_r12_names(const struct gfs_request *r, struct gfs_err *err)
{
	const struct gfs_where *parent = r->action == GFS_ACT_RENAME ? &r->to : &r->at;
	if (!is_creation(r->action) && r->action != GFS_ACT_RENAME)
		return 0;
	int kind = child_name_kind(parent->place);
	if (kind < 0)
		return 0;
	int e = -gfs_name_check((enum gfs_name_kind)kind, r->name, r->name_len);
	if (!e)
		return 0;
	char path[GFS_PATH_MAX];
	join_path(path, sizeof(path), parent->path, r->name, r->name_len);
	return refuse(err, e, path, "%s; choose a name that follows it",
		      gfs_name_rule_text((enum gfs_name_kind)kind));
}

static int check_r12_types(const struct gfs_request *r, struct gfs_err *err)
{
	char path[GFS_PATH_MAX];
	const char *what = NULL;

	switch (r->action) {
	case GFS_ACT_SYMLINK:
		what = "symbolic links cannot be created";
		break;
	case GFS_ACT_LINK:
		what = "hard links cannot be created";
		break;
	case GFS_ACT_MKNOD:
		what = "device nodes, FIFOs and sockets cannot be created";
		break;
	case GFS_ACT_MKDIR:
		if (r->at.place == GFS_AT_VERSION)
			what = "a version holds regular files only, no directories";
		else if (r->at.place != GFS_AT_ROOT && r->at.place != GFS_AT_GALLERY &&
			 r->at.place != GFS_AT_DEFINITION)
			what = "directories are galleries, definitions and versions only";
		break;
	case GFS_ACT_CREATE:
		if (r->at.place != GFS_AT_VERSION)
			what = "files can only be created inside a version";
		break;
	default:
		return 0;
	}
	if (!what)
		return 0;
	child_path(r, path, sizeof(path));
	return refuse(err, EPERM, path, "%s; create galleries, definitions "
		      "and versions with mkdir and regular files in versions",
		      what);
}

/* ------------------------------------------------------------------ */
/* R15: .softdeleted and the trash are read-only but for the moves     */

static const char sd_remedy[] = "it only takes rm (delete for good) and mv "
	"back to the original path (restore)";

/* a tool reserving NAME.trashinfo before it moves an item in (design
 * §10): a taken name is EEXIST, and the tool tries the next */
static int check_info_name_taken(const struct gfs_request *r, struct gfs_err *err)
{
	char path[GFS_PATH_MAX];
	if (r->action != GFS_ACT_CREATE || r->at.place != GFS_AT_TRASH_INFO ||
	    r->info_name != GFS_INFO_TAKEN)
		return 0;
	child_path(r, path, sizeof(path));
	return refuse(err, EEXIST, path, "the trash holds an item of that name");
}

static int check_r15_create(const struct gfs_request *r, struct gfs_err *err)
{
	char path[GFS_PATH_MAX];
	if (!is_creation(r->action) || !gfs_place_softdeleted(r->at.place))
		return 0;
	child_path(r, path, sizeof(path));
	if (r->action == GFS_ACT_CREATE && r->at.place == GFS_AT_TRASH_INFO) {
		if (r->info_name == GFS_INFO_FREE || r->info_name == GFS_INFO_TEMP)
			return GFS_RULE_ALLOW;
		return refuse(err, EPERM, path, "only NAME.trashinfo reservations "
			      "can be made in a trash's info directory; move "
			      "items into files/ with rename");
	}
	if (gfs_place_trash(r->at.place))
		return refuse(err, EPERM, path, "nothing can be created in the "
			      "trash; move an item there with rename (a file "
			      "manager's Move to Trash)");
	return refuse(err, EPERM, path, ".softdeleted is read-only and nothing "
		      "can be created in it; %s", sd_remedy);
}

static int check_r15_write(const struct gfs_request *r, struct gfs_err *err)
{
	switch (r->action) {
	case GFS_ACT_SETATTR:
	case GFS_ACT_OPEN_WRITE:
		/* a tool's scratch files in info/; chmod 0700 of a trash's
		 * own directories, as tools make sure of them */
		if (r->at.place == GFS_AT_TRASH_PENDING ||
		    (r->action == GFS_ACT_SETATTR && r->setattr_noop &&
		     is_trash_dir(r->at.place)))
			return GFS_RULE_ALLOW;
		break;
	case GFS_ACT_SETXATTR:
	case GFS_ACT_REMOVEXATTR:
		break;
	default:
		return 0;
	}
	if (!gfs_place_softdeleted(r->at.place))
		return 0;
	return refuse(err, EPERM, r->at.path, ".softdeleted is read-only: no "
		      "writes, owner, mode, times or attributes change there; "
		      "restore it with mv to its original path first");
}

static int check_r15_trash_dirs_stay(const struct gfs_request *r,
				     struct gfs_err *err)
{
	if (r->action != GFS_ACT_RMDIR || !is_trash_dir(r->at.place))
		return 0;
	return refuse(err, EPERM, r->at.path, "a trash's own directories stay; "
		      "remove the items in files/ instead");
}

/* Renames of the synthetic directories, and renames that stay inside
 * .softdeleted or a trash, but for the two moves classified there. */
static int check_r15_rename_inside(const struct gfs_request *r,
				   struct gfs_err *err)
{
	if (r->action != GFS_ACT_RENAME)
		return 0;
	if (r->at.place == GFS_AT_SD_ROOT || r->at.place == GFS_AT_SD_DEFINITION ||
	    r->at.place == GFS_AT_SHADOW)
		return refuse(err, EPERM, r->at.path, "this .softdeleted directory "
			      "cannot be renamed; restore the items in it one by "
			      "one with mv to their original paths");
	if (is_trash_dir(r->at.place) || r->at.place == GFS_AT_TRASH_INFO_FILE)
		return refuse(err, EPERM, r->at.path, "the trash's own directories "
			      "and info files cannot be renamed");
	if (r->rename == GFS_RENAME_EXPUNGE || r->rename == GFS_RENAME_INFO_WRITE)
		return GFS_RULE_ALLOW;
	if (gfs_place_softdeleted(r->at.place) && gfs_place_softdeleted(r->to.place))
		return refuse(err, EPERM, r->at.path, "nothing can be renamed "
			      "within .softdeleted or a trash; %s", sd_remedy);
	return 0;
}

static bool enters_softdeleted(const struct gfs_request *r)
{
	return r->action == GFS_ACT_RENAME && gfs_place_softdeleted(r->to.place) &&
	       !gfs_place_softdeleted(r->at.place);
}

static int check_r13_trash_items(const struct gfs_request *r, struct gfs_err *err)
{
	if (!enters_softdeleted(r) || r->to.place != GFS_AT_TRASH_FILES ||
	    r->at.place == GFS_AT_VERSION || r->at.place == GFS_AT_FILE)
		return 0;
	return refuse(err, EPERM, r->at.path, "only versions and their files can "
		      "go to the trash: galleries and definitions are never "
		      "soft-deleted (R11), only removed when empty");
}

static int check_r15_enter(const struct gfs_request *r, struct gfs_err *err)
{
	char path[GFS_PATH_MAX];
	if (!enters_softdeleted(r))
		return 0;
	if (r->to.place != GFS_AT_TRASH_FILES && r->rename == GFS_RENAME_NONE) {
		join_path(path, sizeof(path), r->to.path, r->name, r->name_len);
		return refuse(err, EPERM, path, "only a version or a file can be "
			      "moved into .softdeleted, and only to its mirrored "
			      "path GALLERY/.softdeleted/DEF/VERSION[/FILE]");
	}
	if (!r->at.soft_delete)
		return refuse(err, EPERM, r->at.path, "soft delete is off in this "
			      "gallery, so nothing can be %s; switch it on "
			      "(setfattr -n user.acg.softDelete -v true GALLERY) "
			      "or delete for good with rm",
			      r->to.place == GFS_AT_TRASH_FILES ?
			      "moved to the trash" : "soft-deleted");
	return 0;
}

static int check_trash_name_taken(const struct gfs_request *r, struct gfs_err *err)
{
	if (!enters_softdeleted(r) || r->to.place != GFS_AT_TRASH_FILES ||
	    !r->to_exists)
		return 0;
	return refuse(err, EEXIST, r->at.path, "the trash holds an item of that name");
}

static int check_r2(const struct gfs_request *r, struct gfs_err *err)
{
	if (enters_softdeleted(r) && r->at.kind == GFS_KIND_APPLICATION)
		return refuse(err, EPERM, r->at.path, "VM application versions "
			      "cannot be recovered, so they cannot be soft-deleted; "
			      "rm deletes them for good");
	return 0;
}

/* ------------------------------------------------------------------ */
/* R18 and R1: attribute forms                                         */

static int check_r18_form(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_SETXATTR && r->action != GFS_ACT_REMOVEXATTR)
		return 0;
	if (r->prop == -2)
		return 0;
	if (r->prop == -1)
		return refuse(err, EINVAL, r->at.path, "unknown galleryfs property; "
			      "the user.acg.* properties are listed by getfattr "
			      "-d -m - PATH");
	const struct gfs_prop_info *p = &gfs_props[r->prop];
	if (!r->prop_applies)
		return refuse(err, EINVAL, r->at.path, "%s does not apply to this "
			      "node; galleryfs(1) lists where each applies", p->name);
	if (r->action == GFS_ACT_REMOVEXATTR)
		return refuse(err, EPERM, r->at.path, "%s is a property and always "
			      "exists; set another value instead of removing it",
			      p->name);
	if (r->xattr_create)
		return refuse(err, EEXIST, r->at.path, "%s always exists; set it "
			      "without XATTR_CREATE", p->name);
	if (!r->value_ok) {
		if (r->missing_admin)
			return refuse(err, EINVAL, r->at.path, "%s: no user or group "
				      "named '%s' exists on this system; name "
				      "existing users and @groups only", p->name,
				      r->missing_admin);
		return refuse(err, EINVAL, r->at.path, "%s: malformed value; "
			      "expected %s", p->name, p->form);
	}
	if (r->same_value)
		return GFS_RULE_ALLOW;
	return 0;
}

static int check_r1(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action == GFS_ACT_SETXATTR && r->prop == GFS_PROP_RETENTION_DAYS)
		return refuse(err, EPERM, r->at.path, "the retention period is fixed "
			      "at 7 days and cannot be changed");
	return 0;
}

static int check_r18_read_only(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_SETXATTR || r->prop < 0 ||
	    !gfs_props[r->prop].read_only)
		return 0;
	return refuse(err, EPERM, r->at.path, "%s is read-only",
		      gfs_props[r->prop].name);
}

static int check_r18_kind_busy(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_SETXATTR || r->prop != GFS_PROP_KIND || !r->kind_busy)
		return 0;
	return refuse(err, EBUSY, r->at.path, "the kind cannot change while the "
		      "definition holds soft-deleted versions; restore or "
		      "hard-delete them first");
}

/* ------------------------------------------------------------------ */
/* R4: roles                                                           */

static int check_r4(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_SETXATTR)
		return 0;
	if (r->prop == GFS_PROP_SOFT_DELETE && (r->switch_on || r->switch_off) &&
	    !r->roles)
		return refuse(err, EACCES, r->at.path, "only a subscription owner "
			      "or a Compute Gallery Sharing Admin (subscription or "
			      "gallery level) may switch soft delete %s; ask one of "
			      "them", r->switch_on ? "on" : "off");
	if (r->prop == GFS_PROP_SHARING_ADMINS &&
	    !(r->roles & (GFS_ROLE_SUB_OWNER | GFS_ROLE_SUB_SHARING_ADMIN)))
		return refuse(err, EACCES, r->at.path, "only a subscription owner "
			      "or a subscription-level Sharing Admin may change the "
			      "gallery's Sharing Admins; ask one of them");
	return 0;
}

/* ------------------------------------------------------------------ */
/* R5, R9, R10: prerequisites of switching on                          */

static int check_r5(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->switch_on && r->cfg->cloud != GFS_CLOUD_AZURE)
		return refuse(err, EOPNOTSUPP, r->at.path, "soft delete is not "
			      "supported in national clouds (this subscription is in "
			      "%s); it is available in AzureCloud only",
			      gfs_cloud_name(r->cfg->cloud));
	return 0;
}

static int check_r9(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->switch_on && !gfs_config_list_has(r->cfg->features, FEATURE))
		return refuse(err, EOPNOTSUPP, r->at.path, "the preview feature "
			      FEATURE " is not registered for the subscription; "
			      "register it (add it to [subscription] features)");
	return 0;
}

static int check_r10(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->switch_on && strncmp(r->cfg->api_version, MIN_API_VERSION, 10) < 0)
		return refuse(err, EOPNOTSUPP, r->at.path, "API version %s is older "
			      "than " MIN_API_VERSION ", the first with soft delete; "
			      "set [subscription] api_version to " MIN_API_VERSION
			      " or later", r->cfg->api_version);
	return 0;
}

/* ------------------------------------------------------------------ */
/* R7, R6                                                              */

static int check_r7(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->switch_on && r->vmss_conflict)
		return refuse(err, EBUSY, r->at.path, "version %s is used by a scale "
			      "set in Flexible orchestration, which soft delete "
			      "does not support; set its user.acg.usedByVmssFlex "
			      "to false first", r->vmss_conflict);
	if (r->set_flag_true && r->at.soft_delete)
		return refuse(err, EBUSY, r->at.path, "soft delete is on in this "
			      "gallery and does not support scale sets in Flexible "
			      "orchestration; switch soft delete off first");
	return 0;
}

static int check_r6(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->switch_on && r->location_conflict)
		return refuse(err, EINVAL, r->at.path, "version %s is not in the "
			      "location of its definition and gallery; soft delete "
			      "needs them all in one location: set the locations "
			      "to match first", r->location_conflict);
	if (r->location_change_conflict)
		return refuse(err, EINVAL, r->at.path, "soft delete is on and this "
			      "change would put a version in another location than "
			      "its definition or gallery%s%s; keep them in one "
			      "location, or switch soft delete off first",
			      r->location_conflict ? ": " : "",
			      r->location_conflict ? r->location_conflict : "");
	return 0;
}

/* ------------------------------------------------------------------ */
/* non-empty directories: POSIX, R15, R3                               */

static int check_not_empty(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RMDIR || !r->has_live_children)
		return 0;
	return refuse(err, ENOTEMPTY, r->at.path, "directory not empty; remove "
		      "its contents first");
}

static int check_r15_holds_items(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RMDIR || !r->holds_softdeleted ||
	    (r->at.place != GFS_AT_SD_ROOT && r->at.place != GFS_AT_SD_DEFINITION &&
	     r->at.place != GFS_AT_SHADOW))
		return 0;
	return refuse(err, ENOTEMPTY, r->at.path, "it holds soft-deleted items; "
		      "hard-delete them first (rm -r on the items inside)");
}

static int check_r3(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RMDIR || !r->holds_softdeleted)
		return 0;
	/* without soft delete a definition's items go with it: the FAQ's
	 * remedy */
	if (r->at.place != GFS_AT_GALLERY &&
	    (r->at.place != GFS_AT_DEFINITION || !r->at.soft_delete))
		return 0;
	return refuse(err, ENOTEMPTY, r->at.path, "it holds soft-deleted items; "
		      "hard-delete them (rm -r GALLERY/.softdeleted/DEF) or switch "
		      "soft delete off first");
}

/* ------------------------------------------------------------------ */
/* R8: Failed versions with soft delete on                             */

static bool failed_and_on(const struct gfs_where *w)
{
	return w->soft_delete && w->kind == GFS_KIND_IMAGE &&
	       w->prov == GFS_PROV_FAILED &&
	       (w->place == GFS_AT_VERSION || w->place == GFS_AT_FILE);
}

static int check_r8(const struct gfs_request *r, struct gfs_err *err)
{
	const struct gfs_where *victim = NULL;

	if (r->action == GFS_ACT_UNLINK || r->action == GFS_ACT_RMDIR ||
	    enters_softdeleted(r))
		victim = &r->at;
	else if (r->action == GFS_ACT_RENAME && r->to_exists &&
		 r->to_node.place == GFS_AT_FILE)
		victim = &r->to_node;
	if (!victim || !failed_and_on(victim))
		return 0;
	return refuse(err, EPERM, victim->path, "version is Failed and soft "
		      "delete is on; switch soft delete off, delete, switch it "
		      "back on");
}

/* ------------------------------------------------------------------ */
/* R14: restore paths                                                  */

static int check_r14(const struct gfs_request *r, struct gfs_err *err)
{
	if (!is_restore(r->rename))
		return 0;
	bool home;
	if (r->rename == GFS_RENAME_RESTORE_VERSION)
		home = r->to.place == GFS_AT_DEFINITION &&
		       r->to.definition == r->at.definition;
	else
		home = r->to.place == GFS_AT_VERSION && r->to.version == r->at.version;
	/* EPERM, never EINVAL: coreutils words EINVAL as "cannot move ... to
	 * a subdirectory of itself", and gnulib retries a RENAME_NOREPLACE
	 * that got EINVAL as a plain rename */
	if (!home || !same_name(r))
		return refuse(err, EPERM, r->at.path, "a soft-deleted item can only "
			      "be restored to its original path; mv it back to %s",
			      r->at.home);
	if (r->to_exists)
		return refuse(err, EEXIST, r->at.path, "the original path is taken "
			      "by a live item; remove or rename that first");
	return 0;
}

/* ------------------------------------------------------------------ */
/* R13: renames of live nodes                                          */

static int check_r13_flags(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RENAME ||
	    !(r->rename_flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)))
		return 0;
	return refuse(err, EINVAL, r->at.path, "exchange and whiteout renames are "
		      "not supported; use a plain mv");
}

static int check_noreplace(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RENAME || is_restore(r->rename) ||
	    !(r->rename_flags & RENAME_NOREPLACE) || !r->to_exists)
		return 0;
	return refuse(err, EEXIST, r->at.path, "the destination exists");
}

static int check_r13(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action != GFS_ACT_RENAME || is_restore(r->rename))
		return 0;
	switch (r->at.place) {
	case GFS_AT_GALLERY:
	case GFS_AT_DEFINITION:
		return refuse(err, EPERM, r->at.path, "galleries and definitions "
			      "cannot be renamed; create the new one with mkdir and "
			      "copy the contents");
	case GFS_AT_VERSION:
		if (r->rename == GFS_RENAME_SOFTDELETE_VERSION ||
		    r->rename == GFS_RENAME_TRASH_VERSION)
			return 0;
		return refuse(err, EPERM, r->at.path, "versions cannot be renamed "
			      "(only moved to GALLERY/.softdeleted/DEF/ to "
			      "soft-delete them); create the new version with mkdir "
			      "and copy its files");
	case GFS_AT_FILE:
		if (r->rename == GFS_RENAME_SOFTDELETE_FILE ||
		    r->rename == GFS_RENAME_TRASH_FILE || r->rename == GFS_RENAME_FILE)
			return 0;
		if (r->to.place == GFS_AT_VERSION)
			return refuse(err, EXDEV, r->at.path, "files move between "
				      "versions by copy and remove (mv does this by "
				      "itself)");
		return refuse(err, EPERM, r->at.path, "files live in versions only; "
			      "move it to another version");
	default:
		return refuse(err, EPERM, r->at.path, "this cannot be renamed");
	}
}

/* ------------------------------------------------------------------ */
/* R16: reserved names                                                 */

static int check_r16(const struct gfs_request *r, struct gfs_err *err)
{
	if (r->action == GFS_ACT_MKDIR && r->at.place == GFS_AT_DEFINITION &&
	    r->to_exists && r->to_node.place == GFS_AT_SD_VERSION) {
		char path[GFS_PATH_MAX];
		child_path(r, path, sizeof(path));
		return refuse(err, EEXIST, path, "the name is held by a soft-deleted "
			      "version; restore it (mv GALLERY/.softdeleted/DEF/"
			      "VERSION GALLERY/DEF/) or hard-delete it first");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the table                                                           */

static int no_check(const struct gfs_request *r, struct gfs_err *err)
{
	(void)r;
	(void)err;
	return 0;
}

/* In the order of design §5. A row's id is what its refusals report; NULL
 * marks a plain POSIX answer (EEXIST, ENOTEMPTY) that no rule makes, kept
 * at the place in the order where the kernel's own filesystems give it. */
const struct gfs_rule gfs_rules[] = {
	{ "R12", "EINVAL/ENAMETOOLONG", "names follow design §1", check_r12_names },
	{ NULL, "EEXIST", "a trash info name is held", check_info_name_taken },
	{ "R15", "EPERM", "nothing is created in .softdeleted or a trash but "
	  "trash info reservations", check_r15_create },
	{ "R15", "EPERM", "no writes, modes, owners, times or attributes change "
	  "in .softdeleted", check_r15_write },
	{ "R15", "EPERM", "a trash's own directories stay", check_r15_trash_dirs_stay },
	{ "R15", "EPERM", "no renames inside .softdeleted or a trash but its two "
	  "moves", check_r15_rename_inside },
	{ "R13", "EPERM", "only versions and files go to the trash",
	  check_r13_trash_items },
	{ "R15", "EPERM", "items enter .softdeleted at their mirrored path, with "
	  "soft delete on", check_r15_enter },
	{ NULL, "EEXIST", "a trash item name is held", check_trash_name_taken },
	{ "R2", "EPERM", "VM application versions never enter .softdeleted", check_r2 },
	{ "R12", "EPERM", "only galleries, definitions, versions and files in "
	  "versions can be created", check_r12_types },
	{ "R18", "EINVAL/EPERM/EEXIST", "attribute names and forms", check_r18_form },
	{ "R1", "EPERM", "the retention period is fixed at 7 days", check_r1 },
	{ "R18", "EPERM", "read-only properties", check_r18_read_only },
	{ "R18", "EBUSY", "the kind stays while items are held", check_r18_kind_busy },
	{ "R4", "EACCES", "who may switch soft delete and name Sharing Admins",
	  check_r4 },
	{ "R5", "EOPNOTSUPP", "not in national clouds", check_r5 },
	{ "R9", "EOPNOTSUPP", "needs the SIGSoftDelete preview feature", check_r9 },
	{ "R10", "EOPNOTSUPP", "needs API version 2024-03-03 or later", check_r10 },
	{ "R7", "EBUSY", "incompatible with Flexible scale sets", check_r7 },
	{ "R6", "EINVAL", "versions share their definition's and gallery's "
	  "location", check_r6 },
	{ NULL, "ENOTEMPTY", "a directory with live contents", check_not_empty },
	{ "R15", "ENOTEMPTY", ".softdeleted directories go once their items have "
	  "gone", check_r15_holds_items },
	{ "R3", "ENOTEMPTY", "no removing what holds soft-deleted items", check_r3 },
	{ "R8", "EPERM", "Failed versions cannot be deleted while on", check_r8 },
	{ "R14", "EPERM/EEXIST", "restore to the original path only", check_r14 },
	{ "R13", "EINVAL", "no exchange or whiteout renames", check_r13_flags },
	{ NULL, "EEXIST", "RENAME_NOREPLACE onto an existing name", check_noreplace },
	{ "R13", "EPERM/EXDEV", "live galleries, definitions and versions are "
	  "not renamed", check_r13 },
	{ "R16", "EEXIST", "a soft-deleted version's name stays reserved", check_r16 },
	/* Effects, no refusal: */
	{ "R0", "-", "portal/REST only: galleryfs is itself the interface", no_check },
	{ "R11", "-", "soft delete covers image versions and their files only "
	  "(gfs_policy_removal_is_soft)", no_check },
	{ "R17", "-", "one replica per region while soft-deleted "
	  "(gfs_policy_replicas_view)", no_check },
};

const size_t gfs_rules_count = sizeof(gfs_rules) / sizeof(gfs_rules[0]);

/* A move into the trash that a rule refuses: a file manager then offers to
 * delete permanently, an ordinary removal; the line says so. */
static void trash_hint(const struct gfs_request *req, struct gfs_err *err)
{
	size_t n = strlen(err->reason);
	if (req->action == GFS_ACT_RENAME && req->to.place == GFS_AT_TRASH_FILES &&
	    err->rule && n < sizeof(err->reason))
		snprintf(err->reason + n, sizeof(err->reason) - n, "; a file manager "
			 "may offer to delete it permanently instead");
}

int gfs_policy_check(struct gfs_request *req, struct gfs_err *err)
{
	gfs_err_clear(err);
	/* the one thing the engine writes into the request, before any rule
	 * reads it: the rules themselves only read */
	req->rename = classify_rename(req);
	for (size_t i = 0; i < gfs_rules_count; i++) {
		int v = gfs_rules[i].check(req, err);
		if (v == GFS_RULE_ALLOW)
			return 0;
		if (v > 0) {
			assert(err->errnum == v && err->reason[0]);
			err->rule = gfs_rules[i].id;
			trash_hint(req, err);
			return -v;
		}
		assert(v == 0);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* effects                                                             */

/* R2 and R11: soft delete covers live image versions and their files, in a
 * gallery that has it on; everything else is removed for good. */
bool gfs_policy_removal_is_soft(const struct gfs_where *w)
{
	return w->soft_delete && w->kind == GFS_KIND_IMAGE &&
	       (w->place == GFS_AT_VERSION || w->place == GFS_AT_FILE);
}

/* R17: a soft-deleted version keeps one replica per region; the stored
 * counts are untouched and read again once it is restored. */
void gfs_policy_replicas_view(bool soft_deleted, const char *stored, char *out,
			      size_t outlen)
{
	if (soft_deleted)
		gfs_replicas_one_per_region(stored, out, outlen);
	else
		snprintf(out, outlen, "%s", stored);
}

void gfs_policy_value_view(int prop, bool soft_deleted, const char *value,
			   char *out, size_t outlen)
{
	if (prop == GFS_PROP_REPLICAS)
		gfs_policy_replicas_view(soft_deleted, value, out, outlen);
	else
		snprintf(out, outlen, "%s", value);
}
