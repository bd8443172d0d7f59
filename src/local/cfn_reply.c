/*
 * cfn_reply.c - the custom-resource request event and a one-shot loopback
 * HTTP server that takes the reply (see cfn_reply.h).
 *
 * The server thread accepts one connection, reads one request (headers,
 * then Content-Length bytes), answers 200 with an empty body as S3 does
 * for a pre-signed PUT, and ends. It polls a stop flag so that
 * cfn_listener_finish never waits longer than it was told.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/util.h"
#include "local/cfn_reply.h"

#define REPLY_MAX (1024 * 1024)

static cJSON *
props_parse(const char *text, const char *token, const char *what)
{
	cJSON *o = cJSON_Parse(text != NULL ? text : "{}");

	if (o == NULL || !cJSON_IsObject(o)) {
		log_error("%s: not a JSON object", what);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(o, "ServiceToken");
	cJSON_AddStringToObject(o, "ServiceToken", token);
	return o;
}

char *
cfn_request_json(const struct cfn_request *rq)
{
	cJSON *o = cJSON_CreateObject(), *p, *old = NULL;
	char *id, *text;

	if ((p = props_parse(rq->properties, rq->service_token,
	    "the resource's properties (--event)")) == NULL ||
	    (strcmp(rq->request_type, "Update") == 0 &&
	    (old = props_parse(rq->old_properties ? rq->old_properties :
	    rq->properties, rq->service_token,
	    "the old properties (--old-event)")) == NULL)) {
		cJSON_Delete(p);
		cJSON_Delete(o);
		return NULL;
	}
	id = xasprintf("%08lx-0000-4000-8000-%012lx", (unsigned long)getpid(),
	    (unsigned long)time(NULL));
	cJSON_AddStringToObject(o, "RequestType", rq->request_type);
	cJSON_AddStringToObject(o, "ServiceToken", rq->service_token);
	cJSON_AddStringToObject(o, "ResponseURL", rq->response_url);
	cJSON_AddStringToObject(o, "StackId", rq->stack_id);
	cJSON_AddStringToObject(o, "RequestId", id);
	text = xasprintf("Custom::%s", rq->name);
	cJSON_AddStringToObject(o, "ResourceType", text);
	free(text);
	cJSON_AddStringToObject(o, "LogicalResourceId", rq->logical_id);
	if (rq->physical_id != NULL)
		cJSON_AddStringToObject(o, "PhysicalResourceId", rq->physical_id);
	cJSON_AddItemToObject(o, "ResourceProperties", p);
	if (old != NULL)
		cJSON_AddItemToObject(o, "OldResourceProperties", old);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(id);
	if (text == NULL)
		die_oom(0);
	return text;
}

struct cfn_listener {
	int fd;
	char url[128];
	pthread_t thread;
	pthread_mutex_t mu;
	int stop, done, got;
	struct cfn_reply reply;
};

static int
is_stopped(struct cfn_listener *l)
{
	int s;

	pthread_mutex_lock(&l->mu);
	s = l->stop;
	pthread_mutex_unlock(&l->mu);
	return s;
}

/* Waits up to 100 ms for bytes from c and appends them: 0, or -1 when
 * the peer closed, on an error or once the listener is stopped. */
static int
read_more(struct cfn_listener *l, int c, struct buf *b)
{
	struct pollfd p;
	char tmp[4096];
	ssize_t n;

	p.fd = c;
	p.events = POLLIN;
	if (is_stopped(l) || poll(&p, 1, 100) < 0)
		return -1;
	if (!(p.revents & (POLLIN | POLLHUP)))
		return 0;
	if ((n = read(c, tmp, sizeof(tmp))) <= 0)
		return -1;
	buf_append(b, tmp, (size_t)n);
	return 0;
}

/* Reads one request from c into l->reply; 0 or -1. */
static int
request_read(struct cfn_listener *l, int c)
{
	struct buf b = {0};
	char *end, *line, *next, *sp;
	size_t head, want = 0;

	for (;;) {
		if (b.len > 0 && (end = strstr(b.data, "\r\n\r\n")) != NULL) {
			head = (size_t)(end - b.data) + 4;
			*end = '\0';
			break;
		}
		if (b.len > 65536 || read_more(l, c, &b) < 0)
			goto fail;
	}
	if ((sp = strchr(b.data, ' ')) == NULL)
		goto fail;
	l->reply.method = xstrndup(b.data, (size_t)(sp - b.data));
	next = strchr(sp + 1, ' ');
	l->reply.path = next ? xstrndup(sp + 1, (size_t)(next - sp - 1)) :
	    xstrdup(sp + 1);
	for (line = strstr(b.data, "\r\n"); line != NULL; line = next) {
		line += 2;
		next = strstr(line, "\r\n");
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			want = strtoul(line + 15, NULL, 10);
		else if (strncasecmp(line, "Content-Type:", 13) == 0)
			l->reply.has_content_type = 1;
	}
	if (want > REPLY_MAX)
		goto fail;
	while (b.len - head < want)
		if (read_more(l, c, &b) < 0)
			goto fail;
	l->reply.body = xmalloc(want + 1);
	memcpy(l->reply.body, b.data + head, want);
	l->reply.body[want] = '\0';
	l->reply.len = want;
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static void *
listener_main(void *arg)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	struct cfn_listener *l = arg;
	struct pollfd p;
	int c, got = 0;

	while (!got && !is_stopped(l)) {
		p.fd = l->fd;
		p.events = POLLIN;
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((c = accept(l->fd, NULL, NULL)) < 0)
			continue;
		if (request_read(l, c) == 0) {
			got = 1;
			if (write(c, ok, sizeof(ok) - 1) < 0)
				log_debug("the reply's answer: %s", strerror(errno));
		}
		close(c);
	}
	pthread_mutex_lock(&l->mu);
	l->got = got;
	l->done = 1;
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct cfn_listener *
cfn_listener_start(void)
{
	struct cfn_listener *l = xcalloc(1, sizeof(*l));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(l->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l->fd, 4) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&a, &alen) < 0) {
		log_error("cannot listen on 127.0.0.1 for the custom resource's "
		    "reply: %s", strerror(errno));
		if (l->fd >= 0)
			close(l->fd);
		free(l);
		return NULL;
	}
	snprintf(l->url, sizeof(l->url), "http://127.0.0.1:%u/"
	    "cloudformation-response/%ld?X-Amz-Signature=local",
	    (unsigned)ntohs(a.sin_port), (long)getpid());
	pthread_mutex_init(&l->mu, NULL);
	if (pthread_create(&l->thread, NULL, listener_main, l) != 0) {
		log_error("cannot start the reply listener");
		pthread_mutex_destroy(&l->mu);
		close(l->fd);
		free(l);
		return NULL;
	}
	return l;
}

const char *
cfn_listener_url(const struct cfn_listener *l)
{
	return l->url;
}

int
cfn_listener_finish(struct cfn_listener *l, long timeout_ms,
    struct cfn_reply *r)
{
	struct timespec ts = { 0, 20 * 1000000L };
	long waited = 0;
	int done = 0, got;

	while (!done && waited < timeout_ms) {
		pthread_mutex_lock(&l->mu);
		done = l->done;
		pthread_mutex_unlock(&l->mu);
		if (!done) {
			nanosleep(&ts, NULL);
			waited += 20;
		}
	}
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	got = l->got;
	*r = l->reply;
	if (!got)
		cfn_reply_free(r);
	pthread_mutex_destroy(&l->mu);
	close(l->fd);
	free(l);
	return got ? 0 : -1;
}

void
cfn_reply_free(struct cfn_reply *r)
{
	free(r->method);
	free(r->path);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
