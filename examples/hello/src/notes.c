/*
 * notes.c - the notes API: GET and PUT /notes/{id}, POST /notes. The table
 * name comes from TABLE; talking to DynamoDB is left out of the example, so
 * the handler answers with what it would store.
 */
#include <stdlib.h>
#include <string.h>

#include <sparta/lambda.h>

#include "example.h"

int
notes_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const struct sparta_json *body;
	const char *id, *table = getenv("TABLE");

	if (sparta_http_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not an API Gateway event");
	id = sparta_http_path_param(&req, "id");
	sparta_http_set_header(res, "Content-Type", "application/json");
	if (strcmp(req.method, "GET") == 0 && id != NULL) {
		sparta_write_object_begin(res);
		sparta_write_key(res, "id");
		sparta_write_string(res, id);
		sparta_write_key(res, "table");
		sparta_write_string(res, table != NULL ? table : "");
		sparta_write_object_end(res);
		return 0;
	}
	if (strcmp(req.method, "PUT") == 0 || strcmp(req.method, "POST") == 0) {
		body = sparta_json_parse(ctx, req.body, req.body_len);
		if (sparta_json_type(body) != SPARTA_JSON_OBJECT) {
			sparta_http_set_status(res, 400);
			sparta_write_object_begin(res);
			sparta_write_key(res, "error");
			sparta_write_string(res, "the body must be a JSON object");
			sparta_write_object_end(res);
			return 0;
		}
		sparta_http_set_status(res, id != NULL ? 200 : 201);
		sparta_write_object_begin(res);
		sparta_write_key(res, "id");
		sparta_write_string(res, id != NULL ? id : ctx->request_id);
		sparta_write_key(res, "text");
		sparta_write_string(res, example_str(
		    sparta_json_string(sparta_json_get(body, "text"), NULL)));
		sparta_write_object_end(res);
		return 0;
	}
	sparta_http_set_status(res, 405);
	return sparta_write(res, "{\"error\":\"method not allowed\"}", 30);
}
