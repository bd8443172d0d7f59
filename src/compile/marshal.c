/*
 * marshal.c - the template compiler's driver: the areas in a fixed order,
 * then the artifact parameters, the manifest's raw additions, sorting,
 * printing and the quota checks. See marshal.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "compile/marshal_int.h"

/* ---- cJSON helpers ---- */

static char *
mstr_v(const char *first, va_list ap)
{
	va_list aq;
	const char *s;
	size_t n = 0;
	char *out, *p;

	va_copy(aq, ap);
	for (s = first; s != NULL; s = va_arg(aq, const char *))
		n += strlen(s);
	va_end(aq);
	p = out = xmalloc(n + 1);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		n = strlen(s);
		memcpy(p, s, n);
		p += n;
	}
	*p = '\0';
	return out;
}

char *
mstr(const char *first, ...)
{
	va_list ap;
	char *s;

	va_start(ap, first);
	s = mstr_v(first, ap);
	va_end(ap);
	return s;
}

cJSON *
mj_take(char *s)
{
	cJSON *v = cJSON_CreateStringReference(s);

	if (v == NULL)
		die_oom(sizeof(*v));
	/* no longer a reference: cJSON_Delete frees it */
	v->type &= ~cJSON_IsReference;
	return v;
}

/* {"Fn::Sub": s}, taking s. */
static cJSON *
sub_take(char *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObjectCS(o, "Fn::Sub", mj_take(s));
	return o;
}

cJSON *
mj_subs(const char *first, ...)
{
	va_list ap;
	char *s;

	va_start(ap, first);
	s = mstr_v(first, ap);
	va_end(ap);
	return sub_take(s);
}

cJSON *
mj_ref(const char *id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObjectCS(o, "Ref", mj_lit(id));
	return o;
}

cJSON *
mj_ref_take(char *id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObjectCS(o, "Ref", mj_take(id));
	return o;
}

cJSON *
mj_getatt(const char *id, const char *attr)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString(id));
	cJSON_AddItemToArray(a, mj_lit(attr));
	cJSON_AddItemToObjectCS(o, "Fn::GetAtt", a);
	return o;
}

cJSON *
mj_sub(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return sub_take(s);
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
		cJSON_AddItemToObjectCS(o, "Fn::Sub", cJSON_CreateString(s));
		free(s);
		return o;
	}
	a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString(fmt));
	vars = cJSON_CreateObject();
	cJSON_AddItemToObjectCS(vars, "V", mj_node(v));
	cJSON_AddItemToArray(a, vars);
	cJSON_AddItemToObjectCS(o, "Fn::Sub", a);
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
		return mj_lit("");
	case NODE_BOOL:
		return mj_lit(n->v.b ? "true" : "false");
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
		cJSON_AddItemToArray(a, mj_lit(v[i]));
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
		cJSON_AddItemToObjectCS(t, "Key", cJSON_CreateString(tags->v[i].key));
		cJSON_AddItemToObjectCS(t, "Value", mj_env_value(tags->v[i].value));
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
	return mstr(f->id, "Function", NULL);
}

char *
marshal_log_group_id(const struct manifest_function *f)
{
	return mstr(f->id, "LogGroup", NULL);
}

/* ---- parameters and raw additions ---- */

static void
marshal_parameters(struct mctx *c)
{
	cJSON *p, *ref;

	mid_claim(c, MARSHAL_PARAM_DIGEST, c->m->service_loc,
	    "the deploy digest parameter", NULL);
	p = cJSON_AddObjectToObject(c->parameters, MARSHAL_PARAM_DIGEST);
	mj_add_lit(p, "Type", "String");
	mj_add_str(p, "Description",
	    "Digest of what was deployed, for the no-change check (spartac deploy sets it)");
	mj_add_lit(p, "Default", "");
	mid_claim_output(c, MARSHAL_OUTPUT_DIGEST, c->m->service_loc,
	    "the deploy digest output", NULL);
	p = cJSON_AddObjectToObject(c->outputs, MARSHAL_OUTPUT_DIGEST);
	mj_add_lit(p, "Description", "Digest of what was deployed (spartac)");
	ref = cJSON_AddObjectToObject(p, "Value");
	mj_add_str(ref, "Ref", MARSHAL_PARAM_DIGEST);

	if (c->m->nfunctions == 0)
		return; /* an unused parameter is a cfn-lint warning */
	mid_claim(c, MARSHAL_PARAM_BUCKET, c->m->service_loc,
	    "the artifact bucket parameter", NULL);
	p = cJSON_AddObjectToObject(c->parameters, MARSHAL_PARAM_BUCKET);
	mj_add_lit(p, "Type", "String");
	mj_add_str(p, "Description",
	    "S3 bucket holding the code archive (spartac deploy sets it)");
	mj_add_num(p, "MinLength", 3);
	mid_claim(c, MARSHAL_PARAM_CODE_KEY, c->m->service_loc,
	    "the code key parameter", NULL);
	p = cJSON_AddObjectToObject(c->parameters, MARSHAL_PARAM_CODE_KEY);
	mj_add_lit(p, "Type", "String");
	mj_add_str(p, "Description",
	    "S3 key of the code archive, named by its content hash (spartac deploy sets it)");
	mj_add_num(p, "MinLength", 1);
}

/* Moves the manifest's entries of one raw section into dst, claiming their
 * names in ids (NULL: a namespace of the manifest's own). */
static void
marshal_raw(struct mctx *c, const struct node *section, cJSON *converted,
    cJSON *dst, const char *key, struct mid_table *ids)
{
	size_t i;
	cJSON *item;

	if (section == NULL || section->kind != NODE_MAP)
		return;
	for (i = 0; i < section->n; i++) {
		const struct node_pair *p = &section->pairs[i];

		if (ids != NULL)
			mid_claim_in(c, ids, p->key->str, p->key->loc, "the %s: entry", key);
		item = converted ?
		    cJSON_DetachItemFromObjectCaseSensitive(converted, p->key->str) :
		    NULL;
		if (item == NULL)
			item = mj_node(p->value);
		cJSON_AddItemToObject(dst, p->key->str, item);
	}
}

/* Adds a template section (takes it), or drops it when empty: CloudFormation
 * refuses an empty Mappings or Conditions object. */
static void
marshal_section(cJSON *tpl, const char *key, cJSON *section)
{
	if (cJSON_GetArraySize(section) > 0)
		cJSON_AddItemToObjectCS(tpl, key, section);
	else
		cJSON_Delete(section);
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

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.d = d;
	c.parameters = cJSON_CreateObject();
	c.mappings = cJSON_CreateObject();
	c.conditions = cJSON_CreateObject();
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
	/* Names of their own namespaces, never generated: nothing to claim. */
	marshal_raw(&c, m->mappings, NULL, c.mappings, "mappings", NULL);
	marshal_raw(&c, m->conditions, NULL, c.conditions, "conditions", NULL);
	marshal_types_check(&c);
	marshal_refs_check(&c);
	cJSON_Delete(raw_params);
	cJSON_Delete(raw_outputs);
	cJSON_Delete(c.raw_resources);

	mj_object_sort(c.parameters);
	mj_object_sort(c.mappings);
	mj_object_sort(c.conditions);
	mj_object_sort(c.resources);
	mj_object_sort(c.outputs);
	marshal_vars_apply(&c);
	if (c.errors == 0) /* a cycle through an error would be noise */
		marshal_graph_check(&c, c.resources);

	tpl = cJSON_CreateObject();
	mj_add_lit(tpl, "AWSTemplateFormatVersion", "2010-09-09");
	if (m->description != NULL)
		mj_add_str(tpl, "Description", m->description);
	else {
		desc = xasprintf("%s (spartac)", m->service);
		mj_add_str(tpl, "Description", desc);
		free(desc);
	}
	marshal_section(tpl, "Parameters", c.parameters);
	marshal_section(tpl, "Mappings", c.mappings);
	marshal_section(tpl, "Conditions", c.conditions);
	cJSON_AddItemToObjectCS(tpl, "Resources", c.resources);
	marshal_section(tpl, "Outputs", c.outputs);

	marshal_iam_free(&c);
	marshal_function_ids_free(&c);
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

/*
 * The printer writes straight into the buffer's memory: a 20,000-resource
 * template is tens of megabytes, and a function call per character was
 * most of the cost. A container whose one-line form fits in PRINT_WIDTH
 * columns (with its indentation and key) is printed on one line, the way
 * people write {"Ref": "X"} and ["logs:CreateLogStream", ...] by hand;
 * anything longer gets one member per line, indented by two spaces.
 */
#define PRINT_WIDTH 80

/*
 * The printer's output: all of it in b, or, with a sink, a window of
 * OUT_WINDOW bytes handed to the sink whenever it fills (the template is
 * compared or written as it is printed, and never held whole: 3.4 MB at
 * 1,000 functions). After the sink fails, the rest is dropped.
 */
#define OUT_WINDOW ((size_t)64 << 10)

struct out {
	struct buf b;
	size_t flushed; /* bytes given to the sink before b */
	int (*sink)(void *arg, const char *p, size_t n);
	void *arg;
	int failed;
};

static void
out_flush(struct out *o)
{
	if (!o->failed && o->b.len > 0 && o->sink(o->arg, o->b.data, o->b.len) != 0)
		o->failed = 1;
	o->flushed += o->b.len;
	o->b.len = 0;
}

static void
out_make_room(struct out *o, size_t n)
{
	if (o->sink != NULL)
		out_flush(o);
	if (o->b.len + n + 1 > o->b.cap)
		o->b.data = xgrow(o->b.data, &o->b.cap, o->b.len + n + 1, 1);
}

/* Called for every piece printed: the test stays inline. */
static inline void
out_reserve(struct out *o, size_t n)
{
	if (o->b.len + n + 1 > o->b.cap)
		out_make_room(o, n);
}

/* Bytes printed so far. */
static size_t
out_pos(const struct out *o)
{
	return o->flushed + o->b.len;
}

static inline void
out_mem(struct out *o, const char *p, size_t n)
{
	out_reserve(o, n);
	memcpy(o->b.data + o->b.len, p, n);
	o->b.len += n;
}

static inline void
out_char(struct out *o, char ch)
{
	out_reserve(o, 1);
	o->b.data[o->b.len++] = ch;
}

/* Does any byte of x need escaping ('"', '\\' or below 0x20)? It may
 * answer yes for a byte after one that does; never no for one that does. */
#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGH 0x8080808080808080ULL
#define SWAR_HAS_LESS(x, n) (((x) - SWAR_ONES * (n)) & ~(x) & SWAR_HIGH)
#define SWAR_HAS_ZERO(x) SWAR_HAS_LESS(x, 1)
#define SWAR_NEEDS_ESCAPE(x) (SWAR_HAS_LESS(x, 0x20) || \
    SWAR_HAS_ZERO((x) ^ (SWAR_ONES * '"')) || SWAR_HAS_ZERO((x) ^ (SWAR_ONES * '\\')))

static size_t
plain_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t x;

	/* Eight bytes at a time: strings are most of a template's bytes. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		if (SWAR_NEEDS_ESCAPE(x))
			break;
	}
	if (i + 8 > n && i < n) {
		/* The tail, padded with a byte that needs no escape. */
		x = SWAR_ONES * 'a';
		memcpy(&x, p + i, n - i);
		if (!SWAR_NEEDS_ESCAPE(x))
			return n;
	}
	for (; i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\'; i++)
		;
	return i;
}

static void
print_string_n(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	char esc[6];

	out_reserve(o, n + 2);
	o->b.data[o->b.len++] = '"';
	for (;;) {
		k = plain_prefix(p, n);
		out_mem(o, (const char *)p, k);
		p += k;
		n -= k;
		if (n == 0)
			break;
		esc[0] = '\\';
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			out_mem(o, esc, 6);
			p++;
			n--;
			continue;
		}
		out_mem(o, esc, 2);
		p++;
		n--;
	}
	out_char(o, '"');
}

/* Formats v as JSON into tmp (at least 32 bytes); returns its length. */
static size_t
format_number(char *tmp, double v)
{
	double back;

	if (!isfinite(v)) {
		memcpy(tmp, "null", 5); /* JSON has no infinities; node_to_cjson avoids them */
		return 4;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		/* Integers are most numbers here; printf is slow for them. */
		long long i = (long long)v;
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i :
		    (unsigned long long)i;
		char digits[24], *e = digits + sizeof(digits), *q = e;

		do
			*--q = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (i < 0)
			*--q = '-';
		memcpy(tmp, q, (size_t)(e - q));
		return (size_t)(e - q);
	}
	snprintf(tmp, 32, "%1.15g", v);
	if (sscanf(tmp, "%lg", &back) != 1 || back != v)
		snprintf(tmp, 32, "%1.17g", v);
	return strlen(tmp);
}

static void
print_string(struct out *o, const char *s)
{
	print_string_n(o, s, strlen(s));
}

/* A member's key. Keys added with mj_add are string literals of ours,
 * which need no escaping; the others (raw manifest keys) go the long way. */
static void
print_key(struct out *o, const cJSON *it)
{
	size_t n;

	if (it->string == NULL) {
		out_mem(o, "\"\": ", 4);
		return;
	}
	if (!(it->type & cJSON_StringIsConst)) {
		print_string(o, it->string);
		out_mem(o, ": ", 2);
		return;
	}
	n = strlen(it->string);
	out_reserve(o, n + 4);
	o->b.data[o->b.len] = '"';
	memcpy(o->b.data + o->b.len + 1, it->string, n);
	memcpy(o->b.data + o->b.len + 1 + n, "\": ", 3);
	o->b.len += n + 4;
}

static void
print_number(struct out *o, double v)
{
	char tmp[32];

	out_mem(o, tmp, format_number(tmp, v));
}

static void
print_newline(struct out *o, int depth)
{
	size_t n = (size_t)depth * 2 + 1;

	out_reserve(o, n);
	o->b.data[o->b.len] = '\n';
	memset(o->b.data + o->b.len + 1, ' ', n - 1);
	o->b.len += n;
}

static int
is_container(const cJSON *v)
{
	return (v->type & 0xff) == cJSON_Array || (v->type & 0xff) == cJSON_Object;
}

static void
print_scalar(struct out *o, const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_False: out_mem(o, "false", 5); return;
	case cJSON_True: out_mem(o, "true", 4); return;
	case cJSON_Number: print_number(o, v->valuedouble); return;
	case cJSON_String:
		/* width_pass left the length in valueint. */
		print_string_n(o, v->valuestring ? v->valuestring : "",
		    v->valuestring ? (size_t)v->valueint : 0);
		return;
	case cJSON_Raw:
		if (v->valuestring != NULL) {
			out_mem(o, v->valuestring, strlen(v->valuestring));
			return;
		}
		break;
	}
	out_mem(o, "null", 4);
}

/*
 * The one-line width of every container, computed once bottom-up and kept
 * in its valueint (which cJSON leaves unused for arrays and objects),
 * capped so that big containers stop counting. Escapes are not counted; a
 * line with escaped characters may run a little past PRINT_WIDTH.
 */
#define WIDTH_CAP 1000

static size_t
width_pass(cJSON *v)
{
	cJSON *it;
	size_t w;

	switch (v->type & 0xff) {
	case cJSON_String:
		/* valueint is unused for strings too: keep the length for
		 * print_scalar. */
		v->valueint = v->valuestring ? (int)strlen(v->valuestring) : 0;
		return (size_t)v->valueint + 2;
	case cJSON_Number: {
		char tmp[32];

		return format_number(tmp, v->valuedouble);
	}
	case cJSON_Array:
	case cJSON_Object:
		break;
	default:
		return v->valuestring ? strlen(v->valuestring) : 5;
	}
	w = 2;
	for (it = v->child; it != NULL; it = it->next) {
		if (it->string != NULL)
			w += strlen(it->string) + 4;
		w += width_pass(it) + 2;
	}
	v->valueint = w > WIDTH_CAP ? WIDTH_CAP : (int)w;
	return (size_t)v->valueint;
}

static void
print_inline(struct out *o, const cJSON *v)
{
	const cJSON *it;
	int obj;

	if (!is_container(v)) {
		print_scalar(o, v);
		return;
	}
	obj = (v->type & 0xff) == cJSON_Object;
	out_char(o, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		if (obj)
			print_key(o, it);
		print_inline(o, it);
		if (it->next != NULL)
			out_mem(o, ", ", 2);
	}
	out_char(o, obj ? '}' : ']');
}

/* col: the column v starts at (its indentation and key already written). */
static void
print_value(struct out *o, const cJSON *v, int depth, size_t col)
{
	const cJSON *it;
	size_t line_start;
	int obj;

	if (!is_container(v)) {
		print_scalar(o, v);
		return;
	}
	if (v->child == NULL) {
		out_mem(o, (v->type & 0xff) == cJSON_Object ? "{}" : "[]", 2);
		return;
	}
	if (col + (size_t)v->valueint <= PRINT_WIDTH) {
		print_inline(o, v);
		return;
	}
	obj = (v->type & 0xff) == cJSON_Object;
	out_char(o, obj ? '{' : '[');
	for (it = v->child; it != NULL; it = it->next) {
		print_newline(o, depth + 1);
		line_start = out_pos(o) - (size_t)(depth + 1) * 2;
		if (obj)
			print_key(o, it);
		print_value(o, it, depth + 1, out_pos(o) - line_start);
		if (it->next != NULL)
			out_char(o, ',');
	}
	print_newline(o, depth);
	out_char(o, obj ? '}' : ']');
}

static void
print_template(cJSON *tpl, struct out *o)
{
	width_pass(tpl);
	print_value(o, tpl, 0, 0);
	out_char(o, '\n');
}

void
marshal_print(cJSON *tpl, struct buf *out)
{
	struct out o = {0};

	o.b = *out;
	print_template(tpl, &o);
	o.b.data[o.b.len] = '\0'; /* out_reserve kept room for it */
	*out = o.b;
}

/* Prints tpl through sink; returns the length, or -1 if the sink failed. */
static long long
marshal_print_sink(cJSON *tpl, int (*sink)(void *, const char *, size_t),
    void *arg)
{
	struct out o = {0};

	o.sink = sink;
	o.arg = arg;
	o.b.data = xmalloc(OUT_WINDOW);
	o.b.cap = OUT_WINDOW;
	print_template(tpl, &o);
	out_flush(&o);
	buf_free(&o.b);
	return o.failed ? -1 : (long long)o.flushed;
}

static int
discard_sink(void *arg, const char *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

size_t
marshal_length(cJSON *tpl)
{
	return (size_t)marshal_print_sink(tpl, discard_sink, NULL);
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

/*
 * Where marshal_write prints the template: compared with the template on
 * disk while the two agree, and into a new file from the first difference
 * on. An unchanged template is not rewritten (its time stays, so make and
 * watchers see no change); a changed one replaces the old atomically
 * (readers never see a partial file), so a failed build leaves the old one
 * whole.
 */
struct template_sink {
	const char *path;
	FILE *old;              /* while every byte so far matched it */
	size_t same;            /* the bytes that matched */
	struct atomic_file new; /* new.tmp is set once they differ */
};

/* Do the next n bytes of fp equal p? */
static int
file_continues_with(FILE *fp, const char *p, size_t n)
{
	char chunk[16384];
	size_t k;

	while (n > 0) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		if (fread(chunk, 1, k, fp) != k || memcmp(chunk, p, k) != 0)
			return 0;
		p += k;
		n -= k;
	}
	return 1;
}

/* The bytes differ from the old file: start the new one with the part
 * that matched. */
static int
template_diverge(struct template_sink *s)
{
	char chunk[16384];
	size_t left = s->same, k;

	if (atomic_open(&s->new, s->path) == -1)
		return -1;
	if (s->old == NULL)
		return 0;
	rewind(s->old);
	while (left > 0) {
		k = left < sizeof(chunk) ? left : sizeof(chunk);
		if (fread(chunk, 1, k, s->old) != k) {
			errno = EIO; /* the old template shrank under us */
			return -1;
		}
		if (atomic_write(&s->new, chunk, k) == -1)
			return -1;
		left -= k;
	}
	fclose(s->old);
	s->old = NULL;
	return 0;
}

static int
template_sink_write(void *arg, const char *p, size_t n)
{
	struct template_sink *s = arg;

	if (s->old != NULL && file_continues_with(s->old, p, n)) {
		s->same += n;
		return 0;
	}
	if (s->new.tmp == NULL && template_diverge(s) == -1)
		return -1;
	return atomic_write(&s->new, p, n);
}

/* 1: the template on disk was already these bytes; 0: replaced; -1. */
static int
template_sink_finish(struct template_sink *s)
{
	if (s->old != NULL && fgetc(s->old) == EOF && !ferror(s->old))
		return 1;
	if (s->new.tmp == NULL && template_diverge(s) == -1)
		return -1;
	/* No fsync: the template is a function of the manifest, and every
	 * build compares the bytes, so one torn by a crash is replaced by
	 * the next build. Syncing 3.4 MB doubled a 1,000-function build. */
	return atomic_commit(&s->new, 0644, 0);
}

static void
template_sink_close(struct template_sink *s)
{
	if (s->old != NULL)
		fclose(s->old);
	atomic_abort(&s->new); /* nothing left after a commit */
}

long long
marshal_write(cJSON *tpl, const char *path)
{
	struct template_sink s = {0};
	long long len;
	int rc, saved;

	s.path = path;
	s.old = fopen(path, "rb");
	len = marshal_print_sink(tpl, template_sink_write, &s);
	rc = len < 0 ? -1 : template_sink_finish(&s);
	saved = errno;
	template_sink_close(&s);
	errno = saved;
	if (rc == 1)
		log_debug("%s is up to date", path);
	return rc < 0 ? -1 : len;
}
