/*
 * hosts.c — several daemons on one catalog (issue #15, design §7): each
 * registers in the catalog with a lease it renews, instead of locking the
 * data directory; one whose lease ran out, or whose process is gone from
 * this host, counts as gone and its registration is removed by whoever
 * notices. Each hears of the others' commits (the catalog's change log and
 * its notifications) and turns every changed row into the kernel
 * invalidations of the places that show it, before and after: the entry
 * in its parent, the parent's listing, the node's attributes and data, and
 * under .softdeleted the directories that list it. The adapter sends them
 * from its notifier thread (design §9).
 */
#include "core.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LEASE_S 15              /* a registration not renewed for this long is gone */
#define RENEW_MS 3000           /* renewed this often */
#define KEEP_LOG_S 120          /* the change log keeps this much */
/* A request that read the catalog before another daemon's commit may
 * answer the kernel after its invalidation went, and the kernel would keep
 * that answer for the live tree's long timeouts: each change is
 * invalidated again this much later. */
#define AGAIN_MS 200

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void host_label(char *out, size_t len)
{
	if (gethostname(out, len) < 0 || !out[0])
		snprintf(out, len, "?");
	out[len - 1] = '\0';
}

/* ---- registrations ---- */

struct census {
	struct gfs_core *c;
	char host[256];
	int others, gone;
};

/* Whether process pid of this host has ended (a zombie has: only its
 * exit status is left to collect). */
static bool process_gone(int64_t pid)
{
	char path[64], stat[256];
	if (pid <= 0)
		return false;
	if (kill((pid_t)pid, 0) < 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *end = strrchr(stat, ')');  /* "PID (COMM) STATE ..." */
	return end && end[1] == ' ' && end[2] == 'Z';
}

/* A daemon is gone when its lease ran out, or when it ran on this host
 * and its process is no more (a kill -9 and a quick restart). */
static int count_daemon(void *arg, const struct cat_daemon *d)
{
	struct census *k = arg;
	if (d->id == k->c->hosts.id)
		return 0;
	bool dead = d->expired || (strcmp(d->host, k->host) == 0 &&
				   process_gone(d->pid));
	if (!dead) {
		k->others++;
		return 0;
	}
	if (k->c->cat->be->daemon_remove(k->c->cat, d->id) == 0) {
		gfs_log(GFS_LOG_WARNING, "the daemon registered as %lld (pid %lld on "
			"%s, mounted on %s) is gone without unregistering; its "
			"registration is removed", (long long)d->id, (long long)d->pid,
			d->host, d->mountpoint);
		k->gone++;
	}
	return 0;
}

static int census(struct gfs_core *c, int *others, int *gone)
{
	struct census k = { .c = c };
	host_label(k.host, sizeof(k.host));
	int r = c->cat->be->daemons(c->cat, count_daemon, &k);
	/* what only the gone held open is no one's now (holders.c) */
	if (k.gone)
		holders_sweep(c);
	if (others)
		*others = k.others;
	if (gone)
		*gone = k.gone;
	return r;
}

static int do_register(struct gfs_core *c, struct gfs_err *err)
{
	struct cat_daemon d = { .pid = getpid() };
	host_label(d.host, sizeof(d.host));
	snprintf(d.mountpoint, sizeof(d.mountpoint), "%s", c->hosts.mountpoint);
	int r = c->cat->be->daemon_register(c->cat, &d, LEASE_S, &c->hosts.id, err);
	if (r == 0)
		c->hosts.renewed_ms = mono_ms();
	return r;
}

int hosts_register(struct gfs_core *c, const char *mountpoint, int *others,
		   int *gone, struct gfs_err *err)
{
	struct hosts *h = &c->hosts;
	h->fd = -1;
	h->last = 0;
	h->again_from = -1;
	snprintf(h->mountpoint, sizeof(h->mountpoint), "%s", mountpoint ? mountpoint : "");
	int r = do_register(c, err);
	if (r < 0)
		return r;
	h->shared = true;
	/* listening before the first request: what others commit from now on
	 * is heard, and the kernel holds nothing older */
	if ((r = c->cat->be->listen_open(c->cat, &h->fd, &h->last, err)) < 0)
		return r;
	if ((r = census(c, others, gone)) < 0)
		return gfs_err_set(err, -r, "the daemons registered on the catalog "
				   "cannot be read");
	gfs_log(GFS_LOG_DEBUG, "registered in the catalog as daemon %lld; %d other "
		"%s", (long long)h->id, *others, *others == 1 ? "daemon is live" :
		"daemons are live");
	return 0;
}

void hosts_unregister(struct gfs_core *c)
{
	if (!c->hosts.shared)
		return;
	c->cat->be->listen_close(c->cat);
	c->cat->be->daemon_unregister(c->cat);
	c->hosts.shared = false;
}

bool gfs_hosts_shared(struct gfs_core *c)
{
	return c->hosts.shared;
}

static void renew(struct gfs_core *c)
{
	struct gfs_err err;
	int r = c->cat->be->daemon_renew(c->cat, LEASE_S, KEEP_LOG_S, &err);
	if (r == -ENOENT) {
		gfs_log(GFS_LOG_WARNING, "%s (it had not renewed its lease for %d s); "
			"registering again", err.reason, LEASE_S);
		if ((r = do_register(c, &err)) == 0)
			holders_record_again(c);
	}
	if (r < 0) {
		gfs_log(GFS_LOG_ERROR, "the lease of this daemon cannot be renewed: %s",
			err.reason);
		return;
	}
	c->hosts.renewed_ms = mono_ms();
	census(c, NULL, NULL);
}

/* ---- other daemons' changes, as invalidations ---- */

static void inval_inode(struct gfs_core *c, uint64_t nodeid)
{
	c->inval(c->inval_arg, 0, NULL, nodeid);
}

static void inval_entry(struct gfs_core *c, uint64_t parent, const char *name)
{
	c->inval(c->inval_arg, parent, name, 0);
}

/* The node ids a row had or has: its own, under both generations a
 * soft-deleted version shows with, and its mirror (.softdeleted). */
static void inval_row(struct gfs_core *c, int64_t id, enum gfs_type type,
		      const struct cat_row_image *im)
{
	uint64_t own = nodeid_of(id, false, im->gen);
	inval_inode(c, own);
	if (type == GFS_VERSION)
		inval_inode(c, nodeid_other_view(own));
	if (type != GFS_FILE)
		inval_inode(c, nodeid_of(id, true, im->mirror_gen));
}

/* The directories that list the row at its place im: its parent live, or
 * under .softdeleted the mirror that shows it, with the mirrors above. */
static void inval_place(struct gfs_core *c, struct gfs_txn *t,
			const struct cat_change *ch, const struct cat_row_image *im)
{
	struct gfs_node up, g, d;
	if (!im->set || im->state == GFS_ORPHAN)
		return;
	uint64_t home;
	if (im->parent == 0)
		home = GFS_ROOT_INO;
	else if (cat_node_get(t, im->parent, &up) < 0)
		return;         /* gone too: its own change says so */
	else if (im->state == GFS_LIVE)
		home = nodeid_of(up.id, false, up.gen);
	else
		home = sd_home_nodeid(&up);
	inval_entry(c, home, im->name);
	inval_inode(c, home);
	if (im->state == GFS_LIVE || ch->type == GFS_GALLERY)
		return;
	if (ch->gallery && cat_node_get(t, ch->gallery, &g) == 0)
		inval_inode(c, nodeid_of(g.id, true, g.mirror_gen));
	if (ch->definition && ch->type != GFS_DEFINITION &&
	    cat_node_get(t, ch->definition, &d) == 0) {
		inval_inode(c, nodeid_of(d.id, true, d.mirror_gen));
		if (ch->gallery && cat_node_get(t, ch->gallery, &g) == 0)
			inval_entry(c, nodeid_of(g.id, true, g.mirror_gen), d.name);
	}
}

struct apply {
	struct gfs_core *c;
	struct gfs_txn *t;
	int64_t applied;
	int64_t until;                  /* visit no change past it (0: all) */
};

static int apply_change(void *arg, const struct cat_change *ch)
{
	struct apply *a = arg;
	if (a->until && ch->seq > a->until)
		return 1;
	if (ch->daemon == a->c->hosts.id)
		return 0;       /* ours: the kernel made it, or op_inval said it */
	if (ch->before.set)
		inval_row(a->c, ch->node, ch->type, &ch->before);
	if (ch->after.set && (!ch->before.set || ch->after.gen != ch->before.gen ||
			      ch->after.mirror_gen != ch->before.mirror_gen))
		inval_row(a->c, ch->node, ch->type, &ch->after);
	inval_place(a->c, a->t, ch, &ch->before);
	if (!ch->before.set || ch->after.parent != ch->before.parent ||
	    ch->after.state != ch->before.state ||
	    strcmp(ch->after.name, ch->before.name) != 0)
		inval_place(a->c, a->t, ch, &ch->after);
	a->applied++;
	return 0;
}

/* The log no longer reaches back to what we applied last: whatever the
 * kernel may hold goes, the root's listing and every row's entry and
 * inode, and (the adapter counts them) every node id the kernel holds:
 * rows deleted meanwhile are not in the catalog any more. */
static int forget_row(void *arg, const struct gfs_node *n, int64_t hint)
{
	struct apply *a = arg;
	struct cat_row_image im = { .set = true, .parent = n->parent,
				    .state = n->state, .gen = n->gen,
				    .mirror_gen = n->mirror_gen };
	struct cat_change ch = { .node = n->id, .type = n->type,
				 .gallery = n->gallery, .definition = n->definition };
	(void)hint;
	if (n->id == 0)
		return 0;
	snprintf(im.name, sizeof(im.name), "%s", n->name);
	inval_row(a->c, n->id, n->type, &im);
	inval_place(a->c, a->t, &ch, &im);
	return 0;
}

/* The changes after from (up to until, 0: all): invalidated. The last
 * visited, or from when none could be read. */
static int64_t apply_range(struct gfs_core *c, int64_t from, int64_t until)
{
	struct gfs_err err;
	struct apply a = { .c = c, .until = until };
	int64_t last = from;
	if (gfs_txn_begin(c->cat, false, &a.t, &err) < 0)
		return from;
	int r = c->cat->be->changes_since(c->cat, from, apply_change, &a, &last);
	gfs_txn_rollback(a.t);
	return r == 0 ? last : from;
}

static void apply_changes(struct gfs_core *c)
{
	struct gfs_err err;
	struct apply a = { .c = c };
	int64_t last = c->hosts.last;
	if (gfs_txn_begin(c->cat, false, &a.t, &err) < 0) {
		gfs_log(GFS_LOG_ERROR, "other daemons' changes cannot be read: %s",
			err.reason);
		return;
	}
	int r = c->cat->be->changes_since(c->cat, c->hosts.last, apply_change, &a,
					  &last);
	if (r == -ESTALE) {
		gfs_log(GFS_LOG_WARNING, "the catalog's change log no longer holds "
			"every change since %lld (this daemon was away longer than "
			"%d s): everything the kernel caches is invalidated",
			(long long)c->hosts.last, KEEP_LOG_S);
		inval_inode(c, GFS_ROOT_INO);
		c->inval(c->inval_arg, 0, NULL, 0);     /* all it holds */
		r = cat_nodes(a.t, -1, forget_row, &a);
	}
	gfs_txn_rollback(a.t);
	if (r < 0) {
		/* what was applied stays applied; the rest after a reconnect */
		gfs_log(GFS_LOG_WARNING, "other daemons' changes cannot be read "
			"(the listening connection failed: %s); reconnecting",
			strerror(-r));
		c->cat->be->listen_close(c->cat);
		c->hosts.fd = -1;
		c->hosts.told = true;
	}
	if (a.applied && c->hosts.again_from < 0) {
		c->hosts.again_from = c->hosts.last;
		c->hosts.again_ms = mono_ms() + AGAIN_MS;
	}
	if (a.applied)
		c->hosts.again_until = last;
	c->hosts.last = last;
}

/* The second invalidation of what was applied AGAIN_MS ago. */
static void apply_again(struct gfs_core *c)
{
	struct hosts *h = &c->hosts;
	if (h->again_from < 0 || mono_ms() < h->again_ms)
		return;
	apply_range(c, h->again_from, h->again_until);
	h->again_from = -1;
}

void gfs_hosts_step(struct gfs_core *c, int timeout_ms)
{
	struct hosts *h = &c->hosts;
	struct gfs_err err;
	bool due = mono_ms() - h->renewed_ms >= RENEW_MS;

	if (due)
		renew(c);
	if (h->fd < 0) {
		int64_t newest;
		if (c->cat->be->listen_open(c->cat, &h->fd, &newest, &err) < 0) {
			if (!h->told)
				gfs_log(GFS_LOG_ERROR, "other daemons' changes cannot be "
					"heard (%s); trying again", err.reason);
			h->told = true;
			h->fd = -1;
			poll(NULL, 0, timeout_ms);
			return;
		}
		if (h->told)
			gfs_log(GFS_LOG_INFO, "hearing other daemons' changes again; "
				"catching up from change %lld", (long long)h->last);
		h->told = false;
		apply_changes(c);
	}
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	if (h->again_from >= 0) {
		int64_t left = h->again_ms - mono_ms();
		if (left < timeout_ms)
			timeout_ms = left > 0 ? (int)left : 0;
	}
	int n = poll(&p, 1, timeout_ms);
	if (n > 0) {
		if (c->cat->be->listen_drain(c->cat) < 0) {
			gfs_log(GFS_LOG_WARNING, "the connection that hears other "
				"daemons' changes was lost; reconnecting");
			h->told = true;
			c->cat->be->listen_close(c->cat);
			h->fd = -1;
			return;
		}
		apply_changes(c);
	} else if (due) {
		apply_changes(c);       /* a notification lost is found here */
	}
	apply_again(c);
}
