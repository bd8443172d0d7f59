/*
 * aws.c - calling AWS APIs from a handler (<sparta/aws.h>): the JSON and
 * Query protocols and S3 objects, signed with spartac's own SigV4 signer
 * (src/aws/sigv4.c, compiled into the bootstrap), sent through fetch.c.
 *
 * Each call reads the credentials from the environment again (Lambda may
 * change them between invocations), finds the endpoint (AWS_ENDPOINT_URL_
 * <SERVICE>, AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com)
 * and retries as the SDKs' standard mode: 3 attempts in all, after a
 * transport error, a 5xx, a 429 or a throttling or transient error code,
 * sleeping a random fraction of 2^attempt seconds (at most 20 s, and never
 * past the invocation's deadline).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/retry_codes.h"
#include "aws/sigv4.h"
#include "aws/url.h"
#include "base/util.h"
#include "runtime.h"
#include "sparta/aws.h"

#define AWS_ATTEMPTS 3
#define AWS_MAX_HEADERS 16

struct aws_call {
	const char *service;    /* endpoint prefix and signing name */
	const char *method;
	const char *path;       /* from '/', encoded, with the query */
	const char *const *headers; /* extra "Name: value" lines, or NULL */
	const void *body;
	size_t len;
	int is_s3;
};

static void
err_set(struct sparta_context *ctx, struct sparta_aws_error *err, int status,
    const char *type, size_t tlen, const char *msg, size_t mlen)
{
	struct rt_arena *a = &ctx->priv->arena;

	err->status = status;
	err->type = rt_arena_strndup(a, type, tlen);
	err->message = rt_arena_strndup(a, msg, mlen);
	if (err->type == NULL || err->message == NULL) {
		err->type = "OutOfMemory";
		err->message = "out of memory";
	}
}

static void
err_printf(struct sparta_context *ctx, struct sparta_aws_error *err,
    const char *type, const char *msg)
{
	err_set(ctx, err, 0, type, strlen(type), msg, strlen(msg));
}

/* The endpoint's base URL (no trailing '/'), malloc'ed, or NULL. */
static char *
endpoint_for(const char *service, const char *region)
{
	char var[96], *p;
	const char *v;
	size_t n;

	n = (size_t)snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", service);
	for (p = var + 17; *p != '\0'; p++)
		*p = *p == '-' || *p == ' ' ? '_'
		    : (char)toupper((unsigned char)*p);
	if (n >= sizeof(var) || (v = getenv(var)) == NULL || *v == '\0')
		v = getenv("AWS_ENDPOINT_URL");
	if (v != NULL && *v != '\0') {
		n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			n--;
		return strndup(v, n);
	}
	if ((p = malloc(strlen(service) + strlen(region) + 40)) != NULL)
		sprintf(p, "https://%s.%s.amazonaws.com", service, region);
	return p;
}

/* The text between <tag> and </tag> in an XML reply, or NULL. */
static const char *
xml_text(const char *xml, const char *tag, size_t *len)
{
	char open[48], close[48];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((s = strstr(xml, open)) == NULL)
		return NULL;
	s += strlen(open);
	if ((e = strstr(s, close)) == NULL)
		return NULL;
	*len = (size_t)(e - s);
	return s;
}

/* Fills err from an error reply (JSON __type/message or XML Code/Message). */
static void
err_from_reply(struct sparta_context *ctx, struct sparta_aws_error *err,
    const struct rt_fetch_reply *rep)
{
	const char *body = rep->body.data ? rep->body.data : "";
	const struct sparta_json *j = NULL, *m;
	const char *type = NULL, *msg = "", *h;
	size_t tlen = 0, mlen = 0;

	if (body[0] == '{')
		j = sparta_json_parse(ctx, body, rep->body.len);
	if (j != NULL) {
		type = sparta_json_string(sparta_json_get(j, "__type"), &tlen);
		if (type == NULL)
			type = sparta_json_string(sparta_json_get(j, "code"),
			    &tlen);
		m = sparta_json_get(j, "message");
		if (m == NULL)
			m = sparta_json_get(j, "Message");
		if ((msg = sparta_json_string(m, &mlen)) == NULL)
			msg = "";
	} else if ((type = xml_text(body, "Code", &tlen)) != NULL) {
		if ((msg = xml_text(body, "Message", &mlen)) == NULL)
			msg = "";
	}
	if (type == NULL && rep->headers.data != NULL &&
	    (h = strstr(rep->headers.data, "x-amzn-ErrorType: ")) != NULL) {
		type = h + 18;
		tlen = strcspn(type, ":\r");
	}
	if (type == NULL) {
		type = "HttpError";
		tlen = strlen(type);
	}
	/* "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" */
	for (h = type + tlen; h > type; h--)
		if (h[-1] == '#') {
			tlen -= (size_t)(h - type);
			type = h;
			break;
		}
	tlen = strcspn(type, ":") < tlen ? strcspn(type, ":") : tlen;
	err_set(ctx, err, rep->status, type, tlen, msg, mlen);
}

static void
backoff(struct sparta_context *ctx, int attempt)
{
	static int seeded;
	double cap = (double)(1 << attempt), s;
	long long left = ctx->deadline_ms > 0 ? sparta_remaining_ms(ctx) : 0;
	struct timespec ts;

	if (!seeded) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		srand((unsigned)(ts.tv_nsec ^ ts.tv_sec));
		seeded = 1;
	}
	s = (double)rand() / ((double)RAND_MAX + 1.0) * (cap > 20 ? 20 : cap);
	if (ctx->deadline_ms > 0 && s * 1000 > (double)left / 2)
		s = (double)left / 2000;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Splits "Name: value" lines into sh[] (names copied into names). */
static size_t
headers_split(const char *const *lines, struct sigv4_header *sh, size_t max,
    struct rt_buf *names)
{
	size_t i, n = 0, off[AWS_MAX_HEADERS];
	const char *colon;

	for (i = 0; lines != NULL && lines[i] != NULL && n < max; i++) {
		if ((colon = strchr(lines[i], ':')) == NULL)
			continue;
		off[n] = names->len;
		rt_buf_append(names, lines[i], (size_t)(colon - lines[i]));
		rt_buf_putc(names, '\0');
		for (colon++; *colon == ' ' || *colon == '\t'; colon++)
			;
		sh[n++].value = colon;
	}
	for (i = 0; i < n && !names->oom; i++)
		sh[i].name = names->data + off[i];
	return names->oom ? 0 : n;
}

/* The headers the signature adds, NUL-separated into b, pointed to from
 * lines[] after the call's own. */
static void
signed_lines(const struct aws_call *call, const struct sigv4_output *out,
    const char *token, struct rt_buf *b, const char **lines)
{
	size_t off[4], n = 0, k = 0, i;

	off[k++] = b->len;
	rt_buf_printf(b, "X-Amz-Date: %s%c", out->amz_date, '\0');
	off[k++] = b->len;
	rt_buf_printf(b, "Authorization: %s%c", out->authorization, '\0');
	if (token != NULL) {
		off[k++] = b->len;
		rt_buf_printf(b, "X-Amz-Security-Token: %s%c", token, '\0');
	}
	if (out->content_sha256 != NULL) {
		off[k++] = b->len;
		rt_buf_printf(b, "X-Amz-Content-SHA256: %s%c",
		    out->content_sha256, '\0');
	}
	for (i = 0; call->headers != NULL && call->headers[i] != NULL &&
	    n < AWS_MAX_HEADERS; i++)
		lines[n++] = call->headers[i];
	for (i = 0; i < k && !b->oom; i++)
		lines[n++] = b->data + off[i];
	lines[n] = NULL;
}

/* Signs and sends one attempt; 0 with rep filled, -1 with err set. */
static int
attempt_send(struct sparta_context *ctx, const struct aws_call *call,
    const char *base, const char *region, struct rt_fetch_reply *rep,
    struct sparta_aws_error *err)
{
	const char *key = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");
	struct sigv4_header sh[AWS_MAX_HEADERS];
	const char *lines[AWS_MAX_HEADERS + 5];
	struct rt_buf names = {0}, extra = {0}, url = {0};
	struct rt_fetch_request rq;
	struct sigv4_output out;
	struct sigv4_input in;
	struct aws_url u;
	char why[320], hash[65], msg[480];
	long long left;
	int rc = -1;

	if (key == NULL || *key == '\0' || secret == NULL || *secret == '\0') {
		err_printf(ctx, err, "MissingCredentials", "AWS_ACCESS_KEY_ID "
		    "and AWS_SECRET_ACCESS_KEY are not both set");
		return -1;
	}
	if (token != NULL && *token == '\0')
		token = NULL;
	rt_buf_printf(&url, "%s%s", base, call->path);
	if (url.oom || aws_url_parse(&u, url.data, why, sizeof(why)) != 0) {
		snprintf(msg, sizeof(msg), "the endpoint URL %s %s", base,
		    url.oom ? ": out of memory" : why);
		err_printf(ctx, err, "InvalidEndpoint", msg);
		rt_buf_free(&url);
		return -1;
	}
	rt_buf_free(&url);
	aws_sha256_hex(call->body != NULL ? call->body : "", call->len, hash);
	memset(&in, 0, sizeof(in));
	in.method = call->method;
	in.url = &u;
	in.headers = sh;
	in.nheaders = headers_split(call->headers, sh, AWS_MAX_HEADERS, &names);
	in.payload_hash = hash;
	in.service = call->service;
	in.region = region;
	in.access_key = key;
	in.secret_key = secret;
	in.session_token = token;
	in.when = time(NULL);
	in.is_s3 = call->is_s3;
	if (names.oom || sigv4_sign(&in, &out) != 0) {
		snprintf(rep->err, sizeof(rep->err), "cannot sign the request");
	} else {
		signed_lines(call, &out, token, &extra, lines);
		memset(&rq, 0, sizeof(rq));
		rq.method = call->method;
		rq.url = u.href;
		rq.headers = lines;
		rq.body = call->body;
		rq.len = call->len;
		left = ctx->deadline_ms > 0 ? sparta_remaining_ms(ctx) : 0;
		rq.timeout_ms = left > 0 && left < 30000 ? (long)left : 30000;
		if (extra.oom)
			snprintf(rep->err, sizeof(rep->err), "out of memory");
		else
			rc = rt_fetch(&rq, rep);
		sigv4_output_free(&out);
	}
	rt_buf_free(&names);
	rt_buf_free(&extra);
	aws_url_free(&u);
	if (rc < 0)
		err_printf(ctx, err, "NetworkError", rep->err);
	return rc;
}

/* Standard retry mode around attempt_send. 0 with a 2xx reply in rep. */
static int
aws_send(struct sparta_context *ctx, const struct aws_call *call,
    struct rt_fetch_reply *rep, struct sparta_aws_error *err)
{
	const char *region = getenv("AWS_REGION");
	char *base;
	int attempt, rc = -1, retry;

	memset(err, 0, sizeof(*err));
	if (region == NULL || *region == '\0')
		region = getenv("AWS_DEFAULT_REGION");
	if (region == NULL || *region == '\0') {
		err_printf(ctx, err, "MissingRegion", "AWS_REGION is not set");
		return -1;
	}
	if ((base = endpoint_for(call->service, region)) == NULL) {
		err_printf(ctx, err, "OutOfMemory", "out of memory");
		return -1;
	}
	for (attempt = 0; attempt < AWS_ATTEMPTS; attempt++) {
		if (attempt > 0)
			backoff(ctx, attempt - 1);
		if (attempt_send(ctx, call, base, region, rep, err) < 0) {
			retry = strcmp(err->type, "NetworkError") == 0;
		} else if (rep->status >= 200 && rep->status < 300) {
			rc = 0;
			break;
		} else {
			err_from_reply(ctx, err, rep);
			retry = rep->status >= 500 || rep->status == 429 ||
			    aws_error_code_is_throttle(err->type) ||
			    aws_error_code_is_transient(err->type);
		}
		if (!retry || (ctx->deadline_ms > 0 &&
		    sparta_remaining_ms(ctx) < 100))
			break;
	}
	free(base);
	return rc;
}

/* ---- The public calls ---- */

struct sparta_response *
sparta_json_buffer(struct sparta_context *ctx)
{
	struct rt_json_buffer *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		/* As sparta_alloc: callers write into it unchecked. */
		fputs("sparta: out of memory in sparta_json_buffer\n", stderr);
		_Exit(1);
	}
	b->next = ctx->priv->buffers;
	ctx->priv->buffers = b;
	return &b->res;
}

const char *
sparta_json_buffer_text(struct sparta_response *buf, size_t *len)
{
	if (buf == NULL || buf->body.oom || buf->w.misuse || buf->w.depth != 0)
		return NULL;
	if (len != NULL)
		*len = buf->body.len;
	return buf->body.data != NULL ? buf->body.data : "";
}

const struct sparta_json *
sparta_aws_json(struct sparta_context *ctx, const char *service,
    const char *target, const char *version, struct sparta_response *input,
    struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	struct aws_call call;
	const struct sparta_json *j = NULL;
	const char *body;
	char ctype[64], tgt[256];
	const char *hdrs[3];
	size_t len = 2;

	body = input != NULL ? sparta_json_buffer_text(input, &len) : "{}";
	if (body == NULL) {
		memset(err, 0, sizeof(*err));
		err_printf(ctx, err, "InvalidInput", "the request JSON is "
		    "unfinished or out of memory");
		return NULL;
	}
	if (len == 0) {
		body = "{}";
		len = 2;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: application/"
	    "x-amz-json-%s", version != NULL ? version : "1.0");
	snprintf(tgt, sizeof(tgt), "X-Amz-Target: %s", target);
	hdrs[0] = ctype;
	hdrs[1] = tgt;
	hdrs[2] = NULL;
	memset(&call, 0, sizeof(call));
	call.service = service;
	call.method = "POST";
	call.path = "/";
	call.headers = hdrs;
	call.body = body;
	call.len = len;
	memset(&rep, 0, sizeof(rep));
	if (aws_send(ctx, &call, &rep, err) == 0) {
		j = sparta_json_parse(ctx, rep.body.len ? rep.body.data : "{}",
		    rep.body.len ? rep.body.len : 2);
		if (j == NULL)
			err_set(ctx, err, rep.status, "InvalidReply", 12,
			    "the reply is not JSON", 21);
	}
	rt_fetch_reply_free(&rep);
	return j;
}

/* Form encoding of the Query protocol (RFC 3986 unreserved kept). */
static void
form_put(struct buf *b, const char *s)
{
	aws_uri_encode(b, s, strlen(s), NULL);
}

/* The reply body copied into the arena, or NULL with err set. */
static const char *
reply_body(struct sparta_context *ctx, const struct rt_fetch_reply *rep,
    size_t *len, struct sparta_aws_error *err)
{
	char *p = rt_arena_strndup(&ctx->priv->arena,
	    rep->body.data ? rep->body.data : "", rep->body.len);

	if (p == NULL) {
		err_printf(ctx, err, "OutOfMemory", "out of memory");
		return NULL;
	}
	if (len != NULL)
		*len = rep->body.len;
	return p;
}

const char *
sparta_aws_query(struct sparta_context *ctx, const char *service,
    const char *action, const char *version, const char *const *params,
    size_t *len, struct sparta_aws_error *err)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
		NULL,
	};
	struct rt_fetch_reply rep;
	struct aws_call call;
	struct buf body = {0};
	const char *out = NULL;
	size_t i;

	buf_puts(&body, "Action=");
	form_put(&body, action);
	buf_puts(&body, "&Version=");
	form_put(&body, version);
	for (i = 0; params != NULL && params[i] != NULL &&
	    params[i + 1] != NULL; i += 2) {
		buf_putc(&body, '&');
		form_put(&body, params[i]);
		buf_putc(&body, '=');
		form_put(&body, params[i + 1]);
	}
	memset(&call, 0, sizeof(call));
	call.service = service;
	call.method = "POST";
	call.path = "/";
	call.headers = hdrs;
	call.body = body.data;
	call.len = body.len;
	memset(&rep, 0, sizeof(rep));
	if (aws_send(ctx, &call, &rep, err) == 0)
		out = reply_body(ctx, &rep, len, err);
	rt_fetch_reply_free(&rep);
	buf_free(&body);
	return out;
}

/* S3 object calls: path style (/bucket/key), which every endpoint takes;
 * with sub, the bucket's subresource (/bucket?sub) instead of a key. */
static int
s3_call(struct sparta_context *ctx, const char *method, const char *bucket,
    const char *key, const char *sub, const void *data, size_t dlen,
    const char *ctype,
    struct rt_fetch_reply *rep, struct sparta_aws_error *err)
{
	struct buf path = {0}, ct = {0};
	const char *hdrs[2] = { NULL, NULL };
	struct aws_call call;
	int rc;

	buf_putc(&path, '/');
	aws_uri_encode(&path, bucket, strlen(bucket), NULL);
	if (sub != NULL) { /* a bucket subresource: /bucket?name */
		buf_putc(&path, '?');
		aws_uri_encode(&path, sub, strlen(sub), NULL);
	} else {
		buf_putc(&path, '/');
		aws_uri_encode(&path, key, strlen(key), "/");
	}
	if (ctype != NULL) {
		buf_printf(&ct, "Content-Type: %s", ctype);
		hdrs[0] = ct.data;
	}
	memset(&call, 0, sizeof(call));
	call.service = "s3";
	call.method = method;
	call.path = path.data;
	call.headers = hdrs;
	call.body = data;
	call.len = dlen;
	call.is_s3 = 1;
	rc = aws_send(ctx, &call, rep, err);
	buf_free(&path);
	buf_free(&ct);
	return rc;
}

const char *
sparta_s3_get(struct sparta_context *ctx, const char *bucket, const char *key,
    size_t *len, struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	const char *out = NULL;

	memset(&rep, 0, sizeof(rep));
	if (s3_call(ctx, "GET", bucket, key, NULL, NULL, 0, NULL, &rep, err) == 0)
		out = reply_body(ctx, &rep, len, err);
	rt_fetch_reply_free(&rep);
	return out;
}

int
sparta_s3_put(struct sparta_context *ctx, const char *bucket, const char *key,
    const void *data, size_t len, const char *content_type,
    struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = s3_call(ctx, "PUT", bucket, key, NULL, data != NULL ? data : "",
	    len, content_type, &rep, err);
	rt_fetch_reply_free(&rep);
	return rc;
}

int
sparta_s3_delete(struct sparta_context *ctx, const char *bucket,
    const char *key, struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = s3_call(ctx, "DELETE", bucket, key, NULL, NULL, 0, NULL, &rep, err);
	rt_fetch_reply_free(&rep);
	return rc;
}

const char *
sparta_s3_bucket_get(struct sparta_context *ctx, const char *bucket,
    const char *sub, size_t *len, struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	const char *out = NULL;

	memset(&rep, 0, sizeof(rep));
	if (s3_call(ctx, "GET", bucket, NULL, sub, NULL, 0, NULL, &rep,
	    err) == 0)
		out = reply_body(ctx, &rep, len, err);
	rt_fetch_reply_free(&rep);
	return out;
}

int
sparta_s3_bucket_put(struct sparta_context *ctx, const char *bucket,
    const char *sub, const void *data, size_t len, const char *content_type,
    struct sparta_aws_error *err)
{
	struct rt_fetch_reply rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = s3_call(ctx, "PUT", bucket, NULL, sub, data != NULL ? data : "",
	    len, content_type, &rep, err);
	rt_fetch_reply_free(&rep);
	return rc;
}
