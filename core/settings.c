/*
 * settings.c — the built-in defaults of design §6 and the names of clouds.
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

void gfs_config_defaults(struct gfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cloud = GFS_CLOUD_AZURE;
	snprintf(cfg->api_version, sizeof(cfg->api_version), "2024-03-03");
	snprintf(cfg->features, sizeof(cfg->features), "SIGSoftDelete");
	snprintf(cfg->owners, sizeof(cfg->owners), "root");
	snprintf(cfg->location, sizeof(cfg->location), "eastus");
	snprintf(cfg->sharing_admins, sizeof(cfg->sharing_admins), "acg-admins");
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "/var/lib/galleryfs");
	cfg->retention_days = GFS_RETENTION_DAYS;
	cfg->purge_interval = 3600;
	cfg->log_level = GFS_LOG_INFO;
}

const char *gfs_cloud_name(enum gfs_cloud cloud)
{
	if ((unsigned)cloud >= GFS_CLOUD_COUNT)
		return "unknown";
	return cloud_names[cloud];
}

int gfs_cloud_parse(const char *name)
{
	for (int i = 0; i < GFS_CLOUD_COUNT; i++)
		if (strcmp(name, cloud_names[i]) == 0)
			return i;
	return -1;
}

int gfs_config_list_has(const char *list, const char *item)
{
	return gfs_list_has(list, item);
}
