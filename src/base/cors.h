/*
 * cors.h - the one CORS behaviour, shared by `spartac serve` and the
 * runtime of every bootstrap (which adds these headers to a REST API proxy
 * response, from the SPARTA_CORS_* variables, when the handler set none).
 *
 * Pure: no allocation, no I/O, no other spartac header, so the bootstrap
 * compiles this file as it is. Lists are comma-separated strings, the form
 * of the SPARTA_CORS_* variables; the returned values point into the
 * config, the origin passed in, static strings or out->age, and live as
 * long as those do.
 *
 * The Allow-Origin rule, for preflight and actual responses alike (it is
 * what the deployed OPTIONS MOCK method can express):
 *	origins "*", no credentials   -> "*"
 *	origins "*", credentials      -> the request's Origin ("*" without one), Vary: Origin
 *	one origin                    -> that origin, whatever was asked
 *	several origins               -> the request's Origin when listed, else
 *	                                 the first one; Vary: Origin
 * A preflight is answered 200 (as the MOCK is) with Allow-Origin, [Vary],
 * [Allow-Credentials], Allow-Headers, Allow-Methods, [Max-Age]; an actual
 * response gets Allow-Origin, [Vary], [Allow-Credentials], [Expose-Headers].
 * Nothing is filtered by the requested method or headers: the browser
 * checks the answer against its request, as it does deployed.
 */
#ifndef SPARTAC_CORS_H
#define SPARTAC_CORS_H

#include <stddef.h>

#define CORS_DEFAULT_HEADERS \
	"Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
#define CORS_MAX_HEADERS 8

struct cors_config {
	const char *origins;        /* "*" or "https://a,https://b"; NULL = "*" */
	const char *allow_headers;  /* NULL = CORS_DEFAULT_HEADERS */
	const char *allow_methods;  /* e.g. "GET,OPTIONS"; NULL = "*" */
	const char *expose_headers; /* NULL or "" = none */
	int credentials;            /* Access-Control-Allow-Credentials: true */
	long max_age;               /* seconds; -1 = no Max-Age */
};

struct cors_headers {
	size_t n;
	const char *name[CORS_MAX_HEADERS];
	const char *value[CORS_MAX_HEADERS];
	size_t value_len[CORS_MAX_HEADERS]; /* an origin may be a list's item */
	char age[24];
};

/* The preflight answer's headers in out; returns its status (200). */
int cors_preflight(const struct cors_config *cfg, const char *origin,
    struct cors_headers *out);
/* The headers an actual (non-preflight) response gets. */
void cors_actual(const struct cors_config *cfg, const char *origin,
    struct cors_headers *out);
/* 1 when name is a CORS response header (Access-Control-...), else 0. */
int cors_is_header(const char *name);

#endif
