/*
 * roles.h — the roles of a caller (rule R4), from its uid, gid and
 * supplementary groups, the configuration and a gallery's sharingAdmins.
 * Names are resolved through NSS at the moment of asking, so users and
 * groups created after the mount count.
 */
#ifndef GFS_ROLES_H
#define GFS_ROLES_H

#include <stdbool.h>
#include <sys/types.h>

#include "settings.h"

#define GFS_GROUPS_MAX 256

struct gfs_caller {
	uid_t uid;
	gid_t gid;
	int ngroups;                    /* supplementary groups; 0 when unknown */
	gid_t groups[GFS_GROUPS_MAX];
};

/* enum gfs_role bits for caller in a gallery whose sharingAdmins list
 * (canonical comma list of NAME and @GROUP) is gallery_admins. */
unsigned gfs_roles_of(const struct gfs_config *cfg, const struct gfs_caller *c,
		      const char *gallery_admins);

/* The primary group of a user (NSS), or the uid's number when it has
 * none known. */
gid_t gfs_primary_gid(uid_t uid);

/* Whether every NAME / @GROUP of a canonical list exists; the first that
 * does not is copied to missing. */
bool gfs_admins_exist(const char *list, char *missing, size_t len);

#endif
