/*
 * manifest_api.c - the API's model beyond the routes' keys and functions:
 * CORS, authorizers, API keys, usage plans, throttling, access logs,
 * request models, the custom domain, and each route's auth, api_key,
 * request and cors. Names are resolved by mf_check_api
 * (manifest_check_api.c), which also reports what does not fit.
 */
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

static const char *const auth_names[] = {
	[MANIFEST_AUTH_NONE] = "none",
	[MANIFEST_AUTH_AWS_IAM] = "iam",
	[MANIFEST_AUTH_TOKEN] = "token",
	[MANIFEST_AUTH_REQUEST] = "request",
	[MANIFEST_AUTH_COGNITO] = "cognito",
	[MANIFEST_AUTH_JWT] = "jwt",
};

const char *
manifest_authorization_name(enum manifest_authorization a)
{
	return (size_t)a < NELEM(auth_names) ? auth_names[a] : "none";
}

const struct manifest_authorizer *
manifest_authorizer_find(const struct manifest_api *api, const char *name)
{
	size_t i;

	if (api == NULL || name == NULL)
		return NULL;
	for (i = 0; i < api->nauthorizers; i++)
		if (strcmp(api->authorizers[i].name, name) == 0)
			return &api->authorizers[i];
	return NULL;
}

void
mf_cors_from(struct manifest *m, struct manifest_cors *cors,
    const struct node *node, struct loc defloc)
{
	static const char *const defh[] = {"Content-Type", "X-Amz-Date",
	    "Authorization", "X-Api-Key", "X-Amz-Security-Token"};
	const struct node *h, *o;
	struct loc *locs;
	size_t i;

	memset(cors, 0, sizeof(*cors));
	cors->loc = loc_of(node, defloc);
	cors->max_age = -1;
	cors->enabled = (node && node->kind == NODE_BOOL && node->v.b) ||
	    (node && node->kind == NODE_MAP);
	if (!cors->enabled)
		return;
	o = node_get(node, "origins");
	mf_strlist_from(m, &cors->origins, o, "*", cors->loc);
	if (o && o->kind == NODE_SEQ) {
		mf_values_from(m, &cors->origin_values, o);
		for (i = 0; i < o->n; i++)
			if (o->items[i]->kind != NODE_STRING)
				cors->has_intrinsic_origin = 1;
	}
	h = node_get(node, "headers");
	if (h && h->kind == NODE_SEQ)
		mf_strlist_from(m, &cors->headers, h, NULL, cors->loc);
	else {
		cors->headers.v = mf_alloc(m, NELEM(defh), sizeof(char *));
		locs = mf_alloc(m, NELEM(defh), sizeof(*locs));
		for (i = 0; i < NELEM(defh); i++) {
			cors->headers.v[i] = defh[i];
			locs[i] = cors->loc;
		}
		cors->headers.locs = locs;
		cors->headers.n = NELEM(defh);
	}
	mf_strlist_from(m, &cors->methods, node_get(node, "methods"), NULL,
	    cors->loc);
	mf_strlist_from(m, &cors->expose_headers,
	    node_get(node, "expose_headers"), NULL, cors->loc);
	cors->max_age = get_long(node, "max_age", -1);
	cors->credentials = get_bool(node, "credentials", 0);
}

static void
throttle_from(struct manifest_throttle *t, const struct node *n,
    struct loc defloc)
{
	const struct node *rate = node_get(n, "rate");

	memset(t, 0, sizeof(*t));
	t->loc = loc_of(n, defloc);
	if (n == NULL || n->kind != NODE_MAP)
		return;
	t->set = 1;
	if (rate && rate->kind == NODE_INT)
		t->rate = (double)rate->v.i;
	else if (rate && rate->kind == NODE_FLOAT)
		t->rate = rate->v.f;
	t->burst = get_long(n, "burst", 0);
}

static enum manifest_authorization
authorizer_kind(const char *s)
{
	if (s && strcmp(s, "token") == 0)
		return MANIFEST_AUTH_TOKEN;
	if (s && strcmp(s, "cognito") == 0)
		return MANIFEST_AUTH_COGNITO;
	if (s && strcmp(s, "jwt") == 0)
		return MANIFEST_AUTH_JWT;
	return MANIFEST_AUTH_REQUEST;
}

static void
build_authorizers(struct manifest *m, struct manifest_api *api,
    const struct node *map)
{
	size_t i;

	if (map == NULL || map->n == 0)
		return;
	api->authorizers = mf_alloc(m, map->n, sizeof(*api->authorizers));
	for (i = 0; i < map->n; i++) {
		struct manifest_authorizer *z = &api->authorizers[i];
		const struct node *v = map->pairs[i].value;
		const struct node *id = node_get(v, "identity");

		z->name = map->pairs[i].key->str;
		z->key_loc = map->pairs[i].key->loc;
		z->loc = v->loc;
		z->node = v;
		z->kind = authorizer_kind(get_str(v, "type"));
		z->kind_name = manifest_authorization_name(z->kind);
		z->function_loc = loc_of(node_get(v, "function"), v->loc);
		z->ttl = get_long(v, "ttl", MANIFEST_DEFAULT_AUTH_TTL);
		/* A request authorizer without caching may have no identity
		 * source; every other kind reads Authorization by default. */
		mf_strlist_from(m, &z->identity, id,
		    z->kind == MANIFEST_AUTH_REQUEST && z->ttl == 0 ? NULL :
		    MANIFEST_DEFAULT_AUTH_IDENTITY, z->loc);
		mf_values_from(m, &z->user_pools, node_get(v, "user_pools"));
		z->issuer = node_get(v, "issuer");
		mf_values_from(m, &z->audience, node_get(v, "audience"));
		z->simple_responses = get_bool(v, "simple_responses", 1);
	}
	api->nauthorizers = map->n;
}

static void
build_usage_plans(struct manifest *m, struct manifest_api *api,
    const struct node *map)
{
	size_t i;

	if (map == NULL || map->n == 0)
		return;
	api->usage_plans = mf_alloc(m, map->n, sizeof(*api->usage_plans));
	for (i = 0; i < map->n; i++) {
		struct manifest_usage_plan *u = &api->usage_plans[i];
		const struct node *v = map->pairs[i].value;
		const struct node *q = get_map(v, "quota");

		u->name = map->pairs[i].key->str;
		u->key_loc = map->pairs[i].key->loc;
		u->loc = v->loc;
		u->description = get_str(v, "description");
		mf_strlist_from(m, &u->keys, node_get(v, "keys"), NULL, v->loc);
		throttle_from(&u->throttle, node_get(v, "throttle"), v->loc);
		u->quota_limit = q ? get_long(q, "limit", MANIFEST_UNSET) :
		    MANIFEST_UNSET;
		u->quota_period = get_str(q, "period");
		u->quota_offset = get_long(q, "offset", 0);
	}
	api->nusage_plans = map->n;
}

void
mf_build_api_extras(struct manifest *m, struct manifest_api *api,
    const struct node *a)
{
	const struct node *models = get_map(a, "models");
	const struct node *al = get_map(a, "access_log");
	const struct node *dom = get_map(a, "domain");
	const char *s;
	size_t i;

	build_authorizers(m, api, get_map(a, "authorizers"));
	s = get_str(a, "auth");
	api->auth = MANIFEST_AUTH_NONE;
	if (s && strcmp(s, "iam") == 0)
		api->auth = MANIFEST_AUTH_AWS_IAM;
	else if (s && strcmp(s, "none") != 0 &&
	    (api->auth_authorizer = manifest_authorizer_find(api, s)) != NULL)
		api->auth = api->auth_authorizer->kind;
	mf_strlist_from(m, &api->api_keys, node_get(a, "api_keys"), NULL,
	    a->loc);
	build_usage_plans(m, api, get_map(a, "usage_plans"));
	throttle_from(&api->throttle, node_get(a, "throttle"), a->loc);
	api->access_log.loc = loc_of(al, a->loc);
	api->access_log.retention = MANIFEST_DEFAULT_LOG_RETENTION;
	if (al) {
		api->access_log.enabled = 1;
		api->access_log.format = get_str(al, "format");
		api->access_log.retention = get_long(al, "retention_days",
		    MANIFEST_DEFAULT_LOG_RETENTION);
	}
	if (models && models->n) {
		api->models = mf_alloc(m, models->n, sizeof(*api->models));
		for (i = 0; i < models->n; i++) {
			api->models[i].name = models->pairs[i].key->str;
			api->models[i].key_loc = models->pairs[i].key->loc;
			api->models[i].schema = models->pairs[i].value;
		}
		api->nmodels = models->n;
	}
	api->domain.loc = loc_of(dom, a->loc);
	api->domain.endpoint = MANIFEST_ENDPOINT_REGIONAL;
	if (dom) {
		api->domain.name = node_get(dom, "name");
		api->domain.certificate = node_get(dom, "certificate");
		api->domain.base_path = get_str(dom, "base_path");
		s = get_str(dom, "endpoint_type");
		if (s && strcmp(s, "EDGE") == 0)
			api->domain.endpoint = MANIFEST_ENDPOINT_EDGE;
	}
}

/* The route's request: models by content type and what to validate. */
static void
build_route_request(struct manifest *m, struct manifest_route *r,
    const struct node *req)
{
	const struct node *model = node_get(req, "model");
	const struct node *ct = get_map(req, "content_types");
	const char *validate = get_str(req, "validate");
	size_t i, n = (model && model->kind == NODE_STRING) + (ct ? ct->n : 0);

	if (n) {
		r->models = mf_alloc(m, n, sizeof(*r->models));
		if (model && model->kind == NODE_STRING) {
			r->models[0].content_type = "application/json";
			r->models[0].loc = model->loc;
			r->nmodels = 1;
		}
		for (i = 0; ct && i < ct->n; i++) {
			r->models[r->nmodels].content_type = ct->pairs[i].key->str;
			r->models[r->nmodels++].loc = ct->pairs[i].value->loc;
		}
	}
	mf_strlist_from(m, &r->required_params, node_get(req, "params"), NULL,
	    req ? req->loc : r->loc);
	if (validate == NULL) {
		r->validate_body = r->nmodels > 0;
		r->validate_params = r->required_params.n > 0;
	} else {
		r->validate_body = strcmp(validate, "params") != 0;
		r->validate_params = strcmp(validate, "body") != 0;
	}
}

void
mf_build_route_extras(struct manifest *m, struct manifest_api *api,
    struct manifest_route *r, const struct node *v)
{
	const struct node *auth = node_get(v, "auth");
	const struct node *old = node_get(v, "authorization");
	const struct node *cors = node_get(v, "cors");
	const char *s;

	r->authorization = api->auth;
	r->authorizer = api->auth_authorizer;
	r->auth_loc = loc_of(node_get(get_map(m->root, "api"), "auth"), r->loc);
	if (v->kind == NODE_MAP && (auth || old)) {
		s = node_str(auth ? auth : old);
		r->auth_loc = (auth ? auth : old)->loc;
		r->authorizer = NULL;
		r->authorization = MANIFEST_AUTH_NONE;
		if (s && (strcmp(s, "iam") == 0 || strcmp(s, "AWS_IAM") == 0))
			r->authorization = MANIFEST_AUTH_AWS_IAM;
		else if (s && auth && strcmp(s, "none") != 0 &&
		    (r->authorizer = manifest_authorizer_find(api, s)) != NULL)
			r->authorization = r->authorizer->kind;
	}
	mf_strlist_from(m, &r->scopes, node_get(v, "scopes"), NULL, r->loc);
	r->api_key = get_bool(v, "api_key", 0);
	build_route_request(m, r, get_map(v, "request"));
	if (cors && v->kind == NODE_MAP) {
		mf_cors_from(m, &r->own_cors, cors, r->loc);
		r->cors = r->own_cors.enabled ? &r->own_cors : NULL;
	} else
		r->cors = api->cors.enabled ? &api->cors : NULL;
}
