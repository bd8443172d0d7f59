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

/* One distinct value referred to: (target, attribute). */
struct skey {
	size_t target;
	const char *attr;
	size_t attrlen;
	uint64_t hash;
	const char *out;   /* its output's name in the target's child, or NULL */
	const char *param; /* its parameter's name in the child being wired */
	size_t stamp;      /* the child param was made for */
	int rroot;         /* named from the root (or a pinned function) */
	size_t rlo, rhi;   /* the places in order of the functions naming it */
};

/* One resource of the unsplit template. */
struct sres {
	cJSON *item;
	const char *type;
	int depends;    /* it has a DependsOn */
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
	struct mid_table paramnames; /* its parameters */
	struct mid_table outnames;   /* its outputs */
};

/*
 * The references are marshal_xref.c's list (refs is c->xrefs.v), their
 * targets renumbered: a resource (its index, below nres), a parameter of
 * the root (nres + its index in c->ids) or the pseudo parameter
 * AWS::StackName (nres + c->ids.n) or AWS::StackId (one more), which the
 * children take from the root; SPLIT_NONE for a name of neither, and for a
 * GetAtt of a computed attribute (an order only: the split leaves it be).
 */
struct split {
	struct mctx *c;
	const struct manifest *m;
	struct arena *a;
	struct diags *d;
	int errors;
	size_t max_resources;
	cJSON *tpl, *resources, *parameters, *outputs, *conditions, *mappings;
	size_t nres, nids;
	struct sres *res;
	int long_ids;          /* a resource's ID is over MARSHAL_LOGICAL_ID_MAX */
	unsigned char *is_param; /* per c->ids entry */
	struct mxref *refs;    /* c->xrefs.v, again after it grows */
	size_t nrefs;
	size_t out0, out1;     /* the root outputs' references */
	struct skey *keys;
	size_t nkeys, capkeys;
	uint32_t *keyslots;    /* 1 + a key's index, by its hash; 0: empty */
	size_t nkeyslots, nattrkeys; /* the keys with an attribute */
	size_t *ref_key;       /* per target: 1 + its Ref's key, or 0 */
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
	struct buf scratch; /* a Sub string being rewritten */
};

/* The target named id (idlen bytes), or SPLIT_NONE. */
size_t split_lookup(const struct split *s, const char *id, size_t idlen);
/* A target's logical ID. */
const char *split_target_id(const struct split *s, size_t t);
/* The key of (target, attr), made when make is set; else SPLIT_NONE when
 * nothing names it. */
size_t split_key(struct split *s, size_t target, const char *attr,
    size_t attrlen, int make);
/* The leaf of target (a resource or a parameter: SPLIT_NONE). */
size_t split_leaf_of(const struct split *s, size_t target);
/* Renumbers the targets of the references c->xrefs.v[j0, j1) and gives
 * them their keys (made when make is set). */
void split_refs_convert(struct split *s, size_t j0, size_t j1, int make);

/* Builds the children's templates and rewires the root (wire.c). */
void split_wire(struct split *s);
/* Prints the children and checks every template against the limits. */
int split_finish(struct split *s, struct marshal_split *out);

#endif
