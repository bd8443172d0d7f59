/*
 * sts.c - STS GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity
 * (shapes from botocore's sts/2011-06-15 model).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/internal.h"
#include "aws/sts.h"
#include "base/util.h"

int
sts_get_caller_identity(struct aws *aws, struct sts_identity *out,
    struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	const struct xml_node *r;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, "sts", "GetCallerIdentity");
	if (aws_query_send(aws, &q, &x, err) != 0)
		return -1;
	r = xml_find(x, "GetCallerIdentityResult");
	out->account = xml_dup(r, "Account");
	out->arn = xml_dup(r, "Arn");
	out->user_id = xml_dup(r, "UserId");
	xml_free(x);
	if (out->account == NULL || out->arn == NULL) {
		sts_identity_free(out);
		aws_error_set(err, "sts", "GetCallerIdentity", "MalformedResponse",
		    "the response has no Account or Arn");
		return -1;
	}
	return 0;
}

void
sts_identity_free(struct sts_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof *id);
}

static int
creds_from_xml(const struct xml_node *result, const char *op,
    struct aws_creds *out, struct aws_error *err)
{
	const struct xml_node *c = xml_find(result, "Credentials");

	memset(out, 0, sizeof *out);
	out->access_key = xml_dup(c, "AccessKeyId");
	out->secret_key = xml_dup(c, "SecretAccessKey");
	out->session_token = xml_dup(c, "SessionToken");
	out->expires = aws_time_parse(xml_get(c, "Expiration"));
	if (out->access_key == NULL || out->secret_key == NULL) {
		aws_creds_free(out);
		aws_error_set(err, "sts", op, "MalformedResponse",
		    "the response has no credentials");
		return -1;
	}
	return 0;
}

int
sts_assume_role(struct aws *aws, const struct aws_creds *src,
    const char *role_arn, const char *session_name, const char *external_id,
    struct aws_creds *out, struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	int rc;

	aws_query_init(&q, "sts", "AssumeRole");
	aws_query_add(&q, "RoleArn", role_arn);
	aws_query_add(&q, "RoleSessionName", session_name);
	aws_query_add(&q, "ExternalId", external_id);
	if (aws_query_send_as(aws, &q, src, 0, &x, err) != 0)
		return -1;
	rc = creds_from_xml(xml_find(x, "AssumeRoleResult"), "AssumeRole", out, err);
	xml_free(x);
	return rc;
}

int
sts_assume_role_with_web_identity(struct aws *aws, const char *role_arn,
    const char *session_name, const char *token, struct aws_creds *out,
    struct aws_error *err)
{
	struct aws_query q;
	struct xml_node *x;
	int rc;

	aws_query_init(&q, "sts", "AssumeRoleWithWebIdentity");
	aws_query_add(&q, "RoleArn", role_arn);
	aws_query_add(&q, "RoleSessionName", session_name);
	aws_query_add(&q, "WebIdentityToken", token);
	if (aws_query_send_as(aws, &q, NULL, 1, &x, err) != 0)
		return -1;
	rc = creds_from_xml(xml_find(x, "AssumeRoleWithWebIdentityResult"),
	    "AssumeRoleWithWebIdentity", out, err);
	xml_free(x);
	return rc;
}
