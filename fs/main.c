/*
 * main.c — the galleryfs command: options, configuration, daemonizing, the
 * mount and the request loop, and an orderly end (the clean-shutdown
 * marker is what spares the next start a full check).
 *
 * Everything the command line says is checked before anything is created
 * or mounted (design §8): galleryfs's options, the configuration, libfuse's
 * options (by creating the session, which refuses unknown ones) and the
 * mountpoint; a bad one exits with status 2 and leaves nothing behind.
 * Unless -f is given, the command then forks and the parent waits until
 * the child has mounted (or failed), so that errors still reach the
 * terminal and the exit status tells the truth.
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

#define EXIT_CONFIG 2   /* a bad command line or configuration */
#define LIVE_TIMEOUT 86400.0
#define DEFAULT_THREADS 2
#define KEY_MAX_THREADS 1

struct options {
	char *config;
	char *data_dir;
	char *catalog_conninfo;
	char *log_level;
	char *log_file;
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
	OPT("catalog_conninfo=%s", catalog_conninfo),
	OPT("log_level=%s", log_level),
	OPT("log_file=%s", log_file),
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

/* libfuse's fuse_cmdline_help() would list max_threads with libfuse's
 * default of 10, beside ours: the command-line options are listed here,
 * each once, with galleryfs's defaults; the low-level ones (allow_other,
 * ...) are libfuse's own list. */
static void usage(const char *prog)
{
	printf("usage: %s [-o OPTIONS] [DATA_DIR] MOUNTPOINT\n\n"
	       "galleryfs shows compute-image galleries as directories.\n\n"
	       "options:\n"
	       "    -h   --help            print this help and exit\n"
	       "    -V   --version         print the versions and exit\n"
	       "    -f                     stay in the foreground, log to stderr\n"
	       "    -d   -o debug          print every request (implies -f)\n"
	       "    -s                     serve requests from one thread\n"
	       "    -o config=FILE         configuration (default %s)\n"
	       "    -o data_dir=DIR        catalog and objects (overrides the file);\n"
	       "                           on PostgreSQL the shared objects only\n"
	       "    -o catalog_conninfo=STRING\n"
	       "                           the catalog on PostgreSQL: a libpq connection\n"
	       "                           string (empty: libpq's PG* variables decide);\n"
	       "                           implies backend postgresql, overrides the\n"
	       "                           file; a comma in it is written \\,\n"
	       "    -o log_level=LEVEL     error, warning, info or debug\n"
	       "    -o log_file=FILE       log here (default when daemonized: syslog,\n"
	       "                           or DATA_DIR/galleryfs.log without /dev/log;\n"
	       "                           on PostgreSQL DATA_DIR/galleryfs-HOST.log)\n"
	       "    -o fsck                check catalog and objects fully at mount\n"
	       "    -o max_threads=N       worker threads (default %d)\n"
	       "    -o max_idle_threads=N  idle workers kept (default: all of them)\n"
	       "    -o clone_fd            a /dev/fuse descriptor per worker\n\n",
	       prog, GFS_CONFIG_DEFAULT_PATH, DEFAULT_THREADS);
	fuse_lowlevel_help();
}

/* DIR as an absolute path, without creating anything: relative to the
 * working directory, which the daemon leaves once detached. */
static int absolute_path(const char *dir, char *out, size_t len)
{
	char cwd[PATH_MAX];
	if (dir[0] == '/') {
		snprintf(out, len, "%s", dir);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, dir) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
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
	if (o->data_dir && absolute_path(o->data_dir, cfg->data_dir,
					 sizeof(cfg->data_dir)) < 0) {
		fprintf(stderr, "galleryfs: data_dir %s: %s\n", o->data_dir,
			strerror(errno));
		return -1;
	}
	if (o->catalog_conninfo) {
		if (strlen(o->catalog_conninfo) >= sizeof(cfg->conninfo)) {
			fprintf(stderr, "galleryfs: catalog_conninfo: longer than "
				"%zu bytes\n", sizeof(cfg->conninfo) - 1);
			return -1;
		}
		cfg->backend = GFS_BACKEND_POSTGRESQL;
		snprintf(cfg->conninfo, sizeof(cfg->conninfo), "%s",
			 o->catalog_conninfo);
	}
	if (o->log_level && gfs_log_level_parse(o->log_level, &cfg->log_level) < 0) {
		fprintf(stderr, "galleryfs: log_level=%s: expected error, warning, "
			"info or debug\n", o->log_level);
		return -1;
	}
	return 0;
}

/* mountinfo's octal escapes (\040 for a space) undone, in place */
static void unescape_mountinfo(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Whether a galleryfs is mounted on path (a real path); its source goes
 * to src. */
static bool galleryfs_mounted_on(const char *path, char *src, size_t srclen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE ... */
		char mp[PATH_MAX], type[64], source[PATH_MAX];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %4095s", type, source) != 2)
			continue;
		unescape_mountinfo(mp);
		if (strcmp(type, "fuse.galleryfs") == 0 && strcmp(mp, path) == 0) {
			unescape_mountinfo(source);
			snprintf(src, srclen, "%s", source);
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* The mountpoint must be a directory with no galleryfs on it already: a
 * second daemon would stack on the first (libfuse allows it) and mount(8)
 * would list two. libfuse has made it a real path. */
static int check_mountpoint(const char *mp)
{
	struct stat st;
	char src[PATH_MAX];

	if (stat(mp, &st) < 0) {
		fprintf(stderr, "galleryfs: mountpoint %s: %s\n", mp, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "galleryfs: mountpoint %s is not a directory\n", mp);
		return -1;
	}
	if (galleryfs_mounted_on(mp, src, sizeof(src))) {
		fprintf(stderr, "galleryfs: %s is already a galleryfs mount (of %s); "
			"unmount it first (fusermount3 -u %s)\n", mp, src, mp);
		return -1;
	}
	return 0;
}

/* DATA_DIR/galleryfs.log; on PostgreSQL, whose data directory the hosts
 * sharing the catalog all mount, DATA_DIR/galleryfs-HOST.log, so that each
 * host's daemon has a log of its own. */
static void default_log_file(const struct gfs_config *cfg, char *path, size_t len)
{
	char host[256] = "";

	if (cfg->backend == GFS_BACKEND_SQLITE || gethostname(host, sizeof(host)) < 0) {
		snprintf(path, len, "%s/galleryfs.log", cfg->data_dir);
		return;
	}
	host[sizeof(host) - 1] = '\0';
	snprintf(path, len, "%s/galleryfs-%s.log", cfg->data_dir, host);
}

/* Where log lines go from the mount on (design §8): -o log_file when
 * given (opened, so checked, before anything else is touched); else
 * stderr in the foreground; else syslog when a syslog daemon listens;
 * else DATA_DIR/galleryfs.log. A file is named on the terminal when
 * daemonizing, since nothing else would tell. */
static enum gfs_log_sink choose_log(const struct gfs_daemon *d,
				    const struct options *o, bool foreground)
{
	char path[GFS_CONFIG_PATH_MAX + 300];

	if (o->log_file) {
		if (!foreground)
			fprintf(stderr, "galleryfs: log lines go to %s\n", o->log_file);
		return GFS_LOG_FILE;
	}
	if (foreground)
		return GFS_LOG_STDERR;
	if (gfs_log_syslog_available())
		return GFS_LOG_SYSLOG;
	default_log_file(&d->cfg, path, sizeof(path));
	int r = gfs_log_open_file(path);
	if (r < 0) {
		fprintf(stderr, "galleryfs: no syslog socket (/dev/log) and the "
			"log file %s cannot be opened (%s): refusals will not be "
			"logged\n", path, strerror(-r));
		return GFS_LOG_SYSLOG;
	}
	fprintf(stderr, "galleryfs: no syslog socket (/dev/log): log lines "
		"go to %s\n", path);
	return GFS_LOG_FILE;
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
	int status = EXIT_CONFIG, notify_fd = -1;
	bool mounted = false;

	memset(&cmd, 0, sizeof(cmd));
	pthread_mutex_init(&d.rename_memo.lock, NULL);
	pthread_mutex_init(&d.notifier.lock, NULL);
	pthread_cond_init(&d.notifier.cond, NULL);

	/* ---- everything checked, nothing touched ---- */
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
		if (cmd.show_version) {
			print_build_io();
			/* before fusermount3 -V writes its line from a child */
			fflush(stdout);
			fuse_lowlevel_version();
		}
		status = 0;
		goto out;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "usage: %s [-o OPTIONS] [DATA_DIR] MOUNTPOINT "
			"(see --help)\n", argv[0]);
		goto out;
	}
	if (load_config(&d.cfg, &o) < 0 || check_mountpoint(cmd.mountpoint) < 0)
		goto out;

	char fsname[GFS_CONFIG_PATH_MAX + 16];
	snprintf(fsname, sizeof(fsname), "-ofsname=%s", d.cfg.data_dir);
	fuse_opt_add_arg(&args, "-odefault_permissions");
	fuse_opt_add_arg(&args, "-osubtype=galleryfs");
	fuse_opt_add_arg(&args, fsname);
	/* libfuse parses its own options here and refuses unknown ones,
	 * naming them; nothing is opened yet */
	d.se = fuse_session_new(&args, &gfs_ops, sizeof(gfs_ops), &d);
	if (!d.se) {
		fprintf(stderr, "galleryfs: see %s --help for the options\n", argv[0]);
		goto out;
	}
	if (o.log_file) {
		int r = gfs_log_open_file(o.log_file);
		if (r < 0) {
			fprintf(stderr, "galleryfs: log_file %s: %s\n", o.log_file,
				strerror(-r));
			goto out_session;
		}
	}

	/* ---- the start ---- */
	status = 1;
	gfs_log_setup(d.cfg.log_level, GFS_LOG_STDERR);
	if (!cmd.foreground)
		notify_fd = detach();
	umask(0);

	bool refused = false;
	struct gfs_core_options co = {
		.cfg = &d.cfg, .data_dir = d.cfg.data_dir, .fsck = o.fsck != 0,
		.mountpoint = cmd.mountpoint,
		.inval = notifier_push, .inval_arg = &d.notifier,
		.refused = &refused,
	};
	struct gfs_err err;
	if (gfs_core_open(&co, &d.core, &err) < 0) {
		fprintf(stderr, "galleryfs: %s\n", err.reason);
		status = refused ? EXIT_CONFIG : 1;
		goto out_session;
	}
	purge_once(d.core, true);

	if (fuse_set_signal_handlers(d.se) != 0)
		goto out_core;
	if (fuse_session_mount(d.se, cmd.mountpoint) != 0)
		goto out_signals;
	mounted = true;
	if (gfs_hosts_shared(d.core))
		notifier_track(&d.notifier);
	if (notifier_start(&d.notifier, d.se) < 0 ||
	    purger_start(&d.purger, d.core, d.cfg.purge_interval) < 0 ||
	    listener_start(&d.listener, d.core) < 0) {
		fprintf(stderr, "galleryfs: cannot start threads\n");
		listener_stop(&d.listener);
		purger_stop(&d.purger);
		notifier_stop(&d.notifier);
		goto out_unmount;
	}
	enum gfs_log_sink sink = choose_log(&d, &o, cmd.foreground);
	gfs_log_setup(d.cfg.log_level, sink);
	gfs_log(GFS_LOG_INFO, "mounted %s on %s", d.cfg.data_dir, cmd.mountpoint);
	if (!cmd.foreground) {
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

	listener_stop(&d.listener);
	purger_stop(&d.purger);
	notifier_stop(&d.notifier);
out_unmount:
	fuse_session_unmount(d.se);
out_signals:
	fuse_remove_signal_handlers(d.se);
out_core:
	gfs_core_close(d.core);
	if (mounted)
		gfs_log(GFS_LOG_INFO, "unmounted %s", cmd.mountpoint);
out_session:
	fuse_session_destroy(d.se);
out:
	if (notify_fd >= 0)
		tell_parent(notify_fd, (unsigned char)(status ? status : 1));
	gfs_log_close();
	free(cmd.mountpoint);
	free(o.config);
	free(o.data_dir);
	free(o.catalog_conninfo);
	free(o.log_level);
	free(o.log_file);
	free(o.positional[0]);
	free(o.positional[1]);
	fuse_opt_free_args(&args);
	pthread_mutex_destroy(&d.rename_memo.lock);
	return status;
}
