/*
 * serve.h - a local API Gateway (REST, proxy integration) on loopback.
 *
 * Each manifest route is served by its function through spartac's Runtime
 * API emulator; every function keeps a small pool of warm bootstrap
 * processes, so no request pays a process start once the pool is warm.
 * Connections are HTTP/1.1 with keep-alive, one thread each.
 *
 * Responses follow API Gateway: the proxy response's statusCode, headers,
 * multiValueHeaders, body and isBase64Encoded; 404 for a path no route
 * matches, 405 for a known path with another method, 502 for a function
 * error or a malformed proxy response, 504 past the function's timeout
 * (or API Gateway's 29 s integration limit), 413 past Lambda's 6 MB.
 */
#ifndef SPARTAC_SERVE_H
#define SPARTAC_SERVE_H

#include "base/diag.h"
#include "pipeline/pipeline.h"

struct local_values;
struct manifest;

/* What the gate in front of the functions needs from the command line. */
struct serve_gate_options {
	const char *jwks_path;     /* --jwks: keys for JWT and Cognito authorizers */
	const char *const *api_keys; /* --api-key NAME=VALUE, napi_keys of them */
	size_t napi_keys;
};

struct serve_options {
	struct pipeline_options pipeline; /* the manifest (serve sets goals) */
	const char *region; /* --region, or NULL (local.h: local_region) */
	int port;        /* 0: an ephemeral port (printed) */
	int pool;        /* warm bootstraps per function; 0: one per CPU */
	int watch;       /* rebuild and swap on source or manifest changes */
	struct serve_gate_options gate;
	/* The values invoke and serve give the functions (local.h). */
	struct local_values *values;
	/* Checks a freshly loaded model (the --parameter values); non-zero
	 * fails the load after it printed why. NULL: no check. */
	int (*check)(void *arg, const struct manifest *m);
	/* Prints the diagnostics of a load and build, as the verb does. */
	void (*report)(void *arg, struct diags *d);
	void *report_arg;
};

enum serve_status {
	SERVE_OK,            /* stopped by SIGINT or SIGTERM */
	SERVE_LOAD_FAILED,   /* the first load or build failed (reported) */
	SERVE_LISTEN_FAILED, /* the port could not be listened on (logged) */
	SERVE_INTERNAL,      /* pipe or poll failed (logged) */
};

/* Builds through the pipeline, serves until SIGINT/SIGTERM. */
enum serve_status serve_run(const struct serve_options *opt);

#endif
