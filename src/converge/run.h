/*
 * run.h - one run of plan, deploy or delete, shared by the files of the
 * converge stage: converge_io.c performs the actions, report.c tells the
 * result. Not for use outside src/converge/.
 */
#ifndef SPARTAC_CONVERGE_RUN_H
#define SPARTAC_CONVERGE_RUN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "compile/build.h"
#include "converge/converge.h"
#include "converge/converge_io.h"
#include "converge/nested.h"
#include "converge/progress.h"
#include "publish/publish.h"

struct run {
	const struct converge_opts *o;
	const struct manifest *m;
	struct aws *aws;
	struct converge c;
	const char *stack;       /* the stack name: --stack-name or the service */
	char *stack_id;          /* once known: waits and events use it */

	const struct build_out *out; /* the artifacts; NULL for delete */
	char *tpl;
	size_t tpl_len;
	char *code_key;
	struct nested nested;    /* the children the root names (split) */
	char digest[CONV_DIGEST_LEN + 1];
	struct converge_kv *tags; /* the user's stack tags */
	size_t ntags;

	struct publish pub;      /* the artifact bucket and uploads */
	char *template_url;      /* when the template went through S3 */
	char *cs_name;
	char *cs_id;
	char token[80];          /* client request token of this run */

	struct cfn_stack *st;    /* the last DescribeStacks answer */
	struct cfn_change_set *cs; /* the last DescribeChangeSet answer */
	struct cfn_change_set *shown; /* the change set's changes, kept */
	struct cJSON *review;    /* template diff and access widened (review.c) */
	struct aws_error err;

	int following;           /* an operation runs: show its events */
	char *last_event;        /* newest event id already shown */
	struct cfn_events seen;  /* every event of this run, newest first */
	struct progress_live live;
	int use_live;
	int text;                /* --format text */
	struct timespec t0;
	struct diags *d;
};

/* The stack's ARN once known, else its name (converge_io.c). */
const char *run_stack_ref(const struct run *r);

/* The deployed template against the new one, once there are changes:
 * r->review (review.c). review_widened is its count of widened access. */
void review_load(struct run *r);
int review_widened(const struct run *r);
void review_print(struct run *r, FILE *fp);
void review_json(struct run *r, struct cJSON *json);

/* Prints the change set's changes (text format only; report.c). */
void report_changes(struct run *r);
/* Tells the result of a run that reached its end: text or one JSON
 * document on stdout, root causes of a failure, the outputs file and
 * the deploy's record (deployed.h); returns the exit status (report.c). */
int report_result(struct run *r);

#endif
