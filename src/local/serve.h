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

#include "cli/cli.h"

struct serve_options {
	int port;        /* 0: an ephemeral port (printed) */
	int pool;        /* warm bootstraps per function; 0: one per CPU */
	int watch;       /* rebuild and swap on source or manifest changes */
};

/* Builds, serves until SIGINT/SIGTERM, returns an exit status. */
int serve_run(struct cli *cli, const struct serve_options *opt);

#endif
