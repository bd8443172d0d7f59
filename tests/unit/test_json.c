/*
 * test_json.c - json_load_buffer (positions, number kinds, strictness) and
 * node_to_cjson (order, integers, float precision).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "unit.h"
#include "base/util.h"

static struct doc *
load(const char *text, struct diags *d)
{
	return json_load_buffer("t.json", text, strlen(text), d);
}

/* Loads text, expects failure with code at line:col. */
static void
expect_error(const char *text, enum diag_code code, unsigned line,
    unsigned col, const char *msg_part)
{
	struct diags d = {0};
	struct doc *doc = load(text, &d);

	CHECK(doc->root == NULL);
	CHECK_INT(d.n, 1);
	if (d.n >= 1) {
		CHECK_STR(diag_code_id(d.v[0].code), diag_code_id(code));
		CHECK_INT(d.v[0].loc.line, line);
		CHECK_INT(d.v[0].loc.col, col);
		CHECK_STR(d.v[0].loc.file, "t.json");
		if (strstr(d.v[0].msg, msg_part) == NULL)
			fprintf(stderr, "message '%s' lacks '%s'\n", d.v[0].msg,
			    msg_part);
		CHECK(strstr(d.v[0].msg, msg_part) != NULL);
	}
	doc_free(doc);
	diags_free(&d);
}

static void
test_positions_and_kinds(void)
{
	struct diags d = {0};
	struct doc *doc = load("{\n  \"a\": 1,\n  \"é\": [true, null, -2.5e3],\n"
	    "  \"big\": 123456789012345678901234567890, \"neg\": -9223372036854775808\n}", &d);
	const struct node *r = doc->root, *a, *arr, *big, *neg;

	CHECK_INT(d.n, 0);
	CHECK(r != NULL && r->kind == NODE_MAP);
	if (r == NULL)
		goto out;
	CHECK_INT(r->loc.line, 1);
	CHECK_INT(r->loc.col, 1);
	CHECK_INT(r->n, 4);
	CHECK_STR(r->pairs[1].key->str, "\xc3\xa9");
	a = node_get(r, "a");
	CHECK(a->kind == NODE_INT && a->v.i == 1);
	CHECK_INT(a->loc.line, 2);
	CHECK_INT(a->loc.col, 8);
	CHECK_INT(r->pairs[0].key->loc.col, 3);
	arr = r->pairs[1].value;
	CHECK(arr->kind == NODE_SEQ && arr->n == 3);
	/* Columns count code points: "é" is one character. */
	CHECK_INT(arr->loc.col, 8);
	CHECK_INT(arr->items[1]->loc.col, 15);
	CHECK(arr->items[0]->kind == NODE_BOOL && arr->items[0]->v.b == 1);
	CHECK(arr->items[1]->kind == NODE_NULL);
	CHECK(arr->items[2]->kind == NODE_FLOAT && arr->items[2]->v.f == -2500.0);
	CHECK_STR(arr->items[2]->str, "-2.5e3");
	big = node_get(r, "big");
	CHECK(big->kind == NODE_FLOAT && big->v.f > 1.2e29);
	CHECK_INT(big->loc.line, 4);
	neg = node_get(r, "neg");
	CHECK(neg->kind == NODE_INT && neg->v.i == (-9223372036854775807LL - 1));
	CHECK_INT(neg->loc.col, 49);
out:
	doc_free(doc);
	diags_free(&d);
}

static void
test_strings(void)
{
	struct diags d = {0};
	struct doc *doc = load("[\"a\\n\\t\\\"\\\\\\/\", \"\\u00e9\\ud83d\\ude00\", \"x\\u0000y\"]", &d);
	const struct node *r = doc->root;

	CHECK(r != NULL && r->n == 3);
	if (r != NULL) {
		CHECK_STR(r->items[0]->str, "a\n\t\"\\/");
		CHECK_STR(r->items[1]->str, "\xc3\xa9\xf0\x9f\x98\x80");
		CHECK_INT(r->items[1]->len, 6);
		CHECK_INT(r->items[2]->len, 3);
		CHECK(memcmp(r->items[2]->str, "x\0y", 3) == 0);
	}
	doc_free(doc);
	diags_free(&d);

	/* A byte order mark is tolerated and does not shift columns. */
	doc = load("\xef\xbb\xbf{\"k\": 1}", &d);
	CHECK(doc->root != NULL);
	if (doc->root != NULL)
		CHECK_INT(doc->root->loc.col, 1);
	doc_free(doc);
	diags_free(&d);
}

static void
test_errors(void)
{
	expect_error("{\"a\": 1,}", DIAG_JSON_SYNTAX, 1, 9, "string key");
	expect_error("[1, 2,]", DIAG_JSON_SYNTAX, 1, 7, "unexpected character ']'");
	expect_error("// c\n{}", DIAG_JSON_SYNTAX, 1, 1, "unexpected character '/'");
	expect_error("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", DIAG_JSON_DUPLICATE_KEY,
	    3, 2, "duplicate key 'a'");
	expect_error("\"\\ud800x\"", DIAG_JSON_SYNTAX, 1, 2, "surrogate");
	expect_error("\"a\tb\"", DIAG_JSON_SYNTAX, 1, 3, "control character");
	expect_error("\"\xc3\x28\"", DIAG_JSON_SYNTAX, 1, 2, "UTF-8");
	expect_error("\"\\q\"", DIAG_JSON_SYNTAX, 1, 2, "invalid escape");
	expect_error("01", DIAG_JSON_SYNTAX, 1, 2, "after the JSON value");
	expect_error("1.", DIAG_JSON_SYNTAX, 1, 1, "decimal point");
	expect_error("-", DIAG_JSON_SYNTAX, 1, 1, "invalid number");
	expect_error("tru", DIAG_JSON_SYNTAX, 1, 1, "unexpected character 't'");
	expect_error("{\"a\" 1}", DIAG_JSON_SYNTAX, 1, 6, "expected ':'");
	expect_error("[1\n 2]", DIAG_JSON_SYNTAX, 2, 2, "opened at line 1");
	expect_error("\"abc", DIAG_JSON_SYNTAX, 1, 1, "unterminated");
	expect_error("", DIAG_JSON_SYNTAX, 1, 1, "end of input");
	expect_error("{} {}", DIAG_JSON_SYNTAX, 1, 4, "after the JSON value");
}

static void
test_depth(void)
{
	struct buf b = {0};
	struct diags d = {0};
	struct doc *doc;

	/* JSON_MAX_DEPTH levels load; one more is refused, without recursion blow-up. */
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_putc(&b, ']');
	doc = load(b.data, &d);
	CHECK(doc->root != NULL);
	CHECK_INT(d.n, 0);
	doc_free(doc);
	buf_free(&b);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	doc = load(b.data, &d);
	CHECK(doc->root == NULL);
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		CHECK_STR(diag_code_id(d.v[0].code), "E-JSON-DEPTH");
		CHECK_INT(d.v[0].loc.col, JSON_MAX_DEPTH + 1);
	}
	doc_free(doc);
	diags_free(&d);
	buf_free(&b);
}

static char *
roundtrip(const char *text)
{
	struct diags d = {0};
	struct doc *doc = load(text, &d);
	struct arena a = {0};
	cJSON *j = node_to_cjson(&a, doc->root);
	char *out = j ? cJSON_PrintUnformatted(j) : NULL;

	arena_free_all(&a);
	doc_free(doc);
	diags_free(&d);
	return out;
}

static void
check_roundtrip(const char *in, const char *want)
{
	char *got = roundtrip(in);

	CHECK_STR(got, want);
	free(got);
}

static void
test_to_cjson(void)
{
	struct doc *doc;
	struct node *n;
	struct loc loc = {"t", 1, 1};
	struct arena a = {0};
	cJSON *j;
	char *s;

	/* Map order is document order, not sorted. */
	check_roundtrip("{\"z\": 1, \"a\": {\"y\": [1, \"two\", null, false], \"b\": {}}}",
	    "{\"z\":1,\"a\":{\"y\":[1,\"two\",null,false],\"b\":{}}}");
	/* Integers keep every digit (cJSON alone would print 16+ digits in %g). */
	check_roundtrip("[999999999999999, 9007199254740992, -9007199254740992, "
	    "9007199254740993, 9223372036854775807, -9223372036854775808, 123456789012]",
	    "[999999999999999,9007199254740992,-9007199254740992,9007199254740993,"
	    "9223372036854775807,-9223372036854775808,123456789012]");
	/* Floats print with round-trip precision. */
	check_roundtrip("[0.1, 2.5, 1e300, 0.30000000000000004, -1.5e-7, 3.0, "
	    "1.7976931348623157e308, 5e-324, 123456789.12345678]",
	    "[0.1,2.5,1e+300,0.30000000000000004,-1.5e-07,3,"
	    "1.7976931348623157e+308,4.94065645841247e-324,123456789.12345678]");
	{
		/* Every number read back from the output is the same double. */
		char *o = roundtrip("[0.1, 1e-310, 2.2250738585072014e-308, 1e22, 1e21, 0.1e-5]");
		cJSON *back = o ? cJSON_Parse(o) : NULL;
		const double want[] = {0.1, 1e-310, 2.2250738585072014e-308, 1e22, 1e21, 0.1e-5};

		CHECK(back != NULL && cJSON_GetArraySize(back) == 6);
		for (int i = 0; back != NULL && i < 6; i++)
			CHECK(cJSON_GetArrayItem(back, i)->valuedouble == want[i]);
		cJSON_Delete(back);
		free(o);
	}
	check_roundtrip("{\"s\": \"\\u00e9\\\"q\\n\"}", "{\"s\":\"\xc3\xa9\\\"q\\n\"}");
	check_roundtrip("[]", "[]");

	/* A YAML .inf has no JSON form: it becomes the string as written. */
	doc = doc_new("t");
	n = node_new(doc, NODE_FLOAT, loc);
	n->v.f = INFINITY;
	n->str = doc_strndup(doc, ".inf", 4);
	n->len = 4;
	j = node_to_cjson(&a, n);
	s = cJSON_PrintUnformatted(j);
	CHECK_STR(s, "\".inf\"");
	free(s);
	j = node_to_cjson(&a, NULL);
	CHECK(cJSON_IsNull(j));
	arena_free_all(&a);
	doc_free(doc);
}

int
main(void)
{
	test_positions_and_kinds();
	test_strings();
	test_errors();
	test_depth();
	test_to_cjson();
	return unit_report("test_json");
}
