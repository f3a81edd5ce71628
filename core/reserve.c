/*
 * reserve.c — space held aside for removals. A full disk must not stop a
 * removal, the one thing that frees space, so a few MiB are taken at mount
 * (DATA_DIR/reserve); a removal whose commit finds the disk full gives
 * them back and tries once more (remove.c), and the next mount takes them
 * again.
 */
#include "core.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"

/* A hundredth of the filesystem, between 256 KiB and 8 MiB: enough for the
 * WAL frames of many removals. */
static off_t reserve_size(struct gfs_core *c)
{
	struct statvfs sv;
	off_t lo = 256 << 10, hi = 8 << 20, want = hi;
	if (fstatvfs(c->store.dirfd, &sv) == 0)
		want = (off_t)(sv.f_blocks / 100) * (off_t)sv.f_frsize;
	return want < lo ? lo : want > hi ? hi : want;
}

void reserve_take(struct gfs_core *c)
{
	char path[PATH_MAX + 16];
	off_t size = reserve_size(c);
	snprintf(path, sizeof(path), "%s/reserve", c->data_dir);
	c->reserve_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->reserve_fd >= 0 && posix_fallocate(c->reserve_fd, 0, size) != 0) {
		gfs_log(GFS_LOG_WARNING, "cannot set %lld KiB aside in %s: removals "
			"on a full disk may fail", (long long)size >> 10, c->data_dir);
		close(c->reserve_fd);
		c->reserve_fd = -1;
	}
}

bool reserve_release(struct gfs_core *c)
{
	if (c->reserve_fd < 0 || ftruncate(c->reserve_fd, 0) < 0)
		return false;
	close(c->reserve_fd);
	c->reserve_fd = -1;
	gfs_log(GFS_LOG_WARNING, "the disk of %s is full: the reserved space is given "
		"back so that removals can go on; it is set aside again at the next "
		"mount", c->data_dir);
	return true;
}

