"""Writes schema/cfn-types.tsv: what spartac knows of each CloudFormation type.

The facts come from AWS's published CloudFormation resource provider schemas
as the cfn-lint package bundles them (already patched by cfn-lint), for one
region (us-east-1, the region with the most types). The table is committed;
`make cfn-types` reruns this script after upgrading cfn-lint, and
tests/test_cfn_types.py checks that the committed table is what this script
writes from the installed cfn-lint.

Format (UTF-8, LF, sorted by type name, lines starting with '#' are comments):

    TYPE <TAB> ATTRIBUTES <TAB> REQUIRED <TAB> CREATE-ONLY <TAB> PROPERTIES <TAB> KINDS

Each of the four lists is space-separated and sorted (byte order); a list may
be empty. ATTRIBUTES are the names Fn::GetAtt accepts on the type, dotted as
GetAtt writes them (Arn, Endpoint.Address). They are the attributes cfn-lint
accepts (its rule E1010), so that a template spartac accepts passes cfn-lint:
the schema's readOnlyProperties, and for the types whose every property
CloudFormation returns, those properties too (AWS::SQS::Queue QueueName). A '*'
in an attribute stands for one or more characters of any kind: an array element
(Rules.*.Arn), a nested stack's output (Outputs.*), or any attribute at all (a
lone '*', on AWS::CloudFormation::CustomResource). REQUIRED are the schema's
top-level required properties; CREATE-ONLY its createOnlyProperties, dotted;
PROPERTIES every top-level property the type accepts, or '*' when the schema
admits others (additionalProperties is not false). KINDS has one letter per
property, in PROPERTIES' order: what its value is, when the schema says it
plainly -- 'a' a list, 'o' a map, 's' a scalar (string, number or boolean),
'-' anything else (several types, or none given).

Usage: python3 tools/gen_cfn_types.py > schema/cfn-types.tsv
"""
import re
import sys

REGION = "us-east-1"


def pointer_to_dotted(pointer):
    """'/properties/Endpoint/Address' -> 'Endpoint.Address'."""
    parts = pointer.split("/")
    if len(parts) < 3 or parts[0] != "" or parts[1] != "properties":
        raise ValueError(f"unexpected property pointer {pointer!r}")
    return ".".join(p.replace("~1", "/").replace("~0", "~") for p in parts[2:])


def attribute_glob(key):
    """cfn-lint keys its GetAtt names by regular expression; the two regular
    expressions it writes by hand are '.*' and 'Outputs\\..*'. Any other key
    is a dotted name whose '*' segments are array elements. Returns the name
    with '*' as the only wildcard; refuses any other regular expression, so a
    new form in a later cfn-lint is seen, not misread."""
    if key == ".*":
        return "*"
    glob = key.replace("\\..*", ".*")
    if re.search(r"[\\^$+?()\[\]{}|\s]", glob) or re.search(r"\.\*(?!\.|$)", glob):
        raise ValueError(f"GetAtt key {key!r} is not a name cfn-types can hold")
    return glob


def property_kind(schema, prop):
    """'a', 'o', 's' or '-' for a property's schema (local $refs followed)."""
    seen = 0
    while "$ref" in prop and seen < 16:
        ref = prop["$ref"]
        if not ref.startswith("#/"):
            return "-"
        node = schema
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        prop, seen = node, seen + 1
    t = prop.get("type") if isinstance(prop, dict) else None
    scalars = {"string", "integer", "number", "boolean"}
    if isinstance(t, list):
        return "s" if t and set(t) <= scalars else "-"
    return {"array": "a", "object": "o"}.get(t, "s" if t in scalars else "-")


def type_line(manager, type_name):
    schema = manager.get_resource_schema(REGION, type_name).schema
    attrs = sorted({attribute_glob(k) for k in manager.get_type_getatts(type_name, REGION).keys()})
    required = sorted(set(schema.get("required", [])))
    create_only = sorted({pointer_to_dotted(p) for p in schema.get("createOnlyProperties", [])})
    props = sorted(schema.get("properties", {}))
    kinds = "".join(property_kind(schema, schema["properties"][p]) for p in props)
    if schema.get("additionalProperties", True) is not False:
        props, kinds = ["*"], "-"
    for name in attrs + required + create_only + props:
        if not name or re.search(r"\s", name):
            raise ValueError(f"{type_name}: name {name!r} cannot go in the table")
    return "\t".join([type_name, " ".join(attrs), " ".join(required), " ".join(create_only),
                      " ".join(props), kinds])


def main():
    import cfnlint.version
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as manager

    types = sorted(set(manager.get_resource_types(REGION)))
    out = [
        "# spartac cfn-types: CloudFormation resource types, written by tools/gen_cfn_types.py",
        f"# source: cfn-lint {cfnlint.version.__version__} resource provider schemas, region {REGION}, {len(types)} types",
        "# columns: type, GetAtt attributes, required properties, create-only properties,"
        " properties, their kinds"
        " (space-separated; '*' is one or more characters)",
    ]
    out.extend(type_line(manager, t) for t in types)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
