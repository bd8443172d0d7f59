/*
 * env.c - settings read from the environment, warned about (through diag)
 * when they are out of range. Kept out of util.c, which the bootstrap
 * shares and which must not depend on diag.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/diag.h"
#include "base/env.h"

unsigned long long
env_bytes(const char *name, unsigned long long dflt, unsigned long long lo,
    unsigned long long hi)
{
	const char *s = getenv(name);
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || *s == '-' || v < lo || v > hi) {
		log_warn("%s=%s: not a size from %llu to %llu bytes; using %llu",
		    name, s, lo, hi, dflt);
		return dflt;
	}
	return v;
}
