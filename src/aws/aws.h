/*
 * aws.h - the AWS client: configuration, credentials, transport, errors.
 *
 * One struct aws per run holds the resolved profile and region, the
 * credentials (refreshed before they expire), the connections kept alive
 * between requests (wire.c), the clock-skew correction and the retry quota.
 * The typed calls are in cfn.h, s3.h, iam.h and sts.h; each takes the client
 * and a struct aws_error, returns 0 on success and -1 on failure with the
 * error filled in, and hands results back in structs with their own _free.
 *
 * Nothing here prints a secret: the access key id may appear in messages,
 * the secret key and session tokens never do.
 */
#ifndef SPARTAC_AWS_H
#define SPARTAC_AWS_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "base/util.h" /* PRINTF_LIKE */

struct aws;

struct aws_error {
	char service[32];      /* "cloudformation" */
	char operation[64];    /* "DescribeStacks" */
	long status;           /* HTTP status; 0 when there was no response */
	char code[128];        /* AWS error code, or one of ours (NoRegion, ...) */
	char message[1024];
	char request_id[128];
};

struct aws_options {
	const char *profile;      /* --profile, or NULL */
	const char *region;       /* --region, or NULL */
	const char *endpoint_url; /* --endpoint-url, or NULL */
};

/* Credentials; the strings are owned. source says where they came from. */
struct aws_creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL for long-term keys */
	time_t expires;      /* 0: never */
	char *source;        /* "environment", "shared credentials file ..." */
};

void aws_creds_free(struct aws_creds *c);

/*
 * Reads the configuration (profile, region, shared files). Credentials are
 * resolved on the first call that needs them. Returns NULL with err set when
 * the configuration is unusable (no region, a bad endpoint URL).
 */
struct aws *aws_open(const struct aws_options *opt, struct aws_error *err);
void aws_close(struct aws *aws);

const char *aws_region(const struct aws *aws);
const char *aws_profile(const struct aws *aws);
/* Resolves the credential chain now (if not done yet). */
int aws_creds_resolve(struct aws *aws, struct aws_error *err);
/* Where the current credentials came from, or NULL before resolution. */
const char *aws_creds_source(const struct aws *aws);
/* API operations called and HTTP requests sent (retries included). */
unsigned long aws_api_calls(const struct aws *aws);
unsigned long aws_http_requests(const struct aws *aws);

/* Called as a request body goes out: bytes sent of total. */
typedef void aws_progress_fn(void *arg, unsigned long long sent,
    unsigned long long total);
/* Reports the progress of request bodies to fn (NULL: stop reporting). */
void aws_set_progress(struct aws *aws, aws_progress_fn *fn, void *arg);

/*
 * Cancellation: once *flag is non-zero (a signal handler sets it), the
 * request in flight is abandoned within a fraction of a second, no retry
 * or backoff follows, and every call fails with the code "Interrupted"
 * until the flag is cleared. NULL: never cancelled.
 */
void aws_set_cancel(struct aws *aws, volatile sig_atomic_t *flag);
/* 1 when the error is that cancellation. */
int aws_error_is_interrupted(const struct aws_error *err);

/* Fills err in (a NULL err is ignored). An error of the caller's own, not
 * AWS's, has a NULL service and operation: no request id either. */
void aws_error_set(struct aws_error *err, const char *service,
    const char *operation, const char *code, const char *fmt, ...)
    PRINTF_LIKE(5, 6);
/* Logs "SERVICE OPERATION: CODE: MESSAGE (request id ID)" at error level. */
void aws_error_log(const struct aws_error *err);
/* 1 when the error is a missing resource (HTTP 404, NoSuchBucket, ...). */
int aws_error_is_not_found(const struct aws_error *err);

#endif
