/*
 * test_names.c — the name rules of design §1 (rule R12's first half), level by
 * level: gallery, definition, version, file. Valid and invalid examples,
 * the length boundaries, and ENAMETOOLONG answering before EINVAL. Names
 * are passed with an explicit length, so a NUL inside one is tested too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "tap.h"

/* The check on a NUL-terminated name. */
static int check(enum gfs_name_kind kind, const char *name)
{
	return gfs_name_check(kind, name, strlen(name));
}

/* Every name of the NULL-terminated list gets expected, each failure
 * named in a diagnostic. */
static void expect_all(enum gfs_name_kind kind, const char *const *names,
		       int expected)
{
	for (int i = 0; names[i]; i++) {
		int got = check(kind, names[i]);
		if (got != expected) {
			printf("# name kind %d \"%s\": %d, expected %d\n", (int)kind,
			       names[i], got, expected);
			tap_case_failed = 1;
		}
	}
}

/* A name of n copies of c (n < sizeof buf), NUL-terminated. */
static const char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* galleries                                                           */

static void test_gallery_valid(void)
{
	static const char *const ok[] = {
		"a", "Z", "0", "_", "prod", "Prod_Gallery", "gallery.v2", "a.b.c",
		"a..b", "_hidden", "trailing_", "123", "my_gallery_2024", "A1_b2.C3",
		NULL,
	};
	expect_all(GFS_NAME_GALLERY, ok, 0);
}

static void test_gallery_invalid(void)
{
	static const char *const bad[] = {
		"", ".", "..", ".prod", "prod.", ".prod.", GFS_SOFTDELETED,
		"my-gallery", "my gallery", "prod/x", "a:b", "a@b", "a+b", "a,b",
		"a\tb", "prod\n", "caf\xc3\xa9", "\xc3\xa9t\xc3\xa9", "a*", "a$",
		NULL,
	};
	expect_all(GFS_NAME_GALLERY, bad, -EINVAL);
}

static void test_gallery_length(void)
{
	char buf[300];

	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, repeat(buf, 'g', 80), 80), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, repeat(buf, 'g', 81), 81),
		  -ENAMETOOLONG);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, repeat(buf, 'g', 255), 255),
		  -ENAMETOOLONG);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, repeat(buf, 'g', 1), 1), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "", 0), -EINVAL);
}

static void test_gallery_too_long_before_invalid(void)
{
	char buf[300];

	/* 81 characters with a bad one: ENAMETOOLONG answers first. */
	repeat(buf, 'g', 81);
	buf[40] = '-';
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, buf, 81), -ENAMETOOLONG);
	/* ... and starting with '.', and with a '/' */
	repeat(buf, 'g', 81);
	buf[0] = '.';
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, buf, 81), -ENAMETOOLONG);
	repeat(buf, 'g', 81);
	buf[5] = '/';
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, buf, 81), -ENAMETOOLONG);
	/* 80 with a bad one is just EINVAL */
	repeat(buf, 'g', 80);
	buf[40] = '-';
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, buf, 80), -EINVAL);
}

static void test_gallery_explicit_length(void)
{
	/* The length decides, not a NUL: a NUL inside is a bad character,
	 * and bytes after the length are not looked at. */
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "pr\0od", 5), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "prod\0", 5), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "prod-x", 4), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "prod.", 4), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_GALLERY, "prod.", 5), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* definitions                                                         */

static void test_definition_valid(void)
{
	static const char *const ok[] = {
		"a", "Z", "9", "ubuntu", "Ubuntu-22.04_LTS", "win-2022", "a-b", "a_b",
		"a.b", "a--b", "a..b", "a__b", "0-0", "x.y-z_w9", NULL,
	};
	expect_all(GFS_NAME_DEFINITION, ok, 0);
}

static void test_definition_invalid(void)
{
	static const char *const bad[] = {
		"", ".", "..", "-", "_", "-a", "a-", "_a", "a_", ".a", "a.",
		GFS_SOFTDELETED, "a b", "a/b", "a:b", "a@b", "a+b", "ubuntu\n",
		"\xc3\xa9", "ubuntu-\xc3\xa9t\xc3\xa9", "a*b", NULL,
	};
	expect_all(GFS_NAME_DEFINITION, bad, -EINVAL);
}

static void test_definition_length(void)
{
	char buf[300];

	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, repeat(buf, 'd', 80), 80), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, repeat(buf, 'd', 81), 81),
		  -ENAMETOOLONG);
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, repeat(buf, 'd', 255), 255),
		  -ENAMETOOLONG);
	/* ENAMETOOLONG before EINVAL */
	repeat(buf, 'd', 81);
	buf[0] = '-';
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, buf, 81), -ENAMETOOLONG);
	repeat(buf, 'd', 81);
	buf[10] = ' ';
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, buf, 81), -ENAMETOOLONG);
	repeat(buf, 'd', 80);
	buf[79] = '-';
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, buf, 80), -EINVAL);
	/* explicit length */
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, "ubu\0ntu", 7), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_DEFINITION, "ubuntu-", 6), 0);
}

/* ------------------------------------------------------------------ */
/* versions                                                            */

static void test_version_valid(void)
{
	static const char *const ok[] = {
		"0.0.0", "1.0.0", "1.2.3", "10.20.30", "0.0.1", "2147483647.0.0",
		"0.2147483647.0", "0.0.2147483647", "2147483647.2147483647.2147483647",
		"1000000000.999999999.100", NULL,
	};
	expect_all(GFS_NAME_VERSION, ok, 0);
}

static void test_version_invalid(void)
{
	static const char *const bad[] = {
		/* empty, dots */
		"", ".", "..", "...", "1..0", ".1.0.0", "1.0.0.",
		/* missing and extra components */
		"1", "1.0", "1.0.", "1.0.0.0", "1.2.3.4.5",
		/* out of range */
		"2147483648.0.0", "0.2147483648.0", "0.0.2147483648",
		"4294967296.0.0", "99999999999999999999.0.0", "0.0.9223372036854775808",
		/* leading zeros */
		"01.0.0", "0.01.0", "0.0.01", "00.0.0", "0.0.00", "007.1.1",
		/* signs, spaces, letters */
		"-1.0.0", "+1.0.0", "1.-0.0", " 1.0.0", "1.0.0 ", "1. 0.0", "v1.0.0",
		"1.0.0a", "1.0.0-beta", "a.b.c", "1,0,0", "1/0/0", "1.0.0\n",
		"\xd9\xa1.0.0", /* ARABIC-INDIC DIGIT ONE */
		NULL,
	};
	expect_all(GFS_NAME_VERSION, bad, -EINVAL);
}

static void test_version_explicit_length(void)
{
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0.0\0", 6), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0\0.0", 6), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0.0x", 5), 0);
	/* "1.0.12" cut to "1.0.1" */
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0.12", 5), 0);
	/* "1.0.0" cut to "1.0." */
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0.0", 4), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "1.0.0", 0), -EINVAL);
	/* 2147483647 followed by a digit outside the length */
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "0.0.21474836470", 14), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_VERSION, "0.0.21474836470", 15), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* files                                                               */

static void test_file_valid(void)
{
	static const char *const ok[] = {
		"a", "disk.vhd", "...", ".hidden", "..x", "x..", " ", "with space",
		"-dash", "a:b", "a\\b", "tab\there", "new\nline", "\xc3\xa9t\xc3\xa9.img",
		"\xe6\x97\xa5\xe6\x9c\xac", ".softdeleted", "1.0.0", "*?[]", NULL,
	};
	expect_all(GFS_NAME_FILE, ok, 0);
}

static void test_file_invalid(void)
{
	static const char *const bad[] = { "", ".", "..", "/", "a/b", "/a", "a/",
					   "//", NULL };
	expect_all(GFS_NAME_FILE, bad, -EINVAL);
	/* NUL, with an explicit length */
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "a\0b", 3), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "\0", 1), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "disk\0", 5), -EINVAL);
	/* bytes after the length are not part of the name */
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "../x", 2), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "../x", 1), -EINVAL);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "a/b", 1), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, "..x", 3), 0);
}

static void test_file_length(void)
{
	char buf[300];

	CHECK_INT(gfs_name_check(GFS_NAME_FILE, repeat(buf, 'f', 255), 255), 0);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, repeat(buf, 'f', 256), 256),
		  -ENAMETOOLONG);
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, repeat(buf, 'f', 299), 299),
		  -ENAMETOOLONG);
	/* 255 bytes, not characters: 127 two-byte characters and one byte */
	for (int i = 0; i < 127; i++) {
		buf[2 * i] = '\xc3';
		buf[2 * i + 1] = '\xa9';
	}
	buf[254] = 'x';
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, buf, 255), 0);
	buf[255] = 'y';
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, buf, 256), -ENAMETOOLONG);
	/* ENAMETOOLONG before EINVAL */
	repeat(buf, 'f', 256);
	buf[100] = '/';
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, buf, 256), -ENAMETOOLONG);
	repeat(buf, 'f', 256);
	buf[100] = '\0';
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, buf, 256), -ENAMETOOLONG);
	repeat(buf, 'f', 255);
	buf[100] = '/';
	CHECK_INT(gfs_name_check(GFS_NAME_FILE, buf, 255), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* across levels                                                       */

static void test_softdeleted_reserved_everywhere(void)
{
	/* .softdeleted can never be a gallery or definition; as a version
	 * name it is malformed too. */
	CHECK_INT(check(GFS_NAME_GALLERY, GFS_SOFTDELETED), -EINVAL);
	CHECK_INT(check(GFS_NAME_DEFINITION, GFS_SOFTDELETED), -EINVAL);
	CHECK_INT(check(GFS_NAME_VERSION, GFS_SOFTDELETED), -EINVAL);
}

static void test_levels_differ(void)
{
	/* the same name, judged by each level's rule */
	CHECK_INT(check(GFS_NAME_GALLERY, "a-b"), -EINVAL);
	CHECK_INT(check(GFS_NAME_DEFINITION, "a-b"), 0);
	CHECK_INT(check(GFS_NAME_GALLERY, "_a"), 0);
	CHECK_INT(check(GFS_NAME_DEFINITION, "_a"), -EINVAL);
	CHECK_INT(check(GFS_NAME_VERSION, "1.0.0"), 0);
	CHECK_INT(check(GFS_NAME_GALLERY, "1.0.0"), 0);
	CHECK_INT(check(GFS_NAME_DEFINITION, "1.0.0"), 0);
	CHECK_INT(check(GFS_NAME_VERSION, "ubuntu"), -EINVAL);
	CHECK_INT(check(GFS_NAME_FILE, "a-b"), 0);
}

static void test_rule_texts(void)
{
	enum gfs_name_kind kinds[] = { GFS_NAME_GALLERY, GFS_NAME_DEFINITION,
				       GFS_NAME_VERSION, GFS_NAME_FILE };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *t = gfs_name_rule_text(kinds[i]);
		CHECK(t != NULL && t[0] != '\0');
	}
	CHECK(strstr(gfs_name_rule_text(GFS_NAME_GALLERY), "80") != NULL);
	CHECK(strstr(gfs_name_rule_text(GFS_NAME_DEFINITION), "80") != NULL);
	CHECK(strstr(gfs_name_rule_text(GFS_NAME_VERSION), "2147483647") != NULL);
	CHECK(strstr(gfs_name_rule_text(GFS_NAME_FILE), "255") != NULL);
}

int main(void)
{
	RUN(test_gallery_valid);
	RUN(test_gallery_invalid);
	RUN(test_gallery_length);
	RUN(test_gallery_too_long_before_invalid);
	RUN(test_gallery_explicit_length);
	RUN(test_definition_valid);
	RUN(test_definition_invalid);
	RUN(test_definition_length);
	RUN(test_version_valid);
	RUN(test_version_invalid);
	RUN(test_version_explicit_length);
	RUN(test_file_valid);
	RUN(test_file_invalid);
	RUN(test_file_length);
	RUN(test_softdeleted_reserved_everywhere);
	RUN(test_levels_differ);
	RUN(test_rule_texts);
	return TAP_DONE();
}
