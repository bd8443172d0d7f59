/*
 * internal.h - what the AWS modules share and callers outside src/aws/ do
 * not need: the client struct, shared-file configuration, the XML tree, the
 * transport and the Query-protocol helpers.
 */
#ifndef SPARTAC_AWS_INTERNAL_H
#define SPARTAC_AWS_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/retry_codes.h"
#include "aws/sigv4.h"
#include "base/util.h"

/* ---- shared configuration files (config.c) ---- */

struct aws_ini_kv {
	char *key;
	char *value;
};

struct aws_ini_section {
	char *name; /* profile name: "[profile x]" in config and "[x]" both give x */
	struct aws_ini_kv *kv;
	size_t nkv, cap;
};

struct aws_ini {
	char *path;
	struct aws_ini_section *sec;
	size_t nsec, cap;
};

/* Parses an ini file; a missing file gives an empty ini. is_config: the
 * ~/.aws/config rules ("[profile x]", "[default]"; other kinds skipped). */
void aws_ini_load(struct aws_ini *ini, const char *path, int is_config);
void aws_ini_parse(struct aws_ini *ini, const char *text, int is_config);
const char *aws_ini_get(const struct aws_ini *ini, const char *profile,
    const char *key);
int aws_ini_has_profile(const struct aws_ini *ini, const char *profile);
void aws_ini_free(struct aws_ini *ini);

/* ---- XML (xml.c): expat into a small tree ---- */

struct xml_node {
	char *name;
	char *text; /* character data directly inside the element, "" if none */
	struct xml_node *child, *last, *next;
};

/* Returns the root, or NULL with a message in err (DOCTYPEs are refused). */
struct xml_node *xml_parse(const char *data, size_t len, char *err,
    size_t errlen);
void xml_free(struct xml_node *n);
/* The descendant at a path of child names ("A/B/C"), or NULL. */
const struct xml_node *xml_find(const struct xml_node *n, const char *path);
/* Its text, or NULL. */
const char *xml_get(const struct xml_node *n, const char *path);
/* xml_get duplicated, or NULL. */
char *xml_dup(const struct xml_node *n, const char *path);
/* The first element with this name anywhere below n (depth first). */
const struct xml_node *xml_search(const struct xml_node *n, const char *name);
/* Iterates the children of n named name: for (c = xml_first(n, "member"); c;
 * c = xml_next(c)). */
const struct xml_node *xml_first(const struct xml_node *n, const char *name);
const struct xml_node *xml_next(const struct xml_node *n);
/* Appends s with &, <, >, " escaped. */
void xml_escape(struct buf *b, const char *s);

/* ISO 8601 time as AWS writes it (2026-11-22T05:00:00Z, .123Z, +00:00). */
time_t aws_time_parse(const char *s);

/* ---- the client ---- */

enum aws_creds_kind {
	CREDS_NONE,
	CREDS_ENV,
	CREDS_ASSUME_ROLE,
	CREDS_WEB_IDENTITY,
	CREDS_SHARED_FILE,
	CREDS_PROCESS,
	CREDS_CONFIG_FILE,
	CREDS_CONTAINER,
	CREDS_IMDS,
};

struct aws_retry {
	int max_attempts;
	int quota;         /* the SDKs' retry token bucket */
};

struct wire;

struct aws {
	char *profile;
	int profile_explicit; /* --profile given: environment keys are skipped */
	char *region;
	char *endpoint_url; /* --endpoint-url */
	char *ca_bundle;    /* AWS_CA_BUNDLE: extra trust, never less checking */
	struct aws_ini config, credentials;
	struct aws_creds creds;
	enum aws_creds_kind creds_kind;
	int creds_depth; /* assume-role recursion guard */
	struct wire *wire; /* kept connections (wire.c) */
	long skew; /* seconds to add to the local clock */
	struct aws_retry retry;
	unsigned long calls, requests;
	long timeout_ms;
	aws_progress_fn *progress; /* aws_set_progress: upload progress */
	void *progress_arg;
	volatile sig_atomic_t *cancel; /* aws_set_cancel */
};

time_t aws_now(const struct aws *aws);

/* ---- endpoints (endpoint.c) ---- */

/* service: "s3", "cloudformation", "iam", "sts". The base URL without a
 * trailing slash, owned by the caller; *custom is set when it came from
 * configuration rather than the partition's rules. NULL with err set when
 * the configured URL is refused. */
char *aws_endpoint(const struct aws *aws, const char *service, int *custom,
    struct aws_error *err);
/* A configured endpoint URL, read by aws_url_parse (url.h): https, or http
 * only on loopback unless http_anywhere (the instance-metadata endpoint);
 * no query. Returns its canonical form without a trailing slash (owned by
 * the caller), or NULL with err set. what names where the URL came from
 * ("AWS_ENDPOINT_URL"), for the message. */
char *aws_endpoint_parse(const char *what, const char *url, int http_anywhere,
    struct aws_error *err);
/* The same, for a yes or no: 0, or -1 with err set. */
int aws_endpoint_check(const char *what, const char *url,
    struct aws_error *err);
/* The region a service signs with (IAM is global). */
const char *aws_signing_region(const struct aws *aws, const char *service);
const char *aws_partition_suffix(const char *region);

/* ---- transport (http.c) ---- */

struct aws_http_header {
	char *name;
	char *value;
};

struct aws_request {
	const char *service;   /* signing name and endpoint key */
	const char *operation; /* for errors and the debug log */
	const char *method;
	char *url;             /* full URL, path and query encoded */
	struct sigv4_header hdr[12];
	size_t nhdr;
	const void *body;
	size_t body_len;
	FILE *body_fp;         /* else: body_len bytes streamed from here, */
	off_t body_off;        /* from this offset (payload_hash required) */
	const char *payload_hash; /* NULL: computed from body */
	int is_s3;
	int unsigned_request;  /* AssumeRoleWithWebIdentity, metadata */
	int is_metadata;       /* not an API call: not counted */
	const struct aws_creds *creds; /* NULL: the client's chain */
	int max_attempts;      /* 0: the client's */
	long timeout_ms;       /* 0: the client's */
};

struct aws_response {
	long status;
	struct buf body;
	struct aws_http_header *hdr;
	size_t nhdr, cap;
};

/* Frees and forgets the response's headers (a new status line). */
void aws_response_headers_clear(struct aws_response *r);

/* Sends with signing, retries and error decoding. Returns 0 for a 2xx
 * response, -1 otherwise with err filled in (resp still holds the last
 * response). */
int aws_send(struct aws *aws, struct aws_request *req,
    struct aws_response *resp, struct aws_error *err);
const char *aws_response_header(const struct aws_response *r, const char *name);
void aws_response_free(struct aws_response *r);
/* 1 for error codes the SDKs retry as throttling or transient. */
/* Backoff before retry number attempt (1-based), in milliseconds. */
long aws_backoff_ms(int attempt, int throttled);

/* ---- S3 (s3.c) ---- */

/* The URL of a bucket or object (key may be NULL); query is already
 * encoded (or NULL). NULL with err set, naming op, when the endpoint is
 * refused. */
char *s3_url(struct aws *aws, const char *bucket, const char *key,
    const char *query, struct aws_error *err, const char *op);

/* ---- Query protocol (query.c) ---- */

struct aws_query {
	struct buf body;
	const char *service;
	const char *action;
};

void aws_query_init(struct aws_query *q, const char *service,
    const char *action);
void aws_query_add(struct aws_query *q, const char *key, const char *value);
/* Sends it; on success *out is the parsed response (xml_free). */
int aws_query_send(struct aws *aws, struct aws_query *q, struct xml_node **out,
    struct aws_error *err);
/* The same with explicit or no credentials (for the credential chain). */
int aws_query_send_as(struct aws *aws, struct aws_query *q,
    const struct aws_creds *creds, int unsigned_request,
    struct xml_node **out, struct aws_error *err);

/* ---- JSON protocol (jsonproto.c) ---- */

struct cJSON;

/* POSTs in to service with X-Amz-Target TARGET.OPERATION and Content-Type
 * application/x-amz-json-VERSION; on success *out is the answer
 * (cJSON_Delete). */
int aws_json_send(struct aws *aws, const char *service, const char *target,
    const char *version, const char *operation, const struct cJSON *in,
    struct cJSON **out, struct aws_error *err);

/* ---- credentials (creds.c) ---- */

/* Makes sure aws->creds are valid for at least a few minutes. */
int aws_creds_ensure(struct aws *aws, struct aws_error *err);
/* 1 when the current credentials come from a source that can give new ones
 * (assume role, web identity, credential_process, container, IMDS). */
int aws_creds_refreshable(const struct aws *aws);

#endif
