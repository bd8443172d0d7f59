/*
 * test_sigv4 - the SigV4 signer.
 *
 * With no arguments: fixed vectors from the AWS SigV4 test suite.
 * With --oracle: reads one request per line as JSON on stdin and prints one
 * JSON line per request with the canonical request, the string to sign and
 * the Authorization header; tests/test_aws_sigv4.py compares them with
 * botocore's.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/sigv4.h"
#include "aws/url.h"
#include "unit.h"
#include "base/util.h"

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
oracle(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		cJSON *o = cJSON_Parse(line), *r, *hs, *it;
		struct sigv4_header *h = NULL;
		size_t nh = 0, i = 0;
		struct sigv4_input in = {0};
		struct sigv4_output out;
		struct aws_url url;
		char *s, why[320];

		if (o == NULL) {
			fprintf(stderr, "bad JSON line\n");
			return 1;
		}
		hs = cJSON_GetObjectItemCaseSensitive(o, "headers");
		nh = (size_t)cJSON_GetArraySize(hs);
		h = xcalloc(nh + 1, sizeof *h);
		cJSON_ArrayForEach(it, hs) {
			h[i].name = cJSON_GetArrayItem(it, 0)->valuestring;
			h[i].value = cJSON_GetArrayItem(it, 1)->valuestring;
			i++;
		}
		in.method = jstr(o, "method");
		in.url = &url;
		in.headers = h;
		in.nheaders = nh;
		in.payload_hash = jstr(o, "payload_hash");
		in.service = jstr(o, "service");
		in.region = jstr(o, "region");
		in.access_key = jstr(o, "access_key");
		in.secret_key = jstr(o, "secret_key");
		in.session_token = jstr(o, "token");
		in.when = (time_t)cJSON_GetObjectItemCaseSensitive(o, "when")->valuedouble;
		in.is_s3 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "s3"));
		r = cJSON_CreateObject();
		if (aws_url_parse(&url, jstr(o, "url"), why, sizeof why) != 0) {
			cJSON_AddStringToObject(r, "error", why);
		} else if (sigv4_sign(&in, &out) != 0) {
			cJSON_AddStringToObject(r, "error", "bad url");
		} else {
			cJSON_AddStringToObject(r, "canonical_request", out.canonical_request);
			cJSON_AddStringToObject(r, "string_to_sign", out.string_to_sign);
			cJSON_AddStringToObject(r, "authorization", out.authorization);
			cJSON_AddStringToObject(r, "amz_date", out.amz_date);
			if (out.content_sha256)
				cJSON_AddStringToObject(r, "content_sha256", out.content_sha256);
			sigv4_output_free(&out);
		}
		aws_url_free(&url);
		s = cJSON_PrintUnformatted(r);
		puts(s);
		free(s);
		cJSON_Delete(r);
		cJSON_Delete(o);
		free(h);
	}
	free(line);
	return 0;
}

/* Signs in with its URL parsed from s, as aws_send does. */
static int
sign(struct sigv4_input *in, const char *s, struct sigv4_output *out)
{
	struct aws_url url;
	char why[320];
	int rc;

	if (aws_url_parse(&url, s, why, sizeof why) != 0) {
		fprintf(stderr, "%s %s\n", s, why);
		return -1;
	}
	in->url = &url;
	rc = sigv4_sign(in, out);
	in->url = NULL;
	aws_url_free(&url);
	return rc;
}

/* get-vanilla and post-x-www-form-urlencoded from the AWS SigV4 test suite. */
static void
test_vectors(void)
{
	struct sigv4_header h1[] = {{"Host", "example.amazonaws.com"}};
	struct sigv4_input in = {
		.method = "GET",
		.headers = h1,
		.nheaders = 1,
		.payload_hash = SIGV4_EMPTY_SHA256,
		.service = "service",
		.region = "us-east-1",
		.access_key = "AKIDEXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.when = 1440938160, /* 2015-08-30T12:36:00Z */
	};
	struct sigv4_output out;

	CHECK_INT(sign(&in, "https://example.amazonaws.com/", &out), 0);
	CHECK_STR(out.canonical_request,
	    "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
	    "host;x-amz-date\n" SIGV4_EMPTY_SHA256);
	CHECK_STR(out.authorization,
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, "
	    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	sigv4_output_free(&out);

	/* get-relative-relative: dot segments are removed for non-S3 services */
	CHECK_INT(sign(&in, "https://example.amazonaws.com/example1/example2/../..", &out), 0);
	CHECK(strncmp(out.canonical_request, "GET\n/\n", 6) == 0);
	sigv4_output_free(&out);

	/* ...but S3 signs the path as sent */
	in.is_s3 = 1;
	CHECK_INT(sign(&in, "https://example.amazonaws.com/a//b/../c%20d", &out), 0);
	CHECK(strncmp(out.canonical_request, "GET\n/a//b/../c%20d\n", 19) == 0);
	CHECK_STR(out.content_sha256, SIGV4_EMPTY_SHA256);
	sigv4_output_free(&out);

	/* query keys sort by key then value, and are not re-encoded */
	in.is_s3 = 0;
	CHECK_INT(sign(&in, "https://example.amazonaws.com/?b=2&a-b=1&a=2&a=1&c", &out), 0);
	CHECK(strstr(out.canonical_request, "\na=1&a=2&a-b=1&b=2&c=\n") != NULL);
	sigv4_output_free(&out);

	/* the Host header comes from the URL when not given */
	in.nheaders = 0;
	in.session_token = "TOKEN";
	CHECK_INT(sign(&in, "HTTPS://Example.AmazonAWS.com:443/", &out), 0);
	CHECK(strstr(out.canonical_request, "\nhost:example.amazonaws.com\n") != NULL);
	CHECK(strstr(out.canonical_request, "x-amz-security-token:TOKEN\n") != NULL);
	sigv4_output_free(&out);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--oracle") == 0)
		return oracle();
	test_vectors();
	return unit_report("test_sigv4");
}
