/*
 * settings.c — the built-in defaults of design §6 and the names of clouds
 * and catalog backends.
 */
#include "settings.h"

#include <stdio.h>
#include <string.h>

#include "lists.h"

static const char *const cloud_names[GFS_CLOUD_COUNT] = {
	[GFS_CLOUD_AZURE] = "AzureCloud",
	[GFS_CLOUD_US_GOVERNMENT] = "AzureUSGovernment",
	[GFS_CLOUD_CHINA] = "AzureChinaCloud",
};

static const char *const backend_names[GFS_BACKEND_COUNT] = {
	[GFS_BACKEND_SQLITE] = "sqlite",
	[GFS_BACKEND_POSTGRESQL] = "postgresql",
};

/* The two lookups for both tables of names: names[i], or "unknown"
 * outside the table; the index of name, or -1. */
static const char *name_at(const char *const *names, int count, unsigned i)
{
	return i < (unsigned)count ? names[i] : "unknown";
}

static int name_index(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void gfs_config_defaults(struct gfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cloud = GFS_CLOUD_AZURE;
	snprintf(cfg->api_version, sizeof(cfg->api_version), "2024-03-03");
	snprintf(cfg->features, sizeof(cfg->features), "SIGSoftDelete");
	snprintf(cfg->owners, sizeof(cfg->owners), "root");
	snprintf(cfg->location, sizeof(cfg->location), "eastus");
	snprintf(cfg->sharing_admins, sizeof(cfg->sharing_admins), "acg-admins");
	cfg->backend = GFS_BACKEND_SQLITE;
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "/var/lib/galleryfs");
	cfg->retention_days = GFS_RETENTION_DAYS;
	cfg->purge_interval = 3600;
	cfg->log_level = GFS_LOG_INFO;
}

const char *gfs_cloud_name(enum gfs_cloud cloud)
{
	return name_at(cloud_names, GFS_CLOUD_COUNT, (unsigned)cloud);
}

int gfs_cloud_parse(const char *name)
{
	return name_index(cloud_names, GFS_CLOUD_COUNT, name);
}

const char *gfs_backend_name(enum gfs_backend backend)
{
	return name_at(backend_names, GFS_BACKEND_COUNT, (unsigned)backend);
}

int gfs_backend_parse(const char *name)
{
	return name_index(backend_names, GFS_BACKEND_COUNT, name);
}

int gfs_config_list_has(const char *list, const char *item)
{
	return gfs_list_has(list, item);
}
