/*
 * wire.c - HTTP/1.1 over TCP and TLS for the AWS client (see wire.h).
 *
 * Sockets are non-blocking; every wait goes through wait_fd(), which
 * polls in slices of WIRE_SLICE_MS and checks the deadline and the cancel
 * flag between them. A reply is framed by Content-Length, chunked
 * encoding, or the end of the connection (then not kept).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "aws/internal.h"
#include "aws/url.h"
#include "aws/wire.h"
#include "base/util.h"

#define WIRE_CONNS 4
#define WIRE_SLICE_MS 50
#define WIRE_CONNECT_MS 10000L
#define WIRE_HEAD_MAX (64 * 1024)
#define WIRE_BODY_MAX ((size_t)1 << 30)
#define WIRE_RBUF 16384

struct conn {
	int fd; /* -1: the slot is free */
	SSL *ssl;
	char *key; /* "https://host:port" */
	unsigned long long last; /* the wire's tick when last used */
	char rbuf[WIRE_RBUF];
	size_t rpos, rlen;
};

struct wire {
	SSL_CTX *ctx;
	char *ctx_bundle; /* the bundle ctx trusts besides the system's */
	struct conn c[WIRE_CONNS];
	unsigned long long tick;
};

/* One exchange in progress. */
struct xfer {
	struct wire *w;
	const struct wire_request *rq;
	struct conn *c;
	long long deadline;
	int replied; /* a byte of the reply arrived */
	char *err;
	size_t errlen;
};

static enum wire_result
fail(struct xfer *x, enum wire_result r, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static enum wire_result
fail(struct xfer *x, enum wire_result r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* Waits until fd is ready for events, the deadline (limit) passes, or the
 * exchange is cancelled. */
static enum wire_result
wait_fd(struct xfer *x, short events, long long limit, const char *what)
{
	struct pollfd p;
	long long left;

	for (;;) {
		if (x->rq->cancel != NULL && *x->rq->cancel != 0)
			return fail(x, WIRE_CANCELLED, "interrupted while %s", what);
		if ((left = limit - mono_ms()) <= 0)
			return fail(x, WIRE_TIMEOUT, "timed out after %ld ms %s",
			    x->rq->timeout_ms, what);
		p.fd = x->c->fd;
		p.events = events;
		p.revents = 0;
		if (poll(&p, 1, (int)(left < WIRE_SLICE_MS ? left : WIRE_SLICE_MS)) > 0)
			return WIRE_OK;
	}
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->key);
	c->key = NULL;
	c->rpos = c->rlen = 0;
}

/* The TLS error of the last call, for a message. */
static const char *
tls_reason(char *tmp, size_t n)
{
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		return "the connection was closed";
	ERR_error_string_n(e, tmp, n);
	return tmp;
}

/* Retries an SSL call that wants to read or write; 1 to call again, 0
 * done, or a failure. */
static int
tls_wait(struct xfer *x, int rc, const char *what, enum wire_result *r)
{
	switch (SSL_get_error(x->c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		*r = wait_fd(x, POLLIN, x->deadline, what);
		return *r == WIRE_OK;
	case SSL_ERROR_WANT_WRITE:
		*r = wait_fd(x, POLLOUT, x->deadline, what);
		return *r == WIRE_OK;
	default:
		return 0;
	}
}

static enum wire_result
conn_send(struct xfer *x, const void *p, size_t n)
{
	const char *s = p;
	enum wire_result r = WIRE_OK;
	char tmp[256];

	while (n > 0) {
		ssize_t k;

		if (x->c->ssl != NULL) {
			int rc = SSL_write(x->c->ssl, s, n > (1u << 30) ? 1 << 30 : (int)n);
			if (rc > 0) {
				k = rc;
			} else if (tls_wait(x, rc, "sending the request", &r)) {
				continue;
			} else {
				return r != WIRE_OK ? r : fail(x, WIRE_NETWORK,
				    "sending the request failed: %s",
				    tls_reason(tmp, sizeof tmp));
			}
		} else {
			k = send(x->c->fd, s, n, MSG_NOSIGNAL);
			if (k < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					if ((r = wait_fd(x, POLLOUT, x->deadline,
					    "sending the request")) != WIRE_OK)
						return r;
					continue;
				}
				return fail(x, WIRE_NETWORK,
				    "sending the request failed: %s", strerror(errno));
			}
		}
		s += k;
		n -= (size_t)k;
	}
	return WIRE_OK;
}

/* Refills the read buffer; *got is 0 at the end of the connection. */
static enum wire_result
conn_fill(struct xfer *x, size_t *got)
{
	struct conn *c = x->c;
	enum wire_result r = WIRE_OK;
	char tmp[256];

	c->rpos = c->rlen = 0;
	for (;;) {
		if (c->ssl != NULL) {
			int rc = SSL_read(c->ssl, c->rbuf, sizeof c->rbuf);
			if (rc > 0) {
				*got = (size_t)rc;
				break;
			}
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
				*got = 0;
				break;
			}
			if (tls_wait(x, rc, "waiting for the reply", &r))
				continue;
			return r != WIRE_OK ? r : fail(x, WIRE_NETWORK,
			    "receiving the reply failed: %s", tls_reason(tmp,
			    sizeof tmp));
		} else {
			ssize_t k = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
			if (k >= 0) {
				*got = (size_t)k;
				break;
			}
			if (errno != EAGAIN && errno != EINTR)
				return fail(x, WIRE_NETWORK,
				    "receiving the reply failed: %s", strerror(errno));
			if ((r = wait_fd(x, POLLIN, x->deadline,
			    "waiting for the reply")) != WIRE_OK)
				return r;
		}
	}
	c->rlen = *got;
	if (*got > 0)
		x->replied = 1;
	return WIRE_OK;
}

/* One line of the reply's head, without its CRLF, into line. */
static enum wire_result
read_line(struct xfer *x, struct buf *line, size_t *budget)
{
	struct conn *c = x->c;
	enum wire_result r;
	size_t got;

	line->len = 0;
	buf_append(line, "", 0);
	for (;;) {
		char *nl;
		size_t n;

		if (c->rpos == c->rlen) {
			if ((r = conn_fill(x, &got)) != WIRE_OK)
				return r;
			if (got == 0)
				return fail(x, WIRE_NETWORK, x->replied ?
				    "the connection closed in the middle of the reply" :
				    "the server closed the connection without a reply");
		}
		nl = memchr(c->rbuf + c->rpos, '\n', c->rlen - c->rpos);
		n = nl ? (size_t)(nl - (c->rbuf + c->rpos)) + 1 : c->rlen - c->rpos;
		if (n > *budget)
			return fail(x, WIRE_REFUSED, "the reply's head is over %d bytes",
			    WIRE_HEAD_MAX);
		*budget -= n;
		buf_append(line, c->rbuf + c->rpos, n);
		c->rpos += n;
		if (nl != NULL)
			break;
	}
	while (line->len > 0 && (line->data[line->len - 1] == '\n' ||
	    line->data[line->len - 1] == '\r'))
		line->data[--line->len] = '\0';
	return WIRE_OK;
}

/* n bytes of body (or up to the end of the connection when until_close). */
static enum wire_result
read_body(struct xfer *x, struct buf *out, unsigned long long n, int until_close)
{
	struct conn *c = x->c;
	enum wire_result r;
	size_t got;

	while (until_close || n > 0) {
		size_t k;

		if (c->rpos == c->rlen) {
			if ((r = conn_fill(x, &got)) != WIRE_OK)
				return r;
			if (got == 0) {
				if (until_close)
					return WIRE_OK;
				return fail(x, WIRE_NETWORK,
				    "the connection closed in the middle of the reply");
			}
		}
		k = c->rlen - c->rpos;
		if (!until_close && k > n)
			k = (size_t)n;
		if (out->len + k > WIRE_BODY_MAX)
			return fail(x, WIRE_REFUSED, "the reply's body is over %zu bytes",
			    WIRE_BODY_MAX);
		buf_append(out, c->rbuf + c->rpos, k);
		c->rpos += k;
		n -= k;
	}
	return WIRE_OK;
}

static enum wire_result
read_chunked(struct xfer *x, struct buf *out, struct buf *line)
{
	enum wire_result r;
	size_t budget = WIRE_HEAD_MAX;

	for (;;) {
		unsigned long long size;
		char *end;

		if ((r = read_line(x, line, &budget)) != WIRE_OK)
			return r;
		errno = 0;
		size = strtoull(line->data, &end, 16);
		if (end == line->data || errno != 0 || size > WIRE_BODY_MAX)
			return fail(x, WIRE_REFUSED, "the reply has a bad chunk size");
		if (size == 0)
			break;
		if ((r = read_body(x, out, size, 0)) != WIRE_OK ||
		    (r = read_line(x, line, &budget)) != WIRE_OK)
			return r;
		budget = WIRE_HEAD_MAX;
	}
	do { /* trailers, up to the blank line */
		if ((r = read_line(x, line, &budget)) != WIRE_OK)
			return r;
	} while (line->len > 0);
	return WIRE_OK;
}

static void
header_add(struct aws_response *resp, const char *line)
{
	const char *colon = strchr(line, ':'), *v;
	size_t vlen;

	if (colon == NULL || colon == line)
		return;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	vlen = strlen(v);
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	resp->hdr = xgrow(resp->hdr, &resp->cap, resp->nhdr + 1, sizeof *resp->hdr);
	resp->hdr[resp->nhdr].name = xstrndup(line, (size_t)(colon - line));
	resp->hdr[resp->nhdr].value = xstrndup(v, vlen);
	resp->nhdr++;
}

/* 1 when the comma-separated header value has token (any case). */
static int
has_token(const char *v, const char *token)
{
	size_t n = strlen(token);

	while (v != NULL && *v != '\0') {
		v += strspn(v, " \t,");
		if (strncasecmp(v, token, n) == 0 && strchr(" \t,", v[n]) != NULL)
			return 1;
		v += strcspn(v, ",");
	}
	return 0;
}

/* The status line and the headers, skipping interim (1xx) replies. Sets
 * *http10 for an HTTP/1.0 reply. */
static enum wire_result
read_head(struct xfer *x, struct aws_response *resp, struct buf *line,
    int *http10)
{
	enum wire_result r;
	size_t budget = WIRE_HEAD_MAX;

	for (;;) {
		int minor;
		long status;

		if ((r = read_line(x, line, &budget)) != WIRE_OK)
			return r;
		if (sscanf(line->data, "HTTP/1.%d %3ld", &minor, &status) != 2 ||
		    status < 100 || status > 999)
			return fail(x, WIRE_REFUSED, "the reply is not HTTP/1.x");
		*http10 = minor == 0;
		aws_response_headers_clear(resp);
		for (;;) {
			if ((r = read_line(x, line, &budget)) != WIRE_OK)
				return r;
			if (line->len == 0)
				break;
			header_add(resp, line->data);
		}
		if (status >= 200 || status == 101) {
			resp->status = status;
			return WIRE_OK;
		}
	}
}

/* Reads the reply; *keep is set when the connection may serve another. */
static enum wire_result
read_reply(struct xfer *x, struct aws_response *resp, int *keep)
{
	struct buf line = {0};
	enum wire_result r;
	const char *te, *cl, *conn;
	int http10 = 0;

	*keep = 0;
	if ((r = read_head(x, resp, &line, &http10)) != WIRE_OK)
		goto out;
	te = aws_response_header(resp, "Transfer-Encoding");
	cl = aws_response_header(resp, "Content-Length");
	conn = aws_response_header(resp, "Connection");
	*keep = http10 ? has_token(conn, "keep-alive") : !has_token(conn, "close");
	if (strcmp(x->rq->method, "HEAD") == 0 || resp->status == 204 ||
	    resp->status == 304) {
		r = WIRE_OK;
	} else if (te != NULL && has_token(te, "chunked")) {
		r = read_chunked(x, &resp->body, &line);
	} else if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (end == cl || *end != '\0' || errno != 0 || n > WIRE_BODY_MAX)
			r = fail(x, WIRE_REFUSED, "the reply has a bad Content-Length");
		else
			r = read_body(x, &resp->body, n, 0);
	} else {
		*keep = 0;
		r = read_body(x, &resp->body, 0, 1);
	}
out:
	buf_free(&line);
	return r;
}

/* ---- connecting ---- */

static SSL_CTX *
tls_context(struct wire *w, const char *bundle, struct xfer *x)
{
	char tmp[256];

	if (w->ctx != NULL && (bundle == NULL) == (w->ctx_bundle == NULL) &&
	    (bundle == NULL || strcmp(bundle, w->ctx_bundle) == 0))
		return w->ctx;
	SSL_CTX_free(w->ctx);
	free(w->ctx_bundle);
	w->ctx_bundle = bundle ? xstrdup(bundle) : NULL;
	if ((w->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto bad;
	SSL_CTX_set_min_proto_version(w->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(w->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(w->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(w->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_set_default_verify_paths(w->ctx) != 1)
		goto bad;
	if (bundle != NULL &&
	    SSL_CTX_load_verify_locations(w->ctx, bundle, NULL) != 1) {
		fail(x, WIRE_REFUSED, "cannot read the CA bundle %s (AWS_CA_BUNDLE "
		    "or ca_bundle): %s", bundle, tls_reason(tmp, sizeof tmp));
		SSL_CTX_free(w->ctx);
		w->ctx = NULL;
		return NULL;
	}
	return w->ctx;
bad:
	fail(x, WIRE_REFUSED, "cannot set up TLS: %s", tls_reason(tmp, sizeof tmp));
	SSL_CTX_free(w->ctx);
	w->ctx = NULL;
	return NULL;
}

/* A TCP connection to host:port (a name, an IPv4 or a bracketed IPv6
 * address) into x->c->fd. */
static enum wire_result
tcp_connect(struct xfer *x, const char *host, unsigned port)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char name[256], service[8];
	long long limit = mono_ms() + WIRE_CONNECT_MS;
	enum wire_result r = WIRE_NETWORK;
	size_t n = strlen(host);
	int rc, one = 1;

	if (limit > x->deadline)
		limit = x->deadline;
	if (host[0] == '[' && n >= 2)
		snprintf(name, sizeof name, "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(name, sizeof name, "%s", host);
	/* localhost is loopback by definition (RFC 6761), resolved here so a
	 * machine without /etc/hosts reaches a local endpoint too */
	if (strcasecmp(name, "localhost") == 0)
		snprintf(name, sizeof name, "127.0.0.1");
	snprintf(service, sizeof service, "%u", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, service, &hints, &res)) != 0)
		return fail(x, WIRE_NETWORK, "cannot resolve %s: %s", name,
		    gai_strerror(rc));
	fail(x, WIRE_NETWORK, "cannot connect to %s port %u", name, port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		int soerr = 0;
		socklen_t len = sizeof soerr;

		if (fd == -1)
			continue;
		x->c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			r = WIRE_OK;
		else if (errno != EINPROGRESS)
			r = fail(x, WIRE_NETWORK, "cannot connect to %s port %u: %s",
			    name, port, strerror(errno));
		else if ((r = wait_fd(x, POLLOUT, limit, "connecting")) == WIRE_OK &&
		    (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
		    soerr != 0))
			r = fail(x, WIRE_NETWORK, "cannot connect to %s port %u: %s",
			    name, port, strerror(soerr ? soerr : errno));
		if (r == WIRE_OK) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			break;
		}
		close(fd);
		x->c->fd = -1;
		if (r == WIRE_CANCELLED)
			break;
	}
	freeaddrinfo(res);
	return r;
}

/* The proxy for an https request to host, from the environment, or NULL. */
static const char *
proxy_for(const char *host)
{
	static const char *const vars[] = { "https_proxy", "HTTPS_PROXY",
	    "all_proxy", "ALL_PROXY" };
	const char *np = getenv("no_proxy"), *p = NULL;
	size_t i, hl = strlen(host);

	if (np == NULL)
		np = getenv("NO_PROXY");
	while (np != NULL && *np != '\0') {
		size_t n;

		np += strspn(np, " ,");
		n = strcspn(np, " ,");
		if (n == 1 && *np == '*')
			return NULL;
		/* "example.com" and ".example.com" match it and its subdomains */
		if (n > 0 && *np == '.') {
			np++;
			n--;
		}
		if (n > 0 && hl >= n && strncasecmp(host + hl - n, np, n) == 0 &&
		    (hl == n || host[hl - n - 1] == '.'))
			return NULL;
		np += n;
	}
	for (i = 0; i < sizeof vars / sizeof *vars && p == NULL; i++)
		if ((p = getenv(vars[i])) != NULL && *p == '\0')
			p = NULL;
	return p;
}

/* Connects to the proxy and asks it for a tunnel to url's host. */
static enum wire_result
proxy_tunnel(struct xfer *x, const char *proxy)
{
	const struct aws_url *u = x->rq->url;
	struct aws_url pu;
	struct aws_response head = {0};
	struct buf line = {0};
	char why[256];
	enum wire_result r;
	int http10;

	if (aws_url_parse(&pu, proxy, why, sizeof why) != 0 || pu.https)
		return fail(x, WIRE_REFUSED, "the proxy %s: %s", proxy,
		    pu.https ? "only http:// proxies are supported" : why);
	r = tcp_connect(x, pu.host, pu.port);
	aws_url_free(&pu);
	if (r != WIRE_OK)
		return r;
	buf_printf(&line, "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
	    u->host, u->port, u->host, u->port);
	r = conn_send(x, line.data, line.len);
	if (r == WIRE_OK && (r = read_head(x, &head, &line, &http10)) == WIRE_OK &&
	    (head.status < 200 || head.status > 299))
		r = fail(x, WIRE_NETWORK, "the proxy refused the tunnel to %s "
		    "(HTTP %ld)", u->host, head.status);
	x->replied = 0;
	aws_response_free(&head);
	buf_free(&line);
	return r;
}

static enum wire_result
tls_connect(struct xfer *x, SSL_CTX *ctx)
{
	const struct aws_url *u = x->rq->url;
	struct conn *c = x->c;
	enum wire_result r = WIRE_OK;
	char tmp[256], name[256];
	size_t n = strlen(u->host);
	long v;
	int rc;

	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return fail(x, WIRE_REFUSED, "cannot set up TLS: %s",
		    tls_reason(tmp, sizeof tmp));
	if (u->host_kind == AWS_URL_NAME) {
		SSL_set_tlsext_host_name(c->ssl, u->host);
		SSL_set1_host(c->ssl, u->host);
	} else {
		if (u->host[0] == '[' && n >= 2)
			snprintf(name, sizeof name, "%.*s", (int)(n - 2), u->host + 1);
		else
			snprintf(name, sizeof name, "%s", u->host);
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name);
	}
	while ((rc = SSL_connect(c->ssl)) != 1) {
		if (tls_wait(x, rc, "in the TLS handshake", &r))
			continue;
		if (r != WIRE_OK)
			return r;
		if ((v = SSL_get_verify_result(c->ssl)) != X509_V_OK)
			return fail(x, WIRE_REFUSED, "SSL certificate problem with %s: "
			    "%s", u->host, X509_verify_cert_error_string(v));
		return fail(x, WIRE_REFUSED, "TLS handshake with %s failed: %s",
		    u->host, tls_reason(tmp, sizeof tmp));
	}
	return WIRE_OK;
}

static enum wire_result
conn_open(struct xfer *x, const char *key)
{
	const struct aws_url *u = x->rq->url;
	const char *proxy = u->https ? proxy_for(u->host) : NULL;
	SSL_CTX *ctx = NULL;
	enum wire_result r;

	if (u->https && (ctx = tls_context(x->w, x->rq->ca_bundle, x)) == NULL)
		return WIRE_REFUSED;
	r = proxy ? proxy_tunnel(x, proxy) : tcp_connect(x, u->host, u->port);
	if (r == WIRE_OK && u->https)
		r = tls_connect(x, ctx);
	if (r != WIRE_OK) {
		conn_close(x->c);
		return r;
	}
	x->c->key = xstrdup(key);
	return WIRE_OK;
}

/* 1 when a kept connection can carry another request: nothing is
 * waiting to be read on it (a server that closed it, or sent something
 * unasked, makes it readable). */
static int
conn_alive(const struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	return c->rpos == c->rlen && poll(&p, 1, 0) == 0;
}

/* The kept connection for key when it is still alive, or a slot for a new
 * one (the least recently used, closed). *reused says which. */
static struct conn *
conn_slot(struct wire *w, const char *key, int *reused)
{
	struct conn *pick = &w->c[0];
	size_t i;

	for (i = 0; i < WIRE_CONNS; i++) {
		struct conn *c = &w->c[i];

		if (c->fd != -1 && strcmp(c->key, key) == 0) {
			if (conn_alive(c)) {
				*reused = 1;
				return c;
			}
			conn_close(c);
		}
		if (pick->fd != -1 && (c->fd == -1 || c->last < pick->last))
			pick = c;
	}
	conn_close(pick);
	*reused = 0;
	return pick;
}

/* ---- the exchange ---- */

static enum wire_result
send_body_file(struct xfer *x, char *chunk, size_t size)
{
	const struct wire_request *rq = x->rq;
	unsigned long long sent = 0;
	enum wire_result r;

	if (fseeko(rq->body_fp, rq->body_off, SEEK_SET) != 0)
		return fail(x, WIRE_REFUSED, "cannot read the file to upload: %s",
		    strerror(errno));
	while (sent < rq->body_len) {
		size_t want = rq->body_len - sent < size ? rq->body_len - sent : size;
		size_t got = fread(chunk, 1, want, rq->body_fp);

		if (got < want)
			return fail(x, WIRE_REFUSED, "the file to upload %s",
			    ferror(rq->body_fp) ? "cannot be read" :
			    "shrank while it was sent");
		if ((r = conn_send(x, chunk, got)) != WIRE_OK)
			return r;
		sent += got;
		if (rq->progress)
			rq->progress(rq->progress_arg, sent, rq->body_len);
	}
	return WIRE_OK;
}

static enum wire_result
send_request(struct xfer *x)
{
	const struct wire_request *rq = x->rq;
	const struct aws_url *u = rq->url;
	struct buf head = {0};
	enum wire_result r;
	int bodiless = strcmp(rq->method, "GET") == 0 ||
	    strcmp(rq->method, "HEAD") == 0;

	buf_printf(&head, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: spartac/" SPARTAC_VERSION "\r\n", rq->method,
	    *u->path ? u->path : "/", u->query ? "?" : "", u->query ? u->query : "",
	    u->authority);
	if (!bodiless || rq->body_len > 0)
		buf_printf(&head, "Content-Length: %zu\r\n", rq->body_len);
	buf_printf(&head, "%s\r\n", rq->headers);
	r = conn_send(x, head.data, head.len);
	explicit_bzero(head.data, head.cap);
	buf_free(&head);
	if (r != WIRE_OK)
		return r;
	if (rq->body_fp != NULL) {
		char *chunk = xmalloc(64 * 1024);

		r = send_body_file(x, chunk, 64 * 1024);
		free(chunk);
	} else if (rq->body_len > 0) {
		r = conn_send(x, rq->body, rq->body_len);
		if (r == WIRE_OK && rq->progress)
			rq->progress(rq->progress_arg, rq->body_len, rq->body_len);
	}
	return r;
}

enum wire_result
wire_exchange(struct wire **wp, const struct wire_request *rq,
    struct aws_response *resp, char *err, size_t errlen)
{
	struct xfer x = { .rq = rq, .err = err, .errlen = errlen };
	enum wire_result r;
	struct buf key = {0};
	int attempt, reused, keep = 0;
	size_t i;

	if (*wp == NULL) {
		*wp = xcalloc(1, sizeof **wp);
		for (i = 0; i < WIRE_CONNS; i++)
			(*wp)->c[i].fd = -1;
	}
	x.w = *wp;
	x.deadline = mono_ms() + rq->timeout_ms;
	err[0] = '\0';
	buf_printf(&key, "%s://%s:%u", rq->url->https ? "https" : "http",
	    rq->url->host, rq->url->port);
	for (attempt = 0;; attempt++) {
		x.c = conn_slot(x.w, key.data, &reused);
		x.replied = 0;
		x.c->last = ++x.w->tick;
		r = reused ? WIRE_OK : conn_open(&x, key.data);
		if (r == WIRE_OK && (r = send_request(&x)) == WIRE_OK)
			r = read_reply(&x, resp, &keep);
		if (r == WIRE_OK)
			break;
		conn_close(x.c);
		/* a kept connection the server closed meanwhile: once more
		 * on a new one, as nothing of the reply had come */
		if (!(reused && attempt == 0 && r == WIRE_NETWORK && !x.replied))
			break;
		aws_response_headers_clear(resp);
		resp->body.len = 0;
	}
	if (r == WIRE_OK && !keep)
		conn_close(x.c);
	buf_free(&key);
	return r;
}

void
wire_free(struct wire *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < WIRE_CONNS; i++)
		conn_close(&w->c[i]);
	SSL_CTX_free(w->ctx);
	free(w->ctx_bundle);
	free(w);
}

long long
wire_parse_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char wday[4], mon[4], zone[4];
	const char *m;
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%3s, %d %3s %d %d:%d:%d %3s%n", wday, &tm.tm_mday,
	    mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone, &n) != 8 ||
	    s[n] != '\0' || strcmp(zone, "GMT") != 0 || strlen(mon) != 3 ||
	    (m = strstr(months, mon)) == NULL || (m - months) % 3 != 0)
		return -1;
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_year -= 1900;
	return (long long)timegm(&tm);
}
