/*
 * sts.h - STS: who am I, and the role assumptions of the credential chain.
 */
#ifndef SPARTAC_AWS_STS_H
#define SPARTAC_AWS_STS_H

#include "aws/aws.h"

struct sts_identity {
	char *account;
	char *arn;
	char *user_id;
};

int sts_get_caller_identity(struct aws *aws, struct sts_identity *out,
    struct aws_error *err);
void sts_identity_free(struct sts_identity *id);

/* Signs with src (not the client's chain); *out gets temporary credentials
 * whose source is left NULL for the caller to name. */
int sts_assume_role(struct aws *aws, const struct aws_creds *src,
    const char *role_arn, const char *session_name, const char *external_id,
    struct aws_creds *out, struct aws_error *err);
/* Unsigned: the OIDC token is the proof. */
int sts_assume_role_with_web_identity(struct aws *aws, const char *role_arn,
    const char *session_name, const char *token, struct aws_creds *out,
    struct aws_error *err);

#endif
