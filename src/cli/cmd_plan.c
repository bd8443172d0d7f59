/*
 * cmd_plan.c - `spartac plan`: what deploy would change, from a ChangeSet
 * that is described and deleted, never executed; or, with --offline, from
 * the template of the last deploy saved under .spartac/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "converge/converge_io.h"
#include "pipeline/pipeline.h"
#include "base/util.h"

enum {
	OPT_BUCKET = 300,
	OPT_ROLE_ARN,
	OPT_DETAILED,
	OPT_OFFLINE,
};

/* One resource-level difference between two templates. */
static void
diff_add(cJSON *rows, const char *action, const char *id, const cJSON *res)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(res, "Type");

	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "logicalId", id);
	cJSON_AddStringToObject(o, "type", cJSON_IsString(type) ?
	    type->valuestring : "");
	cJSON_AddItemToArray(rows, o);
}

/* Resources of new against old: Add, Modify (any property), Remove. */
static cJSON *
diff_templates(const cJSON *old, const cJSON *new)
{
	const cJSON *ro = cJSON_GetObjectItemCaseSensitive(old, "Resources");
	const cJSON *rn = cJSON_GetObjectItemCaseSensitive(new, "Resources");
	const cJSON *x, *y;
	cJSON *rows = cJSON_CreateArray();

	cJSON_ArrayForEach(x, rn) {
		y = cJSON_GetObjectItemCaseSensitive(ro, x->string);
		if (y == NULL)
			diff_add(rows, "Add", x->string, x);
		else if (!cJSON_Compare(x, y, 1))
			diff_add(rows, "Modify", x->string, x);
	}
	cJSON_ArrayForEach(y, ro)
		if (cJSON_GetObjectItemCaseSensitive(rn, y->string) == NULL)
			diff_add(rows, "Remove", y->string, y);
	return rows;
}

static int
plan_offline(struct cli *cli, int detailed)
{
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	char *path = NULL, *a = NULL, *b = NULL;
	size_t la, lb;
	cJSON *old = NULL, *new = NULL, *rows = NULL, *row;
	int status = EXIT_OK, rc;

	/* Only the template: no code is built. */
	po = cli_pipeline_options(cli, PIPELINE_TEMPLATE);
	switch (pipeline_run(&p, &po, &d)) {
	case PIPELINE_OK:
		break;
	case PIPELINE_INVALID:
		goto out;
	case PIPELINE_IO:
		status = EXIT_IO;
		goto out;
	default:
		status = EXIT_INVALID;
		goto out;
	}
	path = xasprintf("%s/deployed.json", p.out.dir);
	if (file_read(path, 1 << 24, &a, &la) != 0) {
		if (errno != ENOENT) {
			log_error("%s: %s", path, strerror(errno));
			status = EXIT_IO;
			goto out;
		}
		a = xstrdup("{}"); /* never deployed from here: all new */
	}
	if (file_read(p.out.template_path, 1 << 24, &b, &lb) != 0) {
		log_error("%s: %s", p.out.template_path, strerror(errno));
		status = EXIT_IO;
		goto out;
	}
	old = cJSON_Parse(a);
	new = cJSON_Parse(b);
	if (old == NULL || new == NULL) {
		log_error("%s: not JSON", old ? p.out.template_path : path);
		status = EXIT_IO;
		goto out;
	}
	rows = diff_templates(old, new);
	if (cli->format == DIAG_FORMAT_JSON) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o, "verb", "plan");
		cJSON_AddStringToObject(o, "stack", p.manifest->service);
		cJSON_AddStringToObject(o, "result", cJSON_GetArraySize(rows) ?
		    "changes" : "no-changes");
		cJSON_AddBoolToObject(o, "offline", 1);
		cJSON_AddItemReferenceToObject(o, "changes", rows);
		s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else if (cJSON_GetArraySize(rows) == 0) {
		printf("%s: no changes against the last deploy (offline)\n",
		    p.manifest->service);
	} else {
		printf("Changes to %s against the last deploy (offline):\n",
		    p.manifest->service);
		cJSON_ArrayForEach(row, rows)
			printf("  %-7s %-40s %s\n",
			    cJSON_GetObjectItemCaseSensitive(row, "action")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(row, "logicalId")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(row, "type")->valuestring);
	}
	if (detailed && cJSON_GetArraySize(rows) > 0)
		status = EXIT_CHANGES;
out:
	rc = cli_report_beside(cli, &d, rows != NULL);
	if (status == EXIT_OK)
		status = rc;
	cJSON_Delete(rows);
	cJSON_Delete(old);
	cJSON_Delete(new);
	free(a);
	free(b);
	free(path);
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
	if (offline)
		return plan_offline(cli, o.detailed_exitcode);
	return cli_converge(cli, &o);
}
