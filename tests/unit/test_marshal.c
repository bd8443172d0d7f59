/*
 * test_marshal.c - the template printer and the logical-ID helpers.
 * Whole templates are checked by tests/test_marshal.py (golden files).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile/marshal_int.h"
#include "unit.h"

static char *
printed(cJSON *v)
{
	struct buf b = {0};

	marshal_print(v, &b);
	/* marshal_length measures what marshal_print writes */
	CHECK_INT((int)marshal_length(v), (int)b.len);
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

	/* {"Ref": "Short"} built with cJSON: mj_ref's nodes are an arena's */
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Ref"), "Ref", "Short");
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

/* A nested stack's layout: sections and their entries one per line, each
 * entry's value on one line; marshal_entry_length measures an entry's line. */
static void
test_print_lines(void)
{
	cJSON *o = cJSON_CreateObject(), *res, *r, *p, *a;
	struct buf b = {0};
	const char *line;
	int i;

	cJSON_AddStringToObject(o, "AWSTemplateFormatVersion", "2010-09-09");
	cJSON_AddObjectToObject(o, "Parameters");
	res = cJSON_AddObjectToObject(o, "Resources");
	r = cJSON_AddObjectToObject(res, "Queue");
	cJSON_AddStringToObject(r, "Type", "AWS::SQS::Queue");
	p = cJSON_AddObjectToObject(r, "Properties");
	a = cJSON_AddArrayToObject(p, "Tags");
	for (i = 0; i < 8; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString("a \"long\" tag\n"));
	cJSON_AddNumberToObject(p, "DelaySeconds", 5);
	r = cJSON_AddObjectToObject(res, "Topic");
	cJSON_AddStringToObject(r, "Type", "AWS::SNS::Topic");
	marshal_print_lines(o, &b);
	CHECK_STR(b.data,
	    "{\n"
	    "  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
	    "  \"Parameters\": {},\n"
	    "  \"Resources\": {\n"
	    "    \"Queue\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": "
	    "{\"Tags\": [\"a \\\"long\\\" tag\\n\", \"a \\\"long\\\" tag\\n\", "
	    "\"a \\\"long\\\" tag\\n\", \"a \\\"long\\\" tag\\n\", "
	    "\"a \\\"long\\\" tag\\n\", \"a \\\"long\\\" tag\\n\", "
	    "\"a \\\"long\\\" tag\\n\", \"a \\\"long\\\" tag\\n\"], "
	    "\"DelaySeconds\": 5}},\n"
	    "    \"Topic\": {\"Type\": \"AWS::SNS::Topic\"}\n"
	    "  }\n"
	    "}\n");
	/* each entry's line, from its indentation to before its comma */
	line = strstr(b.data, "    \"Queue\"");
	CHECK_INT((int)marshal_entry_length(res->child),
	    (int)(strstr(line, "},\n") + 1 - line));
	line = strstr(b.data, "    \"Topic\"");
	CHECK_INT((int)marshal_entry_length(res->child->next),
	    (int)(strstr(line, "\n") - line));
	buf_free(&b);
	cJSON_Delete(o);
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

/* A template of about 300 KB: several of the printer's 64 KiB windows. */
static cJSON *
big_template(const char *last)
{
	cJSON *o = cJSON_CreateObject(), *r;
	char id[32];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "Resource%05d", i);
		r = cJSON_AddObjectToObject(o, id);
		cJSON_AddStringToObject(r, "Type", "AWS::Logs::LogGroup");
		cJSON_AddStringToObject(r, "Name", i == 2999 ? last :
		    "a name long enough to put this member on lines of its own");
	}
	return o;
}

static void
put_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	CHECK(fp != NULL && fwrite(data, 1, len, fp) == len);
	if (fp != NULL)
		fclose(fp);
}

static char *
get_file(const char *path, size_t *len)
{
	char *data = NULL;

	CHECK(file_read(path, (size_t)1 << 30, &data, len) == 0);
	return data;
}

static size_t
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

/* Writes the big template over what old holds (NULL: no file) and checks
 * the file ends up with exactly the printed bytes. */
static void
check_write_over(const char *dir, const char *old, size_t old_len,
    ino_t *ino, int *replaced)
{
	char path[512], *got;
	struct buf want = {0};
	struct stat st, old_st;
	cJSON *tpl = big_template("last");
	size_t len = 0;
	int old_fd = -1;

	snprintf(path, sizeof(path), "%s/template.json", dir);
	unlink(path);
	if (old != NULL) {
		put_file(path, old, old_len);
		/* Held open, the old file keeps its inode number: a new file
		 * cannot be given the same one, so a differing number proves
		 * the file was replaced. */
		old_fd = open(path, O_RDONLY);
		CHECK(old_fd >= 0 && fstat(old_fd, &old_st) == 0);
	}
	marshal_print(tpl, &want);
	CHECK(marshal_length(tpl) == want.len);
	CHECK(marshal_write(tpl, path) == (long long)want.len);
	got = get_file(path, &len);
	CHECK(got != NULL && len == want.len && memcmp(got, want.data, len) == 0);
	CHECK(stat(path, &st) == 0);
	*ino = st.st_ino;
	if (replaced != NULL)
		*replaced = old_fd >= 0 && st.st_ino != old_st.st_ino;
	if (old_fd >= 0)
		close(old_fd);
	CHECK_INT((int)dir_entries(dir), 1); /* no temporary file left */
	free(got);
	buf_free(&want);
	cJSON_Delete(tpl);
}

static void
test_write(void)
{
	char dir[] = "/tmp/spartac-marshal-XXXXXX", path[512], *text;
	struct buf want = {0};
	cJSON *tpl = big_template("last");
	ino_t ino, again;
	int replaced = 0;
	size_t i;

	CHECK(mkdtemp(dir) != NULL);
	marshal_print(tpl, &want);
	CHECK(want.len > 4 * ((size_t)64 << 10));
	text = xmalloc(want.len + 1);

	check_write_over(dir, NULL, 0, &ino, NULL);             /* no file yet */
	snprintf(path, sizeof(path), "%s/template.json", dir);
	CHECK(marshal_write(tpl, path) == (long long)want.len); /* unchanged: */
	{
		struct stat st;

		CHECK(stat(path, &st) == 0 && st.st_ino == ino); /* not replaced */
	}
	check_write_over(dir, want.data, want.len / 2, &again, NULL);  /* old is shorter */
	memcpy(text, want.data, want.len);
	text[want.len] = 'x';
	check_write_over(dir, text, want.len + 1, &again, NULL);       /* old is longer */
	for (i = 0; i < 3; i++) {       /* one byte off: first, middle, last window */
		size_t at = i == 0 ? 10 : i == 1 ? want.len / 2 : want.len - 2;

		memcpy(text, want.data, want.len);
		text[at] ^= 1;
		check_write_over(dir, text, want.len, &again, &replaced);
		CHECK(replaced);
	}

	snprintf(path, sizeof(path), "%s/missing/template.json", dir);
	errno = 0;
	CHECK(marshal_write(tpl, path) == -1 && errno == ENOENT);

	snprintf(path, sizeof(path), "%s/template.json", dir);
	unlink(path);
	rmdir(dir);
	free(text);
	buf_free(&want);
	cJSON_Delete(tpl);
}

/* An object {k1: v1, k2: v2} in the arena. */
static cJSON *
pair_object(struct mctx *c, const char *k1, const char *v1, const char *k2,
    const char *v2)
{
	cJSON *o = mj_obj(c);

	mj_add_lit(c, o, k1, v1);
	mj_add_lit(c, o, k2, v2);
	return o;
}

/* mj_array_dedupe: later equal items go, the first stays where it was;
 * items before start stay even when equal; objects are equal whatever
 * the order of their members (as cJSON_Compare has it). */
static void
test_dedupe(void)
{
	struct arena a = {0};
	struct mctx c;
	cJSON *arr;
	struct buf b = {0};
	int i;

	memset(&c, 0, sizeof(c));
	c.a = &a;
	arr = mj_arr(&c);
	jtree_push(arr, mj_lit(&c, "A"));
	jtree_push(arr, mj_lit(&c, "A"));       /* before start: kept */
	jtree_push(arr, mj_lit(&c, "B"));
	jtree_push(arr, pair_object(&c, "x", "1", "y", "2"));
	jtree_push(arr, mj_lit(&c, "A"));       /* goes */
	jtree_push(arr, pair_object(&c, "y", "2", "x", "1")); /* goes */
	jtree_push(arr, pair_object(&c, "y", "1", "x", "2")); /* stays */
	for (i = 0; i < 300; i++)               /* long runs of equal items */
		jtree_push(arr, mj_lit(&c, i % 2 ? "C" : "B"));
	mj_array_dedupe(arr, 2);
	marshal_print(arr, &b);
	CHECK_STR(b.data, "[\"A\", \"A\", \"B\", {\"x\": \"1\", \"y\": \"2\"}, "
	    "{\"y\": \"1\", \"x\": \"2\"}, \"C\"]\n");
	buf_free(&b);
	arena_free_all(&a);
}

int
main(void)
{
	test_print_escapes();
	test_print_numbers();
	test_print_layout();
	test_print_lines();
	test_sort();
	test_ids();
	test_write();
	test_dedupe();
	return unit_report("test_marshal");
}
