"""Helpers shared by the corpus tests: a YAML 1.2 loader for Python that
reads manifests the way spartac's loader does (core schema, CloudFormation
short-form tags turned into their long form), and a walk over the schema that
names the validation keywords it uses.

Python's jsonschema is the reference validator the corpus is checked
against, so it must see the same tree spartac sees; PyYAML's default
resolver is YAML 1.1 (yes/no/on/off are booleans, 012 is octal, '<<' merges),
which is why the resolver is rebuilt here.
"""
import json
import math
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schema" / "sparta.schema.json"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_CORE = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
]

# Short form -> long form key. GetAtt and Condition are handled apart.
CFN_TAGS = {
    "Ref": "Ref", "Sub": "Fn::Sub", "Join": "Fn::Join", "Select": "Fn::Select",
    "Split": "Fn::Split", "If": "Fn::If", "Equals": "Fn::Equals", "Not": "Fn::Not",
    "And": "Fn::And", "Or": "Fn::Or", "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64", "Cidr": "Fn::Cidr", "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue", "GetAtt": "Fn::GetAtt", "Condition": "Condition",
}


class CoreLoader(yaml.SafeLoader):
    pass


CoreLoader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in _CORE:
    CoreLoader.add_implicit_resolver(_tag, re.compile(_rx), list(_first))
# The empty plain scalar resolves to null.
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _int(loader, node):
    s = loader.construct_scalar(node)
    if s.startswith("0o"):
        return int(s[2:], 8)
    if s.startswith("0x"):
        return int(s[2:], 16)
    return int(s, 10)


def _float(loader, node):
    s = loader.construct_scalar(node).lower()
    if s.endswith(".inf"):
        return -math.inf if s.startswith("-") else math.inf
    if s == ".nan":
        return math.nan
    return float(s)


CoreLoader.add_constructor("tag:yaml.org,2002:int", _int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _float)


def _cfn(short, long_key):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if short == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {long_key: value}
    return construct


for _short, _long in CFN_TAGS.items():
    CoreLoader.add_constructor("!" + _short, _cfn(_short, _long))


def load_manifest(path):
    """The tree of a manifest as spartac sees it (raises on loader errors)."""
    with open(path, "rb") as f:
        return yaml.load(f, Loader=CoreLoader)


def load_schema():
    return json.loads(SCHEMA_PATH.read_text())


# Keywords whose value is a map of names to subschemas.
_NAMED = {"properties", "patternProperties", "definitions", "dependencies"}
# Keywords whose value is a list of subschemas.
_LISTS = {"allOf", "anyOf", "oneOf"}
# Keywords whose value is one subschema.
_SINGLE = {"additionalProperties", "additionalItems", "not", "if", "then", "else",
           "contains", "propertyNames", "items"}
# Keywords that say nothing about validity.
ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "default",
               "examples", "definitions", "markdownDescription", "readOnly",
               "writeOnly", "deprecated", "contentMediaType", "contentEncoding"}


def schema_keywords(schema):
    """Every keyword used at a schema position anywhere in the schema."""
    used = set()

    def visit(s):
        if not isinstance(s, dict):
            return
        for k, v in s.items():
            used.add(k)
            if k in _NAMED and isinstance(v, dict):
                for sub in v.values():
                    visit(sub)
            elif k in _LISTS or (k == "items" and isinstance(v, list)):
                for sub in v:
                    visit(sub)
            elif k in _SINGLE:
                visit(v)

    visit(schema)
    return used


def subschemas(schema, via=None):
    """Yields (keyword, subschema) for every subschema, booleans included."""
    if isinstance(schema, bool):
        yield via, schema
        return
    if not isinstance(schema, dict):
        return
    yield via, schema
    for k, v in schema.items():
        if k in _NAMED and isinstance(v, dict):
            for sub in v.values():
                yield from subschemas(sub, k)
        elif k in _LISTS or (k == "items" and isinstance(v, list)):
            for sub in v:
                yield from subschemas(sub, k)
        elif k in _SINGLE:
            yield from subschemas(v, k)


def _resolve(root, ref):
    if not ref.startswith("#"):
        raise ValueError(f"non-local $ref {ref}")
    node = root
    for part in ref[1:].split("/")[1:]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def error_keywords(root, error):
    """The schema keywords an error passed through, walking its schema path
    through the schema so that property names are not mistaken for keywords."""
    out = set()
    node = root
    path = list(error.absolute_schema_path)
    i = 0
    while i < len(path) and isinstance(node, dict):
        if "$ref" in node:
            # jsonschema leaves $ref (and if) out of schema paths; in
            # draft-07 a $ref replaces its siblings.
            out.add("$ref")
            node = _resolve(root, node["$ref"])
            continue
        kw = path[i]
        i += 1
        if kw in ("then", "else"):
            out.add("if")
        if kw not in node and "propertyNames" in node:
            # jsonschema descends into propertyNames without naming it.
            out.add("propertyNames")
            node = node["propertyNames"]
            i -= 1
            continue
        out.add(kw)
        if i >= len(path):
            break  # the keyword that failed (anyOf, oneOf, ...)
        if kw in _NAMED:
            sub = node[kw][path[i]]
            i += 1
            if not isinstance(sub, dict):
                break
            node = sub
        elif kw in _LISTS or (kw == "items" and isinstance(node.get("items"), list)):
            node = node[kw][path[i]]
            i += 1
        elif kw in _SINGLE:
            node = node[kw]
        else:
            break
    for sub in error.context or ():
        out |= error_keywords(root, sub)
    return out
