/*
 * clock.c — the one place core reads the time.
 */
#include "clock.h"

#include <time.h>

int64_t gfs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * GFS_NS_PER_SEC + ts.tv_nsec;
}
