/*
 * wire.h - HTTP/1.1 over TCP and TLS (OpenSSL) for the AWS client: the
 * one exchange aws_send() needs, and nothing else.
 *
 * Connections are kept alive, one per scheme, host and port (a few at
 * once), and a kept connection the server closed meanwhile is replaced
 * once, transparently, when nothing of the reply had arrived. Every wait
 * is a poll(2) of at most 50 ms, so the deadline and the client's cancel
 * flag end an exchange promptly. TLS is verified always: the system's
 * trust store, plus AWS_CA_BUNDLE when set (extra trust, never less
 * checking), the host name, SNI, TLS 1.2 at least.
 *
 * An HTTPS request goes through a proxy named by https_proxy, HTTPS_PROXY
 * or all_proxy/ALL_PROXY (http://host:port, CONNECT), unless the host
 * matches no_proxy/NO_PROXY. Plain http (loopback and the metadata
 * addresses only) never goes through a proxy.
 */
#ifndef SPARTAC_AWS_WIRE_H
#define SPARTAC_AWS_WIRE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct aws_url;
struct aws_response;

struct wire; /* the kept connections (wire_free) */

struct wire_request {
	const struct aws_url *url;
	const char *method;
	const char *headers;   /* "Name: value\r\n" lines, or "" */
	const void *body;      /* body_len bytes, or from body_fp: */
	size_t body_len;
	FILE *body_fp;         /* body_len bytes from body_off */
	off_t body_off;
	long timeout_ms;       /* the whole exchange */
	const char *ca_bundle; /* extra trust, or NULL */
	volatile sig_atomic_t *cancel; /* non-zero: give up */
	void (*progress)(void *arg, unsigned long long sent,
	    unsigned long long total);
	void *progress_arg;
};

enum wire_result {
	WIRE_OK,
	WIRE_NETWORK,   /* resolve, connect, send, receive: worth a retry */
	WIRE_TIMEOUT,   /* the deadline passed: worth a retry */
	WIRE_CANCELLED, /* *cancel was set */
	WIRE_REFUSED,   /* TLS verification, a bad reply, the body file: not */
};

/*
 * Sends rq and reads the reply into resp (status, headers, body; resp is
 * reset first by the caller). *w is made on first use. On failure err
 * (errlen bytes) says what went wrong, for the user.
 */
enum wire_result wire_exchange(struct wire **w, const struct wire_request *rq,
    struct aws_response *resp, char *err, size_t errlen);

void wire_free(struct wire *w);

/* Seconds since the epoch of an HTTP date (RFC 7231 IMF-fixdate), or -1. */
long long wire_parse_date(const char *s);

#endif
