/*
 * manifest_int.h - what the files of the manifest stage share; not for
 * callers (they include manifest.h).
 *
 *   manifest.c              the model: memory, defaults, indexes, the driver
 *   manifest_stage.c        the stage merge and the per-stage passes
 *   manifest_check_names.c  names, logical IDs and C symbols
 *   manifest_check_refs.c   roles, ARNs, function references and events
 *   manifest_check_routes.c API routes: functions, methods, paths, clashes
 *   manifest_api.c          the API's authorizers, keys, plans, models, CORS
 *   manifest_check_api.c    their checks (and the API kind's rules)
 *   manifest_check_paths.c  file paths that must stay inside the project
 *
 * The model is built from a tree the schema has already checked, but every
 * access tolerates a wrong shape (a missing key or another kind of node
 * reads as absent), so a bad tree gives diagnostics, never a crash.
 */
#ifndef SPARTAC_MANIFEST_INT_H
#define SPARTAC_MANIFEST_INT_H

#include <stddef.h>

#include "base/util.h"
#include "front/manifest.h"

/* The model's memory: one arena for the model, freed with it. */
struct manifest_impl {
	struct arena arena;
	struct doc *merged; /* nodes made by the stage merge, or NULL */
};

/* One pass of checks over one model. */
struct mf_ctx {
	struct manifest *m;
	struct diags *d;
	struct buf path; /* the manifest path of the current diagnostic */
};

/* ---- manifest.c ---- */

/* Zeroed memory for nmemb elements, owned by m; NULL when nmemb is 0. */
void *mf_alloc(struct manifest *m, size_t nmemb, size_t size);
char *mf_strdup(struct manifest *m, const char *s, size_t n);

/*
 * The path of the current diagnostic, in c->path and good until the next
 * call: head, then the step of key (node_path_key) unless key is NULL, then
 * the printf text of tail unless tail is NULL ("functions", "hello",
 * ".layers[%zu]", 0 gives functions.hello.layers[0]).
 */
const char *mf_path(struct mf_ctx *c, const char *head, const char *key,
    const char *tail, ...) PRINTF_LIKE(4, 5);
/* Appends one more key to c->path; returns the whole path. */
const char *mf_path_key(struct mf_ctx *c, const char *key);

/* " (did you mean 'x'?)" or "", in a static buffer good until the next call. */
/* Names of a map's keys, in order, for "did you mean" (caller frees). */
const char **mf_map_keys(const struct node *map, size_t *n);
int mf_cmp_str(const void *a, const void *b); /* qsort of const char * */
/* Are the n bytes of s ASCII letters, digits or bytes of extra? */
int mf_all_chars(const char *s, size_t n, const char *extra);
/* A one-key map Ref, Condition or Fn::*. */
int mf_is_intrinsic(const struct node *n);
/* The HTTP method named by the n bytes at s (enum manifest_http_method,
 * upper case as written in a route key), or -1. */
int mf_method_find(const char *s, size_t n);

/* strlist_from and values_from, for the other model files: a sequence
 * of strings (or def at defloc when absent; def NULL: empty), and a value
 * or sequence of values that may be intrinsics. */
void mf_strlist_from(struct manifest *m, struct manifest_strlist *l,
    const struct node *seq, const char *def, struct loc defloc);
void mf_values_from(struct manifest *m, struct manifest_values *vals,
    const struct node *n);

/* ---- manifest_api.c: the API's model beyond its routes' basics ---- */

/* CORS from node (true, false, a map or NULL), defaults filled in. */
void mf_cors_from(struct manifest *m, struct manifest_cors *cors,
    const struct node *node, struct loc defloc);
/* Authorizers, keys, usage plans, throttle, access log, models, domain. */
void mf_build_api_extras(struct manifest *m, struct manifest_api *api,
    const struct node *a);
/* A route's auth, api_key, request and cors (names resolved later, by
 * mf_check_api). */
void mf_build_route_extras(struct manifest *m, struct manifest_api *api,
    struct manifest_route *r, const struct node *v);

/* Fills the model from root, then runs every check on it. */
void mf_build_model(struct mf_ctx *c, const struct node *root);

/* ---- manifest_stage.c ---- */

/* root with the overrides over deep-merged; new nodes are m's. */
const struct node *mf_merge(struct manifest *m, const struct node *root,
    const struct node *over);
/* fn's settings over defaults: (the function's own value wins). */
const struct node *mf_apply_defaults(struct manifest *m,
    const struct node *defaults, const struct node *fn);
void mf_check_stage_overrides(struct mf_ctx *c, const struct node *root);
void mf_check_each_stage(const struct node *root, struct diags *d);

/* ---- the checks, in the order mf_build_model runs them ---- */

void mf_check_names(struct mf_ctx *c, const struct node *root);
void mf_check_symbols(struct mf_ctx *c);
/* Resolves each function's role, which mf_check_roles then counts. */
void mf_check_functions(struct mf_ctx *c, const struct node *root);
void mf_check_roles(struct mf_ctx *c);
void mf_check_routes(struct mf_ctx *c, const struct node *root);
/* manifest_check_api.c: authorizers, auth, keys, models, CORS, and what
 * an HTTP API does not have; resolves the names routes use. */
void mf_check_api(struct mf_ctx *c, const struct node *root);
void mf_check_paths(struct mf_ctx *c);

/* ---- tree access that tolerates wrong shapes ---- */

static inline const struct node *
get_map(const struct node *map, const char *key)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_MAP ? n : NULL;
}

static inline const char *
get_str(const struct node *map, const char *key)
{
	return node_str(node_get(map, key));
}

static inline long
get_long(const struct node *map, const char *key, long def)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_INT ? (long)n->v.i : def;
}

static inline int
get_bool(const struct node *map, const char *key, int def)
{
	const struct node *n = node_get(map, key);

	return n && n->kind == NODE_BOOL ? n->v.b : def;
}

static inline struct loc
loc_of(const struct node *n, struct loc def)
{
	return n ? n->loc : def;
}

#endif
