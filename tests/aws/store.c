/*
 * store.c - a handler that uses DynamoDB, SQS (JSON protocol), S3 and STS
 * (Query protocol) through <sparta/aws.h>; tests/test_runtime_aws.py runs
 * it on moto with signature checking on.
 *
 * Event: {"table": T, "queue": Q, "bucket": B, "id": I, "text": X}
 * (the message sent is received and deleted)
 * Reply: {"item": X read back, "message": the body received, "object":
 * the S3 bytes read back, "account": from GetCallerIdentity}
 * An AWS error fails the invocation with its type and message.
 */
#include <string.h>

#include <sparta/aws.h>
#include <sparta/lambda.h>

int t_store(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

static const char *
field(const struct sparta_json *ev, const char *k)
{
	const char *s = sparta_json_string(sparta_json_get(ev, k), NULL);

	return s != NULL ? s : "";
}

/* {"TableName": table, "Key"/"Item": {"id": {"S": id}, ["text": {"S": text}]}} */
static struct sparta_response *
item_request(struct sparta_context *ctx, const char *table, const char *what,
    const char *id, const char *text)
{
	struct sparta_response *in = sparta_json_buffer(ctx);

	sparta_write_object_begin(in);
	sparta_write_key(in, "TableName");
	sparta_write_string(in, table);
	sparta_write_key(in, what);
	sparta_write_object_begin(in);
	sparta_write_key(in, "id");
	sparta_write_object_begin(in);
	sparta_write_key(in, "S");
	sparta_write_string(in, id);
	sparta_write_object_end(in);
	if (text != NULL) {
		sparta_write_key(in, "text");
		sparta_write_object_begin(in);
		sparta_write_key(in, "S");
		sparta_write_string(in, text);
		sparta_write_object_end(in);
	}
	sparta_write_object_end(in);
	sparta_write_object_end(in);
	return in;
}

static struct sparta_response *
queue_request(struct sparta_context *ctx, const char *queue, const char *body)
{
	struct sparta_response *in = sparta_json_buffer(ctx);

	sparta_write_object_begin(in);
	sparta_write_key(in, "QueueUrl");
	sparta_write_string(in, queue);
	if (body != NULL) {
		sparta_write_key(in, "MessageBody");
		sparta_write_string(in, body);
	} else {
		sparta_write_key(in, "MaxNumberOfMessages");
		sparta_write_int(in, 1);
		sparta_write_key(in, "WaitTimeSeconds");
		sparta_write_int(in, 1);
	}
	sparta_write_object_end(in);
	return in;
}

static struct sparta_response *
delete_request(struct sparta_context *ctx, const char *queue,
    const char *receipt)
{
	struct sparta_response *in = sparta_json_buffer(ctx);

	sparta_write_object_begin(in);
	sparta_write_key(in, "QueueUrl");
	sparta_write_string(in, queue);
	sparta_write_key(in, "ReceiptHandle");
	sparta_write_string(in, receipt != NULL ? receipt : "");
	sparta_write_object_end(in);
	return in;
}

#define FAIL_ON(x) do { if ((x)) return sparta_error(res, err.type, \
	"%s (HTTP %d)", err.message, err.status); } while (0)

int
t_store(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *got, *msg;
	const char *id = field(ev, "id"), *text = field(ev, "text");
	const char *bucket = field(ev, "bucket"), *obj, *xml, *acct, *end;
	const char *sts[] = { NULL };
	struct sparta_aws_error err;
	size_t olen;

	FAIL_ON(sparta_aws_json(ctx, "dynamodb", "DynamoDB_20120810.PutItem",
	    "1.0", item_request(ctx, field(ev, "table"), "Item", id, text),
	    &err) == NULL);
	got = sparta_aws_json(ctx, "dynamodb", "DynamoDB_20120810.GetItem",
	    "1.0", item_request(ctx, field(ev, "table"), "Key", id, NULL), &err);
	FAIL_ON(got == NULL);
	FAIL_ON(sparta_aws_json(ctx, "sqs", "AmazonSQS.SendMessage", "1.0",
	    queue_request(ctx, field(ev, "queue"), text), &err) == NULL);
	msg = sparta_aws_json(ctx, "sqs", "AmazonSQS.ReceiveMessage", "1.0",
	    queue_request(ctx, field(ev, "queue"), NULL), &err);
	FAIL_ON(msg == NULL);
	/* Received is not consumed: delete it, or it comes back later. */
	FAIL_ON(sparta_aws_json(ctx, "sqs", "AmazonSQS.DeleteMessage", "1.0",
	    delete_request(ctx, field(ev, "queue"), sparta_json_string(
	    sparta_json_get(sparta_json_at(sparta_json_get(msg, "Messages"), 0),
	    "ReceiptHandle"), NULL)), &err) == NULL);
	FAIL_ON(sparta_s3_put(ctx, bucket, id, text, strlen(text),
	    "text/plain", &err) < 0);
	FAIL_ON((obj = sparta_s3_get(ctx, bucket, id, &olen, &err)) == NULL);
	FAIL_ON(sparta_s3_delete(ctx, bucket, id, &err) < 0);
	xml = sparta_aws_query(ctx, "sts", "GetCallerIdentity", "2011-06-15",
	    sts, NULL, &err);
	FAIL_ON(xml == NULL);
	acct = strstr(xml, "<Account>");
	end = acct != NULL ? strstr(acct, "</Account>") : NULL;

	sparta_write_object_begin(res);
	sparta_write_key(res, "item");
	sparta_write_string(res, sparta_json_string(sparta_json_get(
	    sparta_json_get(sparta_json_get(got, "Item"), "text"), "S"), NULL));
	sparta_write_key(res, "message");
	sparta_write_string(res, sparta_json_string(sparta_json_get(
	    sparta_json_at(sparta_json_get(msg, "Messages"), 0), "Body"), NULL));
	sparta_write_key(res, "object");
	sparta_write_stringn(res, obj, olen);
	sparta_write_key(res, "account");
	sparta_write_stringn(res, acct ? acct + 9 : "", end ? (size_t)(end -
	    acct - 9) : 0);
	sparta_write_object_end(res);
	return 0;
}
