/*
 * explain.c - `spartac validate --explain FUNCTION`: the effective settings
 * of one function, each with where it came from: the function itself, the
 * service's defaults:, a stage's override (of the function or of the
 * defaults), or spartac's built-in default.
 *
 * The model keeps, per function, the map its settings were read from
 * (defaults applied, stage merged: manifest_function.settings). Every
 * value node in it is a node of the loaded file, so where it sits in the
 * file's own tree (under defaults:, under stages.NAME, or under the
 * function) names its origin, and its location is the file:line:col.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe/describe.h"
#include "front/json.h"

/* Is n the node target, or inside it? */
static int
node_contains(const struct node *n, const struct node *target)
{
	size_t i;

	if (n == NULL)
		return 0;
	if (n == target)
		return 1;
	if (n->kind != NODE_SEQ && n->kind != NODE_MAP)
		return 0;
	for (i = 0; i < n->n; i++)
		if (node_contains(n->kind == NODE_SEQ ? n->items[i] :
		    n->pairs[i].value, target))
			return 1;
	return 0;
}

/* "function (f:l:c)", "defaults (...)", "stage S (...)", "defaults of
 * stage S (...)" for a value node of the merged settings. */
static void
origin_put(struct buf *b, const struct node *root, const struct node *v)
{
	const struct node *stages = node_get(root, "stages");
	size_t i;

	if (node_contains(node_get(root, "defaults"), v))
		buf_puts(b, "defaults");
	else {
		for (i = 0; stages && stages->kind == NODE_MAP && i < stages->n;
		    i++) {
			const struct node *st = stages->pairs[i].value;

			if (!node_contains(st, v))
				continue;
			buf_printf(b, "%sstage %s", node_contains(node_get(st,
			    "defaults"), v) ? "defaults of " : "",
			    stages->pairs[i].key->str);
			break;
		}
		if (stages == NULL || stages->kind != NODE_MAP || i == stages->n)
			buf_puts(b, "function");
	}
	buf_printf(b, " (%s:%u:%u)", v->loc.file, v->loc.line, v->loc.col);
}

/* A value as one line: scalars as written, the rest as compact JSON. */
static void
value_put(struct buf *b, const struct node *v)
{
	struct arena a = {0};
	cJSON *j;
	char *s;

	if (v->kind != NODE_SEQ && v->kind != NODE_MAP && v->str != NULL) {
		buf_puts(b, v->str);
		return;
	}
	j = node_to_cjson(&a, v);
	s = j ? cJSON_PrintUnformatted(j) : NULL;
	buf_puts(b, s ? s : "?");
	cJSON_free(s);
	arena_free_all(&a);
}

static void
row(struct buf *b, const char *key, const char *value, const char *origin)
{
	buf_printf(b, "  %-24s %-32s %s\n", key, value, origin);
}

/* One setting: the node under the settings map, or the built-in default. */
static void
setting(struct buf *b, const struct node *root, const struct node *settings,
    const char *key, const char *dflt)
{
	const struct node *v = node_get(settings, key);
	struct buf val = {0}, org = {0};

	if (v == NULL && dflt == NULL)
		return;
	if (v == NULL) {
		row(b, key, dflt, "default");
		return;
	}
	value_put(&val, v);
	origin_put(&org, root, v);
	row(b, key, val.data, org.data);
	buf_free(&val);
	buf_free(&org);
}

/* Each entry of a map setting (environment, tags, vpc, async) on a line of
 * its own: defaults and the function may each have given some entries. */
static void
map_setting(struct buf *b, const struct node *root, const struct node *settings,
    const char *key, const char *dflt)
{
	const struct node *map = node_get(settings, key);
	struct buf k = {0}, val = {0}, org = {0};
	size_t i;

	if (map == NULL || map->kind != NODE_MAP) {
		if (dflt != NULL)
			row(b, key, dflt, "default");
		return;
	}

	for (i = 0; map && map->kind == NODE_MAP && i < map->n; i++) {
		k.len = val.len = org.len = 0;
		buf_printf(&k, "%s.%s", key, map->pairs[i].key->str);
		value_put(&val, map->pairs[i].value);
		origin_put(&org, root, map->pairs[i].value);
		row(b, k.data, val.data, org.data);
	}
	buf_free(&k);
	buf_free(&val);
	buf_free(&org);
}

/* defaults: entries that go to every generated role, when f has one. */
static void
role_extras(struct buf *b, const struct manifest *m,
    const struct manifest_function *f, const struct node *root)
{
	struct buf org = {0};
	char n[32];

	if (f->role != NULL && f->role->arn != NULL)
		return; /* an existing role gets nothing from spartac */
	if (m->ndefault_privileges > 0) {
		snprintf(n, sizeof(n), "%zu statement%s", m->ndefault_privileges,
		    m->ndefault_privileges == 1 ? "" : "s");
		origin_put(&org, root, node_get(m->defaults, "privileges"));
		row(b, "privileges (role)", n, org.data);
		org.len = 0;
	}
	if (m->default_managed_policies.n > 0) {
		snprintf(n, sizeof(n), "%zu polic%s",
		    m->default_managed_policies.n,
		    m->default_managed_policies.n == 1 ? "y" : "ies");
		origin_put(&org, root, m->default_managed_policies.node);
		row(b, "managed_policies (role)", n, org.data);
	}
	buf_free(&org);
}

int
describe_explain(const struct manifest *m, const struct node *root,
    const char *name, struct buf *out)
{
	const struct manifest_function *f = manifest_function_find(m, name);
	const struct node *s;
	char n[32];

	if (f == NULL)
		return -1;
	s = f->settings;
	buf_printf(out, "function '%s' (%s:%u:%u)%s%s\n", f->name,
	    f->key_loc.file, f->key_loc.line, f->key_loc.col,
	    m->stage ? ", stage " : "", m->stage ? m->stage : "");
	setting(out, root, s, "symbol", NULL);
	setting(out, root, s, "name", "(generated by CloudFormation)");
	setting(out, root, s, "role", "(generated for this function)");
	snprintf(n, sizeof(n), "%d", MANIFEST_DEFAULT_MEMORY);
	setting(out, root, s, "memory", n);
	snprintf(n, sizeof(n), "%d", MANIFEST_DEFAULT_TIMEOUT);
	setting(out, root, s, "timeout", n);
	snprintf(n, sizeof(n), "%d", MANIFEST_DEFAULT_EPHEMERAL);
	setting(out, root, s, "ephemeral_storage", n);
	snprintf(n, sizeof(n), "%d", MANIFEST_DEFAULT_LOG_RETENTION);
	setting(out, root, s, "log_retention", n);
	setting(out, root, s, "tracing", "PassThrough");
	setting(out, root, s, "reserved_concurrency", "(none reserved)");
	setting(out, root, s, "layers", "[]");
	map_setting(out, root, s, "vpc", "(none)");
	setting(out, root, s, "dead_letter", "(none)");
	map_setting(out, root, s, "async", "(Lambda's: 2 retries, 6 hours)");
	map_setting(out, root, s, "environment", NULL);
	map_setting(out, root, s, "tags", NULL);
	role_extras(out, m, f, root);
	setting(out, root, s, "privileges", NULL);
	setting(out, root, s, "managed_policies", NULL);
	return 0;
}
