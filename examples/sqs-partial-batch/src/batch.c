/*
 * batch.c - an SQS batch with partial failures: every message body must be
 * a JSON object with string members "name" and "surname". The handler
 * answers {"batchItemFailures": [{"itemIdentifier": MESSAGE_ID}, ...]} with
 * the messages that are not, so SQS deletes the rest and redelivers (or
 * dead-letters) only those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sparta/lambda.h>

/* 1 when the body is the message the service expects. */
static int
batch_body_ok(struct sparta_context *ctx, const char *body, size_t len)
{
	const struct sparta_json *msg = sparta_json_parse(ctx, body, len);

	return sparta_json_type(msg) == SPARTA_JSON_OBJECT &&
	    sparta_json_string(sparta_json_get(msg, "name"), NULL) != NULL &&
	    sparta_json_string(sparta_json_get(msg, "surname"), NULL) != NULL;
}

int
process_messages(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *records = sparta_json_get(ev, "Records");
	const char *level = getenv("LOG_LEVEL");
	int debug = level != NULL && strcmp(level, "debug") == 0;
	size_t i, n = sparta_json_count(records);

	if (sparta_json_type(records) != SPARTA_JSON_ARRAY)
		return sparta_error(res, "BadRequest", "not an SQS event");
	sparta_write_object_begin(res);
	sparta_write_key(res, "batchItemFailures");
	sparta_write_array_begin(res);
	for (i = 0; i < n; i++) {
		const struct sparta_json *rec = sparta_json_at(records, i);
		const char *id, *body;
		size_t blen = 0;

		id = sparta_json_string(sparta_json_get(rec, "messageId"), NULL);
		body = sparta_json_string(sparta_json_get(rec, "body"), &blen);
		if (body != NULL && batch_body_ok(ctx, body, blen)) {
			if (debug)
				fprintf(stderr, "processed %s\n", id ? id : "?");
			continue;
		}
		fprintf(stderr, "failed %s: not {\"name\", \"surname\"}\n",
		    id != NULL ? id : "?");
		sparta_write_object_begin(res);
		sparta_write_key(res, "itemIdentifier");
		sparta_write_string(res, id != NULL ? id : "");
		sparta_write_object_end(res);
	}
	sparta_write_array_end(res);
	sparta_write_object_end(res);
	return 0;
}
