/*
 * authorizer.c - the TOKEN authorizer: the caller "user" may invoke the
 * method when the token is "allow" (any case), is refused with a Deny
 * policy for "deny", and any other token fails the invocation, which API
 * Gateway answers with a 500.
 *
 * The policy names every method of the stage, not just the one called:
 * API Gateway caches the answer for the token (300 s here), and a cached
 * Allow for GET /users alone would refuse GET / to the same token.
 */
#include <strings.h>

#include <sparta/lambda.h>

int authorize(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

int
authorize(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	/* What the integration sees under requestContext.authorizer. API
	 * Gateway passes context values on as strings. */
	static const char *const context[] = {
		"stringKey", "stringval",
		"numberKey", "123",
		"booleanKey", "true",
		NULL,
	};
	struct sparta_authorizer_request a;
	struct sparta_policy p = {.principal_id = "user", .context = context};

	if (sparta_authorizer_parse(ctx, event, len, &a) < 0 ||
	    a.type != SPARTA_AUTHORIZER_TOKEN)
		return sparta_error(res, "BadRequest", "not a TOKEN authorizer event");
	p.resource = sparta_authorizer_any(ctx, a.method_arn);
	if (strcasecmp(a.token, "allow") == 0)
		p.allow = 1;
	else if (strcasecmp(a.token, "deny") == 0)
		p.allow = 0;
	else
		return sparta_error(res, "Error", "Error: Invalid token");
	return sparta_authorizer_policy(res, &p);
}
