/*
 * serve_int.h - what the files of `spartac serve` share (src/local/serve*.c
 * only): the request and response of one exchange, reading and writing
 * them on a connection (serve_http.c), and the Lambda events and responses
 * (serve_event.c).
 */
#ifndef SPARTAC_SERVE_INT_H
#define SPARTAC_SERVE_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/util.h"
#include "front/manifest.h"
#include "local/emulator.h"
#include "local/local.h"
#include "local/router.h"

#define SERVE_HEADER_MAX (64 * 1024)
#define SERVE_MAX_HEADERS 128

struct header {
	char *name;
	char *value;
};

struct request {
	char method[16];
	char *target;  /* path?query as sent */
	char *path;    /* the target up to '?' */
	char *query;   /* after '?', or NULL */
	struct header headers[SERVE_MAX_HEADERS];
	size_t nheaders;
	struct buf body;
	int keep_alive;
};

struct response {
	int status;
	struct buf head; /* header lines, each ending in CRLF */
	struct buf body;
	int has_cors;
};

/* Buffered reading from a connection. */
struct conn {
	int fd;
	char buf[16384];
	size_t start, end;
};

/* serve_http.c */
/*
 * Reads a request. Returns 0, -1 at the end of the connection, or an HTTP
 * status to answer with (400, 411, 413, 431, 505).
 */
int serve_request_read(struct conn *c, struct request *rq);
void serve_request_clear(struct request *rq);
/* The last value of the header (case-insensitive name), or NULL. */
const char *serve_request_header(const struct request *rq, const char *name);
const char *serve_status_text(int status);
/* Adds a header line; drops it when it would smuggle a line break or set
 * the framing (Content-Length, Connection, Transfer-Encoding). */
void serve_response_header(struct response *r, const char *name, const char *value);
/* status with API Gateway's {"message": ...} body. */
void serve_response_message(struct response *r, int status, const char *message);
/* Writes and frees r's head and body; -1 when the peer is gone. */
int serve_response_send(int fd, struct response *r, int keep_alive, int head_only);

/* The apiId of everything local, in events and ARNs. */
#define SERVE_API_ID "local"

/* One request on its way to its function: what the events are built of. */
struct exchange {
	int port;                       /* for the request id */
	unsigned long id;
	const struct manifest_api *api;
	const struct request *rq;
	const struct router_match *m;   /* ROUTER_OK */
	cJSON *authorizer;              /* requestContext.authorizer (owned), or NULL */
};

/* serve_event.c: REST payload 1.0 */
cJSON *serve_json_text(const char *s);
void serve_query_maps(const char *query, cJSON **single, cJSON **multi);
cJSON *serve_path_params(const struct router_match *m); /* NULL: none */
char *serve_request_id(const struct exchange *x);
double serve_now_ms(void);
/* The event without body: what a REQUEST authorizer gets too. */
cJSON *serve_event_v1_base(const struct exchange *x);
void serve_event_body(cJSON *ev, const struct exchange *x, int null_when_empty);
/* Adds the authorizer's context and the body, prints ev and frees it. */
char *serve_event_finish(cJSON *ev, const struct exchange *x, int null_when_empty);
/* The REST proxy event, as text to free. */
char *serve_event_v1(const struct exchange *x);
void serve_response_headers(const cJSON *h, struct response *r);
int serve_response_body(const cJSON *doc, struct response *r);
/* Maps the function's proxy response; -1 when it is malformed. */
int serve_response_v1(const char *payload, size_t len, struct response *r);

/* serve_event2.c: HTTP API payload 2.0 */
cJSON *serve_event_v2_base(const struct exchange *x);
char *serve_event_v2(const struct exchange *x);
/* 2.0's reading: a JSON object with statusCode is a response document;
 * anything else valid is a 200 application/json body. -1: not JSON. */
int serve_response_v2(const char *payload, size_t len, struct response *r);

/* serve.c */
struct service;
/* Runs f (a route's or an authorizer's) on a warm emulator of its pool:
 * emulator_invoke's result; *timeout_s is the limit it ran under. */
int serve_invoke(struct service *s, const struct manifest_function *f,
    const char *event, struct emulator_result *res, long *timeout_s);

/*
 * serve_gate.c: what API Gateway checks before the integration, in its
 * order: the authorizer (serve_auth.c), the API key and its usage plan's
 * throttle and quota, the stage throttle, request validation.
 */
struct gate;
struct serve_gate_options;
/* NULL after logging why (a JWKS that does not load, a bad --api-key). */
struct gate *gate_alloc(const struct manifest *m, const char *region,
    const struct serve_gate_options *o, const struct local_values *vals);
void gate_free(struct gate *g);
/* 0: go on to the integration (x->authorizer set when there is one);
 * otherwise r holds API Gateway's answer. */
int gate_check(struct gate *g, struct service *s, struct exchange *x, struct response *r);

/* serve_auth.c: authorizers with their result cache */
struct auth;
/* vals: the --parameter values a JWT issuer or audience may name. */
struct auth *auth_alloc(const struct manifest *m, const char *region,
    const char *jwks_path, const struct local_values *vals);
void auth_free(struct auth *a);
/* As gate_check, for the route's authorizer (none: 0). */
int auth_check(struct auth *a, struct service *s, struct exchange *x, struct response *r);

#endif
