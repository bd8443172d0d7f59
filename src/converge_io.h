/*
 * converge_io.h - the thin I/O loop around converge.h: builds, uploads,
 * performs each action the state machine asks for, and reports.
 *
 * plan, deploy and delete are one loop with different modes; the verbs
 * (cmd_plan.c, cmd_deploy.c, cmd_delete.c) only parse their options.
 */
#ifndef SPARTAC_CONVERGE_IO_H
#define SPARTAC_CONVERGE_IO_H

#include "cli.h"
#include "converge.h"

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
};

/* Runs the verb end to end; returns its exit status. */
int converge_run(struct cli *cli, const struct converge_opts *o);

/* The artifact bucket spartac manages for an account and region. */
char *converge_bucket_name(const char *account, const char *region);

#endif
