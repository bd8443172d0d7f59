/*
 * sparta/aws.h - reaching other services from a handler.
 *
 * sparta_fetch() sends one HTTP/1.1 request and waits for the reply:
 *
 *	#include <sparta/aws.h>
 *
 *	struct sparta_fetch_request rq = { .method = "GET",
 *	    .url = "https://example.com/" };
 *	struct sparta_fetch_reply rep;
 *	if (sparta_fetch(ctx, &rq, &rep) < 0)
 *		return sparta_error(res, "Upstream", "%s", rep.error);
 *
 * TLS. https:// URLs are verified, always: the server's certificate chain
 * must lead to a certificate of the CA bundle, be valid now and name the
 * host (which is also sent as SNI). The bundle is Lambda's provided.al2023
 * one, /etc/pki/tls/certs/ca-bundle.crt; the environment variable
 * SSL_CERT_FILE names another file of PEM certificates (local tests with
 * their own CA). TLS 1.2 (BearSSL). Plain http:// is refused except to
 * loopback (localhost, 127.0.0.0/8, ::1), where local emulators live.
 *
 * CONNECTIONS. One connection is kept alive and reused by the next request
 * to the same scheme, host and port, in this invocation or a later one.
 * Each connect, read and write waits at most 30 s, or the time the
 * invocation has left when that is less.
 *
 * MEMORY. As everywhere in this API: what the reply points to is in the
 * invocation's arena and is freed after the handler returns. The request's
 * strings and body are only read during the call.
 *
 * LINKING. The client and the TLS library are linked only into bootstraps
 * whose handlers call sparta_fetch; the others stay as small as before.
 */
#ifndef SPARTA_AWS_H
#define SPARTA_AWS_H

#include <stddef.h>

#include "sparta/lambda.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sparta_fetch_request {
	const char *method;  /* "GET" when NULL */
	const char *url;     /* http(s)://host[:port]/path?query, encoded */
	/* "Name: value" lines, NULL-terminated, or NULL. Host and (with a
	 * body, or for POST and PUT) Content-Length are added for you. */
	const char *const *headers;
	const void *body;    /* NULL for none */
	size_t body_len;
};

struct sparta_fetch_reply {
	int status;          /* the HTTP status; 0 when there was no reply */
	const char *body;    /* NUL-terminated (may also hold NULs), never NULL */
	size_t body_len;
	const char *headers; /* the reply's "Name: value\r\n" lines, never NULL */
	const char *error;   /* why, when sparta_fetch returned -1, else NULL */
};

/*
 * Returns 0 when a reply came (whatever its status), or -1 when none did
 * (refused URL, DNS, connection, TLS verification, timeout), with
 * reply->error saying which.
 */
int sparta_fetch(struct sparta_context *ctx,
    const struct sparta_fetch_request *req, struct sparta_fetch_reply *reply);

/* The value of the reply's header name (case-insensitive), or NULL. */
const char *sparta_fetch_header(struct sparta_context *ctx,
    const struct sparta_fetch_reply *reply, const char *name);

#ifdef __cplusplus
}
#endif

#endif
