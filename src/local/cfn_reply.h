/*
 * cfn_reply.h - CloudFormation's side of a custom resource, on loopback,
 * for `spartac invoke --custom-resource`: the request event, and a
 * one-shot HTTP server on 127.0.0.1 whose URL is the request's ResponseURL
 * and that captures the reply the function PUTs there.
 */
#ifndef SPARTAC_CFN_REPLY_H
#define SPARTAC_CFN_REPLY_H

#include <stddef.h>

struct cfn_request {
	const char *request_type; /* "Create", "Update" or "Delete" */
	const char *name;         /* the custom resource (Custom::NAME) */
	const char *logical_id;
	const char *physical_id;  /* NULL: none (Create) */
	const char *properties;   /* a JSON object's text, or NULL: {} */
	const char *old_properties; /* Update: a JSON object's text, or NULL */
	const char *service_token; /* the function's ARN */
	const char *stack_id;
	const char *response_url;
};

/*
 * The request's JSON text (ResourceProperties and OldResourceProperties
 * carry ServiceToken, as CloudFormation sends them), or NULL when a
 * properties text is not a JSON object (logged). Free it.
 */
char *cfn_request_json(const struct cfn_request *rq);

struct cfn_reply {
	char *method;       /* "PUT" as received */
	char *path;
	int has_content_type; /* the request carried a Content-Type header */
	char *body;         /* NUL-terminated */
	size_t len;
};

struct cfn_listener;

/* Listens on 127.0.0.1 (an ephemeral port) in a thread; NULL after
 * logging why. */
struct cfn_listener *cfn_listener_start(void);
/* http://127.0.0.1:PORT/cloudformation-response/ID */
const char *cfn_listener_url(const struct cfn_listener *l);
/*
 * Waits up to timeout_ms for the one request, stops the thread and frees
 * l. Returns 0 with r filled (free with cfn_reply_free), or -1 when
 * nothing came.
 */
int cfn_listener_finish(struct cfn_listener *l, long timeout_ms,
    struct cfn_reply *r);
void cfn_reply_free(struct cfn_reply *r);

#endif
