/*
 * cmd_invoke.c - `spartac invoke FUNC [--event FILE|-]`: build, then run
 * one function through the Runtime API emulator and print its response.
 *
 * stdout carries only the invocation's payload (byte for byte, plus a
 * newline on a terminal): the response, or on failure the error document;
 * the function's own logs and spartac's messages go to stderr. A function
 * error or a timeout exits with EXIT_FUNCTION after printing "TYPE:
 * MESSAGE" on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "local/emulator.h"
#include "local/local.h"
#include "front/manifest.h"
#include "front/node.h"
#include "pipeline/pipeline.h"
#include "base/util.h"

enum {
	OPT_EVENT = 300,
	OPT_BOOTSTRAP,
	OPT_AWS_ENV,
};

static const struct option invoke_longopts[] = {
	{"event", required_argument, NULL, OPT_EVENT},
	{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
	CLI_PARAMETER_OPTIONS,
	CLI_ENV_OPTIONS,
	{"aws-env", no_argument, NULL, OPT_AWS_ENV},
	{NULL, 0, NULL, 0},
};

/*
 * --aws-env: the function gets spartac's AWS credentials variables and
 * endpoint (--endpoint-url, else AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_*),
 * as Lambda gives a function its role's credentials. Appended to lf->env,
 * after the manifest's values.
 */
static void
aws_env_add(struct local_function *lf, const char *endpoint_url)
{
	extern char **environ;
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	};
	size_t n = 0, i;
	char **p;

	while (lf->env[n] != NULL)
		n++;
	for (p = environ; *p != NULL; p++)
		n++;
	lf->env = xrealloc(lf->env, (n + 2) * sizeof(*lf->env));
	for (n = 0; lf->env[n] != NULL; n++)
		;
	for (i = 0; i < NELEM(names); i++)
		if (getenv(names[i]) != NULL)
			lf->env[n++] = xasprintf("%s=%s", names[i],
			    getenv(names[i]));
	if (endpoint_url != NULL)
		lf->env[n++] = xasprintf("AWS_ENDPOINT_URL=%s", endpoint_url);
	for (p = environ; *p != NULL; p++)
		if (str_has_prefix(*p, "AWS_ENDPOINT_URL") &&
		    (endpoint_url == NULL || !str_has_prefix(*p,
		    "AWS_ENDPOINT_URL=")))
			lf->env[n++] = xstrdup(*p);
	lf->env[n] = NULL;
	lf->cfg.env = (const char *const *)lf->env;
}

/*
 * Reads the event from a file or stdin ("-"), at most the invoke limit.
 * Returns 0, EXIT_IO when it cannot be read, or EXIT_USAGE when it is over
 * the limit (a bad argument: Lambda refuses it before anything runs).
 */
static int
event_read(const char *path, char **out, size_t *len)
{
	struct buf b = {0};
	char tmp[65536];
	size_t n;

	if (path == NULL) {
		*out = xstrdup("{}");
		*len = 2;
		return 0;
	}
	if (strcmp(path, "-") != 0) {
		if (file_read(path, EMULATOR_EVENT_LIMIT, out, len) < 0) {
			if (errno != EFBIG) {
				log_error("%s: %s", path, strerror(errno));
				return EXIT_IO;
			}
			log_error("%s: the event is over Lambda's 6 MB limit", path);
			return EXIT_USAGE;
		}
		return 0;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), stdin)) > 0) {
		buf_append(&b, tmp, n);
		if (b.len > EMULATOR_EVENT_LIMIT) {
			log_error("stdin: the event is over Lambda's 6 MB limit");
			buf_free(&b);
			return EXIT_USAGE;
		}
	}
	if (ferror(stdin)) {
		log_error("stdin: %s", strerror(errno));
		buf_free(&b);
		return EXIT_IO;
	}
	buf_append(&b, "", 0);
	*len = b.len;
	*out = buf_take(&b);
	return 0;
}

/*
 * stdout gets the invocation's payload either way, as Lambda's Invoke API
 * returns it: the response, or the error document ({"errorMessage",
 * "errorType", ...}); the exit status says which.
 */
static int
report(const char *func, const struct emulator_result *r)
{
	fwrite(r->payload, 1, r->len, stdout);
	if (isatty(STDOUT_FILENO) && (r->len == 0 ||
	    r->payload[r->len - 1] != '\n'))
		putchar('\n');
	if (fflush(stdout) != 0) {
		log_error("stdout: %s", strerror(errno));
		return EXIT_IO;
	}
	if (r->outcome == EMULATOR_OK)
		return EXIT_OK;
	fprintf(stderr, "spartac: %s %s: %s: %s\n", func,
	    r->outcome == EMULATOR_TIMEOUT ? "timed out" : "failed",
	    r->error_type ? r->error_type : "Unknown",
	    r->error_message ? r->error_message : r->payload);
	return EXIT_FUNCTION;
}

/* The function named func, or NULL after a usage error naming a near one. */
static const struct manifest_function *
function_find(struct cli *cli, const struct verb *self,
    const struct manifest *m, const char *func)
{
	const struct manifest_function *f;
	const char **names;
	size_t i;

	if ((f = manifest_function_find(m, func)) != NULL)
		return f;
	names = xcalloc(m->nfunctions + 1, sizeof(*names));
	for (i = 0; i < m->nfunctions; i++)
		names[i] = m->functions[i].name;
	cli_usage_error(self, "%s has no function '%s'%s", cli->file, func,
	    diag_suggest(func, names, m->nfunctions));
	free(names);
	return NULL;
}

/*
 * The bootstrap to run: the one --bootstrap names (made absolute), or the
 * one the pipeline builds (the code, not the template: nothing here needs
 * it). Returns an exit status, EXIT_OK when *bootstrap is set.
 */
static int
invoke_bootstrap(struct cli *cli, struct pipeline *p,
    struct pipeline_options *po, struct diags *d, const char **bootstrap,
    char **abs_bootstrap)
{
	enum pipeline_status ps;

	if (*bootstrap != NULL) {
		if ((*abs_bootstrap = realpath(*bootstrap, NULL)) == NULL) {
			log_error("%s: %s", *bootstrap, strerror(errno));
			return EXIT_IO;
		}
		*bootstrap = *abs_bootstrap;
		return EXIT_OK;
	}
	po->goal = PIPELINE_CODE;
	ps = pipeline_run(p, po, d);
	if (ps == PIPELINE_IO)
		return EXIT_IO;
	if (ps != PIPELINE_OK || d->nerrors > 0) {
		cli_report(cli, d);
		return EXIT_BUILD; /* as `spartac build` says it */
	}
	cli_report(cli, d); /* warnings, if any */
	*bootstrap = p->out.bootstrap_path;
	return EXIT_OK;
}

int
cmd_invoke(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("invoke");
	const char *event_path = NULL, *bootstrap = NULL, *func;
	const struct manifest_function *f;
	struct local_function lf;
	struct local_values values = {0};
	struct emulator_result r;
	struct emulator *e = NULL;
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	char *event = NULL, *abs_bootstrap = NULL;
	size_t event_len = 0;
	int c, status = EXIT_OK, have_lf = 0, aws_env = 0;

	while ((c = cli_getopt(cli, self, argc, argv, "", invoke_longopts)) != -1) {
		switch (c) {
		case OPT_EVENT:
			event_path = optarg;
			break;
		case OPT_BOOTSTRAP:
			bootstrap = optarg;
			break;
		case OPT_AWS_ENV:
			aws_env = 1;
			break;
		case 'h':
			return EXIT_OK;
		default:
			if (cli_take_value(cli, c, optarg))
				break;
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage_error(self, "which function? (spartac invoke FUNC)");
		return EXIT_USAGE;
	}
	func = argv[optind++];
	if (cli_take_file(cli, self, argc, argv) == -1)
		return EXIT_USAGE;
	if ((status = cli_env_load(cli, self)) != 0)
		return status;
	if ((status = event_read(event_path, &event, &event_len)) != 0)
		return status;

	po = cli_pipeline_options(cli, PIPELINE_MODEL);
	if (pipeline_run(&p, &po, &d) != PIPELINE_OK) {
		status = cli_report(cli, &d);
		goto out;
	}
	if ((status = cli_params_resolve(cli, self, p.manifest)) != 0) {
		cli_report(cli, &d);
		goto out;
	}
	if ((f = function_find(cli, self, p.manifest, func)) == NULL) {
		status = EXIT_USAGE;
		goto out;
	}

	if ((status = invoke_bootstrap(cli, &p, &po, &d, &bootstrap,
	    &abs_bootstrap)) != EXIT_OK)
		goto out;

	values.params = &cli->params;
	values.env = cli->env;
	values.nenv = cli->nenv;
	local_function_init(&lf, p.manifest, f, bootstrap,
	    p.have_out ? p.out.dir : NULL, local_region(cli->region),
	    STDERR_FILENO, &values);
	have_lf = 1;
	if (aws_env)
		aws_env_add(&lf, cli->endpoint_url);
	fflush(stderr);
	if ((e = emulator_alloc(&lf.cfg)) == NULL) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if (emulator_invoke(e, event, event_len, &r) < 0) {
		status = EXIT_BUILD;
		goto out;
	}
	log_info("%s: %s in %.2f ms%s", f->name,
	    r.outcome == EMULATOR_OK ? "done" : r.outcome == EMULATOR_TIMEOUT ?
	    "timed out" : "failed", r.duration_ms, r.cold ? " (cold start)" : "");
	if (r.cold)
		log_debug("%s: init %.2f ms", f->name, r.init_ms);
	status = report(f->name, &r);
	emulator_result_free(&r);
out:
	emulator_free(e);
	if (have_lf)
		local_function_free(&lf);
	local_values_free(&values);
	free(abs_bootstrap);
	free(event);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
