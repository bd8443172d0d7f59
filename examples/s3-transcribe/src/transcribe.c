/*
 * transcribe.c - for each object an S3 notification announces, the
 * transcription job it starts: named after the key up to its first '.' and
 * the time, reading s3://BUCKET/KEY, writing JOB.json into OUTPUT_BUCKET.
 * (This example makes no Transcribe call of its own; it answers with the
 * job, in the original's {"statusCode", "body"} shape.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sparta/lambda.h>

#define JOB_NAME_MAX 199	/* Transcribe's limit is 200 */

int
speech_to_text(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *records = sparta_json_get(ev, "Records");
	const char *out = getenv("OUTPUT_BUCKET");
	char job[JOB_NAME_MAX + 1] = "", body[JOB_NAME_MAX + 3];
	size_t i, n = sparta_json_count(records);

	if (n == 0)
		return sparta_error(res, "BadRequest", "no S3 records");
	for (i = 0; i < n; i++) {
		const struct sparta_json *s3 = sparta_json_get(
		    sparta_json_at(records, i), "s3");
		const char *bucket, *key;
		size_t stem;

		bucket = sparta_json_string(sparta_json_get(
		    sparta_json_get(s3, "bucket"), "name"), NULL);
		key = sparta_json_string(sparta_json_get(
		    sparta_json_get(s3, "object"), "key"), NULL);
		if (bucket == NULL || key == NULL)
			return sparta_error(res, "BadRequest",
			    "record %zu has no bucket or key", i);
		stem = strcspn(key, ".");
		snprintf(job, sizeof(job), "%.*s%lld", (int)stem, key,
		    (long long)time(NULL));
		fprintf(stderr, "job %s: s3://%s/%s -> s3://%s/%s.json\n", job,
		    bucket, key, out != NULL ? out : "?", job);
	}
	sparta_write_object_begin(res);
	sparta_write_key(res, "statusCode");
	sparta_write_int(res, 200);
	sparta_write_key(res, "body");		/* the job name as JSON text */
	snprintf(body, sizeof(body), "\"%s\"", job);
	sparta_write_string(res, body);
	sparta_write_object_end(res);
	return 0;
}
