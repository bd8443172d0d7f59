/*
 * serve_event.c - the Lambda proxy event `spartac serve` hands a function
 * (REST payload 1.0) and the mapping of the function's proxy response back
 * to HTTP, as API Gateway does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "local/emulator.h"
#include "local/serve_int.h"

/* A string that may not be valid UTF-8 goes to JSON as valid UTF-8. */
static int
is_utf8(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			if (s[i] == '\0')
				return 0;
			i++;
			continue;
		}
		if ((k = utf8_seq((const unsigned char *)s + i, n - i, NULL)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

cJSON *
serve_json_text(const char *s)
{
	return is_utf8(s, strlen(s)) ? cJSON_CreateString(s) : cJSON_CreateString("\xef\xbf\xbd");
}

/* Adds value to a {name: value} map and a {name: [values]} map. */
static void
add_multi(cJSON *single, cJSON *multi, const char *name, const char *value)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(multi, name);

	if (arr == NULL) {
		arr = cJSON_AddArrayToObject(multi, name);
	}
	cJSON_AddItemToArray(arr, serve_json_text(value));
	cJSON_DeleteItemFromObjectCaseSensitive(single, name);
	cJSON_AddItemToObject(single, name, serve_json_text(value));
}

static int
media_type_matches(const char *pattern, const char *type)
{
	size_t n;

	if (strcmp(pattern, "*/*") == 0)
		return 1;
	n = strlen(pattern);
	if (n > 2 && strcmp(pattern + n - 2, "/*") == 0)
		return strncasecmp(type, pattern, n - 1) == 0;
	n = strcspn(type, ";");
	while (n > 0 && type[n - 1] == ' ')
		n--;
	return strlen(pattern) == n && strncasecmp(pattern, type, n) == 0;
}

static int
body_is_binary(const struct manifest_api *api, const struct request *rq)
{
	const char *ct = serve_request_header(rq, "Content-Type");
	size_t i;

	for (i = 0; ct && i < api->binary_media_types.n; i++)
		if (media_type_matches(api->binary_media_types.v[i], ct))
			return 1;
	return !is_utf8(rq->body.data ? rq->body.data : "", rq->body.len);
}

/* The query string's {name: last value} and {name: [values]} maps, or NULL. */
void
serve_query_maps(const char *query, cJSON **single, cJSON **multi)
{
	const char *p, *amp, *eq;
	char *k, *v;

	*single = *multi = NULL;
	if (query == NULL || *query == '\0')
		return;
	*single = cJSON_CreateObject();
	*multi = cJSON_CreateObject();
	for (p = query; *p; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		k = percent_decode(p, (size_t)((eq ? eq : amp) - p), 1);
		v = eq ? percent_decode(eq + 1, (size_t)(amp - eq - 1), 1) : xstrdup("");
		add_multi(*single, *multi, k, v);
		free(k);
		free(v);
	}
}

static void
add_or_null(cJSON *o, const char *name, cJSON *item)
{
	if (item)
		cJSON_AddItemToObject(o, name, item);
	else
		cJSON_AddNullToObject(o, name);
}

cJSON *
serve_path_params(const struct router_match *m)
{
	cJSON *pp;
	size_t i;

	if (m->nparams == 0)
		return NULL;
	pp = cJSON_CreateObject();
	for (i = 0; i < m->nparams; i++)
		cJSON_AddItemToObject(pp, m->params[i].name, serve_json_text(m->params[i].value));
	return pp;
}

char *
serve_request_id(const struct exchange *x)
{
	return xasprintf("%08lx-0000-4000-8000-%012lx", (unsigned long)x->port, x->id);
}

double
serve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

cJSON *
serve_event_v1_base(const struct exchange *x)
{
	const struct request *rq = x->rq;
	const struct router_match *m = x->m;
	cJSON *ev = cJSON_CreateObject(), *h, *mh, *q, *mq, *ctx, *ident;
	const char *p;
	char *path_with_stage, *rid;
	size_t i;

	cJSON_AddStringToObject(ev, "resource", m->resource);
	cJSON_AddItemToObject(ev, "path", serve_json_text(rq->path));
	cJSON_AddStringToObject(ev, "httpMethod", rq->method);
	h = cJSON_CreateObject();
	mh = cJSON_CreateObject();
	for (i = 0; i < rq->nheaders; i++)
		add_multi(h, mh, rq->headers[i].name, rq->headers[i].value);
	cJSON_AddItemToObject(ev, "headers", h);
	cJSON_AddItemToObject(ev, "multiValueHeaders", mh);
	serve_query_maps(rq->query, &q, &mq);
	add_or_null(ev, "queryStringParameters", q);
	add_or_null(ev, "multiValueQueryStringParameters", mq);
	add_or_null(ev, "pathParameters", serve_path_params(m));
	cJSON_AddNullToObject(ev, "stageVariables");
	ctx = cJSON_AddObjectToObject(ev, "requestContext");
	cJSON_AddStringToObject(ctx, "accountId", EMULATOR_ACCOUNT_ID);
	cJSON_AddStringToObject(ctx, "apiId", SERVE_API_ID);
	cJSON_AddStringToObject(ctx, "resourceId", "local");
	cJSON_AddStringToObject(ctx, "resourcePath", m->resource);
	cJSON_AddStringToObject(ctx, "httpMethod", rq->method);
	path_with_stage = xasprintf("/%s%s", x->api->stage, rq->path);
	cJSON_AddItemToObject(ctx, "path", serve_json_text(path_with_stage));
	free(path_with_stage);
	cJSON_AddStringToObject(ctx, "stage", x->api->stage);
	cJSON_AddStringToObject(ctx, "protocol", "HTTP/1.1");
	rid = serve_request_id(x);
	cJSON_AddStringToObject(ctx, "requestId", rid);
	free(rid);
	cJSON_AddNumberToObject(ctx, "requestTimeEpoch", serve_now_ms());
	ident = cJSON_AddObjectToObject(ctx, "identity");
	cJSON_AddStringToObject(ident, "sourceIp", "127.0.0.1");
	if ((p = serve_request_header(rq, "User-Agent")) != NULL)
		cJSON_AddItemToObject(ident, "userAgent", serve_json_text(p));
	return ev;
}

/* The request's body as the event carries it: text, or base64 when binary. */
void
serve_event_body(cJSON *ev, const struct exchange *x, int null_when_empty)
{
	const struct request *rq = x->rq;
	char *b64;

	if (rq->body.len == 0 && rq->body.data == NULL) {
		if (null_when_empty)
			cJSON_AddNullToObject(ev, "body");
		cJSON_AddFalseToObject(ev, "isBase64Encoded");
	} else if (body_is_binary(x->api, rq)) {
		b64 = base64_encode(rq->body.data, rq->body.len);
		cJSON_AddStringToObject(ev, "body", b64);
		free(b64);
		cJSON_AddTrueToObject(ev, "isBase64Encoded");
	} else {
		cJSON_AddStringToObject(ev, "body", rq->body.data);
		cJSON_AddFalseToObject(ev, "isBase64Encoded");
	}
}

char *
serve_event_finish(cJSON *ev, const struct exchange *x, int null_when_empty)
{
	char *text;

	if (x->authorizer)
		cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(ev, "requestContext"),
		    "authorizer", cJSON_Duplicate(x->authorizer, 1));
	serve_event_body(ev, x, null_when_empty);
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

char *
serve_event_v1(const struct exchange *x)
{
	return serve_event_finish(serve_event_v1_base(x), x, 1);
}

/* The headers map of a response: strings, numbers and booleans. */
void
serve_response_headers(const cJSON *h, struct response *r)
{
	const cJSON *it;
	char num[32];

	if (!cJSON_IsObject(h))
		return;
	cJSON_ArrayForEach(it, h) {
		if (cJSON_IsString(it)) {
			serve_response_header(r, it->string, it->valuestring);
		} else if (cJSON_IsNumber(it)) {
			snprintf(num, sizeof(num), "%.17g", it->valuedouble);
			serve_response_header(r, it->string, num);
		} else if (cJSON_IsBool(it)) {
			serve_response_header(r, it->string, cJSON_IsTrue(it) ? "true" : "false");
		}
	}
}

/* body and isBase64Encoded of a response; -1 when body is not a string. */
int
serve_response_body(const cJSON *doc, struct response *r)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(doc, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(doc, "isBase64Encoded");

	if (body == NULL || cJSON_IsNull(body))
		return 0;
	if (!cJSON_IsString(body))
		return -1;
	if (cJSON_IsTrue(b64))
		return base64_decode(body->valuestring, strlen(body->valuestring), &r->body);
	buf_puts(&r->body, body->valuestring);
	return 0;
}

int
serve_response_v1(const char *payload, size_t len, struct response *r)
{
	cJSON *doc = cJSON_ParseWithLength(payload, len), *sc, *h, *it, *v, *list;
	int rc = -1;

	if (!cJSON_IsObject(doc))
		goto out;
	sc = cJSON_GetObjectItemCaseSensitive(doc, "statusCode");
	if (sc != NULL && (!cJSON_IsNumber(sc) || sc->valuedouble < 100 || sc->valuedouble > 599))
		goto out;
	r->status = sc ? (int)sc->valuedouble : 200;
	serve_response_headers(cJSON_GetObjectItemCaseSensitive(doc, "headers"), r);
	h = cJSON_GetObjectItemCaseSensitive(doc, "multiValueHeaders");
	if (!cJSON_IsObject(h))
		h = NULL;
	cJSON_ArrayForEach(it, h) {
		list = cJSON_IsArray(it) ? it : NULL;
		cJSON_ArrayForEach(v, list)
			if (cJSON_IsString(v))
				serve_response_header(r, it->string, v->valuestring);
	}
	rc = serve_response_body(doc, r);
out:
	cJSON_Delete(doc);
	return rc;
}
