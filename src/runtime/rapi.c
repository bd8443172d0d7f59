/*
 * rapi.c - a minimal HTTP/1.1 client for the Lambda Runtime API.
 *
 * The Runtime API is plain HTTP on loopback (AWS_LAMBDA_RUNTIME_API), so
 * this is a blocking socket kept alive across invocations. There is no
 * timeout on purpose: Lambda freezes the process between invocations and a
 * `next` may legitimately wait for hours. Replies may be sized by
 * Content-Length or chunked; header names are compared case-insensitively.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runtime.h"

#define RBUF_SIZE (64 * 1024)
#define LINE_MAX_LEN 16384

int
rapi_init(struct rapi *r, const char *addr)
{
	const char *colon, *slash;
	size_t hl, pl;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (addr == NULL)
		return -1;
	/*
	 * Lambda gives "host:port". Local emulators may add a scheme and a
	 * path prefix ("http://127.0.0.1:9000/.rt"); accept those too.
	 */
	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	slash = strchr(addr, '/');
	if (slash != NULL) {
		if (strlen(slash) >= sizeof(r->prefix))
			return -1;
		strcpy(r->prefix, slash);
		pl = strlen(r->prefix);
		while (pl > 0 && r->prefix[pl - 1] == '/')
			r->prefix[--pl] = '\0';
	} else {
		slash = addr + strlen(addr);
	}
	for (colon = slash; colon > addr && colon[-1] != ':'; colon--)
		;
	if (colon == addr)
		return -1;
	colon--;
	hl = (size_t)(colon - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
		addr++; /* [::1]:9001 */
		hl -= 2;
	}
	pl = (size_t)(slash - colon - 1);
	if (hl == 0 || hl >= sizeof(r->host) || pl == 0 || pl >= sizeof(r->port))
		return -1;
	memcpy(r->host, addr, hl);
	r->host[hl] = '\0';
	memcpy(r->port, colon + 1, pl);
	r->port[pl] = '\0';
	if ((r->rbuf = malloc(RBUF_SIZE)) == NULL)
		return -1;
	return 0;
}

void
rapi_close(struct rapi *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->rbuf);
	r->rbuf = NULL;
	free(r->line);
	r->line = NULL;
}

static void
rapi_disconnect(struct rapi *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->rlen = r->rpos = 0;
}

static int
rapi_connect(struct rapi *r)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *host = r->host;
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	/* No resolver in an empty root: localhost is loopback by definition. */
	if (strcasecmp(host, "localhost") == 0)
		host = "127.0.0.1";
	rc = getaddrinfo(host, r->port, &hints, &res);
	if (rc != 0) {
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, r->port, &hints, &res);
	}
	if (rc != 0) {
		fprintf(stderr, "sparta: runtime API %s:%s: %s\n", r->host,
		    r->port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "sparta: runtime API %s:%s: %s\n", r->host,
		    r->port, strerror(errno));
		return -1;
	}
	/* Small requests and replies: don't let Nagle hold them back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r->fd = fd;
	r->rlen = r->rpos = 0;
	return 0;
}

static int
send_all(int fd, struct iovec *iov, int n)
{
	struct msghdr msg;
	ssize_t w;

	while (n > 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		w = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Refills the read buffer; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct rapi *r)
{
	ssize_t n;

	if (r->rpos < r->rlen)
		return (ssize_t)(r->rlen - r->rpos);
	r->rpos = r->rlen = 0;
	do
		n = recv(r->fd, r->rbuf, RBUF_SIZE, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->rlen = (size_t)n;
	return n;
}

/* Reads one CRLF- (or LF-) terminated line without the terminator. */
static int
read_line(struct rapi *r, char *line, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		if (r->rpos >= r->rlen && fill(r) <= 0)
			return -1;
		c = r->rbuf[r->rpos++];
		if (c == '\n')
			break;
		if (n + 1 >= cap)
			return -1;
		line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return 0;
}

static int
read_body(struct rapi *r, struct rt_buf *body, size_t n)
{
	size_t take;
	ssize_t got;

	if (rt_buf_append(body, NULL, 0) < 0)
		return -1;
	while (n > 0) {
		if (r->rpos < r->rlen) {
			take = r->rlen - r->rpos < n ? r->rlen - r->rpos : n;
			if (rt_buf_append(body, r->rbuf + r->rpos, take) < 0)
				return -1;
			r->rpos += take;
			n -= take;
			continue;
		}
		if ((got = fill(r)) <= 0)
			return -1;
	}
	return 0;
}

static void
copy_header(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

void
rapi_reply_reset(struct rapi_reply *rep)
{
	rep->status = 0;
	rt_buf_reset(&rep->body);
	rt_buf_reset(&rep->client_context);
	rt_buf_reset(&rep->cognito_identity);
	rep->request_id[0] = rep->function_arn[0] = rep->trace_id[0] = '\0';
	rep->deadline_ms[0] = '\0';
}

void
rapi_reply_free(struct rapi_reply *rep)
{
	rt_buf_free(&rep->body);
	rt_buf_free(&rep->client_context);
	rt_buf_free(&rep->cognito_identity);
}

/*
 * Reads one reply. Returns 0, -1 on a protocol or transport error, or -2
 * when the connection was closed before any byte arrived (a kept-alive
 * connection the server dropped: worth one retry).
 */
static int
read_reply(struct rapi *r, struct rapi_reply *rep, int *close_after)
{
	char *line, *v;
	long long clen = -1;
	int chunked = 0;
	size_t chunk;
	char *end;
	int rc = -1;

	/* Kept across requests: musl would map and unmap it every time. */
	if (r->line == NULL && (r->line = malloc(LINE_MAX_LEN)) == NULL)
		return -1;
	line = r->line;
	if (r->rpos >= r->rlen && fill(r) <= 0) {
		rc = -2;
		goto out;
	}
	if (read_line(r, line, LINE_MAX_LEN) < 0 ||
	    strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12)
		goto out;
	rep->status = atoi(line + 9);
	*close_after = line[7] == '0'; /* HTTP/1.0 closes by default */
	for (;;) {
		if (read_line(r, line, LINE_MAX_LEN) < 0)
			goto out;
		if (line[0] == '\0')
			break;
		if ((v = strchr(line, ':')) == NULL)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strcasecmp(line, "Content-Length") == 0)
			clen = strtoll(v, NULL, 10);
		else if (strcasecmp(line, "Transfer-Encoding") == 0)
			chunked = strcasecmp(v, "chunked") == 0;
		else if (strcasecmp(line, "Connection") == 0)
			*close_after = strcasecmp(v, "close") == 0;
		else if (strcasecmp(line, "Lambda-Runtime-Aws-Request-Id") == 0)
			copy_header(rep->request_id, sizeof(rep->request_id), v);
		else if (strcasecmp(line, "Lambda-Runtime-Deadline-Ms") == 0)
			copy_header(rep->deadline_ms, sizeof(rep->deadline_ms), v);
		else if (strcasecmp(line, "Lambda-Runtime-Invoked-Function-Arn") == 0)
			copy_header(rep->function_arn, sizeof(rep->function_arn), v);
		else if (strcasecmp(line, "Lambda-Runtime-Trace-Id") == 0)
			copy_header(rep->trace_id, sizeof(rep->trace_id), v);
		else if (strcasecmp(line, "Lambda-Runtime-Client-Context") == 0)
			rt_buf_puts(&rep->client_context, v);
		else if (strcasecmp(line, "Lambda-Runtime-Cognito-Identity") == 0)
			rt_buf_puts(&rep->cognito_identity, v);
	}
	if (chunked) {
		for (;;) {
			if (read_line(r, line, LINE_MAX_LEN) < 0)
				goto out;
			chunk = (size_t)strtoull(line, &end, 16);
			if (end == line)
				goto out;
			if (chunk == 0)
				break;
			if (read_body(r, &rep->body, chunk) < 0 ||
			    read_line(r, line, LINE_MAX_LEN) < 0)
				goto out;
		}
		do { /* trailers up to the empty line */
			if (read_line(r, line, LINE_MAX_LEN) < 0)
				goto out;
		} while (line[0] != '\0');
	} else if (clen >= 0) {
		if (read_body(r, &rep->body, (size_t)clen) < 0)
			goto out;
	} else if (rep->status != 204 && rep->status != 304 &&
	    rep->status >= 200) {
		/* No length: the body runs to the end of the connection. */
		*close_after = 1;
		while (fill(r) > 0) {
			if (rt_buf_append(&rep->body, r->rbuf + r->rpos,
			    r->rlen - r->rpos) < 0)
				goto out;
			r->rpos = r->rlen;
		}
	}
	if (rt_buf_append(&rep->body, NULL, 0) < 0)
		goto out;
	rc = 0;
out:
	return rc;
}

int
rapi_request(struct rapi *r, const char *method, const char *path,
    const char *error_type, const char *body, size_t len,
    struct rapi_reply *rep)
{
	char head[2048];
	struct iovec iov[2];
	int n, attempt, reused, rc, close_after;

	n = snprintf(head, sizeof(head),
	    "%s %s%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: sparta-c/1\r\n"
	    "%s%s%s"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    method, r->prefix, path, r->host, r->port,
	    error_type ? "Lambda-Runtime-Function-Error-Type: " : "",
	    error_type ? error_type : "", error_type ? "\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	for (attempt = 0; attempt < 2; attempt++) {
		reused = r->fd >= 0;
		if (r->fd < 0 && rapi_connect(r) < 0)
			return -1;
		rapi_reply_reset(rep);
		iov[0].iov_base = head;
		iov[0].iov_len = (size_t)n;
		iov[1].iov_base = (void *)body;
		iov[1].iov_len = len;
		close_after = 0;
		if (send_all(r->fd, iov, len > 0 ? 2 : 1) < 0) {
			/* A peer that closes early may still have replied (413). */
			rc = read_reply(r, rep, &close_after);
			if (rc == 0) {
				rapi_disconnect(r);
				return 0;
			}
			rapi_disconnect(r);
			if (reused)
				continue;
			fprintf(stderr, "sparta: runtime API %s %s: %s\n", method,
			    path, strerror(errno));
			return -1;
		}
		rc = read_reply(r, rep, &close_after);
		if (rc == -2 && reused) {
			rapi_disconnect(r);
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "sparta: runtime API %s %s: bad or no reply\n",
			    method, path);
			rapi_disconnect(r);
			return -1;
		}
		if (close_after)
			rapi_disconnect(r);
		return 0;
	}
	return -1;
}
