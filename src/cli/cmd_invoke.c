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

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "local/cfn_reply.h"
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
	OPT_CUSTOM_RESOURCE,
	OPT_LOGICAL_ID,
	OPT_PHYSICAL_ID,
	OPT_OLD_EVENT,
};

static const struct option invoke_longopts[] = {
	{"event", required_argument, NULL, OPT_EVENT},
	{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
	CLI_PARAMETER_OPTIONS,
	CLI_ENV_OPTIONS,
	{"aws-env", no_argument, NULL, OPT_AWS_ENV},
	{"custom-resource", required_argument, NULL, OPT_CUSTOM_RESOURCE},
	{"logical-id", required_argument, NULL, OPT_LOGICAL_ID},
	{"physical-id", required_argument, NULL, OPT_PHYSICAL_ID},
	{"old-event", required_argument, NULL, OPT_OLD_EVENT},
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

/* --custom-resource TYPE and its companions. */
struct cr_options {
	const char *type;        /* Create, Update, Delete; NULL: not one */
	const char *logical_id;  /* NULL: the first Custom::NAME resource's */
	const char *physical_id; /* NULL: LOGICAL-local on Update and Delete */
	const char *old_path;    /* --old-event */
};

/* The logical ID of the first resource of type Custom::NAME, or NAME. */
static const char *
cr_logical_id(const struct manifest *m, const char *name)
{
	const struct node *res = m->resources, *type;
	size_t i;

	for (i = 0; res != NULL && i < res->n; i++) {
		type = node_get(res->pairs[i].value, "Type");
		if (type != NULL && type->kind == NODE_STRING &&
		    str_has_prefix(type->str, "Custom::") &&
		    strcmp(type->str + strlen("Custom::"), name) == 0)
			return res->pairs[i].key->str;
	}
	return name;
}

/*
 * Plays CloudFormation: sends f the request event with a ResponseURL on
 * loopback, then prints the reply the function PUT there. SUCCESS exits
 * 0; FAILED, no reply, or a failed invocation exit EXIT_FUNCTION.
 */
static int
cr_invoke(struct emulator *e, const struct manifest *m,
    const struct manifest_function *f, const struct local_function *lf,
    const struct cr_options *cro, const char *props, const char *region)
{
	struct cfn_request rq = {0};
	struct cfn_listener *l;
	struct emulator_result r;
	struct cfn_reply rep;
	cJSON *doc;
	char *old = NULL, *event = NULL, *token, *stack, *phys = NULL;
	size_t old_len;
	int status, got, failed;

	if (cro->old_path != NULL && (status = event_read(cro->old_path,
	    &old, &old_len)) != 0)
		return status;
	if ((l = cfn_listener_start()) == NULL) {
		free(old);
		return EXIT_INTERNAL;
	}
	token = xasprintf("arn:aws:lambda:%s:%s:function:%s", region,
	    LOCAL_ACCOUNT_ID, lf->function_name);
	stack = xasprintf("arn:aws:cloudformation:%s:%s:stack/%s-local/"
	    "00000000-0000-4000-8000-000000000000", region, LOCAL_ACCOUNT_ID,
	    m->service);
	rq.request_type = cro->type;
	rq.name = f->name;
	rq.logical_id = cro->logical_id ? cro->logical_id :
	    cr_logical_id(m, f->name);
	if (strcmp(cro->type, "Create") != 0)
		rq.physical_id = cro->physical_id ? cro->physical_id :
		    (phys = xasprintf("%s-local", rq.logical_id));
	rq.properties = props;
	rq.old_properties = old;
	rq.service_token = token;
	rq.stack_id = stack;
	rq.response_url = cfn_listener_url(l);
	if ((event = cfn_request_json(&rq)) == NULL) {
		cfn_listener_finish(l, 0, &rep);
		status = EXIT_USAGE;
		goto out;
	}
	log_debug("%s: request %s", f->name, event);
	if (emulator_invoke(e, event, strlen(event), &r) < 0) {
		cfn_listener_finish(l, 0, &rep);
		status = EXIT_BUILD;
		goto out;
	}
	/* The runtime PUTs before it answers the invocation: no wait. */
	got = cfn_listener_finish(l, r.outcome == EMULATOR_OK ? 2000 : 0,
	    &rep) == 0;
	if (r.outcome != EMULATOR_OK || !got) {
		if (r.outcome == EMULATOR_OK)
			log_error("%s: no reply came to the ResponseURL", f->name);
		status = r.outcome != EMULATOR_OK ? report(f->name, &r) :
		    EXIT_FUNCTION;
		emulator_result_free(&r);
		if (got)
			cfn_reply_free(&rep);
		goto out;
	}
	log_info("%s: %s %s: the reply is %s %s (%zu bytes, %s)", f->name,
	    cro->type, rq.logical_id, rep.method, rep.path, rep.len,
	    rep.has_content_type ? "with a Content-Type" : "no Content-Type");
	fwrite(rep.body, 1, rep.len, stdout);
	if (isatty(STDOUT_FILENO))
		putchar('\n');
	doc = cJSON_Parse(rep.body);
	failed = !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc,
	    "Status")) || strcmp(cJSON_GetObjectItemCaseSensitive(doc,
	    "Status")->valuestring, "SUCCESS") != 0;
	status = fflush(stdout) != 0 ? EXIT_IO : failed ? EXIT_FUNCTION :
	    EXIT_OK;
	if (failed)
		fprintf(stderr, "spartac: %s %s: FAILED: %s\n", f->name,
		    cro->type, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    doc, "Reason")) ? cJSON_GetObjectItemCaseSensitive(doc,
		    "Reason")->valuestring : "(no Reason)");
	cJSON_Delete(doc);
	emulator_result_free(&r);
	cfn_reply_free(&rep);
out:
	free(event);
	free(old);
	free(token);
	free(stack);
	free(phys);
	return status;
}

static int
cr_options_check(const struct verb *self, const struct cr_options *cro)
{
	if (cro->type != NULL && strcmp(cro->type, "Create") != 0 &&
	    strcmp(cro->type, "Update") != 0 && strcmp(cro->type, "Delete") != 0) {
		cli_usage_error(self, "--custom-resource takes Create, Update "
		    "or Delete, not '%s'", cro->type);
		return -1;
	}
	if (cro->type == NULL && (cro->logical_id || cro->physical_id ||
	    cro->old_path)) {
		cli_usage_error(self, "--logical-id, --physical-id and "
		    "--old-event go with --custom-resource");
		return -1;
	}
	return 0;
}

/* One invocation with the event; prints and returns its outcome. */
static int
invoke_once(struct emulator *e, const struct manifest_function *f,
    const char *event, size_t event_len)
{
	struct emulator_result r;
	int status;

	if (emulator_invoke(e, event, event_len, &r) < 0)
		return EXIT_BUILD;
	log_info("%s: %s in %.2f ms%s", f->name,
	    r.outcome == EMULATOR_OK ? "done" : r.outcome == EMULATOR_TIMEOUT ?
	    "timed out" : "failed", r.duration_ms, r.cold ? " (cold start)" : "");
	if (r.cold)
		log_debug("%s: init %.2f ms", f->name, r.init_ms);
	status = report(f->name, &r);
	emulator_result_free(&r);
	return status;
}

int
cmd_invoke(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("invoke");
	const char *event_path = NULL, *bootstrap = NULL, *func;
	const struct manifest_function *f;
	struct local_function lf;
	struct local_values values = {0};
	struct emulator *e = NULL;
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	char *event = NULL, *abs_bootstrap = NULL;
	size_t event_len = 0;
	struct cr_options cro = {0};
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
		case OPT_CUSTOM_RESOURCE:
			cro.type = optarg;
			break;
		case OPT_LOGICAL_ID:
			cro.logical_id = optarg;
			break;
		case OPT_PHYSICAL_ID:
			cro.physical_id = optarg;
			break;
		case OPT_OLD_EVENT:
			cro.old_path = optarg;
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
	if (cr_options_check(self, &cro) < 0)
		return EXIT_USAGE;
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
	if (cro.type != NULL && !f->custom_resource) {
		cli_usage_error(self, "'%s' is not under custom_resources: in "
		    "%s", func, cli->file);
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
	if (cro.type != NULL) {
		status = cr_invoke(e, p.manifest, f, &lf, &cro, event,
		    local_region(cli->region));
		goto out;
	}
	status = invoke_once(e, f, event, event_len);
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
