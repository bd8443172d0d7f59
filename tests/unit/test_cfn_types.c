/* test_cfn_types.c - the CloudFormation type table compiled into spartac. */
#include <string.h>

#include "base/util.h"
#include "compile/cfn_types.h"
#include "unit.h"

static int
has_name(const char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

static void
test_known(void)
{
	const struct cfn_type *t;

	CHECK((t = cfn_type_find("AWS::S3::Bucket")) != NULL);
	if (t != NULL) {
		CHECK_STR(t->name, "AWS::S3::Bucket");
		CHECK(cfn_type_has_attribute(t, "Arn"));
		CHECK(cfn_type_has_attribute(t, "DomainName"));
		CHECK(cfn_type_has_attribute(t, "WebsiteURL"));
		CHECK(!cfn_type_has_attribute(t, "Name"));
		CHECK(!cfn_type_has_attribute(t, "arn"));
		CHECK(!cfn_type_has_attribute(t, ""));
		CHECK(has_name(t->create_only, t->ncreate_only, "BucketName"));
		CHECK_INT(t->nrequired, 0);
		/* What "did you mean" is offered from. */
		CHECK_STR(str_suggest("Domainname", t->attrs, t->nattrs), "DomainName");
	}
	CHECK((t = cfn_type_find("AWS::SQS::Queue")) != NULL);
	if (t != NULL) {
		CHECK(cfn_type_has_attribute(t, "Arn"));
		CHECK(cfn_type_has_attribute(t, "QueueName"));
		CHECK(cfn_type_has_attribute(t, "QueueUrl"));
		CHECK(!cfn_type_has_attribute(t, "Url"));
		CHECK(has_name(t->create_only, t->ncreate_only, "QueueName"));
	}
	CHECK((t = cfn_type_find("AWS::Lambda::Function")) != NULL);
	if (t != NULL) {
		CHECK(cfn_type_has_attribute(t, "Arn"));
		CHECK(!cfn_type_has_attribute(t, "FunctionName"));
		CHECK(has_name(t->required, t->nrequired, "Role"));
		CHECK(has_name(t->required, t->nrequired, "Code"));
	}
}

static void
test_unknown(void)
{
	CHECK(cfn_type_find("AWS::Nope::Thing") == NULL);
	CHECK(cfn_type_find("AWS::S3::Bucke") == NULL);
	CHECK(cfn_type_find("AWS::S3::BucketX") == NULL);
	CHECK(cfn_type_find("") == NULL);
	CHECK(cfn_type_find("AWS::Serverless::Function") == NULL);
}

static void
test_sorted_lists(void)
{
	const char *types[] = {"AWS::IAM::Role", "AWS::SNS::Topic",
	    "AWS::DynamoDB::Table", "AWS::EC2::Instance"};
	const struct cfn_type *t;
	size_t i, j;

	for (i = 0; i < NELEM(types); i++) {
		CHECK((t = cfn_type_find(types[i])) != NULL);
		if (t == NULL)
			continue;
		CHECK(t->nattrs > 0);
		for (j = 1; j < t->nattrs; j++)
			CHECK(strcmp(t->attrs[j - 1], t->attrs[j]) < 0);
		/* Every listed attribute is found, by binary search or glob. */
		for (j = 0; j < t->nattrs; j++)
			CHECK(cfn_type_has_attribute(t, t->attrs[j]));
	}
}

static void
test_nested(void)
{
	const struct cfn_type *t = cfn_type_find("AWS::RDS::DBInstance");

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(cfn_type_has_attribute(t, "Endpoint.Address"));
	CHECK(cfn_type_has_attribute(t, "Endpoint.Port"));
	CHECK(!cfn_type_has_attribute(t, "Endpoint.Nope"));
	CHECK(!cfn_type_has_attribute(t, "Endpoint.Address.More"));
	CHECK(!cfn_type_has_attribute(t, "Address"));
}

/* The '*' attributes: nested stack outputs, custom resources, array items. */
static void
test_wildcards(void)
{
	const struct cfn_type *t = cfn_type_find("AWS::CloudFormation::Stack");

	CHECK(t != NULL);
	if (t != NULL) {
		CHECK(cfn_type_has_attribute(t, "Outputs.X"));
		CHECK(cfn_type_has_attribute(t, "Outputs.BucketName"));
		CHECK(cfn_type_has_attribute(t, "Outputs.A.B"));
		CHECK(!cfn_type_has_attribute(t, "Outputs."));
		CHECK(!cfn_type_has_attribute(t, "Outputs"));
		CHECK(!cfn_type_has_attribute(t, "Output.X"));
		CHECK(!cfn_type_has_attribute(t, "Arn"));
	}
	CHECK((t = cfn_type_find("Custom::Thing")) != NULL);
	if (t != NULL) {
		CHECK_STR(t->name, "AWS::CloudFormation::CustomResource");
		CHECK(cfn_type_has_attribute(t, "Anything.At.All"));
		CHECK(!cfn_type_has_attribute(t, ""));
	}
	CHECK((t = cfn_type_find("AWS::Lex::Bot")) != NULL);
	CHECK((t = cfn_type_find("AWS::EC2::TransitGatewayConnectPeer")) != NULL);
	if (t != NULL) {
		CHECK(cfn_type_has_attribute(t,
		    "ConnectPeerConfiguration.BgpConfigurations.0.PeerAddress"));
		CHECK(!cfn_type_has_attribute(t,
		    "ConnectPeerConfiguration.BgpConfigurations.0"));
	}
}

int
main(void)
{
	test_known();
	test_unknown();
	test_sorted_lists();
	test_nested();
	test_wildcards();
	CHECK(strstr(cfn_types_source(), "cfn-lint ") == cfn_types_source());
	cfn_types_free();
	/* Read again after a free, and freed again. */
	CHECK(cfn_type_find("AWS::S3::Bucket") != NULL);
	cfn_types_free();
	cfn_types_free();
	return unit_report("test_cfn_types");
}
