/*
 * sigv4.h - AWS Signature Version 4, as a pure function.
 *
 * No clock, no network, no globals: given the request as it will be sent,
 * the credentials and the time, it returns what is signed and the headers to
 * add. tests/test_aws_sigv4.py compares its output byte for byte with
 * botocore's SigV4Auth and S3SigV4Auth over generated requests.
 */
#ifndef SPARTAC_AWS_SIGV4_H
#define SPARTAC_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws/url.h"
#include "base/util.h"

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_input {
	const char *method;
	/* the URL as parsed by aws_url_parse, whose canonical form is sent
	 * (path and query already percent-encoded): the signed path and query
	 * are its, and the Host header is its authority unless headers holds
	 * one. */
	const struct aws_url *url;
	const struct sigv4_header *headers;
	size_t nheaders;
	const char *payload_hash; /* hex SHA-256 of the body or UNSIGNED-PAYLOAD */
	const char *service;      /* signing name: s3, cloudformation, iam, sts */
	const char *region;
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL for long-term keys */
	time_t when;
	/* S3 rules: the path is signed as sent (no dot-segment removal, no
	 * second encoding) and X-Amz-Content-SHA256 is always sent. */
	int is_s3;
};

struct sigv4_output {
	char *canonical_request;
	char *string_to_sign;
	char *signature;      /* hex */
	char *authorization;  /* the Authorization header's value */
	char *amz_date;       /* X-Amz-Date: 20150830T123600Z */
	char *content_sha256; /* X-Amz-Content-SHA256 to send (S3), else NULL */
};

/* Fills out (owned by the caller: sigv4_output_free). Returns 0, or -1 when
 * there is no URL. */
int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out);
void sigv4_output_free(struct sigv4_output *out);

/* Percent-encodes s[0..n) as RFC 3986 wants: unreserved characters and those
 * in safe stay, every other byte becomes %XX (upper-case hex). */
void aws_uri_encode(struct buf *b, const char *s, size_t n, const char *safe);
/* Lower-case hex SHA-256 of data, into hex[65]. */
void aws_sha256_hex(const void *data, size_t len, char hex[65]);

#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#endif
