/*
 * store.c — object files under DATA_DIR/objects.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void object_path(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%02x/%" PRId64, (unsigned)(id & 0xff), id);
}

int gfs_store_open(const char *data_dir, struct gfs_store *s, struct gfs_err *err)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/objects", data_dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return gfs_err_set(err, errno, "object store %s: %s", path,
				   strerror(errno));
	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return gfs_err_set(err, errno, "object store %s: %s", path,
				   strerror(errno));
	/* contents are written here: a read-only store (a read-only mount,
	 * as root too) is refused now, not at the first write (with the
	 * catalog elsewhere, nothing else in the data directory is written) */
	if (faccessat(s->dirfd, ".", W_OK, AT_EACCESS) < 0) {
		int e = errno;
		close(s->dirfd);
		s->dirfd = -1;
		return gfs_err_set(err, e, "object store %s: %s", path, strerror(e));
	}
	for (unsigned i = 0; i < 256; i++) {
		char sub[8];
		snprintf(sub, sizeof(sub), "%02x", i);
		if (mkdirat(s->dirfd, sub, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(s->dirfd);
			return gfs_err_set(err, e, "object store %s/%s: %s", path,
					   sub, strerror(e));
		}
	}
	return 0;
}

void gfs_store_close(struct gfs_store *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
}

int gfs_store_create(struct gfs_store *s, int64_t id)
{
	char p[64];
	object_path(id, p, sizeof(p));
	int fd = openat(s->dirfd, p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int gfs_store_open_object(struct gfs_store *s, int64_t id)
{
	char p[64];
	object_path(id, p, sizeof(p));
	int fd = openat(s->dirfd, p, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int gfs_store_remove(struct gfs_store *s, int64_t id)
{
	char p[64];
	object_path(id, p, sizeof(p));
	if (unlinkat(s->dirfd, p, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int gfs_store_stat(struct gfs_store *s, int64_t id, struct stat *st)
{
	char p[64];
	object_path(id, p, sizeof(p));
	return fstatat(s->dirfd, p, st, 0) < 0 ? -errno : 0;
}

int gfs_store_scan(struct gfs_store *s, gfs_store_fn fn, void *arg)
{
	int foreign = 0;

	for (unsigned i = 0; i < 256; i++) {
		char sub[8];
		snprintf(sub, sizeof(sub), "%02x", i);
		int fd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			char *end;
			if (de->d_name[0] == '.')
				continue;
			long long id = strtoll(de->d_name, &end, 10);
			if (*end || id <= 0 || (id & 0xff) != i) {
				/* not where an object of ours would be: nobody
				 * can reach it, so it goes */
				if (unlinkat(dirfd(d), de->d_name, 0) == 0)
					foreign++;
				continue;
			}
			if (fn(arg, id))
				break;
		}
		closedir(d);
	}
	return foreign;
}
