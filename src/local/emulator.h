/*
 * emulator.h - spartac's own Lambda Runtime API, on loopback, for running a
 * bootstrap the way Lambda does: `spartac invoke` today, `spartac serve`'s
 * warm pool tomorrow.
 *
 * One struct emulator is one sandbox: a Runtime API server on 127.0.0.1
 * (an ephemeral port) and at most one bootstrap process, started on the
 * first invocation with Lambda's environment (AWS_LAMBDA_RUNTIME_API,
 * _HANDLER, AWS_LAMBDA_FUNCTION_NAME, memory, region, ... plus the
 * function's own variables; nothing else from spartac's environment) and
 * kept warm between invocations, as Lambda does. A timeout, a crash or an
 * init error ends the process; the next invocation starts a new one (a
 * cold start again). A pool is simply several emulators.
 *
 * It enforces Lambda's limits: the function's timeout (the process group
 * is killed), 6 MB for the event and EMULATOR_RESPONSE_LIMIT for the
 * response (the runtime gets 413 and the invocation fails with
 * Function.ResponseSizeTooLarge, as on Lambda). Memory is not limited:
 * Lambda caps resident memory, which no rlimit expresses (RLIMIT_AS and
 * RLIMIT_DATA would break runtimes that reserve address space, like Go's);
 * the size is only passed on as AWS_LAMBDA_FUNCTION_MEMORY_SIZE.
 *
 * The bootstrap's stdout and stderr go to log_fd (spartac's stderr for
 * invoke), so spartac's stdout carries only results.
 */
#ifndef SPARTAC_EMULATOR_H
#define SPARTAC_EMULATOR_H

#include <stddef.h>

#define EMULATOR_EVENT_LIMIT 6291456     /* synchronous invoke payload, 6 MB */
#define EMULATOR_RESPONSE_LIMIT 6291556  /* what Lambda accepts back */
/* The account of everything local: the function's ARN, serve's request
 * context, AWS::AccountId in environment values (local.h). */
#define EMULATOR_ACCOUNT_ID "123456789012"

/* Borrowed: every pointer must outlive the emulator. */
struct emulator_config {
	const char *const *argv; /* the bootstrap, e.g. {path, NULL} or {"qemu-aarch64", path, NULL} */
	const char *task_root;   /* its working directory (LAMBDA_TASK_ROOT), NULL: ours */
	const char *handler;     /* _HANDLER: the function's name in the manifest */
	const char *function_name; /* AWS_LAMBDA_FUNCTION_NAME */
	long memory_mb;
	long timeout_s;
	const char *region;      /* AWS_REGION; NULL: us-east-1 */
	const char *const *env;  /* the function's KEY=VALUE variables, NULL-terminated, or NULL */
	int log_fd;              /* where the bootstrap's output goes; -1: /dev/null */
};

enum emulator_outcome {
	EMULATOR_OK,      /* payload is the function's response */
	EMULATOR_ERROR,   /* the function (or its init) failed: error_type, error_message */
	EMULATOR_TIMEOUT, /* killed at the deadline */
};

struct emulator_result {
	enum emulator_outcome outcome;
	char *payload;       /* the response, or the error document; NUL-terminated */
	size_t len;
	char *error_type;    /* "Function.Oops", "Runtime.NoSuchHandler", ... or NULL */
	char *error_message; /* or NULL */
	int cold;            /* this invocation started the process */
	double init_ms;      /* cold: process start to its first `next` */
	double duration_ms;  /* event handed over to result */
};

struct emulator;

/* Binds the Runtime API socket. NULL after logging why. */
struct emulator *emulator_alloc(const struct emulator_config *cfg);
/* Kills the bootstrap (if running; after letting it reach its next
 * `next`, at most 2 s, so what it logs after a response is not lost) and
 * frees everything. NULL is fine. */
void emulator_free(struct emulator *e);
/* "127.0.0.1:PORT", what the bootstrap gets as AWS_LAMBDA_RUNTIME_API. */
const char *emulator_address(const struct emulator *e);

/*
 * Runs one invocation with the event (len bytes; over EMULATOR_EVENT_LIMIT
 * is refused as an error without starting anything). Returns 0 with r
 * filled (any outcome, errors included), or -1 when the emulator itself
 * failed (the process could not be started; logged). Free r with
 * emulator_result_free.
 */
int emulator_invoke(struct emulator *e, const char *event, size_t len,
    struct emulator_result *r);
void emulator_result_free(struct emulator_result *r);

#endif
