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

/* serve_event.c */
cJSON *serve_json_text(const char *s);
/* The REST proxy event (payload 1.0), as text to free. */
char *serve_event_v1(int port, const struct manifest_api *api,
    const struct request *rq, const struct router_match *m, unsigned long id);
/* Maps the function's proxy response; -1 when it is malformed. */
int serve_response_v1(const char *payload, size_t len, struct response *r);

#endif
