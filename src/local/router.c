/* router.c - API Gateway's REST routing. See router.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local/router.h"

#define ROUTER_MAX_SEGMENTS 64

enum seg_kind {
	SEG_LITERAL = 2, /* the values are the ranks: higher wins */
	SEG_PARAM = 1,
	SEG_PROXY = 0,
};

struct seg {
	enum seg_kind kind;
	char *text; /* the literal, or the parameter's name */
};

struct resource {
	const char *path; /* borrowed from the first route */
	struct seg *segs;
	size_t nsegs;
	const struct manifest_route **routes;
	size_t nroutes;
};

struct router {
	struct resource *res;
	size_t nres;
};

static void
parse_path(struct resource *r)
{
	const char *p = r->path, *end;
	size_t n, cap = 0;
	struct seg s;

	while (*p == '/')
		p++;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n > 2 && p[0] == '{' && p[n - 1] == '}') {
			if (n > 3 && p[n - 2] == '+') {
				s.kind = SEG_PROXY;
				s.text = xstrndup(p + 1, n - 3);
			} else {
				s.kind = SEG_PARAM;
				s.text = xstrndup(p + 1, n - 2);
			}
		} else {
			s.kind = SEG_LITERAL;
			s.text = xstrndup(p, n);
		}
		r->segs = xgrow(r->segs, &cap, r->nsegs + 1, sizeof(*r->segs));
		r->segs[r->nsegs++] = s;
		p += n;
		while (*p == '/')
			p++;
	}
}

struct router *
router_alloc(const struct manifest_api *api)
{
	struct router *r = xcalloc(1, sizeof(*r));
	const struct manifest_route *route;
	struct resource *res;
	size_t i, j, cap = 0;

	for (i = 0; api && i < api->nroutes; i++) {
		route = &api->routes[i];
		res = NULL;
		for (j = 0; j < r->nres; j++)
			if (strcmp(r->res[j].path, route->path) == 0)
				res = &r->res[j];
		if (res == NULL) {
			r->res = xgrow(r->res, &cap, r->nres + 1, sizeof(*r->res));
			res = &r->res[r->nres++];
			memset(res, 0, sizeof(*res));
			res->path = route->path;
			parse_path(res);
		}
		res->routes = xrealloc(res->routes, (res->nroutes + 1) * sizeof(*res->routes));
		res->routes[res->nroutes++] = route;
	}
	return r;
}

void
router_free(struct router *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nres; i++) {
		for (j = 0; j < r->res[i].nsegs; j++)
			free(r->res[i].segs[j].text);
		free(r->res[i].segs);
		free(r->res[i].routes);
	}
	free(r->res);
	free(r);
}

struct reqpath {
	const char *start[ROUTER_MAX_SEGMENTS]; /* raw segments */
	size_t len[ROUTER_MAX_SEGMENTS];
	char *dec[ROUTER_MAX_SEGMENTS];         /* decoded */
	size_t n;
	const char *rest[ROUTER_MAX_SEGMENTS];  /* raw text from segment i on */
};

/* Splits the raw path; returns -1 for paths no route can match. */
static int
split_path(const char *path, struct reqpath *rp)
{
	const char *p = path, *end;
	size_t n;

	rp->n = 0;
	if (*p != '/')
		return -1;
	p++;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0)
			return -1; /* "//": an empty segment */
		if (rp->n == ROUTER_MAX_SEGMENTS)
			return -1;
		rp->start[rp->n] = p;
		rp->len[rp->n] = n;
		rp->rest[rp->n] = p;
		rp->dec[rp->n] = percent_decode(p, n, 0);
		rp->n++;
		p += n;
		if (*p == '/')
			p++; /* a single trailing '/' is ignored, as API Gateway does */
	}
	return 0;
}

/*
 * Matches resource res against the path; on a match fills rank[i] (the
 * rank of the segment that took request segment i) and returns 1.
 */
static int
resource_matches(const struct resource *res, const struct reqpath *rp,
    unsigned char *rank)
{
	size_t i, k;

	for (i = 0; i < res->nsegs; i++) {
		if (res->segs[i].kind == SEG_PROXY) {
			if (i >= rp->n)
				return 0;
			for (k = i; k < rp->n; k++)
				rank[k] = SEG_PROXY;
			return 1;
		}
		if (i >= rp->n)
			return 0;
		if (res->segs[i].kind == SEG_LITERAL &&
		    strcmp(res->segs[i].text, rp->dec[i]) != 0)
			return 0;
		rank[i] = (unsigned char)res->segs[i].kind;
	}
	return i == rp->n;
}

static void
add_param(struct router_match *m, const char *name, const char *value, size_t n)
{
	if (m->nparams == ROUTER_MAX_PARAMS)
		return;
	m->params[m->nparams].name = name;
	m->params[m->nparams].value = percent_decode(value, n, 0);
	m->nparams++;
}

void
router_match(const struct router *r, const char *method, const char *path,
    struct router_match *m)
{
	unsigned char rank[ROUTER_MAX_SEGMENTS], best_rank[ROUTER_MAX_SEGMENTS];
	const struct resource *best = NULL, *res;
	const struct manifest_route *any = NULL, *hit = NULL;
	struct reqpath rp;
	size_t i, k;

	memset(m, 0, sizeof(*m));
	m->status = ROUTER_NOT_FOUND;
	memset(&rp, 0, sizeof(rp));
	if (split_path(path, &rp) == -1)
		goto out;
	for (i = 0; i < r->nres; i++) {
		res = &r->res[i];
		if (!resource_matches(res, &rp, rank))
			continue;
		if (best == NULL || memcmp(rank, best_rank, rp.n) > 0) {
			best = res;
			memcpy(best_rank, rank, rp.n);
		}
	}
	if (best == NULL)
		goto out;
	m->resource = best->path;
	for (i = 0; i < best->nroutes; i++) {
		if (strcmp(best->routes[i]->method_name, method) == 0)
			hit = best->routes[i];
		else if (best->routes[i]->method == MANIFEST_HTTP_ANY)
			any = best->routes[i];
	}
	if (hit == NULL)
		hit = any;
	if (hit == NULL) {
		m->status = ROUTER_METHOD_NOT_ALLOWED;
		for (i = 0, k = 0; i < best->nroutes; i++) {
			int w = snprintf(m->allow + k, sizeof(m->allow) - k, "%s%s",
			    k ? ", " : "", best->routes[i]->method_name);

			if (w < 0 || (size_t)w >= sizeof(m->allow) - k)
				break;
			k += (size_t)w;
		}
		goto out;
	}
	m->status = ROUTER_OK;
	m->route = hit;
	for (i = 0; i < best->nsegs; i++) {
		if (best->segs[i].kind == SEG_PARAM)
			add_param(m, best->segs[i].text, rp.start[i], rp.len[i]);
		else if (best->segs[i].kind == SEG_PROXY)
			add_param(m, best->segs[i].text, rp.rest[i], strlen(rp.rest[i]) -
			    (str_has_suffix(rp.rest[i], "/") ? 1 : 0));
	}
out:
	for (i = 0; i < rp.n; i++)
		free(rp.dec[i]);
}

void
router_match_free(struct router_match *m)
{
	size_t i;

	for (i = 0; i < m->nparams; i++)
		free(m->params[i].value);
	m->nparams = 0;
}

int
router_has_options(const struct router *r, const char *resource)
{
	size_t i, j;

	for (i = 0; i < r->nres; i++) {
		if (strcmp(r->res[i].path, resource) != 0)
			continue;
		for (j = 0; j < r->res[i].nroutes; j++)
			if (r->res[i].routes[j]->method == MANIFEST_HTTP_OPTIONS)
				return 1;
	}
	return 0;
}
