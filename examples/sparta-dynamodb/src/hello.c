/*
 * hello.c - one handler per HTTP method, each answering "Hello World
 * METHOD"; GET also logs the table it found through discovery. Called
 * through API Gateway they answer a text/plain proxy response, called
 * directly a JSON string.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sparta/lambda.h>

static int
hello_answer(const char *method, const char *event, size_t len,
    struct sparta_context *ctx, struct sparta_response *res)
{
	struct sparta_http_request req;
	char text[64];

	snprintf(text, sizeof(text), "Hello World %s \xf0\x9f\x8c\x8d", method);
	if (sparta_http_parse(ctx, event, len, &req) == 0) {
		sparta_http_set_header(res, "Content-Type",
		    "text/plain; charset=utf-8");
		return sparta_write_printf(res, "%s", text) < 0 ? SPARTA_FAIL : 0;
	}
	return sparta_write_string(res, text) < 0 ? SPARTA_FAIL : 0;
}

int
hello_world_get(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const char *table = getenv("SPARTA_REF_MyAppTable");

	if (table != NULL)
		fprintf(stderr, "Dynamic DynamoDB Table: %s\n", table);
	else
		fprintf(stderr, "Failed to find the table through discovery\n");
	return hello_answer("GET", event, len, ctx, res);
}

int
hello_world_post(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello_answer("POST", event, len, ctx, res);
}

int
hello_world_put(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello_answer("PUT", event, len, ctx, res);
}

int
hello_world_delete(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello_answer("DELETE", event, len, ctx, res);
}
