/*
 * cmd_build.c - `spartac build [FILE] [-o DIR] [--template-only]`.
 *
 * The whole pipeline (pipeline.h): validate -> the code: prebuild hook,
 * bootstrap, postbuild hook, archive hook, code.zip, site.json -> the
 * template: premarshal hook, template.json, postmarshal hook. Nothing
 * talks to AWS. Everything is written under DIR, by default the project's
 * .spartac/ (the manifest's directory), each file atomically.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "pipeline/pipeline.h"

int
cmd_build(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"template-only", no_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("build");
	struct pipeline_options po;
	struct pipeline p = {0};
	struct diags d = {0};
	const char *outdir = NULL;
	int c, status, failed = 0, template_only = 0;

	while ((c = cli_getopt(cli, self, argc, argv, "o:", longopts)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'T':
			template_only = 1;
			break;
		case 'h':
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	po = cli_pipeline_options(cli, template_only ? PIPELINE_TEMPLATE :
	    PIPELINE_ALL);
	po.out_dir = outdir;
	switch (pipeline_run(&p, &po, &d)) {
	case PIPELINE_OK:
	case PIPELINE_INVALID:
	case PIPELINE_MARSHAL:
		break;
	case PIPELINE_IO:
		failed = EXIT_IO;
		break;
	case PIPELINE_BUILD:
	case PIPELINE_HOOK:
		failed = EXIT_BUILD;
		break;
	}
	status = cli_report(cli, &d);
	if (failed)
		status = failed;
	if (status == EXIT_OK && cli->format == DIAG_FORMAT_TEXT)
		log_info("wrote %s (%zu bytes)", p.out.template_path,
		    p.template_len);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
