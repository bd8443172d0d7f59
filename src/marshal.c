/*
 * marshal.c - the template compiler's driver: the areas in a fixed order,
 * then the artifact parameters, the manifest's raw additions, sorting,
 * printing and the quota checks. See marshal.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "hooks.h"
#include "json.h"
#include "marshal_int.h"

/* ---- cJSON helpers ---- */

/*
 * cJSON reports out-of-memory by returning NULL, which every caller would
 * have to check; routing its allocations through xmalloc keeps the rule
 * that out-of-memory is handled in one place.
 */
static void
mj_hooks_init(void)
{
	static int done;
	cJSON_Hooks hooks = {xmalloc, free};

	if (!done) {
		cJSON_InitHooks(&hooks);
		done = 1;
	}
}

cJSON *
mj_ref(const char *id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "Ref", cJSON_CreateString(id));
	return o;
}

cJSON *
mj_getatt(const char *id, const char *attr)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString(id));
	cJSON_AddItemToArray(a, cJSON_CreateString(attr));
	cJSON_AddItemToObject(o, "Fn::GetAtt", a);
	return o;
}

cJSON *
mj_sub(const char *fmt, ...)
{
	va_list ap;
	char *s;
	cJSON *o = cJSON_CreateObject();

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON_AddItemToObject(o, "Fn::Sub", cJSON_CreateString(s));
	free(s);
	return o;
}

/* Replaces "${V}" in fmt by lit, writing any "${" of lit as "${!". */
static char *
sub_literal(const char *fmt, const char *lit)
{
	struct buf b = {0};
	const char *p = strstr(fmt, "${V}");

	buf_append(&b, fmt, p ? (size_t)(p - fmt) : strlen(fmt));
	if (p != NULL) {
		for (; *lit; lit++) {
			buf_putc(&b, *lit);
			if (lit[0] == '$' && lit[1] == '{')
				buf_puts(&b, "{!"), lit++;
		}
		buf_puts(&b, p + 4);
	}
	return buf_take(&b);
}

cJSON *
mj_sub_value(const char *fmt, const struct node *v)
{
	cJSON *o = cJSON_CreateObject(), *a, *vars;
	char *s;

	if (v->kind == NODE_STRING) {
		s = sub_literal(fmt, v->str);
		cJSON_AddItemToObject(o, "Fn::Sub", cJSON_CreateString(s));
		free(s);
		return o;
	}
	a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString(fmt));
	vars = cJSON_CreateObject();
	cJSON_AddItemToObject(vars, "V", mj_node(v));
	cJSON_AddItemToArray(a, vars);
	cJSON_AddItemToObject(o, "Fn::Sub", a);
	return o;
}

cJSON *
mj_node(const struct node *n)
{
	cJSON *j = n ? node_to_cjson(n) : NULL;

	return j ? j : cJSON_CreateNull();
}

cJSON *
mj_env_value(const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL:
		return cJSON_CreateString("");
	case NODE_BOOL:
		return cJSON_CreateString(n->v.b ? "true" : "false");
	case NODE_INT:
	case NODE_FLOAT:
	case NODE_STRING:
		/* The text as written: 0x10 stays 0x10, 1.50 stays 1.50. */
		return cJSON_CreateString(n->str ? n->str : "");
	default:
		return mj_node(n);
	}
}

cJSON *
mj_strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

void
mj_array_add_unique(cJSON *arr, cJSON *v)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		if (cJSON_Compare(it, v, 1)) {
			cJSON_Delete(v);
			return;
		}
	}
	cJSON_AddItemToArray(arr, v);
}

void
mj_array_push(cJSON **arr, cJSON *v)
{
	if (*arr == NULL)
		*arr = cJSON_CreateArray();
	mj_array_add_unique(*arr, v);
}

cJSON *
mj_tags(const struct manifest_kvs *tags)
{
	cJSON *a, *t;
	size_t i;

	if (tags->n == 0)
		return NULL;
	a = cJSON_CreateArray();
	for (i = 0; i < tags->n; i++) {
		t = cJSON_CreateObject();
		cJSON_AddItemToObject(t, "Key", cJSON_CreateString(tags->v[i].key));
		cJSON_AddItemToObject(t, "Value", mj_env_value(tags->v[i].value));
		cJSON_AddItemToArray(a, t);
	}
	return a;
}

static int
mj_member_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

void
mj_object_sort(cJSON *obj)
{
	cJSON **v, *it;
	size_t n = 0, i;

	cJSON_ArrayForEach(it, obj)
		n++;
	if (n < 2)
		return;
	v = xmalloc(n * sizeof(*v));
	n = 0;
	cJSON_ArrayForEach(it, obj)
		v[n++] = it;
	/* Keys are unique whenever the template is written (a duplicate is
	 * an E-MARSHAL-ID-CLASH), so qsort's instability cannot show. */
	qsort(v, n, sizeof(*v), mj_member_cmp);
	for (i = 0; i < n; i++) {
		v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: child->prev is the tail */
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	}
	obj->child = v[0];
	free(v);
}

static const char *
arn_service_of_type(const char *type)
{
	static const char *const types[][2] = {
		{"AWS::SQS::Queue", "sqs"},
		{"AWS::SNS::Topic", "sns"},
		{"AWS::Kinesis::Stream", "kinesis"},
		{"AWS::DynamoDB::Table", "dynamodb"},
		{"AWS::S3::Bucket", "s3"},
		{"AWS::Logs::LogGroup", "logs"},
		{"AWS::Events::EventBus", "events"},
	};
	size_t i;

	for (i = 0; i < NELEM(types); i++)
		if (type != NULL && strcmp(types[i][0], type) == 0)
			return types[i][1];
	return NULL;
}

/* "arn:aws:sqs:..." (or "arn:${AWS::Partition}:sqs:...") -> "sqs". */
static const char *
arn_service_of_string(const char *s)
{
	static const char *const services[] = {
		"sqs", "sns", "kinesis", "dynamodb", "s3", "logs", "events",
	};
	const char *p;
	size_t i, n;

	if (strncmp(s, "arn:", 4) != 0 || (p = strchr(s + 4, ':')) == NULL)
		return NULL;
	p++;
	for (i = 0; i < NELEM(services); i++) {
		n = strlen(services[i]);
		if (strncmp(p, services[i], n) == 0 && p[n] == ':')
			return services[i];
	}
	return NULL;
}

const char *
mj_arn_service(struct mctx *c, const struct node *n)
{
	const struct node *v, *res;
	const char *id = NULL;

	if (n == NULL)
		return NULL;
	if (n->kind == NODE_STRING)
		return arn_service_of_string(n->str);
	if (n->kind != NODE_MAP || n->n != 1)
		return NULL;
	v = n->pairs[0].value;
	if (strcmp(n->pairs[0].key->str, "Ref") == 0 && v->kind == NODE_STRING)
		id = v->str;
	else if (strcmp(n->pairs[0].key->str, "Fn::GetAtt") == 0 &&
	    v->kind == NODE_SEQ && v->n >= 1 && v->items[0]->kind == NODE_STRING)
		id = v->items[0]->str;
	else if (strcmp(n->pairs[0].key->str, "Fn::Sub") == 0) {
		if (v->kind == NODE_STRING)
			return arn_service_of_string(v->str);
		if (v->kind == NODE_SEQ && v->n >= 1 &&
		    v->items[0]->kind == NODE_STRING)
			return arn_service_of_string(v->items[0]->str);
	}
	if (id == NULL || c->m->resources == NULL)
		return NULL;
	if ((res = node_get(c->m->resources, id)) == NULL)
		return NULL;
	return arn_service_of_type(node_str(node_get(res, "Type")));
}

/* ---- the context ---- */

void
mctx_diag(struct mctx *c, enum diag_code code, struct loc loc,
    const char *path, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(c->d, code, loc, path, "%s", msg);
	free(msg);
	if (diag_code_severity(code) == SEV_ERROR)
		c->errors++;
}

char *
marshal_function_id(const struct manifest_function *f)
{
	return xasprintf("%sFunction", f->id);
}

char *
marshal_log_group_id(const struct manifest_function *f)
{
	return xasprintf("%sLogGroup", f->id);
}

/* ---- parameters and raw additions ---- */

static void
marshal_parameters(struct mctx *c)
{
	cJSON *p;

	if (c->m->nfunctions == 0)
		return; /* an unused parameter is a cfn-lint warning */
	mid_claim(c, MARSHAL_PARAM_BUCKET, c->m->service_loc,
	    "the artifact bucket parameter");
	p = cJSON_AddObjectToObject(c->parameters, MARSHAL_PARAM_BUCKET);
	cJSON_AddStringToObject(p, "Type", "String");
	cJSON_AddStringToObject(p, "Description",
	    "S3 bucket holding the code archive (spartac deploy sets it)");
	cJSON_AddNumberToObject(p, "MinLength", 3);
	mid_claim(c, MARSHAL_PARAM_CODE_KEY, c->m->service_loc,
	    "the code key parameter");
	p = cJSON_AddObjectToObject(c->parameters, MARSHAL_PARAM_CODE_KEY);
	cJSON_AddStringToObject(p, "Type", "String");
	cJSON_AddStringToObject(p, "Description",
	    "S3 key of the code archive, named by its content hash (spartac deploy sets it)");
	cJSON_AddNumberToObject(p, "MinLength", 1);
}

/* Moves the manifest's entries of one raw section into dst. */
static void
marshal_raw(struct mctx *c, const struct node *section, cJSON *converted,
    cJSON *dst, const char *key, struct mid_table *ids)
{
	size_t i;
	char *what;
	cJSON *item;

	if (section == NULL || section->kind != NODE_MAP)
		return;
	for (i = 0; i < section->n; i++) {
		const struct node_pair *p = &section->pairs[i];

		what = xasprintf("the %s: entry", key);
		mid_claim_in(c, ids, p->key->str, p->key->loc, what);
		free(what);
		item = converted ?
		    cJSON_DetachItemFromObjectCaseSensitive(converted, p->key->str) :
		    NULL;
		if (item == NULL)
			item = mj_node(p->value);
		cJSON_AddItemToObject(dst, p->key->str, item);
	}
}

/* ---- depends_on cycles ---- */

static int
depends_visit(struct mctx *c, size_t fi, unsigned char *state)
{
	const struct manifest_function *f = &c->m->functions[fi];
	size_t i, j;

	state[fi] = 1;
	for (i = 0; i < f->ndepends_on; i++) {
		const struct manifest_function *g = f->depends_on[i].function;

		if (g == NULL)
			continue;
		j = (size_t)(g - c->m->functions);
		if (state[j] == 1) {
			mctx_diag(c, DIAG_MARSHAL_DEPENDS_CYCLE, f->depends_on[i].loc,
			    NULL, "function '%s' depends on '%s', which depends back on it",
			    f->name, g->name);
			return -1;
		}
		if (state[j] == 0 && depends_visit(c, j, state) < 0)
			return -1;
	}
	state[fi] = 2;
	return 0;
}

static void
marshal_depends_check(struct mctx *c)
{
	unsigned char *state = xcalloc(c->m->nfunctions + 1, 1);
	size_t i;

	for (i = 0; i < c->m->nfunctions; i++)
		if (state[i] == 0 && depends_visit(c, i, state) < 0)
			break;
	free(state);
}

/* ---- the driver ---- */

int
marshal_template(const struct manifest *m, struct diags *d, cJSON **out)
{
	struct mctx c;
	cJSON *tpl, *raw_params = NULL, *raw_outputs = NULL;
	char *desc;

	mj_hooks_init();
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.d = d;
	c.parameters = cJSON_CreateObject();
	c.resources = cJSON_CreateObject();
	c.outputs = cJSON_CreateObject();
	if (m->resources != NULL)
		c.raw_resources = node_to_cjson(m->resources);
	if (c.raw_resources == NULL)
		c.raw_resources = cJSON_CreateObject();
	*out = NULL;

	marshal_depends_check(&c);
	marshal_parameters(&c);
	marshal_iam_prepare(&c);
	marshal_lambda(&c);
	marshal_events(&c);
	marshal_api(&c);
	marshal_site(&c);
	marshal_iam_emit(&c);

	/* The manifest's own entries come last, so a clash points at them. */
	if (m->parameters != NULL)
		raw_params = node_to_cjson(m->parameters);
	marshal_raw(&c, m->parameters, raw_params, c.parameters,
	    "parameters", &c.ids);
	marshal_events_s3_apply(&c);
	marshal_raw(&c, m->resources, c.raw_resources, c.resources,
	    "resources", &c.ids);
	if (m->outputs != NULL)
		raw_outputs = node_to_cjson(m->outputs);
	marshal_raw(&c, m->outputs, raw_outputs, c.outputs,
	    "outputs", &c.output_ids);
	marshal_refs_check(&c);
	cJSON_Delete(raw_params);
	cJSON_Delete(raw_outputs);
	cJSON_Delete(c.raw_resources);

	mj_object_sort(c.parameters);
	mj_object_sort(c.resources);
	mj_object_sort(c.outputs);

	tpl = cJSON_CreateObject();
	cJSON_AddStringToObject(tpl, "AWSTemplateFormatVersion", "2010-09-09");
	if (m->description != NULL)
		cJSON_AddStringToObject(tpl, "Description", m->description);
	else {
		desc = xasprintf("%s (spartac)", m->service);
		cJSON_AddStringToObject(tpl, "Description", desc);
		free(desc);
	}
	if (cJSON_GetArraySize(c.parameters) > 0)
		cJSON_AddItemToObject(tpl, "Parameters", c.parameters);
	else
		cJSON_Delete(c.parameters);
	cJSON_AddItemToObject(tpl, "Resources", c.resources);
	if (cJSON_GetArraySize(c.outputs) > 0)
		cJSON_AddItemToObject(tpl, "Outputs", c.outputs);
	else
		cJSON_Delete(c.outputs);

	marshal_iam_free(&c);
	mid_table_free(&c.ids);
	mid_table_free(&c.output_ids);
	if (c.errors) {
		cJSON_Delete(tpl);
		return c.errors;
	}
	*out = tpl;
	return 0;
}

/* ---- printing ---- */

static void
print_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_append(b, run, (size_t)(s - run));
		run = s + 1;
		switch (ch) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		default:
			buf_puts(b, "\\u00");
			buf_putc(b, hex[ch >> 4]);
			buf_putc(b, hex[ch & 15]);
		}
	}
	buf_append(b, run, (size_t)(s - run));
	buf_putc(b, '"');
}

static void
print_number(struct buf *b, double v)
{
	char tmp[32];
	double back;

	if (!isfinite(v)) {
		buf_puts(b, "null"); /* JSON has no infinities; node_to_cjson avoids them */
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		buf_printf(b, "%lld", (long long)v);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%1.15g", v);
	if (sscanf(tmp, "%lg", &back) != 1 || back != v)
		snprintf(tmp, sizeof(tmp), "%1.17g", v);
	buf_puts(b, tmp);
}

static void
print_indent(struct buf *b, int depth)
{
	static const char spaces[] = "                                ";

	buf_putc(b, '\n');
	for (depth *= 2; depth > 0; depth -= 32)
		buf_append(b, spaces, depth > 32 ? 32 : (size_t)depth);
}

static void
print_value(struct buf *b, const cJSON *v, int depth)
{
	const cJSON *it;
	int obj;

	switch (v->type & 0xff) {
	case cJSON_NULL: buf_puts(b, "null"); return;
	case cJSON_False: buf_puts(b, "false"); return;
	case cJSON_True: buf_puts(b, "true"); return;
	case cJSON_Number: print_number(b, v->valuedouble); return;
	case cJSON_String: print_string(b, v->valuestring ? v->valuestring : ""); return;
	case cJSON_Raw: buf_puts(b, v->valuestring ? v->valuestring : "null"); return;
	case cJSON_Array:
	case cJSON_Object:
		break;
	default:
		buf_puts(b, "null");
		return;
	}
	obj = (v->type & 0xff) == cJSON_Object;
	if (v->child == NULL) {
		buf_puts(b, obj ? "{}" : "[]");
		return;
	}
	buf_putc(b, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		print_indent(b, depth + 1);
		if (obj) {
			print_string(b, it->string ? it->string : "");
			buf_puts(b, ": ");
		}
		print_value(b, it, depth + 1);
		if (it->next != NULL)
			buf_putc(b, ',');
	}
	print_indent(b, depth);
	buf_putc(b, obj ? '}' : ']');
}

void
marshal_print(const cJSON *tpl, struct buf *out)
{
	print_value(out, tpl, 0);
	buf_putc(out, '\n');
}

/* ---- quota checks ---- */

struct type_count {
	const char *type;
	size_t n;
};

static int
type_count_cmp(const void *a, const void *b)
{
	const struct type_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->type, y->type);
}

int
marshal_check_size(const struct manifest *m, const cJSON *tpl, size_t len,
    struct diags *d)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(tpl, "Resources"), *it;
	struct type_count *tc = NULL;
	size_t ntc = 0, cap = 0, nres = 0, i;
	struct buf b = {0};
	const char *type;

	if (len > MARSHAL_TEMPLATE_BODY_MAX)
		diag_add(d, DIAG_MARSHAL_TEMPLATE_S3, m->service_loc, NULL,
		    "the template is %zu bytes, over the %u bytes CloudFormation "
		    "accepts inline", len, MARSHAL_TEMPLATE_BODY_MAX);
	cJSON_ArrayForEach(it, res) {
		type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "Type"));
		if (type == NULL)
			type = "?";
		nres++;
		for (i = 0; i < ntc && strcmp(tc[i].type, type) != 0; i++)
			;
		if (i == ntc) {
			tc = xgrow(tc, &cap, ntc + 1, sizeof(*tc));
			tc[ntc].type = type;
			tc[ntc++].n = 0;
		}
		tc[i].n++;
	}
	if (len <= MARSHAL_TEMPLATE_S3_MAX && nres <= MARSHAL_RESOURCES_MAX) {
		free(tc);
		return 0;
	}
	qsort(tc, ntc, sizeof(*tc), type_count_cmp);
	for (i = 0; i < ntc; i++)
		buf_printf(&b, "%s%s %zu", i ? ", " : "", tc[i].type, tc[i].n);
	diag_add(d, DIAG_MARSHAL_TEMPLATE_LIMIT, m->service_loc, NULL,
	    "the template has %zu resources (CloudFormation allows %u) and %zu "
	    "bytes (allows %u): %s", nres, MARSHAL_RESOURCES_MAX, len,
	    MARSHAL_TEMPLATE_S3_MAX, b.data);
	buf_free(&b);
	free(tc);
	return 1;
}

/* ---- the build step ---- */

int
marshal_build(const struct manifest *m, const struct build_out *out,
    struct diags *d, size_t *len)
{
	struct hook_env env;
	struct buf b = {0};
	cJSON *tpl;
	int errors;

	if (len != NULL)
		*len = 0;
	build_hook_env(out, &env);
	if ((errors = hooks_run(m, MANIFEST_HOOK_PREMARSHAL, &env, d)) > 0)
		return errors;
	if ((errors = marshal_template(m, d, &tpl)) > 0)
		return errors;
	marshal_print(tpl, &b);
	marshal_check_size(m, tpl, b.len, d);
	cJSON_Delete(tpl);
	if (file_write_atomic(out->template_path, b.data, b.len, 0644) != 0) {
		log_error("cannot write %s: %s", out->template_path, strerror(errno));
		buf_free(&b);
		return -1;
	}
	if (len != NULL)
		*len = b.len;
	buf_free(&b);
	return hooks_run(m, MANIFEST_HOOK_POSTMARSHAL, &env, d);
}
