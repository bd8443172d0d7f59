"""The official JSON-Schema-Test-Suite (draft7) through our validator.

build/tests/jsts_runner (tests/unit/jsts_runner.c) runs every case of every
file through schema_validate and schema_is_valid and prints one line per
file. The remote documents of the suite (remotes/, the http://localhost:1234/
URIs of refRemote.json) are given to the validator as preloaded documents,
so no server is needed; the draft-07 meta-schema that definitions.json and
ref.json reference is taken from Python's jsonschema, the reference
implementation the corpus test also uses.

Every draft7 keyword file must run and pass 100%. The files not run are
listed in SKIPPED with the reason; anything else skipped fails the test.
"""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD, VALGRIND

SUITE = Path(os.environ.get("JSTS_DIR", "/usr/share/json-schema-test-suite"))
RUNNER = BUILD / "tests" / "jsts_runner"

# Keyword files of tests/draft7 (each named after the keyword it tests).
SUPPORTED = [
    "additionalItems", "additionalProperties", "allOf", "anyOf", "boolean_schema",
    "const", "contains", "default", "definitions", "dependencies", "enum",
    "exclusiveMaximum", "exclusiveMinimum", "if-then-else", "items", "maxItems",
    "maxLength", "maxProperties", "maximum", "minItems", "minLength",
    "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern",
    "patternProperties", "properties", "propertyNames", "ref", "refRemote",
    "required", "type", "uniqueItems",
]
# Optional files that run too.
OPTIONAL_RUN = ["optional/zeroTerminatedFloats.json"]
# Out of scope, with the reason (the runner prints the same reasons).
SKIPPED = {
    "optional/bignum.json": "arbitrary-precision numbers; we use 64-bit integers and doubles",
    "optional/content.json": "contentMediaType/contentEncoding are annotations (draft-07 section 8)",
    "optional/ecmascript-regex.json": "tests format: regex; format is an annotation",
    "optional/format/": "format is an annotation only, as draft-07 allows",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if not (SUITE / "tests" / "draft7").is_dir():
        pytest.fail(f"{SUITE}/tests/draft7 is missing: run 'sh tools/setup.sh test'")
    assert RUNNER.exists(), f"{RUNNER} missing: run make unit"
    from jsonschema import Draft7Validator

    meta = tmp_path_factory.mktemp("meta") / "draft7.json"
    meta.write_text(json.dumps(Draft7Validator.META_SCHEMA))
    cmd = [str(RUNNER), str(SUITE), str(meta)]
    if VALGRIND:
        cmd = ["valgrind", "-q", "--leak-check=full", "--error-exitcode=99", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(r.stdout)
    return r


def test_every_case_passes(report):
    assert report.returncode == 0, report.stdout + report.stderr
    m = re.search(r"^TOTAL (\d+)/(\d+) passed", report.stdout, re.M)
    assert m, report.stdout
    passed, total = int(m.group(1)), int(m.group(2))
    assert passed == total
    # The Debian package (2.0.0) has 424 cases in the files we run.
    assert total >= 400, f"only {total} cases ran"
    print(f"JSON-Schema-Test-Suite draft7: {passed}/{total} cases pass (100%)")
    print("supported keywords:", ", ".join(SUPPORTED + ["$id", "format (annotation)"]))


def test_supported_files_all_ran(report):
    ran = dict(re.findall(r"^PASS (\S+): (\d+/\d+)$", report.stdout, re.M))
    for kw in SUPPORTED:
        assert f"{kw}.json" in ran, f"{kw}.json did not run and pass:\n{report.stdout}"
    for f in OPTIONAL_RUN:
        assert f in ran, f"{f} did not run and pass"
    # Every suite file is accounted for: run, or skipped for a listed reason.
    on_disk = sorted(str(p.relative_to(SUITE / "tests" / "draft7"))
                     for p in (SUITE / "tests" / "draft7").rglob("*.json"))
    skipped = re.findall(r"^SKIP (\S+): ", report.stdout, re.M)
    for f in on_disk:
        if f in ran:
            continue
        assert f in skipped, f"{f} neither ran nor was skipped"
        assert any(f == s or (s.endswith("/") and f.startswith(s)) for s in SKIPPED), \
            f"{f} skipped without a listed reason"
    print("skipped:", "; ".join(f"{k} ({v})" for k, v in SKIPPED.items()))
