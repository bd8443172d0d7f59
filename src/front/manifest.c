/*
 * manifest.c - the typed model of sparta.yaml: stage merge, defaults,
 * references and semantic checks. See manifest.h.
 *
 * The model is built from a tree the schema has already checked, but every
 * access tolerates a wrong shape (a missing key or another kind of node
 * reads as absent), so a bad tree gives diagnostics, never a crash.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest.h"
#include "base/util.h"

/* The model's memory: a chunked bump allocator, freed as a whole. */
struct mf_chunk {
	struct mf_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char mem[];
};

#define MF_CHUNK (64 * 1024)

struct manifest_impl {
	struct mf_chunk *chunks;
	struct doc *merged; /* nodes made by the stage merge, or NULL */
};

struct ctx {
	struct manifest *m;
	struct diags *d;
	struct buf path; /* the manifest path of the current diagnostic */
	struct buf keys[4]; /* ring of formatted path keys, see K() */
	unsigned nextkey;
};

/* ---- memory ---- */

/* Zeroed memory for nmemb elements, owned by m; NULL when nmemb is 0. */
static void *
mf_alloc(struct manifest *m, size_t nmemb, size_t size)
{
	struct mf_chunk *c = m->impl->chunks;
	size_t n, csize;
	void *p;

	if (nmemb == 0)
		return NULL;
	/* nmemb counts nodes (the loader's budget is 10^6), so no overflow. */
	n = (nmemb * size + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		csize = n > MF_CHUNK / 4 ? n : MF_CHUNK;
		c = xmalloc(sizeof(*c) + csize);
		c->used = 0;
		c->size = csize;
		/* A big block goes behind the current chunk, which keeps its room. */
		if (n > MF_CHUNK / 4 && m->impl->chunks) {
			c->next = m->impl->chunks->next;
			m->impl->chunks->next = c;
		} else {
			c->next = m->impl->chunks;
			m->impl->chunks = c;
		}
	}
	p = c->mem + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

static char *
mf_strdup(struct manifest *m, const char *s, size_t n)
{
	char *p = mf_alloc(m, n + 1, 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
manifest_free(struct manifest *m)
{
	struct mf_chunk *c, *next;

	if (m == NULL)
		return;
	if (m->impl) {
		for (c = m->impl->chunks; c; c = next) {
			next = c->next;
			free(c);
		}
		doc_free(m->impl->merged);
		free(m->impl);
	}
	free(m);
}

/* ---- diagnostics ---- */

static const char *
path_of(struct ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

static const char *
path_of(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	c->path.len = 0;
	buf_puts(&c->path, s);
	free(s);
	return c->path.data;
}

/*
 * A map key as a path component: ".name" when it reads unambiguously in a
 * dotted path, else ["name"] (as schema.c writes paths). The result lives
 * in a ring of four buffers, enough for one diagnostic's path.
 */
static const char *
K(struct ctx *c, const char *k)
{
	struct buf *b = &c->keys[c->nextkey++ % NELEM(c->keys)];
	const char *p;
	int plain = *k != '\0';

	for (p = k; *p; p++)
		if (*p == '.' || *p == '[' || *p == ']' || *p == '"' ||
		    (unsigned char)*p <= ' ')
			plain = 0;
	b->len = 0;
	if (plain)
		buf_printf(b, ".%s", k);
	else
		buf_printf(b, "[\"%s\"]", k);
	return b->data;
}

/* " (did you mean 'x'?)" or "", in a static buffer good until the next call. */
static const char *
did_you_mean(const char *name, const char *const *cands, size_t n)
{
	static char out[256];
	const char *s = str_suggest(name, cands, n);

	if (s == NULL)
		return "";
	snprintf(out, sizeof(out), " (did you mean '%s'?)", s);
	return out;
}

/* ---- tree access that tolerates wrong shapes ---- */

static const struct node *
get_map(const struct node *map, const char *key)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_MAP ? n : NULL;
}

static const char *
get_str(const struct node *map, const char *key)
{
	return node_str(node_get(map, key));
}

static long
get_long(const struct node *map, const char *key, long def)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_INT ? (long)n->v.i : def;
}

static int
get_bool(const struct node *map, const char *key, int def)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_BOOL ? n->v.b : def;
}

static struct loc
loc_of(const struct node *n, struct loc def)
{
	return n ? n->loc : def;
}

static int
is_intrinsic(const struct node *n)
{
	const char *k;

	if (n == NULL || n->kind != NODE_MAP || n->n != 1)
		return 0;
	k = n->pairs[0].key->str;
	return strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 ||
	    str_has_prefix(k, "Fn::");
}

/* ---- stage merge ---- */

/*
 * Deep merge: maps merge key by key (base order kept, new keys appended in
 * the override's order), anything else is replaced by the override. Shared
 * subtrees are not copied; only the maps on the path of an override are.
 */
static const struct node *
merge(struct manifest *m, const struct node *base, const struct node *over)
{
	struct node *out;
	const struct node *b;
	size_t i;

	if (base == NULL || base->kind != NODE_MAP || over->kind != NODE_MAP)
		return over;
	if (m->impl->merged == NULL)
		m->impl->merged = doc_new("(merged)");
	out = node_new(m->impl->merged, NODE_MAP, base->loc);
	for (i = 0; i < base->n; i++) {
		b = node_get(over, base->pairs[i].key->str);
		node_map_put(m->impl->merged, out, base->pairs[i].key,
		    (struct node *)(b ? merge(m, base->pairs[i].value, b) :
		    base->pairs[i].value));
	}
	for (i = 0; i < over->n; i++)
		if (node_find(base, over->pairs[i].key->str) == NULL)
			node_map_put(m->impl->merged, out, over->pairs[i].key,
			    over->pairs[i].value);
	return out;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A map's keys, sorted for binary search; the caller frees the array. */
static const char **
keys_sorted(const struct node *map, size_t *n)
{
	const char **v;
	size_t i;

	*n = map && map->kind == NODE_MAP ? map->n : 0;
	v = xcalloc(*n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = map->pairs[i].key->str;
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_cstr);
	return v;
}

/* Keys of over that base lacks, for the named collections a stage may not extend. */
static void
check_override_keys(struct ctx *c, const char **keys, size_t nkeys,
    const struct node *over, const char *what, const char *pathfmt,
    const char *stage)
{
	size_t i;

	if (over == NULL || over->kind != NODE_MAP)
		return;
	for (i = 0; i < over->n; i++) {
		const struct node_pair *p = &over->pairs[i];
		const char *k = p->key->str;

		if (nkeys && bsearch(&k, keys, nkeys, sizeof(*keys), cmp_cstr))
			continue;
		diag_add(c->d, DIAG_STAGE_OVERRIDE_UNKNOWN, p->key->loc,
		    path_of(c, pathfmt, K(c, stage), K(c, k)),
		    "stage '%s' overrides %s '%s', which the base manifest does not declare%s",
		    stage, what, k, did_you_mean(k, keys, nkeys));
	}
}

static void
check_stage_overrides(struct ctx *c, const struct node *root)
{
	const struct node *stages = get_map(root, "stages");
	const char **fns, **roles, **routes;
	size_t i, nfns, nroles, nroutes;

	if (stages == NULL)
		return;
	fns = keys_sorted(get_map(root, "functions"), &nfns);
	roles = keys_sorted(get_map(root, "roles"), &nroles);
	routes = keys_sorted(get_map(get_map(root, "api"), "routes"), &nroutes);
	for (i = 0; i < stages->n; i++) {
		const char *name = stages->pairs[i].key->str;
		const struct node *ov = stages->pairs[i].value;

		check_override_keys(c, fns, nfns, get_map(ov, "functions"),
		    "function", "stages%s.functions%s", name);
		check_override_keys(c, roles, nroles, get_map(ov, "roles"),
		    "role", "stages%s.roles%s", name);
		check_override_keys(c, routes, nroutes,
		    get_map(get_map(ov, "api"), "routes"), "route",
		    "stages%s.api.routes%s", name);
	}
	free(fns);
	free(roles);
	free(routes);
}

/* ---- building blocks ---- */

static void
strlist_from(struct manifest *m, struct manifest_strlist *l,
    const struct node *seq, const char *def, struct loc defloc)
{
	struct loc *locs;
	size_t i, n = 0;

	memset(l, 0, sizeof(*l));
	if (seq == NULL || seq->kind != NODE_SEQ) {
		if (def == NULL)
			return;
		l->v = mf_alloc(m, 1, sizeof(*l->v));
		locs = mf_alloc(m, 1, sizeof(*locs));
		l->v[0] = def;
		locs[0] = defloc;
		l->locs = locs;
		l->n = 1;
		return;
	}
	l->node = seq;
	l->v = mf_alloc(m, seq->n, sizeof(*l->v));
	locs = mf_alloc(m, seq->n, sizeof(*locs));
	for (i = 0; i < seq->n; i++) {
		if (seq->items[i]->kind != NODE_STRING)
			continue;
		l->v[n] = seq->items[i]->str;
		locs[n++] = seq->items[i]->loc;
	}
	l->locs = locs;
	l->n = n;
}

/* A single value or a sequence of values, each a string or an intrinsic. */
static void
values_from(struct manifest *m, struct manifest_values *vals,
    const struct node *n)
{
	size_t i;

	memset(vals, 0, sizeof(*vals));
	if (n == NULL)
		return;
	vals->node = n;
	if (n->kind != NODE_SEQ) {
		vals->v = mf_alloc(m, 1, sizeof(*vals->v));
		vals->v[0] = n;
		vals->n = 1;
		return;
	}
	vals->v = mf_alloc(m, n->n, sizeof(*vals->v));
	for (i = 0; i < n->n; i++)
		vals->v[i] = n->items[i];
	vals->n = n->n;
}

static void
kvs_from(struct manifest *m, struct manifest_kvs *kvs, const struct node *map)
{
	size_t i;

	memset(kvs, 0, sizeof(*kvs));
	if (map == NULL || map->kind != NODE_MAP)
		return;
	kvs->node = map;
	kvs->v = mf_alloc(m, map->n, sizeof(*kvs->v));
	for (i = 0; i < map->n; i++) {
		kvs->v[i].key = map->pairs[i].key->str;
		kvs->v[i].key_loc = map->pairs[i].key->loc;
		kvs->v[i].value = map->pairs[i].value;
	}
	kvs->n = map->n;
}

char *
manifest_logical_id(const char *name)
{
	char *out = xmalloc(strlen(name) + 1), *o = out;
	int start = 1;

	for (; *name; name++) {
		unsigned char ch = (unsigned char)*name;

		if (!isalnum(ch) || ch >= 0x80) {
			start = 1;
			continue;
		}
		*o++ = start ? (char)toupper(ch) : (char)ch;
		start = 0;
	}
	*o = '\0';
	return out;
}

static const char *
mf_logical_id(struct manifest *m, const char *name)
{
	char *id = manifest_logical_id(name);
	const char *r = mf_strdup(m, id, strlen(id));

	free(id);
	return r;
}

static const char *const hook_names[MANIFEST_HOOK__COUNT] = {
	"prebuild", "postbuild", "archive", "premarshal", "postmarshal",
};

const char *
manifest_hook_name(enum manifest_hook_kind kind)
{
	return (unsigned)kind < MANIFEST_HOOK__COUNT ? hook_names[kind] : "?";
}

static const char *const event_names[] = {
	"schedule", "eventbridge", "sqs", "sns", "s3", "kinesis", "dynamodb",
	"logs",
};

const char *
manifest_event_kind_name(enum manifest_event_kind kind)
{
	return (unsigned)kind < NELEM(event_names) ? event_names[kind] : "?";
}

static const char *const method_names[] = {
	"ANY", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
};

/* ---- sorted indexes ---- */

static int
cmp_function(const void *a, const void *b)
{
	const struct manifest_function *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int
cmp_role(const void *a, const void *b)
{
	const struct manifest_role *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int
cmp_route(const void *a, const void *b)
{
	const struct manifest_route *const *x = a, *const *y = b;
	int r = strcmp((*x)->path, (*y)->path);

	if (r)
		return r;
	return (int)(*x)->method - (int)(*y)->method;
}

static int
cmp_function_key(const void *key, const void *elem)
{
	const struct manifest_function *const *f = elem;

	return strcmp(key, (*f)->name);
}

static int
cmp_role_key(const void *key, const void *elem)
{
	const struct manifest_role *const *r = elem;

	return strcmp(key, (*r)->name);
}

const struct manifest_function *
manifest_function_find(const struct manifest *m, const char *name)
{
	const struct manifest_function *const *f;

	if (m->nfunctions == 0)
		return NULL;
	f = bsearch(name, m->functions_sorted, m->nfunctions,
	    sizeof(*m->functions_sorted), cmp_function_key);
	return f ? *f : NULL;
}

const struct manifest_role *
manifest_role_find(const struct manifest *m, const char *name)
{
	const struct manifest_role *const *r;

	if (m->nroles == 0)
		return NULL;
	r = bsearch(name, m->roles_sorted, m->nroles, sizeof(*m->roles_sorted),
	    cmp_role_key);
	return r ? *r : NULL;
}

/* Names of a map's keys, for "did you mean" (caller frees the array). */
static const char **
map_keys(const struct node *map, size_t *n)
{
	const char **v;
	size_t i;

	*n = map && map->kind == NODE_MAP ? map->n : 0;
	v = xcalloc(*n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = map->pairs[i].key->str;
	return v;
}

/* ---- model: build, roles, functions ---- */

static void
build_build(struct manifest *m, const struct node *root)
{
	const struct node *b = get_map(root, "build");
	struct loc at = loc_of(b, m->service_loc);
	const char *s;

	m->build.loc = at;
	strlist_from(m, &m->build.sources, node_get(b, "sources"),
	    MANIFEST_DEFAULT_SOURCES, at);
	strlist_from(m, &m->build.include_dirs, node_get(b, "include_dirs"),
	    NULL, at);
	strlist_from(m, &m->build.cflags, node_get(b, "cflags"),
	    MANIFEST_DEFAULT_CFLAGS, at);
	strlist_from(m, &m->build.libs, node_get(b, "libs"), NULL, at);
	s = get_str(b, "architecture");
	m->build.arch = s && strcmp(s, "arm64") == 0 ? MANIFEST_ARCH_ARM64 :
	    MANIFEST_ARCH_X86_64;
	s = get_str(b, "link");
	m->build.link = s && strcmp(s, "glibc") == 0 ? MANIFEST_LINK_GLIBC :
	    MANIFEST_LINK_STATIC;
}

static void
build_roles(struct manifest *m, const struct node *root)
{
	const struct node *roles = get_map(root, "roles");
	size_t i, j;

	if (roles == NULL || roles->n == 0)
		return;
	m->roles = mf_alloc(m, roles->n, sizeof(*m->roles));
	for (i = 0; i < roles->n; i++) {
		struct manifest_role *r = &m->roles[m->nroles++];
		const struct node *v = roles->pairs[i].value;
		const struct node *privs = node_get(v, "privileges");
		const struct node *arn = node_get(v, "arn");

		r->name = roles->pairs[i].key->str;
		r->id = mf_logical_id(m, r->name);
		r->key_loc = roles->pairs[i].key->loc;
		r->loc = v->loc;
		r->arn = node_str(arn);
		r->arn_loc = loc_of(arn, v->loc);
		if (privs == NULL || privs->kind != NODE_SEQ)
			continue;
		r->privileges = mf_alloc(m, privs->n, sizeof(*r->privileges));
		for (j = 0; j < privs->n; j++) {
			struct manifest_privilege *p = &r->privileges[j];
			const struct node *pn = privs->items[j];

			p->loc = pn->loc;
			strlist_from(m, &p->actions, node_get(pn, "actions"),
			    NULL, pn->loc);
			values_from(m, &p->resources, node_get(pn, "resources"));
			p->condition = get_map(pn, "condition");
		}
		r->nprivileges = privs->n;
	}
}

static int
build_event(struct manifest *m, struct manifest_event *e,
    const struct node *item)
{
	const struct node *v = item->pairs[0].value;
	const char *kind = item->pairs[0].key->str;
	int obj = v->kind == NODE_MAP && !is_intrinsic(v);
	const char *s;
	size_t k;

	e->loc = item->loc;
	e->node = v;
	for (k = 0; k < NELEM(event_names); k++)
		if (strcmp(kind, event_names[k]) == 0)
			break;
	if (k == NELEM(event_names))
		return -1; /* the schema has reported it */
	e->kind = (enum manifest_event_kind)k;
	switch (e->kind) {
	case MANIFEST_EVENT_SCHEDULE:
		if (obj) {
			const struct node *x = node_get(v, "expression");

			e->u.schedule.expression = node_str(x);
			e->u.schedule.expression_loc = loc_of(x, v->loc);
			e->u.schedule.enabled = get_bool(v, "enabled", 1);
			e->u.schedule.input = node_get(v, "input");
			e->u.schedule.description = get_str(v, "description");
		} else {
			e->u.schedule.expression = node_str(v);
			e->u.schedule.expression_loc = v->loc;
			e->u.schedule.enabled = 1;
		}
		break;
	case MANIFEST_EVENT_EVENTBRIDGE:
		e->u.eventbridge.pattern = get_map(v, "pattern");
		e->u.eventbridge.bus = node_get(v, "bus");
		e->u.eventbridge.enabled = get_bool(v, "enabled", 1);
		e->u.eventbridge.input = node_get(v, "input");
		break;
	case MANIFEST_EVENT_SQS:
		e->u.sqs.queue = obj ? node_get(v, "queue") : v;
		e->u.sqs.batch = obj ? get_long(v, "batch",
		    MANIFEST_DEFAULT_SQS_BATCH) : MANIFEST_DEFAULT_SQS_BATCH;
		e->u.sqs.window = obj ? get_long(v, "window", 0) : 0;
		break;
	case MANIFEST_EVENT_SNS:
		e->u.sns.topic = obj ? node_get(v, "topic") : v;
		e->u.sns.filter = obj ? get_map(v, "filter") : NULL;
		break;
	case MANIFEST_EVENT_S3:
		e->u.s3.bucket = get_str(v, "bucket");
		e->u.s3.bucket_loc = loc_of(node_get(v, "bucket"), v->loc);
		strlist_from(m, &e->u.s3.events, node_get(v, "events"),
		    MANIFEST_DEFAULT_S3_EVENT, v->loc);
		e->u.s3.prefix = get_str(v, "prefix");
		e->u.s3.suffix = get_str(v, "suffix");
		break;
	case MANIFEST_EVENT_KINESIS:
	case MANIFEST_EVENT_DYNAMODB:
		e->u.stream.stream = node_get(v, "stream");
		s = get_str(v, "starting_position");
		e->u.stream.start = s && strcmp(s, "TRIM_HORIZON") == 0 ?
		    MANIFEST_START_TRIM_HORIZON : MANIFEST_START_LATEST;
		e->u.stream.batch = get_long(v, "batch",
		    MANIFEST_DEFAULT_STREAM_BATCH);
		e->u.stream.window = get_long(v, "window", 0);
		break;
	case MANIFEST_EVENT_LOGS:
		e->u.logs.log_group = node_get(v, "log_group");
		s = get_str(v, "filter_pattern");
		e->u.logs.filter = s ? s : "";
		break;
	}
	return 0;
}

static void
build_functions(struct manifest *m, const struct node *root)
{
	const struct node *fns = get_map(root, "functions");
	size_t i, j;

	if (fns == NULL || fns->n == 0)
		return;
	m->functions = mf_alloc(m, fns->n, sizeof(*m->functions));
	for (i = 0; i < fns->n; i++) {
		struct manifest_function *f = &m->functions[m->nfunctions++];
		const struct node *v = fns->pairs[i].value;
		const struct node *n, *vpc, *events;
		const char *s;

		f->name = fns->pairs[i].key->str;
		f->id = mf_logical_id(m, f->name);
		f->key_loc = fns->pairs[i].key->loc;
		f->loc = v->loc;
		n = node_get(v, "symbol");
		f->symbol = node_str(n);
		f->symbol_loc = loc_of(n, v->loc);
		f->share_symbol = get_bool(v, "share_symbol", 0);
		f->description = get_str(v, "description");
		f->role_name = get_str(v, "role");
		f->role_loc = loc_of(node_get(v, "role"), v->loc);
		f->memory = get_long(v, "memory", MANIFEST_DEFAULT_MEMORY);
		f->timeout = get_long(v, "timeout", MANIFEST_DEFAULT_TIMEOUT);
		f->ephemeral_storage = get_long(v, "ephemeral_storage",
		    MANIFEST_DEFAULT_EPHEMERAL);
		f->log_retention = get_long(v, "log_retention",
		    MANIFEST_DEFAULT_LOG_RETENTION);
		f->reserved_concurrency = get_long(v, "reserved_concurrency", -1);
		s = get_str(v, "tracing");
		f->tracing = s && strcmp(s, "Active") == 0 ?
		    MANIFEST_TRACING_ACTIVE : MANIFEST_TRACING_PASSTHROUGH;
		kvs_from(m, &f->environment, node_get(v, "environment"));
		kvs_from(m, &f->tags, node_get(v, "tags"));
		values_from(m, &f->layers, node_get(v, "layers"));
		vpc = get_map(v, "vpc");
		f->has_vpc = vpc != NULL;
		values_from(m, &f->subnets, node_get(vpc, "subnets"));
		values_from(m, &f->security_groups,
		    node_get(vpc, "security_groups"));
		f->dead_letter = node_get(v, "dead_letter");
		n = node_get(v, "depends_on");
		if (n && n->kind == NODE_SEQ && n->n) {
			f->depends_on = mf_alloc(m, n->n, sizeof(*f->depends_on));
			for (j = 0; j < n->n; j++) {
				if (n->items[j]->kind != NODE_STRING)
					continue;
				f->depends_on[f->ndepends_on].name =
				    n->items[j]->str;
				f->depends_on[f->ndepends_on++].loc =
				    n->items[j]->loc;
			}
		}
		events = node_get(v, "events");
		if (events && events->kind == NODE_SEQ && events->n) {
			f->events = mf_alloc(m, events->n, sizeof(*f->events));
			for (j = 0; j < events->n; j++) {
				const struct node *item = events->items[j];

				if (item->kind != NODE_MAP || item->n != 1)
					continue;
				f->events[f->nevents].index = j;
				if (build_event(m, &f->events[f->nevents], item) == 0)
					f->nevents++;
			}
		}
	}
}

/* ---- model: api, site, hooks ---- */

static void
build_api(struct manifest *m, const struct node *root)
{
	const struct node *a = get_map(root, "api");
	const struct node *routes, *cors;
	struct manifest_api *api;
	const char *s;
	size_t i;

	if (a == NULL)
		return;
	api = mf_alloc(m, 1, sizeof(*api));
	api->loc = a->loc;
	s = get_str(a, "name");
	api->name = s ? s : m->service;
	s = get_str(a, "stage");
	api->stage = s ? s : MANIFEST_DEFAULT_API_STAGE;
	api->description = get_str(a, "description");
	s = get_str(a, "endpoint_type");
	api->endpoint = MANIFEST_ENDPOINT_EDGE;
	if (s && strcmp(s, "REGIONAL") == 0)
		api->endpoint = MANIFEST_ENDPOINT_REGIONAL;
	else if (s && strcmp(s, "PRIVATE") == 0)
		api->endpoint = MANIFEST_ENDPOINT_PRIVATE;
	strlist_from(m, &api->binary_media_types,
	    node_get(a, "binary_media_types"), NULL, a->loc);

	cors = node_get(a, "cors");
	api->cors.loc = loc_of(cors, a->loc);
	api->cors.max_age = -1;
	api->cors.enabled = (cors && cors->kind == NODE_BOOL && cors->v.b) ||
	    (cors && cors->kind == NODE_MAP);
	if (api->cors.enabled) {
		const struct node *h = node_get(cors, "headers");

		strlist_from(m, &api->cors.origins, node_get(cors, "origins"),
		    "*", api->cors.loc);
		if (h && h->kind == NODE_SEQ)
			strlist_from(m, &api->cors.headers, h, NULL,
			    api->cors.loc);
		else {
			static const char *const defh[] = {"Content-Type",
			    "X-Amz-Date", "Authorization", "X-Api-Key",
			    "X-Amz-Security-Token"};
			struct loc *locs;

			api->cors.headers.v = mf_alloc(m, NELEM(defh),
			    sizeof(char *));
			locs = mf_alloc(m, NELEM(defh), sizeof(*locs));
			for (i = 0; i < NELEM(defh); i++) {
				api->cors.headers.v[i] = defh[i];
				locs[i] = api->cors.loc;
			}
			api->cors.headers.locs = locs;
			api->cors.headers.n = NELEM(defh);
		}
		strlist_from(m, &api->cors.methods, node_get(cors, "methods"),
		    NULL, api->cors.loc);
		api->cors.max_age = get_long(cors, "max_age", -1);
	}

	routes = get_map(a, "routes");
	if (routes && routes->n) {
		api->routes = mf_alloc(m, routes->n, sizeof(*api->routes));
		api->routes_sorted = mf_alloc(m, routes->n,
		    sizeof(*api->routes_sorted));
		for (i = 0; i < routes->n; i++) {
			struct manifest_route *r = &api->routes[i];
			const struct node *v = routes->pairs[i].value;
			const char *key = routes->pairs[i].key->str;
			const char *sp = strchr(key, ' ');
			size_t k;

			r->key = key;
			r->key_loc = routes->pairs[i].key->loc;
			r->loc = v->loc;
			r->method_name = method_names[0];
			r->method = MANIFEST_HTTP_ANY;
			for (k = 0; sp && k < NELEM(method_names); k++)
				if (strlen(method_names[k]) == (size_t)(sp - key) &&
				    strncmp(key, method_names[k], (size_t)(sp - key)) == 0) {
					r->method = (enum manifest_http_method)k;
					r->method_name = method_names[k];
				}
			r->path = sp ? mf_strdup(m, sp + 1, strlen(sp + 1)) :
			    mf_strdup(m, key, strlen(key));
			r->function_loc = v->loc;
			r->authorization = MANIFEST_AUTH_NONE;
			if (v->kind == NODE_MAP) {
				const struct node *fn = node_get(v, "function");

				r->function_loc = loc_of(fn, v->loc);
				s = get_str(v, "authorization");
				if (s && strcmp(s, "AWS_IAM") == 0)
					r->authorization = MANIFEST_AUTH_AWS_IAM;
			}
			api->routes_sorted[i] = r;
		}
		api->nroutes = routes->n;
		qsort(api->routes_sorted, api->nroutes,
		    sizeof(*api->routes_sorted), cmp_route);
	}
	m->api = api;
}

static void
build_site_hooks(struct manifest *m, const struct node *root)
{
	const struct node *s = get_map(root, "site");
	const struct node *hooks = get_map(root, "hooks");
	const char *v;
	size_t k;

	if (s) {
		struct manifest_site *site = mf_alloc(m, 1, sizeof(*site));

		site->loc = s->loc;
		site->root = get_str(s, "root");
		site->root_loc = loc_of(node_get(s, "root"), s->loc);
		v = get_str(s, "index");
		site->index = v ? v : MANIFEST_DEFAULT_SITE_INDEX;
		site->error_document = get_str(s, "error_document");
		m->site = site;
	}
	for (k = 0; k < MANIFEST_HOOK__COUNT; k++) {
		const struct node *h = node_get(hooks, hook_names[k]);

		m->hooks[k].loc = loc_of(h, loc_of(hooks, m->service_loc));
		strlist_from(m, &m->hooks[k].argv, h, NULL, m->hooks[k].loc);
	}
}

/* ---- semantic checks: names ---- */

static int
is_stack_name(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80)
		return 0;
	for (; *s; s++, n++)
		if (!(isalnum((unsigned char)*s) || *s == '-') ||
		    (unsigned char)*s >= 0x80)
			return 0;
	return n <= 128;
}

static int
is_resource_name(const char *s)
{
	size_t n = 0;
	int alnum = 0;

	for (; *s; s++, n++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
		if (isalnum((unsigned char)*s))
			alnum = 1;
		else if (*s != '-' && *s != '_')
			return 0;
	}
	return alnum && n <= 64;
}

static int
is_logical_id(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			return 0;
	return n >= 1 && n <= 255;
}

struct idref {
	const char *id, *name;
	struct loc loc;
};

static int
cmp_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int r = strcmp(x->id, y->id);

	if (r)
		return r;
	/* Stable: the first in manifest order sorts first. */
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return x->loc.col < y->loc.col ? -1 : x->loc.col > y->loc.col;
}

/* Reports each name whose ID an earlier name already gave. */
static void
check_id_clashes(struct ctx *c, struct idref *v, size_t n, const char *what)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_idref);
	for (i = 1; i < n; i++) {
		size_t first = i - 1;

		if (strcmp(v[i].id, v[first].id) != 0 || v[i].id[0] == '\0')
			continue;
		while (first > 0 && strcmp(v[first - 1].id, v[i].id) == 0)
			first--;
		diag_add(c->d, DIAG_LOGICAL_ID_CLASH, v[i].loc,
		    path_of(c, "%s%s", what, K(c, v[i].name)),
		    "%s '%s' and '%s' (line %u) both become the logical ID '%s'",
		    what, v[i].name, v[first].name, v[first].loc.line, v[i].id);
	}
}

/* The keys of a raw section (parameters:, outputs:, mappings:, ...) are
 * logical IDs as written. */
static void
check_section_ids(struct ctx *c, const struct node *section,
    const char *key, const char *what)
{
	size_t i;

	for (i = 0; section && i < section->n; i++)
		if (!is_logical_id(section->pairs[i].key->str))
			diag_add(c->d, DIAG_LOGICAL_ID, section->pairs[i].key->loc,
			    path_of(c, "%s%s", key, K(c, section->pairs[i].key->str)),
			    "%s '%s' is not a valid logical ID", what,
			    section->pairs[i].key->str);
}

static void
check_names(struct ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	const struct node *params = get_map(root, "parameters");
	const struct node *res = get_map(root, "resources");
	const struct node *outs = get_map(root, "outputs");
	struct idref *ids;
	size_t i, n;

	if (m->service && !is_stack_name(m->service))
		diag_add(c->d, DIAG_SERVICE_NAME, m->service_loc, "service",
		    "service name '%s' is not a valid CloudFormation stack name",
		    m->service);

	n = m->nfunctions > m->nroles ? m->nfunctions : m->nroles;
	ids = xcalloc(n + 1, sizeof(*ids));
	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = &m->functions[i];

		if (!is_resource_name(f->name))
			diag_add(c->d, DIAG_NAME_INVALID, f->key_loc,
			    path_of(c, "functions%s", K(c, f->name)),
			    "function name '%s' is not valid for Lambda and CloudFormation",
			    f->name);
		ids[i] = (struct idref){f->id, f->name, f->key_loc};
	}
	check_id_clashes(c, ids, m->nfunctions, "functions");
	for (i = 0; i < m->nroles; i++) {
		const struct manifest_role *r = &m->roles[i];

		if (!is_resource_name(r->name))
			diag_add(c->d, DIAG_NAME_INVALID, r->key_loc,
			    path_of(c, "roles%s", K(c, r->name)),
			    "role name '%s' is not valid for IAM and CloudFormation",
			    r->name);
		ids[i] = (struct idref){r->id, r->name, r->key_loc};
	}
	check_id_clashes(c, ids, m->nroles, "roles");
	free(ids);

	/* Raw sections: keys are logical IDs as written. Mappings and
	 * conditions have namespaces of their own (cfn-lint accepts a condition
	 * named like a resource), so only their syntax is checked. */
	check_section_ids(c, params, "parameters", "parameter");
	check_section_ids(c, get_map(root, "mappings"), "mappings", "mapping");
	check_section_ids(c, get_map(root, "conditions"), "conditions",
	    "condition");
	for (i = 0; res && i < res->n; i++) {
		const struct node_pair *p = &res->pairs[i];
		const struct node_pair *q = node_find(params, p->key->str);

		if (!is_logical_id(p->key->str))
			diag_add(c->d, DIAG_LOGICAL_ID, p->key->loc,
			    path_of(c, "resources%s", K(c, p->key->str)),
			    "resource '%s' is not a valid logical ID",
			    p->key->str);
		if (q)
			diag_add(c->d, DIAG_LOGICAL_ID_CLASH, p->key->loc,
			    path_of(c, "resources%s", K(c, p->key->str)),
			    "resource '%s' has the logical ID of the parameter at line %u",
			    p->key->str, q->key->loc.line);
	}
	check_section_ids(c, outs, "outputs", "output");
}

/* ---- semantic checks: symbols ---- */

static const char *const c_keywords[] = {
	"_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex",
	"_Decimal128", "_Decimal32", "_Decimal64", "_Generic", "_Imaginary",
	"_Noreturn", "_Static_assert", "_Thread_local", "alignas", "alignof",
	"auto", "bool", "break", "case", "char", "const", "constexpr",
	"continue", "default", "do", "double", "else", "enum", "extern",
	"false", "float", "for", "goto", "if", "inline", "int", "long",
	"nullptr", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "static_assert", "struct", "switch",
	"thread_local", "true", "typedef", "typeof", "typeof_unqual", "union",
	"unsigned", "void", "volatile", "while",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
is_c_identifier(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_') ||
	    (unsigned char)*s >= 0x80)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_') ||
		    (unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
is_c_keyword(const char *s)
{
	return bsearch(&s, c_keywords, NELEM(c_keywords), sizeof(*c_keywords),
	    cmp_str) != NULL;
}

static int
is_reserved_symbol(const char *s)
{
	return strcmp(s, "main") == 0 || str_has_prefix(s, "sparta_") ||
	    str_has_prefix(s, "spartac_") || str_has_prefix(s, "__") ||
	    (s[0] == '_' && isupper((unsigned char)s[1]));
}

struct symref {
	const char *symbol;
	size_t index; /* into m->functions */
};

static int
cmp_symref(const void *a, const void *b)
{
	const struct symref *x = a, *y = b;
	int r = strcmp(x->symbol, y->symbol);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
check_symbols(struct ctx *c)
{
	struct manifest *m = c->m;
	struct symref *v = xcalloc(m->nfunctions + 1, sizeof(*v));
	size_t i, n = 0, first = 0;

	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = &m->functions[i];

		if (f->symbol == NULL)
			continue;
		if (!is_c_identifier(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_INVALID, f->symbol_loc,
			    path_of(c, "functions%s.symbol", K(c, f->name)),
			    "symbol '%s' is not a C identifier", f->symbol);
			continue;
		}
		if (is_c_keyword(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_KEYWORD, f->symbol_loc,
			    path_of(c, "functions%s.symbol", K(c, f->name)),
			    "symbol '%s' is a C keyword", f->symbol);
			continue;
		}
		if (is_reserved_symbol(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_RESERVED, f->symbol_loc,
			    path_of(c, "functions%s.symbol", K(c, f->name)),
			    "symbol '%s' is reserved", f->symbol);
			continue;
		}
		v[n].symbol = f->symbol;
		v[n++].index = i;
	}
	qsort(v, n, sizeof(*v), cmp_symref);
	for (i = 1; i < n; i++) {
		const struct manifest_function *f = &m->functions[v[i].index];
		const struct manifest_function *g;

		if (strcmp(v[i].symbol, v[i - 1].symbol) != 0) {
			first = i;
			continue;
		}
		if (f->share_symbol)
			continue;
		g = &m->functions[v[first].index];
		diag_add(c->d, DIAG_SYMBOL_DUPLICATE, f->symbol_loc,
		    path_of(c, "functions%s.symbol", K(c, f->name)),
		    "function '%s' uses symbol '%s', which function '%s' (line %u) already uses",
		    f->name, f->symbol, g->name, g->symbol_loc.line);
	}
	free(v);
}

/* ---- semantic checks: ARNs ---- */

static int
all_chars(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) && (unsigned char)s[i] < 0x80) &&
		    strchr(extra, s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * Checks the shape of an ARN literal: arn:PARTITION:SERVICE:REGION:ACCOUNT:
 * RESOURCE. With wild, '*' may stand for region and account (IAM policy
 * resources). Returns 0 when the shape is fine and fills svc (the service,
 * NUL-terminated, truncated to its size).
 */
static int
arn_parse(const char *s, int wild, char *svc, size_t svcsize,
    const char **region, size_t *regionlen, const char **resource)
{
	const char *f[5];
	size_t len[5], i;
	const char *p = s;

	for (i = 0; i < 5; i++) {
		const char *colon = strchr(p, ':');

		if (colon == NULL)
			return -1;
		f[i] = p;
		len[i] = (size_t)(colon - p);
		p = colon + 1;
	}
	if (len[0] != 3 || strncmp(f[0], "arn", 3) != 0)
		return -1;
	if (len[1] < 3 || strncmp(f[1], "aws", 3) != 0 ||
	    !all_chars(f[1], len[1], "-"))
		return -1;
	if (len[2] == 0 || !all_chars(f[2], len[2], "-"))
		return -1;
	if (!all_chars(f[3], len[3], wild ? "-*" : "-"))
		return -1;
	if (!(len[4] == 0 || (len[4] == 12 && all_chars(f[4], 12, "")) ||
	    (len[4] == 3 && strncmp(f[4], "aws", 3) == 0) ||
	    (wild && len[4] == 1 && f[4][0] == '*')))
		return -1;
	for (i = 0; i < 12 && len[4] == 12; i++)
		if (!isdigit((unsigned char)f[4][i]))
			return -1;
	if (*p == '\0')
		return -1;
	snprintf(svc, svcsize, "%.*s", (int)len[2], f[2]);
	if (region) {
		*region = f[3];
		*regionlen = len[3];
	}
	if (resource)
		*resource = p;
	return 0;
}

/*
 * Checks a value that must be an ARN of one of the services in want (a
 * space-separated list), unless it is an intrinsic. Returns 0 when fine.
 */
static int
check_arn(struct ctx *c, const struct node *n, const char *want,
    const char *path, const char *what)
{
	char svc[64], pad[80], wanttext[128];
	size_t i;
	const char *region, *resource;
	size_t regionlen;

	if (n == NULL || is_intrinsic(n) || n->kind != NODE_STRING)
		return 0;
	if (arn_parse(n->str, 0, svc, sizeof(svc), &region, &regionlen,
	    &resource) != 0) {
		diag_add(c->d, DIAG_ARN_SHAPE, n->loc, path,
		    "%s '%s' is not an ARN", what, n->str);
		return -1;
	}
	snprintf(pad, sizeof(pad), " %s ", svc);
	{
		char wantpad[128];

		snprintf(wantpad, sizeof(wantpad), " %s ", want);
		if (strstr(wantpad, pad) == NULL) {
			/* "sqs sns" reads "sqs or sns" */
			wanttext[0] = '\0';
			for (i = 0; want[i] && strlen(wanttext) + 5 < sizeof(wanttext);
			    i++)
				if (want[i] == ' ')
					strcat(wanttext, " or ");
				else
					strncat(wanttext, &want[i], 1);
			diag_add(c->d, DIAG_ARN_SERVICE, n->loc, path,
			    "%s '%s' is an ARN of service '%s', not of %s",
			    what, n->str, svc, wanttext);
			return -1;
		}
	}
	if (strcmp(svc, "iam") != 0 && regionlen == 0) {
		diag_add(c->d, DIAG_ARN_SHAPE, n->loc, path,
		    "%s '%s' lacks the region", what, n->str);
		return -1;
	}
	return 0;
}

static void
check_roles(struct ctx *c)
{
	struct manifest *m = c->m;
	size_t i, j, k;

	for (i = 0; i < m->nroles; i++) {
		const struct manifest_role *r = &m->roles[i];
		const char *res;
		char svc[64];

		if ((r->arn != NULL) == (r->privileges != NULL ||
		    r->nprivileges != 0)) {
			diag_add(c->d, DIAG_ROLE_SHAPE, r->key_loc,
			    path_of(c, "roles%s", K(c, r->name)),
			    r->arn ? "role '%s' has both arn: and privileges:" :
			    "role '%s' has neither arn: nor privileges:",
			    r->name);
		}
		if (r->arn && arn_parse(r->arn, 0, svc, sizeof(svc), NULL, NULL,
		    &res) != 0)
			diag_add(c->d, DIAG_ARN_SHAPE, r->arn_loc,
			    path_of(c, "roles%s.arn", K(c, r->name)),
			    "role ARN '%s' is not an ARN", r->arn);
		else if (r->arn && (strcmp(svc, "iam") != 0 ||
		    !str_has_prefix(res, "role/")))
			diag_add(c->d, DIAG_ARN_SERVICE, r->arn_loc,
			    path_of(c, "roles%s.arn", K(c, r->name)),
			    "'%s' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
			    r->arn);
		for (j = 0; j < r->nprivileges; j++) {
			const struct manifest_privilege *p = &r->privileges[j];

			for (k = 0; k < p->resources.n; k++) {
				const struct node *n = p->resources.v[k];

				if (n->kind != NODE_STRING ||
				    strcmp(n->str, "*") == 0)
					continue;
				if (arn_parse(n->str, 1, svc, sizeof(svc), NULL,
				    NULL, NULL) != 0)
					diag_add(c->d, DIAG_ARN_SHAPE, n->loc,
					    path_of(c,
					    "roles%s.privileges[%zu].resources[%zu]",
					    K(c, r->name), j, k),
					    "resource '%s' is not an ARN (nor '*')",
					    n->str);
			}
		}
		if (r->nusers == 0)
			diag_add(c->d, DIAG_ROLE_UNUSED, r->key_loc,
			    path_of(c, "roles%s", K(c, r->name)),
			    "role '%s' is not used by any function", r->name);
	}
}

/* ---- semantic checks: functions and events ---- */

static const char *const reserved_env[] = {
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR",
	"LAMBDA_TASK_ROOT", "_HANDLER", "_X_AMZN_TRACE_ID",
};

static int
is_reserved_env(const char *s)
{
	return bsearch(&s, reserved_env, NELEM(reserved_env),
	    sizeof(*reserved_env), cmp_str) != NULL ||
	    str_has_prefix(s, "SPARTA_") || str_has_prefix(s, "SPARTAC_");
}

static int
parse_uint(const char **p, long *out)
{
	long v = 0;
	int n = 0;

	while (isdigit((unsigned char)**p) && n < 9) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0 && !isdigit((unsigned char)**p);
}

/* Returns NULL when expr is a valid schedule, else what is wrong. */
static const char *
schedule_problem(const char *expr)
{
	static const char *const units[] = {"minute", "hour", "day"};
	const char *p, *end;
	size_t i, fields = 0, len;
	long v;

	len = strlen(expr);
	if (str_has_prefix(expr, "rate(") && len > 6 && expr[len - 1] == ')') {
		p = expr + 5;
		if (!parse_uint(&p, &v) || v <= 0 || *p != ' ')
			return "rate() needs a positive whole number, a space and a unit";
		p++;
		for (i = 0; i < NELEM(units); i++) {
			size_t ul = strlen(units[i]);

			if (strncmp(p, units[i], ul) != 0)
				continue;
			if (p[ul] == ')' && p + ul + 1 == expr + len)
				return v == 1 ? NULL :
				    "the unit is plural for values above 1 (e.g. rate(5 minutes))";
			if (p[ul] == 's' && p[ul + 1] == ')' &&
			    p + ul + 2 == expr + len)
				return v != 1 ? NULL :
				    "the unit is singular for 1 (rate(1 minute))";
		}
		return "the unit must be minute(s), hour(s) or day(s)";
	}
	if (str_has_prefix(expr, "cron(") && len > 6 && expr[len - 1] == ')') {
		const char *f[6] = {0};
		size_t fl[6] = {0};

		p = expr + 5;
		end = expr + len - 1;
		while (p < end) {
			while (p < end && *p == ' ')
				p++;
			if (p == end)
				break;
			if (fields < 6)
				f[fields] = p;
			while (p < end && *p != ' ') {
				if (!all_chars(p, 1, "*?,-/#"))
					return "cron() fields use digits, names, and * ? , - / # L W";
				p++;
			}
			if (fields < 6)
				fl[fields] = (size_t)(p - f[fields]);
			fields++;
		}
		if (fields != 6)
			return "cron() needs six fields: minute hour day-of-month month day-of-week year";
		if (!(fl[2] == 1 && f[2][0] == '?') &&
		    !(fl[4] == 1 && f[4][0] == '?'))
			return "one of day-of-month and day-of-week must be '?'";
		if (fl[2] == 1 && f[2][0] == '?' && fl[4] == 1 && f[4][0] == '?')
			return "only one of day-of-month and day-of-week may be '?'";
		return NULL;
	}
	return "a schedule is rate(...) or cron(...)";
}

static void
check_event(struct ctx *c, const struct manifest_function *f,
    struct manifest_event *e, const struct node *resources)
{
	const char *ev = manifest_event_kind_name(e->kind);
	const char *problem;
	char path[512];

	snprintf(path, sizeof(path), "functions%s.events[%zu].%s",
	    K(c, f->name), e->index, ev);
	switch (e->kind) {
	case MANIFEST_EVENT_SCHEDULE:
		if (e->u.schedule.expression &&
		    (problem = schedule_problem(e->u.schedule.expression)))
			diag_add(c->d, DIAG_SCHEDULE, e->u.schedule.expression_loc,
			    path, "schedule '%s': %s", e->u.schedule.expression,
			    problem);
		break;
	case MANIFEST_EVENT_EVENTBRIDGE:
		if (e->u.eventbridge.bus && e->u.eventbridge.bus->kind ==
		    NODE_STRING && str_has_prefix(e->u.eventbridge.bus->str,
		    "arn:"))
			check_arn(c, e->u.eventbridge.bus, "events", path,
			    "event bus");
		break;
	case MANIFEST_EVENT_SQS:
		check_arn(c, e->u.sqs.queue, "sqs", path, "queue");
		if (e->u.sqs.batch > 10 && e->u.sqs.window < 1)
			diag_add(c->d, DIAG_SQS_WINDOW, e->loc, path,
			    "batch %ld needs a window of at least 1 second",
			    e->u.sqs.batch);
		break;
	case MANIFEST_EVENT_SNS:
		check_arn(c, e->u.sns.topic, "sns", path, "topic");
		break;
	case MANIFEST_EVENT_KINESIS:
		check_arn(c, e->u.stream.stream, "kinesis", path, "stream");
		break;
	case MANIFEST_EVENT_DYNAMODB:
		if (check_arn(c, e->u.stream.stream, "dynamodb", path,
		    "stream") == 0 && e->u.stream.stream &&
		    e->u.stream.stream->kind == NODE_STRING &&
		    strstr(e->u.stream.stream->str, "/stream/") == NULL)
			diag_add(c->d, DIAG_ARN_SERVICE, e->u.stream.stream->loc,
			    path, "'%s' is a table ARN, not a stream ARN (.../table/NAME/stream/LABEL); use !GetAtt Table.StreamArn",
			    e->u.stream.stream->str);
		break;
	case MANIFEST_EVENT_S3: {
		const struct node *r;
		const char *type;

		if (e->u.s3.bucket == NULL)
			break;
		r = get_map(resources, e->u.s3.bucket);
		type = get_str(r, "Type");
		if (r == NULL) {
			size_t n;
			const char **keys = map_keys(resources, &n);

			diag_add(c->d, DIAG_S3_BUCKET, e->u.s3.bucket_loc,
			    path, "bucket '%s' is not declared under resources:%s",
			    e->u.s3.bucket, did_you_mean(e->u.s3.bucket, keys, n));
			free(keys);
		} else if (type == NULL || strcmp(type, "AWS::S3::Bucket") != 0)
			diag_add(c->d, DIAG_S3_BUCKET, e->u.s3.bucket_loc,
			    path, "resource '%s' is a %s, not an AWS::S3::Bucket",
			    e->u.s3.bucket, type ? type : "resource of no type");
		else
			e->u.s3.resource = r;
		break;
	}
	case MANIFEST_EVENT_LOGS:
		break;
	}
}

static void
check_functions(struct ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	const struct node *resources = get_map(root, "resources");
	const char **rolenames = xcalloc(m->nroles + 1, sizeof(*rolenames));
	const char **refnames;
	size_t i, j, nref, nres;

	for (i = 0; i < m->nroles; i++)
		rolenames[i] = m->roles[i].name;
	/* depends_on candidates: functions, then resources. */
	nres = resources ? resources->n : 0;
	refnames = xcalloc(m->nfunctions + nres + 1, sizeof(*refnames));
	for (i = 0; i < m->nfunctions; i++)
		refnames[i] = m->functions[i].name;
	for (i = 0; i < nres; i++)
		refnames[m->nfunctions + i] = resources->pairs[i].key->str;
	nref = m->nfunctions + nres;

	for (i = 0; i < m->nfunctions; i++) {
		struct manifest_function *f = &m->functions[i];
		const char *rolename = f->role_name;

		if (rolename) {
			f->role = manifest_role_find(m, rolename);
			if (f->role)
				((struct manifest_role *)f->role)->nusers++;
			else
				diag_add(c->d, DIAG_ROLE_UNKNOWN, f->role_loc,
				    path_of(c, "functions%s.role", K(c, f->name)),
				    "unknown role '%s'%s", rolename,
				    did_you_mean(rolename, rolenames, m->nroles));
		}
		for (j = 0; j < f->environment.n; j++)
			if (is_reserved_env(f->environment.v[j].key))
				diag_add(c->d, DIAG_ENV_RESERVED,
				    f->environment.v[j].key_loc,
				    path_of(c, "functions%s.environment%s",
				    K(c, f->name), K(c, f->environment.v[j].key)),
				    "environment variable '%s' is reserved",
				    f->environment.v[j].key);
		if (f->dead_letter)
			check_arn(c, f->dead_letter, "sqs sns",
			    path_of(c, "functions%s.dead_letter", K(c, f->name)),
			    "dead-letter target");
		for (j = 0; j < f->layers.n; j++)
			check_arn(c, f->layers.v[j], "lambda",
			    path_of(c, "functions%s.layers[%zu]", K(c, f->name), j),
			    "layer");
		for (j = 0; j < f->ndepends_on; j++) {
			struct manifest_ref *r = &f->depends_on[j];

			r->function = manifest_function_find(m, r->name);
			r->resource = r->function ? NULL :
			    node_get(resources, r->name);
			if (r->function == NULL && r->resource == NULL)
				diag_add(c->d, DIAG_REF_UNKNOWN, r->loc,
				    path_of(c, "functions%s.depends_on[%zu]",
				    K(c, f->name), j),
				    "'%s' is neither a function nor a resource%s",
				    r->name, did_you_mean(r->name, refnames, nref));
			else if (r->function == f)
				diag_add(c->d, DIAG_REF_UNKNOWN, r->loc,
				    path_of(c, "functions%s.depends_on[%zu]",
				    K(c, f->name), j),
				    "function '%s' depends on itself", f->name);
		}
		for (j = 0; j < f->nevents; j++)
			check_event(c, f, &f->events[j], resources);
	}
	free(rolenames);
	free(refnames);
}

/* ---- semantic checks: routes ---- */

static int
is_path_literal(const char *s, size_t n)
{
	return n > 0 && all_chars(s, n, "-._~:@");
}

/*
 * Checks a route path and writes its canonical form (parameter names
 * dropped: {} and {+}) to canon. Returns NULL when fine, else the problem.
 */
static const char *
path_problem(const char *path, struct buf *canon)
{
	const char *p = path, *seg, *q;
	const char *params[64];
	size_t nparams = 0, i, len;

	canon->len = 0;
	buf_puts(canon, "");
	if (*p != '/')
		return "the path must start with '/'";
	if (strcmp(p, "/") == 0) {
		buf_puts(canon, "/");
		return NULL;
	}
	while (*p == '/') {
		seg = ++p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0)
			return *p ? "the path has an empty segment ('//')" :
			    "the path ends with '/'";
		buf_putc(canon, '/');
		if (seg[0] != '{') {
			if (!is_path_literal(seg, len))
				return "a literal segment holds a character API Gateway does not allow (or a '{' inside it)";
			buf_append(canon, seg, len);
			continue;
		}
		if (seg[len - 1] != '}' || len < 3)
			return "a parameter is written {name}, as a whole segment";
		q = seg + 1;
		if (seg[len - 2] == '+') {
			if (*p)
				return "a greedy parameter {name+} may only be the last segment";
			if (len < 4 || !all_chars(q, len - 3, "-._"))
				return "a greedy parameter is written {name+}";
			buf_puts(canon, "{+}");
		} else {
			if (!all_chars(q, len - 2, "-._"))
				return "a parameter name uses letters, digits, '-', '.' and '_'";
			buf_puts(canon, "{}");
		}
		for (i = 0; i < nparams; i++)
			if (strncmp(params[i], seg, len) == 0 &&
			    (params[i][len] == '/' || params[i][len] == '\0'))
				return "the path repeats a parameter name";
		if (nparams < NELEM(params))
			params[nparams++] = seg;
	}
	if (*p)
		return "the path must start with '/'";
	return NULL;
}

/* Is the key "METHOD " followed by something, METHOD one we know? */
static int
route_method_ok(const char *key)
{
	const char *sp = strchr(key, ' ');
	size_t k;

	for (k = 0; sp && k < NELEM(method_names); k++)
		if (strlen(method_names[k]) == (size_t)(sp - key) &&
		    strncmp(key, method_names[k], (size_t)(sp - key)) == 0)
			return 1;
	return 0;
}

struct routeref {
	char *canon;
	size_t index; /* into api->routes */
};

static int
cmp_routeref(const void *a, const void *b)
{
	const struct routeref *x = a, *y = b;
	int r = strcmp(x->canon, y->canon);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A variable segment under its parent path, for the one-variable rule. */
struct varref {
	char *parent; /* the parent path as written, "/items" */
	const char *name; /* the segment, "{id}" (not NUL-terminated) */
	size_t namelen;
	size_t index;
};

static int
cmp_varref(const void *a, const void *b)
{
	const struct varref *x = a, *y = b;
	int r = strcmp(x->parent, y->parent);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The path of route r, formatted only when there is something to report. */
#define ROUTE_PATH path_of(c, "api.routes%s", K(c, r->key))

static void
check_routes(struct ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	struct manifest_api *api = (struct manifest_api *)m->api;
	const struct node *routes = get_map(get_map(root, "api"), "routes");
	const char **fnames;
	struct routeref *rr;
	struct varref *vr = NULL;
	size_t nvr = 0, capvr = 0, nrr = 0, i, j;
	unsigned char *bad;
	struct buf canon = {0};

	if (api == NULL || api->nroutes == 0)
		return;
	fnames = xcalloc(m->nfunctions + 1, sizeof(*fnames));
	for (i = 0; i < m->nfunctions; i++)
		fnames[i] = m->functions[i].name;
	rr = xcalloc(api->nroutes, sizeof(*rr));
	bad = xcalloc(api->nroutes, 1);

	for (i = 0; i < api->nroutes; i++) {
		struct manifest_route *r = &api->routes[i];
		const struct node *v = routes->pairs[i].value;
		const char *fn = v->kind == NODE_MAP ? get_str(v, "function") :
		    node_str(v);
		const char *sp = strchr(r->key, ' ');
		const char *problem;

		if (fn == NULL)
			diag_add(c->d, DIAG_FUNCTION_UNKNOWN, r->loc,
			    ROUTE_PATH, "route '%s' names no function",
			    r->key);
		else if ((r->function = manifest_function_find(m, fn)) == NULL)
			diag_add(c->d, DIAG_FUNCTION_UNKNOWN, r->function_loc,
			    ROUTE_PATH, "unknown function '%s'%s", fn,
			    did_you_mean(fn, fnames, m->nfunctions));

		if (!route_method_ok(r->key)) {
			char meth[16];
			size_t k, ml = sp ? (size_t)(sp - r->key) : 0;
			const char *hint = "";

			snprintf(meth, sizeof(meth), "%.*s",
			    (int)(ml < 15 ? ml : 15), r->key);
			for (k = 0; meth[k]; k++)
				meth[k] = (char)toupper((unsigned char)meth[k]);
			for (k = 0; sp && k < NELEM(method_names); k++)
				if (strcmp(meth, method_names[k]) == 0)
					hint = method_names[k];
			if (sp == NULL)
				diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
				    ROUTE_PATH,
				    "route '%s' is not \"METHOD /path\"", r->key);
			else if (*hint)
				diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
				    ROUTE_PATH,
				    "method '%.*s' must be upper case: '%s'",
				    (int)ml, r->key, hint);
			else
				diag_add(c->d, DIAG_ROUTE_SYNTAX, r->key_loc,
				    ROUTE_PATH, "unknown method '%.*s'",
				    (int)ml, r->key);
			bad[i] = 1;
			continue;
		}
		if ((problem = path_problem(r->path, &canon)) != NULL) {
			diag_add(c->d, DIAG_ROUTE_PATH, r->key_loc, ROUTE_PATH,
			    "path '%s': %s", r->path, problem);
			bad[i] = 1;
			continue;
		}
		rr[nrr].canon = xstrdup(canon.data);
		rr[nrr++].index = i;
	}

	/* Same canonical path: same method, or ANY against anything, clash. */
	qsort(rr, nrr, sizeof(*rr), cmp_routeref);
	for (i = 0; i < nrr; i++) {
		for (j = i + 1; j < nrr && strcmp(rr[i].canon, rr[j].canon) == 0;
		    j++) {
			const struct manifest_route *a = &api->routes[rr[i].index];
			const struct manifest_route *b = &api->routes[rr[j].index];

			if (a->method != b->method &&
			    a->method != MANIFEST_HTTP_ANY &&
			    b->method != MANIFEST_HTTP_ANY)
				continue;
			diag_add(c->d, DIAG_ROUTE_CLASH, b->key_loc,
			    path_of(c, "api.routes%s", K(c, b->key)),
			    "route '%s' clashes with route '%s' (line %u)",
			    b->key, a->key, a->key_loc.line);
			bad[rr[j].index] = 1;
		}
	}

	/* One variable child per parent path. */
	for (i = 0; i < api->nroutes; i++) {
		const char *path = api->routes[i].path, *p = path, *seg;

		if (bad[i])
			continue;
		while (*p == '/' && p[1]) {
			seg = ++p;
			while (*p && *p != '/')
				p++;
			if (*seg != '{')
				continue;
			vr = xgrow(vr, &capvr, nvr + 1, sizeof(*vr));
			vr[nvr].parent = xstrndup(path, (size_t)(seg - 1 - path));
			vr[nvr].name = seg;
			vr[nvr].namelen = (size_t)(p - seg);
			vr[nvr++].index = i;
		}
	}
	if (nvr)
		qsort(vr, nvr, sizeof(*vr), cmp_varref);
	for (i = 0; i < nvr; i = j) {
		for (j = i + 1; j < nvr && strcmp(vr[i].parent, vr[j].parent) == 0;
		    j++) {
			const struct manifest_route *a = &api->routes[vr[i].index];
			const struct manifest_route *b = &api->routes[vr[j].index];

			if (vr[i].namelen == vr[j].namelen &&
			    strncmp(vr[i].name, vr[j].name, vr[i].namelen) == 0)
				continue;
			if (bad[vr[j].index])
				continue;
			diag_add(c->d, DIAG_ROUTE_PARAM_CONFLICT, b->key_loc,
			    path_of(c, "api.routes%s", K(c, b->key)),
			    "'%.*s' under '%s' conflicts with '%.*s' of route '%s' (line %u)",
			    (int)vr[j].namelen, vr[j].name,
			    *vr[j].parent ? vr[j].parent : "/",
			    (int)vr[i].namelen, vr[i].name, a->key,
			    a->key_loc.line);
			bad[vr[j].index] = 1;
		}
	}

	for (i = 0; i < nrr; i++)
		free(rr[i].canon);
	for (i = 0; i < nvr; i++)
		free(vr[i].parent);
	free(vr);
	free(rr);
	free(bad);
	free(fnames);
	buf_free(&canon);
}

#undef ROUTE_PATH

/* ---- semantic checks: paths ---- */

/* Does a relative path stay inside the project? (".." may not climb out) */
static int
path_stays_inside(const char *p)
{
	long depth = 0;
	const char *seg;

	if (*p == '/' || *p == '\0')
		return *p == '\0';
	while (*p) {
		seg = p;
		while (*p && *p != '/')
			p++;
		if (p - seg == 2 && seg[0] == '.' && seg[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (!(p - seg == 1 && seg[0] == '.') && p != seg)
			depth++;
		while (*p == '/')
			p++;
	}
	return 1;
}

static void
check_path(struct ctx *c, const char *p, struct loc loc, const char *path,
    const char *what)
{
	if (p && !path_stays_inside(p))
		diag_add(c->d, DIAG_PATH_ESCAPE, loc, path,
		    "%s '%s' leaves the project directory", what, p);
}

static void
check_paths(struct ctx *c)
{
	struct manifest *m = c->m;
	size_t i;

	for (i = 0; m->build.sources.node && i < m->build.sources.n; i++)
		check_path(c, m->build.sources.v[i], m->build.sources.locs[i],
		    path_of(c, "build.sources[%zu]", i), "source pattern");
	for (i = 0; i < m->build.include_dirs.n; i++)
		check_path(c, m->build.include_dirs.v[i],
		    m->build.include_dirs.locs[i],
		    path_of(c, "build.include_dirs[%zu]", i),
		    "include directory");
	for (i = 0; i < m->build.libs.n; i++) {
		const char *l = m->build.libs.v[i];

		/* Absolute libraries are the system's; relative ones the project's. */
		if (l[0] != '-' && l[0] != '/' && strchr(l, '/'))
			check_path(c, l, m->build.libs.locs[i],
			    path_of(c, "build.libs[%zu]", i), "library");
	}
	if (m->site) {
		check_path(c, m->site->root, m->site->root_loc, "site.root",
		    "site root");
		if (strstr(m->site->index, "..") || m->site->index[0] == '/')
			diag_add(c->d, DIAG_PATH_ESCAPE, m->site->loc,
			    "site.index", "index document '%s' must be a path inside the site",
			    m->site->index);
		if (m->site->error_document &&
		    (strstr(m->site->error_document, "..") ||
		    m->site->error_document[0] == '/'))
			diag_add(c->d, DIAG_PATH_ESCAPE, m->site->loc,
			    "site.error_document",
			    "error document '%s' must be a path inside the site",
			    m->site->error_document);
	}
	for (i = 0; i < MANIFEST_HOOK__COUNT; i++) {
		const struct manifest_strlist *a = &m->hooks[i].argv;

		/* Absolute programs are the system's; relative ones are the project's. */
		if (a->n && a->v[0][0] != '/' && strchr(a->v[0], '/'))
			check_path(c, a->v[0], a->locs[0],
			    path_of(c, "hooks.%s[0]", hook_names[i]),
			    "hook program");
	}
}

/* ---- driver ---- */

static void
build_model(struct ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	const struct node *svc = node_get(root, "service");
	size_t i;

	m->root = root;
	m->service = node_str(svc);
	m->service_loc = loc_of(svc, root->loc);
	m->description = get_str(root, "description");
	m->bucket = get_str(root, "bucket");
	m->bucket_loc = loc_of(node_get(root, "bucket"), root->loc);
	build_build(m, root);
	build_roles(m, root);
	build_functions(m, root);
	build_api(m, root);
	build_site_hooks(m, root);
	kvs_from(m, &m->tags, node_get(root, "tags"));
	m->parameters = get_map(root, "parameters");
	m->mappings = get_map(root, "mappings");
	m->conditions = get_map(root, "conditions");
	m->resources = get_map(root, "resources");
	m->outputs = get_map(root, "outputs");

	m->functions_sorted = mf_alloc(m, m->nfunctions,
	    sizeof(*m->functions_sorted));
	for (i = 0; i < m->nfunctions; i++)
		m->functions_sorted[i] = &m->functions[i];
	if (m->nfunctions)
		qsort(m->functions_sorted, m->nfunctions,
		    sizeof(*m->functions_sorted), cmp_function);
	m->roles_sorted = mf_alloc(m, m->nroles, sizeof(*m->roles_sorted));
	for (i = 0; i < m->nroles; i++)
		m->roles_sorted[i] = &m->roles[i];
	if (m->nroles)
		qsort(m->roles_sorted, m->nroles, sizeof(*m->roles_sorted),
		    cmp_role);

	check_names(c, root);
	check_symbols(c);
	check_functions(c, root); /* resolves roles before check_roles counts */
	check_roles(c);
	check_routes(c, root);
	check_paths(c);
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

static void
check_each_stage(const struct node *root, struct diags *d)
{
	const struct node_pair *sp = node_find(root, "stages");
	const struct node *stages = sp ? sp->value : NULL;
	const struct node *fns = get_map(root, "functions");
	const struct node *roles = get_map(root, "roles");
	const struct node *routes = get_map(get_map(root, "api"), "routes");
	struct loc end = {NULL, (unsigned)-1, (unsigned)-1};
	size_t i, j, units, spent = 0;

	if (stages == NULL || stages->kind != NODE_MAP)
		return;
	units = 1 + (fns ? fns->n : 0) + (roles ? roles->n : 0) +
	    (routes ? routes->n : 0);
	for (i = 0; i < root->n; i++)
		if (&root->pairs[i] == sp && i + 1 < root->n)
			end = root->pairs[i + 1].key->loc;
	for (i = 0; i < stages->n; i++) {
		const struct node_pair *p = &stages->pairs[i];
		struct loc lo = p->key->loc;
		struct loc hi = i + 1 < stages->n ? stages->pairs[i + 1].key->loc :
		    end;
		struct diags sd = {0};
		struct ctx c = {0};
		const char *prefix;

		if (p->value->kind != NODE_MAP)
			continue;
		if ((spent += units) > STAGE_CHECK_BUDGET) {
			log_info("%zu of %zu stages checked; check the others with --stage",
			    i, stages->n);
			break;
		}
		c.m = xcalloc(1, sizeof(*c.m));
		c.m->impl = xcalloc(1, sizeof(*c.m->impl));
		c.m->stage = p->key->str;
		c.d = &sd;
		build_model(&c, merge(c.m, root, p->value));
		prefix = path_of(&c, "stages%s", K(&c, p->key->str));
		prefix = xstrdup(prefix);
		for (j = 0; j < sd.n; j++) {
			const struct diag *g = &sd.v[j];

			/* Warnings (an unused role) are the base's business. */
			if (g->sev != SEV_ERROR || loc_before(g->loc, lo) ||
			    !loc_before(g->loc, hi))
				continue;
			path_of(&c, "%s%s%s", prefix, g->path ? "." : "",
			    g->path ? g->path : "");
			diag_add(d, g->code, g->loc, c.path.data, "%s", g->msg);
		}
		free((char *)prefix);
		diags_free(&sd);
		buf_free(&c.path);
		for (j = 0; j < NELEM(c.keys); j++)
			buf_free(&c.keys[j]);
		manifest_free(c.m);
	}
}

struct manifest *
manifest_build(const struct doc *doc, const char *stage, struct diags *d)
{
	struct ctx c = {0};
	struct manifest *m;
	const struct node *root = doc ? doc->root : NULL;
	size_t errors = d->nerrors;

	if (root == NULL || root->kind != NODE_MAP) {
		struct loc at = {doc ? doc->file : "", 1, 1};

		if (root == NULL)
			diag_add(d, DIAG_YAML_EMPTY, at, NULL,
			    "the manifest is empty");
		else
			diag_add(d, DIAG_SCHEMA_TYPE, root->loc, NULL,
			    "the manifest must be a mapping, not a %s",
			    node_kind_name(root->kind));
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->impl = xcalloc(1, sizeof(*m->impl));
	c.m = m;
	c.d = d;

	check_stage_overrides(&c, root);
	if (stage) {
		const struct node *stages = get_map(root, "stages");
		const struct node *ov = get_map(stages, stage);

		if (ov == NULL) {
			size_t n;
			const char **keys = map_keys(stages, &n);

			diag_add(d, DIAG_STAGE_UNKNOWN,
			    stages ? node_find(root, "stages")->key->loc :
			    root->loc, "stages",
			    "stage '%s' is not declared under stages:%s", stage,
			    n ? did_you_mean(stage, keys, n) : "");
			free(keys);
		} else {
			m->stage = mf_strdup(m, stage, strlen(stage));
			root = merge(m, root, ov);
		}
	} else
		check_each_stage(root, d);
	build_model(&c, root);
	buf_free(&c.path);
	for (size_t i = 0; i < NELEM(c.keys); i++)
		buf_free(&c.keys[i]);
	if (d->nerrors > errors) {
		manifest_free(m);
		return NULL;
	}
	return m;
}
