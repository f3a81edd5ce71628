/*
 * gfs-try — perform one system call and print its outcome as an errno name
 * ("OK", "EPERM", ...), so that integration tests can check the exact errno
 * galleryfs answers with. Exit status 0 whatever the outcome.
 *
 *   gfs-try mkdir PATH | rmdir PATH | unlink PATH | create PATH
 *   gfs-try open-write PATH | open-read PATH | truncate PATH SIZE
 *   gfs-try rename OLD NEW [noreplace|exchange|whiteout]
 *   gfs-try symlink TARGET PATH | link OLD NEW | mkfifo PATH | mknod-reg PATH
 *   gfs-try chmod PATH MODE | chown PATH UID GID | utime PATH
 *   gfs-try setxattr PATH NAME VALUE [create|replace]
 *   gfs-try getxattr PATH NAME | removexattr PATH NAME | listxattr PATH
 *   gfs-try fsetxattr PATH NAME VALUE   (through an open descriptor)
 *   gfs-try names PATH      (attribute names in listxattr order, one a line)
 *   gfs-try strerror ENAME  (the message of that errno, as commands print
 *                            it; exit status 2 for an unknown name)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int report(int r)
{
	if (r >= 0) {
		puts("OK");
		return 0;
	}
	const char *name = strerrorname_np(errno);
	if (name)
		puts(name);
	else
		printf("E%d\n", errno);
	return 0;
}

static int want(int argc, int n)
{
	if (argc < n) {
		fprintf(stderr, "gfs-try: missing arguments\n");
		exit(2);
	}
	return 1;
}

int main(int argc, char **argv)
{
	want(argc, 3);
	const char *op = argv[1], *p = argv[2];

	if (!strcmp(op, "strerror")) {
		for (int e = 1; e < 4096; e++) {
			const char *name = strerrorname_np(e);
			if (name && !strcmp(name, p)) {
				puts(strerror(e));
				return 0;
			}
		}
		fprintf(stderr, "gfs-try: no errno is named %s\n", p);
		return 2;
	}

	if (!strcmp(op, "mkdir"))
		return report(mkdir(p, 0755));
	if (!strcmp(op, "rmdir"))
		return report(rmdir(p));
	if (!strcmp(op, "unlink"))
		return report(unlink(p));
	if (!strcmp(op, "create")) {
		int fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (!strcmp(op, "open-write") || !strcmp(op, "open-read")) {
		int fd = open(p, op[5] == 'w' ? O_WRONLY : O_RDONLY);
		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (!strcmp(op, "truncate") && want(argc, 4))
		return report(truncate(p, atoll(argv[3])));
	if (!strcmp(op, "rename") && want(argc, 4)) {
		unsigned flags = 0;
		if (argc > 4 && !strcmp(argv[4], "noreplace"))
			flags = RENAME_NOREPLACE;
		else if (argc > 4 && !strcmp(argv[4], "exchange"))
			flags = RENAME_EXCHANGE;
		else if (argc > 4 && !strcmp(argv[4], "whiteout"))
			flags = RENAME_WHITEOUT;
		return report(renameat2(AT_FDCWD, p, AT_FDCWD, argv[3], flags));
	}
	if (!strcmp(op, "symlink") && want(argc, 4))
		return report(symlink(p, argv[3]));
	if (!strcmp(op, "link") && want(argc, 4))
		return report(link(p, argv[3]));
	if (!strcmp(op, "mkfifo"))
		return report(mkfifo(p, 0644));
	if (!strcmp(op, "mknod-reg"))
		return report(mknod(p, S_IFREG | 0644, 0));
	if (!strcmp(op, "chmod") && want(argc, 4))
		return report(chmod(p, (mode_t)strtol(argv[3], NULL, 8)));
	if (!strcmp(op, "chown") && want(argc, 5))
		return report(chown(p, (uid_t)atoi(argv[3]), (gid_t)atoi(argv[4])));
	if (!strcmp(op, "utime"))
		return report(utimensat(AT_FDCWD, p, NULL, 0));
	if (!strcmp(op, "setxattr") && want(argc, 5)) {
		int flags = 0;
		if (argc > 5 && !strcmp(argv[5], "create"))
			flags = XATTR_CREATE;
		else if (argc > 5 && !strcmp(argv[5], "replace"))
			flags = XATTR_REPLACE;
		return report(setxattr(p, argv[3], argv[4], strlen(argv[4]), flags));
	}
	if (!strcmp(op, "fsetxattr") && want(argc, 5)) {
		int fd = open(p, O_RDONLY);
		if (fd < 0)
			return report(fd);
		int r = fsetxattr(fd, argv[3], argv[4], strlen(argv[4]), 0);
		int e = errno;
		close(fd);
		errno = e;
		return report(r);
	}
	if (!strcmp(op, "getxattr") && want(argc, 4)) {
		char buf[65536];
		ssize_t n = getxattr(p, argv[3], buf, sizeof(buf));
		return report(n < 0 ? -1 : 0);
	}
	if (!strcmp(op, "removexattr") && want(argc, 4))
		return report(removexattr(p, argv[3]));
	if (!strcmp(op, "listxattr")) {
		char buf[65536];
		return report(listxattr(p, buf, sizeof(buf)) < 0 ? -1 : 0);
	}
	if (!strcmp(op, "names")) {
		char buf[65536];
		ssize_t n = listxattr(p, buf, sizeof(buf));
		if (n < 0)
			return report(-1);
		for (char *q = buf; q < buf + n; q += strlen(q) + 1)
			puts(q);
		return 0;
	}
	fprintf(stderr, "gfs-try: unknown operation %s\n", op);
	return 2;
}
