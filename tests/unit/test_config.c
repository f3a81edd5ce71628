/*
 * test_config.c — the configuration loader (design §6): defaults, the example
 * file, every key's form, and the exact "FILE:LINE: reason" of each class
 * of error. Test files are written to a fresh mkdtemp directory that is
 * removed at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char tmpdir[] = "/tmp/gfs-test-config-XXXXXX";
static char ini_path[sizeof(tmpdir) + 16];
static char err[1024];

/* Write text as the test file and load it over the defaults. */
static int load_text(const char *text, struct gfs_config *cfg)
{
	FILE *f = fopen(ini_path, "w");
	if (!f)
		return -99;
	fputs(text, f);
	fclose(f);
	gfs_config_defaults(cfg);
	memset(err, 'x', sizeof(err));
	return gfs_config_load(cfg, ini_path, err, sizeof(err));
}

/* The load fails, on line `line`, with a reason holding `part`. */
static int fails_at(const char *text, unsigned line, const char *part)
{
	struct gfs_config cfg;
	char prefix[128];

	if (load_text(text, &cfg) != -1) {
		printf("# loaded, expected an error on line %u: %s", line, text);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "%s:%u: ", ini_path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, part)) {
		printf("# got \"%s\", expected \"%s...%s...\"\n", err, prefix, part);
		return 0;
	}
	return 1;
}

/* Which message did a failing load give? Without the path prefix. */
static const char *reason_of(const char *text, unsigned line)
{
	struct gfs_config cfg;
	static char expect[128];

	if (load_text(text, &cfg) != -1)
		return "(loaded)";
	snprintf(expect, sizeof(expect), "%s:%u: ", ini_path, line);
	if (strncmp(err, expect, strlen(expect)) != 0)
		return err;
	return err + strlen(expect);
}

static void check_same(const struct gfs_config *a, const struct gfs_config *b)
{
	CHECK_INT(a->cloud, b->cloud);
	CHECK_STR(a->api_version, b->api_version);
	CHECK_STR(a->features, b->features);
	CHECK_STR(a->owners, b->owners);
	CHECK_STR(a->location, b->location);
	CHECK_STR(a->sharing_admins, b->sharing_admins);
	CHECK_INT(a->backend, b->backend);
	CHECK_STR(a->conninfo, b->conninfo);
	CHECK_STR(a->data_dir, b->data_dir);
	CHECK_INT(a->retention_days, b->retention_days);
	CHECK_INT(a->purge_interval, b->purge_interval);
	CHECK_INT(a->log_level, b->log_level);
}

/* A config that differs from the defaults in every field. */
static void scramble(struct gfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cloud = GFS_CLOUD_CHINA;
	strcpy(cfg->api_version, "1999-01-01");
	strcpy(cfg->features, "zzz");
	strcpy(cfg->owners, "nobody");
	strcpy(cfg->location, "nowhere");
	strcpy(cfg->sharing_admins, "nogroup");
	cfg->backend = GFS_BACKEND_POSTGRESQL;
	strcpy(cfg->conninfo, "host=nowhere");
	strcpy(cfg->data_dir, "/nope");
	cfg->retention_days = 99;
	cfg->purge_interval = 1;
	cfg->log_level = GFS_LOG_DEBUG;
}

static void test_defaults(void)
{
	struct gfs_config cfg;

	scramble(&cfg);
	gfs_config_defaults(&cfg);
	CHECK_INT(cfg.cloud, GFS_CLOUD_AZURE);
	CHECK_STR(cfg.api_version, "2024-03-03");
	CHECK_STR(cfg.features, "SIGSoftDelete");
	CHECK_STR(cfg.owners, "root");
	CHECK_STR(cfg.location, "eastus");
	CHECK_STR(cfg.sharing_admins, "acg-admins");
	CHECK_INT(cfg.backend, GFS_BACKEND_SQLITE);
	CHECK_STR(cfg.conninfo, "");
	CHECK_STR(cfg.data_dir, "/var/lib/galleryfs");
	CHECK_INT(cfg.retention_days, 7);
	CHECK_INT(cfg.purge_interval, 3600);
	CHECK_INT(cfg.log_level, GFS_LOG_INFO);
}

/* The example is found from GFS_TEST_DATA (SOURCE/tests/data, which need
 * not exist) or, run by hand from the source root, from the cwd. */
static void example_path(char *out, size_t outlen)
{
	const char *data = getenv("GFS_TEST_DATA");
	char root[4096];

	if (!data || !*data) {
		snprintf(out, outlen, "config/galleryfs.ini");
		return;
	}
	snprintf(root, sizeof(root), "%s", data);
	for (int up = 0; up < 2; up++) {
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			root[--n] = '\0';
		char *slash = strrchr(root, '/');
		if (!slash)
			snprintf(root, sizeof(root), ".");
		else
			slash[slash == root] = '\0';
	}
	snprintf(out, outlen, "%s/config/galleryfs.ini", root);
}

/* Every key appears in the example, with its default: loading it over a
 * config that differs everywhere yields exactly the defaults. */
static void test_example_file_is_defaults(void)
{
	struct gfs_config cfg, def;
	char path[4200];

	example_path(path, sizeof(path));
	scramble(&cfg);
	gfs_config_defaults(&def);
	int r = gfs_config_load(&cfg, path, err, sizeof(err));
	CHECK_INT(r, 0);
	if (r != 0)
		printf("# %s\n", err);
	check_same(&cfg, &def);
}

static void test_default_path(void)
{
	CHECK_STR(GFS_CONFIG_DEFAULT_PATH, "/etc/galleryfs/galleryfs.ini");
}

static void test_every_key_non_default(void)
{
	struct gfs_config cfg;
	int r = load_text(
		"[subscription]\n"
		"cloud = AzureUSGovernment\n"
		"api_version = 2025-01-31-preview\n"
		"features = SIGSoftDelete,Other.Feature_2-x\n"
		"owners = alice,bob.smith,svc_1,host$\n"
		"location = WestEurope2\n"
		"[roles]\n"
		"sharing_admins = wheel,gallery-admins\n"
		"[catalog]\n"
		"backend = postgresql\n"
		"conninfo = host=/run/pg port=5433 dbname=gfs user=gfs\n"
		"[storage]\n"
		"data_dir = /srv/galleryfs data\n"
		"[softdelete]\n"
		"retention_days = 7\n"
		"purge_interval = 2592000\n"
		"[log]\n"
		"level = debug\n", &cfg);
	CHECK_INT(r, 0);
	if (r != 0)
		printf("# %s\n", err);
	CHECK_INT(cfg.cloud, GFS_CLOUD_US_GOVERNMENT);
	CHECK_STR(cfg.api_version, "2025-01-31-preview");
	CHECK_STR(cfg.features, "SIGSoftDelete,Other.Feature_2-x");
	CHECK_STR(cfg.owners, "alice,bob.smith,svc_1,host$");
	CHECK_STR(cfg.location, "westeurope2");
	CHECK_STR(cfg.sharing_admins, "wheel,gallery-admins");
	CHECK_INT(cfg.backend, GFS_BACKEND_POSTGRESQL);
	CHECK_STR(cfg.conninfo, "host=/run/pg port=5433 dbname=gfs user=gfs");
	CHECK_STR(cfg.data_dir, "/srv/galleryfs data");
	CHECK_INT(cfg.retention_days, 7);
	CHECK_INT(cfg.purge_interval, 2592000);
	CHECK_INT(cfg.log_level, GFS_LOG_DEBUG);
}

static void test_each_cloud_and_level(void)
{
	struct gfs_config cfg;
	static const char *const levels[] = { "error", "warning", "info", "debug" };

	CHECK_INT(load_text("[subscription]\ncloud = AzureChinaCloud\n", &cfg), 0);
	CHECK_INT(cfg.cloud, GFS_CLOUD_CHINA);
	CHECK_INT(load_text("[subscription]\ncloud = AzureCloud\n", &cfg), 0);
	CHECK_INT(cfg.cloud, GFS_CLOUD_AZURE);
	for (int i = 0; i < 4; i++) {
		char text[64];
		snprintf(text, sizeof(text), "[log]\nlevel = %s\n", levels[i]);
		CHECK_INT(load_text(text, &cfg), 0);
		CHECK_INT(cfg.log_level, i);
	}
}

/* The file is read over what cfg holds: keys it does not name stay. */
static void test_load_keeps_unnamed_keys(void)
{
	struct gfs_config cfg;
	FILE *f = fopen(ini_path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs("[log]\nlevel = error\n", f);
	fclose(f);
	scramble(&cfg);
	CHECK_INT(gfs_config_load(&cfg, ini_path, err, sizeof(err)), 0);
	CHECK_INT(cfg.log_level, GFS_LOG_ERROR);
	CHECK_STR(cfg.owners, "nobody");
	CHECK_INT(cfg.cloud, GFS_CLOUD_CHINA);
}

static void test_empty_file_gives_defaults(void)
{
	struct gfs_config cfg, def;

	gfs_config_defaults(&def);
	CHECK_INT(load_text("", &cfg), 0);
	check_same(&cfg, &def);
	CHECK_INT(load_text("\n\n; only a comment\n# another\n\n", &cfg), 0);
	check_same(&cfg, &def);
	/* Known sections without keys change nothing either. */
	CHECK_INT(load_text("[subscription]\n[roles]\n[catalog]\n[storage]\n"
			    "[softdelete]\n[log]\n", &cfg), 0);
	check_same(&cfg, &def);
}

static void test_missing_file(void)
{
	struct gfs_config cfg;
	char path[sizeof(tmpdir) + 32], expect[256];

	snprintf(path, sizeof(path), "%s/absent.ini", tmpdir);
	snprintf(expect, sizeof(expect), "%s: cannot read: %s", path,
		 strerror(ENOENT));
	gfs_config_defaults(&cfg);
	CHECK_INT(gfs_config_load(&cfg, path, err, sizeof(err)), -1);
	CHECK_STR(err, expect);
}

/* fopen() of a directory succeeds; the read is what fails. */
static void test_directory_is_unreadable(void)
{
	struct gfs_config cfg;
	char expect[256];

	snprintf(expect, sizeof(expect), "%s: cannot read: %s", tmpdir,
		 strerror(EISDIR));
	gfs_config_defaults(&cfg);
	CHECK_INT(gfs_config_load(&cfg, tmpdir, err, sizeof(err)), -1);
	CHECK_STR(err, expect);
}

static void test_bad_cloud_message(void)
{
	CHECK_STR(reason_of("; clouds\n\n[subscription]\ncloud = Mars\n", 4),
		  "[subscription] cloud: \"Mars\" is not one of AzureCloud, "
		  "AzureUSGovernment, AzureChinaCloud");
	/* Case matters: the INI spelling is the only one. */
	CHECK(fails_at("[subscription]\ncloud = azurecloud\n", 2, "not one of"));
}

static void test_unknown_section(void)
{
	CHECK_STR(reason_of("[log]\nlevel = info\n[logging]\nlevel = info\n", 3),
		  "[logging]: unknown section; the sections are subscription, "
		  "roles, catalog, storage, softdelete, log");
	/* Section names are exact: no trimming, no case folding. */
	CHECK(fails_at("[ log ]\n", 1, "unknown section"));
	CHECK(fails_at("[Log]\n", 1, "unknown section"));
	CHECK(fails_at("[]\n", 1, "unknown section"));
}

/* inih never reports a section without keys; the loader must. */
static void test_unknown_empty_section(void)
{
	CHECK(fails_at("[subscription]\ncloud = AzureCloud\n\n[extra]\n"
		       "[log]\nlevel = debug\n", 4, "[extra]: unknown section"));
	CHECK(fails_at("[extra]", 1, "[extra]: unknown section"));
}

static void test_unknown_key(void)
{
	CHECK_STR(reason_of("[subscription]\ncloud = AzureCloud\ncolour = blue\n", 3),
		  "[subscription] colour: unknown key; [subscription] takes "
		  "cloud, api_version, features, owners, location");
	/* A real key in the wrong section is unknown there. */
	CHECK(fails_at("[log]\nlevel = info\ndata_dir = /x\n", 3,
		       "[log] data_dir: unknown key; [log] takes level"));
	CHECK(fails_at("[log]\nLevel = info\n", 2, "unknown key"));
}

static void test_duplicate_key(void)
{
	CHECK_STR(reason_of("[log]\nlevel = info\n\n[storage]\ndata_dir = /a\n"
			    "[log]\nlevel = debug\n", 7),
		  "[log] level: given twice (first on line 2)");
	/* Even with the same value. */
	CHECK(fails_at("[softdelete]\nretention_days = 7\nretention_days = 7\n",
		       3, "given twice (first on line 2)"));
}

static void test_key_outside_section(void)
{
	CHECK_STR(reason_of("; top\nlevel = info\n[log]\n", 2),
		  "level: key outside any section; it belongs under [log]");
	CHECK(fails_at("colour = blue\n", 1, "colour: key outside any section"));
}

static void test_syntax_errors(void)
{
	CHECK(fails_at("[log]\nlevel = info\nlevel info\n", 3,
		       "expected \"key = value\""));
	CHECK(fails_at("[log\nlevel = info\n", 1, "no closing ']'"));
	/* "[a ;b]": the ';' after a blank starts a comment, so no ']' */
	CHECK(fails_at("[log ;x]\n", 1, "no closing ']'"));
	CHECK(fails_at("[log] junk\n", 1, "unexpected text after ']'"));
	CHECK(fails_at("[log]\n= info\n", 2, "missing key name"));
	/* inih's name:value concession is not part of our format. */
	CHECK(fails_at("[log]\nlevel: info\n", 2, "expected \"key = value\""));
	/* An indented line after a key would be an inih continuation. */
	CHECK(fails_at("[subscription]\nfeatures = a\n  b\n", 3,
		       "expected \"key = value\""));
}

static void test_nul_byte(void)
{
	struct gfs_config cfg;
	FILE *f = fopen(ini_path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fwrite("[log]\nlevel = in\0fo\n", 1, 20, f);
	fclose(f);
	gfs_config_defaults(&cfg);
	CHECK_INT(gfs_config_load(&cfg, ini_path, err, sizeof(err)), -1);
	CHECK(strstr(err, ":2: line holds a NUL byte") != NULL);
}

static void test_first_error_wins(void)
{
	/* Line 2 is bad, and so is everything after it. */
	CHECK(fails_at("[log]\nlevel = loud\n[nope]\nlevel info\n[log\n", 2,
		       "[log] level: \"loud\""));
	CHECK(fails_at("[log]\nlevel = info\nlevel info\n[log]\nlevel = x\n", 3,
		       "expected"));
}

static void test_bad_values(void)
{
	static const struct {
		const char *text;
		const char *part;
	} bad[] = {
		{ "[subscription]\napi_version = 2024-13-01\n", "[subscription] api_version: \"2024-13-01\" is not a date YYYY-MM-DD" },
		{ "[subscription]\napi_version = 2024-00-10\n", "is not a date" },
		{ "[subscription]\napi_version = 2024-03-32\n", "is not a date" },
		{ "[subscription]\napi_version = 2024-03-00\n", "is not a date" },
		{ "[subscription]\napi_version = 2024-3-03\n", "is not a date" },
		{ "[subscription]\napi_version = 2024-03-03-beta\n", "-preview" },
		{ "[subscription]\napi_version = 2024-03-03preview\n", "is not a date" },
		{ "[subscription]\napi_version = \n", "is not a date" },
		{ "[subscription]\nfeatures = a b\n", "[subscription] features: feature \"a b\" is not a name of letters, digits" },
		{ "[subscription]\nfeatures = a,,b\n", "empty item" },
		{ "[subscription]\nfeatures = a,\n", "empty item" },
		{ "[subscription]\nfeatures = ,\n", "empty item" },
		{ "[subscription]\nfeatures = a/b\n", "feature \"a/b\"" },
		{ "[subscription]\nowners = -root\n", "[subscription] owners: user \"-root\" is not a user name" },
		{ "[subscription]\nowners = root,a$b\n", "user \"a$b\"" },
		{ "[subscription]\nowners = $\n", "user \"$\"" },
		{ "[subscription]\nowners = al ice\n", "user \"al ice\"" },
		{ "[subscription]\nowners = abcdefghijklmnopqrstuvwxyz0123456\n", "at most 32 characters" },
		{ "[subscription]\nlocation = 1east\n", "[subscription] location: \"1east\" is not a region name" },
		{ "[subscription]\nlocation = e\n", "is not a region name" },
		{ "[subscription]\nlocation = east-us\n", "is not a region name" },
		{ "[subscription]\nlocation = \n", "is not a region name" },
		{ "[roles]\nsharing_admins = bad group\n", "[roles] sharing_admins: group \"bad group\" is not a group name" },
		{ "[roles]\nsharing_admins = @admins\n", "group \"@admins\"" },
		{ "[storage]\ndata_dir = relative/path\n", "[storage] data_dir: \"relative/path\" is not an absolute path" },
		{ "[storage]\ndata_dir =\n", "[storage] data_dir: \"\" is not an absolute path" },
		{ "[softdelete]\npurge_interval = 0\n", "[softdelete] purge_interval: \"0\" is not a whole number of seconds from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = 2592001\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = -5\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = +5\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = 10s\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = 0x10\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = 1 0\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval = 18446744073709551617\n", "from 1 to 2592000" },
		{ "[softdelete]\npurge_interval =\n", "from 1 to 2592000" },
		{ "[log]\nlevel = verbose\n", "[log] level: \"verbose\" is not one of error, warning, info, debug" },
		{ "[log]\nlevel = INFO\n", "is not one of" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(fails_at(bad[i].text, 2, bad[i].part));
}

static void test_edge_values_accepted(void)
{
	struct gfs_config cfg;

	CHECK_INT(load_text("[subscription]\nowners = abcdefghijklmnopqrstuvwxyz01234$\n"
			    "features =\n", &cfg), 0);
	CHECK_STR(cfg.owners, "abcdefghijklmnopqrstuvwxyz01234$");
	CHECK_STR(cfg.features, "");
	CHECK_INT(load_text("[subscription]\nowners =\n[roles]\nsharing_admins =\n",
			    &cfg), 0);
	CHECK_STR(cfg.owners, "");
	CHECK_STR(cfg.sharing_admins, "");
	CHECK_INT(load_text("[softdelete]\npurge_interval = 1\n", &cfg), 0);
	CHECK_INT(cfg.purge_interval, 1);
	CHECK_INT(load_text("[softdelete]\npurge_interval = 0000000060\n", &cfg), 0);
	CHECK_INT(cfg.purge_interval, 60);
	CHECK_INT(load_text("[subscription]\napi_version = 2024-12-31\n"
			    "location = EASTUS\n", &cfg), 0);
	CHECK_STR(cfg.api_version, "2024-12-31");
	CHECK_STR(cfg.location, "eastus");
	CHECK_INT(load_text("[storage]\ndata_dir = /\n", &cfg), 0);
	CHECK_STR(cfg.data_dir, "/");
}

static void test_retention_days_fixed(void)
{
	struct gfs_config cfg;

	CHECK_STR(reason_of("[softdelete]\nretention_days = 8\n", 2),
		  "[softdelete] retention_days: \"8\" refused: the retention "
		  "period is fixed at 7 days and cannot be changed (rule R1)");
	CHECK(fails_at("[softdelete]\nretention_days = 0\n", 2, "fixed at 7 days"));
	CHECK(fails_at("[softdelete]\nretention_days = 14\n", 2, "fixed at 7 days"));
	CHECK(fails_at("[softdelete]\nretention_days = seven\n", 2, "fixed at 7 days"));
	CHECK(fails_at("[softdelete]\nretention_days = -7\n", 2, "fixed at 7 days"));
	CHECK(fails_at("[softdelete]\nretention_days = 99999999999999999999999\n",
		       2, "fixed at 7 days"));
	CHECK_INT(load_text("[softdelete]\nretention_days = 7\n", &cfg), 0);
	CHECK_INT(cfg.retention_days, 7);
}

static void test_list_trimming(void)
{
	struct gfs_config cfg;

	CHECK_INT(load_text("[subscription]\nfeatures = a , b\n"
			    "owners =  alice ,\tbob,carol  \n"
			    "[roles]\nsharing_admins = g1 ,g2\n", &cfg), 0);
	CHECK_STR(cfg.features, "a,b");
	CHECK_STR(cfg.owners, "alice,bob,carol");
	CHECK_STR(cfg.sharing_admins, "g1,g2");
}

static void test_comments_and_whitespace(void)
{
	struct gfs_config cfg;

	CHECK_INT(load_text("\xEF\xBB\xBF; BOM first\r\n"
			    "  [log]   ; the log\r\n"
			    "\tlevel\t=\twarning ; inline comment\r\n"
			    "# hash comment\n"
			    "[storage]\n"
			    "data_dir = /srv/a;b\n", &cfg), 0);
	CHECK_INT(cfg.log_level, GFS_LOG_WARNING);
	/* ';' without a blank before it is part of the value. */
	CHECK_STR(cfg.data_dir, "/srv/a;b");
	/* A value that ends at an inline comment is checked without it. */
	CHECK(fails_at("[log]\nlevel = info;x\n", 2, "\"info;x\""));
}

/* inih reads into a 200-byte buffer; a longer line must not be split. */
static void test_line_too_long(void)
{
	struct gfs_config cfg;
	char text[512];

	/* 199 bytes (without the newline) is the longest that fits. */
	int n = snprintf(text, sizeof(text), "[storage]\ndata_dir = /");
	memset(text + n, 'd', 199 - 12);
	snprintf(text + n + 187, sizeof(text) - (size_t)(n + 187), "\n");
	CHECK_INT(load_text(text, &cfg), 0);
	CHECK_INT(strlen(cfg.data_dir), 188);

	n = snprintf(text, sizeof(text), "[storage]\n;\ndata_dir = /");
	memset(text + n, 'd', 188);
	snprintf(text + n + 188, sizeof(text) - (size_t)(n + 188),
		 "\nlevel = info\n");
	CHECK_STR(reason_of(text, 3), "line too long (longer than 199 bytes)");

	/* A long comment is a long line too; so is one at the very end. */
	memset(text, ';', 300);
	text[300] = '\0';
	CHECK(fails_at(text, 1, "line too long"));
}

/* [catalog]: the forms accepted. An empty conninfo leaves the choice to
 * libpq's PG* variables; the order of the two keys does not matter. */
static void test_catalog_accepted(void)
{
	struct gfs_config cfg;

	CHECK_INT(load_text("[catalog]\nbackend = postgresql\nconninfo =\n", &cfg), 0);
	CHECK_INT(cfg.backend, GFS_BACKEND_POSTGRESQL);
	CHECK_STR(cfg.conninfo, "");
	CHECK_INT(load_text("[catalog]\nbackend = postgresql\n", &cfg), 0);
	CHECK_INT(cfg.backend, GFS_BACKEND_POSTGRESQL);
	CHECK_STR(cfg.conninfo, "");
	CHECK_INT(load_text("[catalog]\nconninfo = postgresql://gfs@db.example.com:5433/"
			    "galleries?sslmode=require\nbackend = postgresql\n", &cfg), 0);
	CHECK_INT(cfg.backend, GFS_BACKEND_POSTGRESQL);
	CHECK_STR(cfg.conninfo, "postgresql://gfs@db.example.com:5433/galleries?sslmode=require");
	/* quotes and backslashes are libpq's to read, so kept as written;
	 * an inline comment is not part of the value */
	CHECK_INT(load_text("[catalog]\nbackend = postgresql\n"
			    "conninfo = password='a b\\'c' dbname=g ; the test db\n", &cfg), 0);
	CHECK_STR(cfg.conninfo, "password='a b\\'c' dbname=g");
	CHECK_INT(load_text("[catalog]\nbackend = sqlite\n", &cfg), 0);
	CHECK_INT(cfg.backend, GFS_BACKEND_SQLITE);
	/* an empty conninfo says nothing, so it is allowed with sqlite too
	 * (the example file shows it so) */
	CHECK_INT(load_text("[catalog]\nbackend = sqlite\nconninfo =\n", &cfg), 0);
	CHECK_INT(cfg.backend, GFS_BACKEND_SQLITE);
	CHECK_STR(cfg.conninfo, "");
}

/* [catalog]: every refusal, on the line at fault. */
static void test_catalog_refused(void)
{
	CHECK_STR(reason_of("[catalog]\nbackend = mysql\n", 2),
		  "[catalog] backend: \"mysql\" is not one of sqlite, postgresql");
	CHECK(fails_at("[catalog]\nbackend = PostgreSQL\n", 2, "is not one of"));
	CHECK(fails_at("[catalog]\nbackend = postgres\n", 2, "is not one of"));
	CHECK(fails_at("[catalog]\nbackend =\n", 2, "\"\" is not one of"));
	/* a connection string with the default backend, or sqlite named:
	 * refused on the conninfo line, whichever key comes first */
	CHECK_STR(reason_of("[catalog]\nconninfo = dbname=gfs\n", 2),
		  "[catalog] conninfo: a connection string is given but the "
		  "backend is sqlite; add \"backend = postgresql\" under "
		  "[catalog], or remove conninfo");
	CHECK(fails_at("; x\n[catalog]\nbackend = sqlite\nconninfo = host=db\n", 4,
		       "backend is sqlite"));
	CHECK(fails_at("[catalog]\nconninfo = host=db\n\nbackend = sqlite\n", 2,
		       "backend is sqlite"));
	/* an earlier error in the file is the one reported */
	CHECK(fails_at("[catalog]\nconninfo = host=db\n[log]\nlevel = loud\n", 4,
		       "[log] level"));
	CHECK(fails_at("[catalog]\nbackend = postgresql\nconninfo = a\n"
		       "conninfo = b\n", 4, "given twice (first on line 3)"));
	CHECK(fails_at("[catalog]\nhost = db\n", 2,
		       "[catalog] host: unknown key; [catalog] takes backend, conninfo"));
	CHECK(fails_at("conninfo = host=db\n", 1,
		       "conninfo: key outside any section; it belongs under [catalog]"));
}

static void test_backend_names(void)
{
	CHECK_STR(gfs_backend_name(GFS_BACKEND_SQLITE), "sqlite");
	CHECK_STR(gfs_backend_name(GFS_BACKEND_POSTGRESQL), "postgresql");
	CHECK_STR(gfs_backend_name((enum gfs_backend)9), "unknown");
	CHECK_INT(gfs_backend_parse("sqlite"), GFS_BACKEND_SQLITE);
	CHECK_INT(gfs_backend_parse("postgresql"), GFS_BACKEND_POSTGRESQL);
	CHECK_INT(gfs_backend_parse("SQLite"), -1);
	CHECK_INT(gfs_backend_parse(""), -1);
}

static void test_cloud_names(void)
{
	CHECK_STR(gfs_cloud_name(GFS_CLOUD_AZURE), "AzureCloud");
	CHECK_STR(gfs_cloud_name(GFS_CLOUD_US_GOVERNMENT), "AzureUSGovernment");
	CHECK_STR(gfs_cloud_name(GFS_CLOUD_CHINA), "AzureChinaCloud");
	CHECK_STR(gfs_cloud_name((enum gfs_cloud)7), "unknown");
}

static void test_list_has(void)
{
	CHECK_INT(gfs_config_list_has("a,bb,c", "a"), 1);
	CHECK_INT(gfs_config_list_has("a,bb,c", "bb"), 1);
	CHECK_INT(gfs_config_list_has("a,bb,c", "c"), 1);
	CHECK_INT(gfs_config_list_has("a,bb,c", "b"), 0);
	CHECK_INT(gfs_config_list_has("a,bb,c", "bb,c"), 0);
	CHECK_INT(gfs_config_list_has("a,bb,c", ""), 0);
	CHECK_INT(gfs_config_list_has("SIGSoftDelete", "SIGSoftDelete"), 1);
	CHECK_INT(gfs_config_list_has("SIGSoftDelete", "sigsoftdelete"), 0);
	CHECK_INT(gfs_config_list_has("SIGSoftDeleteX", "SIGSoftDelete"), 0);
	CHECK_INT(gfs_config_list_has("", "a"), 0);
	CHECK_INT(gfs_config_list_has(NULL, "a"), 0);
}

/* A short err buffer is cut, never overrun; a NULL one is allowed. */
static void test_small_error_buffer(void)
{
	struct gfs_config cfg;
	char small[8];

	memset(small, 'x', sizeof(small));
	gfs_config_defaults(&cfg);
	CHECK_INT(gfs_config_load(&cfg, "/nonexistent/x.ini", small,
				  sizeof(small)), -1);
	CHECK_STR(small, "/nonexi");
	CHECK_INT(gfs_config_load(&cfg, "/nonexistent/x.ini", NULL, 0), -1);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ini_path, sizeof(ini_path), "%s/test.ini", tmpdir);

	RUN(test_defaults);
	RUN(test_default_path);
	RUN(test_example_file_is_defaults);
	RUN(test_every_key_non_default);
	RUN(test_each_cloud_and_level);
	RUN(test_load_keeps_unnamed_keys);
	RUN(test_empty_file_gives_defaults);
	RUN(test_missing_file);
	RUN(test_directory_is_unreadable);
	RUN(test_bad_cloud_message);
	RUN(test_unknown_section);
	RUN(test_unknown_empty_section);
	RUN(test_unknown_key);
	RUN(test_duplicate_key);
	RUN(test_key_outside_section);
	RUN(test_syntax_errors);
	RUN(test_nul_byte);
	RUN(test_first_error_wins);
	RUN(test_bad_values);
	RUN(test_edge_values_accepted);
	RUN(test_retention_days_fixed);
	RUN(test_list_trimming);
	RUN(test_comments_and_whitespace);
	RUN(test_line_too_long);
	RUN(test_catalog_accepted);
	RUN(test_catalog_refused);
	RUN(test_backend_names);
	RUN(test_cloud_names);
	RUN(test_list_has);
	RUN(test_small_error_buffer);

	unlink(ini_path);
	rmdir(tmpdir);
	return TAP_DONE();
}
