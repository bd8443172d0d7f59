/*
 * marshal_api_auth.c - what the REST API (marshal_api_rest.c) and the HTTP
 * API (marshal_api_http.c) share: the identity sources of an authorizer in
 * each API's spelling, the permission that lets API Gateway invoke a
 * Lambda authorizer (scoped to that authorizer's ARN), the access-log
 * group, the CORS variables of the functions, and the Lambda integration
 * URI.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

/* The spelling of one identity source "kind:name" for each API kind. */
static char *
identity_one(const char *src, enum manifest_api_kind kind)
{
	static const struct {
		const char *prefix, *rest, *http;
	} map[] = {
		{"header:", "method.request.header.", "$request.header."},
		{"query:", "method.request.querystring.", "$request.querystring."},
		{"stage:", "stageVariables.", "$stageVariables."},
		{"context:", "context.", "$context."},
	};
	size_t i, n;

	for (i = 0; i < NELEM(map); i++) {
		n = strlen(map[i].prefix);
		if (strncmp(src, map[i].prefix, n) == 0)
			return mstr(kind == MANIFEST_API_REST ? map[i].rest :
			    map[i].http, src + n, NULL);
	}
	return xstrdup(src);
}

cJSON *
mapi_identity(struct mctx *c, const struct manifest_authorizer *z,
    enum manifest_api_kind kind)
{
	struct buf b = {0};
	cJSON *arr;
	size_t i;

	if (kind == MANIFEST_API_HTTP) {
		arr = mj_arr(c);
		for (i = 0; i < z->identity.n; i++)
			jtree_push(arr, mj_take(c, identity_one(z->identity.v[i],
			    kind)));
		return arr;
	}
	/* A REST authorizer takes one string, the sources comma-separated. */
	for (i = 0; i < z->identity.n; i++) {
		char *s = identity_one(z->identity.v[i], kind);

		buf_printf(&b, "%s%s", i ? ", " : "", s);
		free(s);
	}
	return mj_take(c, buf_take(&b));
}

cJSON *
mapi_lambda_uri(struct mctx *c, const struct manifest_function *f)
{
	char *fid = marshal_function_id(f);
	cJSON *v = mj_subs(c, "arn:${AWS::Partition}:apigateway:"
	    "${AWS::Region}:lambda:path/2015-03-31/functions/${", fid,
	    ".Arn}/invocations", NULL);

	free(fid);
	return v;
}

void
mapi_permission(struct mctx *c, const char *id,
    const struct manifest_function *f, struct loc loc, const char *what,
    const char *name, cJSON *source_arn)
{
	char *fid = marshal_function_id(f);
	cJSON *props;

	mres_add(c, id, "AWS::Lambda::Permission", loc, what, name, &props);
	mj_add_lit(c, props, "Action", "lambda:InvokeFunction");
	mj_add(props, "FunctionName", mj_getatt(c, fid, "Arn"));
	mj_add_lit(c, props, "Principal", "apigateway.amazonaws.com");
	mj_add(props, "SourceArn", source_arn);
	free(fid);
}

void
mapi_authorizer_permission(struct mctx *c, const struct manifest_authorizer *z,
    const char *zid)
{
	char *id = mstr(zid, "Permission", NULL);

	mapi_permission(c, id, z->function, z->key_loc,
	    "the invoke permission of authorizer '%s'", z->name,
	    mj_subs(c, "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
	    "${AWS::AccountId}:${Api}/authorizers/${", zid, "}", NULL));
	free(id);
}

/* The default access-log line: JSON with the usual fields of each kind. */
static const char rest_log_format[] =
    "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
    "\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\","
    "\"resourcePath\":\"$context.resourcePath\",\"status\":\"$context.status\","
    "\"protocol\":\"$context.protocol\",\"responseLength\":\"$context.responseLength\"}";
static const char http_log_format[] =
    "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
    "\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\","
    "\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","
    "\"protocol\":\"$context.protocol\",\"responseLength\":\"$context.responseLength\"}";

cJSON *
mapi_access_log(struct mctx *c, const struct manifest_api *api)
{
	cJSON *props, *set = mj_obj(c);

	mres_add(c, "ApiAccessLogs", "AWS::Logs::LogGroup", api->access_log.loc,
	    "the API's access-log group", NULL, &props);
	mj_add_num(c, props, "RetentionInDays", (double)api->access_log.retention);
	mj_add(set, "DestinationArn", mj_getatt(c, "ApiAccessLogs", "Arn"));
	mj_add_lit(c, set, "Format", api->access_log.format ?
	    api->access_log.format : api->kind == MANIFEST_API_HTTP ?
	    http_log_format : rest_log_format);
	return set;
}

/* The first REST route of f with CORS on, or NULL: the table of them is
 * made on first use (a look through the routes per function would make
 * the build quadratic). */
static const struct manifest_route *
cors_route_of(struct mctx *c, const struct manifest_function *f)
{
	const struct manifest *m = c->m;
	const struct manifest_route *r;
	size_t i;

	if (m->api == NULL || m->api->kind != MANIFEST_API_REST)
		return NULL;
	if (c->cors_routes == NULL) {
		c->cors_routes = xcalloc(m->nfunctions + 1,
		    sizeof(*c->cors_routes));
		for (i = m->api->nroutes; i-- > 0;) {
			r = &m->api->routes[i];
			if (r->cors && r->function >= m->functions &&
			    r->function < m->functions + m->nfunctions)
				c->cors_routes[r->function - m->functions] = r;
		}
	}
	return f >= m->functions && f < m->functions + m->nfunctions ?
	    c->cors_routes[f - m->functions] : NULL;
}

cJSON *
mapi_cors_origins(struct mctx *c, const struct manifest_cors *cors)
{
	cJSON *o, *args, *list;
	struct buf b = {0};
	size_t i;

	if (!cors->has_intrinsic_origin) {
		for (i = 0; i < cors->origins.n; i++)
			buf_printf(&b, "%s%s", i ? "," : "", cors->origins.v[i]);
		return mj_take(c, buf_take(&b));
	}
	o = mj_obj(c);
	args = mj_add_arr(c, o, "Fn::Join");
	jtree_push(args, mj_lit(c, ","));
	list = mj_arr(c);
	for (i = 0; i < cors->origin_values.n; i++)
		jtree_push(list, mj_node(c, cors->origin_values.v[i]));
	jtree_push(args, list);
	return o;
}

void
marshal_api_cors_env(struct mctx *c, const struct manifest_function *f,
    cJSON *vars)
{
	const struct manifest_route *r = cors_route_of(c, f);
	struct buf b = {0};
	size_t i;

	if (r == NULL)
		return;
	mj_add(vars, "SPARTA_CORS_ORIGINS", mapi_cors_origins(c, r->cors));
	if (r->cors->credentials)
		mj_add_lit(c, vars, "SPARTA_CORS_CREDENTIALS", "true");
	if (r->cors->expose_headers.n == 0)
		return;
	for (i = 0; i < r->cors->expose_headers.n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", r->cors->expose_headers.v[i]);
	mj_add(vars, "SPARTA_CORS_EXPOSE", mj_take(c, buf_take(&b)));
}
