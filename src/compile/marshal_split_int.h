/*
 * marshal_split_int.h - what marshal_split.c (who goes where) and
 * marshal_split_wire.c (the templates and their plumbing) share.
 *
 * Not a public header: other stages include marshal.h.
 */
#ifndef SPARTAC_MARSHAL_SPLIT_INT_H
#define SPARTAC_MARSHAL_SPLIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "compile/marshal_int.h"

#define SPLIT_NONE ((size_t)-1)

/* One reference a resource makes: Ref, GetAtt, ${} of Sub, DependsOn. */
struct sref {
	size_t target;    /* index in the names table */
	const char *attr; /* "" for Ref, the attribute for GetAtt; NULL: DependsOn */
	size_t key;       /* the value's key (SPLIT_NONE for DependsOn) */
};

/* One distinct value referred to: (target, attribute). */
struct skey {
	size_t target;
	const char *attr;
	const char *out;   /* its output's name in the target's child, or NULL */
	const char *param; /* its parameter's name in the child being wired */
	size_t stamp;      /* the child param was made for */
	int rroot;         /* named from the root (or a pinned function) */
	size_t rlo, rhi;   /* the places in order of the functions naming it */
};

/* One resource of the unsplit template. */
struct sres {
	cJSON *item;
	int raw;        /* the manifest's own resources: entry */
	size_t owner;   /* the function it goes with, or SPLIT_NONE (root) */
	size_t leaf;    /* its child, or SPLIT_NONE (root) */
	size_t ref0, nref; /* its references, refs[ref0..] */
	size_t in0, nin;   /* the keys naming it, in[in0..] */
	size_t len;     /* printed length as a Resources entry */
};

/* One child: the functions order[lo, hi), whose hashes start with bits. */
struct sleaf {
	size_t lo, hi;
	int depth;
	uint64_t bits;
	char *id;       /* its logical ID in the root (arena) */
	cJSON *tpl, *params, *resources, *outputs, *conditions, *mappings;
	cJSON *stack;   /* its AWS::CloudFormation::Stack in the root */
	cJSON *stack_params, *stack_deps;
	struct mid_table names;    /* its parameters and resources */
	struct mid_table outnames; /* its outputs */
};

struct split {
	const struct manifest *m;
	struct arena *a;
	struct diags *d;
	int errors;
	size_t max_resources;
	cJSON *tpl, *resources, *parameters, *outputs, *conditions, *mappings;
	struct mid_table names; /* resources [0, nres), then parameters */
	size_t nres, nnames;
	struct sres *res;
	struct sref *refs;
	size_t nrefs, caprefs;
	struct skey *keys;
	size_t nkeys, capkeys;
	struct mid_table keyids;
	size_t *in;            /* key indexes grouped by target resource */
	uint64_t *hash;        /* per function */
	size_t *pos;           /* per function: place in order, or SPLIT_NONE */
	size_t *order, norder; /* the functions to split, by hash */
	size_t *fres0, *fres;  /* per function: its resources (CSR by pos) */
	size_t *cum_res, *cum_len; /* prefix sums over order */
	size_t *stamp, gen;    /* marks, per key */
	struct sleaf *leaves;
	size_t nleaves, capleaves;
	struct buf note; /* the unsplit template's counts, for N-TEMPLATE-SPLIT */
};

/* The names table's index of id, or SPLIT_NONE. */
size_t split_lookup(const struct split *s, const char *id);
/*
 * The name in "${...}" of a Sub string, from p to end: 0 when vars (the
 * Sub's own variables, or NULL) defines it; else 1, with the ID's length
 * and the attribute after its first dot ("" without one).
 */
int split_sub_name(const char *p, const char *end, const cJSON *vars,
    size_t *idlen, const char **attr, size_t *attrlen);
/* The leaf of target (a resource or a parameter: SPLIT_NONE). */
size_t split_leaf_of(const struct split *s, size_t target);

/* Builds the children's templates and rewires the root (wire.c). */
void split_wire(struct split *s);
/* Prints the children and checks every template against the limits. */
int split_finish(struct split *s, struct marshal_split *out);

#endif
