/*
 * plan_fast.c - `spartac plan --fast` (plan_fast.h): what deploy would
 * change, from DescribeStacks and GetTemplate against the new template and
 * code key, without a change set: two calls instead of a change set's
 * create, describe and delete round trip. A split service's changed
 * children are diffed too, against their deployed templates
 * (DescribeStackResources and GetTemplate for each child that changed).
 *
 * What only CloudFormation knows is said, not guessed: the resolved values
 * of parameters and dynamic references, drift made outside CloudFormation,
 * and whether a changed intrinsic's value really changes (Conditional).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "base/diag.h"
#include "base/exit_status.h"
#include "base/util.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "front/manifest.h"
#include "converge/nested.h"
#include "converge/plan_diff.h"
#include "converge/plan_fast.h"

static const char *const unknown[] = {
	"the resolved values of parameters and dynamic references",
	"drift made outside CloudFormation",
	"whether a Conditional replacement happens",
};

static const char *
stack_param(const struct cfn_stack *st, const char *key)
{
	size_t i;

	for (i = 0; st && i < st->nparams; i++)
		if (st->params[i].key && strcmp(st->params[i].key, key) == 0)
			return st->params[i].value;
	return NULL;
}

/* The deployed template, or {} when there is no stack. 0 or -1. */
static int
deployed_template(struct aws *aws, const struct cfn_stack *st, cJSON **old,
    struct aws_error *err)
{
	char *body = NULL;

	if (st == NULL || (st->status &&
	    strcmp(st->status, "REVIEW_IN_PROGRESS") == 0)) {
		*old = cJSON_CreateObject();
		return 0;
	}
	if (cfn_get_template(aws, st->id ? st->id : st->name, "Original",
	    &body, err) != 0)
		return -1;
	*old = cJSON_Parse(body);
	free(body);
	if (*old == NULL) {
		aws_error_set(err, "cloudformation", "GetTemplate",
		    "MalformedResponse", "the deployed template is not JSON");
		return -1;
	}
	return 0;
}

/* The template of the child stack logical_id of the deployed root (st),
 * or NULL with err set. */
static cJSON *
deployed_child(struct aws *aws, const struct cfn_stack *st,
    const char *logical_id, struct aws_error *err)
{
	struct cfn_resources l = {0};
	struct cfn_stack child = {0};
	cJSON *t = NULL;

	if (cfn_describe_stack_resources(aws, st->id ? st->id : st->name,
	    logical_id, &l, err) != 0)
		return NULL;
	if (l.n == 1 && l.v[0].physical_id && *l.v[0].physical_id) {
		child.id = l.v[0].physical_id;
		if (deployed_template(aws, &child, &t, err) != 0)
			t = NULL;
	} else
		aws_error_set(err, "cloudformation", "DescribeStackResources",
		    "NoNestedStack", "the stack has no nested stack %s",
		    logical_id);
	cfn_resources_free(&l);
	return t;
}

/* nested_diff's old templates: the deployed child's (GetTemplate). */
struct fast_old {
	struct aws *aws;
	const struct cfn_stack *st;
};

static cJSON *
fast_old_child(void *arg, const char *logical_id, char *why, size_t size)
{
	struct fast_old *f = arg;
	struct aws_error err;
	cJSON *t;

	memset(&err, 0, sizeof err);
	if (f->st == NULL)
		return cJSON_CreateObject();
	if ((t = deployed_child(f->aws, f->st, logical_id, &err)) == NULL)
		snprintf(why, size, "%s: %s", err.code, err.message);
	return t;
}

static void
fast_print(const struct converge_opts *o, const char *stack,
    const struct cfn_stack *st, const cJSON *rows, const cJSON *iam,
    struct aws *aws)
{
	cJSON *j, *u;
	char *s;
	size_t i;

	if (o->format == DIAG_FORMAT_JSON) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "verb", "plan");
		cJSON_AddStringToObject(j, "stack", stack);
		cJSON_AddStringToObject(j, "result", cJSON_GetArraySize(rows) ?
		    "changes" : "no-changes");
		cJSON_AddBoolToObject(j, "fast", 1);
		cJSON_AddBoolToObject(j, "stackExists", st != NULL);
		cJSON_AddItemReferenceToObject(j, "changes", (cJSON *)rows);
		cJSON_AddItemReferenceToObject(j, "accessWidened", (cJSON *)iam);
		u = cJSON_AddArrayToObject(j, "unknown");
		for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
			cJSON_AddItemToArray(u, cJSON_CreateString(unknown[i]));
		cJSON_AddNumberToObject(j, "apiCalls",
		    (double)aws_api_calls(aws));
		s = cJSON_Print(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
		return;
	}
	if (cJSON_GetArraySize(rows) == 0) {
		printf("%s: no changes against the deployed template (fast)\n",
		    stack);
	} else {
		printf("Changes to %s against the deployed template (fast, "
		    "no change set):\n", stack);
		plan_diff_print(stdout, rows);
		plan_iam_print(stdout, iam);
	}
	printf("Not known without a change set:");
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		printf("%s %s", i ? ";" : "", unknown[i]);
	printf(".\n");
}

int
plan_fast_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d)
{
	struct aws_error err;
	struct aws *aws;
	struct cfn_stack *st = NULL;
	cJSON *old = NULL, *new = NULL, *rows = NULL, *iam = NULL;
	struct nested n = {0};
	char *tpl = NULL, *key, why[512];
	size_t len;
	const char *stack = o->stack_name ? o->stack_name : m->service;
	int status = EXIT_OK;

	if (d->n)
		diags_print(stderr, d, DIAG_FORMAT_TEXT, o->color);
	if (file_read(out->template_path, MARSHAL_TEMPLATE_S3_MAX * 2, &tpl,
	    &len) != 0) {
		log_error("%s: %s", out->template_path, strerror(errno));
		return EXIT_IO;
	}
	if ((new = cJSON_ParseWithLength(tpl, len)) == NULL) {
		log_error("%s: not JSON", out->template_path);
		free(tpl);
		return EXIT_IO;
	}
	/* a split service: the children the root names */
	if (nested_load(&n, tpl, out->template_path, why, sizeof why) != 0) {
		log_error("%s", why);
		free(tpl);
		cJSON_Delete(new);
		return EXIT_IO;
	}
	free(tpl);
	if ((aws = aws_open(&o->aws, &err)) == NULL) {
		aws_error_log(&err);
		cJSON_Delete(new);
		nested_free(&n);
		return EXIT_AWS;
	}
	if (cfn_describe_stacks(aws, stack, &st, &err) != 0 ||
	    deployed_template(aws, st, &old, &err) != 0) {
		aws_error_log(&err);
		status = EXIT_AWS;
		goto out;
	}
	key = xasprintf("%s/%s.zip", m->service, out->code_sha256);
	rows = plan_diff(old, new, stack_param(st, MARSHAL_PARAM_CODE_KEY),
	    key);
	iam = plan_iam_broadening(old, new);
	if (n.n) {
		struct fast_old f = {aws, st};

		nested_diff(&n, &rows, iam, stack_param(st,
		    MARSHAL_PARAM_CODE_KEY), key, fast_old_child, &f);
	}
	free(key);
	fast_print(o, stack, st, rows, iam, aws);
	if (o->detailed_exitcode && cJSON_GetArraySize(rows) > 0)
		status = EXIT_CHANGES;
	if (fflush(stdout) != 0)
		status = EXIT_IO;
out:
	nested_free(&n);
	cJSON_Delete(rows);
	cJSON_Delete(iam);
	cJSON_Delete(old);
	cJSON_Delete(new);
	cfn_stack_free(st);
	aws_close(aws);
	return status;
}
