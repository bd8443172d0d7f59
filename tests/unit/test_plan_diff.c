/*
 * test_plan_diff.c - the template diff of plan (converge/plan_diff.h):
 * golden cases tests/plandiff/CASE.old.json + CASE.new.json -> CASE.out
 * (the text plan prints: resource rows with their property paths, then
 * the access widened), and the replacement rules on small templates.
 * SPARTAC_WRITE_GOLDEN=1 rewrites the .out files (review the diff).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/util.h"
#include "compile/cfn_types.h"
#include "converge/plan_diff.h"
#include "unit.h"

#define DIR_CASES "tests/plandiff"

static cJSON *
load(const char *path)
{
	char *s = NULL;
	size_t n;
	cJSON *j;

	if (file_read(path, 1 << 22, &s, &n) != 0) {
		fprintf(stderr, "%s: cannot read\n", path);
		return NULL;
	}
	j = cJSON_Parse(s);
	free(s);
	return j;
}

static char *
render(const cJSON *old, const cJSON *new)
{
	cJSON *rows = plan_diff(old, new, NULL, NULL);
	cJSON *iam = plan_iam_broadening(old, new);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	plan_diff_print(fp, rows);
	plan_iam_print(fp, iam);
	fclose(fp);
	cJSON_Delete(rows);
	cJSON_Delete(iam);
	return text;
}

static void
golden(const char *name)
{
	char *po = xasprintf("%s/%s.old.json", DIR_CASES, name);
	char *pn = xasprintf("%s/%s.new.json", DIR_CASES, name);
	char *pe = xasprintf("%s/%s.out", DIR_CASES, name);
	cJSON *old = load(po), *new = load(pn);
	char *got = NULL, *want = NULL;
	size_t n;

	CHECK(old != NULL && new != NULL);
	if (old && new) {
		got = render(old, new);
		if (getenv("SPARTAC_WRITE_GOLDEN"))
			file_write_atomic(pe, got, strlen(got), 0644);
		CHECK(file_read(pe, 1 << 22, &want, &n) == 0);
		if (want && strcmp(got, want) != 0)
			fprintf(stderr, "%s: got\n%s\nwant\n%s\n", name, got,
			    want);
		CHECK(want && strcmp(got, want) == 0);
	}
	free(got);
	free(want);
	cJSON_Delete(old);
	cJSON_Delete(new);
	free(po);
	free(pn);
	free(pe);
}

static void
goldens(void)
{
	DIR *d = opendir(DIR_CASES);
	struct dirent *e;
	char *name;
	int n = 0;

	CHECK(d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		if (!str_has_suffix(e->d_name, ".old.json"))
			continue;
		name = xstrndup(e->d_name, strlen(e->d_name) - 9);
		golden(name);
		free(name);
		n++;
	}
	if (d)
		closedir(d);
	CHECK(n >= 7);
}

static const char *
row_str(const cJSON *rows, int i, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(rows, i), key));
}

/* One resource of type with properties props, before and after. */
static cJSON *
diff1(const char *type, const char *before, const char *after)
{
	char *a = xasprintf("{\"Resources\":{\"R\":{\"Type\":\"%s\","
	    "\"Properties\":%s}}}", type, before);
	char *b = xasprintf("{\"Resources\":{\"R\":{\"Type\":\"%s\","
	    "\"Properties\":%s}}}", type, after);
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b), *rows;

	rows = plan_diff(x, y, NULL, NULL);
	cJSON_Delete(x);
	cJSON_Delete(y);
	free(a);
	free(b);
	return rows;
}

static void
replacement_rules(void)
{
	cJSON *r;

	r = diff1("AWS::SQS::Queue", "{\"QueueName\":\"a\"}",
	    "{\"QueueName\":\"b\"}");
	CHECK_STR(row_str(r, 0, "replacement"), "True");
	cJSON_Delete(r);
	r = diff1("AWS::SQS::Queue", "{\"QueueName\":\"a\"}",
	    "{\"QueueName\":{\"Ref\":\"Name\"}}");
	CHECK_STR(row_str(r, 0, "replacement"), "Conditional");
	cJSON_Delete(r);
	r = diff1("AWS::SQS::Queue", "{\"VisibilityTimeout\":30}",
	    "{\"VisibilityTimeout\":60}");
	CHECK_STR(row_str(r, 0, "replacement"), "False");
	cJSON_Delete(r);
	/* A create-only path under an array: Policies.*.PolicyArn. */
	r = diff1("AWS::MPA::ApprovalTeam",
	    "{\"Policies\":[{\"PolicyArn\":\"a\"}]}",
	    "{\"Policies\":[{\"PolicyArn\":\"b\"}]}");
	CHECK_STR(row_str(r, 0, "replacement"), "True");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(r, 0), "properties"), 0),
	    "path")), "Policies.0.PolicyArn");
	cJSON_Delete(r);
	/* An unknown type: nothing is create-only as far as we know. */
	r = diff1("Custom::Thing", "{\"A\":1}", "{\"A\":2}");
	CHECK_STR(row_str(r, 0, "replacement"), "False");
	cJSON_Delete(r);
}

int
main(void)
{
	goldens();
	replacement_rules();
	cfn_types_free();
	return unit_report("test_plan_diff");
}
