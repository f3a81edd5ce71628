/*
 * lists.c — the one comma-list splitter (lists.h).
 */
#include "lists.h"

#include <errno.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int gfs_list_split(const char *v, size_t len, gfs_list_item_fn fn, void *arg)
{
	size_t start = 0;

	if (len == 0)
		return 0;
	if (memchr(v, '\0', len))
		return -EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		size_t from = start, to = i;
		if (from > 0)
			while (from < to && is_blank(v[from]))
				from++;
		if (to < len)
			while (to > from && is_blank(v[to - 1]))
				to--;
		if (to == from)
			return -EINVAL;
		int r = fn(arg, v + from, to - from);
		if (r < 0)
			return r;
		start = i + 1;
	}
	return 0;
}

bool gfs_list_has(const char *list, const char *item)
{
	if (!list || !item || !*item)
		return false;
	size_t n = strlen(item);
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, item, n) == 0)
			return true;
		if (!p[len])
			return false;
		p += len + 1;
	}
}

const char *gfs_list_next(const char **cursor, char *item, size_t itemlen)
{
	const char *s = *cursor;
	if (!s || !*s)
		return NULL;
	size_t n = strcspn(s, ",");
	size_t c = n < itemlen - 1 ? n : itemlen - 1;
	memcpy(item, s, c);
	item[c] = '\0';
	*cursor = s[n] ? s + n + 1 : s + n;
	return item;
}
