/*
 * tap.h — the smallest test harness that serves: each test case is a
 * function; RUN() executes it and prints one TAP line, "ok N - name" or
 * "not ok N - name", with the failed checks as "#" diagnostics before it;
 * tap_skip() says a case cannot run here.
 * tests/meson.build runs the binaries with protocol 'tap' and
 * scripts/test.sh counts the lines.
 */
#ifndef GFS_TAP_H
#define GFS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed_cases, tap_case_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("# %s:%d: check failed: %s\n", __FILE__,      \
			       __LINE__, #cond);                             \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                 \
		long long tap_a = (long long)(a), tap_b = (long long)(b);    \
		if (tap_a != tap_b) {                                        \
			printf("# %s:%d: %s == %lld, expected %s == %lld\n", \
			       __FILE__, __LINE__, #a, tap_a, #b, tap_b);    \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *tap_a = (a), *tap_b = (b);                       \
		if (!tap_a || !tap_b || strcmp(tap_a, tap_b) != 0) {         \
			printf("# %s:%d: %s is \"%s\", expected \"%s\"\n",   \
			       __FILE__, __LINE__, #a, tap_a ? tap_a : "(null)", \
			       tap_b ? tap_b : "(null)");                    \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

/* Run one case and print its line; RUN(fn) names it after its function. */
static inline void tap_run(void (*fn)(void), const char *name)
{
	tap_case_failed = 0;
	fn();
	tap_count++;
	if (tap_case_failed)
		tap_failed_cases++;
	printf("%sok %d - %s\n", tap_case_failed ? "not " : "", tap_count, name);
	fflush(stdout);
}

#define RUN(fn) tap_run(fn, #fn)

/* A case that cannot run here, and why: "ok N - name # SKIP why". */
static inline void tap_skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_count, name, why);
	fflush(stdout);
}

/* A case of a table of them, named after its function: CASE(test_x). */
struct test_case {
	void (*fn)(void);
	const char *name;
};
#define CASE(fn) { fn, #fn }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Print the plan and return the exit status for main(). */
#define TAP_DONE()                                                           \
	(printf("1..%d\n", tap_count), tap_failed_cases ? 1 : 0)

#endif
