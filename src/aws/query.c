/*
 * query.c - the Query protocol (CloudFormation, IAM, STS): a form-encoded
 * POST of Action, Version and flattened parameters; an XML response.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/internal.h"
#include "base/util.h"

static const char *
api_version(const char *service)
{
	if (strcmp(service, "cloudformation") == 0)
		return "2010-05-15";
	if (strcmp(service, "iam") == 0)
		return "2010-05-08";
	if (strcmp(service, "sts") == 0)
		return "2011-06-15";
	return "";
}

void
aws_query_init(struct aws_query *q, const char *service, const char *action)
{
	memset(q, 0, sizeof q[0]);
	q->service = service;
	q->action = action;
	buf_printf(&q->body, "Action=%s&Version=%s", action, api_version(service));
}

/* application/x-www-form-urlencoded exactly as botocore sends it (Python's
 * urlencode: unreserved characters kept, space as '+'), so that a peer that
 * re-encodes the parsed form to check the signature gets our bytes back. */
static void
form_encode(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		size_t n = strcspn(p, " ");
		aws_uri_encode(b, p, n, NULL);
		p += n;
		if (*p == '\0')
			break;
		buf_putc(b, '+');
	}
}

void
aws_query_add(struct aws_query *q, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_putc(&q->body, '&');
	form_encode(&q->body, key);
	buf_putc(&q->body, '=');
	form_encode(&q->body, value);
}

int
aws_query_send_as(struct aws *aws, struct aws_query *q,
    const struct aws_creds *creds, int unsigned_request, struct xml_node **out,
    struct aws_error *err)
{
	struct aws_request req;
	struct aws_response resp = {0};
	char why[160];
	int custom, rc = -1;
	char *base;

	*out = NULL;
	memset(&req, 0, sizeof req);
	if ((base = aws_endpoint(aws, q->service, &custom, err)) == NULL) {
		snprintf(err->service, sizeof err->service, "%s", q->service);
		snprintf(err->operation, sizeof err->operation, "%s", q->action);
		goto out;
	}
	req.service = q->service;
	req.operation = q->action;
	req.method = "POST";
	req.url = xasprintf("%s/", base);
	req.hdr[req.nhdr].name = "Content-Type";
	req.hdr[req.nhdr++].value = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = q->body.data;
	req.body_len = q->body.len;
	req.creds = creds;
	req.unsigned_request = unsigned_request;
	if (aws_send(aws, &req, &resp, err) != 0)
		goto out;
	if ((*out = xml_parse(resp.body.data ? resp.body.data : "", resp.body.len,
	    why, sizeof why)) == NULL) {
		aws_error_set(err, q->service, q->action, "MalformedResponse", "%s", why);
		goto out;
	}
	rc = 0;
out:
	/* the body may hold a web identity token or a secret */
	if (q->body.data)
		explicit_bzero(q->body.data, q->body.len);
	buf_free(&q->body);
	free(req.url);
	free(base);
	aws_response_free(&resp);
	return rc;
}

int
aws_query_send(struct aws *aws, struct aws_query *q, struct xml_node **out,
    struct aws_error *err)
{
	return aws_query_send_as(aws, q, NULL, 0, out, err);
}
