/*
 * gfs-storm — a crash-consistency storm for galleryfs (design §3, §7: an
 * operation that returned survives the daemon being killed with SIGKILL).
 * Workers drive versions, files (create, pwrite, append, truncate, rename
 * within the version, chmod, chown, utimensat), soft delete, restore, hard
 * delete and attributes against a mount and journal every effect the
 * filesystem acknowledged; after the daemon was killed and the data
 * directory mounted again, the checker replays the journals and verifies
 * that every acknowledged effect is there, whole, in exactly one tree.
 *
 *   gfs-storm run MOUNT WORKER_ID JOURNAL SEED [MAX_OPS]
 *   gfs-storm check MOUNT JOURNAL...
 *
 * The parts: model.c (the journal's events and the model they replay
 * into), checker.c (verifying the model against the mount), workers.c
 * (the operations), util.c (helpers), storm.h (what they share).
 *
 * run: worker K works alone in gallery wK (soft delete on) and its one
 * definition d, both made beforehand by the harness. It first replays
 * JOURNAL (earlier rounds) and settles the operation a killed predecessor
 * left in doubt by verifying that version on the mount (below), then
 * performs random operations until one fails. It runs with umask 0, so
 * modes are exactly what mkdir, open and chmod ask for; chown (as root
 * only) gives uids and gids among 0, those of gfs-alice and gfs-nobody
 * (1000/1001 when those users do not exist) and 1001. Exit status: 0 when
 * the mount went away (ENOTCONN, ECONNABORTED, EIO, or ENOENT once it is
 * unmounted) or MAX_OPS were done; 3 on a finding: an operation failed
 * while the mount was alive, or the mount shows a state no journal line
 * allows (a stderr line starting "gfs-storm: FINDING:" names the call,
 * the path and the errno); 2 on usage errors.
 *
 * check: replays every JOURNAL and verifies each version against the
 * mount: where it is (live, under .softdeleted, or neither), its inode
 * number, mode, owner, attributes, deletedAt/purgeAt, and the exact
 * listing of its directories (live and shadow, or its directory under
 * .softdeleted); for each file listed there its inode number, mode, owner,
 * mtime (only when the last change of it was an explicit utimensat: a
 * write's mtime is the daemon's clock), size and every byte, attributes,
 * deletedAt/purgeAt; then the exact listings of the definitions. A live
 * item has no deletedAt/purgeAt; a soft-deleted one has a deletedAt within
 * the worker's clock just before and just after the acknowledged call (in
 * whole seconds: the daemon truncates) and a purgeAt exactly 7 days later;
 * a soft-deleted file in a soft-deleted version has exactly the version's.
 * It prints one MISMATCH line per difference and a summary line
 *   gfs-storm check: journals=J acked=N doubtful=D versions=V files=F
 *   inodes=I modes=M owners=O mtimes=T deleted_at=X bytes=B attributes=A
 *   mismatches=K
 * whose figures count what it compared: V versions and F files looked up
 * where they belong, I inode numbers, M modes (a live version's shadow
 * counted too), O owners, T explicit mtimes, X items whose deletedAt and
 * purgeAt were read (present and right when soft-deleted, absent when
 * live), B bytes compared equal, A attributes, K differences (journal
 * inconsistencies included); N is the number of acknowledged operations.
 * It exits 1 when K > 0 (2 on usage or unreadable journals). It reads
 * through the kernel: run it on a fresh mount (as t_crash.sh does, right
 * after the remount) to see what the daemon kept, not what the kernel
 * cached.
 *
 * Journal: one line per event, appended with a single write(2) (O_APPEND).
 * A line is EVENT PATH [FIELDS], FIELDS being KEY VALUE pairs (MODE in
 * octal, times in ns since the epoch, T0/T1 the worker's CLOCK_REALTIME
 * just before/after the call):
 *   VERSION_LIVE G/D/V INO N MODE M UID U GID G    mkdir returned
 *   SOFTDELETED G/D/V T0 T1          rmdir, or rename into .softdeleted; the
 *                                    version's own files win over shadow
 *                                    copies of their names, which go for good
 *   RESTORED G/D/V                   rename back; its soft-deleted files come
 *                                    back with it (design §3)
 *   HARDDELETED G/D/V                rmdir inside .softdeleted
 *   FILE G/D/V/F SIZE S SEED X INO N MODE M UID U GID G
 *                                    created, S bytes of seed X written, closed
 *   FILE_WRITE G/D/V/F OFF O LEN L SEED X   pwrite of L bytes at O, closed
 *   FILE_APPEND G/D/V/F LEN L SEED X        L bytes with O_APPEND, closed
 *   FILE_TRUNCATED G/D/V/F SIZE S    truncate or ftruncate (shorter, or
 *                                    longer: the new bytes read zeros)
 *   FILE_RENAMED G/D/V/F TO NAME T0 T1  rename within the version; a live
 *                                    NAME is replaced: soft-deleted into
 *                                    the shadow, where it replaces an older
 *                                    copy of NAME for good (the newest stays)
 *   FILE_SOFTDELETED G/D/V/F T0 T1   unlink, or rename into the shadow (an
 *                                    older shadow copy of the name goes)
 *   FILE_RESTORED G/D/V/F            rename back out of the shadow
 *   FILE_HARDDELETED G/D/V/F         unlink inside .softdeleted
 *   CHMOD PATH MODE M  /  CHOWN PATH UID U GID G    a version or live file
 *   UTIMES G/D/V/F MTIME T ATIME T   utimensat with explicit times
 *   XATTR PATH NAME VALUE            setxattr (free user.* or user.acg.*)
 *   XATTR_REMOVED PATH NAME          removexattr
 *   INTENT <event>                   written before the call (without the
 *                                    outcome's fields: INO, T1): until an
 *                                    outcome follows, both states are allowed
 *   SETTLED <event> | UNDONE <event> a later worker's look at the mount
 *                                    decided an INTENT left in doubt; SETTLED
 *                                    carries what it saw (INO, the SIZE or
 *                                    LEN that arrived; T1: the settling time)
 * '#' starts a comment line. A file path in an event names the file that
 * has that name now (live, or for FILE_RESTORED/FILE_HARDDELETED the
 * soft-deleted one): the model keeps files by identity, since renames move
 * names from file to file and one name can be live and in the shadow at
 * once.
 *
 * Contents: the bytes of every write are a pure function of (its SEED, the
 * absolute offset in the file), see fill(). The model keeps each file's
 * content as its size and a list of extents [start, end) with the seed of
 * the write that put them there; gaps (holes, truncate-and-extend) read as
 * zeros. A write replaces the extents it covers; a truncate cuts them. Any
 * prefix of a write is therefore itself the write of that prefix, with the
 * same seed: a write the kill cut short (the kernel sends a write(2) as
 * sequential requests) leaves the old bytes with a prefix of the new ones,
 * which the checker accepts for a write in doubt and the settling worker
 * journals as the write of that length.
 *
 * Doubt: a worker does one operation at a time, so at most one operation
 * per version is in doubt. The checker verifies such a version twice if
 * need be: as the journal says without the operation (H0), then with it
 * done (H1; a write's length anywhere from 0 to all of it, a soft delete's
 * T1 the time of the check). The version passes when one of the two
 * matches in every respect, and reports the differences of H0 otherwise.
 */
#include "storm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: gfs-storm run MOUNT WORKER_ID JOURNAL SEED [MAX_OPS]\n"
			"       gfs-storm check MOUNT JOURNAL...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "run")) {
		int id = atoi(argv[3]);
		if (id <= 0)
			usage();
		return cmd_run(argv[2], id, argv[4], strtoull(argv[5], NULL, 10),
			       argc == 7 ? atoll(argv[6]) : 0);
	}
	if (argc >= 4 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2], argc - 3, argv + 3);
	usage();
}
