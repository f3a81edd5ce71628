/*
 * fuzz_names.c — gfs_name_check (core/names.c) on arbitrary bytes, for all
 * four kinds of name, with the invariants design §1 implies:
 *
 *  - the answer is 0, -EINVAL or -ENAMETOOLONG, and the same when asked
 *    twice;
 *  - a gallery, definition or file name longer than its limit is
 *    ENAMETOOLONG (reported before any other fault), and nothing longer
 *    than 255 bytes is valid;
 *  - a name holding '/' or NUL, ".", ".." or "" is never valid;
 *  - a valid version is also a valid gallery, definition and file name,
 *    and a valid gallery or definition name a valid file name;
 *  - every byte of a valid gallery, definition or version name is in its
 *    alphabet, and a file name is valid exactly when design §1 says so.
 *
 * The data is handed over as it comes, not NUL-terminated: a check that
 * reads past len is an AddressSanitizer report.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool all_in(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

/* MAJOR.MINOR.PATCH, each 0..2147483647 without leading zeros. */
static bool version_form(const char *s, size_t len)
{
	size_t i = 0;

	for (int part = 0; part < 3; part++) {
		size_t start = i;
		unsigned long long v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 2147483647ULL)
				return false;
			i++;
		}
		if (i == start || (i - start > 1 && s[start] == '0'))
			return false;
		if (part < 2) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static const enum gfs_name_kind kinds[] = {
		GFS_NAME_GALLERY, GFS_NAME_DEFINITION, GFS_NAME_VERSION,
		GFS_NAME_FILE,
	};
	static const size_t limits[] = {
		GFS_GALLERY_NAME_MAX, GFS_DEFINITION_NAME_MAX, 0, GFS_FILE_NAME_MAX,
	};
	int r[4];
	bool has_slash_or_nul = memchr(s, '/', size) || memchr(s, '\0', size);
	bool dot_or_dotdot = (size == 1 && s[0] == '.') ||
			     (size == 2 && s[0] == '.' && s[1] == '.');

	for (int k = 0; k < 4; k++) {
		r[k] = gfs_name_check(kinds[k], s, size);
		INVARIANT(r[k] == 0 || r[k] == -EINVAL || r[k] == -ENAMETOOLONG);
		INVARIANT(gfs_name_check(kinds[k], s, size) == r[k]);
		INVARIANT(gfs_name_rule_text(kinds[k])[0] != '\0');
		if (limits[k] && size > limits[k])
			INVARIANT(r[k] == -ENAMETOOLONG);
		if (size > GFS_FILE_NAME_MAX || size == 0 || has_slash_or_nul ||
		    dot_or_dotdot)
			INVARIANT(r[k] != 0);
	}

	enum { G, D, V, F };
	/* the file rule, exactly */
	INVARIANT((r[F] == 0) == (size >= 1 && size <= GFS_FILE_NAME_MAX &&
				  !has_slash_or_nul && !dot_or_dotdot));
	/* the version rule, exactly */
	INVARIANT((r[V] == 0) == version_form(s, size));
	/* what each valid name is made of */
	if (r[G] == 0)
		INVARIANT(all_in(s, size, "_.") && s[0] != '.' && s[size - 1] != '.');
	if (r[D] == 0)
		INVARIANT(all_in(s, size, "-_.") && is_alnum(s[0]) &&
			  is_alnum(s[size - 1]));
	/* the levels nest */
	if (r[V] == 0)
		INVARIANT(r[G] == 0 && r[D] == 0 && r[F] == 0);
	if (r[G] == 0 || r[D] == 0)
		INVARIANT(r[F] == 0);
	/* the synthetic directory's name is never a gallery's or definition's */
	if (size == strlen(GFS_SOFTDELETED) && memcmp(s, GFS_SOFTDELETED, size) == 0)
		INVARIANT(r[G] != 0 && r[D] != 0 && r[V] != 0);

	/* a prefix is checked on its own bytes: the answer for the first
	 * half must not depend on what follows it */
	if (size > 1) {
		size_t half = size / 2;
		char *copy = malloc(half);
		if (copy) {
			memcpy(copy, s, half);
			for (int k = 0; k < 4; k++)
				INVARIANT(gfs_name_check(kinds[k], copy, half) ==
					  gfs_name_check(kinds[k], s, half));
			free(copy);
		}
	}
	return 0;
}
