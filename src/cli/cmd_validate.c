/*
 * cmd_validate.c - `spartac validate [FILE]`: every check build makes,
 * the template built in memory; no hook, no compiler, no file, no AWS.
 * With --explain FUNCTION it then prints that function's effective
 * settings and where each comes from (describe/explain.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "describe/describe.h"
#include "pipeline/pipeline.h"

/* --explain: the function's effective settings, on stdout. */
static int
explain(struct cli *cli, const struct verb *self, const struct pipeline *p,
    const char *name)
{
	struct buf out = {0};
	const char **names;
	size_t i;

	if (describe_explain(p->manifest, p->doc->root, name, &out) != 0) {
		names = xcalloc(p->manifest->nfunctions + 1, sizeof(*names));
		for (i = 0; i < p->manifest->nfunctions; i++)
			names[i] = p->manifest->functions[i].name;
		cli_usage_error(self, "%s declares no function '%s'%s", cli->file,
		    name, diag_suggest(name, names, p->manifest->nfunctions));
		free(names);
		return EXIT_USAGE;
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}

int
cmd_validate(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"explain", required_argument, NULL, 'E'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("validate");
	const char *function = NULL;
	struct pipeline_options po;
	struct pipeline p = {0};
	struct diags d = {0};
	int c, status;

	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		if (c == 'E')
			function = optarg;
		else
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	po = cli_pipeline_options(cli, PIPELINE_CHECK);
	pipeline_run(&p, &po, &d);
	status = cli_report(cli, &d);
	if (status == EXIT_OK && function != NULL)
		status = explain(cli, self, &p, function);
	else if (status == EXIT_OK && cli->format == DIAG_FORMAT_TEXT)
		log_info("%s: valid", cli->file);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
