/*
 * destinations.c - main fails when the event says {"type": "failure"} and
 * otherwise answers "hello world"; on_success receives main's result
 * wrapped in Lambda's destination record and answers "hello world" too.
 * Both log the event they got.
 */
#include <stdio.h>
#include <string.h>

#include <sparta/lambda.h>

static int
destinations_hello(const char *who, const char *event, size_t len,
    struct sparta_response *res)
{
	fprintf(stderr, "%s: %.*s\n", who, (int)len, event);
	return sparta_write_string(res, "hello world") < 0 ? SPARTA_FAIL : 0;
}

int
main_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const char *type = sparta_json_string(sparta_json_get(
	    sparta_json_parse(ctx, event, len), "type"), NULL);

	if (type != NULL && strcmp(type, "failure") == 0)
		return sparta_error(res, "Error", "an expected error occurred");
	return destinations_hello("main", event, len, res);
}

int
on_success_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)ctx;
	return destinations_hello("on-success", event, len, res);
}
