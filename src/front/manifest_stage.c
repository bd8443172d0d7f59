/*
 * manifest_stage.c - stages: the deep merge of a stage's overrides over the
 * base manifest, the check that a stage only overrides what the base
 * declares, and the pass that checks every stage when none is selected.
 */
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

/*
 * Deep merge: maps merge key by key (base order kept, new keys appended in
 * the override's order), anything else is replaced by the override. Shared
 * subtrees are not copied; only the maps on the path of an override are.
 */
const struct node *
mf_merge(struct manifest *m, const struct node *base, const struct node *over)
{
	struct node *out;
	const struct node *b;
	size_t i;

	/* An intrinsic is a value, not a map to merge: !Ref A over !GetAtt B
	 * is !Ref A. */
	if (base == NULL || base->kind != NODE_MAP || over->kind != NODE_MAP ||
	    mf_is_intrinsic(base) || mf_is_intrinsic(over))
		return over;
	if (m->impl->merged == NULL)
		m->impl->merged = doc_new("(merged)");
	out = node_new(m->impl->merged, NODE_MAP, base->loc);
	for (i = 0; i < base->n; i++) {
		b = node_get(over, base->pairs[i].key->str);
		node_map_put(m->impl->merged, out, base->pairs[i].key,
		    (struct node *)(b ? mf_merge(m, base->pairs[i].value, b) :
		    base->pairs[i].value));
	}
	for (i = 0; i < over->n; i++)
		if (node_find(base, over->pairs[i].key->str) == NULL)
			node_map_put(m->impl->merged, out, over->pairs[i].key,
			    over->pairs[i].value);
	return out;
}

/*
 * A function's settings with defaults: under them: the defaults' maps
 * merge key by key with the function's, and the function's own value wins
 * everywhere else. privileges and managed_policies are left out: they go
 * to every generated role, not into one function.
 */
const struct node *
mf_apply_defaults(struct manifest *m, const struct node *defaults,
    const struct node *fn)
{
	const struct node *out;
	struct node *base;
	size_t i;

	if (defaults == NULL || defaults->kind != NODE_MAP ||
	    fn->kind != NODE_MAP)
		return fn;
	if (m->impl->merged == NULL)
		m->impl->merged = doc_new("(merged)");
	base = node_new(m->impl->merged, NODE_MAP, defaults->loc);
	for (i = 0; i < defaults->n; i++) {
		const char *k = defaults->pairs[i].key->str;

		if (strcmp(k, "privileges") != 0 &&
		    strcmp(k, "managed_policies") != 0)
			node_map_put(m->impl->merged, base, defaults->pairs[i].key,
			    defaults->pairs[i].value);
	}
	if (base->n == 0)
		return fn;
	out = mf_merge(m, base, fn);
	if (out != fn)
		((struct node *)out)->loc = fn->loc; /* a new node, m's own */
	return out;
}

/* A map's keys, sorted for binary search; the caller frees the array. */
static const char **
keys_sorted(const struct node *map, size_t *n)
{
	const char **v = mf_map_keys(map, n);

	if (*n)
		qsort(v, *n, sizeof(*v), mf_cmp_str);
	return v;
}

/*
 * Keys of over that base lacks, for the named collections a stage may not
 * extend; section is where they sit in a stage ("functions", "api.routes").
 */
static void
check_override_keys(struct mf_ctx *c, const char **keys, size_t nkeys,
    const struct node *over, const char *what, const char *section,
    const char *stage)
{
	size_t i;

	if (over == NULL || over->kind != NODE_MAP)
		return;
	for (i = 0; i < over->n; i++) {
		const struct node_pair *p = &over->pairs[i];
		const char *k = p->key->str;

		if (nkeys &&
		    bsearch(&k, keys, nkeys, sizeof(*keys), mf_cmp_str))
			continue;
		mf_path(c, "stages", stage, ".%s", section);
		diag_add(c->d, DIAG_STAGE_OVERRIDE_UNKNOWN, p->key->loc,
		    mf_path_key(c, k),
		    "stage '%s' overrides %s '%s', which the base manifest does not declare%s",
		    stage, what, k, diag_suggest(k, keys, nkeys));
	}
}

void
mf_check_stage_overrides(struct mf_ctx *c, const struct node *root)
{
	const struct node *stages = get_map(root, "stages");
	const char **fns, **roles, **routes, **crs;
	size_t i, nfns, nroles, nroutes, ncrs;

	if (stages == NULL)
		return;
	fns = keys_sorted(get_map(root, "functions"), &nfns);
	crs = keys_sorted(get_map(root, "custom_resources"), &ncrs);
	roles = keys_sorted(get_map(root, "roles"), &nroles);
	routes = keys_sorted(get_map(get_map(root, "api"), "routes"), &nroutes);
	for (i = 0; i < stages->n; i++) {
		const char *name = stages->pairs[i].key->str;
		const struct node *ov = stages->pairs[i].value;

		check_override_keys(c, fns, nfns, get_map(ov, "functions"),
		    "function", "functions", name);
		check_override_keys(c, crs, ncrs, get_map(ov, "custom_resources"),
		    "custom resource", "custom_resources", name);
		check_override_keys(c, roles, nroles, get_map(ov, "roles"),
		    "role", "roles", name);
		check_override_keys(c, routes, nroutes,
		    get_map(get_map(ov, "api"), "routes"), "route",
		    "api.routes", name);
	}
	free(fns);
	free(crs);
	free(roles);
	free(routes);
}

static int
loc_before(struct loc a, struct loc b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/*
 * Without --stage, each stage is still merged and checked, and what it finds
 * inside that stage's own text is reported (with a stages.NAME. path): a
 * stage that points a function at a missing role fails `validate` before it
 * fails a deploy. Findings outside the stage's text are the base's, which
 * the base pass reports once.
 */
/*
 * Each stage pass costs about one model build; a hostile file with very many
 * stages over a large base could make that quadratic, so the passes stop
 * after this many units (functions + roles + routes + 1 per stage), about
 * 0.1 s here. Real services have a handful of stages and never reach it.
 */
#define STAGE_CHECK_BUDGET 50000

/* Checks stage p merged over root; reports its errors in [lo, hi) to d. */
static void
check_one_stage(const struct node *root, const struct node_pair *p,
    struct loc lo, struct loc hi, struct diags *d)
{
	struct diags sd = {0};
	struct mf_ctx c = {0};
	size_t j;

	c.m = xcalloc(1, sizeof(*c.m));
	c.m->impl = xcalloc(1, sizeof(*c.m->impl));
	c.m->stage = p->key->str;
	c.d = &sd;
	mf_build_model(&c, mf_merge(c.m, root, p->value));
	for (j = 0; j < sd.n; j++) {
		const struct diag *g = &sd.v[j];

		/* Warnings (an unused role) are the base's business. */
		if (g->sev != SEV_ERROR || loc_before(g->loc, lo) ||
		    !loc_before(g->loc, hi))
			continue;
		mf_path(&c, "stages", p->key->str, "%s%s", g->path ? "." : "",
		    g->path ? g->path : "");
		diag_add(d, g->code, g->loc, c.path.data, "%s", g->msg);
	}
	diags_free(&sd);
	buf_free(&c.path);
	manifest_free(c.m);
}

void
mf_check_each_stage(const struct node *root, struct diags *d)
{
	const struct node_pair *sp = node_find(root, "stages");
	const struct node *stages = sp ? sp->value : NULL;
	const struct node *fns = get_map(root, "functions");
	const struct node *roles = get_map(root, "roles");
	const struct node *routes = get_map(get_map(root, "api"), "routes");
	struct loc end = {NULL, (unsigned)-1, (unsigned)-1};
	size_t i, units, spent = 0;

	if (stages == NULL || stages->kind != NODE_MAP)
		return;
	units = 1 + (fns ? fns->n : 0) + (roles ? roles->n : 0) +
	    (routes ? routes->n : 0);
	for (i = 0; i < root->n; i++)
		if (&root->pairs[i] == sp && i + 1 < root->n)
			end = root->pairs[i + 1].key->loc;
	for (i = 0; i < stages->n; i++) {
		const struct node_pair *p = &stages->pairs[i];
		struct loc hi = i + 1 < stages->n ? stages->pairs[i + 1].key->loc :
		    end;

		if (p->value->kind != NODE_MAP)
			continue;
		if ((spent += units) > STAGE_CHECK_BUDGET) {
			log_info("%zu of %zu stages checked; check the others with --stage",
			    i, (size_t)stages->n);
			break;
		}
		check_one_stage(root, p, p->key->loc, hi, d);
	}
}
