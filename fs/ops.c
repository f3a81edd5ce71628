/*
 * ops.c — the table of request handlers and the connection set-up.
 */
#include "daemon.h"

#include "ops/ops.h"

#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define FUSE_BUILT_STR STR(FUSE_MAJOR_VERSION) "." STR(FUSE_MINOR_VERSION)

/* Feature flags: 3.17 keeps them in 64-bit want_ext/capable_ext, set
 * through its own calls; 3.14 has only the 32-bit want/capable. */
#if FUSE_USE_VERSION >= 317
#define GFS_CAPABLE(c, f) (((c)->capable_ext & (f)) != 0)
#define GFS_WANT(c, f) ((void)fuse_set_feature_flag((c), (f)))
#define GFS_UNWANT(c, f) fuse_unset_feature_flag((c), (f))
#else
#define GFS_CAPABLE(c, f) (((c)->capable & (f)) != 0)
#define GFS_WANT(c, f) ((void)((c)->want |= (c)->capable & (f)))
#define GFS_UNWANT(c, f) ((void)((c)->want &= ~(f)))
#endif

/* The kernel's largest request, in pages: fs.fuse.max_pages_limit where
 * the kernel has that sysctl, else its fixed 256 (FUSE_MAX_MAX_PAGES). */
static unsigned kernel_max_pages(void)
{
	unsigned pages = 256;
	FILE *f = fopen("/proc/sys/fs/fuse/max_pages_limit", "re");
	if (f) {
		if (fscanf(f, "%u", &pages) != 1 || pages == 0)
			pages = 256;
		fclose(f);
	}
	return pages > GFS_MAX_PAGES ? GFS_MAX_PAGES : pages;
}

#if FUSE_USE_VERSION >= 317
/* Whether this process may register backing files: the kernel asks for
 * CAP_SYS_ADMIN in the initial user namespace, whose uid map is the whole
 * range. (Should the kernel refuse anyway, the first open tells: see
 * fs/ops/file.c.) */
static bool may_passthrough(void)
{
	unsigned long long eff = 0;
	unsigned inner = 1, outer = 1, count = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	if ((f = fopen("/proc/self/uid_map", "re"))) {
		if (fscanf(f, "%u %u %u", &inner, &outer, &count) != 3)
			count = 0;
		fclose(f);
	}
	return ((eff >> CAP_SYS_ADMIN) & 1) && inner == 0 && outer == 0 &&
	       count == UINT32_MAX;
}
#endif

/* File contents through the kernel's passthrough where this build, the
 * kernel and our privileges allow; said once at the start. */
static void choose_io(struct gfs_daemon *d, struct fuse_conn_info *conn)
{
	const char *why;
#if FUSE_USE_VERSION >= 317
	if (!GFS_CAPABLE(conn, FUSE_CAP_PASSTHROUGH)) {
		why = "the kernel offers no passthrough";
	} else if (!may_passthrough()) {
		why = "passthrough needs CAP_SYS_ADMIN in the initial user namespace";
	} else {
		GFS_WANT(conn, FUSE_CAP_PASSTHROUGH);
		/* objects may sit on one stacked filesystem (an overlayfs
		 * data directory in a container); nothing stacks on us */
		conn->max_backing_stack_depth = 1;
		atomic_store(&d->io.passthrough, true);
		gfs_log(GFS_LOG_INFO, "file I/O: kernel passthrough");
		return;
	}
#else
	(void)conn;
	why = "built with libfuse " FUSE_BUILT_STR ", which has no passthrough";
#endif
	gfs_log(GFS_LOG_INFO, "file I/O: served by the daemon (%s)", why);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct gfs_daemon *d = userdata;
	choose_io(d, conn);
	/* Writes as large as the kernel sends them: one request per MiB
	 * (256 pages) at the default limit, instead of the 128 KiB of a
	 * kernel without FUSE_MAX_PAGES. libfuse derives max_pages from
	 * max_write (3.14 keeps it to its 1 MiB buffer). */
	conn->max_write = kernel_max_pages() * (unsigned)sysconf(_SC_PAGESIZE);
	/* listings answer with attributes in one round trip */
	if (GFS_CAPABLE(conn, FUSE_CAP_READDIRPLUS))
		GFS_WANT(conn, FUSE_CAP_READDIRPLUS);
	GFS_UNWANT(conn, FUSE_CAP_READDIRPLUS_AUTO);
	/* design §7: the kernel must never acknowledge a write we did not see */
	GFS_UNWANT(conn, FUSE_CAP_WRITEBACK_CACHE);
	/* Set-user-ID and set-group-ID bits go on write, truncate and chown
	 * as on ext4 (design §9). 3.14: the kernel clears them itself,
	 * after a GETATTR, and asks for security.capability before every
	 * write. 3.17 (HANDLE_KILLPRIV_V2): it tells us when to clear them
	 * and stops asking (SB_NOSEC). Either way O_TRUNC comes as a SETATTR
	 * of its own: with atomic_o_trunc the kernel drops the mode change
	 * of an open with O_TRUNC (3.14), and libfuse passes no
	 * FUSE_OPEN_KILL_SUIDGID (3.17). */
	GFS_UNWANT(conn, FUSE_CAP_HANDLE_KILLPRIV);
	GFS_UNWANT(conn, FUSE_CAP_ATOMIC_O_TRUNC);
#ifdef FUSE_CAP_HANDLE_KILLPRIV_V2
	if (GFS_CAPABLE(conn, FUSE_CAP_HANDLE_KILLPRIV_V2)) {
		GFS_WANT(conn, FUSE_CAP_HANDLE_KILLPRIV_V2);
		d->io.killpriv = true;
	}
#endif
	/* file data goes out by splice (zero copy from the object file);
	 * requests come in by plain read: splicing every small request in
	 * costs more system calls than it saves */
	GFS_WANT(conn, FUSE_CAP_SPLICE_WRITE);
	GFS_WANT(conn, FUSE_CAP_SPLICE_MOVE);
	GFS_UNWANT(conn, FUSE_CAP_SPLICE_READ);
}

const struct fuse_lowlevel_ops gfs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.fsyncdir = op_fsyncdir,
	.mkdir = op_mkdir,
	.mknod = op_mknod,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write_buf = op_write_buf,
	.fallocate = op_fallocate,
	.flush = op_flush,
	.fsync = op_fsync,
	.release = op_release,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
	.statfs = op_statfs,
};

void print_build_io(void)
{
#ifdef FUSE_HOTFIX_VERSION
	printf("libfuse: built with %d.%d.%d (API %d), running %s\n",
	       FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION,
	       FUSE_USE_VERSION, fuse_pkgversion());
#else
	printf("libfuse: built with %d.%d (API %d), running %s\n",
	       FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_USE_VERSION,
	       fuse_pkgversion());
#endif
#if FUSE_USE_VERSION >= 317
	printf("file I/O: kernel passthrough where the kernel offers it and the "
	       "daemon has CAP_SYS_ADMIN, else served by the daemon\n");
#else
	printf("file I/O: served by the daemon (this libfuse has no kernel "
	       "passthrough; build against 3.17 for it)\n");
#endif
}
