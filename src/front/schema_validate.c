/*
 * schema_validate.c - schema_validate: walk the located tree against the
 * compiled schema (schema_int.h) and report each problem as a diagnostic
 * naming the manifest path and the node's position.
 *
 * The validator runs in one of three modes: CHECK stops at the first
 * problem (used for anyOf/oneOf/not/if and by schema_is_valid), COUNT
 * tallies problems without recording them (used to rank anyOf/oneOf
 * branches), EMIT records diagnostics. When no branch of an anyOf/oneOf
 * matches, the errors of the most plausible branch are reported (v_of).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "front/schema.h"
#include "front/schema_int.h"
#include "front/schema_regex.h"

/* The length of a UTF-8 string in code points, as minLength counts. */
static size_t
u8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

enum v_mode {
	V_CHECK, /* stop at the first problem, record nothing */
	V_COUNT, /* count problems, record nothing */
	V_EMIT,  /* record every problem in c->d */
};

struct vseg {
	const char *key; /* NULL: an index */
	size_t idx;
};

#define V_PATH_MAX 160
#define NUM2STR_(x) #x
#define NUM2STR(x) NUM2STR_(x)

struct vctx {
	const struct schema *S;
	struct diags *d;
	enum v_mode mode;
	const char *file;
	struct vseg path[V_PATH_MAX];
	size_t npath;
	unsigned depth;
	/*
	 * Past SCHEMA_MAX_DEPTH or SCHEMA_MAX_STEPS every check fails at once,
	 * so that anyOf over a runaway $ref cannot go exponential; v_run then
	 * reports one E-SCHEMA-LIMIT where it happened.
	 */
	unsigned long steps;
	int aborted;
	const char *abort_why;
	const struct node *abort_at;
	struct buf abort_path;
};

static void
v_push_key(struct vctx *c, const char *key)
{
	if (c->npath < V_PATH_MAX)
		c->path[c->npath].key = key;
	c->npath++;
}

static void
v_push_idx(struct vctx *c, size_t idx)
{
	if (c->npath < V_PATH_MAX) {
		c->path[c->npath].key = NULL;
		c->path[c->npath].idx = idx;
	}
	c->npath++;
}

static void
v_pop(struct vctx *c)
{
	c->npath--;
}

static void
v_path_fmt(const struct vctx *c, struct buf *b)
{
	size_t n = c->npath < V_PATH_MAX ? c->npath : V_PATH_MAX;

	buf_puts(b, "");
	for (size_t i = 0; i < n; i++) {
		const struct vseg *g = &c->path[i];

		if (g->key == NULL)
			buf_printf(b, "[%zu]", g->idx);
		else
			node_path_key(b, g->key);
	}
}

static size_t PRINTF_LIKE(4, 5)
v_report(struct vctx *c, enum diag_code code, const struct node *at,
    const char *fmt, ...)
{
	struct buf path = {0};
	struct loc loc = {c->file, 1, 1};
	va_list ap;
	char *msg;

	if (c->mode != V_EMIT)
		return 1;
	if (at != NULL) {
		loc = at->loc;
		if (loc.file == NULL)
			loc.file = c->file;
	}
	v_path_fmt(c, &path);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(c->d, code, loc, path.len ? path.data : NULL, "%s", msg);
	free(msg);
	buf_free(&path);
	return 1;
}

/* A short, quoted rendering of a value for messages. */
static const char *
v_show(const struct node *n, char *buf, size_t cap)
{
	size_t len;

	switch (n->kind) {
	case NODE_STRING:
		len = n->len;
		if (len > 60) {
			len = 57;
			while (len > 0 && ((unsigned char)n->str[len] & 0xc0) == 0x80)
				len--;
			snprintf(buf, cap, "'%.*s...'", (int)len, n->str);
		} else {
			snprintf(buf, cap, "'%s'", n->str);
		}
		return buf;
	case NODE_INT:
		snprintf(buf, cap, "%lld", n->v.i);
		return buf;
	case NODE_FLOAT:
		if (n->str != NULL)
			snprintf(buf, cap, "%s", n->str);
		else
			snprintf(buf, cap, "%.17g", n->v.f);
		return buf;
	case NODE_BOOL:
		return n->v.b ? "true" : "false";
	case NODE_NULL:
		return "null";
	case NODE_SEQ:
		return "a list";
	case NODE_MAP:
		return "a mapping";
	}
	return "?";
}

static const char *
v_kind_phrase(const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL: return "null";
	case NODE_BOOL: return "a boolean";
	case NODE_INT: return "an integer";
	case NODE_FLOAT: return "a number";
	case NODE_STRING: return "a string";
	case NODE_SEQ: return "a list";
	case NODE_MAP: return "a mapping";
	}
	return "?";
}

static void v_types_phrase(unsigned types, struct buf *b);
static const char *v_show(const struct node *n, char *buf, size_t cap);
static const char *v_kind_phrase(const struct node *n);

/* The function of a long-form intrinsic ({"Ref": x}, {"Fn::Sub": ...}), or NULL. */
static const char *
v_intrinsic(const struct node *n)
{
	const char *k;

	if (n->kind != NODE_MAP || n->n != 1)
		return NULL;
	k = n->pairs[0].key->str;
	if (strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 ||
	    str_has_prefix(k, "Fn::"))
		return k;
	return NULL;
}

/* "expected X, got Y" for a value whose type the schema does not admit. */
static size_t
v_type_report(struct vctx *c, unsigned types, const struct node *n)
{
	struct buf want = {0};
	const char *fn = v_intrinsic(n);
	char sh[128];
	size_t e;

	if (c->mode != V_EMIT)
		return 1;
	v_types_phrase(types, &want);
	if (fn != NULL)
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got the intrinsic "
		    "function %s, which is not accepted here", want.data, fn);
	else if (node_is_scalar(n) && n->kind != NODE_NULL)
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got %s (%s)",
		    want.data, v_show(n, sh, sizeof(sh)), v_kind_phrase(n));
	else
		e = v_report(c, DIAG_SCHEMA_TYPE, n, "expected %s, got %s",
		    want.data, v_kind_phrase(n));
	buf_free(&want);
	return e;
}

static void
v_types_phrase(unsigned types, struct buf *b)
{
	static const struct {
		unsigned bit;
		const char *phrase;
	} names[] = {
		{TY_OBJ, "a mapping"}, {TY_ARR, "a list"}, {TY_STR, "a string"},
		{TY_NUM, "a number"}, {TY_INT, "an integer"},
		{TY_BOOL, "a boolean"}, {TY_NULL, "null"},
	};
	const char *v[NELEM(names)];
	size_t n = 0;

	if (types & TY_NUM)
		types &= ~(unsigned)TY_INT;
	for (size_t i = 0; i < NELEM(names); i++)
		if (types & names[i].bit)
			v[n++] = names[i].phrase;
	buf_puts(b, "");
	if (n == 0)
		buf_puts(b, "nothing");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
}

static void
v_fmt_num(double d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.15g", d);
}

static unsigned
v_inst_types(const struct node *n)
{
	switch (n->kind) {
	case NODE_NULL: return TY_NULL;
	case NODE_BOOL: return TY_BOOL;
	case NODE_INT: return TY_INT | TY_NUM;
	case NODE_FLOAT:
		/* draft-07: 1.0 is an integer; only the value counts. */
		return isfinite(n->v.f) && n->v.f == floor(n->v.f) ?
		    TY_INT | TY_NUM : TY_NUM;
	case NODE_STRING: return TY_STR;
	case NODE_SEQ: return TY_ARR;
	case NODE_MAP: return TY_OBJ;
	}
	return 0;
}

static const struct sch *
v_deref(const struct sch *s)
{
	while (s->ref != NULL)
		s = s->ref;
	return s;
}

static const struct sch_prop *
v_prop_find(const struct sch *s, const char *name, size_t len)
{
	size_t lo = 0, hi = s->nprops;
	struct sch_prop key = {name, len, NULL};

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = sch_prop_cmp(&key, &s->props[mid]);

		if (c == 0)
			return &s->props[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t v_node(struct vctx *c, const struct sch *s, const struct node *n);

/* Validates n against s in mode, then goes back to the caller's mode. */
static size_t
v_node_in(struct vctx *c, enum v_mode mode, const struct sch *s,
    const struct node *n)
{
	enum v_mode m = c->mode;
	size_t e;

	c->mode = mode;
	e = v_node(c, s, n);
	c->mode = m;
	return e;
}

static size_t
v_check(struct vctx *c, const struct sch *s, const struct node *n)
{
	return v_node_in(c, V_CHECK, s, n);
}

static size_t
v_count(struct vctx *c, const struct sch *s, const struct node *n)
{
	return v_node_in(c, V_COUNT, s, n);
}

/* How well a mapping fits a branch's properties; see v_score. */
static long
v_map_fit(const struct sch *b, const struct node *n, int depth)
{
	long fit = 0;

	for (size_t i = 0; i < n->n; i++) {
		const struct node *k = n->pairs[i].key;
		const struct sch_prop *p = v_prop_find(b, k->str, k->len);
		const struct sch *ps;

		if (p == NULL)
			continue;
		fit += 100;
		ps = v_deref(p->s);
		/* A property pinned by const/enum is a discriminator. */
		if ((ps->has & HAS_CONST) && !node_equal(ps->const_v, n->pairs[i].value))
			fit -= 150;
		if (ps->has & HAS_ENUM) {
			int found = 0;

			for (size_t j = 0; j < ps->enum_v->n && !found; j++)
				found = node_equal(ps->enum_v->items[j],
				    n->pairs[i].value);
			if (!found)
				fit -= 150;
		}
	}
	if (b->required != NULL && b->required->n > 0) {
		size_t missing = 0;

		for (size_t i = 0; i < b->required->n; i++)
			if (node_find(n, b->required->items[i]->str) == NULL)
				missing++;
		fit += missing == 0 ? 50 : -10 * (long)missing;
	}
	if (depth > 0)
		for (size_t i = 0; i < b->all_of.n; i++)
			fit += v_map_fit(v_deref(b->all_of.v[i]), n, depth - 1);
	return fit;
}

/*
 * Ranks an anyOf/oneOf branch that n failed: 0 when n has a type the
 * branch does not admit, then higher the more of n's keys the branch knows
 * and the fewer of its discriminators n contradicts.
 */
static long
v_score(const struct sch *b, const struct node *n, int depth)
{
	long score = 2;

	b = v_deref(b);
	if (b->is_bool)
		return b->bool_val;
	if (b->types && !(b->types & v_inst_types(n)))
		return 0;
	if ((b->has & HAS_CONST) && !node_equal(b->const_v, n))
		return 1;
	if (b->types == 0 && depth > 0 && (b->any_of.n || b->one_of.n)) {
		/* A typeless anyOf/oneOf fits as well as its best member. */
		const struct sch_list *l = b->any_of.n ? &b->any_of : &b->one_of;
		long best = 0;

		for (size_t i = 0; i < l->n; i++) {
			long sc = v_score(l->v[i], n, depth - 1);

			if (sc > best)
				best = sc;
		}
		return best;
	}
	if (n->kind == NODE_MAP)
		score += 1000 + v_map_fit(b, n, 2);
	return score;
}

/* The one required key of a branch that says nothing else, or NULL. */
static const char *
v_required_only(const struct sch *b)
{
	b = v_deref(b);
	if (b->is_bool || b->required == NULL || b->required->n != 1)
		return NULL;
	for (size_t i = 0; i < b->src->n; i++) {
		const char *k = b->src->pairs[i].key->str;

		if (strcmp(k, "required") != 0 && strcmp(k, "description") != 0 &&
		    strcmp(k, "title") != 0 && strcmp(k, "$comment") != 0)
			return NULL;
	}
	return b->required->items[0]->str;
}

/*
 * The name of a branch that only asks for properties: its one required
 * key, or its title when it is an anyOf of such branches ("a and/or b").
 */
static const char *
v_required_like(const struct sch *b)
{
	const struct sch *d = v_deref(b);

	if (v_required_only(b) != NULL)
		return v_required_only(b);
	if (d->is_bool || d->title == NULL || d->any_of.n == 0)
		return NULL;
	for (size_t i = 0; i < d->any_of.n; i++)
		if (v_required_only(d->any_of.v[i]) == NULL)
			return NULL;
	return d->title;
}

static const char *
v_branch_name(const struct sch *b, size_t i, char *buf, size_t cap)
{
	const char *req = v_required_like(b);

	b = v_deref(b);
	if (req != NULL)
		snprintf(buf, cap, "the one with '%s'", req);
	else if (b->title != NULL)
		snprintf(buf, cap, "'%s'", b->title);
	else
		snprintf(buf, cap, "form %zu", i + 1);
	return buf;
}

/*
 * "oneOf": [{"required": ["a"]}, {"required": ["b"]}] is the idiom for
 * "exactly one of a and b": say that, rather than that 'a' is missing.
 */
static size_t
v_of_required(struct vctx *c, const struct sch_list *l, const struct node *n,
    int one)
{
	struct buf names = {0};
	size_t e;

	for (size_t i = 0; i < l->n; i++)
		if (v_required_like(l->v[i]) == NULL)
			return 0;
	buf_puts(&names, "");
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&names, "%s'%s'", i == 0 ? "" : i + 1 == l->n ? " or " : ", ",
		    v_required_like(l->v[i]));
	e = v_report(c, DIAG_SCHEMA_REQUIRED, n, "needs %s of %s",
	    one ? "exactly one" : "at least one", names.data);
	buf_free(&names);
	return e;
}

/* The types a branch admits, looking through typeless anyOf/oneOf; 0: any. */
static unsigned
v_branch_types(const struct sch *b, int depth)
{
	const struct sch_list *l;
	unsigned t = 0;

	b = v_deref(b);
	if (b->is_bool)
		return b->bool_val ? 0 : 0x80;
	if (b->types || depth == 0)
		return b->types;
	l = b->any_of.n ? &b->any_of : b->one_of.n ? &b->one_of : NULL;
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		unsigned bt = v_branch_types(l->v[i], depth - 1);

		if (bt == 0)
			return 0;
		t |= bt;
	}
	return t;
}

/* anyOf (one == 0) and oneOf (one == 1). */
static size_t
v_of(struct vctx *c, const struct sch_list *l, const struct node *n, int one)
{
	size_t first = SIZE_MAX, second = SIZE_MAX, best = 0, best_errs = 0, e;
	long best_score = -1;
	unsigned types = 0, bt;
	int any_type = 0;
	char b1[96], b2[96];

	for (size_t i = 0; i < l->n; i++) {
		if (v_check(c, l->v[i], n) != 0)
			continue;
		if (!one)
			return 0;
		if (first == SIZE_MAX) {
			first = i;
		} else {
			second = i;
			break;
		}
	}
	if (first != SIZE_MAX && second == SIZE_MAX)
		return 0;
	if (c->mode != V_EMIT)
		return 1;
	if (second != SIZE_MAX)
		return v_report(c, DIAG_SCHEMA_ONE_OF, n,
		    "matches more than one of the allowed forms: %s and %s",
		    v_branch_name(l->v[first], first, b1, sizeof(b1)),
		    v_branch_name(l->v[second], second, b2, sizeof(b2)));
	if (n->kind == NODE_MAP && v_of_required(c, l, n, one))
		return 1;
	/* No branch matched: report the errors of the most plausible one. */
	for (size_t i = 0; i < l->n; i++) {
		const struct sch *b = v_deref(l->v[i]);
		long score = v_score(b, n, 4);
		size_t errs = 0;

		bt = v_branch_types(b, 4);
		any_type |= bt == 0;
		types |= bt;
		if (score < best_score)
			continue;
		errs = score > 0 ? v_count(c, b, n) : 0;
		if (score > best_score || errs < best_errs) {
			best = i;
			best_score = score;
			best_errs = errs;
		}
	}
	if (best_score <= 0 && !any_type && (types & 0x7f) != 0)
		return v_type_report(c, types & 0x7f, n);
	if ((e = v_node(c, l->v[best], n)) == 0)
		return v_report(c, DIAG_SCHEMA, n,
		    "does not match any of the allowed forms");
	return e;
}

static int
v_enum_has(const struct node *e, const struct node *n)
{
	for (size_t i = 0; i < e->n; i++)
		if (node_equal(e->items[i], n))
			return 1;
	return 0;
}

static size_t
v_enum_report(struct vctx *c, const struct sch *s, const struct node *n)
{
	struct buf list = {0};
	const char *cands[16];
	size_t ncands = 0;
	const char *sug = "";
	char sh[128];
	size_t e;

	if (c->mode != V_EMIT)
		return 1; /* messages cost; anyOf branches fail often */
	buf_puts(&list, "");
	for (size_t i = 0; i < s->enum_v->n; i++) {
		const struct node *it = s->enum_v->items[i];

		/* All of them, so the user sees the choice, unless absurdly many. */
		if (i == 32 || list.len > 400) {
			buf_printf(&list, ", ... (%zu values)", (size_t)s->enum_v->n);
			break;
		}
		buf_printf(&list, "%s%s", i ? ", " : "", v_show(it, sh, sizeof(sh)));
	}
	if (n->kind == NODE_STRING) {
		for (size_t i = 0; i < s->enum_v->n && ncands < NELEM(cands); i++)
			if (s->enum_v->items[i]->kind == NODE_STRING)
				cands[ncands++] = s->enum_v->items[i]->str;
		sug = diag_suggest(n->str, cands, ncands);
	}
	e = v_report(c, DIAG_SCHEMA_ENUM, n, "%s is not one of %s%s",
	    v_show(n, sh, sizeof(sh)), list.data, sug);
	buf_free(&list);
	return e;
}

#define V_ERR(expr)                                                   \
	do {                                                          \
		errs += (expr);                                       \
		if (errs != 0 && c->mode == V_CHECK)                  \
			return errs;                                  \
	} while (0)

static size_t
v_number(struct vctx *c, const struct sch *s, const struct node *n)
{
	long double v = n->kind == NODE_INT ? (long double)n->v.i : n->v.f;
	char a[64], b[64];
	size_t errs = 0;

	/* Only failures format; a[] is filled by the first one. */
	a[0] = '\0';
#define V_A (a[0] ? a : v_show(n, a, sizeof(a)))
	if ((s->has & HAS_MIN) && v < s->minimum) {
		v_fmt_num(s->minimum, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s is below the minimum %s", V_A, b));
	}
	if ((s->has & HAS_MAX) && v > s->maximum) {
		v_fmt_num(s->maximum, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s is above the maximum %s", V_A, b));
	}
	if ((s->has & HAS_XMIN) && v <= s->xmin) {
		v_fmt_num(s->xmin, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s must be greater than %s", V_A, b));
	}
	if ((s->has & HAS_XMAX) && v >= s->xmax) {
		v_fmt_num(s->xmax, b, sizeof(b));
		V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
		    "%s must be less than %s", V_A, b));
	}
	if (s->has & HAS_MULT) {
		int ok;

		if (n->kind == NODE_INT && s->multiple == floor(s->multiple) &&
		    s->multiple < 9e18) {
			ok = n->v.i % (long long)s->multiple == 0;
		} else {
			double q = (double)v / s->multiple;

			ok = isfinite(q) && q == floor(q);
		}
		if (!ok) {
			v_fmt_num(s->multiple, b, sizeof(b));
			V_ERR(v_report(c, DIAG_SCHEMA_RANGE, n,
			    "%s is not a multiple of %s", V_A, b));
		}
	}
#undef V_A
	return errs;
}

static size_t
v_string(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0, len;
	char sh[128];

	if (s->has & (HAS_MINLEN | HAS_MAXLEN)) {
		len = u8_count(n->str, n->len);
		if ((s->has & HAS_MINLEN) && len < s->min_len)
			V_ERR(v_report(c, DIAG_SCHEMA_LENGTH, n,
			    "%s is too short (%zu characters, minimum %zu)",
			    v_show(n, sh, sizeof(sh)), len, s->min_len));
		if ((s->has & HAS_MAXLEN) && len > s->max_len)
			V_ERR(v_report(c, DIAG_SCHEMA_LENGTH, n,
			    "%s is too long (%zu characters, maximum %zu)",
			    v_show(n, sh, sizeof(sh)), len, s->max_len));
	}
	if (s->pattern != NULL) {
		int r = rx_search(s->pattern, n->str, n->len,
		    SCHEMA_RX_STEPS);

		if (r < 0)
			V_ERR(v_report(c, DIAG_SCHEMA_LIMIT, n,
			    "%s is too complex to match against the pattern '%s'",
			    v_show(n, sh, sizeof(sh)), s->pattern_src));
		else if (r == 0)
			V_ERR(v_report(c, DIAG_SCHEMA_PATTERN, n,
			    "%s does not match the pattern '%s'",
			    v_show(n, sh, sizeof(sh)), s->pattern_src));
	}
	return errs;
}

/* A hash that agrees with node_equal: 1 and 1.0 alike, maps in any order. */
static uint64_t
v_hash(const struct node *n, unsigned depth)
{
	uint64_t h = 1469598103934665603ull;
	double d;

	switch (n->kind) {
	case NODE_NULL:
		return 1;
	case NODE_BOOL:
		return 2 + (uint64_t)n->v.b;
	case NODE_INT:
	case NODE_FLOAT:
		d = n->kind == NODE_INT ? (double)n->v.i : n->v.f;
		if (d == 0)
			d = 0; /* -0.0 equals 0 */
		memcpy(&h, &d, sizeof(h));
		return h * 0x9e3779b97f4a7c15ull + 3;
	case NODE_STRING:
		for (size_t i = 0; i < n->len; i++)
			h = (h ^ (unsigned char)n->str[i]) * 1099511628211ull;
		return h;
	case NODE_SEQ:
		if (depth > 64)
			return 5;
		for (size_t i = 0; i < n->n; i++)
			h = (h ^ v_hash(n->items[i], depth + 1)) * 1099511628211ull;
		return h + 5;
	case NODE_MAP:
		if (depth > 64)
			return 7;
		/* A sum does not depend on the order of the pairs. */
		for (size_t i = 0; i < n->n; i++)
			h += v_hash(n->pairs[i].key, depth + 1) * 31 +
			    v_hash(n->pairs[i].value, depth + 1);
		return h + 7;
	}
	return 0;
}

struct v_hidx {
	uint64_t h;
	size_t i;
};

static int
v_hidx_cmp(const void *a, const void *b)
{
	const struct v_hidx *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * uniqueItems. Short lists compare every pair; long ones sort by hash first,
 * so a list of 100,000 items costs n log n, not n^2 comparisons.
 */
static size_t
v_unique(struct vctx *c, const struct node *n)
{
	struct v_hidx *v;
	size_t errs = 0;

	if (n->n <= 32) {
		for (size_t j = 1; j < n->n; j++) {
			for (size_t i = 0; i < j; i++) {
				if (!node_equal(n->items[i], n->items[j]))
					continue;
				v_push_idx(c, j);
				errs += v_report(c, DIAG_SCHEMA_UNIQUE, n->items[j],
				    "duplicate of item %zu", i);
				v_pop(c);
				if (c->mode == V_CHECK)
					return errs;
				break;
			}
		}
		return errs;
	}
	v = xmalloc(n->n * sizeof(*v));
	for (size_t i = 0; i < n->n; i++) {
		v[i].h = v_hash(n->items[i], 0);
		v[i].i = i;
	}
	qsort(v, n->n, sizeof(*v), v_hidx_cmp);
	/* Within a run of equal hashes, report each item against the first
	 * earlier item it equals, as the pairwise loop does. */
	for (size_t a = 0; a < n->n && !(errs && c->mode == V_CHECK); ) {
		size_t b = a + 1;

		while (b < n->n && v[b].h == v[a].h)
			b++;
		for (size_t j = a + 1; j < b; j++) {
			for (size_t i = a; i < j; i++) {
				if (!node_equal(n->items[v[i].i], n->items[v[j].i]))
					continue;
				v_push_idx(c, v[j].i);
				errs += v_report(c, DIAG_SCHEMA_UNIQUE,
				    n->items[v[j].i], "duplicate of item %zu", v[i].i);
				v_pop(c);
				break;
			}
			if (errs && c->mode == V_CHECK)
				break;
		}
		a = b;
	}
	free(v);
	return errs;
}

static size_t
v_array(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;

	if ((s->has & HAS_MINITEMS) && n->n < s->min_items)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu item%s, at least %zu required", (size_t)n->n,
		    n->n == 1 ? "" : "s", s->min_items));
	if ((s->has & HAS_MAXITEMS) && n->n > s->max_items)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu items, at most %zu allowed", (size_t)n->n, s->max_items));
	if (s->items != NULL) {
		for (size_t i = 0; i < n->n; i++) {
			v_push_idx(c, i);
			errs += v_node(c, s->items, n->items[i]);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	} else if (s->items_is_array) {
		for (size_t i = 0; i < n->n; i++) {
			const struct sch *is = i < s->items_v.n ? s->items_v.v[i]
			                                         : s->addl_items;

			if (is == NULL)
				break;
			v_push_idx(c, i);
			if (i >= s->items_v.n && v_deref(is)->is_bool &&
			    !v_deref(is)->bool_val)
				errs += v_report(c, DIAG_SCHEMA_COUNT, n->items[i],
				    "unexpected item: at most %zu allowed",
				    s->items_v.n);
			else
				errs += v_node(c, is, n->items[i]);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	if ((s->has & HAS_UNIQUE) && n->n > 1)
		V_ERR(v_unique(c, n));
	if (s->contains != NULL) {
		int found = 0;

		for (size_t i = 0; i < n->n && !found; i++) {
			v_push_idx(c, i);
			found = v_check(c, s->contains, n->items[i]) == 0;
			v_pop(c);
		}
		if (!found) {
			const struct sch *cs = v_deref(s->contains);

			if (cs->description != NULL)
				V_ERR(v_report(c, DIAG_SCHEMA, n,
				    "no item matches the required form (%s)",
				    cs->description));
			else
				V_ERR(v_report(c, DIAG_SCHEMA, n,
				    "no item matches the required form"));
		}
	}
	return errs;
}

static size_t
v_object(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;

	if (s->required != NULL) {
		for (size_t i = 0; i < s->required->n; i++) {
			const char *name = s->required->items[i]->str;

			if (node_find(n, name) == NULL)
				V_ERR(v_report(c, DIAG_SCHEMA_REQUIRED, n,
				    "missing required property '%s'", name));
		}
	}
	if ((s->has & HAS_MINPROPS) && n->n < s->min_props)
		V_ERR(v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu propert%s, at least %zu required", (size_t)n->n,
		    n->n == 1 ? "y" : "ies", s->min_props));
	if ((s->has & HAS_MAXPROPS) && n->n > s->max_props) {
		struct buf keys = {0};

		if (c->mode != V_EMIT) {
			errs++;
			if (c->mode == V_CHECK)
				return errs;
			goto props;
		}
		buf_puts(&keys, "");
		for (size_t i = 0; i < n->n && i < 8; i++)
			buf_printf(&keys, "%s%s", i ? ", " : "", n->pairs[i].key->str);
		errs += v_report(c, DIAG_SCHEMA_COUNT, n,
		    "has %zu properties (%s%s), at most %zu allowed", (size_t)n->n,
		    keys.data, n->n > 8 ? ", ..." : "", s->max_props);
		buf_free(&keys);
	}
props:
	if (s->nprops || s->npats || s->addl_props) {
		const struct sch *addl = s->addl_props ? v_deref(s->addl_props) : NULL;

		for (size_t i = 0; i < n->n; i++) {
			const struct node *k = n->pairs[i].key;
			const struct node *val = n->pairs[i].value;
			const struct sch_prop *p = v_prop_find(s, k->str, k->len);
			int matched = p != NULL;

			v_push_key(c, k->str);
			if (p != NULL)
				errs += v_node(c, p->s, val);
			for (size_t j = 0; j < s->npats; j++) {
				int r = rx_search(s->pats[j].re, k->str, k->len,
				    SCHEMA_RX_STEPS);

				if (r < 0) {
					errs += v_report(c, DIAG_SCHEMA_LIMIT, k,
					    "property name too complex to match");
				} else if (r > 0) {
					matched = 1;
					errs += v_node(c, s->pats[j].s, val);
				}
			}
			if (!matched && addl != NULL) {
				if (addl->is_bool && !addl->bool_val) {
					errs += v_report(c,
					    DIAG_SCHEMA_UNKNOWN_PROPERTY, k,
					    "unknown property '%s'%s", k->str,
					    diag_suggest(k->str, s->prop_names,
					    s->nprops));
				} else {
					errs += v_node(c, addl, val);
				}
			}
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	if (s->prop_names_s != NULL) {
		for (size_t i = 0; i < n->n; i++) {
			v_push_key(c, n->pairs[i].key->str);
			errs += v_node(c, s->prop_names_s, n->pairs[i].key);
			v_pop(c);
			if (errs && c->mode == V_CHECK)
				return errs;
		}
	}
	for (size_t i = 0; i < s->ndeps; i++) {
		const struct sch_dep *dp = &s->deps[i];
		const struct node_pair *kp = node_find(n, dp->name);

		if (kp == NULL)
			continue;
		if (dp->required != NULL) {
			for (size_t j = 0; j < dp->required->n; j++) {
				const char *need = dp->required->items[j]->str;

				if (node_find(n, need) != NULL)
					continue;
				v_push_key(c, kp->key->str);
				errs += v_report(c, DIAG_SCHEMA_DEPENDENCY, kp->key,
				    "property '%s' requires property '%s'",
				    dp->name, need);
				v_pop(c);
				if (c->mode == V_CHECK)
					return errs;
			}
		} else {
			V_ERR(v_node(c, dp->s, n));
		}
	}
	return errs;
}

static size_t
v_node_inner(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs = 0;
	char sh[128];

	s = v_deref(s);
	if (s->is_bool) {
		if (s->bool_val)
			return 0;
		if (c->npath > 0 && c->npath <= V_PATH_MAX &&
		    c->path[c->npath - 1].key != NULL)
			return v_report(c, DIAG_SCHEMA_UNKNOWN_PROPERTY, n,
			    "property '%s' is not allowed",
			    c->path[c->npath - 1].key);
		return v_report(c, DIAG_SCHEMA, n, "no value is allowed here");
	}
	/* After a type error every other keyword would only repeat it. */
	if (s->types && !(s->types & v_inst_types(n)))
		return v_type_report(c, s->types, n);
	if ((s->has & HAS_ENUM) && !v_enum_has(s->enum_v, n))
		V_ERR(v_enum_report(c, s, n));
	if ((s->has & HAS_CONST) && !node_equal(s->const_v, n)) {
		char want[128];

		V_ERR(v_report(c, DIAG_SCHEMA_ENUM, n, "expected %s, got %s",
		    v_show(s->const_v, want, sizeof(want)),
		    v_show(n, sh, sizeof(sh))));
	}
	switch (n->kind) {
	case NODE_INT:
	case NODE_FLOAT:
		V_ERR(v_number(c, s, n));
		break;
	case NODE_STRING:
		V_ERR(v_string(c, s, n));
		break;
	case NODE_SEQ:
		V_ERR(v_array(c, s, n));
		break;
	case NODE_MAP:
		V_ERR(v_object(c, s, n));
		break;
	default:
		break;
	}
	for (size_t i = 0; i < s->all_of.n; i++)
		V_ERR(v_node(c, s->all_of.v[i], n));
	if (s->any_of.n)
		V_ERR(v_of(c, &s->any_of, n, 0));
	if (s->one_of.n)
		V_ERR(v_of(c, &s->one_of, n, 1));
	if (s->not_s != NULL && v_check(c, s->not_s, n) == 0) {
		const struct sch *ns = v_deref(s->not_s);

		if (ns->description != NULL)
			V_ERR(v_report(c, DIAG_SCHEMA_NOT, n,
			    "is not allowed: %s", ns->description));
		else
			V_ERR(v_report(c, DIAG_SCHEMA_NOT, n,
			    "matches a form that is not allowed here"));
	}
	if (s->if_s != NULL) {
		if (v_check(c, s->if_s, n) == 0) {
			if (s->then_s != NULL)
				V_ERR(v_node(c, s->then_s, n));
		} else if (s->else_s != NULL) {
			V_ERR(v_node(c, s->else_s, n));
		}
	}
	return errs;
}

static size_t
v_node(struct vctx *c, const struct sch *s, const struct node *n)
{
	size_t errs;

	if (c->aborted)
		return 1;
	if (c->depth >= SCHEMA_MAX_DEPTH || ++c->steps > SCHEMA_MAX_STEPS) {
		c->aborted = 1;
		c->abort_why = c->depth >= SCHEMA_MAX_DEPTH ?
		    "schema nesting deeper than " NUM2STR(SCHEMA_MAX_DEPTH)
		    " levels (a $ref cycle?)" :
		    "more than " NUM2STR(SCHEMA_MAX_STEPS) " schema checks";
		c->abort_at = n;
		v_path_fmt(c, &c->abort_path);
		return 1;
	}
	c->depth++;
	errs = v_node_inner(c, s, n);
	c->depth--;
	return errs;
}

static size_t
v_run(const struct schema *S, const struct node *n, const char *file,
    struct diags *d, enum v_mode mode)
{
	struct vctx *c = xcalloc(1, sizeof(*c));
	struct node null_node;
	size_t errs, before;

	if (n == NULL) {
		memset(&null_node, 0, sizeof(null_node));
		null_node.kind = NODE_NULL;
		null_node.loc.file = file;
		null_node.loc.line = 1;
		null_node.loc.col = 1;
		null_node.str = "";
		n = &null_node;
	}
	c->S = S;
	c->d = d;
	c->mode = mode;
	c->file = file;
	before = d != NULL ? d->nerrors : 0;
	errs = v_node(c, S->root, n);
	if (c->aborted && mode == V_EMIT) {
		struct loc loc = c->abort_at->loc;

		if (loc.file == NULL)
			loc.file = file;
		diag_add(d, DIAG_SCHEMA_LIMIT, loc, c->abort_path.data,
		    "validation stopped: %s", c->abort_why);
		/* Checks after the abort failed without a diagnostic: recount. */
		errs = d->nerrors - before;
	}
	buf_free(&c->abort_path);
	free(c);
	return errs;
}

size_t
schema_validate(const struct schema *S, const struct node *instance,
    const char *file, struct diags *d)
{
	return v_run(S, instance, file, d, V_EMIT);
}

int
schema_is_valid(const struct schema *S, const struct node *instance)
{
	return v_run(S, instance, NULL, NULL, V_CHECK) == 0;
}
