"""The manifest contract: the schema documents every property, its defaults
are the model's (src/front/manifest.h), its patterns stay portable, and the
example uses every section the schema defines."""
import json
import re

import pytest

from conftest import ROOT, run
from manifestlib import load_manifest

SCHEMA = json.loads((ROOT / "schema" / "sparta.schema.json").read_text())
HEADER = (ROOT / "src" / "front" / "manifest.h").read_text()
EXAMPLE = ROOT / "sparta.yaml.example"


def resolve(s):
    """A subschema with its $ref (bare or as the only allOf item) followed."""
    while isinstance(s, dict):
        ref = s.get("$ref")
        if ref is None and len(s.get("allOf", [])) >= 1 and "$ref" in s["allOf"][0]:
            ref = s["allOf"][0]["$ref"]
        if ref is None:
            return s
        target = SCHEMA
        for part in ref[2:].split("/"):
            target = target[part]
        # Annotations written beside the reference belong to this property.
        notes = {k: s[k] for k in ("description", "default") if k in s}
        s = {**target, **notes} if notes else target
    return s


def walk_properties(s, path, seen):
    """Yields (path, subschema) for every named property in the schema."""
    if not isinstance(s, dict) or id(s) in seen:
        return
    seen.add(id(s))
    for name, sub in s.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from walk_properties(resolve(sub), f"{path}.{name}", seen)
    for key in ("additionalProperties", "items", "additionalItems"):
        sub = s.get(key)
        if isinstance(sub, dict):
            yield from walk_properties(resolve(sub), f"{path}.*", seen)
        elif isinstance(sub, list):
            for item in sub:
                yield from walk_properties(resolve(item), f"{path}[]", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in s.get(key, []):
            yield from walk_properties(resolve(sub), path, seen)
    if "$ref" in s:
        yield from walk_properties(resolve(s), path, seen)


def test_every_property_has_a_description():
    props = list(walk_properties(SCHEMA, "", set()))
    assert len(props) > 100
    missing = [p for p, sub in props if not resolve(sub).get("description")
               and not sub.get("description")
               # CloudFormation's own keys are described by CloudFormation
               and not re.search(r"\.(Type|Properties|DependsOn|Condition|DeletionPolicy|"
                                 r"UpdateReplacePolicy|UpdatePolicy|CreationPolicy|Metadata|"
                                 r"Description|Export|Name)$", p)]
    assert missing == []


def header_define(name):
    m = re.search(rf'#define {name}\s+(?:\\\n\s*)?("(?:[^"\\]|\\.)*"|\d+)', HEADER)
    assert m, f"{name} missing from src/front/manifest.h"
    value = m.group(1)
    return json.loads(value) if value.startswith('"') else int(value)


def prop(*path):
    s = SCHEMA
    for part in path:
        s = resolve(s)
        s = s["properties"][part] if part in s.get("properties", {}) else SCHEMA["definitions"][part]
    return resolve(s)


@pytest.mark.parametrize("schema_path,define", [
    (("function", "memory"), "MANIFEST_DEFAULT_MEMORY"),
    (("function", "timeout"), "MANIFEST_DEFAULT_TIMEOUT"),
    (("function", "ephemeral_storage"), "MANIFEST_DEFAULT_EPHEMERAL"),
    (("function", "log_retention"), "MANIFEST_DEFAULT_LOG_RETENTION"),
    (("streamEvent", "batch"), "MANIFEST_DEFAULT_STREAM_BATCH"),
    (("api", "stage"), "MANIFEST_DEFAULT_API_STAGE"),
    (("site", "index"), "MANIFEST_DEFAULT_SITE_INDEX"),
])
def test_schema_defaults_are_the_models(schema_path, define):
    assert prop(*schema_path)["default"] == header_define(define)


def test_list_defaults_are_the_models():
    assert prop("build", "sources")["default"] == [header_define("MANIFEST_DEFAULT_SOURCES")]
    assert prop("build", "cflags")["default"] == [header_define("MANIFEST_DEFAULT_CFLAGS")]
    assert prop("s3Event", "events")["default"] == [header_define("MANIFEST_DEFAULT_S3_EVENT")]
    sqs = SCHEMA["definitions"]["sqsEvent"]["anyOf"][1]["properties"]
    assert sqs["batch"]["default"] == header_define("MANIFEST_DEFAULT_SQS_BATCH")
    ref = SCHEMA["definitions"]["api"]["properties"]["cors"]["anyOf"][1]["$ref"]
    cors = SCHEMA["definitions"][ref.split("/")[-1]]["properties"]
    assert ",".join(cors["headers"]["default"]) == header_define("MANIFEST_CORS_DEFAULT_HEADERS")


def test_patterns_are_portable():
    """Lookaround, backreferences and named groups are not in every regex
    engine editors use, nor in ours."""
    patterns = []

    def visit(s):
        if isinstance(s, dict):
            for k, v in s.items():
                if k == "pattern" and isinstance(v, str):
                    patterns.append(v)
                else:
                    visit(v)
        elif isinstance(s, list):
            for v in s:
                visit(v)
    visit(SCHEMA)
    assert patterns
    for p in patterns:
        assert "(?" not in p, p
        assert not re.search(r"\\[1-9]", p), p
        re.compile(p)


def test_example_uses_every_section():
    m = load_manifest(EXAMPLE)
    staged = {k for st in m["stages"].values() for k in st}
    assert set(m) | staged == set(SCHEMA["properties"])
    kinds = {k for f in m["functions"].values() for e in f.get("events", []) for k in e}
    assert kinds == set(SCHEMA["definitions"]["event"]["properties"])
    assert m["roles"] and m["stages"] and m["api"]["routes"]


def test_example_is_valid_in_every_stage(spartac):
    for stage in [None, *load_manifest(EXAMPLE)["stages"]]:
        args = ["validate", str(EXAMPLE)] + (["--stage", stage] if stage else [])
        r = run("--no-color", *args)
        assert r.returncode == 0 and r.stderr.count("error") == 0, (stage, r.stderr)
