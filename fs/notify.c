/*
 * notify.c — a queue of kernel cache invalidations and the thread that
 * sends them. Core queues them when it changes something the kernel did not
 * change itself (a purge, a version moving into .softdeleted by rename).
 */
#include "daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notice {
	uint64_t parent, ino;
	char name[256];
	bool entry;
	struct notice *next;
};

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
		if (x->entry)
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
