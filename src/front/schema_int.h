/*
 * schema_int.h - what the schema compiler (schema_compile.c) hands to the
 * validator (schema_validate.c): the compiled form of a schema. Private to
 * those two files; callers use schema.h.
 *
 * A schema document compiles to one struct sch per schema object, owned by
 * struct schema (all[]); $ref is resolved to a pointer (sch.ref), so the
 * validator follows pointers and never looks a name up.
 */
#ifndef SPARTAC_SCHEMA_INT_H
#define SPARTAC_SCHEMA_INT_H

#include <stddef.h>

#include "base/diag.h"
#include "front/node.h"
#include "front/schema_regex.h"

/* The instance types a schema admits (sch.types; 0: any). */
enum {
	TY_NULL = 1 << 0,
	TY_BOOL = 1 << 1,
	TY_INT = 1 << 2,
	TY_NUM = 1 << 3,
	TY_STR = 1 << 4,
	TY_ARR = 1 << 5,
	TY_OBJ = 1 << 6,
};

/* Which of the keywords with a value of their own a schema has (sch.has). */
enum {
	HAS_MIN = 1 << 0,
	HAS_MAX = 1 << 1,
	HAS_XMIN = 1 << 2,
	HAS_XMAX = 1 << 3,
	HAS_MULT = 1 << 4,
	HAS_MINLEN = 1 << 5,
	HAS_MAXLEN = 1 << 6,
	HAS_MINITEMS = 1 << 7,
	HAS_MAXITEMS = 1 << 8,
	HAS_MINPROPS = 1 << 9,
	HAS_MAXPROPS = 1 << 10,
	HAS_UNIQUE = 1 << 11,
	HAS_ENUM = 1 << 12,
	HAS_CONST = 1 << 13,
};

struct sch;

struct sch_prop {
	const char *name; /* points into the schema document */
	size_t len;
	struct sch *s;
};

struct sch_pat {
	struct rx *re;
	struct sch *s;
};

struct sch_dep {
	const char *name;
	size_t len;
	const struct node *required; /* array form */
	struct sch *s;               /* schema form */
};

struct sch_list {
	struct sch **v;
	size_t n;
};

struct sch {
	const struct node *src;
	int is_bool, bool_val;
	struct sch *ref;
	unsigned has;
	unsigned types;
	const struct node *enum_v, *const_v;
	double minimum, maximum, xmin, xmax, multiple;
	size_t min_len, max_len, min_items, max_items, min_props, max_props;
	struct rx *pattern;
	const char *pattern_src;
	struct sch_prop *props; /* sorted by name for bsearch */
	size_t nprops;
	const char **prop_names; /* in schema order, for suggestions */
	struct sch_pat *pats;
	size_t npats;
	struct sch *addl_props;
	const struct node *required;
	struct sch *prop_names_s;
	struct sch *items;       /* items as one schema */
	struct sch_list items_v; /* items as an array */
	int items_is_array;
	struct sch *addl_items;
	struct sch *contains;
	struct sch_list all_of, any_of, one_of;
	struct sch *not_s, *if_s, *then_s, *else_s;
	struct sch_dep *deps;
	size_t ndeps;
	const char *title, *description;
};

/* The compiler's lookup tables; see schema_compile.c. */
struct smap_ent;
struct sreg_ent;
struct sref;

struct schema {
	struct doc **docs;
	size_t ndocs;
	struct sch *root;
	struct sch **all;
	size_t nall, capall;
	struct smap_ent *map;
	size_t mapn, mapcap;
	struct sreg_ent *reg;
	size_t nreg, capreg;
	char **strs; /* owned strings: URIs */
	size_t nstrs, capstrs;
	struct sref *refs; /* pending $refs */
	size_t nrefs, caprefs;
	struct diags diags; /* JSON syntax errors of the schema documents */
	char *err;
};

/* Orders properties by name (bytes, then length), for sorting and bsearch. */
int sch_prop_cmp(const void *a, const void *b);

#endif
