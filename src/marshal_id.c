/*
 * marshal_id.c - the logical-ID registry and the API's path IDs.
 *
 * Every logical ID the template will hold is claimed here first, generated
 * ones before the manifest's raw ones, so a raw resource, parameter or
 * output that reuses a generated ID is reported at its own manifest line.
 * The scheme itself is documented in docs/logical-ids.md.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "marshal_int.h"

static uint64_t
mid_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: fast, good enough here */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
mid_table_free(struct mid_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		free(t->v[i].id);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static struct mid_entry *
mid_slot(struct mid_entry *v, size_t cap, const char *id)
{
	size_t i = (size_t)mid_hash(id) & (cap - 1);

	while (v[i].id != NULL && strcmp(v[i].id, id) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

const struct mid_entry *
mid_table_get(const struct mid_table *t, const char *id)
{
	struct mid_entry *e;

	if (t->cap == 0)
		return NULL;
	e = mid_slot(t->v, t->cap, id);
	return e->id != NULL ? e : NULL;
}

static void
mid_table_grow(struct mid_table *t)
{
	size_t i, cap = t->cap ? t->cap * 2 : 256;
	struct mid_entry *v = xcalloc(cap, sizeof(*v));

	for (i = 0; i < t->cap; i++)
		if (t->v[i].id != NULL)
			*mid_slot(v, cap, t->v[i].id) = t->v[i];
	free(t->v);
	t->v = v;
	t->cap = cap;
}

const struct mid_entry *
mid_table_put(struct mid_table *t, const char *id, struct loc loc,
    const char *what, const char *name)
{
	struct mid_entry *e;

	if ((t->n + 1) * 2 > t->cap)
		mid_table_grow(t);
	e = mid_slot(t->v, t->cap, id);
	if (e->id != NULL)
		return e;
	e->id = xstrdup(id);
	e->loc = loc;
	e->what = what;
	e->name = name;
	t->n++;
	return NULL;
}

/*
 * Each segment contributes its alphanumeric runs, capitalised: "/items" ->
 * "Items", "{id}" -> "Id", "{proxy+}" -> "Proxy", "v1.2" -> "V12". The
 * caller resolves the rare clashes this leaves ("/a-b" and "/aB").
 */
char *
mid_path(const char *path)
{
	struct buf b = {0};
	int start = 1;

	buf_puts(&b, "");
	for (; *path; path++) {
		unsigned char ch = (unsigned char)*path;

		if (!isalnum(ch)) {
			start = 1;
			continue;
		}
		buf_putc(&b, start ? toupper(ch) : ch);
		start = 0;
	}
	return buf_take(&b);
}

const char *
mid_method(const char *method_name)
{
	static const char *const names[][2] = {
		{"ANY", "Any"}, {"GET", "Get"}, {"HEAD", "Head"},
		{"POST", "Post"}, {"PUT", "Put"}, {"PATCH", "Patch"},
		{"DELETE", "Delete"}, {"OPTIONS", "Options"},
	};
	size_t i;

	for (i = 0; i < NELEM(names); i++)
		if (strcmp(names[i][0], method_name) == 0)
			return names[i][1];
	return "Any";
}

int
mid_claim(struct mctx *c, const char *id, struct loc loc, const char *what,
    const char *name)
{
	return mid_claim_in(c, &c->ids, id, loc, what, name);
}

int
mid_claim_output(struct mctx *c, const char *id, struct loc loc,
    const char *what, const char *name)
{
	return mid_claim_in(c, &c->output_ids, id, loc, what, name);
}

int
mid_claim_in(struct mctx *c, struct mid_table *t, const char *id,
    struct loc loc, const char *what, const char *name)
{
	const struct mid_entry *old = mid_table_put(t, id, loc, what, name);
	char *mine, *theirs;

	if (old == NULL)
		return 0;
	/* what is a literal with at most one %s (marshal_int.h). */
	mine = xasprintf(what, name ? name : "");
	theirs = xasprintf(old->what, old->name ? old->name : "");
	mctx_diag(c, DIAG_MARSHAL_ID_CLASH, loc, NULL,
	    "logical ID '%s' (%s) is also the one spartac gives %s (%s:%u:%u)",
	    id, mine, theirs, old->loc.file ? old->loc.file : "?",
	    old->loc.line, old->loc.col);
	free(mine);
	free(theirs);
	return -1;
}

cJSON *
mres_add(struct mctx *c, const char *id, const char *type, struct loc loc,
    const char *what, const char *name, cJSON **props)
{
	mid_claim(c, id, loc, what, name);
	return mres_put(c, id, type, props);
}

cJSON *
mres_put(struct mctx *c, const char *id, const char *type, cJSON **props)
{
	cJSON *res = cJSON_CreateObject();

	cJSON_AddItemToObject(res, "Type", cJSON_CreateString(type));
	*props = cJSON_AddObjectToObject(res, "Properties");
	cJSON_AddItemToObject(c->resources, id, res);
	return res;
}
