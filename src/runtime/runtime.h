/*
 * runtime.h - the runtime's internal pieces, shared by its .c files only.
 *
 * rt_buf is a growable byte buffer that never aborts: an allocation failure
 * sets oom and later appends do nothing, so a handler writing a huge
 * response turns into one Runtime.OutOfMemory error instead of a crash.
 */
#ifndef SPARTA_RUNTIME_H
#define SPARTA_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>

#include "sparta/lambda.h"

/* Lambda's limits (bytes), the same as the emulator's. */
#define RT_RESPONSE_LIMIT 6291556
#define RT_JSON_MAX_DEPTH 512
#define RT_WRITER_MAX_DEPTH 64

struct rt_buf {
	char *data;
	size_t len, cap;
	int oom;
};

int rt_buf_append(struct rt_buf *b, const void *p, size_t n);
int rt_buf_puts(struct rt_buf *b, const char *s);
int rt_buf_putc(struct rt_buf *b, int c);
int rt_buf_printf(struct rt_buf *b, const char *fmt, ...) SPARTA_PRINTF(2, 3);
int rt_buf_vprintf(struct rt_buf *b, const char *fmt, va_list ap)
    SPARTA_PRINTF(2, 0);
/* Drops the contents, keeps the memory for the next invocation. */
void rt_buf_reset(struct rt_buf *b);
void rt_buf_free(struct rt_buf *b);

/*
 * JSON string escaping of any bytes (see lambda.h): writes the quoted
 * string. Returns 0 or -1 when the buffer ran out of memory.
 */
int rt_json_escape(struct rt_buf *b, const char *s, size_t len);
/* 1 when s[0..len) is valid UTF-8 (RFC 3629), else 0. */
int rt_utf8_valid(const char *s, size_t len);
/* Appends standard base64 with padding. */
int rt_base64_encode(struct rt_buf *b, const unsigned char *p, size_t len);

/* The per-invocation arena: a chain of blocks freed together. */
struct rt_block;
struct rt_arena {
	struct rt_block *head;
};
void *rt_arena_alloc(struct rt_arena *a, size_t n); /* NULL on out of memory */
char *rt_arena_strndup(struct rt_arena *a, const char *s, size_t n);
/* Frees all but the first block, which is kept for reuse. */
void rt_arena_reset(struct rt_arena *a);
void rt_arena_free(struct rt_arena *a);

/* JSON writer state for the response body. */
struct rt_writer {
	unsigned char kind[RT_WRITER_MAX_DEPTH]; /* 'o' or 'a' per level */
	unsigned char has_items[RT_WRITER_MAX_DEPTH + 1];
	int depth;
	int after_key;
	int used;
	int misuse; /* a structural error: fails the invocation */
};

struct sparta_response {
	struct rt_buf body;
	struct rt_writer w;
	/* Error: set by sparta_error or by the runtime. */
	int is_error;
	struct rt_buf err_type;
	struct rt_buf err_msg;
	/* Proxy response, when sparta_http_set_* was called. */
	int http;
	int status;
	struct rt_buf headers; /* "name":"value" pairs, comma-separated */
	struct rt_buf cookies; /* Set-Cookie values as JSON strings, comma-separated */
	int has_cors;          /* the handler set an Access-Control-* header */
	int has_vary;          /* ... or a Vary header */
	int version;           /* the proxy shape to write: 1 or 2 (0: not known yet) */
	/* Custom resource reply (cr.c): set_physical_id / set_no_echo. */
	struct rt_buf cr_physical_id;
	int cr_no_echo;
};

/* A sparta_json_buffer: a writer's buffer, freed with the invocation. */
struct rt_json_buffer {
	struct sparta_response res;
	struct rt_json_buffer *next;
};

struct sparta_invocation {
	struct rt_arena arena;
	struct rt_json_buffer *buffers;
	/* Set by sparta_http_parse: the event's payload version and Origin. */
	int http_version;
	const char *origin;
};

/* After the handler: frees the invocation's buffers and resets its arena. */
void rt_invocation_end(struct sparta_invocation *inv);

/* Clears res for a new invocation, keeping its memory. */
void rt_response_reset(struct sparta_response *res);
void rt_response_free(struct sparta_response *res);
/*
 * Turns the handler's outcome into what is posted: for a success, the body
 * (wrapped as a proxy response when http was set) in out; for an error, the
 * {"errorMessage","errorType","stackTrace"} document in out and the type in
 * *type. Returns 0 for a success, 1 for an error.
 */
int rt_response_finish(struct sparta_response *res, int rc,
    const char *handler, struct rt_buf *out, const char **type);
/*
 * After a handler that made a proxy response (res->http): learns the
 * event's payload version (parsing the event when the handler did not call
 * sparta_http_parse) and adds the CORS headers of the SPARTA_CORS_*
 * variables (http.c).
 */
void rt_http_finish(struct sparta_response *res, struct sparta_context *ctx,
    const char *event, size_t len);
/* Sets the runtime's own error (Runtime.X), replacing the handler's output. */
void rt_response_fail(struct sparta_response *res, const char *type,
    const char *msg);

/* ---- The Runtime API client (rapi.c) ---- */

struct rapi_reply {
	int status;
	struct rt_buf body;
	/* Lambda-Runtime-* headers of a `next` reply, NUL-terminated ("" when absent). */
	char request_id[128];
	char function_arn[512];
	char trace_id[512];
	char deadline_ms[32];
	struct rt_buf client_context;
	struct rt_buf cognito_identity;
};

struct rapi {
	char host[256];
	char port[16];
	char prefix[256]; /* path before /2018-06-01, usually "" */
	int fd;       /* -1 when not connected */
	char *rbuf;   /* read buffer */
	char *line;   /* one header line */
	size_t rlen, rpos;
};

/* Parses AWS_LAMBDA_RUNTIME_API ("host:port"). 0 or -1. */
int rapi_init(struct rapi *r, const char *addr);
void rapi_close(struct rapi *r);
/*
 * One HTTP/1.1 request on the kept-alive connection (reconnecting once when
 * the server closed it). error_type, when not NULL, is sent as
 * Lambda-Runtime-Function-Error-Type. Returns 0 with rep filled, or -1 on a
 * transport error (logged).
 */
int rapi_request(struct rapi *r, const char *method, const char *path,
    const char *error_type, const char *body, size_t len,
    struct rapi_reply *rep);
void rapi_reply_reset(struct rapi_reply *rep);
void rapi_reply_free(struct rapi_reply *rep);

/* ---- Outgoing HTTP(S) for handlers (fetch.c, tls.c) ---- */

/*
 * The CA bundle of Lambda's provided.al2023 image (ca-certificates of
 * Amazon Linux 2023); SSL_CERT_FILE names another one.
 */
#define RT_CA_BUNDLE "/etc/pki/tls/certs/ca-bundle.crt"

struct rt_url {
	int https;
	char host[256]; /* without the brackets of an IPv6 literal */
	char port[8];
	const char *path; /* into the URL: path and query, "" or "?..." */
	size_t path_len;  /* up to a '#' */
	int query_only;   /* no path: "/" goes before it */
};

/* Parses http(s)://host[:port][/path][?query]; 0 or -1. */
int rt_url_parse(const char *url, struct rt_url *u);
int rt_host_is_loopback(const char *host);

struct rt_fetch_request {
	const char *method;
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
	const void *body;
	size_t len;
	long timeout_ms; /* per connect/read/write; 0: 30 s */
};

struct rt_fetch_reply {
	int status;
	struct rt_buf headers; /* "Name: value\r\n" lines as received */
	struct rt_buf body;    /* NUL-terminated when not empty */
	char err[640];         /* why, when rt_fetch returned -1 */
};

/* 0 with a reply (any status), or -1 with rep->err set. */
int rt_fetch(const struct rt_fetch_request *rq, struct rt_fetch_reply *rep);
void rt_fetch_reply_free(struct rt_fetch_reply *rep);
/* Closes the kept-alive connections (in a forked child: its copies of the
 * sockets only, nothing is sent to the peers). */
void rt_fetch_shutdown(void);

struct rt_tls;
/* TLS over the connected fd, verified for host; NULL with err set. */
struct rt_tls *rt_tls_open(int fd, const char *host, char *err, size_t errlen);
int rt_tls_write(struct rt_tls *t, const void *p, size_t n);
long rt_tls_read(struct rt_tls *t, void *p, size_t n); /* 0 at the end */
void rt_tls_close(struct rt_tls *t);
const char *rt_tls_bundle_path(void);

#endif
