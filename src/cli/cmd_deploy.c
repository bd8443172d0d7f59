/*
 * cmd_deploy.c - `spartac deploy`: build, upload, converge through a
 * ChangeSet, follow the stack, print the outputs (converge_io.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "converge/code_deploy.h"
#include "converge/converge_io.h"
#include "converge/plan_fast.h"
#include "pipeline/pipeline.h"

enum {
	OPT_BUCKET = 300,
	OPT_ROLE_ARN,
	OPT_OUTPUTS_FILE,
	OPT_TIMEOUT,
	OPT_FORCE,
	OPT_PROTECT,
	OPT_CONTINUE,
	OPT_CODE,
	OPT_WATCH,
	OPT_FALLBACK,
};

double
cli_parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	return -1;
}

void
cli_converge_setup(const struct cli *cli, struct converge_opts *o)
{
	clock_gettime(CLOCK_MONOTONIC, &o->started);
	o->aws.profile = cli->profile;
	o->aws.region = cli->region;
	o->aws.endpoint_url = cli->endpoint_url;
	o->format = cli->format;
	o->color = cli->color;
	o->stack_name = cli->stack_name;
	o->params = &cli->params;
}

int
cli_code_deploy(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d)
{
	struct diags none = {0};
	int status = code_deploy_run(o, m, out, d);

	if (status != EXIT_CHANGES || !o->fallback)
		return status;
	/* d was reported already */
	status = converge_run(o, m, out, &none);
	diags_free(&none);
	return status;
}

/*
 * plan, deploy and delete: the pipeline (only the model for delete), then
 * converge_run on the model and what the pipeline built.
 */
int
cli_converge(struct cli *cli, struct converge_opts *o)
{
	struct pipeline_options po;
	struct pipeline p = {0};
	struct diags d = {0};
	enum pipeline_status ps;
	const struct verb *verb;
	int status = EXIT_OK, rc;

	cli_converge_setup(cli, o);
	/* The model first: the parameter values are checked against it
	 * before anything is built. */
	po = cli_pipeline_options(cli, PIPELINE_MODEL);
	ps = pipeline_run(&p, &po, &d);
	if (ps == PIPELINE_OK && o->mode != CONVERGE_DELETE) {
		verb = cli_verb(o->mode == CONVERGE_PLAN ? "plan" : "deploy");
		if ((status = cli_params_resolve(cli, verb, p.manifest)) != 0 ||
		    (status = cli_params_require(cli, verb, p.manifest)) != 0) {
			cli_report(cli, &d); /* the model's warnings */
			goto out;
		}
		po.goal = PIPELINE_ALL;
		ps = pipeline_run(&p, &po, &d);
	}
	switch (ps) {
	case PIPELINE_OK:
		if (o->fast)
			status = plan_fast_run(o, p.manifest, &p.out, &d);
		else if (o->code)
			status = cli_code_deploy(o, p.manifest, &p.out, &d);
		else
			status = converge_run(o, p.manifest, p.have_out ?
			    &p.out : NULL, &d);
		goto out;
	case PIPELINE_INVALID:
		break;
	case PIPELINE_IO:
		status = EXIT_IO;
		break;
	case PIPELINE_BUILD:
		status = EXIT_BUILD;
		break;
	case PIPELINE_MARSHAL:
	case PIPELINE_HOOK:
		status = EXIT_INVALID;
		break;
	}
	rc = cli_report(cli, &d);
	if (status == EXIT_OK)
		status = rc;
out:
	pipeline_free(&p);
	diags_free(&d);
	return status;
}

int
cmd_deploy(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bucket", required_argument, NULL, OPT_BUCKET},
		{"role-arn", required_argument, NULL, OPT_ROLE_ARN},
		{"outputs-file", required_argument, NULL, OPT_OUTPUTS_FILE},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"yes", no_argument, NULL, 'y'},
		{"force", no_argument, NULL, OPT_FORCE},
		{"protect", no_argument, NULL, OPT_PROTECT},
		{"continue-rollback", no_argument, NULL, OPT_CONTINUE},
		CLI_PARAMETER_OPTIONS,
		CLI_STACK_NAME_OPTION,
		{"code", no_argument, NULL, OPT_CODE},
		{"watch", no_argument, NULL, OPT_WATCH},
		{"fallback", no_argument, NULL, OPT_FALLBACK},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("deploy");
	struct converge_opts o;
	int c, watch = 0;

	memset(&o, 0, sizeof o);
	o.mode = CONVERGE_DEPLOY;
	while ((c = cli_getopt(cli, self, argc, argv, "y", longopts)) != -1) {
		switch (c) {
		case OPT_BUCKET:
			o.bucket = optarg;
			break;
		case OPT_ROLE_ARN:
			o.role_arn = optarg;
			break;
		case OPT_OUTPUTS_FILE:
			o.outputs_file = optarg;
			break;
		case OPT_TIMEOUT:
			if ((o.timeout = cli_parse_duration(optarg)) < 0) {
				cli_usage_error(self, "--timeout %s: not a "
				    "duration (600, 10m, 1h)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'y':
			o.yes = 1;
			break;
		case OPT_FORCE:
			o.force = 1;
			break;
		case OPT_PROTECT:
			o.protect = 1;
			break;
		case OPT_CONTINUE:
			o.continue_rollback = 1;
			break;
		case OPT_CODE:
			o.code = 1;
			break;
		case OPT_WATCH:
			watch = 1;
			break;
		case OPT_FALLBACK:
			o.fallback = 1;
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
	/* Sparta's --noop: everything a deploy does short of changing AWS. */
	if (cli->noop)
		o.mode = CONVERGE_PLAN;
	if (o.code && cli->noop) {
		cli_usage_error(self, "--code and --noop: for what would change, "
		    "run 'spartac plan --fast'");
		return EXIT_USAGE;
	}
	if ((watch || o.fallback) && !o.code) {
		cli_usage_error(self, "--%s goes with --code", watch ? "watch" :
		    "fallback");
		return EXIT_USAGE;
	}
	if (watch)
		return cli_code_watch(cli, &o);
	return cli_converge(cli, &o);
}
