/*
 * marshal_api.c - the REST API: RestApi, the resource tree of the route
 * paths, one AWS_PROXY method per route, a CORS OPTIONS mock per path, a
 * Deployment, a Stage, one invoke permission per function, and the invoke
 * URL as an output. Authorizers, keys, models, the stage's settings and the
 * domain are marshal_api_rest.c's; an HTTP API is marshal_api_http.c's.
 *
 * The OPTIONS mock answers a preflight as src/base/cors.c does for serve
 * and the runtime: 200, Allow-Origin (the origin, or the request's Origin
 * when it is one of several listed, with Vary: Origin), Allow-Credentials
 * when set, Allow-Headers, Allow-Methods and Max-Age when set.
 *
 * The Deployment's logical ID ends with a hash of everything a deployment
 * snapshots (routes, their functions and authorization, CORS, binary media
 * types): CloudFormation makes a new deployment exactly when one of those
 * changes and leaves the stage alone otherwise. Sparta redeployed on every
 * run instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

/*
 * 64-bit FNV-1a over length-prefixed fields: these hashes only have to
 * change when their input does (a 48-bit prefix makes an accidental match
 * across two builds negligible), and starting OpenSSL's digests cost more
 * than the rest of a small template.
 */
struct fnv {
	uint64_t h;
};

static void
fnv_bytes(struct fnv *f, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		f->h ^= *s++;
		f->h *= 1099511628211ULL;
	}
}

static void
fnv_field(struct fnv *f, const char *s)
{
	size_t n = strlen(s), i;
	unsigned char len[8];

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i)); /* little-endian everywhere */
	fnv_bytes(f, len, sizeof(len));
	fnv_bytes(f, s, n);
}

static void
fnv_hex(const struct fnv *f, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)f->h);
}

/* A resource of the tree: one path prefix of one or more routes. */
struct apath {
	char *path;  /* "/items/{id}" */
	char *id;    /* path part of the logical IDs, "ItemsId" */
	size_t parent; /* index into the sorted array, or (size_t)-1 for the root */
};

static int
apath_cmp(const void *a, const void *b)
{
	return strcmp(((const struct apath *)a)->path, ((const struct apath *)b)->path);
}

static int
apath_id_cmp(const void *a, const void *b)
{
	const struct apath *x = *(const struct apath *const *)a;
	const struct apath *y = *(const struct apath *const *)b;
	int r = strcmp(x->id, y->id);

	return r ? r : strcmp(x->path, y->path);
}

static size_t
apath_find(const struct apath *v, size_t n, const char *path)
{
	struct apath key = {(char *)(uintptr_t)path, NULL, 0};
	const struct apath *p;

	if (n == 0) /* only the root "/": no resources (and bsearch wants v) */
		return (size_t)-1;
	p = bsearch(&key, v, n, sizeof(*v), apath_cmp);

	return p ? (size_t)(p - v) : (size_t)-1;
}

/* An ID part that cannot clash: the readable part plus a hash of the path. */
static char *
apath_hashed(const char *path, const char *readable)
{
	struct fnv f = {14695981039346656037ULL};
	char hex[17];

	fnv_field(&f, path);
	fnv_hex(&f, hex);
	return xasprintf("%.*sH%.8s", 160, readable, hex);
}

/*
 * Every prefix of every route path, sorted and unique, with clash-free ID
 * parts: paths whose readable parts coincide ("/a-b", "/aB") or are very
 * long get a hash suffix, decided from the set of paths alone.
 */
static struct apath *
apaths_collect(const struct manifest_api *api, size_t *np)
{
	struct apath *v = NULL, **byid;
	size_t n = 0, cap = 0, i, j, k;
	const char *p;

	for (i = 0; i < api->nroutes; i++) {
		const char *path = api->routes_sorted[i]->path;

		for (p = path + 1; ; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			if (p > path + 1) {
				v = xgrow(v, &cap, n + 1, sizeof(*v));
				v[n].path = xstrndup(path, (size_t)(p - path));
				v[n].id = NULL;
				n++;
			}
			if (*p == '\0')
				break;
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), apath_cmp);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(v[j - 1].path, v[i].path) == 0) {
			free(v[i].path);
			continue;
		}
		v[j++] = v[i];
	}
	n = j;
	for (i = 0; i < n; i++) {
		char *slash = strrchr(v[i].path, '/');

		v[i].id = mid_path(v[i].path);
		if (slash == v[i].path)
			v[i].parent = (size_t)-1;
		else {
			char *parent = xstrndup(v[i].path, (size_t)(slash - v[i].path));

			v[i].parent = apath_find(v, n, parent);
			free(parent);
		}
	}
	byid = xmalloc((n + 1) * sizeof(*byid));
	for (i = 0; i < n; i++)
		byid[i] = &v[i];
	qsort(byid, n, sizeof(*byid), apath_id_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(byid[j]->id, byid[i]->id) == 0; j++)
			;
		for (k = i; k < j; k++) {
			if (j - i > 1 || strlen(byid[k]->id) > 180) {
				char *h = apath_hashed(byid[k]->path, byid[k]->id);

				free(byid[k]->id);
				byid[k]->id = h;
			}
		}
	}
	free(byid);
	*np = n;
	return v;
}

static cJSON *
resource_ref(struct mctx *c, const struct apath *v, size_t n, const char *path)
{
	size_t i;

	if (strcmp(path, "/") == 0)
		return mj_getatt(c, "Api", "RootResourceId");
	i = apath_find(v, n, path);
	return mj_ref_take(c, mstr("ApiResource", i == (size_t)-1 ? "" : v[i].id,
	    NULL));
}

static const char *
path_id(const struct apath *v, size_t n, const char *path)
{
	size_t i = apath_find(v, n, path);

	return i == (size_t)-1 ? "" : v[i].id;
}

static void
proxy_method_add(struct mctx *c, const struct manifest_route *r,
    const struct apath *v, size_t n, cJSON *deps)
{
	char *id = mstr("ApiMethod", path_id(v, n, r->path),
	    mid_method(r->method_name), NULL);
	cJSON *props, *integ;

	mres_add(c, id, "AWS::ApiGateway::Method", r->key_loc, "route '%s'",
	    r->key, &props);
	mj_add(props, "RestApiId", mj_ref(c, "Api"));
	mj_add(props, "ResourceId", resource_ref(c, v, n, r->path));
	mj_add_lit(c, props, "HttpMethod", r->method_name);
	mapi_rest_method(c, r, props);
	integ = mj_add_obj(c, props, "Integration");
	mj_add_lit(c, integ, "Type", "AWS_PROXY");
	mj_add_lit(c, integ, "IntegrationHttpMethod", "POST");
	mj_add(integ, "Uri", mapi_lambda_uri(c, r->function));
	jtree_push(deps, mj_take(c, id));
}

static void
join_into(struct buf *b, const char *const *v, size_t n, const char *sep)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(b, sep);
		buf_puts(b, v[i]);
	}
}

/* The Allow-Methods list of a path: the configured one, or its routes'. */
static char *
cors_methods(const struct manifest_cors *cors,
    const struct manifest_route *const *routes, size_t nroutes)
{
	static const char *const all[] = {
		"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
	};
	int want[NELEM(all)] = {0};
	struct buf b = {0};
	size_t i, j;

	if (cors->methods.n > 0) {
		join_into(&b, cors->methods.v, cors->methods.n, ",");
		return buf_take(&b);
	}
	for (i = 0; i < nroutes; i++)
		for (j = 0; j < NELEM(all); j++)
			if (routes[i]->method == MANIFEST_HTTP_ANY ||
			    strcmp(routes[i]->method_name, all[j]) == 0)
				want[j] = 1;
	want[3] = 1; /* OPTIONS itself */
	for (j = 0; j < NELEM(all); j++)
		if (want[j])
			buf_printf(&b, "%s%s", b.len ? "," : "", all[j]);
	return buf_take(&b);
}

/* Sets the OPTIONS response header NAME to VALUE, single-quoted as API
 * Gateway wants a static value, and notes NAME for the method response. */
static void
cors_header(struct mctx *c, cJSON *params, const char **names, size_t *nnames,
    const char *name, const char *value)
{
	char *key = xasprintf("method.response.header.%s", name);
	char *quoted = xasprintf("'%s'", value);

	jtree_add(c->a, params, key, mj_str(c, quoted));
	free(quoted);
	free(key);
	names[(*nnames)++] = name;
}

/* Allow-Origin: the first origin (a literal or an intrinsic), which the
 * response template replaces by the request's Origin when it is listed. */
static void
cors_origin_header(struct mctx *c, cJSON *params, const char **names,
    size_t *nnames, const struct manifest_cors *cors)
{
	static const char key[] =
	    "method.response.header.Access-Control-Allow-Origin";

	if (cors->origin_values.n == 0 || cors->origin_values.v[0]->kind ==
	    NODE_STRING) {
		cors_header(c, params, names, nnames,
		    "Access-Control-Allow-Origin",
		    cors->origins.n > 0 ? cors->origins.v[0] : "*");
		return;
	}
	jtree_add(c->a, params, key, mj_sub_value(c, "'${V}'",
	    cors->origin_values.v[0]));
	names[(*nnames)++] = "Access-Control-Allow-Origin";
}

/* The VTL that echoes a listed Origin: a string, or an Fn::Join when an
 * origin is an intrinsic (CloudFormation puts its value in). */
static cJSON *
cors_origin_template(struct mctx *c, const struct manifest_cors *cors)
{
	cJSON *o, *args, *parts;
	struct buf b = {0};
	size_t i;

	buf_puts(&b, "#set($origin = $input.params().header.get(\"Origin\"))\n#if(");
	if (!cors->has_intrinsic_origin) {
		for (i = 0; i < cors->origins.n; i++)
			buf_printf(&b, "%s$origin == \"%s\"", i ? " || " : "",
			    cors->origins.v[i]);
		buf_puts(&b, ")\n#set($context.responseOverride.header."
		    "Access-Control-Allow-Origin = $origin)\n#end\n");
		return mj_take(c, buf_take(&b));
	}
	o = mj_obj(c);
	args = mj_add_arr(c, o, "Fn::Join");
	jtree_push(args, mj_lit(c, ""));
	parts = mj_arr(c);
	for (i = 0; i < cors->origin_values.n; i++) {
		const struct node *v = cors->origin_values.v[i];

		buf_printf(&b, "%s$origin == \"", i ? " || " : "");
		if (v->kind == NODE_STRING) {
			buf_printf(&b, "%s\"", v->str);
			continue;
		}
		jtree_push(parts, mj_take(c, buf_take(&b)));
		jtree_push(parts, mj_node(c, v));
		buf_puts(&b, "\"");
	}
	buf_puts(&b, ")\n#set($context.responseOverride.header."
	    "Access-Control-Allow-Origin = $origin)\n#end\n");
	jtree_push(parts, mj_take(c, buf_take(&b)));
	jtree_push(args, parts);
	return o;
}

static void
cors_method_add(struct mctx *c, const char *path,
    const struct manifest_route *const *routes, size_t nroutes,
    const struct apath *v, size_t n, cJSON *deps)
{
	const struct manifest_cors *cors = routes[0]->cors;
	static const char hdr[] = "method.response.header.";
	char *id = mstr("ApiMethod", path_id(v, n, path), "Options", NULL);
	char *s, *key, age[32];
	cJSON *props, *integ, *ir, *params, *mr, *mparams, *t;
	struct buf b = {0};
	size_t i;
	const char *names[6];
	size_t nnames = 0;

	mres_add(c, id, "AWS::ApiGateway::Method", routes[0]->key_loc,
	    "the CORS OPTIONS method of path '%s'", path, &props);
	mj_add(props, "RestApiId", mj_ref(c, "Api"));
	mj_add(props, "ResourceId", resource_ref(c, v, n, path));
	mj_add_lit(c, props, "HttpMethod", "OPTIONS");
	mj_add_lit(c, props, "AuthorizationType", "NONE");
	integ = mj_add_obj(c, props, "Integration");
	mj_add_lit(c, integ, "Type", "MOCK");
	t = mj_add_obj(c, integ, "RequestTemplates");
	mj_add_lit(c, t, "application/json", "{\"statusCode\": 200}");
	ir = mj_obj(c);
	mj_add_lit(c, ir, "StatusCode", "200");
	params = mj_add_obj(c, ir, "ResponseParameters");

	if (cors->headers.n > 0)
		join_into(&b, cors->headers.v, cors->headers.n, ",");
	else
		buf_puts(&b, MANIFEST_CORS_DEFAULT_HEADERS);
	s = buf_take(&b);
	cors_header(c, params, names, &nnames, "Access-Control-Allow-Headers", s);
	free(s);
	s = cors_methods(cors, routes, nroutes);
	cors_header(c, params, names, &nnames, "Access-Control-Allow-Methods", s);
	free(s);
	if (cors->credentials)
		cors_header(c, params, names, &nnames,
		    "Access-Control-Allow-Credentials", "true");
	cors_origin_header(c, params, names, &nnames, cors);
	if (cors->max_age >= 0) {
		snprintf(age, sizeof age, "%ld", cors->max_age);
		cors_header(c, params, names, &nnames, "Access-Control-Max-Age", age);
	}
	t = mj_add_obj(c, ir, "ResponseTemplates");
	if (cors->origin_values.n > 1) {
		/* A mock answers with one static value; to allow several
		 * origins the template echoes the request's Origin when it is
		 * one of them (and Vary tells caches that it does). */
		mj_add(t, "application/json", cors_origin_template(c, cors));
		cors_header(c, params, names, &nnames, "Vary", "Origin");
	} else
		mj_add_lit(c, t, "application/json", "");
	jtree_push(mj_add_arr(c, integ, "IntegrationResponses"), ir);

	mr = mj_obj(c);
	mj_add_lit(c, mr, "StatusCode", "200");
	mparams = mj_add_obj(c, mr, "ResponseParameters");
	/* Same order as the integration's parameters, alphabetical. */
	for (i = 0; i < nnames; i++) {
		key = xasprintf("%s%s", hdr, names[i]);
		jtree_add(c->a, mparams, key, jtree_bool(c->a, 1));
		free(key);
	}
	mj_object_sort(params);
	mj_object_sort(mparams);
	jtree_push(mj_add_arr(c, props, "MethodResponses"), mr);
	jtree_push(deps, mj_take(c, id));
}

/* Any node, in the hash: its kind, text and members, depth first. */
static void
fnv_node(struct fnv *f, const struct node *n)
{
	char kind[2] = {(char)('0' + (n ? (int)n->kind : 0)), '\0'};
	size_t i;

	fnv_field(f, kind);
	if (n == NULL)
		return;
	if (n->kind == NODE_SEQ)
		for (i = 0; i < n->n; i++)
			fnv_node(f, n->items[i]);
	else if (n->kind == NODE_MAP)
		for (i = 0; i < n->n; i++) {
			fnv_field(f, n->pairs[i].key->str);
			fnv_node(f, n->pairs[i].value);
		}
	else
		fnv_field(f, n->str ? n->str : "");
}

/* The CORS fields of the first hash, then (when set) the newer ones. */
static void
fnv_cors(struct fnv *f, const struct manifest_cors *cors)
{
	char num[32];
	size_t i;

	for (i = 0; i < cors->origins.n; i++)
		fnv_field(f, cors->origins.v[i]);
	fnv_field(f, "|");
	for (i = 0; i < cors->headers.n; i++)
		fnv_field(f, cors->headers.v[i]);
	fnv_field(f, "|");
	for (i = 0; i < cors->methods.n; i++)
		fnv_field(f, cors->methods.v[i]);
	snprintf(num, sizeof(num), "%ld", cors->max_age);
	fnv_field(f, num);
	if (cors->credentials || cors->has_intrinsic_origin) {
		fnv_field(f, cors->credentials ? "credentials" : "-");
		for (i = 0; i < cors->origin_values.n; i++)
			fnv_node(f, cors->origin_values.v[i]);
	}
}

/*
 * What issue 15 added to a route, only when present, so the deployment of
 * a manifest without these keeps its logical ID.
 */
static void
fnv_route_extras(struct fnv *f, const struct manifest_api *api,
    const struct manifest_route *r)
{
	size_t i;

	if (r->authorizer)
		fnv_field(f, r->authorizer->name);
	for (i = 0; i < r->scopes.n; i++)
		fnv_field(f, r->scopes.v[i]);
	if (r->api_key)
		fnv_field(f, "api-key");
	for (i = 0; i < r->nmodels; i++) {
		fnv_field(f, r->models[i].content_type);
		fnv_field(f, r->models[i].model ? r->models[i].model->name : "");
	}
	for (i = 0; i < r->required_params.n; i++)
		fnv_field(f, r->required_params.v[i]);
	if (r->validate_body || r->validate_params)
		fnv_field(f, r->validate_body ? r->validate_params ? "va" :
		    "vb" : "vp");
	if (r->cors != (api->cors.enabled ? &api->cors : NULL)) {
		fnv_field(f, r->cors ? "own-cors" : "no-cors");
		if (r->cors)
			fnv_cors(f, r->cors);
	}
}

/* The authorizers and models, only when there are some. */
static void
fnv_api_extras(struct fnv *f, const struct manifest_api *api)
{
	char num[32];
	size_t i;

	for (i = 0; i < api->nauthorizers; i++) {
		const struct manifest_authorizer *z = &api->authorizers[i];

		fnv_field(f, z->name);
		fnv_node(f, z->node);
		snprintf(num, sizeof(num), "%ld", z->ttl);
		fnv_field(f, num);
	}
	for (i = 0; i < api->nmodels; i++) {
		fnv_field(f, api->models[i].name);
		fnv_node(f, api->models[i].schema);
	}
}

/* What a deployment snapshots, hashed: 12 hex digits. */
static void
deployment_hash(const struct manifest_api *api, char out[13])
{
	struct fnv f = {14695981039346656037ULL};
	char hex[17];
	size_t i;

	fnv_field(&f, "spartac-api-1");
	for (i = 0; i < api->nroutes; i++) {
		const struct manifest_route *r = api->routes_sorted[i];

		fnv_field(&f, r->method_name);
		fnv_field(&f, r->path);
		fnv_field(&f, r->function->name);
		fnv_field(&f, r->authorization == MANIFEST_AUTH_AWS_IAM ?
		    "AWS_IAM" : "NONE");
		fnv_route_extras(&f, api, r);
	}
	fnv_field(&f, api->cors.enabled ? "cors" : "no-cors");
	if (api->cors.enabled)
		fnv_cors(&f, &api->cors);
	fnv_field(&f, "|");
	for (i = 0; i < api->binary_media_types.n; i++)
		fnv_field(&f, api->binary_media_types.v[i]);
	fnv_api_extras(&f, api);
	fnv_hex(&f, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

/* One invoke permission per function the API serves, in manifest order. */
static void
api_permissions(struct mctx *c, const unsigned char *served)
{
	size_t fi;
	char *id;

	for (fi = 0; fi < c->m->nfunctions; fi++) {
		const struct manifest_function *f = &c->m->functions[fi];

		if (!served[fi])
			continue;
		id = mstr(f->id, "ApiPermission", NULL);
		mapi_permission(c, id, f, f->key_loc,
		    "the API's invoke permission of function '%s'", f->name,
		    mj_subs(c, "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
		    "${AWS::AccountId}:${Api}/*", NULL));
		free(id);
	}
}

/* The resources of the path prefixes, then the methods of each path (and
 * its CORS preflight); the methods' IDs go to deps. */
static void
rest_tree(struct mctx *c, const struct apath *v, size_t n, cJSON *deps)
{
	const struct manifest_api *api = c->m->api;
	cJSON *props;
	size_t i, j;
	char *id;

	for (i = 0; i < n; i++) {
		id = mstr("ApiResource", v[i].id, NULL);
		mres_add(c, id, "AWS::ApiGateway::Resource", api->loc,
		    "an API resource (a path prefix of the routes)", NULL, &props);
		mj_add(props, "ParentId", v[i].parent == (size_t)-1 ?
		    mj_getatt(c, "Api", "RootResourceId") :
		    resource_ref(c, v, n, v[v[i].parent].path));
		mj_add_str(c, props, "PathPart", strrchr(v[i].path, '/') + 1);
		mj_add(props, "RestApiId", mj_ref(c, "Api"));
		free(id);
	}
	for (i = 0; i < api->nroutes; i = j) {
		const struct manifest_route *const *group = &api->routes_sorted[i];
		int has_options = 0;

		for (j = i; j < api->nroutes &&
		    strcmp(api->routes_sorted[j]->path, group[0]->path) == 0; j++) {
			proxy_method_add(c, api->routes_sorted[j], v, n, deps);
			if (api->routes_sorted[j]->method == MANIFEST_HTTP_OPTIONS)
				has_options = 1;
		}
		/* The checks made the CORS of one path's routes agree. */
		if (group[0]->cors != NULL && !has_options)
			cors_method_add(c, group[0]->path, group, j - i, v, n, deps);
	}
}

static void
rest_api(struct mctx *c)
{
	const struct manifest_api *api = c->m->api;
	struct apath *v;
	size_t n, i;
	cJSON *props, *res, *deps, *o;
	char *id, hash[13];
	const char *endpoint;

	mres_add(c, "Api", "AWS::ApiGateway::RestApi", api->loc, "the REST API",
	    NULL, &props);
	mj_add_str(c, props, "Name", api->name);
	if (api->description != NULL)
		mj_add_str(c, props, "Description", api->description);
	endpoint = api->endpoint == MANIFEST_ENDPOINT_REGIONAL ? "REGIONAL" :
	    api->endpoint == MANIFEST_ENDPOINT_PRIVATE ? "PRIVATE" : "EDGE";
	o = mj_add_obj(c, props, "EndpointConfiguration");
	mj_add(o, "Types", mj_strings(c, &endpoint, 1));
	if (api->binary_media_types.n > 0)
		mj_add(props, "BinaryMediaTypes",
		    mj_strings(c, api->binary_media_types.v, api->binary_media_types.n));
	if (api->nroutes == 0)
		return; /* a deployment needs at least one method */

	mapi_rest_authorizers(c, api);
	mapi_rest_models(c, api);
	v = apaths_collect(api, &n);
	deps = mj_arr(c);
	rest_tree(c, v, n, deps);

	deployment_hash(api, hash);
	id = xasprintf("ApiDeployment%s", hash);
	res = mres_add(c, id, "AWS::ApiGateway::Deployment", api->loc,
	    "the API deployment", NULL, &props);
	mj_add_str(c, props, "Description", hash);
	mj_add(props, "RestApiId", mj_ref(c, "Api"));
	/* A deployment snapshots the methods, so it must come after them. */
	mj_add(res, "DependsOn", deps);

	mres_add(c, "ApiStage", "AWS::ApiGateway::Stage", api->loc,
	    "the API stage", NULL, &props);
	mj_add(props, "DeploymentId", mj_ref_take(c, id));
	mapi_rest_stage(c, api, props);
	mj_add(props, "RestApiId", mj_ref(c, "Api"));
	mj_add_lit(c, props, "StageName", api->stage);
	mapi_rest_keys(c, api);
	mapi_domain(c, api);

	mid_claim_output(c, MARSHAL_OUTPUT_API_URL, api->loc, "the API URL output",
	    NULL);
	o = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_API_URL, mj_obj(c));
	mj_add_lit(c, o, "Description", "The API's invoke URL");
	mj_add(o, "Value", mj_sub(c, "https://${Api}.execute-api."
	    "${AWS::Region}.${AWS::URLSuffix}/${ApiStage}/"));

	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].id);
	}
	free(v);
}

void
marshal_api(struct mctx *c)
{
	const struct manifest_api *api = c->m->api;
	unsigned char *served;
	size_t k;

	if (api == NULL)
		return;
	served = xcalloc(c->m->nfunctions + 1, 1);
	for (k = 0; k < api->nroutes; k++)
		served[api->routes[k].function - c->m->functions] = 1;
	if (api->kind == MANIFEST_API_HTTP)
		marshal_api_http(c, served);
	else
		rest_api(c);
	if (api->nroutes > 0)
		api_permissions(c, served);
	free(served);
}
