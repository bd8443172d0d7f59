/*
 * unit.h - the smallest test harness that says what failed and where.
 * Each tests/unit/test_*.c is one program; pytest runs them all.
 */
#ifndef SPARTAC_UNIT_H
#define SPARTAC_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_checks, unit_failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		unit_checks++;                                             \
		if (!(cond)) {                                             \
			unit_failed++;                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                    \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		unit_checks++;                                             \
		if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_)) { \
			unit_failed++;                                     \
			fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", \
			    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",  \
			    w_ ? w_ : "(null)");                           \
		}                                                          \
	} while (0)

#define CHECK_INT(got, want)                                               \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		unit_checks++;                                             \
		if (g_ != w_) {                                            \
			unit_failed++;                                     \
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n",  \
			    __FILE__, __LINE__, #got, g_, w_);             \
		}                                                          \
	} while (0)

/* Ends main: prints the tally and gives the exit status. */
static inline int
unit_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failed);
	return unit_failed == 0 && unit_checks > 0 ? 0 : 1;
}

#endif
