/*
 * marshal_refs.c - every reference the manifest makes must resolve in the
 * template: Ref, Fn::GetAtt, the ${Name} variables of Fn::Sub, the
 * conditions of Fn::If, !Condition and Condition attributes, and the
 * mappings and literal keys of Fn::FindInMap. Fn::GetAtt (and ${Id.Attr}
 * in Fn::Sub) must name a resource, not a parameter, and an attribute its
 * type has when the type is in schema/cfn-types.tsv (see cfn_types.h).
 *
 * CloudFormation refuses a template with an unresolved reference, but only
 * at deploy time and without a line number. Only the marshaller knows every
 * logical ID the template will hold (generated and raw), so the check runs
 * here, over the manifest's located nodes, and points at the line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile/cfn_types.h"
#include "compile/marshal_int.h"

static const char *const pseudo[] = {
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
	"AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName",
	"AWS::URLSuffix",
};

static int
is_pseudo(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(pseudo); i++)
		if (strcmp(pseudo[i], name) == 0)
			return 1;
	return 0;
}

/* One unknown name at `at`: "WHAT 'NAME' is WHERE (did you mean 'HINT'?)". */
static void
unknown_report(struct mctx *c, const struct node *at, const char *what,
    const char *name, const char *where, const char *hint)
{
	mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, at->loc, NULL, "%s '%s' is %s%s",
	    what, name, where, diag_did_you_mean(hint));
}

/* The candidates are gathered only on this (rare) error path. */
static const char *
suggest_id(const struct mid_table *t, const char *name)
{
	const char **cand, *hint;
	size_t i;

	cand = xcalloc(t->n + 1, sizeof(*cand));
	for (i = 0; i < t->n; i++)
		cand[i] = t->v[i].id;
	hint = str_suggest(name, cand, t->n);
	free(cand);
	return hint;
}

static const char *
suggest_key(const struct node *map, const char *name)
{
	const char **cand, *hint;
	size_t i;

	if (map == NULL || map->kind != NODE_MAP)
		return NULL;
	cand = xcalloc(map->n + 1, sizeof(*cand));
	for (i = 0; i < map->n; i++)
		cand[i] = map->pairs[i].key->str;
	hint = str_suggest(name, cand, map->n);
	free(cand);
	return hint;
}

static void
unknown_id(struct mctx *c, const struct node *at, const char *what,
    const char *name)
{
	const char *hint = suggest_id(&c->ids, name);
	char *fn;

	/* Naming a function by its manifest name is the likely slip. */
	fn = xasprintf("%c%sFunction", toupper((unsigned char)name[0]),
	    name[0] ? name + 1 : "");
	if (hint == NULL && mid_table_get(&c->ids, fn) != NULL)
		hint = mid_table_get(&c->ids, fn)->id;
	unknown_report(c, at, what, name,
	    "not a parameter or resource of the template", hint);
	free(fn);
}

static void
check_id(struct mctx *c, const struct node *at, const char *what,
    const char *name)
{
	if (marshal_var_is_ours(name)) {
		if (marshal_var(c->m, name) == NULL)
			unknown_report(c, at, what, name, "not one of spartac's "
			    "variables (spartac:stage, spartac:service)",
			    marshal_var_suggest(name));
		return;
	}
	if (is_pseudo(name) || mid_table_get(&c->ids, name) != NULL)
		return;
	unknown_id(c, at, what, name);
}

/* ---- Fn::GetAtt attributes ---- */

/* The template's resources (generated and raw) by logical ID. */
struct mref_type {
	const char *id, *type;
};
struct mref_types {
	struct mref_type *v;
	size_t n;
};

static int
mref_type_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mref_type *)a)->id,
	    ((const struct mref_type *)b)->id);
}

/* The Type of resource id, or NULL. Indexed on the first Fn::GetAtt: the
 * template may hold tens of thousands of resources. */
static const char *
resource_type(struct mctx *c, const char *id)
{
	struct mref_types *t = c->types;
	struct mref_type key, *hit;
	const cJSON *r, *type;

	if (t == NULL) {
		t = c->types = xcalloc(1, sizeof(*t));
		t->v = xcalloc((size_t)cJSON_GetArraySize(c->resources) + 1,
		    sizeof(*t->v));
		cJSON_ArrayForEach(r, c->resources) {
			type = cJSON_GetObjectItemCaseSensitive(r, "Type");
			if (!cJSON_IsString(type))
				continue;
			t->v[t->n].id = r->string;
			t->v[t->n++].type = type->valuestring;
		}
		qsort(t->v, t->n, sizeof(*t->v), mref_type_cmp);
	}
	key.id = id;
	hit = bsearch(&key, t->v, t->n, sizeof(*t->v), mref_type_cmp);
	return hit ? hit->type : NULL;
}

/* A close name, or one that ends in attr ('Arn' -> 'TopicArn'), or NULL. */
static const char *
getatt_suggest(const struct cfn_type *t, const char *attr)
{
	const char *hint = str_suggest(attr, t->attrs, t->nattrs);
	size_t i;

	if (hint != NULL && strchr(hint, '*') == NULL)
		return hint;
	for (i = 0; *attr != '\0' && i < t->nattrs; i++)
		if (str_has_suffix(t->attrs[i], attr) &&
		    strchr(t->attrs[i], '*') == NULL)
			return t->attrs[i];
	return NULL;
}

static void
getatt_attribute_unknown(struct mctx *c, const struct node *at,
    const char *what, const char *id, const char *attr,
    const struct cfn_type *t)
{
	const char *hint = getatt_suggest(t, attr);
	struct buf known = {0};
	size_t i;

	if (hint != NULL)
		buf_puts(&known, diag_did_you_mean(hint));
	else if (t->nattrs > 0 && t->nattrs <= 8) {
		buf_puts(&known, "; it has ");
		for (i = 0; i < t->nattrs; i++)
			buf_printf(&known, "%s%s", i ? ", " : "", t->attrs[i]);
	} else if (t->nattrs == 0)
		buf_puts(&known, "; it has none");
	mctx_diag(c, DIAG_MARSHAL_GETATT_ATTRIBUTE, at->loc, NULL,
	    "%s '%s.%s': %s has no attribute '%s'%s", what, id, attr,
	    t->name, attr, known.data ? known.data : "");
	buf_free(&known);
}

/* Fn::GetAtt [id, attr] (attr NULL when computed): id must be a resource,
 * and attr one its type has when the table knows the type. */
static void
check_getatt(struct mctx *c, const struct node *at, const char *what,
    const char *id, const char *attr)
{
	const struct cfn_type *t;
	const char *type;

	if (mid_table_get(&c->ids, id) == NULL) {
		unknown_id(c, at, what, id);
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(c->parameters, id) != NULL) {
		mctx_diag(c, DIAG_MARSHAL_GETATT_PARAMETER, at->loc, NULL,
		    "%s '%s', which is a parameter, not a resource (!Ref %s "
		    "gives its value)", what, id, id);
		return;
	}
	if (attr == NULL || (type = resource_type(c, id)) == NULL ||
	    (t = cfn_type_find(type)) == NULL || cfn_type_has_attribute(t, attr))
		return;
	getatt_attribute_unknown(c, at, what, id, attr, t);
}

/* Fn::GetAtt "Id.Attr" (the attribute may hold dots) or [Id, Attr]. */
static void
check_getatt_node(struct mctx *c, const struct node *at, const struct node *v)
{
	char *id, *dot = NULL;

	if (v->kind == NODE_SEQ && v->n >= 1 && v->items[0]->kind == NODE_STRING)
		id = xstrdup(v->items[0]->str);
	else if (v->kind == NODE_STRING) {
		id = xstrdup(v->str);
		if ((dot = strchr(id, '.')) != NULL)
			*dot++ = '\0';
	} else
		return;
	if (v->kind == NODE_SEQ ? v->n != 2 : dot == NULL || *dot == '\0') {
		mctx_diag(c, DIAG_MARSHAL_GETATT_ATTRIBUTE, at->loc, NULL,
		    "Fn::GetAtt of '%s' names no attribute: it takes "
		    "'Resource.Attribute' or [Resource, Attribute]", id);
		check_getatt(c, at, "Fn::GetAtt of", id, NULL);
	} else if (v->kind == NODE_SEQ)
		check_getatt(c, at, "Fn::GetAtt of", id,
		    v->items[1]->kind == NODE_STRING ? v->items[1]->str : NULL);
	else
		check_getatt(c, at, "Fn::GetAtt of", id, dot);
	free(id);
}

/* ${Name} and ${Name.Attr} in a Sub string; ${!...} is a literal. */
static void
check_sub(struct mctx *c, const struct node *at, const char *s,
    const struct node *vars)
{
	const char *p, *end;
	char *name, *dot;

	for (p = s; (p = strstr(p, "${")) != NULL; p = end + 1) {
		if ((end = strchr(p + 2, '}')) == NULL)
			return;
		if (p[2] == '!')
			continue;
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		if (vars != NULL && node_get(vars, name) != NULL) {
			free(name);
			continue;
		}
		if ((dot = strchr(name, '.')) != NULL) {
			*dot = '\0';
			check_getatt(c, at, "Fn::Sub refers to", name, dot + 1);
		} else
			check_id(c, at, "Fn::Sub refers to", name);
		free(name);
	}
}

/* A condition named by Fn::If, !Condition or a Condition attribute. */
static void
check_condition(struct mctx *c, const struct node *at, const char *what)
{
	if (node_get(c->m->conditions, at->str) != NULL)
		return;
	unknown_report(c, at, what, at->str, "not declared under conditions:",
	    suggest_key(c->m->conditions, at->str));
}

/*
 * Fn::FindInMap [Mapping, TopKey, SecondKey]: each part written as a literal
 * must exist. A literal second key under a computed top key must exist
 * under at least one top key.
 */
static void
check_find_in_map(struct mctx *c, const struct node *args)
{
	const struct node *name = args->items[0], *top = args->items[1];
	const struct node *key = args->items[2], *map, *under;
	char *where;
	size_t i;

	if (name->kind != NODE_STRING)
		return;
	if ((map = node_get(c->m->mappings, name->str)) == NULL) {
		unknown_report(c, name, "Fn::FindInMap mapping", name->str,
		    "not declared under mappings:",
		    suggest_key(c->m->mappings, name->str));
		return;
	}
	if (top->kind == NODE_STRING) {
		if ((under = node_get(map, top->str)) == NULL) {
			where = xasprintf("not a top-level key of mapping '%s'",
			    name->str);
			unknown_report(c, top, "Fn::FindInMap key", top->str, where,
			    suggest_key(map, top->str));
			free(where);
			return;
		}
		if (key->kind == NODE_STRING && node_get(under, key->str) == NULL) {
			where = xasprintf("not a key under '%s' in mapping '%s'",
			    top->str, name->str);
			unknown_report(c, key, "Fn::FindInMap key", key->str, where,
			    suggest_key(under, key->str));
			free(where);
		}
		return;
	}
	if (key->kind != NODE_STRING)
		return;
	for (i = 0; i < map->n; i++)
		if (node_get(map->pairs[i].value, key->str) != NULL)
			return;
	where = xasprintf("not a second-level key of mapping '%s'", name->str);
	unknown_report(c, key, "Fn::FindInMap key", key->str, where,
	    map->n ? suggest_key(map->pairs[0].value, key->str) : NULL);
	free(where);
}

/*
 * in_condition: n is part of a conditions: entry, where {"Condition": Name}
 * names another condition and a Ref may name only a parameter.
 */
static void
refs_walk(struct mctx *c, const struct node *n, int in_condition)
{
	const struct node *v;
	const char *key;
	size_t i;

	if (n == NULL)
		return;
	if (n->kind == NODE_SEQ) {
		for (i = 0; i < n->n; i++)
			refs_walk(c, n->items[i], in_condition);
		return;
	}
	if (n->kind != NODE_MAP)
		return;
	if (n->n == 1) {
		key = n->pairs[0].key->str;
		v = n->pairs[0].value;
		if (strcmp(key, "Ref") == 0 && v->kind == NODE_STRING) {
			check_id(c, n, "Ref to", v->str);
			if (in_condition && !is_pseudo(v->str) &&
			    mid_table_get(&c->ids, v->str) != NULL &&
			    cJSON_GetObjectItemCaseSensitive(c->parameters,
			    v->str) == NULL)
				mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, n->loc, NULL,
				    "Ref to '%s' in a condition: a condition may "
				    "refer to parameters only, not to resources",
				    v->str);
			return;
		}
		if (strcmp(key, "Fn::GetAtt") == 0) {
			check_getatt_node(c, n, v);
			return;
		}
		if (strcmp(key, "Fn::Sub") == 0) {
			if (v->kind == NODE_STRING)
				check_sub(c, n, v->str, NULL);
			else if (v->kind == NODE_SEQ && v->n == 2 &&
			    v->items[0]->kind == NODE_STRING) {
				check_sub(c, n, v->items[0]->str, v->items[1]);
				refs_walk(c, v->items[1], in_condition);
			}
			return;
		}
		if (strcmp(key, "Fn::If") == 0 && v->kind == NODE_SEQ && v->n >= 1 &&
		    v->items[0]->kind == NODE_STRING)
			check_condition(c, v->items[0], "Fn::If condition");
		if (strcmp(key, "Fn::FindInMap") == 0 && v->kind == NODE_SEQ &&
		    v->n >= 3)
			check_find_in_map(c, v);
		if (in_condition && strcmp(key, "Condition") == 0 &&
		    v->kind == NODE_STRING) {
			check_condition(c, v, "condition");
			return;
		}
	}
	for (i = 0; i < n->n; i++)
		refs_walk(c, n->pairs[i].value, in_condition);
}

/* A resource's or output's own Condition: attribute. */
static void
entry_conditions(struct mctx *c, const struct node *section)
{
	const struct node *cond;
	size_t i;

	if (section == NULL || section->kind != NODE_MAP)
		return;
	for (i = 0; i < section->n; i++) {
		cond = node_get(section->pairs[i].value, "Condition");
		if (cond != NULL && cond->kind == NODE_STRING)
			check_condition(c, cond, "condition");
	}
}

/* ---- condition cycles ---- */

static int cond_visit(struct mctx *c, size_t ci, unsigned char *state);

/* Follows the !Condition uses in n, part of condition ci; -1 on a cycle. */
static int
cond_uses(struct mctx *c, size_t ci, const struct node *n,
    unsigned char *state)
{
	const struct node *conds = c->m->conditions, *name;
	const struct node_pair *p;
	size_t i, j;

	if (n == NULL || (n->kind != NODE_SEQ && n->kind != NODE_MAP))
		return 0;
	if (n->kind == NODE_MAP && n->n == 1 &&
	    strcmp(n->pairs[0].key->str, "Condition") == 0 &&
	    n->pairs[0].value->kind == NODE_STRING) {
		name = n->pairs[0].value;
		if ((p = node_find(conds, name->str)) == NULL)
			return 0; /* reported as unknown */
		j = (size_t)(p - conds->pairs);
		if (state[j] == 1) {
			if (j == ci)
				mctx_diag(c, DIAG_MARSHAL_CONDITION_CYCLE, name->loc,
				    NULL, "condition '%s' uses itself", name->str);
			else
				mctx_diag(c, DIAG_MARSHAL_CONDITION_CYCLE, name->loc,
				    NULL, "condition '%s' uses '%s', which leads back "
				    "to it", conds->pairs[ci].key->str, name->str);
			return -1;
		}
		return state[j] == 0 ? cond_visit(c, j, state) : 0;
	}
	for (i = 0; i < n->n; i++)
		if (cond_uses(c, ci, n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, state) < 0)
			return -1;
	return 0;
}

static int
cond_visit(struct mctx *c, size_t ci, unsigned char *state)
{
	state[ci] = 1;
	if (cond_uses(c, ci, c->m->conditions->pairs[ci].value, state) < 0)
		return -1;
	state[ci] = 2;
	return 0;
}

/* CloudFormation refuses conditions that use each other in a circle; the
 * first circle found is reported. */
static void
conditions_acyclic(struct mctx *c)
{
	const struct node *conds = c->m->conditions;
	unsigned char *state;
	size_t i;

	if (conds == NULL || conds->kind != NODE_MAP)
		return;
	state = xcalloc(conds->n + 1, 1);
	for (i = 0; i < conds->n; i++)
		if (state[i] == 0 && cond_visit(c, i, state) < 0)
			break;
	free(state);
}

void
marshal_refs_check(struct mctx *c)
{
	const struct node *root = c->m->root;
	size_t i;

	if (root == NULL || root->kind != NODE_MAP)
		return;
	for (i = 0; i < root->n; i++) {
		/* The stages were merged into the rest; what is left in stages:
		 * belongs to stages that were not chosen. Mappings hold no
		 * intrinsics (a second-level key may well be called Ref). */
		if (strcmp(root->pairs[i].key->str, "stages") == 0 ||
		    strcmp(root->pairs[i].key->str, "mappings") == 0)
			continue;
		refs_walk(c, root->pairs[i].value,
		    strcmp(root->pairs[i].key->str, "conditions") == 0);
	}
	entry_conditions(c, c->m->resources);
	entry_conditions(c, c->m->outputs);
	conditions_acyclic(c);
	if (c->types != NULL) {
		free(c->types->v);
		free(c->types);
		c->types = NULL;
	}
	cfn_types_free();
}
