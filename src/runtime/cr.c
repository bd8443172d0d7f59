/*
 * cr.c - CloudFormation custom resources: reading the request, running the
 * handler in a child process, and PUTting CloudFormation's response object
 * to the pre-signed ResponseURL.
 *
 * The child runs the handler and writes the finished response object to a
 * pipe. The parent waits for it until one second before the invocation's
 * deadline; when the child dies without a reply (a signal, an exit) or is
 * still running then (it is killed), the parent writes the FAILED object
 * itself. Either way exactly one reply is PUT, with no Content-Type (the
 * URL is signed without one), and it is also the invocation's result.
 *
 * The response object (CloudFormation's "custom resource response
 * objects"): Status, Reason (with FAILED), PhysicalResourceId, StackId,
 * RequestId, LogicalResourceId, NoEcho, Data; at most 4,096 bytes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "runtime.h"

#define CR_REPLY_MAX 4096
#define CR_PHYSICAL_MAX 1024
#define CR_MARGIN_MS 1000

static const char *
str_of(const struct sparta_json *obj, const char *key)
{
	const char *s = sparta_json_string(sparta_json_get(obj, key), NULL);

	return s ? s : "";
}

int
sparta_cr_parse(struct sparta_context *ctx, const char *event, size_t len,
    struct sparta_cr_request *req)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const struct sparta_json *p;

	memset(req, 0, sizeof(*req));
	if (sparta_json_type(ev) != SPARTA_JSON_OBJECT)
		return -1;
	req->event = ev;
	req->request_type = str_of(ev, "RequestType");
	req->resource_type = str_of(ev, "ResourceType");
	req->logical_id = str_of(ev, "LogicalResourceId");
	req->physical_id = str_of(ev, "PhysicalResourceId");
	req->stack_id = str_of(ev, "StackId");
	req->request_id = str_of(ev, "RequestId");
	req->response_url = str_of(ev, "ResponseURL");
	req->service_token = str_of(ev, "ServiceToken");
	p = sparta_json_get(ev, "ResourceProperties");
	req->properties = sparta_json_type(p) == SPARTA_JSON_OBJECT ? p : NULL;
	p = sparta_json_get(ev, "OldResourceProperties");
	req->old_properties = sparta_json_type(p) == SPARTA_JSON_OBJECT ? p : NULL;
	if (strcmp(req->request_type, "Create") != 0 &&
	    strcmp(req->request_type, "Update") != 0 &&
	    strcmp(req->request_type, "Delete") != 0)
		return -1;
	if (*req->response_url == '\0' || *req->request_id == '\0' ||
	    *req->stack_id == '\0' || *req->logical_id == '\0')
		return -1;
	return 0;
}

int
sparta_cr_set_physical_id(struct sparta_response *res, const char *id)
{
	size_t n = strlen(id);

	rt_buf_reset(&res->cr_physical_id);
	if (n > CR_PHYSICAL_MAX)
		n = CR_PHYSICAL_MAX;
	if (rt_buf_append(&res->cr_physical_id, id, n) < 0 ||
	    rt_buf_putc(&res->cr_physical_id, '\0') < 0)
		return SPARTA_FAIL;
	res->cr_physical_id.len--;
	return 0;
}

int
sparta_cr_set_no_echo(struct sparta_response *res, int on)
{
	res->cr_no_echo = on != 0;
	return 0;
}

/* The physical ID a reply names when the handler set none. */
static void
physical_default(const struct sparta_cr_request *req, struct rt_buf *out)
{
	rt_buf_reset(out);
	if (*req->physical_id != '\0')
		rt_buf_puts(out, req->physical_id);
	else
		rt_buf_printf(out, "%s-%s", req->logical_id, req->request_id);
}

/* Bytes of s (at most n) that end on a UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void
doc_build(struct rt_buf *out, const struct sparta_cr_request *req, int ok,
    const char *physical, int no_echo, const char *data, size_t dlen,
    const char *reason, size_t rlen)
{
	rt_buf_reset(out);
	rt_buf_printf(out, "{\"Status\":\"%s\"", ok ? "SUCCESS" : "FAILED");
	if (!ok) {
		rt_buf_puts(out, ",\"Reason\":");
		rt_json_escape(out, reason, rlen);
	}
	rt_buf_puts(out, ",\"PhysicalResourceId\":");
	rt_json_escape(out, physical, strlen(physical));
	rt_buf_puts(out, ",\"StackId\":");
	rt_json_escape(out, req->stack_id, strlen(req->stack_id));
	rt_buf_puts(out, ",\"RequestId\":");
	rt_json_escape(out, req->request_id, strlen(req->request_id));
	rt_buf_puts(out, ",\"LogicalResourceId\":");
	rt_json_escape(out, req->logical_id, strlen(req->logical_id));
	rt_buf_printf(out, ",\"NoEcho\":%s", no_echo ? "true" : "false");
	if (ok && dlen > 0) {
		rt_buf_puts(out, ",\"Data\":");
		rt_buf_append(out, data, dlen);
	}
	rt_buf_puts(out, "}");
}

/*
 * CloudFormation's response object in out, within CR_REPLY_MAX bytes: a
 * FAILED reason is cut to fit; a SUCCESS that does not fit turns FAILED.
 */
static void
cr_doc(struct rt_buf *out, const struct sparta_cr_request *req, int ok,
    const char *physical, int no_echo, const char *data, size_t dlen,
    const char *reason)
{
	char why[160];
	size_t rlen = reason ? strlen(reason) : 0;
	int i;

	doc_build(out, req, ok, physical, no_echo, data, dlen, reason, rlen);
	if (ok && out->len > CR_REPLY_MAX) {
		snprintf(why, sizeof(why), "the reply's Data makes it %zu bytes, "
		    "over CloudFormation's %d-byte limit", out->len,
		    CR_REPLY_MAX);
		fprintf(stderr, "sparta: custom resource: %s\n", why);
		reason = why;
		rlen = strlen(why);
		ok = 0;
		doc_build(out, req, ok, physical, no_echo, NULL, 0, reason, rlen);
	}
	/* Escaping may grow a cut, so cut again by what is still over. */
	for (i = 0; i < 8 && out->len > CR_REPLY_MAX && rlen > 0; i++) {
		size_t over = out->len - CR_REPLY_MAX;

		rlen = utf8_cut(reason, over < rlen ? rlen - over : 0);
		doc_build(out, req, ok, physical, no_echo, NULL, 0, reason, rlen);
	}
}

/* Runs the handler (in the child) and writes its response object to fd. */
static void
child_run(sparta_handler_fn *fn, const char *event, size_t len,
    struct sparta_context *ctx, struct sparta_response *res,
    const struct sparta_cr_request *req, int fd)
{
	struct rt_buf out = {0}, doc = {0}, phys = {0}, why = {0};
	const char *type, *data = NULL, *t;
	size_t dlen = 0, off = 0;
	int rc, failed;
	ssize_t n;

	rt_fetch_shutdown(); /* the parent's sockets: only our copies close */
	rt_response_reset(res);
	rc = fn(event, len, ctx, res);
	failed = rt_response_finish(res, rc, ctx->handler, &out, &type);
	if (res->cr_physical_id.len > 0)
		rt_buf_append(&phys, res->cr_physical_id.data,
		    res->cr_physical_id.len);
	else
		physical_default(req, &phys);
	rt_buf_putc(&phys, '\0');
	if (failed) {
		t = type;
		if (strncmp(t, "Function.", 9) == 0)
			t += 9;
		rt_buf_printf(&why, "%s: %s", t,
		    res->err_msg.data ? res->err_msg.data : "");
	} else if (out.len > 0) {
		if (sparta_json_type(sparta_json_parse(ctx, out.data, out.len))
		    != SPARTA_JSON_OBJECT) {
			failed = 1;
			rt_buf_puts(&why, "the handler wrote something other "
			    "than one JSON object (the reply's Data)");
		} else {
			data = out.data;
			dlen = out.len;
		}
	}
	cr_doc(&doc, req, !failed, phys.oom ? "" : phys.data,
	    res->cr_no_echo, data, dlen, why.data ? why.data : "");
	while (!doc.oom && off < doc.len) {
		n = write(fd, doc.data + off, doc.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	rc = off == doc.len && doc.len > 0 ? 0 : 1;
	rt_buf_free(&out);
	rt_buf_free(&doc);
	rt_buf_free(&phys);
	rt_buf_free(&why);
	_exit(rc);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what fd still holds without waiting. */
static void
drain(int fd, struct rt_buf *got)
{
	struct pollfd p;
	char tmp[4096];
	ssize_t n;

	p.fd = fd;
	p.events = POLLIN;
	while (poll(&p, 1, 0) > 0 && (n = read(fd, tmp, sizeof(tmp))) > 0)
		rt_buf_append(got, tmp, (size_t)n);
}

/*
 * Waits for the child's reply until budget_ms have passed, then kills it.
 * 1 with the reply in got, or 0 with why set.
 */
static int
child_wait(pid_t pid, int fd, long long budget_ms, struct rt_buf *got,
    struct rt_buf *why)
{
	long long end = now_ms() + budget_ms, left;
	struct pollfd p;
	char tmp[4096];
	int status = 0, open = 1, reaped = 0;
	ssize_t n;

	while (!reaped && (left = end - now_ms()) > 0) {
		p.fd = fd;
		p.events = POLLIN;
		if (open && poll(&p, 1, left > 50 ? 50 : (int)left) > 0) {
			n = read(fd, tmp, sizeof(tmp));
			if (n > 0)
				rt_buf_append(got, tmp, (size_t)n);
			else if (n == 0 || errno != EINTR)
				open = 0;
		} else if (!open) {
			struct timespec ts = { 0, 10 * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			reaped = 1;
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		rt_buf_printf(why, "the handler did not finish before the "
		    "function's timeout (killed %d ms before the deadline so "
		    "that this reply gets out)", CR_MARGIN_MS);
		return 0;
	}
	if (open)
		drain(fd, got);
	if (WIFSIGNALED(status))
		rt_buf_printf(why, "the handler crashed: signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0 || got->len == 0 || got->oom)
		rt_buf_printf(why, "the handler exited (status %d) without "
		    "replying", WEXITSTATUS(status));
	else
		return 1;
	return 0;
}

/* PUTs the reply (twice more on a transport error or 5xx). 0 or -1. */
static int
reply_put(const struct sparta_cr_request *req, const struct rt_buf *doc,
    struct rt_buf *err)
{
	struct rt_fetch_request rq;
	struct rt_fetch_reply rep;
	int attempt, rc = -1;

	memset(&rq, 0, sizeof(rq));
	memset(&rep, 0, sizeof(rep));
	rq.method = "PUT"; /* no Content-Type: the URL is signed without one */
	rq.url = req->response_url;
	rq.body = doc->data;
	rq.len = doc->len;
	rq.timeout_ms = 10000;
	for (attempt = 0; attempt < 3 && rc < 0; attempt++) {
		rt_buf_reset(err);
		if (rt_fetch(&rq, &rep) < 0)
			rt_buf_puts(err, rep.err);
		else if (rep.status < 200 || rep.status > 299) {
			rt_buf_printf(err, "HTTP %d: %.200s", rep.status,
			    rep.body.data ? rep.body.data : "");
			if (rep.status < 500)
				break;
		} else
			rc = 0;
	}
	rt_fetch_reply_free(&rep);
	return rc;
}

/* The time the child gets: up to CR_MARGIN_MS before the deadline. */
static long long
child_budget(const struct sparta_context *ctx)
{
	long long left = sparta_remaining_ms(ctx);

	if (ctx->deadline_ms <= 0)
		return 900 * 1000LL;
	return left > 2 * CR_MARGIN_MS ? left - CR_MARGIN_MS : left / 2;
}

int
sparta_cr_serve(sparta_handler_fn *fn, const char *event, size_t len,
    struct sparta_context *ctx, struct sparta_response *res)
{
	struct sparta_cr_request req;
	struct rt_buf got = {0}, why = {0}, doc = {0}, phys = {0};
	int fds[2], ok = 0, rc;
	pid_t pid = -1;

	if (sparta_cr_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "Runtime.NotCustomResourceRequest",
		    "%s serves CloudFormation custom resources: the event needs "
		    "RequestType (Create, Update or Delete), ResponseURL, "
		    "StackId, RequestId and LogicalResourceId", ctx->handler);
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) < 0) {
		rt_buf_printf(&why, "cannot create a pipe: %s", strerror(errno));
	} else if ((pid = fork()) < 0) {
		rt_buf_printf(&why, "cannot fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
	} else if (pid == 0) {
		close(fds[0]);
		child_run(fn, event, len, ctx, res, &req, fds[1]);
	} else {
		close(fds[1]);
		ok = child_wait(pid, fds[0], child_budget(ctx), &got, &why);
		close(fds[0]);
	}
	if (!ok && getenv("AWS_LAMBDA_LOG_STREAM_NAME") != NULL)
		rt_buf_printf(&why, " (log stream %s)",
		    getenv("AWS_LAMBDA_LOG_STREAM_NAME"));
	if (!ok) {
		physical_default(&req, &phys);
		rt_buf_putc(&phys, '\0');
		cr_doc(&doc, &req, 0, phys.oom ? "" : phys.data, 0, NULL, 0,
		    why.data ? why.data : "");
	}
	fprintf(stderr, "sparta: %s %s %s: %s%s%s\n", req.request_type,
	    req.resource_type, req.logical_id, ok && strncmp(got.data,
	    "{\"Status\":\"SUCCESS\"", 19) == 0 ? "SUCCESS" : "FAILED",
	    ok ? "" : ": ", ok ? "" : why.data ? why.data : "");
	if (reply_put(&req, ok ? &got : &doc, &why) < 0) {
		fprintf(stderr, "sparta: the reply to %s could not be sent: %s\n",
		    req.logical_id, why.data ? why.data : "");
		rc = sparta_error(res, "Runtime.CustomResourceReply",
		    "the reply could not be sent to the ResponseURL: %s",
		    why.data ? why.data : "");
	} else {
		rc = sparta_write(res, ok ? got.data : doc.data,
		    ok ? got.len : doc.len) < 0 ? SPARTA_FAIL : 0;
	}
	rt_buf_free(&got);
	rt_buf_free(&why);
	rt_buf_free(&doc);
	rt_buf_free(&phys);
	return rc;
}
