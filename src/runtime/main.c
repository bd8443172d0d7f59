/*
 * main.c - the bootstrap's event loop: find the handler named by _HANDLER,
 * then next -> handler -> response/error, forever.
 *
 * Lambda's contract (Runtime API 2018-06-01): an unknown handler is an init
 * error (POST /runtime/init/error, then exit); a failed invocation is POST
 * /runtime/invocation/ID/error with Lambda-Runtime-Function-Error-Type; a
 * response over the limit gets 413 from Lambda, which then reports the
 * error itself, so the runtime only logs it and asks for the next event.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "runtime.h"

#define API "/2018-06-01/runtime"

const struct sparta_handler_entry *
sparta_handler_find(const char *name)
{
	const struct sparta_handler_entry *e;

	if (name == NULL)
		return NULL;
	for (e = sparta_handlers; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v ? v : dflt;
}

static int
init_error(struct rapi *api, const char *type, const char *msg)
{
	struct rt_buf doc = {0};
	struct rapi_reply rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	fprintf(stderr, "sparta: %s: %s\n", type, msg);
	rt_buf_puts(&doc, "{\"errorMessage\":");
	rt_json_escape(&doc, msg, strlen(msg));
	rt_buf_puts(&doc, ",\"errorType\":");
	rt_json_escape(&doc, type, strlen(type));
	rt_buf_puts(&doc, ",\"stackTrace\":[]}");
	rc = rapi_request(api, "POST", API "/init/error", type,
	    doc.data ? doc.data : "{}", doc.len, &rep);
	rt_buf_free(&doc);
	rapi_reply_free(&rep);
	return rc;
}

static void
no_such_handler(struct rapi *api, const char *name)
{
	struct rt_buf msg = {0};
	const struct sparta_handler_entry *e;

	rt_buf_printf(&msg, "handler '%s' is not in this bootstrap (it has:", name);
	for (e = sparta_handlers; e->name != NULL; e++)
		rt_buf_printf(&msg, " %s", e->name);
	rt_buf_puts(&msg, ")");
	init_error(api, "Runtime.NoSuchHandler", msg.data ? msg.data : "");
	rt_buf_free(&msg);
}

int
main(void)
{
	const char *addr = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *handler = env_or("_HANDLER", "");
	const struct sparta_handler_entry *entry;
	struct sparta_invocation inv;
	struct sparta_response res;
	struct sparta_context ctx;
	struct rapi_reply rep, ack;
	struct rt_buf out = {0};
	struct rapi api;
	const char *type, *event;
	char path[256];
	int rc = 0, is_error;

	signal(SIGPIPE, SIG_IGN);
	/* Lambda collects stdout/stderr line by line; don't sit on logs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (addr == NULL || rapi_init(&api, addr) < 0) {
		fprintf(stderr, "sparta: AWS_LAMBDA_RUNTIME_API is %s: this "
		    "bootstrap runs under AWS Lambda or `spartac invoke`\n",
		    addr ? "not host:port" : "not set");
		return 1;
	}
	if ((entry = sparta_handler_find(handler)) == NULL) {
		no_such_handler(&api, handler);
		rapi_close(&api);
		return 1;
	}

	memset(&inv, 0, sizeof(inv));
	memset(&res, 0, sizeof(res));
	memset(&rep, 0, sizeof(rep));
	memset(&ack, 0, sizeof(ack));
	memset(&ctx, 0, sizeof(ctx));
	ctx.function_name = env_or("AWS_LAMBDA_FUNCTION_NAME", "");
	ctx.function_version = env_or("AWS_LAMBDA_FUNCTION_VERSION", "");
	ctx.memory_mb = atoi(env_or("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0"));
	ctx.handler = handler;
	ctx.priv = &inv;

	for (;;) {
		if (rapi_request(&api, "GET", API "/invocation/next", NULL, NULL,
		    0, &rep) < 0)
			break;
		if (rep.status != 200) {
			fprintf(stderr, "sparta: invocation/next: HTTP %d: %s\n",
			    rep.status, rep.body.data ? rep.body.data : "");
			break;
		}
		ctx.request_id = rep.request_id;
		ctx.function_arn = rep.function_arn;
		ctx.trace_id = rep.trace_id;
		ctx.deadline_ms = strtoll(rep.deadline_ms, NULL, 10);
		ctx.client_context = rep.client_context.data ? rep.client_context.data : "";
		ctx.cognito_identity = rep.cognito_identity.data ? rep.cognito_identity.data : "";
		if (rep.trace_id[0] != '\0')
			setenv("_X_AMZN_TRACE_ID", rep.trace_id, 1);
		else
			unsetenv("_X_AMZN_TRACE_ID");

		rt_response_reset(&res);
		event = rep.body.data ? rep.body.data : "";
		if (rep.body.oom)
			rt_response_fail(&res, "Runtime.OutOfMemory",
			    "out of memory while reading the event");
		else
			rc = entry->fn(event, rep.body.len, &ctx, &res);
		if (res.http && !res.is_error)
			rt_http_finish(&res, &ctx, event, rep.body.len);
		is_error = rt_response_finish(&res, rep.body.oom ? 0 : rc,
		    handler, &out, &type);

		snprintf(path, sizeof(path), API "/invocation/%s/%s",
		    rep.request_id, is_error ? "error" : "response");
		if (rapi_request(&api, "POST", path, is_error ? type : NULL,
		    out.data ? out.data : "", out.len, &ack) < 0)
			break;
		if (ack.status == 413)
			fprintf(stderr, "sparta: the response (%zu bytes) is over "
			    "Lambda's limit; Lambda reports the error\n", out.len);
		else if (ack.status < 200 || ack.status > 299)
			fprintf(stderr, "sparta: %s: HTTP %d: %s\n", path,
			    ack.status, ack.body.data ? ack.body.data : "");
		rt_invocation_end(&inv);
	}
	rt_buf_free(&out);
	rt_response_free(&res);
	rapi_reply_free(&rep);
	rapi_reply_free(&ack);
	rt_invocation_end(&inv);
	rt_arena_free(&inv.arena);
	rapi_close(&api);
	return 1;
}
