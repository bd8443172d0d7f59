/*
 * jtree.h - cJSON trees whose nodes and strings live in an arena.
 *
 * The template compiler builds a tree of some hundred thousand nodes and
 * frees it at once; one malloc and one free per node and per string was a
 * third of a build. These constructors take every node and every copied
 * string from the arena given; the tree is read with cJSON's own functions
 * (and printed by marshal.c), and freed with arena_free_all, never with
 * cJSON_Delete. Nothing that frees or replaces items (cJSON_Delete,
 * cJSON_Replace*, cJSON_AddItemToObject, cJSON_Add*ToObject) may be used on
 * such a tree: members are added with jtree_add and jtree_add_lit.
 */
#ifndef SPARTAC_JTREE_H
#define SPARTAC_JTREE_H

#include <cjson/cJSON.h>

#include "base/util.h"

cJSON *jtree_object(struct arena *a);
cJSON *jtree_array(struct arena *a);
/* A string, copied into the arena. */
cJSON *jtree_string(struct arena *a, const char *s);
/* A string kept by reference: a literal, or text that outlives the arena. */
cJSON *jtree_string_ref(struct arena *a, const char *s);
cJSON *jtree_number(struct arena *a, double v);
/* JSON text printed as is (cJSON_Raw), copied into the arena. */
cJSON *jtree_raw(struct arena *a, const char *text);
cJSON *jtree_bool(struct arena *a, int b);
cJSON *jtree_null(struct arena *a);
/* s copied into the arena. */
char *jtree_strdup(struct arena *a, const char *s);

/* Appends v to the array or object o (an object member keeps its key). */
void jtree_push(cJSON *o, cJSON *v);
/* Adds member key (copied into the arena) to o; returns v. */
cJSON *jtree_add(struct arena *a, cJSON *o, const char *key, cJSON *v);
/*
 * Adds member key, a string literal (kept, and marked cJSON_StringIsConst,
 * which the printer takes to mean "needs no escaping"); returns v.
 */
cJSON *jtree_add_lit(cJSON *o, const char *key, cJSON *v);
/* Puts v in the place of old, a member of o (old is left to the arena). */
void jtree_replace(cJSON *o, cJSON *old, cJSON *v);

#endif
