/*
 * sparta/lambda.h - write AWS Lambda functions in plain C.
 *
 * spartac compiles your sources with its small runtime into one static
 * `bootstrap` for the provided.al2023 runtime. Each function in sparta.yaml
 * names a C symbol with this signature:
 *
 *	#include <sparta/lambda.h>
 *
 *	int
 *	hello_world(const char *event, size_t len, struct sparta_context *ctx,
 *	    struct sparta_response *res)
 *	{
 *		(void)event; (void)len; (void)ctx;
 *		sparta_write_object_begin(res);
 *		sparta_write_key(res, "greeting");
 *		sparta_write_string(res, "hello, world");
 *		sparta_write_object_end(res);
 *		return 0;
 *	}
 *
 * Return 0 and the bytes written to res are the invocation's result.
 * Return non-zero (best: `return sparta_error(res, "NotFound", "no item %s",
 * id);`) and the invocation fails with that error type and message.
 *
 * MEMORY. Nothing in this API hands you memory to free. Every pointer a
 * sparta_* function returns points either into the event or into the
 * invocation's arena, which the runtime frees after your handler returns:
 * copy what you want to keep across invocations. sparta_alloc() gives you
 * memory from the same arena. The event text itself (event, len) is owned
 * by the runtime, NUL-terminated at event[len], and valid until the handler
 * returns. The response buffer grows as you write; it is the runtime's.
 * Out of memory inside a sparta_* writer marks the response as failed and
 * the invocation ends with Runtime.OutOfMemory.
 *
 * THREADS. The runtime serves one invocation at a time; none of these
 * functions may be called from other threads or after the handler returns.
 *
 * BYTES AND JSON. The event is handed over as raw bytes. The JSON writers
 * below escape any byte sequence: valid UTF-8 is copied as is (control
 * characters, '"' and '\\' escaped), and each byte that is not part of a
 * valid UTF-8 sequence becomes U+FFFD (\ufffd), so the output is always
 * valid JSON. The JSON reader accepts RFC 8259 JSON; \u escapes are decoded
 * to UTF-8 (an unpaired surrogate becomes U+FFFD), so strings you read may
 * contain NUL bytes: use the length out-parameters when that matters.
 */
#ifndef SPARTA_LAMBDA_H
#define SPARTA_LAMBDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SPARTA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SPARTA_PRINTF(f, a)
#endif

struct sparta_response;   /* the invocation's result, written by the handler */
struct sparta_invocation; /* the runtime's per-invocation state */

/* What a handler returns on failure; sparta_error() returns it. */
#define SPARTA_FAIL (-1)

/*
 * The invocation context. All strings are NUL-terminated, never NULL ("" when
 * Lambda did not send the value), and valid until the handler returns.
 */
struct sparta_context {
	const char *request_id;     /* Lambda-Runtime-Aws-Request-Id */
	const char *function_arn;   /* Lambda-Runtime-Invoked-Function-Arn */
	const char *trace_id;       /* X-Ray header; also exported as _X_AMZN_TRACE_ID */
	const char *client_context; /* mobile SDK client context JSON, or "" */
	const char *cognito_identity; /* Cognito identity JSON, or "" */
	long long deadline_ms;      /* when Lambda stops the invocation, ms since the epoch */
	const char *function_name;  /* AWS_LAMBDA_FUNCTION_NAME */
	const char *function_version; /* AWS_LAMBDA_FUNCTION_VERSION */
	const char *handler;        /* _HANDLER: the function's name in sparta.yaml */
	int memory_mb;              /* AWS_LAMBDA_FUNCTION_MEMORY_SIZE */
	struct sparta_invocation *priv; /* the runtime's; do not touch */
};

/* The handler signature. */
typedef int sparta_handler_fn(const char *event, size_t len,
    struct sparta_context *ctx, struct sparta_response *res);

/*
 * Milliseconds left before the deadline (0 once it has passed).
 *	if (sparta_remaining_ms(ctx) < 500)
 *		return sparta_error(res, "Timeout", "not enough time left");
 */
long long sparta_remaining_ms(const struct sparta_context *ctx);

/*
 * n bytes from the invocation's arena (aligned for any type), freed by the
 * runtime after the handler returns. Never returns NULL: out of memory
 * ends the process, as Lambda's own limit would (the invocation fails
 * with Runtime.ExitError).
 *	char *copy = sparta_alloc(ctx, len + 1);
 */
void *sparta_alloc(struct sparta_context *ctx, size_t n);

/* ---- Errors -------------------------------------------------------------- */

/*
 * Fails the invocation with an error type and a printf-style message, and
 * returns SPARTA_FAIL. A type without a '.' is sent as "Function.TYPE"
 * (Lambda's form for function errors); "Runtime.X" and "Function.X" are sent
 * as given. NULL type means "Function.Error". Anything already written to
 * res is discarded.
 *	return sparta_error(res, "BadRequest", "missing field '%s'", "id");
 */
int sparta_error(struct sparta_response *res, const char *type,
    const char *fmt, ...) SPARTA_PRINTF(3, 4);

/* ---- Writing the response ----------------------------------------------- */

/*
 * Raw bytes appended to the response body (you vouch that the whole body is
 * what the caller expects, usually JSON). Return 0, or SPARTA_FAIL when
 * memory ran out (the invocation then fails with Runtime.OutOfMemory).
 *	sparta_write(res, "{\"ok\":true}", 11);
 *	sparta_write_printf(res, "{\"n\":%d}", n);
 */
int sparta_write(struct sparta_response *res, const void *data, size_t len);
int sparta_write_printf(struct sparta_response *res, const char *fmt, ...)
    SPARTA_PRINTF(2, 3);

/*
 * A JSON writer over the response body. Commas and colons are inserted for
 * you; strings are escaped as described at the top. Nesting is limited to
 * 64 levels; misuse (a value without a key inside an object, unbalanced
 * ends) is caught and fails the invocation with Runtime.InvalidJSON rather
 * than sending broken JSON.
 *	sparta_write_object_begin(res);
 *	sparta_write_key(res, "items");
 *	sparta_write_array_begin(res);
 *	sparta_write_int(res, 1);
 *	sparta_write_string(res, "two");
 *	sparta_write_array_end(res);
 *	sparta_write_object_end(res);      -> {"items":[1,"two"]}
 */
int sparta_write_object_begin(struct sparta_response *res);
int sparta_write_object_end(struct sparta_response *res);
int sparta_write_array_begin(struct sparta_response *res);
int sparta_write_array_end(struct sparta_response *res);
int sparta_write_key(struct sparta_response *res, const char *key);
int sparta_write_string(struct sparta_response *res, const char *s);
/* s need not be NUL-terminated and may hold NUL bytes (written as \u0000). */
int sparta_write_stringn(struct sparta_response *res, const char *s, size_t len);
int sparta_write_int(struct sparta_response *res, long long v);
/* NaN and infinities have no JSON form and are written as null. */
int sparta_write_double(struct sparta_response *res, double v);
int sparta_write_bool(struct sparta_response *res, int v);
int sparta_write_null(struct sparta_response *res);

/* ---- Reading JSON --------------------------------------------------------- */

enum sparta_json_type {
	SPARTA_JSON_NULL,
	SPARTA_JSON_BOOL,
	SPARTA_JSON_NUMBER,
	SPARTA_JSON_STRING,
	SPARTA_JSON_ARRAY,
	SPARTA_JSON_OBJECT,
};

struct sparta_json; /* a parsed value, in the invocation's arena */

/*
 * Parses text (len bytes) into the arena. Returns the root value, or NULL
 * when the text is not valid JSON (nesting deeper than 512 levels counts
 * as invalid) or memory ran out.
 *	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
 *	if (ev == NULL)
 *		return sparta_error(res, "BadRequest", "event is not JSON");
 */
const struct sparta_json *sparta_json_parse(struct sparta_context *ctx,
    const char *text, size_t len);

/*
 * Every accessor accepts NULL and then returns NULL / 0, so look-ups chain
 * without checks in between:
 *	const char *name = sparta_json_string(
 *	    sparta_json_get(sparta_json_get(ev, "detail"), "name"), NULL);
 */
enum sparta_json_type sparta_json_type(const struct sparta_json *v); /* NULL -> SPARTA_JSON_NULL */
/* The member named key of an object (the last one if repeated), or NULL. */
const struct sparta_json *sparta_json_get(const struct sparta_json *obj,
    const char *key);
/* Objects and arrays: the number of members or elements; others 0. */
size_t sparta_json_count(const struct sparta_json *v);
/* The i-th element of an array, or the i-th member's value of an object. */
const struct sparta_json *sparta_json_at(const struct sparta_json *v, size_t i);
/* The i-th member's key of an object, or NULL. */
const char *sparta_json_key_at(const struct sparta_json *obj, size_t i);
/*
 * A string's decoded UTF-8 bytes (NUL-terminated, *len set when len is not
 * NULL), or NULL when v is not a string.
 *	const char *s = sparta_json_string(sparta_json_get(ev, "name"), NULL);
 */
const char *sparta_json_string(const struct sparta_json *v, size_t *len);
/*
 * A number's value. Returns 0 and sets *out, or -1 when v is not a number.
 *	double qty;
 *	if (sparta_json_number(sparta_json_get(ev, "qty"), &qty) < 0) ...
 */
int sparta_json_number(const struct sparta_json *v, double *out);
/* 1 for true, 0 for false, -1 when v is not a boolean. */
int sparta_json_bool(const struct sparta_json *v);

/* ---- API Gateway proxy integration ----------------------------------------
 *
 * Reads REST API (payload 1.0) and HTTP API (payload 1.0 and 2.0) proxy
 * events through the same helpers, and writes the proxy response in the
 * shape of the event that came in (1.0 or 2.0).
 *
 *	int
 *	get_item(const char *event, size_t len, struct sparta_context *ctx,
 *	    struct sparta_response *res)
 *	{
 *		struct sparta_http_request req;
 *		if (sparta_http_parse(ctx, event, len, &req) < 0)
 *			return sparta_error(res, "BadRequest", "not an API event");
 *		const char *id = sparta_http_path_param(&req, "id");
 *		sparta_http_set_status(res, 200);
 *		sparta_http_set_header(res, "Content-Type", "application/json");
 *		sparta_write_object_begin(res);
 *		sparta_write_key(res, "id");
 *		sparta_write_string(res, id ? id : "");
 *		sparta_write_object_end(res);
 *		return 0;
 *	}
 *
 * Every string a getter returns points into the event or the invocation's
 * arena (see MEMORY above): valid until the handler returns, never freed
 * by you.
 */
struct sparta_http_request {
	const char *method;  /* "GET", upper case as sent */
	const char *path;    /* the request path, e.g. "/items/42" */
	const char *route;   /* the matched resource, "/items/{id}", or "" */
	const char *body;    /* decoded (base64 undone), NUL-terminated, "" if none */
	size_t body_len;
	int body_base64;     /* 1 when the event carried the body base64-encoded */
	int version;         /* payload format: 1 or 2 */
	const struct sparta_json *event;   /* the whole parsed event */
	const struct sparta_json *headers; /* object, or NULL */
	const struct sparta_json *query;   /* object, or NULL */
	const struct sparta_json *params;  /* path parameters object, or NULL */
	const struct sparta_json *cookies; /* 2.0: the "cookies" array, or NULL */
	struct sparta_context *ctx;        /* the runtime's; do not touch */
};

/*
 * Fills req from an API Gateway proxy event; 0, or -1 when it is not one
 * (or its base64 body is not base64). Payload 2.0 is recognised by
 * "version": "2.0"; anything else with httpMethod and path is 1.0.
 */
int sparta_http_parse(struct sparta_context *ctx, const char *event,
    size_t len, struct sparta_http_request *req);
/*
 * A header's value, name compared case-insensitively, or NULL. Payload 1.0
 * falls back to the last value of multiValueHeaders; 2.0 sends repeated
 * headers joined with ','.
 *	const char *ct = sparta_http_header(&req, "content-type");
 */
const char *sparta_http_header(const struct sparta_http_request *req,
    const char *name);
/*
 * A query string parameter as API Gateway passes it, or NULL: when a name
 * is repeated, payload 1.0 keeps the last value and 2.0 joins them with ','.
 *	const char *page = sparta_http_query(&req, "page");   ?page=2 -> "2"
 */
const char *sparta_http_query(const struct sparta_http_request *req,
    const char *name);
/*
 * A path parameter of the route, or NULL.
 *	sparta_http_path_param(&req, "id");   /items/{id} -> "42"
 */
const char *sparta_http_path_param(const struct sparta_http_request *req,
    const char *name);
/*
 * A cookie's value, or NULL: from the "cookies" array (2.0) or the Cookie
 * header (1.0), the first one of that name, as sent (not URL-decoded).
 *	const char *sid = sparta_http_cookie(&req, "sid");   Cookie: a=1; sid=x -> "x"
 */
const char *sparta_http_cookie(const struct sparta_http_request *req,
    const char *name);

/*
 * Turns the response into a proxy response: the handler's writes become
 * its body, and the runtime wraps them as {"statusCode", "headers", "body",
 * "isBase64Encoded"} (plus "cookies" for a 2.0 event, "multiValueHeaders"
 * with Set-Cookie for 1.0). A body that is not valid UTF-8 is sent
 * base64-encoded with isBase64Encoded true (API Gateway decodes it).
 * Default status 200. Names and values are copied.
 *	sparta_http_set_status(res, 404);
 *	sparta_http_set_header(res, "Content-Type", "text/plain");
 *	sparta_http_set_cookie(res, "sid=x; Path=/; HttpOnly; Secure");
 *	sparta_write(res, "not found\n", 10);
 *
 * CORS: when the function serves a REST API route with CORS on, spartac
 * sets SPARTA_CORS_ORIGINS (and SPARTA_CORS_CREDENTIALS, SPARTA_CORS_EXPOSE)
 * on it, and the runtime adds the Access-Control-* headers (and Vary:
 * Origin when the answer depends on the request's Origin) that
 * `spartac serve` adds, unless the handler set an Access-Control-* header
 * itself. Only responses made with sparta_http_* get them.
 */
int sparta_http_set_status(struct sparta_response *res, int status);
int sparta_http_set_header(struct sparta_response *res, const char *name,
    const char *value);
int sparta_http_set_cookie(struct sparta_response *res, const char *cookie);

/* ---- Lambda authorizers ----------------------------------------------------
 *
 * A function named as an authorizer (api.authorizers in sparta.yaml)
 * receives a TOKEN event (REST), a REQUEST event with payload 1.0 (REST)
 * or 2.0 (HTTP API), and answers with an IAM policy, or (HTTP API with
 * simple_responses) with {"isAuthorized", "context"}.
 *
 *	int
 *	authorize(const char *event, size_t len, struct sparta_context *ctx,
 *	    struct sparta_response *res)
 *	{
 *		struct sparta_authorizer_request a;
 *		static const char *const context[] = {"tenant", "acme", NULL};
 *		if (sparta_authorizer_parse(ctx, event, len, &a) < 0)
 *			return sparta_error(res, "BadRequest", "not an authorizer event");
 *		if (a.token == NULL || strcmp(a.token, "Bearer good") != 0)
 *			return sparta_error(res, "Unauthorized", "Unauthorized");
 *		struct sparta_policy p = {.principal_id = "user-1", .allow = 1,
 *		    .resource = sparta_authorizer_any(ctx, a.method_arn),
 *		    .context = context};
 *		return sparta_authorizer_policy(res, &p);
 *	}
 *
 * (Failing with the message "Unauthorized" is how a REST authorizer asks
 * API Gateway for a 401; a Deny policy gives a 403.)
 */
enum sparta_authorizer_type {
	SPARTA_AUTHORIZER_TOKEN = 1,   /* REST, type TOKEN */
	SPARTA_AUTHORIZER_REQUEST,     /* REST, type REQUEST (payload 1.0) */
	SPARTA_AUTHORIZER_REQUEST_V2,  /* HTTP API, payload 2.0 */
};

struct sparta_authorizer_request {
	enum sparta_authorizer_type type;
	/* TOKEN: authorizationToken; REQUEST: the Authorization header, or NULL */
	const char *token;
	const char *method_arn; /* methodArn (1.0) or routeArn (2.0), "" if none */
	/*
	 * REQUEST events: the request, read with the sparta_http_* getters
	 * (headers, query, path parameters, cookies, method, path). TOKEN
	 * events: only http.event is set.
	 */
	struct sparta_http_request http;
};

/* Fills req from an authorizer event; 0, or -1 when it is not one. */
int sparta_authorizer_parse(struct sparta_context *ctx, const char *event,
    size_t len, struct sparta_authorizer_request *req);

/*
 * The ARN that covers every method and path of the API stage the method
 * ARN belongs to: "arn:aws:execute-api:R:A:api/stage/METHOD/path" gives
 * "arn:aws:execute-api:R:A:api/stage/" plus "*" (in the arena), and an ARN
 * without a stage part is returned as it is. Allowing it lets API Gateway
 * reuse a cached decision for the other routes.
 */
const char *sparta_authorizer_any(struct sparta_context *ctx,
    const char *method_arn);

struct sparta_policy {
	const char *principal_id;  /* required */
	int allow;                 /* 1: Allow, 0: Deny */
	const char *resource;      /* the method ARN, a wildcard ARN, or "*" */
	/* key, value, key, value, ..., NULL: the context handed to the
	 * integration (requestContext.authorizer); NULL for none */
	const char *const *context;
	const char *usage_key;     /* usageIdentifierKey (API key), or NULL */
};

/*
 * Writes the IAM policy response as the invocation's result:
 *	{"principalId": ..., "policyDocument": {"Version": "2012-10-17",
 *	 "Statement": [{"Action": "execute-api:Invoke", "Effect": ...,
 *	 "Resource": ...}]}, "context": {...}, "usageIdentifierKey": ...}
 * Returns 0, or SPARTA_FAIL (principal_id or resource missing, or out of
 * memory; the invocation then fails).
 */
int sparta_authorizer_policy(struct sparta_response *res,
    const struct sparta_policy *p);
/*
 * Writes the HTTP API simple response {"isAuthorized": ..., "context":
 * {...}} (context as in struct sparta_policy, NULL for none).
 */
int sparta_authorizer_simple(struct sparta_response *res, int authorized,
    const char *const *context);

/* ---- Base64 --------------------------------------------------------------- */

/*
 * Decodes standard base64 (padding optional, whitespace ignored) into the
 * arena; NUL-terminated, *out_len set. NULL when the text is not base64.
 *	size_t n;
 *	const unsigned char *raw = sparta_base64_decode(ctx, b64, strlen(b64), &n);
 */
const unsigned char *sparta_base64_decode(struct sparta_context *ctx,
    const char *text, size_t len, size_t *out_len);

/* ---- CloudFormation custom resources --------------------------------------
 *
 * A function under custom_resources: in sparta.yaml serves the Custom::NAME
 * resources of the stack. Its handler has the usual signature; the runtime
 * runs it in a child process, turns its outcome into CloudFormation's
 * response object and PUTs that to the request's pre-signed ResponseURL:
 *
 *	int
 *	tagger(const char *event, size_t len, struct sparta_context *ctx,
 *	    struct sparta_response *res)
 *	{
 *		struct sparta_cr_request req;
 *		if (sparta_cr_parse(ctx, event, len, &req) < 0)
 *			return sparta_error(res, "BadRequest", "not a request");
 *		if (strcmp(req.request_type, "Delete") == 0)
 *			return 0;                      (SUCCESS, same physical ID)
 *		sparta_cr_set_physical_id(res, "tag-42");
 *		sparta_write_object_begin(res);        (the reply's Data)
 *		sparta_write_key(res, "Name");
 *		sparta_write_string(res, "tag-42");    (!GetAtt Res.Name)
 *		sparta_write_object_end(res);
 *		return 0;
 *	}
 *
 * Return 0: Status SUCCESS, and what the handler wrote (nothing, or one
 * JSON object) is Data. Return sparta_error(...): Status FAILED, Reason
 * "TYPE: message". The physical ID defaults to the request's
 * PhysicalResourceId, or on Create to "LogicalResourceId-RequestId".
 * When the handler crashes, exits, or is still running one second before
 * the function's deadline (killed then), the runtime replies FAILED with
 * the reason, so the stack never waits for CloudFormation's hour-long
 * timeout. CloudFormation takes a reply of at most 4,096 bytes: a longer
 * Reason is cut; a SUCCESS whose Data does not fit becomes FAILED.
 */
struct sparta_cr_request {
	const char *request_type;  /* "Create", "Update" or "Delete" */
	const char *resource_type; /* "Custom::NAME" */
	const char *logical_id;    /* LogicalResourceId */
	const char *physical_id;   /* PhysicalResourceId, "" on Create */
	const char *stack_id;      /* StackId */
	const char *request_id;    /* RequestId */
	const char *response_url;  /* ResponseURL (the runtime replies there) */
	const char *service_token; /* ServiceToken */
	/* ResourceProperties (ServiceToken included) and, on Update only,
	 * OldResourceProperties: objects, or NULL. Values are strings as
	 * CloudFormation sends them (numbers and booleans arrive as text). */
	const struct sparta_json *properties;
	const struct sparta_json *old_properties;
	const struct sparta_json *event; /* the whole parsed request */
};

/* Fills req (strings "" when absent, never NULL); 0, or -1 when the event
 * is not a custom-resource request. */
int sparta_cr_parse(struct sparta_context *ctx, const char *event,
    size_t len, struct sparta_cr_request *req);
/* The reply's PhysicalResourceId (copied; at most 1,024 bytes). Changing it
 * on Update makes CloudFormation Delete the old one afterwards. */
int sparta_cr_set_physical_id(struct sparta_response *res, const char *id);
/* NoEcho: CloudFormation masks Data in describe calls when on. */
int sparta_cr_set_no_echo(struct sparta_response *res, int on);

#ifdef __cplusplus
}
#endif

#endif
