/*
 * endpoint.c - where each service is, as the SDKs decide it.
 *
 * Order: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * profile's endpoint_url, then the partition's host names. A configured URL
 * must be https, or http on a loopback address (moto, LocalStack on the
 * developer's machine); anything else would send signed requests and
 * credentials in clear text, so it is refused. The URL is read by
 * aws_url_parse (url.h), the parser whose canonical form is what is sent,
 * so the host checked here is the host connected to.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/internal.h"
#include "aws/url.h"
#include "base/util.h"

const char *
aws_partition_suffix(const char *region)
{
	if (region && str_has_prefix(region, "cn-"))
		return "amazonaws.com.cn";
	return "amazonaws.com";
}

const char *
aws_signing_region(const struct aws *aws, const char *service)
{
	if (strcmp(service, "iam") == 0) {
		if (str_has_prefix(aws->region, "cn-"))
			return "cn-north-1";
		if (str_has_prefix(aws->region, "us-gov-"))
			return "us-gov-west-1";
		return "us-east-1";
	}
	return aws->region;
}

char *
aws_endpoint_parse(const char *what, const char *url, int http_anywhere,
    struct aws_error *err)
{
	struct aws_url u;
	char why[320];
	char *base;

	if (aws_url_parse(&u, url, why, sizeof why) != 0) {
		aws_error_set(err, "", "", "InvalidEndpoint", "%s %s", what, why);
		return NULL;
	}
	if (u.query != NULL) {
		aws_error_set(err, "", "", "InvalidEndpoint", "%s %s has a query "
		    "('?'); give only the scheme, host, port and path", what,
		    u.href);
		aws_url_free(&u);
		return NULL;
	}
	if (!u.https && !http_anywhere && !aws_url_is_loopback(&u)) {
		aws_error_set(err, "", "", "InsecureEndpoint",
		    "%s %s uses plain http on a non-loopback host; use https "
		    "(plain http is accepted only for 127.0.0.0/8, ::1 and "
		    "localhost)", what, u.href);
		aws_url_free(&u);
		return NULL;
	}
	base = aws_url_base(&u);
	aws_url_free(&u);
	return base;
}

int
aws_endpoint_check(const char *what, const char *url, struct aws_error *err)
{
	char *base = aws_endpoint_parse(what, url, 0, err);

	free(base);
	return base != NULL ? 0 : -1;
}

/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) drops the environment's and the
 * profile's endpoints; --endpoint-url still counts. */
static int
ignore_configured(const struct aws *aws)
{
	const char *v = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

	if (v == NULL || *v == '\0')
		v = aws_ini_get(&aws->config, aws->profile,
		    "ignore_configured_endpoint_urls");
	return v != NULL && strcasecmp(v, "true") == 0;
}

char *
aws_endpoint(const struct aws *aws, const char *service, int *custom,
    struct aws_error *err)
{
	char var[64], what[320];
	const char *u = NULL;
	size_t i;

	*custom = 1;
	snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", service);
	for (i = 0; var[i]; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	if (aws->endpoint_url) {
		u = aws->endpoint_url;
		snprintf(what, sizeof what, "--endpoint-url");
	} else if (ignore_configured(aws)) {
		u = NULL;
	} else if (getenv(var) && *getenv(var)) {
		u = getenv(var);
		snprintf(what, sizeof what, "%s", var);
	} else if (getenv("AWS_ENDPOINT_URL") && *getenv("AWS_ENDPOINT_URL")) {
		u = getenv("AWS_ENDPOINT_URL");
		snprintf(what, sizeof what, "AWS_ENDPOINT_URL");
	} else if ((u = aws_ini_get(&aws->config, aws->profile,
	    "endpoint_url")) != NULL) {
		snprintf(what, sizeof what, "endpoint_url of profile '%s' in %s",
		    aws->profile, aws->config.path ? aws->config.path : "config");
	}
	if (u != NULL)
		return aws_endpoint_parse(what, u, 0, err);
	*custom = 0;
	if (strcmp(service, "iam") == 0) {
		if (str_has_prefix(aws->region, "cn-"))
			return xstrdup("https://iam.cn-north-1.amazonaws.com.cn");
		if (str_has_prefix(aws->region, "us-gov-"))
			return xstrdup("https://iam.us-gov.amazonaws.com");
		return xstrdup("https://iam.amazonaws.com");
	}
	return xasprintf("https://%s.%s.%s", service, aws->region,
	    aws_partition_suffix(aws->region));
}
