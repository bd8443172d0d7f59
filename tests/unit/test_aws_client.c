/*
 * test_aws_client - the AWS client's offline parts, and a driver for the
 * tests that run it against real peers.
 *
 * No arguments: shared-file parsing, XML, endpoints, times, backoff.
 * --script [--profile P] [--region R] [--endpoint-url U]: reads one call per
 * line from stdin (tab-separated: operation and arguments) and prints one
 * line per call, "ok\t..." or "err\tCODE\tSTATUS\tMESSAGE"; tests/test_aws_*.py
 * drive moto, the credential sources and the fault proxy through it.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/cfn.h"
#include "aws/iam.h"
#include "aws/internal.h"
#include "aws/s3.h"
#include "aws/sts.h"
#include "base/diag.h"
#include "unit.h"
#include "base/util.h"

static void
test_ini(void)
{
	struct aws_ini ini = {0};

	aws_ini_parse(&ini,
	    "# comment\n[default]\nregion = eu-west-1\n"
	    "[profile dev]\nrole_arn=arn:aws:iam::1:role/x\n s3 =\n  addressing_style = path\n"
	    "source_profile = default\n[sso-session x]\nregion = nope\n"
	    "[profile dev]\nregion = us-west-2\n; other\n[ profile  spaced ]\nk = v w \n", 1);
	CHECK_STR(aws_ini_get(&ini, "default", "region"), "eu-west-1");
	CHECK_STR(aws_ini_get(&ini, "dev", "region"), "us-west-2");
	CHECK_STR(aws_ini_get(&ini, "spaced", "k"), "v w");
	CHECK(aws_ini_get(&ini, "x", "region") == NULL);
	CHECK(aws_ini_get(&ini, "dev", "addressing_style") == NULL);
	aws_ini_free(&ini);
	aws_ini_parse(&ini, "[dev]\naws_access_key_id = AKID\n[profile x]\na=b\n", 0);
	CHECK_STR(aws_ini_get(&ini, "dev", "aws_access_key_id"), "AKID");
	CHECK_STR(aws_ini_get(&ini, "profile x", "a"), "b");
	aws_ini_free(&ini);
}

static void
test_xml(void)
{
	char why[160];
	const char *doc =
	    "<?xml version=\"1.0\"?><R xmlns=\"x\"><A><member><K>1</K></member>"
	    "<member><K>a &amp; b</K></member></A><Error><Code>Throttling</Code></Error></R>";
	struct xml_node *x = xml_parse(doc, strlen(doc), why, sizeof why);
	const struct xml_node *m;
	int n = 0;

	CHECK(x != NULL);
	for (m = xml_first(xml_find(x, "A"), "member"); m; m = xml_next(m))
		n++;
	CHECK_INT(n, 2);
	CHECK_STR(xml_get(xml_first(xml_find(x, "A"), "member")->next, "K"), "a & b");
	CHECK_STR(xml_get(xml_search(x, "Code"), ""), "Throttling");
	xml_free(x);
	doc = "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>";
	CHECK(xml_parse(doc, strlen(doc), why, sizeof why) == NULL);
	CHECK(strstr(why, "document type") != NULL);
	doc = "<r><unclosed></r>";
	CHECK(xml_parse(doc, strlen(doc), why, sizeof why) == NULL);
}

static void
test_endpoints(void)
{
	struct aws_error err;

	CHECK_INT(aws_endpoint_check("test", "https://example.com", &err), 0);
	CHECK_INT(aws_endpoint_check("test", "http://127.0.0.1:5000", &err), 0);
	CHECK_INT(aws_endpoint_check("test", "http://127.1.2.3", &err), 0);
	CHECK_INT(aws_endpoint_check("test", "http://localhost:1/", &err), 0);
	CHECK_INT(aws_endpoint_check("test", "http://[::1]:8080", &err), 0);
	CHECK_INT(aws_endpoint_check("test", "http://example.com", &err), -1);
	CHECK_STR(err.code, "InsecureEndpoint");
	CHECK_INT(aws_endpoint_check("test", "http://127.0.0.1.evil.com", &err), -1);
	CHECK_INT(aws_endpoint_check("test", "http://localhost.evil.com", &err), -1);
	CHECK_INT(aws_endpoint_check("test", "ftp://127.0.0.1", &err), -1);
	CHECK_STR(aws_partition_suffix("cn-north-1"), "amazonaws.com.cn");
	CHECK_STR(aws_partition_suffix("us-gov-west-1"), "amazonaws.com");
}

static void
test_default_endpoints(void)
{
	struct aws aws;
	struct aws_error err;
	char *u;
	int custom;
	static const struct {
		const char *region, *service, *url, *signing;
	} cases[] = {
		{"eu-west-1", "cloudformation", "https://cloudformation.eu-west-1.amazonaws.com", "eu-west-1"},
		{"eu-west-1", "sts", "https://sts.eu-west-1.amazonaws.com", "eu-west-1"},
		{"eu-west-1", "iam", "https://iam.amazonaws.com", "us-east-1"},
		{"cn-north-1", "s3", "https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"cn-northwest-1", "iam", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"us-gov-east-1", "iam", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"},
		{"us-gov-east-1", "cloudformation", "https://cloudformation.us-gov-east-1.amazonaws.com", "us-gov-east-1"},
	};
	size_t i;

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ENDPOINT_URL_IAM");
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ENDPOINT_URL_CLOUDFORMATION");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	memset(&aws, 0, sizeof aws);
	aws.profile = (char *)"default";
	for (i = 0; i < NELEM(cases); i++) {
		aws.region = (char *)cases[i].region;
		u = aws_endpoint(&aws, cases[i].service, &custom, &err);
		CHECK_STR(u, cases[i].url);
		CHECK_INT(custom, 0);
		CHECK_STR(aws_signing_region(&aws, cases[i].service), cases[i].signing);
		free(u);
	}
	aws.region = (char *)"eu-west-1";
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	setenv("AWS_ENDPOINT_URL_IAM", "https://iam.example.com", 1);
	u = aws_endpoint(&aws, "sts", &custom, &err);
	CHECK_STR(u, "http://127.0.0.1:4566");
	CHECK_INT(custom, 1);
	free(u);
	u = aws_endpoint(&aws, "iam", &custom, &err);
	CHECK_STR(u, "https://iam.example.com");
	free(u);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	u = aws_endpoint(&aws, "iam", &custom, &err);
	CHECK_STR(u, "https://iam.amazonaws.com");
	free(u);
	aws.endpoint_url = (char *)"http://localhost:5000";
	u = aws_endpoint(&aws, "iam", &custom, &err);
	CHECK_STR(u, "http://localhost:5000");
	free(u);
	aws.endpoint_url = NULL;
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	setenv("AWS_ENDPOINT_URL_S3", "http://s3.example.com", 1);
	CHECK(aws_endpoint(&aws, "s3", &custom, &err) == NULL);
	CHECK_STR(err.code, "InsecureEndpoint");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_IAM");
	unsetenv("AWS_ENDPOINT_URL_S3");

	/* S3: virtual-hosted on AWS, path-style for dotted names and custom
	 * endpoints; keys encoded as botocore does */
	u = s3_object_url(&aws, "my-bucket", "a b/c+d~e.zip", &err);
	CHECK_STR(u, "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd~e.zip");
	free(u);
	u = s3_object_url(&aws, "my.bucket", "k", &err);
	CHECK_STR(u, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
	free(u);
	aws.endpoint_url = (char *)"http://127.0.0.1:9000";
	u = s3_object_url(&aws, "my-bucket", "k", &err);
	CHECK_STR(u, "http://127.0.0.1:9000/my-bucket/k");
	free(u);
}

static void
test_misc(void)
{
	int i;

	CHECK_INT(aws_time_parse("2026-11-22T05:00:00Z"), 1795323600);
	CHECK_INT(aws_time_parse("2026-11-22T05:00:00.123Z"), 1795323600);
	CHECK_INT(aws_time_parse("2026-11-22T06:00:00+01:00"), 1795323600);
	CHECK_INT(aws_time_parse("garbage"), 0);
	for (i = 1; i < 12; i++) {
		long ms = aws_backoff_ms(i, 1);
		CHECK(ms >= 0 && ms <= 20000);
	}
	CHECK(aws_error_code_is_throttle("Throttling"));
	CHECK(aws_error_code_is_throttle("RequestLimitExceeded"));
	CHECK(!aws_error_code_is_throttle("ValidationError"));
	CHECK(!aws_error_code_is_transient("ValidationError"));
}

/* ---- the script driver ---- */

static char *
read_arg_file(const char *s)
{
	char *text;
	size_t len;

	if (s[0] == '@' && file_read(s + 1, 64u << 20, &text, &len) == 0)
		return text;
	return xstrdup(s);
}

static int
script_one(struct aws *aws, int argc, char **a, struct aws_error *err)
{
	const char *op = a[0];

	if (strcmp(op, "whoami") == 0) {
		struct sts_identity id;
		if (sts_get_caller_identity(aws, &id, err) != 0)
			return -1;
		printf("ok\t%s\t%s\t%s\n", id.account, id.arn, aws_creds_source(aws));
		sts_identity_free(&id);
	} else if (strcmp(op, "assume-role") == 0 && argc > 1) {
		struct aws_creds c;
		if (aws_creds_resolve(aws, err) != 0)
			return -1;
		if (sts_assume_role(aws, NULL, a[1], "spartac-test", NULL, &c, err) != 0)
			return -1;
		printf("ok\t%s\t%d\n", c.access_key, c.session_token != NULL);
		aws_creds_free(&c);
	} else if (strcmp(op, "describe-stacks") == 0 && argc > 1) {
		struct cfn_stack *s;
		if (cfn_describe_stacks(aws, a[1], &s, err) != 0)
			return -1;
		if (s == NULL)
			printf("ok\tnone\n");
		else
			printf("ok\t%s\t%s\t%zu\t%d\n", s->status, s->name,
			    s->nparams, s->termination_protection);
		cfn_stack_free(s);
	} else if (strcmp(op, "create-change-set") == 0 && argc > 4) {
		struct cfn_change_set_input in = {0};
		struct cfn_param_in tags[] = {{"spartac:service", "test"}};
		const char *caps[] = {"CAPABILITY_IAM"};
		char *body = read_arg_file(a[4]), *id = NULL, *sid = NULL;
		int rc;
		in.stack_name = a[1];
		in.change_set_name = a[2];
		in.change_set_type = a[3];
		in.template_body = body;
		in.tags = tags;
		in.ntags = 1;
		in.capabilities = caps;
		in.ncapabilities = 1;
		in.include_nested = argc > 5 && strcmp(a[5], "nested") == 0;
		rc = cfn_create_change_set(aws, &in, &id, &sid, err);
		if (rc == 0)
			printf("ok\t%s\t%s\n", id ? id : "", sid ? sid : "");
		free(body);
		free(id);
		free(sid);
		return rc;
	} else if (strcmp(op, "describe-change-set") == 0 && argc > 2) {
		struct cfn_change_set *cs;
		size_t i;
		/* "-": no StackName (a nested change set's ARN) */
		if (cfn_describe_change_set(aws, strcmp(a[1], "-") == 0 ? NULL :
		    a[1], a[2], &cs, err) != 0)
			return -1;
		printf("ok\t%s\t%s\t%zu", cs->status, cs->execution_status ?
		    cs->execution_status : "", cs->nchanges);
		for (i = 0; i < cs->nchanges; i++)
			printf("\t%s:%s:%s", cs->changes[i].action,
			    cs->changes[i].logical_id, cs->changes[i].resource_type);
		printf("\n");
		cfn_change_set_free(cs);
	} else if (strcmp(op, "execute-change-set") == 0 && argc > 2) {
		if (cfn_execute_change_set(aws, a[1], a[2], NULL, err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "delete-change-set") == 0 && argc > 2) {
		if (cfn_delete_change_set(aws, a[1], a[2], err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "describe-stack-events") == 0 && argc > 1) {
		struct cfn_events ev;
		if (cfn_describe_stack_events(aws, a[1], argc > 2 && *a[2] ?
		    a[2] : NULL, argc > 3 ? atoi(a[3]) : 0, &ev, err) != 0)
			return -1;
		printf("ok\t%zu\t%s\n", ev.n, ev.n ? ev.v[0].status : "");
		cfn_events_free(&ev);
	} else if (strcmp(op, "describe-stack-resources") == 0 && argc > 1) {
		struct cfn_resources l;
		size_t i;
		if (cfn_describe_stack_resources(aws, a[1], argc > 2 ? a[2] :
		    NULL, &l, err) != 0)
			return -1;
		printf("ok\t%zu", l.n);
		for (i = 0; i < l.n; i++)
			printf("\t%s:%s", l.v[i].logical_id ? l.v[i].logical_id :
			    "", l.v[i].physical_id ? l.v[i].physical_id : "");
		printf("\n");
		cfn_resources_free(&l);
	} else if (strcmp(op, "list-stack-resources") == 0 && argc > 1) {
		struct cfn_resources l;
		size_t i;
		if (cfn_list_stack_resources(aws, a[1], &l, err) != 0)
			return -1;
		printf("ok\t%zu", l.n);
		for (i = 0; i < l.n; i++)
			printf("\t%s:%s", l.v[i].logical_id ? l.v[i].logical_id :
			    "", l.v[i].status ? l.v[i].status : "");
		printf("\n");
		cfn_resources_free(&l);
	} else if (strcmp(op, "get-template") == 0 && argc > 1) {
		char *body;
		if (cfn_get_template(aws, a[1], NULL, &body, err) != 0)
			return -1;
		printf("ok\t%zu\n", strlen(body));
		free(body);
	} else if (strcmp(op, "delete-stack") == 0 && argc > 1) {
		if (cfn_delete_stack(aws, a[1], NULL, err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "continue-update-rollback") == 0 && argc > 1) {
		if (cfn_continue_update_rollback(aws, a[1], NULL, 0, NULL, err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "update-termination-protection") == 0 && argc > 2) {
		if (cfn_update_termination_protection(aws, a[1], atoi(a[2]), err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "head-bucket") == 0 && argc > 1) {
		char *region;
		int rc = s3_head_bucket(aws, a[1], &region, err);
		if (rc < 0) {
			free(region);
			return -1;
		}
		printf("ok\t%s\t%s\n", rc == 0 ? "exists" : "missing",
		    region ? region : "");
		free(region);
	} else if (strcmp(op, "create-bucket") == 0 && argc > 1) {
		if (s3_create_bucket(aws, a[1], err) != 0 ||
		    s3_put_bucket_encryption(aws, a[1], err) != 0 ||
		    s3_put_public_access_block(aws, a[1], err) != 0 ||
		    s3_put_bucket_lifecycle(aws, a[1], "spartac-old", "old/", 30, err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "put-object") == 0 && argc > 3) {
		char *data = read_arg_file(a[3]), *etag;
		int rc = s3_put_object(aws, a[1], a[2], data, strlen(data),
		    "text/plain", &etag, err);
		if (rc == 0)
			printf("ok\t%s\n", etag ? etag : "");
		free(etag);
		free(data);
		return rc;
	} else if (strcmp(op, "head-object") == 0 && argc > 2) {
		struct s3_object o;
		int rc = s3_head_object(aws, a[1], a[2], &o, err);
		if (rc < 0)
			return -1;
		if (rc == 1)
			printf("ok\tmissing\n");
		else
			printf("ok\t%lld\t%s\t%s\n", o.size, o.etag ? o.etag : "",
			    o.checksum_sha256 ? o.checksum_sha256 : "");
		s3_object_free(&o);
	} else if (strcmp(op, "list-objects") == 0 && argc > 1) {
		struct s3_objects l;
		size_t i;
		if (s3_list_objects(aws, a[1], argc > 2 ? a[2] : NULL, &l, err) != 0)
			return -1;
		printf("ok\t%zu", l.n);
		for (i = 0; i < l.n; i++)
			printf("\t%s", l.v[i].key);
		printf("\n");
		s3_objects_free(&l);
	} else if (strcmp(op, "delete-objects") == 0 && argc > 2) {
		if (s3_delete_objects(aws, a[1], (const char *const *)a + 2,
		    (size_t)argc - 2, err) != 0)
			return -1;
		printf("ok\n");
	} else if (strcmp(op, "get-role") == 0 && argc > 1) {
		struct iam_role *r;
		if (iam_get_role(aws, a[1], &r, err) != 0)
			return -1;
		printf("ok\t%s\t%s\n", r ? r->arn : "none",
		    r && r->assume_role_policy ? r->assume_role_policy : "");
		iam_role_free(r);
	} else if (strcmp(op, "calls") == 0) {
		printf("ok\t%lu\t%lu\n", aws_api_calls(aws), aws_http_requests(aws));
	} else {
		aws_error_set(err, "", "", "BadScript", "unknown operation %s", op);
		return -1;
	}
	return 0;
}

static int
script(int argc, char **argv)
{
	struct aws_options opt = {0};
	struct aws_error err;
	struct aws *aws;
	char *line = NULL;
	size_t cap = 0;
	int i;

	log_setup(getenv("TEST_AWS_DEBUG") ? LOG_DEBUG : LOG_WARN, 0);
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--profile") == 0)
			opt.profile = argv[i + 1];
		else if (strcmp(argv[i], "--region") == 0)
			opt.region = argv[i + 1];
		else if (strcmp(argv[i], "--endpoint-url") == 0)
			opt.endpoint_url = argv[i + 1];
	}
	if ((aws = aws_open(&opt, &err)) == NULL) {
		printf("err\t%s\t0\t%s\n", err.code, err.message);
		return 1;
	}
	while (getline(&line, &cap, stdin) > 0) {
		char *a[64], *p = line;
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		if (*line == '\0')
			continue;
		while (n < 64 && (a[n] = strsep(&p, "\t")) != NULL)
			n++;
		memset(&err, 0, sizeof err);
		if (script_one(aws, n, a, &err) != 0)
			printf("err\t%s\t%ld\t%s\n", err.code, err.status, err.message);
		fflush(stdout);
	}
	free(line);
	aws_close(aws);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--script") == 0)
		return script(argc, argv);
	test_ini();
	test_xml();
	test_endpoints();
	test_default_endpoints();
	test_misc();
	return unit_report("test_aws_client");
}
