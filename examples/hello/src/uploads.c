/*
 * uploads.c - S3 notifications for the uploads bucket (lists the new
 * objects' keys), and ANY /files/{proxy+} through the API.
 */
#include <sparta/lambda.h>

#include "example.h"

int
upload_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const struct sparta_json *ev, *records;
	size_t i, n;

	if (sparta_http_parse(ctx, event, len, &req) == 0) {
		sparta_http_set_header(res, "Content-Type", "application/json");
		sparta_write_object_begin(res);
		sparta_write_key(res, "file");
		sparta_write_string(res,
		    example_str(sparta_http_path_param(&req, "proxy")));
		sparta_write_key(res, "bytes");
		sparta_write_int(res, (long long)req.body_len);
		sparta_write_object_end(res);
		return 0;
	}
	if ((ev = sparta_json_parse(ctx, event, len)) == NULL)
		return sparta_error(res, "BadRequest", "event is not JSON");
	records = sparta_json_get(ev, "Records");
	n = example_record_count(ev);
	sparta_write_object_begin(res);
	sparta_write_key(res, "keys");
	sparta_write_array_begin(res);
	for (i = 0; i < n; i++) {
		const struct sparta_json *object = sparta_json_get(sparta_json_get(
		    sparta_json_at(records, i), "s3"), "object");

		sparta_write_string(res, example_str(sparta_json_string(
		    sparta_json_get(object, "key"), NULL)));
	}
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	return 0;
}
