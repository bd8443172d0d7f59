/*
 * cmd_delete.c - `spartac delete`: empty the site bucket, delete the
 * stack, follow it to the end. A missing stack is success.
 */
#include <string.h>

#include "cli/cli.h"
#include "converge/converge_io.h"

int
cmd_delete(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("delete");
	struct converge_opts o;
	int c;

	memset(&o, 0, sizeof o);
	o.mode = CONVERGE_DELETE;
	while ((c = cli_getopt(cli, self, argc, argv, "", NULL)) != -1) {
		switch (c) {
		case 'h':
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	if (cli->noop) {
		log_info("--noop: nothing deleted");
		return EXIT_OK;
	}
	return cli_converge(cli, &o);
}
