/*
 * links.c - the URL shortener's four handlers, calling DynamoDB and SQS
 * through <sparta/aws.h> with each function's own role.
 *
 * The table (LINKS_TABLE) holds one item per link, keyed by its code:
 *	{"code": S, "url": S, "created": N (ms), "visits": N, "last_visit": N}
 * and the item "_totals" ({"links": N}); a code never holds '_'.
 * The queue (VISITS_QUEUE_URL) carries {"event": "created"|"visit",
 * "code": C, "at": ms}; count adds them up. Counting goes through the
 * queue so that a redirect does one read and no write of the table, and
 * a burst of visits becomes batches (SQS delivers at least once, so a
 * counter may now and then count a visit twice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sparta/aws.h>
#include <sparta/lambda.h>

int links_shorten(const char *, size_t, struct sparta_context *,
    struct sparta_response *);
int links_redirect(const char *, size_t, struct sparta_context *,
    struct sparta_response *);
int links_stats(const char *, size_t, struct sparta_context *,
    struct sparta_response *);
int links_count(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

#define LINKS_CODE_MAX	32	/* a code given in POST /links */
#define LINKS_CODE_LEN	7	/* a generated code: 62^7, 3.5e12 codes */
#define LINKS_URL_MAX	2048
#define LINKS_TOTALS	"_totals"

/* What links_store() found: stored, or the code already taken. */
enum links_put {
	LINKS_PUT_FAILED = -1,
	LINKS_PUT_STORED = 0,
	LINKS_PUT_TAKEN = 1,
};

static const char *
links_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? v : "";
}

static long long
links_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1..LINKS_CODE_MAX of [A-Za-z0-9-]: safe in a URL path as it is. */
static int
links_is_code(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!(('a' <= s[n] && s[n] <= 'z') || ('A' <= s[n] &&
		    s[n] <= 'Z') || ('0' <= s[n] && s[n] <= '9') ||
		    s[n] == '-'))
			return 0;
	return n > 0 && n <= LINKS_CODE_MAX;
}

/* http(s)://host..., at most LINKS_URL_MAX bytes, no spaces or controls
 * (it goes out as a Location header). */
static int
links_is_url(const char *s, size_t len)
{
	size_t i, skip;

	if (len > LINKS_URL_MAX)
		return 0;
	if (strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (len <= skip || s[skip] == '/')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A random code of LINKS_CODE_LEN letters and digits, without bias. */
static int
links_new_code(char out[LINKS_CODE_LEN + 1])
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[32];
	size_t i, n = 0;

	while (n < LINKS_CODE_LEN) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		for (i = 0; i < sizeof(r) && n < LINKS_CODE_LEN; i++)
			if (r[i] < 248)		/* 4 * 62 */
				out[n++] = abc[r[i] % 62];
	}
	out[n] = '\0';
	return 0;
}

/* ---- JSON answers ------------------------------------------------------- */

static int
links_answer(struct sparta_response *res, int status, const char *message)
{
	sparta_http_set_status(res, status);
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_write_object_begin(res);
	sparta_write_key(res, "message");
	sparta_write_string(res, message);
	return sparta_write_object_end(res) < 0 ? SPARTA_FAIL : 0;
}

/*
 * An AWS call failed in a way the handler has no answer for: the
 * invocation fails with the service's error (API Gateway then answers
 * 502, and the error shows in the function's metrics and log).
 */
static int
links_aws_failed(struct sparta_response *res, const char *call,
    const struct sparta_aws_error *err)
{
	return sparta_error(res, err->type, "%s: %s (HTTP %d)", call,
	    err->message, err->status);
}

/* ---- requests ----------------------------------------------------------- */

/* Opens {"TableName": T, what: {"code": {"S": code}, ... (what open). */
static struct sparta_response *
links_request_begin(struct sparta_context *ctx, const char *what,
    const char *code)
{
	struct sparta_response *in = sparta_json_buffer(ctx);

	sparta_write_object_begin(in);
	sparta_write_key(in, "TableName");
	sparta_write_string(in, links_env("LINKS_TABLE"));
	sparta_write_key(in, what);
	sparta_write_object_begin(in);
	sparta_ddb_write(in, "code", "S", code);
	return in;
}

/* Opens {"TableName": T, "Key": {"code": {"S": code}}, ... */
static struct sparta_response *
links_key_request(struct sparta_context *ctx, const char *code)
{
	struct sparta_response *in = links_request_begin(ctx, "Key", code);

	sparta_write_object_end(in);
	return in;
}

/* "ConditionExpression": cond, with #c standing for the attribute code
 * (the condition's only name). */
static void
links_condition(struct sparta_response *in, const char *cond)
{
	sparta_write_key(in, "ConditionExpression");
	sparta_write_string(in, cond);
	sparta_write_key(in, "ExpressionAttributeNames");
	sparta_write_object_begin(in);
	sparta_write_key(in, "#c");
	sparta_write_string(in, "code");
	sparta_write_object_end(in);
}

/* GetItem's reply for code ({"Item": ...}, or {} when there is none), or
 * NULL with *err filled. */
static const struct sparta_json *
links_get(struct sparta_context *ctx, const char *code,
    struct sparta_aws_error *err)
{
	struct sparta_response *in = links_key_request(ctx, code);

	sparta_write_object_end(in);
	return sparta_aws_json(ctx, "dynamodb", "DynamoDB_20120810.GetItem",
	    "1.0", in, err);
}

/* A number attribute of item as an integer, 0 when absent. */
static long long
links_item_int(const struct sparta_json *item, const char *name)
{
	long long n = 0;

	sparta_ddb_get_int(item, name, &n);
	return n;
}

/* Stores the link unless code is taken (a conditional put). */
static enum links_put
links_store(struct sparta_context *ctx, const char *code, const char *url,
    struct sparta_aws_error *err)
{
	struct sparta_response *in = links_request_begin(ctx, "Item", code);

	sparta_ddb_write(in, "url", "S", url);
	sparta_ddb_write_int(in, "created", links_now_ms());
	sparta_ddb_write_int(in, "visits", 0);
	sparta_write_object_end(in);
	links_condition(in, "attribute_not_exists(#c)");
	sparta_write_object_end(in);
	if (sparta_aws_json(ctx, "dynamodb", "DynamoDB_20120810.PutItem",
	    "1.0", in, err) != NULL)
		return LINKS_PUT_STORED;
	if (strcmp(err->type, "ConditionalCheckFailedException") == 0)
		return LINKS_PUT_TAKEN;
	return LINKS_PUT_FAILED;
}

/*
 * Queues {"event": what, "code": code, "at": now} for count. A visit that
 * cannot be queued is still served: it is logged and goes uncounted.
 */
static void
links_enqueue(struct sparta_context *ctx, const char *what, const char *code)
{
	struct sparta_response *msg = sparta_json_buffer(ctx);
	struct sparta_response *in = sparta_json_buffer(ctx);
	struct sparta_aws_error err;
	const char *body;

	sparta_write_object_begin(msg);
	sparta_write_key(msg, "event");
	sparta_write_string(msg, what);
	sparta_write_key(msg, "code");
	sparta_write_string(msg, code);
	sparta_write_key(msg, "at");
	sparta_write_int(msg, links_now_ms());
	sparta_write_object_end(msg);
	body = sparta_json_buffer_text(msg, NULL);

	sparta_write_object_begin(in);
	sparta_write_key(in, "QueueUrl");
	sparta_write_string(in, links_env("VISITS_QUEUE_URL"));
	sparta_write_key(in, "MessageBody");
	sparta_write_string(in, body != NULL ? body : "");
	sparta_write_object_end(in);
	if (sparta_aws_json(ctx, "sqs", "AmazonSQS.SendMessage", "1.0", in,
	    &err) == NULL)
		fprintf(stderr, "links: %s %s not queued: %s: %s (HTTP %d)\n",
		    what, code, err.type, err.message, err.status);
}

/* ---- the API's handlers -------------------------------------------------- */

static int
links_request(struct sparta_context *ctx, const char *event, size_t len,
    struct sparta_http_request *req, struct sparta_response *res)
{
	if (sparta_http_parse(ctx, event, len, req) < 0)
		return sparta_error(res, "BadRequest",
		    "not an API Gateway proxy event");
	return 0;
}

/* 201 {"code", "url", "short"?}, Location the short link when the request
 * said which host it came to. */
static int
links_created(struct sparta_context *ctx, struct sparta_http_request *req,
    const char *code, const char *url, struct sparta_response *res)
{
	const char *host = sparta_http_header(req, "host");
	const char *stage = sparta_json_string(sparta_json_get(sparta_json_get(
	    req->event, "requestContext"), "stage"), NULL);
	char *link = NULL;
	size_t n;

	if (host != NULL && stage != NULL) {
		n = strlen(host) + strlen(stage) + strlen(code) + 16;
		link = sparta_alloc(ctx, n);
		snprintf(link, n, "https://%s/%s/%s", host, stage, code);
		sparta_http_set_header(res, "Location", link);
	}
	sparta_http_set_status(res, 201);
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_write_object_begin(res);
	sparta_write_key(res, "code");
	sparta_write_string(res, code);
	sparta_write_key(res, "url");
	sparta_write_string(res, url);
	if (link != NULL) {
		sparta_write_key(res, "short");
		sparta_write_string(res, link);
	}
	return sparta_write_object_end(res) < 0 ? SPARTA_FAIL : 0;
}

/*
 * POST /links {"url": U, "code": C?}: 201, 400 for a bad request, 409 when
 * the code asked for is taken. Without a code, a random one (a new one
 * when it happens to be taken, three tries).
 */
int
links_shorten(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	struct sparta_aws_error err;
	const struct sparta_json *body;
	enum links_put put = LINKS_PUT_TAKEN;
	const char *url, *code;
	char gen[LINKS_CODE_LEN + 1];
	size_t ulen;
	int tries;

	if (links_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	body = sparta_json_parse(ctx, req.body, req.body_len);
	url = sparta_json_string(sparta_json_get(body, "url"), &ulen);
	if (url == NULL || !links_is_url(url, ulen))
		return links_answer(res, 400, "\"url\" must be an http or "
		    "https URL of at most 2048 bytes");
	code = sparta_json_string(sparta_json_get(body, "code"), NULL);
	if (code != NULL && !links_is_code(code))
		return links_answer(res, 400, "\"code\" must be 1 to 32 "
		    "letters, digits or '-'");
	if (code != NULL)
		put = links_store(ctx, code, url, &err);
	for (tries = 0; code == NULL && tries < 3; tries++) {
		if (links_new_code(gen) < 0)
			return sparta_error(res, "Random", "getrandom failed");
		if ((put = links_store(ctx, gen, url, &err)) != LINKS_PUT_TAKEN)
			code = gen;
	}
	if (put == LINKS_PUT_FAILED)
		return links_aws_failed(res, "PutItem", &err);
	if (put == LINKS_PUT_TAKEN)
		return links_answer(res, 409, code != NULL ?
		    "that code is taken" : "no free code found, try again");
	links_enqueue(ctx, "created", code);
	return links_created(ctx, &req, code, url, res);
}

/*
 * GET /{code}: 302 to the link's URL (not 301: browsers keep a 301 and
 * would not come back to be counted), or 404.
 */
int
links_redirect(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	struct sparta_aws_error err;
	const struct sparta_json *item;
	const char *code, *url;

	if (links_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	code = sparta_http_path_param(&req, "code");
	if (code == NULL || !links_is_code(code))
		return links_answer(res, 404, "no such link");
	if ((item = links_get(ctx, code, &err)) == NULL)
		return links_aws_failed(res, "GetItem", &err);
	item = sparta_json_get(item, "Item");
	if ((url = sparta_ddb_get(item, "url", "S", NULL)) == NULL)
		return links_answer(res, 404, "no such link");
	links_enqueue(ctx, "visit", code);
	sparta_http_set_status(res, 302);
	sparta_http_set_header(res, "Location", url);
	sparta_http_set_header(res, "Cache-Control", "no-store");
	return 0;
}

/*
 * GET /links/{code}/stats: {"code", "url", "created", "visits",
 * "last_visit"?}, or 404. GET /stats: {"links"}, the links created.
 */
int
links_stats(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_http_request req;
	struct sparta_aws_error err;
	const struct sparta_json *item;
	const char *code, *url;
	long long last;

	if (links_request(ctx, event, len, &req, res) != 0)
		return SPARTA_FAIL;
	code = sparta_http_path_param(&req, "code");
	if (code != NULL && !links_is_code(code))
		return links_answer(res, 404, "no such link");
	if ((item = links_get(ctx, code != NULL ? code : LINKS_TOTALS,
	    &err)) == NULL)
		return links_aws_failed(res, "GetItem", &err);
	item = sparta_json_get(item, "Item");
	url = sparta_ddb_get(item, "url", "S", NULL);
	if (code != NULL && url == NULL)
		return links_answer(res, 404, "no such link");
	sparta_http_set_header(res, "Content-Type", "application/json");
	sparta_write_object_begin(res);
	if (code == NULL) {
		sparta_write_key(res, "links");
		sparta_write_int(res, links_item_int(item, "links"));
		return sparta_write_object_end(res) < 0 ? SPARTA_FAIL : 0;
	}
	sparta_write_key(res, "code");
	sparta_write_string(res, code);
	sparta_write_key(res, "url");
	sparta_write_string(res, url);
	sparta_write_key(res, "created");
	sparta_write_int(res, links_item_int(item, "created"));
	sparta_write_key(res, "visits");
	sparta_write_int(res, links_item_int(item, "visits"));
	if (sparta_ddb_get_int(item, "last_visit", &last) == 0) {
		sparta_write_key(res, "last_visit");
		sparta_write_int(res, last);
	}
	return sparta_write_object_end(res) < 0 ? SPARTA_FAIL : 0;
}

/* ---- the queue's consumer ------------------------------------------------- */

/*
 * One message: a visit adds 1 to its link's visits (unless the link is
 * gone: then it is dropped), a creation 1 to the totals' links. Returns 0
 * when done with the message, -1 (err filled) when it is to be retried.
 */
static int
links_count_one(struct sparta_context *ctx, const struct sparta_json *msg,
    struct sparta_aws_error *err)
{
	const char *what = sparta_json_string(sparta_json_get(msg, "event"),
	    NULL);
	const char *code = sparta_json_string(sparta_json_get(msg, "code"),
	    NULL);
	int visit = what != NULL && strcmp(what, "visit") == 0;
	struct sparta_response *in;
	double at = 0;

	if (code == NULL || !links_is_code(code) || (!visit && (what == NULL ||
	    strcmp(what, "created") != 0)) || sparta_json_number(
	    sparta_json_get(msg, "at"), &at) < 0) {
		err->status = 0;
		err->type = "InvalidMessage";
		err->message = "not {\"event\": \"visit\"|\"created\", "
		    "\"code\", \"at\"}";
		return -1;	/* retried, then kept in the dead-letter queue */
	}
	in = links_key_request(ctx, visit ? code : LINKS_TOTALS);
	sparta_write_key(in, "UpdateExpression");
	sparta_write_string(in, visit ? "ADD visits :one SET last_visit = :at" :
	    "ADD links :one");
	sparta_write_key(in, "ExpressionAttributeValues");
	sparta_write_object_begin(in);
	sparta_ddb_write_int(in, ":one", 1);
	if (visit)
		sparta_ddb_write_int(in, ":at", (long long)at);
	sparta_write_object_end(in);
	if (visit)
		links_condition(in, "attribute_exists(#c)");
	sparta_write_object_end(in);
	if (sparta_aws_json(ctx, "dynamodb", "DynamoDB_20120810.UpdateItem",
	    "1.0", in, err) != NULL)
		return 0;
	return strcmp(err->type, "ConditionalCheckFailedException") == 0 ?
	    0 : -1;
}

/*
 * An SQS batch: {"batchItemFailures": [{"itemIdentifier": ID}...]} names
 * the messages to retry (the event source's report_batch_item_failures).
 */
int
links_count(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *records, *rec, *msg;
	struct sparta_aws_error err;
	const char *id, *body;
	size_t i, n, blen;

	records = sparta_json_get(ev, "Records");
	if (sparta_json_type(records) != SPARTA_JSON_ARRAY)
		return sparta_error(res, "BadRequest", "not an SQS event");
	sparta_write_object_begin(res);
	sparta_write_key(res, "batchItemFailures");
	sparta_write_array_begin(res);
	n = sparta_json_count(records);
	for (i = 0; i < n; i++) {
		rec = sparta_json_at(records, i);
		id = sparta_json_string(sparta_json_get(rec, "messageId"), NULL);
		body = sparta_json_string(sparta_json_get(rec, "body"), &blen);
		msg = body != NULL ? sparta_json_parse(ctx, body, blen) : NULL;
		if (links_count_one(ctx, msg, &err) == 0)
			continue;
		fprintf(stderr, "links: message %s not counted: %s: %s "
		    "(HTTP %d)\n", id != NULL ? id : "?", err.type,
		    err.message, err.status);
		sparta_write_object_begin(res);
		sparta_write_key(res, "itemIdentifier");
		sparta_write_string(res, id != NULL ? id : "");
		sparta_write_object_end(res);
	}
	sparta_write_array_end(res);
	return sparta_write_object_end(res) < 0 ? SPARTA_FAIL : 0;
}
