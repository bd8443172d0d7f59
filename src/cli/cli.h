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
#include "front/params.h"
#include "pipeline/pipeline.h"

struct manifest;

/* Option values several verbs share (cli_take_value). */
enum {
	CLI_OPT_PARAMETER = 400,
	CLI_OPT_PARAMETERS_FILE,
	CLI_OPT_ENV,
	CLI_OPT_ENV_FILE,
	CLI_OPT_STACK_NAME,
};
#define CLI_PARAMETER_OPTIONS \
	{"parameter", required_argument, NULL, CLI_OPT_PARAMETER}, \
	{"parameters-file", required_argument, NULL, CLI_OPT_PARAMETERS_FILE}
#define CLI_ENV_OPTIONS \
	{"env", required_argument, NULL, CLI_OPT_ENV}, \
	{"env-file", required_argument, NULL, CLI_OPT_ENV_FILE}
#define CLI_STACK_NAME_OPTION \
	{"stack-name", required_argument, NULL, CLI_OPT_STACK_NAME}

/* Option arguments in command-line order. */
struct cli_args {
	const char **v;
	size_t n;
};

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
	const char *stack_name; /* --stack-name; NULL: the service */
	struct cli_args param_args;  /* --parameter NAME=VALUE */
	struct cli_args param_files; /* --parameters-file FILE */
	struct cli_args env_args;    /* --env NAME=VALUE */
	struct cli_args env_files;   /* --env-file FILE */
	struct params params;        /* after cli_params_load */
	char **env;                  /* after cli_env_load: NAME=VALUE */
	size_t nenv;
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
/* Seconds, or "10m", "1h" (cmd_deploy.c). -1 when it is not a duration. */
double cli_parse_duration(const char *s);
/* The pipeline's options (pipeline.h) for the manifest of -f and --stage. */
struct pipeline_options cli_pipeline_options(const struct cli *cli,
    enum pipeline_goal goal);

/*
 * Takes the value of a CLI_OPT_* option into cli. Returns 1 when c was
 * one of them, else 0.
 */
int cli_take_value(struct cli *cli, int c, const char *arg);
/*
 * Reads --parameters-file files, then --parameter values, into cli->params
 * (the command line wins). Returns 0, or prints why and returns the exit
 * status (EXIT_USAGE, EXIT_IO).
 */
int cli_params_load(struct cli *cli, const struct verb *verb);
/*
 * cli_params_load, then the values checked against the model's parameters
 * before any AWS call; each refusal printed. Returns 0 or the exit status.
 */
int cli_params_resolve(struct cli *cli, const struct verb *verb,
    const struct manifest *m);
/*
 * Reads --env-file files, then --env values, into cli->env (a later one
 * wins). Returns 0, or prints why and returns EXIT_USAGE.
 */
int cli_env_load(struct cli *cli, const struct verb *verb);
/*
 * For a ChangeSet: every declared parameter without a Default has a value.
 * Returns 0, or prints which do not and returns EXIT_USAGE.
 */
int cli_params_require(struct cli *cli, const struct verb *verb,
    const struct manifest *m);
/* The stack's name: --stack-name, else the model's service. */
const char *cli_stack_name(const struct cli *cli, const struct manifest *m);
/* Frees what the options collected. */
void cli_free(struct cli *cli);

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
int cmd_logs(struct cli *, int, char **);

struct converge_opts;

/* o's start time, AWS options, format and colour from cli (cmd_deploy.c). */
void cli_converge_setup(const struct cli *cli, struct converge_opts *o);
/* plan, deploy, delete: the pipeline, then converge (cmd_deploy.c). */
int cli_converge(struct cli *cli, struct converge_opts *o);
/* deploy --code, and with --fallback a full deploy when it refuses
 * (cmd_deploy.c). */
struct build_out;
struct manifest;
int cli_code_deploy(const struct converge_opts *o, const struct manifest *m,
    const struct build_out *out, struct diags *d);
/* deploy --code --watch: again on every save until Ctrl-C (code_watch.c). */
int cli_code_watch(struct cli *cli, struct converge_opts *o);

#endif
