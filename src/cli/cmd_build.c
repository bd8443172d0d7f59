/*
 * cmd_build.c - `spartac build [FILE] [-o DIR] [--template-only]`.
 *
 * validate (pipeline.h) -> the code: prebuild hook, bootstrap, postbuild
 * hook, archive hook, code.zip, site.json (build.h) -> the template:
 * premarshal hook, template.json, postmarshal hook (marshal.h). Nothing
 * talks to AWS. Everything is written under DIR, by default the project's
 * .spartac/ (the manifest's directory), each file atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compile/build.h"
#include "cli/cli.h"
#include "compile/marshal.h"
#include "pipeline/pipeline.h"

static int
has_hook_error(const struct diags *d, size_t from)
{
	size_t i;

	for (i = from; i < d->n; i++)
		if (d->v[i].code == DIAG_HOOK_FAILED || d->v[i].code == DIAG_HOOK_NOT_FOUND)
			return 1;
	return 0;
}

int
cmd_build(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"template-only", no_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("build");
	struct diags d = {0};
	struct pipeline p;
	struct build_out out;
	const char *outdir = NULL;
	int c, template_only = 0, rc, status, failed = 0, have_out = 0;
	size_t len = 0, mark;

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
	if (pipeline_check(&p, cli, &d) > 0)
		goto report;

	rc = outdir ? build_out_init_in(&out, cli->file, outdir, !template_only) :
	    build_out_init(&out, cli->file);
	have_out = 1;
	if (rc < 0) {
		failed = EXIT_IO;
		goto report;
	}
	if (!template_only && build_code(p.manifest, &out, &d) > 0) {
		failed = EXIT_BUILD;
		goto report;
	}
	mark = d.n;
	rc = marshal_build(p.manifest, &out, &d, &len);
	if (rc < 0)
		failed = EXIT_IO;
	else if (rc > 0 && has_hook_error(&d, mark))
		failed = EXIT_BUILD;
report:
	status = cli_report(cli, &d);
	if (failed)
		status = failed;
	if (status == EXIT_OK && cli->format == DIAG_FORMAT_TEXT)
		log_info("wrote %s (%zu bytes)", out.template_path, len);
	if (have_out)
		build_out_free(&out);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
