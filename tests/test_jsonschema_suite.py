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
import random
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


# ---- the pattern engine against Python's re (what jsonschema uses) ----

# Subjects and patterns stay in the subset where ECMA-262 and Python's re
# agree: ASCII without newlines (Python's $ also matches before a final
# newline, and its \s covers \x1c-\x1f), no {,n} (a literal in ECMA), and
# no \B against the empty string (Python's \B never matches an empty string;
# in ECMA-262 /\B/.test("") is true, which is what we do).
ALPHABET = "ab01 -_.x"


def _rand_atom(rng, depth):
    r = rng.random()
    if depth < 3 and r < 0.15:
        inner = _rand_alt(rng, depth + 1)
        return rng.choice(["(", "(?:"]) + inner + ")", True
    if depth < 3 and r < 0.22:
        return rng.choice(["(?=", "(?!"]) + _rand_alt(rng, depth + 1) + ")", False
    if r < 0.30:
        return rng.choice(["^", "$", "\\b", "\\B"]), False
    if r < 0.45:
        return rng.choice(["\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "."]), True
    if r < 0.60:
        neg = rng.choice(["", "^"])
        items = "".join(rng.choice(["a", "b", "0-1", "a-b", "\\d", "\\s", "_", "\\-", "."])
                        for _ in range(rng.randint(1, 3)))
        return "[" + neg + items + "]", True
    c = rng.choice("ab01 _x")
    return (c if c != " " else " "), True


def _rand_seq(rng, depth):
    out = []
    for _ in range(rng.randint(0, 4)):
        atom, quantifiable = _rand_atom(rng, depth)
        if quantifiable and rng.random() < 0.4:
            atom += rng.choice(["*", "+", "?", "{2}", "{1,}", "{0,2}", "{1,3}"])
            if rng.random() < 0.3:
                atom += "?"
        out.append(atom)
    return "".join(out)


def _rand_alt(rng, depth=0):
    return "|".join(_rand_seq(rng, depth) for _ in range(rng.choice([1, 1, 1, 2, 3])))


def test_pattern_engine_matches_python_re(tmp_path):
    """4,000 random patterns x subjects: our matcher and re.search agree."""
    if not (SUITE / "tests" / "draft7").is_dir():
        pytest.fail(f"{SUITE} is missing: run 'sh tools/setup.sh test'")
    assert RUNNER.exists(), f"{RUNNER} missing: run make unit"
    rng = random.Random(20261122)
    groups = []
    for _ in range(500):
        pat = _rand_alt(rng)
        try:
            rx = re.compile(pat)
        except re.error:
            continue
        tests = []
        for _ in range(8):
            s = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
            if s == "" and "\\B" in pat:
                s = "a"
            tests.append({"description": repr(s), "data": s,
                          "valid": rx.search(s) is not None})
        groups.append({"description": f"/{pat}/", "schema": {"pattern": pat}, "tests": tests})
    assert len(groups) > 400
    d = tmp_path / "suite" / "tests" / "draft7"
    d.mkdir(parents=True)
    (d / "pattern_vs_python_re.json").write_text(json.dumps(groups))
    r = subprocess.run([str(RUNNER), str(tmp_path / "suite")], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr
    m = re.search(r"^TOTAL (\d+)/(\d+) passed", r.stdout, re.M)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) == 8 * len(groups)


# ---- whole schemas against Python's jsonschema ----

def _rand_value(rng, depth=0):
    r = rng.random()
    if depth < 2 and r < 0.2:
        return [_rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and r < 0.4:
        return {rng.choice(["a", "b", "c", "ab", "x1"]): _rand_value(rng, depth + 1)
                for _ in range(rng.randint(0, 3))}
    return rng.choice([None, True, False, 0, 1, 2, -1, 2.5, 3.0, 0.5, 10, "", "a", "ab",
                       "abc", "1", "é", "x1"])


def _rand_schema(rng, depth=0):
    if rng.random() < 0.08:
        return rng.choice([True, False])
    s = {}
    kws = rng.sample([
        "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
        "items", "itemsArray", "additionalItems", "contains", "minItems", "maxItems",
        "uniqueItems", "properties", "patternProperties", "additionalProperties",
        "required", "propertyNames", "minProperties", "maxProperties", "dependencies",
        "allOf", "anyOf", "oneOf", "not", "if", "ref"], rng.randint(1, 3))
    sub = (lambda: _rand_schema(rng, depth + 1)) if depth < 2 else (lambda: rng.choice([True, False, {"type": "string"}, {"minimum": 1}]))
    for k in kws:
        if k == "type":
            t = rng.sample(["null", "boolean", "integer", "number", "string", "array", "object"],
                           rng.randint(1, 2))
            s["type"] = t[0] if len(t) == 1 else t
        elif k in ("enum",):
            s["enum"] = [_rand_value(rng, 1) for _ in range(rng.randint(1, 3))]
        elif k == "const":
            s["const"] = _rand_value(rng, 1)
        elif k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            s[k] = rng.choice([0, 1, 2, 2.5, -1])
        elif k == "multipleOf":
            s[k] = rng.choice([1, 2, 0.5, 1.5])
        elif k in ("minLength", "maxLength", "minItems", "maxItems", "minProperties",
                   "maxProperties"):
            s[k] = rng.randint(0, 3)
        elif k == "pattern":
            s[k] = rng.choice(["^a", "b$", "^[a-c]+$", "\\d", "^.$"])
        elif k in ("items", "additionalItems", "contains", "propertyNames", "not",
                   "additionalProperties"):
            s[k] = sub()
        elif k == "itemsArray":
            s["items"] = [sub() for _ in range(rng.randint(0, 2))]
        elif k == "uniqueItems":
            s[k] = rng.choice([True, False])
        elif k == "properties":
            s[k] = {n: sub() for n in rng.sample(["a", "b", "c"], rng.randint(1, 2))}
        elif k == "patternProperties":
            s[k] = {rng.choice(["^a", "b", "^x\\d$"]): sub()}
        elif k == "required":
            s[k] = rng.sample(["a", "b", "c"], rng.randint(0, 2))
        elif k == "dependencies":
            s[k] = {"a": rng.choice([["b"], sub()])}
        elif k in ("allOf", "anyOf", "oneOf"):
            s[k] = [sub() for _ in range(rng.randint(1, 3))]
        elif k == "if":
            s["if"] = sub()
            if rng.random() < 0.7:
                s["then"] = sub()
            if rng.random() < 0.7:
                s["else"] = sub()
        elif k == "ref" and depth == 0:  # pointers are from the root
            s["definitions"] = {"d": sub()}
            s["properties"] = {"a": {"$ref": "#/definitions/d"}, "b": {"$ref": "#"}}
    return s


def test_validator_matches_jsonschema(tmp_path):
    """~1,500 random schemas x 10 instances: we and Draft7Validator agree."""
    from jsonschema import Draft7Validator

    assert RUNNER.exists(), f"{RUNNER} missing: run make unit"
    rng = random.Random(7)
    groups = []
    for _ in range(1500):
        schema = _rand_schema(rng)
        v = Draft7Validator(schema)
        try:
            tests = [{"description": json.dumps(x), "data": x, "valid": v.is_valid(x)}
                     for x in (_rand_value(rng) for _ in range(10))]
        except TypeError:
            # jsonschema 4.x crashes on "items": true with additionalItems
            # (len() of a bool); no oracle for those.
            continue
        groups.append({"description": json.dumps(schema), "schema": schema, "tests": tests})
    assert len(groups) > 1400
    valid = sum(t["valid"] for g in groups for t in g["tests"])
    assert 0.2 < valid / (10 * len(groups)) < 0.8, "random cases too one-sided to mean much"
    d = tmp_path / "suite" / "tests" / "draft7"
    d.mkdir(parents=True)
    (d / "random_vs_jsonschema.json").write_text(json.dumps(groups))
    r = subprocess.run([str(RUNNER), str(tmp_path / "suite")], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr


# ---- a short libFuzzer run of the JSON loader and schema compiler ----

def test_fuzz_schema_short(tmp_path):
    """tests/fuzz/fuzz_schema.c under ASan+UBSan, seeded with the suite's
    schemas and instances and the manifest schema. SPARTAC_FUZZ_SECONDS sets
    the length (default 15)."""
    import shutil
    if shutil.which("clang") is None:
        pytest.fail("clang is not installed: run 'sh tools/setup.sh test'")
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(["make", "-s", "fuzz"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, f"make fuzz failed:\n{r.stdout}\n{r.stderr}"
    fuzzer = root / "build-fuzz" / "fuzz_schema"
    assert fuzzer.exists()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    i = 0
    for f in sorted((SUITE / "tests" / "draft7").rglob("*.json")):
        for g in json.loads(f.read_text()):
            (corpus / f"s{i}.json").write_text(json.dumps(g["schema"]))
            (corpus / f"d{i}.json").write_text(json.dumps(g["tests"][0]["data"]))
            i += 1
    shutil.copy(root / "schema" / "sparta.schema.json", corpus / "sparta.json")
    seconds = int(os.environ.get("SPARTAC_FUZZ_SECONDS", "15"))
    r = subprocess.run([str(fuzzer), f"-max_total_time={seconds}", "-max_len=4096",
                        "-rss_limit_mb=2048", "-timeout=20", str(corpus)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=seconds + 300)
    assert r.returncode == 0, r.stderr[-4000:]
    runs = re.search(r"Done (\d+) runs", r.stderr)
    assert runs and int(runs.group(1)) > 1000, r.stderr[-2000:]
