/*
 * router.h - API Gateway's REST routing, for `spartac serve`.
 *
 * A request path is matched against the manifest's route paths segment by
 * segment, as API Gateway does: a literal segment beats {param}, which beats
 * {proxy+} (one or more remaining segments); the best-matching resource
 * wins, then its method (ANY when the method has no route of its own). A
 * path no resource matches is ROUTER_NOT_FOUND; a resource without the
 * method is ROUTER_METHOD_NOT_ALLOWED, with the methods it has.
 */
#ifndef SPARTAC_ROUTER_H
#define SPARTAC_ROUTER_H

#include <stddef.h>

#include "front/manifest.h"

#define ROUTER_MAX_PARAMS 16

struct router;

enum router_status {
	ROUTER_OK,
	ROUTER_NOT_FOUND,
	ROUTER_METHOD_NOT_ALLOWED,
};

struct router_param {
	const char *name; /* borrowed from the router */
	char *value;      /* percent-decoded; owned by the match */
};

struct router_match {
	enum router_status status;
	const struct manifest_route *route; /* ROUTER_OK */
	const char *resource;               /* the matched resource path */
	struct router_param params[ROUTER_MAX_PARAMS];
	size_t nparams;
	char allow[128]; /* ROUTER_METHOD_NOT_ALLOWED: "GET, POST" */
};

/* The routes of api (borrowed: the model must outlive the router). */
struct router *router_alloc(const struct manifest_api *api);
void router_free(struct router *r);

/*
 * Matches method and path (the path without the query string, as sent:
 * percent-encoded). Always fills m; free it with router_match_free.
 */
void router_match(const struct router *r, const char *method, const char *path,
    struct router_match *m);
void router_match_free(struct router_match *m);

/* 1 when the resource has an explicit OPTIONS route (CORS then is the function's). */
int router_has_options(const struct router *r, const char *resource);

#endif
