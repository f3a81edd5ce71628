/*
 * fuzz_config.c — gfs_config_load (config/config.c, with inih) on an
 * arbitrary file over the built-in defaults. The data is written to one
 * file in a directory made once per process (under $TMPDIR), and loaded
 * twice: with a roomy error buffer and with a tiny one.
 *
 * Invariants: on success retention_days is 7 (rule R1), purge_interval is
 * 1..2592000, data_dir is absolute, the location is canonical, the lists
 * are canonical comma lists, a conninfo comes only with backend
 * postgresql and every string ends inside its buffer; on
 * failure the message is non-empty and starts with "FILE:"; the answer does
 * not depend on the error buffer's size, and the tiny buffer holds a
 * prefix of the full message; a loaded configuration written back in
 * canonical form loads to the same.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "props.h"

#define ERR_MAX 1024
#define LINE_MAX_LEN 199      /* config.c refuses longer lines */

static char path[600];

static void remove_file(void)
{
	unlink(path);
	rmdir(fuzz_temp_dir("config"));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/galleryfs.ini", fuzz_temp_dir("config"));
	atexit(remove_file);
	return 0;
}

/* Write the input as the whole file; false when that fails (the input is
 * then skipped: it says nothing about the loader). */
static bool write_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok;
}

static bool ends_inside(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

/* A comma list without blanks, empty items or a comma at either end. */
static bool canonical_list(const char *s, size_t size)
{
	if (!ends_inside(s, size))
		return false;
	size_t n = strlen(s);
	if (n == 0)
		return true;
	if (s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,"))
		return false;
	return strcspn(s, " \t") == n;
}

static void check_loaded(const struct gfs_config *cfg)
{
	char loc[GFS_LOCATION_MAX + 1];

	INVARIANT(cfg->retention_days == GFS_RETENTION_DAYS);
	INVARIANT(cfg->purge_interval >= 1 && cfg->purge_interval <= 2592000);
	INVARIANT(ends_inside(cfg->data_dir, sizeof(cfg->data_dir)));
	INVARIANT(cfg->data_dir[0] == '/');
	INVARIANT((unsigned)cfg->cloud <= GFS_CLOUD_CHINA);
	INVARIANT(strcmp(gfs_cloud_name(cfg->cloud), "unknown") != 0);
	INVARIANT((unsigned)cfg->log_level <= GFS_LOG_DEBUG);
	INVARIANT(strcmp(gfs_backend_name(cfg->backend), "unknown") != 0);
	INVARIANT(ends_inside(cfg->conninfo, sizeof(cfg->conninfo)));
	INVARIANT(cfg->backend == GFS_BACKEND_POSTGRESQL || !cfg->conninfo[0]);
	INVARIANT(ends_inside(cfg->api_version, sizeof(cfg->api_version)));
	size_t av = strlen(cfg->api_version);
	INVARIANT(av == 10 || (av == 18 && strcmp(cfg->api_version + 10,
						  "-preview") == 0));
	INVARIANT(ends_inside(cfg->location, sizeof(cfg->location)));
	INVARIANT(gfs_parse_location(cfg->location, strlen(cfg->location), loc) == 0);
	INVARIANT(strcmp(loc, cfg->location) == 0);
	INVARIANT(canonical_list(cfg->features, sizeof(cfg->features)));
	INVARIANT(canonical_list(cfg->owners, sizeof(cfg->owners)));
	INVARIANT(canonical_list(cfg->sharing_admins, sizeof(cfg->sharing_admins)));
}

static bool same_config(const struct gfs_config *a, const struct gfs_config *b)
{
	return a->cloud == b->cloud &&
	       strcmp(a->api_version, b->api_version) == 0 &&
	       strcmp(a->features, b->features) == 0 &&
	       strcmp(a->owners, b->owners) == 0 &&
	       strcmp(a->location, b->location) == 0 &&
	       strcmp(a->sharing_admins, b->sharing_admins) == 0 &&
	       a->backend == b->backend &&
	       strcmp(a->conninfo, b->conninfo) == 0 &&
	       strcmp(a->data_dir, b->data_dir) == 0 &&
	       a->retention_days == b->retention_days &&
	       a->purge_interval == b->purge_interval &&
	       a->log_level == b->log_level;
}

/* cfg written back as an INI file with every key; false when a line would
 * be longer than the loader takes (a limit of the format, not a fault). */
static bool write_canonical(const struct gfs_config *cfg)
{
	char text[4 * GFS_CONFIG_LIST_MAX + 2 * GFS_CONFIG_PATH_MAX +
		  GFS_CONFIG_CONNINFO_MAX];
	int n = snprintf(text, sizeof(text),
		"[subscription]\ncloud = %s\napi_version = %s\nfeatures = %s\n"
		"owners = %s\nlocation = %s\n[roles]\nsharing_admins = %s\n"
		"[catalog]\nbackend = %s\nconninfo = %s\n"
		"[storage]\ndata_dir = %s\n[softdelete]\nretention_days = %d\n"
		"purge_interval = %u\n[log]\nlevel = %s\n",
		gfs_cloud_name(cfg->cloud), cfg->api_version, cfg->features,
		cfg->owners, cfg->location, cfg->sharing_admins,
		gfs_backend_name(cfg->backend), cfg->conninfo, cfg->data_dir,
		cfg->retention_days, cfg->purge_interval,
		gfs_log_level_name(cfg->log_level));
	if (n < 0 || (size_t)n >= sizeof(text))
		return false;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		if (len > LINE_MAX_LEN)
			return false;
		line += len + 1;
	}
	return write_file((const uint8_t *)text, (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gfs_config cfg, cfg2;
	char *err = malloc(ERR_MAX);
	size_t tiny_len = 1 + size % 24;
	char *tiny = malloc(tiny_len);

	if (!err || !tiny || !write_file(data, size))
		goto out;

	gfs_config_defaults(&cfg);
	int r = gfs_config_load(&cfg, path, err, ERR_MAX);
	INVARIANT(r == 0 || r == -1);
	INVARIANT(ends_inside(err, ERR_MAX));
	if (r == 0) {
		INVARIANT(err[0] == '\0');
		check_loaded(&cfg);
	} else {
		size_t plen = strlen(path);
		INVARIANT(err[0] != '\0');
		INVARIANT(strncmp(err, path, plen) == 0 && err[plen] == ':');
	}

	/* the same file, a tiny error buffer: same answer, a prefix of the
	 * message, nothing written past the buffer */
	gfs_config_defaults(&cfg2);
	int r2 = gfs_config_load(&cfg2, path, tiny, tiny_len);
	INVARIANT(r2 == r);
	INVARIANT(ends_inside(tiny, tiny_len));
	size_t full = strlen(err), want = full < tiny_len - 1 ? full : tiny_len - 1;
	INVARIANT(strlen(tiny) == want && memcmp(tiny, err, want) == 0);
	if (r != 0)
		goto out;
	INVARIANT(memcmp(&cfg, &cfg2, sizeof(cfg)) == 0);

	/* what was loaded, written back in canonical form, loads to itself
	 * (over defaults other than the built-in ones: every key counts) */
	if (!write_canonical(&cfg))
		goto out;
	memset(&cfg2, 0, sizeof(cfg2));
	r2 = gfs_config_load(&cfg2, path, err, ERR_MAX);
	if (r2 != 0)
		fprintf(stderr, "canonical form refused: %s\n", err);
	INVARIANT(r2 == 0);
	INVARIANT(same_config(&cfg, &cfg2));
out:
	free(err);
	free(tiny);
	return 0;
}
