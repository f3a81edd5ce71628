/*
 * err.c — filling and formatting struct gfs_err. Never logs by itself.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

void gfs_err_clear(struct gfs_err *e)
{
	e->errnum = 0;
	e->rule = NULL;
	e->path[0] = '\0';
	e->reason[0] = '\0';
}

static int err_vset(struct gfs_err *e, const char *rule, int errnum,
		    const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int err_vset(struct gfs_err *e, const char *rule, int errnum,
		    const char *fmt, va_list ap)
{
	e->errnum = errnum;
	e->rule = rule;
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	return -errnum;
}

int gfs_err_set(struct gfs_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, NULL, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int gfs_err_rule(struct gfs_err *e, const char *rule, int errnum,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, rule, errnum, fmt, ap);
	va_end(ap);
	return r;
}

/* Copy s into out, control bytes and backslashes as \xNN: a name may hold
 * any byte but '/' and NUL, and must not start a log line of its own. */
static void escape(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; *s && o + 5 < len; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

void gfs_err_format(const struct gfs_err *e, char *buf, size_t len)
{
	char path[GFS_PATH_MAX * 2], reason[GFS_REASON_MAX * 2];
	escape(e->path[0] ? e->path : "/", path, sizeof(path));
	escape(e->reason, reason, sizeof(reason));
	snprintf(buf, len, "%s %s: %s", e->rule ? e->rule : "-", path, reason);
}
