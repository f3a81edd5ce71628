/*
 * hosts.c — the thread that keeps this daemon among the others on a shared
 * catalog (PostgreSQL): core renews its registration and turns the other
 * daemons' commits into invalidations, which the notifier thread sends.
 * Not started on SQLite (one daemon: nothing to hear).
 */
#include "daemon.h"

#include <stdatomic.h>

#define STEP_MS 250             /* how soon a stop is noticed */

static void *hosts_main(void *arg)
{
	struct listener *l = arg;
	while (!atomic_load(&l->stop))
		gfs_hosts_step(l->core, STEP_MS);
	return NULL;
}

int listener_start(struct listener *l, struct gfs_core *core)
{
	l->core = core;
	atomic_store(&l->stop, false);
	if (!gfs_hosts_shared(core))
		return 0;
	if (pthread_create(&l->thread, NULL, hosts_main, l) != 0)
		return -1;
	l->started = true;
	return 0;
}

void listener_stop(struct listener *l)
{
	if (!l->started)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	l->started = false;
}
