/*
 * fuzz.h — what the libFuzzer targets of tests/fuzz share: the entry
 * points' prototypes and INVARIANT(), which turns a broken invariant into
 * an abort() that libFuzzer reports as a crash with its input saved.
 *
 * Header-only, for the fuzz targets alone; never for the code under test.
 */
#ifndef GFS_FUZZ_H
#define GFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define INVARIANT(cond)                                                      \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

/* A directory of our own under $TMPDIR (run.sh points that at its
 * scratch directory), made once per process; exits when it cannot be. */
static inline const char *fuzz_temp_dir(const char *target)
{
	static char path[512];
	const char *tmp = getenv("TMPDIR");

	if (path[0])
		return path;
	snprintf(path, sizeof(path), "%s/gfs-%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", target);
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		exit(1);
	}
	return path;
}

#endif
