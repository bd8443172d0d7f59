/*
 * marshal_conds.c - whether one CloudFormation condition can be true while
 * another is false, for DependsOn between conditional resources.
 *
 * The conditions' Fn::Equals comparisons are the unknowns; every truth
 * assignment of them is tried (at most 2^MCOND_ATOMS_MAX). Comparisons of one
 * parameter with different values cannot both hold, and when a parameter's
 * AllowedValues are all compared, exactly one holds; a value outside
 * AllowedValues never does. Anything else the evaluator does not follow
 * (another intrinsic, too many comparisons) gives no verdict: the caller
 * reports nothing rather than something false.
 */
#include <string.h>

#include "compile/marshal_int.h"

#define MCOND_ATOMS_MAX 12
#define MCOND_DEPTH_MAX 32

struct mcond {
	const struct node *conds;  /* the manifest's conditions: */
	const struct node *params; /* its parameters: */
	const struct node *atom[MCOND_ATOMS_MAX]; /* Fn::Equals argument lists */
	size_t natoms;
	int overflow;
};

static const char *
fn_name(const struct node *n)
{
	if (n == NULL || n->kind != NODE_MAP || n->n != 1)
		return NULL;
	return n->pairs[0].key->str;
}

/* The parameter an Equals compares, and the value it compares it with. */
static const char *
atom_param(const struct node *args, const struct node **value)
{
	size_t i;
	const char *f;

	for (i = 0; i < 2; i++) {
		f = fn_name(args->items[i]);
		if (f != NULL && strcmp(f, "Ref") == 0 &&
		    node_str(args->items[i]->pairs[0].value) != NULL &&
		    node_is_scalar(args->items[1 - i])) {
			*value = args->items[1 - i];
			return node_str(args->items[i]->pairs[0].value);
		}
	}
	return NULL;
}

static int
atom_same(const struct node *a, const struct node *b)
{
	return (node_equal(a->items[0], b->items[0]) &&
	    node_equal(a->items[1], b->items[1])) ||
	    (node_equal(a->items[0], b->items[1]) &&
	    node_equal(a->items[1], b->items[0]));
}

/* Collects the comparisons of n; -1 on a form it does not follow. */
static int
collect(struct mcond *mc, const struct node *n, unsigned depth)
{
	const char *f = fn_name(n);
	const struct node *v;
	size_t i;

	if (f == NULL || depth > MCOND_DEPTH_MAX)
		return -1;
	v = n->pairs[0].value;
	if (strcmp(f, "Condition") == 0)
		return node_str(v) == NULL ? -1 :
		    collect(mc, node_get(mc->conds, v->str), depth + 1);
	if (v->kind != NODE_SEQ)
		return -1;
	if (strcmp(f, "Fn::Equals") == 0) {
		if (v->n != 2)
			return -1;
		if (node_is_scalar(v->items[0]) && node_is_scalar(v->items[1]))
			return 0; /* a constant */
		for (i = 0; i < mc->natoms; i++)
			if (atom_same(mc->atom[i], v))
				return 0;
		if (mc->natoms == MCOND_ATOMS_MAX)
			return -1;
		mc->atom[mc->natoms++] = v;
		return 0;
	}
	if (strcmp(f, "Fn::Not") != 0 && strcmp(f, "Fn::And") != 0 &&
	    strcmp(f, "Fn::Or") != 0)
		return -1;
	for (i = 0; i < v->n; i++)
		if (collect(mc, v->items[i], depth + 1) == -1)
			return -1;
	return 0;
}

static int
eval(const struct mcond *mc, const struct node *n, unsigned bits)
{
	const char *f = fn_name(n);
	const struct node *v = n->pairs[0].value;
	size_t i;
	int r;

	if (strcmp(f, "Condition") == 0)
		return eval(mc, node_get(mc->conds, v->str), bits);
	if (strcmp(f, "Fn::Equals") == 0) {
		if (node_is_scalar(v->items[0]) && node_is_scalar(v->items[1]))
			return strcmp(v->items[0]->str, v->items[1]->str) == 0;
		for (i = 0; i < mc->natoms; i++)
			if (atom_same(mc->atom[i], v))
				return (bits >> i) & 1;
		return 0;
	}
	if (strcmp(f, "Fn::Not") == 0)
		return !eval(mc, v->items[0], bits);
	r = strcmp(f, "Fn::And") == 0;
	for (i = 0; i < v->n; i++)
		if (eval(mc, v->items[i], bits) != r)
			return !r;
	return r;
}

static int
value_allowed(const struct node *allowed, const struct node *value)
{
	size_t i;

	for (i = 0; i < allowed->n; i++)
		if (node_is_scalar(allowed->items[i]) &&
		    strcmp(allowed->items[i]->str, value->str) == 0)
			return 1;
	return 0;
}

/* Whether an assignment of the comparisons can happen (see the top). */
static int
possible(const struct mcond *mc, unsigned bits)
{
	const struct node *vi, *vj, *allowed;
	const char *p, *q;
	size_t i, j, ntrue, ncompared;

	for (i = 0; i < mc->natoms; i++) {
		if ((p = atom_param(mc->atom[i], &vi)) == NULL)
			continue;
		allowed = node_get(node_get(mc->params, p), "AllowedValues");
		if (allowed != NULL && allowed->kind != NODE_SEQ)
			allowed = NULL;
		ntrue = ncompared = 0;
		for (j = 0; j < mc->natoms; j++) {
			if ((q = atom_param(mc->atom[j], &vj)) == NULL ||
			    strcmp(p, q) != 0)
				continue;
			if (allowed != NULL && !value_allowed(allowed, vj)) {
				if ((bits >> j) & 1)
					return 0;
				continue;
			}
			ncompared++;
			ntrue += (bits >> j) & 1;
		}
		if (ntrue > 1)
			return 0;
		if (allowed != NULL && ncompared == allowed->n && ntrue == 0)
			return 0;
	}
	return 1;
}

int
mcond_may_lack(struct mctx *c, const char *own, const char *dep)
{
	struct mcond mc;
	const struct node *o, *d;
	unsigned bits;

	memset(&mc, 0, sizeof(mc));
	mc.conds = c->m->conditions;
	mc.params = c->m->parameters;
	o = own != NULL ? node_get(mc.conds, own) : NULL;
	if ((d = node_get(mc.conds, dep)) == NULL ||
	    (own != NULL && o == NULL))
		return 0; /* unknown names are reported elsewhere */
	if (collect(&mc, d, 0) == -1 || (o != NULL && collect(&mc, o, 0) == -1))
		return 0;
	for (bits = 0; bits < (1u << mc.natoms); bits++)
		if (possible(&mc, bits) && (o == NULL || eval(&mc, o, bits)) &&
		    !eval(&mc, d, bits))
			return 1;
	return 0;
}
