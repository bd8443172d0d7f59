/* cmd_schema.c - `spartac schema`: print the embedded manifest schema. */
#include <stdio.h>

#include "cli/cli.h"
#include "base/embedded.h"

int
cmd_schema(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("schema");
	const struct embedded_file *f;
	int c;

	while ((c = cli_getopt(cli, self, argc, argv, "", NULL)) != -1)
		return c == 'h' ? EXIT_OK : EXIT_USAGE;
	if (optind < argc) {
		cli_usage_error(self, "schema takes no arguments");
		return EXIT_USAGE;
	}
	if ((f = embedded_find("schema/sparta.schema.json")) == NULL) {
		log_error("the schema was not compiled in");
		return EXIT_INTERNAL;
	}
	if (fwrite(f->data, 1, f->len, stdout) != f->len || fflush(stdout) != 0) {
		log_error("cannot write the schema to standard output");
		return EXIT_IO;
	}
	return EXIT_OK;
}
