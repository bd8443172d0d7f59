/*
 * marshal_api_rest.c - the REST API's parts beyond its resource tree and
 * proxy methods (marshal_api.c): authorizers (Lambda TOKEN and REQUEST,
 * Cognito user pools) with the invoke permission of each Lambda one, a
 * method's authorization, API key and request validation, the request
 * models and validators, API keys and usage plans, the stage's throttling
 * and access log, and the custom domain with its base-path mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

static const char *
rest_authorizer_type(enum manifest_authorization k)
{
	return k == MANIFEST_AUTH_TOKEN ? "TOKEN" :
	    k == MANIFEST_AUTH_COGNITO ? "COGNITO_USER_POOLS" : "REQUEST";
}

void
mapi_rest_authorizers(struct mctx *c, const struct manifest_api *api)
{
	size_t i, j;

	for (i = 0; i < api->nauthorizers; i++) {
		const struct manifest_authorizer *z = &api->authorizers[i];
		char *id = mstr("ApiAuthorizer", z->name, NULL);
		cJSON *props, *arr;

		mres_add(c, id, "AWS::ApiGateway::Authorizer", z->key_loc,
		    "authorizer '%s'", z->name, &props);
		mj_add_lit(c, props, "Name", z->name);
		mj_add(props, "RestApiId", mj_ref(c, "Api"));
		mj_add_lit(c, props, "Type", rest_authorizer_type(z->kind));
		if (z->identity.n > 0)
			mj_add(props, "IdentitySource",
			    mapi_identity(c, z, MANIFEST_API_REST));
		mj_add_num(c, props, "AuthorizerResultTtlInSeconds",
		    (double)z->ttl);
		if (z->kind == MANIFEST_AUTH_COGNITO) {
			arr = mj_add_arr(c, props, "ProviderARNs");
			for (j = 0; j < z->user_pools.n; j++)
				jtree_push(arr, mj_node(c, z->user_pools.v[j]));
		} else if (z->function != NULL) {
			mj_add(props, "AuthorizerUri",
			    mapi_lambda_uri(c, z->function));
			mapi_authorizer_permission(c, z, id);
		}
		free(id);
	}
}

static const char *
validator_id(const struct manifest_route *r)
{
	if (r->validate_body && r->validate_params)
		return "ApiValidatorAll";
	if (r->validate_body)
		return "ApiValidatorBody";
	if (r->validate_params)
		return "ApiValidatorParams";
	return NULL;
}

void
mapi_rest_method(struct mctx *c, const struct manifest_route *r, cJSON *props)
{
	static const char *const types[] = {
		[MANIFEST_AUTH_NONE] = "NONE",
		[MANIFEST_AUTH_AWS_IAM] = "AWS_IAM",
		[MANIFEST_AUTH_TOKEN] = "CUSTOM",
		[MANIFEST_AUTH_REQUEST] = "CUSTOM",
		[MANIFEST_AUTH_COGNITO] = "COGNITO_USER_POOLS",
		[MANIFEST_AUTH_JWT] = "NONE", /* refused by the checks */
	};
	const char *vid = validator_id(r);
	cJSON *o;
	size_t i;

	mj_add_lit(c, props, "AuthorizationType", types[r->authorization]);
	if (r->authorizer != NULL)
		mj_add(props, "AuthorizerId", mj_ref_take(c,
		    mstr("ApiAuthorizer", r->authorizer->name, NULL)));
	if (r->scopes.n > 0 && r->authorization == MANIFEST_AUTH_COGNITO)
		mj_add(props, "AuthorizationScopes",
		    mj_strings(c, r->scopes.v, r->scopes.n));
	if (r->api_key)
		mj_add_bool(c, props, "ApiKeyRequired", 1);
	if (r->nmodels > 0) {
		o = mj_add_obj(c, props, "RequestModels");
		for (i = 0; i < r->nmodels; i++)
			if (r->models[i].model != NULL)
				jtree_add(c->a, o, r->models[i].content_type,
				    mj_ref_take(c, mstr("ApiModel",
				    r->models[i].model->name, NULL)));
	}
	if (r->required_params.n > 0) {
		o = mj_add_obj(c, props, "RequestParameters");
		for (i = 0; i < r->required_params.n; i++) {
			const char *p = r->required_params.v[i];
			char *key = strncmp(p, "query:", 6) == 0 ?
			    mstr("method.request.querystring.", p + 6, NULL) :
			    mstr("method.request.header.", p + 7, NULL);

			jtree_add(c->a, o, key, jtree_bool(c->a, 1));
			free(key);
		}
	}
	if (vid != NULL)
		mj_add(props, "RequestValidatorId", mj_ref(c, vid));
}

/* The models, and the validators the routes use (at most three). */
void
mapi_rest_models(struct mctx *c, const struct manifest_api *api)
{
	static const struct {
		const char *id, *name;
		int body, params;
	} validators[] = {
		{"ApiValidatorAll", "body-and-params", 1, 1},
		{"ApiValidatorBody", "body", 1, 0},
		{"ApiValidatorParams", "params", 0, 1},
	};
	cJSON *props;
	size_t i, k;

	for (i = 0; i < api->nmodels; i++) {
		const struct manifest_model *mo = &api->models[i];
		char *id = mstr("ApiModel", mo->name, NULL);

		mres_add(c, id, "AWS::ApiGateway::Model", mo->key_loc,
		    "model '%s'", mo->name, &props);
		mj_add(props, "RestApiId", mj_ref(c, "Api"));
		mj_add_lit(c, props, "ContentType", "application/json");
		mj_add_lit(c, props, "Name", mo->name);
		mj_add(props, "Schema", mj_node(c, mo->schema));
		free(id);
	}
	for (k = 0; k < NELEM(validators); k++) {
		for (i = 0; i < api->nroutes; i++) {
			const char *vid = validator_id(api->routes_sorted[i]);

			if (vid != NULL && strcmp(vid, validators[k].id) == 0)
				break;
		}
		if (i == api->nroutes)
			continue;
		mres_add(c, validators[k].id, "AWS::ApiGateway::RequestValidator",
		    api->loc, "a request validator", NULL, &props);
		mj_add_lit(c, props, "Name", validators[k].name);
		mj_add(props, "RestApiId", mj_ref(c, "Api"));
		mj_add_bool(c, props, "ValidateRequestBody", validators[k].body);
		mj_add_bool(c, props, "ValidateRequestParameters",
		    validators[k].params);
	}
}

static cJSON *
throttle_obj(struct mctx *c, const struct manifest_throttle *t)
{
	cJSON *o = mj_obj(c);

	mj_add_num(c, o, "BurstLimit", (double)t->burst);
	mj_add_num(c, o, "RateLimit", t->rate);
	return o;
}

static int
has_key(const struct manifest_api *api, const char *name)
{
	size_t i;

	for (i = 0; i < api->api_keys.n; i++)
		if (strcmp(api->api_keys.v[i], name) == 0)
			return 1;
	return 0;
}

/* API keys, usage plans and their keys; after the stage. */
void
mapi_rest_keys(struct mctx *c, const struct manifest_api *api)
{
	cJSON *props, *stage, *o;
	size_t i, j;
	char *id, *kid;

	for (i = 0; i < api->api_keys.n; i++) {
		char *lid = manifest_logical_id(api->api_keys.v[i]);

		id = mstr("ApiKey", lid, NULL);
		mres_add(c, id, "AWS::ApiGateway::ApiKey", api->api_keys.locs[i],
		    "API key '%s'", api->api_keys.v[i], &props);
		mj_add(props, "Name", mj_subs(c, "${AWS::StackName}-",
		    api->api_keys.v[i], NULL));
		mj_add_bool(c, props, "Enabled", 1);
		free(id);
		free(lid);
	}
	for (i = 0; i < api->nusage_plans; i++) {
		const struct manifest_usage_plan *u = &api->usage_plans[i];

		char *pid = manifest_logical_id(u->name);

		id = mstr("ApiUsagePlan", pid, NULL);
		free(pid);
		mres_add(c, id, "AWS::ApiGateway::UsagePlan", u->key_loc,
		    "usage plan '%s'", u->name, &props);
		stage = mj_obj(c);
		mj_add(stage, "ApiId", mj_ref(c, "Api"));
		mj_add(stage, "Stage", mj_ref(c, "ApiStage"));
		jtree_push(mj_add_arr(c, props, "ApiStages"), stage);
		if (u->description)
			mj_add_str(c, props, "Description", u->description);
		if (u->quota_limit != MANIFEST_UNSET) {
			o = mj_add_obj(c, props, "Quota");
			mj_add_num(c, o, "Limit", (double)u->quota_limit);
			if (u->quota_offset > 0)
				mj_add_num(c, o, "Offset", (double)u->quota_offset);
			mj_add_lit(c, o, "Period", u->quota_period);
		}
		if (u->throttle.set)
			mj_add(props, "Throttle", throttle_obj(c, &u->throttle));
		mj_add(props, "UsagePlanName", mj_subs(c, "${AWS::StackName}-",
		    u->name, NULL));
		for (j = 0; j < u->keys.n; j++) {
			char *lid;

			if (!has_key(api, u->keys.v[j]))
				continue; /* reported by the checks */
			lid = manifest_logical_id(u->keys.v[j]);

			kid = mstr(id, "Key", lid, NULL);
			mres_add(c, kid, "AWS::ApiGateway::UsagePlanKey",
			    u->keys.locs[j], "a key of usage plan '%s'", u->name,
			    &props);
			mj_add(props, "KeyId", mj_ref_take(c, mstr("ApiKey", lid,
			    NULL)));
			mj_add_lit(c, props, "KeyType", "API_KEY");
			mj_add(props, "UsagePlanId", mj_ref_take(c, xstrdup(id)));
			free(kid);
			free(lid);
		}
		free(id);
	}
}

/* Throttling and the access log on the stage's properties. */
void
mapi_rest_stage(struct mctx *c, const struct manifest_api *api, cJSON *props)
{
	cJSON *ms;

	if (api->access_log.enabled)
		mj_add(props, "AccessLogSetting", mapi_access_log(c, api));
	if (api->throttle.set) {
		ms = mj_obj(c);
		mj_add_lit(c, ms, "HttpMethod", "*");
		mj_add_lit(c, ms, "ResourcePath", "/*");
		mj_add_num(c, ms, "ThrottlingBurstLimit", (double)api->throttle.burst);
		mj_add_num(c, ms, "ThrottlingRateLimit", api->throttle.rate);
		jtree_push(mj_add_arr(c, props, "MethodSettings"), ms);
	}
}

/* The custom domain, its mapping to the stage, and the DNS target output. */
void
mapi_domain(struct mctx *c, const struct manifest_api *api)
{
	int http = api->kind == MANIFEST_API_HTTP;
	int edge = !http && api->domain.endpoint == MANIFEST_ENDPOINT_EDGE;
	cJSON *props, *o, *conf;
	const char *ep = edge ? "EDGE" : "REGIONAL";

	if (api->domain.name == NULL || api->domain.certificate == NULL)
		return;
	mres_add(c, "ApiDomain", http ? "AWS::ApiGatewayV2::DomainName" :
	    "AWS::ApiGateway::DomainName", api->domain.loc,
	    "the API's custom domain", NULL, &props);
	mj_add(props, "DomainName", mj_node(c, api->domain.name));
	if (http) {
		conf = mj_obj(c);
		mj_add(conf, "CertificateArn", mj_node(c, api->domain.certificate));
		mj_add_lit(c, conf, "EndpointType", "REGIONAL");
		mj_add_lit(c, conf, "SecurityPolicy", "TLS_1_2");
		jtree_push(mj_add_arr(c, props, "DomainNameConfigurations"), conf);
	} else {
		mj_add(props, edge ? "CertificateArn" : "RegionalCertificateArn",
		    mj_node(c, api->domain.certificate));
		o = mj_add_obj(c, props, "EndpointConfiguration");
		mj_add(o, "Types", mj_strings(c, &ep, 1));
		mj_add_lit(c, props, "SecurityPolicy", "TLS_1_2");
	}
	mres_add(c, "ApiDomainMapping", http ? "AWS::ApiGatewayV2::ApiMapping" :
	    "AWS::ApiGateway::BasePathMapping", api->domain.loc,
	    "the API's base-path mapping", NULL, &props);
	mj_add(props, http ? "ApiId" : "RestApiId", mj_ref(c, "Api"));
	if (api->domain.base_path)
		mj_add_lit(c, props, http ? "ApiMappingKey" : "BasePath",
		    api->domain.base_path);
	mj_add(props, "DomainName", mj_ref(c, "ApiDomain"));
	mj_add(props, "Stage", mj_ref(c, "ApiStage"));

	mid_claim_output(c, MARSHAL_OUTPUT_API_DOMAIN_TARGET, api->domain.loc,
	    "the API domain's DNS target output", NULL);
	o = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_API_DOMAIN_TARGET,
	    mj_obj(c));
	mj_add_lit(c, o, "Description",
	    "Where the custom domain's DNS record (CNAME or alias) points");
	mj_add(o, "Value", http ? mj_getatt(c, "ApiDomain", "RegionalDomainName") :
	    mj_getatt(c, "ApiDomain", edge ? "DistributionDomainName" :
	    "RegionalDomainName"));
}
