/*
 * worker.c - drains SQS, DynamoDB and Kinesis batches. Reports no failed
 * items (the ReportBatchItemFailures shape), so the whole batch is done.
 */
#include <sparta/lambda.h>

#include "example.h"

size_t
example_record_count(const struct sparta_json *event)
{
	return sparta_json_count(sparta_json_get(event, "Records"));
}

int
queue_worker(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);

	if (ev == NULL)
		return sparta_error(res, "BadRequest", "event is not JSON");
	sparta_write_object_begin(res);
	sparta_write_key(res, "processed");
	sparta_write_int(res, (long long)example_record_count(ev));
	sparta_write_key(res, "batchItemFailures");
	sparta_write_array_begin(res);
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	return 0;
}
