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

#include "base/util.h"
#include "compile/marshal_split_int.h"

/* ---- the names ---- */

size_t
split_lookup(const struct split *s, const char *id)
{
	const struct mid_entry *e = mid_table_get(&s->names, id);

	return e != NULL ? (size_t)(e - s->names.v) : SPLIT_NONE;
}

size_t
split_leaf_of(const struct split *s, size_t target)
{
	return target < s->nres ? s->res[target].leaf : SPLIT_NONE;
}

/* ---- the references ---- */

static const char *
split_strndup(struct arena *a, const char *p, size_t n)
{
	char *s = arena_alloc(a, n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
ref_add(struct split *s, const char *id, size_t idlen, const char *attr,
    size_t attrlen, int depends)
{
	struct buf k = {0};
	const struct mid_entry *e;
	struct sref *r;
	struct skey *key;
	size_t target;
	char name[MARSHAL_LOGICAL_ID_MAX + 1];

	if (idlen > MARSHAL_LOGICAL_ID_MAX)
		return; /* longer than any logical ID */
	memcpy(name, id, idlen);
	name[idlen] = '\0';
	target = split_lookup(s, name);
	if (target == SPLIT_NONE)
		return; /* a pseudo parameter, or a name of another namespace */
	s->refs = xgrow(s->refs, &s->caprefs, s->nrefs + 1, sizeof(*s->refs));
	r = &s->refs[s->nrefs++];
	r->target = target;
	r->key = SPLIT_NONE;
	r->attr = NULL;
	if (depends)
		return;
	buf_append(&k, id, idlen);
	buf_putc(&k, '\x01');
	buf_append(&k, attr, attrlen);
	if ((e = mid_table_put(&s->keyids, k.data, (struct loc){0}, NULL,
	    NULL)) == NULL) {
		s->keys = xgrow(s->keys, &s->capkeys, s->nkeys + 1, sizeof(*s->keys));
		key = &s->keys[s->nkeys++];
		memset(key, 0, sizeof(*key));
		key->target = target;
		key->attr = split_strndup(s->a, attr, attrlen);
		key->stamp = SPLIT_NONE;
		e = &s->keyids.v[s->keyids.n - 1]; /* the entry just put */
	}
	r->key = (size_t)(e - s->keyids.v);
	r->attr = s->keys[r->key].attr;
	buf_free(&k);
}

int
split_sub_name(const char *p, const char *end, const cJSON *vars,
    size_t *idlen, const char **attr, size_t *attrlen)
{
	const char *dot;
	char *name = xstrndup(p, (size_t)(end - p));
	int local = vars != NULL &&
	    cJSON_GetObjectItemCaseSensitive(vars, name) != NULL;

	free(name);
	if (local)
		return 0;
	if ((dot = memchr(p, '.', (size_t)(end - p))) != NULL) {
		*idlen = (size_t)(dot - p);
		*attr = dot + 1;
		*attrlen = (size_t)(end - dot - 1);
	} else {
		*idlen = (size_t)(end - p);
		*attr = "";
		*attrlen = 0;
	}
	return 1;
}

/* The ${Name} and ${Name.Attr} of a Sub string; vars are its own names. */
static void
sub_refs(struct split *s, const char *str, const cJSON *vars)
{
	const char *p = str, *end, *attr;
	size_t idlen, attrlen;

	while ((p = strstr(p, "${")) != NULL) {
		p += 2;
		if (*p == '!' || (end = strchr(p, '}')) == NULL)
			continue;
		if (split_sub_name(p, end, vars, &idlen, &attr, &attrlen))
			ref_add(s, p, idlen, attr, attrlen, 0);
		p = end + 1;
	}
}

static void
walk_refs(struct split *s, const cJSON *v)
{
	const cJSON *it, *a0, *a1;
	const char *dot;

	if (MJ_INTRINSIC(v)) {
		it = v->child;
		if (strcmp(it->string, "Ref") == 0 && cJSON_IsString(it)) {
			ref_add(s, it->valuestring, strlen(it->valuestring), "", 0, 0);
			return;
		}
		if (strcmp(it->string, "Fn::GetAtt") == 0) {
			if (cJSON_IsString(it) &&
			    (dot = strchr(it->valuestring, '.')) != NULL) {
				ref_add(s, it->valuestring,
				    (size_t)(dot - it->valuestring), dot + 1,
				    strlen(dot + 1), 0);
				return;
			}
			a0 = cJSON_IsArray(it) ? it->child : NULL;
			a1 = a0 != NULL ? a0->next : NULL;
			if (a0 != NULL && cJSON_IsString(a0) && a1 != NULL &&
			    cJSON_IsString(a1)) {
				ref_add(s, a0->valuestring, strlen(a0->valuestring),
				    a1->valuestring, strlen(a1->valuestring), 0);
				return;
			}
		}
		if (strcmp(it->string, "Fn::Sub") == 0) {
			if (cJSON_IsString(it)) {
				sub_refs(s, it->valuestring, NULL);
				return;
			}
			a0 = cJSON_IsArray(it) ? it->child : NULL;
			if (a0 != NULL && cJSON_IsString(a0)) {
				sub_refs(s, a0->valuestring, a0->next);
				if (a0->next != NULL)
					walk_refs(s, a0->next);
				return;
			}
		}
	}
	if (IS_TYPE(v, cJSON_Object) || IS_TYPE(v, cJSON_Array))
		for (it = v->child; it != NULL; it = it->next)
			walk_refs(s, it);
}

/* Every reference of every resource, and the keys grouped by target. */
static void
collect_refs(struct split *s)
{
	struct sres *r;
	const cJSON *it, *d;
	size_t i, k, *fill;

	for (i = 0; i < s->nres; i++) {
		r = &s->res[i];
		r->ref0 = s->nrefs;
		cJSON_ArrayForEach(it, r->item) {
			if (strcmp(it->string, "DependsOn") == 0) {
				if (cJSON_IsString(it))
					ref_add(s, it->valuestring,
					    strlen(it->valuestring), NULL, 0, 1);
				cJSON_ArrayForEach(d, it)
					if (cJSON_IsString(d))
						ref_add(s, d->valuestring,
						    strlen(d->valuestring), NULL, 0, 1);
			} else if (strcmp(it->string, "Condition") != 0)
				walk_refs(s, it);
		}
		r->nref = s->nrefs - r->ref0;
	}
	/* the keys the root's outputs and the conditions use */
	if (s->outputs != NULL)
		walk_refs(s, s->outputs);
	if (s->conditions != NULL)
		walk_refs(s, s->conditions);
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

static void
own(struct split *s, const char *base, const char *suffix, size_t fi)
{
	char *id = mstr(base, suffix, NULL);
	size_t i = split_lookup(s, id);

	free(id);
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
	char n[32], *suffix;
	size_t fi, i, e;

	for (fi = 0; fi < s->m->nfunctions; fi++) {
		f = &s->m->functions[fi];
		for (i = 0; i < NELEM(fixed); i++)
			own(s, f->id, fixed[i], fi);
		for (e = 0; e < f->nevents; e++) {
			snprintf(n, sizeof(n), "Event%zu", e + 1);
			for (i = 0; i < NELEM(per_event); i++) {
				suffix = mstr(n, per_event[i], NULL);
				own(s, f->id, suffix, fi);
				free(suffix);
			}
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
		if (functions_only && strcmp(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s->res[t].item, "Type")),
		    "AWS::Lambda::Function") != 0)
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
		type = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s->res[i].item, "Type"));
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
			type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    s->res[i].item, "Type"));
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


static void
split_index(struct split *s)
{
	const struct node *raw = s->m->resources;
	cJSON *it;
	size_t i;

	cJSON_ArrayForEach(it, s->resources)
		s->nres++;
	s->res = xcalloc(s->nres + 1, sizeof(*s->res));
	i = 0;
	cJSON_ArrayForEach(it, s->resources) {
		s->res[i].item = it;
		s->res[i].owner = SPLIT_NONE;
		s->res[i].leaf = SPLIT_NONE;
		s->res[i].len = marshal_entry_length(it);
		mid_table_put(&s->names, it->string, (struct loc){0}, NULL, NULL);
		i++;
	}
	cJSON_ArrayForEach(it, s->parameters)
		mid_table_put(&s->names, it->string, (struct loc){0}, NULL, NULL);
	/* the root's, in a child too: discovery and log group names */
	mid_table_put(&s->names, "AWS::StackName", (struct loc){0}, NULL, NULL);
	mid_table_put(&s->names, "AWS::StackId", (struct loc){0}, NULL, NULL);
	s->nnames = s->names.n;
	for (i = 0; raw != NULL && raw->kind == NODE_MAP && i < raw->n; i++) {
		size_t j = split_lookup(s, raw->pairs[i].key->str);

		if (j < s->nres)
			s->res[j].raw = 1;
	}
}

static void
split_free_state(struct split *s)
{
	size_t i;

	for (i = 0; i < s->nleaves; i++) {
		mid_table_free(&s->leaves[i].names);
		mid_table_free(&s->leaves[i].outnames);
	}
	free(s->leaves);
	mid_table_free(&s->names);
	mid_table_free(&s->keyids);
	free(s->res);
	free(s->refs);
	free(s->keys);
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
}

int
marshal_split(const struct manifest *m, struct arena *a, cJSON *tpl,
    struct diags *d, struct marshal_split *out)
{
	struct split s;
	cJSON *it;
	size_t nres = 0, len;
	int errors;

	memset(out, 0, sizeof(*out));
	if (m->nfunctions == 0)
		return 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(tpl, "Resources"))
		nres++;
	len = marshal_length(tpl);
	if (nres <= m->split_max_resources && nres <= MARSHAL_RESOURCES_MAX &&
	    len <= MARSHAL_TEMPLATE_S3_MAX)
		return 0;
	memset(&s, 0, sizeof(s));
	buf_printf(&s.note, "the template has %zu resources (CloudFormation "
	    "allows %u, nested_stacks.max_resources %zu) and %zu bytes (allows "
	    "%u): ", nres, MARSHAL_RESOURCES_MAX, m->split_max_resources, len,
	    MARSHAL_TEMPLATE_S3_MAX);
	marshal_type_counts(tpl, &s.note);
	s.m = m;
	s.a = a;
	s.d = d;
	s.tpl = tpl;
	s.max_resources = m->split_max_resources < MARSHAL_RESOURCES_MAX ?
	    m->split_max_resources : MARSHAL_RESOURCES_MAX;
	s.resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources");
	s.parameters = cJSON_GetObjectItemCaseSensitive(tpl, "Parameters");
	s.outputs = cJSON_GetObjectItemCaseSensitive(tpl, "Outputs");
	s.conditions = cJSON_GetObjectItemCaseSensitive(tpl, "Conditions");
	s.mappings = cJSON_GetObjectItemCaseSensitive(tpl, "Mappings");
	split_index(&s);
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
