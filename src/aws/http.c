/*
 * http.c - the transport: signing, retries, error decoding; the bytes go
 * over wire.c, which keeps connections alive between requests. Retries follow the SDKs' "standard" mode:
 * throttling, 5xx, transient codes, resets and timeouts are retried with
 * full-jitter exponential backoff, up to AWS_MAX_ATTEMPTS attempts (default
 * 3) and within a retry quota (500 tokens, 5 a retry, 10 after a timeout,
 * paid back on success) so that an outage does not multiply the load.
 * A clock-skew error corrects the client's clock from the server's Date and
 * is retried at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/internal.h"
#include "aws/url.h"
#include "aws/wire.h"
#include "base/diag.h"
#include "base/util.h"

#define QUOTA_RETRY_COST 5
#define QUOTA_TIMEOUT_COST 10

void
aws_error_set(struct aws_error *err, const char *service, const char *operation,
    const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof *err);
	snprintf(err->service, sizeof err->service, "%s", service ? service : "");
	snprintf(err->operation, sizeof err->operation, "%s", operation ? operation : "");
	snprintf(err->code, sizeof err->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

void
aws_error_log(const struct aws_error *err)
{
	struct buf b = {0};

	if (err->service[0])
		buf_printf(&b, "%s %s: ", err->service, err->operation);
	buf_printf(&b, "%s: %s", err->code, err->message);
	if (err->request_id[0])
		buf_printf(&b, " (request id %s)", err->request_id);
	log_error("%s", b.data);
	buf_free(&b);
}

int
aws_error_is_interrupted(const struct aws_error *err)
{
	return strcmp(err->code, "Interrupted") == 0;
}

static int
cancelled(const struct aws *aws)
{
	return aws->cancel != NULL && *aws->cancel != 0;
}

int
aws_error_is_not_found(const struct aws_error *err)
{
	return err->status == 404 || strcmp(err->code, "NoSuchBucket") == 0 ||
	    strcmp(err->code, "NoSuchKey") == 0 ||
	    strcmp(err->code, "NoSuchEntity") == 0 ||
	    strcmp(err->code, "NotFound") == 0;
}

static int
code_is_skew(const char *code)
{
	static const char *const codes[] = {
		"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
		"InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
	};
	return aws_code_in(code, codes, NELEM(codes));
}

long
aws_backoff_ms(int attempt, int throttled)
{
	/* The AWS SDK for Java v2 numbers for standard mode: 100 ms base,
	 * 500 ms for throttling, 20 s cap; full jitter. */
	long base = throttled ? 500 : 100, cap = 20000, ceil_ms;
	int shift = attempt - 1 > 10 ? 10 : attempt - 1;

	ceil_ms = base << shift;
	if (ceil_ms > cap)
		ceil_ms = cap;
	return (long)((double)ceil_ms * ((double)rand() / ((double)RAND_MAX + 1.0)));
}

/* Sleeps in slices of at most 50 ms, so a cancellation ends the wait. */
static void
sleep_ms(const struct aws *aws, long ms)
{
	struct timespec ts;

	while (ms > 0 && !cancelled(aws)) {
		long step = ms > 50 ? 50 : ms;

		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

const char *
aws_response_header(const struct aws_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return r->hdr[i].value;
	return NULL;
}

void
aws_response_headers_clear(struct aws_response *r)
{
	size_t i;

	for (i = 0; i < r->nhdr; i++) {
		free(r->hdr[i].name);
		free(r->hdr[i].value);
	}
	r->nhdr = 0;
}

static void
response_reset(struct aws_response *r)
{
	aws_response_headers_clear(r);
	r->body.len = 0;
	if (r->body.data)
		r->body.data[0] = '\0';
	r->status = 0;
}

void
aws_response_free(struct aws_response *r)
{
	response_reset(r);
	free(r->hdr);
	buf_free(&r->body);
	memset(r, 0, sizeof *r);
}

static const char *
status_code_name(long status)
{
	switch (status) {
	case 301: return "PermanentRedirect";
	case 304: return "NotModified";
	case 400: return "BadRequest";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 429: return "TooManyRequestsException";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	default: return NULL;
	}
}

/* Fills err from an error response: XML (Query, S3) or JSON. */
static void
error_decode(const struct aws_request *req, const struct aws_response *resp,
    struct aws_error *err)
{
	const char *code = NULL, *msg = NULL, *rid = NULL, *s;
	struct xml_node *x = NULL;
	cJSON *j = NULL;
	char why[160];
	char fallback[32];

	const char *b = resp->body.data ? resp->body.data : "";

	while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	if (*b == '<') {
		x = xml_parse(b, resp->body.len - (size_t)(b - resp->body.data), why,
		    sizeof why);
		code = xml_get(xml_search(x, "Code"), "");
		msg = xml_get(xml_search(x, "Message"), "");
		rid = xml_get(xml_search(x, "RequestId"), "");
	} else if (*b == '{') {
		j = cJSON_Parse(b);
		if (j != NULL) {
			const cJSON *c = cJSON_GetObjectItem(j, "__type");
			const cJSON *m = cJSON_GetObjectItem(j, "message");
			if (!cJSON_IsString(c))
				c = cJSON_GetObjectItem(j, "code");
			if (!cJSON_IsString(m))
				m = cJSON_GetObjectItem(j, "Message");
			code = cJSON_IsString(c) ? c->valuestring : NULL;
			msg = cJSON_IsString(m) ? m->valuestring : NULL;
			if (code && strchr(code, '#'))
				code = strchr(code, '#') + 1;
		}
	}
	if (code == NULL || *code == '\0') {
		code = status_code_name(resp->status);
		if (code == NULL) {
			snprintf(fallback, sizeof fallback, "HTTP%ld", resp->status);
			code = fallback;
		}
	}
	aws_error_set(err, req->service, req->operation, code, "%s",
	    msg && *msg ? msg : "(no message)");
	err->status = resp->status;
	if ((s = aws_response_header(resp, "x-amzn-RequestId")) != NULL ||
	    (s = aws_response_header(resp, "x-amz-request-id")) != NULL)
		rid = s;
	if (rid)
		snprintf(err->request_id, sizeof err->request_id, "%s", rid);
	xml_free(x);
	cJSON_Delete(j);
}

/* The server's clock from its Date header, minus ours. */
static long
skew_from_date(const char *date)
{
	long long server = wire_parse_date(date);

	if (server <= 0)
		return 0;
	return (long)(server - time(NULL));
}

static enum wire_result
perform(struct aws *aws, struct aws_request *req, const struct aws_url *url,
    const struct sigv4_output *sig, const struct aws_creds *creds,
    struct aws_response *resp, char *errbuf, size_t errlen)
{
	struct wire_request wr = {0};
	struct buf lines = {0};
	enum wire_result rc;
	size_t i;

	buf_append(&lines, "", 0);
	for (i = 0; i < req->nhdr; i++)
		buf_printf(&lines, "%s: %s\r\n", req->hdr[i].name, req->hdr[i].value);
	if (sig != NULL) {
		buf_printf(&lines, "X-Amz-Date: %s\r\n", sig->amz_date);
		if (sig->content_sha256)
			buf_printf(&lines, "X-Amz-Content-SHA256: %s\r\n",
			    sig->content_sha256);
		if (creds->session_token)
			buf_printf(&lines, "X-Amz-Security-Token: %s\r\n",
			    creds->session_token);
		buf_printf(&lines, "Authorization: %s\r\n", sig->authorization);
	}
	/* the canonical form of what was checked and signed, sent as it is:
	 * dot segments in an S3 key are part of the key */
	wr.url = url;
	wr.method = req->method;
	wr.headers = lines.data;
	if (strcmp(req->method, "HEAD") != 0 && strcmp(req->method, "GET") != 0) {
		wr.body = req->body;
		wr.body_len = req->body_len;
		wr.body_fp = req->body_fp;
		wr.body_off = req->body_off;
	}
	wr.timeout_ms = req->timeout_ms ? req->timeout_ms : aws->timeout_ms;
	wr.ca_bundle = aws->ca_bundle;
	wr.cancel = aws->cancel;
	wr.progress = aws->progress;
	wr.progress_arg = aws->progress_arg;
	rc = wire_exchange(&aws->wire, &wr, resp, errbuf, errlen);
	explicit_bzero(lines.data, lines.cap);
	buf_free(&lines);
	aws->requests++;
	return rc;
}

/* Signs req with its own credentials, else the client's (fetched now if
 * need be); *creds is set to those used. -1 with err set on failure. */
static int
sign_request(struct aws *aws, const struct aws_request *req,
    const struct aws_url *url, const char *payload_hash,
    const struct aws_creds **creds, struct sigv4_output *sig,
    struct aws_error *err)
{
	struct sigv4_input in = {0};

	if (*creds == NULL) {
		if (aws_creds_ensure(aws, err) != 0)
			return -1;
		*creds = &aws->creds;
	}
	in.method = req->method;
	in.url = url;
	in.headers = req->hdr;
	in.nheaders = req->nhdr;
	in.payload_hash = payload_hash;
	in.service = req->service;
	in.region = aws_signing_region(aws, req->service);
	in.access_key = (*creds)->access_key;
	in.secret_key = (*creds)->secret_key;
	in.session_token = (*creds)->session_token;
	in.when = aws_now(aws);
	in.is_s3 = req->is_s3;
	if (sigv4_sign(&in, sig) != 0) {
		aws_error_set(err, req->service, req->operation,
		    "InvalidEndpoint", "cannot sign a request to %s", url->href);
		return -1;
	}
	return 0;
}

/* Parses the request's URL once: its canonical form is what is signed and
 * what is sent. Plain http carries a signed request only to
 * loopback (the metadata sources check their own hosts). */
static int
request_url(const struct aws_request *req, struct aws_url *url,
    struct aws_error *err)
{
	char why[320];

	if (aws_url_parse(url, req->url, why, sizeof why) != 0) {
		aws_error_set(err, req->service, req->operation,
		    "InvalidEndpoint", "the request's URL %s", why);
		return -1;
	}
	if (!url->https && !req->is_metadata && !aws_url_is_loopback(url)) {
		aws_error_set(err, req->service, req->operation,
		    "InsecureEndpoint", "refusing to send a request over plain "
		    "http to %s, which is not a loopback host", url->authority);
		aws_url_free(url);
		return -1;
	}
	return 0;
}

int
aws_send(struct aws *aws, struct aws_request *req, struct aws_response *resp,
    struct aws_error *err)
{
	int max = req->max_attempts ? req->max_attempts : aws->retry.max_attempts;
	int attempt, cost = 0;
	char hash[65], errbuf[512];
	const char *payload_hash = req->payload_hash;
	long long t0 = mono_ms();
	struct buf where = {0};
	struct aws_url url;
	int rcode = -1;

	if (payload_hash == NULL) {
		aws_sha256_hex(req->body ? req->body : "", req->body_len, hash);
		payload_hash = hash;
	}
	if (request_url(req, &url, err) != 0)
		return -1;
	buf_printf(&where, "%s%s", url.authority, url.path);
	if (!req->is_metadata)
		aws->calls++;
	for (attempt = 1;; attempt++) {
		const struct aws_creds *creds = req->creds;
		struct sigv4_output sig, *sigp = NULL;
		enum wire_result rc;
		int retry = 0, throttled = 0, is_timeout = 0;

		response_reset(resp);
		if (cancelled(aws)) {
			aws_error_set(err, req->service, req->operation,
			    "Interrupted", "%s: interrupted by a signal",
			    where.data);
			break;
		}
		if (!req->unsigned_request) {
			if (sign_request(aws, req, &url, payload_hash, &creds, &sig,
			    err) != 0)
				break;
			sigp = &sig;
		}
		rc = perform(aws, req, &url, sigp, creds, resp, errbuf, sizeof errbuf);
		if (sigp)
			sigv4_output_free(sigp);
		if (rc == WIRE_OK && resp->status >= 200 && resp->status < 300) {
			/* a success pays back what its retries took, or one token */
			aws->retry.quota += cost ? cost : 1;
			if (aws->retry.quota > 500)
				aws->retry.quota = 500;
			rcode = 0;
			break;
		}
		if (rc == WIRE_CANCELLED) {
			/* abandoned: the server may or may not have applied it */
			aws_error_set(err, req->service, req->operation,
			    "Interrupted", "%s: interrupted by a signal while "
			    "waiting for the answer", where.data);
			break;
		}
		if (rc != WIRE_OK) {
			aws_error_set(err, req->service, req->operation,
			    rc == WIRE_TIMEOUT ? "RequestTimeout" : "NetworkError",
			    "%s: %s", where.data, errbuf);
			retry = rc == WIRE_NETWORK || rc == WIRE_TIMEOUT;
			is_timeout = rc == WIRE_TIMEOUT;
		} else {
			error_decode(req, resp, err);
			if (code_is_skew(err->code)) {
				long skew = skew_from_date(aws_response_header(resp, "Date"));
				long diff = skew - aws->skew;
				/* only a real difference of clocks is worth a retry;
				 * a wrong secret also gives SignatureDoesNotMatch */
				if (diff > 240 || diff < -240 ||
				    strcmp(err->code, "RequestTimeTooSkewed") == 0 ||
				    strcmp(err->code, "RequestInTheFuture") == 0) {
					log_debug("aws: clock skew of %ld s corrected from the server's Date", skew);
					aws->skew = skew;
					if (attempt < max)
						continue;
				}
			} else if ((strcmp(err->code, "ExpiredToken") == 0 ||
			    strcmp(err->code, "ExpiredTokenException") == 0) &&
			    req->creds == NULL && aws_creds_refreshable(aws)) {
				/* expired sooner than it said: fetch new ones now */
				log_debug("aws: %s; refreshing credentials", err->code);
				aws->creds.expires = 1;
				if (attempt < max)
					continue;
			} else if (resp->status == 429 || aws_error_code_is_throttle(err->code)) {
				retry = throttled = 1;
			} else if (resp->status == 500 || resp->status == 502 ||
			    resp->status == 503 || resp->status == 504 ||
			    aws_error_code_is_transient(err->code)) {
				retry = 1;
			}
		}
		if (!retry || attempt >= max)
			break;
		{
			int c = is_timeout ? QUOTA_TIMEOUT_COST : QUOTA_RETRY_COST;
			if (aws->retry.quota < c) {
				log_debug("aws: retry quota exhausted");
				break;
			}
			aws->retry.quota -= c;
			cost += c;
		}
		{
			long ms = aws_backoff_ms(attempt, throttled);
			log_debug("aws: %s %s: %s, retrying in %ld ms (attempt %d of %d)",
			    req->service, req->operation, err->code, ms, attempt + 1, max);
			sleep_ms(aws, ms);
		}
	}
	log_debug("aws: %s %s %s -> %ld, %d attempt%s, %lld ms", req->operation,
	    req->method, where.data, resp->status, attempt, attempt == 1 ? "" : "s",
	    mono_ms() - t0);
	buf_free(&where);
	aws_url_free(&url);
	return rcode;
}
