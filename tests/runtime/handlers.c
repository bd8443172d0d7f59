/*
 * handlers.c - the functions the runtime tests run, each exercising one
 * behaviour of the runtime or of the emulators it runs under.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdio.h>

#include <sparta/lambda.h>

int t_hello(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_echo(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_fail(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_sleep(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_big(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_text(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_ctx(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_api(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_crash(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_rc(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_badjson(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_web(const char *, size_t, struct sparta_context *, struct sparta_response *);
int t_authz(const char *, size_t, struct sparta_context *, struct sparta_response *);

int
t_hello(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_object_begin(res);
	sparta_write_key(res, "greeting");
	sparta_write_string(res, "hello, world");
	sparta_write_object_end(res);
	return 0;
}

int
t_echo(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	return sparta_write(res, event, len);
}

int
t_fail(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *why = sparta_json_string(sparta_json_get(ev, "why"), NULL);

	return sparta_error(res, "Oops", "it failed: %s", why ? why : "no reason");
}

int
t_sleep(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	double ms = 0;
	struct timespec ts;

	sparta_json_number(sparta_json_get(sparta_json_parse(ctx, event, len), "ms"), &ms);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);
	return sparta_write_printf(res, "{\"slept\":%.0f}", ms);
}

/* A response of exactly size bytes: a JSON string of size-2 'x's. */
int
t_big(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	double size = 0;
	char chunk[4096];
	size_t n, left;

	if (sparta_json_number(sparta_json_get(sparta_json_parse(ctx, event, len),
	    "size"), &size) < 0 || size < 2)
		return sparta_error(res, "BadRequest", "need size >= 2");
	memset(chunk, 'x', sizeof(chunk));
	sparta_write(res, "\"", 1);
	for (left = (size_t)size - 2; left > 0; left -= n) {
		n = left < sizeof(chunk) ? left : sizeof(chunk);
		sparta_write(res, chunk, n);
	}
	return sparta_write(res, "\"", 1);
}

/* Non-ASCII in and out: the event's text back, plus fixed UTF-8 and bytes
 * that are not UTF-8 (which must come out as \ufffd). */
int
t_text(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	size_t n = 0;
	const char *text = sparta_json_string(sparta_json_get(ev, "text"), &n);

	if (ev == NULL)
		return sparta_error(res, "BadRequest", "event is not JSON");
	sparta_write_object_begin(res);
	sparta_write_key(res, "text");
	sparta_write_stringn(res, text, n);
	sparta_write_key(res, "fixed");
	sparta_write_string(res, "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87");
	sparta_write_key(res, "invalid");
	sparta_write_stringn(res, "a\xff" "b\xc3" "c\xed\xa0\x80" "d\x00" "e\x01\x1f\"\\/", 16);
	sparta_write_key(res, "n");
	sparta_write_int(res, (long long)n);
	sparta_write_object_end(res);
	return 0;
}

int
t_ctx(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const char *env = getenv("_X_AMZN_TRACE_ID");

	(void)event; (void)len;
	sparta_write_object_begin(res);
	sparta_write_key(res, "request_id");
	sparta_write_string(res, ctx->request_id);
	sparta_write_key(res, "function_arn");
	sparta_write_string(res, ctx->function_arn);
	sparta_write_key(res, "trace_id");
	sparta_write_string(res, ctx->trace_id);
	sparta_write_key(res, "trace_env");
	sparta_write_string(res, env ? env : "");
	sparta_write_key(res, "remaining_ok");
	sparta_write_bool(res, sparta_remaining_ms(ctx) > 0 &&
	    sparta_remaining_ms(ctx) <= 900000);
	sparta_write_key(res, "function_name");
	sparta_write_string(res, ctx->function_name);
	sparta_write_key(res, "handler");
	sparta_write_string(res, ctx->handler);
	sparta_write_key(res, "memory_mb");
	sparta_write_int(res, ctx->memory_mb);
	sparta_write_key(res, "region");
	sparta_write_string(res, getenv("AWS_REGION") ? getenv("AWS_REGION") : "");
	sparta_write_key(res, "greeting");
	sparta_write_string(res, getenv("GREETING"));
	sparta_write_key(res, "leak");
	sparta_write_string(res, getenv("SPARTA_TEST_LEAK"));
	sparta_write_key(res, "task_root");
	sparta_write_string(res, getenv("LAMBDA_TASK_ROOT"));
	sparta_write_object_end(res);
	return 0;
}

int
t_api(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const char *id, *q, *h;

	if (sparta_http_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not an API Gateway event");
	id = sparta_http_path_param(&req, "id");
	q = sparta_http_query(&req, "q");
	h = sparta_http_header(&req, "x-test");
	sparta_http_set_status(res, id ? 200 : 404);
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_write_object_begin(res);
	sparta_write_key(res, "method");
	sparta_write_string(res, req.method);
	sparta_write_key(res, "path");
	sparta_write_string(res, req.path);
	sparta_write_key(res, "route");
	sparta_write_string(res, req.route);
	sparta_write_key(res, "id");
	sparta_write_string(res, id);
	sparta_write_key(res, "q");
	sparta_write_string(res, q);
	sparta_write_key(res, "x_test");
	sparta_write_string(res, h);
	sparta_write_key(res, "body");
	sparta_write_stringn(res, req.body, req.body_len);
	sparta_write_key(res, "version");
	sparta_write_int(res, req.version);
	sparta_write_object_end(res);
	return 0;
}

int
t_crash(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx; (void)res;
	abort();
}

int
t_rc(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write(res, "{}", 2);
	return 3;
}

int
t_badjson(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_object_begin(res);
	sparta_write_string(res, "value without a key");
	return 0;
}

/* A proxy handler using cookies: answers in the shape of its event. */
int
t_web(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;

	if (sparta_http_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not an API Gateway event");
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_http_set_cookie(res, "seen=1; Path=/; HttpOnly");
	sparta_write_object_begin(res);
	sparta_write_key(res, "version");
	sparta_write_int(res, req.version);
	sparta_write_key(res, "method");
	sparta_write_string(res, req.method);
	sparta_write_key(res, "sid");
	sparta_write_string(res, sparta_http_cookie(&req, "sid"));
	sparta_write_key(res, "page");
	sparta_write_string(res, sparta_http_query(&req, "page"));
	sparta_write_key(res, "body");
	sparta_write_stringn(res, req.body, req.body_len);
	sparta_write_object_end(res);
	return 0;
}

/*
 * A Lambda authorizer: TOKEN "allow" / "deny"; REQUEST (1.0) allowed when
 * x-key is k1 (with a context and the key as usage key); REQUEST 2.0: a
 * simple response, authorized when x-key is k1.
 */
int
t_authz(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	static const char *const context[] = {"tenant", "acme", NULL};
	struct sparta_authorizer_request a;
	struct sparta_policy p = {.principal_id = "user-1"};
	const char *key;

	if (sparta_authorizer_parse(ctx, event, len, &a) < 0)
		return sparta_error(res, "BadRequest", "not an authorizer event");
	p.resource = sparta_authorizer_any(ctx, a.method_arn);
	key = sparta_http_header(&a.http, "x-key");
	switch (a.type) {
	case SPARTA_AUTHORIZER_TOKEN:
		if (strcmp(a.token, "allow") != 0 && strcmp(a.token, "deny") != 0)
			return sparta_error(res, "Unauthorized", "Unauthorized");
		p.allow = strcmp(a.token, "allow") == 0;
		return sparta_authorizer_policy(res, &p);
	case SPARTA_AUTHORIZER_REQUEST:
		p.allow = key != NULL && strcmp(key, "k1") == 0;
		p.context = context;
		p.usage_key = key;
		return sparta_authorizer_policy(res, &p);
	case SPARTA_AUTHORIZER_REQUEST_V2:
		return sparta_authorizer_simple(res,
		    key != NULL && strcmp(key, "k1") == 0, context);
	}
	return sparta_error(res, "BadRequest", "unknown authorizer type");
}
