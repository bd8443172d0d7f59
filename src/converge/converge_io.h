/*
 * converge_io.h - the thin I/O loop around converge.h: uploads what the
 * pipeline built, performs each action the state machine asks for, and
 * reports.
 *
 * plan, deploy and delete are one loop with different modes; the verbs
 * (cmd_plan.c, cmd_deploy.c, cmd_delete.c) parse their options and run
 * the pipeline (cli_converge in cmd_deploy.c).
 */
#ifndef SPARTAC_CONVERGE_IO_H
#define SPARTAC_CONVERGE_IO_H

#include <time.h>

#include "base/diag.h"
#include "aws/aws.h"
#include "converge/converge.h"

struct converge_opts {
	enum converge_mode mode;
	const char *bucket;       /* --bucket: the artifact bucket */
	const char *role_arn;     /* --role-arn: CloudFormation's service role */
	const char *outputs_file; /* --outputs-file */
	double timeout;           /* --timeout, seconds; 0: none */
	int yes;                  /* --yes: never ask */
	int force;                /* --force: ignore the digest */
	int protect;              /* --protect */
	int continue_rollback;    /* --continue-rollback */
	int detailed_exitcode;    /* plan --detailed-exitcode */
	int fast;                 /* plan --fast: no change set (plan_fast.h) */
	int code;                 /* deploy --code: the code alone (code_deploy.h) */
	int fallback;             /* deploy --code --fallback: a full deploy
				   * instead of a refusal */
	struct timespec started;  /* CLOCK_MONOTONIC at the verb's start,
				   * build included: what --timeout counts */
	const char *stack_name;   /* --stack-name; NULL: the service */
	const struct params *params; /* --parameter values, checked; or NULL */
	struct aws_options aws;   /* --profile, --region, --endpoint-url */
	enum diag_format format;  /* --format */
	int color;                /* colour on the terminal */
};

/*
 * 1 when deploy or delete will ask before changing anything: no --yes,
 * and both stdin and stderr are terminals.
 */
int converge_will_ask(const struct converge_opts *o);

struct build_out;
struct manifest;
struct params;

/*
 * Runs the verb on the model m and, but for delete, the artifacts the
 * pipeline built (pipeline.h); reports d and returns the exit status.
 */
int converge_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d);

#endif
