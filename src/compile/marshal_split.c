/*
 * marshal_split.c - which function goes into which nested stack.
 *
 * A resource goes with a function when spartac generated it for that
 * function (the IDs of docs/logical-ids.md: <Id>Function, <Id>LogGroup,
 * <Id>Event<N>Rule, ...), or when it is a Method that invokes it; an API
 * path resource that only one function's resources name is adopted by that
 * function. Everything else stays in the root.
 * A function whose resources name a root resource that itself names a
 * function's resource (a bucket notifying a function, a shared role
 * listing log groups) stays in the root with it: the stacks would
 * otherwise wait for each other.
 *
 * The others are placed by extendible hashing on a 64-bit FNV-1a hash of
 * their names: a child holds the functions whose hashes start with its
 * bits, and a child over a limit splits in two by the next bit. So where a
 * function goes depends only on its name and on the functions that share
 * its prefix. Every step is linear in the template (or n log n: sorting).
 */
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/parallel.h"
#include "base/util.h"
#include "compile/marshal_split_int.h"

/* ---- the names ---- */

/* The target of a reference marshal_xref.c recorded, or SPLIT_NONE (a
 * claimed ID that is neither a resource nor a parameter). */
static size_t
split_target(const struct split *s, uint32_t x)
{
	const struct mxrefs *r = &s->c->xrefs;

	if (x == MXREF_STACK_NAME)
		return s->nres + s->nids;
	if (x == MXREF_STACK_ID)
		return s->nres + s->nids + 1;
	if (x >= s->nids)
		return SPLIT_NONE;
	if (r->at[x] != 0)
		return r->at[x] - 1;
	return s->is_param[x] ? s->nres + x : SPLIT_NONE;
}

size_t
split_lookup(const struct split *s, const char *id, size_t idlen)
{
	return split_target(s, mxref_target(s->c, id, idlen));
}

const char *
split_target_id(const struct split *s, size_t t)
{
	if (t < s->nres)
		return s->res[t].item->string;
	if (t < s->nres + s->nids)
		return s->c->ids.v[t - s->nres].id;
	return t == s->nres + s->nids ? "AWS::StackName" : "AWS::StackId";
}

size_t
split_leaf_of(const struct split *s, size_t target)
{
	return target < s->nres ? s->res[target].leaf : SPLIT_NONE;
}

/* ---- the references ---- */

static uint64_t
key_hash(size_t target, const char *attr, size_t attrlen)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)target * 0x9e3779b97f4a7c15ULL);
	size_t i;

	for (i = 0; i < attrlen; i++)
		h = (h ^ (unsigned char)attr[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

/* The keys with an attribute, by hash (a Ref's key is in ref_key). */
static void
keys_grow(struct split *s)
{
	size_t i, j, n = s->nkeyslots ? s->nkeyslots * 2 : 1024;

	free(s->keyslots);
	s->keyslots = xcalloc(n, sizeof(*s->keyslots));
	s->nkeyslots = n;
	for (i = 0; i < s->nkeys; i++) {
		if (s->keys[i].attrlen == 0)
			continue;
		for (j = s->keys[i].hash & (n - 1); s->keyslots[j] != 0;
		    j = (j + 1) & (n - 1))
			;
		s->keyslots[j] = (uint32_t)(i + 1);
	}
}

static size_t
key_new(struct split *s, size_t target, const char *attr, size_t attrlen,
    uint64_t h)
{
	struct skey *key;
	char *a;

	s->keys = xgrow(s->keys, &s->capkeys, s->nkeys + 1, sizeof(*s->keys));
	key = &s->keys[s->nkeys];
	memset(key, 0, sizeof(*key));
	key->target = target;
	a = arena_alloc_bytes(s->a, attrlen + 1);
	memcpy(a, attr, attrlen);
	a[attrlen] = '\0';
	key->attr = a;
	key->attrlen = attrlen;
	key->hash = h;
	key->stamp = SPLIT_NONE;
	return s->nkeys++;
}

size_t
split_key(struct split *s, size_t target, const char *attr, size_t attrlen,
    int make)
{
	const struct skey *k;
	uint64_t h;
	size_t j;

	/* a Ref (most references): one slot per target */
	if (attrlen == 0) {
		if (s->ref_key[target] == 0 && make)
			s->ref_key[target] = key_new(s, target, "", 0, 0) + 1;
		return s->ref_key[target] - 1; /* SPLIT_NONE when 0 */
	}
	if (make && s->nattrkeys * 2 + 2 > s->nkeyslots)
		keys_grow(s);
	if (s->nkeyslots == 0)
		return SPLIT_NONE;
	h = key_hash(target, attr, attrlen);
	for (j = h & (s->nkeyslots - 1); s->keyslots[j] != 0;
	    j = (j + 1) & (s->nkeyslots - 1)) {
		k = &s->keys[s->keyslots[j] - 1];
		if (k->hash == h && k->target == target &&
		    k->attrlen == attrlen && memcmp(k->attr, attr, attrlen) == 0)
			return s->keyslots[j] - 1;
	}
	if (!make)
		return SPLIT_NONE;
	s->nattrkeys++;
	s->keyslots[j] = (uint32_t)(key_new(s, target, attr, attrlen, h) + 1);
	return s->keyslots[j] - 1;
}

void
split_refs_convert(struct split *s, size_t j0, size_t j1, int make)
{
	struct mxref *x;
	size_t j;

	for (j = j0; j < j1; j++) {
		x = &s->c->xrefs.v[j];
		x->target = x->kind == MXREF_ORDER ? SPLIT_NONE :
		    split_target(s, (uint32_t)x->target);
		x->key = SPLIT_NONE;
		if (x->target != SPLIT_NONE && x->kind != MXREF_DEPENDS)
			x->key = split_key(s, x->target, x->attr, x->attrlen, make);
	}
	s->refs = s->c->xrefs.v;
}

/* Every reference of every resource, and the keys grouped by target. */
static void
collect_refs(struct split *s)
{
	struct mxrefs *x = &s->c->xrefs;
	size_t i, k, *fill, n0;

	for (i = 0; i < s->nres; i++) {
		s->res[i].ref0 = x->first[i];
		s->res[i].nref = x->first[i + 1] - x->first[i];
	}
	/* the keys the root's outputs and the conditions use */
	n0 = x->n;
	if (s->outputs != NULL)
		mxref_value(s->c, x, s->outputs, 0);
	s->out0 = n0;
	s->out1 = x->n;
	if (s->conditions != NULL)
		mxref_value(s->c, x, s->conditions, 0);
	split_refs_convert(s, 0, x->n, 1);
	s->nrefs = x->n;
	/* keys by target: counted, then filled */
	for (k = 0; k < s->nkeys; k++)
		if (s->keys[k].target < s->nres)
			s->res[s->keys[k].target].nin++;
	for (i = 0, k = 0; i < s->nres; i++) {
		s->res[i].in0 = k;
		k += s->res[i].nin;
	}
	s->in = xcalloc(k + 1, sizeof(*s->in));
	fill = xcalloc(s->nres + 1, sizeof(*fill));
	for (k = 0; k < s->nkeys; k++) {
		i = s->keys[k].target;
		if (i < s->nres)
			s->in[s->res[i].in0 + fill[i]++] = k;
	}
	free(fill);
}

/* ---- owners ---- */

/* The resource base + part + suffix, when it is one spartac made for
 * function fi, goes with it. */
static void
own(struct split *s, const char *base, const char *part, const char *suffix,
    size_t fi)
{
	char id[MARSHAL_LOGICAL_ID_MAX + 1];
	size_t n = strlen(base), m = strlen(part), k = strlen(suffix), i;

	if (n + m + k > MARSHAL_LOGICAL_ID_MAX)
		return;
	memcpy(id, base, n);
	memcpy(id + n, part, m);
	memcpy(id + n + m, suffix, k + 1);
	i = split_lookup(s, id, n + m + k);
	if (i < s->nres && !s->res[i].raw && s->res[i].owner == SPLIT_NONE)
		s->res[i].owner = fi;
}

static void
own_generated(struct split *s)
{
	static const char *const fixed[] = {
		"Function", "LogGroup", "FunctionRole", "ApiPermission",
		"EventInvokeConfig", "FunctionRoleBucketPolicy",
	};
	static const char *const per_event[] = {
		"Rule", "Permission", "Mapping", "Subscription", "Filter",
	};
	const struct manifest_function *f;
	char event[32];
	size_t fi, i, e;

	for (fi = 0; fi < s->m->nfunctions; fi++) {
		f = &s->m->functions[fi];
		for (i = 0; i < NELEM(fixed); i++)
			own(s, f->id, fixed[i], "", fi);
		for (e = 0; e < f->nevents; e++) {
			snprintf(event, sizeof(event), "Event%zu", e + 1);
			for (i = 0; i < NELEM(per_event); i++)
				own(s, f->id, event, per_event[i], fi);
		}
	}
}

/* The one function r's references to functions' resources go to;
 * SPLIT_NONE: none, SPLIT_NONE - 1: several. */
static size_t
sole_owner(const struct split *s, const struct sres *r, int functions_only)
{
	size_t j, t, o = SPLIT_NONE;

	for (j = r->ref0; j < r->ref0 + r->nref; j++) {
		t = s->refs[j].target;
		if (t >= s->nres || s->res[t].owner == SPLIT_NONE)
			continue;
		if (functions_only && (s->res[t].type == NULL ||
		    strcmp(s->res[t].type, "AWS::Lambda::Function") != 0))
			continue;
		if (o != SPLIT_NONE && o != s->res[t].owner)
			return SPLIT_NONE - 1;
		o = s->res[t].owner;
	}
	return o;
}

/*
 * A Method goes with the function it invokes; an API path resource that
 * names no other function's resources and is named (by value) by one
 * function's resources only goes with that function, repeated while that
 * adopts more (nested API paths, deepest first).
 */
static void
own_adopted(struct split *s)
{
	size_t *by = xcalloc(s->nres + 1, sizeof(*by)), i, j, t, o, round;
	int changed = 1;
	const char *type;

	for (i = 0; i < s->nres; i++) {
		type = s->res[i].type;
		if (!s->res[i].raw && s->res[i].owner == SPLIT_NONE &&
		    type != NULL && strcmp(type, "AWS::ApiGateway::Method") == 0 &&
		    (o = sole_owner(s, &s->res[i], 1)) < SPLIT_NONE - 1)
			s->res[i].owner = o;
	}
	for (round = 0; changed && round < 64; round++) {
		changed = 0;
		for (i = 0; i < s->nres; i++)
			by[i] = SPLIT_NONE;
		/* by[t]: the one function naming t, SIZE_MAX - 1: several or root */
		for (i = 0; i < s->nres; i++)
			for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++) {
				t = s->refs[j].target;
				if (t >= s->nres || s->refs[j].attr == NULL)
					continue;
				if (s->res[i].owner == SPLIT_NONE ||
				    (by[t] != SPLIT_NONE && by[t] != s->res[i].owner))
					by[t] = SPLIT_NONE - 1;
				else
					by[t] = s->res[i].owner;
			}
		for (i = 0; i < s->nres; i++) {
			/* API paths only: a shared role used by one function
			 * would move each time a second one starts using it */
			type = s->res[i].type;
			if (s->res[i].raw || s->res[i].owner != SPLIT_NONE ||
			    by[i] >= SPLIT_NONE - 1 || type == NULL ||
			    strcmp(type, "AWS::ApiGateway::Resource") != 0)
				continue;
			o = sole_owner(s, &s->res[i], 0);
			if (o == SPLIT_NONE || o == by[i]) {
				s->res[i].owner = by[i];
				changed = 1;
			}
		}
	}
	free(by);
}

/*
 * A function's resource that names no function's resource but is named by
 * a root resource (the log group a shared role lists) goes to the root:
 * the root then never waits for that function's child.
 */
static void
demote(struct split *s)
{
	unsigned char *named = xcalloc(s->nres + 1, 1);
	size_t i, j, t;

	for (i = 0; i < s->nres; i++)
		if (s->res[i].owner == SPLIT_NONE)
			for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++)
				if ((t = s->refs[j].target) < s->nres)
					named[t] = 1;
	for (i = 0; i < s->nres; i++)
		if (named[i] && s->res[i].owner != SPLIT_NONE &&
		    sole_owner(s, &s->res[i], 0) == SPLIT_NONE)
			s->res[i].owner = SPLIT_NONE;
	free(named);
}

/*
 * reach[i]: root resource i names, through root resources, a resource
 * that goes with a function (0 unknown, 1 no, 2 yes, 3 on the path).
 */
static int
reaches_owned(struct split *s, size_t i, unsigned char *reach)
{
	size_t j, t;
	int yes = 0;

	if (reach[i] != 0)
		return reach[i] == 2;
	reach[i] = 3;
	for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++) {
		t = s->refs[j].target;
		if (t >= s->nres)
			continue;
		if (s->res[t].owner != SPLIT_NONE ||
		    (reach[t] != 3 && reaches_owned(s, t, reach)))
			yes = 1;
	}
	reach[i] = yes ? 2 : 1;
	return yes;
}

/* Functions whose resources name a root resource that names a function's:
 * they stay in the root, or the stacks would wait for each other. Their
 * resources then are the root's, which may pin more: repeated until none
 * is (each round is linear; a round pins at least one function). */
static void
pin(struct split *s, unsigned char *pinned)
{
	unsigned char *reach = xmalloc(s->nres + 1);
	size_t i, j, t;
	int more = 1;

	/* First the functions a shared root resource names (an authorizer's
	 * function): with them in the root, the functions naming that resource
	 * (the authorized routes' methods) can stay in children. */
	memset(reach, 0, s->nres + 1);
	for (i = 0; i < s->nres; i++)
		if (s->res[i].owner != SPLIT_NONE)
			for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++)
				if ((t = s->refs[j].target) < s->nres &&
				    s->res[t].owner == SPLIT_NONE && !s->res[t].raw)
					reach[t] = 1; /* named by a function's */
	for (i = 0; i < s->nres; i++)
		if (reach[i])
			for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++)
				if ((t = s->refs[j].target) < s->nres &&
				    s->res[t].owner != SPLIT_NONE)
					pinned[s->res[t].owner] = 1;
	for (i = 0; i < s->nres; i++)
		if (s->res[i].owner != SPLIT_NONE && pinned[s->res[i].owner])
			s->res[i].owner = SPLIT_NONE;
	while (more) {
		more = 0;
		memset(reach, 0, s->nres + 1);
		for (i = 0; i < s->nres; i++)
			if (s->res[i].owner == SPLIT_NONE)
				reaches_owned(s, i, reach);
		for (i = 0; i < s->nres; i++) {
			if (s->res[i].owner == SPLIT_NONE)
				continue;
			for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++) {
				t = s->refs[j].target;
				if (t < s->nres && s->res[t].owner == SPLIT_NONE &&
				    reach[t] == 2 && !pinned[s->res[i].owner]) {
					pinned[s->res[i].owner] = 1;
					more = 1;
				}
			}
		}
		for (i = 0; i < s->nres; i++)
			if (s->res[i].owner != SPLIT_NONE && pinned[s->res[i].owner])
				s->res[i].owner = SPLIT_NONE;
	}
	free(reach);
}

/* ---- the leaves ---- */

static uint64_t
name_hash(const char *p)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	/* splitmix64's finalizer: FNV-1a alone leaves the top bits of
	 * similar names ("fn00001", "fn00002") alike */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static const struct split *sort_split; /* for qsort's comparison only */
static const char **sort_group;        /* the same: each one's group's name */

static int
by_hash(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x = sort_split->hash[i], y = sort_split->hash[j];
	int c;

	if (x != y)
		return x < y ? -1 : 1;
	if ((c = strcmp(sort_group[i], sort_group[j])) != 0)
		return c;
	return strcmp(sort_split->m->functions[i].name,
	    sort_split->m->functions[j].name);
}

static size_t
group_find(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/*
 * Functions whose resources name each other's (depends_on, a destination)
 * go into one child, placed by the hash of the group's least name: two
 * children naming each other's outputs could each wait for the other.
 * Returns each function's group name ([fi], the model's strings).
 */
static const char **
group_functions(struct split *s)
{
	size_t n = s->m->nfunctions, *up = xcalloc(n + 1, sizeof(*up));
	const char **name = xcalloc(n + 1, sizeof(*name));
	size_t i, j, a, b;

	for (i = 0; i < n; i++)
		up[i] = i;
	for (i = 0; i < s->nres; i++) {
		if (s->res[i].owner == SPLIT_NONE)
			continue;
		for (j = s->res[i].ref0; j < s->res[i].ref0 + s->res[i].nref; j++) {
			if (s->refs[j].target >= s->nres ||
			    s->res[s->refs[j].target].owner == SPLIT_NONE)
				continue;
			a = group_find(up, s->res[i].owner);
			b = group_find(up, s->res[s->refs[j].target].owner);
			if (a != b)
				up[a] = b;
		}
	}
	for (i = 0; i < n; i++) {
		a = group_find(up, i);
		if (name[a] == NULL ||
		    strcmp(s->m->functions[i].name, name[a]) < 0)
			name[a] = s->m->functions[i].name;
	}
	for (i = 0; i < n; i++)
		name[i] = name[group_find(up, i)];
	free(up);
	return name;
}

/* Whether the functions order[lo, hi) fit one child. */
static int
fits(struct split *s, size_t lo, size_t hi)
{
	size_t nparams = 0, nouts = 0, p, i, j, k, t;
	const struct sres *r;
	const struct skey *key;

	if (s->cum_res[hi] - s->cum_res[lo] > s->max_resources ||
	    s->cum_len[hi] - s->cum_len[lo] > MARSHAL_TEMPLATE_S3_MAX * 8 / 10)
		return 0;
	s->gen++;
	for (p = lo; p < hi; p++)
		for (i = s->fres0[p]; i < s->fres0[p + 1]; i++) {
			r = &s->res[s->fres[i]];
			for (j = r->ref0; j < r->ref0 + r->nref; j++) {
				k = s->refs[j].key;
				if (k == SPLIT_NONE || s->stamp[k] == s->gen)
					continue;
				t = s->keys[k].target;
				if (t >= s->nres || s->res[t].owner == SPLIT_NONE ||
				    s->pos[s->res[t].owner] < lo ||
				    s->pos[s->res[t].owner] >= hi) {
					s->stamp[k] = s->gen;
					nparams++;
				}
			}
			/* outputs: its values named from outside the range */
			for (j = r->in0; j < r->in0 + r->nin; j++) {
				key = &s->keys[s->in[j]];
				if (key->rroot || (key->rlo != SPLIT_NONE &&
				    (key->rlo < lo || key->rhi >= hi)))
					nouts++;
			}
		}
	return nparams + 8 <= MARSHAL_PARAMETERS_MAX &&
	    nouts <= MARSHAL_OUTPUTS_MAX;
}

static void
leaf_add(struct split *s, size_t lo, size_t hi, int depth, uint64_t bits)
{
	struct sleaf *l;

	s->leaves = xgrow(s->leaves, &s->capleaves, s->nleaves + 1,
	    sizeof(*s->leaves));
	l = &s->leaves[s->nleaves++];
	memset(l, 0, sizeof(*l));
	l->lo = lo;
	l->hi = hi;
	l->depth = depth;
	l->bits = bits;
}

static void
split_range(struct split *s, size_t lo, size_t hi, int depth, uint64_t bits)
{
	size_t mid;

	if (lo == hi)
		return;
	/* one group (or equal hashes) cannot be split */
	if (s->hash[s->order[lo]] == s->hash[s->order[hi - 1]] || depth == 64 ||
	    fits(s, lo, hi)) {
		leaf_add(s, lo, hi, depth, bits);
		return;
	}
	for (mid = lo; mid < hi && !((s->hash[s->order[mid]] >> (63 - depth)) & 1);
	    mid++)
		;
	split_range(s, lo, mid, depth + 1, bits << 1);
	split_range(s, mid, hi, depth + 1, (bits << 1) | 1);
}

/* Who names each key: the root, or the range of functions' places. */
static void
referrers(struct split *s)
{
	size_t i, j, k, p;
	int inres;
	struct skey *key;

	for (k = 0; k < s->nkeys; k++) {
		s->keys[k].rlo = SPLIT_NONE;
		s->keys[k].rhi = 0;
	}
	for (i = 0, j = 0; j < s->nrefs; j++) {
		while (i < s->nres && j >= s->res[i].ref0 + s->res[i].nref)
			i++;
		if ((k = s->refs[j].key) == SPLIT_NONE)
			continue;
		key = &s->keys[k];
		/* past the last resource: the root's outputs and conditions */
		inres = i < s->nres && j >= s->res[i].ref0;
		if (!inres || s->res[i].owner == SPLIT_NONE) {
			key->rroot = 1;
			continue;
		}
		p = s->pos[s->res[i].owner];
		if (key->rlo == SPLIT_NONE || p < key->rlo)
			key->rlo = p;
		if (p > key->rhi)
			key->rhi = p;
	}
}

static void
place(struct split *s)
{
	unsigned char *pinned = xcalloc(s->m->nfunctions + 1, 1);
	const char **group;
	size_t fi, p, i, n;

	pin(s, pinned);
	group = group_functions(s);
	s->hash = xcalloc(s->m->nfunctions + 1, sizeof(*s->hash));
	s->pos = xcalloc(s->m->nfunctions + 1, sizeof(*s->pos));
	s->order = xcalloc(s->m->nfunctions + 1, sizeof(*s->order));
	for (fi = 0; fi < s->m->nfunctions; fi++) {
		s->hash[fi] = name_hash(group[fi]);
		s->pos[fi] = SPLIT_NONE;
		if (!pinned[fi])
			s->order[s->norder++] = fi;
	}
	sort_split = s;
	sort_group = group;
	qsort(s->order, s->norder, sizeof(*s->order), by_hash);
	free(group);
	for (p = 0; p < s->norder; p++)
		s->pos[s->order[p]] = p;
	free(pinned);
	/* each function's resources, by position, and the prefix sums */
	s->fres0 = xcalloc(s->norder + 2, sizeof(*s->fres0));
	s->fres = xcalloc(s->nres + 1, sizeof(*s->fres));
	s->cum_res = xcalloc(s->norder + 1, sizeof(*s->cum_res));
	s->cum_len = xcalloc(s->norder + 1, sizeof(*s->cum_len));
	for (i = 0; i < s->nres; i++)
		if (s->res[i].owner != SPLIT_NONE)
			s->fres0[s->pos[s->res[i].owner] + 2]++;
	for (p = 0; p < s->norder; p++)
		s->fres0[p + 2] += s->fres0[p + 1];
	for (i = 0; i < s->nres; i++)
		if (s->res[i].owner != SPLIT_NONE) {
			p = s->pos[s->res[i].owner];
			s->fres[s->fres0[p + 1]++] = i;
			s->cum_res[p + 1]++;
			s->cum_len[p + 1] += s->res[i].len + 2;
		}
	for (p = 0, n = 0; p < s->norder; p++) {
		s->cum_res[p + 1] += s->cum_res[p];
		s->cum_len[p + 1] += s->cum_len[p];
		n += 0;
	}
	s->stamp = xcalloc(s->nkeys + 1, sizeof(*s->stamp));
	referrers(s);
	split_range(s, 0, s->norder, 0, 0);
	for (i = 0; i < s->nleaves; i++)
		for (p = s->leaves[i].lo; p < s->leaves[i].hi; p++)
			for (n = s->fres0[p]; n < s->fres0[p + 1]; n++)
				s->res[s->fres[n]].leaf = i;
}

/* ---- the driver ---- */

/*
 * The measuring: job 0 sets up the SHA-256 the children are hashed with
 * (digest_prepare: 0.8 ms at a process's first digest), job k > 0
 * measures the printed lengths of entries [(k - 1) * N, k * N) into
 * c->entry_len (each entry's walk writes its own nodes only).
 */
#define LENGTHS_PER_JOB 256

int
marshal_split_by_count(const struct manifest *m, size_t nres)
{
	return m->nfunctions > 0 && (nres > m->split_max_resources ||
	    nres > MARSHAL_RESOURCES_MAX);
}

size_t
marshal_measure_jobs(const struct mctx *c)
{
	return 1 + (c->xrefs.nres + LENGTHS_PER_JOB - 1) / LENGTHS_PER_JOB;
}

void
marshal_measure_job(struct mctx *c, size_t k)
{
	size_t i;

	if (k-- == 0) {
		digest_prepare();
		return;
	}
	for (i = k * LENGTHS_PER_JOB; i < c->xrefs.nres &&
	    i < (k + 1) * LENGTHS_PER_JOB; i++)
		c->entry_len[i] = marshal_entry_length(c->xrefs.res[i]);
}

static void
measure_job(void *arg, size_t k)
{
	marshal_measure_job(arg, k);
}

static void
split_index(struct split *s)
{
	const struct node *raw = s->m->resources;
	const struct mxrefs *x = &s->c->xrefs;
	const struct mid_entry *e;
	cJSON *it;
	size_t i, j;

	s->nres = x->nres;
	s->nids = s->c->ids.n;
	s->res = xcalloc(s->nres + 1, sizeof(*s->res));
	for (i = 0; i < s->nres; i++) {
		s->res[i].item = x->res[i];
		for (it = x->res[i]->child; it != NULL; it = it->next)
			if (strcmp(it->string, "Type") == 0)
				s->res[i].type = cJSON_GetStringValue(it);
			else if (strcmp(it->string, "DependsOn") == 0)
				s->res[i].depends = 1;
		if (strlen(x->res[i]->string) > MARSHAL_LOGICAL_ID_MAX)
			s->long_ids = 1;
		s->res[i].owner = SPLIT_NONE;
		s->res[i].leaf = SPLIT_NONE;
	}
	/* measured beside the cycle check when the count said "split" */
	if (s->c->entry_len == NULL) {
		s->c->entry_len = xcalloc(s->nres + 1, sizeof(*s->c->entry_len));
		parallel_for(marshal_measure_jobs(s->c), measure_job, s->c);
	}
	for (i = 0; i < s->nres; i++)
		s->res[i].len = s->c->entry_len[i];
	s->is_param = xcalloc(s->nids + 1, 1);
	s->ref_key = xcalloc(s->nres + s->nids + 2, sizeof(*s->ref_key));
	cJSON_ArrayForEach(it, s->parameters)
		if ((e = mid_table_get(&s->c->ids, it->string)) != NULL)
			s->is_param[e - s->c->ids.v] = 1;
	for (i = 0; raw != NULL && raw->kind == NODE_MAP && i < raw->n; i++) {
		j = split_lookup(s, raw->pairs[i].key->str,
		    strlen(raw->pairs[i].key->str));
		if (j < s->nres)
			s->res[j].raw = 1;
	}
}

static void
split_free_state(struct split *s)
{
	size_t i;

	for (i = 0; i < s->nleaves; i++) {
		mid_table_free(&s->leaves[i].paramnames);
		mid_table_free(&s->leaves[i].outnames);
	}
	free(s->leaves);
	free(s->res);
	free(s->is_param);
	free(s->keys);
	free(s->keyslots);
	free(s->ref_key);
	free(s->in);
	free(s->hash);
	free(s->pos);
	free(s->order);
	free(s->fres0);
	free(s->fres);
	free(s->cum_res);
	free(s->cum_len);
	free(s->stamp);
	buf_free(&s->note);
	buf_free(&s->scratch);
}

int
marshal_split_template(struct mctx *c, cJSON *tpl, struct marshal_split *out)
{
	const struct manifest *m = c->m;
	struct split s;
	size_t nres = c->xrefs.nres, len = 0, i;
	const char **types;
	int errors, over;

	memset(out, 0, sizeof(*out));
	if (m->nfunctions == 0 || c->xrefs.first == NULL)
		return 0;
	/* Past the resource limits the length does not matter. */
	over = marshal_split_by_count(m, nres);
	if (!over && (len = marshal_length(tpl)) <= MARSHAL_TEMPLATE_S3_MAX)
		return 0;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.m = m;
	s.a = c->a;
	s.d = c->d;
	s.tpl = tpl;
	s.max_resources = m->split_max_resources < MARSHAL_RESOURCES_MAX ?
	    m->split_max_resources : MARSHAL_RESOURCES_MAX;
	s.resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources");
	s.parameters = cJSON_GetObjectItemCaseSensitive(tpl, "Parameters");
	s.outputs = cJSON_GetObjectItemCaseSensitive(tpl, "Outputs");
	s.conditions = cJSON_GetObjectItemCaseSensitive(tpl, "Conditions");
	s.mappings = cJSON_GetObjectItemCaseSensitive(tpl, "Mappings");
	split_index(&s);
	if (over)
		buf_printf(&s.note, "the template has %zu resources (CloudFormation "
		    "allows %u, nested_stacks.max_resources %zu): ", nres,
		    MARSHAL_RESOURCES_MAX, m->split_max_resources);
	else
		buf_printf(&s.note, "the template has %zu bytes (CloudFormation "
		    "allows %u): ", len, MARSHAL_TEMPLATE_S3_MAX);
	types = xcalloc(s.nres + 1, sizeof(*types));
	for (i = 0; i < s.nres; i++)
		types[i] = s.res[i].type;
	marshal_type_counts_of(types, s.nres, &s.note);
	free(types);
	collect_refs(&s);
	own_generated(&s);
	own_adopted(&s);
	demote(&s);
	place(&s);
	split_wire(&s);
	errors = split_finish(&s, out);
	split_free_state(&s);
	return errors;
}

void
marshal_split_free(struct marshal_split *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].id);
		buf_free(&s->v[i].text);
		free(s->v[i].functions);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}
