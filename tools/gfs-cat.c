/*
 * gfs-cat — look at a galleryfs catalog without mounting it.
 *
 * It opens the catalog through the same backend-neutral interface the
 * daemon uses, read-only: nothing is migrated, marked or written, so it is
 * safe on a catalog that failed to mount, and the answers hold whichever
 * backend stores the rows. Scripts and the test suite read rows here
 * rather than from the database file. It must never change the catalog.
 *
 *   gfs-cat DATA_DIR schema   the stored schema version
 *   gfs-cat DATA_DIR clean    whether the last daemon ended cleanly
 *   gfs-cat DATA_DIR check    the backend's thorough consistency check
 *   gfs-cat DATA_DIR nodes    every row, one per line, tab-separated
 *   gfs-cat DATA_DIR trash    every trash-view item, one per line
 *   gfs-cat --conninfo=STRING COMMAND   the same of a PostgreSQL catalog
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

static const char USAGE[] =
	"usage: gfs-cat DATA_DIR COMMAND\n"
	"       gfs-cat --conninfo=STRING COMMAND\n"
	"Look at the catalog in DATA_DIR (the data_dir of galleryfs.ini),\n"
	"read-only, while no galleryfs has it mounted; or, with --conninfo\n"
	"(-c STRING), at the PostgreSQL catalog that the libpq connection\n"
	"string names (as catalog_conninfo= of galleryfs; empty: libpq's PG*\n"
	"variables decide), which a galleryfs may have mounted.\n"
	"\n"
	"commands:\n"
	"  schema   print the stored schema version (this galleryfs: %d)\n"
	"  clean    print \"clean\" or \"unclean\": how the last daemon ended\n"
	"  check    run the thorough consistency check; print \"ok\" or the fault\n"
	"  nodes    print every row: id type state parent gallery definition\n"
	"           mode uid gid size deleted_at purge_at name (tab-separated;\n"
	"           bytes of the name outside printable ASCII, a space or a\n"
	"           backslash as \\xHH)\n"
	"  trash    print every trash item: node uid name\n"
	"\n"
	"exit status: 0 done, 1 the check found a fault, 2 the catalog cannot be\n"
	"read (or is of another schema version), 64 bad usage\n";

static const char *const TYPE_NAMES[] = {
	[GFS_ROOT] = "root", [GFS_GALLERY] = "gallery",
	[GFS_DEFINITION] = "definition", [GFS_VERSION] = "version",
	[GFS_FILE] = "file",
};

static const char *const STATE_NAMES[] = {
	[GFS_LIVE] = "live", [GFS_SOFT_DELETED] = "softdeleted",
	[GFS_ORPHAN] = "orphan",
};

static const char *word(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "?";
}

/* A name in one field: tabs, newlines and other bytes a line-based reader
 * would trip on come out as \xHH. */
static void put_name(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)name[i];
		if (b < 0x21 || b > 0x7e || b == '\\')
			printf("\\x%02x", b);
		else
			putchar(b);
	}
}

static int print_node(void *arg, const struct gfs_node *n, int64_t hint)
{
	(void)arg;
	(void)hint;
	printf("%lld\t%s\t%s\t%lld\t%lld\t%lld\t%04o\t%u\t%u\t%lld\t%lld\t%lld\t",
	       (long long)n->id, word(TYPE_NAMES, 5, n->type),
	       word(STATE_NAMES, 3, n->state), (long long)n->parent,
	       (long long)n->gallery, (long long)n->definition,
	       (unsigned)(n->mode & 07777), (unsigned)n->uid, (unsigned)n->gid,
	       (long long)n->size, (long long)n->deleted_at,
	       (long long)n->purge_at);
	put_name(n->name, n->name_len);
	putchar('\n');
	return 0;
}

/* The trash row of each node that has one, in node order. */
struct trash_scan {
	struct gfs_txn *t;
	int err;
};

static int print_trash(void *arg, const struct gfs_node *n, int64_t hint)
{
	struct trash_scan *s = arg;
	struct cat_trash e;
	(void)hint;
	int r = cat_trash_get(s->t, n->id, &e);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		s->err = r;
		return 1;
	}
	printf("%lld\t%u\t", (long long)n->id, (unsigned)e.uid);
	put_name(e.name, e.name_len);
	putchar('\n');
	return 0;
}

static int run(struct gfs_catalog *cat, const char *command, bool was_clean)
{
	struct gfs_err err = {0};
	char msg[512] = "";
	int version = gfs_catalog_schema_version(cat);

	if (strcmp(command, "schema") == 0) {
		printf("%d\n", version);
		return 0;
	}
	if (strcmp(command, "clean") == 0) {
		puts(was_clean ? "clean" : "unclean");
		return 0;
	}
	if (version != GFS_SCHEMA_VERSION) {
		fprintf(stderr, "gfs-cat: the catalog's schema version is %d, this "
			"galleryfs reads %d%s\n", version, GFS_SCHEMA_VERSION,
			version < GFS_SCHEMA_VERSION ? " (mount it once to migrate it)"
			: " (use the galleryfs that wrote it)");
		return 2;
	}

	struct gfs_txn *t;
	if (gfs_txn_begin(cat, false, &t, &err) < 0) {
		fprintf(stderr, "gfs-cat: %s\n", err.reason);
		return 2;
	}
	int r, status = 0;
	if (strcmp(command, "check") == 0) {
		r = cat_integrity_check(t, true, msg, sizeof(msg));
		if (r < 0) {
			printf("%s\n", msg);
			status = 1;
		} else {
			puts("ok");
		}
		r = 0;
	} else if (strcmp(command, "nodes") == 0) {
		r = cat_nodes(t, -1, print_node, NULL);
	} else {
		struct trash_scan s = { .t = t };
		r = cat_nodes(t, -1, print_trash, &s);
		if (r == 0)
			r = s.err;
	}
	gfs_txn_rollback(t);
	if (r < 0) {
		fprintf(stderr, "gfs-cat: reading the catalog failed: %s\n",
			strerror(-r));
		return 2;
	}
	if (fflush(stdout) != 0) {
		perror("gfs-cat: standard output");
		return 2;
	}
	return status;
}

/* Where the catalog is, from the arguments before COMMAND: DATA_DIR, or
 * --conninfo=STRING (or -c STRING) for PostgreSQL. NULL backend: not one
 * of those forms. */
static void where(int nargs, char **args, struct cat_open_options *o)
{
	static const char LONG[] = "--conninfo=";

	o->read_only = true;
	if (nargs == 1 && strncmp(args[0], LONG, strlen(LONG)) == 0) {
		o->backend = "postgresql";
		o->conninfo = args[0] + strlen(LONG);
	} else if (nargs == 2 && strcmp(args[0], "-c") == 0) {
		o->backend = "postgresql";
		o->conninfo = args[1];
	} else if (nargs == 1 && args[0][0] != '-') {
		o->backend = "sqlite";
		o->data_dir = args[0];
	}
}

int main(int argc, char **argv)
{
	static const char *const COMMANDS[] = {
		"schema", "clean", "check", "nodes", "trash",
	};
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		printf(USAGE, GFS_SCHEMA_VERSION);
		return 0;
	}
	struct cat_open_options o = { 0 };
	const char *command = argc >= 3 ? argv[argc - 1] : "";
	bool known = false;
	if (argc >= 3)
		where(argc - 2, argv + 1, &o);
	for (size_t i = 0; o.backend && i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		known |= strcmp(command, COMMANDS[i]) == 0;
	if (!known) {
		fprintf(stderr, USAGE, GFS_SCHEMA_VERSION);
		return 64;
	}

	struct gfs_catalog *cat;
	struct gfs_err err = {0};
	bool was_clean = false;
	if (gfs_catalog_open_with(&o, &cat, &was_clean, &err) < 0) {
		fprintf(stderr, "gfs-cat: %s\n", err.reason);
		return 2;
	}
	int status = run(cat, command, was_clean);
	gfs_catalog_close(cat);
	return status;
}
