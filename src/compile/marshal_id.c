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

#include "compile/marshal_int.h"

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
	arena_free_all(&t->strings);
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The slot that holds id, or the empty one where it would go. */
static struct mid_slot *
mid_slot(const struct mid_table *t, const char *id, uint32_t h)
{
	size_t i = (size_t)h & (t->nslots - 1);

	while (t->slots[i].entry != 0 && (t->slots[i].hash != h ||
	    strcmp(t->v[t->slots[i].entry - 1].id, id) != 0))
		i = (i + 1) & (t->nslots - 1);
	return &t->slots[i];
}

const struct mid_entry *
mid_table_get(const struct mid_table *t, const char *id)
{
	struct mid_slot *s;

	if (t->nslots == 0)
		return NULL;
	s = mid_slot(t, id, (uint32_t)mid_hash(id));
	return s->entry != 0 ? &t->v[s->entry - 1] : NULL;
}

static void
mid_table_grow(struct mid_table *t)
{
	struct mid_slot *old = t->slots, *s;
	size_t i, nold = t->nslots;

	t->nslots = t->nslots ? t->nslots * 2 : 256;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (i = 0; i < nold; i++) {
		if (old[i].entry == 0)
			continue;
		s = &t->slots[old[i].hash & (t->nslots - 1)];
		while (s->entry != 0)
			s = s + 1 < t->slots + t->nslots ? s + 1 : t->slots;
		*s = old[i];
	}
	free(old);
}

const struct mid_entry *
mid_table_put(struct mid_table *t, const char *id, struct loc loc,
    const char *what, const char *name)
{
	struct mid_entry *e;
	struct mid_slot *s;
	uint32_t h = (uint32_t)mid_hash(id);
	size_t len;

	if ((t->n + 1) * 2 > t->nslots)
		mid_table_grow(t);
	s = mid_slot(t, id, h);
	if (s->entry != 0)
		return &t->v[s->entry - 1];
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	e = &t->v[t->n];
	len = strlen(id) + 1;
	e->id = memcpy(arena_alloc(&t->strings, len), id, len);
	e->loc = loc;
	e->what = what;
	e->name = name;
	s->entry = (uint32_t)++t->n;
	s->hash = h;
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
	cJSON *res = mj_obj(c);

	mj_add_lit(c, res, "Type", type);
	*props = mj_add_obj(c, res, "Properties");
	jtree_add(c->a, c->resources, id, res);
	return res;
}
