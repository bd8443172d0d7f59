/*
 * test_runtime_ddb.c - the DynamoDB attribute-value helpers of
 * <sparta/aws.h> (src/runtime/ddb.c): the members they write, and what
 * they read back from an item, numbers included. The calls themselves
 * are tested on moto (tests/test_example_shortener.py uses them).
 */
#include "../../src/runtime/buf.c"
#include "../../src/runtime/json.c"
#include "../../src/runtime/response.c"
#include "../../src/runtime/ddb.c"

#include "unit.h"

static struct sparta_invocation inv;
static struct sparta_context ctx = {.priv = &inv};

static void
test_write(void)
{
	struct sparta_response res;
	struct rt_buf out = {0};
	const char *type;

	memset(&res, 0, sizeof(res));
	rt_response_reset(&res);
	sparta_write_object_begin(&res);
	CHECK_INT(sparta_ddb_write(&res, "code", "S", "a\"b\n\xc3\xa9"), 0);
	CHECK_INT(sparta_ddb_write_int(&res, "n", -9223372036854775807LL - 1), 0);
	CHECK_INT(sparta_ddb_write_int(&res, "zero", 0), 0);
	CHECK_INT(sparta_ddb_write(&res, "b", "B", "AAE="), 0);
	sparta_write_key(&res, "L");
	sparta_write_array_begin(&res);
	CHECK_INT(sparta_ddb_write(&res, NULL, "S", "x"), 0); /* a list element */
	CHECK_INT(sparta_ddb_write_int(&res, NULL, 7), 0);
	sparta_write_array_end(&res);
	sparta_write_object_end(&res);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 0);
	CHECK_STR(out.data, "{\"code\":{\"S\":\"a\\\"b\\n\xc3\xa9\"},"
	    "\"n\":{\"N\":\"-9223372036854775808\"},\"zero\":{\"N\":\"0\"},"
	    "\"b\":{\"B\":\"AAE=\"},\"L\":[{\"S\":\"x\"},{\"N\":\"7\"}]}");

	/* A NULL type or value is a misuse, not {"S": null}. */
	rt_response_reset(&res);
	sparta_write_object_begin(&res);
	CHECK_INT(sparta_ddb_write(&res, "a", "S", NULL), SPARTA_FAIL);
	sparta_write_object_end(&res);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 1);
	CHECK_STR(type, "Runtime.InvalidJSON");
	rt_response_reset(&res);
	sparta_write_object_begin(&res);
	CHECK_INT(sparta_ddb_write(&res, "a", NULL, "v"), SPARTA_FAIL);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 1);
	/* ... and a member without an object around it is one too. */
	rt_response_reset(&res);
	CHECK_INT(sparta_ddb_write(&res, "a", "S", "v"), SPARTA_FAIL);
	CHECK_INT(rt_response_finish(&res, 0, "h", &out, &type), 1);
	rt_response_free(&res);
	free(out.data);
}

static void
test_get(void)
{
	const char *doc = "{\"Item\": {\"code\": {\"S\": \"abc\"}, "
	    "\"s0\": {\"S\": \"a\\u0000b\"}, \"visits\": {\"N\": \"42\"}, "
	    "\"neg\": {\"N\": \"-7\"}, \"max\": {\"N\": \"9223372036854775807\"}, "
	    "\"over\": {\"N\": \"9223372036854775808\"}, "
	    "\"frac\": {\"N\": \"1.5\"}, \"exp\": {\"N\": \"1E+2\"}, "
	    "\"plus\": {\"N\": \"+1\"}, \"sp\": {\"N\": \" 1\"}, "
	    "\"empty\": {\"N\": \"\"}, \"minus\": {\"N\": \"-\"}, "
	    "\"num\": {\"N\": 5}, \"b\": {\"B\": \"AAE=\"}, "
	    "\"ok\": {\"BOOL\": true}}}";
	const struct sparta_json *v = sparta_json_parse(&ctx, doc, strlen(doc));
	const struct sparta_json *item = sparta_json_get(v, "Item");
	long long n = 99;
	size_t len = 0;

	CHECK(item != NULL);
	CHECK_STR(sparta_ddb_get(item, "code", "S", NULL), "abc");
	CHECK(sparta_ddb_get(item, "s0", "S", &len) != NULL);
	CHECK_INT(len, 3);
	CHECK_STR(sparta_ddb_get(item, "b", "B", NULL), "AAE=");
	CHECK_STR(sparta_ddb_get(item, "visits", "N", NULL), "42");
	/* another type, an absent name, no item, no type */
	CHECK(sparta_ddb_get(item, "code", "N", NULL) == NULL);
	CHECK(sparta_ddb_get(item, "nothing", "S", NULL) == NULL);
	CHECK(sparta_ddb_get(NULL, "code", "S", NULL) == NULL);
	CHECK(sparta_ddb_get(item, "code", NULL, NULL) == NULL);
	CHECK(sparta_ddb_get(item, "ok", "BOOL", NULL) == NULL); /* not text */

	CHECK_INT(sparta_ddb_get_int(item, "visits", &n), 0);
	CHECK_INT(n, 42);
	CHECK_INT(sparta_ddb_get_int(item, "neg", &n), 0);
	CHECK_INT(n, -7);
	CHECK_INT(sparta_ddb_get_int(item, "max", &n), 0);
	CHECK_INT(n, 9223372036854775807LL);
	n = 99;
	CHECK_INT(sparta_ddb_get_int(item, "over", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "frac", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "exp", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "plus", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "sp", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "empty", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "minus", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "num", &n), -1); /* not a string */
	CHECK_INT(sparta_ddb_get_int(item, "code", &n), -1);
	CHECK_INT(sparta_ddb_get_int(item, "nothing", &n), -1);
	CHECK_INT(n, 99); /* untouched by every failure */
}

int
main(void)
{
	test_write();
	test_get();
	rt_arena_free(&inv.arena);
	return unit_report("test_runtime_ddb");
}
