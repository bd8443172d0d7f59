/*
 * main.c - spartac: compile sparta.yaml into CloudFormation and a C bootstrap.
 *
 * Parses the global options, finds the verb and runs it. This is the only
 * place that exits; everything else returns a status (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

int cli_main(int argc, char **argv);

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
