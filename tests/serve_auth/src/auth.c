/*
 * Handlers and authorizers for tests/test_serve_auth.py. Each authorizer
 * writes one "AUTHORIZER <name> <identity>" line to stderr per call, so the
 * test can count invocations (cache hits make none).
 */
#include <stdio.h>
#include <string.h>

#include <sparta/lambda.h>

/* 200 with the whole event as the body. */
int
echo(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	sparta_write_object_begin(res);
	sparta_write_key(res, "statusCode");
	sparta_write_int(res, 200);
	sparta_write_key(res, "headers");
	sparta_write_object_begin(res);
	sparta_write_key(res, "Content-Type");
	sparta_write_string(res, "application/json");
	sparta_write_object_end(res);
	sparta_write_key(res, "cookies");
	sparta_write_array_begin(res);
	sparta_write_string(res, "s=1; Path=/");
	sparta_write_array_end(res);
	sparta_write_key(res, "body");
	sparta_write_stringn(res, event, len);
	sparta_write_object_end(res);
	return 0;
}

/* Payload 2.0's short form: JSON without statusCode. */
int
plain(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_write_printf(res, "{\"hello\":\"world\"}");
}

/* An IAM policy: effect on resource, with a context. */
static int
policy(struct sparta_response *res, const char *principal, const char *effect,
    const char *resource, const char *user)
{
	sparta_write_object_begin(res);
	sparta_write_key(res, "principalId");
	sparta_write_string(res, principal);
	sparta_write_key(res, "policyDocument");
	sparta_write_object_begin(res);
	sparta_write_key(res, "Version");
	sparta_write_string(res, "2012-10-17");
	sparta_write_key(res, "Statement");
	sparta_write_array_begin(res);
	sparta_write_object_begin(res);
	sparta_write_key(res, "Action");
	sparta_write_string(res, "execute-api:Invoke");
	sparta_write_key(res, "Effect");
	sparta_write_string(res, effect);
	sparta_write_key(res, "Resource");
	sparta_write_string(res, resource);
	sparta_write_object_end(res);
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	sparta_write_key(res, "context");
	sparta_write_object_begin(res);
	sparta_write_key(res, "user");
	sparta_write_string(res, user);
	sparta_write_key(res, "level");
	sparta_write_int(res, 7);
	sparta_write_key(res, "admin");
	sparta_write_bool(res, 1);
	sparta_write_object_end(res);
	sparta_write_object_end(res);
	return 0;
}

/*
 * TOKEN (by the token's prefix, so each test has tokens of its own):
 * "allow" is allowed on its method ARN, "get-only" on GET methods only (a
 * wildcard ARN), "nobody" answered with an Allow on another API,
 * "unauthorized" fails with "Unauthorized" (401); anything else is denied
 * explicitly.
 */
int
token_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *type = sparta_json_string(sparta_json_get(ev, "type"), NULL);
	const char *tok = sparta_json_string(sparta_json_get(ev, "authorizationToken"), NULL);
	const char *arn = sparta_json_string(sparta_json_get(ev, "methodArn"), NULL);

	fprintf(stderr, "AUTHORIZER token %s %s\n", tok ? tok : "-", type ? type : "-");
	if (tok == NULL || arn == NULL)
		return sparta_error(res, "BadEvent", "no token or methodArn");
	if (strncmp(tok, "unauthorized", 12) == 0)
		return sparta_error(res, "Unauthorized", "Unauthorized");
	if (strncmp(tok, "allow", 5) == 0)
		return policy(res, "user-allow", "Allow", arn, tok);
	if (strncmp(tok, "get-only", 8) == 0)
		return policy(res, "user-get", "Allow", "arn:aws:execute-api:*:*:*/*/GET/*", tok);
	if (strncmp(tok, "nobody", 6) == 0)
		return policy(res, "user-none", "Allow", "arn:aws:execute-api:*:*:other/*", tok);
	return policy(res, "user-deny", "Deny", arn, tok);
}

/* REST REQUEST: allowed when the X-User header is alice. */
int
request_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *arn = sparta_json_string(sparta_json_get(ev, "methodArn"), NULL);
	const char *user;

	if (sparta_http_parse(ctx, event, len, &req) < 0 || arn == NULL)
		return sparta_error(res, "BadEvent", "not a REQUEST authorizer event");
	user = sparta_http_header(&req, "X-User");
	fprintf(stderr, "AUTHORIZER request %s %s\n", user ? user : "-",
	    sparta_json_string(sparta_json_get(ev, "type"), NULL));
	return policy(res, user ? user : "anonymous",
	    user && strcmp(user, "alice") == 0 ? "Allow" : "Deny", arn, user ? user : "");
}

/* HTTP API REQUEST, simple response: authorized when x-user is alice. */
int
simple_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *user = sparta_json_string(sparta_json_get(sparta_json_get(ev, "headers"),
	    "x-user"), NULL);
	const char *route = sparta_json_string(sparta_json_get(ev, "routeArn"), NULL);

	fprintf(stderr, "AUTHORIZER simple %s %s\n", user ? user : "-", route ? route : "-");
	sparta_write_object_begin(res);
	sparta_write_key(res, "isAuthorized");
	sparta_write_bool(res, user && strcmp(user, "alice") == 0);
	sparta_write_key(res, "context");
	sparta_write_object_begin(res);
	sparta_write_key(res, "user");
	sparta_write_string(res, user ? user : "");
	sparta_write_key(res, "level");
	sparta_write_int(res, 3);
	sparta_write_object_end(res);
	sparta_write_object_end(res);
	return 0;
}
