/*
 * err.h — how core reports a refusal or a failure.
 *
 * Every core operation that can fail fills a struct gfs_err: the errno the
 * caller gets, the id of the policy rule that refused (NULL for plain
 * filesystem errors such as ENOENT), the path of the node concerned and a
 * one-line reason that names the remedy. Nothing in core prints or exits on
 * an error; the adapter decides how to reply and what to log.
 */
#ifndef GFS_ERR_H
#define GFS_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define GFS_PATH_MAX 1024
#define GFS_REASON_MAX 320

struct gfs_err {
	int errnum;                 /* positive errno; 0 means success */
	const char *rule;           /* "R8", or NULL when no rule refused */
	char path[GFS_PATH_MAX];    /* gallery-relative path, may be empty */
	char reason[GFS_REASON_MAX];
};

/* Reset to success. */
void gfs_err_clear(struct gfs_err *e);

/* Record a plain failure (no rule). Returns -errnum for easy propagation. */
int gfs_err_set(struct gfs_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a refusal by a policy rule. Returns -errnum. */
int gfs_err_rule(struct gfs_err *e, const char *rule, int errnum,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The one log line for a refusal: "R8 prod/ubuntu/1.2.0: reason". */
void gfs_err_format(const struct gfs_err *e, char *buf, size_t len);

#endif
