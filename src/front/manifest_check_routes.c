/*
 * manifest_check_routes.c - the API routes: each names a function that
 * exists, its key is "METHOD /path" with a method API Gateway knows and a
 * path it accepts, no two routes clash (same path and method, or ANY), and
 * a parent path has one variable child.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

static int
is_path_literal(const char *s, size_t n)
{
	return n > 0 && mf_all_chars(s, n, "-._~:@");
}

/*
 * Checks a route path and writes its canonical form (parameter names
 * dropped: {} and {+}) to canon. Returns NULL when fine, else the problem.
 */
static const char *
path_problem(const char *path, struct buf *canon)
{
	const char *p = path, *seg, *q;
	const char *params[64];
	size_t nparams = 0, i, len;

	canon->len = 0;
	buf_puts(canon, "");
	if (*p != '/')
		return "the path must start with '/'";
	if (strcmp(p, "/") == 0) {
		buf_puts(canon, "/");
		return NULL;
	}
	while (*p == '/') {
		seg = ++p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0)
			return *p ? "the path has an empty segment ('//')" :
			    "the path ends with '/'";
		buf_putc(canon, '/');
		if (seg[0] != '{') {
			if (!is_path_literal(seg, len))
				return "a literal segment holds a character API Gateway does not allow (or a '{' inside it)";
			buf_append(canon, seg, len);
			continue;
		}
		if (seg[len - 1] != '}' || len < 3)
			return "a parameter is written {name}, as a whole segment";
		q = seg + 1;
		if (seg[len - 2] == '+') {
			if (*p)
				return "a greedy parameter {name+} may only be the last segment";
			if (len < 4 || !mf_all_chars(q, len - 3, "-._"))
				return "a greedy parameter is written {name+}";
			buf_puts(canon, "{+}");
		} else {
			if (!mf_all_chars(q, len - 2, "-._"))
				return "a parameter name uses letters, digits, '-', '.' and '_'";
			buf_puts(canon, "{}");
		}
		for (i = 0; i < nparams; i++)
			if (strncmp(params[i], seg, len) == 0 &&
			    (params[i][len] == '/' || params[i][len] == '\0'))
				return "the path repeats a parameter name";
		if (nparams < NELEM(params))
			params[nparams++] = seg;
	}
	if (*p)
		return "the path must start with '/'";
	return NULL;
}

struct routeref {
	char *canon;
	size_t index; /* into api->routes */
};

static int
cmp_routeref(const void *a, const void *b)
{
	const struct routeref *x = a, *y = b;
	int r = strcmp(x->canon, y->canon);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A variable segment under its parent path, for the one-variable rule. */
struct varref {
	char *parent; /* the parent path as written, "/items" */
	const char *name; /* the segment, "{id}" (not NUL-terminated) */
	size_t namelen;
	size_t index;
};

static int
cmp_varref(const void *a, const void *b)
{
	const struct varref *x = a, *y = b;
	int r = strcmp(x->parent, y->parent);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Resolves the function route r (value v) names, or reports it. */
static void
check_route_function(struct mf_ctx *c, struct manifest_route *r,
    const struct node *v, const char *const *fnames)
{
	struct manifest *m = c->m;
	const char *fn = v->kind == NODE_MAP ? get_str(v, "function") :
	    node_str(v);

	if (fn == NULL)
		diag_add(c->d, DIAG_FUNCTION_UNKNOWN, r->loc,
		    mf_path(c, "api.routes", r->key, NULL),
		    "route '%s' names no function", r->key);
	else if ((r->function = manifest_function_find(m, fn)) == NULL)
		diag_add(c->d, DIAG_FUNCTION_UNKNOWN, r->function_loc,
		    mf_path(c, "api.routes", r->key, NULL),
		    "unknown function '%s'%s", fn,
		    diag_suggest(fn, fnames, m->nfunctions));
}

/*
 * Is the key "METHOD " followed by something, METHOD one we know? Returns
 * 0 when it is, else reports (with the upper-case spelling when that is
 * all that is wrong) and returns -1.
 */
static int
check_route_method(struct mf_ctx *c, const struct manifest_route *r)
{
	const char *sp = strchr(r->key, ' ');
	size_t k, ml = sp ? (size_t)(sp - r->key) : 0;
	char meth[16];

	if (sp && mf_method_find(r->key, ml) >= 0)
		return 0;
	snprintf(meth, sizeof(meth), "%.*s", (int)(ml < 15 ? ml : 15), r->key);
	for (k = 0; meth[k]; k++)
		meth[k] = (char)toupper((unsigned char)meth[k]);
	if (sp == NULL)
		diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
		    mf_path(c, "api.routes", r->key, NULL),
		    "route '%s' is not \"METHOD /path\"", r->key);
	else if (mf_method_find(meth, strlen(meth)) >= 0)
		diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
		    mf_path(c, "api.routes", r->key, NULL),
		    "method '%.*s' must be upper case: '%s'", (int)ml, r->key,
		    meth);
	else
		diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
		    mf_path(c, "api.routes", r->key, NULL),
		    "unknown method '%.*s'", (int)ml, r->key);
	return -1;
}

/* Same canonical path: same method, or ANY against anything, clash. */
static void
check_route_clashes(struct mf_ctx *c, const struct manifest_api *api,
    struct routeref *rr, size_t nrr, unsigned char *bad)
{
	size_t i, j;

	qsort(rr, nrr, sizeof(*rr), cmp_routeref);
	for (i = 0; i < nrr; i++) {
		for (j = i + 1; j < nrr && strcmp(rr[i].canon, rr[j].canon) == 0;
		    j++) {
			const struct manifest_route *a = &api->routes[rr[i].index];
			const struct manifest_route *b = &api->routes[rr[j].index];

			if (a->method != b->method &&
			    a->method != MANIFEST_HTTP_ANY &&
			    b->method != MANIFEST_HTTP_ANY)
				continue;
			diag_add(c->d, DIAG_ROUTE_CLASH, b->key_loc,
			    mf_path(c, "api.routes", b->key, NULL),
			    "route '%s' clashes with route '%s' (line %u)",
			    b->key, a->key, a->key_loc.line);
			bad[rr[j].index] = 1;
		}
	}
}

/* The variable segments of the routes not yet found bad; *n of them. */
static struct varref *
route_variables(const struct manifest_api *api, const unsigned char *bad,
    size_t *n)
{
	struct varref *vr = NULL;
	size_t nvr = 0, capvr = 0, i;

	for (i = 0; i < api->nroutes; i++) {
		const char *path = api->routes[i].path, *p = path, *seg;

		if (bad[i])
			continue;
		while (*p == '/' && p[1]) {
			seg = ++p;
			while (*p && *p != '/')
				p++;
			if (*seg != '{')
				continue;
			vr = xgrow(vr, &capvr, nvr + 1, sizeof(*vr));
			vr[nvr].parent = xstrndup(path, (size_t)(seg - 1 - path));
			vr[nvr].name = seg;
			vr[nvr].namelen = (size_t)(p - seg);
			vr[nvr++].index = i;
		}
	}
	*n = nvr;
	return vr;
}

/* One variable child per parent path. */
static void
check_route_params(struct mf_ctx *c, const struct manifest_api *api,
    unsigned char *bad)
{
	size_t nvr, i, j;
	struct varref *vr = route_variables(api, bad, &nvr);

	if (nvr)
		qsort(vr, nvr, sizeof(*vr), cmp_varref);
	for (i = 0; i < nvr; i = j) {
		for (j = i + 1; j < nvr && strcmp(vr[i].parent, vr[j].parent) == 0;
		    j++) {
			const struct manifest_route *a = &api->routes[vr[i].index];
			const struct manifest_route *b = &api->routes[vr[j].index];

			if (vr[i].namelen == vr[j].namelen &&
			    strncmp(vr[i].name, vr[j].name, vr[i].namelen) == 0)
				continue;
			if (bad[vr[j].index])
				continue;
			diag_add(c->d, DIAG_ROUTE_PARAM_CONFLICT, b->key_loc,
			    mf_path(c, "api.routes", b->key, NULL),
			    "'%.*s' under '%s' conflicts with '%.*s' of route '%s' (line %u)",
			    (int)vr[j].namelen, vr[j].name,
			    *vr[j].parent ? vr[j].parent : "/",
			    (int)vr[i].namelen, vr[i].name, a->key,
			    a->key_loc.line);
			bad[vr[j].index] = 1;
		}
	}
	for (i = 0; i < nvr; i++)
		free(vr[i].parent);
	free(vr);
}

void
mf_check_routes(struct mf_ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	struct manifest_api *api = (struct manifest_api *)m->api;
	const struct node *routes = get_map(get_map(root, "api"), "routes");
	const char **fnames;
	struct routeref *rr;
	size_t nrr = 0, i;
	unsigned char *bad;
	struct buf canon = {0};

	if (api == NULL || api->nroutes == 0)
		return;
	fnames = xcalloc(m->nfunctions + 1, sizeof(*fnames));
	for (i = 0; i < m->nfunctions; i++)
		fnames[i] = m->functions[i].name;
	rr = xcalloc(api->nroutes, sizeof(*rr));
	bad = xcalloc(api->nroutes, 1);
	for (i = 0; i < api->nroutes; i++) {
		struct manifest_route *r = &api->routes[i];
		const char *problem;

		check_route_function(c, r, routes->pairs[i].value, fnames);
		if (check_route_method(c, r) != 0) {
			bad[i] = 1;
			continue;
		}
		if ((problem = path_problem(r->path, &canon)) != NULL) {
			diag_add(c->d, DIAG_ROUTE_PATH, r->key_loc,
			    mf_path(c, "api.routes", r->key, NULL),
			    "path '%s': %s", r->path, problem);
			bad[i] = 1;
			continue;
		}
		rr[nrr].canon = xstrdup(canon.data);
		rr[nrr++].index = i;
	}
	check_route_clashes(c, api, rr, nrr, bad);
	check_route_params(c, api, bad);
	for (i = 0; i < nrr; i++)
		free(rr[i].canon);
	free(rr);
	free(bad);
	free(fnames);
	buf_free(&canon);
}
