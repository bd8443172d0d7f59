/*
 * index.c - the API's one function: a 200 whose body is the whole event,
 * so a caller can see what the authorizer put in requestContext.authorizer.
 */
#include <sparta/lambda.h>

int echo_event(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

int
echo_event(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	sparta_http_set_status(res, 200);
	return sparta_write(res, event, len);
}
