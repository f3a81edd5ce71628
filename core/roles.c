/*
 * roles.c — who holds which role, asked of NSS each time (rare: only when
 * a caller changes softDelete or sharingAdmins).
 */
#include "roles.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

static bool user_name_of(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	snprintf(out, len, "%s", pw.pw_name);
	return true;
}

gid_t gfs_primary_gid(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return (gid_t)uid;
	return pw.pw_gid;
}

static bool group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[16384];
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	*gid = gr.gr_gid;
	return true;
}

static bool user_exists(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	return getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res;
}

static bool in_group(const struct gfs_caller *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* Whether the caller is named by a list item: a user name, or @group (or,
 * when groups_plain is set, a bare group name as in [roles]). */
static bool list_names_caller(const char *list, const struct gfs_caller *c,
			      const char *user, bool groups_plain)
{
	const char *cur = list;
	char item[128];

	while (gfs_list_next(&cur, item, sizeof(item))) {
		const char *group = NULL;
		if (groups_plain)
			group = item;
		else if (item[0] == '@')
			group = item + 1;
		else if (user && strcmp(item, user) == 0)
			return true;
		gid_t gid;
		if (group && group_gid(group, &gid) && in_group(c, gid))
			return true;
	}
	return false;
}

unsigned gfs_roles_of(const struct gfs_config *cfg, const struct gfs_caller *c,
		      const char *gallery_admins)
{
	char user[256];
	bool named = user_name_of(c->uid, user, sizeof(user));
	unsigned roles = 0;

	if (named && gfs_config_list_has(cfg->owners, user))
		roles |= GFS_ROLE_SUB_OWNER;
	if (list_names_caller(cfg->sharing_admins, c, NULL, true))
		roles |= GFS_ROLE_SUB_SHARING_ADMIN;
	if (gallery_admins && list_names_caller(gallery_admins, c,
						named ? user : NULL, false))
		roles |= GFS_ROLE_GALLERY_SHARING_ADMIN;
	return roles;
}

bool gfs_admins_exist(const char *list, char *missing, size_t len)
{
	const char *cur = list;
	char item[128];

	while (gfs_list_next(&cur, item, sizeof(item))) {
		gid_t gid;
		bool ok = item[0] == '@' ? group_gid(item + 1, &gid) : user_exists(item);
		if (!ok) {
			snprintf(missing, len, "%s", item);
			return false;
		}
	}
	return true;
}
