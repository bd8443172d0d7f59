/*
 * cmd_plan.c - `spartac plan`: what deploy would change, from a ChangeSet
 * that is described and deleted, never executed; or, with --offline, from
 * the record of the stack's last deploy saved under .spartac/deployed/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "cli/cli.h"
#include "converge/converge_io.h"
#include "converge/deployed.h"
#include "converge/nested.h"
#include "converge/plan_diff.h"
#include "pipeline/pipeline.h"
#include "base/util.h"

enum {
	OPT_BUCKET = 300,
	OPT_ROLE_ARN,
	OPT_DETAILED,
	OPT_OFFLINE,
	OPT_FAST,
};

/* The region plan --offline keys the record by: --region, the
 * environment or the profile's; NULL when none is configured. */
static char *
offline_region(const struct cli *cli)
{
	struct aws_options ao = {cli->profile, cli->region, NULL};
	struct aws_error err;
	struct aws *aws;
	char *region;

	if ((aws = aws_open(&ao, &err)) == NULL) {
		log_debug("plan --offline: %s", err.message);
		return NULL;
	}
	region = xstrdup(aws_region(aws));
	aws_close(aws);
	return region;
}

static void
offline_print(const struct cli *cli, const char *stack, const cJSON *rows,
    const cJSON *iam, const struct deployed *dep)
{
	cJSON *o;
	char *s;

	if (cli->format == DIAG_FORMAT_JSON) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "verb", "plan");
		cJSON_AddStringToObject(o, "stack", stack);
		if (dep->region)
			cJSON_AddStringToObject(o, "region", dep->region);
		cJSON_AddStringToObject(o, "result", cJSON_GetArraySize(rows) ?
		    "changes" : "no-changes");
		cJSON_AddBoolToObject(o, "offline", 1);
		cJSON_AddItemReferenceToObject(o, "changes", (cJSON *)rows);
		cJSON_AddItemReferenceToObject(o, "accessWidened", (cJSON *)iam);
		s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else if (cJSON_GetArraySize(rows) == 0) {
		printf("%s: no changes against the last deploy (offline)\n",
		    stack);
	} else {
		printf("Changes to %s against the last deploy (offline):\n",
		    stack);
		plan_diff_print(stdout, rows);
		plan_iam_print(stdout, iam);
	}
}

/* nested_diff's old templates: the children the last deploy kept. */
struct offline_old {
	const char *dir;
	const cJSON *root; /* the deployed root template */
};

static cJSON *
offline_old_child(void *arg, const char *logical_id, char *why, size_t size)
{
	const struct offline_old *o = arg;

	return nested_kept(o->dir, o->root, logical_id, why, size);
}

static int
plan_offline(struct cli *cli, int detailed)
{
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	struct deployed dep = {0};
	struct nested nested = {0};
	char *b = NULL, *region = NULL, why[512];
	size_t lb;
	cJSON *new = NULL, *rows = NULL, *iam = NULL;
	int status = EXIT_OK, rc;

	/* The code too: a C edit shows through the archive's digest. */
	po = cli_pipeline_options(cli, PIPELINE_ALL);
	switch (pipeline_run(&p, &po, &d)) {
	case PIPELINE_OK:
		break;
	case PIPELINE_INVALID:
		goto out;
	case PIPELINE_IO:
		status = EXIT_IO;
		goto out;
	case PIPELINE_BUILD:
		status = EXIT_BUILD;
		goto out;
	default:
		status = EXIT_INVALID;
		goto out;
	}
	region = offline_region(cli);
	switch (deployed_load(p.out.dir, cli->stack_name ? cli->stack_name :
	    p.manifest->service, region, &dep)) {
	case 0:
		break;
	case 1: /* never deployed from here: all new */
		dep.template = cJSON_CreateObject();
		break;
	default:
		status = EXIT_IO;
		goto out;
	}
	if (file_read(p.out.template_path, 1 << 24, &b, &lb) != 0) {
		log_error("%s: %s", p.out.template_path, strerror(errno));
		status = EXIT_IO;
		goto out;
	}
	if ((new = cJSON_Parse(b)) == NULL) {
		log_error("%s: not JSON", p.out.template_path);
		status = EXIT_IO;
		goto out;
	}
	rows = plan_diff(dep.template, new, dep.code, p.out.code_sha256);
	iam = plan_iam_broadening(dep.template, new);
	/* a split service: the rows inside each changed child */
	if (nested_load(&nested, b, p.out.template_path, why,
	    sizeof why) != 0) {
		log_error("%s", why);
		status = EXIT_IO;
		goto out;
	}
	if (nested.n) {
		struct offline_old o = {p.out.dir, dep.template};

		nested_diff(&nested, &rows, iam, dep.code, p.out.code_sha256,
		    offline_old_child, &o);
	}
	offline_print(cli, cli->stack_name ? cli->stack_name :
	    p.manifest->service, rows, iam, &dep);
	if (detailed && cJSON_GetArraySize(rows) > 0)
		status = EXIT_CHANGES;
out:
	rc = cli_report_beside(cli, &d, rows != NULL);
	if (status == EXIT_OK)
		status = rc;
	cJSON_Delete(rows);
	cJSON_Delete(iam);
	cJSON_Delete(new);
	nested_free(&nested);
	deployed_free(&dep);
	free(b);
	free(region);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bucket", required_argument, NULL, OPT_BUCKET},
		{"role-arn", required_argument, NULL, OPT_ROLE_ARN},
		{"detailed-exitcode", no_argument, NULL, OPT_DETAILED},
		{"offline", no_argument, NULL, OPT_OFFLINE},
		CLI_PARAMETER_OPTIONS,
		CLI_STACK_NAME_OPTION,
		{"fast", no_argument, NULL, OPT_FAST},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("plan");
	struct converge_opts o;
	int c, offline = 0;

	memset(&o, 0, sizeof o);
	o.mode = CONVERGE_PLAN;
	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_BUCKET:
			o.bucket = optarg;
			break;
		case OPT_ROLE_ARN:
			o.role_arn = optarg;
			break;
		case OPT_DETAILED:
			o.detailed_exitcode = 1;
			break;
		case OPT_OFFLINE:
			offline = 1;
			break;
		case OPT_FAST:
			o.fast = 1;
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
	if (offline && o.fast) {
		cli_usage_error(self, "--offline and --fast: choose one");
		return EXIT_USAGE;
	}
	if (offline)
		return plan_offline(cli, o.detailed_exitcode);
	return cli_converge(cli, &o);
}
