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

void gfs_err_format(const struct gfs_err *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s: %s", e->rule ? e->rule : "-",
		 e->path[0] ? e->path : "/", e->reason);
}
