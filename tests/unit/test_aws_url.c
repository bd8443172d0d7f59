/*
 * test_aws_url - the one URL parser (src/aws/url.c) and the decisions made
 * on what it returns: configured endpoints and the last check before a
 * request is sent. Every bypass of the loopback-only rule from issue 19 is
 * here, with the reason it is refused; tests/test_aws_url.py shows the same
 * end to end, with listeners that must receive nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/internal.h"
#include "aws/url.h"
#include "base/util.h"
#include "unit.h"

struct ok_case {
	const char *in, *href, *host, *authority;
	int loopback;
};

/* Accepted, with the canonical form that is sent. */
static const struct ok_case ok_cases[] = {
	{"http://127.0.0.1:5000", "http://127.0.0.1:5000", "127.0.0.1", "127.0.0.1:5000", 1},
	/* the scheme and host in any case, read as lower case; default port dropped */
	{"HTTP://LOCALHOST:80/", "http://localhost/", "localhost", "localhost", 1},
	{"HtTpS://Example.COM:0443/a?b=c", "https://example.com/a?b=c", "example.com", "example.com", 0},
	{"http://127.255.255.254", "http://127.255.255.254", "127.255.255.254", "127.255.255.254", 1},
	{"http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080/", "[::1]", "[::1]:8080", 1},
	/* an IPv4-mapped address is not ::1: plain http to it is refused */
	{"http://[::ffff:127.0.0.1]/", "http://[::ffff:127.0.0.1]/", "[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]", 0},
	{"http://[FD00:EC2:0::23]/v1", "http://[fd00:ec2::23]/v1", "[fd00:ec2::23]", "[fd00:ec2::23]", 0},
	{"http://169.254.170.2/v2/creds?x=1", "http://169.254.170.2/v2/creds?x=1", "169.254.170.2", "169.254.170.2", 0},
	/* a name that starts like a loopback address is a name */
	{"http://127.0.0.1.evil.com", "http://127.0.0.1.evil.com", "127.0.0.1.evil.com", "127.0.0.1.evil.com", 0},
	{"http://localhost.evil.com:1", "http://localhost.evil.com:1", "localhost.evil.com", "localhost.evil.com:1", 0},
	/* '@' after the host is in the path or query: every parser agrees */
	{"http://evil.com/@127.0.0.1", "http://evil.com/@127.0.0.1", "evil.com", "evil.com", 0},
	{"http://127.0.0.1?@evil.com", "http://127.0.0.1?@evil.com", "127.0.0.1", "127.0.0.1", 1},
	{"https://s3.eu-west-1.amazonaws.com/b/a%20b/c~d.zip?uploads", "https://s3.eu-west-1.amazonaws.com/b/a%20b/c~d.zip?uploads",
	    "s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", 0},
	{"http://my_host-1.internal:65535/x/../y", "http://my_host-1.internal:65535/x/../y", "my_host-1.internal", "my_host-1.internal:65535", 0},
};

struct bad_case {
	const char *in, *why;
};

/* Refused, with what the message says. */
static const struct bad_case bad_cases[] = {
	/* user information: a client would connect to the host after '@' */
	{"http://127.0.0.1:5931@evil.com", "user information"},
	{"http://169.254.170.2:80@127.0.0.1:5999/full", "user information"},
	{"http://[::1]@evil", "user information"},
	{"http://localhost@127.0.0.1", "user information"},
	{"http://user:secret-pass@127.0.0.1/", "user information"},
	{"http://127.0.0.1%40@evil.com", "user information"},
	/* a fragment and a backslash: parsers disagree on where the host ends */
	{"http://evil.com#@127.0.0.1", "fragment"},
	{"http://evil.com\\@127.0.0.1", "backslash"},
	{"http://127.0.0.1\\.evil.com", "backslash"},
	/* numbers that are not the one spelling of an IPv4 address */
	{"http://127.1", "reads as a number"},
	{"http://0x7f.0.0.1", "reads as a number"},
	{"http://0x7f000001", "reads as a number"},
	{"http://2130706433", "reads as a number"},
	{"http://127.0.0.01", "reads as a number"},
	{"http://0177.0.0.1", "reads as a number"},
	{"http://127.0.0.256", "reads as a number"},
	{"http://1.2.3.4.5", "reads as a number"},
	{"http://evil.com.127.0.0.1", "reads as a number"},
	/* trailing dots and empty labels */
	{"http://localhost.", "ends with a dot"},
	{"http://127.0.0.1./", "ends with a dot"},
	{"http://a..b", "empty label"},
	{"http://.localhost", "empty label"},
	/* percent-encoded and odd hosts */
	{"http://%31%32%37.0.0.1", "percent-encoded host"},
	{"http://loc%61lhost", "percent-encoded host"},
	{"http://local*host", "'*' in its host"},
	{"http://[fe80::1%25eth0]", "IPv6 zone"},
	{"http://[::1", "'[' without its ']'"},
	{"http://[::g]", "'g' in the brackets"},
	{"http://[127.0.0.1]", "not an IPv6 address"},
	{"http://[]", "no IPv6 address"},
	{"http://[::1]x", "after the ']'"},
	/* white space, control and non-ASCII bytes anywhere */
	{" http://127.0.0.1", "white space"},
	{"http://127.0.0.1 .evil.com", "white space"},
	{"http://127.0.0.1\n", "white space"},
	{"http://127.0.0.1\t", "white space"},
	{"http://127.0.0.1\x01", "control character"},
	{"http://127.0.0.1\x7f", "control character"},
	{"http://ex\xc3\xa4mple.com", "non-ASCII"},
	/* ports */
	{"http://127.0.0.1:0", "port"},
	{"http://127.0.0.1:65536", "port"},
	{"http://127.0.0.1:", "port"},
	{"http://127.0.0.1:80a", "port"},
	{"http://127.0.0.1:1:2", "port"},
	{"http://127.0.0.1:0000080", "port"},
	/* schemes */
	{"ftp://127.0.0.1", "not an http"},
	{"http:/127.0.0.1", "not an http"},
	{"http:127.0.0.1", "not an http"},
	{"//127.0.0.1", "not an http"},
	{"127.0.0.1:80", "not an http"},
	{"", "empty"},
	{"http://", "no host"},
	{"http:///x", "no host"},
	{"http://:80", "no host"},
	/* paths and queries */
	{"http://127.0.0.1/a<b", "'<' in its path"},
	{"http://127.0.0.1/a\"b", "'\"' in its path"},
	{"http://127.0.0.1/?a=|", "'|' in its query"},
	{"http://127.0.0.1/%zz", "not followed by two hex digits"},
	{"http://127.0.0.1/?q=%4", "not followed by two hex digits"},
};

static void
test_accepted(void)
{
	struct aws_url u, again;
	char why[320];
	size_t i;

	for (i = 0; i < NELEM(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		if (aws_url_parse(&u, c->in, why, sizeof why) != 0) {
			fprintf(stderr, "refused %s: %s\n", c->in, why);
			CHECK(0);
			continue;
		}
		CHECK_STR(u.href, c->href);
		CHECK_STR(u.host, c->host);
		CHECK_STR(u.authority, c->authority);
		CHECK_INT(aws_url_is_loopback(&u), c->loopback);
		/* the canonical form reads back as itself */
		CHECK_INT(aws_url_parse(&again, u.href, why, sizeof why), 0);
		CHECK_STR(again.href, u.href);
		CHECK_STR(again.host, u.host);
		aws_url_free(&again);
		aws_url_free(&u);
	}
	CHECK_INT(aws_url_parse(&u, "https://h:8443/p/?", why, sizeof why), 0);
	CHECK_INT(u.https, 1);
	CHECK_INT(u.port, 8443);
	CHECK_STR(u.path, "/p/");
	CHECK_STR(u.query, "");
	aws_url_free(&u);
	CHECK_INT(aws_url_parse(&u, "http://h", why, sizeof why), 0);
	CHECK_INT(u.port, 80);
	CHECK_STR(u.path, "");
	CHECK(u.query == NULL);
	aws_url_free(&u);
}

static void
test_refused(void)
{
	struct aws_url u;
	char why[320];
	size_t i;

	for (i = 0; i < NELEM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		why[0] = '\0';
		CHECK_INT(aws_url_parse(&u, c->in, why, sizeof why), -1);
		if (strstr(why, c->why) == NULL) {
			fprintf(stderr, "%s: \"%s\" does not say \"%s\"\n", c->in,
			    why, c->why);
			CHECK(0);
		}
		CHECK(u.href == NULL && u.host == NULL);
	}
	/* the message never repeats a password given before '@' */
	CHECK_INT(aws_url_parse(&u, "https://user:secret-pass@example.com", why,
	    sizeof why), -1);
	CHECK(strstr(why, "secret-pass") == NULL);
}

/* The loopback-only rule for configured endpoints, on the parsed host. */
static void
test_endpoint_decisions(void)
{
	static const struct {
		const char *in, *base, *code;
	} cases[] = {
		{"http://127.0.0.1:5931@evil.com", NULL, "InvalidEndpoint"},
		{"http://[::1]@evil", NULL, "InvalidEndpoint"},
		{"http://evil.com#@127.0.0.1", NULL, "InvalidEndpoint"},
		{"http://evil.com\\@127.0.0.1", NULL, "InvalidEndpoint"},
		{"http://127.1", NULL, "InvalidEndpoint"},
		{"http://0x7f.0.0.1", NULL, "InvalidEndpoint"},
		{"http://localhost.", NULL, "InvalidEndpoint"},
		{"http://127.0.0.1:4566/?x=1", NULL, "InvalidEndpoint"},
		{"http://127.0.0.1.evil.com", NULL, "InsecureEndpoint"},
		{"HTTP://evil.com", NULL, "InsecureEndpoint"},
		{"http://[::ffff:127.0.0.1]:80", NULL, "InsecureEndpoint"},
		{"http://169.254.170.2", NULL, "InsecureEndpoint"},
		{"HTTP://127.0.0.1:4566/", "http://127.0.0.1:4566", NULL},
		{"http://LocalHost:4566/prefix//", "http://localhost:4566/prefix", NULL},
		{"http://[::1]:80/", "http://[::1]", NULL},
		{"https://127.0.0.1.evil.com", "https://127.0.0.1.evil.com", NULL},
		{"HTTPS://S3.Example.com:443", "https://s3.example.com", NULL},
	};
	struct aws_error err;
	size_t i;
	char *b;

	for (i = 0; i < NELEM(cases); i++) {
		memset(&err, 0, sizeof err);
		b = aws_endpoint_parse("AWS_ENDPOINT_URL", cases[i].in, 0, &err);
		CHECK_STR(b, cases[i].base);
		if (cases[i].code) {
			CHECK_STR(err.code, cases[i].code);
			CHECK(strncmp(err.message, "AWS_ENDPOINT_URL ", 17) == 0);
		}
		free(b);
	}
	/* the instance-metadata endpoint may be plain http to any host, and
	 * is parsed by the same rules */
	b = aws_endpoint_parse("AWS_EC2_METADATA_SERVICE_ENDPOINT",
	    "http://169.254.169.254/", 1, &err);
	CHECK_STR(b, "http://169.254.169.254");
	free(b);
	b = aws_endpoint_parse("AWS_EC2_METADATA_SERVICE_ENDPOINT",
	    "http://169.254.169.254@127.0.0.1:1", 1, &err);
	CHECK(b == NULL);
	CHECK_STR(err.code, "InvalidEndpoint");
	/* the message names the variable and says what to do, and does not
	 * repeat what came before '@' */
	b = aws_endpoint_parse("AWS_ENDPOINT_URL_S3",
	    "http://127.0.0.1:5931@evil.com", 0, &err);
	CHECK(b == NULL);
	CHECK(strstr(err.message, "AWS_ENDPOINT_URL_S3 has user information") != NULL);
	CHECK(strstr(err.message, "remove") != NULL);
	CHECK(strstr(err.message, "5931") == NULL);
}

/* aws_send parses the request's URL itself and refuses plain http to a
 * host that is not loopback before anything is sent. */
static void
test_send_refuses(void)
{
	struct aws_options opt = {.region = "us-east-1"};
	struct aws_request req;
	struct aws_response resp = {0};
	struct aws_error err;
	struct aws *aws;
	static const char *const urls[] = {
		"http://192.0.2.1/", "http://127.0.0.1:1@192.0.2.1/",
		"http://127.1/", "http://evil.example\\@127.0.0.1/",
	};
	size_t i;

	unsetenv("AWS_ENDPOINT_URL");
	if ((aws = aws_open(&opt, &err)) == NULL) {
		fprintf(stderr, "aws_open: %s\n", err.message);
		CHECK(0);
		return;
	}
	for (i = 0; i < NELEM(urls); i++) {
		memset(&req, 0, sizeof req);
		req.service = "sts";
		req.operation = "GetCallerIdentity";
		req.method = "POST";
		req.url = (char *)urls[i];
		req.unsigned_request = 1;
		req.max_attempts = 1;
		CHECK_INT(aws_send(aws, &req, &resp, &err), -1);
		CHECK_STR(err.code, i == 0 ? "InsecureEndpoint" : "InvalidEndpoint");
	}
	CHECK_INT(aws_http_requests(aws), 0);
	aws_response_free(&resp);
	aws_close(aws);
}

int
main(void)
{
	test_accepted();
	test_refused();
	test_endpoint_decisions();
	test_send_refuses();
	return unit_report("test_aws_url");
}
