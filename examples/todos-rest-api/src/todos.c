/*
 * todos.c - the five handlers of the todos API. Each checks its request the
 * way the original did and answers with the item it would store in (or read
 * from) the table named by DYNAMODB_TABLE; this example makes no DynamoDB
 * calls of its own, so list answers with no items.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sparta/lambda.h>

/* The table every handler works on (the manifest's defaults: environment). */
static const char *
todos_table(void)
{
	const char *t = getenv("DYNAMODB_TABLE");

	return t != NULL ? t : "";
}

/* Milliseconds since the epoch: the original's createdAt / updatedAt. */
static long long
todos_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The proxy request, or a failed invocation when the event is not one. */
static int
todos_request(struct sparta_context *ctx, const char *event, size_t len,
    struct sparta_http_request *req, struct sparta_response *res)
{
	if (sparta_http_parse(ctx, event, len, req) < 0)
		return sparta_error(res, "BadRequest",
		    "not an API Gateway proxy event");
	sparta_http_set_header(res, "Content-Type", "application/json");
	return 0;
}

/* 400 with the original's plain-text message. */
static int
todos_refuse(struct sparta_response *res, const char *what)
{
	sparta_http_set_status(res, 400);
	sparta_http_set_header(res, "Content-Type", "text/plain");
	return sparta_write_printf(res, "Couldn't %s the todo item.", what) < 0 ?
	    SPARTA_FAIL : 0;
}

/* {"id", "text", "checked", "createdAt"?, "updatedAt", "table"} */
static void
todos_write_item(struct sparta_response *res, const char *id,
    const char *text, int checked, long long created, long long updated)
{
	sparta_write_object_begin(res);
	sparta_write_key(res, "id");
	sparta_write_string(res, id);
	sparta_write_key(res, "text");
	sparta_write_string(res, text);
	sparta_write_key(res, "checked");
	sparta_write_bool(res, checked);
	if (created > 0) {
		sparta_write_key(res, "createdAt");
		sparta_write_int(res, created);
	}
	sparta_write_key(res, "updatedAt");
	sparta_write_int(res, updated);
	sparta_write_key(res, "table");
	sparta_write_string(res, todos_table());
	sparta_write_object_end(res);
}

/* POST /todos {"text": "..."} */
int
todos_create(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const struct sparta_json *body;
	const char *text;
	long long now = todos_now_ms();

	if (todos_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	body = sparta_json_parse(ctx, req.body, req.body_len);
	if ((text = sparta_json_string(sparta_json_get(body, "text"), NULL)) ==
	    NULL)
		return todos_refuse(res, "create");
	todos_write_item(res, ctx->request_id, text, 0, now, now);
	return 0;
}

/* GET /todos */
int
todos_list(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;

	if (todos_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	sparta_write_object_begin(res);
	sparta_write_key(res, "table");
	sparta_write_string(res, todos_table());
	sparta_write_key(res, "items");
	sparta_write_array_begin(res);
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	return 0;
}

/* GET /todos/{id} */
int
todos_get(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const char *id;

	if (todos_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	if ((id = sparta_http_path_param(&req, "id")) == NULL)
		return todos_refuse(res, "fetch");
	sparta_write_object_begin(res);
	sparta_write_key(res, "id");
	sparta_write_string(res, id);
	sparta_write_key(res, "table");
	sparta_write_string(res, todos_table());
	sparta_write_object_end(res);
	return 0;
}

/* PUT /todos/{id} {"text": "...", "checked": true|false} */
int
todos_update(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	const struct sparta_json *body;
	const char *id, *text;
	int checked;

	if (todos_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	body = sparta_json_parse(ctx, req.body, req.body_len);
	text = sparta_json_string(sparta_json_get(body, "text"), NULL);
	checked = sparta_json_bool(sparta_json_get(body, "checked"));
	if ((id = sparta_http_path_param(&req, "id")) == NULL || text == NULL ||
	    checked < 0)
		return todos_refuse(res, "update");
	todos_write_item(res, id, text, checked, 0, todos_now_ms());
	return 0;
}

/* DELETE /todos/{id}: 200 with an empty object, as the original. */
int
todos_delete(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;

	if (todos_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	if (sparta_http_path_param(&req, "id") == NULL)
		return todos_refuse(res, "remove");
	return sparta_write(res, "{}", 2) < 0 ? SPARTA_FAIL : 0;
}
