/*
 * endpoint.c - where each service is, as the SDKs decide it.
 *
 * Order: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * profile's endpoint_url, then the partition's host names. A configured URL
 * must be https, or http on a loopback address (moto, LocalStack on the
 * developer's machine); anything else would send signed requests and
 * credentials in clear text, so it is refused.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/internal.h"
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

static int
host_is_loopback(const char *h, size_t n)
{
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return 1;
	if (n == 5 && strncmp(h, "[::1]", 5) == 0)
		return 1;
	if (n >= 4 && strncmp(h, "127.", 4) == 0) {
		size_t i, dots = 0;
		for (i = 0; i < n; i++) {
			if (h[i] == '.')
				dots++;
			else if (!isdigit((unsigned char)h[i]))
				return 0;
		}
		return dots == 3;
	}
	return 0;
}

int
aws_endpoint_check(const char *url, struct aws_error *err)
{
	const char *host, *end;

	if (strncasecmp(url, "https://", 8) == 0) {
		host = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		host = url + 7;
		end = host + strcspn(host, "/?#");
		/* strip a port, but not the colons of [::1] */
		if (*host == '[') {
			const char *rb = memchr(host, ']', (size_t)(end - host));
			end = rb ? rb + 1 : end;
		} else {
			const char *c = memchr(host, ':', (size_t)(end - host));
			if (c)
				end = c;
		}
		if (!host_is_loopback(host, (size_t)(end - host))) {
			aws_error_set(err, "", "", "InsecureEndpoint",
			    "endpoint %s uses plain http on a non-loopback host; "
			    "use https (plain http is accepted only for 127.0.0.0/8, "
			    "::1 and localhost)", url);
			return -1;
		}
	} else {
		aws_error_set(err, "", "", "InvalidEndpoint",
		    "endpoint %s is not an http(s) URL", url);
		return -1;
	}
	if (host[0] == '\0' || host[0] == '/') {
		aws_error_set(err, "", "", "InvalidEndpoint", "endpoint %s has no host", url);
		return -1;
	}
	return 0;
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

static char *
url_trim(const char *u)
{
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

char *
aws_endpoint(const struct aws *aws, const char *service, int *custom,
    struct aws_error *err)
{
	char var[64];
	const char *u = NULL;
	size_t i;

	*custom = 1;
	snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", service);
	for (i = 0; var[i]; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	if (aws->endpoint_url)
		u = aws->endpoint_url;
	else if (ignore_configured(aws))
		u = NULL;
	else if (getenv(var) && *getenv(var))
		u = getenv(var);
	else if (getenv("AWS_ENDPOINT_URL") && *getenv("AWS_ENDPOINT_URL"))
		u = getenv("AWS_ENDPOINT_URL");
	else
		u = aws_ini_get(&aws->config, aws->profile, "endpoint_url");
	if (u != NULL) {
		if (aws_endpoint_check(u, err) != 0)
			return NULL;
		return url_trim(u);
	}
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
