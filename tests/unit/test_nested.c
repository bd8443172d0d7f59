/*
 * test_nested - the deploy side's reading of a split service (nested.h):
 * the children the root names, checked against their files; a user's own
 * nested stack left alone; the change table naming a child's changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/cfn.h"
#include "base/digest.h"
#include "base/util.h"
#include "converge/nested.h"
#include "converge/progress.h"
#include "unit.h"

static const char child_body[] =
    "{\"Resources\": {\"FRole\": {\"Type\": \"AWS::IAM::Role\"}}}\n";

static char *
root_of(const char *hex)
{
	return xasprintf("{\"Resources\": {"
	    "\"Functions0\": {\"Type\": \"AWS::CloudFormation::Stack\", "
	    "\"Properties\": {\"TemplateURL\": {\"Fn::Sub\": "
	    "\"https://${ArtifactBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"
	    "${AWS::StackName}/templates/%s.json\"}}},"
	    "\"Theirs\": {\"Type\": \"AWS::CloudFormation::Stack\", "
	    "\"Properties\": {\"TemplateURL\": "
	    "\"https://example.com/their/own.json\"}},"
	    "\"Q\": {\"Type\": \"AWS::SQS::Queue\"}}}", hex);
}

static void
test_load(const char *dir)
{
	char hex[DIGEST_HEX_LEN + 1], why[512];
	char *tpl_path = xasprintf("%s/template.json", dir);
	char *stacks = xasprintf("%s/stacks", dir);
	char *child = xasprintf("%s/stacks/Functions0.json", dir);
	char *root;
	struct nested n;

	CHECK_INT(mkdir(stacks, 0755), 0);
	CHECK_INT(file_write_atomic(child, child_body, strlen(child_body),
	    0644), 0);
	digest_sha256_hex(child_body, strlen(child_body), hex);
	root = root_of(hex);
	CHECK_INT(nested_load(&n, root, tpl_path, why, sizeof why), 0);
	/* ours only: "Theirs" names no content hash */
	CHECK_INT(n.n, 1);
	CHECK_STR(n.v[0].logical_id, "Functions0");
	CHECK_STR(n.v[0].path, child);
	CHECK_STR(n.v[0].sha256, hex);
	CHECK_INT(n.iam, 1);
	CHECK_INT(n.transform, 0);
	nested_free(&n);
	/* edited after the build: refused, named */
	CHECK_INT(file_write_atomic(child, "{}\n", 3, 0644), 0);
	CHECK_INT(nested_load(&n, root, tpl_path, why, sizeof why), -1);
	CHECK(strstr(why, "stale or was edited") != NULL);
	CHECK_INT(n.n, 0);
	/* missing */
	CHECK_INT(unlink(child), 0);
	CHECK_INT(nested_load(&n, root, tpl_path, why, sizeof why), -1);
	CHECK(strstr(why, "Functions0") != NULL);
	/* no children: nothing to do */
	CHECK_INT(nested_load(&n, "{\"Resources\": {}}", tpl_path, why,
	    sizeof why), 0);
	CHECK_INT(n.n, 0);
	nested_free(&n);
	rmdir(stacks);
	free(root);
	free(child);
	free(stacks);
	free(tpl_path);
}

static void
test_table(void)
{
	struct cfn_change v[2];
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	memset(v, 0, sizeof v);
	v[0].action = (char *)"Modify";
	v[0].logical_id = (char *)"Functions0";
	v[0].resource_type = (char *)"AWS::CloudFormation::Stack";
	v[1].action = (char *)"Modify";
	v[1].logical_id = (char *)"HelloFunction";
	v[1].resource_type = (char *)"AWS::Lambda::Function";
	v[1].nested = (char *)"Functions0";
	fp = open_memstream(&out, &len);
	progress_changes_print(fp, v, 2, 0);
	fclose(fp);
	CHECK(strstr(out, "  Modify Functions0               "
	    "AWS::CloudFormation::Stack -\n") != NULL);
	CHECK(strstr(out, "  Modify Functions0/HelloFunction "
	    "AWS::Lambda::Function      -\n") != NULL);
	CHECK(strstr(out, "0 to add, 2 to modify, 0 to remove") != NULL);
	free(out);
}

int
main(void)
{
	char dir[] = "/tmp/spartac-nested-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	test_load(dir);
	rmdir(dir);
	test_table();
	return unit_report("test_nested");
}
