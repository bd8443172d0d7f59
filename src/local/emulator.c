/*
 * emulator.c - a Lambda Runtime API server (2018-06-01) on loopback and
 * the bootstrap process it serves. See emulator.h.
 *
 * Single-threaded: one poll(2) loop over the listening socket, the
 * runtime's connections and a pidfd for the process (a 20 ms waitpid poll
 * where pidfd_open is missing). Requests are buffered whole (bounded by the
 * payload limits); an over-limit response body is read and dropped before
 * the 413 goes out, so the runtime always gets to read the reply.
 */
#define _GNU_SOURCE /* accept4, pipe2, execvpe, memmem */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "local/emulator.h"
#include "base/util.h"

#define API "/2018-06-01/runtime"
#define MAX_CONNS 16
#define HEAD_LIMIT (64 * 1024)
#define ERROR_LIMIT (1024 * 1024)
#define SETTLE_MS 2000    /* at most, for a runtime to reach `next` at the end */

struct conn {
	int fd;
	struct buf in;
	size_t discard;   /* body bytes still to drop (over-limit response) */
	int discarding;
	int parked;       /* a `next` waiting for an event */
	struct buf out;   /* reply bytes not yet written */
	size_t out_off;
	int close_after;
};

struct emulator {
	const struct emulator_config *cfg;
	int lfd;
	char addr[64];
	pid_t pid;        /* 0: no process */
	int pidfd;        /* -1: poll with waitpid */
	double spawn_at;  /* ms, monotonic */
	int saw_next;     /* the process has asked for an event since spawn */
	struct conn conns[MAX_CONNS];
	/* The invocation in flight. */
	int active;
	int delivered;
	char request_id[40];
	const char *event;
	size_t event_len;
	double started_at, deadline_at;
	long long deadline_epoch_ms;
	struct emulator_result *res;
	int done;
	/* An init error posted since spawn. */
	char *init_error_type;
	char *init_error_doc;
	int reset_after; /* kill the process once the invocation is over */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long long
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t i;

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
		/* Uniqueness is all we need from these ids. */
		for (i = 0; i < nbytes; i++)
			b[i] = (unsigned char)(rand() ^ (int)(now_ms() * 1000));
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

static void
request_id_new(char *out)
{
	char h[33];

	random_hex(h, 16);
	h[12] = '4'; /* a version 4 UUID, as Lambda's are */
	h[16] = "89ab"[h[16] % 4];
	snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
	    h + 16, h + 20);
}

struct emulator *
emulator_alloc(const struct emulator_config *cfg)
{
	struct emulator *e = xcalloc(1, sizeof(*e));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	size_t i;

	e->cfg = cfg;
	e->pidfd = -1;
	for (i = 0; i < MAX_CONNS; i++)
		e->conns[i].fd = -1;
	e->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->lfd < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(e->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(e->lfd, 16) < 0 ||
	    getsockname(e->lfd, (struct sockaddr *)&sa, &sl) < 0)
		goto fail;
	snprintf(e->addr, sizeof(e->addr), "127.0.0.1:%u",
	    (unsigned)ntohs(sa.sin_port));
	return e;
fail:
	log_error("emulator: cannot listen on 127.0.0.1: %s", strerror(errno));
	if (e->lfd >= 0)
		close(e->lfd);
	free(e);
	return NULL;
}

const char *
emulator_address(const struct emulator *e)
{
	return e->addr;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
reap(struct emulator *e, int *status)
{
	int st = 0;

	if (e->pid > 0) {
		while (waitpid(e->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (status != NULL)
		*status = st;
	if (e->pidfd >= 0)
		close(e->pidfd);
	e->pidfd = -1;
	e->pid = 0;
}

static void
process_kill(struct emulator *e)
{
	size_t i;

	if (e->pid > 0) {
		kill(-e->pid, SIGKILL); /* the group: qemu and anything it forked */
		kill(e->pid, SIGKILL);
		reap(e, NULL);
	}
	/* The runtime's connections die with it. */
	for (i = 0; i < MAX_CONNS; i++)
		if (e->conns[i].fd >= 0)
			conn_close(&e->conns[i]);
}

static void settle(struct emulator *e, int ms);

void
emulator_free(struct emulator *e)
{
	if (e == NULL)
		return;
	settle(e, SETTLE_MS);
	process_kill(e);
	if (e->lfd >= 0)
		close(e->lfd);
	free(e->init_error_type);
	free(e->init_error_doc);
	free(e);
}

void
emulator_result_free(struct emulator_result *r)
{
	free(r->payload);
	free(r->error_type);
	free(r->error_message);
	memset(r, 0, sizeof(*r));
}

/* ---- Starting the bootstrap ---- */

static void
env_add(char ***v, size_t *n, size_t *cap, char *kv)
{
	*v = xgrow(*v, cap, *n + 2, sizeof(**v));
	(*v)[(*n)++] = kv;
	(*v)[*n] = NULL;
}

static char **
env_build(const struct emulator *e)
{
	const struct emulator_config *c = e->cfg;
	const char *region = c->region ? c->region : "us-east-1";
	char **v = NULL;
	size_t n = 0, cap = 0, i;
	const char *const *p;

	env_add(&v, &n, &cap, xstrdup("PATH=/usr/local/bin:/usr/bin:/bin:/opt/bin"));
	env_add(&v, &n, &cap, xstrdup("LANG=en_US.UTF-8"));
	env_add(&v, &n, &cap, xstrdup("TZ=:UTC"));
	env_add(&v, &n, &cap, xasprintf("AWS_LAMBDA_RUNTIME_API=%s", e->addr));
	env_add(&v, &n, &cap, xasprintf("_HANDLER=%s", c->handler ? c->handler : ""));
	env_add(&v, &n, &cap, xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s",
	    c->function_name ? c->function_name : "function"));
	env_add(&v, &n, &cap, xstrdup("AWS_LAMBDA_FUNCTION_VERSION=$LATEST"));
	env_add(&v, &n, &cap, xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%ld",
	    c->memory_mb > 0 ? c->memory_mb : 128));
	env_add(&v, &n, &cap, xasprintf("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s",
	    c->function_name ? c->function_name : "function"));
	env_add(&v, &n, &cap, xstrdup("AWS_LAMBDA_LOG_STREAM_NAME=local"));
	env_add(&v, &n, &cap, xstrdup("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand"));
	env_add(&v, &n, &cap, xasprintf("AWS_REGION=%s", region));
	env_add(&v, &n, &cap, xasprintf("AWS_DEFAULT_REGION=%s", region));
	env_add(&v, &n, &cap, xasprintf("LAMBDA_TASK_ROOT=%s",
	    c->task_root ? c->task_root : "."));
	env_add(&v, &n, &cap, xasprintf("LAMBDA_RUNTIME_DIR=%s",
	    c->task_root ? c->task_root : "."));
	for (p = c->env; p != NULL && *p != NULL; p++) {
		const char *eq = strchr(*p, '=');
		size_t kl = eq ? (size_t)(eq - *p) : strlen(*p);

		/* The function's own value replaces a default of the same name. */
		for (i = 0; i < n; i++) {
			if (strncmp(v[i], *p, kl) == 0 && v[i][kl] == '=') {
				free(v[i]);
				v[i] = xstrdup(*p);
				break;
			}
		}
		if (i == n)
			env_add(&v, &n, &cap, xstrdup(*p));
	}
	return v;
}

static void
env_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static int
process_start(struct emulator *e)
{
	const struct emulator_config *c = e->cfg;
	char **env = env_build(e);
	int errpipe[2], err = 0, fd;
	ssize_t n;
	pid_t pid;

	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		env_free(env);
		log_error("emulator: pipe: %s", strerror(errno));
		return -1;
	}
	free(e->init_error_type);
	free(e->init_error_doc);
	e->init_error_type = e->init_error_doc = NULL;
	e->saw_next = 0;
	e->spawn_at = now_ms();
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(errpipe[0]);
		close(errpipe[1]);
		env_free(env);
		log_error("emulator: fork: %s", strerror(err));
		return -1;
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here on. */
		setpgid(0, 0);
		fd = c->log_fd >= 0 ? c->log_fd : open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		signal(SIGPIPE, SIG_DFL);
		if (c->task_root != NULL && chdir(c->task_root) < 0)
			err = errno;
		else {
			/* execvpe: argv[0] may be qemu-aarch64, found in our PATH. */
			execvpe(c->argv[0], (char *const *)c->argv, env);
			err = errno;
		}
		n = write(errpipe[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	close(errpipe[1]);
	env_free(env);
	n = read(errpipe[0], &err, sizeof(err));
	close(errpipe[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		log_error("emulator: cannot run %s: %s", c->argv[0], strerror(err));
		return -1;
	}
	setpgid(pid, pid); /* also from here: no race with the kill above */
	e->pid = pid;
#ifdef SYS_pidfd_open
	e->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
	e->pidfd = -1;
#endif
	return 0;
}

/* ---- HTTP ---- */

static void
reply(struct conn *c, int status, const char *reason, const char *extra,
    const char *body, size_t len)
{
	buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "%sContent-Length: %zu\r\n%s\r\n", status, reason, extra ? extra : "",
	    len, c->close_after ? "Connection: close\r\n" : "");
	buf_append(&c->out, body, len);
}

static void
reply_json(struct conn *c, int status, const char *reason, const char *body)
{
	reply(c, status, reason, NULL, body, strlen(body));
}

static void
deliver(struct emulator *e, struct conn *c)
{
	struct buf h = {0};
	char trace[128], root[25], parent[17];

	random_hex(root, 12);
	random_hex(parent, 8);
	snprintf(trace, sizeof(trace), "Root=1-%08llx-%s;Parent=%s;Sampled=0",
	    (unsigned long long)(epoch_ms() / 1000), root, parent);
	buf_printf(&h, "Lambda-Runtime-Aws-Request-Id: %s\r\n"
	    "Lambda-Runtime-Deadline-Ms: %lld\r\n"
	    "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:%s:"
	    EMULATOR_ACCOUNT_ID ":function:%s\r\n"
	    "Lambda-Runtime-Trace-Id: %s\r\n",
	    e->request_id, e->deadline_epoch_ms,
	    e->cfg->region ? e->cfg->region : "us-east-1",
	    e->cfg->function_name ? e->cfg->function_name : "function", trace);
	reply(c, 200, "OK", h.data, e->event, e->event_len);
	buf_free(&h);
	c->parked = 0;
	e->delivered = 1;
	e->started_at = now_ms();
}

static char *
json_field(const char *doc, size_t len, const char *name)
{
	cJSON *j = cJSON_ParseWithLength(doc, len);
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, name);
	char *s = NULL;

	if (cJSON_IsString(f))
		s = xstrdup(f->valuestring);
	cJSON_Delete(j);
	return s;
}

static void
finish(struct emulator *e, enum emulator_outcome o, const char *type,
    const char *msg, const char *payload, size_t len)
{
	struct emulator_result *r = e->res;

	r->outcome = o;
	r->payload = xmalloc(len + 1);
	memcpy(r->payload, payload, len);
	r->payload[len] = '\0';
	r->len = len;
	r->error_type = type ? xstrdup(type) : NULL;
	if (msg != NULL)
		r->error_message = xstrdup(msg);
	else if (o == EMULATOR_ERROR)
		r->error_message = json_field(payload, len, "errorMessage");
	r->duration_ms = e->delivered ? now_ms() - e->started_at : 0;
	e->done = 1;
}

/* An error result with a document built here (Lambda's shape). */
static void
finish_error(struct emulator *e, enum emulator_outcome o, const char *type,
    const char *msg)
{
	cJSON *doc = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(doc, "errorMessage", msg);
	if (type != NULL)
		cJSON_AddStringToObject(doc, "errorType", type);
	text = cJSON_PrintUnformatted(doc);
	finish(e, o, type, msg, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(doc);
}

static const char *
header_get(const char *head, const char *name, char *out, size_t cap)
{
	const char *p = strstr(head, "\r\n");
	size_t nl = strlen(name), vl;
	const char *v, *eol;

	while (p != NULL && p[2] != '\r') {
		p += 2;
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			break;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			v = p + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			vl = (size_t)(eol - v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		p = eol;
	}
	return NULL;
}

/*
 * Decodes a chunked body starting at p; returns the bytes consumed, 0 when
 * more input is needed, or -1 when malformed. The body goes to out.
 */
static long
dechunk(const char *p, size_t avail, struct buf *out)
{
	size_t off = 0, sz;
	const char *eol;
	char *end;

	for (;;) {
		eol = memchr(p + off, '\n', avail - off);
		if (eol == NULL)
			return 0;
		sz = (size_t)strtoull(p + off, &end, 16);
		if (end == p + off)
			return -1;
		off = (size_t)(eol - p) + 1;
		if (sz == 0) {
			/* Trailers, up to an empty line. */
			for (;;) {
				eol = memchr(p + off, '\n', avail - off);
				if (eol == NULL)
					return 0;
				if (eol == p + off || (eol == p + off + 1 && p[off] == '\r'))
					return (long)((size_t)(eol - p) + 1);
				off = (size_t)(eol - p) + 1;
			}
		}
		if (avail - off < sz + 2)
			return 0;
		buf_append(out, p + off, sz);
		off += sz;
		if (p[off] == '\r')
			off++;
		if (p[off] != '\n')
			return -1;
		off++;
	}
}

static void
handle(struct emulator *e, struct conn *c, const char *method,
    const char *path, const char *head, const char *body, size_t len)
{
	char id[64], type[256];
	const char *rest;
	size_t il;

	if (strcmp(method, "GET") == 0 && strcmp(path, API "/invocation/next") == 0) {
		if (!e->saw_next && e->res != NULL)
			e->res->init_ms = now_ms() - e->spawn_at;
		e->saw_next = 1;
		c->parked = 1;
		if (e->active && !e->delivered && !e->done)
			deliver(e, c);
		return;
	}
	if (strcmp(method, "POST") != 0) {
		reply_json(c, 405, "Method Not Allowed", "{\"errorType\":\"MethodNotAllowed\"}");
		return;
	}
	if (strcmp(path, API "/init/error") == 0) {
		free(e->init_error_type);
		free(e->init_error_doc);
		e->init_error_type = xstrdup(header_get(head,
		    "Lambda-Runtime-Function-Error-Type", type, sizeof(type)) ?
		    type : "Runtime.Unknown");
		e->init_error_doc = xstrndup(body, len);
		reply_json(c, 202, "Accepted", "{\"status\":\"OK\"}");
		e->reset_after = 1;
		if (e->active && !e->done)
			finish(e, EMULATOR_ERROR, e->init_error_type, NULL, body, len);
		return;
	}
	if (strncmp(path, API "/invocation/", strlen(API "/invocation/")) != 0)
		goto notfound;
	rest = path + strlen(API "/invocation/");
	il = strcspn(rest, "/");
	if (il >= sizeof(id))
		goto notfound;
	memcpy(id, rest, il);
	id[il] = '\0';
	rest += il;
	if (strcmp(rest, "/response") != 0 && strcmp(rest, "/error") != 0)
		goto notfound;
	if (!e->active || e->done || !e->delivered || strcmp(id, e->request_id) != 0) {
		reply_json(c, 400, "Bad Request", "{\"errorMessage\":\"Invalid request ID\","
		    "\"errorType\":\"InvalidRequestID\"}");
		return;
	}
	reply_json(c, 202, "Accepted", "{\"status\":\"OK\"}");
	if (strcmp(rest, "/response") == 0) {
		finish(e, EMULATOR_OK, NULL, NULL, body, len);
	} else {
		const char *t = header_get(head, "Lambda-Runtime-Function-Error-Type",
		    type, sizeof(type));
		char *doctype = NULL;

		if (t == NULL)
			t = doctype = json_field(body, len, "errorType");
		finish(e, EMULATOR_ERROR, t ? t : "Function.Unknown", NULL, body, len);
		free(doctype);
	}
	return;
notfound:
	reply_json(c, 404, "Not Found", "{\"errorType\":\"NotFound\"}");
}

/*
 * Tries to take one complete request off c->in. Returns 1 when one was
 * handled, 0 when more input is needed, -1 to drop the connection.
 */
static int
parse_request(struct emulator *e, struct conn *c)
{
	char *hend, *sp1, *sp2, method[16], path[1024], val[64];
	size_t hlen, clen = 0;
	int chunked = 0, oversize;
	struct buf body = {0};
	long used;

	if (c->in.len == 0)
		return 0;
	hend = memmem(c->in.data, c->in.len, "\r\n\r\n", 4);
	if (hend == NULL)
		return c->in.len > HEAD_LIMIT ? -1 : 0;
	hlen = (size_t)(hend - c->in.data) + 4;
	hend[2] = '\0'; /* the head as a string, ending after the last CRLF */
	sp1 = strchr(c->in.data, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp2 == NULL || (size_t)(sp1 - c->in.data) >= sizeof(method) ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(path))
		return -1;
	memcpy(method, c->in.data, (size_t)(sp1 - c->in.data));
	method[sp1 - c->in.data] = '\0';
	memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	path[sp2 - sp1 - 1] = '\0';
	if (header_get(c->in.data, "Transfer-Encoding", val, sizeof(val)) &&
	    strcasecmp(val, "chunked") == 0)
		chunked = 1;
	else if (header_get(c->in.data, "Content-Length", val, sizeof(val)))
		clen = (size_t)strtoull(val, NULL, 10);
	if (header_get(c->in.data, "Connection", val, sizeof(val)) &&
	    strcasecmp(val, "close") == 0)
		c->close_after = 1;
	oversize = strstr(path, "/response") != NULL ?
	    clen > EMULATOR_RESPONSE_LIMIT : clen > ERROR_LIMIT;
	if (!chunked && oversize) {
		/* Drop the body as it comes, then say 413. */
		c->discarding = 1;
		c->discard = clen;
		size_t have = c->in.len - hlen;
		size_t drop = have < clen ? have : clen;
		c->discard -= drop;
		hend[2] = '\r';
		memmove(c->in.data, c->in.data + hlen + drop, have - drop);
		c->in.len = have - drop;
		return 1;
	}
	if (chunked) {
		used = dechunk(c->in.data + hlen, c->in.len - hlen, &body);
		if (used == 0) {
			buf_free(&body);
			hend[2] = '\r';
			if (c->in.len - hlen > EMULATOR_RESPONSE_LIMIT + HEAD_LIMIT) {
				/* Chunked and too big: refuse without reading on. */
				c->close_after = 1;
				reply_json(c, 413, "Request Entity Too Large",
				    "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\","
				    "\"errorType\":\"RequestEntityTooLarge\"}");
				return -2;
			}
			return 0;
		}
		if (used < 0) {
			buf_free(&body);
			return -1;
		}
		clen = (size_t)used;
	} else if (c->in.len - hlen < clen) {
		hend[2] = '\r';
		return 0;
	}
	if (chunked && body.len > EMULATOR_RESPONSE_LIMIT &&
	    strstr(path, "/response") != NULL) {
		buf_free(&body);
		c->discarding = 1;
		c->discard = 0;
		memmove(c->in.data, c->in.data + hlen + clen, c->in.len - hlen - clen);
		c->in.len -= hlen + clen;
		return 1;
	}
	{
		char *head = xstrndup(c->in.data, hlen);

		if (chunked)
			handle(e, c, method, path, head, body.data ? body.data : "", body.len);
		else
			handle(e, c, method, path, head, c->in.data + hlen, clen);
		free(head);
	}
	buf_free(&body);
	memmove(c->in.data, c->in.data + hlen + clen, c->in.len - hlen - clen);
	c->in.len -= hlen + clen;
	return 1;
}

static void
too_large(struct emulator *e, struct conn *c)
{
	char msg[160];

	c->discarding = 0;
	reply_json(c, 413, "Request Entity Too Large",
	    "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\","
	    "\"errorType\":\"RequestEntityTooLarge\"}");
	if (e->active && !e->done) {
		snprintf(msg, sizeof(msg), "Response payload size exceeded maximum "
		    "allowed payload size (%d bytes).", EMULATOR_RESPONSE_LIMIT);
		finish_error(e, EMULATOR_ERROR, "Function.ResponseSizeTooLarge", msg);
	}
}

static void
conn_input(struct emulator *e, struct conn *c)
{
	char tmp[65536];
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(c->fd, tmp, sizeof(tmp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		if (c->discarding) {
			size_t drop = (size_t)n < c->discard ? (size_t)n : c->discard;

			c->discard -= drop;
			if (drop < (size_t)n)
				buf_append(&c->in, tmp + drop, (size_t)n - drop);
		} else {
			buf_append(&c->in, tmp, (size_t)n);
		}
	}
	for (;;) {
		if (c->discarding) {
			if (c->discard > 0)
				return;
			too_large(e, c);
		}
		rc = parse_request(e, c);
		if (rc == 0)
			return;
		if (rc == -1) {
			conn_close(c);
			return;
		}
		if (rc == -2)
			return; /* reply queued; closes after writing */
	}
}

static void
conn_output(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
	if (c->close_after)
		conn_close(c);
}

static void
accept_all(struct emulator *e)
{
	int fd, one = 1;
	size_t i;

	for (;;) {
		fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (i = 0; i < MAX_CONNS; i++)
			if (e->conns[i].fd < 0)
				break;
		if (i == MAX_CONNS) {
			close(fd);
			continue;
		}
		memset(&e->conns[i], 0, sizeof(e->conns[i]));
		e->conns[i].fd = fd;
	}
}

/*
 * A signal's name as Lambda's core words it (its Go runtime's names, all
 * lower case: "aborted", "segmentation fault"), or NULL for a number
 * without one (real-time signals).
 */
static const char *
signal_name(int sig)
{
	static const char *const names[] = {
		NULL, "hangup", "interrupt", "quit", "illegal instruction",
		"trace/breakpoint trap", "aborted", "bus error",
		"floating point exception", "killed", "user defined signal 1",
		"segmentation fault", "user defined signal 2", "broken pipe",
		"alarm clock", "terminated", "stack fault", "child exited",
		"continued", "stopped (signal)", "stopped", "stopped (tty input)",
		"stopped (tty output)", "urgent I/O condition",
		"CPU time limit exceeded", "file size limit exceeded",
		"virtual timer expired", "profiling timer expired", "window changed",
		"I/O possible", "power failure", "bad system call",
	};

	if (sig <= 0 || (size_t)sig >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[sig];
}

/*
 * The invoke ends because the process ended (status from waitpid), in
 * Lambda's words: "Runtime exited without providing a reason" for exit 0,
 * else "Runtime exited with error: exit status 3" or "... signal: aborted".
 */
static void
runtime_exited(struct emulator *e, int status)
{
	char msg[256], why[64];
	const char *name;

	if (e->init_error_type != NULL) {
		finish(e, EMULATOR_ERROR, e->init_error_type, NULL,
		    e->init_error_doc, strlen(e->init_error_doc));
		return;
	}
	if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status));
		if (name != NULL)
			snprintf(why, sizeof(why), "with error: signal: %s", name);
		else
			snprintf(why, sizeof(why), "with error: signal: signal %d",
			    WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0)
		snprintf(why, sizeof(why), "with error: exit status %d",
		    WEXITSTATUS(status));
	else
		snprintf(why, sizeof(why), "without providing a reason");
	snprintf(msg, sizeof(msg), "RequestId: %s Error: Runtime exited %s",
	    e->request_id, why);
	finish_error(e, EMULATOR_ERROR, "Runtime.ExitError", msg);
}

/* The process ended on its own: say how, for the result. */
static void
process_exited(struct emulator *e)
{
	int status;

	reap(e, &status);
	if (!e->active || e->done)
		return;
	runtime_exited(e, status);
}

/* A process that died while idle is a cold start now, and one is started
 * where none runs. -1 when it cannot start. */
static int
ensure_process(struct emulator *e, struct emulator_result *r)
{
	size_t i;
	int st;

	if (e->pid > 0 && waitpid(e->pid, &st, WNOHANG) == e->pid) {
		if (e->pidfd >= 0)
			close(e->pidfd);
		e->pidfd = -1;
		e->pid = 0;
	}
	if (e->pid != 0)
		return 0;
	for (i = 0; i < MAX_CONNS; i++)
		if (e->conns[i].fd >= 0)
			conn_close(&e->conns[i]);
	if (process_start(e) < 0)
		return -1;
	r->cold = 1;
	return 0;
}

/* What to poll: the listener, the process (its pidfd) and each connection;
 * idx[i] is connection i's slot in pfd, or -1. Returns the slots used. */
static size_t
poll_set(const struct emulator *e, struct pollfd *pfd, int *idx)
{
	size_t i, np = 0;

	for (i = 0; i < MAX_CONNS; i++)
		idx[i] = -1;
	pfd[np].fd = e->lfd;
	pfd[np++].events = POLLIN;
	if (e->pidfd >= 0) {
		pfd[np].fd = e->pidfd;
		pfd[np++].events = POLLIN;
	}
	for (i = 0; i < MAX_CONNS; i++) {
		const struct conn *c = &e->conns[i];

		if (c->fd < 0)
			continue;
		idx[i] = (int)np;
		pfd[np].fd = c->fd;
		pfd[np++].events = (short)(POLLIN |
		    (c->out_off < c->out.len ? POLLOUT : 0));
	}
	return np;
}

static int
replies_pending(const struct emulator *e)
{
	size_t i;

	for (i = 0; i < MAX_CONNS; i++)
		if (e->conns[i].fd >= 0 && e->conns[i].out_off < e->conns[i].out.len)
			return 1;
	return 0;
}

/* After a poll: when the process has gone, the invoke ends with why. */
static void
watch_process(struct emulator *e, const struct pollfd *pfd)
{
	size_t i;
	int st, gone;

	if (e->pid <= 0 || e->done)
		return;
	if (e->pidfd >= 0)
		gone = (pfd[1].revents & POLLIN) != 0;
	else
		gone = waitpid(e->pid, &st, WNOHANG) == e->pid;
	if (!gone)
		return;
	if (e->pidfd >= 0) {
		/* Read what the runtime sent before it went. */
		for (i = 0; i < MAX_CONNS; i++)
			if (e->conns[i].fd >= 0)
				conn_input(e, &e->conns[i]);
		process_exited(e);
		return;
	}
	/* Already reaped by the WNOHANG above. */
	e->pid = 0;
	if (!e->active || e->done)
		return;
	runtime_exited(e, st);
}

/* After a poll: new connections, then each connection's input and output. */
static void
serve_conns(struct emulator *e, const struct pollfd *pfd, const int *idx, size_t np)
{
	size_t i;

	if (pfd[0].revents & POLLIN)
		accept_all(e);
	for (i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &e->conns[i];

		if (c->fd < 0 || idx[i] < 0 || (size_t)idx[i] >= np ||
		    pfd[idx[i]].fd != c->fd)
			continue;
		if (pfd[idx[i]].revents & (POLLIN | POLLHUP | POLLERR))
			conn_input(e, c);
		if (c->fd >= 0 && c->out_off < c->out.len)
			conn_output(c);
	}
}

/*
 * Before the process is killed: a runtime that has answered may still log
 * (after a 413, say) on its way to the next `next`, where Lambda would
 * freeze it. Wait for that, or for it to exit, at most ms.
 */
static void
settle(struct emulator *e, int ms)
{
	struct pollfd pfd[MAX_CONNS + 2];
	int idx[MAX_CONNS], st;
	double until = now_ms() + ms, left;
	size_t i, np;

	while (e->pid > 0 && (left = until - now_ms()) > 0) {
		for (i = 0; i < MAX_CONNS; i++)
			if (e->conns[i].fd >= 0 && e->conns[i].parked)
				return;
		if (e->pidfd < 0 && waitpid(e->pid, &st, WNOHANG) == e->pid) {
			e->pid = 0;
			return;
		}
		np = poll_set(e, pfd, idx);
		if (poll(pfd, np, e->pidfd < 0 ? 20 : (int)left + 1) < 0 && errno != EINTR)
			return;
		if (e->pidfd >= 0 && (pfd[1].revents & POLLIN))
			return; /* it exited: process_kill reaps it */
		serve_conns(e, pfd, idx, np);
	}
}

int
emulator_invoke(struct emulator *e, const char *event, size_t len,
    struct emulator_result *r)
{
	struct pollfd pfd[MAX_CONNS + 2];
	int idx[MAX_CONNS];
	size_t i, np;
	double left;
	int timeout;
	char msg[128];

	memset(r, 0, sizeof(*r));
	e->res = r;
	e->done = 0;
	e->delivered = 0;
	e->active = 1;
	e->event = event;
	e->event_len = len;
	request_id_new(e->request_id);
	if (len > EMULATOR_EVENT_LIMIT) {
		snprintf(msg, sizeof(msg), "Request must be smaller than %d bytes "
		    "for the InvokeFunction operation", EMULATOR_EVENT_LIMIT);
		finish_error(e, EMULATOR_ERROR, "RequestEntityTooLargeException", msg);
		goto out;
	}
	if (ensure_process(e, r) < 0) {
		e->active = 0;
		e->res = NULL;
		return -1;
	}
	/* The deadline counts from the invoke, init included, as on Lambda. */
	e->deadline_at = now_ms() + (double)(e->cfg->timeout_s > 0 ? e->cfg->timeout_s : 3) * 1000.0;
	e->deadline_epoch_ms = epoch_ms() + (long long)(e->deadline_at - now_ms());
	for (i = 0; i < MAX_CONNS; i++)
		if (e->conns[i].fd >= 0 && e->conns[i].parked) {
			deliver(e, &e->conns[i]);
			break;
		}
	for (;;) {
		np = poll_set(e, pfd, idx);
		/* Once done, wait only for pending replies to go out. */
		if (e->done && !replies_pending(e))
			break;
		left = e->deadline_at - now_ms();
		if (left <= 0 && !e->done) {
			process_kill(e);
			snprintf(msg, sizeof(msg), "Task timed out after %ld.00 seconds",
			    e->cfg->timeout_s > 0 ? e->cfg->timeout_s : 3);
			finish_error(e, EMULATOR_TIMEOUT, "Sandbox.Timedout", msg);
			break;
		}
		timeout = e->done ? 1000 : (int)(left + 1);
		if (e->pidfd < 0 && timeout > 20)
			timeout = 20;
		if (poll(pfd, np, timeout) < 0 && errno != EINTR) {
			log_error("emulator: poll: %s", strerror(errno));
			break;
		}
		serve_conns(e, pfd, idx, np);
		watch_process(e, pfd);
	}
out:
	if (e->reset_after) {
		/* Lambda throws a sandbox away after a failed init. */
		process_kill(e);
		e->reset_after = 0;
	}
	e->active = 0;
	e->res = NULL;
	return 0;
}
