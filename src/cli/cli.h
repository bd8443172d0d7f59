/*
 * cli.h - verbs and options (exit statuses: base/exit_status.h). Only
 * main() exits.
 *
 * Each verb lives in its own src/cmd_<verb>.c and is listed once in the
 * verb table in cli.c. A verb gets the parsed global options and its own
 * argv (argv[0] is the verb name), parses its own options with cli_getopt
 * (which also accepts every global option, so `spartac validate -f x` and
 * `spartac -f x validate` mean the same), and returns an exit status.
 */
#ifndef SPARTAC_CLI_H
#define SPARTAC_CLI_H

#include <getopt.h>

#include "base/diag.h"
#include "base/exit_status.h"
#include "pipeline/pipeline.h"

struct cli {
	const char *file;       /* -f/--file or positional; default sparta.yaml */
	int file_given;
	enum log_level level;   /* -l/--level */
	enum diag_format format; /* --format */
	int color;              /* after --no-color, NO_COLOR and isatty */
	const char *dir;        /* -C DIR, already chdir'ed into */
	const char *stage;      /* --stage */
	const char *profile;    /* --profile */
	const char *region;     /* --region */
	const char *endpoint_url; /* --endpoint-url */
	int noop;               /* -n/--noop */
};

struct verb {
	const char *name;
	const char *synopsis; /* "validate [FILE]" */
	const char *summary;  /* one line for spartac --help */
	const char *help;     /* the verb's options, for spartac VERB --help */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/*
 * getopt_long over the verb's own options plus the global ones. Returns the
 * verb option's value (as getopt_long does), -1 at the end, or '?' after
 * printing a usage error (the caller returns EXIT_USAGE). Global options are
 * applied to cli and not returned. `--help` prints the verb's help and
 * returns 'h'. After -1, optind indexes the first operand.
 */
int cli_getopt(struct cli *cli, const struct verb *verb, int argc, char **argv,
    const char *shortopts, const struct option *longopts);
/*
 * Takes at most one positional FILE operand (the manifest). Returns 0, or
 * prints a usage error and returns -1 when there are more operands.
 */
int cli_take_file(struct cli *cli, const struct verb *verb, int argc,
    char **argv);
/* The verb's table entry (for cli_getopt and help), by name. */
const struct verb *cli_verb(const char *name);
/* The whole verb table, and the help text of the global options. */
const struct verb *cli_verbs(size_t *n);
const char *cli_global_help(void);
/* Prints "spartac: MESSAGE" and "try 'spartac VERB --help'" to stderr. */
void cli_usage_error(const struct verb *verb, const char *fmt, ...)
    PRINTF_LIKE(2, 3);
/* Prints diagnostics in the chosen format; returns the exit status they imply. */
int cli_report(struct cli *cli, struct diags *d);
/* As cli_report, but when DOCUMENT is set and the format is not text, stdout
 * already holds a JSON document: the diagnostics go to stderr as text. */
int cli_report_beside(struct cli *cli, struct diags *d, int document);
/* The pipeline's options (pipeline.h) for the manifest of -f and --stage. */
struct pipeline_options cli_pipeline_options(const struct cli *cli,
    enum pipeline_goal goal);

/* The verbs. */
int cmd_validate(struct cli *, int, char **);
int cmd_schema(struct cli *, int, char **);
int cmd_help(struct cli *, int, char **);
int cmd_completion(struct cli *, int, char **);
int cmd_init(struct cli *, int, char **);
int cmd_describe(struct cli *, int, char **);
int cmd_serve(struct cli *, int, char **);
int cmd_build(struct cli *, int, char **);
int cmd_whoami(struct cli *, int, char **);
int cmd_plan(struct cli *, int, char **);
int cmd_deploy(struct cli *, int, char **);
int cmd_delete(struct cli *, int, char **);
int cmd_status(struct cli *, int, char **);
int cmd_invoke(struct cli *, int, char **);

struct converge_opts;

/* plan, deploy, delete: the pipeline, then converge (cmd_deploy.c). */
int cli_converge(struct cli *cli, struct converge_opts *o);

#endif
