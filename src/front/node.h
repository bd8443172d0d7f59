/*
 * node.h - the located tree: what yaml.c builds and every later stage reads.
 *
 * Every node keeps the file, line and column it came from, so a check three
 * stages later can still point at the manifest. Nodes live in the arena of
 * their struct doc and are freed with it; a YAML alias shares the anchored
 * node, so the tree is a DAG whose expanded size the loader has bounded.
 * Later stages only ever see const nodes.
 */
#ifndef SPARTAC_NODE_H
#define SPARTAC_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

enum node_kind {
	NODE_NULL,
	NODE_BOOL,
	NODE_INT,
	NODE_FLOAT,
	NODE_STRING,
	NODE_SEQ,
	NODE_MAP,
};

struct node;

struct node_pair {
	struct node *key; /* always NODE_STRING */
	struct node *value;
};

/*
 * 56 bytes on LP64, as a manifest of a million nodes must stay within a
 * small multiple of its 4 MiB (docs/decisions.md, "Loading"): counts and
 * lengths are 32-bit (the loader's limits keep them far below), and a
 * collection's items and pairs share their pointer.
 */
struct node {
	struct loc loc;
	/*
	 * Scalars: the text as written (after YAML unescaping), NUL-terminated,
	 * len bytes (a string may contain NUL bytes written as "\0").
	 */
	const char *str;
	union {
		int b;       /* NODE_BOOL */
		long long i; /* NODE_INT */
		double f;    /* NODE_FLOAT */
	} v;
	/* NODE_SEQ: items[n]; NODE_MAP: pairs[n], in document order. */
	union {
		struct node **items;
		struct node_pair *pairs;
	};
	uint32_t n;
	uint32_t cap; /* capacity of items/pairs, for node_seq_push/node_map_put */
	uint32_t len;
	enum node_kind kind : 8;
	/* Set on the maps made from a CloudFormation short-form tag. */
	unsigned from_tag : 1;
};

struct arena;

/* A loaded document: its tree, its text and the memory of both. */
struct doc {
	char *file;   /* the path as given */
	char *text;   /* the whole file, NUL-terminated */
	size_t len;
	struct node *root; /* NULL for an empty document */
	struct arena *arena;
};

/* Node constructors for stages that build trees (tests, JSON input). */
struct node *node_new(struct doc *doc, enum node_kind kind, struct loc loc);
const char *doc_strndup(struct doc *doc, const char *s, size_t n);
/* Memory that lives as long as the doc (16-byte aligned). */
void *doc_alloc(struct doc *doc, size_t n);
void node_seq_push(struct doc *doc, struct node *seq, struct node *item);
void node_map_put(struct doc *doc, struct node *map, struct node *key,
    struct node *value);
struct doc *doc_new(const char *file);
void doc_free(struct doc *doc);

/* Look-ups. All return NULL when absent or when the node has another kind. */
const struct node *node_get(const struct node *map, const char *key);
const struct node_pair *node_find(const struct node *map, const char *key);
const char *node_str(const struct node *n); /* NODE_STRING only */
int node_is_scalar(const struct node *n);
const char *node_kind_name(enum node_kind kind);
/* Structural equality, as JSON Schema's enum/const/uniqueItems define it. */
int node_equal(const struct node *a, const struct node *b);

/*
 * Appends a map key to b as the next step of a path into the tree, as
 * diagnostics print it (functions.hello.role): "key" at the start, ".key"
 * after a step, or ["key"] when the key would not read unambiguously in a
 * dotted path (empty, or holding '.', '[', ']', '"', a space or a control
 * character). The one formatter of manifest paths: the schema validator
 * and the semantic checks both write paths with it.
 */
void node_path_key(struct buf *b, const char *key);

#endif
