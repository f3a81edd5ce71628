/*
 * log.h — the daemon's one logger: stderr in the foreground, syslog when
 * daemonized, filtered by level. Core reports errors as values; only the
 * adapter and the daemon's own start-up code call these.
 */
#ifndef GFS_LOG_H
#define GFS_LOG_H

enum gfs_log_level {
	GFS_LOG_ERROR = 0,
	GFS_LOG_WARNING = 1,
	GFS_LOG_INFO = 2,
	GFS_LOG_DEBUG = 3,
};

/* Parse "error", "warning", "info", "debug". Returns 0 or -1. */
int gfs_log_level_parse(const char *s, enum gfs_log_level *out);
const char *gfs_log_level_name(enum gfs_log_level level);

/* Configure the sink. Until called, messages go to stderr at info. */
void gfs_log_setup(enum gfs_log_level level, int use_syslog);

void gfs_log(enum gfs_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
