/* hello.c - GET /hello: a greeting, configurable through GREETING. */
#include <stdlib.h>

#include <sparta/lambda.h>

int
hello_world(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const char *greeting = getenv("GREETING"), *name = NULL;

	/* Invoked directly (not through the API), the event is plain JSON. */
	if (sparta_http_parse(ctx, event, len, &req) == 0) {
		name = sparta_http_query(&req, "name");
		sparta_http_set_header(res, "Content-Type", "application/json");
	}
	sparta_write_object_begin(res);
	sparta_write_key(res, "greeting");
	sparta_write_string(res, greeting != NULL && *greeting ? greeting : "hello");
	sparta_write_key(res, "name");
	sparta_write_string(res, name != NULL ? name : "world");
	sparta_write_key(res, "request_id");
	sparta_write_string(res, ctx->request_id);
	sparta_write_object_end(res);
	return 0;
}
