/*
 * log.c — stderr or syslog, one line per message.
 *
 * The sink is process-wide by nature (stderr and syslog are), so its two
 * settings live here rather than in the daemon context; they are written
 * once at start-up before any thread exists.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static enum gfs_log_level log_level = GFS_LOG_INFO;
static int log_to_syslog;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int gfs_log_level_parse(const char *s, enum gfs_log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum gfs_log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *gfs_log_level_name(enum gfs_log_level level)
{
	return level_names[level];
}

void gfs_log_setup(enum gfs_log_level level, int use_syslog)
{
	log_level = level;
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog("galleryfs", LOG_PID, LOG_DAEMON);
}

void gfs_log(enum gfs_log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[2048];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog)
		syslog(prio[level], "%s", line);
	else
		fprintf(stderr, "galleryfs: %s\n", line);
}
