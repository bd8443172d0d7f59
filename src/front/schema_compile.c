/*
 * schema_compile.c - schema_load: from schema JSON to struct sch.
 *
 * Loading runs in three passes over the parsed documents: sc_scan records
 * the base URI of every schema object and registers each $id; sc_compile
 * turns every schema object into a struct sch, one keyword at a time
 * (sc_keyword), queueing each $ref; sc_resolve_refs then points every $ref
 * at its compiled target, compiling what only a $ref reaches. Every mistake
 * in the schema is found here, so validation cannot meet one.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front/json.h"
#include "base/util.h"
#include "front/schema.h"
#include "front/schema_int.h"

/* node -> compiled schema and base URI, open addressing. */
struct smap_ent {
	const struct node *n;
	struct sch *s;
	const char *base;
};

/* URI (without fragment, or with a plain-name fragment) -> schema node. */
struct sreg_ent {
	const char *uri;
	const struct node *n;
};

struct sref {
	struct sch *s;
	const char *uri;
	const struct node *at; /* the $ref node, for error positions */
};

static const char *
sc_own(struct schema *S, char *str)
{
	S->strs = xgrow(S->strs, &S->capstrs, S->nstrs + 1, sizeof(*S->strs));
	S->strs[S->nstrs++] = str;
	return str;
}

static void PRINTF_LIKE(3, 4)
sc_fail(struct schema *S, const struct node *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (S->err != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (at != NULL)
		S->err = xasprintf("%s:%u:%u: %s", at->loc.file ? at->loc.file : "schema",
		    at->loc.line, at->loc.col, msg);
	else
		S->err = xasprintf("schema: %s", msg);
	free(msg);
}

static size_t
smap_hash(const struct node *n, size_t cap)
{
	uintptr_t h = (uintptr_t)n;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (cap - 1);
}

static struct smap_ent *
smap_get(struct schema *S, const struct node *n, int create)
{
	size_t i;

	if (S->mapcap == 0 || (create && (S->mapn + 1) * 2 > S->mapcap)) {
		struct smap_ent *old = S->map;
		size_t oldcap = S->mapcap;

		if (!create && S->mapcap == 0)
			return NULL;
		S->mapcap = oldcap ? oldcap * 2 : 256;
		S->map = xcalloc(S->mapcap, sizeof(*S->map));
		for (size_t j = 0; j < oldcap; j++) {
			if (old[j].n == NULL)
				continue;
			i = smap_hash(old[j].n, S->mapcap);
			while (S->map[i].n != NULL)
				i = (i + 1) & (S->mapcap - 1);
			S->map[i] = old[j];
		}
		free(old);
	}
	i = smap_hash(n, S->mapcap);
	while (S->map[i].n != NULL) {
		if (S->map[i].n == n)
			return &S->map[i];
		i = (i + 1) & (S->mapcap - 1);
	}
	if (!create)
		return NULL;
	S->map[i].n = n;
	S->mapn++;
	return &S->map[i];
}

static void
sreg_add(struct schema *S, const char *uri, const struct node *n)
{
	for (size_t i = 0; i < S->nreg; i++)
		if (strcmp(S->reg[i].uri, uri) == 0)
			return; /* the first one wins */
	S->reg = xgrow(S->reg, &S->capreg, S->nreg + 1, sizeof(*S->reg));
	S->reg[S->nreg].uri = uri;
	S->reg[S->nreg].n = n;
	S->nreg++;
}

static const struct node *
sreg_find(const struct schema *S, const char *uri)
{
	for (size_t i = 0; i < S->nreg; i++)
		if (strcmp(S->reg[i].uri, uri) == 0)
			return S->reg[i].n;
	return NULL;
}

/* ---- URIs, just enough of RFC 3986 for $id and $ref ---- */

static size_t
uri_scheme_len(const char *u)
{
	size_t i = 0;

	if (!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return 0;
	while (u[i] && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#')
		i++;
	return u[i] == ':' ? i : 0;
}

static char *
uri_strip_fragment(const char *u)
{
	const char *h = strchr(u, '#');

	return h ? xstrndup(u, (size_t)(h - u)) : xstrdup(u);
}

/* Removes "." and ".." segments in place (RFC 3986, 5.2.4, simplified). */
static void
uri_remove_dots(char *u)
{
	char *path = u, *out, *in;
	size_t sl = uri_scheme_len(u);

	if (sl)
		path = u + sl + 1;
	if (path[0] == '/' && path[1] == '/') {
		path = strchr(path + 2, '/');
		if (path == NULL)
			return;
	}
	out = in = path;
	while (*in && *in != '?' && *in != '#') {
		if (strncmp(in, "./", 2) == 0 && (in == path || in[-1] == '/')) {
			in += 2;
		} else if (strncmp(in, "../", 3) == 0 && (in == path || in[-1] == '/')) {
			in += 3;
			if (out > path) {
				out--;
				while (out > path && out[-1] != '/')
					out--;
			}
		} else {
			*out++ = *in++;
		}
	}
	memmove(out, in, strlen(in) + 1);
}

static char *
uri_resolve(const char *base, const char *ref)
{
	char *b, *r, *slash;
	size_t sl;

	if (uri_scheme_len(ref) || base[0] == '\0')
		return xstrdup(ref);
	if (ref[0] == '\0')
		return xstrdup(base);
	b = uri_strip_fragment(base);
	if (ref[0] == '#') {
		r = xasprintf("%s%s", b, ref);
	} else if (ref[0] == '/' && ref[1] == '/') {
		sl = uri_scheme_len(b);
		r = xasprintf("%.*s:%s", (int)sl, b, ref);
	} else if (ref[0] == '/') {
		sl = uri_scheme_len(b);
		if (sl && b[sl + 1] == '/' && b[sl + 2] == '/') {
			slash = strchr(b + sl + 3, '/');
			if (slash != NULL)
				*slash = '\0';
		}
		r = xasprintf("%s%s", b, ref);
	} else {
		sl = uri_scheme_len(b);
		slash = strrchr(b, '/');
		if (sl && b[sl + 1] == '/' && b[sl + 2] == '/' &&
		    (slash == NULL || slash < b + sl + 3))
			r = xasprintf("%s/%s", b, ref); /* authority, no path */
		else if (slash != NULL)
			r = xasprintf("%.*s%s", (int)(slash - b + 1), b, ref);
		else
			r = xstrdup(ref);
	}
	free(b);
	uri_remove_dots(r);
	return r;
}

/* Follows a JSON pointer ("/a/b~1c/0") from n; NULL when it leads nowhere. */
static const struct node *
json_pointer(const struct node *n, const char *ptr)
{
	struct buf tok = {0};

	while (n != NULL && *ptr == '/') {
		ptr++;
		tok.len = 0;
		buf_puts(&tok, "");
		while (*ptr && *ptr != '/') {
			if (ptr[0] == '~' && ptr[1] == '0') {
				buf_putc(&tok, '~');
				ptr += 2;
			} else if (ptr[0] == '~' && ptr[1] == '1') {
				buf_putc(&tok, '/');
				ptr += 2;
			} else {
				buf_putc(&tok, *ptr++);
			}
		}
		if (n->kind == NODE_MAP) {
			n = node_get(n, tok.data);
		} else if (n->kind == NODE_SEQ) {
			char *end;
			unsigned long idx = strtoul(tok.data, &end, 10);

			if (tok.len == 0 || *end != '\0' || idx >= n->n ||
			    (tok.data[0] == '0' && tok.len > 1))
				n = NULL;
			else
				n = n->items[idx];
		} else {
			n = NULL;
		}
	}
	buf_free(&tok);
	return *ptr == '\0' ? n : NULL;
}

/* ---- scan: base URIs and $id registrations ---- */

static int
is_schema_node(const struct node *n)
{
	return n != NULL && (n->kind == NODE_MAP || n->kind == NODE_BOOL);
}

static void sc_scan(struct schema *S, const struct node *n, const char *base,
    unsigned depth);

static void
sc_scan_map_values(struct schema *S, const struct node *m, const char *base,
    unsigned depth)
{
	if (m == NULL || m->kind != NODE_MAP)
		return;
	for (size_t i = 0; i < m->n; i++)
		sc_scan(S, m->pairs[i].value, base, depth);
}

static void
sc_scan_array(struct schema *S, const struct node *a, const char *base,
    unsigned depth)
{
	if (a == NULL || a->kind != NODE_SEQ)
		return;
	for (size_t i = 0; i < a->n; i++)
		sc_scan(S, a->items[i], base, depth);
}

static const char *const sc_single_keys[] = {
	"additionalItems", "additionalProperties", "contains", "propertyNames",
	"not", "if", "then", "else",
};

static void
sc_scan(struct schema *S, const struct node *n, const char *base,
    unsigned depth)
{
	struct smap_ent *e;
	const struct node *id, *items;

	if (!is_schema_node(n) || depth > JSON_MAX_DEPTH)
		return;
	e = smap_get(S, n, 1);
	if (e->base != NULL)
		return; /* reached twice: a YAML alias, keep the first base */
	if (n->kind != NODE_MAP) {
		e->base = base;
		return;
	}
	id = node_get(n, "$id");
	if (id != NULL && id->kind == NODE_STRING && node_get(n, "$ref") == NULL) {
		char *full = uri_resolve(base, id->str);

		sc_own(S, full);
		if (id->str[0] == '#') {
			sreg_add(S, full, n);
		} else {
			char *nb = uri_strip_fragment(full);

			base = sc_own(S, nb);
			sreg_add(S, base, n);
		}
	}
	e->base = base;
	sc_scan_map_values(S, node_get(n, "properties"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "patternProperties"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "definitions"), base, depth + 1);
	sc_scan_map_values(S, node_get(n, "dependencies"), base, depth + 1);
	items = node_get(n, "items");
	if (items != NULL && items->kind == NODE_SEQ)
		sc_scan_array(S, items, base, depth + 1);
	else
		sc_scan(S, items, base, depth + 1);
	for (size_t i = 0; i < NELEM(sc_single_keys); i++)
		sc_scan(S, node_get(n, sc_single_keys[i]), base, depth + 1);
	sc_scan_array(S, node_get(n, "allOf"), base, depth + 1);
	sc_scan_array(S, node_get(n, "anyOf"), base, depth + 1);
	sc_scan_array(S, node_get(n, "oneOf"), base, depth + 1);
}

/* ---- compile ---- */

static struct sch *sc_compile(struct schema *S, const struct node *n,
    const char *base);

static const char *
sc_base_of(struct schema *S, const struct node *n, const char *fallback)
{
	struct smap_ent *e = smap_get(S, n, 0);

	return e != NULL && e->base != NULL ? e->base : fallback;
}

static struct sch *
sc_sub(struct schema *S, const struct node *n, const char *base)
{
	return sc_compile(S, n, sc_base_of(S, n, base));
}

static int
sc_number(struct schema *S, const struct node *v, const char *kw, double *out)
{
	if (v->kind == NODE_INT) {
		*out = (double)v->v.i;
		return 0;
	}
	if (v->kind == NODE_FLOAT) {
		*out = v->v.f;
		return 0;
	}
	sc_fail(S, v, "'%s' must be a number", kw);
	return -1;
}

static int
sc_count(struct schema *S, const struct node *v, const char *kw, size_t *out)
{
	if (v->kind == NODE_INT && v->v.i >= 0) {
		*out = (size_t)v->v.i;
		return 0;
	}
	if (v->kind == NODE_FLOAT && v->v.f >= 0 && v->v.f == floor(v->v.f) &&
	    v->v.f < 1e18) {
		*out = (size_t)v->v.f;
		return 0;
	}
	sc_fail(S, v, "'%s' must be a non-negative integer", kw);
	return -1;
}

static void
sc_list(struct schema *S, const struct node *v, const char *kw,
    const char *base, struct sch_list *out)
{
	if (v->kind != NODE_SEQ || v->n == 0) {
		sc_fail(S, v, "'%s' must be a non-empty array of schemas", kw);
		return;
	}
	out->v = xcalloc(v->n, sizeof(*out->v));
	out->n = v->n;
	for (size_t i = 0; i < v->n; i++)
		out->v[i] = sc_sub(S, v->items[i], base);
}

int
sch_prop_cmp(const void *a, const void *b)
{
	const struct sch_prop *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static unsigned
sc_type_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bits;
	} types[] = {
		{"null", TY_NULL}, {"boolean", TY_BOOL}, {"integer", TY_INT},
		{"number", TY_INT | TY_NUM}, {"string", TY_STR},
		{"array", TY_ARR}, {"object", TY_OBJ},
	};

	for (size_t i = 0; i < NELEM(types); i++)
		if (strcmp(name, types[i].name) == 0)
			return types[i].bits;
	return 0;
}

static struct rx *
sc_regex(struct schema *S, const struct node *v, const char *what)
{
	char *err = NULL;
	struct rx *re;

	if (v->kind != NODE_STRING) {
		sc_fail(S, v, "%s must be a string", what);
		return NULL;
	}
	re = rx_compile(v->str, v->len, &err);
	if (re == NULL) {
		sc_fail(S, v, "%s '%s': %s", what, v->str, err);
		free(err);
	}
	return re;
}

/*
 * One entry per keyword that compiles to something: the function for its
 * family, and for keywords that fill one field of struct sch, where that
 * field is (off) and which HAS_ bit says it is set.
 */
struct sc_kw {
	const char *name;
	void (*fn)(struct schema *S, struct sch *s, const struct sc_kw *k,
	    const struct node *v, const char *base);
	size_t off;
	unsigned bit;
};

#define SC_FIELD(s, k, type) ((type *)(void *)((char *)(s) + (k)->off))

static void
sc_kw_type(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	(void)base;
	if (v->kind == NODE_STRING) {
		if ((s->types = sc_type_bit(v->str)) == 0)
			sc_fail(S, v, "unknown type '%s'", v->str);
	} else if (v->kind == NODE_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			unsigned bit = 0;

			if (v->items[i]->kind == NODE_STRING)
				bit = sc_type_bit(v->items[i]->str);
			if (bit == 0)
				sc_fail(S, v->items[i], "unknown type");
			s->types |= bit;
		}
		if (s->types == 0)
			s->types = 0x80; /* "type": [] admits nothing */
	} else {
		sc_fail(S, v, "'type' must be a string or an array");
	}
}

static void
sc_kw_enum(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	(void)base;
	if (v->kind != NODE_SEQ)
		sc_fail(S, v, "'enum' must be an array");
	s->enum_v = v;
	s->has |= HAS_ENUM;
}

static void
sc_kw_const(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)S;
	(void)k;
	(void)base;
	s->const_v = v;
	s->has |= HAS_CONST;
}

/* minimum, maximum, exclusiveMinimum, exclusiveMaximum. */
static void
sc_kw_number(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)base;
	if (sc_number(S, v, k->name, SC_FIELD(s, k, double)) == 0)
		s->has |= k->bit;
}

static void
sc_kw_multiple(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)base;
	if (sc_number(S, v, k->name, &s->multiple) != 0)
		return;
	if (!(s->multiple > 0))
		sc_fail(S, v, "'multipleOf' must be greater than 0");
	s->has |= HAS_MULT;
}

/* minLength, maxLength, minItems, maxItems, minProperties, maxProperties. */
static void
sc_kw_count(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)base;
	if (sc_count(S, v, k->name, SC_FIELD(s, k, size_t)) == 0)
		s->has |= k->bit;
}

static void
sc_kw_unique(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	(void)base;
	if (v->kind != NODE_BOOL)
		sc_fail(S, v, "'uniqueItems' must be a boolean");
	else if (v->v.b)
		s->has |= HAS_UNIQUE;
}

static void
sc_kw_pattern(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	(void)base;
	s->pattern = sc_regex(S, v, "pattern");
	s->pattern_src = v->str;
}

static void
sc_kw_properties(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	if (v->kind != NODE_MAP) {
		sc_fail(S, v, "'properties' must be an object");
		return;
	}
	s->props = xcalloc(v->n ? v->n : 1, sizeof(*s->props));
	s->prop_names = xcalloc(v->n ? v->n : 1, sizeof(*s->prop_names));
	s->nprops = v->n;
	for (size_t i = 0; i < v->n; i++) {
		s->props[i].name = v->pairs[i].key->str;
		s->props[i].len = v->pairs[i].key->len;
		s->props[i].s = sc_sub(S, v->pairs[i].value, base);
		s->prop_names[i] = v->pairs[i].key->str;
	}
	qsort(s->props, s->nprops, sizeof(*s->props), sch_prop_cmp);
}

static void
sc_kw_pattern_props(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	if (v->kind != NODE_MAP) {
		sc_fail(S, v, "'patternProperties' must be an object");
		return;
	}
	s->pats = xcalloc(v->n ? v->n : 1, sizeof(*s->pats));
	for (size_t i = 0; i < v->n; i++) {
		s->pats[i].re = sc_regex(S, v->pairs[i].key,
		    "patternProperties key");
		s->pats[i].s = sc_sub(S, v->pairs[i].value, base);
		s->npats++;
	}
}

static void
sc_kw_required(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	(void)base;
	if (v->kind != NODE_SEQ) {
		sc_fail(S, v, "'required' must be an array of strings");
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i]->kind != NODE_STRING)
			sc_fail(S, v->items[i], "'required' must list strings");
	s->required = v;
}

static void
sc_kw_items(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	if (v->kind == NODE_SEQ) {
		s->items_is_array = 1;
		s->items_v.n = v->n;
		s->items_v.v = xcalloc(v->n ? v->n : 1, sizeof(*s->items_v.v));
		for (size_t i = 0; i < v->n; i++)
			s->items_v.v[i] = sc_sub(S, v->items[i], base);
	} else {
		s->items = sc_sub(S, v, base);
	}
}

/* Keywords whose value is one schema: additionalProperties, not, if, ... */
static void
sc_kw_sub(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	*SC_FIELD(s, k, struct sch *) = sc_sub(S, v, base);
}

/* allOf, anyOf, oneOf. */
static void
sc_kw_list(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	sc_list(S, v, k->name, base, SC_FIELD(s, k, struct sch_list));
}

static void
sc_kw_dependencies(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)k;
	if (v->kind != NODE_MAP) {
		sc_fail(S, v, "'dependencies' must be an object");
		return;
	}
	s->deps = xcalloc(v->n ? v->n : 1, sizeof(*s->deps));
	s->ndeps = v->n;
	for (size_t i = 0; i < v->n; i++) {
		const struct node *dv = v->pairs[i].value;

		s->deps[i].name = v->pairs[i].key->str;
		s->deps[i].len = v->pairs[i].key->len;
		if (dv->kind == NODE_SEQ) {
			for (size_t j = 0; j < dv->n; j++)
				if (dv->items[j]->kind != NODE_STRING)
					sc_fail(S, dv->items[j],
					    "dependencies must list strings");
			s->deps[i].required = dv;
		} else {
			s->deps[i].s = sc_sub(S, dv, base);
		}
	}
}

/* Compiled so that their mistakes are found at load time. */
static void
sc_kw_definitions(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)s;
	(void)k;
	if (v->kind != NODE_MAP) {
		sc_fail(S, v, "'definitions' must be an object");
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		sc_sub(S, v->pairs[i].value, base);
}

/* title, description: kept for messages. */
static void
sc_kw_text(struct schema *S, struct sch *s, const struct sc_kw *k,
    const struct node *v, const char *base)
{
	(void)S;
	(void)base;
	*SC_FIELD(s, k, const char *) = node_str(v);
}

#define SC_AT(field) offsetof(struct sch, field)

static const struct sc_kw sc_kws[] = {
	{"type", sc_kw_type, 0, 0},
	{"enum", sc_kw_enum, 0, 0},
	{"const", sc_kw_const, 0, 0},
	{"minimum", sc_kw_number, SC_AT(minimum), HAS_MIN},
	{"maximum", sc_kw_number, SC_AT(maximum), HAS_MAX},
	{"exclusiveMinimum", sc_kw_number, SC_AT(xmin), HAS_XMIN},
	{"exclusiveMaximum", sc_kw_number, SC_AT(xmax), HAS_XMAX},
	{"multipleOf", sc_kw_multiple, 0, 0},
	{"minLength", sc_kw_count, SC_AT(min_len), HAS_MINLEN},
	{"maxLength", sc_kw_count, SC_AT(max_len), HAS_MAXLEN},
	{"minItems", sc_kw_count, SC_AT(min_items), HAS_MINITEMS},
	{"maxItems", sc_kw_count, SC_AT(max_items), HAS_MAXITEMS},
	{"minProperties", sc_kw_count, SC_AT(min_props), HAS_MINPROPS},
	{"maxProperties", sc_kw_count, SC_AT(max_props), HAS_MAXPROPS},
	{"uniqueItems", sc_kw_unique, 0, 0},
	{"pattern", sc_kw_pattern, 0, 0},
	{"properties", sc_kw_properties, 0, 0},
	{"patternProperties", sc_kw_pattern_props, 0, 0},
	{"additionalProperties", sc_kw_sub, SC_AT(addl_props), 0},
	{"required", sc_kw_required, 0, 0},
	{"propertyNames", sc_kw_sub, SC_AT(prop_names_s), 0},
	{"items", sc_kw_items, 0, 0},
	{"additionalItems", sc_kw_sub, SC_AT(addl_items), 0},
	{"contains", sc_kw_sub, SC_AT(contains), 0},
	{"allOf", sc_kw_list, SC_AT(all_of), 0},
	{"anyOf", sc_kw_list, SC_AT(any_of), 0},
	{"oneOf", sc_kw_list, SC_AT(one_of), 0},
	{"not", sc_kw_sub, SC_AT(not_s), 0},
	{"if", sc_kw_sub, SC_AT(if_s), 0},
	{"then", sc_kw_sub, SC_AT(then_s), 0},
	{"else", sc_kw_sub, SC_AT(else_s), 0},
	{"dependencies", sc_kw_dependencies, 0, 0},
	{"definitions", sc_kw_definitions, 0, 0},
	{"title", sc_kw_text, SC_AT(title), 0},
	{"description", sc_kw_text, SC_AT(description), 0},
};

#undef SC_AT

static void
sc_keyword(struct schema *S, struct sch *s, const char *kw,
    const struct node *v, const char *base)
{
	for (size_t i = 0; i < NELEM(sc_kws); i++) {
		if (strcmp(kw, sc_kws[i].name) == 0) {
			sc_kws[i].fn(S, s, &sc_kws[i], v, base);
			return;
		}
	}
	/* Anything else is an annotation (format, default, examples, ...). */
}

static struct sch *
sc_compile(struct schema *S, const struct node *n, const char *base)
{
	struct smap_ent *e = smap_get(S, n, 1);
	struct sch *s;
	const struct node *ref;

	if (e->s != NULL)
		return e->s;
	s = xcalloc(1, sizeof(*s));
	e->s = s;
	if (e->base == NULL)
		e->base = base;
	S->all = xgrow(S->all, &S->capall, S->nall + 1, sizeof(*S->all));
	S->all[S->nall++] = s;
	s->src = n;
	if (n->kind == NODE_BOOL) {
		s->is_bool = 1;
		s->bool_val = n->v.b;
		return s;
	}
	if (n->kind != NODE_MAP) {
		sc_fail(S, n, "a schema must be an object or a boolean, not %s",
		    node_kind_name(n->kind));
		s->is_bool = s->bool_val = 1;
		return s;
	}
	if ((ref = node_get(n, "$ref")) != NULL) {
		/* draft-07: $ref makes every sibling keyword ignored. */
		if (ref->kind != NODE_STRING) {
			sc_fail(S, ref, "'$ref' must be a string");
			return s;
		}
		S->refs = xgrow(S->refs, &S->caprefs, S->nrefs + 1, sizeof(*S->refs));
		S->refs[S->nrefs].s = s;
		S->refs[S->nrefs].uri = sc_own(S, uri_resolve(base, ref->str));
		S->refs[S->nrefs].at = ref;
		S->nrefs++;
		/* Definitions next to $ref may still be the target of pointers. */
		return s;
	}
	for (size_t i = 0; i < n->n && S->err == NULL; i++)
		sc_keyword(S, s, n->pairs[i].key->str, n->pairs[i].value, base);
	return s;
}

/* Resolves pending $refs; resolving may compile (and queue) more. */
static void
sc_resolve_refs(struct schema *S)
{
	for (size_t i = 0; i < S->nrefs && S->err == NULL; i++) {
		struct sref *r = &S->refs[i];
		const char *hash = strchr(r->uri, '#');
		char *docuri = hash ? xstrndup(r->uri, (size_t)(hash - r->uri))
		                    : xstrdup(r->uri);
		char *frag = hash ? percent_decode(hash + 1, strlen(hash + 1), 0) : xstrdup("");
		const struct node *doc = sreg_find(S, docuri), *target = NULL;

		if (doc != NULL && frag[0] == '\0')
			target = doc;
		else if (doc != NULL && frag[0] == '/')
			target = json_pointer(doc, frag);
		else if (doc != NULL)
			target = sreg_find(S, r->uri);
		if (target == NULL && doc == NULL)
			sc_fail(S, r->at, "cannot resolve $ref '%s': only references "
			    "inside the schema are supported", r->at->str);
		else if (target == NULL)
			sc_fail(S, r->at, "$ref '%s' points to nothing", r->at->str);
		else {
			/* sc_sub may grow S->refs: do not use r past this call. */
			struct sch *from = r->s;

			from->ref = sc_sub(S, target, sc_base_of(S, doc, ""));
		}
		free(docuri);
		free(frag);
	}
	/* A chain of $refs that comes back to itself can never be evaluated. */
	for (size_t i = 0; i < S->nall && S->err == NULL; i++) {
		const struct sch *s = S->all[i];
		size_t steps = 0;

		while (s->ref != NULL && steps <= S->nall) {
			s = s->ref;
			steps++;
		}
		if (s->ref != NULL)
			sc_fail(S, S->all[i]->src, "$ref cycle: this reference "
			    "never reaches a schema");
	}
}

static void
sch_free(struct sch *s)
{
	free(s->props);
	free(s->prop_names);
	rx_free(s->pattern);
	for (size_t i = 0; i < s->npats; i++)
		rx_free(s->pats[i].re);
	free(s->pats);
	free(s->items_v.v);
	free(s->all_of.v);
	free(s->any_of.v);
	free(s->one_of.v);
	free(s->deps);
	free(s);
}

void
schema_free(struct schema *S)
{
	if (S == NULL)
		return;
	for (size_t i = 0; i < S->nall; i++)
		sch_free(S->all[i]);
	free(S->all);
	free(S->map);
	free(S->reg);
	for (size_t i = 0; i < S->nstrs; i++)
		free(S->strs[i]);
	free(S->strs);
	free(S->refs);
	for (size_t i = 0; i < S->ndocs; i++)
		doc_free(S->docs[i]);
	free(S->docs);
	diags_free(&S->diags);
	free(S->err);
	free(S);
}

static const struct node *
sc_parse(struct schema *S, const char *name, const char *text, size_t len)
{
	struct doc *doc = json_load_buffer(name, text, len, &S->diags);

	S->docs = xrealloc(S->docs, (S->ndocs + 1) * sizeof(*S->docs));
	S->docs[S->ndocs++] = doc;
	if (doc->root == NULL && S->err == NULL) {
		if (S->diags.n > 0) {
			const struct diag *dg = &S->diags.v[0];

			S->err = xasprintf("%s:%u:%u: %s", name, dg->loc.line,
			    dg->loc.col, dg->msg);
		} else {
			S->err = xasprintf("%s: empty schema", name);
		}
	}
	return doc->root;
}

struct schema *
schema_load_ex(const char *json_text, size_t len, const struct schema_doc *docs,
    size_t ndocs, char **err)
{
	struct schema *S = xcalloc(1, sizeof(*S));
	const struct node *root;
	const char **uris = xcalloc(ndocs + 1, sizeof(*uris));
	const struct node **roots = xcalloc(ndocs + 1, sizeof(*roots));

	*err = NULL;
	root = sc_parse(S, "schema", json_text, len);
	for (size_t i = 0; i < ndocs && S->err == NULL; i++) {
		uris[i] = sc_own(S, uri_strip_fragment(docs[i].uri));
		roots[i] = sc_parse(S, docs[i].uri, docs[i].text, docs[i].len);
	}
	if (S->err == NULL) {
		/* Extra documents first: the main schema's own $ids win ties. */
		for (size_t i = 0; i < ndocs; i++) {
			sreg_add(S, uris[i], roots[i]);
			sc_scan(S, roots[i], uris[i], 0);
		}
		sreg_add(S, "", root);
		sc_scan(S, root, "", 0);
		S->root = sc_compile(S, root, sc_base_of(S, root, ""));
		for (size_t i = 0; i < ndocs && S->err == NULL; i++)
			sc_compile(S, roots[i], uris[i]);
		sc_resolve_refs(S);
	}
	free(uris);
	free(roots);
	if (S->err != NULL) {
		*err = S->err;
		S->err = NULL;
		schema_free(S);
		return NULL;
	}
	/* The schema documents' diagnostics are of no further use. */
	diags_free(&S->diags);
	memset(&S->diags, 0, sizeof(S->diags));
	return S;
}

struct schema *
schema_load(const char *json_text, size_t len, char **err)
{
	return schema_load_ex(json_text, len, NULL, 0, err);
}
