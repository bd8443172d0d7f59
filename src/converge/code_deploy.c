/*
 * code_deploy.c - `spartac deploy --code` (code_deploy.h): when only the
 * code differs from the last full deploy of this stack and region from
 * here (its record, deployed.h), upload the archive and update each
 * function's code directly, without CloudFormation.
 *
 *	DescribeStackResources      the functions' physical names; every
 *	                            resource settled (*_COMPLETE); a split
 *	                            service: ListStackResources of the root
 *	                            and of each nested stack with functions
 *	PutObject                   STACK/SHA256.zip in the artifact bucket
 *	UpdateFunctionCode x N      one after the other (see below)
 *	GetFunctionConfiguration    only while one says InProgress
 *
 * 2 + N calls when the answers say Successful at once. The record keeps
 * the template and now the new code digest; the stack's CodeKey parameter
 * still names the old archive, so the next full deploy's change set
 * updates the functions to the archive they already run (a no-op for
 * them) and the drift ends there. The updates are sequential: each is one
 * short request, and the waits (the long part) are shared.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "aws/lambda.h"
#include "aws/s3.h"
#include "base/diag.h"
#include "base/exit_status.h"
#include "base/util.h"
#include "compile/build.h"
#include "compile/marshal.h"
#include "front/manifest.h"
#include "converge/code_deploy.h"
#include "converge/deployed.h"
#include "converge/nested.h"
#include "converge/plan_diff.h"

#define ARCHIVE_MAX (256u << 20)
#define WAIT_MAX_S 300
#define WAIT_FIRST_MS 250
#define WAIT_CAP_MS 2000

struct fn {
	const char *logical_id;  /* borrowed from the template */
	size_t kid;              /* 1 + its nested stack's index, 0: root */
	char *physical;
	struct lambda_function conf;
};

struct code_run {
	const struct converge_opts *o;
	const struct manifest *m;
	const char *stack;       /* --stack-name, else the service */
	const struct build_out *out;
	struct aws *aws;
	struct aws_error err;
	struct deployed dep;
	cJSON *tpl;
	struct nested nested;    /* the children, when the service is split */
	cJSON **kids;            /* their templates, parsed (nested.v order) */
	struct fn *fns;
	size_t nfns;
	char *bucket;
	char *key;
	const char *result;      /* "deployed", "no-changes", "refused" */
};

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The functions of the template, and of its nested stacks, that run the
 * CodeKey archive. */
static int
functions_of(struct code_run *cr)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(cr->tpl,
	    "Resources");
	const cJSON *r;
	size_t n = (size_t)cJSON_GetArraySize(res), i;
	char *body;
	size_t len;

	cr->kids = xcalloc(cr->nested.n + 1, sizeof *cr->kids);
	for (i = 0; i < cr->nested.n; i++) {
		if (file_read(cr->nested.v[i].path, MARSHAL_TEMPLATE_S3_MAX * 2,
		    &body, &len) != 0 ||
		    (cr->kids[i] = cJSON_ParseWithLength(body, len)) == NULL) {
			log_error("%s: cannot read the nested stack's template",
			    cr->nested.v[i].path);
			free(body);
			return -1;
		}
		free(body);
		n += (size_t)cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(cr->kids[i], "Resources"));
	}
	cr->fns = xcalloc(n + 1, sizeof *cr->fns);
	cJSON_ArrayForEach(r, res)
		if (plan_diff_uses_code(r))
			cr->fns[cr->nfns++].logical_id = r->string;
	for (i = 0; i < cr->nested.n; i++)
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
		    cr->kids[i], "Resources"))
			if (plan_diff_uses_code(r)) {
				cr->fns[cr->nfns].kid = i + 1;
				cr->fns[cr->nfns++].logical_id = r->string;
			}
	return 0;
}

/* 0 when only the code differs; else prints why and returns -1. */
static int
only_code(struct code_run *cr)
{
	const char *site = cr->out->site_sha256;
	cJSON *rows;

	if (cJSON_Compare(cr->dep.template, cr->tpl, 1) &&
	    strcmp(cr->dep.site, site) == 0)
		return 0;
	if (cr->o->fallback)
		log_info("%s: more than the code changed since the last deploy "
		    "from here (%s): a full deploy (--fallback)",
		    cr->stack, cr->dep.path);
	else
		log_error("%s: deploy --code refused: more than the code "
		    "changed since the last deploy from here (%s); run "
		    "'spartac deploy'", cr->stack, cr->dep.path);
	rows = plan_diff(cr->dep.template, cr->tpl, NULL, NULL);
	if (cJSON_GetArraySize(rows) > 0) {
		fprintf(stderr, "Other changes:\n");
		plan_diff_print(stderr, rows);
	}
	if (strcmp(cr->dep.site, site) != 0)
		fprintf(stderr, "  the site's files changed\n");
	cJSON_Delete(rows);
	return -1;
}

static int
cmp_resource(const void *a, const void *b)
{
	const struct cfn_resource *x = a, *y = b;

	return strcmp(x->logical_id ? x->logical_id : "",
	    y->logical_id ? y->logical_id : "");
}

/* A stack's resources, sorted by logical ID; every one settled. A split
 * service's stacks are read with ListStackResources (paged: a root or a
 * child may hold more than the 100 DescribeStackResources returns). */
static int
resources_of(struct code_run *cr, const char *stack, struct cfn_resources *l)
{
	size_t i;
	int rc;

	if (cr->nested.n)
		rc = cfn_list_stack_resources(cr->aws, stack, l, &cr->err);
	else
		rc = cfn_describe_stack_resources(cr->aws, stack, NULL, l,
		    &cr->err);
	if (rc != 0) {
		aws_error_log(&cr->err);
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].status && !str_has_suffix(l->v[i].status,
		    "_COMPLETE")) {
			log_error("%s: %s is %s: wait for the stack to settle "
			    "('spartac status')", stack, l->v[i].logical_id,
			    l->v[i].status);
			return -1;
		}
	qsort(l->v, l->n, sizeof *l->v, cmp_resource);
	return 0;
}

static const struct cfn_resource *
resource_find(const struct cfn_resources *l, const char *logical_id)
{
	struct cfn_resource key = {0};

	key.logical_id = (char *)(uintptr_t)logical_id;
	return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, cmp_resource) :
	    NULL;
}

/* Physical names of the functions: the root's resources, then those of
 * each nested stack holding functions; every resource settled. */
static int
physical_names(struct code_run *cr)
{
	struct cfn_resources root = {0}, *kids;
	const struct cfn_resource *x;
	char *used;
	size_t i, k;
	int rc;

	if ((rc = resources_of(cr, cr->stack, &root)) != 0) {
		cfn_resources_free(&root);
		return -1;
	}
	kids = xcalloc(cr->nested.n + 1, sizeof *kids);
	used = xcalloc(cr->nested.n + 1, 1);
	for (k = 0; k < cr->nfns; k++)
		if (cr->fns[k].kid)
			used[cr->fns[k].kid - 1] = 1;
	for (i = 0; i < cr->nested.n && rc == 0; i++) {
		if (!used[i])
			continue; /* no function in this child */
		x = resource_find(&root, cr->nested.v[i].logical_id);
		if (x == NULL || x->physical_id == NULL || !*x->physical_id) {
			log_error("%s: the stack has no nested stack %s: run "
			    "'spartac deploy'", cr->stack,
			    cr->nested.v[i].logical_id);
			rc = -1;
		} else
			rc = resources_of(cr, x->physical_id, &kids[i]);
	}
	for (k = 0; k < cr->nfns && rc == 0; k++) {
		size_t kid = cr->fns[k].kid;

		x = resource_find(kid ? &kids[kid - 1] : &root,
		    cr->fns[k].logical_id);
		if (x && x->physical_id && *x->physical_id)
			cr->fns[k].physical = xstrdup(x->physical_id);
		else {
			log_error("%s: the stack has no function %s%s%s: run "
			    "'spartac deploy'", cr->stack,
			    kid ? cr->nested.v[kid - 1].logical_id : "",
			    kid ? "/" : "", cr->fns[k].logical_id);
			rc = -1;
		}
	}
	for (i = 0; i < cr->nested.n; i++)
		cfn_resources_free(&kids[i]);
	free(kids);
	free(used);
	cfn_resources_free(&root);
	return rc;
}

/* The artifact bucket: recorded, else the stack's ArtifactBucket. */
static int
artifact_bucket(struct code_run *cr)
{
	struct cfn_stack *st = NULL;
	size_t i;

	if (*cr->dep.bucket) {
		cr->bucket = xstrdup(cr->dep.bucket);
		return 0;
	}
	if (cfn_describe_stacks(cr->aws, cr->stack, &st, &cr->err) != 0) {
		aws_error_log(&cr->err);
		return -1;
	}
	for (i = 0; st && i < st->nparams; i++)
		if (st->params[i].key && strcmp(st->params[i].key,
		    MARSHAL_PARAM_BUCKET) == 0 && st->params[i].value)
			cr->bucket = xstrdup(st->params[i].value);
	cfn_stack_free(st);
	if (cr->bucket == NULL)
		log_error("%s: no stack or no %s parameter: run 'spartac "
		    "deploy'", cr->stack, MARSHAL_PARAM_BUCKET);
	return cr->bucket ? 0 : -1;
}

static int
upload(struct code_run *cr)
{
	char *data = NULL;
	size_t len;
	int rc;

	if (file_read(cr->out->archive_path, ARCHIVE_MAX, &data, &len) != 0) {
		log_error("%s: %s", cr->out->archive_path, strerror(errno));
		return -1;
	}
	rc = s3_put_object(cr->aws, cr->bucket, cr->key, data, len,
	    "application/zip", NULL, &cr->err);
	if (rc != 0)
		aws_error_log(&cr->err);
	free(data);
	return rc;
}

static int
in_progress(const struct fn *f)
{
	return f->conf.last_update &&
	    strcmp(f->conf.last_update, "InProgress") == 0;
}

/* UpdateFunctionCode for each, then waits while any is InProgress. */
static int
update_all(struct code_run *cr)
{
	size_t k, busy;
	long delay = WAIT_FIRST_MS, waited = 0;
	struct lambda_function c;

	for (k = 0; k < cr->nfns; k++)
		if (lambda_update_function_code(cr->aws, cr->fns[k].physical,
		    cr->bucket, cr->key, &cr->fns[k].conf, &cr->err) != 0) {
			aws_error_log(&cr->err);
			return -1;
		}
	for (;;) {
		for (k = busy = 0; k < cr->nfns; k++)
			busy += in_progress(&cr->fns[k]);
		if (busy == 0)
			break;
		if (waited > WAIT_MAX_S * 1000L) {
			log_error("%s: %zu function(s) still updating after "
			    "%d s", cr->stack, busy, WAIT_MAX_S);
			return -1;
		}
		sleep_ms(delay);
		waited += delay;
		delay = delay * 2 > WAIT_CAP_MS ? WAIT_CAP_MS : delay * 2;
		for (k = 0; k < cr->nfns; k++) {
			if (!in_progress(&cr->fns[k]))
				continue;
			if (lambda_get_function_configuration(cr->aws,
			    cr->fns[k].physical, &c, &cr->err) != 0) {
				aws_error_log(&cr->err);
				return -1;
			}
			lambda_function_free(&cr->fns[k].conf);
			cr->fns[k].conf = c;
		}
	}
	for (k = 0; k < cr->nfns; k++)
		if (cr->fns[k].conf.last_update &&
		    strcmp(cr->fns[k].conf.last_update, "Failed") == 0) {
			log_error("%s: %s: the code update failed: %s",
			    cr->stack, cr->fns[k].logical_id,
			    cr->fns[k].conf.last_update_reason ?
			    cr->fns[k].conf.last_update_reason : "(no reason)");
			return -1;
		}
	return 0;
}

static void
result_print(const struct code_run *cr)
{
	cJSON *j, *a, *f;
	char *s;
	size_t k;

	if (cr->o->format == DIAG_FORMAT_JSON) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "verb", "deploy");
		cJSON_AddStringToObject(j, "mode", "code");
		cJSON_AddStringToObject(j, "stack", cr->stack);
		cJSON_AddStringToObject(j, "result", cr->result);
		a = cJSON_AddArrayToObject(j, "functions");
		for (k = 0; k < cr->nfns; k++) {
			if (cr->fns[k].conf.last_update == NULL)
				continue;
			f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "logicalId",
			    cr->fns[k].logical_id);
			cJSON_AddStringToObject(f, "functionName",
			    cr->fns[k].physical);
			cJSON_AddStringToObject(f, "codeSha256",
			    cr->fns[k].conf.code_sha256 ?
			    cr->fns[k].conf.code_sha256 : "");
			cJSON_AddStringToObject(f, "lastUpdateStatus",
			    cr->fns[k].conf.last_update);
			cJSON_AddItemToArray(a, f);
		}
		cJSON_AddNumberToObject(j, "apiCalls",
		    cr->aws ? (double)aws_api_calls(cr->aws) : 0);
		s = cJSON_Print(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
		return;
	}
	if (strcmp(cr->result, "no-changes") == 0) {
		printf("%s: no code changes\n", cr->stack);
		return;
	}
	if (strcmp(cr->result, "deployed") != 0)
		return;
	for (k = 0; k < cr->nfns; k++)
		printf("  %-40s %s\n", cr->fns[k].logical_id,
		    cr->fns[k].conf.last_update ? cr->fns[k].conf.last_update :
		    "");
	printf("%s: code updated on %zu function(s) in %lu API calls; the "
	    "stack's %s catches up on the next deploy\n", cr->stack,
	    cr->nfns, aws_api_calls(cr->aws), MARSHAL_PARAM_CODE_KEY);
}

static int
code_steps(struct code_run *cr)
{
	struct deployed_facts f;
	char *tpl = NULL;
	char why[512];
	size_t len;

	if (deployed_load(cr->out->dir, cr->stack, aws_region(cr->aws),
	    &cr->dep) != 0 || cr->dep.template == NULL) {
		if (cr->o->fallback)
			log_info("%s: no full deploy of this stack to %s from "
			    "here: a full deploy (--fallback)", cr->stack,
			    aws_region(cr->aws));
		else
			log_error("%s: no full deploy of this stack to %s from "
			    "here: run 'spartac deploy' first", cr->stack,
			    aws_region(cr->aws));
		cr->result = "refused";
		return EXIT_CHANGES;
	}
	if (file_read(cr->out->template_path, MARSHAL_TEMPLATE_S3_MAX * 2,
	    &tpl, &len) != 0 ||
	    (cr->tpl = cJSON_ParseWithLength(tpl, len)) == NULL) {
		log_error("%s: cannot read the template", cr->out->template_path);
		free(tpl);
		return EXIT_IO;
	}
	if (only_code(cr) != 0) {
		cr->result = "refused";
		free(tpl);
		return EXIT_CHANGES;
	}
	/* the root names its children's hashes: equal roots, equal children */
	if (nested_load(&cr->nested, tpl, cr->out->template_path, why,
	    sizeof why) != 0) {
		log_error("%s", why);
		free(tpl);
		return EXIT_IO;
	}
	if (functions_of(cr) != 0) {
		free(tpl);
		return EXIT_IO;
	}
	if (strcmp(cr->dep.code, cr->out->code_sha256) == 0) {
		cr->result = "no-changes";
		free(tpl);
		return EXIT_OK;
	}
	cr->key = xasprintf("%s/%s.zip", cr->m->service,
	    cr->out->code_sha256);
	if (physical_names(cr) != 0 || artifact_bucket(cr) != 0 ||
	    upload(cr) != 0 || update_all(cr) != 0) {
		free(tpl);
		return EXIT_AWS;
	}
	cr->result = "deployed";
	f.code = cr->out->code_sha256;
	f.site = cr->dep.site;
	f.bucket = cr->bucket;
	if (deployed_save(cr->out->dir, cr->stack, aws_region(cr->aws),
	    tpl, len, &f) != 0)
		log_warn("%s/deployed: %s", cr->out->dir, strerror(errno));
	free(tpl);
	return EXIT_OK;
}

int
code_deploy_run(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d)
{
	struct code_run cr;
	size_t k;
	int status;

	memset(&cr, 0, sizeof cr);
	cr.o = o;
	cr.m = m;
	cr.stack = o->stack_name ? o->stack_name : m->service;
	cr.out = out;
	cr.result = "failed";
	if (d->n)
		diags_print(stderr, d, DIAG_FORMAT_TEXT, o->color);
	if ((cr.aws = aws_open(&o->aws, &cr.err)) == NULL) {
		aws_error_log(&cr.err);
		return EXIT_AWS;
	}
	status = code_steps(&cr);
	/* a refusal the caller turns into a full deploy prints nothing */
	if (!(o->fallback && strcmp(cr.result, "refused") == 0))
		result_print(&cr);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_IO;
	log_debug("aws: %lu API calls", aws_api_calls(cr.aws));
	for (k = 0; k < cr.nfns; k++) {
		free(cr.fns[k].physical);
		lambda_function_free(&cr.fns[k].conf);
	}
	free(cr.fns);
	for (k = 0; cr.kids && k < cr.nested.n; k++)
		cJSON_Delete(cr.kids[k]);
	free(cr.kids);
	nested_free(&cr.nested);
	free(cr.bucket);
	free(cr.key);
	cJSON_Delete(cr.tpl);
	deployed_free(&cr.dep);
	aws_close(cr.aws);
	return status;
}
