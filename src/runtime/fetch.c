/*
 * fetch.c - the bootstrap's HTTP/1.1 client for handlers (sparta_fetch in
 * <sparta/aws.h>): HTTPS through tls.c, plain HTTP to loopback only.
 *
 * One connection is kept alive across requests and invocations (Lambda
 * freezes the process in between; a connection the peer closed meanwhile
 * is noticed on the next request, which is retried once on a fresh
 * connection when nothing of its reply had arrived). Replies are sized by
 * Content-Length, chunked, or the end of the connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtime.h"
#include "sparta/aws.h"

#define FETCH_RBUF 16384
#define FETCH_HEAD_MAX (64 * 1024)

struct fetch_conn {
	int fd;             /* -1 when not connected */
	int https;
	char host[256];
	char port[8];
	struct rt_tls *tls;
	char rbuf[FETCH_RBUF];
	size_t rlen, rpos;
};

/* A few hosts at once (a handler may use DynamoDB, SQS and S3). */
#define FETCH_CONNS 4
static struct fetch_conn conns[FETCH_CONNS] = {
	{ .fd = -1 }, { .fd = -1 }, { .fd = -1 }, { .fd = -1 },
};
static unsigned conn_next; /* the slot a new host replaces, round robin */

/* 1 when host is a loopback name or address (plain HTTP is allowed). */
int
rt_host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
rt_url_parse(const char *url, struct rt_url *u)
{
	const char *p, *hend, *pstart;
	size_t hl, pl;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = 1;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		return -1;
	}
	pstart = p + strcspn(p, "/?#");
	if (*p == '[') {
		if ((hend = memchr(p, ']', (size_t)(pstart - p))) == NULL)
			return -1;
		hl = (size_t)(hend - p - 1);
		p++;
		hend++;
	} else {
		hend = memchr(p, ':', (size_t)(pstart - p));
		if (hend == NULL)
			hend = pstart;
		hl = (size_t)(hend - p);
	}
	if (hl == 0 || hl >= sizeof(u->host) || memchr(p, '@', hl) != NULL)
		return -1;
	memcpy(u->host, p, hl);
	u->host[hl] = '\0';
	if (*hend == ':') {
		pl = (size_t)(pstart - hend - 1);
		if (pl == 0 || pl >= sizeof(u->port) ||
		    strspn(hend + 1, "0123456789") != pl)
			return -1;
		memcpy(u->port, hend + 1, pl);
		u->port[pl] = '\0';
	} else if (hend != pstart) {
		return -1;
	} else {
		strcpy(u->port, u->https ? "443" : "80");
	}
	u->path = pstart;
	u->path_len = strcspn(pstart, "#");
	/* "https://h?x" asks for "/?x"; "https://h" for "/". */
	u->query_only = *pstart != '/';
	return 0;
}

static void
conn_drop(struct fetch_conn *c)
{
	rt_tls_close(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->rlen = c->rpos = 0;
}

void
rt_fetch_shutdown(void)
{
	size_t i;

	for (i = 0; i < FETCH_CONNS; i++)
		conn_drop(&conns[i]);
}

/* The kept connection to u's scheme, host and port, or NULL. */
static struct fetch_conn *
conn_find(const struct rt_url *u)
{
	size_t i;

	for (i = 0; i < FETCH_CONNS; i++)
		if (conns[i].fd >= 0 && conns[i].https == u->https &&
		    strcmp(conns[i].host, u->host) == 0 &&
		    strcmp(conns[i].port, u->port) == 0)
			return &conns[i];
	return NULL;
}

static int
conn_open(struct fetch_conn *c, const struct rt_url *u, long timeout_ms,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv;
	int fd = -1, one = 1, rc, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(strcasecmp(u->host, "localhost") == 0 ? "127.0.0.1"
	    : u->host, u->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", u->host,
		    gai_strerror(rc));
		return -1;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		/* Linux bounds connect() by the send timeout too. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to %s:%s: %s", u->host,
		    u->port, strerror(saved));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->https = u->https;
	c->rlen = c->rpos = 0;
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	snprintf(c->port, sizeof(c->port), "%s", u->port);
	if (u->https && (c->tls = rt_tls_open(fd, u->host, err, errlen)) ==
	    NULL) {
		conn_drop(c);
		return -1;
	}
	return 0;
}

static int
conn_write(struct fetch_conn *c, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	if (c->tls != NULL)
		return rt_tls_write(c->tls, p, n);
	while (n > 0) {
		w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Refills the buffer when empty; 1 when bytes are there, 0 at the end. */
static int
conn_fill(struct fetch_conn *c)
{
	ssize_t n;

	if (c->rpos < c->rlen)
		return 1;
	c->rpos = c->rlen = 0;
	if (c->tls != NULL) {
		n = rt_tls_read(c->tls, c->rbuf, sizeof(c->rbuf));
	} else {
		do
			n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0)
		return 0;
	c->rlen = (size_t)n;
	return 1;
}

static int
read_line(struct fetch_conn *c, struct rt_buf *line)
{
	char *nl;
	size_t n;

	rt_buf_reset(line);
	for (;;) {
		if (!conn_fill(c))
			return -1;
		nl = memchr(c->rbuf + c->rpos, '\n', c->rlen - c->rpos);
		n = nl ? (size_t)(nl - (c->rbuf + c->rpos)) : c->rlen - c->rpos;
		rt_buf_append(line, c->rbuf + c->rpos, n);
		c->rpos += n + (nl != NULL);
		if (line->oom || line->len > FETCH_HEAD_MAX)
			return -1;
		if (nl != NULL)
			break;
	}
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->data[--line->len] = '\0';
	if (line->data == NULL)
		rt_buf_puts(line, "");
	return 0;
}

static int
read_exact(struct fetch_conn *c, struct rt_buf *out, size_t n)
{
	size_t k;

	while (n > 0) {
		if (!conn_fill(c))
			return -1;
		k = c->rlen - c->rpos < n ? c->rlen - c->rpos : n;
		if (rt_buf_append(out, c->rbuf + c->rpos, k) < 0)
			return -1;
		c->rpos += k;
		n -= k;
	}
	return 0;
}

static int
read_chunked(struct fetch_conn *c, struct rt_buf *out, struct rt_buf *line)
{
	unsigned long long n;
	char *end;

	for (;;) {
		if (read_line(c, line) < 0)
			return -1;
		n = strtoull(line->data, &end, 16);
		if (end == line->data || n > RT_RESPONSE_LIMIT * 4ULL)
			return -1;
		if (n == 0)
			break;
		if (read_exact(c, out, (size_t)n) < 0 || read_line(c, line) < 0)
			return -1;
	}
	do /* trailers, up to the empty line */
		if (read_line(c, line) < 0)
			return -1;
	while (line->len > 0);
	return 0;
}

/* 1 when the header value v mentions word (case-insensitive). */
static int
has_word(const char *v, const char *word)
{
	size_t n = strlen(word);

	for (; *v != '\0'; v++)
		if (strncasecmp(v, word, n) == 0)
			return 1;
	return 0;
}

/* Status line and headers; *got is set once a byte of the reply came. */
static int
read_head(struct fetch_conn *c, struct rt_fetch_reply *rep, long long *clen,
    int *chunked, int *close_after, int *got)
{
	struct rt_buf line = {0};
	const char *v;
	int rc = -1;

	*clen = -1;
	*chunked = *close_after = 0;
	if (read_line(c, &line) < 0)
		goto out;
	*got = 1;
	if (strncmp(line.data, "HTTP/1.", 7) != 0 || line.len < 12)
		goto out;
	rep->status = atoi(line.data + 9);
	*close_after = line.data[7] == '0';
	for (;;) {
		if (read_line(c, &line) < 0)
			goto out;
		if (line.len == 0)
			break;
		rt_buf_append(&rep->headers, line.data, line.len);
		rt_buf_puts(&rep->headers, "\r\n");
		if ((v = strchr(line.data, ':')) == NULL)
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (strncasecmp(line.data, "content-length:", 15) == 0)
			*clen = strtoll(v, NULL, 10);
		else if (strncasecmp(line.data, "transfer-encoding:", 18) == 0)
			*chunked = has_word(v, "chunked");
		else if (strncasecmp(line.data, "connection:", 11) == 0)
			*close_after = has_word(v, "close");
	}
	rc = rep->headers.oom ? -1 : 0;
out:
	rt_buf_free(&line);
	return rc;
}

static int
read_reply(struct fetch_conn *c, const char *method, struct rt_fetch_reply *rep,
    int *got)
{
	struct rt_buf line = {0};
	long long clen;
	int chunked, close_after, rc = 0;

	do {
		rep->status = 0;
		rt_buf_reset(&rep->headers);
		if (read_head(c, rep, &clen, &chunked, &close_after, got) < 0)
			return -1;
	} while (rep->status >= 100 && rep->status < 200);
	if (strcmp(method, "HEAD") == 0 || rep->status == 204 ||
	    rep->status == 304)
		;
	else if (chunked)
		rc = read_chunked(c, &rep->body, &line);
	else if (clen >= 0)
		rc = read_exact(c, &rep->body, (size_t)clen);
	else
		for (close_after = 1; conn_fill(c); c->rpos = c->rlen)
			rt_buf_append(&rep->body, c->rbuf + c->rpos,
			    c->rlen - c->rpos);
	rt_buf_free(&line);
	if (close_after || rc < 0)
		conn_drop(c);
	if (rt_buf_putc(&rep->body, '\0') == 0)
		rep->body.len--;
	return rc < 0 || rep->body.oom ? -1 : 0;
}

static void
request_text(struct rt_buf *b, const struct rt_fetch_request *rq,
    const struct rt_url *u)
{
	size_t i;
	int port_default = strcmp(u->port, u->https ? "443" : "80") == 0;
	int v6 = strchr(u->host, ':') != NULL;

	rt_buf_printf(b, "%s %s%.*s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n",
	    rq->method, u->query_only ? "/" : "", (int)u->path_len, u->path,
	    v6 ? "[" : "", u->host,
	    v6 ? "]" : "", port_default ? "" : ":", port_default ? "" : u->port);
	for (i = 0; rq->headers != NULL && rq->headers[i] != NULL; i++)
		rt_buf_printf(b, "%s\r\n", rq->headers[i]);
	if (rq->body != NULL || strcmp(rq->method, "POST") == 0 ||
	    strcmp(rq->method, "PUT") == 0)
		rt_buf_printf(b, "Content-Length: %zu\r\n", rq->len);
	rt_buf_puts(b, "\r\n");
}

int
rt_fetch(const struct rt_fetch_request *rq, struct rt_fetch_reply *rep)
{
	struct rt_buf head = {0};
	struct fetch_conn *c;
	struct rt_url u;
	int attempt, reused, got, rc = -1;

	rep->status = 0;
	rep->err[0] = '\0';
	rt_buf_reset(&rep->headers);
	rt_buf_reset(&rep->body);
	if (rt_url_parse(rq->url, &u) < 0) {
		snprintf(rep->err, sizeof(rep->err), "not an http(s) URL: %s",
		    rq->url);
		return -1;
	}
	if (!u.https && !rt_host_is_loopback(u.host)) {
		snprintf(rep->err, sizeof(rep->err), "plain HTTP to %s refused: "
		    "only loopback may be reached without TLS", u.host);
		return -1;
	}
	request_text(&head, rq, &u);
	if (head.oom) {
		snprintf(rep->err, sizeof(rep->err), "out of memory");
		return -1;
	}
	for (attempt = 0; attempt < 2 && rc < 0; attempt++) {
		c = conn_find(&u);
		reused = c != NULL;
		if (c == NULL) {
			c = &conns[conn_next++ % FETCH_CONNS];
			conn_drop(c);
			if (conn_open(c, &u, rq->timeout_ms > 0 ? rq->timeout_ms
			    : 30000, rep->err, sizeof(rep->err)) < 0)
				break;
		}
		got = 0;
		rt_buf_reset(&rep->headers);
		rt_buf_reset(&rep->body);
		if (conn_write(c, head.data, head.len) == 0 &&
		    (rq->len == 0 || conn_write(c, rq->body, rq->len) == 0) &&
		    read_reply(c, rq->method, rep, &got) == 0) {
			rc = 0;
			break;
		}
		conn_drop(c);
		snprintf(rep->err, sizeof(rep->err), "%s:%s: connection %s",
		    u.host, u.port, got ? "broke while reading the reply"
		    : "closed before a reply");
		/* A kept connection the peer had closed: once more, afresh. */
		if (!reused || got)
			break;
	}
	rt_buf_free(&head);
	return rc;
}

void
rt_fetch_reply_free(struct rt_fetch_reply *rep)
{
	rt_buf_free(&rep->headers);
	rt_buf_free(&rep->body);
}

int
sparta_fetch(struct sparta_context *ctx, const struct sparta_fetch_request *req,
    struct sparta_fetch_reply *out)
{
	struct rt_fetch_request rq;
	struct rt_fetch_reply rep;
	long long left = ctx->deadline_ms > 0 ? sparta_remaining_ms(ctx) : 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&rep, 0, sizeof(rep));
	rq.method = req->method != NULL ? req->method : "GET";
	rq.url = req->url;
	rq.headers = req->headers;
	rq.body = req->body;
	rq.len = req->body_len;
	rq.timeout_ms = left > 0 && left < 30000 ? (long)left : 30000;
	rc = rt_fetch(&rq, &rep);
	out->status = rep.status;
	out->body = rt_arena_strndup(&ctx->priv->arena,
	    rep.body.data ? rep.body.data : "", rep.body.len);
	out->body_len = rep.body.len;
	out->headers = rt_arena_strndup(&ctx->priv->arena,
	    rep.headers.data ? rep.headers.data : "", rep.headers.len);
	out->error = rc < 0 ? rt_arena_strndup(&ctx->priv->arena, rep.err,
	    strlen(rep.err)) : NULL;
	rt_fetch_reply_free(&rep);
	if (out->body == NULL || out->headers == NULL ||
	    (rc < 0 && out->error == NULL)) {
		out->body = out->headers = "";
		out->error = "out of memory";
		return -1;
	}
	return rc;
}

const char *
sparta_fetch_header(struct sparta_context *ctx,
    const struct sparta_fetch_reply *rep, const char *name)
{
	size_t nl = strlen(name), vl;
	const char *p, *e, *v;

	for (p = rep->headers; p != NULL && *p != '\0'; p = e + 2) {
		if ((e = strstr(p, "\r\n")) == NULL)
			break;
		if ((size_t)(e - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			for (v = p + nl + 1; *v == ' ' || *v == '\t'; v++)
				;
			for (vl = (size_t)(e - v); vl > 0 &&
			    (v[vl - 1] == ' ' || v[vl - 1] == '\t'); vl--)
				;
			return rt_arena_strndup(&ctx->priv->arena, v, vl);
		}
	}
	return NULL;
}
