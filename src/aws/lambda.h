/*
 * lambda.h - Lambda (REST-JSON, 2015-03-31) calls of deploy --code:
 * UpdateFunctionCode from an S3 object, and GetFunctionConfiguration to
 * wait for LastUpdateStatus.
 */
#ifndef SPARTAC_AWS_LAMBDA_H
#define SPARTAC_AWS_LAMBDA_H

#include "aws/aws.h"

struct lambda_function {
	char *name;           /* FunctionName */
	char *code_sha256;    /* CodeSha256 (base64) */
	char *state;          /* State: Active, Pending, ... */
	char *last_update;    /* LastUpdateStatus: Successful, InProgress, Failed */
	char *last_update_reason;
};

void lambda_function_free(struct lambda_function *f); /* the members */

/* UpdateFunctionCode with S3Bucket and S3Key; *out is the configuration
 * the answer gives. */
int lambda_update_function_code(struct aws *aws, const char *function,
    const char *bucket, const char *key, struct lambda_function *out,
    struct aws_error *err);

int lambda_get_function_configuration(struct aws *aws, const char *function,
    struct lambda_function *out, struct aws_error *err);

#endif
