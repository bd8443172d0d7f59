/*
 * marshal_xref.c - the references of the template, collected in one walk.
 *
 * Every Ref, Fn::GetAtt, ${Name} of Fn::Sub and DependsOn entry of every
 * resource (and of the root's outputs and conditions) is recorded once,
 * with the logical ID it names, its attribute and the node it stands in.
 * The cycle check (marshal_graph.c) takes its edges from the list; the
 * split (marshal_split*.c) takes the references that decide where a
 * resource goes, and rewrites the nodes that name another stack without
 * walking the template again. A walk visits every value of the template:
 * at 1,000 functions the three walks it replaced were a sixth of a build.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "compile/marshal_int.h"

uint32_t
mxref_target(const struct mctx *c, const char *name, size_t n)
{
	char id[MARSHAL_LOGICAL_ID_MAX + 1];
	const struct mid_entry *e;

	if (n > MARSHAL_LOGICAL_ID_MAX)
		return MXREF_NONE; /* longer than any logical ID */
	memcpy(id, name, n);
	id[n] = '\0';
	if ((e = mid_table_get(&c->ids, id)) != NULL)
		return (uint32_t)(e - c->ids.v);
	if (strcmp(id, "AWS::StackName") == 0)
		return MXREF_STACK_NAME;
	if (strcmp(id, "AWS::StackId") == 0)
		return MXREF_STACK_ID;
	return MXREF_NONE;
}

static void
xref_add(struct mctx *c, struct mxrefs *r, cJSON *node, const char *name,
    size_t n, const char *attr, size_t attrlen, int kind, int props)
{
	uint32_t t = mxref_target(c, name, n);
	struct mxref *x;

	if (t == MXREF_NONE)
		return; /* a pseudo parameter, or a name marshal_refs.c reported */
	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
	x = &r->v[r->n++];
	x->node = node;
	x->name = name;
	x->attr = attr;
	x->attrlen = (uint32_t)attrlen;
	x->target = t;
	x->kind = (unsigned char)kind;
	x->props = (unsigned char)props;
}

int
mxref_sub_name(const char *p, const char *end, const cJSON *vars,
    size_t *idlen, const char **attr, size_t *attrlen)
{
	const char *dot = memchr(p, '.', (size_t)(end - p));
	const cJSON *it;
	size_t n = (size_t)(end - p);

	/* the Sub's own variables are not logical IDs */
	for (it = vars != NULL ? vars->child : NULL; it != NULL; it = it->next)
		if (it->string != NULL && strncmp(it->string, p, n) == 0 &&
		    it->string[n] == '\0')
			return 0;
	if (dot != NULL) {
		*idlen = (size_t)(dot - p);
		*attr = dot + 1;
		*attrlen = (size_t)(end - dot - 1);
	} else {
		*idlen = n;
		*attr = end; /* where the name ends: no attribute */
		*attrlen = 0;
	}
	return 1;
}

/* The ${Name} and ${Name.Attr} of the Sub string of node. */
static void
xref_sub(struct mctx *c, struct mxrefs *r, cJSON *node, const char *str,
    const cJSON *vars, int props)
{
	const char *p = str, *end, *attr;
	size_t idlen, attrlen;

	while ((p = strstr(p, "${")) != NULL) {
		p += 2;
		if (*p == '!' || (end = strchr(p, '}')) == NULL)
			continue;
		if (mxref_sub_name(p, end, vars, &idlen, &attr, &attrlen))
			xref_add(c, r, node, p, idlen, attr, attrlen, MXREF_SUB,
			    props);
		p = end + 1;
	}
}

void
mxref_value(struct mctx *c, struct mxrefs *r, cJSON *v, int props)
{
	cJSON *it, *a0, *a1;
	const char *dot;

	if (MJ_INTRINSIC(v)) {
		it = v->child;
		if (strcmp(it->string, "Ref") == 0 && IS_TYPE(it, cJSON_String)) {
			xref_add(c, r, v, it->valuestring, strlen(it->valuestring),
			    "", 0, MXREF_REF, props);
			return;
		}
		if (strcmp(it->string, "Fn::GetAtt") == 0) {
			if (IS_TYPE(it, cJSON_String)) {
				dot = strchr(it->valuestring, '.');
				if (dot != NULL)
					xref_add(c, r, v, it->valuestring,
					    (size_t)(dot - it->valuestring), dot + 1,
					    strlen(dot + 1), MXREF_GETATT, props);
				else
					xref_add(c, r, v, it->valuestring,
					    strlen(it->valuestring), "", 0,
					    MXREF_ORDER, props);
				return;
			}
			a0 = IS_TYPE(it, cJSON_Array) ? it->child : NULL;
			a1 = a0 != NULL ? a0->next : NULL;
			if (IS_TYPE(a0, cJSON_String) && IS_TYPE(a1, cJSON_String)) {
				xref_add(c, r, v, a0->valuestring,
				    strlen(a0->valuestring), a1->valuestring,
				    strlen(a1->valuestring), MXREF_GETATT, props);
				return;
			}
			/* an attribute computed by another function: an order
			 * only, and that function's own references */
			if (IS_TYPE(a0, cJSON_String)) {
				xref_add(c, r, v, a0->valuestring,
				    strlen(a0->valuestring), "", 0, MXREF_ORDER,
				    props);
				for (; a1 != NULL; a1 = a1->next)
					mxref_value(c, r, a1, props);
				return;
			}
		}
		if (strcmp(it->string, "Fn::Sub") == 0) {
			if (IS_TYPE(it, cJSON_String)) {
				xref_sub(c, r, v, it->valuestring, NULL, props);
				return;
			}
			a0 = IS_TYPE(it, cJSON_Array) ? it->child : NULL;
			if (IS_TYPE(a0, cJSON_String)) {
				xref_sub(c, r, v, a0->valuestring, a0->next, props);
				if (a0->next != NULL)
					mxref_value(c, r, a0->next, props);
				return;
			}
		}
	}
	if (IS_TYPE(v, cJSON_Object) || IS_TYPE(v, cJSON_Array))
		for (it = v->child; it != NULL; it = it->next)
			mxref_value(c, r, it, props);
}

void
mxref_resource(struct mctx *c, struct mxrefs *r, cJSON *res)
{
	cJSON *it, *d;

	for (it = res->child; it != NULL; it = it->next) {
		if (strcmp(it->string, "DependsOn") == 0) {
			if (IS_TYPE(it, cJSON_String))
				xref_add(c, r, NULL, it->valuestring,
				    strlen(it->valuestring), NULL, 0,
				    MXREF_DEPENDS, 0);
			else if (IS_TYPE(it, cJSON_Array))
				for (d = it->child; d != NULL; d = d->next)
					if (IS_TYPE(d, cJSON_String))
						xref_add(c, r, NULL, d->valuestring,
						    strlen(d->valuestring), NULL, 0,
						    MXREF_DEPENDS, 0);
		} else if (strcmp(it->string, "Condition") != 0)
			mxref_value(c, r, it, strcmp(it->string, "Properties") == 0);
	}
}

void
mxrefs_free(struct mxrefs *r)
{
	free(r->v);
	free(r->first);
	free(r->res);
	free(r->at);
	memset(r, 0, sizeof(*r));
}
