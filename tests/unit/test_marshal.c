/*
 * test_marshal.c - the template printer and the logical-ID helpers.
 * Whole templates are checked by tests/test_marshal.py (golden files).
 */
#include <stdlib.h>
#include <string.h>

#include "marshal_int.h"
#include "unit.h"

static char *
printed(cJSON *v)
{
	struct buf b = {0};

	marshal_print(v, &b);
	cJSON_Delete(v);
	return buf_take(&b);
}

static void
test_print_escapes(void)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "k", "a\"b\\c\n\t\x01 caf\xc3\xa9 0123456789abcdef\"");
	s = printed(o);
	CHECK_STR(s, "{\"k\": \"a\\\"b\\\\c\\n\\t\\u0001 caf\xc3\xa9 0123456789abcdef\\\"\"}\n");
	free(s);
}

static void
test_print_numbers(void)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	cJSON_AddItemToArray(a, cJSON_CreateNumber(128));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-5));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(1.5));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(0.1));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(9007199254740993.0));
	cJSON_AddItemToArray(a, cJSON_CreateTrue());
	cJSON_AddItemToArray(a, cJSON_CreateNull());
	s = printed(a);
	CHECK_STR(s, "[128, -5, 1.5, 0.1, 9007199254740992, true, null]\n");
	free(s);
}

static void
test_print_layout(void)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;
	int i;

	cJSON_AddItemToObject(o, "Ref", mj_ref("Short"));
	a = cJSON_AddArrayToObject(o, "Long");
	for (i = 0; i < 8; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString("a-fairly-long-item"));
	cJSON_AddItemToObject(o, "Empty", cJSON_CreateObject());
	s = printed(o);
	CHECK_STR(s,
	    "{\n"
	    "  \"Ref\": {\"Ref\": \"Short\"},\n"
	    "  \"Long\": [\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\",\n"
	    "    \"a-fairly-long-item\"\n"
	    "  ],\n"
	    "  \"Empty\": {}\n"
	    "}\n");
	free(s);
}

static void
test_sort(void)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "b", 2);
	cJSON_AddNumberToObject(o, "B", 1);
	cJSON_AddNumberToObject(o, "a", 3);
	mj_object_sort(o);
	cJSON_AddNumberToObject(o, "z", 4); /* the tail pointer survived the sort */
	s = printed(o);
	CHECK_STR(s, "{\"B\": 1, \"a\": 3, \"b\": 2, \"z\": 4}\n");
	free(s);
}

static void
test_ids(void)
{
	char *s;
	struct mid_table t = {0};
	struct loc l1 = {"a.yaml", 1, 2}, l2 = {"a.yaml", 3, 4};
	char name[32];
	int i;

	s = mid_path("/items/{id}");
	CHECK_STR(s, "ItemsId");
	free(s);
	s = mid_path("/");
	CHECK_STR(s, "");
	free(s);
	s = mid_path("/v1.2/{proxy+}");
	CHECK_STR(s, "V12Proxy");
	free(s);
	CHECK_STR(mid_method("DELETE"), "Delete");
	s = mstr("Hello", "Function", NULL);
	CHECK_STR(s, "HelloFunction");
	free(s);

	CHECK(mid_table_put(&t, "HelloFunction", l1, "function '%s'", "hello") == NULL);
	for (i = 0; i < 2000; i++) { /* grows the table past several rehashes */
		snprintf(name, sizeof(name), "Id%d", i);
		CHECK(mid_table_put(&t, name, l1, "x", NULL) == NULL);
	}
	CHECK(mid_table_get(&t, "Id1999") != NULL);
	CHECK(mid_table_get(&t, "Id2000") == NULL);
	CHECK(mid_table_put(&t, "HelloFunction", l2, "resource", NULL) != NULL);
	CHECK_INT(mid_table_get(&t, "HelloFunction")->loc.line, 1);
	mid_table_free(&t);
}

int
main(void)
{
	test_print_escapes();
	test_print_numbers();
	test_print_layout();
	test_sort();
	test_ids();
	return unit_report("test_marshal");
}
