/*
 * notify.c — a queue of kernel cache invalidations and the thread that
 * sends them. Core queues them when it changes something the kernel did not
 * change itself (a purge, a version moving into .softdeleted by rename).
 * On a shared catalog it also counts the node ids the kernel holds (each
 * lookup reply, minus forgets): when core says that everything the kernel
 * holds must go (a change log trimmed past what this daemon applied), each
 * of them is invalidated, rows the catalog no longer has included.
 */
#include "daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notice {
	uint64_t parent, ino;
	char name[256];
	bool entry;
	bool all;                       /* every node id the kernel holds */
	struct notice *next;
};

/* ---- the node ids the kernel holds ---- */

static size_t slot_home(const struct held *h, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> 17) & (h->cap - 1);
}

/* The slot of id, or of the free slot where it would go. */
static size_t slot_find(const struct held *h, uint64_t id)
{
	size_t i = slot_home(h, id);
	while (h->id[i] && h->id[i] != id)
		i = (i + 1) & (h->cap - 1);
	return i;
}

static bool held_grow(struct held *h)
{
	size_t cap = h->cap ? h->cap * 2 : 1024;
	uint64_t *id = calloc(cap, sizeof(*id)), *count = calloc(cap, sizeof(*count));
	if (!id || !count) {
		free(id);
		free(count);
		return false;
	}
	struct held old = *h;
	h->id = id;
	h->count = count;
	h->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.id[i])
			continue;
		size_t j = slot_find(h, old.id[i]);
		h->id[j] = old.id[i];
		h->count[j] = old.count[i];
	}
	free(old.id);
	free(old.count);
	return true;
}

void notifier_track(struct notifier *n)
{
	pthread_mutex_init(&n->held.lock, NULL);
	n->held.on = true;
}

void held_add(struct notifier *n, uint64_t nodeid)
{
	struct held *h = &n->held;
	if (!h->on || !nodeid)
		return;
	pthread_mutex_lock(&h->lock);
	/* out of memory: this one keeps its entry after a trimmed log */
	if ((h->n + 1) * 4 <= h->cap * 3 || held_grow(h)) {
		size_t i = slot_find(h, nodeid);
		if (!h->id[i]) {
			h->id[i] = nodeid;
			h->n++;
		}
		h->count[i]++;
	}
	pthread_mutex_unlock(&h->lock);
}

void held_forget(struct notifier *n, uint64_t nodeid, uint64_t nlookup)
{
	struct held *h = &n->held;
	if (!h->on || !nodeid)
		return;
	pthread_mutex_lock(&h->lock);
	size_t i = h->cap ? slot_find(h, nodeid) : 0;
	bool gone = false;
	if (h->cap && h->id[i]) {
		h->count[i] = nlookup < h->count[i] ? h->count[i] - nlookup : 0;
		gone = h->count[i] == 0;
	}
	if (gone) {
		/* taken out; the slots after it, up to a free one, moved
		 * back where a search from their home finds them */
		size_t mask = h->cap - 1, j = i;
		h->id[i] = 0;
		h->n--;
		for (;;) {
			j = (j + 1) & mask;
			if (!h->id[j])
				break;
			size_t k = slot_home(h, h->id[j]);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			h->id[i] = h->id[j];
			h->count[i] = h->count[j];
			h->id[j] = 0;
			i = j;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

/* Every node id held now, invalidated (from the notifier thread: the
 * list is copied, so that no request waits on the lock meanwhile). */
static void inval_held(struct notifier *n)
{
	struct held *h = &n->held;
	uint64_t *ids = NULL;
	size_t k = 0;
	if (!h->on)
		return;
	pthread_mutex_lock(&h->lock);
	if (h->n)
		ids = malloc(h->n * sizeof(*ids));
	for (size_t i = 0; ids && i < h->cap; i++)
		if (h->id[i])
			ids[k++] = h->id[i];
	pthread_mutex_unlock(&h->lock);
	for (size_t i = 0; i < k; i++)
		fuse_lowlevel_notify_inval_inode(n->se, ids[i], 0, 0);
	free(ids);
}

static void *notifier_main(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		while (!n->head && !n->stop)
			pthread_cond_wait(&n->cond, &n->lock);
		if (!n->head && n->stop)
			break;
		struct notice *x = n->head;
		n->head = x->next;
		if (!n->head)
			n->tail = NULL;
		pthread_mutex_unlock(&n->lock);
		/* -ENOENT: the kernel no longer knows it, which is fine */
		if (x->all)
			inval_held(n);
		else if (x->entry)
			fuse_lowlevel_notify_inval_entry(n->se, x->parent, x->name,
							 strlen(x->name));
		else
			fuse_lowlevel_notify_inval_inode(n->se, x->ino, 0, 0);
		free(x);
		pthread_mutex_lock(&n->lock);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int notifier_start(struct notifier *n, struct fuse_session *se)
{
	n->se = se;
	n->stop = false;
	if (pthread_create(&n->thread, NULL, notifier_main, n) != 0)
		return -1;
	n->started = true;
	return 0;
}

void notifier_stop(struct notifier *n)
{
	if (!n->started)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	/* the kernel is going away: drop what was not sent */
	while (n->head) {
		struct notice *x = n->head;
		n->head = x->next;
		free(x);
	}
	n->tail = NULL;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	n->started = false;
	if (n->held.on) {
		/* the session loop is over: no reply or forget any more */
		n->held.on = false;
		free(n->held.id);
		free(n->held.count);
		n->held.id = n->held.count = NULL;
		n->held.cap = n->held.n = 0;
		pthread_mutex_destroy(&n->held.lock);
	}
}

void notifier_push(void *arg, uint64_t parent, const char *name, uint64_t ino)
{
	struct notifier *n = arg;
	struct notice *x = calloc(1, sizeof(*x));
	if (!x)
		return;     /* zero timeouts under .softdeleted still hold */
	x->parent = parent;
	x->ino = ino;
	x->entry = name != NULL;
	x->all = !parent && !name && !ino;
	if (name)
		snprintf(x->name, sizeof(x->name), "%s", name);
	pthread_mutex_lock(&n->lock);
	if (!n->started || n->stop) {
		pthread_mutex_unlock(&n->lock);
		free(x);
		return;
	}
	if (n->tail)
		n->tail->next = x;
	else
		n->head = x;
	n->tail = x;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}
