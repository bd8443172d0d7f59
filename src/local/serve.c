/*
 * serve.c - a local API Gateway on loopback. See serve.h.
 *
 * One thread accepts; each connection gets a thread that reads requests,
 * routes them (router.c), builds the REST proxy event, borrows a warm
 * emulator from the function's pool, and writes the proxy response back.
 * The built service (model, router, pools) is reference-counted so that
 * --watch can swap in a rebuilt one while requests on the old one finish.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cjson/cJSON.h>

#include "base/cors.h"
#include "base/digest.h"
#include "compile/watch.h"
#include "local/emulator.h"
#include "local/local.h"
#include "pipeline/pipeline.h"
#include "local/router.h"
#include "local/serve.h"

#define SERVE_HEADER_MAX (64 * 1024)
#define SERVE_MAX_HEADERS 128
#define SERVE_MAX_CONNECTIONS 512
#define SERVE_API_TIMEOUT_S 29 /* API Gateway's integration limit */

struct pool {
	struct local_function lf;
	struct emulator **em;
	unsigned char *busy;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct service {
	struct pipeline p;  /* the model and the built code */
	struct router *router;
	struct pool *pools; /* one per function, index as in manifest->functions */
	size_t npools;
	int refs;           /* requests using it, plus one while current */
	char fingerprint[DIGEST_HEX_LEN + 1];
};

struct server {
	const struct serve_options *opt;
	int listen_fd;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct service *current;
	int connections;
	int clients[SERVE_MAX_CONNECTIONS];
	unsigned long request_seq;
	volatile sig_atomic_t stopping;
	int wake[2]; /* self-pipe: signals wake the accept loop */
};

static int wake_fd = -1;

struct header {
	char *name;
	char *value;
};

struct request {
	char method[16];
	char *target;  /* path?query as sent */
	char *path;    /* the target up to '?' */
	char *query;   /* after '?', or NULL */
	struct header headers[SERVE_MAX_HEADERS];
	size_t nheaders;
	struct buf body;
	int keep_alive;
};

/* ---- the built service ---- */

static void
service_free(struct service *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->npools; i++) {
		for (j = 0; j < s->pools[i].n; j++)
			emulator_free(s->pools[i].em[j]);
		free(s->pools[i].em);
		free(s->pools[i].busy);
		local_function_free(&s->pools[i].lf);
		pthread_mutex_destroy(&s->pools[i].mu);
		pthread_cond_destroy(&s->pools[i].cv);
	}
	free(s->pools);
	router_free(s->router);
	pipeline_free(&s->p);
	free(s);
}

static int
pool_size(const struct serve_options *opt)
{
	long n = opt->pool > 0 ? opt->pool : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/*
 * Loads, builds and readies the service: a pool of emulators for each
 * function a route names. Returns NULL after reporting why.
 */
static struct service *
service_load(struct server *sv)
{
	struct service *s = xcalloc(1, sizeof(*s));
	struct pipeline_options po = sv->opt->pipeline;
	const struct manifest *m;
	struct diags d = {0};
	struct pool *pl;
	size_t i, j, k;
	int used;

	po.goal = PIPELINE_MODEL;
	if (pipeline_run(&s->p, &po, &d) != PIPELINE_OK)
		goto fail;
	m = s->p.manifest;
	if (sv->opt->check && sv->opt->check(sv->opt->report_arg, m) != 0)
		goto fail;
	if (m->api == NULL || m->api->nroutes == 0) {
		log_error("%s has no api routes to serve", po.manifest_path);
		goto fail;
	}
	po.goal = PIPELINE_CODE; /* the template is not served */
	if (pipeline_run(&s->p, &po, &d) != PIPELINE_OK || d.nerrors)
		goto fail;
	sv->opt->report(sv->opt->report_arg, &d); /* warnings */
	diags_free(&d);
	s->router = router_alloc(m->api);
	s->pools = xcalloc(m->nfunctions, sizeof(*s->pools));
	s->npools = m->nfunctions;
	for (i = 0; i < m->nfunctions; i++) {
		pl = &s->pools[i];
		pthread_mutex_init(&pl->mu, NULL);
		pthread_cond_init(&pl->cv, NULL);
		for (k = 0, used = 0; k < m->api->nroutes; k++)
			used |= m->api->routes[k].function == &m->functions[i];
		if (!used)
			continue;
		local_function_init(&pl->lf, m, &m->functions[i], s->p.out.bootstrap_path,
		    s->p.out.dir, local_region(sv->opt->region), STDERR_FILENO,
		    sv->opt->values);
		/* API Gateway gives up after 29 s whatever the function's timeout */
		if (pl->lf.cfg.timeout_s > SERVE_API_TIMEOUT_S)
			pl->lf.cfg.timeout_s = SERVE_API_TIMEOUT_S;
		pl->n = (size_t)pool_size(sv->opt);
		pl->em = xcalloc(pl->n, sizeof(*pl->em));
		pl->busy = xcalloc(pl->n, 1);
		for (j = 0; j < pl->n; j++)
			if ((pl->em[j] = emulator_alloc(&pl->lf.cfg)) == NULL)
				goto fail;
	}
	s->refs = 1;
	return s;
fail:
	sv->opt->report(sv->opt->report_arg, &d);
	diags_free(&d);
	service_free(s);
	return NULL;
}

static struct service *
service_acquire(struct server *sv)
{
	struct service *s;

	pthread_mutex_lock(&sv->mu);
	s = sv->current;
	s->refs++;
	pthread_mutex_unlock(&sv->mu);
	return s;
}

static void
service_release(struct server *sv, struct service *s)
{
	int last;

	pthread_mutex_lock(&sv->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&sv->mu);
	if (last)
		service_free(s);
}

static struct emulator *
pool_take(struct pool *pl, size_t *slot)
{
	size_t i;

	pthread_mutex_lock(&pl->mu);
	for (;;) {
		for (i = 0; i < pl->n; i++) {
			if (!pl->busy[i]) {
				pl->busy[i] = 1;
				pthread_mutex_unlock(&pl->mu);
				*slot = i;
				return pl->em[i];
			}
		}
		pthread_cond_wait(&pl->cv, &pl->mu);
	}
}

static void
pool_give(struct pool *pl, size_t slot)
{
	pthread_mutex_lock(&pl->mu);
	pl->busy[slot] = 0;
	pthread_cond_signal(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
}

/* ---- HTTP in ---- */

static void
request_clear(struct request *rq)
{
	size_t i;

	for (i = 0; i < rq->nheaders; i++) {
		free(rq->headers[i].name);
		free(rq->headers[i].value);
	}
	free(rq->target);
	free(rq->path);
	free(rq->query);
	buf_free(&rq->body);
	memset(rq, 0, sizeof(*rq));
}

static const char *
request_header(const struct request *rq, const char *name)
{
	size_t i;
	const char *v = NULL;

	for (i = 0; i < rq->nheaders; i++)
		if (strcasecmp(rq->headers[i].name, name) == 0)
			v = rq->headers[i].value;
	return v;
}

/* Buffered reading from a connection. */
struct conn {
	int fd;
	char buf[16384];
	size_t start, end;
};

static int
conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->end == sizeof(c->buf)) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	do
		n = read(c->fd, c->buf + c->end, sizeof(c->buf) - c->end);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	c->end += (size_t)n;
	return 0;
}

/* Reads one CRLF- or LF-terminated line into line (without the ending). */
static int
conn_line(struct conn *c, struct buf *line, size_t max)
{
	char *nl;
	size_t n;

	line->len = 0;
	for (;;) {
		nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		n = nl ? (size_t)(nl - (c->buf + c->start)) : c->end - c->start;
		if (line->len + n > max)
			return -2;
		buf_append(line, c->buf + c->start, n);
		c->start += n;
		if (nl) {
			c->start++;
			if (line->len && line->data[line->len - 1] == '\r')
				line->data[--line->len] = '\0';
			return 0;
		}
		if (conn_fill(c) == -1)
			return -1;
	}
}

static int
conn_read(struct conn *c, struct buf *out, size_t n)
{
	size_t take;

	while (n > 0) {
		if (c->start == c->end && conn_fill(c) == -1)
			return -1;
		take = c->end - c->start < n ? c->end - c->start : n;
		buf_append(out, c->buf + c->start, take);
		c->start += take;
		n -= take;
	}
	return 0;
}

/*
 * Reads a request. Returns 0, -1 at the end of the connection, or an HTTP
 * status to answer with (400, 411, 413, 431, 505).
 */
static int
request_read(struct conn *c, struct request *rq)
{
	struct buf line = {0};
	const char *cl, *te, *conn, *target, *q;
	char *sp1, *sp2, *colon, *v, *end;
	size_t total = 0;
	unsigned long long len;
	int rc = 400;

	memset(rq, 0, sizeof(*rq));
	do {
		if (conn_line(c, &line, SERVE_HEADER_MAX) != 0) {
			buf_free(&line);
			return -1;
		}
	} while (line.len == 0); /* tolerate blank lines between requests */
	if ((sp1 = strchr(line.data, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		goto out;
	if ((size_t)(sp1 - line.data) >= sizeof(rq->method))
		goto out;
	memcpy(rq->method, line.data, (size_t)(sp1 - line.data));
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		rc = 505;
		goto out;
	}
	rq->keep_alive = strcmp(sp2 + 1, "HTTP/1.0") != 0;
	rq->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (;;) {
		rc = conn_line(c, &line, SERVE_HEADER_MAX);
		if (rc == -1)
			goto eof;
		if (rc == -2 || (total += line.len) > SERVE_HEADER_MAX) {
			rc = 431;
			goto out;
		}
		rc = 400;
		if (line.len == 0)
			break;
		if ((colon = strchr(line.data, ':')) == NULL || colon == line.data)
			goto out;
		if (rq->nheaders == SERVE_MAX_HEADERS) {
			rc = 431;
			goto out;
		}
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		end = line.data + line.len;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		rq->headers[rq->nheaders].name = xstrndup(line.data, (size_t)(colon - line.data));
		rq->headers[rq->nheaders].value = xstrndup(v, (size_t)(end - v));
		rq->nheaders++;
	}
	if ((conn = request_header(rq, "Connection")) != NULL) {
		if (strcasecmp(conn, "close") == 0)
			rq->keep_alive = 0;
		else if (strcasecmp(conn, "keep-alive") == 0)
			rq->keep_alive = 1;
	}
	/* absolute-form targets: keep the path */
	target = rq->target;
	if (strncmp(target, "http://", 7) == 0 && (target = strchr(target + 7, '/')) == NULL)
		target = "/";
	if ((q = strchr(target, '?')) != NULL) {
		rq->path = xstrndup(target, (size_t)(q - target));
		rq->query = xstrdup(q + 1);
	} else {
		rq->path = xstrdup(target);
	}
	te = request_header(rq, "Transfer-Encoding");
	cl = request_header(rq, "Content-Length");
	if (te && strcasecmp(te, "identity") != 0) {
		rc = 411; /* chunked bodies: send Content-Length */
		goto out;
	}
	if (cl) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno || *end || end == cl)
			goto out;
		if (len > EMULATOR_EVENT_LIMIT) {
			rc = 413;
			goto out;
		}
		if (conn_read(c, &rq->body, (size_t)len) == -1)
			goto eof;
	}
	buf_free(&line);
	return 0;
eof:
	rc = -1;
out:
	buf_free(&line);
	return rc;
}

/* ---- the proxy event ---- */

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

static cJSON *
text_item(const char *s)
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
	cJSON_AddItemToArray(arr, text_item(value));
	cJSON_DeleteItemFromObjectCaseSensitive(single, name);
	cJSON_AddItemToObject(single, name, text_item(value));
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
	const char *ct = request_header(rq, "Content-Type");
	size_t i;

	for (i = 0; ct && i < api->binary_media_types.n; i++)
		if (media_type_matches(api->binary_media_types.v[i], ct))
			return 1;
	return !is_utf8(rq->body.data ? rq->body.data : "", rq->body.len);
}

static char *
proxy_event(struct server *sv, const struct manifest_api *api,
    const struct request *rq, const struct router_match *m, unsigned long id)
{
	cJSON *ev = cJSON_CreateObject(), *h, *mh, *q, *mq, *pp, *ctx, *ident;
	const char *p, *amp, *eq;
	char *k, *v, *path_with_stage, *rid, *text, *b64;
	struct timespec ts;
	size_t i;

	cJSON_AddStringToObject(ev, "resource", m->resource);
	cJSON_AddItemToObject(ev, "path", text_item(rq->path));
	cJSON_AddStringToObject(ev, "httpMethod", rq->method);
	h = cJSON_CreateObject();
	mh = cJSON_CreateObject();
	for (i = 0; i < rq->nheaders; i++)
		add_multi(h, mh, rq->headers[i].name, rq->headers[i].value);
	cJSON_AddItemToObject(ev, "headers", h);
	cJSON_AddItemToObject(ev, "multiValueHeaders", mh);
	if (rq->query && *rq->query) {
		q = cJSON_CreateObject();
		mq = cJSON_CreateObject();
		for (p = rq->query; *p; p = *amp ? amp + 1 : amp) {
			amp = p + strcspn(p, "&");
			if (amp == p)
				continue;
			eq = memchr(p, '=', (size_t)(amp - p));
			k = percent_decode(p, (size_t)((eq ? eq : amp) - p), 1);
			v = eq ? percent_decode(eq + 1, (size_t)(amp - eq - 1), 1) : xstrdup("");
			add_multi(q, mq, k, v);
			free(k);
			free(v);
		}
		cJSON_AddItemToObject(ev, "queryStringParameters", q);
		cJSON_AddItemToObject(ev, "multiValueQueryStringParameters", mq);
	} else {
		cJSON_AddNullToObject(ev, "queryStringParameters");
		cJSON_AddNullToObject(ev, "multiValueQueryStringParameters");
	}
	if (m->nparams) {
		pp = cJSON_AddObjectToObject(ev, "pathParameters");
		for (i = 0; i < m->nparams; i++)
			cJSON_AddItemToObject(pp, m->params[i].name, text_item(m->params[i].value));
	} else {
		cJSON_AddNullToObject(ev, "pathParameters");
	}
	cJSON_AddNullToObject(ev, "stageVariables");
	ctx = cJSON_AddObjectToObject(ev, "requestContext");
	cJSON_AddStringToObject(ctx, "accountId", EMULATOR_ACCOUNT_ID);
	cJSON_AddStringToObject(ctx, "apiId", "local");
	cJSON_AddStringToObject(ctx, "resourceId", "local");
	cJSON_AddStringToObject(ctx, "resourcePath", m->resource);
	cJSON_AddStringToObject(ctx, "httpMethod", rq->method);
	path_with_stage = xasprintf("/%s%s", api->stage, rq->path);
	cJSON_AddItemToObject(ctx, "path", text_item(path_with_stage));
	free(path_with_stage);
	cJSON_AddStringToObject(ctx, "stage", api->stage);
	cJSON_AddStringToObject(ctx, "protocol", "HTTP/1.1");
	rid = xasprintf("%08lx-0000-4000-8000-%012lx", (unsigned long)sv->port, id);
	cJSON_AddStringToObject(ctx, "requestId", rid);
	free(rid);
	clock_gettime(CLOCK_REALTIME, &ts);
	cJSON_AddNumberToObject(ctx, "requestTimeEpoch",
	    (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000));
	ident = cJSON_AddObjectToObject(ctx, "identity");
	cJSON_AddStringToObject(ident, "sourceIp", "127.0.0.1");
	if ((p = request_header(rq, "User-Agent")) != NULL)
		cJSON_AddItemToObject(ident, "userAgent", text_item(p));
	if (rq->body.len == 0 && rq->body.data == NULL) {
		cJSON_AddNullToObject(ev, "body");
		cJSON_AddFalseToObject(ev, "isBase64Encoded");
	} else if (body_is_binary(api, rq)) {
		b64 = base64_encode(rq->body.data, rq->body.len);
		cJSON_AddStringToObject(ev, "body", b64);
		free(b64);
		cJSON_AddTrueToObject(ev, "isBase64Encoded");
	} else {
		cJSON_AddStringToObject(ev, "body", rq->body.data);
		cJSON_AddFalseToObject(ev, "isBase64Encoded");
	}
	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* ---- HTTP out ---- */

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Status";
	}
}

struct response {
	int status;
	struct buf head; /* header lines, each ending in CRLF */
	struct buf body;
	int has_cors;
};

/* Header values must not smuggle a line break into the response. */
static void
response_header(struct response *r, const char *name, const char *value)
{
	const char *p;

	for (p = name; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == ':')
			return;
	for (p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return;
	if (strcasecmp(name, "Content-Length") == 0 || strcasecmp(name, "Connection") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0)
		return;
	if (strncasecmp(name, "Access-Control-", 15) == 0)
		r->has_cors = 1;
	buf_printf(&r->head, "%s: %s\r\n", name, value);
}

static void
response_message(struct response *r, int status, const char *message)
{
	r->status = status;
	response_header(r, "Content-Type", "application/json");
	buf_printf(&r->body, "{\"message\":\"%s\"}", message);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
response_send(int fd, struct response *r, int keep_alive, int head_only)
{
	struct buf out = {0};
	int rc;

	buf_printf(&out, "HTTP/1.1 %d %s\r\n", r->status, status_text(r->status));
	buf_append(&out, r->head.data ? r->head.data : "", r->head.len);
	buf_printf(&out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", r->body.len,
	    keep_alive ? "keep-alive" : "close");
	if (!head_only)
		buf_append(&out, r->body.data ? r->body.data : "", r->body.len);
	rc = write_all(fd, out.data, out.len);
	buf_free(&out);
	buf_free(&r->head);
	buf_free(&r->body);
	return rc;
}

/* Maps the function's proxy response; -1 when it is malformed. */
static int
proxy_response(const char *payload, size_t len, struct response *r)
{
	cJSON *doc = cJSON_ParseWithLength(payload, len), *sc, *h, *body, *b64, *it, *v, *list;
	char num[32];
	int rc = -1;

	if (!cJSON_IsObject(doc))
		goto out;
	sc = cJSON_GetObjectItemCaseSensitive(doc, "statusCode");
	if (sc != NULL && (!cJSON_IsNumber(sc) || sc->valuedouble < 100 || sc->valuedouble > 599))
		goto out;
	r->status = sc ? (int)sc->valuedouble : 200;
	h = cJSON_GetObjectItemCaseSensitive(doc, "headers");
	if (!cJSON_IsObject(h))
		h = NULL;
	cJSON_ArrayForEach(it, h) {
		if (cJSON_IsString(it))
			response_header(r, it->string, it->valuestring);
		else if (cJSON_IsNumber(it)) {
			snprintf(num, sizeof(num), "%.17g", it->valuedouble);
			response_header(r, it->string, num);
		} else if (cJSON_IsBool(it))
			response_header(r, it->string, cJSON_IsTrue(it) ? "true" : "false");
	}
	h = cJSON_GetObjectItemCaseSensitive(doc, "multiValueHeaders");
	if (!cJSON_IsObject(h))
		h = NULL;
	cJSON_ArrayForEach(it, h) {
		list = cJSON_IsArray(it) ? it : NULL;
		cJSON_ArrayForEach(v, list)
			if (cJSON_IsString(v))
				response_header(r, it->string, v->valuestring);
	}
	body = cJSON_GetObjectItemCaseSensitive(doc, "body");
	b64 = cJSON_GetObjectItemCaseSensitive(doc, "isBase64Encoded");
	if (body != NULL && !cJSON_IsNull(body)) {
		if (!cJSON_IsString(body))
			goto out;
		if (cJSON_IsTrue(b64)) {
			if (base64_decode(body->valuestring, strlen(body->valuestring), &r->body) == -1)
				goto out;
		} else {
			buf_puts(&r->body, body->valuestring);
		}
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* ---- CORS: base/cors.c decides, as in the deployed runtime ---- */

static void
join(struct buf *b, const struct manifest_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		buf_printf(b, "%s%s", i ? "," : "", l->v[i]);
}

/* Adds the CORS headers of a preflight (m != NULL) or an actual response. */
static void
cors_apply(const struct manifest_cors *cors, const struct request *rq,
    const struct router_match *m, struct response *r)
{
	struct buf origins = {0}, headers = {0}, methods = {0};
	struct cors_config cfg = {.max_age = cors->max_age};
	struct cors_headers h;
	char *v;
	size_t i;

	join(&origins, &cors->origins);
	cfg.origins = origins.data;
	if (m != NULL) {
		join(&headers, &cors->headers);
		cfg.allow_headers = headers.data;
		if (cors->methods.n)
			join(&methods, &cors->methods);
		else
			buf_printf(&methods, "%s,OPTIONS", m->allow[0] ? m->allow : "GET");
		cfg.allow_methods = methods.data;
		r->status = cors_preflight(&cfg, request_header(rq, "Origin"), &h);
		response_header(r, "Content-Type", "application/json");
	} else
		cors_actual(&cfg, request_header(rq, "Origin"), &h);
	for (i = 0; i < h.n; i++) {
		v = xasprintf("%.*s", (int)h.value_len[i], h.value[i]);
		response_header(r, h.name[i], v);
		free(v);
	}
	buf_free(&origins);
	buf_free(&headers);
	buf_free(&methods);
}

/* ---- one request ---- */

static void
handle(struct server *sv, const struct request *rq, struct response *r)
{
	struct service *s = service_acquire(sv);
	const struct manifest *mf = s->p.manifest;
	const struct manifest_api *api = mf->api;
	struct emulator_result res;
	struct router_match m;
	struct emulator *em;
	struct pool *pl;
	unsigned long id;
	size_t slot;
	char *event;
	int rc, from_function = 0;

	memset(r, 0, sizeof(*r));
	router_match(s->router, rq->method, rq->path, &m);
	if (m.status == ROUTER_NOT_FOUND) {
		response_message(r, 404, "Not Found");
		goto done;
	}
	if (strcmp(rq->method, "OPTIONS") == 0 && api->cors.enabled &&
	    !router_has_options(s->router, m.resource)) {
		cors_apply(&api->cors, rq, &m, r);
		goto done;
	}
	if (m.status == ROUTER_METHOD_NOT_ALLOWED) {
		response_message(r, 405, "Method Not Allowed");
		response_header(r, "Allow", m.allow);
		goto done;
	}
	pthread_mutex_lock(&sv->mu);
	id = ++sv->request_seq;
	pthread_mutex_unlock(&sv->mu);
	event = proxy_event(sv, api, rq, &m, id);
	pl = &s->pools[m.route->function - mf->functions];
	em = pool_take(pl, &slot);
	rc = emulator_invoke(em, event, strlen(event), &res);
	pool_give(pl, slot);
	free(event);
	if (rc == -1) {
		response_message(r, 502, "Internal server error");
		goto done;
	}
	if (res.outcome == EMULATOR_TIMEOUT) {
		log_warn("%s %s: %s timed out after %ld s", rq->method, rq->path,
		    m.route->function->name, pl->lf.cfg.timeout_s);
		response_message(r, 504, "Endpoint request timed out");
	} else if (res.outcome == EMULATOR_ERROR) {
		log_warn("%s %s: %s failed: %s: %s", rq->method, rq->path,
		    m.route->function->name, res.error_type ? res.error_type : "Unknown",
		    res.error_message ? res.error_message : "");
		response_message(r, 502, "Internal server error");
	} else if (proxy_response(res.payload, res.len, r) == -1) {
		log_warn("%s %s: %s returned a malformed proxy response (statusCode, "
		    "headers, body, isBase64Encoded)", rq->method, rq->path,
		    m.route->function->name);
		buf_free(&r->head);
		buf_free(&r->body);
		r->has_cors = 0;
		response_message(r, 502, "Internal server error");
	} else
		from_function = 1;
	log_debug("%s %s -> %d (%s, %.2f ms%s)", rq->method, rq->path, r->status,
	    m.route->function->name, res.duration_ms, res.cold ? ", cold" : "");
	emulator_result_free(&res);
done:
	/* As deployed: the runtime adds CORS to the function's responses; API
	 * Gateway's own errors (404, 502, 504) carry none. */
	if (api->cors.enabled && !r->has_cors && from_function)
		cors_apply(&api->cors, rq, NULL, r);
	router_match_free(&m);
	service_release(sv, s);
}

/* ---- connections ---- */

struct client {
	struct server *sv;
	int fd;
	int slot;
};

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	struct server *sv = cl->sv;
	struct conn *c = xcalloc(1, sizeof(*c));
	struct request rq;
	struct response r;
	int rc;

	c->fd = cl->fd;
	while (!sv->stopping) {
		rc = request_read(c, &rq);
		if (rc == -1) {
			request_clear(&rq);
			break;
		}
		if (rc > 0) {
			memset(&r, 0, sizeof(r));
			response_message(&r, rc, status_text(rc));
			response_send(c->fd, &r, 0, 0);
			request_clear(&rq);
			break;
		}
		handle(sv, &rq, &r);
		rc = response_send(c->fd, &r, rq.keep_alive && !sv->stopping,
		    strcmp(rq.method, "HEAD") == 0);
		if (rc == -1 || !rq.keep_alive) {
			request_clear(&rq);
			break;
		}
		request_clear(&rq);
	}
	close(c->fd);
	free(c);
	pthread_mutex_lock(&sv->mu);
	sv->clients[cl->slot] = -1;
	if (--sv->connections == 0)
		pthread_cond_broadcast(&sv->idle);
	pthread_mutex_unlock(&sv->mu);
	free(cl);
	return NULL;
}

static void
on_signal(int sig)
{
	char c = (char)sig;
	ssize_t n;

	if (wake_fd >= 0)
		n = write(wake_fd, &c, 1);
	(void)n;
}

static int
listen_on(struct server *sv, int port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	if ((sv->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(sv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	if (bind(sv->listen_fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(sv->listen_fd, 512) == -1 ||
	    getsockname(sv->listen_fd, (struct sockaddr *)&a, &alen) == -1)
		return -1;
	sv->port = ntohs(a.sin_port);
	return 0;
}

/* ---- --watch ---- */

/* What a rebuild depends on: the manifest and every source it names. */
static void
service_fingerprint(const struct service *s, const char *manifest_path,
    char hex[DIGEST_HEX_LEN + 1])
{
	watch_fingerprint(s->p.manifest, s->p.out.project_dir, manifest_path,
	    hex);
}

static void *
watch_main(void *arg)
{
	struct server *sv = arg;
	struct service *s, *old, *fresh;
	char now[DIGEST_HEX_LEN + 1];
	struct timespec tick = {0, 300 * 1000000L};

	while (!sv->stopping) {
		nanosleep(&tick, NULL);
		s = service_acquire(sv);
		service_fingerprint(s, sv->opt->pipeline.manifest_path, now);
		if (strcmp(now, s->fingerprint) == 0) {
			service_release(sv, s);
			continue;
		}
		/* remember what we tried, so a broken edit is reported once */
		memcpy(s->fingerprint, now, sizeof(now));
		service_release(sv, s);
		log_info("change detected: rebuilding");
		if ((fresh = service_load(sv)) == NULL) {
			log_error("rebuild failed; still serving the previous build");
			continue;
		}
		service_fingerprint(fresh, sv->opt->pipeline.manifest_path,
		    fresh->fingerprint);
		pthread_mutex_lock(&sv->mu);
		old = sv->current;
		sv->current = fresh;
		pthread_mutex_unlock(&sv->mu);
		service_release(sv, old);
		log_info("rebuilt: serving the new code");
	}
	return NULL;
}

static void
print_routes(const struct service *s, int port)
{
	const struct manifest_api *api = s->p.manifest->api;
	size_t i;

	log_info("serving %s on http://127.0.0.1:%d (stage %s, %zu routes)",
	    s->p.manifest->service, port, api->stage, api->nroutes);
	for (i = 0; i < api->nroutes; i++)
		log_info("  %-7s http://127.0.0.1:%d%s -> %s", api->routes_sorted[i]->method_name,
		    port, api->routes_sorted[i]->path, api->routes_sorted[i]->function->name);
}

enum serve_status
serve_run(const struct serve_options *opt)
{
	struct server sv;
	struct client *cl;
	struct pollfd pfd[2];
	struct sigaction sa;
	pthread_t t, watcher;
	pthread_attr_t attr;
	int fd, i, slot, have_watcher = 0;
	enum serve_status status = SERVE_OK;
	char sig;
	ssize_t n;

	memset(&sv, 0, sizeof(sv));
	sv.opt = opt;
	sv.listen_fd = -1;
	for (i = 0; i < SERVE_MAX_CONNECTIONS; i++)
		sv.clients[i] = -1;
	pthread_mutex_init(&sv.mu, NULL);
	pthread_cond_init(&sv.idle, NULL);
	if ((sv.current = service_load(&sv)) == NULL)
		return SERVE_LOAD_FAILED;
	if (listen_on(&sv, opt->port) == -1) {
		log_error("cannot listen on 127.0.0.1:%d: %s", opt->port, strerror(errno));
		service_free(sv.current);
		if (sv.listen_fd >= 0)
			close(sv.listen_fd);
		return SERVE_LISTEN_FAILED;
	}
	if (pipe2(sv.wake, O_CLOEXEC) == -1) {
		log_error("pipe: %s", strerror(errno));
		service_free(sv.current);
		close(sv.listen_fd);
		return SERVE_INTERNAL;
	}
	wake_fd = sv.wake[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	service_fingerprint(sv.current, opt->pipeline.manifest_path,
	    sv.current->fingerprint);
	print_routes(sv.current, sv.port);
	if (opt->watch && pthread_create(&watcher, NULL, watch_main, &sv) == 0)
		have_watcher = 1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);

	pfd[0].fd = sv.listen_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sv.wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			status = SERVE_INTERNAL;
			break;
		}
		if (pfd[1].revents) {
			n = read(sv.wake[0], &sig, 1);
			(void)n;
			log_info("stopping");
			break;
		}
		fd = accept4(sv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		i = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &i, sizeof(i));
		pthread_mutex_lock(&sv.mu);
		for (slot = 0; slot < SERVE_MAX_CONNECTIONS && sv.clients[slot] != -1; slot++)
			;
		if (slot == SERVE_MAX_CONNECTIONS) {
			pthread_mutex_unlock(&sv.mu);
			close(fd); /* past the connection limit */
			continue;
		}
		sv.clients[slot] = fd;
		sv.connections++;
		pthread_mutex_unlock(&sv.mu);
		cl = xmalloc(sizeof(*cl));
		cl->sv = &sv;
		cl->fd = fd;
		cl->slot = slot;
		if (pthread_create(&t, &attr, client_main, cl) != 0) {
			pthread_mutex_lock(&sv.mu);
			sv.clients[slot] = -1;
			sv.connections--;
			pthread_mutex_unlock(&sv.mu);
			close(fd);
			free(cl);
		}
	}
	sv.stopping = 1;
	close(sv.listen_fd);
	/* wake the connection threads blocked in read() and wait for them */
	pthread_mutex_lock(&sv.mu);
	for (i = 0; i < SERVE_MAX_CONNECTIONS; i++)
		if (sv.clients[i] != -1)
			shutdown(sv.clients[i], SHUT_RDWR);
	while (sv.connections > 0)
		pthread_cond_wait(&sv.idle, &sv.mu);
	pthread_mutex_unlock(&sv.mu);
	if (have_watcher)
		pthread_join(watcher, NULL);
	pthread_attr_destroy(&attr);
	service_release(&sv, sv.current);
	wake_fd = -1;
	close(sv.wake[0]);
	close(sv.wake[1]);
	pthread_mutex_destroy(&sv.mu);
	pthread_cond_destroy(&sv.idle);
	return status;
}
