/*
 * publish.c - turns each stream record's NewImage (DynamoDB's typed JSON:
 * {"name": {"S": "x"}, "n": {"N": "1"}, ...}) into plain JSON and answers
 * with the PutEvents entries it makes of them: source demo.event, detail
 * type INSERTED, on the bus named by BUS_NAME, at most ten to a request.
 * (This example makes no EventBridge call of its own.)
 */
#include <stdlib.h>
#include <string.h>

#include <sparta/lambda.h>

#define PUT_EVENTS_MAX 10	/* entries in one PutEvents request */

static void publish_value(struct sparta_response *, const struct sparta_json *);

/* DynamoDB sends numbers as strings ("N": "9.5"). */
static void
publish_number(struct sparta_response *res, const struct sparta_json *v)
{
	const char *s = sparta_json_string(v, NULL);

	sparta_write_double(res, s != NULL ? strtod(s, NULL) : 0);
}

/* A list of attribute values (L), or of scalars (SS, NS, BS). */
static void
publish_list(struct sparta_response *res, const struct sparta_json *v,
    int typed, int numbers)
{
	size_t i, n = sparta_json_count(v);

	sparta_write_array_begin(res);
	for (i = 0; i < n; i++) {
		const struct sparta_json *e = sparta_json_at(v, i);

		if (typed)
			publish_value(res, e);
		else if (numbers)
			publish_number(res, e);
		else
			sparta_write_string(res, sparta_json_string(e, NULL));
	}
	sparta_write_array_end(res);
}

/* A map of attribute values (M, and the image itself). */
static void
publish_map(struct sparta_response *res, const struct sparta_json *m)
{
	size_t i, n = sparta_json_count(m);

	sparta_write_object_begin(res);
	for (i = 0; i < n; i++) {
		sparta_write_key(res, sparta_json_key_at(m, i));
		publish_value(res, sparta_json_at(m, i));
	}
	sparta_write_object_end(res);
}

/* One attribute value {"TYPE": value} as plain JSON (B stays base64). */
static void
publish_value(struct sparta_response *res, const struct sparta_json *av)
{
	const char *type = sparta_json_key_at(av, 0);
	const struct sparta_json *v = sparta_json_at(av, 0);

	if (type == NULL)
		sparta_write_null(res);
	else if (strcmp(type, "S") == 0 || strcmp(type, "B") == 0)
		sparta_write_string(res, sparta_json_string(v, NULL));
	else if (strcmp(type, "N") == 0)
		publish_number(res, v);
	else if (strcmp(type, "BOOL") == 0)
		sparta_write_bool(res, sparta_json_bool(v) == 1);
	else if (strcmp(type, "M") == 0)
		publish_map(res, v);
	else if (strcmp(type, "L") == 0)
		publish_list(res, v, 1, 0);
	else if (strcmp(type, "SS") == 0 || strcmp(type, "BS") == 0)
		publish_list(res, v, 0, 0);
	else if (strcmp(type, "NS") == 0)
		publish_list(res, v, 0, 1);
	else
		sparta_write_null(res);	/* NULL, or a type unknown here */
}

int
publish_inserts(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *records = sparta_json_get(ev, "Records");
	const char *bus = getenv("BUS_NAME");
	size_t i, n = sparta_json_count(records);

	if (sparta_json_type(records) != SPARTA_JSON_ARRAY)
		return sparta_error(res, "BadRequest", "not a DynamoDB stream event");
	sparta_write_object_begin(res);
	sparta_write_key(res, "requests");
	sparta_write_int(res, (long long)((n + PUT_EVENTS_MAX - 1) /
	    PUT_EVENTS_MAX));
	sparta_write_key(res, "entries");
	sparta_write_array_begin(res);
	for (i = 0; i < n; i++) {
		const struct sparta_json *image = sparta_json_get(sparta_json_get(
		    sparta_json_at(records, i), "dynamodb"), "NewImage");

		sparta_write_object_begin(res);
		sparta_write_key(res, "Source");
		sparta_write_string(res, "demo.event");
		sparta_write_key(res, "DetailType");
		sparta_write_string(res, "INSERTED");
		sparta_write_key(res, "EventBusName");
		sparta_write_string(res, bus != NULL ? bus : "");
		sparta_write_key(res, "Detail");
		publish_map(res, image);
		sparta_write_object_end(res);
	}
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	return 0;
}
