/*
 * main.c - spartac: compile sparta.yaml into CloudFormation and a C bootstrap.
 *
 * Parses the global options, finds the verb and runs it. This is the only
 * place that exits; everything else returns a status (base/exit_status.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "cli/cli.h"

int cli_main(int argc, char **argv);

/* die_oom has printed why; flushes stdio and ends with the documented status. */
static void
exit_out_of_memory(void)
{
	exit(EXIT_INTERNAL);
}

int
main(int argc, char **argv)
{
	oom_handler_set(exit_out_of_memory);
	return cli_main(argc, argv);
}
