/*
 * review.c - what a change set does inside each resource, for plan and
 * the deploy prompt (run.h): the deployed template (GetTemplate, one call,
 * only when there are changes to an existing stack) against the new one,
 * through plan_diff.c and plan_iam.c; for deploy only when it will ask
 * (a terminal, no --yes), so an unattended deploy makes no extra call. A
 * failure to read it costs the detail, never the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "base/diag.h"
#include "converge/plan_diff.h"
#include "converge/run.h"

void
review_load(struct run *r)
{
	cJSON *old = NULL, *new;
	char *body = NULL;
	struct aws_error err;

	if (r->review != NULL || r->shown == NULL || r->tpl == NULL)
		return;
	/* deploy pays the call only when it will ask */
	if (r->o->mode == CONVERGE_DEPLOY && (r->o->yes ||
	    !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)))
		return;
	if (r->c.change_set_type &&
	    strcmp(r->c.change_set_type, "UPDATE") == 0) {
		if (cfn_get_template(r->aws, run_stack_ref(r), "Original",
		    &body, &err) != 0) {
			log_warn("%s: the deployed template could not be read "
			    "(%s): no property changes shown", r->stack,
			    err.message);
			return;
		}
		old = cJSON_Parse(body);
		free(body);
		if (old == NULL) {
			log_warn("%s: the deployed template is not JSON: no "
			    "property changes shown", r->stack);
			return;
		}
	} else {
		old = cJSON_CreateObject();
	}
	if ((new = cJSON_ParseWithLength(r->tpl, r->tpl_len)) != NULL) {
		r->review = cJSON_CreateObject();
		cJSON_AddItemToObject(r->review, "templateDiff",
		    plan_diff(old, new, NULL, NULL));
		cJSON_AddItemToObject(r->review, "accessWidened",
		    plan_iam_broadening(old, new));
	}
	cJSON_Delete(old);
	cJSON_Delete(new);
}

int
review_widened(const struct run *r)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->review,
	    "accessWidened"));
}

void
review_print(struct run *r, FILE *fp)
{
	const cJSON *rows, *row;
	int any = 0;

	review_load(r);
	if (r->review == NULL)
		return;
	rows = cJSON_GetObjectItemCaseSensitive(r->review, "templateDiff");
	cJSON_ArrayForEach(row, rows)
		any |= cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row,
		    "properties")) > 0;
	if (any) {
		fprintf(fp, "Property changes (deployed template -> new):\n");
		plan_diff_print_properties(fp, rows);
	}
	plan_iam_print(fp, cJSON_GetObjectItemCaseSensitive(r->review,
	    "accessWidened"));
}

void
review_json(struct run *r, cJSON *json)
{
	review_load(r);
	if (r->review == NULL)
		return;
	cJSON_AddItemReferenceToObject(json, "templateDiff",
	    cJSON_GetObjectItemCaseSensitive(r->review, "templateDiff"));
	cJSON_AddItemReferenceToObject(json, "accessWidened",
	    cJSON_GetObjectItemCaseSensitive(r->review, "accessWidened"));
}
