/*
 * test_runtime_json.c - the bootstrap runtime's JSON reader and writer,
 * escaping of arbitrary bytes, base64, the API Gateway helpers and how a
 * handler's outcome becomes the posted document.
 *
 * The runtime is not part of libspartac (it is compiled into bootstraps),
 * so its sources are included here directly.
 */
#include "../../src/runtime/buf.c"
#include "../../src/runtime/http.c"
#include "../../src/runtime/json.c"
#include "../../src/runtime/response.c"

#include "unit.h"

static struct sparta_invocation inv;
static struct sparta_context ctx = {.priv = &inv};

static char *
escape(const char *s, size_t len)
{
	static struct rt_buf b;

	rt_buf_reset(&b);
	rt_json_escape(&b, s, len);
	return b.data;
}

static void
test_escape(void)
{
	CHECK_STR(escape("plain", 5), "\"plain\"");
	CHECK_STR(escape("q\"b\\s/", 6), "\"q\\\"b\\\\s/\"");
	CHECK_STR(escape("\b\f\n\r\t\x01\x1f", 7), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"");
	CHECK_STR(escape("a\0b", 3), "\"a\\u0000b\"");
	CHECK_STR(escape("\x7f", 1), "\"\x7f\"");
	/* Valid UTF-8 of every length is copied as is. */
	CHECK_STR(escape("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80", 9),
	    "\"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80\"");
	/* Each byte that is not part of valid UTF-8 becomes \ufffd. */
	CHECK_STR(escape("\xff", 1), "\"\\ufffd\"");
	CHECK_STR(escape("a\xc3", 2), "\"a\\ufffd\"");            /* truncated */
	CHECK_STR(escape("\xc0\x80", 2), "\"\\ufffd\\ufffd\"");   /* overlong NUL */
	CHECK_STR(escape("\xe0\x80\xaf", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(escape("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	CHECK_STR(escape("\xf4\x90\x80\x80", 4),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");                     /* > U+10FFFF */
	CHECK_STR(escape("\xf4\x8f\xbf\xbf", 4), "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	CHECK_STR(escape("\x80x", 2), "\"\\ufffdx\"");
	CHECK_INT(rt_utf8_valid("h\xc3\xa9", 3), 1);
	CHECK_INT(rt_utf8_valid("h\xc3", 2), 0);
	CHECK_INT(rt_utf8_valid("", 0), 1);
}

/* Every byte string escapes to JSON that parses back to the same string
 * with invalid bytes replaced by U+FFFD. */
static void
test_escape_roundtrip(void)
{
	unsigned char in[8];
	unsigned seed = 12345;
	int i, j, ok = 1;

	for (i = 0; i < 20000 && ok; i++) {
		size_t n = (size_t)(i % 8) + 1;
		const struct sparta_json *v;
		const char *s;
		size_t len;
		char *text;

		for (j = 0; j < (int)n; j++) {
			seed = seed * 1103515245u + 12345u;
			in[j] = (unsigned char)(seed >> 16);
		}
		text = escape((const char *)in, n);
		v = sparta_json_parse(&ctx, text, strlen(text));
		s = sparta_json_string(v, &len);
		if (s == NULL) {
			ok = 0;
			break;
		}
		if (rt_utf8_valid((const char *)in, n) &&
		    (len != n || memcmp(s, in, n) != 0))
			ok = 0;
		if (!rt_utf8_valid(s, len))
			ok = 0;
		rt_arena_reset(&inv.arena);
	}
	CHECK(ok);
}

static void
test_parse(void)
{
	const char *doc = " {\"a\": [1, -2.5e2, true, false, null, \"x\\u00e9\\ud83d\\ude00\"],"
	    " \"b\": {\"c\": \"d\"}, \"a2\": \"\\ud800z\", \"a\": 7} ";
	const struct sparta_json *v = sparta_json_parse(&ctx, doc, strlen(doc)), *a;
	double num = 0;
	size_t len = 0;

	CHECK(v != NULL);
	CHECK_INT(sparta_json_type(v), SPARTA_JSON_OBJECT);
	CHECK_INT(sparta_json_count(v), 4);
	CHECK_STR(sparta_json_key_at(v, 0), "a");
	/* The last of repeated keys wins. */
	CHECK(sparta_json_number(sparta_json_get(v, "a"), &num) == 0 && num == 7);
	a = sparta_json_at(v, 0);
	CHECK_INT(sparta_json_count(a), 6);
	CHECK(sparta_json_number(sparta_json_at(a, 1), &num) == 0 && num == -250);
	CHECK_INT(sparta_json_bool(sparta_json_at(a, 2)), 1);
	CHECK_INT(sparta_json_bool(sparta_json_at(a, 3)), 0);
	CHECK_INT(sparta_json_type(sparta_json_at(a, 4)), SPARTA_JSON_NULL);
	CHECK_STR(sparta_json_string(sparta_json_at(a, 5), &len), "x\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_INT(len, 7);
	CHECK_STR(sparta_json_string(sparta_json_get(v, "a2"), NULL), "\xef\xbf\xbdz");
	CHECK_STR(sparta_json_string(sparta_json_get(sparta_json_get(v, "b"), "c"), NULL), "d");
	/* NULL-chaining. */
	CHECK(sparta_json_string(sparta_json_get(sparta_json_get(v, "zz"), "c"), NULL) == NULL);
	CHECK(sparta_json_at(v, 99) == NULL);
	CHECK_INT(sparta_json_bool(NULL), -1);
	CHECK(sparta_json_string(sparta_json_get(v, "b"), NULL) == NULL);
	/* \u0000 survives with its length. */
	v = sparta_json_parse(&ctx, "\"a\\u0000b\"", 10);
	CHECK(sparta_json_string(v, &len) != NULL && len == 3);
	rt_arena_reset(&inv.arena);
}

static void
test_parse_invalid(void)
{
	static const char *bad[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e",
		"\"abc", "\"a\x01\"", "\"\\x\"", "\"\\u12\"", "tru", "nul",
		"{\"a\" 1}", "{1:2}", "[1 2]", "1 2", "\"a\"x", "{\"a\":}",
	};
	char deep[1200];
	size_t i;

	for (i = 0; i < (sizeof(bad) / sizeof(bad[0])); i++) {
		if (sparta_json_parse(&ctx, bad[i], strlen(bad[i])) != NULL) {
			fprintf(stderr, "accepted invalid JSON: %s\n", bad[i]);
			CHECK(0);
		}
	}
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	CHECK(sparta_json_parse(&ctx, deep, 1200) == NULL);
	CHECK(sparta_json_parse(&ctx, deep + 100, 1000) != NULL); /* 500 deep */
	CHECK(sparta_json_parse(&ctx, "[1] ", 4) != NULL);
	CHECK(sparta_json_parse(&ctx, "1e+3", 4) != NULL);
	/* The length bounds the text: "12" of "123". */
	{
		double d = 0;
		CHECK(sparta_json_number(sparta_json_parse(&ctx, "123", 2), &d) == 0 && d == 12);
	}
	rt_arena_reset(&inv.arena);
}

static void
test_writer(void)
{
	struct sparta_response res;
	struct rt_buf out = {0};
	const char *type;

	memset(&res, 0, sizeof(res));
	rt_response_reset(&res);
	sparta_write_object_begin(&res);
	sparta_write_key(&res, "a");
	sparta_write_int(&res, -3);
	sparta_write_key(&res, "b\n");
	sparta_write_array_begin(&res);
	sparta_write_double(&res, 0.1);
	sparta_write_double(&res, 1.0 / 0.0);
	sparta_write_bool(&res, 1);
	sparta_write_null(&res);
	sparta_write_string(&res, NULL);
	sparta_write_stringn(&res, "x\xffy", 3);
	sparta_write_object_begin(&res);
	sparta_write_object_end(&res);
	sparta_write_array_end(&res);
	sparta_write_object_end(&res);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 0);
	CHECK_STR(out.data, "{\"a\":-3,\"b\\n\":[0.1,null,true,null,null,\"x\\ufffdy\",{}]}");

	/* A value without a key inside an object is refused. */
	rt_response_reset(&res);
	sparta_write_object_begin(&res);
	CHECK_INT(sparta_write_string(&res, "v"), SPARTA_FAIL);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 1);
	CHECK_STR(type, "Runtime.InvalidJSON");

	/* Unbalanced. */
	rt_response_reset(&res);
	sparta_write_array_begin(&res);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 1);
	CHECK_STR(type, "Runtime.InvalidJSON");

	/* Two top-level values. */
	rt_response_reset(&res);
	sparta_write_int(&res, 1);
	CHECK_INT(sparta_write_int(&res, 2), SPARTA_FAIL);

	/* Errors: the type gets Function. unless it has a dot; the body goes. */
	rt_response_reset(&res);
	sparta_write(&res, "partial", 7);
	CHECK_INT(sparta_error(&res, "NotFound", "no item %d", 42), SPARTA_FAIL);
	CHECK_INT(rt_response_finish(&res, SPARTA_FAIL, "h", &out, &type), 1);
	CHECK_STR(type, "Function.NotFound");
	CHECK_STR(out.data, "{\"errorMessage\":\"no item 42\",\"errorType\":"
	    "\"Function.NotFound\",\"stackTrace\":[]}");
	rt_response_reset(&res);
	sparta_error(&res, "Runtime.Custom", "m\xff\"");
	rt_response_finish(&res, SPARTA_FAIL, "h", &out, &type);
	CHECK_STR(type, "Runtime.Custom");
	CHECK_STR(out.data, "{\"errorMessage\":\"m\\ufffd\\\"\",\"errorType\":"
	    "\"Runtime.Custom\",\"stackTrace\":[]}");
	/* Non-zero without sparta_error. */
	rt_response_reset(&res);
	rt_response_finish(&res, 2, "myfn", &out, &type);
	CHECK_STR(type, "Function.Error");
	CHECK(strstr(out.data, "handler myfn returned 2") != NULL);
	/* A long formatted message is kept whole. */
	rt_response_reset(&res);
	sparta_write_printf(&res, "%0600d", 7);
	CHECK_INT(res.body.len, 600);
	rt_response_free(&res);
	rt_buf_free(&out);
}

static void
test_http(void)
{
	static const char v1[] = "{\"resource\":\"/items/{id}\",\"path\":\"/items/42\","
	    "\"httpMethod\":\"POST\",\"headers\":{\"X-Test\":\"one\",\"Content-Type\":\"text/plain\"},"
	    "\"queryStringParameters\":{\"q\":\"caf\\u00e9\"},\"pathParameters\":{\"id\":\"42\"},"
	    "\"body\":\"aGVsbG8A/w==\",\"isBase64Encoded\":true}";
	static const char v2[] = "{\"version\":\"2.0\",\"routeKey\":\"GET /items/{id}\","
	    "\"rawPath\":\"/items/7\",\"headers\":{\"x-test\":\"two\"},"
	    "\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"/items/7\"}},"
	    "\"pathParameters\":{\"id\":\"7\"},\"body\":\"{\\\"k\\\":1}\",\"isBase64Encoded\":false}";
	struct sparta_http_request req;
	struct sparta_response res;
	struct rt_buf out = {0};
	const char *type;

	CHECK_INT(sparta_http_parse(&ctx, v1, strlen(v1), &req), 0);
	CHECK_INT(req.version, 1);
	CHECK_STR(req.method, "POST");
	CHECK_STR(req.path, "/items/42");
	CHECK_STR(req.route, "/items/{id}");
	CHECK_STR(sparta_http_header(&req, "x-test"), "one");
	CHECK_STR(sparta_http_header(&req, "CONTENT-TYPE"), "text/plain");
	CHECK(sparta_http_header(&req, "missing") == NULL);
	CHECK_STR(sparta_http_query(&req, "q"), "caf\xc3\xa9");
	CHECK_STR(sparta_http_path_param(&req, "id"), "42");
	CHECK_INT(req.body_base64, 1);
	CHECK_INT(req.body_len, 7);
	CHECK(memcmp(req.body, "hello\0\xff", 7) == 0);

	CHECK_INT(sparta_http_parse(&ctx, v2, strlen(v2), &req), 0);
	CHECK_INT(req.version, 2);
	CHECK_STR(req.method, "GET");
	CHECK_STR(req.path, "/items/7");
	CHECK_STR(req.route, "/items/{id}");
	CHECK_STR(sparta_http_header(&req, "X-TEST"), "two");
	CHECK(sparta_http_query(&req, "q") == NULL);
	CHECK_STR(req.body, "{\"k\":1}");

	CHECK_INT(sparta_http_parse(&ctx, "{\"a\":1}", 7, &req), -1);
	CHECK_INT(sparta_http_parse(&ctx, "[", 1, &req), -1);

	memset(&res, 0, sizeof(res));
	rt_response_reset(&res);
	sparta_http_set_status(&res, 201);
	sparta_http_set_header(&res, "X-A", "b\"c");
	sparta_write(&res, "hi \xc3\xa9", 5);
	rt_response_finish(&res, 0, "h", &out, &type);
	CHECK_STR(out.data, "{\"statusCode\":201,\"headers\":{\"X-A\":\"b\\\"c\"},"
	    "\"body\":\"hi \xc3\xa9\",\"isBase64Encoded\":false}");
	/* A body that is not UTF-8 goes base64. */
	rt_response_reset(&res);
	sparta_http_set_header(&res, "Content-Type", "image/png");
	sparta_write(&res, "\x89PNG\xff", 5);
	rt_response_finish(&res, 0, "h", &out, &type);
	CHECK_STR(out.data, "{\"statusCode\":200,\"headers\":{\"Content-Type\":\"image/png\"},"
	    "\"body\":\"iVBOR/8=\",\"isBase64Encoded\":true}");
	CHECK_INT(sparta_http_set_status(&res, 99), SPARTA_FAIL);
	rt_response_free(&res);
	rt_buf_free(&out);
	rt_arena_reset(&inv.arena);
}

static void
test_base64(void)
{
	static const char *vec[][2] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
	};
	struct rt_buf b = {0};
	const unsigned char *d;
	size_t i, n;

	for (i = 0; i < (sizeof(vec) / sizeof(vec[0])); i++) { /* RFC 4648 section 10 */
		rt_buf_reset(&b);
		rt_base64_encode(&b, (const unsigned char *)vec[i][0], strlen(vec[i][0]));
		CHECK_STR(b.data ? b.data : "", vec[i][1]);
		d = sparta_base64_decode(&ctx, vec[i][1], strlen(vec[i][1]), &n);
		CHECK(d != NULL && n == strlen(vec[i][0]) &&
		    memcmp(d, vec[i][0], n) == 0);
	}
	CHECK(sparta_base64_decode(&ctx, "Zm9v\nYmFy", 9, &n) != NULL && n == 6);
	CHECK(sparta_base64_decode(&ctx, "Zm9", 3, &n) != NULL && n == 2);
	CHECK(sparta_base64_decode(&ctx, "Z", 1, &n) == NULL);
	CHECK(sparta_base64_decode(&ctx, "Zg==Zg", 6, &n) == NULL);
	CHECK(sparta_base64_decode(&ctx, "Z!==", 4, &n) == NULL);
	rt_buf_free(&b);
	rt_arena_reset(&inv.arena);
}

static void
test_arena(void)
{
	char *big, *small;
	size_t i;
	int aligned = 1;

	for (i = 1; i < 200; i++) {
		void *p = sparta_alloc(&ctx, i);
		if ((size_t)p % 16 != 0)
			aligned = 0;
		memset(p, 0xaa, i);
	}
	CHECK(aligned);
	big = sparta_alloc(&ctx, 1 << 20);
	memset(big, 1, 1 << 20);
	small = sparta_alloc(&ctx, 8);
	CHECK(small != NULL);
	rt_arena_reset(&inv.arena);
	CHECK(inv.arena.head != NULL && inv.arena.head->next == NULL);
}

int
main(void)
{
	test_escape();
	test_escape_roundtrip();
	test_parse();
	test_parse_invalid();
	test_writer();
	test_http();
	test_base64();
	test_arena();
	rt_arena_free(&inv.arena);
	return unit_report("test_runtime_json");
}
