/* The API tests/test_browser_cors.py calls from a page of another origin. */
#include <sparta/lambda.h>

int
api(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;

	if (sparta_http_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not an API Gateway event");
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_http_set_header(res, "X-Request-Id", ctx->request_id);
	sparta_write_object_begin(res);
	sparta_write_key(res, "method");
	sparta_write_string(res, req.method);
	sparta_write_object_end(res);
	return 0;
}
