/* cmd_describe.c - `spartac describe [FILE] [-o FILE.html]`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "describe/describe.h"
#include "pipeline/pipeline.h"

int
cmd_describe(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("describe");
	const char *output = NULL;
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	struct buf html = {0};
	char *path = NULL;
	int c, status, rc;

	while ((c = cli_getopt(cli, self, argc, argv, "o:", longopts)) != -1) {
		if (c == 'o')
			output = optarg;
		else
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	/* Without -o the page goes to the output directory. */
	po = cli_pipeline_options(cli, output ? PIPELINE_MODEL :
	    PIPELINE_OUTDIR);
	switch (pipeline_run(&p, &po, &d)) {
	case PIPELINE_OK:
		break;
	case PIPELINE_IO:
		status = EXIT_IO;
		goto done;
	default:
		goto report;
	}
	path = output ? xstrdup(output) :
	    xasprintf("%s/describe.html", p.out.dir);
	rc = describe_html(p.manifest, &d, &html);
	if (rc == -1) {
		status = EXIT_INTERNAL;
		goto done;
	}
	if (rc == 0) {
		if (file_write_atomic(path, html.data, html.len, 0644) == -1) {
			log_error("cannot write %s: %s", path, strerror(errno));
			status = EXIT_IO;
			goto done;
		}
		log_info("wrote %s (%zu bytes; opens offline)", path, html.len);
	}
report:
	status = cli_report(cli, &d);
done:
	pipeline_free(&p);
	diags_free(&d);
	buf_free(&html);
	free(path);
	return status;
}
