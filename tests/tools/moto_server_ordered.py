"""moto_server, with three moto bugs fixed and the CloudFormation models
moto lacks for API Gateway added (tests/tools/moto_cfn_api.py), and nothing
else changed.

1. Change-set execution ignores DependsOn.

moto 5's ResourceMap.update (the path of ExecuteChangeSet) creates the added
resources in template order, honouring only Ref/GetAtt, while create_stack
orders them by DependsOn too. spartac's templates are sorted by logical ID,
so an AWS::ApiGateway::Deployment ("ApiDeployment...") comes before the
methods it DependsOn, and moto refuses it ("The REST API doesn't contain
any methods"); CloudFormation itself follows DependsOn. This launcher
orders the "Add" list by DependsOn before moto applies it.

2. AWS::ApiGateway::Method with a MOCK integration (CORS preflight)
crashes moto's parser, which reads Integration.IntegrationHttpMethod and
Integration.Uri unconditionally (KeyError, HTTP 500 on any call that
parses the stack's resources again, e.g. DescribeStackResource). A MOCK
integration has neither in CloudFormation; the launcher lets moto see
empty ones.

3. The resource types moto skips (AWS::ApiGateway::Stage,
AWS::S3::BucketPolicy...) stay in the stack's resource map as None, and
DescribeStackResource, or DescribeStackResources with a LogicalResourceId,
then fail with an AttributeError (HTTP 500) for every logical ID. The
launcher leaves the skipped ones out of the stack's resources.

4. moto's CloudFormation has no model for most API Gateway types (the
stage, authorizers, keys, usage plans, models, validators, domains, and
every HTTP API type) and drops the Method properties that name them;
moto_cfn_api.py passes those properties to moto's own backends.

Usage: python3 moto_server_ordered.py [moto_server args].
"""
import copy
import os
import sys

from moto.apigateway import models as apigw
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.server import main

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_cfn_api  # noqa: E402,F401  (before the Method wrapper below)

_diff = parsing.ResourceMap.build_resource_diff


def _depends(res):
    d = res.get("DependsOn", []) if isinstance(res, dict) else []
    return [d] if isinstance(d, str) else list(d)


def _ordered(names, resources):
    out, seen = [], set()

    def visit(n, stack=()):
        if n in seen or n not in resources or n in stack:
            return
        for dep in _depends(resources[n]):
            visit(dep, stack + (n,))
        seen.add(n)
        out.append(n)

    for n in names:
        visit(n)
    return [n for n in out if n in names]


def build_resource_diff(self, other_template, parameters=None):
    actions = _diff(self, other_template, parameters)
    actions["Add"] = _ordered(actions["Add"], other_template["Resources"])
    return actions


parsing.ResourceMap.build_resource_diff = build_resource_diff

_method_from_cfn = apigw.Method.create_from_cloudformation_json.__func__


def method_from_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    integ = cloudformation_json.get("Properties", {}).get("Integration")
    if isinstance(integ, dict) and integ.get("Type") == "MOCK":
        # A copy: moto keeps the template it compares change sets with.
        cloudformation_json = copy.deepcopy(cloudformation_json)
        integ = cloudformation_json["Properties"]["Integration"]
        integ.setdefault("IntegrationHttpMethod", "")
        integ.setdefault("Uri", "")
    return _method_from_cfn(cls, resource_name, cloudformation_json, account_id,
                            region_name, **kw)


apigw.Method.create_from_cloudformation_json = classmethod(method_from_cfn)

_stack_resources = cfn_models.Stack.stack_resources.fget
cfn_models.Stack.stack_resources = property(
    lambda self: [r for r in _stack_resources(self) if r is not None])

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
