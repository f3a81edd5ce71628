/*
 * purger.c — retention: main purges once at mount (purge_once), then this
 * thread purges whenever purge_interval seconds of wall-clock time pass. Time is the C
 * library's (so libfaketime moves it in tests); the thread wakes every
 * second to look, which also notices a clock that jumped.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "log.h"

/* At mount a person waits for the purge: after a second, say how far it is,
 * about once a second, on stderr (still the terminal then). */
struct progress {
	struct timespec start, last;
	bool shown;
};

static double since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void show_progress(void *arg, int64_t done)
{
	struct progress *p = arg;
	if (since(&p->start) < 1.0 || (p->shown && since(&p->last) < 1.0))
		return;
	fprintf(stderr, "galleryfs: purging soft-deleted items past their "
		"retention: %lld so far\n", (long long)done);
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	p->shown = true;
}

void purge_once(struct gfs_core *core, bool show)
{
	struct gfs_err err;
	struct progress p = { .shown = false };
	int64_t purged = 0;

	clock_gettime(CLOCK_MONOTONIC, &p.start);
	if (gfs_purge_expired(core, &purged, show ? show_progress : NULL, &p,
			      &err) < 0)
		gfs_log(GFS_LOG_ERROR, "purge failed: %s", err.reason);
	else if (purged)
		gfs_log(GFS_LOG_INFO, "purge: %lld soft-deleted %s past %s "
			"retention deleted for good", (long long)purged,
			purged == 1 ? "item" : "items", purged == 1 ? "its" : "their");
}

static void *purger_main(void *arg)
{
	struct purger *p = arg;
	int64_t last = gfs_now_ns() / GFS_NS_PER_SEC;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		gfs_retry_records(p->core);
		pthread_mutex_lock(&p->lock);
		int64_t now = gfs_now_ns() / GFS_NS_PER_SEC;
		if (now - last < (int64_t)p->interval && now >= last)
			continue;
		last = now;
		pthread_mutex_unlock(&p->lock);
		purge_once(p->core, false);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int purger_start(struct purger *p, struct gfs_core *core, unsigned interval)
{
	pthread_condattr_t ca;
	p->core = core;
	p->interval = interval;
	p->stop = false;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, purger_main, p) != 0)
		return -1;
	p->started = true;
	return 0;
}

void purger_stop(struct purger *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->started = false;
}
