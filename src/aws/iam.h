/*
 * iam.h - IAM GetRole, to check at deploy time that a role named by ARN in
 * the manifest exists before CloudFormation is asked to use it.
 */
#ifndef SPARTAC_AWS_IAM_H
#define SPARTAC_AWS_IAM_H

#include "aws/aws.h"

struct iam_role {
	char *name;
	char *arn;
	char *id;
	char *path;
	char *assume_role_policy; /* the trust policy JSON, URL-decoded */
};

/* *out is NULL (and 0 returned) when the role does not exist. */
int iam_get_role(struct aws *aws, const char *name, struct iam_role **out,
    struct aws_error *err);
void iam_role_free(struct iam_role *r);

#endif
