"""moto_server, with one moto bug fixed: change-set execution ignores DependsOn.

moto 5's ResourceMap.update (the path of ExecuteChangeSet) creates the added
resources in template order, honouring only Ref/GetAtt, while create_stack
orders them by DependsOn too. spartac's templates are sorted by logical ID,
so an AWS::ApiGateway::Deployment ("ApiDeployment...") comes before the
methods it DependsOn, and moto refuses it ("The REST API doesn't contain
any methods"); CloudFormation itself follows DependsOn. This launcher
orders the "Add" list by DependsOn before moto applies it, and changes
nothing else. Usage: python3 moto_server_ordered.py [moto_server args].
"""
import sys

from moto.cloudformation import parsing
from moto.server import main

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

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
