/*
 * marshal_api_http.c - an HTTP API (API Gateway v2, api.type: http): the
 * Api with its native CORS configuration, one AWS_PROXY integration per
 * function (payload format 2.0), one route per manifest route, JWT and
 * Lambda REQUEST authorizers, a stage that deploys itself (AutoDeploy, no
 * Deployment resource), the custom domain with its API mapping, the
 * invoke permissions and the URL output.
 *
 * API Gateway answers an HTTP API's preflights and adds the CORS headers
 * itself, so the functions get no SPARTA_CORS_* variables.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

static void
http_cors(struct mctx *c, const struct manifest_api *api, cJSON *props)
{
	const struct manifest_cors *cors = &api->cors;
	cJSON *o = mj_add_obj(c, props, "CorsConfiguration"), *arr;
	size_t i;

	if (cors->credentials)
		mj_add_bool(c, o, "AllowCredentials", 1);
	mj_add(o, "AllowHeaders", mj_strings(c, cors->headers.v,
	    cors->headers.n));
	if (cors->methods.n > 0)
		mj_add(o, "AllowMethods", mj_strings(c, cors->methods.v,
		    cors->methods.n));
	else {
		static const char *const any = "*";

		mj_add(o, "AllowMethods", mj_strings(c, &any, 1));
	}
	arr = mj_add_arr(c, o, "AllowOrigins");
	if (cors->origin_values.n > 0)
		for (i = 0; i < cors->origin_values.n; i++)
			jtree_push(arr, mj_node(c, cors->origin_values.v[i]));
	else
		for (i = 0; i < cors->origins.n; i++)
			jtree_push(arr, mj_lit(c, cors->origins.v[i]));
	if (cors->expose_headers.n > 0)
		mj_add(o, "ExposeHeaders", mj_strings(c, cors->expose_headers.v,
		    cors->expose_headers.n));
	if (cors->max_age >= 0)
		mj_add_num(c, o, "MaxAge", (double)cors->max_age);
}

static void
http_authorizers(struct mctx *c, const struct manifest_api *api)
{
	size_t i, j;

	for (i = 0; i < api->nauthorizers; i++) {
		const struct manifest_authorizer *z = &api->authorizers[i];
		char *id = mstr("ApiAuthorizer", z->name, NULL);
		cJSON *props, *jwt, *aud;

		mres_add(c, id, "AWS::ApiGatewayV2::Authorizer", z->key_loc,
		    "authorizer '%s'", z->name, &props);
		mj_add(props, "ApiId", mj_ref(c, "Api"));
		mj_add_lit(c, props, "Name", z->name);
		if (z->identity.n > 0)
			mj_add(props, "IdentitySource",
			    mapi_identity(c, z, MANIFEST_API_HTTP));
		if (z->kind == MANIFEST_AUTH_JWT) {
			mj_add_lit(c, props, "AuthorizerType", "JWT");
			jwt = mj_add_obj(c, props, "JwtConfiguration");
			aud = mj_add_arr(c, jwt, "Audience");
			for (j = 0; j < z->audience.n; j++)
				jtree_push(aud, mj_node(c, z->audience.v[j]));
			if (z->issuer != NULL)
				mj_add(jwt, "Issuer", mj_node(c, z->issuer));
		} else if (z->function != NULL) {
			/* (a token or cognito authorizer here was refused) */
			mj_add_lit(c, props, "AuthorizerType", "REQUEST");
			mj_add_lit(c, props, "AuthorizerPayloadFormatVersion",
			    "2.0");
			mj_add_num(c, props, "AuthorizerResultTtlInSeconds",
			    (double)z->ttl);
			mj_add(props, "AuthorizerUri",
			    mapi_lambda_uri(c, z->function));
			mj_add_bool(c, props, "EnableSimpleResponses",
			    z->simple_responses);
			mapi_authorizer_permission(c, z, id);
		}
		free(id);
	}
}

static void
http_route(struct mctx *c, const struct manifest_route *r)
{
	static const char *const types[] = {
		[MANIFEST_AUTH_NONE] = "NONE",
		[MANIFEST_AUTH_AWS_IAM] = "AWS_IAM",
		[MANIFEST_AUTH_TOKEN] = "CUSTOM", /* refused by the checks */
		[MANIFEST_AUTH_REQUEST] = "CUSTOM",
		[MANIFEST_AUTH_COGNITO] = "JWT", /* refused by the checks */
		[MANIFEST_AUTH_JWT] = "JWT",
	};
	char *pid = mid_path(r->path);
	char *id = mstr("ApiRoute", pid, mid_method(r->method_name), NULL);
	cJSON *props;

	mres_add(c, id, "AWS::ApiGatewayV2::Route", r->key_loc, "route '%s'",
	    r->key, &props);
	mj_add(props, "ApiId", mj_ref(c, "Api"));
	mj_add_lit(c, props, "AuthorizationType", types[r->authorization]);
	if (r->authorizer != NULL)
		mj_add(props, "AuthorizerId", mj_ref_take(c,
		    mstr("ApiAuthorizer", r->authorizer->name, NULL)));
	if (r->scopes.n > 0 && r->authorization == MANIFEST_AUTH_JWT)
		mj_add(props, "AuthorizationScopes",
		    mj_strings(c, r->scopes.v, r->scopes.n));
	mj_add_lit(c, props, "RouteKey", r->key);
	mj_add(props, "Target", mj_subs(c, "integrations/${", r->function->id,
	    "ApiIntegration}", NULL));
	free(id);
	free(pid);
}

void
marshal_api_http(struct mctx *c, const unsigned char *served)
{
	const struct manifest_api *api = c->m->api;
	cJSON *props, *o, *rs;
	size_t i;

	mres_add(c, "Api", "AWS::ApiGatewayV2::Api", api->loc, "the HTTP API",
	    NULL, &props);
	if (api->cors.enabled)
		http_cors(c, api, props);
	if (api->description != NULL)
		mj_add_str(c, props, "Description", api->description);
	mj_add_str(c, props, "Name", api->name);
	mj_add_lit(c, props, "ProtocolType", "HTTP");

	for (i = 0; i < c->m->nfunctions; i++) {
		const struct manifest_function *f = &c->m->functions[i];
		char *fid, *id;

		if (!served[i])
			continue;
		fid = marshal_function_id(f);
		id = mstr(f->id, "ApiIntegration", NULL);
		mres_add(c, id, "AWS::ApiGatewayV2::Integration", f->key_loc,
		    "the HTTP API integration of function '%s'", f->name, &props);
		mj_add(props, "ApiId", mj_ref(c, "Api"));
		mj_add_lit(c, props, "IntegrationType", "AWS_PROXY");
		mj_add(props, "IntegrationUri", mj_getatt(c, fid, "Arn"));
		mj_add_lit(c, props, "PayloadFormatVersion", "2.0");
		free(id);
		free(fid);
	}
	http_authorizers(c, api);
	for (i = 0; i < api->nroutes; i++)
		http_route(c, api->routes_sorted[i]);

	mres_add(c, "ApiStage", "AWS::ApiGatewayV2::Stage", api->loc,
	    "the API stage", NULL, &props);
	if (api->access_log.enabled)
		mj_add(props, "AccessLogSettings", mapi_access_log(c, api));
	mj_add(props, "ApiId", mj_ref(c, "Api"));
	mj_add_bool(c, props, "AutoDeploy", 1);
	if (api->throttle.set) {
		rs = mj_add_obj(c, props, "DefaultRouteSettings");
		mj_add_num(c, rs, "ThrottlingBurstLimit",
		    (double)api->throttle.burst);
		mj_add_num(c, rs, "ThrottlingRateLimit", api->throttle.rate);
	}
	mj_add_lit(c, props, "StageName", api->stage);
	mapi_domain(c, api);

	mid_claim_output(c, MARSHAL_OUTPUT_API_URL, api->loc, "the API URL output",
	    NULL);
	o = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_API_URL, mj_obj(c));
	mj_add_lit(c, o, "Description", "The API's invoke URL");
	if (strcmp(api->stage, MANIFEST_DEFAULT_HTTP_STAGE) == 0)
		mj_add(o, "Value", mj_sub(c, "${Api.ApiEndpoint}/"));
	else
		mj_add(o, "Value", mj_subs(c, "${Api.ApiEndpoint}/", api->stage,
		    "/", NULL));
}
