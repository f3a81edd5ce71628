/*
 * util.c — gfs-storm's helpers: errors, memory, the content function,
 * paths, time.
 */
#include "storm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(status == 3 ? "gfs-storm: FINDING: " : "gfs-storm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die(2, "out of memory");
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		die(2, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die(2, "out of memory");
	return d;
}

void set_str(char **dst, const char *s)
{
	char *d = s ? xstrdup(s) : NULL;
	free(*dst);
	*dst = d;
}

uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The content of every write: byte `off` (absolute, in the file) of the
 * stream of `seed`. Any part of a write is therefore the write of that part. */
void fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint64_t o = off + i;
		uint64_t w = mix64(seed * 0x100000001b3ULL ^ mix64(o / 8));
		for (unsigned b = (unsigned)(o % 8); b < 8 && i < len; b++, i++)
			buf[i] = (unsigned char)(w >> (8 * b));
	}
}

/* "MOUNT/REL" and "MOUNT/G/.softdeleted/REST" for REL = "G/REST". */
void live_path(const char *mount, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", mount, rel);
}

void sd_path(const char *mount, const char *rel, char *out, size_t len)
{
	size_t g = strcspn(rel, "/");
	snprintf(out, len, "%s/%.*s/.softdeleted%s", mount, (int)g, rel, rel + g);
}

bool mount_dead(const char *mount)
{
	struct statfs s;
	return statfs(mount, &s) < 0 || s.f_type != FUSE_SUPER_MAGIC;
}

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * NS + ts.tv_nsec;
}

/* How many '/'-separated components, and the number ending the last one. */
int components(const char *p)
{
	int n = 1;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

long trailing_number(const char *p)
{
	const char *e = p + strlen(p);
	while (e > p && e[-1] >= '0' && e[-1] <= '9')
		e--;
	return strtol(e, NULL, 10);
}

/* A journal line without its newline (four buffers in turn: a message
 * may quote several). */
const char *last_of(const char *s)
{
	static char bufs[4][1024];
	static unsigned turn;
	if (!s)
		return "(none)";
	char *buf = bufs[turn++ % 4];
	snprintf(buf, sizeof(bufs[0]), "%s", s);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

long long parse_utc(const char *s)
{
	struct tm tm;
	char z = 0;
	int n = 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 ||
	    z != 'Z' || s[n] != '\0' || strlen(s) != 20)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}
