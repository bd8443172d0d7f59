/*
 * report.c - the result of plan, deploy and delete (run.h): the change
 * set's changes, the final line or JSON document, the root causes of a
 * failure, the outputs file and the deploy's record (deployed.h: what
 * plan --offline compares against).
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
#include "converge/converge.h"
#include "converge/deployed.h"
#include "converge/nested.h"
#include "converge/progress.h"
#include "converge/run.h"

#define MAX_ROOT_CAUSES 8

void
report_changes(struct run *r)
{
	if (r->shown == NULL || !r->text)
		return;
	printf("Changes to %s (%s):\n", r->stack, r->c.change_set_type);
	progress_changes_print(stdout, r->shown->changes, r->shown->nchanges,
	    r->o->color);
	review_print(r, stdout);
	fflush(stdout);
}

static void
root_causes(struct run *r, cJSON *json)
{
	struct converge_event *ev;
	struct cfn_events nested = {0};
	const struct cfn_events *src = &r->seen;
	size_t idx[MAX_ROOT_CAUSES], k, i;
	cJSON *arr = NULL;
	int depth;

	if (r->seen.n == 0 && r->stack_id) {
		/* Failed before we followed anything (e.g. interrupted
		 * earlier): look at the history once. */
		if (cfn_describe_stack_events(r->aws, r->stack_id,
		    r->last_event, 0, &r->seen, &r->err) != 0)
			return;
	}
	for (depth = 0; depth < 4; depth++) {
		ev = xcalloc(src->n + 1, sizeof *ev);
		for (i = 0; i < src->n; i++) {
			ev[i].stack_id = run_stack_ref(r);
			ev[i].event_id = src->v[i].id;
			ev[i].logical_id = src->v[i].logical_id;
			ev[i].physical_id = src->v[i].physical_id;
			ev[i].type = src->v[i].resource_type;
			ev[i].status = src->v[i].status;
			ev[i].reason = src->v[i].status_reason;
			ev[i].timestamp = (double)src->v[i].timestamp;
			/* Our own stack's events name it, not its ARN,
			 * when the ARN is unknown. */
			if (depth == 0 && r->stack_id == NULL &&
			    src->v[i].logical_id &&
			    strcmp(src->v[i].logical_id, r->stack) == 0)
				ev[i].physical_id = ev[i].stack_id;
		}
		k = converge_root_causes(ev, src->n, idx, MAX_ROOT_CAUSES);
		if (k == 1 && converge_event_is_nested_stack(&ev[idx[0]]) &&
		    src->v[idx[0]].physical_id) {
			struct cfn_events next;
			char *id = xstrdup(src->v[idx[0]].physical_id);

			free(ev);
			if (cfn_describe_stack_events(r->aws, id, NULL, 0,
			    &next, &r->err) != 0 || next.n == 0) {
				free(id);
				cfn_events_free(&next);
				break;
			}
			free(id);
			cfn_events_free(&nested);
			nested = next;
			src = &nested;
			continue;
		}
		for (i = 0; i < k; i++) {
			const struct cfn_event *e = &src->v[idx[i]];

			if (json) {
				if (arr == NULL)
					arr = cJSON_AddArrayToObject(json,
					    "rootCauses");
				cJSON_AddItemToArray(arr, progress_event_json(e));
			} else {
				fprintf(stderr, "  root cause: %s %s (%s): %s\n",
				    e->logical_id ? e->logical_id : "",
				    e->status ? e->status : "",
				    e->resource_type ? e->resource_type : "",
				    e->status_reason ? e->status_reason :
				    "(no reason given)");
			}
		}
		free(ev);
		break;
	}
	cfn_events_free(&nested);
}

static cJSON *
outputs_json(const struct cfn_stack *s)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; s && i < s->noutputs; i++)
		if (s->outputs[i].key)
			cJSON_AddStringToObject(o, s->outputs[i].key,
			    s->outputs[i].value ? s->outputs[i].value : "");
	return o;
}

static int
write_outputs(struct run *r)
{
	cJSON *o;
	char *s;
	int rc;

	if (r->o->outputs_file == NULL)
		return 0;
	o = outputs_json(r->st);
	s = cJSON_Print(o);
	cJSON_Delete(o);
	rc = file_write_atomic(r->o->outputs_file, s, strlen(s), 0644);
	if (rc != 0)
		log_error("%s: %s", r->o->outputs_file, strerror(errno));
	free(s);
	return rc;
}

/* What plan --offline compares against. */
static void
save_deployed(struct run *r)
{
	struct deployed_facts f = {r->out ? r->out->code_sha256 : NULL,
	    r->out ? r->out->site_sha256 : NULL, r->pub.bucket};

	if (r->out == NULL || r->tpl == NULL)
		return;
	/* the children first: the record's root names them */
	if (nested_keep(&r->nested, r->out->dir) != 0 ||
	    deployed_save(r->out->dir, r->stack, aws_region(r->aws), r->tpl,
	    r->tpl_len, &f) != 0)
		log_warn("%s/deployed: %s", r->out->dir, strerror(errno));
}

static int
exit_for(const struct run *r)
{
	switch (r->c.result) {
	case CONV_RESULT_NO_CHANGES:
	case CONV_RESULT_DEPLOYED:
	case CONV_RESULT_DELETED:
		return EXIT_OK;
	case CONV_RESULT_CHANGES:
		return r->o->detailed_exitcode ? EXIT_CHANGES : EXIT_OK;
	case CONV_RESULT_DECLINED:
		return EXIT_CHANGES;
	default:
		return EXIT_AWS;
	}
}

static const char *
verb_name(enum converge_mode m)
{
	return m == CONVERGE_PLAN ? "plan" : m == CONVERGE_DELETE ? "delete" :
	    "deploy";
}

/* The result as one JSON document (--format json). */
static cJSON *
result_json(const struct run *r)
{
	cJSON *json = cJSON_CreateObject();

	cJSON_AddStringToObject(json, "verb", verb_name(r->o->mode));
	cJSON_AddStringToObject(json, "stack", r->stack);
	cJSON_AddStringToObject(json, "result",
	    converge_result_name(r->c.result));
	if (r->c.final_status[0])
		cJSON_AddStringToObject(json, "status", r->c.final_status);
	if (r->c.why[0])
		cJSON_AddStringToObject(json, "reason", r->c.why);
	if (r->shown) {
		cJSON_AddItemToObject(json, "changes", progress_changes_json(
		    r->shown->changes, r->shown->nchanges));
		review_json((struct run *)r, json);
	}
	else if (r->o->mode != CONVERGE_DELETE)
		cJSON_AddItemToObject(json, "changes", cJSON_CreateArray());
	if (r->o->mode == CONVERGE_DEPLOY)
		cJSON_AddItemToObject(json, "outputs", outputs_json(r->st));
	if (r->c.recreated)
		cJSON_AddBoolToObject(json, "recreated", 1);
	cJSON_AddNumberToObject(json, "apiCalls",
	    (double)aws_api_calls(r->aws));
	cJSON_AddNumberToObject(json, "uploads", r->pub.uploads);
	if (r->digest[0])
		cJSON_AddStringToObject(json, "digest", r->digest);
	return json;
}

/* The result of a run that did not fail, in text (--format text). */
static void
result_text(struct run *r)
{
	size_t i;

	switch (r->c.result) {
	case CONV_RESULT_NO_CHANGES:
		printf("%s: no changes\n", r->stack);
		break;
	case CONV_RESULT_CHANGES:
		if (r->shown)
			report_changes(r);
		else
			printf("%s: %s\n", r->stack, r->c.why);
		printf("%s: plan only; nothing was changed\n", r->stack);
		break;
	case CONV_RESULT_DEPLOYED:
		printf("%s: %s\n", r->stack, r->c.final_status);
		for (i = 0; r->st && i < r->st->noutputs; i++)
			printf("  %s = %s\n", r->st->outputs[i].key,
			    r->st->outputs[i].value ?
			    r->st->outputs[i].value : "");
		break;
	case CONV_RESULT_DELETED:
		printf("%s: %s\n", r->stack, r->c.stack_existed ?
		    "deleted" : "no such stack; nothing to delete");
		break;
	case CONV_RESULT_DECLINED:
		if (r->o->mode == CONVERGE_DELETE)
			printf("%s: not deleted; nothing was changed\n",
			    r->stack);
		else
			printf("%s: not executed; the change set was "
			    "removed\n", r->stack);
		break;
	default:
		break;
	}
}

/* A failure, on stderr; its root causes also go into json (if any). */
static void
result_failed(struct run *r, cJSON *json)
{
	log_error("%s: %s", r->stack, r->c.why[0] ? r->c.why : "failed");
	if (r->following)
		root_causes(r, json);
	if (r->c.final_status[0] && r->text)
		fprintf(stderr, "  stack status: %s\n", r->c.final_status);
	if (r->c.result == CONV_RESULT_TIMEOUT)
		log_error("the stack operation goes on in CloudFormation: "
		    "follow it with 'spartac status'");
}

int
report_result(struct run *r)
{
	int status = exit_for(r);
	cJSON *json = r->text ? NULL : result_json(r);

	switch (r->c.result) {
	case CONV_RESULT_FAILED:
	case CONV_RESULT_TIMEOUT:
	case CONV_RESULT_NONE:
		result_failed(r, json);
		break;
	default:
		if (r->text)
			result_text(r);
		break;
	}
	if ((r->c.result == CONV_RESULT_DEPLOYED ||
	    r->c.result == CONV_RESULT_NO_CHANGES) &&
	    r->o->mode == CONVERGE_DEPLOY) {
		save_deployed(r);
		if (write_outputs(r) != 0)
			status = EXIT_IO;
	}
	if (json) {
		char *s = cJSON_Print(json);

		printf("%s\n", s);
		free(s);
		cJSON_Delete(json);
	}
	log_debug("aws: %lu API calls, %lu HTTP requests, %u uploads",
	    aws_api_calls(r->aws), aws_http_requests(r->aws), r->pub.uploads);
	if (fflush(stdout) != 0)
		status = EXIT_IO;
	return status;
}
