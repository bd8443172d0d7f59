/*
 * creds.c - the credential chain, in the order the AWS SDKs use it:
 *
 *   environment (skipped when --profile is given), the profile's role_arn
 *   (AssumeRole from source_profile or credential_source), web identity
 *   (AssumeRoleWithWebIdentity: CI systems' OIDC), the shared credentials
 *   file, the profile's credential_process, keys in the config file,
 *   container credentials (ECS, CodeBuild), EC2 instance metadata (IMDSv2).
 *
 * Temporary credentials are refreshed when less than ten minutes remain, so a
 * long deploy does not fail half-way. A secret never goes into a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/internal.h"
#include "aws/sts.h"
#include "aws/url.h"
#include "base/diag.h"
#include "base/util.h"

extern char **environ;

#define REFRESH_MARGIN 600 /* seconds before expiry */

enum { NOT_HERE = 0, FOUND = 1, FAILED = -1 };

void
aws_creds_free(struct aws_creds *c)
{
	if (c->secret_key)
		explicit_bzero(c->secret_key, strlen(c->secret_key));
	if (c->session_token)
		explicit_bzero(c->session_token, strlen(c->session_token));
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	free(c->source);
	memset(c, 0, sizeof *c);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static void
creds_set(struct aws_creds *c, const char *ak, const char *sk, const char *tok)
{
	memset(c, 0, sizeof *c);
	c->access_key = xstrdup(ak);
	c->secret_key = xstrdup(sk);
	c->session_token = tok && *tok ? xstrdup(tok) : NULL;
}

static char *
session_name(const char *configured)
{
	if (configured)
		return xstrdup(configured);
	return xasprintf("spartac-%lld", (long long)time(NULL));
}

static int
from_env(struct aws_creds *out)
{
	const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");

	if (ak == NULL || sk == NULL)
		return NOT_HERE;
	creds_set(out, ak, sk, env("AWS_SESSION_TOKEN"));
	out->source = xstrdup("environment (AWS_ACCESS_KEY_ID)");
	return FOUND;
}

static int
from_file_keys(const struct aws_ini *ini, const char *profile, const char *what,
    struct aws_creds *out)
{
	const char *ak = aws_ini_get(ini, profile, "aws_access_key_id");
	const char *sk = aws_ini_get(ini, profile, "aws_secret_access_key");

	if (ak == NULL || sk == NULL)
		return NOT_HERE;
	creds_set(out, ak, sk, aws_ini_get(ini, profile, "aws_session_token"));
	out->source = xasprintf("%s %s [%s]", what, ini->path, profile);
	return FOUND;
}

/* Splits a command line the way a POSIX shell would quote it (no expansion). */
static char **
cmdline_split(const char *s)
{
	char **argv = NULL;
	size_t n = 0, cap = 0;
	struct buf w = {0};
	int in_word = 0;

	for (;;) {
		char c = *s;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				argv = xgrow(argv, &cap, n + 2, sizeof *argv);
				argv[n++] = buf_take(&w);
				in_word = 0;
			}
			if (c == '\0')
				break;
			s++;
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			const char *e = strchr(s + 1, '\'');
			if (e == NULL)
				e = s + strlen(s);
			buf_append(&w, s + 1, (size_t)(e - s - 1));
			s = *e ? e + 1 : e;
		} else if (c == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					s++;
				buf_putc(&w, *s);
			}
			if (*s)
				s++;
		} else if (c == '\\' && s[1]) {
			buf_putc(&w, s[1]);
			s += 2;
		} else {
			buf_putc(&w, c);
			s++;
		}
		if (w.data == NULL)
			buf_puts(&w, "");
	}
	if (argv == NULL)
		argv = xcalloc(1, sizeof *argv);
	argv[n] = NULL;
	buf_free(&w);
	return argv;
}

static int
json_creds(const char *text, const char *token_key, struct aws_creds *out)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *ak, *sk, *tok, *exp;
	int rc = -1;

	if (j == NULL)
		return -1;
	ak = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
	sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
	tok = cJSON_GetObjectItemCaseSensitive(j, token_key);
	exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
	if (cJSON_IsString(ak) && cJSON_IsString(sk)) {
		creds_set(out, ak->valuestring, sk->valuestring,
		    cJSON_IsString(tok) ? tok->valuestring : NULL);
		if (cJSON_IsString(exp))
			out->expires = aws_time_parse(exp->valuestring);
		rc = 0;
	}
	/* wipe the secret from cJSON's copy before freeing it */
	if (cJSON_IsString(sk))
		explicit_bzero(sk->valuestring, strlen(sk->valuestring));
	if (cJSON_IsString(tok))
		explicit_bzero(tok->valuestring, strlen(tok->valuestring));
	cJSON_Delete(j);
	return rc;
}

static int
from_process(struct aws *aws, const char *profile, struct aws_creds *out,
    struct aws_error *err)
{
	const char *cmd = aws_ini_get(&aws->config, profile, "credential_process");
	char **argv;
	int pfd[2], status, serr, rc = FAILED;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	struct buf b = {0};
	char chunk[4096];
	ssize_t n;
	size_t i;

	if (cmd == NULL)
		return NOT_HERE;
	argv = cmdline_split(cmd);
	if (argv[0] == NULL || pipe(pfd) != 0) {
		aws_error_set(err, "", "", "CredentialProcessError",
		    "credential_process of profile '%s' is empty", profile);
		free(argv);
		return FAILED;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	if ((serr = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0) {
		aws_error_set(err, "", "", "CredentialProcessError",
		    "credential_process of profile '%s': cannot run %s: %s",
		    profile, argv[0], strerror(serr));
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof chunk)) > 0 && b.len < (1u << 20))
		buf_append(&b, chunk, (size_t)n);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		aws_error_set(err, "", "", "CredentialProcessError",
		    "credential_process of profile '%s' (%s) failed with status %d",
		    profile, argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	if (json_creds(b.data ? b.data : "", "SessionToken", out) != 0) {
		aws_error_set(err, "", "", "CredentialProcessError",
		    "credential_process of profile '%s' (%s) did not print "
		    "{\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...}",
		    profile, argv[0]);
		goto out;
	}
	out->source = xasprintf("credential_process of profile '%s'", profile);
	rc = FOUND;
out:
	posix_spawn_file_actions_destroy(&fa);
	if (b.data)
		explicit_bzero(b.data, b.len);
	buf_free(&b);
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

static int profile_creds(struct aws *aws, const char *profile, int depth,
    struct aws_creds *out, struct aws_error *err);

static int
from_assume_role(struct aws *aws, const char *profile, int depth,
    struct aws_creds *out, struct aws_error *err)
{
	const char *arn = aws_ini_get(&aws->config, profile, "role_arn");
	const char *srcp = aws_ini_get(&aws->config, profile, "source_profile");
	const char *csrc = aws_ini_get(&aws->config, profile, "credential_source");
	struct aws_creds src = {0};
	char *name;
	int rc;

	if (arn == NULL || aws_ini_get(&aws->config, profile, "web_identity_token_file"))
		return NOT_HERE;
	if (depth > 4) {
		aws_error_set(err, "", "", "InvalidConfig",
		    "profile '%s': source_profile chain is too long or loops", profile);
		return FAILED;
	}
	if (srcp != NULL) {
		/* a profile that names itself uses its own keys */
		if (strcmp(srcp, profile) == 0)
			rc = from_file_keys(&aws->credentials, srcp,
			    "shared credentials file", &src);
		else
			rc = profile_creds(aws, srcp, depth + 1, &src, err);
	} else if (csrc != NULL && strcmp(csrc, "Environment") == 0) {
		rc = from_env(&src);
	} else {
		aws_error_set(err, "", "", "InvalidConfig",
		    "profile '%s' has role_arn but no source_profile or "
		    "credential_source = Environment", profile);
		return FAILED;
	}
	if (rc == NOT_HERE) {
		aws_error_set(err, "", "", "InvalidConfig",
		    "profile '%s': source profile '%s' has no credentials", profile,
		    srcp ? srcp : "(environment)");
		rc = FAILED;
	}
	if (rc != FOUND)
		return rc;
	name = session_name(aws_ini_get(&aws->config, profile, "role_session_name"));
	rc = sts_assume_role(aws, &src, arn, name,
	    aws_ini_get(&aws->config, profile, "external_id"), out, err);
	free(name);
	if (rc != 0) {
		aws_creds_free(&src);
		return FAILED;
	}
	out->source = xasprintf("assume role %s (profile '%s', from %s)", arn,
	    profile, src.source ? src.source : "?");
	aws_creds_free(&src);
	return FOUND;
}

static int
from_web_identity(struct aws *aws, const char *profile, struct aws_creds *out,
    struct aws_error *err)
{
	const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE"), *arn = env("AWS_ROLE_ARN");
	const char *sname = env("AWS_ROLE_SESSION_NAME");
	char *token = NULL, *name;
	size_t len;
	int rc;

	if (file == NULL || arn == NULL) {
		file = aws_ini_get(&aws->config, profile, "web_identity_token_file");
		arn = aws_ini_get(&aws->config, profile, "role_arn");
		sname = aws_ini_get(&aws->config, profile, "role_session_name");
	}
	if (file == NULL || arn == NULL)
		return NOT_HERE;
	if (file_read(file, 64 * 1024, &token, &len) != 0) {
		aws_error_set(err, "", "", "WebIdentityTokenError",
		    "cannot read the web identity token file %s: %s", file,
		    strerror(errno));
		return FAILED;
	}
	while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r'))
		token[--len] = '\0';
	name = session_name(sname);
	rc = sts_assume_role_with_web_identity(aws, arn, name, token, out, err);
	explicit_bzero(token, len);
	free(token);
	free(name);
	if (rc != 0)
		return FAILED;
	out->source = xasprintf("web identity token file %s, role %s", file, arn);
	return FOUND;
}

/* A profile's own credentials, for source_profile. */
static int
profile_creds(struct aws *aws, const char *profile, int depth,
    struct aws_creds *out, struct aws_error *err)
{
	int rc;

	if ((rc = from_assume_role(aws, profile, depth, out, err)) != NOT_HERE)
		return rc;
	if ((rc = from_file_keys(&aws->credentials, profile,
	    "shared credentials file", out)) != NOT_HERE)
		return rc;
	if ((rc = from_process(aws, profile, out, err)) != NOT_HERE)
		return rc;
	return from_file_keys(&aws->config, profile, "config file", out);
}

static int
metadata_get(struct aws *aws, const char *method, const char *url,
    const struct sigv4_header *hdr, size_t nhdr, struct aws_response *resp,
    struct aws_error *err)
{
	struct aws_request req;
	const char *t = env("AWS_METADATA_SERVICE_TIMEOUT");
	const char *a = env("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	size_t i;
	int rc;

	memset(&req, 0, sizeof req);
	req.service = "metadata";
	req.operation = method[0] == 'P' ? "GetToken" : "GetCredentials";
	req.method = method;
	req.url = xstrdup(url);
	for (i = 0; i < nhdr && i < NELEM(req.hdr); i++)
		req.hdr[req.nhdr++] = hdr[i];
	req.unsigned_request = 1;
	req.is_metadata = 1;
	req.max_attempts = a ? atoi(a) : 1;
	if (req.max_attempts < 1)
		req.max_attempts = 1;
	req.timeout_ms = t ? (long)(strtod(t, NULL) * 1000) : 1000;
	if (req.timeout_ms <= 0)
		req.timeout_ms = 1000;
	rc = aws_send(aws, &req, resp, err);
	free(req.url);
	return rc;
}

/* The container-credentials URL in canonical form (aws_url_parse): https to
 * any host; plain http only to loopback or the ECS and EKS link-local
 * addresses, as the SDKs allow, since the request carries the authorization
 * token. NULL with err set when it is refused. */
static char *
container_url(const char *rel, const char *full, struct aws_error *err)
{
	static const char *const link_local[] = {
		"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
	};
	const char *what = rel ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" :
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI";
	struct aws_url u;
	char why[320], *s, *href;
	size_t i;
	int rc, ok;

	if (rel != NULL && rel[0] != '/') {
		aws_error_set(err, "", "", "InvalidConfig", "%s must start with "
		    "'/': it is a path on http://169.254.170.2", what);
		return NULL;
	}
	s = rel ? xasprintf("http://169.254.170.2%s", rel) : xstrdup(full);
	rc = aws_url_parse(&u, s, why, sizeof why);
	free(s);
	if (rc != 0) {
		aws_error_set(err, "", "", "InvalidConfig", "%s %s", what, why);
		return NULL;
	}
	ok = u.https || aws_url_is_loopback(&u);
	for (i = 0; i < NELEM(link_local); i++)
		ok = ok || strcmp(u.host, link_local[i]) == 0;
	if (!ok) {
		aws_error_set(err, "", "", "InvalidConfig",
		    "%s %s must be https or a loopback or ECS/EKS link-local "
		    "address (169.254.170.2, 169.254.170.23, fd00:ec2::23)",
		    what, u.href);
		aws_url_free(&u);
		return NULL;
	}
	href = u.href;
	u.href = NULL;
	aws_url_free(&u);
	return href;
}

/* Wipes the secrets a metadata exchange leaves behind (the last response
 * body and the session token), then frees them. */
static void
metadata_wipe(struct aws_response *resp, char *token)
{
	if (resp->body.data)
		explicit_bzero(resp->body.data, resp->body.len);
	aws_response_free(resp);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
}

static int
from_container(struct aws *aws, struct aws_creds *out, struct aws_error *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tokenv = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct aws_response resp = {0};
	struct sigv4_header h[1];
	char *url, *token = NULL;
	size_t nh = 0, len;
	int rc = FAILED;

	if (rel == NULL && full == NULL)
		return NOT_HERE;
	if ((url = container_url(rel, full, err)) == NULL)
		return FAILED;
	if (tokfile != NULL) {
		if (file_read(tokfile, 16 * 1024, &token, &len) != 0) {
			aws_error_set(err, "", "", "InvalidConfig",
			    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
			    tokfile, strerror(errno));
			free(url);
			return FAILED;
		}
		while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r'))
			token[--len] = '\0';
	} else if (tokenv != NULL) {
		token = xstrdup(tokenv);
	}
	if (token != NULL) {
		h[0].name = "Authorization";
		h[0].value = token;
		nh = 1;
	}
	if (metadata_get(aws, "GET", url, h, nh, &resp, err) != 0) {
		snprintf(err->service, sizeof err->service, "container credentials");
		goto out;
	}
	if (json_creds(resp.body.data ? resp.body.data : "", "Token", out) != 0) {
		aws_error_set(err, "", "", "MalformedResponse",
		    "container credentials at %s: no AccessKeyId/SecretAccessKey", url);
		goto out;
	}
	out->source = xasprintf("container credentials (%s)", url);
	rc = FOUND;
out:
	metadata_wipe(&resp, token);
	free(url);
	return rc;
}

/* The instance-metadata base URL in canonical form (aws_url_parse), without
 * a trailing slash; NULL with err set when it is refused. Plain http goes to
 * any host, as in the SDKs: the only secret sent there is the session token
 * that the same host handed out. */
static char *
imds_base(struct aws *aws, struct aws_error *err)
{
	const char *what = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
	const char *v = env(what);

	if (v == NULL) {
		what = "ec2_metadata_service_endpoint in the profile";
		v = aws_ini_get(&aws->config, aws->profile,
		    "ec2_metadata_service_endpoint");
	}
	if (v == NULL)
		return xstrdup("http://169.254.169.254");
	return aws_endpoint_parse(what, v, 1, err);
}

static int
from_imds(struct aws *aws, struct aws_creds *out, struct aws_error *err,
    int *disabled)
{
	const char *d = env("AWS_EC2_METADATA_DISABLED");
	struct aws_response resp = {0};
	struct sigv4_header h[1];
	char *token = NULL, *role = NULL, *url, *base;
	int rc = NOT_HERE;

	*disabled = d != NULL && (strcasecmp(d, "true") == 0 || strcmp(d, "1") == 0);
	if (*disabled)
		return NOT_HERE;
	if ((base = imds_base(aws, err)) == NULL)
		return FAILED;
	url = xasprintf("%s/latest/api/token", base);
	h[0].name = "X-aws-ec2-metadata-token-ttl-seconds";
	h[0].value = "21600";
	if (metadata_get(aws, "PUT", url, h, 1, &resp, err) != 0)
		goto out;
	token = buf_take(&resp.body);
	free(url);
	url = xasprintf("%s/latest/meta-data/iam/security-credentials/", base);
	h[0].name = "X-aws-ec2-metadata-token";
	h[0].value = token;
	if (metadata_get(aws, "GET", url, h, 1, &resp, err) != 0)
		goto out;
	role = xstrndup(resp.body.data ? resp.body.data : "",
	    strcspn(resp.body.data ? resp.body.data : "", "\r\n"));
	if (*role == '\0')
		goto out;
	free(url);
	url = xasprintf("%s/latest/meta-data/iam/security-credentials/%s",
	    base, role);
	if (metadata_get(aws, "GET", url, h, 1, &resp, err) != 0) {
		rc = FAILED;
		goto out;
	}
	if (json_creds(resp.body.data ? resp.body.data : "", "Token", out) != 0) {
		aws_error_set(err, "", "", "MalformedResponse",
		    "EC2 instance metadata: no credentials for role %s", role);
		rc = FAILED;
		goto out;
	}
	out->source = xasprintf("EC2 instance metadata (IMDSv2, role %s)", role);
	rc = FOUND;
out:
	metadata_wipe(&resp, token);
	free(role);
	free(url);
	free(base);
	return rc;
}

static int
chain_resolve(struct aws *aws, struct aws_creds *out, struct aws_error *err)
{
	const char *p = aws->profile;
	struct aws_error ignored;
	int rc, disabled;
	enum aws_creds_kind kind;

	if (!aws->profile_explicit && (rc = from_env(out)) != NOT_HERE) {
		kind = CREDS_ENV;
		goto done;
	}
	kind = CREDS_ASSUME_ROLE;
	if ((rc = from_assume_role(aws, p, 0, out, err)) != NOT_HERE)
		goto done;
	kind = CREDS_WEB_IDENTITY;
	if ((rc = from_web_identity(aws, p, out, err)) != NOT_HERE)
		goto done;
	kind = CREDS_SHARED_FILE;
	if ((rc = from_file_keys(&aws->credentials, p, "shared credentials file",
	    out)) != NOT_HERE)
		goto done;
	kind = CREDS_PROCESS;
	if ((rc = from_process(aws, p, out, err)) != NOT_HERE)
		goto done;
	kind = CREDS_CONFIG_FILE;
	if ((rc = from_file_keys(&aws->config, p, "config file", out)) != NOT_HERE)
		goto done;
	kind = CREDS_CONTAINER;
	if ((rc = from_container(aws, out, err)) != NOT_HERE)
		goto done;
	kind = CREDS_IMDS;
	rc = from_imds(aws, out, &ignored, &disabled);
	if (rc == NOT_HERE && (aws_ini_get(&aws->config, p, "sso_session") ||
	    aws_ini_get(&aws->config, p, "sso_start_url"))) {
		aws_error_set(err, "", "", "NoCredentials",
		    "profile '%s' uses IAM Identity Center (SSO), which spartac "
		    "does not read; after 'aws sso login', add to the profile: "
		    "credential_process = aws configure export-credentials "
		    "--profile %s --format process", p, p);
		return -1;
	}
	if (rc == NOT_HERE) {
		aws_error_set(err, "", "", "NoCredentials",
		    "no AWS credentials found; tried: %senvironment "
		    "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), role_arn in profile "
		    "'%s', web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), "
		    "%s [%s], credential_process in %s [%s], container credentials "
		    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI), EC2 instance "
		    "metadata%s",
		    aws->profile_explicit ? "(not the environment: --profile given) " : "",
		    p, aws->credentials.path, p, aws->config.path, p,
		    disabled ? " (disabled by AWS_EC2_METADATA_DISABLED)" : " (none answered)");
		return -1;
	}
	if (rc == FAILED)
		*err = ignored;
done:
	if (rc != FOUND)
		return -1;
	aws->creds_kind = kind;
	return 0;
}

int
aws_creds_ensure(struct aws *aws, struct aws_error *err)
{
	struct aws_creds fresh = {0};

	if (aws->creds_kind != CREDS_NONE) {
		time_t now = aws_now(aws);
		if (aws->creds.expires == 0 || aws->creds.expires - now > REFRESH_MARGIN)
			return 0;
		log_debug("aws: refreshing credentials from %s", aws->creds.source);
		if (chain_resolve(aws, &fresh, err) != 0) {
			if (aws->creds.expires > now) {
				log_warn("credentials could not be refreshed; using the "
				    "current ones until they expire");
				return 0;
			}
			return -1;
		}
		aws_creds_free(&aws->creds);
		aws->creds = fresh;
		return 0;
	}
	if (chain_resolve(aws, &fresh, err) != 0)
		return -1;
	aws->creds = fresh;
	/* only the key id's tail, as 'aws configure list' shows it */
	log_debug("aws: credentials from %s (access key ...%s)", fresh.source,
	    strlen(fresh.access_key) > 4 ?
	    fresh.access_key + strlen(fresh.access_key) - 4 : "");
	return 0;
}

int
aws_creds_refreshable(const struct aws *aws)
{
	switch (aws->creds_kind) {
	case CREDS_ASSUME_ROLE:
	case CREDS_WEB_IDENTITY:
	case CREDS_PROCESS:
	case CREDS_CONTAINER:
	case CREDS_IMDS:
		return 1;
	default:
		return 0;
	}
}

int
aws_creds_resolve(struct aws *aws, struct aws_error *err)
{
	return aws_creds_ensure(aws, err);
}
