/*
 * manifest_check_api.c - the API beyond its routes' paths: each authorizer
 * has what its type needs (and nothing another type's), auth: names an
 * authorizer that exists, scopes go with jwt and cognito, usage plans and
 * request models name keys and models that exist, CORS agrees where API
 * Gateway shares it, and an HTTP API has none of the REST API's keys.
 * Resolves route->authorizer, authorizer->function and the models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

/* "did you mean" over the authorizer names plus none and iam. */
static const char *
suggest_authorizer(const struct manifest_api *api, const char *name)
{
	const char **cands = xcalloc(api->nauthorizers + 2, sizeof(*cands));
	const char *s;
	size_t i;

	for (i = 0; i < api->nauthorizers; i++)
		cands[i] = api->authorizers[i].name;
	cands[i++] = "none";
	cands[i++] = "iam";
	s = diag_suggest(name, cands, i);
	free(cands);
	return s;
}

/* Reports a key of map the authorizer's type does not take. */
static void
refuse_key(struct mf_ctx *c, const struct manifest_authorizer *z,
    const char *key, const char *which)
{
	const struct node_pair *p = node_find(z->node, key);

	if (p == NULL)
		return;
	diag_add(c->d, DIAG_API_AUTH, p->key->loc,
	    mf_path(c, "api.authorizers", z->name, ".%s", key),
	    "a %s authorizer takes no %s: (%s)", z->kind_name, key, which);
}

static void
check_authorizer_kind(struct mf_ctx *c, const struct manifest_api *api,
    const struct manifest_authorizer *z)
{
	const struct node_pair *t = node_find(z->node, "type");
	struct loc at = t ? t->value->loc : z->loc;

	if (api->kind == MANIFEST_API_REST && z->kind == MANIFEST_AUTH_JWT)
		diag_add(c->d, DIAG_API_KIND, at,
		    mf_path(c, "api.authorizers", z->name, ".type"),
		    "a jwt authorizer belongs to an HTTP API (api.type: http); a REST API checks JWTs with a cognito or token authorizer");
	else if (api->kind == MANIFEST_API_HTTP &&
	    (z->kind == MANIFEST_AUTH_TOKEN || z->kind == MANIFEST_AUTH_COGNITO))
		diag_add(c->d, DIAG_API_KIND, at,
		    mf_path(c, "api.authorizers", z->name, ".type"),
		    "an HTTP API has no %s authorizer: use type: %s",
		    z->kind_name, z->kind == MANIFEST_AUTH_TOKEN ? "request" :
		    "jwt (issuer: the user pool's URL, audience: its app client IDs)");
}

/* The function of a Lambda authorizer, and its identity sources. */
static void
check_authorizer_lambda(struct mf_ctx *c, const struct manifest_api *api,
    struct manifest_authorizer *z, const char *const *fnames)
{
	const char *fn = get_str(z->node, "function");
	size_t i, headers = 0;

	if (fn == NULL)
		diag_add(c->d, DIAG_API_AUTH, z->key_loc,
		    mf_path(c, "api.authorizers", z->name, NULL),
		    "a %s authorizer needs function: (the function under functions: that decides)",
		    z->kind_name);
	else if ((z->function = manifest_function_find(c->m, fn)) == NULL)
		diag_add(c->d, DIAG_FUNCTION_UNKNOWN, z->function_loc,
		    mf_path(c, "api.authorizers", z->name, ".function"),
		    "unknown function '%s'%s", fn,
		    diag_suggest(fn, fnames, c->m->nfunctions));
	for (i = 0; i < z->identity.n; i++) {
		headers += strncmp(z->identity.v[i], "header:", 7) == 0;
		if (api->kind == MANIFEST_API_HTTP &&
		    strncmp(z->identity.v[i], "stage:", 6) == 0)
			diag_add(c->d, DIAG_API_KIND, z->identity.locs[i],
			    mf_path(c, "api.authorizers", z->name,
			    ".identity[%zu]", i),
			    "an HTTP API authorizer reads no stage variables: use header:, query: or context:");
	}
	if (z->kind == MANIFEST_AUTH_TOKEN &&
	    (z->identity.n != 1 || headers != 1))
		diag_add(c->d, DIAG_API_AUTH, loc_of(node_get(z->node,
		    "identity"), z->loc),
		    mf_path(c, "api.authorizers", z->name, ".identity"),
		    "a token authorizer reads exactly one header (identity: [header:NAME]); use type: request for more sources");
	if (z->kind == MANIFEST_AUTH_REQUEST && z->ttl > 0 &&
	    z->identity.n == 0)
		diag_add(c->d, DIAG_API_AUTH, z->loc,
		    mf_path(c, "api.authorizers", z->name, NULL),
		    "a cached request authorizer needs identity: (the cache key); give identity sources, or ttl: 0");
}

static void
check_authorizer(struct mf_ctx *c, const struct manifest_api *api,
    struct manifest_authorizer *z, const char *const *fnames)
{
	check_authorizer_kind(c, api, z);
	if (z->kind == MANIFEST_AUTH_TOKEN || z->kind == MANIFEST_AUTH_REQUEST)
		check_authorizer_lambda(c, api, z, fnames);
	else
		refuse_key(c, z, "function",
		    "API Gateway checks the token itself");
	if (z->kind != MANIFEST_AUTH_COGNITO)
		refuse_key(c, z, "user_pools", "cognito authorizers only");
	else if (z->user_pools.n == 0)
		diag_add(c->d, DIAG_API_AUTH, z->key_loc,
		    mf_path(c, "api.authorizers", z->name, NULL),
		    "a cognito authorizer needs user_pools: (the user pool ARNs)");
	if (z->kind != MANIFEST_AUTH_JWT) {
		refuse_key(c, z, "issuer", "jwt authorizers only");
		refuse_key(c, z, "audience", "jwt authorizers only");
	} else {
		if (z->issuer == NULL || z->audience.n == 0)
			diag_add(c->d, DIAG_API_AUTH, z->key_loc,
			    mf_path(c, "api.authorizers", z->name, NULL),
			    "a jwt authorizer needs issuer: and audience:");
		refuse_key(c, z, "ttl", "API Gateway caches JWT keys itself");
	}
	if (z->kind != MANIFEST_AUTH_REQUEST || api->kind != MANIFEST_API_HTTP)
		refuse_key(c, z, "simple_responses",
		    "HTTP API request authorizers only");
}

/* The auth: (or authorization:) of the API or of route r (NULL). */
static void
check_auth_ref(struct mf_ctx *c, const struct manifest_api *api,
    const struct node *owner, const struct manifest_route *r)
{
	const struct node *auth = node_get(owner, "auth");
	const char *s = node_str(auth);
	const char *path = r ? mf_path(c, "api.routes", r->key, ".auth") :
	    "api.auth";

	if (s == NULL || strcmp(s, "none") == 0 || strcmp(s, "iam") == 0 ||
	    manifest_authorizer_find(api, s) != NULL)
		return;
	diag_add(c->d, DIAG_API_AUTHORIZER_UNKNOWN, auth->loc, path,
	    "unknown authorizer '%s'%s", s, suggest_authorizer(api, s));
}

/* Route keys only a REST API has, refused on an HTTP API. */
static void
check_route_rest_keys(struct mf_ctx *c, const struct manifest_route *r,
    const struct node *v)
{
	static const char *const rest_only[] = {"api_key", "request", "cors"};
	size_t k;

	for (k = 0; k < NELEM(rest_only); k++) {
		const struct node_pair *p = node_find(v, rest_only[k]);

		if (p)
			diag_add(c->d, DIAG_API_KIND, p->key->loc,
			    mf_path(c, "api.routes", r->key, ".%s",
			    rest_only[k]),
			    "an HTTP API route has no %s:%s", rest_only[k],
			    strcmp(rest_only[k], "cors") == 0 ?
			    " (HTTP API CORS is API-wide: api.cors)" :
			    " (a REST API feature; drop api.type: http to use it)");
	}
}

static void
check_route_models(struct mf_ctx *c, const struct manifest_api *api,
    struct manifest_route *r, const struct node *v)
{
	const struct node *req = get_map(v, "request");
	const char **names;
	size_t i, j;

	names = xcalloc(api->nmodels + 1, sizeof(*names));
	for (i = 0; i < api->nmodels; i++)
		names[i] = api->models[i].name;
	for (j = 0; j < r->nmodels; j++) {
		const char *want = node_str(node_get(req, "model"));

		if (want == NULL)
			want = get_str(get_map(req, "content_types"),
			    r->models[j].content_type);
		for (i = 0; want && i < api->nmodels; i++)
			if (strcmp(api->models[i].name, want) == 0)
				r->models[j].model = &api->models[i];
		if (want && r->models[j].model == NULL)
			diag_add(c->d, DIAG_API_NAME_UNKNOWN, r->models[j].loc,
			    mf_path(c, "api.routes", r->key, ".request"),
			    "unknown model '%s'%s", want,
			    diag_suggest(want, names, api->nmodels));
	}
	free(names);
}

static void
check_route(struct mf_ctx *c, const struct manifest_api *api,
    struct manifest_route *r, const struct node *v)
{
	const struct node_pair *auth = node_find(v, "auth");
	const struct node_pair *old = node_find(v, "authorization");
	const struct node_pair *scopes = node_find(v, "scopes");

	if (v->kind != NODE_MAP)
		return;
	if (auth && old)
		diag_add(c->d, DIAG_API_AUTH, old->key->loc,
		    mf_path(c, "api.routes", r->key, ".authorization"),
		    "give auth: or authorization: (its older spelling), not both; authorization: %s is auth: %s",
		    node_str(old->value) ? node_str(old->value) : "?",
		    node_str(old->value) && strcmp(node_str(old->value), "AWS_IAM") == 0 ? "iam" : "none");
	check_auth_ref(c, api, v, r);
	if (scopes && r->authorization != MANIFEST_AUTH_JWT &&
	    r->authorization != MANIFEST_AUTH_COGNITO)
		diag_add(c->d, DIAG_API_AUTH, scopes->key->loc,
		    mf_path(c, "api.routes", r->key, ".scopes"),
		    "scopes need a jwt or cognito authorizer, and this route's auth is %s",
		    r->authorizer ? r->authorizer->name :
		    manifest_authorization_name(r->authorization));
	if (api->kind == MANIFEST_API_HTTP)
		check_route_rest_keys(c, r, v);
	else
		check_route_models(c, api, r, v);
}

/* API keys only a REST API has, refused on an HTTP API. */
static void
check_api_rest_keys(struct mf_ctx *c, const struct manifest_api *api,
    const struct node *a)
{
	static const char *const rest_only[] = {"api_keys", "usage_plans",
	    "models", "endpoint_type", "binary_media_types"};
	const struct node *dom = get_map(a, "domain");
	const struct node_pair *p;
	size_t k;

	if (api->kind == MANIFEST_API_REST) {
		if (api->stage && strcmp(api->stage, "$default") == 0)
			diag_add(c->d, DIAG_API_KIND,
			    node_get(a, "stage")->loc, "api.stage",
			    "$default is an HTTP API's stage (api.type: http); a REST API's stage is a name such as v1");
		return;
	}
	for (k = 0; k < NELEM(rest_only); k++)
		if ((p = node_find(a, rest_only[k])) != NULL)
			diag_add(c->d, DIAG_API_KIND, p->key->loc,
			    mf_path(c, "api", rest_only[k], NULL),
			    "an HTTP API (api.type: http) has no %s: (a REST API feature; drop api.type: http to use it)",
			    rest_only[k]);
	if (api->domain.endpoint == MANIFEST_ENDPOINT_EDGE)
		diag_add(c->d, DIAG_API_KIND,
		    node_get(dom, "endpoint_type")->loc,
		    "api.domain.endpoint_type",
		    "an HTTP API's custom domain is REGIONAL; remove endpoint_type: EDGE");
}

static void
check_usage_plans(struct mf_ctx *c, const struct manifest_api *api)
{
	size_t i, j, k;

	for (i = 0; i < api->nusage_plans; i++) {
		const struct manifest_usage_plan *u = &api->usage_plans[i];

		for (j = 0; j < u->keys.n; j++) {
			for (k = 0; k < api->api_keys.n; k++)
				if (strcmp(u->keys.v[j], api->api_keys.v[k]) == 0)
					break;
			if (k < api->api_keys.n)
				continue;
			diag_add(c->d, DIAG_API_NAME_UNKNOWN, u->keys.locs[j],
			    mf_path(c, "api.usage_plans", u->name,
			    ".keys[%zu]", j),
			    "unknown API key '%s'%s", u->keys.v[j],
			    diag_suggest(u->keys.v[j], api->api_keys.v,
			    api->api_keys.n));
		}
	}
}

static int
strlist_same(const struct manifest_strlist *a, const struct manifest_strlist *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* The same response headers (origins, credentials, exposed headers); with
 * preflight also the same preflight answer. */
static int
cors_same(const struct manifest_cors *a, const struct manifest_cors *b,
    int preflight)
{
	size_t i;

	if (a == b)
		return 1;
	if (a == NULL || b == NULL)
		return 0;
	if (!strlist_same(&a->origins, &b->origins) ||
	    a->origin_values.n != b->origin_values.n ||
	    a->credentials != b->credentials ||
	    !strlist_same(&a->expose_headers, &b->expose_headers))
		return 0;
	for (i = 0; i < a->origin_values.n; i++)
		if (!node_equal(a->origin_values.v[i], b->origin_values.v[i]))
			return 0;
	return !preflight || (strlist_same(&a->headers, &b->headers) &&
	    strlist_same(&a->methods, &b->methods) && a->max_age == b->max_age);
}

static void
check_cors_credentials(struct mf_ctx *c, const struct manifest_cors *cors,
    const char *path)
{
	size_t i;

	if (cors == NULL || !cors->credentials)
		return;
	for (i = 0; i < cors->origins.n; i++)
		if (strcmp(cors->origins.v[i], "*") == 0)
			diag_add(c->d, DIAG_API_CORS, cors->origins.locs[i], path,
			    "browsers refuse credentials with the origin '*': list the origins, or set credentials: false");
}

/*
 * A REST API answers a path's preflight with one OPTIONS method, and a
 * function adds one set of CORS headers (from its environment) to every
 * response, so the routes of a path, and of a function, must agree.
 */
static void
check_cors(struct mf_ctx *c, const struct manifest_api *api)
{
	const struct manifest_route **first;
	size_t i;

	check_cors_credentials(c, api->cors.enabled ? &api->cors : NULL,
	    "api.cors");
	for (i = 0; i < api->nroutes; i++)
		if (api->routes[i].cors == &api->routes[i].own_cors)
			check_cors_credentials(c, api->routes[i].cors,
			    mf_path(c, "api.routes", api->routes[i].key,
			    ".cors"));
	if (api->kind != MANIFEST_API_REST)
		return;
	for (i = 1; i < api->nroutes; i++) {
		const struct manifest_route *a = api->routes_sorted[i - 1];
		const struct manifest_route *b = api->routes_sorted[i];

		if (strcmp(a->path, b->path) != 0 ||
		    cors_same(a->cors, b->cors, 1))
			continue;
		diag_add(c->d, DIAG_API_CORS, b->key_loc,
		    mf_path(c, "api.routes", b->key, NULL),
		    "route '%s' has other CORS settings than route '%s' (line %u) on the same path, which share one preflight",
		    b->key, a->key, a->key_loc.line);
	}
	first = xcalloc(c->m->nfunctions + 1, sizeof(*first));
	for (i = 0; i < api->nroutes; i++) {
		const struct manifest_route *r = &api->routes[i];
		size_t f;

		if (r->function == NULL)
			continue;
		f = (size_t)(r->function - c->m->functions);
		if (first[f] == NULL)
			first[f] = r;
		else if (!cors_same(first[f]->cors, r->cors, 0))
			diag_add(c->d, DIAG_API_CORS, r->key_loc,
			    mf_path(c, "api.routes", r->key, NULL),
			    "function '%s' serves route '%s' (line %u) with other CORS origins, credentials or exposed headers; it adds one set of CORS headers to its responses",
			    r->function->name, first[f]->key,
			    first[f]->key_loc.line);
	}
	free(first);
}

void
mf_check_api(struct mf_ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	struct manifest_api *api = (struct manifest_api *)m->api;
	const struct node *a = get_map(root, "api");
	const struct node *routes = get_map(a, "routes");
	const char **fnames;
	size_t i;

	if (api == NULL)
		return;
	fnames = xcalloc(m->nfunctions + 1, sizeof(*fnames));
	for (i = 0; i < m->nfunctions; i++)
		fnames[i] = m->functions[i].name;
	for (i = 0; i < api->nauthorizers; i++)
		check_authorizer(c, api, &api->authorizers[i], fnames);
	free(fnames);
	check_auth_ref(c, api, a, NULL);
	check_api_rest_keys(c, api, a);
	check_usage_plans(c, api);
	for (i = 0; routes && i < api->nroutes && i < routes->n; i++)
		check_route(c, api, &api->routes[i], routes->pairs[i].value);
	check_cors(c, api);
}
