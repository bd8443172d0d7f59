/*
 * plan_diff.c - the difference between two templates (plan_diff.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/util.h"
#include "compile/cfn_types.h"
#include "compile/marshal.h"
#include "converge/plan_diff.h"

#define VALUE_SHOWN_MAX 72 /* characters of a value in text */
#define PATHS_MAX 64       /* property paths listed per resource */

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

/* {"Ref": ...} or {"Fn::...": ...}: a value CloudFormation resolves. */
static int
is_intrinsic(const cJSON *v)
{
	return cJSON_IsObject(v) && v->child != NULL && v->child->next == NULL &&
	    (strcmp(v->child->string, "Ref") == 0 ||
	    str_has_prefix(v->child->string, "Fn::"));
}

static int
has_intrinsic(const cJSON *v)
{
	const cJSON *c;

	if (v == NULL)
		return 0;
	if (is_intrinsic(v))
		return 1;
	cJSON_ArrayForEach(c, v)
		if (has_intrinsic(c))
			return 1;
	return 0;
}

/*
 * How a change at path (dotted, array indexes as numbers) touches the
 * create-only property co ('*' for any index): 2 inside it or equal, 1
 * when the change contains it, 0 not at all.
 */
static int
create_only_match(const char *path, const char *co)
{
	const char *p = path, *c = co;

	for (;;) {
		if (*c == '\0')
			return *p == '\0' || *p == '.' ? 2 : 0;
		if (*p == '\0')
			return *c == '.' ? 1 : 0;
		if (*c == '*') {
			if (*p < '0' || *p > '9')
				return 0;
			while (*p >= '0' && *p <= '9')
				p++;
			c++;
			continue;
		}
		if (*c != *p)
			return 0;
		c++;
		p++;
	}
}

/* The create-only property of t the change at path touches, if any. */
static const char *
create_only_of(const struct cfn_type *t, const char *path, int *inside)
{
	size_t i;
	int m;

	for (i = 0; t && i < t->ncreate_only; i++)
		if ((m = create_only_match(path, t->create_only[i])) != 0) {
			*inside = m == 2;
			return t->create_only[i];
		}
	return NULL;
}

struct walk {
	cJSON *props;            /* the row's "properties" */
	const struct cfn_type *t;
	int replacement;         /* 0 False, 1 Conditional, 2 True */
	int in_properties;
};

static void
change_add(struct walk *w, const char *path, const cJSON *a, const cJSON *b)
{
	cJSON *o;
	const char *co = NULL;
	int inside = 0, level = 0;

	if (cJSON_GetArraySize(w->props) >= PATHS_MAX)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", path);
	if (a)
		cJSON_AddItemToObject(o, "old", cJSON_Duplicate(a, 1));
	if (b)
		cJSON_AddItemToObject(o, "new", cJSON_Duplicate(b, 1));
	if (w->in_properties)
		co = create_only_of(w->t, path, &inside);
	if (co != NULL) {
		level = inside && !has_intrinsic(a) && !has_intrinsic(b) ? 2 : 1;
		cJSON_AddStringToObject(o, "replacement", level == 2 ? "True" :
		    "Conditional");
		cJSON_AddStringToObject(o, "createOnly", co);
	}
	if (level > w->replacement)
		w->replacement = level;
	cJSON_AddItemToArray(w->props, o);
}

/* The changed leaves under a and b (either may be NULL: absent). */
static void
walk(struct walk *w, struct buf *path, const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	size_t len = path->len;
	int i, n;

	if (a && b && cJSON_Compare(a, b, 1))
		return;
	if (a && b && cJSON_IsObject(a) && cJSON_IsObject(b) &&
	    !is_intrinsic(a) && !is_intrinsic(b)) {
		cJSON_ArrayForEach(x, a) {
			buf_printf(path, "%s%s", len ? "." : "", x->string);
			walk(w, path, x, cJSON_GetObjectItemCaseSensitive(b,
			    x->string));
			path->len = len;
			path->data[len] = '\0';
		}
		cJSON_ArrayForEach(y, b) {
			if (cJSON_GetObjectItemCaseSensitive(a, y->string))
				continue;
			buf_printf(path, "%s%s", len ? "." : "", y->string);
			walk(w, path, NULL, y);
			path->len = len;
			path->data[len] = '\0';
		}
		return;
	}
	if (a && b && cJSON_IsArray(a) && cJSON_IsArray(b) &&
	    (n = cJSON_GetArraySize(a)) == cJSON_GetArraySize(b)) {
		for (i = 0; i < n; i++) {
			buf_printf(path, "%s%d", len ? "." : "", i);
			walk(w, path, cJSON_GetArrayItem(a, i),
			    cJSON_GetArrayItem(b, i));
			path->len = len;
			path->data[len] = '\0';
		}
		return;
	}
	change_add(w, len ? path->data : "", a, b);
}

/* Fills row's "properties" and "replacement" from resources x (old) and y. */
static void
row_properties(cJSON *row, const cJSON *old, const cJSON *new)
{
	static const char *const names[] = {"False", "Conditional", "True"};
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(new, "Type");
	const cJSON *x, *y;
	struct walk w = {0};
	struct buf path = {0};

	w.props = cJSON_CreateArray();
	w.t = cJSON_IsString(type) ? cfn_type_find(type->valuestring) : NULL;
	/* Resource attributes (DependsOn, DeletionPolicy, ...) first. */
	cJSON_ArrayForEach(x, old) {
		if (strcmp(x->string, "Properties") == 0)
			continue;
		buf_puts(&path, x->string);
		walk(&w, &path, x, cJSON_GetObjectItemCaseSensitive(new,
		    x->string));
		path.len = 0;
	}
	cJSON_ArrayForEach(y, new) {
		if (strcmp(y->string, "Properties") == 0 ||
		    cJSON_GetObjectItemCaseSensitive(old, y->string))
			continue;
		buf_puts(&path, y->string);
		walk(&w, &path, NULL, y);
		path.len = 0;
	}
	w.in_properties = 1;
	path.len = 0;
	if (path.data)
		path.data[0] = '\0';
	walk(&w, &path, cJSON_GetObjectItemCaseSensitive(old, "Properties"),
	    cJSON_GetObjectItemCaseSensitive(new, "Properties"));
	buf_free(&path);
	cJSON_AddStringToObject(row, "replacement", names[w.replacement]);
	cJSON_AddItemToObject(row, "properties", w.props);
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
		if (!cJSON_Compare(x, y, 1)) {
			row = row_add(rows, "Modify", x->string, x);
			row_properties(row, y, x);
		}
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

/* A value on one line, cut at VALUE_SHOWN_MAX characters. */
static void
value_print(FILE *fp, const cJSON *v)
{
	char *s;
	size_t n;

	if (v == NULL) {
		fputs("(none)", fp);
		return;
	}
	s = cJSON_PrintUnformatted(v);
	n = strlen(s);
	if (n > VALUE_SHOWN_MAX)
		fprintf(fp, "%.*s...", VALUE_SHOWN_MAX - 3, s);
	else
		fputs(s, fp);
	free(s);
}

static void
properties_print(FILE *fp, const cJSON *props, int indent)
{
	const cJSON *p, *rep;

	cJSON_ArrayForEach(p, props) {
		fprintf(fp, "%*s%s: ", indent, "", str_of(p, "path"));
		value_print(fp, cJSON_GetObjectItemCaseSensitive(p, "old"));
		fputs(" -> ", fp);
		value_print(fp, cJSON_GetObjectItemCaseSensitive(p, "new"));
		rep = cJSON_GetObjectItemCaseSensitive(p, "replacement");
		if (cJSON_IsString(rep))
			fprintf(fp, "  [replacement %s: %s is create-only]",
			    rep->valuestring, str_of(p, "createOnly"));
		fputc('\n', fp);
	}
}

void
plan_diff_print(FILE *fp, const cJSON *rows)
{
	const cJSON *row;
	const char *rep;

	char name[512];

	cJSON_ArrayForEach(row, rows) {
		rep = str_of(row, "replacement");
		/* a row inside a nested stack: <child>/<logical ID> */
		snprintf(name, sizeof name, "%s%s%s", str_of(row, "stack"),
		    *str_of(row, "stack") ? "/" : "", str_of(row, "logicalId"));
		fprintf(fp, "  %-7s %-40s %s%s%s\n", str_of(row, "action"),
		    name, str_of(row, "type"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "code")) ?
		    " (code changes)" : "", strcmp(rep, "True") == 0 ?
		    " (replacement)" : strcmp(rep, "Conditional") == 0 ?
		    " (may be replaced)" : "");
		properties_print(fp, cJSON_GetObjectItemCaseSensitive(row,
		    "properties"), 12);
	}
}

void
plan_diff_print_properties(FILE *fp, const cJSON *rows)
{
	const cJSON *row, *props;

	cJSON_ArrayForEach(row, rows) {
		props = cJSON_GetObjectItemCaseSensitive(row, "properties");
		if (cJSON_GetArraySize(props) == 0)
			continue;
		fprintf(fp, "  %s (%s)\n", str_of(row, "logicalId"),
		    str_of(row, "type"));
		properties_print(fp, props, 4);
	}
}
