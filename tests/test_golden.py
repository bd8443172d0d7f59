"""Golden tests of `spartac validate` over tests/manifests (see its README.md).

SPARTAC_GOLDEN_UPDATE=1 writes the expected .err files that are missing;
SPARTAC_GOLDEN_UPDATE=all rewrites every one from the current binary (and so
would erase a hand-written expectation that records a bug still open).
Review every change by eye before committing it.
"""
import difflib
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SPARTAC, spartac_cmd
import manifestlib

CORPUS = ROOT / "tests" / "manifests"
VALID = CORPUS / "valid"
INVALID = CORPUS / "invalid"
UPDATE_MODE = os.environ.get("SPARTAC_GOLDEN_UPDATE", "")
UPDATE = UPDATE_MODE in ("1", "all")

EXIT_OK = 0
EXIT_INVALID = 1

MAX_BYTES = 4 * 1024 * 1024


def _service_head(name):
    return f"service: {name}\nfunctions:\n  hello:\n    symbol: hello\n"


def gen_too_large(d):
    head = _service_head("too-large").encode()
    pad = b"# padding\n" * ((MAX_BYTES + 1 - len(head)) // 10 + 1)
    data = head + pad
    assert len(data) > MAX_BYTES
    (d / "gen-file-too-large.yaml").write_bytes(data)


def gen_flow_100000(d):
    depth = 100000
    (d / "gen-limit-flow-100000.yaml").write_text(
        _service_head("deep") + "resources: " + "[" * depth + "]" * depth + "\n")


def gen_block_depth_1000(d):
    # Block mappings nested 1,000 deep: indentation grows by one space.
    lines = ["service: deep-block", "resources:"]
    for i in range(1000):
        lines.append(" " * (i + 1) + f"k{i}:")
    lines[-1] += " leaf"
    (d / "gen-limit-block-depth.yaml").write_text("\n".join(lines) + "\n")


def gen_node_budget(d):
    # A million and one scalars in one flow sequence: about 2 MB, under the
    # size limit, so the node budget is what refuses it.
    (d / "gen-limit-node-budget.yaml").write_text(
        _service_head("many-nodes") + "resources: [" + "0," * 1000000 + "0]\n")


def gen_schema_limit(d):
    # A 1.1 MB action: matching it against the action pattern takes more
    # steps than the validator's regex budget (SCHEMA_RX_STEPS).
    (d / "gen-schema-limit.yaml").write_text(
        "service: limits\nroles:\n  r:\n    privileges:\n"
        "      - actions: [" + "a" * 1100000 + "]\n        resources: \"*\"\n"
        "functions:\n  f:\n    symbol: f\n    role: r\n")


def gen_file_missing(d):
    pass  # the point is that gen-file-missing.yaml does not exist


def gen_file_directory(d):
    (d / "gen-file-directory.yaml").mkdir()


def gen_bucket_name(d):
    # The site root must exist, or E-SITE-ROOT would join the diagnostics:
    # so the case makes its own site directory.
    (d / "site").mkdir()
    (d / "site" / "index.html").write_text("<p>hi</p>\n")
    (d / "gen-sem-bucket-name.yaml").write_text(
        "# S3 naming rules the schema's pattern cannot express.\n"
        "service: site-names\nsite:\n  root: site\n  bucket_name: my..site\n"
        "stages:\n  ip:\n    site: {bucket_name: 10.0.0.1}\n"
        "  alias:\n    site: {bucket_name: my-site-s3alias}\n"
        "  xn:\n    site: {bucket_name: xn--site}\n"
        "  dash:\n    site: {bucket_name: my-.site}\n")


GENERATED = {
    "gen-file-too-large": gen_too_large,
    "gen-limit-flow-100000": gen_flow_100000,
    "gen-limit-block-depth": gen_block_depth_1000,
    "gen-limit-node-budget": gen_node_budget,
    "gen-schema-limit": gen_schema_limit,
    "gen-file-missing": gen_file_missing,
    "gen-file-directory": gen_file_directory,
    "gen-sem-bucket-name": gen_bucket_name,
}


def snapshot(d):
    """Every path under d with its size and mtime, to prove nothing was written."""
    out = {}
    for p in sorted(d.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(d))] = (st.st_size, st.st_mtime_ns, p.is_dir())
    return out


def case_args(path):
    """Extra arguments a case asks for in a '# args: ...' line among its
    first three lines (e.g. '# args: --stage prod')."""
    try:
        with open(path, "rb") as f:
            head = [f.readline() for _ in range(3)]
    except OSError:
        return []
    for line in head:
        m = re.match(rb"# args: (.*?)\r?$", line.rstrip(b"\n"))
        if m:
            return shlex.split(m.group(1).decode())
    return []


# Generated inputs too big to run under valgrind in reasonable time (a
# minute and more each); the ASan+UBSan pass still runs them instrumented.
HEAVY = {"gen-file-too-large", "gen-limit-flow-100000", "gen-limit-node-budget",
         "gen-schema-limit"}


def validate(cwd, name, *extra, plain=False):
    """Runs `spartac validate --no-color [EXTRA] NAME` in cwd; plain skips
    the valgrind wrapper of SPARTAC_VALGRIND=1 runs."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["LC_ALL"] = "C"
    extra = [*extra, *case_args(Path(cwd) / name)]
    args = ["validate", "--no-color", *extra, name]
    cmd = [str(SPARTAC), *args] if plain else spartac_cmd(*args)
    return subprocess.run(cmd, cwd=cwd,
                          env=env, capture_output=True, timeout=120)


def check_golden(expected_file, got):
    if UPDATE_MODE == "all" or (UPDATE and not expected_file.exists()):
        expected_file.write_bytes(got)
        return
    if not expected_file.exists():
        pytest.fail(f"{expected_file} is missing; make it with SPARTAC_GOLDEN_UPDATE=1 "
                    "and review it")
    want = expected_file.read_bytes()
    if got != want:
        diff = difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(keepends=True),
            got.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=str(expected_file.relative_to(ROOT)), tofile="spartac output")
        pytest.fail("diagnostics differ:\n" + "".join(diff))


def invalid_cases():
    return sorted(p.stem for p in INVALID.glob("*.yaml"))


def valid_cases():
    return sorted(p.stem for p in VALID.glob("*.yaml"))


@pytest.mark.parametrize("name", invalid_cases())
def test_invalid(spartac, name):
    before = snapshot(INVALID)
    r = validate(INVALID, name + ".yaml")
    assert snapshot(INVALID) == before, "spartac wrote into the corpus directory"
    assert r.stdout == b"", f"unexpected standard output: {r.stdout!r}"
    assert r.returncode == EXIT_INVALID, \
        f"exit status {r.returncode}, want {EXIT_INVALID}; stderr:\n{r.stderr.decode(errors='replace')}"
    check_golden(INVALID / (name + ".err"), r.stderr)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated(spartac, name, tmp_path):
    GENERATED[name](tmp_path)
    before = snapshot(tmp_path)
    r = validate(tmp_path, name + ".yaml", plain=name in HEAVY)
    assert snapshot(tmp_path) == before, "spartac wrote a file"
    assert r.stdout == b"", f"unexpected standard output: {r.stdout!r}"
    assert r.returncode == EXIT_INVALID, \
        f"exit status {r.returncode}, want {EXIT_INVALID}; stderr:\n{r.stderr.decode(errors='replace')}"
    check_golden(INVALID / (name + ".err"), r.stderr)


@pytest.mark.parametrize("name", valid_cases())
def test_valid(spartac, name):
    before = snapshot(VALID)
    r = validate(VALID, name + ".yaml")
    assert snapshot(VALID) == before, "spartac wrote into the corpus directory"
    assert r.stdout == b"", f"unexpected standard output: {r.stdout!r}"
    assert r.returncode == EXIT_OK, \
        f"exit status {r.returncode}; stderr:\n{r.stderr.decode(errors='replace')}"
    # Text mode ends a successful run with one info line; warnings, if any,
    # come before it and are compared like the invalid cases' diagnostics.
    last = f"spartac: {name}.yaml: valid\n".encode()
    assert r.stderr.endswith(last), r.stderr.decode(errors="replace")
    warnings = r.stderr[:-len(last)]
    expected = VALID / (name + ".err")
    if expected.exists() or (UPDATE and warnings):
        check_golden(expected, warnings)
    else:
        assert warnings == b"", f"unexpected diagnostics:\n{warnings.decode(errors='replace')}"


def _text_lines(err_bytes):
    """The header line of each diagnostic in text output (quotes and hints
    are indented; headers are not)."""
    return [l for l in err_bytes.decode("utf-8", "replace").splitlines()
            if l and not l.startswith(" ")]


def _from_json(d):
    where = f"{d['file']}:{d['line']}:{d['column']}: " if d["line"] else f"{d['file']}: "
    path = f"{d['path']}: " if d["path"] else ""
    return f"{where}{d['severity']}: {path}{d['message']} [{d['code']}]"


@pytest.mark.parametrize("name", invalid_cases())
def test_json_and_github_formats_agree_with_text(spartac, name):
    """--format json and --format github carry the same diagnostics as the
    text in the .err file: same order, positions, paths, messages, codes."""
    expected = INVALID / (name + ".err")
    if not expected.exists():
        pytest.fail(f"{expected} is missing")
    text = _text_lines(expected.read_bytes())
    # A check of the printers, not of memory: test_invalid runs the same
    # inputs under valgrind when that pass is on.
    r = validate(INVALID, name + ".yaml", "--format", "json", plain=True)
    assert r.returncode == EXIT_INVALID
    assert r.stderr == b""
    diags = json.loads(r.stdout)
    assert [_from_json(d) for d in diags] == text
    r = validate(INVALID, name + ".yaml", "--format", "github", plain=True)
    assert r.returncode == EXIT_INVALID
    lines = r.stdout.decode("utf-8", "replace").splitlines()
    assert len(lines) == len(diags)
    for line, d in zip(lines, diags):
        assert line.startswith(f"::{d['severity']} "), line
        assert f"title={d['code']}::" in line, line


def test_corpus_size():
    assert len(valid_cases()) >= 15
    assert len(invalid_cases()) + len(GENERATED) >= 80


def test_every_err_has_an_input():
    inputs = set(invalid_cases()) | set(GENERATED)
    errs = {p.stem for p in INVALID.glob("*.err")}
    assert sorted(errs - inputs) == [], "expected files without an input"
    assert sorted(inputs - errs) == [], "inputs without an expected file"
    stray = [p.name for p in INVALID.iterdir()
             if p.suffix not in (".yaml", ".err")]
    assert stray == []


def diag_sections():
    """{section title: [codes]} from the '/* ---- title (file) ---- */'
    comments of src/base/diag_codes.h."""
    out, title = {}, None
    for line in (ROOT / "src" / "base" / "diag_codes.h").read_text().splitlines():
        m = re.match(r"/\* ---- (.+?) ---- \*/", line)
        if m:
            title = m.group(1)
        m = re.match(r'DIAG\(\s*\w+\s*,\s*\w+\s*,\s*"([A-Z0-9-]+)"', line)
        if m:
            out.setdefault(title, []).append(m.group(1))
    return out


# The sections whose codes `spartac validate` can print; the others (build,
# JSON input, deploy) belong to later verbs and are covered by their tests.
VALIDATE_SECTIONS = ("loading", "schema", "semantic checks", "template")

# Codes validate prints that need inputs too big for the corpus, with the
# test that covers them (validate and build print them alike there).
COVERED_ELSEWHERE = {
    "N-TEMPLATE-S3": "tests/test_marshal.py::test_size_note_and_limit_warning",
    "W-TEMPLATE-LIMIT": "tests/test_marshal.py::test_size_note_and_limit_warning",
    "N-TEMPLATE-SPLIT": "tests/test_split.py::test_golden_low_threshold",
    "W-TEMPLATE-SPLIT-LIMIT": "tests/test_split.py::test_root_over_limit",
}


def validate_codes():
    return [c for title, cs in diag_sections().items()
            if title.startswith(VALIDATE_SECTIONS) for c in cs
            if c not in COVERED_ELSEWHERE]


def unreachable_schema_codes():
    """Codes of the generic validator that the manifest schema cannot
    produce, each with the reason checked against the schema itself, so a
    schema that starts using the keyword makes this test ask for a case."""
    used = manifestlib.schema_keywords(manifestlib.load_schema())
    out = set()
    if "not" not in used:
        out.add("E-SCHEMA-NOT")
    if "dependencies" not in used:
        out.add("E-SCHEMA-DEPENDENCY")
    # E-SCHEMA is the catch-all for 'contains' and false schemas (other than
    # additionalProperties: false, which gives E-SCHEMA-UNKNOWN-PROPERTY).
    falses = [kw for kw, sub in manifestlib.subschemas(manifestlib.load_schema())
              if sub is False and kw != "additionalProperties"]
    if "contains" not in used and not falses:
        out.add("E-SCHEMA")
    return out


def test_every_code_is_covered():
    seen = set()
    for p in list(INVALID.glob("*.err")) + list(VALID.glob("*.err")):
        seen |= set(re.findall(r"\[([EWN]-[A-Z0-9-]+)\]$",
                               p.read_text(errors="replace"), re.M))
    sections = diag_sections()
    assert all(any(t.startswith(v) for t in sections) for v in VALIDATE_SECTIONS), \
        f"diag_codes.h sections changed: {list(sections)}"
    codes = validate_codes()
    missing = [c for c in codes if c not in seen and c not in unreachable_schema_codes()]
    assert missing == [], f"diagnostic codes no corpus case produces: {missing}"
    everything = {c for cs in sections.values() for c in cs}
    unknown = sorted(seen - everything)
    assert unknown == [], f".err files name codes the catalogue lacks: {unknown}"


# ---- agreement with the reference validator (Python jsonschema) ----

def _validator():
    import jsonschema
    schema = manifestlib.load_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return schema, cls(schema)


def _codes(err_file):
    return set(re.findall(r"\[([EWN]-[A-Z0-9-]+)\]$", err_file.read_text(errors="replace"), re.M))


@pytest.mark.parametrize("name", valid_cases())
def test_valid_agrees_with_jsonschema(name):
    _, v = _validator()
    tree = manifestlib.load_manifest(VALID / (name + ".yaml"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(tree)]
    assert errors == [], "jsonschema rejects a valid case"


def _schema_cases():
    return [n for n in invalid_cases() if n.startswith("schema-")]


def _sem_cases():
    """sem- cases (the model's checks) and tpl- cases (the template's):
    both pass the schema."""
    return [n for n in invalid_cases() if n.startswith(("sem-", "tpl-"))]


@pytest.mark.parametrize("name", _schema_cases())
def test_schema_case_agrees_with_jsonschema(name):
    _, v = _validator()
    tree = manifestlib.load_manifest(INVALID / (name + ".yaml"))
    assert list(v.iter_errors(tree)), "jsonschema accepts a schema- case spartac rejects"
    codes = _codes(INVALID / (name + ".err"))
    assert codes and all(c.startswith("E-SCHEMA") for c in codes), \
        f"a schema- case should fail the schema only, got {sorted(codes)}"


@pytest.mark.parametrize("name", _sem_cases())
def test_semantic_case_passes_jsonschema(name):
    _, v = _validator()
    tree = manifestlib.load_manifest(INVALID / (name + ".yaml"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(tree)]
    assert errors == [], "a sem- case must pass the schema"
    codes = _codes(INVALID / (name + ".err"))
    assert codes and not any(c.startswith("E-SCHEMA") for c in codes)


# Keywords that can make an instance invalid (annotations cannot).
FAILABLE = {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
            "format", "minItems", "maxItems", "uniqueItems", "contains", "minProperties",
            "maxProperties", "required", "additionalProperties", "propertyNames",
            "dependencies", "anyOf", "oneOf", "not", "if", "patternProperties",
            "additionalItems", "items", "allOf", "$ref"}


def test_schema_cases_cover_every_keyword():
    schema, v = _validator()
    used = manifestlib.schema_keywords(schema) & FAILABLE
    covered = set()
    for name in _schema_cases():
        tree = manifestlib.load_manifest(INVALID / (name + ".yaml"))
        for e in v.iter_errors(tree):
            covered |= manifestlib.error_keywords(schema, e)
    missing = sorted(used - covered)
    assert missing == [], f"schema keywords no schema- case makes fail: {missing}"
