/*
 * log.c — stderr, syslog or a file, one line per message.
 *
 * The sink is process-wide by nature (stderr, syslog and an appended file
 * are), so its settings live here rather than in the daemon context; they
 * are written at start-up before any worker thread exists. A file line is
 * one write(2) to a descriptor opened with O_APPEND, so lines from several
 * threads never interleave, and a rotation by copytruncate loses nothing.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum gfs_log_level log_level = GFS_LOG_INFO;
static enum gfs_log_sink log_sink = GFS_LOG_STDERR;
static int log_fd = -1;

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

bool gfs_log_syslog_available(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", _PATH_LOG);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int gfs_log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		      0640);
	if (fd < 0)
		return -errno;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	return 0;
}

void gfs_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (log_sink == GFS_LOG_FILE)
		log_sink = GFS_LOG_STDERR;
}

void gfs_log_setup(enum gfs_log_level level, enum gfs_log_sink sink)
{
	log_level = level;
	log_sink = sink == GFS_LOG_FILE && log_fd < 0 ? GFS_LOG_STDERR : sink;
	if (log_sink == GFS_LOG_SYSLOG)
		openlog("galleryfs", LOG_PID, LOG_DAEMON);
}

/* "2026-12-02T03:53:07+0000 galleryfs[1234]: line\n", as syslog writes it */
static void write_file_line(const char *line)
{
	char buf[2200], stamp[40];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	int n = snprintf(buf, sizeof(buf), "%s galleryfs[%ld]: %s\n", stamp,
			 (long)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (write(log_fd, buf, (size_t)n) < 0)
		return;     /* nowhere left to say it */
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
	switch (log_sink) {
	case GFS_LOG_SYSLOG:
		syslog(prio[level], "%s", line);
		break;
	case GFS_LOG_FILE:
		write_file_line(line);
		break;
	default:
		fprintf(stderr, "galleryfs: %s\n", line);
	}
}
