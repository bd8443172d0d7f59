/* Handlers for tests/test_serve.py: each shows one proxy behaviour. */
#include <string.h>
#include <unistd.h>

#include <sparta/lambda.h>

/* The whole event back as the body, plus a header in each form. */
int
echo(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	sparta_write_object_begin(res);
	sparta_write_key(res, "statusCode");
	sparta_write_int(res, 201);
	sparta_write_key(res, "headers");
	sparta_write_object_begin(res);
	sparta_write_key(res, "Content-Type");
	sparta_write_string(res, "application/json");
	sparta_write_key(res, "X-Echo");
	sparta_write_string(res, "yes");
	sparta_write_object_end(res);
	sparta_write_key(res, "multiValueHeaders");
	sparta_write_object_begin(res);
	sparta_write_key(res, "Set-Cookie");
	sparta_write_array_begin(res);
	sparta_write_string(res, "a=1");
	sparta_write_string(res, "b=2");
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	sparta_write_key(res, "body");
	sparta_write_stringn(res, event, len);
	sparta_write_object_end(res);
	return 0;
}

int
fail(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_error(res, "Broken", "this function always fails");
}

int
slow(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	sleep(5); /* past its 1 s timeout */
	return sparta_write(res, "{}", 2);
}

/* Not a proxy response: statusCode must be a number. */
int
bad(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_write_printf(res, "{\"statusCode\": \"teapot\"}");
}

/* A PNG signature, base64-encoded, as binary responses are sent. */
int
binary(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_write_printf(res, "{\"statusCode\":200,\"headers\":"
	    "{\"Content-Type\":\"image/png\"},\"body\":\"iVBORw0KGgo=\","
	    "\"isBase64Encoded\":true}");
}
