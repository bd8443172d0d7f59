/*
 * marshal_int.h - what the marshal_*.c files share: the context of one
 * marshalling, the logical-ID registry and the cJSON helpers.
 *
 * Not a public header: other stages include marshal.h.
 */
#ifndef SPARTAC_MARSHAL_INT_H
#define SPARTAC_MARSHAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/jtree.h"
#include "front/manifest.h"
#include "compile/marshal.h"

/* ---- logical IDs (marshal_id.c) ---- */

/* One claimed logical ID and who claimed it, for collision messages. */
struct mid_entry {
	char *id;
	struct loc loc;
	const char *what; /* "the log group of function '%s'" (a literal) */
	const char *name; /* its argument, owned by the model; or NULL */
};

/* The claimed IDs, in claim order, with an open-addressing index (the
 * template can hold tens of thousands of resources, so a linear cJSON
 * look-up is too slow). The index holds 1 + a position in v, so it stays
 * small: at 1,000 functions a table of whole entries was 400 page faults. */
/* A slot holds its entry's hash, so a probe compares strings only when
 * the hashes agree and touches the entries only then. */
struct mid_slot {
	uint32_t entry; /* 1 + the index in v, 0 when empty */
	uint32_t hash;
};

struct mid_table {
	struct mid_entry *v;
	size_t n, cap;
	struct mid_slot *slots; /* entry 0: empty */
	size_t nslots;
	struct arena strings; /* the entries' IDs, freed together */
};

void mid_table_free(struct mid_table *t);
/* The entry for id, or NULL. */
const struct mid_entry *mid_table_get(const struct mid_table *t,
    const char *id);
/* Adds id; returns the earlier entry when id was taken (nothing is added). */
const struct mid_entry *mid_table_put(struct mid_table *t, const char *id,
    struct loc loc, const char *what, const char *name);

/* The path part of an API logical ID: "/items/{id}" -> "ItemsId", "/" -> "". */
char *mid_path(const char *path);
/* "GET" -> "Get", "ANY" -> "Any". */
const char *mid_method(const char *method_name);

/* ---- role accumulators (marshal_iam.c) ---- */

/* What one generated role must allow, gathered while functions marshal. */
struct mrole {
	const struct manifest_role *role;     /* NULL: a per-function role */
	const struct manifest_function *fn;   /* the function of a per-function role */
	char *id;
	struct loc loc;
	size_t nfunctions;
	cJSON *logs;       /* log group ARNs (the lists below are made unique when emitted) */
	cJSON *sqs;        /* queues read by event source mappings */
	cJSON *kinesis;    /* streams read */
	cJSON *dynamodb;   /* table streams read */
	cJSON *dlq_sqs;    /* dead-letter queues */
	cJSON *dlq_sns;    /* dead-letter topics */
	cJSON *eni;        /* subnets and security groups of VPC functions */
	cJSON *buckets;    /* IDs of buckets whose s3 events invoke its functions */
	/* destinations: stream on-failure, async on-success/on-failure */
	cJSON *dest_sqs, *dest_sns, *dest_lambda, *dest_events;
	int xray;
	int vpc;
};

/* ---- the template's references (marshal_xref.c) ---- */

enum mxref_kind {
	MXREF_REF,     /* {"Ref": id} */
	MXREF_GETATT,  /* {"Fn::GetAtt": [id, attr]} or "id.attr" */
	MXREF_SUB,     /* a ${id} or ${id.attr} of {"Fn::Sub": ...} */
	MXREF_DEPENDS, /* an entry of DependsOn */
	MXREF_ORDER    /* a GetAtt whose attribute is not a string: an edge only */
};

/* Targets that are not claimed IDs: the pseudo parameters a child of a
 * split template takes from the root (its discovery and log group names). */
#define MXREF_NONE UINT32_MAX
#define MXREF_STACK_NAME (UINT32_MAX - 1)
#define MXREF_STACK_ID (UINT32_MAX - 2)

struct mxref {
	cJSON *node;      /* the intrinsic's object; NULL for DependsOn */
	const char *name; /* the logical ID named, where the template has it */
	const char *attr; /* attrlen bytes: GetAtt's attribute, a Sub's after
	                   * the dot (else its "}"); "" for Ref; NULL: DependsOn */
	size_t target;    /* its index in c->ids, or MXREF_STACK_*; the split
	                   * renumbers them (marshal_split_int.h) */
	size_t key;       /* the split's key of (target, attr) */
	uint32_t attrlen;
	unsigned char kind;
	unsigned char props; /* under the resource's Properties */
};

/*
 * The references in template order: resource i's are v[first[i]] to
 * v[first[i + 1] - 1] (res[i] is its entry); the split appends those of
 * the root's outputs and conditions. at[k] is 1 + the resource index of
 * c->ids.v[k], 0 for a parameter.
 */
struct mxrefs {
	struct mxref *v;
	size_t n, cap;
	size_t *first;
	cJSON **res;
	size_t nres;
	size_t *at;
};

/* ---- the context ---- */

struct mref_types;

struct mctx {
	const struct manifest *m;
	struct arena *a;   /* the template's nodes and strings */
	struct diags *d;
	int errors;
	struct mid_table ids;        /* parameters and resources */
	struct mid_table output_ids; /* outputs */
	cJSON *parameters; /* generated, merged and sorted at the end */
	cJSON *mappings;   /* the manifest's own, sorted */
	cJSON *conditions;
	cJSON *resources;
	cJSON *outputs;
	cJSON *raw_resources; /* the manifest's resources:, until merged */
	cJSON *s3_pending;    /* bucket ID -> notifications to add to it */
	cJSON *s3x_buckets;   /* ARNs of existing buckets with s3 events */
	struct loc s3x_loc;   /* the first such event */
	cJSON *s3x_last;      /* bucket name -> its last notification's ID */
	struct mrole *roles;   /* [i] for m->roles[i] (NULL id: an ARN role) */
	struct mrole *fnroles; /* [i] for m->functions[i] when generated */
	struct mref_types *types; /* marshal_refs.c: ID -> Type, on first use */
	char **function_ids;      /* the functions' logical IDs, sorted, on first use */
	struct mxrefs xrefs;      /* marshal_xref.c: filled by the cycle check */
	size_t *entry_len;        /* the split's: each resource's printed length */
	/* marshal_api_auth.c: each function's first REST route with CORS */
	const struct manifest_route **cors_routes;
};

/* Adds a diagnostic and counts it when it is an error. */
void mctx_diag(struct mctx *c, enum diag_code code, struct loc loc,
    const char *path, const char *fmt, ...) PRINTF_LIKE(5, 6);

/*
 * what describes the claimant for a clash message: a string literal with
 * at most one %s, which name (kept, not copied) fills in.
 *
 * Claims a generated logical ID and adds {"Type": type, "Properties": {}} to
 * the resources (type is a literal, kept). Returns the resource object; *props gets its Properties.
 * A clash with an earlier generated ID is an error at loc.
 */
cJSON *mres_add(struct mctx *c, const char *id, const char *type,
    struct loc loc, const char *what, const char *name, cJSON **props);
/* The same for an ID claimed earlier with mid_claim. */
cJSON *mres_put(struct mctx *c, const char *id, const char *type, cJSON **props);
/*
 * Claims a Parameter or Resource ID (one namespace in CloudFormation), or
 * an Output ID (a namespace of its own); a clash is an error at loc.
 */
int mid_claim(struct mctx *c, const char *id, struct loc loc, const char *what,
    const char *name);
int mid_claim_output(struct mctx *c, const char *id, struct loc loc,
    const char *what, const char *name);
int mid_claim_in(struct mctx *c, struct mid_table *t, const char *id,
    struct loc loc, const char *what, const char *name);

/* ---- template nodes (marshal.c) ---- */

/*
 * The template is a cJSON tree in the arena c->a (base/jtree.h): nodes and
 * copied strings are freed together by marshal_template's caller. A string
 * that outlives the template -- a string literal, or a string of the model
 * or its document, which the template is freed before (marshal.h) -- goes
 * in by reference (mj_lit), without a copy.
 *
 * Members with a string-literal key: the key is kept, not copied (mj_add);
 * other keys go through jtree_add, which copies them.
 */
static inline cJSON *
mj_add(cJSON *o, const char *key, cJSON *v)
{
	return jtree_add_lit(o, key, v);
}
#define mj_obj(c) jtree_object((c)->a)
#define mj_arr(c) jtree_array((c)->a)
#define mj_str(c, s) jtree_string((c)->a, (s))
#define mj_lit(c, s) jtree_string_ref((c)->a, (s))
#define mj_add_str(c, o, k, s) mj_add((o), (k), mj_str((c), (s)))
#define mj_add_lit(c, o, k, s) mj_add((o), (k), mj_lit((c), (s)))
#define mj_add_obj(c, o, k) mj_add((o), (k), mj_obj(c))
#define mj_add_arr(c, o, k) mj_add((o), (k), mj_arr(c))
#define mj_add_num(c, o, k, n) mj_add((o), (k), jtree_number((c)->a, (n)))
#define mj_add_bool(c, o, k, b) mj_add((o), (k), jtree_bool((c)->a, (b)))

/* A string member made of s (malloc'ed), which it frees. */
cJSON *mj_take(struct mctx *c, char *s);

/*
 * Concatenates its arguments up to a NULL (malloc'ed). The hot paths build
 * tens of thousands of IDs; printf-style formatting was a tenth of the
 * marshaller's time.
 */
char *mstr(const char *first, ...);
/* {"Fn::Sub": the concatenation of the arguments up to a NULL}. */
cJSON *mj_subs(struct mctx *c, const char *first, ...);

/* {"Ref": id}; id is a literal or the model's (kept, not copied). */
cJSON *mj_ref(struct mctx *c, const char *id);
/* {"Ref": id}, taking id (malloc'ed). */
cJSON *mj_ref_take(struct mctx *c, char *id);
/* {"Fn::GetAtt": [id, attr]}; attr is a literal (kept, not copied). */
cJSON *mj_getatt(struct mctx *c, const char *id, const char *attr);
/* {"Fn::Sub": printf(fmt, ...)}: write ${AWS::Region} etc. in fmt as is. */
cJSON *mj_sub(struct mctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
/*
 * An ARN or name that may be a literal or an intrinsic, put into a
 * template string: {"Fn::Sub": fmt} when v is a literal (written in place of
 * "${V}" with any "${" escaped), else {"Fn::Sub": [fmt, {"V": v}]}.
 */
cJSON *mj_sub_value(struct mctx *c, const char *fmt, const struct node *v);
/* The node as template JSON (a string, or an intrinsic map). */
cJSON *mj_node(struct mctx *c, const struct node *n);
/* An environment value: scalars become strings, intrinsics stay maps. */
cJSON *mj_env_value(struct mctx *c, const struct node *n);
/* A string array of literals or the model's strings (kept, not copied). */
cJSON *mj_strings(struct mctx *c, const char *const *v, size_t n);
/* Appends an item to arr, creating arr on first use. */
void mj_array_push(struct mctx *c, cJSON **arr, cJSON *v);
/*
 * Drops each item from position start on that equals (cJSON_Compare) an
 * item before it, keeping the order: what appending each item "unless an
 * equal one is there" gives, found by sorting on a hash of the values
 * rather than comparing every pair (n log n; pairs were n^2).
 */
void mj_array_dedupe(cJSON *arr, size_t start);
/* Tags as [{"Key": k, "Value": v}, ...] in manifest order, or NULL. */
cJSON *mj_tags(struct mctx *c, const struct manifest_kvs *tags);
/* Sorts an object's members by key (strcmp), stably. */
void mj_object_sort(cJSON *obj);

/*
 * Which service an ARN-valued node belongs to: "sqs", "sns", ... for a
 * literal ARN, for Fn::GetAtt/Ref of a raw resource (by its Type) and for
 * Fn::Sub strings that spell arn:...:SERVICE:...; NULL when unknown.
 */
const char *mj_arn_service(struct mctx *c, const struct node *n);
/*
 * Whether id is <Name>Function of one of the manifest's functions: a
 * bisection in the sorted function IDs, listed on first use.
 */
int marshal_is_function_id(struct mctx *c, const char *id);
/* Frees the function ID index mj_arn_service builds on first use. */
void marshal_function_ids_free(struct mctx *c);

/* ---- the areas ---- */

int marshal_iam_prepare(struct mctx *c);
/* The per-function or shared accumulator of f, or NULL for an ARN role. */
struct mrole *marshal_iam_role_of(struct mctx *c, size_t fi);
/* The value of f's Role property. */
cJSON *marshal_iam_role_arn(struct mctx *c, size_t fi);
void marshal_iam_emit(struct mctx *c);
/*
 * Records that r's functions send to destination n: SQS, SNS, Lambda or
 * EventBridge as its ARN or resource type says; when that cannot be told,
 * each service of the space-separated list may (still only to that ARN).
 */
void marshal_iam_destination(struct mctx *c, struct mrole *r,
    const struct node *n, const char *services);
void marshal_iam_free(struct mctx *c);
/* A role's AssumeRolePolicyDocument (Lambda) and its inline policy. */
void marshal_iam_trust_add(struct mctx *c, cJSON *props);
void marshal_iam_policy_add(struct mctx *c, cJSON *props, cJSON *stmts);
/* Runtime, Handler, Architectures and Code (the service's code zip) of a
 * function of the bootstrap (marshal_lambda.c). */
void marshal_lambda_code_add(struct mctx *c, cJSON *props, const char *handler);

void marshal_lambda(struct mctx *c);
/* Sets ServiceToken on the Custom::NAME resources under resources:. */
void marshal_custom_apply(struct mctx *c);
/* 1 when type is Custom::NAME and custom_resources: has NAME. */
int marshal_custom_served(const struct mctx *c, const char *type);
void marshal_events(struct mctx *c);
void marshal_events_s3_apply(struct mctx *c);
/* s3 events on existing buckets (marshal_s3x.c): one event's resources,
 * then the built-in function that serves them. */
void marshal_s3x_event(struct mctx *c, const struct manifest_event *e,
    const char *prefix, const char *fid, const char *fname);
void marshal_s3x_provider(struct mctx *c);
void marshal_api(struct mctx *c);
/* marshal_lambda.c calls it: the SPARTA_CORS_* variables of a function
 * serving REST routes with CORS on (marshal_api_auth.c). */
void marshal_api_cors_env(struct mctx *c, const struct manifest_function *f,
    cJSON *vars);

/* ---- the API's parts (marshal_api_*.c) ---- */

/* marshal_api_http.c: all of an HTTP API; served[i] for functions[i]. */
void marshal_api_http(struct mctx *c, const unsigned char *served);
/* marshal_api_rest.c */
void mapi_rest_authorizers(struct mctx *c, const struct manifest_api *api);
void mapi_rest_method(struct mctx *c, const struct manifest_route *r,
    cJSON *props);
void mapi_rest_models(struct mctx *c, const struct manifest_api *api);
void mapi_rest_keys(struct mctx *c, const struct manifest_api *api);
void mapi_rest_stage(struct mctx *c, const struct manifest_api *api,
    cJSON *props);
void mapi_domain(struct mctx *c, const struct manifest_api *api);
/* marshal_api_auth.c */
cJSON *mapi_identity(struct mctx *c, const struct manifest_authorizer *z,
    enum manifest_api_kind kind);
cJSON *mapi_lambda_uri(struct mctx *c, const struct manifest_function *f);
/* API Gateway's permission to invoke f from source_arn (taken). */
void mapi_permission(struct mctx *c, const char *id,
    const struct manifest_function *f, struct loc loc, const char *what,
    const char *name, cJSON *source_arn);
/* zid's Lambda permission, SourceArn the authorizer's ARN. */
void mapi_authorizer_permission(struct mctx *c,
    const struct manifest_authorizer *z, const char *zid);
/* The log group ApiAccessLogs; returns the stage's access-log settings. */
cJSON *mapi_access_log(struct mctx *c, const struct manifest_api *api);
/* The origins comma-joined: a string, or Fn::Join with intrinsics. */
cJSON *mapi_cors_origins(struct mctx *c, const struct manifest_cors *cors);
void marshal_site(struct mctx *c);
/*
 * Whether condition own (NULL: always true) can hold while condition dep
 * does not; 0 when it cannot or when that cannot be told (marshal_conds.c).
 */
int mcond_may_lack(struct mctx *c, const char *own, const char *dep);
/* The raw resources' types: known (else a warning), required properties given. */
void marshal_types_check(struct mctx *c);
/* After every ID is claimed: the manifest's references must all resolve. */
void marshal_refs_check(struct mctx *c);
/* marshal_vars.c: spartac's variables replaced in the template. */
void marshal_vars_apply(struct mctx *c);
/* 1 when name is in spartac's namespace ("spartac:..."). */
int marshal_var_is_ours(const char *name);
/* The variable name is closest to, or NULL. */
const char *marshal_var_suggest(const char *name);
/*
 * The first node under n that names id: a string that is id (depends_on,
 * bucket:) or id.Attr (GetAtt), a Sub string with ${id}; an intrinsic
 * written as a tag (!Ref id) is reported at its tag. NULL when none does.
 */
const struct node *mnode_naming(const struct node *n, const char *id);

/* ---- the template's references: collected, checked for cycles, split ---- */

/* The target name (n bytes) names: an index in c->ids, MXREF_STACK_NAME,
 * MXREF_STACK_ID, or MXREF_NONE. */
uint32_t mxref_target(const struct mctx *c, const char *name, size_t n);
/* Records the references under v (props: it is a resource's Properties). */
void mxref_value(struct mctx *c, struct mxrefs *r, cJSON *v, int props);
/* Records the references of one Resources entry, DependsOn included. */
void mxref_resource(struct mctx *c, struct mxrefs *r, cJSON *res);
/*
 * The name in "${...}" of a Sub string, from p to end: 0 when vars (the
 * Sub's own variables, or NULL) defines it; else 1, with the ID's length
 * and the attribute after its first dot (without one: end, length 0).
 */
int mxref_sub_name(const char *p, const char *end, const cJSON *vars,
    size_t *idlen, const char **attr, size_t *attrlen);
void mxrefs_free(struct mxrefs *r);

/*
 * The whole template's resources must not depend on each other in a
 * cycle. Leaves the references it walked in c->xrefs.
 */
void marshal_graph_check(struct mctx *c, const cJSON *resources);
/* Whether a template of nres resources will be split for its count. */
int marshal_split_by_count(const struct manifest *m, size_t nres);
/* The jobs that measure c->xrefs.res's entries into c->entry_len (and
 * set up the digest the children are hashed with), for parallel_for. */
size_t marshal_measure_jobs(const struct mctx *c);
void marshal_measure_job(struct mctx *c, size_t k);
/* Splits tpl when it is over a limit (marshal_split.c; see marshal.h). */
int marshal_split_template(struct mctx *c, cJSON *tpl,
    struct marshal_split *out);


/*
 * cJSON's type tests, inline: the walks over every value of a template
 * (the references' walk, the printer) call them for each node. MJ_INTRINSIC is what may be an intrinsic function: an object
 * of one member whose key starts like "Ref" or "Fn::".
 */
#define IS_TYPE(v, t) ((v) != NULL && ((v)->type & 0xff) == (t))
#define MJ_INTRINSIC(v) (IS_TYPE(v, cJSON_Object) && (v)->child != NULL && \
	(v)->child->next == NULL && ((v)->child->string[0] == 'R' || \
	(v)->child->string[0] == 'F'))

#endif
