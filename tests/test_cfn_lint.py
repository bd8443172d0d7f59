"""cfn-lint (PyPI) over every template the suite produces: the valid corpus,
tests/marshal, sparta.yaml.example and a generated service. Each must give
0 errors and 0 warnings (informational findings are not counted).

A finding may be ignored only through tests/cfn-lint-ignore.txt, one line per
template and rule with the reason; an ignore that no longer matches anything
fails too, so the file cannot rot.
"""
import json
import subprocess

import pytest

from conftest import ROOT, need
from test_marshal import all_templates

IGNORE_FILE = ROOT / "tests" / "cfn-lint-ignore.txt"


def load_ignores():
    out = {}
    for line in IGNORE_FILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, rule, reason = line.split(None, 2)
        assert reason.strip(), f"{IGNORE_FILE.name}: {name} {rule} needs a reason"
        out[(name, rule)] = reason
    return out


@pytest.fixture(scope="module")
def lint(tmp_path_factory):
    need("cfn-lint")
    templates = all_templates(tmp_path_factory.mktemp("lint"))
    by_path = {str(p): name for name, p in templates}
    # One run over all of them: cfn-lint's start-up dominates its time.
    r = subprocess.run(["cfn-lint", "--format", "json", "--", *by_path],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 2, 4, 6, 8, 10, 12, 14), r.stderr
    findings = json.loads(r.stdout or "[]")
    return templates, [(by_path.get(f["Filename"], f["Filename"]), f) for f in findings]


def test_cfn_lint_clean(lint):
    templates, findings = lint
    ignores = load_ignores()
    used = set()
    bad = []
    for name, f in findings:
        if f["Level"] not in ("Error", "Warning"):
            continue
        rule = f["Rule"]["Id"]
        if (name, rule) in ignores:
            used.add((name, rule))
            continue
        loc = f["Location"]["Start"]
        bad.append(f"{name}:{loc['LineNumber']}: {rule} {f['Message']}")
    assert bad == [], "\n".join(bad)
    assert set(ignores) - used == set(), "stale entries in cfn-lint-ignore.txt"
    names = {n for n, _ in templates}
    assert "example" in names and len(names) >= 15


def test_lint_sees_errors(tmp_path):
    """The harness fails on a broken template (so a clean run means something)."""
    need("cfn-lint")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Resources": {"F": {"Type": "AWS::Lambda::Function",
                                                   "Properties": {"Runtime": "go1.x"}}}}))
    r = subprocess.run(["cfn-lint", "--format", "json", "--", str(bad)],
                       capture_output=True, text=True, timeout=300)
    levels = {f["Level"] for f in json.loads(r.stdout or "[]")}
    assert "Error" in levels
