/*
 * settings.h — what galleryfs is told by its configuration (design §6):
 * the subscription, roles, storage, soft delete and log settings, with
 * their built-in defaults. Core reads them; config/ only fills them from
 * an INI file, so the dependency runs one way.
 */
#ifndef GFS_SETTINGS_H
#define GFS_SETTINGS_H

#include "log.h"
#include "props.h"

#define GFS_CONFIG_DEFAULT_PATH "/etc/galleryfs/galleryfs.ini"
#define GFS_CONFIG_LIST_MAX 1024
#define GFS_CONFIG_PATH_MAX 4096

enum gfs_cloud {
	GFS_CLOUD_AZURE = 0,            /* AzureCloud: the public cloud */
	GFS_CLOUD_US_GOVERNMENT = 1,    /* AzureUSGovernment */
	GFS_CLOUD_CHINA = 2,            /* AzureChinaCloud */
	GFS_CLOUD_COUNT,
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

/* "AzureCloud", ...; "unknown" for a value outside the enum. */
const char *gfs_cloud_name(enum gfs_cloud cloud);
/* The cloud named exactly so, or -1. */
int gfs_cloud_parse(const char *name);

/* Whether the canonical comma list holds item exactly. */
int gfs_config_list_has(const char *list, const char *item);

#endif
