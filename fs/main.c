/*
 * main.c — the galleryfs command: options, configuration, daemonizing, the
 * mount and the request loop, and an orderly end (the clean-shutdown
 * marker is what spares the next start a full check).
 *
 * Unless -f is given, the command forks before opening anything and the
 * parent waits until the child has mounted (or failed), so that errors
 * still reach the terminal and the exit status tells the truth.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define EXIT_CONFIG 2
#define LIVE_TIMEOUT 86400.0
#define DEFAULT_THREADS 2
#define KEY_MAX_THREADS 1

struct options {
	char *config;
	char *data_dir;
	char *log_level;
	int fsck;
	char *positional[2];    /* [DATA_DIR] MOUNTPOINT */
	int npositional;
	bool too_many;
	bool max_threads_given;
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt option_spec[] = {
	OPT("config=%s", config),
	OPT("data_dir=%s", data_dir),
	OPT("log_level=%s", log_level),
	OPT("fsck", fsck),
	FUSE_OPT_KEY("max_threads=", KEY_MAX_THREADS),
	FUSE_OPT_END
};

/* Keep non-option arguments aside: the mount helper convention (sshfs,
 * mount.fuse3) passes DATA_DIR before MOUNTPOINT. Note whether max_threads
 * was given (libfuse reports its own default as if it had been). */
static int keep_positional(void *data, const char *arg, int key,
			   struct fuse_args *outargs)
{
	struct options *o = data;
	(void)outargs;
	if (key == KEY_MAX_THREADS)
		o->max_threads_given = true;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (o->npositional == 2) {
		o->too_many = true;
		return 0;
	}
	o->positional[o->npositional++] = strdup(arg);
	return 0;
}

static void usage(const char *prog)
{
	printf("usage: %s [-o OPTIONS] [DATA_DIR] MOUNTPOINT\n\n"
	       "galleryfs shows compute-image galleries as directories.\n\n"
	       "galleryfs options:\n"
	       "    -o config=FILE         configuration (default %s)\n"
	       "    -o data_dir=DIR        catalog and objects (overrides the file)\n"
	       "    -o log_level=LEVEL     error, warning, info or debug\n"
	       "    -o fsck                check catalog and objects fully at mount\n"
	       "    -o max_threads=N       worker threads (default 2, not libfuse's 10)\n"
	       "    -f                     stay in the foreground, log to stderr\n\n",
	       prog, GFS_CONFIG_DEFAULT_PATH);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* Configuration: the file named, or the default file when it exists, or
 * the built-in defaults; then the command line's overrides. */
static int load_config(struct gfs_config *cfg, const struct options *o)
{
	char err[1024];
	const char *path = o->config;

	gfs_config_defaults(cfg);
	if (!path && access(GFS_CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = GFS_CONFIG_DEFAULT_PATH;
	if (path && gfs_config_load(cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "galleryfs: %s\n", err);
		return -1;
	}
	if (o->data_dir) {
		if (o->data_dir[0] != '/') {
			char *abs = realpath(o->data_dir, NULL);
			if (!abs && mkdir(o->data_dir, 0700) == 0)
				abs = realpath(o->data_dir, NULL);
			if (!abs) {
				fprintf(stderr, "galleryfs: data_dir %s: %s\n",
					o->data_dir, strerror(errno));
				return -1;
			}
			snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", abs);
			free(abs);
		} else {
			snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", o->data_dir);
		}
	}
	if (o->log_level && gfs_log_level_parse(o->log_level, &cfg->log_level) < 0) {
		fprintf(stderr, "galleryfs: log_level=%s: expected error, warning, "
			"info or debug\n", o->log_level);
		return -1;
	}
	return 0;
}

/* Fork; the parent waits for the child's word and exits with it. Returns
 * in the child with the write end of the pipe, or -1 in foreground. */
static int detach(void)
{
	int p[2];
	if (pipe(p) < 0) {
		perror("galleryfs: pipe");
		exit(1);
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("galleryfs: fork");
		exit(1);
	}
	if (pid > 0) {
		unsigned char status = 1;
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = 1;     /* the child died before it could say */
		exit(status);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void tell_parent(int fd, unsigned char status)
{
	if (fd < 0)
		return;
	if (write(fd, &status, 1) != 1)
		gfs_log(GFS_LOG_DEBUG, "parent gone");
	close(fd);
}

/* Stdio to /dev/null once mounted: the terminal belongs to the shell. */
static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (chdir("/") < 0)
		gfs_log(GFS_LOG_DEBUG, "chdir /");
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	struct options o = { 0 };
	struct gfs_daemon d = { .timeout = LIVE_TIMEOUT };
	int status = 1, notify_fd = -1;

	memset(&cmd, 0, sizeof(cmd));
	if (fuse_opt_parse(&args, &o, option_spec, keep_positional) < 0)
		goto out;
	if (o.too_many) {
		fprintf(stderr, "galleryfs: too many arguments: give [DATA_DIR] "
			"MOUNTPOINT\n");
		goto out;
	}
	if (o.npositional == 2) {
		if (o.data_dir && strcmp(o.data_dir, o.positional[0]) != 0) {
			fprintf(stderr, "galleryfs: two data directories given "
				"(%s and -o data_dir=%s)\n", o.positional[0],
				o.data_dir);
			goto out;
		}
		free(o.data_dir);
		o.data_dir = strdup(o.positional[0]);
	}
	if (o.npositional > 0)
		fuse_opt_add_arg(&args, o.positional[o.npositional - 1]);
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out;
	if (cmd.show_help || cmd.show_version) {
		if (cmd.show_help)
			usage(argv[0]);
		else
			printf("galleryfs %s\n", GALLERYFS_VERSION);
		if (cmd.show_version)
			fuse_lowlevel_version();
		status = 0;
		goto out;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "usage: %s [-o OPTIONS] [DATA_DIR] MOUNTPOINT "
			"(see --help)\n",
			argv[0]);
		goto out;
	}
	if (load_config(&d.cfg, &o) < 0) {
		status = EXIT_CONFIG;
		goto out;
	}

	char fsname[GFS_CONFIG_PATH_MAX + 16];
	snprintf(fsname, sizeof(fsname), "-ofsname=%s", d.cfg.data_dir);
	fuse_opt_add_arg(&args, "-odefault_permissions");
	fuse_opt_add_arg(&args, "-osubtype=galleryfs");
	fuse_opt_add_arg(&args, fsname);

	gfs_log_setup(d.cfg.log_level, 0);
	if (!cmd.foreground)
		notify_fd = detach();
	umask(0);

	struct gfs_core_options co = {
		.cfg = &d.cfg, .data_dir = d.cfg.data_dir, .fsck = o.fsck != 0,
		.inval = notifier_push, .inval_arg = &d.notifier,
	};
	struct gfs_err err;
	pthread_mutex_init(&d.notifier.lock, NULL);
	pthread_cond_init(&d.notifier.cond, NULL);
	if (gfs_core_open(&co, &d.core, &err) < 0) {
		fprintf(stderr, "galleryfs: %s\n", err.reason);
		status = err.errnum == EPROTO || err.errnum == EBUSY ? EXIT_CONFIG : 1;
		goto out;
	}
	purge_once(d.core, true);

	d.se = fuse_session_new(&args, &gfs_ops, sizeof(gfs_ops), &d);
	if (!d.se)
		goto out_core;
	if (fuse_set_signal_handlers(d.se) != 0)
		goto out_session;
	if (fuse_session_mount(d.se, cmd.mountpoint) != 0)
		goto out_signals;
	if (notifier_start(&d.notifier, d.se) < 0 ||
	    purger_start(&d.purger, d.core, d.cfg.purge_interval) < 0) {
		fprintf(stderr, "galleryfs: cannot start threads\n");
		goto out_unmount;
	}
	gfs_log(GFS_LOG_INFO, "mounted %s on %s", d.cfg.data_dir, cmd.mountpoint);
	if (!cmd.foreground) {
		gfs_log_setup(d.cfg.log_level, 1);
		tell_parent(notify_fd, 0);
		notify_fd = -1;
		quiet_stdio();
	}

	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(lc, cmd.clone_fd);
	/* Two workers that never end, unless told otherwise. The catalog
	 * serializes requests anyway; the second serves one request while
	 * another waits on the disk (a large write, an fsync, a cold read).
	 * Every request wakes the longest idle worker, so more workers only
	 * spread a walk over cold threads (ten walked 30-50% slower than
	 * two); and a pool whose idle workers end started and ended a thread
	 * about four times per version of a hard delete, as each RELEASEDIR
	 * arrives while the next request is being served. */
	if (cmd.max_idle_threads != UINT_MAX)  /* UINT_MAX: not given */
		fuse_loop_cfg_set_idle_threads(lc, cmd.max_idle_threads);
	fuse_loop_cfg_set_max_threads(lc, o.max_threads_given ? cmd.max_threads
							      : DEFAULT_THREADS);
	status = cmd.singlethread ? fuse_session_loop(d.se) :
				    fuse_session_loop_mt(d.se, lc);
	status = status == 0 ? 0 : 1;
	fuse_loop_cfg_destroy(lc);

	purger_stop(&d.purger);
	notifier_stop(&d.notifier);
out_unmount:
	fuse_session_unmount(d.se);
out_signals:
	fuse_remove_signal_handlers(d.se);
out_session:
	fuse_session_destroy(d.se);
out_core:
	gfs_core_close(d.core);
	gfs_log(GFS_LOG_INFO, "unmounted %s", cmd.mountpoint);
out:
	if (notify_fd >= 0)
		tell_parent(notify_fd, (unsigned char)(status ? status : 1));
	free(cmd.mountpoint);
	free(o.config);
	free(o.data_dir);
	free(o.log_level);
	free(o.positional[0]);
	free(o.positional[1]);
	fuse_opt_free_args(&args);
	return status;
}
