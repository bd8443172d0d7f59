/*
 * fetch.c - test handlers for <sparta/aws.h>.
 *
 * t_fetch: {"url": U, "method": M, "body": B} -> {"status": N, "body": S,
 * "server": "Server header"}, or the error Fetch with the client's reason.
 * t_hello: a handler that never fetches (the zip size baseline).
 */
#include <string.h>

#include <sparta/aws.h>
#include <sparta/lambda.h>

int t_fetch(const char *, size_t, struct sparta_context *,
    struct sparta_response *);
int t_hello(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

int
t_fetch(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *hdrs[] = { "X-Test: fetch", NULL };
	struct sparta_fetch_request rq;
	struct sparta_fetch_reply rep;
	const char *server;

	memset(&rq, 0, sizeof(rq));
	rq.url = sparta_json_string(sparta_json_get(ev, "url"), NULL);
	rq.method = sparta_json_string(sparta_json_get(ev, "method"), NULL);
	rq.body = sparta_json_string(sparta_json_get(ev, "body"), &rq.body_len);
	rq.headers = hdrs;
	if (rq.url == NULL)
		return sparta_error(res, "BadRequest", "no url");
	if (sparta_fetch(ctx, &rq, &rep) < 0)
		return sparta_error(res, "Fetch", "%s", rep.error);
	server = sparta_fetch_header(ctx, &rep, "x-served-by");
	sparta_write_object_begin(res);
	sparta_write_key(res, "status");
	sparta_write_int(res, rep.status);
	sparta_write_key(res, "body");
	sparta_write_stringn(res, rep.body, rep.body_len);
	sparta_write_key(res, "server");
	sparta_write_string(res, server ? server : "");
	sparta_write_object_end(res);
	return 0;
}

int
t_hello(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	return sparta_write(res, "\"hello\"", 7);
}
