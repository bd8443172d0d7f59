/* cmd_serve.c - `spartac serve [FILE] [--port N] [--pool N] [--watch]
 * [--jwks FILE] [--api-key NAME=VALUE]`. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "local/local.h"
#include "local/serve.h"

static int
parse_count(const struct verb *self, const char *opt, const char *arg, long max, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 0 || v > max) {
		cli_usage_error(self, "%s takes a number from 0 to %ld, not '%s'", opt, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void
serve_report(void *arg, struct diags *d)
{
	cli_report(arg, d);
}

/* Each load of the manifest: the --parameter values against its model.
 * A refusal is a usage error, whatever else the load would have met. */
static int refused;

static int
serve_check(void *arg, const struct manifest *m)
{
	if (cli_params_resolve(arg, cli_verb("serve"), m) == 0)
		return 0;
	refused = 1;
	return -1;
}

int
cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"pool", required_argument, NULL, 'P'},
		{"watch", no_argument, NULL, 'w'},
		{"jwks", required_argument, NULL, 'J'},
		{"api-key", required_argument, NULL, 'K'},
		CLI_PARAMETER_OPTIONS,
		CLI_ENV_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("serve");
	struct serve_options opt;
	struct local_values values = {0};
	const char **keys = NULL;
	size_t nkeys = 0, cap = 0;
	int c, status;

	memset(&opt, 0, sizeof(opt));
	opt.port = 3000;

	while ((c = cli_getopt(cli, self, argc, argv, "p:w", longopts)) != -1) {
		switch (c) {
		case 'p':
			if (parse_count(self, "--port", optarg, 65535, &opt.port) == -1)
				return EXIT_USAGE;
			break;
		case 'P':
			if (parse_count(self, "--pool", optarg, 64, &opt.pool) == -1)
				return EXIT_USAGE;
			break;
		case 'w':
			opt.watch = 1;
			break;
		case 'J':
			opt.gate.jwks_path = optarg;
			break;
		case 'K':
			if (strchr(optarg, '=') == NULL || *optarg == '=') {
				cli_usage_error(self, "--api-key takes NAME=VALUE, not '%s'", optarg);
				free(keys);
				return EXIT_USAGE;
			}
			keys = xgrow(keys, &cap, nkeys + 1, sizeof(*keys));
			keys[nkeys++] = optarg;
			break;
		default:
			if (cli_take_value(cli, c, optarg))
				break;
			free(keys);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	opt.gate.api_keys = keys;
	opt.gate.napi_keys = nkeys;
	if (cli_take_file(cli, self, argc, argv) == -1) {
		free(keys);
		return EXIT_USAGE;
	}
	opt.pipeline = cli_pipeline_options(cli, PIPELINE_CODE);
	opt.region = cli->region;
	if ((status = cli_params_load(cli, self)) != 0 ||
	    (status = cli_env_load(cli, self)) != 0) {
		free(keys);
		return status;
	}
	values.params = &cli->params;
	values.env = cli->env;
	values.nenv = cli->nenv;
	opt.values = &values;
	opt.check = serve_check;
	opt.report = serve_report;
	opt.report_arg = cli;
	switch (serve_run(&opt)) {
	case SERVE_OK:
		status = EXIT_OK;
		break;
	case SERVE_LOAD_FAILED:
		status = refused ? EXIT_USAGE : EXIT_BUILD;
		break;
	case SERVE_LISTEN_FAILED:
		status = EXIT_IO;
		break;
	default:
		status = EXIT_INTERNAL;
		break;
	}
	local_values_free(&values);
	free(keys);
	return status;
}
