/*
 * client.c - the client's life: profile, region, shared files, kept connections.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/internal.h"
#include "aws/wire.h"
#include "base/util.h"

static char *
shared_file(const char *var, const char *name)
{
	const char *v = getenv(var), *home = getenv("HOME");

	if (v && *v) {
		if (v[0] == '~' && v[1] == '/' && home)
			return xasprintf("%s%s", home, v + 1);
		return xstrdup(v);
	}
	return xasprintf("%s/.aws/%s", home ? home : "", name);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int
region_is_valid(const char *r)
{
	size_t i;

	for (i = 0; r[i]; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') ||
		    r[i] == '-'))
			return 0;
	return i > 0 && i < 64;
}

struct aws *
aws_open(const struct aws_options *opt, struct aws_error *err)
{
	struct aws *aws = xcalloc(1, sizeof *aws);
	const char *p, *region;
	char *path;
	static int seeded;

	if (!seeded) {
		srand((unsigned)time(NULL) ^ (unsigned)clock());
		seeded = 1;
	}
	if (opt->profile && *opt->profile) {
		aws->profile = xstrdup(opt->profile);
		aws->profile_explicit = 1;
	} else if ((p = env("AWS_PROFILE")) != NULL ||
	    (p = env("AWS_DEFAULT_PROFILE")) != NULL) {
		aws->profile = xstrdup(p);
	} else {
		aws->profile = xstrdup("default");
	}
	path = shared_file("AWS_CONFIG_FILE", "config");
	aws_ini_load(&aws->config, path, 1);
	free(path);
	path = shared_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	aws_ini_load(&aws->credentials, path, 0);
	free(path);

	if (aws->profile_explicit &&
	    !aws_ini_has_profile(&aws->config, aws->profile) &&
	    !aws_ini_has_profile(&aws->credentials, aws->profile)) {
		aws_error_set(err, "", "", "ProfileNotFound",
		    "profile '%s' is in neither %s nor %s", aws->profile,
		    aws->config.path, aws->credentials.path);
		aws_close(aws);
		return NULL;
	}
	if (opt->region && *opt->region)
		region = opt->region;
	else if ((region = env("AWS_REGION")) == NULL &&
	    (region = env("AWS_DEFAULT_REGION")) == NULL)
		region = aws_ini_get(&aws->config, aws->profile, "region");
	if (region == NULL) {
		aws_error_set(err, "", "", "NoRegion",
		    "no AWS region: pass --region, set AWS_REGION, or add "
		    "'region = ...' to profile '%s' in %s", aws->profile,
		    aws->config.path);
		aws_close(aws);
		return NULL;
	}
	if (!region_is_valid(region)) {
		/* it becomes part of host names: "x.evil.com#" must not */
		aws_error_set(err, "", "", "InvalidRegion",
		    "'%s' is not an AWS region name (letters, digits and '-')",
		    region);
		aws_close(aws);
		return NULL;
	}
	aws->region = xstrdup(region);
	if (opt->endpoint_url && *opt->endpoint_url) {
		if (aws_endpoint_check("--endpoint-url", opt->endpoint_url, err) != 0) {
			aws_close(aws);
			return NULL;
		}
		aws->endpoint_url = xstrdup(opt->endpoint_url);
	}
	aws->retry.max_attempts = 3;
	if ((p = env("AWS_MAX_ATTEMPTS")) != NULL ||
	    (p = aws_ini_get(&aws->config, aws->profile, "max_attempts")) != NULL) {
		long n = strtol(p, NULL, 10);
		if (n >= 1 && n <= 20)
			aws->retry.max_attempts = (int)n;
	}
	aws->retry.quota = 500;
	aws->timeout_ms = 60000;
	if ((p = env("SPARTAC_AWS_TIMEOUT")) != NULL) {
		double s = strtod(p, NULL);
		if (s > 0)
			aws->timeout_ms = (long)(s * 1000);
	}
	if ((p = env("AWS_CA_BUNDLE")) != NULL ||
	    (p = aws_ini_get(&aws->config, aws->profile, "ca_bundle")) != NULL)
		aws->ca_bundle = xstrdup(p);
	return aws;
}

void
aws_set_cancel(struct aws *aws, volatile sig_atomic_t *flag)
{
	aws->cancel = flag;
}

void
aws_set_progress(struct aws *aws, aws_progress_fn *fn, void *arg)
{
	aws->progress = fn;
	aws->progress_arg = arg;
}

void
aws_close(struct aws *aws)
{
	if (aws == NULL)
		return;
	wire_free(aws->wire);
	aws_creds_free(&aws->creds);
	aws_ini_free(&aws->config);
	aws_ini_free(&aws->credentials);
	free(aws->profile);
	free(aws->region);
	free(aws->endpoint_url);
	free(aws->ca_bundle);
	free(aws);
}

time_t
aws_now(const struct aws *aws)
{
	return time(NULL) + aws->skew;
}

const char *
aws_region(const struct aws *aws)
{
	return aws->region;
}

const char *
aws_profile(const struct aws *aws)
{
	return aws->profile;
}

const char *
aws_creds_source(const struct aws *aws)
{
	return aws->creds.source;
}

unsigned long
aws_api_calls(const struct aws *aws)
{
	return aws->calls;
}

unsigned long
aws_http_requests(const struct aws *aws)
{
	return aws->requests;
}
