/*
 * app.c - both functions of the API: a 200 whose JSON body is the whole
 * payload 2.0 event, JWT claims (requestContext.authorizer.jwt) included.
 */
#include <sparta/lambda.h>

int echo_event(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

int
echo_event(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	/* The original returned the event as a string, which API Gateway
	 * turns into a 200 with a JSON body; said explicitly here. */
	sparta_http_set_status(res, 200);
	sparta_http_set_header(res, "Content-Type", "application/json");
	return sparta_write(res, event, len);
}
