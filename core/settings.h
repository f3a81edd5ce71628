/*
 * settings.h — what galleryfs is told by its configuration (design §6):
 * the subscription, roles, catalog, storage, soft delete and log settings, with
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
#define GFS_CONFIG_CONNINFO_MAX 4096

/* Where the catalog lives (design §7): the embedded SQLite database in the
 * data directory, or a PostgreSQL database that several hosts share. */
enum gfs_backend {
	GFS_BACKEND_SQLITE = 0,
	GFS_BACKEND_POSTGRESQL = 1,
	GFS_BACKEND_COUNT,
};

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
	/* [catalog] */
	enum gfs_backend backend;
	/* a libpq connection string (backend postgresql only); empty: libpq's
	 * PG* environment variables and service files decide */
	char conninfo[GFS_CONFIG_CONNINFO_MAX];
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

/* "sqlite", "postgresql"; "unknown" for a value outside the enum. */
const char *gfs_backend_name(enum gfs_backend backend);
/* The backend named exactly so, or -1. */
int gfs_backend_parse(const char *name);

/* Whether the canonical comma list holds item exactly. */
int gfs_config_list_has(const char *list, const char *item);

#endif
