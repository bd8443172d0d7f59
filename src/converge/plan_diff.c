/*
 * plan_diff.c - the difference between two templates (plan_diff.h).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "compile/marshal.h"
#include "converge/plan_diff.h"

static cJSON *
row_add(cJSON *rows, const char *action, const char *id, const cJSON *res)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(res, "Type");

	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "logicalId", id);
	cJSON_AddStringToObject(o, "type", cJSON_IsString(type) ?
	    type->valuestring : "");
	cJSON_AddItemToArray(rows, o);
	return o;
}

int
plan_diff_uses_code(const cJSON *res)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(res, "Properties");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(p, "Code");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(code, "S3Key");
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(key, "Ref");

	return cJSON_IsString(ref) &&
	    strcmp(ref->valuestring, MARSHAL_PARAM_CODE_KEY) == 0;
}

cJSON *
plan_diff(const cJSON *old, const cJSON *new, const char *old_code,
    const char *new_code)
{
	const cJSON *ro = cJSON_GetObjectItemCaseSensitive(old, "Resources");
	const cJSON *rn = cJSON_GetObjectItemCaseSensitive(new, "Resources");
	const cJSON *x, *y;
	cJSON *rows = cJSON_CreateArray(), *row;
	int code = old_code && new_code && *old_code && *new_code &&
	    strcmp(old_code, new_code) != 0;

	cJSON_ArrayForEach(x, rn) {
		y = cJSON_GetObjectItemCaseSensitive(ro, x->string);
		row = NULL;
		if (y == NULL) {
			row_add(rows, "Add", x->string, x);
			continue;
		}
		if (!cJSON_Compare(x, y, 1))
			row = row_add(rows, "Modify", x->string, x);
		if (code && plan_diff_uses_code(x)) {
			if (row == NULL)
				row = row_add(rows, "Modify", x->string, x);
			cJSON_AddBoolToObject(row, "code", 1);
		}
	}
	cJSON_ArrayForEach(y, ro)
		if (cJSON_GetObjectItemCaseSensitive(rn, y->string) == NULL)
			row_add(rows, "Remove", y->string, y);
	return rows;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

void
plan_diff_print(FILE *fp, const cJSON *rows)
{
	const cJSON *row;

	cJSON_ArrayForEach(row, rows)
		fprintf(fp, "  %-7s %-40s %s%s\n", str_of(row, "action"),
		    str_of(row, "logicalId"), str_of(row, "type"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "code")) ?
		    " (code changes)" : "");
}
