/*
 * marshal_split_wire.c - the children's templates and their plumbing.
 *
 * Resources move into their child unchanged but for their references to
 * what is elsewhere: in a child, such a Ref, GetAtt or ${} names a child
 * Parameter that the root passes (Ref or GetAtt of a root resource or
 * parameter, or GetAtt Child.Outputs.X of another child); in the root, a
 * reference to a child's resource becomes GetAtt Child.Outputs.X, the
 * child giving that Output. AWS::StackName and AWS::StackId are the root's
 * (the functions' discovery and log group names keep their values). A
 * DependsOn across stacks becomes a DependsOn of the stacks in the root.
 */
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/parallel.h"
#include "base/util.h"
#include "compile/marshal_split_int.h"

/* A name for a parameter (li: its child) or an output (li SPLIT_NONE) made
 * of id and attr: alphanumerics, unique in t and among the child's
 * resources, at most MARSHAL_LOGICAL_ID_MAX characters (arena). */
static const char *
plumb_name(struct split *s, struct mid_table *t, size_t li, const char *id,
    const char *attr)
{
	struct buf b = {0};
	const char *p;
	char *name;
	size_t r;

	for (p = id; *p; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9'))
			buf_putc(&b, *p);
	for (p = attr; *p; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9'))
			buf_putc(&b, *p);
	if (b.len > MARSHAL_LOGICAL_ID_MAX - 32) {
		uint64_t h = 1469598103934665603ULL;

		for (p = b.data; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		b.len = MARSHAL_LOGICAL_ID_MAX - 32;
		b.data[b.len] = '\0';
		buf_printf(&b, "H%016llx", (unsigned long long)h);
	}
	while ((li != SPLIT_NONE && (r = split_lookup(s, b.data, b.len)) <
	    s->nres && s->res[r].leaf == li) ||
	    mid_table_put(t, b.data, (struct loc){0}, NULL, NULL) != NULL)
		buf_puts(&b, "Param");
	name = jtree_strdup(s->a, b.data);
	buf_free(&b);
	return name;
}

/* {"Ref": id} or {"Fn::GetAtt": [id, attr]} of a target in its own stack. */
static cJSON *
local_value(struct split *s, size_t t, const char *attr)
{
	cJSON *o = jtree_object(s->a), *a;

	if (*attr == '\0') {
		jtree_add_lit(o, "Ref", jtree_string(s->a, split_target_id(s, t)));
		return o;
	}
	a = jtree_array(s->a);
	jtree_push(a, jtree_string(s->a, split_target_id(s, t)));
	jtree_push(a, jtree_string(s->a, attr));
	jtree_add_lit(o, "Fn::GetAtt", a);
	return o;
}

/* The output of key k in its target's child, made on first use. */
static const char *
key_output(struct split *s, size_t k)
{
	struct skey *key = &s->keys[k];
	struct sleaf *l = &s->leaves[s->res[key->target].leaf];
	cJSON *o;

	if (key->out != NULL)
		return key->out;
	key->out = plumb_name(s, &l->outnames, SPLIT_NONE,
	    split_target_id(s, key->target),
	    key->attr);
	o = jtree_add(s->a, l->outputs, key->out, jtree_object(s->a));
	jtree_add_lit(o, "Value", local_value(s, key->target, key->attr));
	return key->out;
}

/* {"Fn::GetAtt": [child, "Outputs.X"]} for a value of a child's. */
static cJSON *
output_value(struct split *s, size_t k)
{
	cJSON *o = jtree_object(s->a), *a = jtree_array(s->a);
	const char *out = key_output(s, k);
	char *attr = mstr("Outputs.", out, NULL);

	jtree_push(a, jtree_string(s->a,
	    s->leaves[s->res[s->keys[k].target].leaf].id));
	jtree_push(a, jtree_string(s->a, attr));
	free(attr);
	jtree_add_lit(o, "Fn::GetAtt", a);
	return o;
}

static int
is_list_parameter(const struct split *s, size_t t)
{
	const cJSON *p;
	const char *type;

	if (t < s->nres || t >= s->nres + s->nids)
		return 0;
	p = cJSON_GetObjectItemCaseSensitive(s->parameters, split_target_id(s, t));
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "Type"));
	return type != NULL && (strncmp(type, "List<", 5) == 0 ||
	    strcmp(type, "CommaDelimitedList") == 0);
}

/* The child parameter of leaf li that holds key k, made on first use. */
static const char *
key_param(struct split *s, size_t li, size_t k)
{
	struct skey *key = &s->keys[k];
	struct sleaf *l = &s->leaves[li];
	size_t t = key->target, tl = split_leaf_of(s, t);
	cJSON *p, *v, *join, *args;
	int list = *key->attr == '\0' && is_list_parameter(s, t);

	if (key->stamp == li)
		return key->param;
	key->stamp = li;
	key->param = plumb_name(s, &l->paramnames, li, split_target_id(s, t),
	    key->attr);
	p = jtree_add(s->a, l->params, key->param, jtree_object(s->a));
	jtree_add_lit(p, "Type", jtree_string_ref(s->a,
	    list ? "CommaDelimitedList" : "String"));
	if (tl != SPLIT_NONE)
		v = output_value(s, k);
	else
		v = local_value(s, t, key->attr);
	if (list) {
		join = jtree_object(s->a);
		args = jtree_array(s->a);
		jtree_push(args, jtree_string_ref(s->a, ","));
		jtree_push(args, v);
		jtree_add_lit(join, "Fn::Join", args);
		v = join;
	}
	jtree_add(s->a, l->stack_params, key->param, v);
	return key->param;
}

/* Whether key k is elsewhere than stack li (SPLIT_NONE: the root). */
static int
key_elsewhere(const struct split *s, size_t k, size_t li)
{
	size_t t = s->keys[k].target;

	if (t >= s->nres)
		return li != SPLIT_NONE;
	return s->res[t].leaf != li;
}

/* Makes the intrinsic v (a Ref or a GetAtt) {"Ref": name}, in place: a
 * child's references to the root are most of the rewiring. */
static void
ref_to(cJSON *v, const char *name)
{
	cJSON *it = v->child;

	it->string = (char *)"Ref";
	it->type = cJSON_String | cJSON_StringIsConst;
	it->child = NULL;
	it->valuestring = (char *)name; /* the arena's, like the tree's */
}

/*
 * The Sub string str with the names of refs[j0, j1) (its references, in
 * order) that are elsewhere than stack li replaced: by a parameter's name
 * in a child, by "Child.Outputs.X" in the root.
 */
static const char *
sub_rewrite(struct split *s, const char *str, size_t j0, size_t j1, size_t li)
{
	const struct mxref *x;
	struct buf *b = &s->scratch;
	const char *p = str;
	size_t j;

	b->len = 0;
	for (j = j0; j < j1; j++) {
		x = &s->refs[j];
		if (x->key == SPLIT_NONE || !key_elsewhere(s, x->key, li))
			continue;
		buf_append(b, p, (size_t)(x->name - p));
		if (li != SPLIT_NONE)
			buf_puts(b, key_param(s, li, x->key));
		else
			buf_printf(b, "%s.Outputs.%s", s->leaves[
			    s->res[s->keys[x->key].target].leaf].id,
			    key_output(s, x->key));
		p = x->attr + x->attrlen; /* the "}" */
	}
	buf_puts(b, p);
	return jtree_strdup(s->a, b->data);
}

/* Replaces v's only member by key: value. */
static void
replace_member(cJSON *v, const char *key, cJSON *value)
{
	cJSON_DetachItemViaPointer(v, v->child);
	jtree_add_lit(v, key, value);
}

/* The Sub of node v, whose names are refs[j0, j1), rewritten for li. */
static void
sub_node_rewire(struct split *s, cJSON *v, size_t j0, size_t j1, size_t li)
{
	cJSON *it = v->child, *a0, *a1;

	if (cJSON_IsString(it)) {
		replace_member(v, "Fn::Sub", jtree_string(s->a,
		    sub_rewrite(s, it->valuestring, j0, j1, li)));
		return;
	}
	a0 = it->child;
	a1 = jtree_string(s->a, sub_rewrite(s, a0->valuestring, j0, j1, li));
	jtree_replace(it, a0, a1);
}

/* The references refs[j0, j1) in stack li: each naming what is elsewhere
 * is replaced by what stands for it there. */
static void
rewire_refs(struct split *s, size_t j0, size_t j1, size_t li)
{
	const struct mxref *r;
	cJSON *nv;
	size_t j, e, k;

	for (j = j0; j < j1; j++) {
		r = &s->refs[j];
		if (r->node == NULL || r->key == SPLIT_NONE)
			continue;
		if (r->kind == MXREF_SUB) {
			/* a Sub's names are one after another: one rewrite */
			for (e = j + 1; e < j1 && s->refs[e].node == r->node; e++)
				;
			for (k = j; k < e && (s->refs[k].key == SPLIT_NONE ||
			    !key_elsewhere(s, s->refs[k].key, li)); k++)
				;
			if (k < e)
				sub_node_rewire(s, r->node, j, e, li);
			j = e - 1;
			continue;
		}
		if (!key_elsewhere(s, r->key, li))
			continue;
		if (li != SPLIT_NONE)
			ref_to(r->node, key_param(s, li, r->key));
		else {
			nv = output_value(s, r->key);
			replace_member(r->node, nv->child->string, nv->child);
		}
	}
}

/* The same for a value the template's references do not list (a
 * condition copied into a child). */
static void
rewire_value(struct split *s, cJSON *v, size_t li)
{
	struct mxrefs *x = &s->c->xrefs;
	size_t n0 = x->n;

	mxref_value(s->c, x, v, 0);
	split_refs_convert(s, n0, x->n, 0);
	rewire_refs(s, n0, x->n, li);
	x->n = n0;
}

/* ---- DependsOn ---- */

/* Adds name to arr unless it is there (arrays of a few stacks' IDs). */
static void
push_unique(struct split *s, cJSON *arr, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (strcmp(it->valuestring, name) == 0)
			return;
	jtree_push(arr, jtree_string(s->a, name));
}

/* The DependsOn of item, in stack li: names elsewhere become DependsOn of
 * the child's stack (li a child) or the child's stack (li the root). */
static void
rewire_depends(struct split *s, cJSON *item, size_t li, size_t *mark)
{
	cJSON *dep = cJSON_GetObjectItemCaseSensitive(item, "DependsOn"), *it;
	cJSON *keep;
	size_t t, tl, n = 0;
	const char *name;

	if (dep == NULL)
		return;
	keep = jtree_array(s->a);
	for (it = cJSON_IsArray(dep) ? dep->child : dep; it != NULL;
	    it = cJSON_IsArray(dep) ? it->next : NULL) {
		if (!cJSON_IsString(it))
			continue;
		t = split_lookup(s, it->valuestring, strlen(it->valuestring));
		tl = t == SPLIT_NONE ? li : split_leaf_of(s, t);
		if (tl == li) {
			jtree_push(keep, jtree_string(s->a, it->valuestring));
			n++;
			continue;
		}
		name = tl == SPLIT_NONE ? it->valuestring : s->leaves[tl].id;
		if (li != SPLIT_NONE) {
			if (s->leaves[li].stack_deps == NULL)
				s->leaves[li].stack_deps = jtree_array(s->a);
			push_unique(s, s->leaves[li].stack_deps, name);
		} else if (mark[tl] != s->gen) {
			mark[tl] = s->gen;
			jtree_push(keep, jtree_string(s->a, name));
			n++;
		}
	}
	if (n == 0)
		cJSON_DetachItemViaPointer(item, dep);
	else if (cJSON_IsString(dep) && n == 1)
		jtree_replace(item, dep, keep->child);
	else
		jtree_replace(item, dep, keep);
}

/* Marks the children root resource i names by value: a DependsOn on them
 * would be redundant (cfn-lint W3005) once its GetAtt names the stack. */
static void
mark_valued(struct split *s, size_t i, size_t *mark)
{
	const struct sres *r = &s->res[i];
	size_t j, t;

	for (j = r->ref0; j < r->ref0 + r->nref; j++)
		if (s->refs[j].attr != NULL &&
		    (t = split_leaf_of(s, s->refs[j].target)) != SPLIT_NONE)
			mark[t] = s->gen;
}

/* Whether a value under v is a Ref or GetAtt of id. */
static int
names_id(const cJSON *v, const char *id)
{
	const cJSON *it;

	if (cJSON_IsObject(v) && v->child != NULL && v->child->next == NULL) {
		it = v->child;
		if (strcmp(it->string, "Ref") == 0 && cJSON_IsString(it))
			return strcmp(it->valuestring, id) == 0;
		if (strcmp(it->string, "Fn::GetAtt") == 0 && cJSON_IsArray(it) &&
		    cJSON_IsString(it->child))
			return strcmp(it->child->valuestring, id) == 0;
	}
	if (cJSON_IsObject(v) || cJSON_IsArray(v))
		for (it = v->child; it != NULL; it = it->next)
			if (names_id(it, id))
				return 1;
	return 0;
}

/* Drops the stack's DependsOn entries its parameters already name. */
static void
drop_enforced(struct sleaf *l)
{
	cJSON *it, *next;

	for (it = l->stack_deps != NULL ? l->stack_deps->child : NULL; it != NULL;
	    it = next) {
		next = it->next;
		if (names_id(l->stack_params, it->valuestring))
			cJSON_DetachItemViaPointer(l->stack_deps, it);
	}
	if (l->stack_deps != NULL && l->stack_deps->child == NULL)
		l->stack_deps = NULL;
}

/* ---- conditions and mappings ---- */

/* A copy of v in the arena. */
static cJSON *
copy_tree(struct split *s, const cJSON *v)
{
	cJSON *o, *c;
	const cJSON *it;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		o = cJSON_IsObject(v) ? jtree_object(s->a) : jtree_array(s->a);
		for (it = v->child; it != NULL; it = it->next) {
			c = copy_tree(s, it);
			if (it->string != NULL)
				jtree_add(s->a, o, it->string, c);
			else
				jtree_push(o, c);
		}
		return o;
	}
	if (cJSON_IsString(v))
		return jtree_string(s->a, v->valuestring);
	if (cJSON_IsNumber(v))
		return jtree_number(s->a, v->valuedouble);
	if (cJSON_IsBool(v))
		return jtree_bool(s->a, cJSON_IsTrue(v));
	if (cJSON_IsRaw(v))
		return jtree_raw(s->a, v->valuestring);
	return jtree_null(s->a);
}

static void use_names(struct split *s, const cJSON *v, cJSON *conds,
    cJSON *maps);

static void
use_condition(struct split *s, const char *name, cJSON *conds, cJSON *maps)
{
	const cJSON *c;
	cJSON *copy;

	if (cJSON_GetObjectItemCaseSensitive(conds, name) != NULL ||
	    (c = cJSON_GetObjectItemCaseSensitive(s->conditions, name)) == NULL)
		return;
	copy = copy_tree(s, c);
	jtree_add(s->a, conds, name, copy);
	use_names(s, copy, conds, maps);
}

/* The conditions and mappings v uses, copied into conds and maps. */
static void
use_names(struct split *s, const cJSON *v, cJSON *conds, cJSON *maps)
{
	const cJSON *it, *m;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return;
	for (it = v->child; it != NULL; it = it->next) {
		if (it->string != NULL && strcmp(it->string, "Condition") == 0 &&
		    cJSON_IsString(it))
			use_condition(s, it->valuestring, conds, maps);
		else if (it->string != NULL && strcmp(it->string, "Fn::If") == 0 &&
		    cJSON_IsArray(it) && cJSON_IsString(it->child))
			use_condition(s, it->child->valuestring, conds, maps);
		else if (it->string != NULL &&
		    strcmp(it->string, "Fn::FindInMap") == 0 &&
		    cJSON_IsArray(it) && cJSON_IsString(it->child) &&
		    cJSON_GetObjectItemCaseSensitive(maps,
		    it->child->valuestring) == NULL &&
		    (m = cJSON_GetObjectItemCaseSensitive(s->mappings,
		    it->child->valuestring)) != NULL)
			jtree_add(s->a, maps, it->child->valuestring,
			    copy_tree(s, m));
		use_names(s, it, conds, maps);
	}
}

/* Drops from section the entries used is without. */
static void
drop_unused(cJSON *section, const cJSON *used)
{
	cJSON *it, *next;

	for (it = section != NULL ? section->child : NULL; it != NULL; it = next) {
		next = it->next;
		if (cJSON_GetObjectItemCaseSensitive(used, it->string) == NULL)
			cJSON_DetachItemViaPointer(section, it);
	}
}

/* ---- the stacks ---- */

static void
leaves_init(struct split *s)
{
	struct sleaf *l;
	struct buf b = {0};
	size_t i;
	int bit;

	for (i = 0; i < s->nleaves; i++) {
		l = &s->leaves[i];
		buf_free(&b);
		buf_puts(&b, MARSHAL_CHILD_PREFIX);
		for (bit = l->depth - 1; bit >= 0; bit--)
			buf_putc(&b, (l->bits >> bit) & 1 ? '1' : '0');
		/* a manifest resource of that name: the stack's takes a suffix */
		while (split_lookup(s, b.data, b.len) != SPLIT_NONE)
			buf_puts(&b, "Nested");
		l->id = jtree_strdup(s->a, b.data);
		l->params = jtree_object(s->a);
		l->resources = jtree_object(s->a);
		l->outputs = jtree_object(s->a);
		l->conditions = jtree_object(s->a);
		l->mappings = jtree_object(s->a);
		l->stack_params = jtree_object(s->a);
	}
	buf_free(&b);
	/* the resources move, in the root's (sorted) order */
	for (i = 0; i < s->nres; i++) {
		if ((l = s->res[i].leaf != SPLIT_NONE ?
		    &s->leaves[s->res[i].leaf] : NULL) == NULL)
			continue;
		cJSON_DetachItemViaPointer(s->resources, s->res[i].item);
		jtree_push(l->resources, s->res[i].item);
	}
}

static void
add_section(struct split *s, cJSON *tpl, const char *key, cJSON *section)
{
	(void)s;
	if (section != NULL && section->child != NULL) {
		mj_object_sort(section);
		jtree_add_lit(tpl, key, section);
	}
}

/* The child's template and its AWS::CloudFormation::Stack in the root. */
static void
leaf_assemble(struct split *s, struct sleaf *l)
{
	cJSON *props;
	char *desc;

	l->tpl = jtree_object(s->a);
	jtree_add_lit(l->tpl, "AWSTemplateFormatVersion",
	    jtree_string_ref(s->a, "2010-09-09"));
	desc = xasprintf("%s (spartac): nested stack %s", s->m->service, l->id);
	if (strlen(desc) > MARSHAL_DESCRIPTION_MAX)
		desc[MARSHAL_DESCRIPTION_MAX] = '\0';
	jtree_add_lit(l->tpl, "Description", jtree_string(s->a, desc));
	free(desc);
	add_section(s, l->tpl, "Parameters", l->params);
	add_section(s, l->tpl, "Mappings", l->mappings);
	add_section(s, l->tpl, "Conditions", l->conditions);
	jtree_add_lit(l->tpl, "Resources", l->resources);
	add_section(s, l->tpl, "Outputs", l->outputs);

	l->stack = jtree_add(s->a, s->resources, l->id, jtree_object(s->a));
	jtree_add_lit(l->stack, "Type",
	    jtree_string_ref(s->a, "AWS::CloudFormation::Stack"));
	drop_enforced(l);
	if (l->stack_deps != NULL)
		jtree_add_lit(l->stack, "DependsOn", l->stack_deps);
	props = jtree_add_lit(l->stack, "Properties", jtree_object(s->a));
	if (l->stack_params->child != NULL) {
		mj_object_sort(l->stack_params);
		jtree_add_lit(props, "Parameters", l->stack_params);
	}
	/* TemplateURL: split_finish, once the child is printed */
}

/* The resources grouped by child, the root's last (as nleaves), each
 * group in the template's order: group l is by_leaf[first[l], first[l+1]). */
static size_t *
resources_by_leaf(const struct split *s, size_t **first)
{
	size_t *by = xcalloc(s->nres + 1, sizeof(*by)), i, l;
	size_t *f = xcalloc(s->nleaves + 3, sizeof(*f));

	for (i = 0; i < s->nres; i++) {
		l = s->res[i].leaf == SPLIT_NONE ? s->nleaves : s->res[i].leaf;
		f[l + 2]++;
	}
	for (l = 0; l < s->nleaves + 1; l++)
		f[l + 2] += f[l + 1];
	for (i = 0; i < s->nres; i++) {
		l = s->res[i].leaf == SPLIT_NONE ? s->nleaves : s->res[i].leaf;
		by[f[l + 1]++] = i;
	}
	*first = f;
	return by;
}

void
split_wire(struct split *s)
{
	size_t *mark = xcalloc(s->nleaves + 1, sizeof(*mark)), i, j;
	size_t *by_leaf, *first;
	struct sres *r;
	cJSON *it, *used_c, *used_m;
	/* no walk for them when the template has neither */
	int named = s->conditions != NULL || s->mappings != NULL;

	leaves_init(s);
	/* child by child (a key's parameter is kept for one child at a
	 * time), each child's resources in the template's order */
	by_leaf = resources_by_leaf(s, &first);
	for (i = 0; i < s->nleaves; i++) {
		struct sleaf *l = &s->leaves[i];

		for (j = first[i]; j < first[i + 1]; j++) {
			r = &s->res[by_leaf[j]];
			if (r->depends)
				rewire_depends(s, r->item, i, mark);
			rewire_refs(s, r->ref0, r->ref0 + r->nref, i);
		}
		if (named)
			use_names(s, l->resources, l->conditions, l->mappings);
		cJSON_ArrayForEach(it, l->conditions)
			rewire_value(s, it, i);
	}
	for (j = first[s->nleaves]; j < first[s->nleaves + 1]; j++) {
		r = &s->res[by_leaf[j]];
		s->gen++;
		mark_valued(s, by_leaf[j], mark);
		if (r->depends)
			rewire_depends(s, r->item, SPLIT_NONE, mark);
		rewire_refs(s, r->ref0, r->ref0 + r->nref, SPLIT_NONE);
	}
	free(by_leaf);
	free(first);
	rewire_refs(s, s->out0, s->out1, SPLIT_NONE);
	used_c = jtree_object(s->a);
	used_m = jtree_object(s->a);
	if (named) {
		use_names(s, s->resources, used_c, used_m);
		use_names(s, s->outputs, used_c, used_m);
	}
	drop_unused(s->conditions, used_c);
	drop_unused(s->mappings, used_m);
	if (s->conditions != NULL && s->conditions->child == NULL)
		cJSON_DetachItemViaPointer(s->tpl, s->conditions);
	if (s->mappings != NULL && s->mappings->child == NULL)
		cJSON_DetachItemViaPointer(s->tpl, s->mappings);
	for (i = 0; i < s->nleaves; i++)
		leaf_assemble(s, &s->leaves[i]);
	mj_object_sort(s->resources);
	free(mark);
}

/* ---- printing and the limits ---- */

static size_t
count(const cJSON *section)
{
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, section)
		n++;
	return n;
}

/* A warning for each limit tpl (nres resources, len bytes; name for the
 * message) is over (max_resources 0: the root, whose size
 * marshal_check_size checks); its resources' IDs are looked at only when
 * resource_ids is set (split_index found one too long). */
static int
check_limits(struct split *s, const cJSON *tpl, size_t nres, size_t len,
    const char *name, size_t max_resources, int resource_ids)
{
	static const struct {
		const char *section;
		unsigned max;
	} lim[] = {
		{"Parameters", MARSHAL_PARAMETERS_MAX},
		{"Outputs", MARSHAL_OUTPUTS_MAX},
		{"Mappings", MARSHAL_MAPPINGS_MAX},
	};
	const cJSON *it;
	size_t i, n;
	int errors = 0;

	/* the root's resources and bytes: marshal_check_size, once written */
	if (max_resources > 0 && (nres > max_resources ||
	    len > MARSHAL_TEMPLATE_S3_MAX)) {
		diag_add(s->d, DIAG_MARSHAL_SPLIT_LIMIT, s->m->service_loc, NULL,
		    "the %s template has %zu resources (at most %zu) and %zu "
		    "bytes (at most %u)", name, nres, max_resources, len,
		    MARSHAL_TEMPLATE_S3_MAX);
		errors++;
	}
	for (i = 0; i < NELEM(lim); i++) {
		n = count(cJSON_GetObjectItemCaseSensitive(tpl, lim[i].section));
		if (n > lim[i].max) {
			diag_add(s->d, DIAG_MARSHAL_SPLIT_LIMIT, s->m->service_loc,
			    NULL, "the %s template has %zu %s (at most %u)", name,
			    n, lim[i].section, lim[i].max);
			errors++;
		}
	}
	for (i = 0; i < NELEM(lim); i++)
		cJSON_ArrayForEach(it, (i == 1 && !resource_ids ? NULL :
		    cJSON_GetObjectItemCaseSensitive(tpl,
		    i == 0 ? "Parameters" : i == 1 ? "Resources" : "Outputs")))
			if (strlen(it->string) > MARSHAL_LOGICAL_ID_MAX) {
				diag_add(s->d, DIAG_MARSHAL_SPLIT_LIMIT,
				    s->m->service_loc, NULL, "the %s template has "
				    "a logical ID over %u characters: %.40s...", name,
				    MARSHAL_LOGICAL_ID_MAX, it->string);
					errors++;
			}
	return errors;
}

static void
child_out(struct split *s, struct sleaf *l, struct marshal_child *c)
{
	size_t p;

	marshal_print_lines(l->tpl, &c->text);
	digest_sha256_hex(c->text.data, c->text.len, c->sha256);
	c->nresources = s->cum_res[l->hi] - s->cum_res[l->lo];
	c->nfunctions = l->hi - l->lo;
	c->functions = xcalloc(c->nfunctions + 1, sizeof(*c->functions));
	for (p = l->lo; p < l->hi; p++)
		c->functions[p - l->lo] = (char *)s->m->functions[s->order[p]].name;
}

struct print_job {
	struct split *s;
	struct marshal_split *out;
};

static void
print_one(void *arg, size_t i)
{
	struct print_job *j = arg;

	child_out(j->s, &j->s->leaves[i], &j->out->v[i]);
}

int
split_finish(struct split *s, struct marshal_split *out)
{
	struct print_job job;
	struct marshal_child *c;
	struct sleaf *l;
	size_t i, largest = 0, largest_len = 0;
	cJSON *props;
	char *url;

	out->v = xcalloc(s->nleaves + 1, sizeof(*out->v));
	out->n = s->nleaves;
	/* on every CPU: the children share no node, and printing and
	 * hashing them was a quarter of a 1,000-function build; each one's
	 * bytes depend on its tree only */
	job.s = s;
	job.out = out;
	for (i = 0; i < s->nleaves; i++) {
		c = &out->v[i];
		l = &s->leaves[i];
		c->id = xstrdup(l->id);
		/* its entries' lines and room for the rest: one allocation */
		c->text.cap = 65536 + (s->cum_len[l->hi] - s->cum_len[l->lo]);
		c->text.data = xmalloc(c->text.cap);
	}
	parallel_for(s->nleaves, print_one, &job);
	for (i = 0; i < s->nleaves; i++) {
		c = &out->v[i];
		check_limits(s, s->leaves[i].tpl, c->nresources, c->text.len, c->id,
		    c->nfunctions > 1 ? s->max_resources : MARSHAL_RESOURCES_MAX,
		    s->long_ids);
		if (c->nresources > largest)
			largest = c->nresources;
		if (c->text.len > largest_len)
			largest_len = c->text.len;
		url = mstr("https://${" MARSHAL_PARAM_BUCKET "}.s3.${AWS::Region}."
		    "${AWS::URLSuffix}/${AWS::StackName}/templates/", c->sha256,
		    ".json", NULL);
		props = cJSON_GetObjectItemCaseSensitive(s->leaves[i].stack,
		    "Properties");
		jtree_add_lit(props, "TemplateURL", jtree_object(s->a));
		jtree_add_lit(props->child->prev, "Fn::Sub", jtree_string(s->a, url));
		free(url);
	}
	check_limits(s, s->tpl, count(s->resources), 0, "root", 0, 1);
	diag_add(s->d, DIAG_MARSHAL_SPLIT, s->m->service_loc, NULL,
	    "%s; split into the root (%zu resources) and %zu nested stacks "
	    "(the largest: %zu resources, %zu bytes)", s->note.data,
	    count(s->resources), s->nleaves, largest, largest_len);
	return s->errors;
}
