/*
 * schema_prune.c - what is left of a manifest once the nodes that failed
 * the schema are taken out, so the later checks can run on the rest and
 * report its errors in the same run.
 *
 * Each schema diagnostic names the path of the node it is about. That node
 * is taken out of its parent (a map entry or a sequence item). Taking out a
 * required member makes its parent fail in turn, so the copy is validated
 * again, silently, and pruned again until it passes. The original tree is
 * left alone: the containers on the way to a pruned node are copied into a
 * document of their own (copy on write), everything else is shared.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "front/schema.h"

#define PRUNE_ROUNDS 8

struct prune {
	struct doc *doc;
	struct node **owned;   /* the copies made in doc */
	size_t nowned, capowned;
	struct node **parent;  /* the containers to take a node out of */
	struct node **child;
	size_t n, cap;
	struct schema_pruned *out;
};

/* n, or its copy in p->doc (made on first use) that may be changed. */
static struct node *
own(struct prune *p, struct node *n)
{
	struct node *c;
	size_t i;

	for (i = 0; i < p->nowned; i++)
		if (p->owned[i] == n)
			return n;
	c = node_new(p->doc, n->kind, n->loc);
	*c = *n;
	if (n->kind == NODE_MAP && n->n) {
		c->pairs = doc_alloc(p->doc, n->n * sizeof(*c->pairs));
		memcpy(c->pairs, n->pairs, n->n * sizeof(*c->pairs));
	} else if (n->kind == NODE_SEQ && n->n) {
		c->items = doc_alloc(p->doc, n->n * sizeof(*c->items));
		memcpy(c->items, n->items, n->n * sizeof(*c->items));
	}
	c->cap = n->n;
	p->owned = xgrow(p->owned, &p->capowned, p->nowned + 1,
	    sizeof(*p->owned));
	p->owned[p->nowned++] = c;
	return c;
}

/*
 * The next segment of a diagnostic path (node_path_key's form: key, .key,
 * ["key"], [N]) from *s: the key (malloc'ed) or, for [N], NULL with *index
 * set. Returns -1 at the end or on a malformed path.
 */
static int
next_segment(const char **s, char **key, size_t *index)
{
	const char *p = *s, *end;
	char *stop;

	if (*p == '.')
		p++;
	if (*p == '\0')
		return -1;
	*key = NULL;
	if (p[0] == '[' && p[1] == '"') {
		if ((end = strstr(p + 2, "\"]")) == NULL)
			return -1;
		*key = xstrndup(p + 2, (size_t)(end - p - 2));
		*s = end + 2;
		return 0;
	}
	if (p[0] == '[') {
		*index = (size_t)strtoul(p + 1, &stop, 10);
		if (stop == p + 1 || *stop != ']')
			return -1;
		*s = stop + 1;
		return 0;
	}
	end = p + strcspn(p, ".[");
	*key = xstrndup(p, (size_t)(end - p));
	*s = end;
	return 0;
}

/* The place of child i in n: its pair's value or its item. */
static struct node **
child_at(struct node *n, const char *key, size_t index)
{
	size_t i;

	if (key != NULL && n->kind == NODE_MAP) {
		for (i = 0; i < n->n; i++)
			if (strcmp(n->pairs[i].key->str, key) == 0)
				return &n->pairs[i].value;
		return NULL;
	}
	if (key == NULL && n->kind == NODE_SEQ && index < n->n)
		return &n->items[index];
	return NULL;
}

/* Is an entry at this depth one that others name (a function, a role, a
 * resource, a route...)? Its name is then recorded. */
static int
named_entry(size_t depth, const char *first, const char *second)
{
	return depth == 2 || (depth == 3 && strcmp(first, "api") == 0 &&
	    strcmp(second, "routes") == 0);
}

/*
 * Records the node at path (under the owned root) to be taken out.
 * Returns -1 when the path names the root or does not resolve.
 */
static int
target(struct prune *p, struct node *root, const char *path)
{
	struct node *cur = root, **at = NULL;
	char *key = NULL, *seg[2] = {NULL, NULL}, *last = NULL;
	const char *start = path, *prev = path;
	size_t index = 0, depth = 0;
	int rc = -1;

	if (path == NULL)
		return -1;
	while (prev = path, next_segment(&path, &key, &index) == 0) {
		if (at != NULL)
			cur = *at = own(p, *at);
		if ((at = child_at(cur, key, index)) == NULL) {
			free(key);
			goto out;
		}
		if (depth < 2)
			seg[depth] = key ? xstrdup(key) : xstrdup("");
		free(last);
		last = key;
		depth++;
	}
	if (at == NULL)
		goto out;
	p->parent = xgrow(p->parent, &p->cap, p->n + 1, sizeof(*p->parent));
	p->child = xrealloc(p->child, p->cap * sizeof(*p->child));
	p->parent[p->n] = cur;
	p->child[p->n++] = *at;
	p->out->parents = xrealloc(p->out->parents,
	    (p->out->nparents + 1) * sizeof(*p->out->parents));
	p->out->parents[p->out->nparents++] = xstrndup(start,
	    (size_t)(prev - start));
	if (last != NULL && named_entry(depth, seg[0], seg[1] ? seg[1] : "")) {
		p->out->names = xrealloc(p->out->names,
		    (p->out->nnames + 1) * sizeof(*p->out->names));
		p->out->names[p->out->nnames++] = last;
		last = NULL;
	}
	rc = 0;
out:
	free(last);
	free(seg[0]);
	free(seg[1]);
	return rc;
}

static void
take_out(struct node *parent, const struct node *child)
{
	size_t i;

	for (i = 0; i < parent->n; i++) {
		if (parent->kind == NODE_MAP && parent->pairs[i].value == child) {
			memmove(&parent->pairs[i], &parent->pairs[i + 1],
			    (parent->n - i - 1) * sizeof(*parent->pairs));
			parent->n--;
			return;
		}
		if (parent->kind == NODE_SEQ && parent->items[i] == child) {
			memmove(&parent->items[i], &parent->items[i + 1],
			    (parent->n - i - 1) * sizeof(*parent->items));
			parent->n--;
			return;
		}
	}
}

/* Takes out the nodes of d->v[first..]; -1 when one cannot be. */
static int
prune_round(struct prune *p, struct node *root, const struct diags *d,
    size_t first)
{
	size_t i;

	p->n = 0;
	for (i = first; i < d->n; i++)
		if (d->v[i].code == DIAG_SCHEMA_LIMIT ||
		    target(p, root, d->v[i].path) < 0)
			return -1;
	for (i = 0; i < p->n; i++)
		take_out(p->parent[i], p->child[i]);
	return 0;
}

int
schema_prune(const struct schema *s, const struct node *root,
    const char *file, const struct diags *d, size_t first,
    struct schema_pruned *out)
{
	struct prune p = {0};
	struct diags scratch = {0};
	struct node *copy;
	int round, rc = -1;

	memset(out, 0, sizeof(*out));
	p.out = out;
	p.doc = doc_new(file);
	copy = own(&p, (struct node *)root);
	if (prune_round(&p, copy, d, first) < 0)
		goto out;
	for (round = 0; round < PRUNE_ROUNDS; round++) {
		if (schema_is_valid(s, copy)) {
			p.doc->root = copy;
			out->doc = p.doc;
			p.doc = NULL;
			rc = 0;
			goto out;
		}
		diags_free(&scratch);
		memset(&scratch, 0, sizeof(scratch));
		schema_validate(s, copy, file, &scratch);
		if (prune_round(&p, copy, &scratch, 0) < 0)
			break;
	}
out:
	diags_free(&scratch);
	doc_free(p.doc);
	free(p.owned);
	free(p.parent);
	free(p.child);
	if (rc < 0)
		schema_pruned_free(out);
	return rc;
}

void
schema_pruned_free(struct schema_pruned *sp)
{
	size_t i;

	for (i = 0; i < sp->nnames; i++)
		free(sp->names[i]);
	free(sp->names);
	for (i = 0; i < sp->nparents; i++)
		free(sp->parents[i]);
	free(sp->parents);
	doc_free(sp->doc);
	memset(sp, 0, sizeof(*sp));
}
