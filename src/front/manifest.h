/*
 * manifest.h - the typed, const model of a sparta.yaml, and its semantic
 * checks.
 *
 * manifest_build() runs after schema validation. It applies the selected
 * stage's overrides (deep merge, see below), then the service's defaults:
 * under each function (the function's own value wins), fills in every default (this is
 * the only place defaults live), resolves references (function -> role,
 * route -> function, S3 event -> bucket resource, depends_on -> function or
 * resource) and runs the semantic checks, adding a diagnostic for each
 * problem. Later stages (marshal, build, converge) read the result and never
 * look at the raw tree for anything the model types. With stage NULL the
 * model is the base manifest's, and every declared stage is also merged and
 * checked for diagnostics (within a work budget, see manifest_stage.c).
 *
 * Ownership. The model borrows from the doc: strings and `const struct node
 * *` fields point into the doc's tree (or into merged nodes the model owns
 * that in turn point into the doc). Free the manifest before the doc.
 *
 * Order. Every collection is in manifest order (the order of the keys in
 * the YAML file, after the stage merge: overridden keys keep their base
 * position). That order is deterministic for a given file; marshallers that
 * must not depend on it (e.g. the API resource tree) use the *_sorted
 * indexes, which are sorted by byte-wise strcmp of the name.
 *
 * Locations. Every element keeps `loc` (its value node in the manifest) and,
 * for map entries, `key_loc` (the key), so any later stage can say
 * sparta.yaml:LINE:COL. After a stage merge, an overridden value carries the
 * location of the override.
 *
 * Free-form parts stay nodes: environment and tag values (a string or an
 * intrinsic such as {"Ref": "X"}), ARNs that may be intrinsics, event
 * patterns, raw parameters, mappings, conditions, resources and outputs.
 * Turn them into JSON with node_to_cjson (json.h). Integers and booleans
 * in environment values are nodes too; CloudFormation wants strings there,
 * which is the marshaller's conversion to make.
 *
 * Defaults (also in the schema's `default`s and docs/decisions.md):
 *   build.sources: the .c files of src/, build.cflags ["-O2"], architecture x86_64,
 *   link static; function memory 128 MB, timeout 3 s, ephemeral storage
 *   512 MB, log retention 14 days, tracing PassThrough, role: a generated
 *   per-function role; sqs batch 10, window 0; kinesis/dynamodb batch 100,
 *   starting position LATEST; s3 events ["s3:ObjectCreated:*"]; schedule
 *   enabled; api name = service, stage "v1", endpoint type EDGE; cors
 *   origins ["*"], headers (MANIFEST_CORS_DEFAULT_HEADERS), methods: those of
 *   the routes plus OPTIONS; api type rest (stage "$default" for http);
 *   route auth: api.auth, else none; authorizer ttl 300 s, identity
 *   header:Authorization; access log retention 14 days; site index
 *   "index.html", no error document. Optional event-source and async
 *   numbers left out are MANIFEST_UNSET, and the template leaves them to
 *   Lambda's own defaults.
 */
#ifndef SPARTAC_MANIFEST_H
#define SPARTAC_MANIFEST_H

#include <limits.h>
#include <stddef.h>

#include "base/diag.h"
#include "front/node.h"

/* An optional integer that was not written (-1 is a value of some). */
#define MANIFEST_UNSET LONG_MIN

/* Defaults, in one place. */
#define MANIFEST_DEFAULT_MEMORY 128          /* MB */
#define MANIFEST_DEFAULT_TIMEOUT 3           /* seconds */
#define MANIFEST_DEFAULT_EPHEMERAL 512       /* MB */
#define MANIFEST_DEFAULT_LOG_RETENTION 14    /* days */
#define MANIFEST_DEFAULT_SQS_BATCH 10
#define MANIFEST_DEFAULT_STREAM_BATCH 100
#define MANIFEST_DEFAULT_API_STAGE "v1"
#define MANIFEST_DEFAULT_SITE_INDEX "index.html"
#define MANIFEST_DEFAULT_HOOK_TIMEOUT 600    /* seconds */
#define MANIFEST_DEFAULT_SOURCES "src/*.c"
#define MANIFEST_DEFAULT_CFLAGS "-O2"
#define MANIFEST_DEFAULT_S3_EVENT "s3:ObjectCreated:*"
/* The handler (and log group) name of the built-in custom resource behind
 * s3 events on existing buckets: a '.' no manifest name can have. */
#define MANIFEST_S3_NOTIFY_HANDLER "sparta.s3-notifications"
#define MANIFEST_CORS_DEFAULT_HEADERS \
	"Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"

/* A list of strings, e.g. build.cflags. v[i] was written at locs[i]. */
struct manifest_strlist {
	const char **v;
	const struct loc *locs;
	size_t n;
	const struct node *node; /* the sequence, NULL when absent (defaulted) */
};

/* A list of values that may be strings or intrinsics (ARNs, subnets...). */
struct manifest_values {
	const struct node **v; /* each NODE_STRING or a one-key intrinsic map */
	size_t n;
	const struct node *node; /* the sequence (or the single value), or NULL */
};

/* One entry of a string-keyed map whose values are free-form. */
struct manifest_kv {
	const char *key;
	struct loc key_loc;
	const struct node *value; /* string, number, bool or intrinsic */
};

struct manifest_kvs {
	struct manifest_kv *v;
	size_t n;
	const struct node *node; /* the map, or NULL when absent */
};

enum manifest_arch {
	MANIFEST_ARCH_X86_64,
	MANIFEST_ARCH_ARM64,
};

enum manifest_link {
	MANIFEST_LINK_STATIC, /* musl, the default */
	MANIFEST_LINK_GLIBC,  /* glibc, non-libc shared objects bundled */
};

struct manifest_build {
	struct manifest_strlist sources;      /* globs, relative to the project */
	struct manifest_strlist include_dirs;
	struct manifest_strlist cflags;
	struct manifest_strlist libs;         /* "-lm", "m" or a path to .a */
	enum manifest_arch arch;
	enum manifest_link link;
	struct loc loc; /* the build: mapping, or the service key when absent */
};

/* One inline IAM statement: Allow actions on resources [when condition]. */
struct manifest_privilege {
	struct manifest_strlist actions;     /* "s3:GetObject", "s3:*" */
	struct manifest_values resources;    /* ARN strings or intrinsics */
	const struct node *condition;        /* IAM Condition map, or NULL */
	struct loc loc;
};

struct manifest_role {
	const char *name;
	const char *id;   /* logical-ID base, e.g. "Reader" (manifest_logical_id) */
	struct loc key_loc, loc;
	/* Exactly one of the two below. */
	const char *arn;  /* an existing role, used as is; NULL for inline */
	struct loc arn_loc;
	struct manifest_privilege *privileges; /* inline role */
	size_t nprivileges;
	struct manifest_values managed_policies; /* policy ARNs or intrinsics */
	size_t nusers;    /* how many functions name this role */
};

enum manifest_tracing {
	MANIFEST_TRACING_PASSTHROUGH,
	MANIFEST_TRACING_ACTIVE,
};

enum manifest_event_kind {
	MANIFEST_EVENT_SCHEDULE,
	MANIFEST_EVENT_EVENTBRIDGE,
	MANIFEST_EVENT_SQS,
	MANIFEST_EVENT_SNS,
	MANIFEST_EVENT_S3,
	MANIFEST_EVENT_KINESIS,
	MANIFEST_EVENT_DYNAMODB,
	MANIFEST_EVENT_LOGS,
};

enum manifest_starting_position {
	MANIFEST_START_LATEST,
	MANIFEST_START_TRIM_HORIZON,
};

/* What every polled source (SQS, Kinesis, DynamoDB streams) may say. */
struct manifest_poll {
	int report_failures;        /* ReportBatchItemFailures */
	const struct node *filters; /* sequence of pattern maps, or NULL */
	int enabled;                /* default 1 */
};

struct manifest_event {
	enum manifest_event_kind kind;
	size_t index;             /* position in the function's events list */
	struct loc loc;           /* the list item */
	const struct node *node;  /* the item's value (after the kind key) */
	union {
		struct {
			const char *expression; /* "rate(5 minutes)", "cron(...)" */
			struct loc expression_loc;
			int enabled;            /* default 1 */
			const struct node *input; /* constant JSON input, or NULL */
			const char *description;  /* or NULL */
		} schedule;
		struct {
			const struct node *pattern; /* EventBridge event pattern map */
			const struct node *bus;     /* bus name/ARN; NULL: default bus */
			int enabled;
			const struct node *input;
		} eventbridge;
		struct {
			const struct node *queue;   /* queue ARN or intrinsic */
			long batch;                 /* 1..10000, default 10 */
			long window;                /* seconds 0..300, default 0 */
			long max_concurrency;       /* 2..1000, MANIFEST_UNSET */
			struct manifest_poll poll;
		} sqs;
		struct {
			const struct node *topic;   /* topic ARN or intrinsic */
			const struct node *filter;  /* FilterPolicy map, or NULL */
		} sns;
		struct {
			const char *bucket;         /* logical ID in resources, or
			                               the name when existing */
			struct loc bucket_loc;
			int existing;               /* a bucket outside the stack */
			const struct node *resource; /* that resource's map */
			struct manifest_strlist events; /* default s3:ObjectCreated:* */
			const char *prefix;         /* or NULL */
			const char *suffix;         /* or NULL */
		} s3;
		struct {
			const struct node *stream;  /* stream ARN or intrinsic */
			enum manifest_starting_position start;
			long batch;                 /* default 100 */
			long window;                /* seconds, default 0 */
			const struct node *on_failure; /* SQS/SNS ARN, or NULL */
			int bisect;                 /* BisectBatchOnFunctionError */
			/* MANIFEST_UNSET when not written (Lambda's default) */
			long retries, max_record_age, parallelization;
			long tumbling_window;
			struct manifest_poll poll;
		} stream; /* MANIFEST_EVENT_KINESIS and MANIFEST_EVENT_DYNAMODB */
		struct {
			const struct node *log_group; /* name or intrinsic */
			const char *filter;           /* filter pattern, default "" */
		} logs;
	} u;
};

struct manifest_function;

/* A depends_on entry: a function or a raw resource of this template. */
struct manifest_ref {
	const char *name;
	struct loc loc;
	const struct manifest_function *function; /* when it names a function */
	const struct node *resource; /* when it names a resources: entry */
};

struct manifest_function {
	const char *name;   /* the key under functions:, also the handler name */
	/* The function's settings with defaults: applied (a map of the merged
	 * tree): each value node is the function's own, a default's or a
	 * stage's, which its location tells (manifest_setting_origin). */
	const struct node *settings;
	const char *id;     /* logical-ID base, e.g. "MyFn" for my-fn */
	struct loc key_loc, loc;
	const char *symbol; /* the C function */
	struct loc symbol_loc;
	const struct node *physical_name; /* name: (FunctionName), or NULL */
	int share_symbol;   /* another function may use the same symbol */
	const char *description; /* or NULL */
	const char *role_name;            /* role: as written, or NULL */
	const struct manifest_role *role; /* NULL: a generated per-function role */
	struct loc role_loc;              /* of role:, or loc when absent */
	/* Extra statements and managed policies for the generated role (only
	 * without role:); defaults: entries first, then the function's own. */
	struct manifest_privilege *privileges;
	size_t nprivileges;
	struct manifest_values managed_policies;
	long memory;          /* MB */
	long timeout;         /* s */
	long ephemeral_storage; /* MB */
	long log_retention;   /* days */
	long reserved_concurrency; /* -1 when unset */
	enum manifest_tracing tracing;
	struct manifest_kvs environment;
	struct manifest_kvs tags;
	struct manifest_values layers;   /* layer version ARNs or intrinsics */
	int has_vpc;
	struct manifest_values subnets;
	struct manifest_values security_groups;
	const struct node *dead_letter; /* SQS queue or SNS topic ARN, or NULL */
	struct {
		const struct node *node; /* async: (after defaults), or NULL */
		long retries;            /* 0..2, MANIFEST_UNSET */
		long max_event_age;      /* 60..21600, MANIFEST_UNSET */
		const struct node *on_success, *on_failure; /* or NULL */
	} async;
	struct manifest_ref *depends_on;
	size_t ndepends_on;
	struct manifest_event *events;
	size_t nevents;
	/* Under custom_resources: (serves Custom::NAME, NAME = name). */
	int custom_resource;
};

enum manifest_http_method {
	MANIFEST_HTTP_ANY,
	MANIFEST_HTTP_GET,
	MANIFEST_HTTP_HEAD,
	MANIFEST_HTTP_POST,
	MANIFEST_HTTP_PUT,
	MANIFEST_HTTP_PATCH,
	MANIFEST_HTTP_DELETE,
	MANIFEST_HTTP_OPTIONS,
};

/* Who may call a route; also an authorizer's kind (TOKEN and up). */
enum manifest_authorization {
	MANIFEST_AUTH_NONE,
	MANIFEST_AUTH_AWS_IAM,
	MANIFEST_AUTH_TOKEN,   /* REST Lambda authorizer, one header */
	MANIFEST_AUTH_REQUEST, /* Lambda authorizer (REST or HTTP) */
	MANIFEST_AUTH_COGNITO, /* REST Cognito user pools */
	MANIFEST_AUTH_JWT,     /* HTTP API JWT */
};

enum manifest_api_kind {
	MANIFEST_API_REST, /* API Gateway REST API (v1), the default */
	MANIFEST_API_HTTP, /* API Gateway HTTP API (v2) */
};

#define MANIFEST_DEFAULT_AUTH_TTL 300        /* seconds */
#define MANIFEST_DEFAULT_AUTH_IDENTITY "header:Authorization"
#define MANIFEST_DEFAULT_HTTP_STAGE "$default"

/* An entry of api.authorizers. */
struct manifest_authorizer {
	const char *name;          /* the key: letters and digits */
	enum manifest_authorization kind; /* TOKEN, REQUEST, COGNITO or JWT */
	const char *kind_name;     /* "token", "request", "cognito", "jwt" */
	const struct manifest_function *function; /* token/request, else NULL */
	struct loc function_loc;
	/* "header:Authorization", "query:x", "stage:x", "context:x"; default
	 * header:Authorization (none for a request authorizer with ttl 0). */
	struct manifest_strlist identity;
	long ttl;                  /* seconds, default 300; 0: no caching */
	struct manifest_values user_pools; /* cognito: ARNs or intrinsics */
	const struct node *issuer; /* jwt: string or intrinsic, else NULL */
	struct manifest_values audience;   /* jwt */
	int simple_responses;      /* http request: default 1 */
	const struct node *node;   /* the authorizer's map */
	struct loc key_loc, loc;
};

/* Throttling: rate requests/s and burst; set is 0 when not written. */
struct manifest_throttle {
	int set;
	double rate;
	long burst;
	struct loc loc;
};

/* An entry of api.usage_plans (REST only). */
struct manifest_usage_plan {
	const char *name;
	const char *description;   /* or NULL */
	struct manifest_strlist keys; /* names under api.api_keys */
	struct manifest_throttle throttle;
	long quota_limit;          /* MANIFEST_UNSET when no quota */
	const char *quota_period;  /* "DAY", "WEEK", "MONTH", or NULL */
	long quota_offset;         /* default 0 */
	struct loc key_loc, loc;
};

/* An entry of api.models (REST only): a JSON schema. */
struct manifest_model {
	const char *name;
	const struct node *schema; /* the schema map, as written */
	struct loc key_loc;
};

/* A request model per content type of a route. */
struct manifest_content_model {
	const char *content_type;
	const struct manifest_model *model; /* NULL when unresolved */
	struct loc loc;
};

struct manifest_cors {
	int enabled;
	/* The literal origins (default ["*"], node NULL); an intrinsic origin
	 * is left out here and is in origin_values, which holds them all. */
	struct manifest_strlist origins;
	struct manifest_values origin_values; /* every origin, in order */
	int has_intrinsic_origin;
	struct manifest_strlist headers; /* default MANIFEST_CORS_DEFAULT_HEADERS */
	struct manifest_strlist methods; /* n == 0: the routes' methods + OPTIONS */
	long max_age;                    /* seconds, -1 when unset */
	int credentials;                 /* Access-Control-Allow-Credentials */
	struct manifest_strlist expose_headers;
	struct loc loc;
};

struct manifest_route {
	const char *key;        /* "GET /items/{id}" as written */
	enum manifest_http_method method;
	const char *method_name; /* "GET" ... "ANY" (static string) */
	const char *path;       /* "/items/{id}", owned by the model */
	struct loc key_loc, loc;
	const struct manifest_function *function;
	struct loc function_loc;
	/* Who may call, after api.auth (route auth: or authorization: wins):
	 * NONE, AWS_IAM, or the kind of authorizer. */
	enum manifest_authorization authorization;
	const struct manifest_authorizer *authorizer; /* NULL: NONE/AWS_IAM */
	struct loc auth_loc;     /* of the auth that applies (or the route) */
	struct manifest_strlist scopes; /* jwt and cognito authorizers */
	int api_key;             /* REST: x-api-key required */
	/* REST request validation */
	struct manifest_content_model *models; /* request.model is
						 * application/json */
	size_t nmodels;
	struct manifest_strlist required_params; /* "query:x", "header:X" */
	int validate_body, validate_params;
	/* The CORS that applies to this route: &api->cors, the route's own
	 * (cors: {...}), or NULL when off (cors: false, or none on the API). */
	const struct manifest_cors *cors;
	struct manifest_cors own_cors;
};

enum manifest_endpoint {
	MANIFEST_ENDPOINT_EDGE,
	MANIFEST_ENDPOINT_REGIONAL,
	MANIFEST_ENDPOINT_PRIVATE,
};


struct manifest_api {
	enum manifest_api_kind kind; /* default REST */
	const char *name;  /* default: the service name */
	const char *stage; /* default "v1" (REST), "$default" (HTTP) */
	const char *description; /* or NULL */
	struct manifest_cors cors;
	struct manifest_strlist binary_media_types;
	enum manifest_endpoint endpoint;
	struct manifest_route *routes;
	size_t nroutes;
	const struct manifest_route **routes_sorted; /* by path, then method */
	/* api.auth: the routes' default (NONE when absent) */
	enum manifest_authorization auth;
	const struct manifest_authorizer *auth_authorizer;
	struct manifest_authorizer *authorizers;
	size_t nauthorizers;
	struct manifest_strlist api_keys;       /* REST: names */
	struct manifest_usage_plan *usage_plans; /* REST */
	size_t nusage_plans;
	struct manifest_throttle throttle;      /* stage default */
	struct {
		int enabled;
		const char *format;  /* NULL: the default JSON line */
		long retention;      /* days, default 14 */
		struct loc loc;
	} access_log;
	struct manifest_model *models;          /* REST */
	size_t nmodels;
	struct {
		const struct node *name;        /* NULL: no custom domain */
		const struct node *certificate;
		const char *base_path;          /* NULL: the root */
		enum manifest_endpoint endpoint; /* default REGIONAL */
		struct loc loc;
	} domain;
	struct loc loc;
};

/* The authorizer of api.authorizers called name, or NULL. */
const struct manifest_authorizer *manifest_authorizer_find(
    const struct manifest_api *api, const char *name);
/* "none", "iam", "token", "request", "cognito", "jwt". */
const char *manifest_authorization_name(enum manifest_authorization a);

struct manifest_site {
	const char *root;     /* directory, relative to the project */
	struct loc root_loc;
	const struct node *bucket_name; /* BucketName (string or intrinsic), or NULL */
	const char *index;    /* default "index.html" */
	const char *error_document; /* or NULL */
	struct manifest_strlist exclude; /* globs never published */
	struct manifest_strlist include; /* globs naming dot-files to publish */
	struct loc loc;
};

enum manifest_hook_kind {
	MANIFEST_HOOK_PREBUILD,
	MANIFEST_HOOK_POSTBUILD,
	MANIFEST_HOOK_ARCHIVE,
	MANIFEST_HOOK_PREMARSHAL,
	MANIFEST_HOOK_POSTMARSHAL,
	MANIFEST_HOOK__COUNT
};

/* A hook is one command: argv[0] is the program (looked up in PATH unless it
 * has a '/'), run without a shell in the project directory. The manifest
 * gives it as a list, or as {command: [...], timeout: seconds}. */
struct manifest_hook {
	struct manifest_strlist argv; /* argv.n == 0: no hook */
	long timeout;                 /* seconds; default 600 */
	struct loc loc;
};

struct manifest_impl;

struct manifest {
	const char *service;
	struct loc service_loc;
	const char *description; /* or NULL */
	const char *stage;       /* the applied stage (a copy), or NULL */
	const char *bucket;      /* artifact bucket, or NULL (deploy decides) */
	struct loc bucket_loc;
	/* nested_stacks.max_resources: the split threshold (default 500) */
	size_t split_max_resources;
	struct loc split_loc;

	struct manifest_build build;

	const struct node *permissions_boundary; /* policy ARN or intrinsic, or NULL */
	/* defaults: privileges and managed policies, on every generated role */
	const struct node *defaults;     /* the defaults: map, or NULL */
	struct manifest_privilege *default_privileges;
	size_t ndefault_privileges;
	struct manifest_values default_managed_policies;

	struct manifest_role *roles;
	size_t nroles;
	const struct manifest_role **roles_sorted;

	struct manifest_function *functions;
	size_t nfunctions;
	size_t ncustom_resources; /* of functions, those from custom_resources: */
	size_t ns3_existing;      /* s3 events on buckets outside the stack */
	const struct manifest_function **functions_sorted;

	const struct manifest_api *api;   /* NULL when the manifest has none */
	const struct manifest_site *site; /* NULL when the manifest has none */
	struct manifest_hook hooks[MANIFEST_HOOK__COUNT];

	struct manifest_kvs tags;        /* stack tags */
	const struct node *parameters;   /* raw CloudFormation maps, or NULL */
	const struct node *mappings;     /* name -> top key -> key -> value */
	const struct node *conditions;   /* name -> condition expression */
	const struct node *resources;
	const struct node *outputs;

	const struct node *root; /* the merged tree the model was built from */
	struct manifest_impl *impl; /* private: memory owned by the model */
};

/*
 * Builds the model from a schema-valid tree, applying the overrides of
 * stage (NULL: none; a stage name the manifest lacks is a diagnostic).
 * Returns NULL when any error was added to d (warnings alone still give a
 * model). Never crashes on a tree that failed the schema; it just reports.
 */
struct manifest *manifest_build(const struct doc *doc, const char *stage,
    struct diags *d);
/*
 * The same, but the model comes back even when the checks found errors
 * (NULL only when the root is not a mapping): what they could not resolve
 * is left NULL. Good only for finding more errors, after
 * manifest_drop_unresolved() took out the routes of unknown functions and
 * those at whose key d has an error.
 */
struct manifest *manifest_build_all(const struct doc *doc, const char *stage,
    struct diags *d);
void manifest_drop_unresolved(struct manifest *m, const struct diags *d);
void manifest_free(struct manifest *m);

/* Look-ups by name (binary search over the sorted indexes); NULL if absent. */
const struct manifest_function *manifest_function_find(
    const struct manifest *m, const char *name);
const struct manifest_role *manifest_role_find(const struct manifest *m,
    const char *name);

/*
 * The logical-ID base for a manifest name: the name's alphanumeric runs,
 * each with its first letter upper-cased, concatenated ("my-fn" -> "MyFn",
 * "hello_world2" -> "HelloWorld2"). Two names with the same base are
 * refused by the semantic checks, so the base is collision-free per kind.
 * Returns a malloc'ed string (empty when the name has no alphanumeric).
 */
char *manifest_logical_id(const char *name);

const char *manifest_hook_name(enum manifest_hook_kind kind); /* "prebuild" */
const char *manifest_event_kind_name(enum manifest_event_kind kind); /* "sqs" */

#endif
