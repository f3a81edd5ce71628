/*
 * names.c — validation of gallery, definition, version and file names.
 * Only ASCII letters count as letters: the model's names are ASCII.
 */
#include "names.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int check_gallery(const char *s, size_t len)
{
	if (len == 0)
		return -EINVAL;
	if (len > GFS_GALLERY_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.')
			return -EINVAL;
	if (s[0] == '.' || s[len - 1] == '.')
		return -EINVAL;
	return 0;
}

static int check_definition(const char *s, size_t len)
{
	if (len == 0)
		return -EINVAL;
	if (len > GFS_DEFINITION_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return -EINVAL;
	if (!is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return -EINVAL;
	return 0;
}

/* One decimal component 0..2147483647 without leading zeros; advances *p. */
static bool version_component(const char **p, const char *end)
{
	const char *s = *p;
	long long v = 0;
	size_t n = 0;

	while (s + n < end && is_digit(s[n])) {
		v = v * 10 + (s[n] - '0');
		if (v > 2147483647LL)
			return false;
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	return true;
}

static int check_version(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	for (int i = 0; i < 3; i++) {
		if (!version_component(&p, end))
			return -EINVAL;
		if (i < 2) {
			if (p >= end || *p != '.')
				return -EINVAL;
			p++;
		}
	}
	return p == end ? 0 : -EINVAL;
}

static int check_file(const char *s, size_t len)
{
	if (len == 0)
		return -EINVAL;
	if (len > GFS_FILE_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(s, '/', len) || memchr(s, '\0', len))
		return -EINVAL;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return -EINVAL;
	return 0;
}

int gfs_name_check(enum gfs_name_kind kind, const char *name, size_t len)
{
	switch (kind) {
	case GFS_NAME_GALLERY:
		return check_gallery(name, len);
	case GFS_NAME_DEFINITION:
		return check_definition(name, len);
	case GFS_NAME_VERSION:
		return check_version(name, len);
	case GFS_NAME_FILE:
		return check_file(name, len);
	}
	return -EINVAL;
}

const char *gfs_name_rule_text(enum gfs_name_kind kind)
{
	switch (kind) {
	case GFS_NAME_GALLERY:
		return "a gallery name is 1-80 letters, digits, '_' and '.', "
		       "not starting or ending with '.'";
	case GFS_NAME_DEFINITION:
		return "a definition name is 1-80 letters, digits, '-', '_' and "
		       "'.', starting and ending with a letter or digit";
	case GFS_NAME_VERSION:
		return "a version name is MAJOR.MINOR.PATCH, each 0..2147483647 "
		       "without leading zeros";
	case GFS_NAME_FILE:
		return "a file name is 1-255 bytes without '/' or NUL, not '.' or '..'";
	}
	return "";
}

bool gfs_account_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32 || s[0] == '-')
		return false;
	if (s[n - 1] == '$' && --n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}
