/*
 * ops.c — the table of request handlers and the connection set-up.
 */
#include "daemon.h"

#include "ops/ops.h"

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

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* listings answer with attributes in one round trip */
	if (GFS_CAPABLE(conn, FUSE_CAP_READDIRPLUS))
		GFS_WANT(conn, FUSE_CAP_READDIRPLUS);
	GFS_UNWANT(conn, FUSE_CAP_READDIRPLUS_AUTO);
	/* design §7: the kernel must never acknowledge a write we did not see */
	GFS_UNWANT(conn, FUSE_CAP_WRITEBACK_CACHE);
	/* the kernel clears set-user-ID bits on write and chown */
	GFS_UNWANT(conn, FUSE_CAP_HANDLE_KILLPRIV);
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
	.releasedir = op_releasedir,
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
