/*
 * test_runtime_http.c - the runtime's API Gateway side: payload 1.0 and
 * 2.0 events through the same getters (cookies, multiValueHeaders), the
 * response shape of each, the CORS headers added from SPARTA_CORS_*, and
 * the Lambda authorizer helpers.
 *
 * The runtime is not part of libspartac; its sources are included here
 * (base/cors.c comes from libspartac, as spartac and bootstraps share it).
 */
#include <stdlib.h>

#include "../../src/runtime/buf.c"
#include "../../src/runtime/http.c"
#include "../../src/runtime/json.c"
#include "../../src/runtime/response.c"

#include "unit.h"

static struct sparta_invocation inv;
static struct sparta_context ctx = {.priv = &inv};
static struct rt_buf finish_out;

static const char v1[] = "{\"resource\":\"/a\",\"path\":\"/a\",\"httpMethod\":\"GET\","
    "\"headers\":{\"Origin\":\"https://b.example\",\"Cookie\":\"a=1; sid=x y ;z=\"},"
    "\"multiValueHeaders\":{\"X-Multi\":[\"one\",\"two\"]},\"body\":null}";
static const char v2[] = "{\"version\":\"2.0\",\"routeKey\":\"$default\","
    "\"rawPath\":\"/a\",\"cookies\":[\"a=1\",\"sid=v2\"],"
    "\"headers\":{\"origin\":\"https://b.example\",\"cookie\":\"sid=header\"},"
    "\"requestContext\":{\"http\":{\"method\":\"POST\",\"path\":\"/a\"}},"
    "\"body\":\"aGk=\",\"isBase64Encoded\":true}";

/* Runs the runtime's end of an invocation on res: what main.c posts. */
static const char *
finish(struct sparta_response *res, const char *event)
{
	const char *type;

	if (res->http && !res->is_error)
		rt_http_finish(res, &ctx, event, strlen(event));
	rt_response_finish(res, 0, "h", &finish_out, &type);
	return finish_out.data;
}

static void
test_requests(void)
{
	struct sparta_http_request req;

	CHECK_INT(sparta_http_parse(&ctx, v1, strlen(v1), &req), 0);
	CHECK_INT(req.version, 1);
	CHECK_STR(sparta_http_cookie(&req, "sid"), "x y");
	CHECK_STR(sparta_http_cookie(&req, "a"), "1");
	CHECK_STR(sparta_http_cookie(&req, "z"), "");
	CHECK(sparta_http_cookie(&req, "si") == NULL);
	CHECK(sparta_http_cookie(&req, "") == NULL);
	CHECK_STR(sparta_http_header(&req, "x-multi"), "two");
	CHECK_STR(req.body, "");
	CHECK_INT(inv.http_version, 1);
	CHECK_STR(inv.origin, "https://b.example");

	CHECK_INT(sparta_http_parse(&ctx, v2, strlen(v2), &req), 0);
	CHECK_INT(req.version, 2);
	CHECK_STR(req.method, "POST");
	CHECK_STR(req.route, "$default");
	/* the cookies array first, then a Cookie header */
	CHECK_STR(sparta_http_cookie(&req, "sid"), "v2");
	CHECK_STR(sparta_http_cookie(&req, "a"), "1");
	CHECK_STR(req.body, "hi");
	CHECK_INT(req.body_base64, 1);
	CHECK_INT(inv.http_version, 2);
	rt_invocation_end(&inv);
	CHECK_INT(inv.http_version, 0);
	CHECK(inv.origin == NULL);
}

static void
test_response_shapes(void)
{
	struct sparta_response res;
	struct sparta_http_request req;

	memset(&res, 0, sizeof(res));
	unsetenv("SPARTA_CORS_ORIGINS");
	/* 2.0: cookies in "cookies" (the handler did not parse: the runtime does) */
	rt_response_reset(&res);
	sparta_http_set_cookie(&res, "sid=1; Path=/");
	sparta_http_set_cookie(&res, "b=2");
	CHECK_STR(finish(&res, v2), "{\"statusCode\":200,\"headers\":{},"
	    "\"cookies\":[\"sid=1; Path=/\",\"b=2\"],\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	/* 1.0: Set-Cookie repeated in multiValueHeaders */
	rt_response_reset(&res);
	CHECK_INT(sparta_http_parse(&ctx, v1, strlen(v1), &req), 0);
	sparta_http_set_cookie(&res, "sid=1");
	sparta_http_set_cookie(&res, "b=2");
	CHECK_STR(finish(&res, v1), "{\"statusCode\":200,\"headers\":{},"
	    "\"multiValueHeaders\":{\"Set-Cookie\":[\"sid=1\",\"b=2\"]},"
	    "\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	/* not an API event: the 1.0 shape */
	rt_response_reset(&res);
	sparta_http_set_cookie(&res, "c=3");
	CHECK_STR(finish(&res, "{}"), "{\"statusCode\":200,\"headers\":{},"
	    "\"multiValueHeaders\":{\"Set-Cookie\":[\"c=3\"]},"
	    "\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	rt_response_free(&res);
}

static void
test_cors(void)
{
	struct sparta_response res;

	memset(&res, 0, sizeof(res));
	setenv("SPARTA_CORS_ORIGINS", "https://a.example,https://b.example", 1);
	setenv("SPARTA_CORS_CREDENTIALS", "true", 1);
	setenv("SPARTA_CORS_EXPOSE", "X-Request-Id", 1);
	rt_response_reset(&res);
	sparta_http_set_status(&res, 201);
	CHECK_STR(finish(&res, v1), "{\"statusCode\":201,\"headers\":{"
	    "\"Access-Control-Allow-Origin\":\"https://b.example\",\"Vary\":\"Origin\","
	    "\"Access-Control-Allow-Credentials\":\"true\","
	    "\"Access-Control-Expose-Headers\":\"X-Request-Id\"},"
	    "\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	/* the handler's own Vary stays the only one */
	rt_response_reset(&res);
	unsetenv("SPARTA_CORS_CREDENTIALS");
	unsetenv("SPARTA_CORS_EXPOSE");
	sparta_http_set_header(&res, "vary", "Accept");
	CHECK_STR(finish(&res, v1), "{\"statusCode\":200,\"headers\":{\"vary\":\"Accept\","
	    "\"Access-Control-Allow-Origin\":\"https://b.example\"},"
	    "\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	/* a handler that set any Access-Control-* header gets nothing added */
	rt_response_reset(&res);
	sparta_http_set_header(&res, "Access-Control-Allow-Origin", "https://z.example");
	CHECK_STR(finish(&res, v1), "{\"statusCode\":200,\"headers\":{"
	    "\"Access-Control-Allow-Origin\":\"https://z.example\"},"
	    "\"body\":\"\",\"isBase64Encoded\":false}");
	rt_invocation_end(&inv);
	/* a plain (non-proxy) result is left alone */
	rt_response_reset(&res);
	sparta_write(&res, "{}", 2);
	CHECK_STR(finish(&res, v1), "{}");
	rt_invocation_end(&inv);
	unsetenv("SPARTA_CORS_ORIGINS");
	rt_response_free(&res);
}

static void
test_authorizer_events(void)
{
	static const char token[] = "{\"type\":\"TOKEN\",\"authorizationToken\":\"Bearer t\","
	    "\"methodArn\":\"arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/items/1\"}";
	static const char req1[] = "{\"type\":\"REQUEST\",\"methodArn\":\"arn:m\","
	    "\"resource\":\"/items/{id}\",\"path\":\"/items/1\",\"httpMethod\":\"GET\","
	    "\"headers\":{\"authorization\":\"k\"},\"queryStringParameters\":{\"t\":\"q\"},"
	    "\"pathParameters\":{\"id\":\"1\"}}";
	static const char req2[] = "{\"version\":\"2.0\",\"type\":\"REQUEST\","
	    "\"routeArn\":\"arn:r\",\"identitySource\":[\"k\"],\"routeKey\":\"GET /x\","
	    "\"rawPath\":\"/x\",\"cookies\":[\"s=1\"],\"headers\":{\"x-key\":\"k\"},"
	    "\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"/x\"}}}";
	struct sparta_authorizer_request a;

	CHECK_INT(sparta_authorizer_parse(&ctx, token, strlen(token), &a), 0);
	CHECK_INT(a.type, SPARTA_AUTHORIZER_TOKEN);
	CHECK_STR(a.token, "Bearer t");
	CHECK_STR(sparta_authorizer_any(&ctx, a.method_arn),
	    "arn:aws:execute-api:us-east-1:123456789012:abc/v1/*");
	CHECK_STR(sparta_authorizer_any(&ctx, "arn:x"), "arn:x");
	CHECK_INT(sparta_authorizer_parse(&ctx, req1, strlen(req1), &a), 0);
	CHECK_INT(a.type, SPARTA_AUTHORIZER_REQUEST);
	CHECK_STR(a.method_arn, "arn:m");
	CHECK_STR(a.token, "k");
	CHECK_STR(sparta_http_query(&a.http, "t"), "q");
	CHECK_STR(sparta_http_path_param(&a.http, "id"), "1");
	CHECK_STR(a.http.method, "GET");
	CHECK_INT(sparta_authorizer_parse(&ctx, req2, strlen(req2), &a), 0);
	CHECK_INT(a.type, SPARTA_AUTHORIZER_REQUEST_V2);
	CHECK_STR(a.method_arn, "arn:r");
	CHECK(a.token == NULL);
	CHECK_STR(sparta_http_header(&a.http, "X-Key"), "k");
	CHECK_STR(sparta_http_cookie(&a.http, "s"), "1");
	CHECK_STR(a.http.path, "/x");
	CHECK_INT(sparta_authorizer_parse(&ctx, "{\"type\":\"TOKEN\"}", 15, &a), -1);
	CHECK_INT(sparta_authorizer_parse(&ctx, "{\"type\":\"X\"}", 12, &a), -1);
	CHECK_INT(sparta_authorizer_parse(&ctx, "[]", 2, &a), -1);
	rt_invocation_end(&inv);
}

static void
test_authorizer_responses(void)
{
	static const char *const context[] = {"tenant", "acme", "role", "a\"b", NULL};
	struct sparta_policy p = {.principal_id = "u1", .allow = 1, .resource = "arn:a/*",
	    .context = context, .usage_key = "key-1"};
	struct sparta_response res;

	memset(&res, 0, sizeof(res));
	rt_response_reset(&res);
	CHECK_INT(sparta_authorizer_policy(&res, &p), 0);
	CHECK_STR(finish(&res, "{}"), "{\"principalId\":\"u1\",\"policyDocument\":{"
	    "\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"execute-api:Invoke\","
	    "\"Effect\":\"Allow\",\"Resource\":\"arn:a/*\"}]},"
	    "\"context\":{\"tenant\":\"acme\",\"role\":\"a\\\"b\"},\"usageIdentifierKey\":\"key-1\"}");
	rt_response_reset(&res);
	p.allow = 0;
	p.context = NULL;
	p.usage_key = NULL;
	CHECK_INT(sparta_authorizer_policy(&res, &p), 0);
	CHECK_STR(finish(&res, "{}"), "{\"principalId\":\"u1\",\"policyDocument\":{"
	    "\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"execute-api:Invoke\","
	    "\"Effect\":\"Deny\",\"Resource\":\"arn:a/*\"}]}}");
	rt_response_reset(&res);
	p.principal_id = NULL;
	CHECK_INT(sparta_authorizer_policy(&res, &p), SPARTA_FAIL);
	CHECK(res.is_error);
	rt_response_reset(&res);
	CHECK_INT(sparta_authorizer_simple(&res, 1, context), 0);
	CHECK_STR(finish(&res, "{}"), "{\"isAuthorized\":true,"
	    "\"context\":{\"tenant\":\"acme\",\"role\":\"a\\\"b\"}}");
	rt_response_reset(&res);
	CHECK_INT(sparta_authorizer_simple(&res, 0, NULL), 0);
	CHECK_STR(finish(&res, "{}"), "{\"isAuthorized\":false}");
	rt_response_free(&res);
	rt_invocation_end(&inv);
}

int
main(void)
{
	test_requests();
	test_response_shapes();
	test_cors();
	test_authorizer_events();
	test_authorizer_responses();
	rt_invocation_end(&inv);
	rt_arena_free(&inv.arena);
	rt_buf_free(&finish_out);
	return unit_report("test_runtime_http");
}
