/*
 * test_props.c — the properties of design §4: attribute names and their
 * classification, the listxattr order, where each applies, and every value
 * parser: canonical forms, and malformed values (wrong case, a trailing
 * newline or NUL inside the length, spaces) refused with -EINVAL. Values
 * are passed with an explicit length and are never NUL-terminated where it
 * matters, so a parser that reads past the length shows up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "props.h"
#include "tap.h"

/* Length of a string literal, NULs inside counted, the final one not. */
#define LIT(s) s, (sizeof(s) - 1)

static char out[GFS_PROP_VALUE_MAX];

/* ------------------------------------------------------------------ */
/* names, order, applicability                                         */

static void test_listxattr_order_matches_spec(void)
{
	/* design §4: location, kind, sharing, sharingAdmins, provisioningState,
	 * replicas, usedByVmssFlex, softDelete, retentionDays, deletedAt,
	 * purgeAt. The enum is that order. */
	static const char *const spec_order[] = {
		"user.acg.location", "user.acg.kind", "user.acg.sharing",
		"user.acg.sharingAdmins", "user.acg.provisioningState",
		"user.acg.replicas", "user.acg.usedByVmssFlex",
		"user.acg.softDelete", "user.acg.retentionDays",
		"user.acg.deletedAt", "user.acg.purgeAt",
	};
	size_t listed = sizeof(spec_order) / sizeof(spec_order[0]);
	CHECK_INT(GFS_PROP_COUNT, listed + 1);
	for (size_t i = 0; i < listed; i++) {
		CHECK_STR(gfs_props[i].name, spec_order[i]);
		CHECK(!gfs_props[i].unlisted);
	}
	/* after them, unlisted: readable by name, never written back by a
	 * backup tool that restores what listxattr showed */
	CHECK_STR(gfs_props[GFS_PROP_SOFT_DELETED_BYTES].name,
		  "user.acg.softDeletedBytes");
	CHECK(gfs_props[GFS_PROP_SOFT_DELETED_BYTES].unlisted);
	CHECK_STR(gfs_props[GFS_PROP_LOCATION].name, "user.acg.location");
	CHECK_STR(gfs_props[GFS_PROP_KIND].name, "user.acg.kind");
	CHECK_STR(gfs_props[GFS_PROP_SHARING].name, "user.acg.sharing");
	CHECK_STR(gfs_props[GFS_PROP_SHARING_ADMINS].name, "user.acg.sharingAdmins");
	CHECK_STR(gfs_props[GFS_PROP_PROVISIONING_STATE].name,
		  "user.acg.provisioningState");
	CHECK_STR(gfs_props[GFS_PROP_REPLICAS].name, "user.acg.replicas");
	CHECK_STR(gfs_props[GFS_PROP_USED_BY_VMSS_FLEX].name, "user.acg.usedByVmssFlex");
	CHECK_STR(gfs_props[GFS_PROP_SOFT_DELETE].name, "user.acg.softDelete");
	CHECK_STR(gfs_props[GFS_PROP_RETENTION_DAYS].name, "user.acg.retentionDays");
	CHECK_STR(gfs_props[GFS_PROP_DELETED_AT].name, "user.acg.deletedAt");
	CHECK_STR(gfs_props[GFS_PROP_PURGE_AT].name, "user.acg.purgeAt");
	for (int i = 0; i < GFS_PROP_COUNT; i++)
		CHECK(strncmp(gfs_props[i].name, GFS_PROP_PREFIX,
			      strlen(GFS_PROP_PREFIX)) == 0);
}

static void test_applicability_matches_spec(void)
{
	CHECK_INT(gfs_props[GFS_PROP_LOCATION].on,
		  GFS_ON_GALLERY | GFS_ON_DEFINITION | GFS_ON_VERSION);
	CHECK_INT(gfs_props[GFS_PROP_KIND].on, GFS_ON_DEFINITION);
	CHECK_INT(gfs_props[GFS_PROP_SHARING].on, GFS_ON_GALLERY);
	CHECK_INT(gfs_props[GFS_PROP_SHARING_ADMINS].on, GFS_ON_GALLERY);
	CHECK_INT(gfs_props[GFS_PROP_PROVISIONING_STATE].on, GFS_ON_VERSION);
	CHECK_INT(gfs_props[GFS_PROP_REPLICAS].on, GFS_ON_VERSION);
	CHECK_INT(gfs_props[GFS_PROP_USED_BY_VMSS_FLEX].on, GFS_ON_VERSION);
	CHECK_INT(gfs_props[GFS_PROP_SOFT_DELETE].on, GFS_ON_GALLERY);
	CHECK_INT(gfs_props[GFS_PROP_RETENTION_DAYS].on, GFS_ON_GALLERY);
	CHECK_INT(gfs_props[GFS_PROP_DELETED_AT].on, GFS_ON_SOFT_DELETED);
	CHECK_INT(gfs_props[GFS_PROP_PURGE_AT].on, GFS_ON_SOFT_DELETED);
	CHECK_INT(gfs_props[GFS_PROP_SOFT_DELETED_BYTES].on, GFS_ON_GALLERY);
}

static void test_read_only_matches_spec(void)
{
	for (int i = 0; i < GFS_PROP_COUNT; i++) {
		bool ro = i == GFS_PROP_RETENTION_DAYS || i == GFS_PROP_DELETED_AT ||
			  i == GFS_PROP_PURGE_AT || i == GFS_PROP_SOFT_DELETED_BYTES;
		CHECK_INT(gfs_props[i].read_only, ro);
	}
	CHECK_INT(GFS_RETENTION_DAYS, 7);
}

static void test_prop_lookup(void)
{
	for (int i = 0; i < GFS_PROP_COUNT; i++)
		CHECK_INT(gfs_prop_lookup(gfs_props[i].name), i);
	/* unknown user.acg.* names */
	CHECK_INT(gfs_prop_lookup("user.acg.foo"), -1);
	CHECK_INT(gfs_prop_lookup("user.acg."), -1);
	CHECK_INT(gfs_prop_lookup("user.acg.Location"), -1);
	CHECK_INT(gfs_prop_lookup("user.acg.softdelete"), -1);
	CHECK_INT(gfs_prop_lookup("user.acg.locationx"), -1);
	CHECK_INT(gfs_prop_lookup("user.acg.location "), -1);
	CHECK_INT(gfs_prop_lookup("user.acg.retentionDays.x"), -1);
	/* anything else */
	CHECK_INT(gfs_prop_lookup(""), -2);
	CHECK_INT(gfs_prop_lookup("user."), -2);
	CHECK_INT(gfs_prop_lookup("user.acg"), -2);
	CHECK_INT(gfs_prop_lookup("user.acgx.location"), -2);
	CHECK_INT(gfs_prop_lookup("user.ACG.location"), -2);
	CHECK_INT(gfs_prop_lookup("user.comment"), -2);
	CHECK_INT(gfs_prop_lookup("user.location"), -2);
	CHECK_INT(gfs_prop_lookup("trusted.acg.location"), -2);
	CHECK_INT(gfs_prop_lookup("security.selinux"), -2);
	CHECK_INT(gfs_prop_lookup("system.posix_acl_access"), -2);
	CHECK_INT(gfs_prop_lookup("acg.location"), -2);
}

static void test_prop_forms(void)
{
	for (int i = 0; i < GFS_PROP_COUNT; i++) {
		const char *f = gfs_prop_form(i);
		CHECK(f != NULL && f[0] != '\0');
	}
	CHECK_STR(gfs_prop_form(-1), "");
	CHECK_STR(gfs_prop_form(-2), "");
	CHECK_STR(gfs_prop_form(GFS_PROP_COUNT), "");
	CHECK(strstr(gfs_prop_form(GFS_PROP_SOFT_DELETE), "true") != NULL);
	CHECK(strstr(gfs_prop_form(GFS_PROP_REPLICAS), "100") != NULL);
	CHECK(strstr(gfs_prop_form(GFS_PROP_RETENTION_DAYS), "7") != NULL);
}

/* ------------------------------------------------------------------ */
/* location                                                            */

static void test_location_canonical(void)
{
	char loc[GFS_LOCATION_MAX + 1];

	CHECK_INT(gfs_parse_location(LIT("eastus"), loc), 0);
	CHECK_STR(loc, "eastus");
	CHECK_INT(gfs_parse_location(LIT("EastUS"), loc), 0);
	CHECK_STR(loc, "eastus");
	CHECK_INT(gfs_parse_location(LIT("WESTUS2"), loc), 0);
	CHECK_STR(loc, "westus2");
	CHECK_INT(gfs_parse_location(LIT("wEsTeUrOpE"), loc), 0);
	CHECK_STR(loc, "westeurope");
	CHECK_INT(gfs_parse_location(LIT("ab"), loc), 0);    /* shortest: 2 */
	CHECK_STR(loc, "ab");
	CHECK_INT(gfs_parse_location(LIT("a1"), loc), 0);
	CHECK_STR(loc, "a1");
	/* longest: a letter then 39 */
	CHECK_INT(gfs_parse_location(LIT("Abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
				     loc), 0);
	CHECK_STR(loc, "abcdefghijklmnopqrstuvwxyz0123456789abcd");
	/* only len bytes are read */
	CHECK_INT(gfs_parse_location("eastus-x", 6, loc), 0);
	CHECK_STR(loc, "eastus");
}

static void test_location_malformed(void)
{
	char loc[GFS_LOCATION_MAX + 1];

	CHECK_INT(gfs_parse_location(LIT(""), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("e"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("E"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("2eastus"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("12"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("east us"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT(" eastus"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("eastus "), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("east-us"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("east_us"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("eastus\n"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("eastus\0"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("east\0us"), loc), -EINVAL);
	CHECK_INT(gfs_parse_location(LIT("\xc3\xa9tats"), loc), -EINVAL);
	/* 41 characters */
	CHECK_INT(gfs_parse_location(LIT("abcdefghijklmnopqrstuvwxyz0123456789abcde"),
				     loc), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* true/false, kind, sharing, provisioningState                       */

static void test_bool(void)
{
	bool b = true;

	CHECK_INT(gfs_parse_bool(LIT("false"), &b), 0);
	CHECK(!b);
	CHECK_INT(gfs_parse_bool(LIT("true"), &b), 0);
	CHECK(b);
	CHECK_INT(gfs_parse_bool("truex", 4, &b), 0);   /* only len bytes */
	CHECK(b);
	static const char *const bad[] = { "", "True", "TRUE", "False", "FALSE",
		"1", "0", "yes", "no", "on", "off", "t", "f", "tru", "truee",
		" true", "true ", "true\n", "false\n", "\"true\"", NULL };
	for (int i = 0; bad[i]; i++) {
		int r = gfs_parse_bool(bad[i], strlen(bad[i]), &b);
		if (r != -EINVAL) {
			printf("# bool \"%s\": %d, expected -EINVAL\n", bad[i], r);
			tap_case_failed = 1;
		}
	}
	CHECK_INT(gfs_parse_bool(LIT("true\0"), &b), -EINVAL);
	CHECK_INT(gfs_parse_bool(LIT("false\0"), &b), -EINVAL);
	CHECK_INT(gfs_parse_bool(LIT("tr\0ue"), &b), -EINVAL);
}

static void test_kind(void)
{
	enum gfs_kind k = GFS_KIND_APPLICATION;

	CHECK_INT(gfs_parse_kind(LIT("image"), &k), 0);
	CHECK_INT(k, GFS_KIND_IMAGE);
	CHECK_INT(gfs_parse_kind(LIT("application"), &k), 0);
	CHECK_INT(k, GFS_KIND_APPLICATION);
	CHECK_STR(gfs_kind_name(GFS_KIND_IMAGE), "image");
	CHECK_STR(gfs_kind_name(GFS_KIND_APPLICATION), "application");
	CHECK_INT(GFS_KIND_IMAGE, 0);   /* the default */
	CHECK_INT(gfs_parse_kind(LIT(""), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("Image"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("IMAGE"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("app"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("images"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("image\n"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT("image\0"), &k), -EINVAL);
	CHECK_INT(gfs_parse_kind(LIT(" image"), &k), -EINVAL);
}

static void test_sharing(void)
{
	enum gfs_sharing s = GFS_SHARING_COMMUNITY;

	CHECK_INT(gfs_parse_sharing(LIT("private"), &s), 0);
	CHECK_INT(s, GFS_SHARING_PRIVATE);
	CHECK_INT(gfs_parse_sharing(LIT("direct-shared"), &s), 0);
	CHECK_INT(s, GFS_SHARING_DIRECT);
	CHECK_INT(gfs_parse_sharing(LIT("community"), &s), 0);
	CHECK_INT(s, GFS_SHARING_COMMUNITY);
	CHECK_STR(gfs_sharing_name(GFS_SHARING_PRIVATE), "private");
	CHECK_STR(gfs_sharing_name(GFS_SHARING_DIRECT), "direct-shared");
	CHECK_STR(gfs_sharing_name(GFS_SHARING_COMMUNITY), "community");
	static const char *const bad[] = { "", "Private", "PRIVATE", "direct",
		"direct_shared", "directshared", "Direct-Shared", "groups",
		"community\n", " private", "private ", "public", NULL };
	for (int i = 0; bad[i]; i++) {
		int r = gfs_parse_sharing(bad[i], strlen(bad[i]), &s);
		if (r != -EINVAL) {
			printf("# sharing \"%s\": %d, expected -EINVAL\n", bad[i], r);
			tap_case_failed = 1;
		}
	}
	CHECK_INT(gfs_parse_sharing(LIT("private\0"), &s), -EINVAL);
}

static void test_provisioning(void)
{
	enum gfs_provisioning p = GFS_PROV_FAILED;

	CHECK_INT(gfs_parse_provisioning(LIT("Creating"), &p), 0);
	CHECK_INT(p, GFS_PROV_CREATING);
	CHECK_INT(gfs_parse_provisioning(LIT("Succeeded"), &p), 0);
	CHECK_INT(p, GFS_PROV_SUCCEEDED);
	CHECK_INT(gfs_parse_provisioning(LIT("Failed"), &p), 0);
	CHECK_INT(p, GFS_PROV_FAILED);
	CHECK_STR(gfs_provisioning_name(GFS_PROV_CREATING), "Creating");
	CHECK_STR(gfs_provisioning_name(GFS_PROV_SUCCEEDED), "Succeeded");
	CHECK_STR(gfs_provisioning_name(GFS_PROV_FAILED), "Failed");
	static const char *const bad[] = { "", "succeeded", "SUCCEEDED", "failed",
		"creating", "Deleting", "Updating", "Migrating", "Succeeded\n",
		" Failed", "Failed ", "Success", NULL };
	for (int i = 0; bad[i]; i++) {
		int r = gfs_parse_provisioning(bad[i], strlen(bad[i]), &p);
		if (r != -EINVAL) {
			printf("# provisioningState \"%s\": %d, expected -EINVAL\n",
			       bad[i], r);
			tap_case_failed = 1;
		}
	}
	CHECK_INT(gfs_parse_provisioning(LIT("Failed\0"), &p), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* replicas                                                            */

static int replicas(const char *v, size_t len)
{
	memset(out, 'x', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	return gfs_parse_replicas(v, len, out, sizeof(out));
}

static void test_replicas_canonical(void)
{
	CHECK_INT(replicas(LIT("eastus=1")), 0);
	CHECK_STR(out, "eastus=1");
	CHECK_INT(replicas(LIT("westus=2,eastus=1")), 0);
	CHECK_STR(out, "eastus=1,westus=2");
	CHECK_INT(replicas(LIT("EastUS=3,WestEurope=100,brazilsouth=7")), 0);
	CHECK_STR(out, "brazilsouth=7,eastus=3,westeurope=100");
	CHECK_INT(replicas(LIT("westus=1,centralus=1,eastasia=1,australiaeast=1")), 0);
	CHECK_STR(out, "australiaeast=1,centralus=1,eastasia=1,westus=1");
	/* counts 1..100 */
	CHECK_INT(replicas(LIT("eastus=100")), 0);
	CHECK_STR(out, "eastus=100");
	CHECK_INT(replicas(LIT("eastus=10")), 0);
	CHECK_STR(out, "eastus=10");
	/* only len bytes are read */
	CHECK_INT(replicas("eastus=1,bad", 8), 0);
	CHECK_STR(out, "eastus=1");
	/* the canonical form parses to itself */
	CHECK_INT(replicas(LIT("australiaeast=1,centralus=5,westus=2")), 0);
	CHECK_STR(out, "australiaeast=1,centralus=5,westus=2");
	/* blanks around commas are dropped, as for every list */
	CHECK_INT(replicas(LIT("westus=2, eastus=1")), 0);
	CHECK_STR(out, "eastus=1,westus=2");
}

static void test_replicas_sorted_by_region(void)
{
	/* Sorted by region (design §4): "eastus" sorts before "eastus2" as a
	 * region, whatever the counts that follow the '='. */
	CHECK_INT(replicas(LIT("eastus2=1,eastus=1")), 0);
	CHECK_STR(out, "eastus=1,eastus2=1");
	CHECK_INT(replicas(LIT("eastus=1,eastus2=1")), 0);
	CHECK_STR(out, "eastus=1,eastus2=1");
	CHECK_INT(replicas(LIT("westus3=2,westus=5,westus2=9")), 0);
	CHECK_STR(out, "westus=5,westus2=9,westus3=2");
}

static void test_replicas_duplicates_refused(void)
{
	CHECK_INT(replicas(LIT("eastus=1,eastus=1")), -EINVAL);
	CHECK_INT(replicas(LIT("eastus=1,eastus=2")), -EINVAL);
	CHECK_INT(replicas(LIT("eastus=1,EASTUS=2")), -EINVAL);   /* same region */
	CHECK_INT(replicas(LIT("eastus=2,westus=1,EastUs=1")), -EINVAL);
	CHECK_INT(replicas(LIT("eastus=1,eastus2=1,eastus=2")), -EINVAL);
}

static void test_replicas_malformed(void)
{
	static const char *const bad[] = {
		"eastus=0", "eastus=101", "eastus=1000", "eastus=01", "eastus=001",
		"eastus=-1", "eastus=+1", "eastus=1.0", "eastus=1e2", "eastus=",
		"eastus", "=1", "e=1", "2east=1", "east-us=1", "east us=1",
		"eastus =1", "eastus= 1", " eastus=1", "eastus=1 ", "eastus=1, ,westus=1",
		"eastus=1,", ",eastus=1", "eastus=1,,westus=1", "eastus=1;westus=1",
		"eastus:1", "eastus=1=2", "eastus=1\n", "eastus==1", "eastus=x",
		"abcdefghijklmnopqrstuvwxyz0123456789abcde=1", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		int r = replicas(bad[i], strlen(bad[i]));
		if (r != -EINVAL) {
			printf("# replicas \"%s\": %d, expected -EINVAL\n", bad[i], r);
			tap_case_failed = 1;
		}
	}
}

static void test_replicas_nul_refused(void)
{
	/* design §4: values are exact ASCII with no trailing NUL; malformed
	 * values: EINVAL. A NUL inside the length is not part of a count. */
	CHECK_INT(replicas(LIT("eastus=1\0")), -EINVAL);
	CHECK_INT(replicas(LIT("eastus=1\0junk")), -EINVAL);
	CHECK_INT(replicas(LIT("eastus=1,westus=2\0")), -EINVAL);
	CHECK_INT(replicas(LIT("east\0us=1")), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* sharingAdmins                                                       */

static int admins(const char *v, size_t len)
{
	memset(out, 'x', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	return gfs_parse_sharing_admins(v, len, out, sizeof(out));
}

static void test_sharing_admins_canonical(void)
{
	CHECK_INT(admins(LIT("alice")), 0);
	CHECK_STR(out, "alice");
	CHECK_INT(admins(LIT("bob,alice")), 0);
	CHECK_STR(out, "alice,bob");
	/* sorted by bytes: '@' (0x40) < 'A' (0x41) < 'a' (0x61) */
	CHECK_INT(admins(LIT("bob,@admins,alice,Zed")), 0);
	CHECK_STR(out, "@admins,Zed,alice,bob");
	/* a prefix sorts first */
	CHECK_INT(admins(LIT("alice,al")), 0);
	CHECK_STR(out, "al,alice");
	/* duplicates dropped */
	CHECK_INT(admins(LIT("alice,alice")), 0);
	CHECK_STR(out, "alice");
	CHECK_INT(admins(LIT("bob,alice,bob,@g,alice,@g")), 0);
	CHECK_STR(out, "@g,alice,bob");
	/* a user and a group of the same name are two names */
	CHECK_INT(admins(LIT("alice,@alice")), 0);
	CHECK_STR(out, "@alice,alice");
	/* usual name characters, '$' at the end (machine accounts) */
	CHECK_INT(admins(LIT("svc.backup,host$,acg-admins,a_b")), 0);
	CHECK_STR(out, "a_b,acg-admins,host$,svc.backup");
	/* the canonical form parses to itself */
	CHECK_INT(admins(LIT("@admins,Zed,alice,bob")), 0);
	CHECK_STR(out, "@admins,Zed,alice,bob");
	/* only len bytes are read */
	CHECK_INT(admins("bob,alice,,", 9), 0);
	CHECK_STR(out, "alice,bob");
	/* blanks around commas, as in the INI file, read back canonical */
	CHECK_INT(admins(LIT("alice, @ops")), 0);
	CHECK_STR(out, "@ops,alice");
	CHECK_INT(admins(LIT("bob ,\talice  ,  @ops")), 0);
	CHECK_STR(out, "@ops,alice,bob");
}

static void test_sharing_admins_empty_valid(void)
{
	CHECK_INT(admins("", 0), 0);
	CHECK_STR(out, "");
	CHECK_INT(admins("alice", 0), 0);
	CHECK_STR(out, "");
}

static void test_sharing_admins_malformed(void)
{
	static const char *const bad[] = {
		",", "alice,", ",alice", "alice,,bob", "alice, ,bob", " alice",
		"alice ", "al ice", "alice,\tbob ",  "alice\n", "@", "@@g", "-bob", "@-g", "a:b",
		"a/b", "a$b", "alice;bob", "caf\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyz0123456", /* 33 characters */
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		int r = admins(bad[i], strlen(bad[i]));
		if (r != -EINVAL) {
			printf("# sharingAdmins \"%s\": %d, expected -EINVAL\n", bad[i], r);
			tap_case_failed = 1;
		}
	}
	/* 32 characters is the longest name */
	CHECK_INT(admins(LIT("abcdefghijklmnopqrstuvwxyz012345")), 0);
}

static void test_sharing_admins_nul_refused(void)
{
	/* design §4: no trailing NUL; a NUL inside the length is malformed. */
	CHECK_INT(admins(LIT("alice\0")), -EINVAL);
	CHECK_INT(admins(LIT("alice\0bob")), -EINVAL);
	CHECK_INT(admins(LIT("alice,bob\0")), -EINVAL);
	CHECK_INT(admins(LIT("\0")), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* R17 view, time format, list walking                                 */

static void test_replicas_one_per_region(void)
{
	gfs_replicas_one_per_region("eastus=3,westus=10", out, sizeof(out));
	CHECK_STR(out, "eastus=1,westus=1");
	gfs_replicas_one_per_region("eastus=1", out, sizeof(out));
	CHECK_STR(out, "eastus=1");
	gfs_replicas_one_per_region("brazilsouth=100", out, sizeof(out));
	CHECK_STR(out, "brazilsouth=1");
	gfs_replicas_one_per_region("", out, sizeof(out));
	CHECK_STR(out, "");
	/* the result is itself a canonical replicas value */
	char canon[GFS_PROP_VALUE_MAX];
	CHECK_INT(gfs_parse_replicas(LIT("westus=4,EastUS=2,centralus=99"), canon,
				     sizeof(canon)), 0);
	gfs_replicas_one_per_region(canon, out, sizeof(out));
	CHECK_STR(out, "centralus=1,eastus=1,westus=1");
	char again[GFS_PROP_VALUE_MAX];
	CHECK_INT(gfs_parse_replicas(out, strlen(out), again, sizeof(again)), 0);
	CHECK_STR(again, out);
	/* a short buffer is never overrun and stays a string */
	char small[12];
	memset(small, 'x', sizeof(small));
	gfs_replicas_one_per_region("eastus=3,westus=10", small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
}

static void test_format_utc(void)
{
	char t[21];

	gfs_format_utc(0, t);
	CHECK_STR(t, "1970-01-01T00:00:00Z");
	gfs_format_utc(1700000000, t);
	CHECK_STR(t, "2023-11-14T22:13:20Z");
	gfs_format_utc(951782400, t);          /* a leap day */
	CHECK_STR(t, "2000-02-29T00:00:00Z");
	gfs_format_utc(2147483647, t);
	CHECK_STR(t, "2038-01-19T03:14:07Z");
	gfs_format_utc(4102444800LL, t);       /* after 2038 */
	CHECK_STR(t, "2100-01-01T00:00:00Z");
	/* seven days later (retention) */
	gfs_format_utc(1700000000 + 7 * 86400, t);
	CHECK_STR(t, "2023-11-21T22:13:20Z");
	/* UTC whatever the local time zone */
	const char *old = getenv("TZ");
	char saved[128] = "";
	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("TZ", "America/New_York", 1);
	tzset();
	gfs_format_utc(1700000000, t);
	CHECK_STR(t, "2023-11-14T22:13:20Z");
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	gfs_format_utc(0, t);
	CHECK_STR(t, "1970-01-01T00:00:00Z");
	if (old)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	CHECK_INT(strlen(t), 20);
}

static void test_list_next(void)
{
	const char *cur = "@g,alice,bob";
	char item[16];

	CHECK_STR(gfs_list_next(&cur, item, sizeof(item)), "@g");
	CHECK_STR(gfs_list_next(&cur, item, sizeof(item)), "alice");
	CHECK_STR(gfs_list_next(&cur, item, sizeof(item)), "bob");
	CHECK(gfs_list_next(&cur, item, sizeof(item)) == NULL);
	CHECK(gfs_list_next(&cur, item, sizeof(item)) == NULL);
	cur = "";
	CHECK(gfs_list_next(&cur, item, sizeof(item)) == NULL);
	cur = NULL;
	CHECK(gfs_list_next(&cur, item, sizeof(item)) == NULL);
	/* an item longer than the buffer is cut, and the walk goes on */
	cur = "abcdefghij,k";
	CHECK_STR(gfs_list_next(&cur, item, 5), "abcd");
	CHECK_STR(gfs_list_next(&cur, item, 5), "k");
	CHECK(gfs_list_next(&cur, item, 5) == NULL);
}

int main(void)
{
	RUN(test_listxattr_order_matches_spec);
	RUN(test_applicability_matches_spec);
	RUN(test_read_only_matches_spec);
	RUN(test_prop_lookup);
	RUN(test_prop_forms);
	RUN(test_location_canonical);
	RUN(test_location_malformed);
	RUN(test_bool);
	RUN(test_kind);
	RUN(test_sharing);
	RUN(test_provisioning);
	RUN(test_replicas_canonical);
	RUN(test_replicas_sorted_by_region);
	RUN(test_replicas_duplicates_refused);
	RUN(test_replicas_malformed);
	RUN(test_replicas_nul_refused);
	RUN(test_sharing_admins_canonical);
	RUN(test_sharing_admins_empty_valid);
	RUN(test_sharing_admins_malformed);
	RUN(test_sharing_admins_nul_refused);
	RUN(test_replicas_one_per_region);
	RUN(test_format_utc);
	RUN(test_list_next);
	return TAP_DONE();
}
