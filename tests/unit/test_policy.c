/*
 * test_policy.c — the policy engine of design §5, one test per rule and named
 * after it (test_R0_... to test_R18_...), each with the permitted and the
 * refused side; then the order in which checks answer when a request
 * breaks two rules; then the effects (R2/R11 removals, R17 replicas) and
 * the classification of permitted renames.
 *
 * Requests are built by hand, the way the tree would fill them from the
 * catalog: one gallery "prod" (soft delete off unless a test switches it
 * on) with definitions "ubuntu" and "debian", versions 1.0.0 and 2.0.0 of
 * ubuntu, and a file disk.vhd in 1.0.0. No catalog, no mount.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "policy.h"
#include "props.h"
#include "tap.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

static struct gfs_config cfg;
static struct gfs_err err;

/* Catalog ids of the example tree. */
enum { GAL = 1, DEF = 2, VER = 3, DEF2 = 5, VER2 = 6, GAL2 = 7, VER3 = 8 };

/* ------------------------------------------------------------------ */
/* the example tree                                                    */

static struct gfs_where node(enum gfs_place place, const char *path,
			     const char *name, int64_t def, int64_t ver)
{
	struct gfs_where w;

	memset(&w, 0, sizeof(w));
	w.place = place;
	snprintf(w.path, sizeof(w.path), "%s", path);
	w.name = name;
	w.gallery = place == GFS_AT_ROOT ? 0 : GAL;
	w.definition = def;
	w.version = ver;
	w.soft_delete = false;
	w.kind = GFS_KIND_IMAGE;
	w.prov = GFS_PROV_SUCCEEDED;
	snprintf(w.gallery_location, sizeof(w.gallery_location), "eastus");
	snprintf(w.definition_location, sizeof(w.definition_location), "eastus");
	return w;
}

static struct gfs_where root(void)
{
	return node(GFS_AT_ROOT, "", "", 0, 0);
}

static struct gfs_where gallery(void)
{
	return node(GFS_AT_GALLERY, "prod", "prod", 0, 0);
}

static struct gfs_where gallery2(void)
{
	struct gfs_where w = node(GFS_AT_GALLERY, "test", "test", 0, 0);
	w.gallery = GAL2;
	return w;
}

static struct gfs_where definition(void)
{
	return node(GFS_AT_DEFINITION, "prod/ubuntu", "ubuntu", DEF, 0);
}

static struct gfs_where definition2(void)
{
	return node(GFS_AT_DEFINITION, "prod/debian", "debian", DEF2, 0);
}

static struct gfs_where version(void)
{
	return node(GFS_AT_VERSION, "prod/ubuntu/1.0.0", "1.0.0", DEF, VER);
}

static struct gfs_where version2(void)
{
	return node(GFS_AT_VERSION, "prod/ubuntu/2.0.0", "2.0.0", DEF, VER2);
}

/* debian/1.0.0: the same version name in another definition */
static struct gfs_where version_of_def2(void)
{
	return node(GFS_AT_VERSION, "prod/debian/1.0.0", "1.0.0", DEF2, VER3);
}

static struct gfs_where file(void)
{
	return node(GFS_AT_FILE, "prod/ubuntu/1.0.0/disk.vhd", "disk.vhd", DEF, VER);
}

static struct gfs_where file_named(const char *path, const char *name)
{
	return node(GFS_AT_FILE, path, name, DEF, VER);
}

static struct gfs_where sd_root(void)
{
	return node(GFS_AT_SD_ROOT, "prod/.softdeleted", ".softdeleted", 0, 0);
}

static struct gfs_where sd_definition(void)
{
	return node(GFS_AT_SD_DEFINITION, "prod/.softdeleted/ubuntu", "ubuntu", DEF, 0);
}

static struct gfs_where sd_definition2(void)
{
	return node(GFS_AT_SD_DEFINITION, "prod/.softdeleted/debian", "debian", DEF2, 0);
}

static struct gfs_where shadow(void)
{
	return node(GFS_AT_SHADOW, "prod/.softdeleted/ubuntu/1.0.0", "1.0.0", DEF, VER);
}

static struct gfs_where shadow2(void)
{
	return node(GFS_AT_SHADOW, "prod/.softdeleted/ubuntu/2.0.0", "2.0.0", DEF, VER2);
}

/* soft-deleted items know their original path (view_where's home) */
static struct gfs_where at_home(struct gfs_where w, const char *home)
{
	snprintf(w.home, sizeof(w.home), "%s", home);
	return w;
}

static struct gfs_where sd_version(void)
{
	return at_home(node(GFS_AT_SD_VERSION, "prod/.softdeleted/ubuntu/1.0.0",
			    "1.0.0", DEF, VER), "prod/ubuntu/1.0.0");
}

static struct gfs_where sd_file(void)
{
	return at_home(node(GFS_AT_SD_FILE, "prod/.softdeleted/ubuntu/1.0.0/disk.vhd",
			    "disk.vhd", DEF, VER), "prod/ubuntu/1.0.0/disk.vhd");
}

/* Modifiers: soft delete on in the gallery, application kind, Failed. */
static struct gfs_where on(struct gfs_where w)
{
	w.soft_delete = true;
	return w;
}

static struct gfs_where app(struct gfs_where w)
{
	w.kind = GFS_KIND_APPLICATION;
	return w;
}

static struct gfs_where failed(struct gfs_where w)
{
	w.prov = GFS_PROV_FAILED;
	return w;
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

static struct gfs_request request(enum gfs_action action, struct gfs_where at)
{
	struct gfs_request r;

	memset(&r, 0, sizeof(r));
	r.action = action;
	r.cfg = &cfg;
	r.at = at;
	r.prop = -2;
	r.rename = GFS_RENAME_NONE;
	return r;
}

/* A creation (mkdir, create, mknod, symlink, link) of name in parent. */
static struct gfs_request creation(enum gfs_action action, struct gfs_where parent,
				   const char *name, size_t len)
{
	struct gfs_request r = request(action, parent);
	r.name = name;
	r.name_len = len;
	return r;
}

static struct gfs_request make(enum gfs_action action, struct gfs_where parent,
			       const char *name)
{
	return creation(action, parent, name, strlen(name));
}

/* rename(from, to_parent/name) */
static struct gfs_request move(struct gfs_where from, struct gfs_where to_parent,
			       const char *name)
{
	struct gfs_request r = request(GFS_ACT_RENAME, from);
	r.name = name;
	r.name_len = strlen(name);
	r.to = to_parent;
	return r;
}

/* ... onto an existing node */
static struct gfs_request move_onto(struct gfs_where from, struct gfs_where to_parent,
				    const char *name, struct gfs_where existing)
{
	struct gfs_request r = move(from, to_parent, name);
	r.to_exists = true;
	r.to_node = existing;
	return r;
}

/* setxattr of a property that applies, with a well-formed new value. */
static struct gfs_request set_prop(struct gfs_where at, int prop)
{
	struct gfs_request r = request(GFS_ACT_SETXATTR, at);
	r.prop = prop;
	r.prop_applies = true;
	r.value_ok = true;
	return r;
}

/* setxattr user.acg.softDelete=true on a gallery that has it off. */
static struct gfs_request switch_on(unsigned roles)
{
	struct gfs_request r = set_prop(gallery(), GFS_PROP_SOFT_DELETE);
	r.switch_on = true;
	r.roles = roles;
	return r;
}

static struct gfs_request switch_off(unsigned roles)
{
	struct gfs_request r = set_prop(on(gallery()), GFS_PROP_SOFT_DELETE);
	r.switch_off = true;
	r.roles = roles;
	return r;
}

/* rmdir of a directory */
static struct gfs_request rmdir_of(struct gfs_where at, bool live_children,
				   bool holds)
{
	struct gfs_request r = request(GFS_ACT_RMDIR, at);
	r.has_live_children = live_children;
	r.holds_softdeleted = holds;
	return r;
}

/* ------------------------------------------------------------------ */
/* expectations                                                        */

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static bool same_rule(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The request is refused with errno eno by rule (NULL: a plain error), err
 * names path (NULL: not checked), and the reason is non-empty and holds
 * word (NULL: not checked). */
static void expect_refused(struct gfs_request *r, int eno, const char *rule,
			   const char *path, const char *word, int line)
{
	memset(&err, 'x', sizeof(err));
	int rc = gfs_policy_check(r, &err);
	bool ok = rc == -eno && err.errnum == eno && same_rule(err.rule, rule) &&
		  (!path || strcmp(err.path, path) == 0) && err.reason[0] != '\0' &&
		  strlen(err.reason) < sizeof(err.reason) &&
		  (!word || strstr(err.reason, word) != NULL);
	if (!ok) {
		printf("# line %d: got %d (errnum %d, rule %s, path \"%.*s\", "
		       "reason \"%.*s\")\n", line, rc, err.errnum,
		       rc ? str(err.rule) : "-", 200, err.path, 300, err.reason);
		printf("# line %d: expected %d (rule %s, path \"%s\", reason "
		       "holding \"%s\")\n", line, -eno, str(rule), str(path),
		       str(word));
		tap_case_failed = 1;
	}
}

static void expect_permitted(struct gfs_request *r, int line)
{
	memset(&err, 'x', sizeof(err));
	int rc = gfs_policy_check(r, &err);
	if (rc != 0 || err.errnum != 0 || err.rule != NULL) {
		printf("# line %d: refused %d, rule %s, path \"%.*s\": %.*s\n", line,
		       rc, rc ? str(err.rule) : "-", 200, err.path, 300, err.reason);
		tap_case_failed = 1;
	}
}

#define REFUSED(r, eno, rule, path, word) \
	expect_refused(&(r), eno, rule, path, word, __LINE__)
#define PERMITTED(r) expect_permitted(&(r), __LINE__)

/* A request is refused/permitted, built inline. */
#define REFUSED_REQ(expr, eno, rule, path, word)                             \
	do {                                                                 \
		struct gfs_request req_ = (expr);                            \
		expect_refused(&req_, eno, rule, path, word, __LINE__);      \
	} while (0)
#define PERMITTED_REQ(expr)                                                  \
	do {                                                                 \
		struct gfs_request req_ = (expr);                            \
		expect_permitted(&req_, __LINE__);                           \
	} while (0)

static void reset_config(void)
{
	gfs_config_defaults(&cfg);
}

/* Index of the first table entry with this id, or -1. */
static int rule_index(const char *id)
{
	for (size_t i = 0; i < gfs_rules_count; i++)
		if (gfs_rules[i].id && strcmp(gfs_rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Index of the first row with this id whose summary holds words. */
static int rule_row(const char *id, const char *words)
{
	for (size_t i = 0; i < gfs_rules_count; i++)
		if (gfs_rules[i].id && strcmp(gfs_rules[i].id, id) == 0 &&
		    strstr(gfs_rules[i].summary, words))
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* the table                                                           */

static void test_R0_documented_not_modelled(void)
{
	int i = rule_index("R0");
	CHECK(i >= 0);
	if (i < 0)
		return;
	const struct gfs_rule *r0 = &gfs_rules[i];
	CHECK_STR(r0->errnos, "-");
	CHECK(r0->summary && (strstr(r0->summary, "portal") ||
			      strstr(r0->summary, "REST")));
	CHECK(r0->check != NULL);
	/* not modelled: it never refuses anything */
	struct gfs_request r = make(GFS_ACT_MKDIR, root(), "prod");
	CHECK_INT(r0->check(&r, &err), 0);
	r = switch_on(0);
	CHECK_INT(r0->check(&r, &err), 0);
}

static void test_table_has_every_rule(void)
{
	char id[8];
	for (int n = 0; n <= 18; n++) {
		snprintf(id, sizeof(id), "R%d", n);
		int i = rule_index(id);
		CHECK(i >= 0);
		if (i < 0)
			printf("# rule %s is not in the table\n", id);
	}
	for (size_t i = 0; i < gfs_rules_count; i++) {
		/* a rule, or (id NULL) a plain POSIX answer kept in its place */
		CHECK(gfs_rules[i].id ? gfs_rules[i].id[0] == 'R' :
		      gfs_rules[i].errnos[0] == 'E' && !strchr(gfs_rules[i].errnos, '/'));
		CHECK(gfs_rules[i].errnos && gfs_rules[i].errnos[0]);
		CHECK(gfs_rules[i].summary && gfs_rules[i].summary[0]);
		CHECK(gfs_rules[i].check != NULL);
	}
}

static void test_table_order_is_spec_order(void)
{
	/* design §5: names (R12), R15, R18, R4, R5, R9, R10, R7, R6, R3, R8,
	 * R14, R13, R16. */
	static const char *const order[] = { "R12", "R15", "R18", "R4", "R5",
		"R9", "R10", "R7", "R6", "R3", "R8", "R14", "R13", "R16" };
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		/* R13's place in the order is that of live renames; its row
		 * for what may enter the trash answers with R15's */
		int a = rule_index(order[i - 1]), b = strcmp(order[i], "R13") == 0 ?
			rule_row("R13", "not renamed") : rule_index(order[i]);
		CHECK(a >= 0 && b >= 0 && a < b);
		if (!(a < b))
			printf("# %s (%d) should come before %s (%d)\n",
			       order[i - 1], a, order[i], b);
	}
}

/* ------------------------------------------------------------------ */
/* one test per rule                                                   */

static void test_R1_retention_fixed_at_7_days(void)
{
	reset_config();
	CHECK_INT(cfg.retention_days, 7);

	/* refused: another value, whoever asks, soft delete on or off */
	struct gfs_request r = set_prop(gallery(), GFS_PROP_RETENTION_DAYS);
	REFUSED(r, EPERM, "R1", "prod", "7 days");
	r.roles = GFS_ROLE_SUB_OWNER | GFS_ROLE_SUB_SHARING_ADMIN;
	REFUSED(r, EPERM, "R1", "prod", "7 days");
	r = set_prop(on(gallery()), GFS_PROP_RETENTION_DAYS);
	REFUSED(r, EPERM, "R1", "prod", "7 days");

	/* permitted: writing back the value it has (a backup restore) */
	r = set_prop(gallery(), GFS_PROP_RETENTION_DAYS);
	r.same_value = true;
	PERMITTED(r);

	/* a malformed value is the attribute form's (R18) */
	r = set_prop(gallery(), GFS_PROP_RETENTION_DAYS);
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod", "7");
}

static void test_R2_application_versions_never_softdeleted(void)
{
	reset_config();
	/* refused: an application version or file moved into .softdeleted */
	REFUSED_REQ(move_onto(on(app(version())), on(sd_definition()), "1.0.0",
			      shadow()),
		    EPERM, "R2", "prod/ubuntu/1.0.0", "rm");
	REFUSED_REQ(move(on(app(version())), on(sd_definition()), "1.0.0"),
		    EPERM, "R2", "prod/ubuntu/1.0.0", "rm");
	REFUSED_REQ(move(on(app(file())), on(shadow()), "disk.vhd"),
		    EPERM, "R2", "prod/ubuntu/1.0.0/disk.vhd", "rm");

	/* permitted: the same moves of an image version or file */
	struct gfs_request r = move_onto(on(version()), on(sd_definition()), "1.0.0",
					 shadow());
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_VERSION);
	r = move(on(file()), on(shadow()), "disk.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_FILE);

	/* permitted, and for good: removing application versions and files */
	PERMITTED_REQ(rmdir_of(on(app(version())), false, false));
	PERMITTED_REQ(request(GFS_ACT_UNLINK, on(app(file()))));
	struct gfs_where w = on(app(version()));
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(app(file()));
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(version());
	CHECK(gfs_policy_removal_is_soft(&w));
}

static void test_R3_no_removal_while_holding_softdeleted(void)
{
	reset_config();
	/* refused: soft delete on, the gallery or definition holds items */
	REFUSED_REQ(rmdir_of(on(gallery()), false, true), ENOTEMPTY, "R3", "prod",
		    "hard-delete");
	REFUSED_REQ(rmdir_of(on(definition()), false, true), ENOTEMPTY, "R3",
		    "prod/ubuntu", "switch soft delete off");

	/* permitted: holding nothing; soft delete off for a definition (the
	 * FAQ's remedy: its soft-deleted versions go with it) */
	PERMITTED_REQ(rmdir_of(on(gallery()), false, false));
	PERMITTED_REQ(rmdir_of(on(definition()), false, false));
	PERMITTED_REQ(rmdir_of(definition(), false, true));
	PERMITTED_REQ(rmdir_of(gallery(), false, false));

	/* a directory with live children: plain ENOTEMPTY */
	REFUSED_REQ(rmdir_of(gallery(), true, false), ENOTEMPTY, NULL, "prod", NULL);
	REFUSED_REQ(rmdir_of(on(definition()), true, true), ENOTEMPTY, NULL,
		    "prod/ubuntu", NULL);
	REFUSED_REQ(rmdir_of(on(version()), true, false), ENOTEMPTY, NULL,
		    "prod/ubuntu/1.0.0", NULL);
	/* a soft-deleted version still holding files (as remove.c asks) */
	REFUSED_REQ(rmdir_of(on(sd_version()), true, false), ENOTEMPTY, NULL,
		    "prod/.softdeleted/ubuntu/1.0.0", NULL);
}

static void test_R4_roles_to_switch_and_name_admins(void)
{
	reset_config();
	/* refused: no role, switching on or off */
	REFUSED_REQ(switch_on(0), EACCES, "R4", "prod", "ask");
	REFUSED_REQ(switch_off(0), EACCES, "R4", "prod", "off");
	/* permitted: any of the three roles, on and off */
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_SHARING_ADMIN));
	PERMITTED_REQ(switch_on(GFS_ROLE_GALLERY_SHARING_ADMIN));
	PERMITTED_REQ(switch_off(GFS_ROLE_SUB_OWNER));
	PERMITTED_REQ(switch_off(GFS_ROLE_SUB_SHARING_ADMIN));
	PERMITTED_REQ(switch_off(GFS_ROLE_GALLERY_SHARING_ADMIN));

	/* sharingAdmins: subscription-level roles only */
	struct gfs_request r = set_prop(gallery(), GFS_PROP_SHARING_ADMINS);
	REFUSED(r, EACCES, "R4", "prod", "ask");
	r.roles = GFS_ROLE_GALLERY_SHARING_ADMIN;
	REFUSED(r, EACCES, "R4", "prod", "subscription");
	r.roles = GFS_ROLE_SUB_OWNER;
	PERMITTED(r);
	r.roles = GFS_ROLE_SUB_SHARING_ADMIN;
	PERMITTED(r);
	r.roles = GFS_ROLE_SUB_SHARING_ADMIN | GFS_ROLE_GALLERY_SHARING_ADMIN;
	PERMITTED(r);

	/* other properties need no role */
	PERMITTED_REQ(set_prop(gallery(), GFS_PROP_SHARING));
	PERMITTED_REQ(set_prop(gallery(), GFS_PROP_LOCATION));
	PERMITTED_REQ(set_prop(version(), GFS_PROP_PROVISIONING_STATE));
}

static void test_R5_not_in_national_clouds(void)
{
	reset_config();
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));

	cfg.cloud = GFS_CLOUD_US_GOVERNMENT;
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R5", "prod",
		    "AzureCloud");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R5", "prod",
		    "AzureUSGovernment");
	/* only switching on is refused: an "on" gallery can go off */
	PERMITTED_REQ(switch_off(GFS_ROLE_SUB_OWNER));
	/* ... and removals stay what they are */
	PERMITTED_REQ(request(GFS_ACT_UNLINK, on(file())));

	cfg.cloud = GFS_CLOUD_CHINA;
	REFUSED_REQ(switch_on(GFS_ROLE_GALLERY_SHARING_ADMIN), EOPNOTSUPP, "R5",
		    "prod", "AzureChinaCloud");
	PERMITTED_REQ(switch_off(GFS_ROLE_GALLERY_SHARING_ADMIN));
	reset_config();
}

static void test_R6_one_location(void)
{
	reset_config();
	/* refused: switching on while a version is elsewhere */
	struct gfs_request r = switch_on(GFS_ROLE_SUB_OWNER);
	r.location_conflict = "prod/ubuntu/1.0.0";
	REFUSED(r, EINVAL, "R6", "prod", "prod/ubuntu/1.0.0");
	REFUSED(r, EINVAL, "R6", "prod", "first");
	/* refused: while on, a location change that creates a difference */
	r = set_prop(on(version()), GFS_PROP_LOCATION);
	r.location_change_conflict = true;
	REFUSED(r, EINVAL, "R6", "prod/ubuntu/1.0.0", "switch soft delete off");
	r = set_prop(on(definition()), GFS_PROP_LOCATION);
	r.location_change_conflict = true;
	r.location_conflict = "prod/ubuntu/2.0.0";
	REFUSED(r, EINVAL, "R6", "prod/ubuntu", "prod/ubuntu/2.0.0");
	r = set_prop(on(gallery()), GFS_PROP_LOCATION);
	r.location_change_conflict = true;
	r.location_conflict = "prod/debian/1.0.0";
	REFUSED(r, EINVAL, "R6", "prod", "prod/debian/1.0.0");

	/* permitted: no conflict (e.g. a definition without versions) */
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	PERMITTED_REQ(set_prop(on(version()), GFS_PROP_LOCATION));
	PERMITTED_REQ(set_prop(on(definition()), GFS_PROP_LOCATION));
	PERMITTED_REQ(set_prop(on(gallery()), GFS_PROP_LOCATION));
	/* switching off ignores locations */
	r = switch_off(GFS_ROLE_SUB_OWNER);
	r.location_conflict = "prod/ubuntu/1.0.0";
	PERMITTED(r);
}

static void test_R7_vmss_flex_incompatible(void)
{
	reset_config();
	/* refused: switching on while a version has the flag */
	struct gfs_request r = switch_on(GFS_ROLE_SUB_OWNER);
	r.vmss_conflict = "prod/ubuntu/1.0.0";
	REFUSED(r, EBUSY, "R7", "prod", "prod/ubuntu/1.0.0");
	REFUSED(r, EBUSY, "R7", "prod", "usedByVmssFlex");
	/* refused: setting the flag to true while on */
	r = set_prop(on(version()), GFS_PROP_USED_BY_VMSS_FLEX);
	r.set_flag_true = true;
	REFUSED(r, EBUSY, "R7", "prod/ubuntu/1.0.0", "switch soft delete off");

	/* permitted: the flag set while off; set to false while on */
	r = set_prop(version(), GFS_PROP_USED_BY_VMSS_FLEX);
	r.set_flag_true = true;
	PERMITTED(r);
	PERMITTED_REQ(set_prop(on(version()), GFS_PROP_USED_BY_VMSS_FLEX));
	/* switching off with flags around */
	r = switch_off(GFS_ROLE_SUB_OWNER);
	r.vmss_conflict = "prod/ubuntu/1.0.0";
	PERMITTED(r);
}

static void test_R8_failed_versions_not_deleted_while_on(void)
{
	reset_config();
	const char *v = "prod/ubuntu/1.0.0", *f = "prod/ubuntu/1.0.0/disk.vhd";

	/* refused: every way of deleting a Failed image version or its files */
	REFUSED_REQ(request(GFS_ACT_UNLINK, on(failed(file()))), EPERM, "R8", f,
		    "switch soft delete off");
	REFUSED_REQ(rmdir_of(on(failed(version())), false, false), EPERM, "R8", v,
		    "switch soft delete off");
	REFUSED_REQ(move_onto(on(failed(version())), on(sd_definition()), "1.0.0",
			      shadow()), EPERM, "R8", v, "delete");
	REFUSED_REQ(move(on(failed(file())), on(failed(shadow())), "disk.vhd"),
		    EPERM, "R8", f, "delete");
	/* renaming another file over one */
	struct gfs_where tmp = on(failed(file_named("prod/ubuntu/1.0.0/tmp", "tmp")));
	REFUSED_REQ(move_onto(tmp, on(failed(version())), "disk.vhd",
			      on(failed(file()))), EPERM, "R8", f, "delete");

	/* permitted: soft delete off; application versions; other states */
	PERMITTED_REQ(request(GFS_ACT_UNLINK, failed(file())));
	PERMITTED_REQ(rmdir_of(failed(version()), false, false));
	PERMITTED_REQ(request(GFS_ACT_UNLINK, on(app(failed(file())))));
	PERMITTED_REQ(rmdir_of(on(app(failed(version()))), false, false));
	PERMITTED_REQ(request(GFS_ACT_UNLINK, on(file())));
	PERMITTED_REQ(rmdir_of(on(version()), false, false));
	struct gfs_where creating = on(file());
	creating.prov = GFS_PROV_CREATING;
	PERMITTED_REQ(request(GFS_ACT_UNLINK, creating));
	/* a rename within the Failed version that replaces nothing */
	struct gfs_request r = move(on(failed(file())), on(failed(version())), "d2");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);
	/* writing to it is no deletion */
	PERMITTED_REQ(request(GFS_ACT_OPEN_WRITE, on(failed(file()))));
}

static void test_R9_needs_preview_feature(void)
{
	reset_config();
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.features, sizeof(cfg.features), "%s", "");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R9", "prod",
		    "register");
	snprintf(cfg.features, sizeof(cfg.features), "%s", "OtherFeature");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R9", "prod",
		    "SIGSoftDelete");
	snprintf(cfg.features, sizeof(cfg.features), "%s", "SIGSoftDeleteX");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R9", "prod", NULL);
	/* switching off needs no feature */
	PERMITTED_REQ(switch_off(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.features, sizeof(cfg.features), "%s", "OtherFeature,SIGSoftDelete");
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	reset_config();
}

static void test_R10_needs_api_version(void)
{
	reset_config();
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2023-07-03");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R10", "prod",
		    "api_version");
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2024-03-02");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R10", "prod",
		    "2024-03-03");
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2022-08-03-preview");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R10", "prod", NULL);
	/* switching off needs no version */
	PERMITTED_REQ(switch_off(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2024-03-03");
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2025-01-02");
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2024-10-01-preview");
	PERMITTED_REQ(switch_on(GFS_ROLE_SUB_OWNER));
	reset_config();
}

static void test_R11_soft_delete_covers_image_versions_only(void)
{
	struct gfs_where w;

	/* soft: live image versions and their files, soft delete on */
	w = on(version());
	CHECK(gfs_policy_removal_is_soft(&w));
	w = on(file());
	CHECK(gfs_policy_removal_is_soft(&w));
	w = on(failed(file()));         /* R8 refuses it; if it were asked */
	CHECK(gfs_policy_removal_is_soft(&w));
	/* for good: soft delete off */
	w = version();
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = file();
	CHECK(!gfs_policy_removal_is_soft(&w));
	/* for good: galleries and definitions, even with soft delete on */
	w = on(gallery());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(definition());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(root());
	CHECK(!gfs_policy_removal_is_soft(&w));
	/* for good: what is already in .softdeleted (hard delete) */
	w = on(sd_version());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(sd_file());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(shadow());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(sd_definition());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(sd_root());
	CHECK(!gfs_policy_removal_is_soft(&w));
	w = on(node(GFS_AT_ORPHAN, "(deleted)/x", "x", DEF, VER));
	CHECK(!gfs_policy_removal_is_soft(&w));
	/* for good: application versions (R2) */
	w = on(app(version()));
	CHECK(!gfs_policy_removal_is_soft(&w));
	CHECK(rule_index("R11") >= 0);
}

static void test_R12_names_and_node_types(void)
{
	char longname[300];

	reset_config();
	/* refused: names that break the level's rule */
	REFUSED_REQ(make(GFS_ACT_MKDIR, root(), "my-gallery"), EINVAL, "R12",
		    "my-gallery", "choose");
	REFUSED_REQ(make(GFS_ACT_MKDIR, root(), ".softdeleted"), EINVAL, "R12",
		    ".softdeleted", "gallery");
	REFUSED_REQ(make(GFS_ACT_MKDIR, gallery(), "-ubuntu"), EINVAL, "R12",
		    "prod/-ubuntu", "definition");
	REFUSED_REQ(make(GFS_ACT_MKDIR, gallery(), ".softdeleted"), EINVAL, "R12",
		    "prod/.softdeleted", NULL);
	REFUSED_REQ(make(GFS_ACT_MKDIR, definition(), "1.0"), EINVAL, "R12",
		    "prod/ubuntu/1.0", "version");
	REFUSED_REQ(make(GFS_ACT_MKDIR, definition(), "01.0.0"), EINVAL, "R12",
		    "prod/ubuntu/01.0.0", NULL);
	REFUSED_REQ(make(GFS_ACT_MKDIR, definition(), "2147483648.0.0"), EINVAL,
		    "R12", "prod/ubuntu/2147483648.0.0", NULL);
	REFUSED_REQ(creation(GFS_ACT_CREATE, version(), "a\0b", 3), EINVAL, "R12",
		    NULL, "file");
	memset(longname, 'g', 81);
	longname[81] = '\0';
	REFUSED_REQ(make(GFS_ACT_MKDIR, root(), longname), ENAMETOOLONG, "R12",
		    longname, NULL);
	longname[3] = '-';   /* ENAMETOOLONG before EINVAL */
	REFUSED_REQ(make(GFS_ACT_MKDIR, root(), longname), ENAMETOOLONG, "R12",
		    longname, NULL);
	memset(longname, 'f', 256);
	longname[256] = '\0';
	REFUSED_REQ(make(GFS_ACT_CREATE, version(), longname), ENAMETOOLONG, "R12",
		    NULL, NULL);
	/* renames are judged by the destination's level */
	REFUSED_REQ(move(file(), version(), ".."), EINVAL, "R12",
		    "prod/ubuntu/1.0.0/..", NULL);

	/* refused: what cannot be created */
	REFUSED_REQ(make(GFS_ACT_MKDIR, version(), "sub"), EPERM, "R12",
		    "prod/ubuntu/1.0.0/sub", "mkdir");
	REFUSED_REQ(make(GFS_ACT_SYMLINK, version(), "link"), EPERM, "R12",
		    "prod/ubuntu/1.0.0/link", NULL);
	REFUSED_REQ(make(GFS_ACT_LINK, version(), "hard"), EPERM, "R12",
		    "prod/ubuntu/1.0.0/hard", NULL);
	REFUSED_REQ(make(GFS_ACT_MKNOD, version(), "fifo"), EPERM, "R12",
		    "prod/ubuntu/1.0.0/fifo", NULL);
	REFUSED_REQ(make(GFS_ACT_SYMLINK, gallery(), "link"), EPERM, "R12",
		    "prod/link", NULL);
	REFUSED_REQ(make(GFS_ACT_CREATE, definition(), "1.0.1"), EPERM, "R12",
		    "prod/ubuntu/1.0.1", "versions");
	REFUSED_REQ(make(GFS_ACT_CREATE, gallery(), "notes"), EPERM, "R12",
		    "prod/notes", NULL);
	REFUSED_REQ(make(GFS_ACT_CREATE, root(), "notes"), EPERM, "R12", "notes",
		    NULL);

	/* permitted: galleries, definitions, versions, files in versions */
	PERMITTED_REQ(make(GFS_ACT_MKDIR, root(), "prod"));
	PERMITTED_REQ(make(GFS_ACT_MKDIR, root(), "Prod_2.x"));
	PERMITTED_REQ(make(GFS_ACT_MKDIR, gallery(), "ubuntu-22.04"));
	PERMITTED_REQ(make(GFS_ACT_MKDIR, definition(), "1.0.0"));
	PERMITTED_REQ(make(GFS_ACT_MKDIR, on(definition()), "2147483647.0.0"));
	PERMITTED_REQ(make(GFS_ACT_CREATE, version(), "disk.vhd"));
	PERMITTED_REQ(make(GFS_ACT_CREATE, on(version()), ".hidden"));
	memset(longname, 'f', 255);
	longname[255] = '\0';
	PERMITTED_REQ(make(GFS_ACT_CREATE, version(), longname));
	memset(longname, 'g', 80);
	longname[80] = '\0';
	PERMITTED_REQ(make(GFS_ACT_MKDIR, root(), longname));
}

static void test_R13_renames_of_live_nodes(void)
{
	reset_config();
	const char *f = "prod/ubuntu/1.0.0/disk.vhd";

	/* permitted: a file within its version, also over another file */
	struct gfs_request r = move(file(), version(), "renamed.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);
	struct gfs_where other = file_named("prod/ubuntu/1.0.0/other", "other");
	r = move_onto(file(), on(version()), "other", other);
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);
	r = move(file(), version(), "x");
	r.rename_flags = RENAME_NOREPLACE;
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);

	/* refused: a file to another version: EXDEV, so mv copies */
	REFUSED_REQ(move(file(), version2(), "disk.vhd"), EXDEV, "R13", f, "mv");
	REFUSED_REQ(move(on(file()), on(version_of_def2()), "disk.vhd"), EXDEV,
		    "R13", f, NULL);
	/* refused: a file out of the versions */
	REFUSED_REQ(move(file(), definition(), "1.0.9"), EPERM, "R13", f, NULL);
	REFUSED_REQ(move(file(), gallery(), "disk"), EPERM, "R13", f, NULL);

	/* refused: galleries, definitions, versions are never renamed */
	REFUSED_REQ(move(gallery(), root(), "prod2"), EPERM, "R13", "prod", "mkdir");
	REFUSED_REQ(move(definition(), gallery(), "ubuntu2"), EPERM, "R13",
		    "prod/ubuntu", "mkdir");
	REFUSED_REQ(move(definition(), gallery2(), "ubuntu"), EPERM, "R13",
		    "prod/ubuntu", NULL);
	REFUSED_REQ(move(version(), definition(), "1.0.1"), EPERM, "R13",
		    "prod/ubuntu/1.0.0", "mkdir");
	REFUSED_REQ(move(on(version()), on(definition2()), "1.0.0"), EPERM, "R13",
		    "prod/ubuntu/1.0.0", NULL);

	/* refused: exchange and whiteout; RENAME_NOREPLACE honoured */
	r = move_onto(file(), version(), "other", other);
	r.rename_flags = RENAME_EXCHANGE;
	REFUSED(r, EINVAL, "R13", f, "plain mv");
	r = move(file(), version(), "x");
	r.rename_flags = RENAME_WHITEOUT;
	REFUSED(r, EINVAL, "R13", f, NULL);
	r = move_onto(file(), version(), "other", other);
	r.rename_flags = RENAME_NOREPLACE;
	REFUSED(r, EEXIST, NULL, f, NULL);
}

static void test_R14_restore_to_original_path(void)
{
	reset_config();
	const char *sv = "prod/.softdeleted/ubuntu/1.0.0";
	const char *sf = "prod/.softdeleted/ubuntu/1.0.0/disk.vhd";

	/* permitted: back to the original path, soft delete on or off */
	struct gfs_request r = move(on(sd_version()), on(definition()), "1.0.0");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_VERSION);
	r = move(sd_version(), definition(), "1.0.0");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_VERSION);
	r = move(on(sd_file()), on(version()), "disk.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_FILE);
	r = move(sd_file(), version(), "disk.vhd");
	r.rename_flags = RENAME_NOREPLACE;
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_FILE);

	/* refused: any other path: EPERM (never EXDEV, never EINVAL), the
	 * message naming the path it can go back to */
	REFUSED_REQ(move(on(sd_version()), on(definition2()), "1.0.0"), EPERM,
		    "R14", sv, "back to prod/ubuntu/1.0.0");
	REFUSED_REQ(move(on(sd_version()), on(definition()), "1.0.1"), EPERM,
		    "R14", sv, "original path");
	REFUSED_REQ(move(on(sd_version()), on(gallery()), "ubuntu"), EPERM,
		    "R14", sv, NULL);
	REFUSED_REQ(move(on(sd_version()), on(version2()), "1.0.0"), EPERM,
		    "R14", sv, NULL);
	REFUSED_REQ(move(on(sd_file()), on(version2()), "disk.vhd"), EPERM,
		    "R14", sf, "back to prod/ubuntu/1.0.0/disk.vhd");
	REFUSED_REQ(move(on(sd_file()), on(version()), "disk2.vhd"), EPERM,
		    "R14", sf, NULL);
	REFUSED_REQ(move(on(sd_file()), on(definition()), "1.0.0"), EPERM,
		    "R14", sf, NULL);
	REFUSED_REQ(move(on(sd_file()), on(version_of_def2()), "disk.vhd"), EPERM,
		    "R14", sf, NULL);

	/* refused: the original path is taken: EEXIST */
	REFUSED_REQ(move_onto(on(sd_version()), on(definition()), "1.0.0",
			      on(version())), EEXIST, "R14", sv, "remove");
	REFUSED_REQ(move_onto(on(sd_file()), on(version()), "disk.vhd", on(file())),
		    EEXIST, "R14", sf, "remove");
}

static void test_R15_softdeleted_read_only(void)
{
	reset_config();
	const char *sf = "prod/.softdeleted/ubuntu/1.0.0/disk.vhd";
	const char *sv = "prod/.softdeleted/ubuntu/1.0.0";

	/* refused: creating anything inside */
	REFUSED_REQ(make(GFS_ACT_CREATE, on(shadow()), "x"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0/x", "mv");
	REFUSED_REQ(make(GFS_ACT_CREATE, on(sd_version()), "x"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0/x", NULL);
	REFUSED_REQ(make(GFS_ACT_MKDIR, on(sd_definition()), "2.0.0"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/2.0.0", NULL);
	REFUSED_REQ(make(GFS_ACT_MKDIR, on(sd_root()), "debian"), EPERM, "R15",
		    "prod/.softdeleted/debian", NULL);
	REFUSED_REQ(make(GFS_ACT_SYMLINK, on(sd_version()), "l"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0/l", NULL);
	REFUSED_REQ(make(GFS_ACT_LINK, on(shadow()), "h"), EPERM, "R15", NULL, NULL);
	REFUSED_REQ(make(GFS_ACT_MKNOD, on(shadow()), "n"), EPERM, "R15", NULL, NULL);
	/* refused: writes, owner/mode/times, attributes */
	REFUSED_REQ(request(GFS_ACT_OPEN_WRITE, on(sd_file())), EPERM, "R15", sf,
		    "restore");
	REFUSED_REQ(request(GFS_ACT_SETATTR, on(sd_file())), EPERM, "R15", sf,
		    "restore");
	REFUSED_REQ(request(GFS_ACT_SETATTR, sd_version()), EPERM, "R15", sv, NULL);
	REFUSED_REQ(request(GFS_ACT_SETATTR, on(shadow())), EPERM, "R15", sv, NULL);
	REFUSED_REQ(request(GFS_ACT_SETATTR, on(sd_root())), EPERM, "R15",
		    "prod/.softdeleted", NULL);
	REFUSED_REQ(request(GFS_ACT_SETATTR, on(sd_definition())), EPERM, "R15",
		    "prod/.softdeleted/ubuntu", NULL);
	REFUSED_REQ(request(GFS_ACT_SETXATTR, on(sd_version())), EPERM, "R15", sv,
		    NULL);
	REFUSED_REQ(request(GFS_ACT_REMOVEXATTR, on(sd_file())), EPERM, "R15", sf,
		    NULL);
	/* refused: the .softdeleted directories are never renamed */
	REFUSED_REQ(move(on(sd_root()), on(gallery()), "trash"), EPERM, "R15",
		    "prod/.softdeleted", "restore");
	REFUSED_REQ(move(on(sd_definition()), on(gallery()), "ubuntu2"), EPERM,
		    "R15", "prod/.softdeleted/ubuntu", NULL);
	REFUSED_REQ(move(on(shadow()), on(definition()), "1.0.0"), EPERM, "R15",
		    sv, NULL);
	/* refused: renames within .softdeleted */
	REFUSED_REQ(move(on(sd_file()), on(shadow2()), "disk.vhd"), EPERM, "R15",
		    sf, "restore");
	REFUSED_REQ(move(on(sd_version()), on(sd_definition2()), "1.0.0"), EPERM,
		    "R15", sv, NULL);
	REFUSED_REQ(move(on(sd_file()), on(sd_version()), "disk2.vhd"), EPERM,
		    "R15", sf, NULL);
	/* refused: into .softdeleted at a path that does not mirror it */
	REFUSED_REQ(move(on(version()), on(sd_definition()), "1.0.1"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.1", "mirrored");
	REFUSED_REQ(move(on(version()), on(sd_definition2()), "1.0.0"), EPERM, "R15",
		    "prod/.softdeleted/debian/1.0.0", "mirrored");
	REFUSED_REQ(move(on(file()), on(shadow2()), "disk.vhd"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/2.0.0/disk.vhd", "mirrored");
	REFUSED_REQ(move(on(file()), on(shadow()), "other.vhd"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0/other.vhd", NULL);
	REFUSED_REQ(move(on(definition()), on(sd_root()), "ubuntu"), EPERM, "R15",
		    "prod/.softdeleted/ubuntu", NULL);
	/* refused: into .softdeleted with soft delete off */
	REFUSED_REQ(move(version(), sd_definition(), "1.0.0"), EPERM, "R15",
		    "prod/ubuntu/1.0.0", "switch it on");
	REFUSED_REQ(move(file(), shadow(), "disk.vhd"), EPERM, "R15",
		    "prod/ubuntu/1.0.0/disk.vhd", "rm");
	/* refused: rmdir of a .softdeleted directory that holds items */
	REFUSED_REQ(rmdir_of(on(sd_root()), false, true), ENOTEMPTY, "R15",
		    "prod/.softdeleted", "hard-delete");
	REFUSED_REQ(rmdir_of(sd_definition(), false, true), ENOTEMPTY, "R15",
		    "prod/.softdeleted/ubuntu", NULL);
	REFUSED_REQ(rmdir_of(on(shadow()), false, true), ENOTEMPTY, "R15", sv, NULL);

	/* permitted: hard delete, rmdir of empty ones, the renames of §3 */
	PERMITTED_REQ(request(GFS_ACT_UNLINK, on(sd_file())));
	PERMITTED_REQ(request(GFS_ACT_UNLINK, sd_file()));
	PERMITTED_REQ(rmdir_of(on(sd_version()), false, false));
	PERMITTED_REQ(rmdir_of(on(sd_root()), false, false));
	PERMITTED_REQ(rmdir_of(on(sd_definition()), false, false));
	PERMITTED_REQ(rmdir_of(on(shadow()), false, false));
	PERMITTED_REQ(move_onto(on(version()), on(sd_definition()), "1.0.0",
				on(shadow())));
	PERMITTED_REQ(move(on(file()), on(shadow()), "disk.vhd"));
	PERMITTED_REQ(move(on(sd_version()), on(definition()), "1.0.0"));
	/* the live tree is writable */
	PERMITTED_REQ(request(GFS_ACT_SETATTR, on(file())));
	PERMITTED_REQ(request(GFS_ACT_OPEN_WRITE, on(file())));
	PERMITTED_REQ(request(GFS_ACT_SETXATTR, on(version())));
	PERMITTED_REQ(request(GFS_ACT_REMOVEXATTR, on(file())));
}

static void test_R16_softdeleted_version_name_reserved(void)
{
	reset_config();
	/* refused: mkdir of the name a soft-deleted version holds */
	struct gfs_request r = make(GFS_ACT_MKDIR, on(definition()), "1.0.0");
	r.to_exists = true;
	r.to_node = on(sd_version());
	REFUSED(r, EEXIST, "R16", "prod/ubuntu/1.0.0", "restore");
	/* ... also after soft delete was switched off */
	r = make(GFS_ACT_MKDIR, definition(), "1.0.0");
	r.to_exists = true;
	r.to_node = sd_version();
	REFUSED(r, EEXIST, "R16", "prod/ubuntu/1.0.0", "hard-delete");

	/* permitted: a free name; file names are not reserved */
	PERMITTED_REQ(make(GFS_ACT_MKDIR, on(definition()), "1.0.0"));
	PERMITTED_REQ(make(GFS_ACT_MKDIR, on(definition()), "1.0.1"));
	r = make(GFS_ACT_CREATE, on(version()), "disk.vhd");
	r.to_exists = true;
	r.to_node = on(sd_file());
	PERMITTED(r);
}

static void test_R17_one_replica_per_region_while_softdeleted(void)
{
	char view[GFS_PROP_VALUE_MAX];
	const char *stored = "eastus=3,westeurope=10,westus=1";

	gfs_policy_replicas_view(true, stored, view, sizeof(view));
	CHECK_STR(view, "eastus=1,westeurope=1,westus=1");
	/* restored: the stored counts read again */
	gfs_policy_replicas_view(false, stored, view, sizeof(view));
	CHECK_STR(view, stored);
	gfs_policy_replicas_view(true, "brazilsouth=100", view, sizeof(view));
	CHECK_STR(view, "brazilsouth=1");
	gfs_policy_replicas_view(false, "brazilsouth=100", view, sizeof(view));
	CHECK_STR(view, "brazilsouth=100");
	CHECK(rule_index("R17") >= 0);
}

static void test_R18_attribute_form(void)
{
	reset_config();
	/* refused: unknown user.acg.* name */
	struct gfs_request r = request(GFS_ACT_SETXATTR, gallery());
	r.prop = -1;
	REFUSED(r, EINVAL, "R18", "prod", "getfattr");
	/* refused: a property on a node it does not apply to */
	r = set_prop(gallery(), GFS_PROP_KIND);
	r.prop_applies = false;
	REFUSED(r, EINVAL, "R18", "prod", "user.acg.kind");
	r = set_prop(version(), GFS_PROP_SOFT_DELETE);
	r.prop_applies = false;
	REFUSED(r, EINVAL, "R18", "prod/ubuntu/1.0.0", "user.acg.softDelete");
	/* refused: removing a property */
	r = request(GFS_ACT_REMOVEXATTR, version());
	r.prop = GFS_PROP_LOCATION;
	r.prop_applies = true;
	REFUSED(r, EPERM, "R18", "prod/ubuntu/1.0.0", "set another value");
	/* refused: XATTR_CREATE on a property */
	r = set_prop(version(), GFS_PROP_REPLICAS);
	r.xattr_create = true;
	REFUSED(r, EEXIST, "R18", "prod/ubuntu/1.0.0", "XATTR_CREATE");
	/* refused: malformed values, naming the expected form */
	r = set_prop(gallery(), GFS_PROP_SOFT_DELETE);
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod", "true or false");
	r = set_prop(version(), GFS_PROP_REPLICAS);
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod/ubuntu/1.0.0", "1..100");
	r = set_prop(definition(), GFS_PROP_KIND);
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod/ubuntu", "image or application");
	/* refused: a sharingAdmins name that does not exist */
	r = set_prop(gallery(), GFS_PROP_SHARING_ADMINS);
	r.roles = GFS_ROLE_SUB_OWNER;
	r.value_ok = false;
	r.missing_admin = "nosuchuser";
	REFUSED(r, EINVAL, "R18", "prod", "nosuchuser");
	/* refused: kind while the definition holds soft-deleted items */
	r = set_prop(on(definition()), GFS_PROP_KIND);
	r.kind_busy = true;
	REFUSED(r, EBUSY, "R18", "prod/ubuntu", "restore or hard-delete");
	/* refused: a read-only property changed (retentionDays: R1;
	 * deletedAt and purgeAt live in .softdeleted: R15) */
	REFUSED_REQ(set_prop(gallery(), GFS_PROP_RETENTION_DAYS), EPERM, "R1",
		    "prod", NULL);
	REFUSED_REQ(set_prop(on(sd_version()), GFS_PROP_DELETED_AT), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0", NULL);
	REFUSED_REQ(set_prop(on(sd_file()), GFS_PROP_PURGE_AT), EPERM, "R15",
		    "prod/.softdeleted/ubuntu/1.0.0/disk.vhd", NULL);

	/* permitted: well-formed values; free user.* attributes */
	PERMITTED_REQ(set_prop(gallery(), GFS_PROP_SHARING));
	PERMITTED_REQ(set_prop(version(), GFS_PROP_REPLICAS));
	PERMITTED_REQ(set_prop(definition(), GFS_PROP_KIND));
	PERMITTED_REQ(set_prop(on(definition()), GFS_PROP_KIND));
	PERMITTED_REQ(request(GFS_ACT_SETXATTR, version()));   /* user.comment */
	r = request(GFS_ACT_SETXATTR, file());
	r.xattr_create = true;                                 /* free: ext4 */
	PERMITTED(r);
	PERMITTED_REQ(request(GFS_ACT_REMOVEXATTR, gallery()));
}

/* ------------------------------------------------------------------ */
/* the order in which checks answer (design §5)                          */

static void test_order_names_before_softdeleted(void)
{
	char longname[100];

	reset_config();
	/* a bad name inside .softdeleted: R12 EINVAL, not R15 EPERM */
	REFUSED_REQ(make(GFS_ACT_MKDIR, on(sd_definition()), "1.0"), EINVAL, "R12",
		    "prod/.softdeleted/ubuntu/1.0", NULL);
	REFUSED_REQ(make(GFS_ACT_MKDIR, on(sd_root()), "-x"), EINVAL, "R12",
		    "prod/.softdeleted/-x", NULL);
	REFUSED_REQ(creation(GFS_ACT_CREATE, on(shadow()), "a\0", 2), EINVAL, "R12",
		    NULL, NULL);
	memset(longname, 'd', 81);
	longname[81] = '\0';
	REFUSED_REQ(make(GFS_ACT_MKDIR, on(sd_root()), longname), ENAMETOOLONG,
		    "R12", NULL, NULL);
	/* a restore to a bad name: R12 before R14 */
	REFUSED_REQ(move(on(sd_file()), on(version()), ".."), EINVAL, "R12", NULL,
		    NULL);
	/* a bad name in a version: R12 EINVAL before R12 EPERM (types) */
	REFUSED_REQ(make(GFS_ACT_SYMLINK, version(), ".."), EINVAL, "R12", NULL,
		    NULL);
}

static void test_order_R15_before_R18(void)
{
	reset_config();
	const char *sv = "prod/.softdeleted/ubuntu/1.0.0";

	/* unknown user.acg.* name inside .softdeleted */
	struct gfs_request r = request(GFS_ACT_SETXATTR, on(sd_version()));
	r.prop = -1;
	REFUSED(r, EPERM, "R15", sv, NULL);
	/* malformed value of a property inside */
	r = set_prop(on(sd_version()), GFS_PROP_REPLICAS);
	r.value_ok = false;
	REFUSED(r, EPERM, "R15", sv, NULL);
	/* a property that does not apply there */
	r = set_prop(on(sd_version()), GFS_PROP_SOFT_DELETE);
	r.prop_applies = false;
	REFUSED(r, EPERM, "R15", sv, NULL);
	/* XATTR_CREATE on a property inside */
	r = set_prop(on(sd_version()), GFS_PROP_LOCATION);
	r.xattr_create = true;
	REFUSED(r, EPERM, "R15", sv, NULL);
	/* removing a property inside */
	r = request(GFS_ACT_REMOVEXATTR, on(sd_version()));
	r.prop = GFS_PROP_DELETED_AT;
	r.prop_applies = true;
	REFUSED(r, EPERM, "R15", sv, NULL);
	/* same value: the short-circuit is outside .softdeleted only */
	r = set_prop(on(sd_version()), GFS_PROP_LOCATION);
	r.same_value = true;
	REFUSED(r, EPERM, "R15", sv, NULL);
}

static void test_order_R18_before_R4(void)
{
	reset_config();
	struct gfs_request r = switch_on(0);
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod", NULL);
	r = set_prop(gallery(), GFS_PROP_SHARING_ADMINS);
	r.value_ok = false;
	r.missing_admin = "ghost";
	REFUSED(r, EINVAL, "R18", "prod", "ghost");
}

static void test_order_xattr_create_on_property_eexist(void)
{
	reset_config();
	/* XATTR_CREATE on a property: EEXIST, even with the same value... */
	struct gfs_request r = set_prop(gallery(), GFS_PROP_SOFT_DELETE);
	r.xattr_create = true;
	r.same_value = true;
	REFUSED(r, EEXIST, "R18", "prod", NULL);
	/* ... before the roles */
	r = switch_on(0);
	r.xattr_create = true;
	REFUSED(r, EEXIST, "R18", "prod", NULL);
	/* ... and before R1 */
	r = set_prop(gallery(), GFS_PROP_RETENTION_DAYS);
	r.xattr_create = true;
	REFUSED(r, EEXIST, "R18", "prod", NULL);
}

static void test_order_R4_before_R5(void)
{
	reset_config();
	cfg.cloud = GFS_CLOUD_US_GOVERNMENT;
	REFUSED_REQ(switch_on(0), EACCES, "R4", "prod", NULL);
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R5", "prod", NULL);
	reset_config();
}

static void test_order_prerequisites_R5_R9_R10(void)
{
	reset_config();
	cfg.cloud = GFS_CLOUD_CHINA;
	snprintf(cfg.features, sizeof(cfg.features), "%s", "");
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2021-10-01");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R5", "prod", NULL);
	cfg.cloud = GFS_CLOUD_AZURE;
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R9", "prod", NULL);
	snprintf(cfg.features, sizeof(cfg.features), "%s", "SIGSoftDelete");
	REFUSED_REQ(switch_on(GFS_ROLE_SUB_OWNER), EOPNOTSUPP, "R10", "prod", NULL);
	reset_config();
}

static void test_order_R7_before_R6(void)
{
	reset_config();
	struct gfs_request r = switch_on(GFS_ROLE_SUB_OWNER);
	r.vmss_conflict = "prod/ubuntu/1.0.0";
	r.location_conflict = "prod/ubuntu/2.0.0";
	REFUSED(r, EBUSY, "R7", "prod", "prod/ubuntu/1.0.0");
	/* prerequisites before R7 */
	cfg.cloud = GFS_CLOUD_US_GOVERNMENT;
	REFUSED(r, EOPNOTSUPP, "R5", "prod", NULL);
	/* roles before all of them */
	r.roles = 0;
	REFUSED(r, EACCES, "R4", "prod", NULL);
	reset_config();
}

static void test_order_enotempty_before_R8(void)
{
	reset_config();
	REFUSED_REQ(rmdir_of(on(failed(version())), true, false), ENOTEMPTY, NULL,
		    "prod/ubuntu/1.0.0", NULL);
	REFUSED_REQ(rmdir_of(on(failed(version())), false, false), EPERM, "R8",
		    "prod/ubuntu/1.0.0", NULL);
}

static void test_order_R8_before_R13(void)
{
	reset_config();
	/* a Failed version moved into .softdeleted at its mirrored path */
	struct gfs_request r = move_onto(on(failed(version())), on(sd_definition()),
					 "1.0.0", on(failed(shadow())));
	REFUSED(r, EPERM, "R8", "prod/ubuntu/1.0.0", NULL);
}

static void test_order_R14_before_R13(void)
{
	reset_config();
	const char *sv = "prod/.softdeleted/ubuntu/1.0.0";
	/* restore onto a taken path with RENAME_EXCHANGE: R14 EEXIST */
	struct gfs_request r = move_onto(on(sd_version()), on(definition()), "1.0.0",
					 on(version()));
	r.rename_flags = RENAME_EXCHANGE;
	REFUSED(r, EEXIST, "R14", sv, NULL);
	/* restore to the wrong path with RENAME_EXCHANGE: R14 EPERM */
	r = move(on(sd_version()), on(definition2()), "1.0.0");
	r.rename_flags = RENAME_EXCHANGE;
	REFUSED(r, EPERM, "R14", sv, NULL);
	/* a soft-deleted file to another version: R14 EPERM, never EXDEV */
	REFUSED_REQ(move(on(sd_file()), on(version2()), "disk.vhd"), EPERM, "R14",
		    NULL, NULL);
	/* a good restore with RENAME_EXCHANGE is still R13's EINVAL */
	r = move(on(sd_version()), on(definition()), "1.0.0");
	r.rename_flags = RENAME_EXCHANGE;
	REFUSED(r, EINVAL, "R13", sv, NULL);
}

static void test_order_R15_before_R2(void)
{
	reset_config();
	/* an application version into .softdeleted, soft delete off */
	REFUSED_REQ(move(app(version()), app(sd_definition()), "1.0.0"), EPERM,
		    "R15", "prod/ubuntu/1.0.0", NULL);
	/* ... on, but not mirrored */
	REFUSED_REQ(move(on(app(version())), on(app(sd_definition())), "9.9.9"),
		    EPERM, "R15", NULL, NULL);
}

static void test_same_value_short_circuit(void)
{
	reset_config();
	/* softDelete to the value it has, without any role, in a national
	 * cloud, without the feature: permitted (a backup restore) */
	cfg.cloud = GFS_CLOUD_US_GOVERNMENT;
	snprintf(cfg.features, sizeof(cfg.features), "%s", "");
	snprintf(cfg.api_version, sizeof(cfg.api_version), "2020-01-01");
	struct gfs_request r = set_prop(on(gallery()), GFS_PROP_SOFT_DELETE);
	r.same_value = true;
	PERMITTED(r);
	r = set_prop(gallery(), GFS_PROP_SOFT_DELETE);
	r.same_value = true;
	PERMITTED(r);
	reset_config();
	/* sharingAdmins without a subscription role */
	r = set_prop(gallery(), GFS_PROP_SHARING_ADMINS);
	r.same_value = true;
	PERMITTED(r);
	/* retentionDays 7 */
	r = set_prop(gallery(), GFS_PROP_RETENTION_DAYS);
	r.same_value = true;
	PERMITTED(r);
	/* usedByVmssFlex=true again while on */
	r = set_prop(on(version()), GFS_PROP_USED_BY_VMSS_FLEX);
	r.same_value = true;
	PERMITTED(r);
	/* location, while on */
	r = set_prop(on(version()), GFS_PROP_LOCATION);
	r.same_value = true;
	PERMITTED(r);
	/* but not a malformed value, nor XATTR_CREATE (above) */
	r = set_prop(gallery(), GFS_PROP_SHARING_ADMINS);
	r.same_value = true;
	r.value_ok = false;
	REFUSED(r, EINVAL, "R18", "prod", NULL);
}

/* ------------------------------------------------------------------ */
/* renames: what each permitted kind does                              */

static void test_rename_classification(void)
{
	reset_config();
	struct gfs_request r;

	/* a file within its version */
	r = move(on(file()), on(version()), "b.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);
	/* a live file onto its shadow path */
	r = move(on(file()), on(shadow()), "disk.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_FILE);
	/* ... where the shadow already holds a file of that name (newest wins) */
	r = move_onto(on(file()), on(shadow()), "disk.vhd", on(sd_file()));
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_FILE);
	/* a live version onto .softdeleted/DEF with the same name: plain... */
	r = move_onto(on(version()), on(sd_definition()), "1.0.0", on(shadow()));
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_VERSION);
	r = move(on(version()), on(sd_definition()), "1.0.0");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_SOFTDELETE_VERSION);
	/* restore of a version, and of a file */
	r = move(on(sd_version()), on(definition()), "1.0.0");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_VERSION);
	r = move(on(sd_file()), on(version()), "disk.vhd");
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_RESTORE_FILE);
	/* a request reused after a restore starts over */
	r.at = on(file());
	r.to = on(version());
	r.name = "c.vhd";
	r.name_len = 5;
	PERMITTED(r);
	CHECK_INT(r.rename, GFS_RENAME_FILE);
}

static void test_rename_refusals(void)
{
	reset_config();
	const char *f = "prod/ubuntu/1.0.0/disk.vhd";
	struct gfs_request r;

	/* R13 EXDEV: a file to another version */
	REFUSED_REQ(move(on(file()), on(version2()), "disk.vhd"), EXDEV, "R13", f,
		    NULL);
	/* R13 EPERM: galleries, definitions, versions moved elsewhere */
	REFUSED_REQ(move(on(gallery()), root(), "prod-old"), EINVAL, "R12",
		    "prod-old", NULL);   /* a bad gallery name answers first */
	REFUSED_REQ(move(on(gallery()), root(), "prod_old"), EPERM, "R13", "prod",
		    NULL);
	REFUSED_REQ(move(on(definition()), on(gallery()), "ubuntu-old"), EPERM,
		    "R13", "prod/ubuntu", NULL);
	REFUSED_REQ(move(on(version()), on(definition()), "1.0.1"), EPERM, "R13",
		    "prod/ubuntu/1.0.0", NULL);
	REFUSED_REQ(move(on(version()), on(definition2()), "1.0.0"), EPERM, "R13",
		    "prod/ubuntu/1.0.0", NULL);
	/* R13 EINVAL: RENAME_EXCHANGE */
	r = move_onto(on(file()), on(version()), "other",
		      on(file_named("prod/ubuntu/1.0.0/other", "other")));
	r.rename_flags = RENAME_EXCHANGE;
	REFUSED(r, EINVAL, "R13", f, NULL);
	/* R14 EPERM: restore to the wrong path; EEXIST: path taken */
	REFUSED_REQ(move(on(sd_version()), on(definition()), "1.0.1"), EPERM,
		    "R14", "prod/.softdeleted/ubuntu/1.0.0", NULL);
	REFUSED_REQ(move_onto(on(sd_version()), on(definition()), "1.0.0",
			      on(version())), EEXIST, "R14",
		    "prod/.softdeleted/ubuntu/1.0.0", NULL);
	/* R15 EPERM: within .softdeleted, to a non-mirrored path, with soft
	 * delete off */
	REFUSED_REQ(move(on(sd_file()), on(shadow2()), "disk.vhd"), EPERM, "R15",
		    NULL, NULL);
	REFUSED_REQ(move(on(version()), on(sd_definition()), "1.0.1"), EPERM,
		    "R15", NULL, NULL);
	REFUSED_REQ(move(version(), sd_definition(), "1.0.0"), EPERM, "R15",
		    "prod/ubuntu/1.0.0", NULL);
	/* R2 EPERM: an application version into .softdeleted */
	REFUSED_REQ(move(on(app(version())), on(app(sd_definition())), "1.0.0"),
		    EPERM, "R2", "prod/ubuntu/1.0.0", NULL);
}

int main(void)
{
	reset_config();
	RUN(test_R0_documented_not_modelled);
	RUN(test_table_has_every_rule);
	RUN(test_table_order_is_spec_order);
	RUN(test_R1_retention_fixed_at_7_days);
	RUN(test_R2_application_versions_never_softdeleted);
	RUN(test_R3_no_removal_while_holding_softdeleted);
	RUN(test_R4_roles_to_switch_and_name_admins);
	RUN(test_R5_not_in_national_clouds);
	RUN(test_R6_one_location);
	RUN(test_R7_vmss_flex_incompatible);
	RUN(test_R8_failed_versions_not_deleted_while_on);
	RUN(test_R9_needs_preview_feature);
	RUN(test_R10_needs_api_version);
	RUN(test_R11_soft_delete_covers_image_versions_only);
	RUN(test_R12_names_and_node_types);
	RUN(test_R13_renames_of_live_nodes);
	RUN(test_R14_restore_to_original_path);
	RUN(test_R15_softdeleted_read_only);
	RUN(test_R16_softdeleted_version_name_reserved);
	RUN(test_R17_one_replica_per_region_while_softdeleted);
	RUN(test_R18_attribute_form);
	RUN(test_order_names_before_softdeleted);
	RUN(test_order_R15_before_R18);
	RUN(test_order_R18_before_R4);
	RUN(test_order_xattr_create_on_property_eexist);
	RUN(test_order_R4_before_R5);
	RUN(test_order_prerequisites_R5_R9_R10);
	RUN(test_order_R7_before_R6);
	RUN(test_order_enotempty_before_R8);
	RUN(test_order_R8_before_R13);
	RUN(test_order_R14_before_R13);
	RUN(test_order_R15_before_R2);
	RUN(test_same_value_short_circuit);
	RUN(test_rename_classification);
	RUN(test_rename_refusals);
	return TAP_DONE();
}
