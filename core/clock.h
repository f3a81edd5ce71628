/*
 * clock.h — wall-clock time for the catalog. Taken only from the C library
 * (clock_gettime), so tests move it with libfaketime (design §3).
 */
#ifndef GFS_CLOCK_H
#define GFS_CLOCK_H

#include <stdint.h>

#define GFS_NS_PER_SEC 1000000000LL
#define GFS_DAY_SECONDS 86400LL

/* Nanoseconds since the epoch. */
int64_t gfs_now_ns(void);

#endif
