/*
 * trash.c — names and texts of the desktop trash view, and the in-memory
 * files of info/ (design §10). Nothing here touches the catalog: the items
 * of a trash are catalog rows (catalog.h: the trash table); what lives
 * only here is what tools write into info/ around a move, which galleryfs
 * takes as a reservation and never stores (the info that reads return is
 * made from the item's row), and the info of an item that just left the
 * trash, which tools remove after a restore or a delete and which must
 * then still be there to remove.
 */
#include "trash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

int64_t gfs_trash_dir_uid(const char *name)
{
	size_t plen = sizeof(GFS_TRASH_PREFIX) - 1;
	if (strncmp(name, GFS_TRASH_PREFIX, plen) != 0)
		return -1;
	const char *d = name + plen;
	size_t n = strlen(d);
	if (n == 0 || n > 10 || strspn(d, "0123456789") != n || (d[0] == '0' && n > 1))
		return -1;
	int64_t uid = strtoll(d, NULL, 10);
	return uid <= UINT32_MAX ? uid : -1;
}

bool gfs_trash_info_item(const char *name, char *out, size_t len)
{
	size_t n = strlen(name), slen = sizeof(GFS_TRASH_INFO_SUFFIX) - 1;
	if (n <= slen || strcmp(name + n - slen, GFS_TRASH_INFO_SUFFIX) != 0 ||
	    n - slen >= len)
		return false;
	memcpy(out, name, n - slen);
	out[n - slen] = '\0';
	return true;
}

bool gfs_trash_name_candidate(const char *name, unsigned n, char *out, size_t len)
{
	int w;
	if (n <= 1) {
		w = snprintf(out, len, "%s", name);
	} else {
		const char *dot = strchr(name, '.');
		/* a leading dot is part of the name, as GLib treats it */
		if (dot == name)
			dot = strchr(name + 1, '.');
		if (dot)
			w = snprintf(out, len, "%.*s.%u%s", (int)(dot - name), name, n, dot);
		else
			w = snprintf(out, len, "%s.%u", name, n);
	}
	return w > 0 && (size_t)w < len && w <= 255;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~' || c == '/';
}

int gfs_trash_info_text(const char *orig_path, int64_t deleted_at, char *out,
			size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char path[3 * 1024 + 1], date[32];
	size_t p = 0;

	for (const unsigned char *s = (const unsigned char *)orig_path; *s; s++) {
		if (p + 4 > sizeof(path))
			return -1;
		if (unreserved(*s)) {
			path[p++] = (char)*s;
		} else {
			path[p++] = '%';
			path[p++] = hex[*s >> 4];
			path[p++] = hex[*s & 15];
		}
	}
	path[p] = '\0';
	time_t t = (time_t)deleted_at;
	struct tm tm;
	if (!localtime_r(&t, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	int w = snprintf(out, len, "[Trash Info]\nPath=%s\nDeletionDate=%s\n", path,
			 date);
	return w > 0 && (size_t)w < len ? w : -1;
}

/* ------------------------------------------------------------------ */
/* the in-memory files of info/                                        */

void gfs_pending_init(struct gfs_pending_table *t)
{
	pthread_mutex_init(&t->lock, NULL);
	t->head = NULL;
	t->next_id = 1;
	t->changed_ns = 0;
}

static void pending_free(struct gfs_pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

void gfs_pending_destroy(struct gfs_pending_table *t)
{
	struct gfs_pending *p = t->head, *next;
	for (; p; p = next) {
		next = p->next;
		pending_free(p);
	}
	t->head = NULL;
	pthread_mutex_destroy(&t->lock);
}

/* An entry came or went: move changed_ns on, by 1 ns at least. */
static void changed_locked(struct gfs_pending_table *t, int64_t now_ns)
{
	t->changed_ns = now_ns > t->changed_ns ? now_ns : t->changed_ns + 1;
}

static void expire_locked(struct gfs_pending_table *t, int64_t now_ns)
{
	for (struct gfs_pending **pp = &t->head; *pp;) {
		struct gfs_pending *p = *pp;
		if (now_ns - p->used_ns > GFS_TRASH_PENDING_NS || now_ns < p->created_ns) {
			*pp = p->next;
			pending_free(p);
			changed_locked(t, now_ns);
		} else {
			pp = &p->next;
		}
	}
}

int64_t gfs_pending_mtime(struct gfs_pending_table *t, int64_t now_ns)
{
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	int64_t mt = t->changed_ns;
	pthread_mutex_unlock(&t->lock);
	return mt;
}

void gfs_pending_expire(struct gfs_pending_table *t, int64_t now_ns)
{
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	pthread_mutex_unlock(&t->lock);
}

int gfs_pending_add(struct gfs_pending_table *t, uint32_t uid,
		    enum gfs_pending_kind kind, const char *name, uint32_t mode,
		    uint32_t owner, uint32_t group, int64_t now_ns,
		    struct gfs_pending *out)
{
	struct gfs_pending *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = memfd_create("galleryfs-trashinfo", MFD_CLOEXEC);
	if (p->fd < 0) {
		int e = errno;
		free(p);
		return -e;
	}
	p->uid = uid;
	p->kind = kind;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->mode = mode;
	p->owner = owner;
	p->group = group;
	p->created_ns = p->used_ns = now_ns;
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	p->id = t->next_id++;
	p->next = t->head;
	t->head = p;
	changed_locked(t, now_ns);
	*out = *p;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

bool gfs_pending_find(struct gfs_pending_table *t, uint32_t uid,
		      const char *name, int64_t now_ns, struct gfs_pending *out)
{
	bool found = false;
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	for (struct gfs_pending *p = t->head; p && !found; p = p->next) {
		if (p->uid == uid && strcmp(p->name, name) == 0) {
			p->used_ns = now_ns;
			*out = *p;
			found = true;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

bool gfs_pending_by_id(struct gfs_pending_table *t, uint64_t id, int64_t now_ns,
		       struct gfs_pending *out)
{
	bool found = false;
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	for (struct gfs_pending *p = t->head; p && !found; p = p->next) {
		if (p->id == id) {
			p->used_ns = now_ns;
			*out = *p;
			found = true;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

bool gfs_pending_drop(struct gfs_pending_table *t, uint64_t id)
{
	bool found = false;
	pthread_mutex_lock(&t->lock);
	for (struct gfs_pending **pp = &t->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct gfs_pending *p = *pp;
			*pp = p->next;
			pending_free(p);
			changed_locked(t, gfs_now_ns());
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

void gfs_pending_drop_name(struct gfs_pending_table *t, uint32_t uid,
			   const char *name)
{
	pthread_mutex_lock(&t->lock);
	for (struct gfs_pending **pp = &t->head; *pp;) {
		struct gfs_pending *p = *pp;
		if (p->uid == uid && strcmp(p->name, name) == 0) {
			*pp = p->next;
			pending_free(p);
			changed_locked(t, gfs_now_ns());
		} else {
			pp = &p->next;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

void gfs_pending_list(struct gfs_pending_table *t, uint32_t uid, uint64_t after,
		      int64_t now_ns,
		      int (*fn)(void *arg, const struct gfs_pending *p), void *arg)
{
	pthread_mutex_lock(&t->lock);
	expire_locked(t, now_ns);
	for (;;) {
		const struct gfs_pending *next = NULL;
		for (const struct gfs_pending *p = t->head; p; p = p->next)
			if (p->uid == uid && p->kind != GFS_PENDING_LEFT && p->id > after &&
			    (!next || p->id < next->id))
				next = p;
		if (!next || fn(arg, next))
			break;
		after = next->id;
	}
	pthread_mutex_unlock(&t->lock);
}
