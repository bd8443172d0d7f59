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

/* An IAM policy through <sparta/lambda.h>, with the user as context. */
static int
policy(struct sparta_response *res, const char *principal, int allow,
    const char *resource, const char *user)
{
	const char *const context[] = {"user", user, NULL};
	struct sparta_policy p = {.principal_id = principal, .allow = allow,
	    .resource = resource, .context = context};

	return sparta_authorizer_policy(res, &p);
}

/*
 * TOKEN (by the token's prefix, so each test has tokens of its own):
 * "allow" is allowed on its method ARN (with a context of other types than
 * strings, written by hand), "get-only" on GET methods only (a wildcard
 * ARN), "nobody" answered with an Allow on another API, "unauthorized"
 * fails with "Unauthorized" (401); anything else is denied explicitly.
 */
int
token_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_authorizer_request a;
	const char *tok;

	if (sparta_authorizer_parse(ctx, event, len, &a) < 0 ||
	    a.type != SPARTA_AUTHORIZER_TOKEN || a.token == NULL)
		return sparta_error(res, "BadEvent", "not a TOKEN authorizer event");
	tok = a.token;
	fprintf(stderr, "AUTHORIZER token %s TOKEN\n", tok);
	if (strncmp(tok, "unauthorized", 12) == 0)
		return sparta_error(res, "Unauthorized", "Unauthorized");
	if (strncmp(tok, "allow", 5) == 0)
		return sparta_write_printf(res, "{\"principalId\":\"user-allow\",\"policyDocument\":"
		    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Action\":\"execute-api:*\","
		    "\"Effect\":\"Allow\",\"Resource\":[\"%s\"]}},\"context\":{\"user\":\"%s\","
		    "\"level\":7,\"admin\":true}}", a.method_arn, tok);
	if (strncmp(tok, "get-only", 8) == 0)
		return policy(res, "user-get", 1, "arn:aws:execute-api:*:*:*/*/GET/*", tok);
	if (strncmp(tok, "nobody", 6) == 0)
		return policy(res, "user-none", 1, "arn:aws:execute-api:*:*:other/*", tok);
	return policy(res, "user-deny", 0, a.method_arn, tok);
}

/* REQUEST (REST, or HTTP API answering a policy): allowed when X-User is alice. */
int
request_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_authorizer_request a;
	const char *user;

	if (sparta_authorizer_parse(ctx, event, len, &a) < 0 ||
	    a.type == SPARTA_AUTHORIZER_TOKEN)
		return sparta_error(res, "BadEvent", "not a REQUEST authorizer event");
	user = sparta_http_header(&a.http, "X-User");
	fprintf(stderr, "AUTHORIZER request %s %s\n", user ? user : "-",
	    a.type == SPARTA_AUTHORIZER_REQUEST ? "REQUEST" : "REQUEST-2.0");
	return policy(res, user ? user : "anonymous", user && strcmp(user, "alice") == 0,
	    a.method_arn, user ? user : "");
}

/* HTTP API REQUEST, simple response: authorized when x-user is alice. */
int
simple_auth(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_authorizer_request a;
	const char *user;

	if (sparta_authorizer_parse(ctx, event, len, &a) < 0 ||
	    a.type != SPARTA_AUTHORIZER_REQUEST_V2)
		return sparta_error(res, "BadEvent", "not a 2.0 REQUEST authorizer event");
	user = sparta_http_header(&a.http, "x-user");
	fprintf(stderr, "AUTHORIZER simple %s %s\n", user ? user : "-", a.method_arn);
	return sparta_write_printf(res, "{\"isAuthorized\":%s,\"context\":{\"user\":\"%s\","
	    "\"level\":3}}", user && strcmp(user, "alice") == 0 ? "true" : "false",
	    user ? user : "");
}
