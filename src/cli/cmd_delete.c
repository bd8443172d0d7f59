/*
 * cmd_delete.c - `spartac delete`: empty the site bucket, delete the
 * stack, follow it to the end. A missing stack is success. On a terminal
 * it asks first (as deploy does); off a terminal it needs --yes.
 */
#include <string.h>

#include "cli/cli.h"
#include "converge/converge_io.h"

int
cmd_delete(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"yes", no_argument, NULL, 'y'},
		CLI_STACK_NAME_OPTION,
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("delete");
	struct converge_opts o;
	int c;

	memset(&o, 0, sizeof o);
	o.mode = CONVERGE_DELETE;
	while ((c = cli_getopt(cli, self, argc, argv, "y", longopts)) != -1) {
		switch (c) {
		case 'y':
			o.yes = 1;
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
	if (cli->noop) {
		log_info("--noop: nothing deleted");
		return EXIT_OK;
	}
	/* Nobody to ask: deleting a stack needs the caller to say so. */
	if (!o.yes && !converge_will_ask(&o)) {
		cli_usage_error(self, "delete asks on a terminal; without one, "
		    "pass --yes to delete the stack");
		return EXIT_USAGE;
	}
	return cli_converge(cli, &o);
}
