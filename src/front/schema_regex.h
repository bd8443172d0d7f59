/*
 * schema_regex.h - the ECMA-262 regex subset of "pattern" and
 * "patternProperties" (the syntax is listed in schema.h).
 *
 * A backtracking matcher over the code points of a UTF-8 string. rx_compile
 * refuses what the subset leaves out (backreferences, lookbehind, \p{..},
 * \u{..}) with a message; rx_search gives up after a number of steps rather
 * than run on, so a pathological pattern costs a bounded time.
 */
#ifndef SPARTAC_SCHEMA_REGEX_H
#define SPARTAC_SCHEMA_REGEX_H

#include <stddef.h>

struct rx;

/* Compiles src; on error returns NULL and sets *err (the caller frees). */
struct rx *rx_compile(const char *src, size_t len, char **err);
void rx_free(struct rx *re);

/*
 * ECMA RegExp.test: 1 when re matches somewhere in s, 0 if not, -1 when
 * the match took more than max_steps steps.
 */
int rx_search(const struct rx *re, const char *s, size_t len,
    unsigned long max_steps);

#endif
