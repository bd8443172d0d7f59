/*
 * sparta/aws.h - reaching other services from a handler: plain HTTP(S)
 * (sparta_fetch) and signed AWS API calls (sparta_aws_*, sparta_s3_*).
 *
 * sparta_fetch() sends one HTTP/1.1 request and waits for the reply:
 *
 *	#include <sparta/aws.h>
 *
 *	struct sparta_fetch_request rq = { .method = "GET",
 *	    .url = "https://example.com/" };
 *	struct sparta_fetch_reply rep;
 *	if (sparta_fetch(ctx, &rq, &rep) < 0)
 *		return sparta_error(res, "Upstream", "%s", rep.error);
 *
 * TLS. https:// URLs are verified, always: the server's certificate chain
 * must lead to a certificate of the CA bundle, be valid now and name the
 * host (which is also sent as SNI). The bundle is Lambda's provided.al2023
 * one, /etc/pki/tls/certs/ca-bundle.crt; the environment variable
 * SSL_CERT_FILE names another file of PEM certificates (local tests with
 * their own CA). TLS 1.2 (BearSSL). Plain http:// is refused except to
 * loopback (localhost, 127.0.0.0/8, ::1), where local emulators live.
 *
 * CONNECTIONS. One connection is kept alive and reused by the next request
 * to the same scheme, host and port, in this invocation or a later one.
 * Each connect, read and write waits at most 30 s, or the time the
 * invocation has left when that is less.
 *
 * MEMORY. As everywhere in this API: what the reply points to is in the
 * invocation's arena and is freed after the handler returns. The request's
 * strings and body are only read during the call.
 *
 * LINKING. spartac compiles the client into a bootstrap only when one of
 * its sources includes this header, and links of it (and of the TLS
 * library) only what the handlers call; the others stay as small as before.
 */
#ifndef SPARTA_AWS_H
#define SPARTA_AWS_H

#include <stddef.h>

#include "sparta/lambda.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sparta_fetch_request {
	const char *method;  /* "GET" when NULL */
	const char *url;     /* http(s)://host[:port]/path?query, encoded */
	/* "Name: value" lines, NULL-terminated, or NULL. Host and (with a
	 * body, or for POST and PUT) Content-Length are added for you. */
	const char *const *headers;
	const void *body;    /* NULL for none */
	size_t body_len;
};

struct sparta_fetch_reply {
	int status;          /* the HTTP status; 0 when there was no reply */
	const char *body;    /* NUL-terminated (may also hold NULs), never NULL */
	size_t body_len;
	const char *headers; /* the reply's "Name: value\r\n" lines, never NULL */
	const char *error;   /* why, when sparta_fetch returned -1, else NULL */
};

/*
 * Returns 0 when a reply came (whatever its status), or -1 when none did
 * (refused URL, DNS, connection, TLS verification, timeout), with
 * reply->error saying which.
 */
int sparta_fetch(struct sparta_context *ctx,
    const struct sparta_fetch_request *req, struct sparta_fetch_reply *reply);

/* The value of the reply's header name (case-insensitive), or NULL. */
const char *sparta_fetch_header(struct sparta_context *ctx,
    const struct sparta_fetch_reply *reply, const char *name);

/* ---- AWS APIs ------------------------------------------------------------
 *
 * Signed (SigV4) calls to AWS services with the function's own role:
 *
 *	struct sparta_aws_error err;
 *	struct sparta_response *in = sparta_json_buffer(ctx);
 *	sparta_write_object_begin(in);
 *	sparta_write_key(in, "TableName");
 *	sparta_write_string(in, "links");
 *	... (the Key object)
 *	sparta_write_object_end(in);
 *	const struct sparta_json *out = sparta_aws_json(ctx, "dynamodb",
 *	    "DynamoDB_20120810.GetItem", "1.0", in, &err);
 *	if (out == NULL)
 *		return sparta_error(res, err.type, "%s", err.message);
 *
 * CREDENTIALS are read from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN at every call (Lambda sets them for the function's
 * role), the region from AWS_REGION. ENDPOINT: AWS_ENDPOINT_URL_<SERVICE>
 * (the service name upper-cased, '-' as '_': AWS_ENDPOINT_URL_DYNAMODB),
 * else AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com.
 * `service` is the endpoint prefix, which is also the signing name for the
 * services this API is for (dynamodb, sqs, events, secretsmanager, ssm,
 * kinesis, states, logs, sns, s3...).
 *
 * RETRIES follow the SDKs' standard mode: at most 3 attempts, after a
 * connection error, an HTTP 5xx or 429, or a throttling or transient error
 * code, waiting a random part of 1 s, then 2 s (never past the deadline).
 *
 * ERRORS. A call that fails returns NULL (or -1) and fills *err: status is
 * the HTTP status (0 when no reply came), type the service's error code
 * ("ResourceNotFoundException", "NoSuchKey") or one of the client's own
 * ("NetworkError", "MissingCredentials", "MissingRegion",
 * "InvalidEndpoint", "InvalidInput", "InvalidReply"), message its text.
 * The strings are in the arena, like every result here.
 */
struct sparta_aws_error {
	int status;
	const char *type;
	const char *message;
};

/*
 * A JSON writer over a buffer of its own, for request bodies: the
 * sparta_write_* functions take it as they take the response. Owned by the
 * runtime and freed after the handler returns. Never returns NULL: out of
 * memory ends the process, as in sparta_alloc() (the invocation fails with
 * Runtime.ExitError); memory running out while the buffer grows makes
 * sparta_json_buffer_text() and the calls given the buffer fail instead.
 */
struct sparta_response *sparta_json_buffer(struct sparta_context *ctx);
/* The buffer's text (len set when not NULL), or NULL when the JSON written
 * is unfinished or memory ran out. Valid until the next write to it. */
const char *sparta_json_buffer_text(struct sparta_response *buf, size_t *len);

/*
 * The JSON protocol (DynamoDB, SQS, EventBridge, Secrets Manager, SSM,
 * Kinesis, Step Functions, CloudWatch Logs...): POST / with X-Amz-Target:
 * target and Content-Type: application/x-amz-json-<version> ("1.0" or
 * "1.1", as the service's API defines; NULL means "1.0"). input is a
 * sparta_json_buffer, or NULL for {}. Returns the parsed reply, or NULL
 * with *err filled.
 */
const struct sparta_json *sparta_aws_json(struct sparta_context *ctx,
    const char *service, const char *target, const char *version,
    struct sparta_response *input, struct sparta_aws_error *err);

/*
 * The Query protocol (SNS, STS, SQS's older API, CloudWatch...): params are
 * name, value, name, value..., NULL (values are encoded for you). Returns
 * the reply's XML text (*len set when len is not NULL), or NULL with *err.
 *	const char *p[] = {"TopicArn", arn, "Message", "hi", NULL};
 *	sparta_aws_query(ctx, "sns", "Publish", "2010-03-31", p, NULL, &err);
 */
const char *sparta_aws_query(struct sparta_context *ctx, const char *service,
    const char *action, const char *version, const char *const *params,
    size_t *len, struct sparta_aws_error *err);

/*
 * S3 objects, path-style URLs. get returns the object's bytes
 * (NUL-terminated, *len set) or NULL; put and delete return 0 or -1.
 * content_type may be NULL.
 */
const char *sparta_s3_get(struct sparta_context *ctx, const char *bucket,
    const char *key, size_t *len, struct sparta_aws_error *err);
int sparta_s3_put(struct sparta_context *ctx, const char *bucket,
    const char *key, const void *data, size_t len, const char *content_type,
    struct sparta_aws_error *err);
int sparta_s3_delete(struct sparta_context *ctx, const char *bucket,
    const char *key, struct sparta_aws_error *err);

/*
 * A bucket's subresource (the XML of GET or PUT /BUCKET?SUB): get returns
 * its text (NUL-terminated, *len set) or NULL; put returns 0 or -1.
 *	const char *xml = sparta_s3_bucket_get(ctx, "photos", "notification",
 *	    NULL, &err);
 */
const char *sparta_s3_bucket_get(struct sparta_context *ctx,
    const char *bucket, const char *sub, size_t *len,
    struct sparta_aws_error *err);
int sparta_s3_bucket_put(struct sparta_context *ctx, const char *bucket,
    const char *sub, const void *data, size_t len, const char *content_type,
    struct sparta_aws_error *err);

/* ---- DynamoDB attribute values --------------------------------------------
 *
 * DynamoDB's JSON API writes each attribute as {"TYPE": value}: "S" text,
 * "N" a number written as a string, "B" base64 bytes. sparta_ddb_write()
 * writes one member "name": {"TYPE": "value"} of an object (with name NULL,
 * only the {"TYPE": "value"}, as an element of an "L" list);
 * sparta_ddb_get() reads one from an item (GetItem's "Item", UpdateItem's
 * "Attributes", a stream record's "NewImage", a Query's "Items" element):
 *
 *	sparta_write_key(in, "Item");
 *	sparta_write_object_begin(in);
 *	sparta_ddb_write(in, "code", "S", code);      "code": {"S": "abc"}
 *	sparta_ddb_write_int(in, "visits", 0);        "visits": {"N": "0"}
 *	sparta_write_object_end(in);
 *	...
 *	const struct sparta_json *item = sparta_json_get(out, "Item");
 *	const char *url = sparta_ddb_get(item, "url", "S", NULL);
 *	long long visits = 0;
 *	sparta_ddb_get_int(item, "visits", &visits);
 *
 * The writers return what the sparta_write_* functions return (0, or
 * SPARTA_FAIL); a NULL type or value is a misuse, as a NULL key is.
 */
int sparta_ddb_write(struct sparta_response *w, const char *name,
    const char *type, const char *value);
int sparta_ddb_write_int(struct sparta_response *w, const char *name,
    long long v);
/*
 * The value of item's attribute name when it has type type ("S", "N",
 * "B"; for "B" the base64 text as sent), NUL-terminated in the arena,
 * *len set when len is not NULL; NULL when there is no such attribute or
 * it has another type.
 */
const char *sparta_ddb_get(const struct sparta_json *item, const char *name,
    const char *type, size_t *len);
/*
 * An "N" attribute written as an integer in long long's range: 0 with
 * *out set, or -1 (*out unchanged) when it is absent, of another type,
 * has a fraction or an exponent, or is out of range.
 */
int sparta_ddb_get_int(const struct sparta_json *item, const char *name,
    long long *out);

#ifdef __cplusplus
}
#endif

#endif
