/*
 * marshal.c - the template compiler's driver: the areas in a fixed order,
 * then the artifact parameters, the manifest's raw additions, sorting and
 * the quota checks (the printer is marshal_print.c). See marshal.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "front/json.h"
#include "compile/marshal_int.h"

/* ---- template nodes ---- */

/* The concatenation, in a (or malloc'ed when a is NULL). */
static char *
mstr_v(struct arena *a, const char *first, va_list ap)
{
	va_list aq;
	const char *s;
	size_t n = 0;
	char *out, *p;

	va_copy(aq, ap);
	for (s = first; s != NULL; s = va_arg(aq, const char *))
		n += strlen(s);
	va_end(aq);
	p = out = a != NULL ? arena_alloc(a, n + 1) : xmalloc(n + 1);
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
	s = mstr_v(NULL, first, ap);
	va_end(ap);
	return s;
}

cJSON *
mj_take(struct mctx *c, char *s)
{
	cJSON *v = mj_str(c, s);

	free(s);
	return v;
}

cJSON *
mj_subs(struct mctx *c, const char *first, ...)
{
	va_list ap;
	cJSON *o = mj_obj(c);
	char *s;

	va_start(ap, first);
	s = mstr_v(c->a, first, ap);
	va_end(ap);
	mj_add(o, "Fn::Sub", mj_lit(c, s)); /* s is the arena's already */
	return o;
}

cJSON *
mj_ref(struct mctx *c, const char *id)
{
	cJSON *o = mj_obj(c);

	mj_add(o, "Ref", mj_lit(c, id));
	return o;
}

cJSON *
mj_ref_take(struct mctx *c, char *id)
{
	cJSON *o = mj_obj(c);

	mj_add(o, "Ref", mj_take(c, id));
	return o;
}

cJSON *
mj_getatt(struct mctx *c, const char *id, const char *attr)
{
	cJSON *o = mj_obj(c), *a = mj_arr(c);

	jtree_push(a, mj_str(c, id));
	jtree_push(a, mj_lit(c, attr));
	mj_add(o, "Fn::GetAtt", a);
	return o;
}

cJSON *
mj_sub(struct mctx *c, const char *fmt, ...)
{
	va_list ap;
	cJSON *o = mj_obj(c);
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	mj_add(o, "Fn::Sub", mj_take(c, s));
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
mj_sub_value(struct mctx *c, const char *fmt, const struct node *v)
{
	cJSON *o = mj_obj(c), *a, *vars;
	char *s;

	if (v->kind == NODE_STRING) {
		s = sub_literal(fmt, v->str);
		mj_add(o, "Fn::Sub", mj_str(c, s));
		free(s);
		return o;
	}
	a = mj_arr(c);
	jtree_push(a, mj_str(c, fmt));
	vars = mj_obj(c);
	mj_add(vars, "V", mj_node(c, v));
	jtree_push(a, vars);
	mj_add(o, "Fn::Sub", a);
	return o;
}

cJSON *
mj_node(struct mctx *c, const struct node *n)
{
	return node_to_cjson(c->a, n);
}

cJSON *
mj_env_value(struct mctx *c, const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL:
		return mj_lit(c, "");
	case NODE_BOOL:
		return mj_lit(c, n->v.b ? "true" : "false");
	case NODE_INT:
	case NODE_FLOAT:
	case NODE_STRING:
		/* The text as written: 0x10 stays 0x10, 1.50 stays 1.50. */
		return mj_str(c, n->str ? n->str : "");
	default:
		return mj_node(c, n);
	}
}

cJSON *
mj_strings(struct mctx *c, const char *const *v, size_t n)
{
	cJSON *a = mj_arr(c);
	size_t i;

	for (i = 0; i < n; i++)
		jtree_push(a, mj_lit(c, v[i]));
	return a;
}

void
mj_array_push(struct mctx *c, cJSON **arr, cJSON *v)
{
	if (*arr == NULL)
		*arr = mj_arr(c);
	jtree_push(*arr, v);
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; s != NULL && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Equal values (cJSON_Compare) hash equal: an object's members are summed,
 * as cJSON_Compare ignores their order, and numbers (compared with a
 * tolerance) hash by their type alone. */
static uint64_t
value_hash(const cJSON *v)
{
	uint64_t h = (uint64_t)(v->type & 0xff) * 0x9e3779b97f4a7c15ULL;
	const cJSON *it;

	switch (v->type & 0xff) {
	case cJSON_String:
	case cJSON_Raw:
		return h ^ str_hash(v->valuestring);
	case cJSON_Array:
		for (it = v->child; it != NULL; it = it->next)
			h = (h ^ value_hash(it)) * 1099511628211ULL;
		return h;
	case cJSON_Object:
		for (it = v->child; it != NULL; it = it->next)
			h += str_hash(it->string) * 31 + value_hash(it);
		return h;
	}
	return h;
}

struct hashed {
	uint64_t hash;
	size_t pos;
	cJSON *v;
};

static int
hashed_cmp(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void
mj_array_dedupe(cJSON *arr, size_t start)
{
	struct hashed *h;
	unsigned char *drop;
	size_t n = 0, i, j, nreps;
	cJSON *it, *next, **reps;

	if (arr == NULL)
		return;
	for (it = arr->child; it != NULL; it = it->next)
		n++;
	if (n < 2 || start >= n)
		return;
	h = xcalloc(n, sizeof(*h));
	drop = xcalloc(n, 1);
	reps = xcalloc(n, sizeof(*reps));
	for (i = 0, it = arr->child; it != NULL; it = it->next, i++) {
		h[i].hash = value_hash(it);
		h[i].pos = i;
		h[i].v = it;
	}
	qsort(h, n, sizeof(*h), hashed_cmp);
	/* In a run of equal hashes, sorted by position, each distinct value
	 * is represented by its first item; a later item equal to one of them
	 * goes (from position start on). */
	for (i = 0, nreps = 0; i < n; i++) {
		if (i == 0 || h[i].hash != h[i - 1].hash)
			nreps = 0;
		for (j = 0; j < nreps && !cJSON_Compare(reps[j], h[i].v, 1); j++)
			;
		if (j < nreps)
			drop[h[i].pos] = h[i].pos >= start;
		else
			reps[nreps++] = h[i].v;
	}
	for (i = 0, it = arr->child; it != NULL; it = next, i++) {
		next = it->next;
		if (drop[i])
			cJSON_DetachItemViaPointer(arr, it); /* left to the arena */
	}
	free(reps);
	free(drop);
	free(h);
}

cJSON *
mj_tags(struct mctx *c, const struct manifest_kvs *tags)
{
	cJSON *a, *t;
	size_t i;

	if (tags->n == 0)
		return NULL;
	a = mj_arr(c);
	for (i = 0; i < tags->n; i++) {
		t = mj_obj(c);
		mj_add(t, "Key", mj_str(c, tags->v[i].key));
		mj_add(t, "Value", mj_env_value(c, tags->v[i].value));
		jtree_push(a, t);
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
	p = jtree_add(c->a, c->parameters, MARSHAL_PARAM_DIGEST, mj_obj(c));
	mj_add_lit(c, p, "Type", "String");
	mj_add_str(c, p, "Description",
	    "Digest of what was deployed, for the no-change check (spartac deploy sets it)");
	mj_add_lit(c, p, "Default", "");
	mid_claim_output(c, MARSHAL_OUTPUT_DIGEST, c->m->service_loc,
	    "the deploy digest output", NULL);
	p = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_DIGEST, mj_obj(c));
	mj_add_lit(c, p, "Description", "Digest of what was deployed (spartac)");
	ref = jtree_add(c->a, p, "Value", mj_obj(c));
	mj_add_str(c, ref, "Ref", MARSHAL_PARAM_DIGEST);

	if (c->m->nfunctions == 0)
		return; /* an unused parameter is a cfn-lint warning */
	mid_claim(c, MARSHAL_PARAM_BUCKET, c->m->service_loc,
	    "the artifact bucket parameter", NULL);
	p = jtree_add(c->a, c->parameters, MARSHAL_PARAM_BUCKET, mj_obj(c));
	mj_add_lit(c, p, "Type", "String");
	mj_add_str(c, p, "Description",
	    "S3 bucket holding the code archive (spartac deploy sets it)");
	mj_add_num(c, p, "MinLength", 3);
	mid_claim(c, MARSHAL_PARAM_CODE_KEY, c->m->service_loc,
	    "the code key parameter", NULL);
	p = jtree_add(c->a, c->parameters, MARSHAL_PARAM_CODE_KEY, mj_obj(c));
	mj_add_lit(c, p, "Type", "String");
	mj_add_str(c, p, "Description",
	    "S3 key of the code archive, named by its content hash (spartac deploy sets it)");
	mj_add_num(c, p, "MinLength", 1);
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
		/* The entries were converted in this order: each is the
		 * first left (a search by key would make this quadratic). */
		item = NULL;
		if (converted != NULL && converted->child != NULL &&
		    strcmp(converted->child->string, p->key->str) == 0)
			item = cJSON_DetachItemViaPointer(converted, converted->child);
		else if (converted != NULL)
			item = cJSON_DetachItemFromObjectCaseSensitive(converted,
			    p->key->str);
		if (item == NULL)
			item = mj_node(c, p->value);
		jtree_add(c->a, dst, p->key->str, item);
	}
}

/* Adds a template section, or leaves it out when empty: CloudFormation
 * refuses an empty Mappings or Conditions object. */
static void
marshal_section(cJSON *tpl, const char *key, cJSON *section)
{
	if (section->child != NULL)
		mj_add(tpl, key, section);
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

/*
 * The cycle check, and, when the template has more resources than a stack
 * holds (it will be split), the split's measuring of each entry beside it
 * on the other CPUs: each measuring job writes only its own entries'
 * nodes, which the cycle check only reads, and only the cycle check adds
 * diagnostics.
 */
static void
last_job(void *arg, size_t k)
{
	struct mctx *c = arg;

	if (k == 0)
		marshal_graph_check(c, c->resources);
	else
		marshal_measure_job(c, k - 1);
}

static void
last_checks(struct mctx *c, int splitting)
{
	struct mxrefs *r = &c->xrefs;
	cJSON *it;

	r->nres = (size_t)cJSON_GetArraySize(c->resources);
	if (!splitting || !marshal_split_by_count(c->m, r->nres)) {
		marshal_graph_check(c, c->resources);
		return;
	}
	r->res = xcalloc(r->nres + 1, sizeof(*r->res));
	r->nres = 0;
	cJSON_ArrayForEach(it, c->resources)
		r->res[r->nres++] = it;
	c->entry_len = xcalloc(r->nres + 1, sizeof(*c->entry_len));
	parallel_for(1 + marshal_measure_jobs(c), last_job, c);
}

int
marshal_template(const struct manifest *m, struct arena *a, struct diags *d,
    cJSON **out, struct marshal_split *split)
{
	struct mctx c;
	cJSON *tpl, *raw_params = NULL, *raw_outputs = NULL;
	char *desc;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.a = a;
	c.d = d;
	c.parameters = mj_obj(&c);
	c.mappings = mj_obj(&c);
	c.conditions = mj_obj(&c);
	c.resources = mj_obj(&c);
	c.outputs = mj_obj(&c);
	c.raw_resources = m->resources != NULL ?
	    node_to_cjson(a, m->resources) : mj_obj(&c);
	*out = NULL;

	marshal_depends_check(&c);
	marshal_parameters(&c);
	marshal_iam_prepare(&c);
	marshal_lambda(&c);
	marshal_events(&c);
	marshal_s3x_provider(&c);
	marshal_api(&c);
	marshal_site(&c);
	marshal_iam_emit(&c);

	/* The manifest's own entries come last, so a clash points at them. */
	if (m->parameters != NULL)
		raw_params = node_to_cjson(a, m->parameters);
	marshal_raw(&c, m->parameters, raw_params, c.parameters,
	    "parameters", &c.ids);
	marshal_events_s3_apply(&c);
	marshal_custom_apply(&c);
	marshal_raw(&c, m->resources, c.raw_resources, c.resources,
	    "resources", &c.ids);
	if (m->outputs != NULL)
		raw_outputs = node_to_cjson(a, m->outputs);
	marshal_raw(&c, m->outputs, raw_outputs, c.outputs,
	    "outputs", &c.output_ids);
	/* Names of their own namespaces, never generated: nothing to claim. */
	marshal_raw(&c, m->mappings, NULL, c.mappings, "mappings", NULL);
	marshal_raw(&c, m->conditions, NULL, c.conditions, "conditions", NULL);
	marshal_types_check(&c);
	marshal_refs_check(&c);

	mj_object_sort(c.parameters);
	mj_object_sort(c.mappings);
	mj_object_sort(c.conditions);
	mj_object_sort(c.resources);
	mj_object_sort(c.outputs);
	marshal_vars_apply(&c);
	if (c.errors == 0) /* a cycle through an error would be noise */
		last_checks(&c, split != NULL);

	tpl = mj_obj(&c);
	mj_add_lit(&c, tpl, "AWSTemplateFormatVersion", "2010-09-09");
	if (m->description != NULL)
		mj_add_str(&c, tpl, "Description", m->description);
	else {
		desc = xasprintf("%s (spartac)", m->service);
		mj_add_str(&c, tpl, "Description", desc);
		free(desc);
	}
	marshal_section(tpl, "Parameters", c.parameters);
	marshal_section(tpl, "Mappings", c.mappings);
	marshal_section(tpl, "Conditions", c.conditions);
	mj_add(tpl, "Resources", c.resources);
	marshal_section(tpl, "Outputs", c.outputs);

	if (c.errors == 0 && split != NULL)
		c.errors += marshal_split_template(&c, tpl, split);

	marshal_iam_free(&c);
	marshal_function_ids_free(&c);
	mid_table_free(&c.ids);
	mid_table_free(&c.output_ids);
	mxrefs_free(&c.xrefs);
	free(c.entry_len);
	free(c.cors_routes);
	if (c.errors)
		return c.errors; /* the tree is left to the caller's arena */
	*out = tpl;
	return 0;
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

void
marshal_type_counts_of(const char *const *types, size_t n, struct buf *b)
{
	struct type_count *tc = NULL;
	size_t ntc = 0, cap = 0, i, k;
	const char *type;

	for (k = 0; k < n; k++) {
		type = types[k] != NULL ? types[k] : "?";
		/* the generated types are literals: the same pointer */
		for (i = 0; i < ntc && tc[i].type != type &&
		    strcmp(tc[i].type, type) != 0; i++)
			;
		if (i == ntc) {
			tc = xgrow(tc, &cap, ntc + 1, sizeof(*tc));
			tc[ntc].type = type;
			tc[ntc++].n = 0;
		}
		tc[i].n++;
	}
	if (tc != NULL)
		qsort(tc, ntc, sizeof(*tc), type_count_cmp);
	for (i = 0; i < ntc; i++)
		buf_printf(b, "%s%s %zu", i ? ", " : "", tc[i].type, tc[i].n);
	free(tc);
}

size_t
marshal_type_counts(const cJSON *tpl, struct buf *b)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(tpl, "Resources"), *it;
	const char **types = NULL;
	size_t n = 0, cap = 0;

	cJSON_ArrayForEach(it, res) {
		types = xgrow(types, &cap, n + 1, sizeof(*types));
		types[n++] = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(it, "Type"));
	}
	marshal_type_counts_of(types, n, b);
	free(types);
	return n;
}

int
marshal_check_size(const struct manifest *m, const cJSON *tpl, size_t len,
    struct diags *d)
{
	struct buf b = {0};
	size_t nres;

	if (len > MARSHAL_TEMPLATE_BODY_MAX)
		diag_add(d, DIAG_MARSHAL_TEMPLATE_S3, m->service_loc, NULL,
		    "the template is %zu bytes, over the %u bytes CloudFormation "
		    "accepts inline", len, MARSHAL_TEMPLATE_BODY_MAX);
	nres = marshal_type_counts(tpl, &b);
	if (len <= MARSHAL_TEMPLATE_S3_MAX && nres <= MARSHAL_RESOURCES_MAX) {
		buf_free(&b);
		return 0;
	}
	diag_add(d, DIAG_MARSHAL_TEMPLATE_LIMIT, m->service_loc, NULL,
	    "the template has %zu resources (CloudFormation allows %u) and %zu "
	    "bytes (allows %u): %s", nres, MARSHAL_RESOURCES_MAX, len,
	    MARSHAL_TEMPLATE_S3_MAX, b.data);
	buf_free(&b);
	return 1;
}
