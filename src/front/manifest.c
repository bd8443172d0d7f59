/*
 * manifest.c - the typed model of sparta.yaml: its memory, defaults and
 * sorted indexes, and manifest_build, which merges the stage, builds the
 * model and runs the checks (manifest_check_*.c). See manifest.h and
 * manifest_int.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

/* ---- memory ---- */

void *
mf_alloc(struct manifest *m, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0)
		return NULL;
	/* nmemb counts nodes (the loader's budget is 10^6), so no overflow. */
	p = arena_alloc(&m->impl->arena, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

char *
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
	if (m == NULL)
		return;
	if (m->impl) {
		arena_free_all(&m->impl->arena);
		doc_free(m->impl->merged);
		free(m->impl);
	}
	free(m);
}

/* ---- helpers the checks share ---- */

const char *
mf_path(struct mf_ctx *c, const char *head, const char *key,
    const char *tail, ...)
{
	va_list ap;
	char *s;

	c->path.len = 0;
	buf_puts(&c->path, head);
	if (key)
		node_path_key(&c->path, key);
	if (tail) {
		va_start(ap, tail);
		s = xvasprintf(tail, ap);
		va_end(ap);
		buf_puts(&c->path, s);
		free(s);
	}
	return c->path.data;
}

const char *
mf_path_key(struct mf_ctx *c, const char *key)
{
	node_path_key(&c->path, key);
	return c->path.data;
}

const char **
mf_map_keys(const struct node *map, size_t *n)
{
	const char **v;
	size_t i;

	*n = map && map->kind == NODE_MAP ? map->n : 0;
	v = xcalloc(*n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = map->pairs[i].key->str;
	return v;
}

int
mf_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
mf_all_chars(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) && (unsigned char)s[i] < 0x80) &&
		    strchr(extra, s[i]) == NULL)
			return 0;
	return 1;
}

int
mf_is_intrinsic(const struct node *n)
{
	const char *k;

	if (n == NULL || n->kind != NODE_MAP || n->n != 1)
		return 0;
	k = n->pairs[0].key->str;
	return strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 ||
	    str_has_prefix(k, "Fn::");
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

void
mf_strlist_from(struct manifest *m, struct manifest_strlist *l,
    const struct node *seq, const char *def, struct loc defloc)
{
	strlist_from(m, l, seq, def, defloc);
}

void
mf_values_from(struct manifest *m, struct manifest_values *vals,
    const struct node *n)
{
	values_from(m, vals, n);
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

int
mf_method_find(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < NELEM(method_names); k++)
		if (strlen(method_names[k]) == n &&
		    strncmp(s, method_names[k], n) == 0)
			return (int)k;
	return -1;
}

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

/* The statements of a privileges: list into *out; returns how many. */
static size_t
privileges_from(struct manifest *m, struct manifest_privilege **out,
    const struct node *privs)
{
	size_t j;

	*out = NULL;
	if (privs == NULL || privs->kind != NODE_SEQ)
		return 0;
	*out = mf_alloc(m, privs->n, sizeof(**out));
	for (j = 0; j < privs->n; j++) {
		struct manifest_privilege *p = &(*out)[j];
		const struct node *pn = privs->items[j];

		p->loc = pn->loc;
		strlist_from(m, &p->actions, node_get(pn, "actions"), NULL,
		    pn->loc);
		values_from(m, &p->resources, node_get(pn, "resources"));
		p->condition = get_map(pn, "condition");
	}
	return privs->n;
}

static void
build_roles(struct manifest *m, const struct node *root)
{
	const struct node *roles = get_map(root, "roles");
	size_t i;

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
		values_from(m, &r->managed_policies,
		    node_get(v, "managed_policies"));
		r->nprivileges = privileges_from(m, &r->privileges, privs);
	}
}

static void
poll_from(struct manifest_poll *p, const struct node *v)
{
	p->report_failures = get_bool(v, "report_batch_item_failures", 0);
	p->filters = node_get(v, "filters");
	if (p->filters && p->filters->kind != NODE_SEQ)
		p->filters = NULL;
	p->enabled = get_bool(v, "enabled", 1);
}

static int
build_event(struct manifest *m, struct manifest_event *e,
    const struct node *item)
{
	const struct node *v = item->pairs[0].value;
	const char *kind = item->pairs[0].key->str;
	int obj = v->kind == NODE_MAP && !mf_is_intrinsic(v);
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
		e->u.sqs.max_concurrency = obj ? get_long(v, "max_concurrency",
		    MANIFEST_UNSET) : MANIFEST_UNSET;
		poll_from(&e->u.sqs.poll, obj ? v : NULL);
		break;
	case MANIFEST_EVENT_SNS:
		e->u.sns.topic = obj ? node_get(v, "topic") : v;
		e->u.sns.filter = obj ? get_map(v, "filter") : NULL;
		break;
	case MANIFEST_EVENT_S3:
		e->u.s3.bucket = get_str(v, "bucket");
		e->u.s3.bucket_loc = loc_of(node_get(v, "bucket"), v->loc);
		if ((e->u.s3.existing = get_bool(v, "existing", 0)))
			m->ns3_existing++;
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
		e->u.stream.on_failure = node_get(v, "on_failure");
		e->u.stream.bisect = get_bool(v, "bisect_on_error", 0);
		e->u.stream.retries = get_long(v, "retries", MANIFEST_UNSET);
		e->u.stream.max_record_age = get_long(v, "max_record_age",
		    MANIFEST_UNSET);
		e->u.stream.parallelization = get_long(v, "parallelization",
		    MANIFEST_UNSET);
		e->u.stream.tumbling_window = get_long(v, "tumbling_window",
		    MANIFEST_UNSET);
		poll_from(&e->u.stream.poll, v);
		break;
	case MANIFEST_EVENT_LOGS:
		e->u.logs.log_group = node_get(v, "log_group");
		s = get_str(v, "filter_pattern");
		e->u.logs.filter = s ? s : "";
		break;
	}
	return 0;
}

/* One function from its entry (key, value) under functions: or
 * custom_resources:. */
static void
function_from(struct manifest *m, struct manifest_function *f,
    const struct node_pair *entry)
{
	const struct node *v = mf_apply_defaults(m, m->defaults, entry->value);
	const struct node *n, *vpc, *events;
	const char *s;
	size_t j;

	f->settings = v;
	f->name = entry->key->str;
	f->id = mf_logical_id(m, f->name);
	f->key_loc = entry->key->loc;
	f->loc = v->loc;
	n = node_get(v, "symbol");
	f->symbol = node_str(n);
	f->symbol_loc = loc_of(n, v->loc);
	f->physical_name = node_get(v, "name");
	f->share_symbol = get_bool(v, "share_symbol", 0);
	f->description = get_str(v, "description");
	f->role_name = get_str(v, "role");
	f->role_loc = loc_of(node_get(v, "role"), v->loc);
	f->nprivileges = privileges_from(m, &f->privileges,
	    node_get(v, "privileges"));
	values_from(m, &f->managed_policies,
	    node_get(v, "managed_policies"));
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
	f->async.node = get_map(v, "async");
	f->async.retries = get_long(f->async.node, "retries",
	    MANIFEST_UNSET);
	f->async.max_event_age = get_long(f->async.node, "max_event_age",
	    MANIFEST_UNSET);
	f->async.on_success = node_get(f->async.node, "on_success");
	f->async.on_failure = node_get(f->async.node, "on_failure");
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

/*
 * functions: and then custom_resources:, whose entries are functions too
 * (the same settings, no events): one handler table, one marshalling.
 */
static void
build_functions(struct manifest *m, const struct node *root)
{
	const struct node *fns = get_map(root, "functions");
	const struct node *crs = get_map(root, "custom_resources");
	size_t i, n = (fns ? fns->n : 0) + (crs ? crs->n : 0);

	if (n == 0)
		return;
	m->functions = mf_alloc(m, n, sizeof(*m->functions));
	for (i = 0; fns != NULL && i < fns->n; i++)
		function_from(m, &m->functions[m->nfunctions++], &fns->pairs[i]);
	for (i = 0; crs != NULL && i < crs->n; i++) {
		m->functions[m->nfunctions].custom_resource = 1;
		function_from(m, &m->functions[m->nfunctions++], &crs->pairs[i]);
		m->ncustom_resources++;
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

	api->kind = MANIFEST_API_REST;
	s = get_str(a, "type");
	if (s && strcmp(s, "http") == 0) {
		api->kind = MANIFEST_API_HTTP;
		api->stage = get_str(a, "stage") ? api->stage :
		    MANIFEST_DEFAULT_HTTP_STAGE;
	}
	cors = node_get(a, "cors");
	mf_cors_from(m, &api->cors, cors, a->loc);
	mf_build_api_extras(m, api, a);

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
			int k = sp ? mf_method_find(key, (size_t)(sp - key)) :
			    -1;

			r->key = key;
			r->key_loc = routes->pairs[i].key->loc;
			r->loc = v->loc;
			/* An unknown method reads as ANY; the checks report it. */
			r->method = k < 0 ? MANIFEST_HTTP_ANY :
			    (enum manifest_http_method)k;
			r->method_name = method_names[r->method];
			r->path = sp ? mf_strdup(m, sp + 1, strlen(sp + 1)) :
			    mf_strdup(m, key, strlen(key));
			r->function_loc = v->loc;
			r->authorization = MANIFEST_AUTH_NONE;
			if (v->kind == NODE_MAP) {
				const struct node *fn = node_get(v, "function");

				r->function_loc = loc_of(fn, v->loc);
			}
			mf_build_route_extras(m, api, r, v);
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
		site->bucket_name = node_get(s, "bucket_name");
		v = get_str(s, "index");
		site->index = v ? v : MANIFEST_DEFAULT_SITE_INDEX;
		site->error_document = get_str(s, "error_document");
		strlist_from(m, &site->exclude, node_get(s, "exclude"), NULL,
		    s->loc);
		strlist_from(m, &site->include, node_get(s, "include"), NULL,
		    s->loc);
		m->site = site;
	}
	for (k = 0; k < MANIFEST_HOOK__COUNT; k++) {
		const struct node *h = node_get(hooks, hook_names[k]);

		m->hooks[k].loc = loc_of(h, loc_of(hooks, m->service_loc));
		m->hooks[k].timeout = h && h->kind == NODE_MAP ? get_long(h,
		    "timeout", MANIFEST_DEFAULT_HOOK_TIMEOUT) :
		    MANIFEST_DEFAULT_HOOK_TIMEOUT;
		if (h && h->kind == NODE_MAP)
			h = node_get(h, "command");
		strlist_from(m, &m->hooks[k].argv, h, NULL, m->hooks[k].loc);
	}
}

/* ---- driver ---- */

/* Is at the location of n or of a key or value under it? */
static int
loc_under(const struct node *n, struct loc at)
{
	size_t i;

	if (n == NULL)
		return 0;
	if (n->loc.line == at.line && n->loc.col == at.col)
		return 1;
	if (n->kind != NODE_SEQ && n->kind != NODE_MAP)
		return 0;
	for (i = 0; i < n->n; i++) {
		if (n->kind == NODE_MAP && n->pairs[i].key->loc.line == at.line &&
		    n->pairs[i].key->loc.col == at.col)
			return 1;
		if (loc_under(n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, at))
			return 1;
	}
	return 0;
}

/*
 * The checks see defaults: through every function, so a bad default would
 * be reported once per function under functions.NAME: it is reported once,
 * under defaults. The rest is copied as it is.
 */
static void
fold_defaults(struct mf_ctx *c, const struct diags *local,
    const struct node *defaults)
{
	size_t i, j;
	const char *rest;

	for (i = 0; i < local->n; i++) {
		const struct diag *g = &local->v[i];

		if (defaults == NULL || g->path == NULL ||
		    !str_has_prefix(g->path, "functions.") ||
		    !loc_under(defaults, g->loc)) {
			diag_add(c->d, g->code, g->loc, g->path, "%s", g->msg);
			continue;
		}
		for (j = 0; j < i; j++)
			if (local->v[j].code == g->code &&
			    local->v[j].loc.line == g->loc.line &&
			    local->v[j].loc.col == g->loc.col)
				break;
		if (j < i)
			continue;
		/* functions.NAME.rest -> defaults.rest (names hold no '.') */
		rest = strchr(g->path + strlen("functions."), '.');
		mf_path(c, "defaults", NULL, "%s", rest ? rest : "");
		diag_add(c->d, g->code, g->loc, c->path.data, "%s", g->msg);
	}
}

void
mf_build_model(struct mf_ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	struct diags local = {0}, *out;
	const struct node *svc = node_get(root, "service"), *split;
	size_t i;

	m->root = root;
	m->service = node_str(svc);
	m->service_loc = loc_of(svc, root->loc);
	m->description = get_str(root, "description");
	m->bucket = get_str(root, "bucket");
	m->bucket_loc = loc_of(node_get(root, "bucket"), root->loc);
	split = node_get(node_get(root, "nested_stacks"), "max_resources");
	m->split_max_resources = split != NULL && split->kind == NODE_INT &&
	    split->v.i > 0 ? (size_t)split->v.i : 500;
	m->split_loc = loc_of(split, root->loc);
	m->permissions_boundary = node_get(root, "permissions_boundary");
	m->defaults = get_map(root, "defaults");
	m->ndefault_privileges = privileges_from(m, &m->default_privileges,
	    node_get(m->defaults, "privileges"));
	values_from(m, &m->default_managed_policies,
	    node_get(m->defaults, "managed_policies"));
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

	out = c->d;
	local.limit = (size_t)-1; /* out's own limit applies on the copy */
	c->d = &local;
	mf_check_names(c, root);
	mf_check_symbols(c);
	/* resolves roles before mf_check_roles counts their users */
	mf_check_functions(c, root);
	mf_check_roles(c);
	mf_check_routes(c, root);
	mf_check_api(c, root);
	mf_check_paths(c);
	c->d = out;
	fold_defaults(c, &local, get_map(root, "defaults"));
	diags_free(&local);
}

struct manifest *
manifest_build(const struct doc *doc, const char *stage, struct diags *d)
{
	size_t errors = d->nerrors;
	struct manifest *m = manifest_build_all(doc, stage, d);

	if (d->nerrors > errors) {
		manifest_free(m);
		return NULL;
	}
	return m;
}

/* Has d an error at loc? */
static int
error_at(const struct diags *d, struct loc loc)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].sev == SEV_ERROR && d->v[i].loc.line == loc.line &&
		    d->v[i].loc.col == loc.col)
			return 1;
	return 0;
}

void
manifest_drop_unresolved(struct manifest *m, const struct diags *d)
{
	/* the model's own memory (mf_alloc), const only to its readers */
	struct manifest_api *api = (struct manifest_api *)m->api;
	size_t i, n = 0;

	if (api == NULL)
		return;
	for (i = 0; i < api->nroutes; i++)
		if (api->routes[i].function != NULL &&
		    !error_at(d, api->routes[i].key_loc)) {
			int own = api->routes[i].cors == &api->routes[i].own_cors;

			api->routes[n] = api->routes[i];
			if (own) /* the copy points at its own CORS */
				api->routes[n].cors = &api->routes[n].own_cors;
			n++;
		}
	api->nroutes = n;
	for (i = 0; i < n; i++)
		api->routes_sorted[i] = &api->routes[i];
	if (n)
		qsort(api->routes_sorted, n, sizeof(*api->routes_sorted),
		    cmp_route);
}

struct manifest *
manifest_build_all(const struct doc *doc, const char *stage, struct diags *d)
{
	struct mf_ctx c = {0};
	struct manifest *m;
	const struct node *root = doc ? doc->root : NULL;

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

	mf_check_stage_overrides(&c, root);
	if (stage) {
		const struct node *stages = get_map(root, "stages");
		const struct node *ov = get_map(stages, stage);

		if (ov == NULL) {
			size_t n;
			const char **keys = mf_map_keys(stages, &n);

			diag_add(d, DIAG_STAGE_UNKNOWN,
			    stages ? node_find(root, "stages")->key->loc :
			    root->loc, "stages",
			    "stage '%s' is not declared under stages:%s", stage,
			    n ? diag_suggest(stage, keys, n) : "");
			free(keys);
		} else {
			m->stage = mf_strdup(m, stage, strlen(stage));
			root = mf_merge(m, root, ov);
		}
	} else
		mf_check_each_stage(root, d);
	mf_build_model(&c, root);
	buf_free(&c.path);
	return m;
}
