/*
 * cmd_validate.c - `spartac validate [FILE]`: every check build makes,
 * the template built in memory; no hook, no compiler, no file, no AWS.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "pipeline/pipeline.h"

int
cmd_validate(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("validate");
	struct pipeline_options po;
	struct pipeline p = {0};
	struct diags d = {0};
	int c, status;

	while ((c = cli_getopt(cli, self, argc, argv, "", NULL)) != -1)
		return c == 'h' ? EXIT_OK : EXIT_USAGE;
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	po = cli_pipeline_options(cli, PIPELINE_CHECK);
	pipeline_run(&p, &po, &d);
	status = cli_report(cli, &d);
	if (status == EXIT_OK && cli->format == DIAG_FORMAT_TEXT)
		log_info("%s: valid", cli->file);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
