/*
 * test_params.c - deploy-time parameter values (front/params.c) and the
 * local environment files (local/local_env.c): precedence, list values,
 * every constraint, and the dotenv reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/loader.h"
#include "front/params.h"
#include "local/local.h"
#include "unit.h"

static const char decls[] =
    "Stage: {Type: String, AllowedValues: [dev, prod]}\n"
    "Count: {Type: Number, MinValue: 1, MaxValue: \"10\"}\n"
    "Name: {Type: String, AllowedPattern: \"[a-z]+\", MinLength: 2}\n"
    "Ports: {Type: List<Number>}\n"
    "Zones: {Type: CommaDelimitedList, AllowedValues: [a, b]}\n"
    "Subnet: {Type: AWS::EC2::Subnet::Id}\n"
    "Odd: {Type: String, AllowedPattern: \"(?<=x)y\"}\n";

/* Checks one NAME=VALUE; returns the refusal lines ("" when accepted). */
static char *
check_one(const struct node *declared, const char *arg)
{
	struct params p = {0};
	struct buf errs = {0};

	CHECK_INT(params_add_arg(&p, arg, &errs), 0);
	params_check(&p, declared, &errs);
	params_free(&p);
	buf_append(&errs, "", 0);
	return buf_take(&errs);
}

static void
expect(const struct node *declared, const char *arg, const char *want)
{
	char *got = check_one(declared, arg);

	if (*want == '\0')
		CHECK_STR(got, "");
	else {
		unit_checks++;
		if (strstr(got, want) == NULL) {
			unit_failed++;
			fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", arg,
			    got, want);
		}
	}
	free(got);
}

static void
test_constraints(void)
{
	struct diags d = {0};
	struct doc *doc = yaml_load_buffer("decls.yaml", decls,
	    strlen(decls), &d);
	const struct node *n = doc->root;

	CHECK_INT(d.nerrors, 0);
	expect(n, "Stage=prod", "");
	expect(n, "Stage=qa", "Stage: 'qa' is not one of AllowedValues [dev, prod]");
	expect(n, "Count=1e1", "");
	expect(n, "Count=", "'' is not a number");
	expect(n, "Count=11", "is above MaxValue 10");
	expect(n, "Count=0.5", "is below MinValue 1");
	expect(n, "Name=ab", "");
	expect(n, "Name=a", "is shorter than MinLength 2");
	expect(n, "Name=abc1", "does not match AllowedPattern [a-z]+");
	expect(n, "Name=\xc3\xa9\xc3\xa9", "does not match"); /* 2 code points */
	expect(n, "Ports=1,2.5,-3", "");
	expect(n, "Ports=1,,3", "'' is not a number");
	expect(n, "Zones=a,b,a", "");
	expect(n, "Zones=a,c", "'c' is not one of AllowedValues [a, b]");
	expect(n, "Subnet=anything at all", "");
	expect(n, "Odd=y", ""); /* a pattern the ECMA subset refuses: left to AWS */
	expect(n, "Nope=1", "Nope: the manifest declares no such parameter");
	expect(NULL, "Stage=dev", "(it has no parameters:)");
	doc_free(doc);
	diags_free(&d);
}

static void
test_precedence(void)
{
	char path[] = "/tmp/test_params.XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "Stage: prod\nCount: 3\nPorts: [80, 443]\nFlag: true\n";
	struct params p = {0};
	struct buf errs = {0};
	struct diags d = {0};

	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	CHECK_INT(params_add_arg(&p, "Count=7", &errs), 0);
	CHECK_INT(params_add_file(&p, path, &errs, &d), 0);
	CHECK_INT(params_add_arg(&p, "Stage=dev", &errs), 0);
	CHECK_STR(params_get(&p, "Count"), "7");  /* the command line wins */
	CHECK_STR(params_get(&p, "Stage"), "dev");
	CHECK_STR(params_get(&p, "Ports"), "80,443");
	CHECK_STR(params_get(&p, "Flag"), "true");
	CHECK(params_get(&p, "Nope") == NULL);
	CHECK_INT(params_add_arg(&p, "=x", &errs), -1);
	CHECK_INT(params_add_arg(&p, "novalue", &errs), -1);
	CHECK(errs.len > 0);
	params_free(&p);
	buf_free(&errs);
	diags_free(&d);
	unlink(path);
}

static void
test_env_file(void)
{
	char path[] = "/tmp/test_env.XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "# a comment\n"
	    "A=1\r\n"
	    "  export B = two words  # trailing\n"
	    "C=\"q \\\"x\\\" \\\\ \\n # kept\"\n"
	    "D='single \\n'\n"
	    "E=\n"
	    "\n"
	    "bad line\n"
	    "9X=1\n";
	char **env = NULL;
	size_t n = 0, i;
	struct buf errs = {0};

	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	CHECK_INT(local_env_file(path, &env, &n, &errs), -1);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_STR(env[0], "A=1");
		CHECK_STR(env[1], "B=two words");
		CHECK_STR(env[2], "C=q \"x\" \\ \n # kept");
		CHECK_STR(env[3], "D=single \\n");
		CHECK_STR(env[4], "E=");
	}
	CHECK(strstr(errs.data, ":8: not NAME=VALUE") != NULL);
	CHECK(strstr(errs.data, ":9: not NAME=VALUE") != NULL);
	CHECK_INT(local_env_arg("OK_1=x=y", &env, &n, &errs), 0);
	CHECK_STR(env[n - 1], "OK_1=x=y");
	CHECK_INT(local_env_arg("no-dash=1", &env, &n, &errs), -1);
	for (i = 0; i < n; i++)
		free(env[i]);
	free(env);
	buf_free(&errs);
	unlink(path);
}

int
main(void)
{
	log_setup(LOG_ERROR, 0);
	test_constraints();
	test_precedence();
	test_env_file();
	return unit_report("test_params");
}
