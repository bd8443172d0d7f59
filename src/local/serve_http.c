/*
 * serve_http.c - HTTP/1.1 on a connection for `spartac serve`: reading a
 * request (Content-Length bodies; chunked is refused with 411) and writing
 * a response with its status line, headers and length.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "local/emulator.h"
#include "local/serve_int.h"

/* ---- HTTP in ---- */

void
serve_request_clear(struct request *rq)
{
	size_t i;

	for (i = 0; i < rq->nheaders; i++) {
		free(rq->headers[i].name);
		free(rq->headers[i].value);
	}
	free(rq->target);
	free(rq->path);
	free(rq->query);
	buf_free(&rq->body);
	memset(rq, 0, sizeof(*rq));
}

const char *
serve_request_header(const struct request *rq, const char *name)
{
	size_t i;
	const char *v = NULL;

	for (i = 0; i < rq->nheaders; i++)
		if (strcasecmp(rq->headers[i].name, name) == 0)
			v = rq->headers[i].value;
	return v;
}

static int
conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->end == sizeof(c->buf)) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	do
		n = read(c->fd, c->buf + c->end, sizeof(c->buf) - c->end);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	c->end += (size_t)n;
	return 0;
}

/* Reads one CRLF- or LF-terminated line into line (without the ending). */
static int
conn_line(struct conn *c, struct buf *line, size_t max)
{
	char *nl;
	size_t n;

	line->len = 0;
	for (;;) {
		nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		n = nl ? (size_t)(nl - (c->buf + c->start)) : c->end - c->start;
		if (line->len + n > max)
			return -2;
		buf_append(line, c->buf + c->start, n);
		c->start += n;
		if (nl) {
			c->start++;
			if (line->len && line->data[line->len - 1] == '\r')
				line->data[--line->len] = '\0';
			return 0;
		}
		if (conn_fill(c) == -1)
			return -1;
	}
}

static int
conn_read(struct conn *c, struct buf *out, size_t n)
{
	size_t take;

	while (n > 0) {
		if (c->start == c->end && conn_fill(c) == -1)
			return -1;
		take = c->end - c->start < n ? c->end - c->start : n;
		buf_append(out, c->buf + c->start, take);
		c->start += take;
		n -= take;
	}
	return 0;
}

/*
 * Reads a request. Returns 0, -1 at the end of the connection, or an HTTP
 * status to answer with (400, 411, 413, 431, 505).
 */
int
serve_request_read(struct conn *c, struct request *rq)
{
	struct buf line = {0};
	const char *cl, *te, *conn, *target, *q;
	char *sp1, *sp2, *colon, *v, *end;
	size_t total = 0;
	unsigned long long len;
	int rc = 400;

	memset(rq, 0, sizeof(*rq));
	do {
		if (conn_line(c, &line, SERVE_HEADER_MAX) != 0) {
			buf_free(&line);
			return -1;
		}
	} while (line.len == 0); /* tolerate blank lines between requests */
	if ((sp1 = strchr(line.data, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		goto out;
	if ((size_t)(sp1 - line.data) >= sizeof(rq->method))
		goto out;
	memcpy(rq->method, line.data, (size_t)(sp1 - line.data));
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		rc = 505;
		goto out;
	}
	rq->keep_alive = strcmp(sp2 + 1, "HTTP/1.0") != 0;
	rq->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (;;) {
		rc = conn_line(c, &line, SERVE_HEADER_MAX);
		if (rc == -1)
			goto eof;
		if (rc == -2 || (total += line.len) > SERVE_HEADER_MAX) {
			rc = 431;
			goto out;
		}
		rc = 400;
		if (line.len == 0)
			break;
		if ((colon = strchr(line.data, ':')) == NULL || colon == line.data)
			goto out;
		if (rq->nheaders == SERVE_MAX_HEADERS) {
			rc = 431;
			goto out;
		}
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		end = line.data + line.len;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		rq->headers[rq->nheaders].name = xstrndup(line.data, (size_t)(colon - line.data));
		rq->headers[rq->nheaders].value = xstrndup(v, (size_t)(end - v));
		rq->nheaders++;
	}
	if ((conn = serve_request_header(rq, "Connection")) != NULL) {
		if (strcasecmp(conn, "close") == 0)
			rq->keep_alive = 0;
		else if (strcasecmp(conn, "keep-alive") == 0)
			rq->keep_alive = 1;
	}
	/* absolute-form targets: keep the path */
	target = rq->target;
	if (strncmp(target, "http://", 7) == 0 && (target = strchr(target + 7, '/')) == NULL)
		target = "/";
	if ((q = strchr(target, '?')) != NULL) {
		rq->path = xstrndup(target, (size_t)(q - target));
		rq->query = xstrdup(q + 1);
	} else {
		rq->path = xstrdup(target);
	}
	te = serve_request_header(rq, "Transfer-Encoding");
	cl = serve_request_header(rq, "Content-Length");
	if (te && strcasecmp(te, "identity") != 0) {
		rc = 411; /* chunked bodies: send Content-Length */
		goto out;
	}
	if (cl) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno || *end || end == cl)
			goto out;
		if (len > EMULATOR_EVENT_LIMIT) {
			rc = 413;
			goto out;
		}
		if (conn_read(c, &rq->body, (size_t)len) == -1)
			goto eof;
	}
	buf_free(&line);
	return 0;
eof:
	rc = -1;
out:
	buf_free(&line);
	return rc;
}


/* ---- HTTP out ---- */

const char *
serve_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Status";
	}
}

/* Header values must not smuggle a line break into the response. */
void
serve_response_header(struct response *r, const char *name, const char *value)
{
	const char *p;

	for (p = name; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == ':')
			return;
	for (p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return;
	if (strcasecmp(name, "Content-Length") == 0 || strcasecmp(name, "Connection") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0)
		return;
	if (strncasecmp(name, "Access-Control-", 15) == 0)
		r->has_cors = 1;
	buf_printf(&r->head, "%s: %s\r\n", name, value);
}

void
serve_response_message(struct response *r, int status, const char *message)
{
	r->status = status;
	serve_response_header(r, "Content-Type", "application/json");
	buf_printf(&r->body, "{\"message\":\"%s\"}", message);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
serve_response_send(int fd, struct response *r, int keep_alive, int head_only)
{
	struct buf out = {0};
	int rc;

	buf_printf(&out, "HTTP/1.1 %d %s\r\n", r->status, serve_status_text(r->status));
	buf_append(&out, r->head.data ? r->head.data : "", r->head.len);
	buf_printf(&out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", r->body.len,
	    keep_alive ? "keep-alive" : "close");
	if (!head_only)
		buf_append(&out, r->body.data ? r->body.data : "", r->body.len);
	rc = write_all(fd, out.data, out.len);
	buf_free(&out);
	buf_free(&r->head);
	buf_free(&r->body);
	return rc;
}
