/*
 * marshal_refs.c - every reference the manifest makes must resolve in the
 * template: Ref, Fn::GetAtt, the ${Name} variables of Fn::Sub, conditions
 * and mappings.
 *
 * CloudFormation refuses a template with an unresolved reference, but only
 * at deploy time and without a line number. Only the marshaller knows every
 * logical ID the template will hold (generated and raw), so the check runs
 * here, over the manifest's located nodes, and points at the line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "marshal_int.h"

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

static void
unknown_id(struct mctx *c, const struct node *at, const char *what,
    const char *name)
{
	const char **cand;
	const char *hint;
	char *fn;
	size_t i, n = 0;

	/* The candidate list is built only on this (rare) error path. */
	cand = xcalloc(c->ids.n + 1, sizeof(*cand));
	for (i = 0; i < c->ids.cap; i++)
		if (c->ids.v[i].id != NULL)
			cand[n++] = c->ids.v[i].id;
	hint = str_suggest(name, cand, n);
	/* Naming a function by its manifest name is the likely slip. */
	fn = xasprintf("%c%sFunction", toupper((unsigned char)name[0]),
	    name[0] ? name + 1 : "");
	if (hint == NULL && mid_table_get(&c->ids, fn) != NULL)
		hint = mid_table_get(&c->ids, fn)->id;
	if (hint != NULL)
		mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, at->loc, NULL,
		    "%s '%s' is not a parameter or resource of the template "
		    "(did you mean '%s'?)", what, name, hint);
	else
		mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, at->loc, NULL,
		    "%s '%s' is not a parameter or resource of the template",
		    what, name);
	free(cand);
	free(fn);
}

static void
check_id(struct mctx *c, const struct node *at, const char *what,
    const char *name, int resources_only)
{
	if (!resources_only && is_pseudo(name))
		return;
	if (mid_table_get(&c->ids, name) != NULL)
		return;
	unknown_id(c, at, what, name);
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
			check_id(c, at, "Fn::Sub refers to", name, 1);
		} else
			check_id(c, at, "Fn::Sub refers to", name, 0);
		free(name);
	}
}

static void
refs_walk(struct mctx *c, const struct node *n)
{
	const struct node *v;
	const char *key;
	char *name, *dot;
	size_t i;

	if (n == NULL)
		return;
	if (n->kind == NODE_SEQ) {
		for (i = 0; i < n->n; i++)
			refs_walk(c, n->items[i]);
		return;
	}
	if (n->kind != NODE_MAP)
		return;
	if (n->n == 1) {
		key = n->pairs[0].key->str;
		v = n->pairs[0].value;
		if (strcmp(key, "Ref") == 0 && v->kind == NODE_STRING) {
			check_id(c, n, "Ref to", v->str, 0);
			return;
		}
		if (strcmp(key, "Fn::GetAtt") == 0) {
			if (v->kind == NODE_SEQ && v->n >= 1 &&
			    v->items[0]->kind == NODE_STRING)
				check_id(c, n, "Fn::GetAtt of", v->items[0]->str, 1);
			else if (v->kind == NODE_STRING) {
				name = xstrdup(v->str);
				if ((dot = strchr(name, '.')) != NULL)
					*dot = '\0';
				check_id(c, n, "Fn::GetAtt of", name, 1);
				free(name);
			}
			return;
		}
		if (strcmp(key, "Fn::Sub") == 0) {
			if (v->kind == NODE_STRING)
				check_sub(c, n, v->str, NULL);
			else if (v->kind == NODE_SEQ && v->n == 2 &&
			    v->items[0]->kind == NODE_STRING) {
				check_sub(c, n, v->items[0]->str, v->items[1]);
				refs_walk(c, v->items[1]);
			}
			return;
		}
		if (strcmp(key, "Fn::If") == 0 && v->kind == NODE_SEQ && v->n >= 1 &&
		    v->items[0]->kind == NODE_STRING)
			mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, n->loc, NULL,
			    "condition '%s' is not defined: spartac templates have "
			    "no Conditions section", v->items[0]->str);
		if (strcmp(key, "Fn::FindInMap") == 0 && v->kind == NODE_SEQ &&
		    v->n >= 1 && v->items[0]->kind == NODE_STRING)
			mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, n->loc, NULL,
			    "mapping '%s' is not defined: spartac templates have "
			    "no Mappings section", v->items[0]->str);
	}
	for (i = 0; i < n->n; i++)
		refs_walk(c, n->pairs[i].value);
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
			mctx_diag(c, DIAG_MARSHAL_REF_UNKNOWN, cond->loc, NULL,
			    "condition '%s' is not defined: spartac templates have "
			    "no Conditions section", cond->str);
	}
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
		 * belongs to stages that were not chosen. */
		if (strcmp(root->pairs[i].key->str, "stages") == 0)
			continue;
		refs_walk(c, root->pairs[i].value);
	}
	entry_conditions(c, c->m->resources);
	entry_conditions(c, c->m->outputs);
}
