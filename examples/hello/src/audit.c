/*
 * audit.c - EventBridge events, SNS messages and CloudWatch Logs
 * subscriptions: records which kind of event arrived.
 */
#include <sparta/lambda.h>

#include "example.h"

int
audit_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *kind = "unknown";

	if (ev == NULL)
		return sparta_error(res, "BadRequest", "event is not JSON");
	if (sparta_json_get(ev, "detail-type") != NULL)
		kind = "eventbridge";
	else if (sparta_json_get(ev, "awslogs") != NULL)
		kind = "logs";
	else if (example_record_count(ev) > 0)
		kind = "sns";
	sparta_write_object_begin(res);
	sparta_write_key(res, "audited");
	sparta_write_string(res, kind);
	sparta_write_object_end(res);
	return 0;
}
