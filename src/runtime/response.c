/*
 * response.c - what the handler writes (body, error, proxy status and
 * headers), the API Gateway proxy request helpers, and turning the outcome
 * into the document posted to the Runtime API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "runtime.h"

long long
sparta_remaining_ms(const struct sparta_context *ctx)
{
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return ctx->deadline_ms > now ? ctx->deadline_ms - now : 0;
}

void *
sparta_alloc(struct sparta_context *ctx, size_t n)
{
	void *p = rt_arena_alloc(&ctx->priv->arena, n);

	if (p == NULL) {
		/* Lambda would kill the sandbox too; say why first. */
		fputs("sparta: out of memory in sparta_alloc\n", stderr);
		_Exit(1);
	}
	return p;
}

static void
error_set(struct sparta_response *res, const char *type, const char *fmt,
    va_list ap)
{
	rt_buf_reset(&res->err_type);
	rt_buf_reset(&res->err_msg);
	res->is_error = 1;
	if (type == NULL || *type == '\0')
		type = "Error";
	if (strchr(type, '.') == NULL)
		rt_buf_puts(&res->err_type, "Function.");
	rt_buf_puts(&res->err_type, type);
	if (fmt != NULL)
		rt_buf_vprintf(&res->err_msg, fmt, ap);
	else
		rt_buf_puts(&res->err_msg, "");
}

int
sparta_error(struct sparta_response *res, const char *type, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_set(res, type, fmt, ap);
	va_end(ap);
	return SPARTA_FAIL;
}

void
rt_response_fail(struct sparta_response *res, const char *type,
    const char *msg)
{
	rt_buf_reset(&res->err_type);
	rt_buf_reset(&res->err_msg);
	res->is_error = 1;
	rt_buf_puts(&res->err_type, type);
	rt_buf_puts(&res->err_msg, msg);
}

int
sparta_write(struct sparta_response *res, const void *data, size_t len)
{
	return rt_buf_append(&res->body, data, len) < 0 ? SPARTA_FAIL : 0;
}

int
sparta_write_printf(struct sparta_response *res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rt_buf_vprintf(&res->body, fmt, ap);
	va_end(ap);
	return rc < 0 ? SPARTA_FAIL : 0;
}

int
sparta_http_set_status(struct sparta_response *res, int status)
{
	if (status < 100 || status > 599)
		return SPARTA_FAIL;
	res->http = 1;
	res->status = status;
	return 0;
}

int
sparta_http_set_header(struct sparta_response *res, const char *name,
    const char *value)
{
	res->http = 1;
	if (name == NULL || value == NULL)
		return SPARTA_FAIL;
	if (res->headers.len > 0 && rt_buf_putc(&res->headers, ',') < 0)
		return SPARTA_FAIL;
	if (rt_json_escape(&res->headers, name, strlen(name)) < 0 ||
	    rt_buf_putc(&res->headers, ':') < 0 ||
	    rt_json_escape(&res->headers, value, strlen(value)) < 0)
		return SPARTA_FAIL;
	return 0;
}

void
rt_response_reset(struct sparta_response *res)
{
	rt_buf_reset(&res->body);
	rt_buf_reset(&res->err_type);
	rt_buf_reset(&res->err_msg);
	rt_buf_reset(&res->headers);
	memset(&res->w, 0, sizeof(res->w));
	res->is_error = 0;
	res->http = 0;
	res->status = 200;
}

void
rt_response_free(struct sparta_response *res)
{
	rt_buf_free(&res->body);
	rt_buf_free(&res->err_type);
	rt_buf_free(&res->err_msg);
	rt_buf_free(&res->headers);
}

static int
error_doc(struct rt_buf *out, const char *type, const char *msg)
{
	rt_buf_reset(out);
	rt_buf_puts(out, "{\"errorMessage\":");
	rt_json_escape(out, msg, strlen(msg));
	rt_buf_puts(out, ",\"errorType\":");
	rt_json_escape(out, type, strlen(type));
	rt_buf_puts(out, ",\"stackTrace\":[]}");
	return out->oom ? -1 : 0;
}

int
rt_response_finish(struct sparta_response *res, int rc, const char *handler,
    struct rt_buf *out, const char **type)
{
	char msg[256];

	rt_buf_reset(out);
	if (!res->is_error) {
		if (res->body.oom || res->headers.oom || out->oom) {
			rt_response_fail(res, "Runtime.OutOfMemory",
			    "out of memory while writing the response");
		} else if (res->w.misuse ||
		    (res->w.used && (res->w.depth != 0 || res->w.after_key))) {
			rt_response_fail(res, "Runtime.InvalidJSON",
			    "the handler's JSON writes do not form one JSON value");
		} else if (rc != 0) {
			snprintf(msg, sizeof(msg), "handler %s returned %d "
			    "without calling sparta_error", handler, rc);
			rt_response_fail(res, "Function.Error", msg);
		}
	}
	if (res->is_error) {
		*type = res->err_type.data ? res->err_type.data : "Function.Error";
		if (error_doc(out, *type, res->err_msg.data ? res->err_msg.data : "") < 0) {
			rt_buf_free(out);
			rt_buf_puts(out, "{\"errorType\":\"Runtime.OutOfMemory\"}");
			*type = "Runtime.OutOfMemory";
		}
		return 1;
	}
	*type = NULL;
	if (!res->http) {
		/*
		 * The body goes out as written; swap buffers rather than copy
		 * a response that may be megabytes long.
		 */
		struct rt_buf t = *out;

		*out = res->body;
		res->body = t;
		return 0;
	}
	rt_buf_printf(out, "{\"statusCode\":%d,\"headers\":{", res->status);
	if (res->headers.len > 0)
		rt_buf_append(out, res->headers.data, res->headers.len);
	rt_buf_puts(out, "},\"body\":");
	if (rt_utf8_valid(res->body.data ? res->body.data : "", res->body.len)) {
		rt_json_escape(out, res->body.data ? res->body.data : "",
		    res->body.len);
		rt_buf_puts(out, ",\"isBase64Encoded\":false}");
	} else {
		rt_buf_putc(out, '"');
		rt_base64_encode(out, (const unsigned char *)res->body.data,
		    res->body.len);
		rt_buf_puts(out, "\",\"isBase64Encoded\":true}");
	}
	if (out->oom) {
		rt_response_fail(res, "Runtime.OutOfMemory",
		    "out of memory while writing the response");
		return rt_response_finish(res, 0, handler, out, type);
	}
	return 0;
}

/* ---- API Gateway proxy requests ---- */

static const char *
str_or(const struct sparta_json *v, const char *dflt)
{
	const char *s = sparta_json_string(v, NULL);

	return s ? s : dflt;
}

int
sparta_http_parse(struct sparta_context *ctx, const char *event, size_t len,
    struct sparta_http_request *req)
{
	const struct sparta_json *ev, *http, *body;
	const unsigned char *raw;
	const char *s;
	size_t n;

	memset(req, 0, sizeof(*req));
	if ((ev = sparta_json_parse(ctx, event, len)) == NULL ||
	    sparta_json_type(ev) != SPARTA_JSON_OBJECT)
		return -1;
	req->event = ev;
	http = sparta_json_get(sparta_json_get(ev, "requestContext"), "http");
	if (sparta_json_string(sparta_json_get(ev, "version"), NULL) != NULL &&
	    strcmp(str_or(sparta_json_get(ev, "version"), ""), "2.0") == 0 &&
	    http != NULL) {
		req->version = 2;
		req->method = str_or(sparta_json_get(http, "method"), NULL);
		req->path = str_or(sparta_json_get(ev, "rawPath"),
		    str_or(sparta_json_get(http, "path"), NULL));
		s = str_or(sparta_json_get(ev, "routeKey"), "");
		/* "GET /items/{id}" -> "/items/{id}" */
		req->route = strchr(s, ' ') ? strchr(s, ' ') + 1 : s;
	} else {
		req->version = 1;
		req->method = str_or(sparta_json_get(ev, "httpMethod"), NULL);
		req->path = str_or(sparta_json_get(ev, "path"), NULL);
		req->route = str_or(sparta_json_get(ev, "resource"), "");
	}
	if (req->method == NULL || req->path == NULL)
		return -1;
	req->headers = sparta_json_get(ev, "headers");
	req->query = sparta_json_get(ev, "queryStringParameters");
	req->params = sparta_json_get(ev, "pathParameters");
	req->body_base64 = sparta_json_bool(sparta_json_get(ev, "isBase64Encoded")) == 1;
	body = sparta_json_get(ev, "body");
	if ((s = sparta_json_string(body, &n)) == NULL) {
		req->body = "";
		req->body_len = 0;
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

const char *
sparta_http_header(const struct sparta_http_request *req, const char *name)
{
	const char *key;
	size_t i, n;

	if (req == NULL || name == NULL)
		return NULL;
	n = sparta_json_count(req->headers);
	/* The last one wins, as with repeated JSON keys. */
	for (i = n; i-- > 0;) {
		key = sparta_json_key_at(req->headers, i);
		if (key != NULL && strcasecmp(key, name) == 0)
			return sparta_json_string(sparta_json_at(req->headers, i), NULL);
	}
	return NULL;
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
