/*
 * log.h — the daemon's one logger, filtered by level: stderr in the
 * foreground; when daemonized, syslog if a syslog socket answers, else a
 * log file (design §8), so that every refusal's line reaches a place the
 * user can read. Core reports errors as values; only the adapter and the
 * daemon's own start-up code call these.
 */
#ifndef GFS_LOG_H
#define GFS_LOG_H

#include <stdbool.h>

enum gfs_log_level {
	GFS_LOG_ERROR = 0,
	GFS_LOG_WARNING = 1,
	GFS_LOG_INFO = 2,
	GFS_LOG_DEBUG = 3,
};

enum gfs_log_sink {
	GFS_LOG_STDERR,
	GFS_LOG_SYSLOG,
	GFS_LOG_FILE,
};

/* Parse "error", "warning", "info", "debug". Returns 0 or -1. */
int gfs_log_level_parse(const char *s, enum gfs_log_level *out);
const char *gfs_log_level_name(enum gfs_log_level level);

/* Whether a syslog daemon listens on /dev/log (containers often have none,
 * and syslog(3) then drops every line without a word). */
bool gfs_log_syslog_available(void);

/* Open path for appending (created 0640). Returns 0, or -errno. The file
 * is used once gfs_log_setup selects GFS_LOG_FILE. */
int gfs_log_open_file(const char *path);

/* Configure the sink. Until called, messages go to stderr at info. */
void gfs_log_setup(enum gfs_log_level level, enum gfs_log_sink sink);

void gfs_log(enum gfs_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Close the log file, if one is open. */
void gfs_log_close(void);

#endif
