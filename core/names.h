/*
 * names.h — the name rules of design §1 (policy rule R12's first half).
 *
 * Pure functions over bytes: no catalog, no allocation. A name that breaks
 * its level's rule is EINVAL; one longer than the level's limit is
 * ENAMETOOLONG, which is reported before any other fault of the name.
 */
#ifndef GFS_NAMES_H
#define GFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define GFS_SOFTDELETED ".softdeleted"
#define GFS_GALLERY_NAME_MAX 80
#define GFS_DEFINITION_NAME_MAX 80
#define GFS_FILE_NAME_MAX 255

enum gfs_name_kind {
	GFS_NAME_GALLERY,
	GFS_NAME_DEFINITION,
	GFS_NAME_VERSION,
	GFS_NAME_FILE,
};

/* 0 when name (len bytes, need not be NUL-terminated) is valid for kind;
 * otherwise -ENAMETOOLONG or -EINVAL. */
int gfs_name_check(enum gfs_name_kind kind, const char *name, size_t len);

/* A short phrase describing the rule for kind, for refusal reasons. */
const char *gfs_name_rule_text(enum gfs_name_kind kind);

/* A user or group name as the configuration and user.acg.sharingAdmins
 * take them: useradd(8)'s portable names (letters, digits, '_', '.', '-',
 * not starting with '-', at most 32 characters), optionally ending in '$'
 * (machine accounts). */
bool gfs_account_name_ok(const char *s, size_t n);

#endif
