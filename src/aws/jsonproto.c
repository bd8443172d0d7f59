/*
 * jsonproto.c - the JSON protocol (CloudWatch Logs): a POST of a JSON
 * document to /, the operation named by X-Amz-Target (TARGETPREFIX.Op),
 * a JSON answer. Errors are decoded by the transport (http.c).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/internal.h"
#include "base/util.h"

int
aws_json_send(struct aws *aws, const char *service, const char *target,
    const char *version, const char *operation, const cJSON *in, cJSON **out,
    struct aws_error *err)
{
	struct aws_request req;
	struct aws_response resp = {0};
	char *base, *body = NULL, *tgt = NULL, *ctype = NULL;
	int custom, rc = -1;

	*out = NULL;
	memset(&req, 0, sizeof req);
	if ((base = aws_endpoint(aws, service, &custom, err)) == NULL) {
		snprintf(err->service, sizeof err->service, "%s", service);
		snprintf(err->operation, sizeof err->operation, "%s", operation);
		return -1;
	}
	body = cJSON_PrintUnformatted(in);
	tgt = xasprintf("%s.%s", target, operation);
	ctype = xasprintf("application/x-amz-json-%s", version);
	req.service = service;
	req.operation = operation;
	req.method = "POST";
	req.url = xasprintf("%s/", base);
	req.hdr[req.nhdr].name = "Content-Type";
	req.hdr[req.nhdr++].value = ctype;
	req.hdr[req.nhdr].name = "X-Amz-Target";
	req.hdr[req.nhdr++].value = tgt;
	req.body = body;
	req.body_len = strlen(body);
	if (aws_send(aws, &req, &resp, err) != 0)
		goto out;
	*out = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "{}",
	    resp.body.data ? resp.body.len : 2);
	if (*out == NULL) {
		aws_error_set(err, service, operation, "MalformedResponse",
		    "the answer is not JSON");
		goto out;
	}
	rc = 0;
out:
	free(req.url);
	free(base);
	free(body);
	free(tgt);
	free(ctype);
	aws_response_free(&resp);
	return rc;
}
