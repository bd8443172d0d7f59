"""`spartac validate --explain FUNCTION`: the effective settings of one
function, each with where it came from (the function, defaults:, a stage,
or spartac's built-in default), on the valid corpus case defaults.yaml."""
import re
import shutil

from conftest import ROOT, run

CASE = ROOT / "tests" / "manifests" / "valid" / "defaults.yaml"


def explain(tmp_path, *args):
    shutil.copy(CASE, tmp_path / CASE.name)
    r = run("validate", "--no-color", *args, CASE.name, cwd=tmp_path)
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        m = re.match(r"  (\S+(?: \(role\))?)\s+(.*?)\s{1,}(default|(?:defaults of )?stage \S+ \(.*\)|"
                     r"defaults \(.*\)|function \(.*\))$", line)
        assert m, line
        rows[m.group(1)] = (m.group(2).strip(), m.group(3))
    return r, rows


def test_origins_without_a_stage(tmp_path):
    r, rows = explain(tmp_path, "--explain", "put")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.startswith("function 'put' (defaults.yaml:32:3)\n")
    assert rows["memory"] == ("512", "function (defaults.yaml:35:13)")
    assert rows["timeout"] == ("10", "defaults (defaults.yaml:9:12)")
    assert rows["reserved_concurrency"] == ("(none reserved)", "default")
    assert rows["layers"] == ("[]", "function (defaults.yaml:36:13)")
    assert rows["environment.TABLE"] == ('{"Ref":"Notes"}', "defaults (defaults.yaml:15:12)")
    assert rows["environment.LOG_LEVEL"] == ("debug", "function (defaults.yaml:37:30)")
    assert rows["tags.team"] == ("notes", "defaults (defaults.yaml:17:16)")
    assert rows["tags.tier"] == ("write", "function (defaults.yaml:38:18)")
    assert rows["privileges (role)"] == ("1 statement", "defaults (defaults.yaml:19:5)")


def test_a_stage_overrides_defaults_but_not_the_function(tmp_path):
    r, rows = explain(tmp_path, "--stage", "prod", "--explain", "list")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("function 'list' (defaults.yaml:30:3), stage prod\n")
    assert rows["timeout"] == ("20", "defaults of stage prod (defaults.yaml:45:25)")
    assert rows["environment.LOG_LEVEL"] == ("warn",
                                             "defaults of stage prod (defaults.yaml:45:54)")
    assert rows["memory"] == ("256", "defaults (defaults.yaml:8:11)")
    r, rows = explain(tmp_path, "--stage", "prod", "--explain", "put")
    assert rows["timeout"] == ("5", "stage prod (defaults.yaml:47:22)")
    assert rows["environment.LOG_LEVEL"] == ("debug", "function (defaults.yaml:37:30)")


def test_an_arn_role_gets_nothing_from_defaults(tmp_path):
    r, rows = explain(tmp_path, "--explain", "old")
    assert r.returncode == 0, r.stderr
    assert "privileges (role)" not in rows and "managed_policies (role)" not in rows
    assert rows["environment.TABLE"][1] == "function (defaults.yaml:42:26)"


def test_unknown_function_is_a_usage_error(tmp_path):
    shutil.copy(CASE, tmp_path / CASE.name)
    r = run("validate", "--explain", "lst", CASE.name, cwd=tmp_path)
    assert r.returncode == 64 and r.stdout == ""
    assert "declares no function 'lst' (did you mean 'list'?)" in r.stderr


def test_invalid_manifest_explains_nothing(tmp_path):
    (tmp_path / "s.yaml").write_text("service: s\nfunctions:\n  f: {symbol: f, memory: 1}\n")
    r = run("validate", "--no-color", "--explain", "f", "s.yaml", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == "" and "E-SCHEMA-RANGE" in r.stderr
