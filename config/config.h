/*
 * config.h — the galleryfs configuration (design §6), loaded from an INI file
 * with inih over the built-in defaults.
 *
 * Loading is strict: an unknown section or key, a duplicate key, a value
 * outside its form, an over-long line or a syntax error stops the load with
 * one message "FILE:LINE: reason". Nothing here exits or logs; the daemon
 * prints the message and exits with status 2.
 */
#ifndef GFS_CONFIG_H
#define GFS_CONFIG_H

#include <stddef.h>

#include "log.h"
#include "props.h"

#define GFS_CONFIG_DEFAULT_PATH "/etc/galleryfs/galleryfs.ini"
#define GFS_CONFIG_LIST_MAX 1024
#define GFS_CONFIG_PATH_MAX 4096

enum gfs_cloud {
	GFS_CLOUD_AZURE = 0,            /* AzureCloud: the public cloud */
	GFS_CLOUD_US_GOVERNMENT = 1,    /* AzureUSGovernment */
	GFS_CLOUD_CHINA = 2,            /* AzureChinaCloud */
};

struct gfs_config {
	/* [subscription] */
	enum gfs_cloud cloud;
	char api_version[32];                   /* YYYY-MM-DD[-preview] */
	char features[GFS_CONFIG_LIST_MAX];     /* comma list, no spaces */
	char owners[GFS_CONFIG_LIST_MAX];       /* comma list of user names */
	char location[GFS_LOCATION_MAX + 1];    /* canonical (lower case) */
	/* [roles] */
	char sharing_admins[GFS_CONFIG_LIST_MAX]; /* comma list of group names */
	/* [storage] */
	char data_dir[GFS_CONFIG_PATH_MAX];
	/* [softdelete] */
	int retention_days;                     /* always 7 (rule R1) */
	unsigned purge_interval;                /* seconds, >= 1 */
	/* [log] */
	enum gfs_log_level log_level;
};

/* Fill cfg with the built-in defaults (the values shown in design §6). */
void gfs_config_defaults(struct gfs_config *cfg);

/*
 * Read path over what cfg holds. Returns 0, or -1 with err set to
 * "FILE:LINE: reason" (LINE omitted when the file cannot be read at all).
 * On failure cfg may be partly updated; callers discard it.
 */
int gfs_config_load(struct gfs_config *cfg, const char *path, char *err,
		    size_t errlen);

const char *gfs_cloud_name(enum gfs_cloud cloud);

/* Whether the comma list holds item exactly. */
int gfs_config_list_has(const char *list, const char *item);

#endif
