/*
 * http.c - API Gateway events: proxy requests of payload 1.0 and 2.0
 * through the same getters, cookies, Lambda authorizer events and their
 * responses, and the runtime's side of CORS (base/cors.c decides the
 * headers, as it does for `spartac serve`).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cors.h"
#include "runtime.h"

static const char *
str_or(const struct sparta_json *v, const char *dflt)
{
	const char *s = sparta_json_string(v, NULL);

	return s ? s : dflt;
}

static int
is_v2(const struct sparta_json *ev)
{
	const char *v = sparta_json_string(sparta_json_get(ev, "version"), NULL);

	return v != NULL && strcmp(v, "2.0") == 0;
}

/* Method, path, route, headers, query, path parameters, cookies; 0 or -1. */
static int
http_fill(struct sparta_context *ctx, const struct sparta_json *ev,
    struct sparta_http_request *req)
{
	const struct sparta_json *http;
	const char *s;

	memset(req, 0, sizeof(*req));
	req->ctx = ctx;
	req->event = ev;
	req->body = "";
	http = sparta_json_get(sparta_json_get(ev, "requestContext"), "http");
	if (is_v2(ev) && http != NULL) {
		req->version = 2;
		req->method = str_or(sparta_json_get(http, "method"), NULL);
		req->path = str_or(sparta_json_get(ev, "rawPath"),
		    str_or(sparta_json_get(http, "path"), NULL));
		s = str_or(sparta_json_get(ev, "routeKey"), "");
		/* "GET /items/{id}" -> "/items/{id}" */
		req->route = strchr(s, ' ') ? strchr(s, ' ') + 1 : s;
		req->cookies = sparta_json_get(ev, "cookies");
	} else {
		req->version = 1;
		req->method = str_or(sparta_json_get(ev, "httpMethod"), NULL);
		req->path = str_or(sparta_json_get(ev, "path"), NULL);
		req->route = str_or(sparta_json_get(ev, "resource"), "");
	}
	req->headers = sparta_json_get(ev, "headers");
	req->query = sparta_json_get(ev, "queryStringParameters");
	req->params = sparta_json_get(ev, "pathParameters");
	if (req->method == NULL || req->path == NULL)
		return -1;
	if (ctx != NULL && ctx->priv != NULL) {
		ctx->priv->http_version = req->version;
		ctx->priv->origin = sparta_http_header(req, "Origin");
	}
	return 0;
}

int
sparta_http_parse(struct sparta_context *ctx, const char *event, size_t len,
    struct sparta_http_request *req)
{
	const struct sparta_json *ev;
	const unsigned char *raw;
	const char *s;
	size_t n;

	memset(req, 0, sizeof(*req));
	if ((ev = sparta_json_parse(ctx, event, len)) == NULL ||
	    sparta_json_type(ev) != SPARTA_JSON_OBJECT ||
	    http_fill(ctx, ev, req) < 0)
		return -1;
	req->body_base64 = sparta_json_bool(sparta_json_get(ev, "isBase64Encoded")) == 1;
	if ((s = sparta_json_string(sparta_json_get(ev, "body"), &n)) == NULL) {
		req->body_base64 = 0;
	} else if (req->body_base64) {
		if ((raw = sparta_base64_decode(ctx, s, n, &req->body_len)) == NULL)
			return -1;
		req->body = (const char *)raw;
	} else {
		req->body = s;
		req->body_len = n;
	}
	return 0;
}

/* The last member of obj named name, case-insensitively, or NULL. */
static const struct sparta_json *
get_nocase(const struct sparta_json *obj, const char *name)
{
	const char *key;
	size_t i;

	for (i = sparta_json_count(obj); i-- > 0;) {
		key = sparta_json_key_at(obj, i);
		if (key != NULL && strcasecmp(key, name) == 0)
			return sparta_json_at(obj, i);
	}
	return NULL;
}

const char *
sparta_http_header(const struct sparta_http_request *req, const char *name)
{
	const struct sparta_json *v, *multi;

	if (req == NULL || name == NULL)
		return NULL;
	if ((v = get_nocase(req->headers, name)) != NULL)
		return sparta_json_string(v, NULL);
	/* 1.0: a header only in multiValueHeaders (the last value, as headers) */
	multi = get_nocase(sparta_json_get(req->event, "multiValueHeaders"), name);
	if (sparta_json_count(multi) == 0)
		return NULL;
	return sparta_json_string(sparta_json_at(multi,
	    sparta_json_count(multi) - 1), NULL);
}

const char *
sparta_http_query(const struct sparta_http_request *req, const char *name)
{
	return req ? sparta_json_string(sparta_json_get(req->query, name), NULL) : NULL;
}

const char *
sparta_http_path_param(const struct sparta_http_request *req, const char *name)
{
	return req ? sparta_json_string(sparta_json_get(req->params, name), NULL) : NULL;
}

/*
 * Looks for name=value among "a=1; b=2" pairs (sep ';') or one "a=1" item;
 * the value in the arena, or NULL.
 */
static const char *
cookie_find(struct sparta_context *ctx, const char *s, const char *name)
{
	size_t nlen = strlen(name), vlen;
	const char *e, *v;
	char *out;

	while (s != NULL && *s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		e = strchr(s, ';');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) > nlen && strncmp(s, name, nlen) == 0 &&
		    s[nlen] == '=') {
			v = s + nlen + 1;
			vlen = (size_t)(e - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			out = sparta_alloc(ctx, vlen + 1);
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
		s = e;
	}
	return NULL;
}

const char *
sparta_http_cookie(const struct sparta_http_request *req, const char *name)
{
	const char *v;
	size_t i;

	if (req == NULL || name == NULL || *name == '\0' || req->ctx == NULL)
		return NULL;
	for (i = 0; i < sparta_json_count(req->cookies); i++) {
		v = cookie_find(req->ctx,
		    sparta_json_string(sparta_json_at(req->cookies, i), NULL), name);
		if (v != NULL)
			return v;
	}
	return cookie_find(req->ctx, sparta_http_header(req, "Cookie"), name);
}

/* ---- the runtime's side of a proxy response ---- */

static const char *
env_or_null(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

void
rt_http_finish(struct sparta_response *res, struct sparta_context *ctx,
    const char *event, size_t len)
{
	struct sparta_http_request req;
	struct cors_config cfg;
	struct cors_headers h;
	const char *origins = env_or_null("SPARTA_CORS_ORIGINS");
	size_t i;

	if (ctx->priv->http_version == 0 &&
	    (origins != NULL || res->cookies.len > 0) &&
	    sparta_http_parse(ctx, event, len, &req) < 0)
		ctx->priv->http_version = 1;
	res->version = ctx->priv->http_version == 2 ? 2 : 1;
	if (origins == NULL || res->has_cors)
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.origins = origins;
	cfg.expose_headers = env_or_null("SPARTA_CORS_EXPOSE");
	cfg.credentials = env_or_null("SPARTA_CORS_CREDENTIALS") != NULL &&
	    strcmp(getenv("SPARTA_CORS_CREDENTIALS"), "true") == 0;
	cfg.max_age = -1;
	cors_actual(&cfg, ctx->priv->origin, &h);
	for (i = 0; i < h.n; i++) {
		if (res->has_vary && strcmp(h.name[i], "Vary") == 0)
			continue;
		if (res->headers.len > 0)
			rt_buf_putc(&res->headers, ',');
		rt_json_escape(&res->headers, h.name[i], strlen(h.name[i]));
		rt_buf_putc(&res->headers, ':');
		rt_json_escape(&res->headers, h.value[i], h.value_len[i]);
	}
}

/* ---- Lambda authorizers ---- */

int
sparta_authorizer_parse(struct sparta_context *ctx, const char *event,
    size_t len, struct sparta_authorizer_request *req)
{
	const struct sparta_json *ev;
	const char *type;

	memset(req, 0, sizeof(*req));
	if ((ev = sparta_json_parse(ctx, event, len)) == NULL ||
	    sparta_json_type(ev) != SPARTA_JSON_OBJECT)
		return -1;
	type = str_or(sparta_json_get(ev, "type"), "");
	req->http.event = ev;
	req->http.ctx = ctx;
	req->http.body = "";
	if (strcmp(type, "TOKEN") == 0) {
		req->type = SPARTA_AUTHORIZER_TOKEN;
		req->token = str_or(sparta_json_get(ev, "authorizationToken"), NULL);
		req->method_arn = str_or(sparta_json_get(ev, "methodArn"), "");
		return req->token != NULL ? 0 : -1;
	}
	if (strcmp(type, "REQUEST") != 0)
		return -1;
	if (is_v2(ev)) {
		req->type = SPARTA_AUTHORIZER_REQUEST_V2;
		req->method_arn = str_or(sparta_json_get(ev, "routeArn"), "");
	} else {
		req->type = SPARTA_AUTHORIZER_REQUEST;
		req->method_arn = str_or(sparta_json_get(ev, "methodArn"), "");
	}
	/* A REQUEST event without method or path is still one (tests, odd
	 * payloads): the getters work on what is there. */
	(void)http_fill(ctx, ev, &req->http);
	req->token = sparta_http_header(&req->http, "Authorization");
	return 0;
}

const char *
sparta_authorizer_any(struct sparta_context *ctx, const char *method_arn)
{
	const char *colon, *slash;
	char *out;
	size_t n;

	if (method_arn == NULL)
		return NULL;
	/* arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH */
	colon = strrchr(method_arn, ':');
	slash = colon ? strchr(colon, '/') : NULL;
	slash = slash ? strchr(slash + 1, '/') : NULL;
	if (slash == NULL)
		return method_arn;
	n = (size_t)(slash - method_arn) + 1;
	out = sparta_alloc(ctx, n + 2);
	memcpy(out, method_arn, n);
	memcpy(out + n, "*", 2);
	return out;
}

static int
context_write(struct sparta_response *res, const char *const *context)
{
	size_t i;

	if (context == NULL)
		return 0;
	sparta_write_key(res, "context");
	sparta_write_object_begin(res);
	for (i = 0; context[i] != NULL && context[i + 1] != NULL; i += 2) {
		sparta_write_key(res, context[i]);
		sparta_write_string(res, context[i + 1]);
	}
	return sparta_write_object_end(res);
}

int
sparta_authorizer_policy(struct sparta_response *res,
    const struct sparta_policy *p)
{
	if (p == NULL || p->principal_id == NULL || p->resource == NULL)
		return sparta_error(res, "Runtime.InvalidPolicy",
		    "an authorizer policy needs a principal_id and a resource");
	sparta_write_object_begin(res);
	sparta_write_key(res, "principalId");
	sparta_write_string(res, p->principal_id);
	sparta_write_key(res, "policyDocument");
	sparta_write_object_begin(res);
	sparta_write_key(res, "Version");
	sparta_write_string(res, "2012-10-17");
	sparta_write_key(res, "Statement");
	sparta_write_array_begin(res);
	sparta_write_object_begin(res);
	sparta_write_key(res, "Action");
	sparta_write_string(res, "execute-api:Invoke");
	sparta_write_key(res, "Effect");
	sparta_write_string(res, p->allow ? "Allow" : "Deny");
	sparta_write_key(res, "Resource");
	sparta_write_string(res, p->resource);
	sparta_write_object_end(res);
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	context_write(res, p->context);
	if (p->usage_key != NULL) {
		sparta_write_key(res, "usageIdentifierKey");
		sparta_write_string(res, p->usage_key);
	}
	return sparta_write_object_end(res);
}

int
sparta_authorizer_simple(struct sparta_response *res, int authorized,
    const char *const *context)
{
	sparta_write_object_begin(res);
	sparta_write_key(res, "isAuthorized");
	sparta_write_bool(res, authorized != 0);
	context_write(res, context);
	return sparta_write_object_end(res);
}
