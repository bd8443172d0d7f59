/* node.c - the located tree's memory and look-ups. See node.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front/node.h"

struct doc *
doc_new(const char *file)
{
	struct doc *doc = xcalloc(1, sizeof(*doc));

	doc->file = xstrdup(file);
	doc->arena = xcalloc(1, sizeof(*doc->arena));
	return doc;
}

void
doc_free(struct doc *doc)
{
	if (doc == NULL)
		return;
	arena_free_all(doc->arena);
	free(doc->arena);
	free(doc->file);
	free(doc->text);
	free(doc);
}

struct node *
node_new(struct doc *doc, enum node_kind kind, struct loc loc)
{
	struct node *n = arena_alloc(doc->arena, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->loc = loc;
	n->str = "";
	return n;
}

const char *
doc_strndup(struct doc *doc, const char *s, size_t n)
{
	char *p = arena_alloc_bytes(doc->arena, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *
doc_alloc(struct doc *doc, size_t n)
{
	return arena_alloc(doc->arena, n);
}

static void *
array_grow(struct doc *doc, void *old, size_t n, uint32_t *cap, size_t elsize)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return old;
	ncap = *cap ? (size_t)*cap * 2 : 4;
	if (ncap > UINT32_MAX)
		die_oom(SIZE_MAX);
	p = arena_alloc(doc->arena, ncap * elsize);
	if (n)
		memcpy(p, old, n * elsize);
	*cap = (uint32_t)ncap;
	return p;
}

void
node_seq_push(struct doc *doc, struct node *seq, struct node *item)
{
	seq->items = array_grow(doc, seq->items, seq->n, &seq->cap,
	    sizeof(*seq->items));
	seq->items[seq->n++] = item;
}

void
node_map_put(struct doc *doc, struct node *map, struct node *key,
    struct node *value)
{
	map->pairs = array_grow(doc, map->pairs, map->n, &map->cap,
	    sizeof(*map->pairs));
	map->pairs[map->n].key = key;
	map->pairs[map->n].value = value;
	map->n++;
}

const struct node_pair *
node_find(const struct node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != NODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key->str, key) == 0)
			return &map->pairs[i];
	return NULL;
}

const struct node *
node_get(const struct node *map, const char *key)
{
	const struct node_pair *p = node_find(map, key);

	return p ? p->value : NULL;
}

const char *
node_str(const struct node *n)
{
	return n && n->kind == NODE_STRING ? n->str : NULL;
}

int
node_is_scalar(const struct node *n)
{
	return n && n->kind != NODE_SEQ && n->kind != NODE_MAP;
}

const char *
node_kind_name(enum node_kind kind)
{
	switch (kind) {
	case NODE_NULL:
		return "null";
	case NODE_BOOL:
		return "boolean";
	case NODE_INT:
		return "integer";
	case NODE_FLOAT:
		return "number";
	case NODE_STRING:
		return "string";
	case NODE_SEQ:
		return "array";
	case NODE_MAP:
		return "object";
	}
	return "?";
}

static int
is_number(const struct node *n)
{
	return n->kind == NODE_INT || n->kind == NODE_FLOAT;
}

static double
number_value(const struct node *n)
{
	return n->kind == NODE_INT ? (double)n->v.i : n->v.f;
}

int
node_equal(const struct node *a, const struct node *b)
{
	size_t i;
	const struct node *bv;

	if (a == b)
		return 1;
	if (is_number(a) && is_number(b)) {
		if (a->kind == NODE_INT && b->kind == NODE_INT)
			return a->v.i == b->v.i;
		return number_value(a) == number_value(b);
	}
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case NODE_NULL:
		return 1;
	case NODE_BOOL:
		return a->v.b == b->v.b;
	case NODE_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case NODE_SEQ:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++)
			if (!node_equal(a->items[i], b->items[i]))
				return 0;
		return 1;
	case NODE_MAP:
		if (a->n != b->n)
			return 0;
		for (i = 0; i < a->n; i++) {
			bv = node_get(b, a->pairs[i].key->str);
			if (bv == NULL || !node_equal(a->pairs[i].value, bv))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

void
node_path_key(struct buf *b, const char *key)
{
	const char *p;
	int plain = *key != '\0';

	for (p = key; *p; p++)
		if (*p == '.' || *p == '[' || *p == ']' || *p == '"' ||
		    (unsigned char)*p <= ' ')
			plain = 0;
	if (plain)
		buf_printf(b, "%s%s", b->len ? "." : "", key);
	else
		buf_printf(b, "[\"%s\"]", key);
}
