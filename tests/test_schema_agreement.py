"""spartac's schema validator and Python jsonschema (Draft7Validator) agree.

For every manifest of tests/manifests/valid and tests/manifests/invalid, the
manifest is read in Python the way spartac's loader reads it (YAML 1.2 core
scalars, CloudFormation short tags in long form: tests/manifestlib.py) and
validated with jsonschema; spartac validate is run on the same file. The two
must agree on whether the manifest passes the schema: spartac "rejects at
schema level" when it reports any E-SCHEMA* diagnostic.

Cases whose expected diagnostics name a loader-level code (anything that is
neither E-SCHEMA* nor a semantic code: E-YAML-*, E-FILE-*, tags, UTF-8,
limits) are excluded, since Python's loader would not see the same tree.
Semantic cases (sem-*) stay in: both validators must accept their tree.

On top of the corpus, every valid manifest is mutated in fixed, seeded ways
(wrong types, missing required keys, unknown keys, boundary numbers,
duplicate list items) and each mutant, written as JSON (a YAML 1.2 subset
that round-trips exactly), is checked the same way. That is where
disagreements between two validators hide: in the cases no one wrote.
"""
import copy
import json
import random
import re
import shlex
import subprocess
from pathlib import Path

import pytest

import manifestlib
from conftest import ROOT, SPARTAC, VALGRIND, spartac_cmd

VALID = ROOT / "tests" / "manifests" / "valid"
INVALID = ROOT / "tests" / "manifests" / "invalid"
CODE_RE = re.compile(r"\[([EWN]-[A-Z0-9-]+)\]$", re.M)
# Under valgrind each run costs a second or more: fewer mutants, same seeds.
MUTANTS_PER_MANIFEST = 4 if VALGRIND else 24


def _validator():
    from jsonschema import Draft7Validator
    schema = manifestlib.load_schema()
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def test_schema_is_valid_draft7():
    """The manifest schema is itself a valid draft-07 schema."""
    from jsonschema import Draft7Validator
    schema = manifestlib.load_schema()
    assert schema.get("$schema", "").startswith("http://json-schema.org/draft-07/schema")
    Draft7Validator.check_schema(schema)


def _semantic_codes():
    """Codes from the semantic sections of diag_codes.h (not loader, not schema)."""
    text = (ROOT / "src" / "base" / "diag_codes.h").read_text()
    codes = set()
    section = ""
    for line in text.splitlines():
        m = re.match(r"/\* ---- (.*?) ---- \*/", line)
        if m:
            section = m.group(1)
            continue
        m = re.search(r'DIAG\(\w+, \w+, "([EWN]-[A-Z0-9-]+)"', line)
        if m and not re.match(r"(loading|schema|JSON input)", section):
            codes.add(m.group(1))
    return codes


def _classify(yaml_path):
    """'valid', 'schema', 'semantic', or None for loader-level (excluded)."""
    err = yaml_path.with_suffix(".err")
    if yaml_path.parent == VALID:
        return "valid"
    if not err.exists():
        return None
    codes = set(CODE_RE.findall(err.read_text(errors="replace")))
    if not codes:
        return None
    if all(c.startswith("E-SCHEMA") for c in codes):
        return "schema"
    if codes <= _semantic_codes():
        return "semantic"
    return None


def _cases():
    out = []
    for d in (VALID, INVALID):
        for p in sorted(d.glob("*.yaml")):
            kind = _classify(p)
            if kind is not None:
                out.append((p, kind))
    return out


def _case_args(path):
    """Options a case names in a '# args: ...' comment in its first three lines."""
    with open(path, "rb") as f:
        head = [f.readline().decode("utf-8", "replace") for _ in range(3)]
    for line in head:
        m = re.match(r"#\s*args:\s*(.*)$", line.strip())
        if m:
            return shlex.split(m.group(1))
    return []


def _spartac_schema_verdict(path, cwd=None, args=()):
    """(accepts at schema level, exit status, codes) from spartac validate."""
    r = subprocess.run(spartac_cmd("--format", "json", "validate", *args, path), cwd=cwd,
                       capture_output=True, text=True, timeout=60)
    try:
        diags = json.loads(r.stdout) if r.stdout.strip() else []
    except json.JSONDecodeError:
        pytest.fail(f"spartac --format json printed no JSON for {path}:\n{r.stdout}{r.stderr}")
    codes = [d["code"] for d in diags]
    return not any(c.startswith("E-SCHEMA") for c in codes), r.returncode, codes


def _python_errors(v, tree):
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in v.iter_errors(tree)]


CASES = _cases()


def test_corpus_is_there():
    kinds = [k for _, k in CASES]
    assert kinds.count("valid") > 0, "no valid manifests found"
    assert kinds.count("schema") > 0, "no schema-level invalid manifests found"
    print(f"agreement corpus: {kinds.count('valid')} valid, {kinds.count('schema')} "
          f"schema-level, {kinds.count('semantic')} semantic cases")


@pytest.mark.parametrize("path,kind", CASES, ids=[p.name for p, _ in CASES])
def test_corpus_agrees(path, kind):
    if not SPARTAC.exists():
        pytest.fail(f"{SPARTAC} is missing: run make first")
    v = _validator()
    tree = manifestlib.load_manifest(path)
    py = _python_errors(v, tree)
    ours, status, codes = _spartac_schema_verdict(path.name, cwd=path.parent,
                                                  args=_case_args(path))
    assert ours == (py == []), (
        f"disagreement on {path.name}: spartac {'accepts' if ours else 'rejects'} "
        f"({codes}), jsonschema {'accepts' if not py else 'rejects'}: {py}")
    if kind == "valid":
        assert py == [] and status == 0, f"{path.name}: {codes} {py}"
    elif kind == "schema":
        assert py and not ours
    else:
        assert not py and ours and status != 0


# ---- seeded mutants of the valid manifests ----

WRONG_VALUES = [None, True, 0, -1, 1.5, "", "x", "zz z", [], ["x"], {}, {"zz_unknown": 1},
                127, 128, 10240, 10241, 900, 901, 2 ** 40, "arn:aws:iam::123456789012:role/x"]


def _paths(tree, prefix=()):
    """Every (path, value) in the tree, containers included."""
    yield prefix, tree
    if isinstance(tree, dict):
        for k, val in tree.items():
            yield from _paths(val, prefix + (k,))
    elif isinstance(tree, list):
        for i, val in enumerate(tree):
            yield from _paths(val, prefix + (i,))


def _get(tree, path):
    for p in path:
        tree = tree[p]
    return tree


def _mutate(tree, rng):
    t = copy.deepcopy(tree)
    paths = [p for p, _ in _paths(t) if p]
    if not paths:
        return t, "none"
    path = rng.choice(paths)
    parent = _get(t, path[:-1])
    key = path[-1]
    op = rng.randrange(5)
    if op == 0:
        val = copy.deepcopy(rng.choice(WRONG_VALUES))
        parent[key] = val
        what = f"set {path} = {val!r}"
    elif op == 1 and isinstance(parent, dict):
        del parent[key]
        what = f"delete {path}"
    elif op == 2 and isinstance(parent, dict):
        name = rng.choice(["zz_unknown", str(key) + "s", str(key)[:-1] or "q"])
        parent[name] = copy.deepcopy(parent[key])
        what = f"add {path[:-1] + (name,)}"
    elif op == 3 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
        what = f"duplicate {path}"
    else:
        val = _get(t, path)
        if isinstance(val, str):
            parent[key] = val + rng.choice(["!", " ", "-", "_x", "0", ""]) * rng.randrange(1, 3)
        elif isinstance(val, (int, float)) and not isinstance(val, bool):
            parent[key] = rng.choice([val - 1, val + 1, -val, val * 1000, 0])
        else:
            parent[key] = str(val)
        what = f"tweak {path} -> {parent[key]!r}"
    return t, what


def _mutants():
    out = []
    for p in sorted(VALID.glob("*.yaml")):
        tree = manifestlib.load_manifest(p)
        if not isinstance(tree, dict):
            continue
        rng = random.Random(p.name)
        for i in range(MUTANTS_PER_MANIFEST):
            mutant, what = _mutate(tree, rng)
            out.append((f"{p.stem}-{i}", mutant, what))
    return out


def test_mutants_agree(tmp_path):
    if not SPARTAC.exists():
        pytest.fail(f"{SPARTAC} is missing: run make first")
    v = _validator()
    mutants = _mutants()
    assert mutants, "no valid manifests to mutate"
    disagree = []
    rejected = 0
    for name, tree, what in mutants:
        f = tmp_path / f"{name}.yaml"
        # Raw UTF-8: libyaml refuses JSON's surrogate-pair escapes (YAML has \U).
        f.write_text(json.dumps(tree, indent=1, allow_nan=False, ensure_ascii=False),
                     encoding="utf-8")
        py = _python_errors(v, tree)
        ours, _, codes = _spartac_schema_verdict(f.name, cwd=tmp_path)
        if any(not c.startswith(("E-SCHEMA", "E-")) for c in codes):
            continue
        loader = [c for c in codes if c.startswith(("E-YAML", "E-FILE", "E-JSON"))]
        assert not loader, f"{name} ({what}): the JSON form did not load: {codes}"
        rejected += not ours
        if ours != (py == []):
            disagree.append(f"{name}: {what}: spartac {'accepts' if ours else 'rejects'} "
                            f"{codes}, jsonschema {py or 'accepts'}")
    print(f"mutants: {len(mutants)}, rejected by the schema: {rejected}")
    assert disagree == [], "\n".join(disagree)
    # The mutants must exercise both outcomes, or the test proves nothing.
    assert 0 < rejected < len(mutants)
