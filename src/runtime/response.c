/*
 * response.c - what the handler writes (body, error, proxy status and
 * headers and cookies), and turning the outcome into the document posted
 * to the Runtime API (the proxy request side is http.c).
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
	if (strncasecmp(name, "Access-Control-", 15) == 0)
		res->has_cors = 1;
	else if (strcasecmp(name, "Vary") == 0)
		res->has_vary = 1;
	return 0;
}

int
sparta_http_set_cookie(struct sparta_response *res, const char *cookie)
{
	res->http = 1;
	if (cookie == NULL)
		return SPARTA_FAIL;
	if (res->cookies.len > 0 && rt_buf_putc(&res->cookies, ',') < 0)
		return SPARTA_FAIL;
	return rt_json_escape(&res->cookies, cookie, strlen(cookie)) < 0 ?
	    SPARTA_FAIL : 0;
}

void
rt_response_reset(struct sparta_response *res)
{
	rt_buf_reset(&res->body);
	rt_buf_reset(&res->err_type);
	rt_buf_reset(&res->err_msg);
	rt_buf_reset(&res->headers);
	rt_buf_reset(&res->cookies);
	rt_buf_reset(&res->cr_physical_id);
	res->cr_no_echo = 0;
	memset(&res->w, 0, sizeof(res->w));
	res->is_error = 0;
	res->http = 0;
	res->has_cors = 0;
	res->has_vary = 0;
	res->version = 0;
	res->status = 200;
}

void
rt_response_free(struct sparta_response *res)
{
	rt_buf_free(&res->body);
	rt_buf_free(&res->err_type);
	rt_buf_free(&res->err_msg);
	rt_buf_free(&res->headers);
	rt_buf_free(&res->cookies);
	rt_buf_free(&res->cr_physical_id);
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
		if (res->body.oom || res->headers.oom || res->cookies.oom ||
		    out->oom) {
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
	rt_buf_putc(out, '}');
	if (res->cookies.len > 0) {
		/* 2.0 has "cookies"; 1.0 repeats Set-Cookie in multiValueHeaders. */
		rt_buf_puts(out, res->version == 2 ? ",\"cookies\":[" :
		    ",\"multiValueHeaders\":{\"Set-Cookie\":[");
		rt_buf_append(out, res->cookies.data, res->cookies.len);
		rt_buf_puts(out, res->version == 2 ? "]" : "]}");
	}
	rt_buf_puts(out, ",\"body\":");
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
