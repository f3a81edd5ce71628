/*
 * gfs-propagate — how long a change made through one mount takes to show
 * through another of the same catalog (issue #15's propagation delay).
 *
 *     gfs-propagate A B DEF N
 *
 * DEF is a definition directory, the same one seen under mounts A and B,
 * with a version 1.0.0 (its file f is made). N rounds, each one of three
 * changes in turn: a new version 2.I.0 made (B had
 * the miss cached), a file's mode changed, a file's mtime set (B had its
 * attributes cached). B reads the old state first, then A makes the change,
 * then B's stat is polled in a tight loop until it shows the new state;
 * the time from A's call returning to B's first stat showing it is the
 * delay. Prints, per kind and for all: count, median, 99th percentile and
 * the largest, in ms. A round B does not see within 10 s fails the run
 * (status 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GIVE_UP_NS (10LL * 1000000000LL)

enum kind { MKDIR, CHMOD, TOUCH, KINDS };
static const char *const kind_name[KINDS] = { "mkdir", "chmod", "touch" };

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, int64_t *d, size_t n)
{
	if (!n)
		return;
	qsort(d, n, sizeof(*d), cmp_i64);
	size_t p99 = (n * 99 + 99) / 100;
	if (p99 > n)
		p99 = n;
	printf("%-6s n=%zu median=%.2f ms p99=%.2f ms max=%.2f ms\n", what, n,
	       d[n / 2] / 1e6, d[p99 - 1] / 1e6, d[n - 1] / 1e6);
}

/* Whether B's stat of path shows the change of kind made in round i. */
static bool shows(enum kind k, const char *path, int i, const struct timespec *mt)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return false;
	switch (k) {
	case MKDIR:
		return S_ISDIR(st.st_mode);
	case CHMOD:
		return (st.st_mode & 0777) == (i % 2 ? 0600u : 0640u);
	default:
		return st.st_mtim.tv_sec == mt->tv_sec && st.st_mtim.tv_nsec == mt->tv_nsec;
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: gfs-propagate A B DEF N\n");
		return 2;
	}
	const char *a = argv[1], *b = argv[2], *dir = argv[3];
	int n = atoi(argv[4]);
	int64_t *all = calloc((size_t)n + 1, sizeof(*all));
	int64_t *by[KINDS];
	size_t counts[KINDS] = { 0 };
	char pa[4096], pb[4096];

	for (int k = 0; k < KINDS; k++)
		by[k] = calloc((size_t)n + 1, sizeof(int64_t));
	snprintf(pa, sizeof(pa), "%s/%s/1.0.0/f", a, dir);
	int fd = open(pa, O_CREAT | O_WRONLY, 0640);
	if (fd < 0) {
		fprintf(stderr, "gfs-propagate: %s: %s\n", pa, strerror(errno));
		return 2;
	}
	close(fd);
	for (int i = 0; i < n; i++) {
		enum kind k = (enum kind)(i % KINDS);
		struct timespec mt = { .tv_sec = 1000000000 + i, .tv_nsec = i };
		struct stat st;
		int r;
		if (k == MKDIR) {
			snprintf(pa, sizeof(pa), "%s/%s/2.%d.0", a, dir, i);
			snprintf(pb, sizeof(pb), "%s/%s/2.%d.0", b, dir, i);
			(void)stat(pb, &st);            /* the miss, cached */
			r = mkdir(pa, 0755);
		} else {
			snprintf(pa, sizeof(pa), "%s/%s/1.0.0/f", a, dir);
			snprintf(pb, sizeof(pb), "%s/%s/1.0.0/f", b, dir);
			(void)stat(pb, &st);            /* the old attributes, cached */
			if (k == CHMOD) {
				r = chmod(pa, i % 2 ? 0600 : 0640);
			} else {
				struct timespec ts[2] = { mt, mt };
				r = utimensat(AT_FDCWD, pa, ts, 0);
			}
		}
		if (r < 0) {
			fprintf(stderr, "gfs-propagate: %s %s: %s\n", kind_name[k], pa,
				strerror(errno));
			return 2;
		}
		int64_t t0 = now_ns(), t;
		while (!shows(k, pb, i, &mt)) {
			if (now_ns() - t0 > GIVE_UP_NS) {
				fprintf(stderr, "gfs-propagate: round %d: %s of %s not "
					"seen through %s after 10 s\n", i, kind_name[k],
					pa, b);
				return 1;
			}
		}
		t = now_ns() - t0;
		all[i] = t;
		by[k][counts[k]++] = t;
	}
	for (int k = 0; k < KINDS; k++)
		report(kind_name[k], by[k], counts[k]);
	report("all", all, (size_t)n);
	return 0;
}
