/*
 * schema.h - our JSON Schema draft-07 validator over the located tree.
 *
 * schema_load compiles a schema once: $refs are resolved to pointers, regexes
 * are compiled, keyword values are checked; validation then allocates nothing
 * on the success path. Diagnostics name the manifest path in dotted form
 * (functions.hello.events[0]) and point at the offending node's file:line:col.
 *
 * Keywords: every draft-07 validation keyword (type, enum, const, the
 * numeric, string, array and object keywords, allOf/anyOf/oneOf/not,
 * if/then/else, dependencies, boolean schemas) plus $ref and $id. "format"
 * is an annotation only, as draft-07 permits; contentMediaType and
 * contentEncoding are annotations too. $ref resolves JSON pointers ("#",
 * "#/definitions/x", with ~0 ~1 and %-escapes), $id-based URIs and plain-name
 * fragments inside the loaded documents; anything else (a remote URL) is a
 * load error unless that document was given to schema_load_ex.
 *
 * "pattern" and "patternProperties" use our own backtracking matcher for the
 * ECMA-262 subset: literals, ., ^, $, classes [..] [^..] with ranges,
 * \d \D \w \W \s \S \b \B, escapes \t \n \v \f \r \0 \cX \xHH \uHHHH
 * (with surrogate pairs), groups ( ), (?: ), named groups (?<n> ),
 * lookahead (?= ) (?! ), alternation, and the quantifiers * + ? {n} {n,}
 * {n,m} with lazy forms. Matching works on code points of the UTF-8 string.
 * Backreferences, lookbehind, \p{..} and \u{..} are refused at load time. A
 * match that takes more than SCHEMA_RX_STEPS steps is reported as
 * E-SCHEMA-LIMIT instead of running on.
 *
 * The parts: schema_compile.c (schema_load), schema_validate.c
 * (schema_validate), schema_regex.c (the matcher); schema_int.h is the
 * compiled form they share.
 */
#ifndef SPARTAC_SCHEMA_H
#define SPARTAC_SCHEMA_H

#include <stddef.h>

#include "base/diag.h"
#include "front/node.h"

#define SCHEMA_RX_STEPS 1000000
/*
 * Bounds on one validation: nested schema applications (stops $ref/allOf
 * loops) and schema checks in all (stops anyOf/oneOf over recursive
 * branches from going exponential). Past either, validation stops with one
 * E-SCHEMA-LIMIT.
 */
#define SCHEMA_MAX_DEPTH 512
#define SCHEMA_MAX_STEPS 10000000

struct schema;

/* An extra document $refs may name by URI (used by the suite's remotes). */
struct schema_doc {
	const char *uri;
	const char *text;
	size_t len;
};

/*
 * Compiles the schema in json_text. On failure returns NULL and sets *err to
 * a message the caller frees (free(3)) naming the line and column in the
 * schema text.
 */
struct schema *schema_load(const char *json_text, size_t len, char **err);
struct schema *schema_load_ex(const char *json_text, size_t len,
    const struct schema_doc *docs, size_t ndocs, char **err);
void schema_free(struct schema *s);

/*
 * Validates instance (NULL stands for an empty document, i.e. null at
 * file:1:1) and adds one diagnostic per problem to d. Returns the number of
 * errors found.
 */
size_t schema_validate(const struct schema *s, const struct node *instance,
    const char *file, struct diags *d);

/* 1 when instance is valid, else 0; stops at the first problem. */
int schema_is_valid(const struct schema *s, const struct node *instance);

/* What is left of a tree once the nodes that failed the schema are out. */
struct schema_pruned {
	struct doc *doc;  /* its root passes the schema; shares the rest */
	char **names;     /* the keys of pruned named entries (functions.X,
			   * resources.X, api.routes.X, ...): what refers to
			   * them now fails only because they failed */
	size_t nnames;
	char **parents;   /* the paths of the pruned nodes' parents: a check
			   * of the parent as a whole may miss the node */
	size_t nparents;
};

/*
 * Takes the nodes that the schema diagnostics d->v[first..] name (by their
 * path) out of a copy of root, then, validating the copy again silently,
 * the parents that fail without them, until the copy passes the schema, so
 * the later checks can run on the independent rest (schema_prune.c).
 * root is not changed. Returns 0, or -1 (out empty) when the root itself
 * would go or a path does not resolve. Free out with schema_pruned_free.
 */
int schema_prune(const struct schema *s, const struct node *root,
    const char *file, const struct diags *d, size_t first,
    struct schema_pruned *out);
void schema_pruned_free(struct schema_pruned *sp);

#endif
