/*
 * cmd_status.c - `spartac status`: the stack's status and reason, outputs,
 * parameters, tags and last events. Reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "base/diag.h"
#include "base/util.h"
#include "cli/cli.h"
#include "compile/marshal.h"
#include "front/manifest.h"
#include "pipeline/pipeline.h"
#include "publish/publish.h"
#include "converge/progress.h"

enum {
	OPT_EVENTS = 300,
};

static cJSON *
kvs_json(const struct cfn_kv *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].key)
			cJSON_AddStringToObject(o, v[i].key,
			    v[i].value ? v[i].value : "");
	return o;
}

static void
kvs_print(const char *title, const struct cfn_kv *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	printf("%s:\n", title);
	for (i = 0; i < n; i++)
		printf("  %s = %s\n", v[i].key ? v[i].key : "",
		    v[i].value ? v[i].value : "");
}

/*
 * The site's state: the bucket compared with the site as last built here
 * (.spartac/site.json), file by file (size and ETag). NULL when the
 * manifest has no site or the stack none; {"state": "unknown", "why"}
 * when it cannot be compared.
 */
static cJSON *
site_state(struct aws *aws, const struct pipeline *p, const char *name,
    const struct cfn_stack *st)
{
	struct publish pub = {0};
	struct publish_site_state ss;
	struct aws_error err;
	struct cfn_resources l = {0};
	cJSON *o;
	const char *bucket = NULL;
	char *root;
	size_t i;
	int rc;

	if (p->manifest->site == NULL || st == NULL || !p->have_out)
		return NULL;
	o = cJSON_CreateObject();
	for (i = 0; i < st->noutputs; i++)
		if (st->outputs[i].key && strcmp(st->outputs[i].key,
		    MARSHAL_OUTPUT_SITE_BUCKET) == 0)
			bucket = st->outputs[i].value;
	/* the outputs may not be there yet: the resource names it too */
	if (bucket == NULL && cfn_describe_stack_resources(aws, st->id ?
	    st->id : name, MARSHAL_SITE_BUCKET_ID, &l,
	    &err) == 0)
		for (i = 0; i < l.n && bucket == NULL; i++)
			if (l.v[i].physical_id && *l.v[i].physical_id)
				bucket = l.v[i].physical_id;
	if (bucket == NULL || access(p->out.site_path, R_OK) != 0) {
		cJSON_AddStringToObject(o, "state", "unknown");
		cJSON_AddStringToObject(o, "why", bucket == NULL ? "the stack "
		    "has no site bucket output (yet)" : "the site was not built "
		    "here: run 'spartac build' to compare");
		cfn_resources_free(&l);
		return o;
	}
	pub.aws = aws;
	pub.err = &err;
	root = xasprintf("%s/%s", p->out.project_dir, p->manifest->site->root);
	rc = publish_site_state(&pub, bucket, p->out.site_path, root, &ss);
	free(root);
	if (rc != 0) {
		cJSON_AddStringToObject(o, "state", "unknown");
		cJSON_AddStringToObject(o, "why", err.message);
		aws_error_log(&err);
		cfn_resources_free(&l);
		return o;
	}
	cJSON_AddStringToObject(o, "state", ss.current == ss.files &&
	    ss.extra == 0 ? "complete" : "incomplete");
	cJSON_AddStringToObject(o, "bucket", bucket);
	cJSON_AddNumberToObject(o, "files", (double)ss.files);
	cJSON_AddNumberToObject(o, "current", (double)ss.current);
	cJSON_AddNumberToObject(o, "missing", (double)ss.missing);
	cJSON_AddNumberToObject(o, "different", (double)ss.differ);
	cJSON_AddNumberToObject(o, "extra", (double)ss.extra);
	cfn_resources_free(&l);
	return o;
}

static double
num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void
site_print(const cJSON *site)
{
	const char *state = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(site, "state"));

	if (strcmp(state, "unknown") == 0)
		printf("site: unknown (%s)\n", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(site, "why")));
	else if (strcmp(state, "complete") == 0)
		printf("site: complete (%.0f files)\n", num(site, "files"));
	else
		printf("site: incomplete: %.0f of %.0f files up to date, %.0f "
		    "missing, %.0f different, %.0f not in the site; the next "
		    "'spartac deploy' completes it\n", num(site, "current"),
		    num(site, "files"), num(site, "missing"),
		    num(site, "different"), num(site, "extra"));
}

#define NESTED_STACK_TYPE "AWS::CloudFormation::Stack"

/*
 * The nested stacks of a split service, from the root's resources: each
 * child's logical ID, stack ID and status (the root's ResourceStatus of
 * it, which follows the child's own operation). NULL when there are none.
 */
static cJSON *
children_json(const struct cfn_resources *l)
{
	cJSON *arr = NULL, *o;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct cfn_resource *c = &l->v[i];

		if (c->resource_type == NULL ||
		    strcmp(c->resource_type, NESTED_STACK_TYPE) != 0)
			continue;
		if (arr == NULL)
			arr = cJSON_CreateArray();
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "logicalId",
		    c->logical_id ? c->logical_id : "");
		cJSON_AddStringToObject(o, "stackId",
		    c->physical_id ? c->physical_id : "");
		cJSON_AddStringToObject(o, "status", c->status ? c->status : "");
		if (c->status_reason && *c->status_reason)
			cJSON_AddStringToObject(o, "reason", c->status_reason);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static const char *
str_of(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, k));

	return s ? s : "";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "nested stacks: 13 (1 UPDATE_IN_PROGRESS, 12 UPDATE_COMPLETE)", the
 * statuses counted in sorted order, then one line per child. */
static void
children_print(const cJSON *children)
{
	const cJSON *c;
	const char **st;
	size_t n = 0, i, j;

	st = xcalloc((size_t)cJSON_GetArraySize(children) + 1, sizeof *st);
	cJSON_ArrayForEach(c, children)
		st[n++] = str_of(c, "status");
	qsort(st, n, sizeof *st, cmp_str);
	printf("nested stacks: %zu (", n);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(st[j], st[i]) == 0; j++)
			;
		printf("%s%zu %s", i ? ", " : "", j - i, st[i]);
	}
	printf(")\n");
	free(st);
	cJSON_ArrayForEach(c, children) {
		printf("  %s: %s", str_of(c, "logicalId"), str_of(c, "status"));
		if (*str_of(c, "reason"))
			printf(" (%s)", str_of(c, "reason"));
		printf("\n");
	}
}

static void
status_print(struct cli *cli, const char *name, const struct cfn_stack *st,
    const struct cfn_events *ev, size_t nev, cJSON *site, cJSON *children)
{
	size_t i;

	if (cli->format != DIAG_FORMAT_TEXT) {
		cJSON *o = cJSON_CreateObject(), *outs, *arr;
		char *s;

		cJSON_AddStringToObject(o, "stack", name);
		cJSON_AddBoolToObject(o, "exists", st != NULL);
		if (st) {
			cJSON_AddStringToObject(o, "stackId", st->id ? st->id : "");
			cJSON_AddStringToObject(o, "status",
			    st->status ? st->status : "");
			if (st->status_reason)
				cJSON_AddStringToObject(o, "reason",
				    st->status_reason);
			cJSON_AddBoolToObject(o, "terminationProtection",
			    st->termination_protection);
			outs = cJSON_AddObjectToObject(o, "outputs");
			for (i = 0; i < st->noutputs; i++)
				if (st->outputs[i].key)
					cJSON_AddStringToObject(outs,
					    st->outputs[i].key,
					    st->outputs[i].value ?
					    st->outputs[i].value : "");
			cJSON_AddItemToObject(o, "parameters",
			    kvs_json(st->params, st->nparams));
			cJSON_AddItemToObject(o, "tags",
			    kvs_json(st->tags, st->ntags));
			if (site)
				cJSON_AddItemReferenceToObject(o, "site", site);
			if (children)
				cJSON_AddItemReferenceToObject(o, "nestedStacks",
				    children);
			arr = cJSON_AddArrayToObject(o, "events");
			for (i = 0; i < nev; i++)
				cJSON_AddItemToArray(arr,
				    progress_event_json(&ev->v[i]));
		}
		s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
		return;
	}
	if (st == NULL) {
		printf("%s: no such stack\n", name);
		return;
	}
	printf("%s: %s\n", name, st->status ? st->status : "?");
	if (st->status_reason && *st->status_reason)
		printf("  reason: %s\n", st->status_reason);
	if (st->termination_protection)
		printf("  termination protection: on\n");
	if (st->noutputs) {
		printf("outputs:\n");
		for (i = 0; i < st->noutputs; i++)
			printf("  %s = %s\n", st->outputs[i].key ?
			    st->outputs[i].key : "", st->outputs[i].value ?
			    st->outputs[i].value : "");
	}
	if (site)
		site_print(site);
	if (children)
		children_print(children);
	kvs_print("parameters", st->params, st->nparams);
	kvs_print("tags", st->tags, st->ntags);
	if (nev) {
		printf("last events:\n");
		for (i = nev; i-- > 0;)
			progress_event_line(stdout, &ev->v[i], cli->color);
	}
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"events", required_argument, NULL, OPT_EVENTS},
		CLI_PARAMETER_OPTIONS,
		CLI_STACK_NAME_OPTION,
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("status");
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	struct aws_options ao = {0};
	struct aws_error err;
	struct aws *aws = NULL;
	struct cfn_stack *st = NULL;
	struct cfn_events ev = {0};
	const char *name;
	struct cfn_resources res = {0};
	cJSON *site = NULL, *children = NULL;
	long nev = 10;
	char *end;
	int c, status = EXIT_OK, rc;

	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_EVENTS:
			nev = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || nev < 0) {
				cli_usage_error(self, "--events %s: not a count",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			return EXIT_OK;
		default:
			if (cli_take_value(cli, c, optarg))
				break;
			return EXIT_USAGE;
		}
	}
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	/* a site needs the output directory's paths (site.json) */
	po = cli_pipeline_options(cli, PIPELINE_MODEL);
	if (pipeline_run(&p, &po, &d) == PIPELINE_OK && p.manifest->site)
		po.goal = PIPELINE_OUTDIR;
	if (pipeline_run(&p, &po, &d) != PIPELINE_OK)
		goto out;
	/* status reads the stack as deployed and uses no value; the
	 * values are checked all the same, so a command line that deploy
	 * takes works here too. */
	if ((status = cli_params_resolve(cli, self, p.manifest)) != 0)
		goto out;
	name = cli_stack_name(cli, p.manifest);
	ao.profile = cli->profile;
	ao.region = cli->region;
	ao.endpoint_url = cli->endpoint_url;
	if ((aws = aws_open(&ao, &err)) == NULL ||
	    cfn_describe_stacks(aws, name, &st, &err) != 0) {
		aws_error_log(&err);
		status = EXIT_AWS;
		goto out;
	}
	/* Events are a courtesy: a failure to read them is only logged.
	 * A page holds the next 100: read only the pages --events shows. */
	if (st && nev > 0 && cfn_describe_stack_events(aws,
	    st->id ? st->id : name, NULL,
	    nev < 1000L * CFN_EVENTS_PAGE ?
	    (int)((nev + CFN_EVENTS_PAGE - 1) / CFN_EVENTS_PAGE) : 0,
	    &ev, &err) != 0)
		aws_error_log(&err);
	/* The children of a split service, like the events a courtesy. */
	if (st && cfn_list_stack_resources(aws, st->id ? st->id : name, &res,
	    &err) != 0)
		aws_error_log(&err);
	children = children_json(&res);
	site = site_state(aws, &p, name, st);
	status_print(cli, name, st, &ev,
	    ev.n < (size_t)nev ? ev.n : (size_t)nev, site, children);
	if (fflush(stdout) != 0)
		status = EXIT_IO;
	else if (st == NULL)
		status = EXIT_NO_STACK; /* printed as "no such stack" */
out:
	rc = cli_report_beside(cli, &d, aws != NULL);
	if (status == EXIT_OK)
		status = rc;
	cJSON_Delete(site);
	cJSON_Delete(children);
	cfn_resources_free(&res);
	cfn_events_free(&ev);
	cfn_stack_free(st);
	if (aws)
		aws_close(aws);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
