/*
 * processor.c - checks every record of a Kinesis batch: its data, base64
 * decoded, must be a JSON object with an integer "AtomicNumber", string
 * "Element" and "Symbol", and a number "AtomicMass". One bad record fails
 * the whole invocation; the event source mapping then bisects the batch and
 * finally sends the bad record's metadata to the on-failure queue.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sparta/lambda.h>

/* NULL when the record's payload is valid, else what is wrong with it. */
static const char *
processor_check(const struct sparta_json *payload)
{
	double v;

	if (sparta_json_type(payload) != SPARTA_JSON_OBJECT)
		return "the data is not a JSON object";
	if (sparta_json_number(sparta_json_get(payload, "AtomicNumber"), &v) < 0
	    || v != (double)(long long)v)
		return "'AtomicNumber' must be an integer";
	if (sparta_json_string(sparta_json_get(payload, "Element"), NULL) == NULL)
		return "'Element' must be a string";
	if (sparta_json_string(sparta_json_get(payload, "Symbol"), NULL) == NULL)
		return "'Symbol' must be a string";
	if (sparta_json_number(sparta_json_get(payload, "AtomicMass"), &v) < 0)
		return "'AtomicMass' must be a number";
	return NULL;
}

int
kinesis_processor(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *records = sparta_json_get(ev, "Records");
	const char *stream = getenv("KINESIS_STREAM_NAME");
	size_t i, n = sparta_json_count(records);

	if (sparta_json_type(records) != SPARTA_JSON_ARRAY)
		return sparta_error(res, "BadRequest", "not a Kinesis event");
	for (i = 0; i < n; i++) {
		const struct sparta_json *k = sparta_json_get(
		    sparta_json_at(records, i), "kinesis");
		const char *seq, *b64, *why;
		const unsigned char *data = NULL;
		size_t dlen = 0;

		seq = sparta_json_string(sparta_json_get(k, "sequenceNumber"), NULL);
		b64 = sparta_json_string(sparta_json_get(k, "data"), &dlen);
		if (b64 != NULL)
			data = sparta_base64_decode(ctx, b64, dlen, &dlen);
		why = data == NULL ? "the data is not base64" :
		    processor_check(sparta_json_parse(ctx, (const char *)data,
		    dlen));
		fprintf(stderr, "%s record %s: %s\n", stream ? stream : "?",
		    seq ? seq : "?", why ? why : "valid");
		if (why != NULL)
			return sparta_error(res, "InvalidRecord", "record %s: %s",
			    seq != NULL ? seq : "?", why);
	}
	sparta_write_object_begin(res);
	sparta_write_key(res, "valid");
	sparta_write_int(res, (long long)n);
	sparta_write_object_end(res);
	return 0;
}
