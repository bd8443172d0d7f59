/*
 * cli.c - the verb table, global options, usage errors and help.
 *
 * `spartac [global options] VERB [options] [FILE]`. Global options may
 * also follow the verb. --help for every verb comes from the table below;
 * keep it in step with man/spartac.1 (tests/test_cli.py compares them).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef SPARTAC_COMMIT
#define SPARTAC_COMMIT "unknown"
#endif
/* spartac --version: the release and the commit it was built from. */
#define VERSION_LINE "spartac " SPARTAC_VERSION " (commit " SPARTAC_COMMIT ")"

int cli_main(int argc, char **argv);

enum {
	OPT_FORMAT = 256,
	OPT_NO_COLOR,
	OPT_STAGE,
	OPT_PROFILE,
	OPT_REGION,
	OPT_ENDPOINT_URL,
	OPT_VERSION,
};

static const struct option global_longopts[] = {
	{"file", required_argument, NULL, 'f'},
	{"level", required_argument, NULL, 'l'},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"stage", required_argument, NULL, OPT_STAGE},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"region", required_argument, NULL, OPT_REGION},
	{"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
	{"noop", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};
static const char global_shortopts[] = "f:l:C:nh";

static const char global_help[] =
    "Global options (before or after the verb):\n"
    "  -f, --file FILE        the manifest (default ./sparta.yaml)\n"
    "  -C DIR                 change to DIR first\n"
    "  -l, --level LEVEL      log level: error, warn, info (default), debug\n"
    "      --format FORMAT    text (default), json or github (workflow annotations)\n"
    "      --no-color         no colour (also when NO_COLOR is set)\n"
    "      --stage NAME       apply the overrides of stages.NAME\n"
    "      --profile NAME     AWS profile\n"
    "      --region REGION    AWS region\n"
    "      --endpoint-url URL AWS endpoint (http:// only for loopback)\n"
    "  -n, --noop             dry run: never change anything in AWS\n"
    "  -h, --help             help for spartac or the verb\n"
    "      --version          print the version\n";

static const struct verb verbs[] = {
	{"validate", "validate [--explain FUNCTION] [FILE]",
	    "check the manifest: YAML, schema and references; no AWS calls",
	    "Loads the manifest, checks it against the schema and checks every\n"
	    "reference. Diagnostics go to stderr (text) or stdout (json, github).\n"
	    "Exit status 0 when valid, 1 when the manifest has errors.\n"
	    "      --explain FUNCTION  print FUNCTION's effective settings, each\n"
	    "                          with where it comes from (the function,\n"
	    "                          defaults:, a stage, or spartac's default)\n",
	    cmd_validate},
	{"schema", "schema",
	    "print the manifest's JSON Schema (draft-07)",
	    "Prints the JSON Schema that spartac enforces, for editors and CI.\n",
	    cmd_schema},
	{"whoami", "whoami",
	    "show the AWS account, ARN, region and where the credentials came from",
	    "Calls STS GetCallerIdentity through the whole AWS configuration:\n"
	    "--profile/AWS_PROFILE, the environment, web identity, the shared\n"
	    "files (with credential_process and role_arn), container and EC2\n"
	    "instance credentials. --format json prints one JSON object.\n"
	    "Exit status 4 when no credentials work.\n",
	    cmd_whoami},
	{"invoke", "invoke FUNC [--event FILE|-] [--env NAME=VALUE] [--aws-env]\n"
	    "       [--custom-resource Create|Update|Delete] [FILE]",
	    "run one function locally through a built-in Lambda Runtime API emulator",
	    "Builds the bootstrap (as 'spartac build' does), starts it under a\n"
	    "Lambda Runtime API emulator on 127.0.0.1 with the function's\n"
	    "environment, memory and timeout, sends the event and prints the\n"
	    "response on stdout. The function's logs go to stderr.\n"
	    "  --event FILE       the event (JSON); '-' reads stdin; default {}\n"
	    "  --bootstrap PATH   run this bootstrap instead of building one\n"
	    "  --parameter NAME=VALUE  a parameter's value for environment\n"
	    "                     values that refer to it (default: its Default)\n"
	    "  --parameters-file F a JSON or YAML map of NAME: value\n"
	    "  --env NAME=VALUE   set an environment value (repeatable; wins over\n"
	    "                     the manifest and --env-file)\n"
	    "  --env-file FILE    KEY=VALUE lines (# comments, optional quotes)\n"
	    "  --aws-env          give the function spartac's AWS credentials\n"
	    "                     (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
	    "                     AWS_SESSION_TOKEN) and endpoint (--endpoint-url\n"
	    "                     or AWS_ENDPOINT_URL*), as Lambda gives its role's\n"
	    "                     credentials\n"
	    "  --custom-resource TYPE  play CloudFormation for a function under\n"
	    "                     custom_resources: send it a Create, Update or\n"
	    "                     Delete request (--event: ResourceProperties)\n"
	    "                     whose ResponseURL is on 127.0.0.1, and print\n"
	    "                     the reply it PUTs there\n"
	    "  --logical-id ID    the request's LogicalResourceId (default: the\n"
	    "                     first Custom::NAME resource under resources:)\n"
	    "  --physical-id ID   Update and Delete: PhysicalResourceId\n"
	    "                     (default: LOGICAL-ID-local)\n"
	    "  --old-event FILE   Update: OldResourceProperties (default: --event)\n"
	    "Values only known once deployed (GetAtt, Ref of a resource) are left\n"
	    "out with a warning naming --env; AWS::AccountId is 123456789012.\n"
	    "Exit status 5 when the function fails or times out (its error type\n"
	    "and message on stderr) or a custom resource replies FAILED or not\n"
	    "at all, 3 when the build fails.\n",
	    cmd_invoke},
	{"build", "build [FILE] [-o DIR] [--template-only]",
	    "compile the C code and the CloudFormation template; no AWS calls",
	    "Validates the manifest (with --stage, after the stage's overrides),\n"
	    "compiles the bootstrap, packs code.zip and marshals the template,\n"
	    "running the prebuild, postbuild, archive, premarshal and postmarshal\n"
	    "hooks in that order. Writes DIR/template.json, DIR/code.zip and\n"
	    "DIR/site.json, each atomically; the template is byte-identical for\n"
	    "the same manifest on any machine.\n"
	    "  -o, --output DIR    where to write (default: .spartac/ beside the manifest)\n"
	    "      --template-only the template alone: no compiler, no archive\n"
	    "Exit status 1 when the manifest has errors, 3 when compiling or a\n"
	    "hook fails, 74 when a file cannot be written.\n",
	    cmd_build},
	{"plan", "plan [FILE] [--detailed-exitcode] [--offline|--fast] [--bucket NAME] "
	    "[--parameter NAME=VALUE]",
	    "show what deploy would change: a ChangeSet described, never executed",
	    "Builds, then creates a ChangeSet, prints its changes (action, logical\n"
	    "ID, type, replacement; replacements marked !) and deletes it. Never\n"
	    "executes and never uploads code. A healthy stack whose digest\n"
	    "matches the build is 'no changes' after one DescribeStacks call.\n"
	    "  --detailed-exitcode exit 2 when there are changes, 0 when none\n"
	    "  --offline           no AWS: diff the template and the code digest\n"
	    "                      against the last deploy of this stack and region\n"
	    "                      (.spartac/deployed/STACK@REGION.json)\n"
	    "  --fast              no change set: the deployed template and code key\n"
	    "                      (DescribeStacks, GetTemplate) against the new ones\n"
	    "  --bucket NAME       the artifact bucket (default: the manifest's,\n"
	    "                      else spartac-ACCOUNT-REGION)\n"
	    "  --role-arn ARN      the service role CloudFormation acts as\n"
	    "  --parameter NAME=VALUE  a value for one of the manifest's parameters\n"
	    "                      (repeatable; checked against its declaration)\n"
	    "  --parameters-file F a JSON or YAML map of NAME: value (the command\n"
	    "                      line wins)\n"
	    "  --stack-name NAME   the stack (default: the manifest's service)\n",
	    cmd_plan},
	{"deploy", "deploy [FILE] [--yes] [--bucket NAME] [--timeout DURATION] "
	    "[--parameter NAME=VALUE]",
	    "build, upload and converge the stack through a ChangeSet",
	    "Builds; does nothing when a healthy stack carries the same digest\n"
	    "(one API call); else creates the artifact bucket if needed, uploads\n"
	    "code.zip when its key is absent, creates a ChangeSet, shows it, asks\n"
	    "on a terminal, executes it and follows the stack's events; then\n"
	    "syncs the site and prints the outputs. Ctrl-C stops waiting (exit\n"
	    "130); the stack goes on: follow it with 'spartac status'.\n"
	    "  -y, --yes            execute without asking (never asked when\n"
	    "                       stdin is not a terminal)\n"
	    "      --bucket NAME    the artifact bucket\n"
	    "      --role-arn ARN   the service role CloudFormation acts as\n"
	    "      --timeout D      stop waiting after D (600, 10m, 1h)\n"
	    "      --outputs-file F write the stack outputs to F as JSON\n"
	    "      --force          deploy even when the digest matches\n"
	    "      --protect        turn termination protection on\n"
	    "      --continue-rollback  finish an UPDATE_ROLLBACK_FAILED first\n"
	    "      --parameter NAME=VALUE  a value for one of the manifest's\n"
	    "                       parameters (repeatable; checked before any\n"
	    "                       AWS call; a changed value is a change)\n"
	    "      --parameters-file F  a JSON or YAML map of NAME: value (the\n"
	    "                       command line wins)\n"
	    "      --stack-name NAME  the stack (default: the manifest's service)\n"
	    "      --code           only the code: upload it and UpdateFunctionCode\n"
	    "                       each function, no ChangeSet; refused (exit 2)\n"
	    "                       when more changed since the last deploy\n"
	    "      --watch          with --code: again on every save, until Ctrl-C\n"
	    "      --fallback       with --code: a full deploy instead of a refusal\n"
	    "Exit status 4 when the deployment fails (root causes on stderr).\n",
	    cmd_deploy},
	{"delete", "delete [FILE] [--yes] [--stack-name NAME]",
	    "empty the site bucket, delete the stack and wait",
	    "Empties the site bucket (CloudFormation cannot delete a non-empty\n"
	    "bucket), deletes the stack and follows its events to the end. A\n"
	    "stack that does not exist is success. On a terminal it asks first\n"
	    "(only y or yes deletes; exit 2 otherwise); when stdin or stderr is\n"
	    "not a terminal it deletes only with --yes (exit 64 without).\n"
	    "  -y, --yes    delete without asking\n"
	    "  --stack-name NAME  the stack (default: the manifest's service)\n",
	    cmd_delete},
	{"status", "status [FILE] [--events N]",
	    "show the stack's status, outputs, parameters, tags and last events",
	    "Reads the stack: status and reason, outputs, parameters, tags and\n"
	    "the last N events (default 10). Changes nothing. Exit status 6\n"
	    "when the stack does not exist, 4 when AWS cannot be read.\n"
	    "  --events N   how many events to show\n"
	    "  --stack-name NAME  the stack (default: the manifest's service)\n"
	    "  --parameter NAME=VALUE  checked as deploy checks it, so one\n"
	    "               command line serves both; status shows the values\n"
	    "               deployed and uses none\n"
	    "  --parameters-file F  the same, from a JSON or YAML map\n",
	    cmd_status},
	{"logs", "logs [FUNCTION...] [--since WHEN] [--follow] [--filter PATTERN]",
	    "show the functions' CloudWatch Logs, interleaved by time",
	    "Reads the log groups of the named functions (all when none) through\n"
	    "FilterLogEvents and prints their events in time order: time, function\n"
	    "(coloured on a terminal), message. START and REPORT lines are shown\n"
	    "compactly (duration, memory used of the size, init), END is left out,\n"
	    "errors are highlighted. --format json prints one JSON object a line.\n"
	    "  --since WHEN       from WHEN: 30s, 10m, 2h, 1d, 1w back, or a UTC\n"
	    "                     time 2026-12-05T10:00:00Z (default 10m)\n"
	    "  --follow           keep polling for new events until Ctrl-C\n"
	    "  --filter PATTERN   a CloudWatch Logs filter pattern\n"
	    "  --timeout DURATION with --follow: stop after DURATION (30, 10m, 1h)\n"
	    "  --stack-name NAME  the stack (default: the manifest's service)\n",
	    cmd_logs},
	{"serve", "serve [FILE] [--port N] [--pool N] [--watch] [--jwks FILE] [--api-key NAME=VALUE]",
	    "serve the API on 127.0.0.1 through warm local bootstraps; no Docker",
	    "Builds the service, then answers its API routes on 127.0.0.1 as API\n"
	    "Gateway's REST proxy integration (or an HTTP API, payload 2.0) does:\n"
	    "path parameters, {proxy+}, query strings, multi-value headers, base64\n"
	    "bodies, CORS as configured; Lambda authorizers (cached for their\n"
	    "ttl), JWT and Cognito authorizers (with --jwks), API keys with their\n"
	    "usage plans' throttle and quota, request validation; 404 for an\n"
	    "unknown path, 405 for another method, 502 when the function fails,\n"
	    "504 past its timeout. Each function keeps a pool of warm bootstrap\n"
	    "processes. AWS_IAM is not checked. Stop it with Ctrl-C.\n"
	    "  -p, --port N       the port (default 3000; 0 picks a free one)\n"
	    "      --pool N       warm bootstraps per function (default: one per CPU)\n"
	    "  -w, --watch        rebuild and swap when the sources or manifest change\n"
	    "  --jwks FILE        the keys (a JWKS document) that JWT and Cognito\n"
	    "                     authorizers verify tokens with\n"
	    "  --api-key NAME=VALUE  the local value of api key NAME (repeatable;\n"
	    "                     default: generated; all are printed at start)\n"
	    "  --parameter NAME=VALUE  a parameter's value for environment\n"
	    "                     values that refer to it (default: its Default)\n"
	    "  --parameters-file F a JSON or YAML map of NAME: value\n"
	    "  --env NAME=VALUE   set an environment value (repeatable)\n"
	    "  --env-file FILE    KEY=VALUE lines (# comments, optional quotes)\n",
	    cmd_serve},
	{"describe", "describe [FILE] [-o FILE.html]",
	    "write a self-contained HTML picture of the service; no AWS calls",
	    "Writes one HTML file (default .spartac/describe.html) that needs no\n"
	    "network to open: a Graphviz graph of the functions, their roles,\n"
	    "event sources, API routes, the site and the raw resources, with the\n"
	    "edges between them; an inventory; and the generated template.\n"
	    "  -o, --output FILE  where to write the page\n",
	    cmd_describe},
	{"init", "init [DIR] [--name NAME]",
	    "create a new service: sparta.yaml, src/hello.c, a sample event",
	    "Creates DIR (default: the current directory) with sparta.yaml, its\n"
	    "schema for editors, src/hello.c, events/hello.json and .gitignore.\n"
	    "Nothing is overwritten: when any of these files exists, nothing is\n"
	    "written at all.\n"
	    "      --name NAME    the service (stack) name; default: from DIR\n",
	    cmd_init},
	{"completion", "completion bash|zsh|fish",
	    "print a shell completion script",
	    "Prints a completion script for bash, zsh or fish: verbs, options,\n"
	    "and for invoke the function names of the manifest. Load it with\n"
	    "  source <(spartac completion bash)    (bash, zsh)\n"
	    "  spartac completion fish | source     (fish)\n",
	    cmd_completion},
	{"help", "help [VERB]",
	    "show help for spartac or a verb",
	    "Same as 'spartac --help' or 'spartac VERB --help'.\n",
	    cmd_help},
};

static const struct verb *
verb_find(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

const struct verb *
cli_verb(const char *name)
{
	return verb_find(name);
}

const struct verb *
cli_verbs(size_t *n)
{
	*n = NELEM(verbs);
	return verbs;
}

const char *
cli_global_help(void)
{
	return global_help;
}

static void
print_main_help(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: spartac [global options] VERB [options] [FILE]\n\n"
	    "Compiles sparta.yaml into a CloudFormation template and a C bootstrap\n"
	    "for AWS Lambda (provided.al2023).\n\nVerbs:\n");
	for (i = 0; i < NELEM(verbs); i++)
		fprintf(fp, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(fp, "\n%s\nRun 'spartac VERB --help' for a verb's options; "
	    "'man spartac' for everything.\n", global_help);
}

static void
print_verb_help(FILE *fp, const struct verb *verb)
{
	fprintf(fp, "usage: spartac %s\n\n%s\n%s\n%s", verb->synopsis,
	    verb->summary, verb->help, global_help);
}

void
cli_usage_error(const struct verb *verb, const char *fmt, ...)
{
	va_list ap;

	fputs("spartac: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (verb)
		fprintf(stderr, "\ntry 'spartac %s --help'\n", verb->name);
	else
		fputs("\ntry 'spartac --help'\n", stderr);
}

static int
parse_level(const char *s, enum log_level *out)
{
	if (strcmp(s, "error") == 0 || strcmp(s, "fatal") == 0 ||
	    strcmp(s, "panic") == 0)
		*out = LOG_ERROR;
	else if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
		*out = LOG_WARN;
	else if (strcmp(s, "info") == 0)
		*out = LOG_INFO;
	else if (strcmp(s, "debug") == 0)
		*out = LOG_DEBUG;
	else
		return -1;
	return 0;
}

static int
color_wanted(int no_color_flag)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no_color_flag || (nc && *nc))
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDERR_FILENO);
}

/*
 * Applies one global option. Returns 0, 1 when the option is not global,
 * or -1 after a usage error.
 */
static int no_color_flag;

static int
apply_global(struct cli *cli, const struct verb *verb, int c, const char *arg)
{
	switch (c) {
	case 'f':
		cli->file = arg;
		cli->file_given = 1;
		return 0;
	case 'l':
		if (parse_level(arg, &cli->level) == -1) {
			cli_usage_error(verb, "unknown level '%s' (error, warn, info, debug)", arg);
			return -1;
		}
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			cli->format = DIAG_FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			cli->format = DIAG_FORMAT_JSON;
		else if (strcmp(arg, "github") == 0)
			cli->format = DIAG_FORMAT_GITHUB;
		else {
			cli_usage_error(verb, "unknown format '%s' (text, json, github)", arg);
			return -1;
		}
		return 0;
	case OPT_NO_COLOR:
		no_color_flag = 1;
		break;
	case 'C':
		if (chdir(arg) == -1) {
			cli_usage_error(verb, "-C %s: %s", arg, strerror(errno));
			return -1;
		}
		cli->dir = arg;
		return 0;
	case OPT_STAGE:
		cli->stage = arg;
		return 0;
	case OPT_PROFILE:
		cli->profile = arg;
		return 0;
	case OPT_REGION:
		cli->region = arg;
		return 0;
	case OPT_ENDPOINT_URL:
		cli->endpoint_url = arg;
		return 0;
	case 'n':
		cli->noop = 1;
		return 0;
	default:
		return 1;
	}
	cli->color = color_wanted(no_color_flag);
	log_setup(cli->level, cli->color);
	return 0;
}

/* The option that getopt could not parse, as the user wrote it. */
static void
report_bad_option(const struct verb *verb, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		cli_usage_error(verb, "option '%s' needs an argument", arg);
	else if (optopt > 0 && optopt < 256 && !(arg[0] == '-' && arg[1] == '-'))
		cli_usage_error(verb, "unknown option '-%c'", optopt);
	else if (optopt != 0)
		cli_usage_error(verb, "option '%s' takes no argument", arg);
	else
		cli_usage_error(verb, "unknown option '%s'", arg);
}

int
cli_getopt(struct cli *cli, const struct verb *verb, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	static struct option merged[64];
	static char shorts[128];
	size_t n = 0, i;
	int c, r;

	for (i = 0; longopts && longopts[i].name && n < NELEM(merged) - 1; i++)
		merged[n++] = longopts[i];
	for (i = 0; global_longopts[i].name && n < NELEM(merged) - 1; i++)
		merged[n++] = global_longopts[i];
	memset(&merged[n], 0, sizeof(merged[n]));
	snprintf(shorts, sizeof(shorts), ":%s%s", shortopts ? shortopts : "",
	    global_shortopts);
	for (;;) {
		opterr = 0;
		c = getopt_long(argc, argv, shorts, merged, NULL);
		if (c == -1)
			return -1;
		if (c == '?' || c == ':') {
			report_bad_option(verb, argv, c);
			return '?';
		}
		if (c == 'h') {
			print_verb_help(stdout, verb);
			return 'h';
		}
		if (c == OPT_VERSION) {
			puts(VERSION_LINE);
			return 'h';
		}
		if ((r = apply_global(cli, verb, c, optarg)) == -1)
			return '?';
		if (r == 1)
			return c;
	}
}

int
cli_take_file(struct cli *cli, const struct verb *verb, int argc, char **argv)
{
	if (optind < argc - 1) {
		cli_usage_error(verb, "too many arguments: '%s'", argv[optind + 1]);
		return -1;
	}
	if (optind == argc - 1) {
		if (cli->file_given && strcmp(cli->file, argv[optind]) != 0) {
			cli_usage_error(verb, "two manifests given: '%s' and '%s'",
			    cli->file, argv[optind]);
			return -1;
		}
		cli->file = argv[optind];
		cli->file_given = 1;
	}
	return 0;
}

int
cli_report(struct cli *cli, struct diags *d)
{
	if ((d->n || cli->format == DIAG_FORMAT_JSON) &&
	    diags_print(cli->format == DIAG_FORMAT_TEXT ? stderr : stdout, d,
	    cli->format, cli->color) == -1)
		return EXIT_INTERNAL;
	return d->nerrors ? EXIT_INVALID : EXIT_OK;
}

int
cli_report_beside(struct cli *cli, struct diags *d, int document)
{
	if (!document || cli->format == DIAG_FORMAT_TEXT)
		return cli_report(cli, d);
	/* stdout holds the document; the diagnostics go to stderr as text. */
	if (d->n)
		diags_print(stderr, d, DIAG_FORMAT_TEXT, cli->color);
	return d->nerrors ? EXIT_INVALID : EXIT_OK;
}

struct pipeline_options
cli_pipeline_options(const struct cli *cli, enum pipeline_goal goal)
{
	struct pipeline_options po;

	memset(&po, 0, sizeof(po));
	po.manifest_path = cli->file;
	po.stage = cli->stage;
	po.goal = goal;
	return po;
}

int
cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = verb_find("help"), *v;
	int c;

	while ((c = cli_getopt(cli, self, argc, argv, "", NULL)) != -1)
		return c == 'h' ? EXIT_OK : EXIT_USAGE;
	if (optind >= argc) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	if ((v = verb_find(argv[optind])) == NULL) {
		cli_usage_error(NULL, "unknown verb '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	print_verb_help(stdout, v);
	return EXIT_OK;
}

int
cli_main(int argc, char **argv)
{
	struct cli cli;
	const struct verb *verb;
	const char *names[NELEM(verbs)];
	size_t i;
	int c, r;

	memset(&cli, 0, sizeof(cli));
	cli.file = "sparta.yaml";
	cli.level = LOG_INFO;
	cli.color = color_wanted(0);
	log_setup(cli.level, cli.color);

	/* Global options up to the verb ('+': stop at the first operand). */
	for (;;) {
		opterr = 0;
		c = getopt_long(argc, argv, "+:f:l:C:nh", global_longopts, NULL);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			report_bad_option(NULL, argv, c);
			return EXIT_USAGE;
		}
		if (c == 'h') {
			print_main_help(stdout);
			return EXIT_OK;
		}
		if (c == OPT_VERSION) {
			puts(VERSION_LINE);
			return EXIT_OK;
		}
		if ((r = apply_global(&cli, NULL, c, optarg)) != 0)
			return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_usage_error(NULL, "no verb given");
		return EXIT_USAGE;
	}
	if ((verb = verb_find(argv[optind])) == NULL) {
		for (i = 0; i < NELEM(verbs); i++)
			names[i] = verbs[i].name;
		cli_usage_error(NULL, "unknown verb '%s'%s", argv[optind],
		    diag_suggest(argv[optind], names, NELEM(verbs)));
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* GNU getopt: start afresh on the verb's argv */
	r = verb->run(&cli, argc, argv);
	cli_free(&cli);
	return r;
}
