/*
 * serve_event2.c - HTTP API payload format 2.0 for `spartac serve`: the
 * event a function (or a REQUEST authorizer) gets, and the reading of its
 * response, simple or structured, as an HTTP API does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "local/emulator.h"
#include "local/serve_int.h"

/* Adds value under name, joining a repeated name's values with commas. */
static void
add_joined(cJSON *o, const char *name, const char *value)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(o, name);
	char *both;

	if (old == NULL) {
		cJSON_AddItemToObject(o, name, serve_json_text(value));
		return;
	}
	both = xasprintf("%s,%s", old->valuestring, value);
	cJSON_ReplaceItemInObjectCaseSensitive(o, name, serve_json_text(both));
	free(both);
}

/* "a=1; b=2" -> ["a=1", "b=2"] */
static void
add_cookies(cJSON *list, const char *header)
{
	const char *p = header, *e;
	char *one;

	while (*p) {
		p += strspn(p, " ");
		e = p + strcspn(p, ";");
		if (e > p) {
			one = xstrndup(p, (size_t)(e - p));
			cJSON_AddItemToArray(list, serve_json_text(one));
			free(one);
		}
		p = *e ? e + 1 : e;
	}
}

static char *
route_key(const struct exchange *x)
{
	const struct manifest_route *r = x->m->route;

	return xasprintf("%s %s", r->method_name, r->path);
}

/* The path as the HTTP API sees it: under the stage unless $default. */
static char *
raw_path(const struct exchange *x)
{
	if (strcmp(x->api->stage, "$default") == 0)
		return xstrdup(x->rq->path);
	return xasprintf("/%s%s", x->api->stage, x->rq->path);
}

static void
add_http(cJSON *ctx, const struct exchange *x, const char *path)
{
	cJSON *http = cJSON_AddObjectToObject(ctx, "http");
	const char *ua = serve_request_header(x->rq, "User-Agent");

	cJSON_AddStringToObject(http, "method", x->rq->method);
	cJSON_AddItemToObject(http, "path", serve_json_text(path));
	cJSON_AddStringToObject(http, "protocol", "HTTP/1.1");
	cJSON_AddStringToObject(http, "sourceIp", "127.0.0.1");
	cJSON_AddItemToObject(http, "userAgent", serve_json_text(ua ? ua : ""));
}

static void
add_context(cJSON *ev, const struct exchange *x, const char *key, const char *path)
{
	cJSON *ctx = cJSON_AddObjectToObject(ev, "requestContext");
	char *rid = serve_request_id(x), when[64], *host;
	time_t now = time(NULL);
	struct tm tm;

	cJSON_AddStringToObject(ctx, "accountId", EMULATOR_ACCOUNT_ID);
	cJSON_AddStringToObject(ctx, "apiId", SERVE_API_ID);
	host = xasprintf("127.0.0.1:%d", x->port);
	cJSON_AddStringToObject(ctx, "domainName", host);
	cJSON_AddStringToObject(ctx, "domainPrefix", "127");
	free(host);
	add_http(ctx, x, path);
	cJSON_AddStringToObject(ctx, "requestId", rid);
	free(rid);
	cJSON_AddStringToObject(ctx, "routeKey", key);
	cJSON_AddStringToObject(ctx, "stage", x->api->stage);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	cJSON_AddStringToObject(ctx, "time", when);
	cJSON_AddNumberToObject(ctx, "timeEpoch", serve_now_ms());
}

cJSON *
serve_event_v2_base(const struct exchange *x)
{
	const struct request *rq = x->rq;
	cJSON *ev = cJSON_CreateObject(), *h, *cookies = NULL, *q, *mq, *pp, *it;
	char *key = route_key(x), *path = raw_path(x), *lower;
	size_t i, j;

	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", key);
	cJSON_AddItemToObject(ev, "rawPath", serve_json_text(path));
	cJSON_AddItemToObject(ev, "rawQueryString", serve_json_text(rq->query ? rq->query : ""));
	h = cJSON_CreateObject();
	for (i = 0; i < rq->nheaders; i++) {
		if (strcasecmp(rq->headers[i].name, "Cookie") == 0) {
			if (cookies == NULL)
				cookies = cJSON_CreateArray();
			add_cookies(cookies, rq->headers[i].value);
			continue;
		}
		lower = xstrdup(rq->headers[i].name);
		for (j = 0; lower[j]; j++)
			lower[j] = (char)tolower((unsigned char)lower[j]);
		add_joined(h, lower, rq->headers[i].value);
		free(lower);
	}
	if (cookies)
		cJSON_AddItemToObject(ev, "cookies", cookies);
	cJSON_AddItemToObject(ev, "headers", h);
	serve_query_maps(rq->query, &q, &mq);
	if (mq) {
		cJSON_Delete(q);
		q = cJSON_CreateObject();
		cJSON_ArrayForEach(it, mq) {
			cJSON *v;

			cJSON_ArrayForEach(v, it)
				add_joined(q, it->string, v->valuestring);
		}
		cJSON_Delete(mq);
		cJSON_AddItemToObject(ev, "queryStringParameters", q);
	}
	if ((pp = serve_path_params(x->m)) != NULL)
		cJSON_AddItemToObject(ev, "pathParameters", pp);
	add_context(ev, x, key, path);
	free(key);
	free(path);
	return ev;
}

char *
serve_event_v2(const struct exchange *x)
{
	return serve_event_finish(serve_event_v2_base(x), x, 0);
}

int
serve_response_v2(const char *payload, size_t len, struct response *r)
{
	cJSON *doc = cJSON_ParseWithLength(payload, len), *sc, *it, *list;
	int rc = -1;

	if (doc == NULL)
		return -1;
	sc = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "statusCode") : NULL;
	if (sc == NULL) {
		/* the whole payload is the body */
		r->status = 200;
		serve_response_header(r, "Content-Type", "application/json");
		buf_append(&r->body, payload, len);
		cJSON_Delete(doc);
		return 0;
	}
	if (!cJSON_IsNumber(sc) || sc->valuedouble < 100 || sc->valuedouble > 599)
		goto out;
	r->status = (int)sc->valuedouble;
	serve_response_headers(cJSON_GetObjectItemCaseSensitive(doc, "headers"), r);
	list = cJSON_GetObjectItemCaseSensitive(doc, "cookies");
	if (cJSON_IsArray(list))
		cJSON_ArrayForEach(it, list)
			if (cJSON_IsString(it))
				serve_response_header(r, "Set-Cookie", it->valuestring);
	rc = serve_response_body(doc, r);
out:
	cJSON_Delete(doc);
	return rc;
}
