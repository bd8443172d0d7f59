/*
 * cli_values.c - the option values several verbs share: --parameter,
 * --parameters-file (deploy, plan, status, invoke, serve), --env,
 * --env-file (invoke, serve) and --stack-name (plan, deploy, delete,
 * status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "front/manifest.h"
#include "local/local.h"

static void
args_push(struct cli_args *a, const char *arg)
{
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = arg;
}

int
cli_take_value(struct cli *cli, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_PARAMETER:
		args_push(&cli->param_args, arg);
		return 1;
	case CLI_OPT_PARAMETERS_FILE:
		args_push(&cli->param_files, arg);
		return 1;
	case CLI_OPT_ENV:
		args_push(&cli->env_args, arg);
		return 1;
	case CLI_OPT_ENV_FILE:
		args_push(&cli->env_files, arg);
		return 1;
	case CLI_OPT_STACK_NAME:
		cli->stack_name = arg;
		return 1;
	default:
		return 0;
	}
}

/*
 * Each line of errs as one usage error, then the pointer to --help; frees
 * errs. Returns EXIT_USAGE when bad is set, else 0.
 */
static int
refusals(const struct verb *verb, struct buf *errs, int bad)
{
	const char *line = errs->data, *nl;

	while (line && *line) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		fprintf(stderr, "spartac: %.*s\n", (int)(nl - line), line);
		line = *nl ? nl + 1 : nl;
	}
	if (errs->len)
		fprintf(stderr, "try 'spartac %s --help'\n", verb->name);
	buf_free(errs);
	return bad ? EXIT_USAGE : 0;
}

int
cli_params_load(struct cli *cli, const struct verb *verb)
{
	struct buf errs = {0};
	struct diags d = {0};
	size_t i;
	int bad = 0;

	if (cli->params.n || cli->params.ndocs)
		return 0; /* loaded already */
	for (i = 0; i < cli->param_files.n; i++)
		bad |= params_add_file(&cli->params, cli->param_files.v[i],
		    &errs, &d) != 0;
	for (i = 0; i < cli->param_args.n; i++)
		bad |= params_add_arg(&cli->params, cli->param_args.v[i],
		    &errs) != 0;
	if (d.n)
		cli_report(cli, &d);
	diags_free(&d);
	return refusals(verb, &errs, bad);
}

int
cli_params_resolve(struct cli *cli, const struct verb *verb,
    const struct manifest *m)
{
	struct buf errs = {0};
	int status;

	if ((status = cli_params_load(cli, verb)) != 0)
		return status;
	return refusals(verb, &errs,
	    params_check(&cli->params, m->parameters, &errs) > 0);
}

int
cli_params_require(struct cli *cli, const struct verb *verb,
    const struct manifest *m)
{
	struct buf errs = {0};

	return refusals(verb, &errs,
	    params_missing(&cli->params, m->parameters, &errs) > 0);
}

int
cli_env_load(struct cli *cli, const struct verb *verb)
{
	struct buf errs = {0};
	size_t i;
	int bad = 0;

	for (i = 0; i < cli->env_files.n; i++)
		bad |= local_env_file(cli->env_files.v[i], &cli->env,
		    &cli->nenv, &errs) != 0;
	for (i = 0; i < cli->env_args.n; i++)
		bad |= local_env_arg(cli->env_args.v[i], &cli->env,
		    &cli->nenv, &errs) != 0;
	return refusals(verb, &errs, bad);
}

const char *
cli_stack_name(const struct cli *cli, const struct manifest *m)
{
	return cli->stack_name ? cli->stack_name : m->service;
}

void
cli_free(struct cli *cli)
{
	size_t i;

	free(cli->param_args.v);
	free(cli->param_files.v);
	free(cli->env_args.v);
	free(cli->env_files.v);
	params_free(&cli->params);
	for (i = 0; i < cli->nenv; i++)
		free(cli->env[i]);
	free(cli->env);
}
