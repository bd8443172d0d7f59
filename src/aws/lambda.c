/*
 * lambda.c - Lambda UpdateFunctionCode and GetFunctionConfiguration
 * (lambda.h), in the shapes of botocore's lambda/2015-03-31 model.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/internal.h"
#include "aws/lambda.h"
#include "base/util.h"

#define LAMBDA_VERSION "2015-03-31"

static char *
member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

/* One call: method on /2015-03-31/functions/NAME/tail with body (or
 * none); the answer into out. */
static int
lambda_call(struct aws *aws, const char *operation, const char *method,
    const char *function, const char *tail, const cJSON *body,
    struct lambda_function *out, struct aws_error *err)
{
	struct aws_request req;
	struct aws_response resp = {0};
	struct buf path = {0};
	char *base, *text = NULL;
	cJSON *ans;
	int custom, rc = -1;

	memset(out, 0, sizeof *out);
	memset(&req, 0, sizeof req);
	if ((base = aws_endpoint(aws, "lambda", &custom, err)) == NULL) {
		snprintf(err->service, sizeof err->service, "lambda");
		snprintf(err->operation, sizeof err->operation, "%s", operation);
		return -1;
	}
	buf_printf(&path, "%s/%s/functions/", base, LAMBDA_VERSION);
	aws_uri_encode(&path, function, strlen(function), NULL);
	buf_printf(&path, "/%s", tail);
	req.service = "lambda";
	req.operation = operation;
	req.method = method;
	req.url = path.data;
	if (body) {
		text = cJSON_PrintUnformatted(body);
		req.hdr[req.nhdr].name = "Content-Type";
		req.hdr[req.nhdr++].value = "application/json";
		req.body = text;
		req.body_len = strlen(text);
	}
	if (aws_send(aws, &req, &resp, err) != 0)
		goto out;
	ans = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "{}",
	    resp.body.data ? resp.body.len : 2);
	if (ans == NULL) {
		aws_error_set(err, "lambda", operation, "MalformedResponse",
		    "the answer is not JSON");
		goto out;
	}
	out->name = member(ans, "FunctionName");
	out->code_sha256 = member(ans, "CodeSha256");
	out->state = member(ans, "State");
	out->last_update = member(ans, "LastUpdateStatus");
	out->last_update_reason = member(ans, "LastUpdateStatusReason");
	cJSON_Delete(ans);
	rc = 0;
out:
	free(text);
	free(base);
	buf_free(&path);
	aws_response_free(&resp);
	return rc;
}

int
lambda_update_function_code(struct aws *aws, const char *function,
    const char *bucket, const char *key, struct lambda_function *out,
    struct aws_error *err)
{
	cJSON *b = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(b, "S3Bucket", bucket);
	cJSON_AddStringToObject(b, "S3Key", key);
	rc = lambda_call(aws, "UpdateFunctionCode", "PUT", function, "code", b,
	    out, err);
	cJSON_Delete(b);
	return rc;
}

int
lambda_get_function_configuration(struct aws *aws, const char *function,
    struct lambda_function *out, struct aws_error *err)
{
	return lambda_call(aws, "GetFunctionConfiguration", "GET", function,
	    "configuration", NULL, out, err);
}

void
lambda_function_free(struct lambda_function *f)
{
	free(f->name);
	free(f->code_sha256);
	free(f->state);
	free(f->last_update);
	free(f->last_update_reason);
	memset(f, 0, sizeof *f);
}
